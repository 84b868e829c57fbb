/*
 * content_client - driving a forum for the content suites
 * (content_client.h): its process, its database, HTTP and WebSocket.
 */
#include "content_client.h"

#include <criterion/criterion.h>
#include <mysql.h>
#include <openssl/hmac.h>
#include <poll.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

/* ------------------------------------------------------------ the process */

static int open_db(fc_forum *f)
{
    if (!f->mysql) {
        sqlite3 *db;
        const char *path = f->db_url + strlen("sqlite://");
        if (sqlite3_open(path, &db) != SQLITE_OK)
            return -1;
        sqlite3_busy_timeout(db, 5000);
        f->conn = db;
        return 0;
    }
    char user[64], password[64], host[64], name[64];
    int port;
    if (sscanf(f->db_url, "mysql://%63[^:]:%63[^@]@%63[^:]:%d/%63s", user, password, host, &port,
               name) != 5)
        return -1;
    MYSQL *m = mysql_init(NULL);
    if (!m || !mysql_real_connect(m, host, user, password, name, (unsigned)port, NULL, 0)) {
        if (m)
            mysql_close(m);
        return -1;
    }
    mysql_set_character_set(m, "utf8mb4");
    f->conn = m;
    return 0;
}

int fc_start(fc_forum *f, const char *mysql_url, const char *const *extra, const char **why)
{
    memset(f, 0, sizeof *f);
    const char *tmp = getenv("TMPDIR");
    snprintf(f->dir, sizeof f->dir, "%s/forum-content-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(f->dir)) {
        *why = "cannot make a temporary folder";
        return -1;
    }
    f->mysql = mysql_url && strncmp(mysql_url, "mysql:", 6) == 0;
    if (mysql_url)
        snprintf(f->db_url, sizeof f->db_url, "%s", mysql_url);
    else
        snprintf(f->db_url, sizeof f->db_url, "sqlite://%s/forum.db", f->dir);
    char db_arg[600], media_arg[300];
    snprintf(db_arg, sizeof db_arg, "--db=%s", f->db_url);
    snprintf(media_arg, sizeof media_arg, "--media-dir=%s/media", f->dir);
    char *argv[24] = {(char *)th_path("lessons/21-forum/forum"), "--port=0", db_arg, media_arg,
                      "--secret=" FC_SECRET, "--no-access-log"};
    size_t n = 6;
    for (size_t i = 0; extra && extra[i] && n < 22; i++)
        argv[n++] = (char *)extra[i];
    argv[n] = NULL;
    if (th_start_server(&f->proc, argv, 15000) < 0) {
        *why = "the forum did not start";
        return -1;
    }
    if (open_db(f) < 0) {
        *why = "cannot open the forum's database";
        return -1;
    }
    return 0;
}

void fc_stop(fc_forum *f)
{
    if (f->conn) {
        if (f->mysql)
            mysql_close(f->conn);
        else
            sqlite3_close(f->conn);
        f->conn = NULL;
    }
    th_stop(&f->proc);
    /* Under make san the forum reports memory errors and leaks as it
     * exits: they fail the test that ran it. */
    const char *out = f->proc.output ? f->proc.output : "";
    if (strstr(out, "Sanitizer") || strstr(out, "runtime error:"))
        cr_expect_fail("the forum's sanitizers spoke:\n%s", out);
    th_free(&f->proc);
    if (*f->dir) {
        char *argv[] = {"/bin/rm", "-rf", f->dir, NULL};
        char *out = NULL;
        th_run(argv, 10000, &out);
        free(out);
        *f->dir = '\0';
    }
}

/* ------------------------------------------------------------ the database */

