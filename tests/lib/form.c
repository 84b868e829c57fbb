/*
 * Tests of lib/web/form: what a user of a form observes. The HTML a
 * browser gets for each kind of field (hostile values escaped, values
 * kept, errors beside the field), the messages each validator gives, the
 * JSON 400 an API answers, a form filled from a database row and saved
 * back through the ORM, the template modules, and checks that wait: one
 * that asks the database whether a name is taken, one that holds its
 * request while the server answers another.
 *
 * Every test runs a real app on a server thread and speaks HTTP to it;
 * the handler under test is chosen per test through `current`.
 */
#include "harness.h"
#include "serve_thread.h"

#include <eddy/async/future.h>
#include <eddy/data/db.h>
#include <eddy/data/orm.h>
#include <eddy/web/app_db.h>
#include <eddy/web/form.h>
#include <eddy/web/handler.h>
#include <eddy/web/render.h>
#include <eddy/web/template.h>

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

TestSuite(form, .timeout = 30);

/* ------------------------------------------------------------ the forms */

static const eddy_form_choice genders[] = {
    {"f", "Female"}, {"m", "Male"}, {"x", "Rather not say"}, {NULL, NULL}};
static const eddy_form_choice cities[] = {{"bj", "Beijing"}, {"sh", "Shanghai"}, {NULL, NULL}};
static const eddy_form_choice topics[] = {
    {"c", "C"}, {"net", "Networks & sockets"}, {"db", NULL}, {NULL, NULL}};
static const char *const colours[] = {"red", "green", NULL};

static const char *is_even(eddy_form *f, const char *value, void *arg)
{
    (void)f;
    (void)arg;
    return atoi(value) % 2 ? "Must be even." : NULL;
}

static const eddy_form_field all_fields[] = {
    {"name", EDDY_FORM_STRING, .label = "Name",
     .validators = EDDY_VALIDATORS(EDDY_REQUIRED(NULL), EDDY_LENGTH(2, 20, NULL))},
    {"bio", EDDY_FORM_TEXT, .label = "About you",
     .validators = EDDY_VALIDATORS(EDDY_MAX_LENGTH(10, NULL))},
    {"age", EDDY_FORM_INTEGER, .label = "Age",
     .validators = EDDY_VALIDATORS(EDDY_RANGE(1, 150, NULL))},
    {"height", EDDY_FORM_DECIMAL, .validators = EDDY_VALIDATORS(EDDY_AT_LEAST(0.3, NULL))},
    {"news", EDDY_FORM_BOOLEAN, .label = "Newsletter"},
    {"email", EDDY_FORM_EMAIL, .label = "E-mail"},
    {"mobile", EDDY_FORM_MOBILE, .label = "Mobile"},
    {"password", EDDY_FORM_PASSWORD, .validators = EDDY_VALIDATORS(EDDY_LENGTH(8, 64, NULL))},
    {"confirm", EDDY_FORM_PASSWORD, .label = "Again",
     .validators = EDDY_VALIDATORS(EDDY_EQUAL_TO("password", NULL))},
    {"gender", EDDY_FORM_RADIO, .label = "Gender", .choices = genders},
    {"city", EDDY_FORM_SELECT, .label = "City", .choices = cities, .default_value = "sh"},
    {"topics", EDDY_FORM_MULTIPLE, .label = "Topics", .choices = topics},
    {"birthday", EDDY_FORM_DATE, .label = "Birthday"},
    {"colour", EDDY_FORM_STRING, .validators = EDDY_VALIDATORS(EDDY_ANY_OF(colours, NULL))},
    {"code", EDDY_FORM_STRING,
     .validators = EDDY_VALIDATORS(EDDY_REGEX("^[A-Z]{3}$", "Three capitals."))},
    {"even", EDDY_FORM_INTEGER, .validators = EDDY_VALIDATORS(EDDY_CUSTOM(is_even, NULL, NULL))},
    {"contact", EDDY_FORM_STRING, .validators = EDDY_VALIDATORS(EDDY_EMAIL(NULL))},
    {"token", EDDY_FORM_HIDDEN, .default_value = "t0"},
    {.name = NULL}};

static const eddy_form_def all_form = {"all", all_fields, .submit = "Save"};

/* ------------------------------------------------------------ the app */

static void (*current)(eddy_req *r);

static void dispatch(eddy_req *r)
{
    current(r);
}

static const eddy_handler any = {.get = dispatch, .post = dispatch};

static serve_thread st;
static eddy_app *app;

static void start(void (*handler)(eddy_req *r))
{
    current = handler;
    app = eddy_app_new();
    cr_assert_eq(eddy_route(app, "/.*", &any, NULL), 0);
    serve_thread_init(&st);
    st.app = app;
    cr_assert_eq(serve_thread_start(&st), 0);
}

static void stop(void)
{
    serve_thread_stop(&st);
    eddy_app_free(app);
}

/* body_of - the body of a raw response (after the blank line). */
static const char *body_of(const char *resp)
{
    const char *p = strstr(resp, "\r\n\r\n");
    cr_assert_not_null(p, "no header end in: %s", resp);
    return p + 4;
}

