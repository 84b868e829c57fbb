/*
 * http - lesson 11: parse a request head and pick a canned answer.
 *
 * The parser of lesson 06's first version, with the head already cut out
 * by the caller. It accepts a request line "METHOD /path HTTP/1.x", header
 * lines "Name: value" and a blank line. Only Connection and Content-Length
 * matter to the hello server; chunked bodies (Transfer-Encoding) are
 * refused. See http.h for the contract.
 */
#include "http.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

enum { MAX_ANSWER = 160, N_ANSWERS = 5, N_CONN_MODES = 3 };
enum { C_DEFAULT, C_CLOSE, C_KEEP };

static char answers[N_ANSWERS][N_CONN_MODES][MAX_ANSWER];
static size_t answer_len[N_ANSWERS][N_CONN_MODES], body_len[N_ANSWERS];
static bool answers_made;

/* make_answers - build every answer once: serving one is then a copy. */
static void make_answers(void)
{
    static const char *const status[] = {"200 OK", "200 OK", "404 Not Found",
                                         "405 Method Not Allowed", "400 Bad Request"};
    static const char *const body[] = {"Hello, world!\n", "Hello, slow world!\n", "Not found\n",
                                       "Only GET and HEAD\n", "Bad request\n"};
    static const char *const conn_hdr[] = {"", "Connection: close\r\n",
                                           "Connection: keep-alive\r\n"};
    for (int a = 0; a < N_ANSWERS; a++) {
        body_len[a] = strlen(body[a]);
        for (int m = 0; m < N_CONN_MODES; m++)
            answer_len[a][m] = (size_t)snprintf(
                answers[a][m], MAX_ANSWER,
                "HTTP/1.1 %s\r\nContent-Type: text/plain\r\nContent-Length: %zu\r\n%s\r\n%s",
                status[a], body_len[a], conn_hdr[m], body[a]);
    }
    answers_made = true;
}

/* has_token - does a comma-separated header value contain tok (any case)? */
static bool has_token(const char *v, size_t len, const char *tok)
{
    size_t tlen = strlen(tok);
    for (size_t i = 0; i < len;) {
        while (i < len && (v[i] == ' ' || v[i] == '\t' || v[i] == ','))
            i++;
        size_t start = i;
        while (i < len && v[i] != ',')
            i++;
        size_t end = i;
        while (end > start && (v[end - 1] == ' ' || v[end - 1] == '\t'))
            end--;
        if (end - start == tlen && strncasecmp(v + start, tok, tlen) == 0)
            return true;
    }
    return false;
}

long http_parse_head(const char *head, size_t head_len, struct http_request *r)
{
    if (head_len < 4 || memcmp(head + head_len - 4, "\r\n\r\n", 4) != 0)
        return -1;
    const char *end = head + head_len - 4; /* the blank line's "\r\n\r\n" */
    const char *eol = memmem(head, head_len, "\r\n", 2);
    const char *sp1 = memchr(head, ' ', (size_t)(eol - head));
    const char *sp2 = sp1 ? memchr(sp1 + 1, ' ', (size_t)(eol - sp1 - 1)) : NULL;
    if (!sp1 || sp1 == head || !sp2 || sp1[1] != '/' || eol - sp2 != 9 ||
        memcmp(sp2 + 1, "HTTP/1.", 7) != 0 || (sp2[8] != '0' && sp2[8] != '1'))
        return -1;
    for (const char *m = head; m < sp1; m++)
        if (*m < 'A' || *m > 'Z')
            return -1;
    size_t mlen = (size_t)(sp1 - head);
    r->head_only = mlen == 4 && memcmp(head, "HEAD", 4) == 0;
    r->bad_method = !r->head_only && !(mlen == 3 && memcmp(head, "GET", 3) == 0);
    r->path = sp1 + 1;
    r->path_len = (size_t)(sp2 - sp1 - 1);
    r->http10 = sp2[8] == '0';
    r->keep_alive = !r->http10; /* HTTP/1.1 keeps the connection by default */

    long content_length = 0;
    for (const char *line = eol + 2; line < end + 2;) {
        const char *next = memmem(line, (size_t)(end + 2 - line), "\r\n", 2);
        const char *colon = memchr(line, ':', (size_t)(next - line));
        if (!colon || colon == line)
            return -1;
        size_t nlen = (size_t)(colon - line);
        const char *v = colon + 1;
        size_t vlen = (size_t)(next - v);
        if (nlen == 10 && strncasecmp(line, "Connection", 10) == 0) {
            if (has_token(v, vlen, "close"))
                r->keep_alive = false;
            else if (has_token(v, vlen, "keep-alive"))
                r->keep_alive = true;
        } else if (nlen == 14 && strncasecmp(line, "Content-Length", 14) == 0) {
            content_length = 0;
            size_t digits = 0;
            for (size_t i = 0; i < vlen; i++) {
                if (v[i] >= '0' && v[i] <= '9' && content_length <= HTTP_HEAD_MAX) {
                    content_length = content_length * 10 + (v[i] - '0');
                    digits++;
                } else if (v[i] != ' ' && v[i] != '\t') {
                    return -1;
                }
            }
            if (!digits)
                return -1;
        } else if (nlen == 17 && strncasecmp(line, "Transfer-Encoding", 17) == 0) {
            return -1; /* no chunked bodies in this small server */
        }
        line = next + 2;
    }
    if (head_len + (size_t)content_length > HTTP_HEAD_MAX)
        return -1;
    return content_length;
}

enum http_answer http_route(const struct http_request *r)
{
    if (r->bad_method)
        return HTTP_BAD_METHOD;
    if (r->path_len == 1)
        return HTTP_HELLO;
    if (r->path_len == 5 && memcmp(r->path, "/slow", 5) == 0)
        return HTTP_SLOW;
    return HTTP_NOT_FOUND;
}

const char *http_answer_text(enum http_answer a, const struct http_request *r, size_t *len)
{
    if (!answers_made)
        make_answers();
    int m = !r->keep_alive ? C_CLOSE : r->http10 ? C_KEEP : C_DEFAULT;
    *len = answer_len[a][m] - (r->head_only ? body_len[a] : 0);
    return answers[a][m];
}

const char *http_bad_request(size_t *len)
{
    if (!answers_made)
        make_answers();
    *len = answer_len[HTTP_BAD_REQUEST][C_CLOSE];
    return answers[HTTP_BAD_REQUEST][C_CLOSE];
}
