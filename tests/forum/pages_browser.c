/*
 * pages_browser - see pages_browser.h.
 */
#include "pages_browser.h"

#include <criterion/criterion.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

void pb_init(pb_browser *b, ft_forum *f)
{
    memset(b, 0, sizeof *b);
    b->forum = f;
}

void pb_free(pb_browser *b)
{
    free(b->page);
    b->page = NULL;
}

/* keep_cookie - one Set-Cookie line: stored, replaced, or (expired) dropped. */
static void keep_cookie(pb_browser *b, const char *line)
{
    size_t nlen = strcspn(line, "=");
    size_t vlen = strcspn(line + nlen + 1, ";\r\n");
    char name[1024], value[1024];
    snprintf(name, sizeof name, "%.*s", (int)nlen, line);
    snprintf(value, sizeof value, "%.*s", (int)vlen, line + nlen + 1);
    bool gone =
        strstr(line, "Max-Age=0") || strstr(line, "Max-Age=-") || vlen == 0 || strstr(line, "1970");
    for (int i = 0; i < PB_COOKIES; i++) {
        if (strcmp(b->cookies[i][0], name) == 0 || (!gone && !b->cookies[i][0][0])) {
            if (gone) {
                b->cookies[i][0][0] = '\0';
                return;
            }
            snprintf(b->cookies[i][0], sizeof b->cookies[i][0], "%s", name);
            snprintf(b->cookies[i][1], sizeof b->cookies[i][1], "%s", value);
            return;
        }
    }
}

static int exchange(pb_browser *b, const char *method, const char *path, const char *type,
                    const char *extra, const char *body, size_t len)
{
    char head[8192];
    int n = snprintf(head, sizeof head,
                     "%s %s HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n", method, path);
    int c = 0;
    for (int i = 0; i < PB_COOKIES; i++)
        if (b->cookies[i][0][0])
            n += snprintf(head + n, sizeof head - (size_t)n, "%s%s=%s",
                          c++ ? "; " : "Cookie: ", b->cookies[i][0], b->cookies[i][1]);
    if (c)
        n += snprintf(head + n, sizeof head - (size_t)n, "\r\n");
    if (extra)
        n += snprintf(head + n, sizeof head - (size_t)n, "%s\r\n", extra);
    if (type)
        n += snprintf(head + n, sizeof head - (size_t)n, "Content-Type: %s\r\n", type);
    snprintf(head + n, sizeof head - (size_t)n, "Content-Length: %zu\r\n\r\n", len);

    size_t cap = 1 << 20;
    char *raw = calloc(1, cap);
    cr_assert_not_null(raw);
    int fd = th_connect(b->forum->proc.port, 2000);
    cr_assert_geq(fd, 0, "cannot connect to the forum");
    ssize_t got = -1;
    if (th_send_str(fd, head) == 0 && (!len || th_send(fd, body, len) == 0))
        got = th_recv_until(fd, raw, cap, NULL, 20000);
    close(fd);
    th_drain_output(&b->forum->proc); /* the log the page's request wrote */
    cr_assert_gt(got, 0, "no answer to %s %s", method, path);
    b->status = -1;
    sscanf(raw, "HTTP/1.1 %d", &b->status);
    b->location[0] = '\0';
    const char *end = strstr(raw, "\r\n\r\n");
    for (const char *line = strstr(raw, "\r\n"); line && end && line < end;
         line = strstr(line, "\r\n")) {
        line += 2;
        if (strncasecmp(line, "Set-Cookie: ", 12) == 0)
            keep_cookie(b, line + 12);
        else if (strncasecmp(line, "Location: ", 10) == 0)
            snprintf(b->location, sizeof b->location, "%.*s", (int)strcspn(line + 10, "\r\n"),
                     line + 10);
    }
    free(b->page);
    b->page = strdup(end ? end + 4 : "");
    free(raw);
    /* the form token a browser would post back with this page's forms */
    const char *x = strstr(b->page, "name=\"_xsrf\" value=\"");
    if (x) {
        x += strlen("name=\"_xsrf\" value=\"");
        snprintf(b->xsrf, sizeof b->xsrf, "%.*s", (int)strcspn(x, "\""), x);
    }
    return b->status;
}

int pb_get(pb_browser *b, const char *path)
{
    return exchange(b, "GET", path, NULL, NULL, NULL, 0);
}

/* form_escape - a field's value, urlencoded, appended to out. */
static void form_escape(char *out, size_t cap, const char *s)
{
    size_t n = strlen(out);
    for (; *s && n + 4 < cap; s++) {
        unsigned char ch = (unsigned char)*s;
        if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
            ch == '-' || ch == '_' || ch == '.')
            out[n++] = (char)ch;
        else
            n += (size_t)snprintf(out + n, cap - n, "%%%02X", ch);
    }
    out[n] = '\0';
}

