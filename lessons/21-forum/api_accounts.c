/*
 * api_accounts - the accounts API: SMS codes, registration, login, the
 * profile, the avatar, the password, and what a user has made.
 *
 *   POST  /code/              {mobile}: a code by SMS (printed with the console backend)
 *   POST  /register/          {mobile, code, password} -> {id}
 *   POST  /login/             {mobile, password} -> {id, nick_name, token}
 *   GET   /info/              the caller's profile
 *   PATCH /info/              {nick_name, gender, address, desc} -> {id}
 *   GET   /headimages/        {image}: the caller's avatar URL
 *   POST  /headimages/        multipart image -> {image}
 *   POST  /password/          {old_password, new_password, confirm_password} -> {id}
 *   GET   /users/ID/groups/   [{user}, {owner: [...]}, {join: [...]}]
 *   GET   /users/ID/questions/, /users/ID/answers/
 *
 * Fixed from the course (FORUM_API.md §1.6, §1.7, §1.9): a code is
 * single-use, expires and allows a few attempts (lib/data/sms_code.h);
 * codes and logins are rate limited per address; a password is hashed
 * with scrypt on the thread pool; a wrong mobile and a wrong password get
 * the same answer in the same time, so nobody learns who has an account.
 */
#include "forum.h"
#include "media.h"
#include "models.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The course's numbers (FORUM_API.md §1.4): 13x, 15x, 17x, 18x, 147,
 * 187 and 176. */
#define MOBILE_PATTERN   "^(1[3578][0-9]{9}|1[48]7[0-9]{8}|176[0-9]{8})$"
#define AVATAR_TYPES     "image/png image/jpeg image/gif image/webp"
#define AVATAR_MAX_BYTES (2u * 1024 * 1024)

static const eddy_form_field code_fields[] = {
    {"mobile", EDDY_FORM_MOBILE, .pattern = MOBILE_PATTERN, .message = "Not a valid mobile number.",
     .validators = EDDY_VALIDATORS(EDDY_REQUIRED(NULL))},
    {.name = NULL}};
static const eddy_form_def code_form = {"code", code_fields, .submit = NULL};

static const eddy_form_field register_fields[] = {
    {"mobile", EDDY_FORM_MOBILE, .pattern = MOBILE_PATTERN, .message = "Not a valid mobile number.",
     .validators = EDDY_VALIDATORS(EDDY_REQUIRED(NULL))},
    {"code", EDDY_FORM_STRING,
     .validators = EDDY_VALIDATORS(EDDY_REQUIRED(NULL), EDDY_MAX_LENGTH(10, NULL))},
    {"password", EDDY_FORM_PASSWORD,
     .validators = EDDY_VALIDATORS(EDDY_REQUIRED(NULL), EDDY_LENGTH(6, 128, NULL))},
    {.name = NULL}};
static const eddy_form_def register_form = {"register", register_fields, .submit = NULL};

static const eddy_form_field login_fields[] = {
    {"mobile", EDDY_FORM_STRING,
     .validators = EDDY_VALIDATORS(EDDY_REQUIRED(NULL), EDDY_MAX_LENGTH(20, NULL))},
    {"password", EDDY_FORM_PASSWORD,
     .validators = EDDY_VALIDATORS(EDDY_REQUIRED(NULL), EDDY_MAX_LENGTH(128, NULL))},
    {.name = NULL}};
static const eddy_form_def login_form = {"login", login_fields, .submit = NULL};

static const char *const genders[] = {"female", "male", NULL};
static const eddy_form_field profile_fields[] = {
    {"nick_name", EDDY_FORM_STRING,
     .validators = EDDY_VALIDATORS(EDDY_REQUIRED(NULL), EDDY_MAX_LENGTH(20, NULL))},
    {"gender", EDDY_FORM_STRING,
     .validators = EDDY_VALIDATORS(EDDY_ANY_OF(genders, "Either female or male."))},
    {"address", EDDY_FORM_STRING,
     .validators = EDDY_VALIDATORS(EDDY_REQUIRED(NULL), EDDY_MAX_LENGTH(200, NULL))},
    {"desc", EDDY_FORM_TEXT, .validators = EDDY_VALIDATORS(EDDY_MAX_LENGTH(2000, NULL))},
    {.name = NULL}};
