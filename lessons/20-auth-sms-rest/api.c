/*
 * api - lesson 20's JSON API, in the course forum's shape: sign up with a
 * mobile number and an SMS code, log in for a JWT, then send the token in
 * the tsessionid header. The conventions the forum follows:
 *
 *   200 OK, 201 Created (+ Location), 204 No Content   success
 *   400 {field: message} or {non_fields: message}       the input is wrong
 *   401 no valid token          403 not yours          404 no such thing
 *   409 already exists          429 too many (+ Retry-After)
 *
 * and lists come a page at a time: ?page=&per_page=, the total in the
 * body, the next page in a Link header.
 *
 *   POST   /code/              {mobile}: an SMS code is sent (the console logs it)
 *   POST   /register/          {mobile, code, password}: 201 {id}
 *   POST   /login/             {mobile, password}: {id, nick_name, token}
 *   GET    /info/              the token's user
 *   GET    /api/notes/         the user's notes, a page at a time
 *   POST   /api/notes/         {text}: 201 {id}
 *   DELETE /api/notes/ID/      204
 */
#include "signup.h"
#include "site.h"
#include "users.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

void send_field_error(eddy_req *r, int status, const char *field, const char *message)
{
    eddy_response_status(r, status);
    eddy_send_json(r, json_pack("{s:s}", field, message));
}

/* The API's input, described once (form.h, the course's wtforms): a JSON
 * body is checked against these and refused with 400 {field: message}
 * before any handler code runs on it. */
static const eddy_form_field code_fields[] = {
    {"mobile", EDDY_FORM_MOBILE, .validators = EDDY_VALIDATORS(EDDY_REQUIRED(NULL))},
    {.name = NULL}};
static const eddy_form_def code_form = {.name = "code", .fields = code_fields};

static const eddy_form_field register_fields[] = {
    {"mobile", EDDY_FORM_MOBILE, .validators = EDDY_VALIDATORS(EDDY_REQUIRED(NULL))},
    {"code", EDDY_FORM_STRING,
     .validators = EDDY_VALIDATORS(EDDY_REQUIRED(NULL), EDDY_REGEX("^[0-9]{4,10}$", "Digits only."))},
    {"password", EDDY_FORM_PASSWORD,
     .validators = EDDY_VALIDATORS(EDDY_REQUIRED(NULL),
                                   EDDY_LENGTH(8, 128, "At least 8 characters."))},
    {.name = NULL}};
static const eddy_form_def register_form = {.name = "register", .fields = register_fields};

static const eddy_form_field login_fields[] = {
    {"mobile", EDDY_FORM_STRING, .validators = EDDY_VALIDATORS(EDDY_REQUIRED(NULL))},
    {"password", EDDY_FORM_PASSWORD, .validators = EDDY_VALIDATORS(EDDY_REQUIRED(NULL))},
    {.name = NULL}};
static const eddy_form_def login_form = {.name = "login", .fields = login_fields};

static const eddy_form_field note_fields[] = {
    {"text", EDDY_FORM_TEXT,
     .validators = EDDY_VALIDATORS(EDDY_REQUIRED(NULL), EDDY_LENGTH(1, 500, NULL))},
    {.name = NULL}};
static const eddy_form_def note_form = {.name = "note", .fields = note_fields};

static void code_post(eddy_req *r)
{
    eddy_form *f = eddy_require_valid_form(r, &code_form);
    if (!f)
        return; /* 400 {mobile: why} */
    if (signup_send_code(r, eddy_form_value(f, "mobile")) == 0)
        eddy_send_json(r, json_object());
}

static void register_post(eddy_req *r)
{
    eddy_form *f = eddy_require_valid_form(r, &register_form);
    if (!f)
        return;
    const char *mobile = eddy_form_value(f, "mobile"), *code = eddy_form_value(f, "code");
    const char *password = eddy_form_value(f, "password");
    char *hash = NULL;
    int64_t id = 0;
    int rc = users_find(eddy_req_db(r), mobile, &id, &hash); /* before the code is used up */
    free(hash);
    hash = NULL;
    if (rc == 0) {
        send_field_error(r, 409, "mobile", "already registered");
        return;
    }
    if (rc != ENOENT) {
        eddy_send_error(r, 503, NULL);
        return;
    }
    if (signup_check_code(r, mobile, code) < 0)
        return; /* answered: 400 for a wrong, used or dead code */
    rc = eddy_password_hash(password, &site_of(r)->password, &hash);
    if (rc == 0)
        rc = users_insert(eddy_req_db(r), mobile, hash, &id);
    free(hash);
    if (rc == EEXIST) {
        send_field_error(r, 409, "mobile", "already registered");
        return;
    }
    if (rc) {
        eddy_send_error(r, 503, NULL);
        return;
    }
    eddy_response_status(r, 201);
    eddy_response_set_header(r, "Location", "/info/");
    eddy_send_json(r, json_pack("{s:I}", "id", (json_int_t)id));
}

int64_t check_login(eddy_req *r, const char *mobile, const char *password)
{
    char *stored = NULL, *rehashed = NULL;
    int64_t id = -1;
    bool ok = false;
    int rc = users_find(eddy_req_db(r), mobile, &id, &stored);
    if (rc == 0 || rc == ENOENT) /* no account: checked against a decoy all the same */
        rc = eddy_password_verify(password, stored, &site_of(r)->password, &ok, &rehashed);
    if (rc == 0 && ok && rehashed)
        users_set_hash(eddy_req_db(r), id, rehashed);
    free(stored);
    free(rehashed);
    if (rc) {
        eddy_send_error(r, 503, NULL);
        return -2;
    }
    return ok ? id : -1;
}