/* post - a urlencoded POST of form to path; the raw response. */
static char *post(const char *path, const char *form)
{
    char raw[8192];
    snprintf(raw, sizeof raw,
             "POST %s HTTP/1.1\r\nHost: t\r\nConnection: close\r\n"
             "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: %zu\r\n\r\n%s",
             path, strlen(form), form);
    return serve_thread_ask(&st, raw);
}

static char *get(const char *path)
{
    char raw[2048];
    snprintf(raw, sizeof raw, "GET %s HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n", path);
    return serve_thread_ask(&st, raw);
}

/* ------------------------------------------------------------ HTML of fields */

/* The page: ?field=NAME prints that field's HTML, else the whole form;
 * a POST validates first, so the errors show. */
static void field_page(eddy_req *r)
{
    eddy_form *f = eddy_form_from_request(r, &all_form);
    if (eddy_method_is(r, "GET") && !eddy_get_argument(r, "keep", NULL))
        f = eddy_form_new(r, &all_form);
    if (eddy_method_is(r, "POST"))
        eddy_form_validate(f);
    eddy_buf b = EDDY_BUF_INIT;
    const char *field = eddy_get_query_argument(r, "field", NULL);
    int rc = field ? eddy_form_field_html(f, field, &b) : eddy_form_html(f, "/save?a=1&b=2", &b);
    cr_assert_eq(rc, 0);
    eddy_write(r, b.data, b.len);
    eddy_buf_free(&b);
}

static void assert_field(const char *query_and_form, const char *want)
{
    char path[256];
    const char *amp = strchr(query_and_form, '&');
    snprintf(path, sizeof path, "/?field=%.*s",
             amp ? (int)(amp - query_and_form) : (int)strlen(query_and_form), query_and_form);
    char *resp = amp ? post(path, amp + 1) : get(path);
    cr_assert_str_eq(body_of(resp), want, "for %s", query_and_form);
}

Test(form, hostile_values_come_back_escaped_in_each_kind_of_input)
{
    start(field_page);
    /* <script>, both quotes, an ampersand and an emoji (U+1F600), typed
     * into each kind: all come back as text, the emoji as its bytes. */
    const char *hostile = "%3Cscript%3Ealert(%22x%22)%3C%2Fscript%3E%27+%26+%F0%9F%98%80";
    const char *shown =
        "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&#39; &amp; \xF0\x9F\x98\x80";
    char form[512], want[1024];

    snprintf(form, sizeof form, "code&code=%s", hostile);
    snprintf(want, sizeof want,
             "<p class=\"field has-error\"><label for=\"code\">code</label> <input type=\"text\" "
             "id=\"code\" name=\"code\" value=\"%s\"> <span class=\"error\">Three capitals."
             "</span></p>\n",
             shown);
    assert_field(form, want);

    snprintf(form, sizeof form, "bio&bio=%s", hostile);
    snprintf(want, sizeof want,
             "<p class=\"field has-error\"><label for=\"bio\">About you</label> <textarea "
             "id=\"bio\" name=\"bio\" maxlength=\"10\">%s</textarea> <span class=\"error\">Field "
             "cannot be longer than 10 characters.</span></p>\n",
             shown);
    assert_field(form, want);

    snprintf(form, sizeof form, "token&token=%s", hostile);
    snprintf(want, sizeof want, "<input type=\"hidden\" name=\"token\" value=\"%s\">\n", shown);
    assert_field(form, want);

    snprintf(form, sizeof form, "city&city=%s", hostile);
    assert_field(form, "<p class=\"field has-error\"><label for=\"city\">City</label> <select "
                       "id=\"city\" name=\"city\"><option value=\"bj\">Beijing</option><option "
                       "value=\"sh\">Shanghai</option></select> <span class=\"error\">Not a valid "
                       "choice.</span></p>\n");

    snprintf(form, sizeof form, "topics&topics=%s", hostile);
    snprintf(want, sizeof want,
             "<p class=\"field has-error\"><label for=\"topics\">Topics</label> <select "
             "id=\"topics\" name=\"topics\" multiple><option value=\"c\">C</option><option "
             "value=\"net\">Networks &amp; sockets</option><option value=\"db\">db</option>"
             "</select> <span class=\"error\">&#39;%s&#39; is not a valid choice.</span></p>\n",
             shown);
    assert_field(form, want);
    stop();
}

