/*
 * api_questions - Q&A: questions with a category and an image, answers,
 * and replies to answers (FORUM_API.md §1.5), written in Markdown.
 *
 * Reading questions is public, as in the course; answering and reading
 * answers needs a token. Fixed from the course: with no category asked
 * for, every question is listed (the course filtered on a NULL
 * category), the image is checked to be one (its bytes, not its name)
 * and capped in size, and each answer and reply notifies whom it
 * concerns (the asker, the answer's author) in their inbox and live.
 */
#include "content.h"
#include "content_write.h"
#include "forum.h"
#include "markdown.h"
#include "media.h"
#include "models.h"

#include <eddy/data/orm.h>
#include <eddy/web/app_db.h>
#include <eddy/web/form.h>

#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------ forms */

static const char *const question_categories[] = {"技术问答", "技术分享", "活动建议", NULL};

/* The question's image: a picture by its bytes, at most 2 MB. */
#define QUESTION_IMAGE_TYPES "image/png image/jpeg image/gif image/webp"
#define QUESTION_IMAGE_BYTES (2 * 1024 * 1024)

static const eddy_form_field question_fields[] = {
    {"category", EDDY_FORM_STRING,
     .validators = EDDY_VALIDATORS(EDDY_REQUIRED("请选择分类"),
                                   EDDY_ANY_OF(question_categories, "分类不存在"))},
    {"title", EDDY_FORM_STRING,
     .validators = EDDY_VALIDATORS(EDDY_REQUIRED("请输入标题"), EDDY_MAX_LENGTH(200, NULL))},
    {"content", EDDY_FORM_TEXT, .validators = EDDY_VALIDATORS(EDDY_REQUIRED("请输入内容"))},
    {"image", EDDY_FORM_FILE, .validators = EDDY_VALIDATORS(EDDY_REQUIRED("请上传图片")),
     .accept = QUESTION_IMAGE_TYPES, .max_bytes = QUESTION_IMAGE_BYTES},
    {.name = NULL}};
static const eddy_form_def question_form = {.name = "api_question", .fields = question_fields};

static const eddy_form_field answer_fields[] = {
    {"content", EDDY_FORM_TEXT,
     .validators = EDDY_VALIDATORS(EDDY_REQUIRED("请输入回答内容"),
                                   EDDY_LENGTH(3, 1000, "回答长度为3到1000个字"))},
    {.name = NULL}};
static const eddy_form_def answer_form = {.name = "api_answer", .fields = answer_fields};

/* ------------------------------------------------------------ helpers */

static json_t *question_json(eddy_req *r, const eddy_db_result *res, size_t i, int with_html)
{
    const char *content = eddy_db_text(res, i, "content");
    json_t *o = json_pack("{s:I, s:o?, s:s?, s:s?, s:s?, s:s?, s:I, s:o}", "id",
                          (json_int_t)eddy_db_int(res, i, "id"), "user",
                          content_user_json(res, i, "user"), "category",
                          eddy_db_text(res, i, "category"), "title", eddy_db_text(res, i, "title"),
                          "content", content, "image",
                          forum_media_url(r, eddy_db_text(res, i, "image"), true), "answer_nums",
                          (json_int_t)eddy_db_int(res, i, "answer_nums"), "add_time",
                          content_time(res, i, "add_time", 0));
    if (o && with_html) {
        char *html = forum_markdown_html(content, content ? strlen(content) : 0);
        json_object_set_new(o, "content_html", html ? json_string(html) : json_null());
        free(html);
    }
    return o;
}

static json_t *answer_json(const eddy_db_result *res, size_t i)
{
    const char *content = eddy_db_text(res, i, "content");
    char *html = forum_markdown_html(content, content ? strlen(content) : 0);
    json_t *o = json_pack("{s:I, s:o?, s:o?, s:s?, s:s?, s:I, s:I, s:o}", "id",
                          (json_int_t)eddy_db_int(res, i, "id"), "user",
                          content_user_json(res, i, "user"), "reply_user",
                          content_user_json(res, i, "reply_user"), "content", content,
                          "content_html", html, "reply_nums",
                          (json_int_t)eddy_db_int(res, i, "reply_nums"), "answer_nums",
                          (json_int_t)eddy_db_int(res, i, "reply_nums"), "add_time",
                          content_time(res, i, "add_time", 0));
    free(html);
    return o;
}

/* ------------------------------------------------------------ questions */

