/*
 * forum_test - the forum suite's shared equipment; see forum_test.h.
 */
#include "forum_test.h"
#include "mariadb_server.h"
#include "redis_server.h"

#include <eddy/async/future.h>
#include <eddy/async/pool.h>
#include <eddy/data/db.h>

#include <criterion/criterion.h>
#include <criterion/hooks.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#define FORUM "lessons/21-forum/forum"

ReportHook(PRE_ALL)(struct criterion_test_set *set)
{
    (void)set;
    mariadb_suite_start("forum");
    redis_suite_start("forum");
}

ReportHook(POST_ALL)(struct criterion_global_stats *stats)
{
    (void)stats;
    redis_suite_stop();
    mariadb_suite_stop();
}

/* 1x1 transparent PNG */
const unsigned char ft_png[] = {
    0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48,
    0x44, 0x52, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00,
    0x00, 0x1f, 0x15, 0xc4, 0x89, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x44, 0x41, 0x54, 0x78,
    0x9c, 0x63, 0x00, 0x01, 0x00, 0x00, 0x05, 0x00, 0x01, 0x0d, 0x0a, 0x2d, 0xb4, 0x00,
    0x00, 0x00, 0x00, 0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82};
const size_t ft_png_len = sizeof ft_png;

void ft_start(ft_forum *f, ft_db db, const char *const *extra)
{
    memset(f, 0, sizeof *f);
    if (db == FT_MARIADB) {
        const char *why = NULL;
        char name[64];
        static int serial;
        snprintf(name, sizeof name, "forum_%d_%d", (int)getpid(), serial++);
        const char *u = mariadb_database(name, &why);
        if (!u)
            cr_skip_test("MariaDB: %s", why);
        snprintf(f->db_url, sizeof f->db_url, "%s", u);
    }
    snprintf(f->dir, sizeof f->dir, "/tmp/eddy-forum-XXXXXX");
    cr_assert_not_null(mkdtemp(f->dir));
    if (db == FT_SQLITE)
        snprintf(f->db_url, sizeof f->db_url, "sqlite://%s/forum.db", f->dir);
    char media[128];
    snprintf(media, sizeof media, "%s/media", f->dir);
    /* the cheapest scrypt the library takes: tests hash many passwords */
    const char *argv[32] = {th_path(FORUM), "--port",      "0",   "--db",
                            f->db_url,      "--media-dir", media, "--scrypt-log2-n",
                            "10",           "--logging",   "info"};
    size_t n = 11;
    for (size_t i = 0; extra && extra[i] && n < 31; i++)
        argv[n++] = extra[i];
    argv[n] = NULL;
    cr_assert_eq(th_start_server(&f->proc, (char *const *)argv, 20000), 0,
                 "the forum did not start:\n%s", f->proc.output ? f->proc.output : "");
}

void ft_stop(ft_forum *f)
{
    th_stop(&f->proc);
    th_free(&f->proc);
    if (f->dir[0]) {
        char cmd[128];
        snprintf(cmd, sizeof cmd, "rm -rf %s", f->dir);
        if (system(cmd) != 0)
            fprintf(stderr, "could not remove %s\n", f->dir);
        f->dir[0] = '\0';
    }
}

/* ------------------------------------------------------------ HTTP */

static ft_resp resp;

static ft_resp *exchange(ft_forum *f, const char *head, const void *body, size_t len)
{
    free(resp.raw);
    json_decref(resp.json);
    memset(&resp, 0, sizeof resp);
    resp.status = -1;
    resp.body = "";
    size_t cap = 1 << 20;
    resp.raw = calloc(1, cap);
    cr_assert_not_null(resp.raw);
    int fd = th_connect(f->proc.port, 2000);
    cr_assert_geq(fd, 0, "cannot connect to the forum");
    ssize_t n = -1;
    if (th_send_str(fd, head) == 0 && (!len || th_send(fd, body, len) == 0))
        n = th_recv_until(fd, resp.raw, cap, NULL, 20000);
    close(fd);
    if (n < 0)
        return &resp;
    sscanf(resp.raw, "HTTP/1.1 %d", &resp.status);
    const char *end = strstr(resp.raw, "\r\n\r\n");
    resp.body = end ? end + 4 : "";
    resp.json = json_loads(resp.body, JSON_DECODE_ANY, NULL);
    return &resp;
}

