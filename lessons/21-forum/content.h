/*
 * content - what the content features (posts, Q&A, messages, live push,
 * uploads, search) share: who is asking, whether they belong to a group,
 * a user as the API shows one, pages of a list, and the one call that
 * notifies a user (a row in their inbox, pushed live to their open pages).
 */
#ifndef FORUM_CONTENT_H
#define FORUM_CONTENT_H

#include "forum.h"

#include <eddy/data/db.h>
#include <eddy/data/orm.h>
#include <eddy/web/form.h>
#include <eddy/web/handler.h>

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

/* content_require_user - the API caller's id (the tsessionid token), or
 * -1 after answering 401 (forum_api_user). */
int64_t content_require_user(eddy_req *r);

/* content_optional_user - the caller's id when a token came with r, 0 when
 * none did, or -1 after answering 401 for a token that is no good. */
int64_t content_optional_user(eddy_req *r);

/* content_is_member - 1 when user is an approved member of group, 0 when
 * not, or -1 after answering the database's failure. */
int content_is_member(eddy_req *r, int64_t user, int64_t group);

/* content_load_row - the row of m with this id into *out, or -1 after
 * answering 404 (none) or the database's failure. */
int content_load_row(eddy_req *r, const eddy_model *m, int64_t id, eddy_db_result **out);

/* content_user_exists - is there a user with this id (*yes)? The
 * replyed_user of a reply is checked with it. A wait: 0 or an errno value. */
int content_user_exists(eddy_req *r, int64_t id, bool *yes);

/* content_require_reply_target - the user a reply form's replyed_user
 * names, or -1 after answering 400 {"replyed_user": "用户不存在"} (no such
 * user) or the database's failure. */
int64_t content_require_reply_target(eddy_req *r, eddy_form *f);

/* content_user_json - the user a joined row names under prefix ("user",
 * "reply_user"): {id, nick_name, head_url}; the nick name falls back to
 * the mobile number, masked ("138****0001"), when not set. NULL when
 * the row has no such user (a left join found none). */
json_t *content_user_json(const eddy_db_result *res, size_t row, const char *prefix);

/* content_time - a DATETIME column as "YYYY-MM-DD HH:MM:SS" (or the date
 * only when date_only), as the course's hand-built dicts write it. */
json_t *content_time(const eddy_db_result *res, size_t row, const char *column, int date_only);

/* content_page - ?page= (from 1) and ?limit= (1..max, default def) as a
 * LIMIT and OFFSET. */
void content_page(eddy_req *r, int64_t def, int64_t max, int64_t *limit, int64_t *offset);

/* content_send_status - answer status with a JSON body {"non_fields": reason}. */
void content_send_status(eddy_req *r, int status, const char *reason);

/* forum_notify - tell receiver that sender did something (type): a row
 * in their inbox, then the same message published to every page they
 * have open (live.c). Nobody is notified of their own doing. A wait: 0
 * or an errno value (the action it reports has happened anyway, so the
 * caller logs and goes on). */
int forum_notify(eddy_req *r, int64_t sender, int64_t receiver, int type, const char *message,
                 const char *parent_content);

/* forum_live_publish - push payload (a JSON text) to the receiver's open
 * pages, in every process (live.c); 0 or -1. */
int forum_live_publish(forum *f, int64_t receiver, const char *payload, size_t len);

/* forum_search - the posts and questions holding every word of q
 * (search.c: FTS5 on SQLite, FULLTEXT on MariaDB, LIKE for what those
 * cannot find), newest first, limit from offset. type is "all", "post"
 * or "question"; posts are those of the groups user is a member of
 * (user 0: none). Rows: kind ("post"/"question"), id, title, content,
 * add_time, group_id (posts); *total counts every match. A q with no
 * word leaves *res NULL and *total 0. A wait: 0 or an errno value. */
int forum_search(eddy_req *r, const char *q, const char *type, int64_t user, int64_t limit,
                 int64_t offset, eddy_db_result **res, int64_t *total);

/* forum_search_snippet - about 80 characters of content around the first
 * word of q found in it, with an ellipsis where cut; request's arena. */
char *forum_search_snippet(eddy_req *r, const char *content, const char *q);

#endif