static long long run_sql(fc_forum *f, const char *sql, int want_int)
{
    if (!f->conn)
        return -1;
    if (f->mysql) {
        if (mysql_query(f->conn, sql) != 0) {
            fprintf(stderr, "fc_sql: %s: %s\n", sql, mysql_error(f->conn));
            return -1;
        }
        MYSQL_RES *res = mysql_store_result(f->conn);
        if (!res)
            return want_int ? (long long)mysql_insert_id(f->conn) : 0;
        MYSQL_ROW row = mysql_fetch_row(res);
        long long v = row && row[0] ? atoll(row[0]) : -1;
        mysql_free_result(res);
        return v;
    }
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(f->conn, sql, -1, &st, NULL) != SQLITE_OK) {
        fprintf(stderr, "fc_sql: %s: %s\n", sql, sqlite3_errmsg(f->conn));
        return -1;
    }
    int rc = sqlite3_step(st);
    long long v = 0;
    if (rc == SQLITE_ROW)
        v = sqlite3_column_type(st, 0) == SQLITE_NULL ? -1 : sqlite3_column_int64(st, 0);
    else if (rc == SQLITE_DONE)
        v = want_int ? sqlite3_last_insert_rowid(f->conn) : 0;
    else {
        fprintf(stderr, "fc_sql: %s: %s\n", sql, sqlite3_errmsg(f->conn));
        v = -1;
    }
    sqlite3_finalize(st);
    return v;
}

int fc_sql(fc_forum *f, const char *fmt, ...)
{
    char sql[4096];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(sql, sizeof sql, fmt, ap);
    va_end(ap);
    return run_sql(f, sql, 0) < 0 ? -1 : 0;
}

long long fc_sql_int(fc_forum *f, const char *fmt, ...)
{
    char sql[4096];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(sql, sizeof sql, fmt, ap);
    va_end(ap);
    return run_sql(f, sql, 1);
}

static const char *now_sql(fc_forum *f)
{
    static char text[40];
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(text, sizeof text, "'%Y-%m-%d %H:%M:%S'", &tm);
    (void)f;
    return text;
}

long long fc_user(fc_forum *f, int n, const char *nick)
{
    return fc_sql_int(f,
                      "INSERT INTO user (mobile, password, nick_name, add_time)"
                      " VALUES ('138%08d', 'not-a-hash', '%s', %s)",
                      n, nick, now_sql(f));
}

long long fc_group(fc_forum *f, long long creator, const char *name)
{
    long long id = fc_sql_int(f,
                              "INSERT INTO community_group (creator_id, name, category, `desc`,"
                              " notice, member_nums, post_nums, add_time)"
                              " VALUES (%lld, '%s', '程序设计', 'd', 'n', 1, 0, %s)",
                              creator, name, now_sql(f));
    fc_member(f, creator, id, "agree");
    return id;
}

void fc_member(fc_forum *f, long long user, long long group, const char *status)
{
    char st[32];
    snprintf(st, sizeof st, status ? "'%s'" : "NULL", status);
    fc_sql(f,
           "INSERT INTO community_group_member (user_id, community_id, status, apply_reason,"
           " add_time) VALUES (%lld, %lld, %s, 'r', %s)",
           user, group, st, now_sql(f));
}

/* ------------------------------------------------------------ tokens */

