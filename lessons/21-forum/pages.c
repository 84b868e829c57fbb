/*
 * pages - the parts every page shares (see pages.h), and the pages'
 * registration: templates, the static folder, XSRF, each feature's routes.
 */
#include "pages.h"

#include "markdown.h"
#include "models.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char flash_cookie[] = "flash";

/* ------------------------------------------------------------ who is signed in */

int64_t page_user_id(eddy_req *r)
{
    json_t *user = eddy_current_user(r); /* the signed cookie's user, loaded once */
    json_t *id = user ? json_object_get(user, "id") : NULL;
    return json_is_integer(id) ? (int64_t)json_integer_value(id) : 0;
}

int64_t page_require_user(eddy_req *r)
{
    if (!eddy_require_user(r)) /* answered: 302 to the sign-in page, or 403 */
        return 0;
    return page_user_id(r);
}

int64_t page_session_id(eddy_req *r)
{
    /* a claim never trusted: only the guard's verdict lets a page show
     * anything, so a forged one costs a query, not a secret */
    const char *v = eddy_get_cookie(r, FORUM_SESSION_COOKIE, NULL);
    eddy_buf id = EDDY_BUF_INIT;
    long long n = 0;
    if (v && strlen(v) < 256 && eddy_secure_value_claim(&id, v) == 0 && id.data) {
        char *rest;
        n = strtoll(id.data, &rest, 10);
        if (*rest || n < 0)
            n = 0;
    }
    eddy_buf_free(&id);
    return (int64_t)n;
}

/* ------------------------------------------------------------ rendering */

/* unread_count - the user's unread messages, 0 on any failure (the
 * badge is a courtesy: a page still renders without it). */
static int64_t unread_count(eddy_req *r, int64_t user)
{
    eddy_query *q = eddy_orm_select(&forum_message);
    eddy_orm_where(q, eddy_orm_and(q, eddy_orm_eq(q, "receiver", EDDY_DB_INT(user)),
                                   eddy_orm_eq(q, "is_read", EDDY_DB_INT(0))));
    int64_t n = 0;
    if (eddy_orm_count(eddy_req_db(r), q, &n) != 0)
        n = 0;
    eddy_query_free(q);
    return n;
}

void page_render(eddy_req *r, int status, const char *name, json_t *ctx)
{
    page_render_rows(r, status, name, ctx, NULL);
}

void page_render_rows(eddy_req *r, int status, const char *name, json_t *ctx,
                      const eddy_template_rows *rows)
{
    if (!ctx)
        ctx = json_object();
    int64_t user = page_user_id(r);
    if (user && !json_object_get(ctx, "unread"))
        json_object_set_new(ctx, "unread", json_integer(unread_count(r, user)));
    if (!json_object_get(ctx, "search_query"))
        json_object_set_new(ctx, "search_query", json_string(""));
    json_object_set_new(ctx, "live_url", json_string(PAGES_LIVE_URL));
    if (!json_object_get(ctx, "unread"))
        json_object_set_new(ctx, "unread", json_integer(0));
    /* every name base.html reads is set: an unknown name is an error */
    const char *flash = eddy_get_cookie(r, flash_cookie, NULL)
                            ? eddy_get_secure_cookie(r, flash_cookie, 300)
                            : NULL;
    json_object_set_new(ctx, "flash", json_string(flash ? flash : ""));
    if (flash)
        eddy_clear_cookie(r, flash_cookie, "/");
    eddy_response_status(r, status);
    eddy_render_rows(r, name, ctx, rows);
}

void page_flash(eddy_req *r, const char *text)
{
    if (eddy_set_secure_cookie(r, flash_cookie, text, NULL) < 0)
        eddy_warn("the notice \"%s\" could not be kept for the next page", text);
}

