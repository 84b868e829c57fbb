/*
 * messages - the message board's data: what a message must look like,
 * and the two queries the board runs (lesson 16).
 *
 * A message is a name, an email address and the text. board_check
 * judges a form the way a person filled it in and says, per field, what
 * to fix; board_add and board_latest are the only SQL the board needs,
 * each with its values bound to "?" marks - never pasted into the SQL -
 * so a message holding '; DROP TABLE message; -- is stored as just that.
 * Both are waits (db.h): they suspend the calling task, not the server.
 */
#ifndef LESSON16_MESSAGES_H
#define LESSON16_MESSAGES_H

#include <eddy/eddy.h>

enum {
    BOARD_NAME_MAX = 50, /* characters, not bytes */
    BOARD_EMAIL_MAX = 100,
    BOARD_MESSAGE_MAX = 1000,
};

/* A message as a form or a JSON body sent it; NULL means "not sent". */
typedef struct board_form {
    const char *name, *email, *message;
} board_form;

/* board_check - judge f. Every field is required, and after trimming
 * nothing is blank; a name has at most BOARD_NAME_MAX characters, a
 * message at most BOARD_MESSAGE_MAX; an email has at most
 * BOARD_EMAIL_MAX and looks like one: no spaces, exactly one '@' with
 * something before it and a '.' somewhere after it, not at the very end.
 * Each problem is set in errors as field name -> a sentence saying what
 * to fix ("name": "Please give your name"), one per field. Returns 0
 * when all is well (errors untouched), -1 otherwise. */
int board_check(const board_form *f, json_t *errors);

/* board_create_table - the message table, if it is not there yet. */
int board_create_table(eddy_db *db);

/* board_add - store f (checked already) with the current time; the new
 * id is eddy_db_last_id(*res). A wait: 0 or an errno value (db.h); *res
 * is always set and the caller frees it. */
int board_add(eddy_db *db, const board_form *f, eddy_db_result **res);

/* board_latest - the newest limit messages, newest first, with the
 * columns id, name, message, created. A wait, as board_add. */
int board_latest(eddy_db *db, long limit, eddy_db_result **res);

/* board_json - board_latest's rows as a JSON array of {id, name,
 * message, created} (created in ISO 8601; the email stays private). */
json_t *board_json(const eddy_db_result *res);

/* utf8_chars - the number of characters in a UTF-8 string. */
size_t utf8_chars(const char *s);

#endif