Test(form, each_kind_draws_its_input_with_the_value_kept)
{
    start(field_page);
    assert_field("name&name=ann",
                 "<p class=\"field\"><label for=\"name\">Name</label> <input type=\"text\" "
                 "id=\"name\" name=\"name\" value=\"ann\" required minlength=\"2\" "
                 "maxlength=\"20\"></p>\n");
    assert_field("age&age=42",
                 "<p class=\"field\"><label for=\"age\">Age</label> <input type=\"number\" "
                 "id=\"age\" name=\"age\" step=\"1\" value=\"42\" min=\"1\" max=\"150\"></p>\n");
    assert_field("height&height=1.8",
                 "<p class=\"field\"><label for=\"height\">height</label> <input type=\"number\" "
                 "id=\"height\" name=\"height\" step=\"any\" value=\"1.8\" min=\"0.3\"></p>\n");
    assert_field("news&news=y",
                 "<p class=\"field\"><label for=\"news\">Newsletter</label> <input "
                 "type=\"checkbox\" id=\"news\" name=\"news\" value=\"y\" checked></p>\n");
    assert_field("news&other=1", "<p class=\"field\"><label for=\"news\">Newsletter</label> <input "
                                 "type=\"checkbox\" id=\"news\" name=\"news\" value=\"y\"></p>\n");
    assert_field("email&email=a%40b.cn",
                 "<p class=\"field\"><label for=\"email\">E-mail</label> <input type=\"email\" "
                 "id=\"email\" name=\"email\" value=\"a@b.cn\"></p>\n");
    assert_field("mobile&mobile=13812345678",
                 "<p class=\"field\"><label for=\"mobile\">Mobile</label> <input type=\"tel\" "
                 "id=\"mobile\" name=\"mobile\" value=\"13812345678\"></p>\n");
    /* A password is never written back into the page. */
    assert_field("password&password=sekrit-but-short",
                 "<p class=\"field\"><label for=\"password\">password</label> <input "
                 "type=\"password\" id=\"password\" name=\"password\" minlength=\"8\" "
                 "maxlength=\"64\"></p>\n");
    assert_field("gender&gender=m",
                 "<p class=\"field\"><label>Gender</label> <label><input type=\"radio\" "
                 "name=\"gender\" value=\"f\"> Female</label> <label><input type=\"radio\" "
                 "name=\"gender\" value=\"m\" checked> Male</label> <label><input type=\"radio\" "
                 "name=\"gender\" value=\"x\"> Rather not say</label></p>\n");
    assert_field("topics&topics=c&topics=db",
                 "<p class=\"field\"><label for=\"topics\">Topics</label> <select id=\"topics\" "
                 "name=\"topics\" multiple><option value=\"c\" selected>C</option><option "
                 "value=\"net\">Networks &amp; sockets</option><option value=\"db\" "
                 "selected>db</option></select></p>\n");
    assert_field("birthday&birthday=2000-02-29",
                 "<p class=\"field\"><label for=\"birthday\">Birthday</label> <input "
                 "type=\"date\" id=\"birthday\" name=\"birthday\" value=\"2000-02-29\"></p>\n");
    stop();
}

Test(form, a_new_form_shows_defaults_and_the_whole_form_its_parts_in_order)
{
    start(field_page);
    char *resp = get("/");
    const char *html = body_of(resp);
    cr_assert(strncmp(html, "<form method=\"post\" action=\"/save?a=1&amp;b=2\">\n", 48) == 0, "%s",
              html);
    cr_assert_not_null(strstr(html, "<option value=\"sh\" selected>Shanghai</option>"), "%s", html);
    cr_assert_not_null(strstr(html, "<input type=\"hidden\" name=\"token\" value=\"t0\">\n"));
    const char *end = "<p><button type=\"submit\">Save</button></p>\n</form>\n";
    cr_assert_str_eq(html + strlen(html) - strlen(end), end);
    cr_assert_null(strstr(html, "class=\"error\""), "a new form shows no error");
    /* the fields in the order they were described */
    const char *prev = html;
    for (const eddy_form_field *fl = all_fields; fl->name; fl++) {
        char needle[64];
        snprintf(needle, sizeof needle, "name=\"%s\"", fl->name);
        const char *at = strstr(html, needle);
        cr_assert(at && at > prev, "%s in order", fl->name);
        prev = at;
    }
    stop();
}

/* ------------------------------------------------------------ validation */

/* Validates and answers the errors as JSON (400) or the data (200). */
static void validate_page(eddy_req *r)
{
    eddy_form *f = eddy_require_valid_form(r, &all_form);
    if (f)
        eddy_send_json(r, eddy_form_json(f));
}

/* assert_errors - POSTing form gets a 400 whose JSON is want. */
static void assert_errors(const char *form, const char *want)
{
    char *resp = post("/", form);
    cr_assert(strncmp(resp, "HTTP/1.1 400 ", 13) == 0, "for %s: %s", form, resp);
    cr_assert_not_null(strstr(resp, "Content-Type: application/json"), "%s", resp);
    json_t *got = json_loads(body_of(resp), 0, NULL), *w = json_loads(want, 0, NULL);
    cr_assert_not_null(got, "%s", resp);
    cr_assert(json_equal(got, w), "for %s: got %s, want %s", form, body_of(resp), want);
    json_decref(got);
    json_decref(w);
}