static const eddy_form_def profile_form = {"profile", profile_fields, .submit = NULL};

static const eddy_form_field avatar_fields[] = {
    {"image", EDDY_FORM_FILE, .accept = AVATAR_TYPES, .max_bytes = AVATAR_MAX_BYTES,
     .validators = EDDY_VALIDATORS(EDDY_REQUIRED("Please upload an image."))},
    {.name = NULL}};
static const eddy_form_def avatar_form = {"avatar", avatar_fields, .submit = NULL};

static const eddy_form_field password_fields[] = {
    {"old_password", EDDY_FORM_PASSWORD, .validators = EDDY_VALIDATORS(EDDY_REQUIRED(NULL))},
    {"new_password", EDDY_FORM_PASSWORD,
     .validators = EDDY_VALIDATORS(EDDY_REQUIRED(NULL), EDDY_LENGTH(6, 128, NULL))},
    {"confirm_password", EDDY_FORM_PASSWORD,
     .validators = EDDY_VALIDATORS(EDDY_REQUIRED(NULL),
                                   EDDY_EQUAL_TO("new_password", "The passwords differ."))},
    {.name = NULL}};
static const eddy_form_def password_form = {"password", password_fields, .submit = NULL};

/* ------------------------------------------------------------ users */

/* user_row - the user with this id (every field, the hash too) into
 * *res; ENOENT when there is none. */
static int user_row(eddy_db *db, int64_t id, eddy_db_result **res)
{
    return eddy_orm_get(db, &forum_user, id, res);
}

/* READER_SLOT - the request's slot for the reader a page read itself. */
#define READER_SLOT "forum.reader"

static void decref(void *v)
{
    json_decref(v);
}

/* with_head_url - user (the JSON of its row) with head_url, the file's
 * name, made the URL the forum serves it at. */
static json_t *with_head_url(eddy_req *r, json_t *user)
{
    if (!user)
        return NULL;
    const char *head = forum_media_url(r, json_string_value(json_object_get(user, "head_url")),
                                       false);
    json_object_set_new(user, "head_url", head ? json_string(head) : json_null());
    return user;
}

void forum_keep_reader(eddy_req *r, const eddy_db_result *res, size_t row)
{
    const eddy_db_value *id = eddy_db_value_of(res, row, "reader.id");
    if (id->type != EDDY_DB_INTEGER)
        return; /* no such user (the join found none) */
    json_t *user = with_head_url(r, eddy_orm_joined_json(&forum_user, "reader", res, row, NULL));
    if (user && eddy_req_set_slot(r, READER_SLOT, user, decref) < 0)
        json_decref(user);
}

json_t *forum_load_user(eddy_req *r, const char *user_id, void *arg)
{
    (void)arg;
    char *end;
    long long id = strtoll(user_id, &end, 10);
    if (*end || id <= 0)
        return NULL;
    json_t *known = eddy_req_slot(r, READER_SLOT);
    if (known && json_integer_value(json_object_get(known, "id")) == id)
        return json_incref(known);
    eddy_db_result *res;
    int rc = user_row(eddy_req_db(r), id, &res);
    if (rc && rc != ENOENT) {
        /* not "no such user" (a 401 would send the client to log in again)
         * but "could not look": 503 or 500, and the guards add nothing; when
         * the client went away (cancelled) there is no one to answer */
        eddy_send_db_error(r, rc, res);
        if (!eddy_response_finished(r))
            eddy_finish(r);
        return NULL;
    }
    json_t *user = rc ? NULL : with_head_url(r, eddy_orm_row_json(&forum_user, res, 0, NULL));
    eddy_db_result_free(res);
    return user;
}

/* ------------------------------------------------------------ codes, register, login */

/* The brakes on guessing (per client address; shared by every process
 * when the forum runs on Redis), kept on the app by forum_routes_accounts. */
#define CODE_LIMIT    "forum.rate.code"
#define LOGIN_LIMIT   "forum.rate.login"
#define ACCOUNT_LIMIT "forum.rate.account"

