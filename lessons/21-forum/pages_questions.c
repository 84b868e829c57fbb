/*
 * pages_questions - the Q&A pages: the questions with a category filter
 * and order, asking with an image, a question's page with its answers
 * (Markdown) and each answer's replies naming whom they answer.
 *
 *   GET  /qa                 the questions (?c=category, ?o=new|hot)
 *   GET  /qa/new, POST       ask a question
 *   GET  /qa/ID              the question and its answers (anyone may read)
 *   POST /qa/ID/answer       an answer; the asker is notified
 *   POST /answer/ID/reply    a reply to an answer (or to a reply: the same
 *                            thread); the one replied to is notified
 */
#include "content.h"
#include "content_write.h"
#include "media.h"
#include "models.h"
#include "pages.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

/* The course's question categories (FORUM_API.md §1.4). */
static const eddy_form_choice categories[] = {
    {"技术问答", NULL}, {"技术分享", NULL}, {"活动建议", NULL}, {NULL, NULL}};
static const char *const category_values[] = {"技术问答", "技术分享", "活动建议", NULL};

static const eddy_form_field question_fields[] = {
    {"category", EDDY_FORM_SELECT, .label = "Category", .choices = categories,
     .validators = EDDY_VALIDATORS(EDDY_REQUIRED(NULL), EDDY_ANY_OF(category_values, NULL))},
    {"title", EDDY_FORM_STRING, .label = "Title",
     .validators = EDDY_VALIDATORS(EDDY_REQUIRED(NULL), EDDY_MAX_LENGTH(200, NULL))},
    {"content", EDDY_FORM_TEXT, .label = "The question",
     .validators = EDDY_VALIDATORS(EDDY_REQUIRED(NULL), EDDY_MAX_LENGTH(20000, NULL))},
    {"image", EDDY_FORM_FILE, .label = "An image (PNG, JPEG or GIF, at most 2 MB)",
     .accept = "image/png image/jpeg image/gif", .max_bytes = 2 * 1024 * 1024,
     .flags = EDDY_FORM_NO_SAVE},
    {.name = NULL}};
static const eddy_form_def question_form = {"question", question_fields, .submit = "Ask"};

static const eddy_form_field answer_fields[] = {
    {"content", EDDY_FORM_TEXT, .label = "Your answer (Markdown)",
     .validators = EDDY_VALIDATORS(EDDY_REQUIRED(NULL), EDDY_LENGTH(3, 1000, NULL))},
    {.name = NULL}};
static const eddy_form_def answer_form = {"answer", answer_fields, .submit = "Answer"};

static const char *text_or_empty(const char *s)
{
    return s ? s : "";
}

/* ------------------------------------------------------------ the list */

static void questions_get(eddy_req *r)
{
    const char *c = eddy_get_query_argument(r, "c", FORUM_ALL);
    const char *o = eddy_get_query_argument(r, "o", "new");
    if (strcmp(o, "hot") != 0)
        o = "new";
    eddy_query *q = eddy_orm_select(&forum_question);
    eddy_orm_join(q, "user");
    if (strcmp(c, FORUM_ALL) != 0)
        eddy_orm_where(q, eddy_orm_eq(q, "category", EDDY_DB_STR(c)));
    eddy_orm_order_by(q, strcmp(o, "hot") == 0 ? "answer_nums" : "add_time", true);
    eddy_orm_order_by(q, "id", true);
    eddy_orm_limit(q, 100, 0);
    eddy_db_result *res;
    int rc = eddy_orm_run(eddy_req_db(r), q, &res);
    eddy_query_free(q);
    if (page_db_failed(r, rc, res, NULL))
        return;
    json_t *list = json_array();
    for (size_t i = 0; i < eddy_db_rows(res); i++)
        json_array_append_new(
            list,
            json_pack("{s:I,s:s,s:s,s:s?,s:s,s:s,s:I}", "id", (json_int_t)eddy_db_int(res, i, "id"),
                      "title", text_or_empty(eddy_db_text(res, i, "title")), "category",
                      text_or_empty(eddy_db_text(res, i, "category")), "image",
                      eddy_db_text(res, i, "image"), "author_name", page_name(r, res, i, "user"),
                      "add_time", page_time(r, res, i, "add_time"), "answer_nums",
                      (json_int_t)eddy_db_int(res, i, "answer_nums")));
    eddy_db_result_free(res);
    static json_t *choices;
    json_t *cats = page_filter_choices(&choices, category_values);
    page_render(r, 200, "questions.html",
                json_pack("{s:o,s:o,s:s,s:s}", "questions", list, "categories", cats, "category", c,
                          "order", o));
}

