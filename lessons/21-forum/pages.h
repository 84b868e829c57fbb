/*
 * pages - what every server-rendered page of the forum shares: who is
 * signed in (the signed-cookie session of auth.h), the context every
 * template sees (the unread count, the live-notification socket), a
 * one-shot notice carried over a redirect, dates and safe text for
 * templates, and the answers to a database failure.
 *
 * The pages are the forum's second face: each pages_*.c file serves one
 * feature as HTML forms that work without JavaScript, every POST
 * protected by the XSRF token its form carries, and answers a good POST
 * with 303 to the page that shows the result (a reload never posts
 * twice) or with the form again, errors beside the fields (400).
 */
#ifndef FORUM_PAGES_H
#define FORUM_PAGES_H

#include "forum.h"

#include <eddy/eddy.h>

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

/* PAGES_LIVE_URL - the WebSocket route of live notifications
 * (live.c), named in the page for forum.js. */
#define PAGES_LIVE_URL "/ws/notifications"

/* page_user_id - the id of the signed-in user, or 0 when nobody is
 * signed in. May wait (the session's user is loaded once). */
int64_t page_user_id(eddy_req *r);

/* page_require_user - the same, or 0 after answering: a GET goes to the
 * sign-in page with ?next=<this page>, anything else is 403. */
int64_t page_require_user(eddy_req *r);

/* page_session_id - the id the session cookie claims, 0 when none: its
 * signature NOT checked and the user not loaded (no HMAC, no query). A
 * page that reads the reader's row with its own query (forum_keep_reader)
 * starts from it, then asks page_require_user, which checks the cookie
 * and takes that row only when the id is the one it found. */
int64_t page_session_id(eddy_req *r);

/* page_render - render template name with ctx (stolen) and status, after
 * adding what base.html needs: the unread count, the live URL, the
 * search box's text, a notice left by page_flash. May wait. */
void page_render(eddy_req *r, int status, const char *name, json_t *ctx);

/* page_render_rows - the same, with database rows besides ctx (render.h's
 * eddy_render_rows): a loop over them reads the result itself. */
void page_render_rows(eddy_req *r, int status, const char *name, json_t *ctx,
                      const eddy_template_rows *rows);

/* page_flash - a notice for the next page rendered (one redirect on),
 * kept in a signed cookie. */
void page_flash(eddy_req *r, const char *text);

/* page_see_other - 303 to the URL formatted from fmt: the result of a
 * form, shown by a GET so a reload does not post again. */
void page_see_other(eddy_req *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* page_db_failed - rc is not 0: answer 503 (ENOENT: 404 with what, the
 * thing not found), free res, true. rc 0: false, res untouched. */
bool page_db_failed(eddy_req *r, int rc, eddy_db_result *res, const char *what);

/* page_time - a DATETIME column as "YYYY-MM-DD HH:MM" (UTC), in the
 * request's arena; "" when NULL. */
const char *page_time(eddy_req *r, const eddy_db_result *res, size_t row, const char *col);
/* page_time_of - the same for a value read by position. */
const char *page_time_of(eddy_req *r, const eddy_db_value *v);

/* page_filter_choices - FORUM_ALL, then values (NULL-ended), as the JSON
 * list a page's filter links are written from: made once, in *kept (a
 * static of the caller's, on the loop thread), and shared; a new
 * reference each call, NULL when out of memory. */
json_t *page_filter_choices(json_t **kept, const char *const *values);

/* page_text_html - text the user wrote, as safe HTML: escaped, blank
 * lines making paragraphs, line breaks kept. In the request's arena. */
const char *page_text_html(eddy_req *r, const char *text);

/* page_name - what a page calls a user: the nick name, else the mobile
 * number masked ("138****0001"), read from columns prefix.nick_name and
 * prefix.mobile of row (prefix "" for a user row itself). */
const char *page_name(eddy_req *r, const eddy_db_result *res, size_t row, const char *prefix);

/* PAGE_NAME_MYSQL(u), PAGE_NAME_SQLITE(u) - the same name as an SQL
 * expression on the user table aliased u (a string literal), in each
 * dialect: a page listing many users' rows gets each name from its query,
 * one constant text per dialect, instead of from a call per row. The
 * rule is masked_name's (pages.c), for mobile numbers (ASCII digits, so
 * that SQL's lengths and substrings in characters are those in bytes). */
#define PAGE_NAME_SQL(u, masked)                                                                   \
    "CASE WHEN " u ".nick_name <> '' THEN " u ".nick_name WHEN LENGTH(" u ".mobile) BETWEEN 7 "    \
    "AND 19 THEN " masked " WHEN " u ".mobile <> '' THEN '****' ELSE '' END"
#define PAGE_NAME_MYSQL(u)                                                                         \
    PAGE_NAME_SQL(u, "CONCAT(SUBSTR(" u ".mobile, 1, 3), '****', SUBSTR(" u ".mobile, -4))")
#define PAGE_NAME_SQLITE(u)                                                                        \
    PAGE_NAME_SQL(u, "SUBSTR(" u ".mobile, 1, 3) || '****' || SUBSTR(" u ".mobile, -4)")

/* page_mysql - r's database speaks MariaDB's dialect (else SQLite's). */
bool page_mysql(eddy_req *r);

/* page_user_name - the same from the two texts (either may be NULL), in
 * the request's arena. */
const char *page_user_name(eddy_req *r, const char *nick_name, const char *mobile);

/* page_member_status - user's standing in group: "agree" (a member),
 * "refuse", "pending" (applied, not yet reviewed) or "none"; *handle_msg
 * (may be NULL) gets the owner's message, in the request's arena. A wait:
 * 0 or an errno value. */
int page_member_status(eddy_req *r, int64_t group, int64_t user, const char **status,
                       const char **handle_msg);

/* page_require_member - user is an agreed member of group; else false
 * after answering (403, or 503 when the database failed). May wait. */
bool page_require_member(eddy_req *r, int64_t group, int64_t user);

/* page_content_html - a post's or an answer's Markdown as safe HTML
 * (markdown.h: raw HTML escaped, links sanitised), in the request's
 * arena. */
const char *page_content_html(eddy_req *r, const char *markdown);

/* page_form_failed - f is NULL (out of memory): answer 500, true. */
bool page_form_failed(eddy_req *r, const eddy_form *f);

/* page_save_image - save a form's image upload (field) under the forum's
 * media folder, the name the server made into name_out. 0 when saved or
 * when none was sent (name_out ""), else -1 after answering 500. */
int page_save_image(eddy_req *r, const eddy_form *f, const char *field, char *name_out,
                    size_t size);

/* The reply form (楼中楼) of a comment and of an answer, one for both:
 * whom the reply answers, and its text. */
extern const eddy_form_def page_reply_form;

/* The course's group categories (FORUM_API.md §1.4), as a form's
 * choices and as the values it accepts (pages_groups.c). */
extern const eddy_form_choice page_group_categories[];
extern const char *const page_group_category_values[];

/* Registration, one per file (0, or -1 with eddy_app_error). */
int pages_routes_accounts(eddy_app *app, forum *f);
int pages_routes_groups(eddy_app *app, forum *f);
int pages_routes_group_admin(eddy_app *app, forum *f);
int pages_routes_posts(eddy_app *app, forum *f);
int pages_routes_questions(eddy_app *app, forum *f);
int pages_routes_inbox(eddy_app *app, forum *f);
int pages_routes_search(eddy_app *app, forum *f);

#endif