static void code_post(eddy_req *r)
{
    if (eddy_require_rate_by_ip(r, eddy_req_app_slot(r, CODE_LIMIT)) < 0)
        return;
    eddy_form *f = eddy_require_valid_form(r, &code_form);
    if (!f)
        return;
    eddy_sms_code_outcome out;
    int rc = eddy_sms_code_send(eddy_req_sms_codes(r), eddy_form_value(f, "mobile"),
                                eddy_client_ip(r), &out);
    if (rc) {
        eddy_warn("sending a code: %s", strerror(rc));
        forum_send_field_error(r, 503, "mobile", "The code could not be sent; try later.");
        return;
    }
    if (out.result != EDDY_SMS_CODE_OK) {
        char after[24];
        snprintf(after, sizeof after, "%ld", out.retry_after_s);
        eddy_response_set_header(r, "Retry-After", after);
        forum_send_field_error(r, eddy_sms_code_status(out.result), "mobile",
                               eddy_sms_code_reason(out.result));
        return;
    }
    eddy_send_json(r, json_object());
}

/* mobile_taken - whether a user has this mobile; -1 after answering an error. */
static int mobile_taken(eddy_req *r, const char *mobile, eddy_db_result **res)
{
    eddy_query *q = eddy_orm_select(&forum_user);
    eddy_orm_where(q, eddy_orm_eq(q, "mobile", EDDY_DB_STR(mobile)));
    int rc = eddy_orm_run(eddy_req_db(r), q, res);
    eddy_query_free(q);
    if (rc) {
        eddy_send_db_error(r, rc, *res);
        return -1;
    }
    return eddy_db_rows(*res) > 0;
}

static void register_post(eddy_req *r)
{
    eddy_form *f = eddy_require_valid_form(r, &register_form);
    if (!f)
        return;
    const char *mobile = eddy_form_value(f, "mobile");
    eddy_db_result *res;
    int taken = mobile_taken(r, mobile, &res);
    if (taken < 0)
        return;
    eddy_db_result_free(res);
    if (taken) { /* before the code, which a check would use up */
        forum_send_field_error(r, 400, "mobile", "This number is registered already.");
        return;
    }
    eddy_sms_code_outcome out;
    int rc = eddy_sms_code_verify(eddy_req_sms_codes(r), mobile, eddy_form_value(f, "code"), &out);
    if (rc) {
        forum_send_field_error(r, 503, "code", "The code could not be checked; try later.");
        return;
    }
    if (out.result != EDDY_SMS_CODE_OK) {
        forum_send_field_error(r, 400, "code", eddy_sms_code_reason(out.result));
        return;
    }
    char *hash;
    rc = eddy_password_hash(eddy_form_value(f, "password"), forum_of(r)->passwords, &hash);
    if (rc) {
        eddy_send_error(r, 500, "The password could not be stored");
        return;
    }
    int64_t id;
    rc = eddy_orm_insert(
        eddy_req_db(r), &forum_user,
        (eddy_orm_value[]){{"mobile", EDDY_DB_STR(mobile)}, {"password", EDDY_DB_STR(hash)}}, 2,
        &id);
    free(hash);
    if (rc == EIO) { /* the UNIQUE index: the same number registered meanwhile */
        forum_send_field_error(r, 400, "mobile", "This number is registered already.");
        return;
    }
    if (rc) {
        eddy_send_db_error(r, rc, NULL);
        return;
    }
    eddy_send_json(r, json_pack("{s:I}", "id", (json_int_t)id));
}