/* ------------------------------------------------------------ asking */

static void question_new_get(eddy_req *r)
{
    if (!page_require_user(r) || page_form_failed(r, eddy_form_new(r, &question_form)))
        return;
    page_render(r, 200, "question_new.html", NULL);
}

static void question_new_post(eddy_req *r)
{
    int64_t me = page_require_user(r);
    if (!me)
        return;
    eddy_form *f = eddy_form_from_request(r, &question_form);
    if (page_form_failed(r, f))
        return;
    if (!eddy_form_validate(f)) {
        page_render(r, 400, "question_new.html", NULL);
        return;
    }
    char image[128];
    if (page_save_image(r, f, "image", image, sizeof image) < 0)
        return;
    eddy_orm_value v[8];
    size_t n = eddy_form_orm_values(f, &forum_question, v, 6);
    v[n++] = (eddy_orm_value){"user", EDDY_DB_INT(me)};
    if (*image)
        v[n++] = (eddy_orm_value){"image", EDDY_DB_STR(image)};
    int64_t id = 0;
    int rc = eddy_orm_insert(eddy_req_db(r), &forum_question, v, n, &id);
    if (rc)
        forum_forget_image(r, image); /* no row names it */
    if (page_db_failed(r, rc, NULL, NULL))
        return;
    page_see_other(r, "/qa/%lld", (long long)id);
}

/* ------------------------------------------------------------ one question */

/* load_question - question id with its asker, as JSON; false after
 * answering 404 or an error. */
static bool load_question(eddy_req *r, int64_t id, json_t **out)
{
    eddy_query *q = eddy_orm_select(&forum_question);
    eddy_orm_join(q, "user");
    eddy_orm_where(q, eddy_orm_eq(q, "id", EDDY_DB_INT(id)));
    eddy_db_result *res;
    int rc = eddy_orm_run(eddy_req_db(r), q, &res);
    eddy_query_free(q);
    if (rc == 0 && eddy_db_rows(res) == 0)
        rc = ENOENT;
    if (page_db_failed(r, rc, res, "No such question"))
        return false;
    *out = json_pack("{s:I,s:s,s:s,s:s?,s:s,s:I,s:s,s:s,s:I}", "id", (json_int_t)id, "title",
                     text_or_empty(eddy_db_text(res, 0, "title")), "category",
                     text_or_empty(eddy_db_text(res, 0, "category")), "image",
                     eddy_db_text(res, 0, "image"), "content_html",
                     page_content_html(r, eddy_db_text(res, 0, "content")), "user_id",
                     (json_int_t)eddy_db_int(res, 0, "user.id"), "author_name",
                     page_name(r, res, 0, "user"), "add_time", page_time(r, res, 0, "add_time"),
                     "answer_nums", (json_int_t)eddy_db_int(res, 0, "answer_nums"));
    eddy_db_result_free(res);
    return true;
}

/* question_answers - the answers, newest first, each with its replies
 * (found through their thread's top answer, oldest first). */