static void add_head(char *head, size_t cap, const char *method, const char *path,
                     const char *token, const char *type, size_t len)
{
    int n = snprintf(head, cap, "%s %s HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n",
                     method, path);
    if (token)
        n += snprintf(head + n, cap - (size_t)n, "tsessionid: %s\r\n", token);
    if (type)
        n += snprintf(head + n, cap - (size_t)n, "Content-Type: %s\r\n", type);
    snprintf(head + n, cap - (size_t)n, "Content-Length: %zu\r\n\r\n", len);
}

ft_resp *ft_call(ft_forum *f, const char *method, const char *path, const char *token,
                 const char *json_body)
{
    char head[4096];
    size_t len = json_body ? strlen(json_body) : 0;
    add_head(head, sizeof head, method, path, token, json_body ? "application/json" : NULL, len);
    return exchange(f, head, json_body, len);
}

ft_resp *ft_raw(ft_forum *f, const char *request)
{
    return exchange(f, request, NULL, 0);
}

#define BOUNDARY "----forumtestboundary"

ft_resp *ft_multipart(ft_forum *f, const char *method, const char *path, const char *token,
                      const ft_part *parts, size_t n)
{
    size_t cap = 1 << 16, len = 0;
    for (size_t i = 0; i < n; i++)
        cap += parts[i].filename ? parts[i].len : strlen(parts[i].value);
    char *body = malloc(cap);
    cr_assert_not_null(body);
    for (size_t i = 0; i < n; i++) {
        const ft_part *p = &parts[i];
        if (p->filename)
            len +=
                (size_t)snprintf(body + len, cap - len,
                                 "--" BOUNDARY "\r\nContent-Disposition: form-data; name=\"%s\"; "
                                 "filename=\"%s\"\r\nContent-Type: %s\r\n\r\n",
                                 p->name, p->filename, p->type ? p->type : "image/png");
        else
            len += (size_t)snprintf(
                body + len, cap - len,
                "--" BOUNDARY "\r\nContent-Disposition: form-data; name=\"%s\"\r\n\r\n", p->name);
        size_t vlen = p->filename ? p->len : strlen(p->value);
        memcpy(body + len, p->value, vlen);
        len += vlen;
        len += (size_t)snprintf(body + len, cap - len, "\r\n");
    }
    len += (size_t)snprintf(body + len, cap - len, "--" BOUNDARY "--\r\n");
    char head[4096];
    add_head(head, sizeof head, method, path, token, "multipart/form-data; boundary=" BOUNDARY,
             len);
    ft_resp *r = exchange(f, head, body, len);
    free(body);
    return r;
}

const char *ft_header(const ft_resp *r, const char *name)
{
    static char value[1024];
    size_t nlen = strlen(name);
    for (const char *line = strstr(r->raw, "\r\n"); line && line < r->body;
         line = strstr(line, "\r\n")) {
        line += 2;
        if (strncasecmp(line, name, nlen) == 0 && line[nlen] == ':') {
            const char *v = line + nlen + 1;
            while (*v == ' ')
                v++;
            size_t vlen = strcspn(v, "\r\n");
            snprintf(value, sizeof value, "%.*s", (int)vlen, v);
            return value;
        }
    }
    return NULL;
}

/* ------------------------------------------------------------ accounts */

const char *ft_code(ft_forum *f, const char *mobile)
{
    static char code[16];
    char needle[64];
    snprintf(needle, sizeof needle, "sms to %s: ", mobile);
    th_read_output(&f->proc, needle, 5000);
    th_read_output(&f->proc, "\n", 200); /* the rest of the line */
    const char *last = NULL;
    for (const char *p = f->proc.output; p && (p = strstr(p, needle)); p++)
        last = p;
    if (!last)
        return NULL;
    const char *d = last + strlen(needle);
    while (*d && *d != '\n' && (*d < '0' || *d > '9'))
        d++;
    size_t n = strspn(d, "0123456789");
    if (n == 0 || n >= sizeof code)
        return NULL;
    snprintf(code, sizeof code, "%.*s", (int)n, d);
    return code;
}

