/*
 * `make progress` and `make hint` as a student meets them: in a temporary
 * copy of the project's make machinery (Makefile, scripts/, the test
 * harness) with three exercises of its own - one solved, one half done, one
 * that does not compile - the tests run make there and check what it
 * prints. The real exercises/ tree is never touched.
 *
 * The planted exercise is one function, answer(), and two tests: it
 * returns 42, and it is not negative. A file that returns 0 passes one of
 * the two; a file with a syntax error passes nothing.
 */
#include "harness.h"

#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef TEST_SOURCE_DIR
#define TEST_SOURCE_DIR "."
#endif

static char root[64];

static const char *answer_h = "int answer(void);\n";
static const char *solved = "#include \"answer.h\"\nint answer(void) { return 42; }\n";
static const char *half_done = "#include \"answer.h\"\nint answer(void) { return 0; }\n";
static const char *broken = "#include \"answer.h\"\nint answer(void) { return 42 }\n";
static const char *tests =
    "#include \"answer.h\"\n"
    "#include <criterion/criterion.h>\n"
    "Test(answer, is_not_negative) { cr_assert_geq(answer(), 0); }\n"
    "Test(answer, is_forty_two) { cr_assert_eq(answer(), 42, \"answer() gave %d\", answer()); }\n";
static const char *hints = "# two steps\n\nThe first nudge.\n\nThe second, closer step.\n";

/* put - write text to root/rel, making its folders. */
static void put(const char *rel, const char *text)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", root, rel);
    for (char *slash = strchr(path + strlen(root) + 1, '/'); slash;
         slash = strchr(slash + 1, '/')) {
        *slash = '\0';
        cr_assert(mkdir(path, 0755) == 0 || errno == EEXIST, "mkdir %s: %s", path, strerror(errno));
        *slash = '/';
    }
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f, "cannot write %s", path);
    fputs(text, f);
    fclose(f);
}

/* copy - the project's file rel into the copy, keeping its mode. */
static void copy(const char *rel)
{
    char from[512], *text = NULL;
    snprintf(from, sizeof from, "%s/%s", TEST_SOURCE_DIR, rel);
    FILE *f = fopen(from, "r");
    cr_assert_not_null(f, "cannot read %s", from);
    size_t cap = 0, len = 0, n;
    char buf[8192];
    while ((n = fread(buf, 1, sizeof buf, f)) > 0) {
        if (len + n + 1 > cap) {
            cap = 2 * (len + n + 1);
            text = realloc(text, cap);
            cr_assert_not_null(text);
        }
        memcpy(text + len, buf, n);
        len += n;
    }
    fclose(f);
    text[len] = '\0';
    put(rel, text);
    free(text);
    struct stat st;
    char to[512];
    snprintf(to, sizeof to, "%s/%s", root, rel);
    cr_assert_eq(stat(from, &st), 0);
    chmod(to, st.st_mode & 0777);
}

/* plant - exercise id with the given answer.c, its tests and hints. */
static void plant(const char *id, const char *answer_c)
{
    char rel[128];
    snprintf(rel, sizeof rel, "exercises/%s/answer.c", id);
    put(rel, answer_c);
    snprintf(rel, sizeof rel, "exercises/%s/answer.h", id);
    put(rel, answer_h);
    snprintf(rel, sizeof rel, "exercises/%s/hints.txt", id);
    put(rel, hints);
    snprintf(rel, sizeof rel, "tests/exercises/%s.c", id);
    put(rel, tests);
}

static void setup(void)
{
    snprintf(root, sizeof root, "/tmp/eddy-progress-XXXXXX");
    cr_assert_not_null(mkdtemp(root));
    copy("Makefile");
    copy("scripts/exercises.sh");
    copy("scripts/deps.sh");
    copy("tests/common/harness.c");
    copy("tests/common/harness.h");
    put("exercises/MANIFEST",
        "# id\tfiles\n90-solved\tanswer.c\n91-half\tanswer.c\n92-broken\tanswer.c\n");
    plant("90-solved", solved);
    plant("91-half", half_done);
    plant("92-broken", broken);
}

static void teardown(void)
{
    char *argv[] = {"/bin/rm", "-rf", root, NULL};
    if (root[0])
        th_run(argv, 30000, NULL);
}

/* make - make ARGS... in the copy, as a student types it: without the
 * outer make's flags and variables, and without BXFI_MAP, which would tell
 * the planted Criterion binaries that they are workers of this one. Its
 * output (free() it). */
static char *make(const char *a1, const char *a2, const char *a3)
{
    char *argv[] = {"/usr/bin/env",
                    "-u",
                    "MAKEFLAGS",
                    "-u",
                    "MAKELEVEL",
                    "-u",
                    "MFLAGS",
                    "-u",
                    "MAKEOVERRIDES",
                    "-u",
                    "BXFI_MAP",
                    "make",
                    "--no-print-directory",
                    "-C",
                    root,
                    (char *)a1,
                    (char *)a2,
                    (char *)a3,
                    NULL};
    char *out = NULL;
    int status = th_run(argv, 120000, &out);
    cr_assert_not_null(out);
    cr_assert(status >= 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0,
              "make %s %s failed (status %d):\n%s", a1, a2 ? a2 : "", status, out);
    return out;
}