void page_see_other(eddy_req *r, const char *fmt, ...)
{
    char url[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(url, sizeof url, fmt, ap);
    va_end(ap);
    eddy_response_status(r, 303);
    eddy_response_set_header(r, "Location", url);
}

bool page_db_failed(eddy_req *r, int rc, eddy_db_result *res, const char *what)
{
    if (rc == 0)
        return false;
    if (rc == ENOENT) {
        eddy_db_result_free(res);
        eddy_send_error(r, 404, what);
    } else {
        eddy_send_db_error(r, rc, res); /* logs it, frees res, answers 503 */
    }
    return true;
}

bool page_form_failed(eddy_req *r, const eddy_form *f)
{
    if (f)
        return false;
    eddy_send_error(r, 500, NULL);
    return true;
}

/* ------------------------------------------------------------ groups */

int page_member_status(eddy_req *r, int64_t group, int64_t user, const char **status,
                       const char **handle_msg)
{
    eddy_query *q = eddy_orm_select(&forum_member);
    eddy_orm_where(q, eddy_orm_and(q, eddy_orm_eq(q, "user", EDDY_DB_INT(user)),
                                   eddy_orm_eq(q, "community", EDDY_DB_INT(group))));
    eddy_orm_limit(q, 1, 0);
    eddy_db_result *res;
    int rc = eddy_orm_run(eddy_req_db(r), q, &res);
    eddy_query_free(q);
    *status = "none";
    if (handle_msg)
        *handle_msg = "";
    if (rc == 0 && eddy_db_rows(res)) {
        const char *s = eddy_db_text(res, 0, "status");
        *status = eddy_strdup(r, s && *s ? s : "pending"); /* NULL: not reviewed yet */
        const char *msg = eddy_db_text(res, 0, "handle_msg");
        if (handle_msg && msg)
            *handle_msg = eddy_strdup(r, msg);
    }
    eddy_db_result_free(res);
    return rc;
}

bool page_require_member(eddy_req *r, int64_t group, int64_t user)
{
    const char *status;
    int rc = page_member_status(r, group, user, &status, NULL);
    if (page_db_failed(r, rc, NULL, NULL))
        return false;
    if (strcmp(status, FORUM_MEMBER_AGREE) == 0)
        return true;
    eddy_send_error(r, 403, "Only the group's members may do that");
    return false;
}

static const eddy_form_field reply_fields[] = {
    {"replyed_user", EDDY_FORM_HIDDEN,
     .validators = EDDY_VALIDATORS(EDDY_REQUIRED(NULL), EDDY_REGEX("^[0-9]{1,18}$", NULL))},
    {"content", EDDY_FORM_TEXT, .label = "Your reply",
     .validators = EDDY_VALIDATORS(EDDY_REQUIRED(NULL), EDDY_LENGTH(3, 1000, NULL))},
    {.name = NULL}};
const eddy_form_def page_reply_form = {"reply", reply_fields, .submit = "Reply"};

/* ------------------------------------------------------------ text for templates */

/* MARKDOWN_SLOT - the app's forum_markdown_cache (forum_routes_pages). */
#define MARKDOWN_SLOT "forum.markdown"

const char *page_content_html(eddy_req *r, const char *markdown)
{
    const char *text = markdown ? markdown : "";
    forum_markdown_cache *c = eddy_req_app_slot(r, MARKDOWN_SLOT);
    if (!c) { /* pages not registered through forum_routes_pages: rendered each time */
        char *html = forum_markdown_html(text, strlen(text));
        const char *s = html ? eddy_strdup(r, html) : NULL;
        free(html);
        return s ? s : "";
    }
    const char *html = forum_markdown_cached(c, text, strlen(text));
    const char *s = html ? eddy_strdup(r, html) : NULL; /* the cache's until its next call */
    return s ? s : "";
}

const char *page_time(eddy_req *r, const eddy_db_result *res, size_t row, const char *col)
{
    return page_time_of(r, eddy_db_value_of(res, row, col));
}

const char *page_time_of(eddy_req *r, const eddy_db_value *v)
{
    if (!v || v->type == EDDY_DB_NULL)
        return "";
    int64_t us = v->i;
    if (v->type == EDDY_DB_TEXT && eddy_db_parse_time(v->p, v->len, &us) < 0)
        return "";
    char t[32];
    eddy_db_format_time(us, ' ', t);
    t[16] = '\0'; /* "YYYY-MM-DD HH:MM": seconds say nothing on a forum */
    return eddy_strdup(r, t);
}

json_t *page_filter_choices(json_t **kept, const char *const *values)
{
    if (!*kept) {
        json_t *list = json_pack("[s]", FORUM_ALL);
        for (const char *const *v = values; list && *v; v++)
            if (json_array_append_new(list, json_string(*v)) < 0) {
                json_decref(list);
                list = NULL;
            }
        *kept = list;
    }
    return json_incref(*kept);
}

const char *page_text_html(eddy_req *r, const char *text)
{
    eddy_buf out = EDDY_BUF_INIT;
    eddy_buf_append(&out, "<p>", 3);
    for (const char *p = text ? text : ""; *p; p++) {
        if (p[0] == '\n' && p[1] == '\n') {
            while (p[1] == '\n')
                p++;
            eddy_buf_append(&out, "</p>\n<p>", 8);
        } else if (*p == '\n') {
            eddy_buf_append(&out, "<br>\n", 5);
        } else if (*p != '\r') {
            eddy_xhtml_escape_to(&out, p, 1);
        }
    }
    eddy_buf_append(&out, "</p>", 4);
    const char *s = out.data ? eddy_strdup(r, out.data) : "";
    eddy_buf_free(&out);
    return s ? s : "";
}

/* masked_name - a user's name as others see it, into out[32]: the nick
 * name when there is one, else the mobile number masked ("138****0001"),
 * since other readers see it too. */
static const char *masked_name(const char *nick, const char *mobile, char out[32])
{
    if (nick && *nick)
        return nick;
    size_t n = mobile ? strlen(mobile) : 0;
    if (n >= 7 && n < 20)
        snprintf(out, 32, "%.3s****%s", mobile, mobile + n - 4);
    else
        snprintf(out, 32, "%s", n ? "****" : "");
    return out;
}

const char *page_name(eddy_req *r, const eddy_db_result *res, size_t row, const char *prefix)
{
    char nick[64], mobile[64], masked[32];
    snprintf(nick, sizeof nick, "%s%snick_name", prefix, *prefix ? "." : "");
    snprintf(mobile, sizeof mobile, "%s%smobile", prefix, *prefix ? "." : "");
    return eddy_strdup(r, masked_name(eddy_db_text(res, row, nick), eddy_db_text(res, row, mobile),
                                      masked));
}

bool page_mysql(eddy_req *r)
{
    return strcmp(eddy_db_dialect(eddy_req_db(r)), "mysql") == 0;
}

const char *page_user_name(eddy_req *r, const char *nick_name, const char *mobile)
{
    char masked[32];
    return eddy_strdup(r, masked_name(nick_name, mobile, masked));
}

int page_save_image(eddy_req *r, const eddy_form *f, const char *field, char *name_out, size_t size)
{
    *name_out = '\0';
    const eddy_upload *u = eddy_form_upload(f, field);
    if (!u || !u->size)
        return 0;
    /* the form already judged its bytes (an image) and capped its size;
     * the name is the server's, written atomically on the thread pool */
    int rc = eddy_upload_save(r, u, forum_of(r)->media_dir, name_out, size);
    if (rc == 0)
        return 0;
    eddy_error("saving an image in %s: %s", forum_of(r)->media_dir, strerror(rc));
    eddy_send_error(r, 500, "The image could not be saved");
    return -1;
}

/* ------------------------------------------------------------ registration */

static void free_templates(void *loader)
{
    eddy_template_loader_free(loader);
}

static void free_static(void *files)
{
    eddy_static_free(files);
}

static void free_markdown(void *cache)
{
    forum_markdown_cache_free(cache);
}

int forum_routes_pages(eddy_app *app, forum *f)
{
    char templates[PATH_MAX], statics[PATH_MAX];
    if (!eddy_find_app_dir(NULL, __FILE__, "lessons/21-forum", "templates", templates,
                           sizeof templates) ||
        !eddy_find_app_dir(NULL, __FILE__, "lessons/21-forum", "static", statics, sizeof statics)) {
        eddy_error("the forum's templates/ and static/ folders were not found");
        return -1;
    }
    eddy_template_loader *tl = eddy_template_loader_new(templates, false);
    if (!tl || eddy_app_set_slot(app, "forum.templates", tl, free_templates) < 0) {
        eddy_template_loader_free(tl);
        return -1;
    }
    forum_markdown_cache *md = forum_markdown_cache_new();
    if (!md || eddy_app_set_slot(app, MARKDOWN_SLOT, md, free_markdown) < 0) {
        forum_markdown_cache_free(md);
        return -1;
    }
    eddy_static *files = eddy_static_new(statics, &(eddy_static_options){.max_age = 3600});
    if (!files || eddy_app_set_slot(app, "forum.static", files, free_static) < 0) {
        eddy_static_free(files);
        return -1;
    }
    /* every page form carries the token; the JSON API, on tokens in a
     * header, is exempted where its routes are made */
    if (eddy_app_set_templates(app, tl) < 0 || eddy_form_templates(tl) < 0 ||
        eddy_app_use_xsrf(app) < 0 || eddy_static_route(app, "/static/(.*)", files, "static") < 0)
        return -1;
    if (pages_routes_accounts(app, f) < 0 || pages_routes_groups(app, f) < 0 ||
        pages_routes_group_admin(app, f) < 0 ||
        pages_routes_posts(app, f) < 0 || pages_routes_questions(app, f) < 0 ||
        pages_routes_inbox(app, f) < 0 || pages_routes_search(app, f) < 0)
        return -1;
    return 0;
}