static int question_answers(eddy_req *r, int64_t question, json_t **out)
{
    eddy_query *q = eddy_orm_select(&forum_answer);
    eddy_orm_join(q, "user");
    eddy_orm_where(q, eddy_orm_and(q, eddy_orm_eq(q, "question", EDDY_DB_INT(question)),
                                   eddy_orm_is_null(q, "parent_answer")));
    eddy_orm_order_by(q, "id", true);
    eddy_orm_limit(q, 500, 0);
    eddy_db_result *res;
    int rc = eddy_orm_run(eddy_req_db(r), q, &res);
    eddy_query_free(q);
    if (rc) {
        eddy_db_result_free(res);
        return rc;
    }
    json_t *by_id = json_object();
    *out = json_array();
    for (size_t i = 0; i < eddy_db_rows(res); i++) {
        char key[24];
        snprintf(key, sizeof key, "%lld", (long long)eddy_db_int(res, i, "id"));
        json_t *a = json_pack(
            "{s:I,s:I,s:s,s:s,s:s,s:[]}", "id", (json_int_t)eddy_db_int(res, i, "id"), "user_id",
            (json_int_t)eddy_db_int(res, i, "user.id"), "author_name", page_name(r, res, i, "user"),
            "content_html", page_content_html(r, eddy_db_text(res, i, "content")), "add_time",
            page_time(r, res, i, "add_time"), "replies");
        json_object_set(by_id, key, a);
        json_array_append_new(*out, a);
    }
    eddy_db_result_free(res);

    q = eddy_orm_select(&forum_answer);
    eddy_orm_join(q, "user");
    eddy_orm_join(q, "reply_user");
    eddy_orm_join(q, "parent_answer");
    eddy_orm_where(q, eddy_orm_eq(q, "parent_answer.question", EDDY_DB_INT(question)));
    eddy_orm_order_by(q, "id", false);
    eddy_orm_limit(q, 2000, 0);
    rc = eddy_orm_run(eddy_req_db(r), q, &res);
    eddy_query_free(q);
    for (size_t i = 0; rc == 0 && i < eddy_db_rows(res); i++) {
        char key[24];
        snprintf(key, sizeof key, "%lld", (long long)eddy_db_int(res, i, "parent_answer.id"));
        json_t *parent = json_object_get(by_id, key);
        if (!parent)
            continue;
        json_t *rp = json_pack("{s:I,s:I,s:s,s:s,s:s}", "id", (json_int_t)eddy_db_int(res, i, "id"),
                               "user_id", (json_int_t)eddy_db_int(res, i, "user.id"), "author_name",
                               page_name(r, res, i, "user"), "content",
                               text_or_empty(eddy_db_text(res, i, "content")), "add_time",
                               page_time(r, res, i, "add_time"));
        if (!eddy_db_is_null(res, i, "reply_user.id"))
            json_object_set_new(rp, "reply_name", json_string(page_name(r, res, i, "reply_user")));
        json_array_append_new(json_object_get(parent, "replies"), rp);
    }
    eddy_db_result_free(res);
    json_decref(by_id);
    if (rc) {
        json_decref(*out);
        *out = NULL;
    }
    return rc;
}

static void show_question(eddy_req *r, int status, int64_t id, int64_t reply_to)
{
    json_t *question, *answers = NULL;
    if (!load_question(r, id, &question))
        return;
    int rc = question_answers(r, id, &answers);
    if (page_db_failed(r, rc, NULL, NULL)) {
        json_decref(question);
        return;
    }
    if (page_user_id(r) && !eddy_form_get(r, "answer"))
        eddy_form_new(r, &answer_form);
    char sid[24], action[64];
    snprintf(sid, sizeof sid, "%lld", (long long)id);
    snprintf(action, sizeof action, "/answer/%lld/reply", (long long)reply_to);
    page_render(r, status, "question.html",
                json_pack("{s:o,s:o,s:s,s:I,s:s}", "question", question, "answers", answers,
                          "str_id", sid, "reply_to", (json_int_t)reply_to, "reply_action", action));
}

static void question_get(eddy_req *r)
{
    long id = eddy_require_path_long(r, 1);
    if (id >= 0)
        show_question(r, 200, id, 0);
}

/* ------------------------------------------------------------ answering */

