/*
 * api_upload - the server side of UEditor, the course's rich-text editor
 * (FORUM_API.md §1.8): one URL, /upload/, whose ?action= says what to do.
 *
 *   GET  ?action=config                  the editor's settings (limits, field names)
 *   POST ?action=uploadimage|uploadfile  multipart "upfile": saved, then
 *                                        {state: "SUCCESS", url, title, original}
 *   GET  ?action=listimage|listfile&start=0&size=20
 *                                        {state, list: [{url, mtime}], start, total}
 *
 * Files go under <media-dir>/upload/image|file/YYYYMMDD/ with a name of
 * the server's making, and are served by /media/ (the old /upload/<path>
 * URLs are redirected there). Unlike the course, an upload needs a
 * logged-in user (the tsessionid token); its size is capped (an image
 * 2,048,000 bytes, a file 51,200,000, UEditor's own defaults) and its
 * type judged twice: the client's file name must have an extension the
 * editor allows, and the bytes themselves must be what the name claims
 * for an image. The client's name is kept as the "original" text only,
 * never as a path. Failures answer with UEditor's shape, a "state" that
 * is not SUCCESS, and a 4xx status.
 */
#include "content.h"
#include "forum.h"

#include <eddy/async/future.h>
#include <eddy/web/body.h>

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>

#define IMAGE_MAX_BYTES 2048000
#define FILE_MAX_BYTES 51200000
#define LIST_SIZE 20

static const char *const image_exts[] = {".png", ".jpg", ".jpeg", ".gif", ".bmp", NULL};
static const char *const image_types[] = {"image/png", "image/jpeg", "image/gif", "image/bmp",
                                          NULL};
static const char *const file_exts[] = {
    ".png", ".jpg", ".jpeg", ".gif", ".bmp", ".flv", ".swf", ".mkv", ".avi", ".rm", ".rmvb",
    ".mpeg", ".mpg", ".ogg", ".ogv", ".mov", ".wmv", ".mp4", ".webm", ".mp3", ".wav", ".mid",
    ".rar", ".zip", ".tar", ".gz", ".7z", ".bz2", ".cab", ".iso", ".doc", ".docx", ".xls",
    ".xlsx", ".ppt", ".pptx", ".pdf", ".txt", ".md", ".xml", NULL};

/* One kind of upload: where it goes and what it may be. */
typedef struct upload_kind {
    const char *folder; /* under <media-dir>/upload/ */
    uint64_t max_bytes;
    const char *const *exts;  /* allowed name extensions */
    const char *const *types; /* allowed sniffed types; NULL: any */
} upload_kind;

static const upload_kind image_kind = {"image", IMAGE_MAX_BYTES, image_exts, image_types};
static const upload_kind file_kind = {"file", FILE_MAX_BYTES, file_exts, NULL};

static json_t *string_list(const char *const *items)
{
    json_t *a = json_array();
    for (size_t i = 0; items[i]; i++)
        json_array_append_new(a, json_string(items[i]));
    return a;
}

static void send_state(eddy_req *r, int status, json_t *body)
{
    eddy_response_status(r, status);
    eddy_send_json(r, body);
}

static void send_failure(eddy_req *r, int status, const char *state)
{
    send_state(r, status, json_pack("{s:s}", "state", state));
}

/* ------------------------------------------------------------ config */

static void send_config(eddy_req *r)
{
    json_t *c = json_pack(
        "{s:s, s:s, s:I, s:o, s:b, s:i, s:s, s:s, s:s, s:s, s:I, s:o, s:s, s:s, s:i, s:s,"
        " s:o, s:s, s:s, s:i, s:o}",
        "imageActionName", "uploadimage", "imageFieldName", "upfile", "imageMaxSize",
        (json_int_t)IMAGE_MAX_BYTES, "imageAllowFiles", string_list(image_exts),
        "imageCompressEnable", 1, "imageCompressBorder", 1600, "imageInsertAlign", "none",
        "imageUrlPrefix", "", "fileActionName", "uploadfile", "fileFieldName", "upfile",
        "fileMaxSize", (json_int_t)FILE_MAX_BYTES, "fileAllowFiles", string_list(file_exts),
        "fileUrlPrefix", "", "imageManagerActionName", "listimage", "imageManagerListSize",
        LIST_SIZE, "imageManagerUrlPrefix", "", "imageManagerAllowFiles",
        string_list(image_exts), "fileManagerActionName", "listfile", "fileManagerUrlPrefix", "",
        "fileManagerListSize", LIST_SIZE, "fileManagerAllowFiles", string_list(file_exts));
    eddy_send_json(r, c);
}

