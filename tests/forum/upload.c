/*
 * upload - UEditor's upload API (/upload/?action=...): its settings, an
 * image and a file saved under names of the server's making and served
 * back byte for byte, the list of uploads, and what is refused: no
 * token, a file too large, a type the editor does not allow or bytes
 * that are not what the name says, and a client file name that tries to
 * leave the folder.
 */
#include "content_client.h"

#include <criterion/criterion.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static fc_forum forum;

static void cleanup(void)
{
    fc_stop(&forum);
}

static const unsigned char png[] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n', 0, 0, 0, 13,
                                    'I', 'H', 'D', 'R', 0, 0, 0, 1, 0, 0, 0, 1, 8, 2, 0, 0, 0};

static fc_response send_file(const char *action, long long user, const char *filename,
                             const void *data, size_t size)
{
    size_t len;
    const char *type;
    char *body = fc_multipart("upfile", filename, data, size, NULL, &len, &type);
    char path[128];
    snprintf(path, sizeof path, "/upload/?action=%s", action);
    fc_response r = fc_call_raw(&forum, "POST", path, user, type, body, len);
    free(body);
    return r;
}

static const char *state(const fc_response *r)
{
    const char *s = json_string_value(json_object_get(r->json, "state"));
    return s ? s : "(none)";
}

/* files_under - regular files anywhere under dir (not following links). */
static int files_under(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return 0;
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.')
            continue;
        char path[1024];
        struct stat st;
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        if (lstat(path, &st) < 0)
            continue;
        n += S_ISDIR(st.st_mode) ? files_under(path) : S_ISREG(st.st_mode);
    }
    closedir(d);
    return n;
}

Test(forum_upload, ueditor, .fini = cleanup, .timeout = 60)
{
    const char *why = "";
    cr_assert_eq(fc_start(&forum, NULL, NULL, &why), 0, "%s", why);
    long long user = fc_user(&forum, 41, "writer");
    char upload_dir[512];
    snprintf(upload_dir, sizeof upload_dir, "%s/media/upload", forum.dir);

    fc_response r = fc_call(&forum, "GET", "/upload/?action=config", 0, NULL);
    cr_assert_eq(r.status, 200);
    cr_expect_eq(json_integer_value(json_object_get(r.json, "imageMaxSize")), 2048000);
    cr_expect_str_eq(json_string_value(json_object_get(r.json, "imageFieldName")), "upfile");
    fc_free(&r);

    r = send_file("uploadimage", 0, "a.png", png, sizeof png);
    cr_expect_eq(r.status, 401, "no token: %d", r.status);
    fc_free(&r);

    /* an image, saved and served back */
    r = send_file("uploadimage", user, "../../../../tmp/evil.png", png, sizeof png);
    cr_assert_str_eq(state(&r), "SUCCESS", "%d %s", r.status, r.body);
    cr_expect(strstr(fc_header(&r, "Content-Type"), "text/html"));
    const char *url = json_string_value(json_object_get(r.json, "url"));
    cr_assert(url);
    cr_expect(strncmp(url, "/media/upload/image/", 20) == 0, "%s", url);
    cr_expect(!strstr(url, "evil") && !strstr(url, ".."), "the server names the file: %s", url);
    cr_expect_str_eq(json_string_value(json_object_get(r.json, "original")), "evil.png",
                     "the client's name is data, without its path");
    char saved[256];
    snprintf(saved, sizeof saved, "%s", url);
    fc_free(&r);
    r = fc_call(&forum, "GET", saved, 0, NULL);
    cr_expect_eq(r.status, 200);
    cr_expect(r.body_len == sizeof png && memcmp(r.body, png, sizeof png) == 0, "same bytes");
    fc_free(&r);
    r = fc_call(&forum, "GET", saved + strlen("/media"), 0, NULL);
    cr_expect_eq(r.status, 301, "the course's /upload/<path> moves to /media/upload/");
    fc_free(&r);

    /* refused: not what the name claims, a type not allowed, too large */
    r = send_file("uploadimage", user, "fake.png", "<script>alert(1)</script>", 25);
    cr_expect_neq(r.status, 200);
    cr_expect_str_neq(state(&r), "SUCCESS", "text named .png: %s", r.body);
    fc_free(&r);
    r = send_file("uploadfile", user, "run.exe", "MZ\x90\0", 4);
    cr_expect_eq(r.status, 415);
    cr_expect_str_neq(state(&r), "SUCCESS");
    fc_free(&r);
    r = send_file("uploadfile", user, "page.html", "<html><script>x</script></html>", 31);
    cr_expect_eq(r.status, 415, "HTML is not among the editor's files");
    fc_free(&r);
    size_t big = 2048001;
    unsigned char *large = calloc(1, big);
    memcpy(large, png, sizeof png);
    r = send_file("uploadimage", user, "big.png", large, big);
    free(large);
    cr_expect(r.status == 413, "too large: %d %s", r.status, r.body);
    fc_free(&r);
    cr_expect_eq(files_under(upload_dir), 1, "only the one image was kept");

    /* a file: text, kept as text */
    r = send_file("uploadfile", user, "notes.txt", "plain notes\n", 12);
    cr_expect_str_eq(state(&r), "SUCCESS", "%s", r.body);
    cr_expect(strstr(json_string_value(json_object_get(r.json, "url")), "/media/upload/file/"));
    fc_free(&r);

    r = fc_call(&forum, "GET", "/upload/?action=listimage&start=0&size=20", 0, NULL);
    cr_expect_str_eq(state(&r), "SUCCESS");
    cr_expect_eq(json_integer_value(json_object_get(r.json, "total")), 1, "%s", r.body);
    cr_expect_str_eq(
        json_string_value(json_object_get(json_array_get(json_object_get(r.json, "list"), 0),
                                          "url")),
        saved);
    fc_free(&r);
    r = fc_call(&forum, "GET", "/upload/?action=nonsense", 0, NULL);
    cr_expect_eq(r.status, 400);
    fc_free(&r);
}