void ft_user(ft_forum *f, const char *mobile, const char *password, char *token, long long *id)
{
    char body[512];
    snprintf(body, sizeof body, "{\"mobile\":\"%s\"}", mobile);
    ft_resp *r = ft_call(f, "POST", "/code/", NULL, body);
    cr_assert_eq(r->status, 200, "POST /code/: %d %s", r->status, r->body);
    const char *code = ft_code(f, mobile);
    cr_assert_not_null(code, "no code printed for %s", mobile);
    snprintf(body, sizeof body, "{\"mobile\":\"%s\",\"code\":\"%s\",\"password\":\"%s\"}", mobile,
             code, password);
    r = ft_call(f, "POST", "/register/", NULL, body);
    cr_assert_eq(r->status, 200, "POST /register/: %d %s", r->status, r->body);
    snprintf(body, sizeof body, "{\"mobile\":\"%s\",\"password\":\"%s\"}", mobile, password);
    r = ft_call(f, "POST", "/login/", NULL, body);
    cr_assert_eq(r->status, 200, "POST /login/: %d %s", r->status, r->body);
    const char *t = json_string_value(json_object_get(r->json, "token"));
    cr_assert_not_null(t, "no token in %s", r->body);
    snprintf(token, FT_TOKEN_MAX, "%s", t);
    if (id)
        *id = json_integer_value(json_object_get(r->json, "id"));
}

/* ------------------------------------------------------------ the database */

struct query {
    const char *url, *sql;
    char out[16384];
};

static void query_task(void *arg)
{
    struct query *q = arg;
    eddy_db *db = eddy_db_open(q->url, NULL);
    cr_assert_not_null(db, "cannot open %s", q->url);
    eddy_db_result *res;
    int rc = eddy_db_query(db, &res, q->sql, NULL, 0);
    cr_assert_eq(rc, 0, "%s: %s", q->sql, eddy_db_errmsg(res));
    size_t n = 0;
    q->out[0] = '\0';
    for (size_t i = 0; i < eddy_db_rows(res); i++)
        for (size_t c = 0; c < eddy_db_columns(res); c++) {
            const eddy_db_value *v = eddy_db_value_at(res, i, c);
            char cell[1024];
            if (v->type == EDDY_DB_NULL)
                snprintf(cell, sizeof cell, "NULL");
            else if (v->type == EDDY_DB_INTEGER)
                snprintf(cell, sizeof cell, "%lld", (long long)v->i);
            else if (v->type == EDDY_DB_DATETIME)
                eddy_db_format_time(v->i, ' ', cell);
            else
                snprintf(cell, sizeof cell, "%.*s", (int)v->len, v->p);
            n += (size_t)snprintf(q->out + n, sizeof q->out - n, "%s%s", cell,
                                  c + 1 < eddy_db_columns(res) ? "|" : "\n");
        }
    eddy_db_result_free(res);
    eddy_db_close(db);
}

const char *ft_rows(ft_forum *f, const char *sql)
{
    static struct query q;
    q.url = f->db_url;
    q.sql = sql;
    eddy_task_spawn(query_task, &q);
    eddy_loop_run();
    eddy_thread_pool_shutdown();
    eddy_loop_free();
    return q.out;
}

/* ------------------------------------------------------------ media */

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

const char *ft_media(ft_forum *f, int *count)
{
    static char out[8192];
    char dir[128];
    snprintf(dir, sizeof dir, "%s/media", f->dir);
    char *names[128];
    int n = 0;
    DIR *d = opendir(dir);
    cr_assert_not_null(d, "no media folder %s", dir);
    struct dirent *e;
    while ((e = readdir(d)) && n < 128) {
        char path[512];
        struct stat st;
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        if (e->d_name[0] != '.' && stat(path, &st) == 0 && S_ISREG(st.st_mode))
            names[n++] = strdup(e->d_name);
    }
    closedir(d);
    qsort(names, (size_t)n, sizeof *names, by_name);
    size_t len = 0;
    out[0] = '\0';
    for (int i = 0; i < n; i++) {
        len += (size_t)snprintf(out + len, len < sizeof out ? sizeof out - len : 0, "%s\n",
                                names[i]);
        free(names[i]);
    }
    if (count)
        *count = n;
    return out;
}