static void login_post(eddy_req *r)
{
    if (eddy_require_rate_by_ip(r, eddy_req_app_slot(r, LOGIN_LIMIT)) < 0)
        return;
    eddy_form *f = eddy_require_valid_form(r, &login_form);
    if (!f)
        return;
    /* and per account: many addresses guessing one password share this */
    if (eddy_require_rate(r, eddy_req_app_slot(r, ACCOUNT_LIMIT), eddy_form_value(f, "mobile")) < 0)
        return;
    eddy_db_result *res;
    if (mobile_taken(r, eddy_form_value(f, "mobile"), &res) < 0)
        return;
    bool found = eddy_db_rows(res) > 0, ok = false;
    const char *stored = found ? eddy_db_text(res, 0, "password") : NULL;
    int64_t id = found ? eddy_db_int(res, 0, "id") : 0;
    const char *nick = found ? eddy_db_text(res, 0, "nick_name") : NULL;
    nick = eddy_strdup(r, nick ? nick : eddy_form_value(f, "mobile"));
    char *rehashed = NULL;
    /* a missing user is still hashed for: the answer takes as long */
    int rc = eddy_password_verify(eddy_form_value(f, "password"), stored, forum_of(r)->passwords,
                                  &ok, &rehashed);
    eddy_db_result_free(res);
    if (rc) {
        eddy_send_error(r, 500, "The password could not be checked");
        return;
    }
    if (!found || !ok) {
        forum_send_field_error(r, 400, "non_fields", "Wrong mobile number or password.");
        return;
    }
    if (rehashed) { /* the cost was raised since: store the stronger hash */
        eddy_query *q = eddy_orm_update(&forum_user);
        eddy_orm_set(q, "password", EDDY_DB_STR(rehashed));
        eddy_orm_where(q, eddy_orm_eq(q, "id", EDDY_DB_INT(id)));
        eddy_orm_run(eddy_req_db(r), q, &res); /* a failure is logged, and not fatal: */
        eddy_db_result_free(res);              /* the old hash still works */
        eddy_query_free(q);
        free(rehashed);
    }
    char uid[24];
    snprintf(uid, sizeof uid, "%lld", (long long)id);
    const char *token = eddy_issue_token(r, uid, NULL);
    if (!token) {
        eddy_send_error(r, 500, "No token could be made");
        return;
    }
    eddy_send_json(
        r, json_pack("{s:I,s:s,s:s}", "id", (json_int_t)id, "nick_name", nick, "token", token));
}

/* ------------------------------------------------------------ the caller's account */

static void info_get(eddy_req *r)
{
    if (forum_api_user(r) < 0)
        return;
    json_t *u = json_deep_copy(eddy_current_user(r));
    json_object_del(u, "add_time");
    eddy_send_json(r, u);
}

static void info_patch(eddy_req *r)
{
    int64_t me = forum_api_user(r);
    if (me < 0)
        return;
    eddy_form *f = eddy_require_valid_form(r, &profile_form);
    if (!f)
        return;
    eddy_query *q = eddy_orm_update(&forum_user);
    eddy_form_orm_update(f, &forum_user, q);
    eddy_orm_where(q, eddy_orm_eq(q, "id", EDDY_DB_INT(me)));
    eddy_db_result *res;
    int rc = eddy_orm_run(eddy_req_db(r), q, &res);
    eddy_query_free(q);
    if (rc) {
        eddy_send_db_error(r, rc, res);
        return;
    }
    eddy_db_result_free(res);
    eddy_send_json(r, json_pack("{s:I}", "id", (json_int_t)me));
}

static void headimages_get(eddy_req *r)
{
    if (forum_api_user(r) < 0)
        return;
    json_t *head = json_object_get(eddy_current_user(r), "head_url");
    eddy_send_json(r, json_pack("{s:O}", "image", head ? head : json_null()));
}

static void headimages_post(eddy_req *r)
{
    int64_t me = forum_api_user(r);
    if (me < 0)
        return;
    eddy_form *f = eddy_require_valid_form(r, &avatar_form);
    const char *name = f ? forum_save_upload(r, eddy_form_upload(f, "image")) : NULL;
    if (!name)
        return;
    /* the old avatar's file goes once the new one is the user's */
    int rc = forum_set_image(r, &forum_user, me, "head_url", name, NULL, NULL);
    if (rc) {
        eddy_send_db_error(r, rc, NULL);
        return;
    }
    eddy_send_json(r, json_pack("{s:s}", "image", forum_media_url(r, name, false)));
}

