/*
 * Exercise 16 tests: board_check(), board_add() and board_latest(), the
 * message board's rules and queries, run against an SQLite database in
 * memory from a task (a query waits, so it must be in one).
 *
 * board_check gets what people get wrong in a form: nothing, blanks,
 * too long (in characters, not bytes), addresses that are not ones. The
 * queries must store and read back exactly what was given - quotes,
 * emoji, SQL - newest first, as many as asked for: a value pasted into
 * the SQL instead of bound would break on the first quote.
 */
#include "messages.h"

#include <criterion/criterion.h>
#include <string.h>

/* checked - board_check on these fields; the errors object (decref it). */
static json_t *checked(const char *name, const char *email, const char *message, int want)
{
    board_form f = {name, email, message};
    json_t *errors = json_object();
    int rc = board_check(&f, errors);
    char *text = json_dumps(errors, JSON_SORT_KEYS);
    cr_assert_eq(rc, want, "board_check(%s, %s, %s) returned %d, errors %s", name, email, message,
                 rc, text);
    free(text);
    return errors;
}

static void refused(const char *name, const char *email, const char *message, const char *field,
                    const char *words)
{
    json_t *errors = checked(name, email, message, -1);
    const char *why = json_string_value(json_object_get(errors, field));
    cr_assert_not_null(why, "no error for %s (name %s, email %s)", field, name, email);
    cr_assert_not_null(strstr(why, words), "%s: \"%s\", expected \"%s\" in it", field, why, words);
    json_decref(errors);
}

Test(ex16, a_good_message_passes, .timeout = 5)
{
    json_t *errors = checked("Ann", "ann@example.com", "Hello, board", 0);
    cr_assert_eq(json_object_size(errors), 0, "nothing to fix");
    json_decref(errors);
    json_decref(checked("\xe5\xbc\xa0\xe4\xb8\x89", "x@y.cn", "\xe4\xbd\xa0\xe5\xa5\xbd", 0));
}

Test(ex16, every_field_is_required_and_not_blank, .timeout = 5)
{
    refused(NULL, "a@b.cd", "hi", "name", "Please give your name");
    refused(" \t", "a@b.cd", "hi", "name", "Please give your name");
    refused("Ann", NULL, "hi", "email", "Please give your email address");
    refused("Ann", "a@b.cd", "\n\n", "message", "Please write a message");
    json_t *errors = checked(NULL, NULL, NULL, -1);
    cr_assert_eq(json_object_size(errors), 3, "one error per field, all three");
    json_decref(errors);
}

Test(ex16, lengths_count_characters, .timeout = 5)
{
    char name[256] = "";
    for (int i = 0; i < BOARD_NAME_MAX; i++)
        strcat(name, "\xc3\xa9"); /* é: 2 bytes, 1 character */
    json_decref(checked(name, "a@b.cd", "hi", 0));
    strcat(name, "x");
    refused(name, "a@b.cd", "hi", "name", "At most 50 characters");
    static char message[BOARD_MESSAGE_MAX + 2];
    memset(message, 'm', BOARD_MESSAGE_MAX);
    json_decref(checked("Ann", "a@b.cd", message, 0));
    message[BOARD_MESSAGE_MAX] = 'm';
    refused("Ann", "a@b.cd", message, "message", "At most 1000 characters");
}

Test(ex16, addresses_must_look_like_addresses, .timeout = 5)
{
    const char *bad[] = {"ann",
                         "ann@",
                         "@example.com",
                         "ann@example",
                         "ann@example.",
                         "a b@example.com",
                         "ann@@example.com",
                         "ann@.com"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        refused("Ann", bad[i], "hi", "email", "does not look like an email address");
    json_decref(checked("Ann", "ann.b+board@mail.example.com", "hi", 0));
}

/* ------------------------------------------------------------ the queries */

struct job {
    void (*fn)(eddy_db *db);
    eddy_db *db;
    int done;
};

static void run_job(void *arg)
{
    struct job *j = arg;
    cr_assert_eq(board_create_table(j->db), 0);
    j->fn(j->db);
    j->done = 1;
}

/* in_task - fn on a new database in memory, inside a task. */
static void in_task(void (*fn)(eddy_db *db))
{
    struct job j = {fn, eddy_db_open("sqlite::memory:", NULL), 0};
    cr_assert_not_null(j.db);
    cr_assert_not_null(eddy_task_spawn(run_job, &j));
    eddy_loop_run();
    cr_assert(j.done, "the queries did not finish");
    eddy_db_close(j.db);
    eddy_loop_free();
    eddy_thread_pool_shutdown();
}

static int64_t add(eddy_db *db, const char *name, const char *message)
{
    board_form f = {name, "x@y.zz", message};
    eddy_db_result *res = NULL;
    int rc = board_add(db, &f, &res);
    cr_assert_eq(rc, 0, "board_add: %d %s", rc, eddy_db_errmsg(res));
    int64_t id = eddy_db_last_id(res);
    eddy_db_result_free(res);
    return id;
}

static void newest_first(eddy_db *db)
{
    cr_assert_eq(add(db, "Ann", "one"), 1);
    cr_assert_eq(add(db, "Bob", "two"), 2);
    cr_assert_eq(add(db, "Cy", "three"), 3);
    eddy_db_result *res = NULL;
    int rc = board_latest(db, 2, &res);
    cr_assert_eq(rc, 0, "board_latest: %d %s", rc, eddy_db_errmsg(res));
    cr_assert_eq(eddy_db_rows(res), 2, "limit 2");
    cr_assert_str_eq(eddy_db_text(res, 0, "message"), "three", "newest first");
    cr_assert_str_eq(eddy_db_text(res, 1, "name"), "Bob");
    cr_assert_eq(eddy_db_int(res, 0, "id"), 3);
    cr_assert_eq(eddy_db_value_of(res, 0, "created")->type, EDDY_DB_DATETIME, "a date-time");
    cr_assert_lt(llabs(eddy_db_value_of(res, 0, "created")->i - eddy_db_now()), 60000000,
                 "created now");
    cr_assert_eq(eddy_db_column_index(res, "email"), -1, "the page never needs the email");
    eddy_db_result_free(res);
}

Test(ex16, messages_come_back_newest_first_limited, .timeout = 10)
{
    in_task(newest_first);
}

static void hostile(eddy_db *db)
{
    const char *texts[] = {"it's", "Robert'); DROP TABLE message;--", "\" OR \"1\"=\"1",
                           "\xf0\x9f\x98\x80 \xe4\xb8\xad\xe6\x96\x87", "back\\slash"};
    for (size_t i = 0; i < 5; i++)
        add(db, texts[i], texts[i]);
    eddy_db_result *res = NULL;
    cr_assert_eq(board_latest(db, 100, &res), 0, "the table is still there");
    cr_assert_eq(eddy_db_rows(res), 5);
    for (size_t i = 0; i < 5; i++) {
        cr_assert_str_eq(eddy_db_text(res, 4 - i, "message"), texts[i], "stored exactly");
        cr_assert_str_eq(eddy_db_text(res, 4 - i, "name"), texts[i]);
    }
    eddy_db_result_free(res);
}

Test(ex16, quotes_emoji_and_sql_are_stored_as_text, .timeout = 10)
{
    in_task(hostile);
}