Test(form, each_validator_says_what_is_wrong)
{
    start(validate_page);
    assert_errors("", "{\"name\": \"This field is required.\"}");
    assert_errors("name=+++", "{\"name\": \"This field is required.\"}");
    assert_errors("name=a", "{\"name\": \"Field must be between 2 and 20 characters long.\"}");
    /* characters, not bytes: twenty Chinese characters are 60 bytes */
    assert_errors("name=ann&bio=%E4%BD%A0%E5%A5%BD%E4%BD%A0%E5%A5%BD%E4%BD%A0%E5%A5%BD%E4%BD%A0"
                  "%E5%A5%BD%E4%BD%A0%E5%A5%BD%E4%BD%A0",
                  "{\"bio\": \"Field cannot be longer than 10 characters.\"}");
    assert_errors("name=ann&age=x1", "{\"age\": \"Not a valid integer value.\"}");
    assert_errors("name=ann&age=99999999999999999999", "{\"age\": \"Not a valid integer value.\"}");
    assert_errors("name=ann&age=151", "{\"age\": \"Number must be between 1 and 150.\"}");
    assert_errors("name=ann&height=nan", "{\"height\": \"Not a valid decimal value.\"}");
    assert_errors("name=ann&height=0.2", "{\"height\": \"Number must be at least 0.3.\"}");
    assert_errors("name=ann&email=ann%40", "{\"email\": \"Invalid email address.\"}");
    assert_errors("name=ann&email=a+b%40c.cn", "{\"email\": \"Invalid email address.\"}");
    assert_errors("name=ann&email=a%40-b.cn", "{\"email\": \"Invalid email address.\"}");
    assert_errors("name=ann&contact=nobody", "{\"contact\": \"Invalid email address.\"}");
    assert_errors("name=ann&mobile=12812345678", "{\"mobile\": \"Not a valid mobile number.\"}");
    assert_errors("name=ann&mobile=1381234567", "{\"mobile\": \"Not a valid mobile number.\"}");
    assert_errors("name=ann&password=short",
                  "{\"password\": \"Field must be between 8 and 64 characters long.\"}");
    assert_errors("name=ann&password=long+enough&confirm=long+enuff",
                  "{\"confirm\": \"Field must be equal to password.\"}");
    assert_errors("name=ann&gender=q", "{\"gender\": \"Not a valid choice.\"}");
    assert_errors("name=ann&birthday=2026-02-29", "{\"birthday\": \"Not a valid date value.\"}");
    assert_errors("name=ann&birthday=29%2F02%2F2000",
                  "{\"birthday\": \"Not a valid date value.\"}");
    assert_errors("name=ann&colour=blue",
                  "{\"colour\": \"Invalid value, must be one of: red, green.\"}");
    assert_errors("name=ann&code=abc", "{\"code\": \"Three capitals.\"}");
    assert_errors("name=ann&even=3", "{\"even\": \"Must be even.\"}");
    /* several fields wrong at once: one message each */
    assert_errors("age=0&gender=q&even=5",
                  "{\"name\": \"This field is required.\", \"age\": \"Number must be between 1 "
                  "and 150.\", \"gender\": \"Not a valid choice.\", \"even\": \"Must be even.\"}");
    stop();
}

Test(form, a_valid_form_gives_typed_data)
{
    start(validate_page);
    char *resp = post("/", "name=ann&age=42&height=1.75&news=on&email=ann%40example.com&mobile="
                           "13912345678&password=long+enough&confirm=long+enough&gender=f&city=bj"
                           "&topics=net&topics=db&birthday=2000-02-29&colour=red&code=ABC&even=4"
                           "&contact=a.b%40c.example.org");
    cr_assert(strncmp(resp, "HTTP/1.1 200 ", 13) == 0, "%s", resp);
    json_t *got = json_loads(body_of(resp), 0, NULL);
    char *text = json_dumps(got, JSON_SORT_KEYS | JSON_COMPACT);
    cr_assert_str_eq(text, "{\"age\":42,\"bio\":null,\"birthday\":\"2000-02-29\",\"city\":\"bj\","
                           "\"code\":\"ABC\",\"colour\":\"red\",\"contact\":\"a.b@c.example.org\","
                           "\"email\":\"ann@example.com\",\"even\":4,\"gender\":\"f\",\"height\":"
                           "1.75,\"mobile\":\"13912345678\",\"name\":\"ann\",\"news\":true,"
                           "\"token\":\"t0\",\"topics\":[\"net\",\"db\"]}");
    free(text);
    json_decref(got);
    stop();
}

/* ------------------------------------------------------------ non-field errors */

static const char *dates_in_order(eddy_form *f, void *arg)
{
    (void)arg;
    return strcmp(eddy_form_value(f, "from"), eddy_form_value(f, "to")) > 0
               ? "The trip ends before it starts."
               : NULL;
}

static const eddy_form_field trip_fields[] = {
    {"from", EDDY_FORM_DATE, .validators = EDDY_VALIDATORS(EDDY_REQUIRED(NULL))},
    {"to", EDDY_FORM_DATE, .validators = EDDY_VALIDATORS(EDDY_REQUIRED(NULL))},
    {"step", EDDY_FORM_HIDDEN, .default_value = "1",
     .validators = EDDY_VALIDATORS(EDDY_REGEX("^[12]$", "This page is out of date."))},
    {.name = NULL}};
static const eddy_form_def trip_form = {"trip", trip_fields, .check = dates_in_order};

static void trip_page(eddy_req *r)
{
    eddy_form *f = eddy_form_from_request(r, &trip_form);
    if (eddy_form_validate(f)) {
        /* what a handler does when the database refuses the row */
        eddy_form_add_error(f, NULL, "Fully booked.");
        eddy_form_add_error(f, "from", "Not that day.");
    }
    if (eddy_get_query_argument(r, "html", NULL)) {
        eddy_buf b = EDDY_BUF_INIT;
        eddy_form_html(f, "/trip", &b);
        eddy_write(r, b.data, b.len);
        eddy_buf_free(&b);
        return;
    }
    eddy_send_form_errors(r, f);
}