static void b64url(const unsigned char *in, size_t n, char *out)
{
    static const char tbl[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    size_t o = 0;
    for (size_t i = 0; i < n; i += 3) {
        unsigned v = (unsigned)in[i] << 16 | (i + 1 < n ? (unsigned)in[i + 1] << 8 : 0) |
                     (i + 2 < n ? in[i + 2] : 0);
        out[o++] = tbl[v >> 18 & 63];
        out[o++] = tbl[v >> 12 & 63];
        if (i + 1 < n)
            out[o++] = tbl[v >> 6 & 63];
        if (i + 2 < n)
            out[o++] = tbl[v & 63];
    }
    out[o] = '\0';
}

const char *fc_token(long long user)
{
    return fc_token_until(user, (long long)time(NULL) + 3600);
}

const char *fc_token_until(long long user, long long exp)
{
    static char token[1024];
    char header[64], claims[256], body[512], sig[64];
    const char *h = "{\"alg\":\"HS256\",\"typ\":\"JWT\"}";
    char c[200];
    snprintf(c, sizeof c, "{\"id\":%lld,\"iat\":%lld,\"nbf\":%lld,\"exp\":%lld}", user,
             exp - 3600, exp - 3605, exp);
    b64url((const unsigned char *)h, strlen(h), header);
    b64url((const unsigned char *)c, strlen(c), claims);
    snprintf(body, sizeof body, "%s.%s", header, claims);
    unsigned char mac[32];
    unsigned len = 0;
    HMAC(EVP_sha256(), FC_SECRET, (int)strlen(FC_SECRET), (const unsigned char *)body,
         strlen(body), mac, &len);
    b64url(mac, len, sig);
    snprintf(token, sizeof token, "%s.%s", body, sig);
    return token;
}

/* ------------------------------------------------------------ HTTP */

fc_response fc_call_raw(fc_forum *f, const char *method, const char *path, long long user,
                        const char *content_type, const void *body, size_t len)
{
    fc_response r = {0};
    int fd = th_connect(f->proc.port, 5000);
    if (fd < 0)
        return r;
    char head[2048];
    int n = snprintf(head, sizeof head,
                     "%s %s HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
                     "Content-Length: %zu\r\n",
                     method, path, len);
    if (content_type)
        n += snprintf(head + n, sizeof head - (size_t)n, "Content-Type: %s\r\n", content_type);
    if (user > 0)
        n += snprintf(head + n, sizeof head - (size_t)n, "tsessionid: %s\r\n", fc_token(user));
    n += snprintf(head + n, sizeof head - (size_t)n, "\r\n");
    if (th_send(fd, head, (size_t)n) < 0 || (len && th_send(fd, body, len) < 0)) {
        close(fd);
        return r;
    }
    size_t cap = 1 << 20;
    char *buf = malloc(cap);
    ssize_t got = buf ? th_recv_until(fd, buf, cap, NULL, 10000) : -1;
    close(fd);
    if (got <= 0) {
        free(buf);
        return r;
    }
    char *end = strstr(buf, "\r\n\r\n");
    if (!end) {
        free(buf);
        return r;
    }
    *end = '\0';
    r.head = strdup(buf);
    sscanf(buf, "HTTP/1.1 %d", &r.status);
    r.body_len = (size_t)got - (size_t)(end + 4 - buf);
    r.body = malloc(r.body_len + 1);
    memcpy(r.body, end + 4, r.body_len);
    r.body[r.body_len] = '\0';
    free(buf);
    r.json = json_loadb(r.body, r.body_len, JSON_DECODE_ANY, NULL);
    return r;
}

fc_response fc_call(fc_forum *f, const char *method, const char *path, long long user,
                    const char *json_body)
{
    return fc_call_raw(f, method, path, user, json_body ? "application/json" : NULL, json_body,
                       json_body ? strlen(json_body) : 0);
}

void fc_free(fc_response *r)
{
    free(r->head);
    free(r->body);
    json_decref(r->json);
    memset(r, 0, sizeof *r);
}

const char *fc_header(const fc_response *r, const char *name)
{
    static char value[512];
    size_t n = strlen(name);
    for (const char *line = r->head ? strstr(r->head, "\r\n") : NULL; line;
         line = strstr(line + 2, "\r\n")) {
        const char *p = line + 2;
        if (strncasecmp(p, name, n) == 0 && p[n] == ':') {
            p += n + 1;
            while (*p == ' ')
                p++;
            size_t len = strcspn(p, "\r\n");
            snprintf(value, sizeof value, "%.*s", (int)len, p);
            return value;
        }
    }
    return NULL;
}

long long fc_id(const fc_response *r)
{
    json_t *id = json_object_get(r->json, "id");
    return json_is_integer(id) ? (long long)json_integer_value(id) : -2;
}

char *fc_multipart(const char *field, const char *filename, const void *data, size_t size,
                   const char *const *fields, size_t *len, const char **content_type)
{
    static const char boundary[] = "----fcboundary7MA4YWxkTrZu0gW";
    *content_type = "multipart/form-data; boundary=----fcboundary7MA4YWxkTrZu0gW";
    size_t cap = size + 4096;
    for (size_t i = 0; fields && fields[i]; i += 2)
        cap += strlen(fields[i]) + strlen(fields[i + 1]) + 200;
    char *b = malloc(cap);
    size_t n = 0;
    for (size_t i = 0; fields && fields[i]; i += 2)
        n += (size_t)snprintf(b + n, cap - n,
                              "--%s\r\nContent-Disposition: form-data; name=\"%s\"\r\n\r\n%s\r\n",
                              boundary, fields[i], fields[i + 1]);
    if (field) {
        n += (size_t)snprintf(b + n, cap - n,
                              "--%s\r\nContent-Disposition: form-data; name=\"%s\"; filename=\"%s\""
                              "\r\nContent-Type: application/octet-stream\r\n\r\n",
                              boundary, field, filename);
        memcpy(b + n, data, size);
        n += size;
        n += (size_t)snprintf(b + n, cap - n, "\r\n");
    }
    n += (size_t)snprintf(b + n, cap - n, "--%s--\r\n", boundary);
    *len = n;
    return b;
}

/* ------------------------------------------------------------ WebSocket */

int fc_ws_open(int port, long long user, int *status)
{
    *status = 0;
    int fd = th_connect(port, 5000);
    if (fd < 0)
        return -1;
    char req[2048];
    int n = snprintf(req, sizeof req,
                     "GET /ws/notifications HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n"
                     "Upgrade: websocket\r\nConnection: Upgrade\r\n"
                     "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                     "Sec-WebSocket-Version: 13\r\n",
                     port);
    if (user > 0)
        n += snprintf(req + n, sizeof req - (size_t)n, "tsessionid: %s\r\n", fc_token(user));
    n += snprintf(req + n, sizeof req - (size_t)n, "\r\n");
    char head[4096];
    if (th_send(fd, req, (size_t)n) < 0) {
        close(fd);
        return -1;
    }
    /* Read the head byte by byte: a message may follow it at once. */
    size_t got = 0;
    while (got + 1 < sizeof head) {
        struct pollfd p = {fd, POLLIN, 0};
        if (poll(&p, 1, 5000) <= 0 || recv(fd, head + got, 1, 0) != 1)
            break;
        got++;
        head[got] = '\0';
        if (got >= 4 && memcmp(head + got - 4, "\r\n\r\n", 4) == 0)
            break;
    }
    head[got] = '\0';
    sscanf(head, "HTTP/1.1 %d", status);
    if (*status != 101) {
        close(fd);
        return -1;
    }
    return fd;
}

static int read_exact(int fd, void *buf, size_t n, int timeout_ms)
{
    size_t got = 0;
    while (got < n) {
        struct pollfd p = {fd, POLLIN, 0};
        if (poll(&p, 1, timeout_ms) <= 0)
            return -1;
        ssize_t k = recv(fd, (char *)buf + got, n - got, 0);
        if (k <= 0)
            return -1;
        got += (size_t)k;
    }
    return 0;
}

char *fc_ws_read(int fd, int timeout_ms)
{
    for (;;) {
        unsigned char h[2];
        if (read_exact(fd, h, 2, timeout_ms) < 0)
            return NULL;
        uint64_t len = h[1] & 0x7f;
        if (len == 126) {
            unsigned char e[2];
            if (read_exact(fd, e, 2, timeout_ms) < 0)
                return NULL;
            len = (uint64_t)e[0] << 8 | e[1];
        } else if (len == 127) {
            unsigned char e[8];
            if (read_exact(fd, e, 8, timeout_ms) < 0)
                return NULL;
            len = 0;
            for (int i = 0; i < 8; i++)
                len = len << 8 | e[i];
        }
        if (len > (1u << 20))
            return NULL;
        char *data = malloc(len + 1);
        if (!data || read_exact(fd, data, len, timeout_ms) < 0) {
            free(data);
            return NULL;
        }
        data[len] = '\0';
        if ((h[0] & 0x0f) == 1)
            return data;
        free(data); /* a ping or a pong: not what the test waits for */
        if ((h[0] & 0x0f) == 8)
            return NULL;
    }
}