static void password_post(eddy_req *r)
{
    int64_t me = forum_api_user(r);
    if (me < 0)
        return;
    eddy_form *f = eddy_require_valid_form(r, &password_form);
    if (!f)
        return;
    eddy_db_result *res;
    int rc = user_row(eddy_req_db(r), me, &res);
    if (rc) {
        eddy_send_db_error(r, rc, res);
        return;
    }
    bool ok = false;
    rc = eddy_password_verify(eddy_form_value(f, "old_password"), eddy_db_text(res, 0, "password"),
                              NULL, &ok, NULL);
    eddy_db_result_free(res);
    if (rc) {
        eddy_send_error(r, 500, "The password could not be checked");
        return;
    }
    if (!ok) {
        forum_send_field_error(r, 400, "old_password", "The old password is wrong.");
        return;
    }
    char *hash;
    rc = eddy_password_hash(eddy_form_value(f, "new_password"), forum_of(r)->passwords, &hash);
    if (rc) {
        eddy_send_error(r, 500, "The password could not be stored");
        return;
    }
    eddy_query *q = eddy_orm_update(&forum_user);
    eddy_orm_set(q, "password", EDDY_DB_STR(hash));
    eddy_orm_where(q, eddy_orm_eq(q, "id", EDDY_DB_INT(me)));
    rc = eddy_orm_run(eddy_req_db(r), q, &res);
    eddy_query_free(q);
    free(hash);
    if (rc) {
        eddy_send_db_error(r, rc, res);
        return;
    }
    eddy_db_result_free(res);
    eddy_send_json(r, json_pack("{s:I}", "id", (json_int_t)me));
}

/* ------------------------------------------------------------ what a user made */

/* groups_of - groups the user created (owner) or joined, as the course's list. */
static json_t *groups_of(eddy_req *r, int64_t user, bool owned, int *rc)
{
    eddy_query *q = eddy_orm_select(&forum_member);
    eddy_orm_join(q, "community");
    eddy_orm_where(q, eddy_orm_eq(q, "user", EDDY_DB_INT(user)));
    eddy_orm_where(q, eddy_orm_eq(q, "status", EDDY_DB_STR(FORUM_MEMBER_AGREE)));
    eddy_orm_where(q, owned ? eddy_orm_eq(q, "community.creator", EDDY_DB_INT(user))
                            : eddy_orm_ne(q, "community.creator", EDDY_DB_INT(user)));
    eddy_orm_order_by(q, "add_time", true);
    eddy_orm_limit(q, 200, 0);
    eddy_db_result *res;
    *rc = eddy_orm_run(eddy_req_db(r), q, &res);
    eddy_query_free(q);
    if (*rc) {
        eddy_send_db_error(r, *rc, res);
        return NULL;
    }
    json_t *list = json_array();
    for (size_t i = 0; i < eddy_db_rows(res); i++) {
        const char *cover = forum_media_url(r, eddy_db_text(res, i, "community.front_image"), true);
        json_array_append_new(
            list, json_pack("{s:I,s:s?,s:s?,s:I,s:I,s:s?}", "id",
                            (json_int_t)eddy_db_int(res, i, "community.id"), "name",
                            eddy_db_text(res, i, "community.name"), "category",
                            eddy_db_text(res, i, "community.category"), "member_nums",
                            (json_int_t)eddy_db_int(res, i, "community.member_nums"), "post_nums",
                            (json_int_t)eddy_db_int(res, i, "community.post_nums"), "front_image",
                            cover));
    }
    eddy_db_result_free(res);
    return list;
}

static void user_groups_get(eddy_req *r)
{
    long id = forum_api_user(r) < 0 ? -1 : eddy_require_path_long(r, 1);
    eddy_db_result *res;
    if (id < 0)
        return;
    int rc = user_row(eddy_req_db(r), id, &res);
    if (rc == ENOENT) {
        eddy_db_result_free(res);
        forum_send_field_error(r, 404, "non_fields", "No such user.");
        return;
    }
    if (rc) {
        eddy_send_db_error(r, rc, res);
        return;
    }
    const char *head = forum_media_url(r, eddy_db_text(res, 0, "head_url"), false);
    json_t *user = json_pack("{s:I,s:s?,s:s?}", "id", (json_int_t)id, "nick_name",
                             eddy_db_text(res, 0, "nick_name"), "head_url", head);
    eddy_db_result_free(res);
    json_t *owner = groups_of(r, id, true, &rc);
    json_t *join = rc ? NULL : groups_of(r, id, false, &rc);
    if (rc) {
        json_decref(user);
        json_decref(owner);
        return;
    }
    eddy_send_json(r, json_pack("[{s:o},{s:o},{s:o}]", "user", user, "owner", owner, "join", join));
}