Test(form, errors_not_about_one_field_go_under_non_fields)
{
    start(trip_page);
    char *resp = post("/", "from=2026-12-24&to=2026-12-01");
    cr_assert(strncmp(resp, "HTTP/1.1 400 Bad Request\r\n", 26) == 0, "%s", resp);
    cr_assert_str_eq(body_of(resp), "{\"non_fields\":\"The trip ends before it starts.\"}");
    resp = post("/", "from=2026-12-01&to=2026-12-24");
    cr_assert_str_eq(body_of(resp),
                     "{\"from\":\"Not that day.\",\"non_fields\":\"Fully booked.\"}");
    resp = post("/?html=1", "from=2026-12-01&to=2026-12-24");
    cr_assert_str_eq(body_of(resp),
                     "<form method=\"post\" action=\"/trip\">\n"
                     "<p class=\"error\">Fully booked.</p>\n"
                     "<p class=\"field has-error\"><label for=\"from\">from</label> <input "
                     "type=\"date\" id=\"from\" name=\"from\" value=\"2026-12-01\" required> "
                     "<span class=\"error\">Not that day.</span></p>\n"
                     "<p class=\"field\"><label for=\"to\">to</label> <input type=\"date\" "
                     "id=\"to\" name=\"to\" value=\"2026-12-24\" required></p>\n"
                     "<input type=\"hidden\" name=\"step\" value=\"1\">\n"
                     "<p><button type=\"submit\">Submit</button></p>\n</form>\n");
    resp = post("/?html=1", "from=2026-12-01&to=2026-12-24&step=3");
    cr_assert_not_null(strstr(body_of(resp), "<form method=\"post\" action=\"/trip\">\n"
                                             "<p class=\"error\">This page is out of date.</p>\n"
                                             "<p class=\"field\">"),
                       "a hidden field's error shows above the fields: %s", body_of(resp));
    stop();
}

/* ------------------------------------------------------------ templates */

static eddy_template_loader *loader;

static void template_page(eddy_req *r)
{
    eddy_form *f = eddy_form_from_request(r, &trip_form);
    if (eddy_method_is(r, "POST"))
        eddy_form_validate(f);
    eddy_render(r, eddy_get_query_argument(r, "t", "page.html"), NULL);
}

Test(form, templates_render_one_field_or_the_whole_form)
{
    loader = eddy_template_loader_new(NULL, false);
    cr_assert_eq(eddy_form_templates(loader), 0);
    const char *page = "<h1>Trip</h1>\n{% module FormField(\"trip\", \"to\") %}";
    const char *whole = "{% module Form(\"trip\", action=reverse_url(\"trip\")) %}";
    const char *bad = "{% module Form(\"nope\") %}";
    cr_assert_eq(eddy_template_add(loader, "page.html", page, strlen(page)), 0);
    cr_assert_eq(eddy_template_add(loader, "whole.html", whole, strlen(whole)), 0);
    cr_assert_eq(eddy_template_add(loader, "bad.html", bad, strlen(bad)), 0);
    current = template_page;
    app = eddy_app_new();
    cr_assert_eq(eddy_route(app, "/trip", &any, "trip"), 0);
    cr_assert_eq(eddy_route(app, "/.*", &any, NULL), 0);
    cr_assert_eq(eddy_app_set_templates(app, loader), 0);
    serve_thread_init(&st);
    st.app = app;
    cr_assert_eq(serve_thread_start(&st), 0);

    char *resp = post("/?t=page.html", "from=2026-12-01&to=%22%3E%3Cb%3E");
    cr_assert_str_eq(body_of(resp), "<h1>Trip</h1>\n<p class=\"field has-error\"><label "
                                    "for=\"to\">to</label> <input type=\"date\" id=\"to\" "
                                    "name=\"to\" value=\"&quot;&gt;&lt;b&gt;\" required> "
                                    "<span class=\"error\">Not a valid date value.</span></p>\n");
    resp = get("/?t=whole.html");
    cr_assert(strncmp(body_of(resp), "<form method=\"post\" action=\"/trip\">\n", 35) == 0, "%s",
              body_of(resp));
    resp = get("/?t=bad.html");
    /* a form not made for this request is the template's runtime error:
     * logged, and in production its tag renders nothing */
    cr_assert_str_eq(body_of(resp), "", "%s", resp);
    stop();
    eddy_template_loader_free(loader);
}

/* ------------------------------------------------------------ the database */

static const eddy_field person_columns[] = {
    {"name", EDDY_FIELD_TEXT, .max_length = 20, .flags = EDDY_FIELD_UNIQUE},
    {"bio", EDDY_FIELD_TEXT, .flags = EDDY_FIELD_NULL},
    {"age", EDDY_FIELD_INT, .flags = EDDY_FIELD_NULL},
    {"height", EDDY_FIELD_DOUBLE, .default_value = "0"},
    {"news", EDDY_FIELD_BOOL, .default_value = "0"},
    {"topics", EDDY_FIELD_TEXT, .max_length = 100, .default_value = ""},
    {"birthday", EDDY_FIELD_DATETIME, .flags = EDDY_FIELD_NULL},
    {"password", EDDY_FIELD_TEXT, .default_value = "unset"},
    {"nickname", EDDY_FIELD_TEXT, .max_length = 20, .default_value = "none"},
    {.name = NULL}};
static const eddy_model person = {"person", person_columns};

static char db_path[64];

