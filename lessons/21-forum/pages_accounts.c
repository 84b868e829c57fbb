/*
 * pages_accounts - the account pages: sign up with a code sent by SMS,
 * sign in and out (the signed-cookie session), the profile with an
 * avatar, and the password.
 *
 *   GET  /signup            the two forms: ask for a code, create the account
 *   POST /signup/code       send a code to the number (rationed, sms_code.h)
 *   POST /signup            check the code, create the account, sign in
 *   GET  /signin, POST      sign in; back to ?next= when it is a page of ours
 *   POST /signout           forget the session
 *   GET  /me, POST          the profile and the avatar
 *   POST /me/password       change the password, knowing the old one
 *
 * Passwords are hashed and checked on the thread pool (password.h); a
 * missing account takes as long to refuse as a wrong password, and both
 * get the same words, so the form does not tell which numbers exist.
 */
#include "media.h"
#include "models.h"
#include "pages.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The API's rate limits, kept on the app by api_accounts.c, shared by
 * the pages so that a page is no way around them. */
#define CODE_LIMIT  "forum.rate.code"
#define LOGIN_LIMIT "forum.rate.login"

/* ------------------------------------------------------------ forms */

static const eddy_form_field code_fields[] = {{"mobile", EDDY_FORM_MOBILE, .label = "Mobile number",
                                               .validators = EDDY_VALIDATORS(EDDY_REQUIRED(NULL))},
                                              {.name = NULL}};
static const eddy_form_def code_form = {"code", code_fields, .submit = "Send me a code"};

static const eddy_form_field signup_fields[] = {
    {"mobile", EDDY_FORM_MOBILE, .label = "Mobile number",
     .validators = EDDY_VALIDATORS(EDDY_REQUIRED(NULL))},
    {"code", EDDY_FORM_STRING, .label = "Code from the SMS",
     .validators = EDDY_VALIDATORS(
         EDDY_REQUIRED(NULL), EDDY_REGEX("^[0-9]{4,8}$", "The code is the digits of the SMS."))},
    {"password", EDDY_FORM_PASSWORD, .label = "Password",
     .validators = EDDY_VALIDATORS(EDDY_REQUIRED(NULL), EDDY_LENGTH(8, 128, NULL))},
    {.name = NULL}};
static const eddy_form_def signup_form = {"signup", signup_fields, .submit = "Sign up"};

static const eddy_form_field signin_fields[] = {
    {"mobile", EDDY_FORM_MOBILE, .label = "Mobile number",
     .validators = EDDY_VALIDATORS(EDDY_REQUIRED(NULL))},
    {"password", EDDY_FORM_PASSWORD, .label = "Password",
     .validators = EDDY_VALIDATORS(EDDY_REQUIRED(NULL))},
    {"next", EDDY_FORM_HIDDEN, .label = NULL},
    {.name = NULL}};
static const eddy_form_def signin_form = {"signin", signin_fields, .submit = "Sign in"};

static const eddy_form_choice genders[] = {{"female", "Female"}, {"male", "Male"}, {NULL, NULL}};
static const char *const gender_values[] = {"female", "male", NULL};

static const eddy_form_field profile_fields[] = {
    {"nick_name", EDDY_FORM_STRING, .label = "Nick name",
     .validators = EDDY_VALIDATORS(EDDY_REQUIRED(NULL), EDDY_MAX_LENGTH(20, NULL))},
    {"gender", EDDY_FORM_RADIO, .label = "Gender", .choices = genders,
     .validators = EDDY_VALIDATORS(EDDY_ANY_OF(gender_values, NULL))},
    {"address", EDDY_FORM_STRING, .label = "Address",
     .validators = EDDY_VALIDATORS(EDDY_REQUIRED(NULL), EDDY_MAX_LENGTH(200, NULL))},
    {"desc", EDDY_FORM_TEXT, .label = "About you",
     .validators = EDDY_VALIDATORS(EDDY_MAX_LENGTH(2000, NULL))},
    {"avatar", EDDY_FORM_FILE, .label = "Avatar (PNG, JPEG or GIF, at most 2 MB)",
     .accept = "image/png image/jpeg image/gif", .max_bytes = 2 * 1024 * 1024,
     .flags = EDDY_FORM_NO_SAVE},
    {.name = NULL}};
static const eddy_form_def profile_form = {"profile", profile_fields, .submit = "Save"};

