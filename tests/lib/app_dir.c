/*
 * Tests of lib/app_dir: eddy_find_app_dir finds an app's folder from an
 * option, from its source file's folder, or not at all - on disk, in a
 * temporary tree.
 */
#include <eddy/eddy.h>

#include <criterion/criterion.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

static char tree[] = "/tmp/eddy-app-dir-XXXXXX";

static void make_tree(void)
{
    cr_assert_not_null(mkdtemp(tree));
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/app", tree);
    cr_assert_eq(mkdir(path, 0700), 0);
    snprintf(path, sizeof path, "%s/app/templates", tree);
    cr_assert_eq(mkdir(path, 0700), 0);
    snprintf(path, sizeof path, "%s/app/notes.txt", tree); /* a file is no folder */
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f);
    fclose(f);
}

static void remove_tree(void)
{
    char cmd[PATH_MAX + 16];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tree);
    cr_assert_eq(system(cmd), 0);
}

TestSuite(app_dir, .init = make_tree, .fini = remove_tree);

Test(app_dir, an_option_names_the_root_and_is_the_only_place_tried)
{
    char root[PATH_MAX], out[PATH_MAX], want[PATH_MAX];
    snprintf(root, sizeof root, "%s/app", tree);
    snprintf(want, sizeof want, "%s/app/templates", tree);
    cr_assert(eddy_find_app_dir(root, __FILE__, "tests/lib", "templates", out, sizeof out));
    cr_assert_str_eq(out, want);
    /* a root without the folder is an error, not a reason to look elsewhere */
    cr_assert_not(eddy_find_app_dir(tree, __FILE__, "tests/lib", "templates", out, sizeof out));
    cr_assert_not(eddy_find_app_dir(root, __FILE__, "tests/lib", "notes.txt", out, sizeof out));
}

Test(app_dir, the_source_files_folder_comes_next)
{
    char source[PATH_MAX], out[PATH_MAX], want[PATH_MAX];
    snprintf(source, sizeof source, "%s/app/main.c", tree);
    snprintf(want, sizeof want, "%s/app/templates", tree);
    cr_assert(eddy_find_app_dir(NULL, source, "nowhere", "templates", out, sizeof out));
    cr_assert_str_eq(out, want);
    cr_assert(eddy_find_app_dir("", source, "nowhere", "templates", out, sizeof out));
    cr_assert_not(eddy_find_app_dir(NULL, source, "nowhere", "static", out, sizeof out));
}

Test(app_dir, a_path_that_does_not_fit_is_not_found)
{
    char root[PATH_MAX], out[16];
    snprintf(root, sizeof root, "%s/app", tree);
    cr_assert_not(eddy_find_app_dir(root, __FILE__, "tests/lib", "templates", out, sizeof out));
}
