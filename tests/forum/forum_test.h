/*
 * forum_test - what every forum test file shares: the forum started on a
 * database of its own (SQLite in a temporary folder, or a fresh MariaDB
 * database), HTTP calls with JSON, multipart and the tsessionid token,
 * accounts registered through the real SMS-code flow, and rows read back
 * from the database.
 *
 * The suite's PRE_ALL and POST_ALL hooks (MariaDB and Redis started once
 * for the whole run) live in forum_test.c: Criterion allows one of each
 * per binary, so other files of tests/forum/ define none.
 */
#ifndef FORUM_TEST_H
#define FORUM_TEST_H

#include "harness.h"

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

typedef enum ft_db { FT_SQLITE, FT_MARIADB } ft_db;

typedef struct ft_forum {
    th_proc proc;
    char dir[64]; /* the temporary folder: media/, forum.db */
    char db_url[512];
} ft_forum;

/* ft_start - the forum on db (a MariaDB test skips when no server could
 * start) with the extra options (NULL-ended, may be NULL); asserts it
 * started. ft_stop - stop it and remove its folder. */
void ft_start(ft_forum *f, ft_db db, const char *const *extra);
void ft_stop(ft_forum *f);

typedef struct ft_resp {
    int status;
    char *raw;        /* the whole response (headers and body) */
    const char *body; /* into raw */
    json_t *json;     /* the body parsed, or NULL */
} ft_resp;

/* ft_call - method path on the forum with a JSON body (may be NULL) and
 * the token (may be NULL) in the tsessionid header. The response is
 * valid until the next call of any ft_ function that answers one. */
ft_resp *ft_call(ft_forum *f, const char *method, const char *path, const char *token,
                 const char *json_body);

/* ft_raw - send request (a whole HTTP request, as written) to the forum. */
ft_resp *ft_raw(ft_forum *f, const char *request);

/* ft_part - one part of a multipart body: a text field (filename NULL)
 * or a file. */
typedef struct ft_part {
    const char *name, *value; /* value: text, or the file's bytes */
    size_t len;               /* a file's length (text: strlen) */
    const char *filename, *type;
} ft_part;

/* ft_multipart - method path with parts[0..n) as multipart/form-data. */
ft_resp *ft_multipart(ft_forum *f, const char *method, const char *path, const char *token,
                      const ft_part *parts, size_t n);

/* ft_header - a response header's value (copied into a static buffer), or NULL. */
const char *ft_header(const ft_resp *r, const char *name);

/* ft_code - the last SMS code the forum printed for mobile (console
 * backend), or NULL. */
const char *ft_code(ft_forum *f, const char *mobile);

/* ft_user - register mobile with password through /code/ and /register/
 * (asserting each step) and log in: the token into token[FT_TOKEN_MAX],
 * the user's id into *id (may be NULL). */
#define FT_TOKEN_MAX 1024
void ft_user(ft_forum *f, const char *mobile, const char *password, char *token, long long *id);

/* ft_rows - what sql reads from the forum's database: columns joined by
 * '|', a line per row (static buffer). */
const char *ft_rows(ft_forum *f, const char *sql);

/* ft_media - the files right in the forum's media folder (not the
 * editor's upload/ below it), their names sorted, one a line (static
 * buffer); *count (may be NULL) gets how many. */
const char *ft_media(ft_forum *f, int *count);

/* A small real PNG (1x1), for covers and avatars. */
extern const unsigned char ft_png[];
extern const size_t ft_png_len;

/* FT_BOTH_DATABASES(suite, name) { ... } - the body, as a test of
 * suite_sqlite and one of suite_mariadb, each on a forum started on that
 * database; FT_SQLITE_ONLY(suite, name) { ... } - the first alone. The
 * file using them has its forum in `static ft_forum forum` and stops it
 * in `static void stop(void)`. */
/* clang-format off */
#define FT_TEST_ON(suite, db, name)                                                                \
    Test(suite, name, .fini = stop)                                                                \
    {                                                                                              \
        ft_start(&forum, db, NULL);                                                                \
        name();                                                                                    \
    }
#define FT_SQLITE_ONLY(suite, name)                                                                \
    static void name(void);                                                                        \
    FT_TEST_ON(suite##_sqlite, FT_SQLITE, name)                                                    \
    static void name(void)
#define FT_BOTH_DATABASES(suite, name)                                                             \
    static void name(void);                                                                        \
    FT_TEST_ON(suite##_sqlite, FT_SQLITE, name)                                                    \
    FT_TEST_ON(suite##_mariadb, FT_MARIADB, name)                                                  \
    static void name(void)
/* clang-format on */

#endif