static const eddy_form_field password_fields[] = {
    {"old_password", EDDY_FORM_PASSWORD, .label = "Current password",
     .validators = EDDY_VALIDATORS(EDDY_REQUIRED(NULL))},
    {"new_password", EDDY_FORM_PASSWORD, .label = "New password",
     .validators = EDDY_VALIDATORS(EDDY_REQUIRED(NULL), EDDY_LENGTH(8, 128, NULL))},
    {"confirm_password", EDDY_FORM_PASSWORD, .label = "New password again",
     .validators = EDDY_VALIDATORS(EDDY_REQUIRED(NULL),
                                   EDDY_EQUAL_TO("new_password", "The two passwords differ."))},
    {.name = NULL}};
static const eddy_form_def password_form = {"password", password_fields,
                                            .submit = "Change password"};

/* ------------------------------------------------------------ the user row */

/* user_by - the user row whose column is value, into *res (NULL when
 * there is none). A wait: 0 or an errno value. */
static int user_by(eddy_req *r, const char *column, eddy_db_value value, eddy_db_result **res)
{
    eddy_query *q = eddy_orm_select(&forum_user);
    eddy_orm_where(q, eddy_orm_eq(q, column, value));
    eddy_orm_limit(q, 1, 0);
    int rc = eddy_orm_run(eddy_req_db(r), q, res);
    eddy_query_free(q);
    if (rc == 0 && eddy_db_rows(*res) == 0) {
        eddy_db_result_free(*res);
        *res = NULL;
    }
    return rc;
}

/* safe_next - where to go after signing in: a path of this site only
 * ("/x", never "//host" or "/\host", which browsers read as another
 * site), else the group list. */
static const char *safe_next(const char *next)
{
    if (!next || next[0] != '/' || next[1] == '/' || next[1] == '\\' || strpbrk(next, "\r\n"))
        return "/";
    return next;
}

/* sign_in_as - the session cookie for user id, then 303 to next. */
static void sign_in_as(eddy_req *r, int64_t id, const char *next)
{
    char sid[24];
    snprintf(sid, sizeof sid, "%lld", (long long)id);
    if (eddy_login(r, sid) < 0) {
        eddy_send_error(r, 500, "The session could not be started");
        return;
    }
    page_see_other(r, "%s", safe_next(next));
}

/* ------------------------------------------------------------ sign up */

static void show_signup(eddy_req *r, int status)
{
    if (!eddy_form_get(r, "code"))
        eddy_form_new(r, &code_form);
    if (!eddy_form_get(r, "signup"))
        eddy_form_new(r, &signup_form);
    page_render(r, status, "signup.html", NULL);
}

static void signup_get(eddy_req *r)
{
    show_signup(r, 200);
}

static void code_post(eddy_req *r)
{
    if (eddy_require_rate_by_ip(r, eddy_req_app_slot(r, CODE_LIMIT)) < 0)
        return;
    eddy_form *f = eddy_form_from_request(r, &code_form);
    if (page_form_failed(r, f))
        return;
    if (!eddy_form_validate(f)) {
        show_signup(r, 400);
        return;
    }
    const char *mobile = eddy_form_value(f, "mobile");
    eddy_sms_code_outcome out;
    int rc = eddy_sms_code_send(eddy_req_sms_codes(r), mobile, eddy_client_ip(r), &out);
    if (rc) {
        eddy_form_add_error(f, "mobile", "The code could not be sent; try again in a minute.");
        show_signup(r, 503);
        return;
    }
    if (out.result != EDDY_SMS_CODE_OK) {
        eddy_form_add_error(f, "mobile", eddy_sms_code_reason(out.result));
        show_signup(r, eddy_sms_code_status(out.result));
        return;
    }
    eddy_form *next = eddy_form_new(r, &signup_form); /* the number carried over */
    if (page_form_failed(r, next))
        return;
    eddy_form_set(next, "mobile", mobile);
    show_signup(r, 200);
}