static void answer_post(eddy_req *r)
{
    int64_t me = page_require_user(r);
    long id = me ? eddy_require_path_long(r, 1) : -1;
    json_t *question;
    if (id < 0 || !load_question(r, id, &question))
        return;
    int64_t asker = json_integer_value(json_object_get(question, "user_id"));
    const char *title = eddy_strdup(r, json_string_value(json_object_get(question, "title")));
    json_decref(question);
    eddy_form *f = eddy_form_from_request(r, &answer_form);
    if (page_form_failed(r, f))
        return;
    if (!eddy_form_validate(f)) {
        show_question(r, 400, id, 0);
        return;
    }
    forum_new_answer a = {.user = me,
                          .question = id,
                          .content = eddy_form_value(f, "content"),
                          .notify_user = asker,
                          .about = title};
    eddy_db_result *error;
    int rc = forum_add_answer(r, &a, &error);
    if (page_db_failed(r, rc, error, NULL))
        return;
    page_see_other(r, "/qa/%ld#a%lld", id, (long long)a.id);
}

static void reply_post(eddy_req *r)
{
    int64_t me = page_require_user(r);
    long id = me ? eddy_require_path_long(r, 1) : -1;
    if (id < 0)
        return;
    eddy_db_result *res;
    int rc = eddy_orm_get(eddy_req_db(r), &forum_answer, id, &res);
    if (page_db_failed(r, rc, res, "No such answer"))
        return;
    /* a reply to a reply joins its thread: the top answer is the parent */
    int64_t top =
        eddy_db_is_null(res, 0, "parent_answer") ? id : eddy_db_int(res, 0, "parent_answer");
    int64_t question = eddy_db_int(res, 0, "question");
    const char *parent_content = eddy_strdup(r, text_or_empty(eddy_db_text(res, 0, "content")));
    eddy_db_result_free(res);
    if (top != id) { /* the thread's question is the top answer's */
        rc = eddy_orm_get(eddy_req_db(r), &forum_answer, top, &res);
        if (page_db_failed(r, rc, res, "No such answer"))
            return;
        question = eddy_db_int(res, 0, "question");
        eddy_db_result_free(res);
    }
    eddy_form *f = eddy_form_from_request(r, &page_reply_form);
    if (page_form_failed(r, f))
        return;
    int64_t to = eddy_form_validate(f) ? eddy_form_int(f, "replyed_user", 0) : 0;
    bool exists = false;
    rc = to ? content_user_exists(r, to, &exists) : 0;
    if (page_db_failed(r, rc, NULL, NULL))
        return;
    if (to && !exists)
        eddy_form_add_error(f, "replyed_user", "No such user.");
    if (eddy_form_has_errors(f)) {
        show_question(r, 400, question, top);
        return;
    }
    forum_new_answer a = {.user = me,
                          .question = question,
                          .parent = top,
                          .reply_user = to,
                          .content = eddy_form_value(f, "content"),
                          .notify_user = to,
                          .about = parent_content};
    eddy_db_result *error;
    rc = forum_add_answer(r, &a, &error);
    if (page_db_failed(r, rc, error, NULL))
        return;
    page_see_other(r, "/qa/%lld#a%lld", (long long)question, (long long)a.id);
}

/* ------------------------------------------------------------ routes */

static const eddy_handler questions_page = {.get = questions_get};
static const eddy_handler question_new_page = {.get = question_new_get, .post = question_new_post};
static const eddy_handler question_page = {.get = question_get};
static const eddy_handler answer_page = {.post = answer_post};
static const eddy_handler reply_page = {.post = reply_post};

int pages_routes_questions(eddy_app *app, forum *f)
{
    (void)f;
    if (eddy_route(app, "/qa", &questions_page, "questions") < 0 ||
        eddy_route(app, "/qa/new", &question_new_page, "question_new") < 0 ||
        eddy_route(app, "/qa/([0-9]+)", &question_page, "question") < 0 ||
        eddy_route(app, "/qa/([0-9]+)/answer", &answer_page, "question_answer") < 0 ||
        eddy_route(app, "/answer/([0-9]+)/reply", &reply_page, "answer_reply") < 0)
        return -1;
    return 0;
}
