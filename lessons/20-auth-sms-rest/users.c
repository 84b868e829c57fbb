/*
 * users - see users.h. Every value reaches the database as a bound
 * parameter; the password hash never leaves this file except to be
 * checked (users_load does not read it).
 */
#include "users.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

int users_create_tables(eddy_db *db)
{
    bool maria = strcmp(eddy_db_dialect(db), "mysql") == 0;
    const char *user_sql =
        maria ? "CREATE TABLE IF NOT EXISTS user (id BIGINT PRIMARY KEY AUTO_INCREMENT, "
                "mobile VARCHAR(11) NOT NULL UNIQUE, password VARCHAR(200) NOT NULL, "
                "nick_name VARCHAR(20))"
              : "CREATE TABLE IF NOT EXISTS user (id INTEGER PRIMARY KEY AUTOINCREMENT, "
                "mobile VARCHAR(11) NOT NULL UNIQUE, password VARCHAR(200) NOT NULL, "
                "nick_name VARCHAR(20))";
    const char *note_sql =
        maria ? "CREATE TABLE IF NOT EXISTS note (id BIGINT PRIMARY KEY AUTO_INCREMENT, "
                "user_id BIGINT NOT NULL REFERENCES user(id), text VARCHAR(500) NOT NULL)"
              : "CREATE TABLE IF NOT EXISTS note (id INTEGER PRIMARY KEY AUTOINCREMENT, "
                "user_id INTEGER NOT NULL REFERENCES user(id), text VARCHAR(500) NOT NULL)";
    int rc = eddy_db_exec(db, user_sql, NULL, 0, NULL, NULL);
    return rc ? rc : eddy_db_exec(db, note_sql, NULL, 0, NULL, NULL);
}

int users_insert(eddy_db *db, const char *mobile, const char *password_hash, int64_t *id)
{
    eddy_db_result *res;
    int rc = eddy_db_query(db, &res, "SELECT id FROM user WHERE mobile = ?",
                           EDDY_DB_PARAMS(EDDY_DB_STR(mobile)));
    if (rc == 0 && eddy_db_rows(res) > 0)
        rc = EEXIST;
    eddy_db_result_free(res);
    if (rc)
        return rc;
    rc = eddy_db_query(db, &res, "INSERT INTO user (mobile, password) VALUES (?, ?)",
                       EDDY_DB_PARAMS(EDDY_DB_STR(mobile), EDDY_DB_STR(password_hash)));
    if (rc == 0)
        *id = eddy_db_last_id(res);
    else if (rc == EIO)
        rc = EEXIST; /* two sign-ups at once: the UNIQUE index lets one through */
    eddy_db_result_free(res);
    return rc;
}

int users_find(eddy_db *db, const char *mobile, int64_t *id, char **hash)
{
    eddy_db_result *res;
    *hash = NULL;
    int rc = eddy_db_query(db, &res, "SELECT id, password FROM user WHERE mobile = ?",
                           EDDY_DB_PARAMS(EDDY_DB_STR(mobile)));
    if (rc == 0 && eddy_db_rows(res) == 0)
        rc = ENOENT;
    if (rc == 0) {
        *id = eddy_db_int(res, 0, "id");
        if (!(*hash = strdup(eddy_db_text(res, 0, "password"))))
            rc = ENOMEM;
    }
    eddy_db_result_free(res);
    return rc;
}

int users_set_hash(eddy_db *db, int64_t id, const char *hash)
{
    return eddy_db_exec(db, "UPDATE user SET password = ? WHERE id = ?",
                        EDDY_DB_PARAMS(EDDY_DB_STR(hash), EDDY_DB_INT(id)), NULL, NULL);
}

int users_set_nick(eddy_db *db, int64_t id, const char *nick)
{
    return eddy_db_exec(db, "UPDATE user SET nick_name = ? WHERE id = ?",
                        EDDY_DB_PARAMS(EDDY_DB_STR(nick), EDDY_DB_INT(id)), NULL, NULL);
}

json_t *users_load(eddy_req *r, const char *id, void *arg)
{
    (void)arg;
    eddy_db_result *res;
    json_t *user = NULL;
    int rc = eddy_db_query(eddy_req_db(r), &res,
                           "SELECT id, mobile, nick_name FROM user WHERE id = ?",
                           EDDY_DB_PARAMS(EDDY_DB_INT(strtoll(id, NULL, 10))));
    if (rc == 0 && eddy_db_rows(res) == 1)
        user = eddy_db_row_json(res, 0);
    eddy_db_result_free(res);
    return user;
}

int notes_insert(eddy_db *db, int64_t user_id, const char *text, int64_t *id)
{
    return eddy_db_exec(db, "INSERT INTO note (user_id, text) VALUES (?, ?)",
                        EDDY_DB_PARAMS(EDDY_DB_INT(user_id), EDDY_DB_STR(text)), NULL, id);
}

int notes_page(eddy_db *db, int64_t user_id, long limit, long offset, json_t **items,
               int64_t *total)
{
    eddy_db_result *res;
    *items = NULL;
    int rc = eddy_db_query(db, &res, "SELECT COUNT(*) AS n FROM note WHERE user_id = ?",
                           EDDY_DB_PARAMS(EDDY_DB_INT(user_id)));
    if (rc == 0)
        *total = eddy_db_int(res, 0, "n");
    eddy_db_result_free(res);
    if (rc)
        return rc;
    rc = eddy_db_query(db, &res,
                       "SELECT id, text FROM note WHERE user_id = ? ORDER BY id DESC "
                       "LIMIT ? OFFSET ?",
                       EDDY_DB_PARAMS(EDDY_DB_INT(user_id), EDDY_DB_INT(limit),
                                      EDDY_DB_INT(offset)));
    if (rc == 0 && !(*items = eddy_db_rows_json(res)))
        rc = ENOMEM;
    eddy_db_result_free(res);
    return rc;
}

int notes_owner(eddy_db *db, int64_t id, int64_t *user_id)
{
    eddy_db_result *res;
    int rc = eddy_db_query(db, &res, "SELECT user_id FROM note WHERE id = ?",
                           EDDY_DB_PARAMS(EDDY_DB_INT(id)));
    if (rc == 0 && eddy_db_rows(res) == 0)
        rc = ENOENT;
    if (rc == 0)
        *user_id = eddy_db_int(res, 0, "user_id");
    eddy_db_result_free(res);
    return rc;
}

int notes_delete(eddy_db *db, int64_t id)
{
    return eddy_db_exec(db, "DELETE FROM note WHERE id = ?", EDDY_DB_PARAMS(EDDY_DB_INT(id)),
                        NULL, NULL);
}