static void signup_post(eddy_req *r)
{
    eddy_form *f = eddy_form_from_request(r, &signup_form);
    if (page_form_failed(r, f))
        return;
    if (!eddy_form_validate(f)) {
        show_signup(r, 400);
        return;
    }
    const char *mobile = eddy_form_value(f, "mobile");
    eddy_db_result *res;
    int rc = user_by(r, "mobile", EDDY_DB_STR(mobile), &res);
    if (page_db_failed(r, rc, res, NULL))
        return;
    if (res) { /* refused before the code is spent */
        eddy_db_result_free(res);
        eddy_form_add_error(f, "mobile", "This number already has an account; sign in instead.");
        show_signup(r, 400);
        return;
    }
    eddy_sms_code_outcome out;
    rc = eddy_sms_code_verify(eddy_req_sms_codes(r), mobile, eddy_form_value(f, "code"), &out);
    if (rc || out.result != EDDY_SMS_CODE_OK) {
        eddy_form_add_error(f, "code",
                            rc ? "The code could not be checked; try again."
                               : eddy_sms_code_reason(out.result));
        show_signup(r, rc ? 503 : 400);
        return;
    }
    char *hash = NULL;
    rc = eddy_password_hash(eddy_form_value(f, "password"), forum_of(r)->passwords, &hash);
    if (rc) {
        eddy_send_error(r, 500, "The password could not be stored");
        return;
    }
    eddy_orm_value v[] = {{"mobile", EDDY_DB_STR(mobile)}, {"password", EDDY_DB_STR(hash)}};
    int64_t id = 0;
    rc = eddy_orm_insert(eddy_req_db(r), &forum_user, v, 2, &id);
    free(hash);
    if (rc == EIO) { /* the unique index: the same number signed up meanwhile */
        eddy_form_add_error(f, "mobile", "This number already has an account; sign in instead.");
        show_signup(r, 400);
        return;
    }
    if (page_db_failed(r, rc, NULL, NULL))
        return;
    page_flash(r, "Welcome! Your account is ready; a nick name can be set on your profile.");
    sign_in_as(r, id, "/me");
}

/* ------------------------------------------------------------ sign in, out */

static void signin_get(eddy_req *r)
{
    eddy_form *f = eddy_form_new(r, &signin_form);
    if (page_form_failed(r, f))
        return;
    eddy_form_set(f, "next", safe_next(eddy_get_query_argument(r, "next", "/")));
    page_render(r, 200, "signin.html", NULL);
}

static void signin_post(eddy_req *r)
{
    /* the same brake as the API's login (api_accounts.c keeps it on the
     * app): guesses through the page count with guesses through the API */
    if (eddy_require_rate_by_ip(r, eddy_req_app_slot(r, LOGIN_LIMIT)) < 0)
        return;
    eddy_form *f = eddy_form_from_request(r, &signin_form);
    if (page_form_failed(r, f))
        return;
    if (!eddy_form_validate(f)) {
        page_render(r, 400, "signin.html", NULL);
        return;
    }
    eddy_db_result *res;
    int rc = user_by(r, "mobile", EDDY_DB_STR(eddy_form_value(f, "mobile")), &res);
    if (page_db_failed(r, rc, res, NULL))
        return;
    const char *stored = res ? eddy_db_text(res, 0, "password") : NULL;
    int64_t id = res ? eddy_db_int(res, 0, "id") : 0;
    bool ok = false;
    rc = eddy_password_verify(eddy_form_value(f, "password"), stored, forum_of(r)->passwords, &ok,
                              NULL);
    eddy_db_result_free(res);
    if (rc) {
        eddy_send_error(r, 503, "The password could not be checked");
        return;
    }
    if (!ok || !id) {
        eddy_form_add_error(f, NULL, "Wrong mobile number or password.");
        page_render(r, 400, "signin.html", NULL);
        return;
    }
    sign_in_as(r, id, eddy_form_value(f, "next"));
}

static void signout_post(eddy_req *r)
{
    eddy_logout(r);
    page_see_other(r, "/");
}

/* ------------------------------------------------------------ the profile */

/* show_profile - the two forms and the avatar of user row res (freed). */
static void show_profile(eddy_req *r, int status, eddy_db_result *res)
{
    const char *mobile = eddy_db_text(res, 0, "mobile");
    const char *head = eddy_db_text(res, 0, "head_url");
    json_t *ctx = json_pack("{s:s,s:s?}", "mobile", mobile ? mobile : "", "head_url", head);
    eddy_db_result_free(res);
    if (!eddy_form_get(r, "password"))
        eddy_form_new(r, &password_form);
    page_render(r, status, "profile.html", ctx);
}

