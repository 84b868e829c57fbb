/*
 * messages - the board's rules and queries; see messages.h.
 *
 * EXERCISE: write board_check(), board_add() and board_latest(). The
 * board (lessons/16-async-db/board.c) calls board_check on every form and
 * JSON body, board_add to store a message and board_latest for the page
 * and the API. `make progress` runs the tests, against SQLite in memory.
 */
#include "messages.h"

#include <errno.h>
#include <string.h>

size_t utf8_chars(const char *s)
{
    size_t n = 0;
    for (; *s; s++)
        if (((unsigned char)*s & 0xC0) != 0x80) /* not a continuation byte 10xxxxxx */
            n++;
    return n;
}

/* blank - s is missing, empty, or only white space. */
static bool blank(const char *s)
{
    return !s || s[strspn(s, " \t\r\n")] == '\0';
}

/* looks_like_email - one '@' with something before it, a '.' after it
 * that is not the last character, and no white space anywhere. */
static bool looks_like_email(const char *s)
{
    const char *at = strchr(s, '@');
    if (!at || at == s || strchr(at + 1, '@') || strpbrk(s, " \t\r\n"))
        return false;
    const char *dot = strchr(at + 1, '.');
    return dot && dot > at + 1 && dot[1] != '\0';
}

/* refuse - note why field is refused; 1, so the checks can add up. */
static int refuse(json_t *errors, const char *field, const char *why)
{
    json_object_set_new(errors, field, json_string(why));
    return 1;
}

int board_check(const board_form *f, json_t *errors)
{
    /* TODO: judge each field in turn and, for each one that is wrong,
     * refuse(errors, "field", "sentence") once (see messages.h for the
     * rules and the tests for the sentences): blank() for a missing or
     * empty field, utf8_chars() for the lengths, looks_like_email() for
     * the address. Return -1 if anything was refused, else 0. */
    (void)f;
    (void)errors;
    (void)refuse;
    (void)blank;
    (void)looks_like_email;
    return 0;
}

int board_create_table(eddy_db *db)
{
    /* The one statement where the two databases differ: how a key counts up. */
    bool sqlite = strcmp(eddy_db_dialect(db), "sqlite") == 0;
    char sql[512];
    snprintf(sql, sizeof sql,
             "CREATE TABLE IF NOT EXISTS message ("
             "id %s, name VARCHAR(50) NOT NULL, email VARCHAR(100) NOT NULL, "
             "message TEXT NOT NULL, created DATETIME(6) NOT NULL)",
             sqlite ? "INTEGER PRIMARY KEY AUTOINCREMENT"
                    : "BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY");
    return eddy_db_exec(db, sql, NULL, 0, NULL, NULL);
}

/* board_add and board_latest are given: chapter 16 prints them in "One API". */
int board_add(eddy_db *db, const board_form *f, eddy_db_result **res)
{
    return eddy_db_query(db, res,
                         "INSERT INTO message (name, email, message, created) VALUES (?, ?, ?, ?)",
                         EDDY_DB_PARAMS(EDDY_DB_STR(f->name), EDDY_DB_STR(f->email),
                                        EDDY_DB_STR(f->message), EDDY_DB_TIME(eddy_db_now())));
}

int board_latest(eddy_db *db, long limit, eddy_db_result **res)
{
    return eddy_db_query(db, res,
                         "SELECT id, name, message, created FROM message ORDER BY id DESC LIMIT ?",
                         EDDY_DB_PARAMS(EDDY_DB_INT(limit)));
}

json_t *board_json(const eddy_db_result *res)
{
    return eddy_db_rows_json(res); /* the columns are exactly the fields to show */
}