static void questions_get(eddy_req *r)
{
    int64_t limit, offset;
    content_page(r, 20, 100, &limit, &offset);
    const char *c = eddy_get_query_argument(r, "c", "");
    const char *o = eddy_get_query_argument(r, "o", "new");
    eddy_query *q = eddy_orm_select(&forum_question);
    eddy_orm_join(q, "user");
    if (*c && strcmp(c, FORUM_ALL) != 0)
        eddy_orm_where(q, eddy_orm_eq(q, "category", EDDY_DB_STR(c)));
    if (strcmp(o, "hot") == 0)
        eddy_orm_order_by(q, "answer_nums", true);
    eddy_orm_order_by(q, "add_time", true);
    eddy_orm_order_by(q, "id", true);
    eddy_orm_limit(q, limit, offset);
    eddy_db_result *res = NULL;
    int rc = eddy_orm_run(eddy_req_db(r), q, &res);
    eddy_query_free(q);
    if (rc) {
        eddy_send_db_error(r, rc, res);
        return;
    }
    json_t *list = json_array();
    for (size_t i = 0; i < eddy_db_rows(res); i++)
        json_array_append_new(list, question_json(r, res, i, 0));
    eddy_db_result_free(res);
    eddy_send_json(r, list);
}

static void questions_post(eddy_req *r)
{
    int64_t me = content_require_user(r);
    if (me < 0)
        return;
    eddy_form *f = eddy_require_valid_form(r, &question_form);
    if (!f)
        return;
    const char *image = forum_save_upload(r, eddy_form_upload(f, "image"));
    if (!image)
        return; /* 500 sent, the reason logged */
    eddy_orm_value v[] = {
        {"user", EDDY_DB_INT(me)},
        {"category", EDDY_DB_STR(eddy_form_value(f, "category"))},
        {"title", EDDY_DB_STR(eddy_form_value(f, "title"))},
        {"content", EDDY_DB_STR(eddy_form_value(f, "content"))},
        {"image", EDDY_DB_STR(image)},
    };
    int64_t id = 0;
    int rc = eddy_orm_insert(eddy_req_db(r), &forum_question, v, sizeof v / sizeof v[0], &id);
    if (rc) {
        forum_forget_image(r, image); /* no row names it */
        eddy_send_db_error(r, rc, NULL);
        return;
    }
    eddy_send_json(r, json_pack("{s:I}", "id", (json_int_t)id));
}

static void question_get(eddy_req *r)
{
    long id = eddy_require_path_long(r, 1);
    if (id < 0)
        return;
    eddy_query *q = eddy_orm_select(&forum_question);
    eddy_orm_join(q, "user");
    eddy_orm_where(q, eddy_orm_eq(q, "id", EDDY_DB_INT(id)));
    eddy_db_result *res = NULL;
    int rc = eddy_orm_run(eddy_req_db(r), q, &res);
    eddy_query_free(q);
    if (rc) {
        eddy_send_db_error(r, rc, res);
        return;
    }
    json_t *o = eddy_db_rows(res) ? question_json(r, res, 0, 1) : NULL;
    eddy_db_result_free(res);
    if (!o) {
        content_send_status(r, 404, "not found");
        return;
    }
    eddy_send_json(r, o);
}

/* ------------------------------------------------------------ answers */

/* list_answers - answers whose parent_field equals id ("question" with
 * parent_answer NULL: the top level; "parent_answer": replies). */
static void list_answers(eddy_req *r, const char *parent_field, int64_t id, bool newest_first)
{
    int64_t limit, offset;
    content_page(r, 50, 200, &limit, &offset);
    eddy_query *q = eddy_orm_select(&forum_answer);
    eddy_orm_join(q, "user");
    eddy_orm_join(q, "reply_user");
    eddy_orm_where(q, eddy_orm_eq(q, parent_field, EDDY_DB_INT(id)));
    if (strcmp(parent_field, "question") == 0)
        eddy_orm_where(q, eddy_orm_is_null(q, "parent_answer"));
    eddy_orm_order_by(q, "id", newest_first);
    eddy_orm_limit(q, limit, offset);
    eddy_db_result *res = NULL;
    int rc = eddy_orm_run(eddy_req_db(r), q, &res);
    eddy_query_free(q);
    if (rc) {
        eddy_send_db_error(r, rc, res);
        return;
    }
    json_t *list = json_array();
    for (size_t i = 0; i < eddy_db_rows(res); i++)
        json_array_append_new(list, answer_json(res, i));
    eddy_db_result_free(res);
    eddy_send_json(r, list);
}