/* ------------------------------------------------------------ uploading */

static int one_of(const char *s, const char *const *list, int nocase)
{
    for (size_t i = 0; s && list[i]; i++)
        if ((nocase ? strcasecmp(s, list[i]) : strcmp(s, list[i])) == 0)
            return 1;
    return 0;
}

/* make_dirs - <media>/upload/<folder>/<day>, made when missing; the path
 * in out. 0 or an errno value. */
static int make_dirs(const char *media, const char *folder, const char *day, char *out,
                     size_t cap)
{
    const char *parts[] = {"upload", folder, day};
    size_t len = (size_t)snprintf(out, cap, "%s", media);
    for (size_t i = 0; i < 3; i++) {
        len += (size_t)snprintf(out + len, len < cap ? cap - len : 0, "/%s", parts[i]);
        if (len >= cap)
            return ENAMETOOLONG;
        if (mkdir(out, 0755) < 0 && errno != EEXIST)
            return errno;
    }
    return 0;
}

static void upload(eddy_req *r, const upload_kind *k)
{
    if (content_require_user(r) < 0)
        return;
    const eddy_upload *u = eddy_get_upload(r, "upfile");
    if (!u) {
        send_failure(r, 400, "未找到上传文件");
        return;
    }
    if (u->size > k->max_bytes) {
        send_failure(r, 413, "文件大小超出网站限制");
        return;
    }
    const char *ext = u->filename ? strrchr(u->filename, '.') : NULL;
    if (!one_of(ext, k->exts, 1)) {
        send_failure(r, 415, "文件类型不允许");
        return;
    }
    if (k->types && !one_of(u->sniffed_type, k->types, 0)) {
        send_failure(r, 415, "文件类型不允许");
        return;
    }

    char day[16];
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(day, sizeof day, "%Y%m%d", &tm);
    char dir[4096], name[128];
    int rc = make_dirs(forum_of(r)->media_dir, k->folder, day, dir, sizeof dir);
    if (rc == 0)
        rc = eddy_upload_save(r, u, dir, name, sizeof name);
    if (rc) {
        send_failure(r, 500, "文件保存失败");
        return;
    }
    char url[256];
    snprintf(url, sizeof url, "/media/upload/%s/%s/%s", k->folder, day, name);
    /* UEditor reads the answer inside an iframe in older browsers: it
     * asks for text/html, and the JSON text reads the same either way. */
    json_t *ok = json_pack("{s:s, s:s, s:s, s:s, s:s, s:I}", "state", "SUCCESS", "url", url,
                           "title", name, "original", u->filename ? u->filename : "", "type",
                           strrchr(name, '.') ? strrchr(name, '.') : "", "size",
                           (json_int_t)u->size);
    char *text = json_dumps(ok, JSON_COMPACT);
    json_decref(ok);
    if (!text) {
        eddy_send_error(r, 500, "out of memory");
        return;
    }
    eddy_response_set_header(r, "Content-Type", "text/html; charset=utf-8");
    eddy_write_str(r, text);
    free(text);
}

/* ------------------------------------------------------------ listing */

typedef struct listing {
    char root[4096];
    struct entry {
        char url[200];
        time_t mtime;
    } *entries;
    size_t count, cap;
    int rc;
} listing;

static void add_entry(listing *l, const char *url, time_t mtime)
{
    if (l->count == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 64;
        struct entry *grown = realloc(l->entries, cap * sizeof *grown);
        if (!grown) {
            l->rc = ENOMEM;
            return;
        }
        l->entries = grown;
        l->cap = cap;
    }
    snprintf(l->entries[l->count].url, sizeof l->entries[0].url, "%s", url);
    l->entries[l->count++].mtime = mtime;
}

static int newest_first(const void *a, const void *b)
{
    const struct entry *x = a, *y = b;
    return (x->mtime < y->mtime) - (x->mtime > y->mtime);
}

/* walk - on the thread pool: every file of the day folders under root,
 * newest first. Only names this module made are there; dotfiles are
 * skipped all the same. */