#define cr_assert_says(out, text)                                                                  \
    cr_assert_not_null(strstr(out, text), "no \"%s\" in:\n%s", text, out)
#define cr_assert_silent(out, text) cr_assert_null(strstr(out, text), "\"%s\" in:\n%s", text, out)

Test(progress, tells_solved_half_done_and_not_compiling_apart, .init = setup, .fini = teardown,
     .timeout = 240)
{
    char *out = make("progress", NULL, NULL);
    cr_assert_says(out, "Exercises: 1/3 done");
    cr_assert_says(out, "  [ pass ] 90-solved\n");
    cr_assert_says(out, "  [ todo ] 91-half                1 of 2 tests pass\n");
    cr_assert_says(out, "  [ todo ] 92-broken              does not compile\n");
    /* The next one is the lowest unfinished: its failure, its first hint. */
    cr_assert_says(out, "Next: exercise 91-half\n");
    cr_assert_says(out, "  what fails now (1 of 2 tests pass):\n");
    cr_assert_says(out, "    answer::is_forty_two\n      91-half.c:4: answer() gave 0\n");
    cr_assert_says(out, "  hint 1 of 2:\n    The first nudge.\n");
    cr_assert_silent(out, "The second, closer step.");
    free(out);

    out = make("progress", "EX=92", NULL);
    cr_assert_says(out, "Exercise 92-broken\n  edit:  exercises/92-broken/answer.c\n");
    cr_assert_says(out, "  does not compile; the first error:\n"
                        "    exercises/92-broken/answer.c:2:");
    cr_assert_says(out, ": error: expected "); /* the compiler's words, quotes of its locale */
    cr_assert_says(out, "int answer(void) { return 42 }"); /* the line, as gcc shows it */
    cr_assert_silent(out, "tests pass");
    free(out);

    out = make("progress", "EX=90", NULL);
    cr_assert_says(out, "Exercise 90-solved\n");
    cr_assert_says(out, "  all 2 tests pass. Well done.\n");
    free(out);
}

Test(progress, a_file_broken_after_a_good_build_does_not_compile, .init = setup, .fini = teardown,
     .timeout = 240)
{
    char *out = make("progress", "EX=90", NULL);
    cr_assert_says(out, "tests pass. Well done.");
    free(out);
    out = make("progress", "EX=91", NULL);
    cr_assert_says(out, "what fails now (1 of 2 tests pass)");
    free(out);

    /* Both test binaries now exist; neither may answer for a broken file. */
    put("exercises/90-solved/answer.c", broken);
    put("exercises/91-half/answer.c", broken);
    out = make("progress", NULL, NULL);
    cr_assert_says(out, "Exercises: 0/3 done");
    cr_assert_says(out, "  [ todo ] 90-solved              does not compile\n");
    cr_assert_says(out, "  [ todo ] 91-half                does not compile\n");
    cr_assert_says(out, "Next: exercise 90-solved\n  edit:  exercises/90-solved/answer.c\n");
    cr_assert_says(out, "exercises/90-solved/answer.c:2:");
    cr_assert_silent(out, "tests pass");
    free(out);

    /* Mended, it passes again. */
    put("exercises/90-solved/answer.c", solved);
    out = make("progress", "EX=90", NULL);
    cr_assert_says(out, "tests pass. Well done.");
    free(out);
}

Test(progress, hints_come_one_step_more_each_time, .init = setup, .fini = teardown, .timeout = 60)
{
    char *out = make("hint", "EX=91", NULL);
    cr_assert_says(out, "Exercise 91-half\n  hint 1 of 2:\n    The first nudge.\n");
    cr_assert_silent(out, "closer step");
    cr_assert_says(out, "`make hint EX=91` again for step 2");
    free(out);

    out = make("hint", "EX=91", NULL);
    cr_assert_says(
        out,
        "  hint 1 of 2:\n    The first nudge.\n  hint 2 of 2:\n    The second, closer step.\n");
    cr_assert_says(out, "That was the last step.");
    free(out);

    out = make("hint", "EX=91", "LEVEL=1");
    cr_assert_says(out, "The first nudge.");
    cr_assert_silent(out, "closer step");
    free(out);

    /* Each exercise counts its own steps; progress shows those seen so far. */
    out = make("hint", "EX=90", NULL);
    cr_assert_says(out, "Exercise 90-solved\n  hint 1 of 2:\n");
    free(out);
    out = make("hint", "EX=91", "LEVEL=2");
    free(out);
    out = make("progress", "EX=91", NULL);
    cr_assert_says(out, "The first nudge.\n  hint 2 of 2:\n    The second, closer step.\n");
    free(out);
}