int pb_post(pb_browser *b, const char *path, bool with_xsrf, const char *extra_header, ...)
{
    static char body[65536];
    body[0] = '\0';
    if (with_xsrf) {
        strcat(body, "_xsrf=");
        form_escape(body, sizeof body, b->xsrf);
    }
    va_list ap;
    va_start(ap, extra_header);
    for (const char *name; (name = va_arg(ap, const char *));) {
        const char *value = va_arg(ap, const char *);
        if (body[0])
            strcat(body, "&");
        form_escape(body, sizeof body, name);
        strcat(body, "=");
        form_escape(body, sizeof body, value);
    }
    va_end(ap);
    return exchange(b, "POST", path, "application/x-www-form-urlencoded", extra_header, body,
                    strlen(body));
}

#define BOUNDARY "----pagestestboundary"

int pb_multipart(pb_browser *b, const char *path, const ft_part *parts, size_t n)
{
    size_t cap = 1 << 16, len = 0;
    for (size_t i = 0; i < n; i++)
        cap += parts[i].filename ? parts[i].len : strlen(parts[i].value);
    char *body = malloc(cap);
    cr_assert_not_null(body);
    len += (size_t)snprintf(body, cap,
                            "--" BOUNDARY "\r\nContent-Disposition: form-data; name=\"_xsrf\""
                            "\r\n\r\n%s\r\n",
                            b->xsrf);
    for (size_t i = 0; i < n; i++) {
        const ft_part *p = &parts[i];
        if (p->filename)
            len += (size_t)snprintf(body + len, cap - len,
                                    "--" BOUNDARY "\r\nContent-Disposition: form-data; "
                                    "name=\"%s\"; filename=\"%s\"\r\nContent-Type: %s\r\n\r\n",
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
    int status =
        exchange(b, "POST", path, "multipart/form-data; boundary=" BOUNDARY, NULL, body, len);
    free(body);
    return status;
}

void pb_signin(pb_browser *b, const char *mobile, const char *password)
{
    cr_assert_eq(pb_get(b, "/signin"), 200, "%s", b->page);
    int status = pb_post(b, "/signin", true, NULL, "mobile", mobile, "password", password, NULL);
    cr_assert_eq(status, 303, "signing in as %s: %d %s", mobile, status, b->page);
}

long long pb_user(pb_browser *b, ft_forum *f, const char *mobile)
{
    char token[FT_TOKEN_MAX];
    long long id;
    ft_user(f, mobile, "password-1", token, &id);
    pb_init(b, f);
    pb_signin(b, mobile, "password-1");
    return id;
}

long long pb_make_group(pb_browser *b, const char *name)
{
    cr_assert_eq(pb_get(b, "/group/new"), 200, "%s", b->page);
    ft_part parts[] = {{"name", name, 0, NULL, NULL},
                       {"category", "程序设计", 0, NULL, NULL},
                       {"desc", "About C", 0, NULL, NULL},
                       {"notice", "Be kind", 0, NULL, NULL},
                       {"front_image", (const char *)ft_png, ft_png_len, "cover.png", "image/png"}};
    int status = pb_multipart(b, "/group/new", parts, 5);
    cr_assert_eq(status, 303, "%d %s", status, b->page);
    long long id = 0;
    cr_assert_eq(sscanf(b->location, "/group/%lld", &id), 1, "%s", b->location);
    return id;
}

int pb_ws_open(pb_browser *b, const char *path, const char *origin)
{
    char head[8192], own[64];
    snprintf(own, sizeof own, "http://127.0.0.1:%d", b->forum->proc.port);
    int n = snprintf(head, sizeof head,
                     "GET %s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nUpgrade: websocket\r\n"
                     "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                     "Sec-WebSocket-Version: 13\r\nOrigin: %s\r\n",
                     path, b->forum->proc.port, origin ? origin : own);
    int c = 0;
    for (int i = 0; i < PB_COOKIES; i++)
        if (b->cookies[i][0][0])
            n += snprintf(head + n, sizeof head - (size_t)n, "%s%s=%s",
                          c++ ? "; " : "Cookie: ", b->cookies[i][0], b->cookies[i][1]);
    snprintf(head + n, sizeof head - (size_t)n, "%s\r\n", c ? "\r\n" : "");
    int fd = th_connect(b->forum->proc.port, 2000);
    cr_assert_geq(fd, 0, "cannot connect to the forum");
    char reply[4096];
    b->status = -1;
    /* the head of the answer only: a frame may follow it at once */
    if (th_send_str(fd, head) == 0) {
        size_t got = 0;
        while (got + 1 < sizeof reply && read(fd, reply + got, 1) == 1) {
            reply[++got] = '\0';
            if (got >= 4 && memcmp(reply + got - 4, "\r\n\r\n", 4) == 0)
                break;
        }
        reply[got] = '\0';
        sscanf(reply, "HTTP/1.1 %d", &b->status);
    }
    if (b->status == 101)
        return fd;
    close(fd);
    return -1;
}

bool pb_has(const pb_browser *b, const char *text)
{
    return b->page && strstr(b->page, text) != NULL;
}
