/*
 * messages - the board's rules and queries; see messages.h.
 */
#include "messages.h"

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

/* quote:begin check */
int board_check(const board_form *f, json_t *errors)
{
    int bad = 0;
    if (blank(f->name))
        bad |= refuse(errors, "name", "Please give your name");
    else if (utf8_chars(f->name) > BOARD_NAME_MAX)
        bad |= refuse(errors, "name", "At most 50 characters, please");

    if (blank(f->email))
        bad |= refuse(errors, "email", "Please give your email address");
    else if (utf8_chars(f->email) > BOARD_EMAIL_MAX || !looks_like_email(f->email))
        bad |= refuse(errors, "email", "That does not look like an email address");

    if (blank(f->message))
        bad |= refuse(errors, "message", "Please write a message");
    else if (utf8_chars(f->message) > BOARD_MESSAGE_MAX)
        bad |= refuse(errors, "message", "At most 1000 characters, please");
    return bad ? -1 : 0;
}
/* quote:end check */

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

/* quote:begin queries */
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
/* quote:end queries */

json_t *board_json(const eddy_db_result *res)
{
    return eddy_db_rows_json(res); /* the columns are exactly the fields to show */
}