/* quote:begin api_login */
static void login_post(eddy_req *r)
{
    eddy_form *f = eddy_require_valid_form(r, &login_form);
    if (!f)
        return; /* 400 {mobile or password: "This field is required."} */
    const char *mobile = eddy_form_value(f, "mobile"), *password = eddy_form_value(f, "password");
    if (eddy_require_rate_by_ip(r, site_of(r)->logins_per_ip) < 0 ||
        eddy_require_rate(r, site_of(r)->logins_per_mobile, mobile) < 0)
        return; /* 429: too many tries from this address, or at this account */
    int64_t id = check_login(r, mobile, password); /* scrypt on the thread pool */
    if (id == -2)
        return;
    if (id < 0) { /* the same answer for a wrong password and an unknown number */
        send_field_error(r, 400, "non_fields", "wrong mobile number or password");
        return;
    }
    char id_text[24];
    snprintf(id_text, sizeof id_text, "%lld", (long long)id);
    eddy_send_json(r, json_pack("{s:I,s:s,s:s}", "id", (json_int_t)id, "nick_name", mobile,
                                "token", eddy_issue_token(r, id_text, NULL)));
}
/* quote:end api_login */

static void info_get(eddy_req *r)
{
    eddy_send_json(r, json_incref(eddy_current_user(r)));
}

static int64_t current_id(eddy_req *r)
{
    return json_integer_value(json_object_get(eddy_current_user(r), "id"));
}

/* page_args - ?page= (from 1) and ?per_page= (1..100), or -1 after 400. */
static int page_args(eddy_req *r, long *page, long *per_page)
{
    const char *p = eddy_get_query_argument(r, "page", "1");
    const char *n = eddy_get_query_argument(r, "per_page", "20");
    char *end1, *end2;
    *page = strtol(p, &end1, 10);
    *per_page = strtol(n, &end2, 10);
    if (*end1 || *end2 || *page < 1 || *page > 1000000 || *per_page < 1 || *per_page > 100) {
        send_field_error(r, 400, *end1 || *page < 1 || *page > 1000000 ? "page" : "per_page",
                         "out of range");
        return -1;
    }
    return 0;
}

/* quote:begin notes_get */
static void notes_get(eddy_req *r)
{
    long page, per_page;
    if (page_args(r, &page, &per_page) < 0)
        return;
    json_t *items;
    int64_t total;
    if (notes_page(eddy_req_db(r), current_id(r), per_page, (page - 1) * per_page, &items,
                   &total)) {
        eddy_send_error(r, 503, NULL);
        return;
    }
    if (page * per_page < total) { /* where the next page is, as GitHub's API says it */
        char link[128];
        snprintf(link, sizeof link, "</api/notes/?page=%ld&per_page=%ld>; rel=\"next\"",
                 page + 1, per_page);
        eddy_response_set_header(r, "Link", link);
    }
    eddy_send_json(r, json_pack("{s:o,s:i,s:i,s:I}", "items", items, "page", (int)page,
                                "per_page", (int)per_page, "total", (json_int_t)total));
}
/* quote:end notes_get */

static void notes_post(eddy_req *r)
{
    eddy_form *f = eddy_require_valid_form(r, &note_form);
    if (!f)
        return;
    int64_t id;
    if (notes_insert(eddy_req_db(r), current_id(r), eddy_form_value(f, "text"), &id)) {
        eddy_send_error(r, 503, NULL);
        return;
    }
    char where[64];
    snprintf(where, sizeof where, "/api/notes/%lld/", (long long)id);
    eddy_response_status(r, 201);
    eddy_response_set_header(r, "Location", where);
    eddy_send_json(r, json_pack("{s:I}", "id", (json_int_t)id));
}

static void note_delete(eddy_req *r)
{
    long id = eddy_require_path_long(r, 1);
    if (id < 0)
        return;
    int64_t owner;
    int rc = notes_owner(eddy_req_db(r), id, &owner);
    if (rc == ENOENT) {
        send_field_error(r, 404, "non_fields", "no such note");
        return;
    }
    if (rc) {
        eddy_send_error(r, 503, NULL);
        return;
    }
    if (owner != current_id(r)) {
        send_field_error(r, 403, "non_fields", "not your note");
        return;
    }
    if (notes_delete(eddy_req_db(r), id)) {
        eddy_send_error(r, 503, NULL);
        return;
    }
    eddy_response_status(r, 204);
}

/* json_error - the API's error page: {"non_fields": reason} (a 429 from
 * the rate limit, a 405, a 503), as the rest of its errors. */
static void json_error(eddy_req *r, int status, const char *reason)
{
    eddy_send_json(r, json_pack("{s:s}", "non_fields",
                                reason && *reason ? reason : eddy_status_reason(status)));
}

const eddy_handler api_code = {.post = code_post, .write_error = json_error};
const eddy_handler api_register = {.post = register_post, .write_error = json_error};
const eddy_handler api_login = {.post = login_post, .write_error = json_error};
const eddy_handler api_info = {.get = info_get, .prepare = eddy_token_required,
                               .write_error = json_error};
const eddy_handler api_notes = {.get = notes_get, .post = notes_post,
                                .prepare = eddy_token_required, .write_error = json_error};
const eddy_handler api_note = {.delete_ = note_delete, .prepare = eddy_token_required,
                               .write_error = json_error};