/* The pool is opened on the server's thread, whose loop runs its waits. */
static eddy_db *test_db(eddy_req *r)
{
    eddy_db *db = eddy_req_db(r);
    if (!db) {
        char url[96];
        snprintf(url, sizeof url, "sqlite://%s", db_path);
        db = eddy_db_open(url, NULL);
        cr_assert_not_null(db);
        cr_assert_eq(eddy_app_set_db(eddy_req_app(r), db), 0);
        const eddy_model *models[] = {&person};
        cr_assert_eq(eddy_orm_create_tables(db, models, 1), 0);
    }
    return db;
}

/* name_is_free - the EDDY_AWAIT check: a query, waited for in the task. */
static const char *name_is_free(eddy_form *f, const char *value, void *arg)
{
    (void)arg;
    eddy_query *q = eddy_orm_select(&person);
    eddy_orm_where(q, eddy_orm_eq(q, "name", EDDY_DB_STR(value)));
    int64_t n = -1;
    int rc = eddy_orm_count(eddy_req_db(eddy_form_req(f)), q, &n);
    eddy_query_free(q);
    if (rc)
        return "The name cannot be checked now.";
    return n ? "That name is taken." : NULL;
}

static const eddy_form_field person_fields[] = {
    {"name", EDDY_FORM_STRING,
     .validators = EDDY_VALIDATORS(EDDY_REQUIRED(NULL), EDDY_AWAIT(name_is_free, NULL, NULL))},
    {"bio", EDDY_FORM_TEXT, .label = "bio"},
    {"age", EDDY_FORM_INTEGER, .label = "age"},
    {"height", EDDY_FORM_DECIMAL, .label = "height"},
    {"news", EDDY_FORM_BOOLEAN, .label = "news"},
    {"topics", EDDY_FORM_MULTIPLE, .choices = topics},
    {"birthday", EDDY_FORM_DATE, .label = "birthday"},
    {"password", EDDY_FORM_PASSWORD, .label = "password"},
    {"height_cm", EDDY_FORM_INTEGER, .label = "not a column"},
    {"nickname", EDDY_FORM_STRING, .label = "not saved", .flags = EDDY_FORM_NO_SAVE},
    {.name = NULL}};
static const eddy_form_def person_form = {"person", person_fields, .submit = "Save"};

/* POST /: validate (asking the database), insert; GET /ID: the row as a
 * form's HTML and JSON; POST /ID: update from the form. */
static void person_page(eddy_req *r)
{
    const char *path = eddy_path(r);
    if (strcmp(path, "/close") == 0) {
        /* The pool is closed on the thread that opened it and ran its
         * queries: it keeps spare results per thread until then. */
        eddy_app_set_db(eddy_req_app(r), NULL);
        return;
    }
    eddy_db *db = test_db(r);
    if (eddy_method_is(r, "POST") && strcmp(path, "/") == 0) {
        eddy_form *f = eddy_require_valid_form(r, &person_form);
        if (!f)
            return;
        eddy_orm_value v[8];
        size_t n = eddy_form_orm_values(f, &person, v, 8);
        int64_t id;
        int rc = eddy_orm_insert(db, &person, v, n, &id);
        cr_assert_eq(rc, 0);
        eddy_writef(r, "%lld", (long long)id);
        return;
    }
    long id = atol(path + 1);
    if (eddy_method_is(r, "POST")) {
        eddy_form *f = eddy_form_from_request(r, &person_form);
        eddy_query *q = eddy_orm_update(&person);
        eddy_form_orm_update(f, &person, q);
        eddy_orm_where(q, eddy_orm_eq(q, "id", EDDY_DB_INT(id)));
        eddy_db_result *res;
        cr_assert_eq(eddy_orm_run(db, q, &res), 0);
        eddy_query_free(q);
        eddy_writef(r, "%lld", (long long)eddy_db_affected(res));
        eddy_db_result_free(res);
        return;
    }
    eddy_db_result *res;
    cr_assert_eq(eddy_orm_get(db, &person, id, &res), 0);
    eddy_form *f = eddy_form_from_row(r, &person_form, res, 0);
    eddy_db_result_free(res);
    json_t *data = eddy_form_json(f);
    char *json = json_dumps(data, JSON_SORT_KEYS | JSON_COMPACT);
    json_decref(data);
    eddy_writef(r, "%s\n", json);
    free(json);
    eddy_buf b = EDDY_BUF_INIT;
    eddy_form_field_html(f, "topics", &b);
    eddy_form_field_html(f, "news", &b);
    eddy_form_field_html(f, "password", &b);
    eddy_write(r, b.data, b.len);
    eddy_buf_free(&b);
}

static void person_start(void)
{
    snprintf(db_path, sizeof db_path, "/tmp/eddy-form-%d.db", (int)getpid());
    unlink(db_path);
    start(person_page);
}

static void person_stop(void)
{
    get("/close");
    stop();
    unlink(db_path);
    char side[80];
    snprintf(side, sizeof side, "%s-wal", db_path);
    unlink(side);
    snprintf(side, sizeof side, "%s-shm", db_path);
    unlink(side);
}

