/*
 * content_client - what the content suites (posts, Q&A, messages, live,
 * uploads, search) need to drive a running forum: start it on SQLite or
 * MariaDB, put users, groups and memberships straight into its database
 * (the accounts and groups API have suites of their own), a token for a
 * user, HTTP requests with JSON answers, and a WebSocket reader.
 */
#ifndef TEST_CONTENT_CLIENT_H
#define TEST_CONTENT_CLIENT_H

#include "harness.h"

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

typedef struct fc_forum {
    th_proc proc;
    char dir[256];     /* temporary folder: the SQLite file, media */
    char db_url[512];
    int mysql;
    void *conn;        /* the test's own connection to the database */
} fc_forum;

/* The forum's --secret in these tests (tokens are made with it). */
#define FC_SECRET "content-tests-secret-0123456789abcdef-xyz"

/* fc_start - a forum on a new SQLite file (db_url NULL), or on db_url
 * (a MariaDB database, or another forum's "sqlite:///..." file), with
 * extra arguments (NULL-ended, may be NULL); 0 or -1 with the reason in
 * *why. */
int fc_start(fc_forum *f, const char *db_url, const char *const *extra, const char **why);
void fc_stop(fc_forum *f);

/* fc_sql - run one statement on the forum's database; 0 or -1.
 * fc_sql_int - the first column of the first row, or -1. */
int fc_sql(fc_forum *f, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
long long fc_sql_int(fc_forum *f, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* fc_user - a user row (mobile made from n), its id. */
long long fc_user(fc_forum *f, int n, const char *nick);
/* fc_group - a group created by creator, with creator an approved member. */
long long fc_group(fc_forum *f, long long creator, const char *name);
/* fc_member - a membership row; status "agree", "refuse" or NULL (pending). */
void fc_member(fc_forum *f, long long user, long long group, const char *status);

/* fc_token - a tsessionid token for user id (static buffer).
 * fc_token_until - one that expires at exp (seconds since 1970). */
const char *fc_token(long long user);
const char *fc_token_until(long long user, long long exp);

typedef struct fc_response {
    int status;
    char *head;  /* the status line and headers */
    char *body;
    size_t body_len;
    json_t *json; /* the body parsed, or NULL */
} fc_response;

/* fc_call - method path with a body (JSON text, or NULL) as user (0:
 * no token); the response, parsed. fc_call_raw - with a content type
 * and body bytes of the caller's. Free with fc_free. */
fc_response fc_call(fc_forum *f, const char *method, const char *path, long long user,
                    const char *json_body);
fc_response fc_call_raw(fc_forum *f, const char *method, const char *path, long long user,
                        const char *content_type, const void *body, size_t len);
void fc_free(fc_response *r);

/* fc_header - a response header's value (static buffer), or NULL. */
const char *fc_header(const fc_response *r, const char *name);

/* fc_id - member "id" of r's JSON object, or -2. */
long long fc_id(const fc_response *r);

/* fc_multipart - a multipart body with one file field (and text fields
 * given as name, value pairs, NULL-ended); malloc'd, *len its size,
 * content_type (static) set. */
char *fc_multipart(const char *field, const char *filename, const void *data, size_t size,
                   const char *const *fields, size_t *len, const char **content_type);

/* fc_ws_open - a WebSocket to /ws/notifications as user on port; the
 * socket, or -1 (the status of a refused handshake in *status). */
int fc_ws_open(int port, long long user, int *status);

/* fc_ws_read - the next text message (malloc'd, NUL-terminated) within
 * timeout_ms, or NULL. */
char *fc_ws_read(int fd, int timeout_ms);

#endif