static void answers_get(eddy_req *r)
{
    int64_t me = content_require_user(r);
    long question = me < 0 ? -1 : eddy_require_path_long(r, 1);
    eddy_db_result *res = NULL;
    if (question < 0 || content_load_row(r, &forum_question, question, &res) < 0)
        return;
    eddy_db_result_free(res);
    list_answers(r, "question", question, true);
}

static void answers_post(eddy_req *r)
{
    int64_t me = content_require_user(r);
    long question = me < 0 ? -1 : eddy_require_path_long(r, 1);
    eddy_db_result *res = NULL;
    if (question < 0 || content_load_row(r, &forum_question, question, &res) < 0)
        return;
    int64_t asker = eddy_db_int(res, 0, "user");
    const char *title = eddy_strdup(r, eddy_db_text(res, 0, "title"));
    eddy_db_result_free(res);
    eddy_form *f = eddy_require_valid_form(r, &answer_form);
    if (!f)
        return;
    forum_new_answer a = {.user = me,
                          .question = question,
                          .content = eddy_form_value(f, "content"),
                          .notify_user = asker,
                          .about = title};
    eddy_db_result *error;
    int rc = forum_add_answer(r, &a, &error);
    if (rc) {
        eddy_send_db_error(r, rc, error);
        return;
    }
    eddy_send_json(r, json_pack("{s:I, s:{s:I}}", "id", (json_int_t)a.id, "user", "id",
                                (json_int_t)me));
}

static void answer_replies_get(eddy_req *r)
{
    int64_t me = content_require_user(r);
    long answer = me < 0 ? -1 : eddy_require_path_long(r, 1);
    eddy_db_result *res = NULL;
    if (answer < 0 || content_load_row(r, &forum_answer, answer, &res) < 0)
        return;
    eddy_db_result_free(res);
    list_answers(r, "parent_answer", answer, false);
}

static void answer_replies_post(eddy_req *r)
{
    int64_t me = content_require_user(r);
    long answer = me < 0 ? -1 : eddy_require_path_long(r, 1);
    eddy_db_result *res = NULL;
    if (answer < 0 || content_load_row(r, &forum_answer, answer, &res) < 0)
        return;
    eddy_form *f = eddy_require_valid_form(r, &forum_api_reply_form);
    if (!f) {
        eddy_db_result_free(res);
        return;
    }
    int64_t replied = content_require_reply_target(r, f);
    if (replied < 0) {
        eddy_db_result_free(res);
        return;
    }
    /* A reply to a reply stays in the thread of the top-level answer. */
    int64_t top = eddy_db_is_null(res, 0, "parent_answer") ? answer
                                                            : eddy_db_int(res, 0, "parent_answer");
    int64_t question = eddy_db_int(res, 0, "question");
    const char *parent_text = eddy_strdup(r, eddy_db_text(res, 0, "content"));
    eddy_db_result_free(res);
    forum_new_answer a = {.user = me,
                          .question = question,
                          .parent = top,
                          .reply_user = replied,
                          .content = eddy_form_value(f, "content"),
                          .notify_user = replied,
                          .about = parent_text};
    eddy_db_result *error;
    int rc = forum_add_answer(r, &a, &error);
    if (rc) {
        eddy_send_db_error(r, rc, error);
        return;
    }
    eddy_send_json(r, json_pack("{s:I, s:{s:I}, s:I}", "id", (json_int_t)a.id, "user", "id",
                                (json_int_t)me, "parent_answer", (json_int_t)top));
}

/* ------------------------------------------------------------ routes */

static const eddy_handler questions = {.get = questions_get, .post = questions_post};
static const eddy_handler question_detail = {.get = question_get};
static const eddy_handler question_answers = {.get = answers_get, .post = answers_post};
static const eddy_handler answer_replies = {.get = answer_replies_get,
                                            .post = answer_replies_post};

int forum_routes_questions(eddy_app *app, forum *f)
{
    (void)f;
    if (forum_api_route(app, "/questions/", &questions, "api_questions") < 0 ||
        forum_api_route(app, "/questions/([0-9]+)/", &question_detail, "api_question") < 0 ||
        forum_api_route(app, "/questions/([0-9]+)/answers/", &question_answers, "api_answers") < 0 ||
        forum_api_route(app, "/answers/([0-9]+)/replys/", &answer_replies, "api_answer_replies") < 0)
        return -1;
    return 0;
}