static void walk(void *arg)
{
    listing *l = arg;
    DIR *days = opendir(l->root);
    if (!days)
        return; /* nothing uploaded yet */
    const char *folder = strrchr(l->root, '/') + 1;
    struct dirent *d;
    while (l->rc == 0 && (d = readdir(days))) {
        if (d->d_name[0] == '.')
            continue;
        char path[4096 + 512];
        snprintf(path, sizeof path, "%s/%s", l->root, d->d_name);
        DIR *files = opendir(path);
        if (!files)
            continue;
        struct dirent *f;
        while (l->rc == 0 && (f = readdir(files))) {
            char file[sizeof path + 300], url[200];
            struct stat st;
            snprintf(file, sizeof file, "%s/%s", path, f->d_name);
            if (f->d_name[0] == '.' || stat(file, &st) < 0 || !S_ISREG(st.st_mode))
                continue;
            if ((size_t)snprintf(url, sizeof url, "/media/upload/%s/%s/%s", folder, d->d_name,
                                 f->d_name) < sizeof url)
                add_entry(l, url, st.st_mtime);
        }
        closedir(files);
    }
    closedir(days);
    qsort(l->entries, l->count, sizeof *l->entries, newest_first);
}

static void list_files(eddy_req *r, const char *folder)
{
    long long start = strtoll(eddy_get_query_argument(r, "start", "0"), NULL, 10);
    long long size = strtoll(eddy_get_query_argument(r, "size", "20"), NULL, 10);
    if (start < 0)
        start = 0;
    if (size < 1 || size > 100)
        size = LIST_SIZE;
    listing *l = calloc(1, sizeof *l);
    if (!l) {
        eddy_send_error(r, 500, "out of memory");
        return;
    }
    snprintf(l->root, sizeof l->root, "%s/upload/%s", forum_of(r)->media_dir, folder);
    int rc = eddy_run_blocking(walk, l);
    if (rc == 0 && l->rc == 0) {
        json_t *list = json_array();
        for (size_t i = (size_t)start; i < l->count && i < (size_t)(start + size); i++)
            json_array_append_new(list, json_pack("{s:s, s:I}", "url", l->entries[i].url, "mtime",
                                                  (json_int_t)l->entries[i].mtime));
        eddy_send_json(r, json_pack("{s:s, s:o, s:I, s:I}", "state", "SUCCESS", "list", list,
                                    "start", (json_int_t)start, "total", (json_int_t)l->count));
    } else if (rc != ECANCELED) {
        send_failure(r, 500, "无法列出文件");
    }
    free(l->entries);
    free(l);
}

/* ------------------------------------------------------------ the route */

static void upload_get(eddy_req *r)
{
    const char *action = eddy_get_query_argument(r, "action", "");
    if (strcmp(action, "config") == 0) {
        send_config(r);
        return;
    }
    if (strcmp(action, "listimage") == 0) {
        list_files(r, "image");
        return;
    }
    if (strcmp(action, "listfile") == 0) {
        list_files(r, "file");
        return;
    }
    send_failure(r, 400, "请求地址出错");
}

static void upload_post(eddy_req *r)
{
    const char *action = eddy_get_query_argument(r, "action", "");
    if (strcmp(action, "uploadimage") == 0) {
        upload(r, &image_kind);
        return;
    }
    if (strcmp(action, "uploadfile") == 0) {
        upload(r, &file_kind);
        return;
    }
    send_failure(r, 400, "请求地址出错");
}

/* old_upload_url - the course served uploads at /upload/<path>; they
 * now live under /media/upload/. */
static void old_upload_url(eddy_req *r)
{
    const char *rest = eddy_path_arg(r, 1);
    /* Only names this module makes: a path that could say anything else
     * (a header break, "..") is nobody's file. */
    if (strspn(rest, "abcdefghijklmnopqrstuvwxyz0123456789./") != strlen(rest) || strstr(rest, "..")) {
        eddy_send_error(r, 404, "Not Found");
        return;
    }
    size_t n = strlen(rest) + sizeof "/media/upload/";
    char *to = eddy_alloc(r, n);
    if (!to) {
        eddy_send_error(r, 500, "out of memory");
        return;
    }
    snprintf(to, n, "/media/upload/%s", rest);
    eddy_redirect(r, to, true);
}

static const eddy_handler ueditor = {.get = upload_get, .post = upload_post};
static const eddy_handler ueditor_files = {.get = old_upload_url};

int forum_routes_upload(eddy_app *app, forum *f)
{
    (void)f;
    if (forum_api_route(app, "/upload/", &ueditor, "api_upload") < 0 ||
        forum_api_route(app, "/upload/(.+)", &ueditor_files, "api_upload_files") < 0)
        return -1;
    return 0;
}