Test(form, data_goes_into_a_row_and_a_row_comes_back_as_a_form)
{
    person_start();
    char *resp = post("/", "name=ann&bio=&age=&height=1.7&news=y&topics=c&topics=db"
                           "&birthday=2000-02-29&password=not-saved&nickname=zed&height_cm=170");
    cr_assert_str_eq(body_of(resp), "1");
    resp = get("/1");
    cr_assert_str_eq(body_of(resp),
                     "{\"age\":null,\"bio\":null,\"birthday\":\"2000-02-29\",\"height\":1.7,"
                     "\"height_cm\":null,\"name\":\"ann\",\"news\":true,\"nickname\":\"none\","
                     "\"topics\":[\"c\",\"db\"]}\n"
                     "<p class=\"field\"><label for=\"topics\">topics</label> <select "
                     "id=\"topics\" name=\"topics\" multiple><option value=\"c\" selected>C"
                     "</option><option value=\"net\">Networks &amp; sockets</option><option "
                     "value=\"db\" selected>db</option></select></p>\n"
                     "<p class=\"field\"><label for=\"news\">news</label> <input "
                     "type=\"checkbox\" id=\"news\" name=\"news\" value=\"y\" checked></p>\n"
                     "<p class=\"field\"><label for=\"password\">password</label> <input "
                     "type=\"password\" id=\"password\" name=\"password\"></p>\n");
    /* an update from a form: the unticked box is false, the bio set */
    resp = post("/1", "name=ann&bio=%3Ci%3Ehi&age=30&height=1.8&topics=net&nickname=zed");
    cr_assert_str_eq(body_of(resp), "1");
    resp = get("/1");
    cr_assert(
        strncmp(body_of(resp),
                "{\"age\":30,\"bio\":\"<i>hi\",\"birthday\":null,\"height\":1.8,\"height_cm\":"
                "null,\"name\":\"ann\",\"news\":false,\"nickname\":\"none\",\"topics\":"
                "[\"net\"]}\n",
                strlen("{\"age\":30,\"bio\":\"<i>hi\",\"birthday\":null,\"height\":1.8,"
                       "\"height_cm\":null,\"name\":\"ann\",\"news\":false,\"nickname\":"
                       "\"none\",\"topics\":[\"net\"]}\n")) == 0,
        "%s", body_of(resp));
    person_stop();
}

Test(form, a_check_that_waits_asks_the_database)
{
    person_start();
    char *resp = post("/", "name=ann");
    cr_assert_str_eq(body_of(resp), "1");
    resp = post("/", "name=ann");
    cr_assert(strncmp(resp, "HTTP/1.1 400 ", 13) == 0, "%s", resp);
    cr_assert_str_eq(body_of(resp), "{\"name\":\"That name is taken.\"}");
    resp = post("/", "name=bob");
    cr_assert_str_eq(body_of(resp), "2", "a free name passes: %s", resp);
    person_stop();
}

/* ------------------------------------------------------------ a check that holds its request */

static eddy_future *gate; /* made and awaited by the check, on the server's thread */
static char verdict[64];

static const char *wait_for_gate(eddy_form *f, const char *value, void *arg)
{
    (void)f;
    (void)arg;
    gate = eddy_future_new();
    int rc = eddy_future_await(gate, 5000, NULL);
    eddy_future_release(gate);
    gate = NULL;
    return rc == 0 && strcmp(value, verdict) == 0 ? NULL : "The gate said no.";
}

static const eddy_form_field gated_fields[] = {
    {"word", EDDY_FORM_STRING,
     .validators = EDDY_VALIDATORS(EDDY_REQUIRED(NULL), EDDY_AWAIT(wait_for_gate, NULL, NULL))},
    {.name = NULL}};
static const eddy_form_def gated_form = {"gated", gated_fields, .submit = "Check"};

/* POST /check validates (and waits); GET /open?word= answers at once and
 * opens the gate: it can only run while the check is waiting. */
static void gated_page(eddy_req *r)
{
    if (eddy_method_is(r, "GET")) {
        eddy_writef(r, "checks waiting: %d\n", gate != NULL);
        if (gate) {
            snprintf(verdict, sizeof verdict, "%s", eddy_get_argument(r, "word", ""));
            eddy_future_resolve(gate, 0, NULL);
        }
        return;
    }
    eddy_form *f = eddy_require_valid_form(r, &gated_form);
    if (f)
        eddy_writef(r, "accepted %s\n", eddy_form_value(f, "word"));
}

Test(form, a_waiting_check_leaves_the_server_free_for_others)
{
    start(gated_page);
    int fd = th_connect(st.port, 2000);
    cr_assert_geq(fd, 0);
    cr_assert_eq(th_send_str(fd, "POST /check HTTP/1.1\r\nHost: t\r\nConnection: close\r\n"
                                 "Content-Type: application/x-www-form-urlencoded\r\n"
                                 "Content-Length: 10\r\n\r\nword=hello"),
                 0);
    /* The check is waiting; another request is served meanwhile, and
     * that is what lets the check finish. */
    char *resp = NULL;
    for (int i = 0; i < 200; i++) {
        resp = get("/open?word=hello");
        if (strstr(resp, "checks waiting: 1"))
            break;
        usleep(10000); /* the POST may not have reached its check yet */
    }
    cr_assert_not_null(strstr(resp, "checks waiting: 1"), "%s", resp);
    char buf[1024];
    ssize_t n = th_recv_until(fd, buf, sizeof buf - 1, "accepted hello\n", 5000);
    cr_assert_gt(n, 0);
    buf[n] = '\0';
    cr_assert_not_null(strstr(buf, "accepted hello\n"), "%s", buf);
    close(fd);
    stop();
}

