/*
 * users - lesson 20's accounts and notes in the database: what the
 * handlers in site.c and api.c store and look up, with the SQL in one place.
 */
#ifndef LESSON20_USERS_H
#define LESSON20_USERS_H

#include <eddy/eddy.h>

/* users_create_tables - the user and note tables, when missing. 0 or an errno value. */
int users_create_tables(eddy_db *db);

/* users_insert - a new account; *id gets its id. 0, EEXIST when the
 * mobile number has an account already, or an errno value. */
int users_insert(eddy_db *db, const char *mobile, const char *password_hash, int64_t *id);

/* users_find - the id and stored hash for mobile (hash malloc'd, free
 * it). 0, ENOENT when there is no such account, or an errno value. */
int users_find(eddy_db *db, const char *mobile, int64_t *id, char **hash);

/* users_set_hash - store a new hash (a rehash after raised parameters). */
int users_set_hash(eddy_db *db, int64_t id, const char *hash);

/* users_set_nick - change the nickname. */
int users_set_nick(eddy_db *db, int64_t id, const char *nick);

/* users_load - the auth loader (auth.h): {id, mobile, nick_name}, or NULL. */
json_t *users_load(eddy_req *r, const char *id, void *arg);

/* Notes: a user's own short texts, the REST resource of the API. */
int notes_insert(eddy_db *db, int64_t user_id, const char *text, int64_t *id);
/* notes_page - one page of the user's notes, newest first, and the total. */
int notes_page(eddy_db *db, int64_t user_id, long limit, long offset, json_t **items,
               int64_t *total);
/* notes_owner - who owns note id: 0 with *user_id, ENOENT, or an errno value. */
int notes_owner(eddy_db *db, int64_t id, int64_t *user_id);
int notes_delete(eddy_db *db, int64_t id);

#endif