/* made_by - a user's questions or answers: [{question_id, content, add_time}]. */
static void made_by(eddy_req *r, const eddy_model *m, const char *question_field)
{
    long id = forum_api_user(r) < 0 ? -1 : eddy_require_path_long(r, 1);
    if (id < 0)
        return;
    eddy_query *q = eddy_orm_select(m);
    eddy_orm_where(q, eddy_orm_eq(q, "user", EDDY_DB_INT(id)));
    eddy_orm_order_by(q, "add_time", true);
    eddy_orm_limit(q, 200, 0);
    eddy_db_result *res;
    int rc = eddy_orm_run(eddy_req_db(r), q, &res);
    eddy_query_free(q);
    if (rc) {
        eddy_send_db_error(r, rc, res);
        return;
    }
    json_t *list = json_array();
    for (size_t i = 0; i < eddy_db_rows(res); i++) {
        json_t *row = eddy_orm_row_json(m, res, i, &(eddy_json_options){0});
        json_t *out = json_pack(
            "{s:O?,s:O?,s:O?}", "question_id", json_object_get(row, question_field), "content",
            json_object_get(row, "content"), "add_time", json_object_get(row, "add_time"));
        if (m == &forum_question)
            json_object_set(out, "title", json_object_get(row, "title"));
        json_decref(row);
        json_array_append_new(list, out);
    }
    eddy_db_result_free(res);
    eddy_send_json(r, list);
}

static void user_questions_get(eddy_req *r)
{
    made_by(r, &forum_question, "id");
}

static void user_answers_get(eddy_req *r)
{
    made_by(r, &forum_answer, "question");
}

/* ------------------------------------------------------------ routes */

static const eddy_handler code = {.post = code_post};
static const eddy_handler registration = {.post = register_post};
static const eddy_handler login = {.post = login_post};
static const eddy_handler info = {.get = info_get, .patch = info_patch};
static const eddy_handler headimages = {.get = headimages_get, .post = headimages_post};
static const eddy_handler password = {.post = password_post};
static const eddy_handler user_groups = {.get = user_groups_get};
static const eddy_handler user_questions = {.get = user_questions_get};
static const eddy_handler user_answers = {.get = user_answers_get};

int forum_routes_accounts(eddy_app *app, forum *f)
{
    /* ten codes and twenty logins a minute from one address */
    eddy_ratelimit *codes = eddy_ratelimit_new(f->kv, "code", 10, 60 * 1000);
    eddy_ratelimit *logins = eddy_ratelimit_new(f->kv, "login", 20, 60 * 1000);
    /* and ten tries at one account in ten minutes, from anywhere */
    eddy_ratelimit *account = eddy_ratelimit_new(f->kv, "account", 10, 10 * 60 * 1000);
    if (!codes || !logins || !account) {
        eddy_ratelimit_free(codes);
        eddy_ratelimit_free(logins);
        eddy_ratelimit_free(account);
        return -1;
    }
    if (eddy_app_set_slot(app, CODE_LIMIT, codes, (eddy_slot_free_fn)eddy_ratelimit_free) < 0 ||
        eddy_app_set_slot(app, LOGIN_LIMIT, logins, (eddy_slot_free_fn)eddy_ratelimit_free) < 0 ||
        eddy_app_set_slot(app, ACCOUNT_LIMIT, account, (eddy_slot_free_fn)eddy_ratelimit_free) < 0)
        return -1;
    struct {
        const char *pattern, *name;
        const eddy_handler *h;
    } routes[] = {
        {"/code/", "api_code", &code},
        {"/register/", "api_register", &registration},
        {"/login/", "api_login", &login},
        {"/info/", "api_info", &info},
        {"/headimages/", "api_headimages", &headimages},
        {"/password/", "api_password", &password},
        {"/users/([0-9]+)/groups/", "api_user_groups", &user_groups},
        {"/users/([0-9]+)/questions/", "api_user_questions", &user_questions},
        {"/users/([0-9]+)/answers/", "api_user_answers", &user_answers},
    };
    for (size_t i = 0; i < sizeof routes / sizeof routes[0]; i++)
        if (forum_api_route(app, routes[i].pattern, routes[i].h, routes[i].name) < 0)
            return -1;
    return 0;
}