/* ------------------------------------------------------------ files */

static const eddy_form_field upload_fields[] = {
    {"picture", EDDY_FORM_FILE, .label = "Picture", .accept = "image/png  image/jpeg",
     .max_bytes = 64, .validators = EDDY_VALIDATORS(EDDY_REQUIRED(NULL))},
    {"title", EDDY_FORM_STRING, .label = "Title"},
    {.name = NULL}};
static const eddy_form_def upload_form = {"upload", upload_fields, .submit = "Send"};

static void upload_page(eddy_req *r)
{
    eddy_form *f = eddy_require_valid_form(r, &upload_form);
    if (!f)
        return;
    const eddy_upload *u = eddy_form_upload(f, "picture");
    eddy_writef(r, "%s %llu bytes, title %s", u->sniffed_type, (unsigned long long)u->size,
                eddy_form_value(f, "title"));
}

/* post_file - a multipart POST with a title and one file of n bytes. */
static char *post_file(const char *filename, const char *type, const void *data, size_t n)
{
    static char raw[4096];
    char body[2048];
    int len = snprintf(body, sizeof body,
                       "--XyZ\r\nContent-Disposition: form-data; name=\"title\"\r\n\r\n"
                       "caf\xC3\xA9\r\n--XyZ\r\nContent-Disposition: form-data; "
                       "name=\"picture\"; filename=\"%s\"\r\nContent-Type: %s\r\n\r\n",
                       filename, type);
    memcpy(body + len, data, n);
    len += (int)n;
    len += snprintf(body + len, sizeof body - (size_t)len, "\r\n--XyZ--\r\n");
    int h = snprintf(raw, sizeof raw,
                     "POST / HTTP/1.1\r\nHost: t\r\nConnection: close\r\nContent-Type: "
                     "multipart/form-data; boundary=XyZ\r\nContent-Length: %d\r\n\r\n",
                     len);
    memcpy(raw + h, body, (size_t)len);
    /* the file's bytes may hold NULs: sent by length, not as a string */
    static char resp[4096];
    int fd = th_connect(st.port, 2000);
    cr_assert_geq(fd, 0);
    cr_assert_eq(th_send(fd, raw, (size_t)(h + len)), 0);
    ssize_t got = th_recv_until(fd, resp, sizeof resp - 1, NULL, 5000);
    close(fd);
    cr_assert_geq(got, 0);
    resp[got] = '\0';
    return resp;
}

Test(form, a_file_is_judged_by_its_bytes_and_its_size)
{
    start(upload_page);
    unsigned char png[48] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n',
                             0,    0,   0,   13,  'I',  'H',  'D',  'R'};
    char *resp = post_file("me.png", "image/png", png, sizeof png);
    cr_assert_str_eq(body_of(resp), "image/png 48 bytes, title caf\xC3\xA9");
    unsigned char big[65] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    resp = post_file("me.png", "image/png", big, sizeof big);
    cr_assert_str_eq(body_of(resp), "{\"picture\":\"The file is larger than 64 bytes.\"}");
    /* a GIF named .png and declared image/png is still a GIF */
    resp = post_file("me.png", "image/png", "GIF89a\x01\x00\x01\x00", 10);
    cr_assert_str_eq(body_of(resp), "{\"picture\":\"Files of type image/gif are not accepted.\"}");
    resp = post_file("empty.png", "image/png", "", 0);
    cr_assert_str_eq(body_of(resp), "{\"picture\":\"This field is required.\"}");
    resp = post("/", "title=no+file");
    cr_assert_str_eq(body_of(resp), "{\"picture\":\"This field is required.\"}");
    stop();
}

/* A JSON object body is read like a form: numbers and booleans as their
 * text, an array as several values. */
Test(form, a_json_body_fills_the_same_fields)
{
    start(validate_page);
    char raw[1024];
    const char *json = "{\"name\":\"ann\",\"age\":42,\"news\":true,\"topics\":[\"c\",\"db\"],"
                       "\"bio\":null,\"height\":1.5}";
    snprintf(raw, sizeof raw,
             "POST / HTTP/1.1\r\nHost: t\r\nConnection: close\r\nContent-Type: application/json"
             "\r\nContent-Length: %zu\r\n\r\n%s",
             strlen(json), json);
    char *resp = serve_thread_ask(&st, raw);
    json_t *got = json_loads(body_of(resp), 0, NULL);
    cr_assert_not_null(got, "%s", resp);
    cr_assert_eq(json_integer_value(json_object_get(got, "age")), 42);
    cr_assert(json_is_true(json_object_get(got, "news")));
    cr_assert(json_is_null(json_object_get(got, "bio")));
    cr_assert_eq(json_array_size(json_object_get(got, "topics")), 2);
    json_decref(got);
    json = "{\"name\":\"x\",\"age\":true}";
    snprintf(raw, sizeof raw,
             "POST / HTTP/1.1\r\nHost: t\r\nConnection: close\r\nContent-Type: application/json"
             "\r\nContent-Length: %zu\r\n\r\n%s",
             strlen(json), json);
    resp = serve_thread_ask(&st, raw);
    cr_assert_str_eq(body_of(resp), "{\"name\":\"Field must be between 2 and 20 characters "
                                    "long.\",\"age\":\"Not a valid integer value.\"}");
    stop();
}