/* load_me - the signed-in user's row; false after answering. */
static bool load_me(eddy_req *r, int64_t *me, eddy_db_result **res)
{
    if (!(*me = page_require_user(r)))
        return false;
    int rc = eddy_orm_get(eddy_req_db(r), &forum_user, *me, res);
    return !page_db_failed(r, rc, *res, "No such user");
}

static void me_get(eddy_req *r)
{
    int64_t me;
    eddy_db_result *res;
    if (!load_me(r, &me, &res))
        return;
    if (page_form_failed(r, eddy_form_from_row(r, &profile_form, res, 0))) {
        eddy_db_result_free(res);
        return;
    }
    show_profile(r, 200, res);
}

/* profile_sets - the profile form's fields, for the user's UPDATE. */
static void profile_sets(eddy_query *q, void *form)
{
    eddy_form_orm_update(form, &forum_user, q);
}

static void me_post(eddy_req *r)
{
    int64_t me;
    eddy_db_result *res;
    if (!load_me(r, &me, &res))
        return;
    eddy_form *f = eddy_form_from_request(r, &profile_form);
    if (page_form_failed(r, f) || !eddy_form_validate(f)) {
        if (f)
            show_profile(r, 400, res);
        else
            eddy_db_result_free(res);
        return;
    }
    eddy_db_result_free(res);
    char avatar[128];
    if (page_save_image(r, f, "avatar", avatar, sizeof avatar) < 0)
        return;
    /* one UPDATE; a new avatar's old file goes once it is committed */
    int rc = forum_set_image(r, &forum_user, me, "head_url", avatar, profile_sets, f);
    if (page_db_failed(r, rc, NULL, NULL))
        return;
    page_flash(r, "Your profile is saved.");
    page_see_other(r, "/me");
}

static void password_post(eddy_req *r)
{
    int64_t me;
    eddy_db_result *res;
    if (!load_me(r, &me, &res))
        return;
    eddy_form *f = eddy_form_from_request(r, &password_form);
    if (page_form_failed(r, f)) {
        eddy_db_result_free(res);
        return;
    }
    if (!eddy_form_from_row(r, &profile_form, res, 0) || !eddy_form_validate(f)) {
        show_profile(r, 400, res);
        return;
    }
    bool ok = false;
    int rc =
        eddy_password_verify(eddy_form_value(f, "old_password"), eddy_db_text(res, 0, "password"),
                             forum_of(r)->passwords, &ok, NULL);
    if (rc == 0 && !ok) {
        eddy_form_add_error(f, "old_password", "That is not your current password.");
        show_profile(r, 400, res);
        return;
    }
    eddy_db_result_free(res);
    char *hash = NULL;
    if (rc == 0)
        rc = eddy_password_hash(eddy_form_value(f, "new_password"), forum_of(r)->passwords, &hash);
    if (rc) {
        eddy_send_error(r, 503, "The password could not be changed");
        return;
    }
    eddy_query *q = eddy_orm_update(&forum_user);
    eddy_orm_set(q, "password", EDDY_DB_STR(hash));
    eddy_orm_where(q, eddy_orm_eq(q, "id", EDDY_DB_INT(me)));
    rc = eddy_orm_run(eddy_req_db(r), q, &res);
    eddy_query_free(q);
    free(hash);
    if (page_db_failed(r, rc, res, NULL))
        return;
    eddy_db_result_free(res);
    page_flash(r, "Your password is changed.");
    page_see_other(r, "/me");
}

/* ------------------------------------------------------------ routes */

static const eddy_handler signup_page = {.get = signup_get, .post = signup_post};
static const eddy_handler code_page = {.post = code_post};
static const eddy_handler signin_page = {.get = signin_get, .post = signin_post};
static const eddy_handler signout_page = {.post = signout_post};
static const eddy_handler me_page = {.get = me_get, .post = me_post};
static const eddy_handler password_page = {.post = password_post};

int pages_routes_accounts(eddy_app *app, forum *f)
{
    (void)f;
    if (eddy_route(app, "/signup", &signup_page, "signup") < 0 ||
        eddy_route(app, "/signup/code", &code_page, "signup_code") < 0 ||
        eddy_route(app, "/signin", &signin_page, "signin") < 0 ||
        eddy_route(app, "/signout", &signout_page, "signout") < 0 ||
        eddy_route(app, "/me", &me_page, "me") < 0 ||
        eddy_route(app, "/me/password", &password_page, "password") < 0)
        return -1;
    return 0;
}
