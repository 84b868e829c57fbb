/*
 * Lesson 18 smoke tests: the profile page as a browser and a program see
 * it, on SQLite and on MariaDB (the same tests, one run per database; the
 * MariaDB half runs on the private mariadbd the PRE_ALL hook started, or
 * skips saying why).
 *
 * The HTML a browser gets (errors beside each field, the values typed
 * kept and escaped), the rows in the database after a valid submit and
 * none after an invalid one, the name check that asks the database, an
 * avatar judged by its bytes and saved under a new name (the bytes on
 * disk checked), and the JSON API's 400 bodies.
 */
#include "harness.h"
#include "mariadb_server.h"

#include <eddy/async/future.h>
#include <eddy/async/pool.h>
#include <eddy/data/db.h>

#include <criterion/criterion.h>
#include <criterion/hooks.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define PROFILE "lessons/18-files-forms/profile"

ReportHook(PRE_ALL)(struct criterion_test_set *set)
{
    (void)set;
    mariadb_suite_start("lesson 18");
}

ReportHook(POST_ALL)(struct criterion_global_stats *stats)
{
    (void)stats;
    mariadb_suite_stop();
}

static th_proc server;
static char url[512];
static char tmpdir[64];
static char uploads[96];

static void make_tmpdir(void)
{
    snprintf(tmpdir, sizeof tmpdir, "/tmp/eddy-l18-XXXXXX");
    cr_assert_not_null(mkdtemp(tmpdir));
    snprintf(uploads, sizeof uploads, "%s/uploads", tmpdir);
}

static void use_sqlite(void)
{
    make_tmpdir();
    snprintf(url, sizeof url, "sqlite://%s/profile.db", tmpdir);
}

static void use_mariadb(const char *name)
{
    const char *why = NULL;
    const char *u = mariadb_database(name, &why);
    if (!u)
        cr_skip_test("MariaDB: %s", why);
    make_tmpdir();
    snprintf(url, sizeof url, "%s", u);
}

static void start_profile(const char *extra, const char *value)
{
    char *argv[10] = {(char *)th_path(PROFILE),
                      "--port",
                      "0",
                      "--db",
                      url,
                      "--uploads",
                      uploads,
                      (char *)extra,
                      (char *)value,
                      NULL};
    cr_assert_eq(th_start_server(&server, argv, 10000), 0, "profile did not start:\n%s",
                 server.output ? server.output : "");
}

static void cleanup(void)
{
    th_free(&server);
    if (tmpdir[0]) {
        char cmd[128];
        snprintf(cmd, sizeof cmd, "rm -rf %s", tmpdir);
        if (system(cmd) != 0)
            fprintf(stderr, "could not remove %s\n", tmpdir);
        tmpdir[0] = '\0';
    }
}

/* ------------------------------------------------------------ the database, read back */

struct query {
    const char *sql;
    char out[4096];
};

static void query_task(void *arg)
{
    struct query *q = arg;
    eddy_db *db = eddy_db_open(url, NULL);
    cr_assert_not_null(db, "cannot open %s", url);
    eddy_db_result *res;
    int rc = eddy_db_query(db, &res, q->sql, NULL, 0);
    cr_assert_eq(rc, 0, "%s: %s", q->sql, eddy_db_errmsg(res));
    size_t n = 0;
    q->out[0] = '\0';
    for (size_t i = 0; i < eddy_db_rows(res); i++)
        for (size_t c = 0; c < eddy_db_columns(res); c++) {
            const eddy_db_value *v = eddy_db_value_at(res, i, c);
            char cell[512];
            if (v->type == EDDY_DB_NULL)
                snprintf(cell, sizeof cell, "NULL");
            else if (v->type == EDDY_DB_INTEGER)
                snprintf(cell, sizeof cell, "%lld", (long long)v->i);
            else if (v->type == EDDY_DB_DATETIME)
                eddy_db_format_time(v->i, ' ', cell);
            else
                snprintf(cell, sizeof cell, "%.*s", (int)v->len, v->p);
            n += (size_t)snprintf(q->out + n, sizeof q->out - n, "%s%s", cell,
                                  c + 1 < eddy_db_columns(res) ? "|" : "\n");
        }
    eddy_db_result_free(res);
    eddy_db_close(db);
}

/* rows - what sql reads from the lesson's database: columns joined by
 * '|', a line per row. */
static const char *rows(const char *sql)
{
    static struct query q;
    q.sql = sql;
    eddy_task_spawn(query_task, &q);
    eddy_loop_run();
    eddy_thread_pool_shutdown();
    eddy_loop_free();
    return q.out;
}

/* ------------------------------------------------------------ HTTP */

struct resp {
    int status;
    char raw[262144];
    size_t len;
    const char *body;
};
static struct resp r;

/* http_raw - send len bytes of req on a new connection; the response. */
static struct resp *http_raw(const char *req, size_t len)
{
    r.status = -1;
    r.raw[0] = '\0';
    r.body = "";
    r.len = 0;
    int fd = th_connect(server.port, 2000);
    if (fd < 0)
        return &r;
    ssize_t n;
    if (th_send(fd, req, len) == 0 &&
        (n = th_recv_until(fd, r.raw, sizeof r.raw - 1, NULL, 10000)) >= 0) {
        r.raw[n] = '\0';
        r.len = (size_t)n;
        sscanf(r.raw, "HTTP/1.1 %d", &r.status);
        const char *end = strstr(r.raw, "\r\n\r\n");
        r.body = end ? end + 4 : "";
    }
    close(fd);
    return &r;
}

static struct resp *http(const char *method, const char *path, const char *type, const char *body)
{
    static char req[65536];
    int n = snprintf(req, sizeof req, "%s %s HTTP/1.1\r\nHost: t\r\nConnection: close\r\n", method,
                     path);
    if (type)
        n += snprintf(req + n, sizeof req - (size_t)n,
                      "Content-Type: %s\r\nContent-Length: %zu\r\n", type, strlen(body));
    n += snprintf(req + n, sizeof req - (size_t)n, "\r\n%s", body ? body : "");
    return http_raw(req, (size_t)n);
}

#define FORM     "application/x-www-form-urlencoded"
#define JSON     "application/json"
#define BOUNDARY "----eddy18boundary"

/* multipart - POST path with the text fields (name=value&... unescaped,
 * no '&' or '=' in values) and one file part for "avatar". */
static struct resp *multipart(const char *path, const char *fields, const char *filename,
                              const char *type, const void *data, size_t len)
{
    static char body[65536], req[70000];
    size_t n = 0;
    char copy[1024];
    snprintf(copy, sizeof copy, "%s", fields);
    for (char *save = NULL, *kv = strtok_r(copy, "&", &save); kv; kv = strtok_r(NULL, "&", &save)) {
        char *eq = strchr(kv, '=');
        *eq = '\0';
        n +=
            (size_t)snprintf(body + n, sizeof body - n,
                             "--" BOUNDARY "\r\nContent-Disposition: form-data; name=\"%s\"\r\n\r\n"
                             "%s\r\n",
                             kv, eq + 1);
    }
    n += (size_t)snprintf(body + n, sizeof body - n,
                          "--" BOUNDARY "\r\nContent-Disposition: form-data; name=\"avatar\"; "
                          "filename=\"%s\"\r\nContent-Type: %s\r\n\r\n",
                          filename, type);
    memcpy(body + n, data, len);
    n += len;
    n += (size_t)snprintf(body + n, sizeof body - n, "\r\n--" BOUNDARY "--\r\n");
    int h = snprintf(req, sizeof req,
                     "POST %s HTTP/1.1\r\nHost: t\r\nConnection: close\r\nContent-Type: "
                     "multipart/form-data; boundary=" BOUNDARY "\r\nContent-Length: %zu\r\n\r\n",
                     path, n);
    memcpy(req + h, body, n);
    return http_raw(req, (size_t)h + n);
}

#define expect(call, code, needle)                                                                 \
    do {                                                                                           \
        const struct resp *got_ = (call);                                                          \
        cr_assert_eq(got_->status, code, "expected %d, got:\n%s", code, got_->raw);                \
        cr_assert_not_null(strstr(got_->raw, needle), "expected \"%s\" in:\n%s", needle,           \
                           got_->raw);                                                             \
    } while (0)

#define has(needle)                                                                                \
    cr_assert_not_null(strstr(r.body, needle), "expected \"%s\" in:\n%s", needle, r.body)

/* BOTH(name) - the test body once on SQLite and once on MariaDB. */
#define BOTH(name)                                                                                 \
    static void name(void);                                                                        \
    Test(lesson18_sqlite, name, .fini = cleanup, .timeout = 60)                                    \
    {                                                                                              \
        use_sqlite();                                                                              \
        name();                                                                                    \
    }                                                                                              \
    Test(lesson18_mariadb, name, .fini = cleanup, .timeout = 60)                                   \
    {                                                                                              \
        use_mariadb("l18_" #name);                                                                 \
        name();                                                                                    \
    }                                                                                              \
    static void name(void)

#define ANN "name=ann&email=ann%40example.com&mobile=13812345678&gender=f&birthday=2000-02-29"

/* ------------------------------------------------------------ the page */

BOTH(the_new_form_is_empty_with_its_defaults)
{
    start_profile(NULL, NULL);
    expect(http("GET", "/profiles/new", NULL, NULL), 200,
           "<form method=\"post\" action=\"/profiles/new\" enctype=\"multipart/form-data\">\n");
    has("<p class=\"field\"><label for=\"name\">Name</label> <input type=\"text\" id=\"name\" "
        "name=\"name\" value=\"\" required minlength=\"2\" maxlength=\"40\"></p>\n");
    has("<label><input type=\"radio\" name=\"gender\" value=\"x\" checked> Rather not say</label>");
    has("<input type=\"file\" id=\"avatar\" name=\"avatar\" "
        "accept=\"image/png,image/jpeg,image/gif,image/webp\">");
    cr_assert_null(strstr(r.body, "class=\"error\""), "no errors yet:\n%s", r.body);
}

BOTH(an_invalid_submit_shows_each_error_keeps_the_values_and_writes_nothing)
{
    start_profile(NULL, NULL);
    /* "><script>alert('x')</script> and an emoji, as a name */
    expect(http("POST", "/profiles/new", FORM,
                "name=%22%3E%3Cscript%3Ealert(%27x%27)%3C%2Fscript%3E+%F0%9F%98%80"
                "&email=ann%40&mobile=12345&gender=f&birthday=2001-02-29&bio=a+%26+b"),
           400, "<h1>New profile</h1>");
    has("<input type=\"text\" id=\"name\" name=\"name\" value=\"&quot;&gt;&lt;script&gt;alert("
        "&#39;x&#39;)&lt;/script&gt; \xF0\x9F\x98\x80\" required minlength=\"2\" "
        "maxlength=\"40\"></p>\n");
    has("<p class=\"field has-error\"><label for=\"email\">E-mail</label> <input type=\"email\" "
        "id=\"email\" name=\"email\" value=\"ann@\" required maxlength=\"254\"> <span "
        "class=\"error\">Invalid email address.</span></p>\n");
    has("value=\"12345\" placeholder=\"13812345678\" required> <span class=\"error\">Not a valid "
        "mobile number.</span></p>\n");
    has("<input type=\"date\" id=\"birthday\" name=\"birthday\" value=\"2001-02-29\"> <span "
        "class=\"error\">Not a valid date value.</span>");
    has("<label><input type=\"radio\" name=\"gender\" value=\"f\" checked> Female</label>");
    has(">a &amp; b</textarea>");
    cr_assert_null(strstr(r.body, "<script>"), "nothing typed became markup:\n%s", r.body);
    cr_assert_str_eq(rows("SELECT COUNT(*) FROM profile"), "0\n");
}

BOTH(a_valid_submit_saves_the_row_and_the_row_comes_back_as_the_form)
{
    start_profile(NULL, NULL);
    expect(http("POST", "/profiles/new", FORM, ANN "&newsletter=y&bio=%3Cb%3Ehi%3C%2Fb%3E"), 303,
           "\r\nLocation: /profiles/1\r\n");
    cr_assert_str_eq(rows("SELECT id, name, email, mobile, gender, birthday, bio, newsletter, "
                          "avatar FROM profile"),
                     "1|ann|ann@example.com|13812345678|f|2000-02-29 00:00:00|<b>hi</b>|1|NULL\n");
    expect(http("GET", "/profiles/1", NULL, NULL), 200, "<h1>Edit profile</h1>");
    has("<form method=\"post\" action=\"/profiles/1\" enctype=\"multipart/form-data\">");
    has("id=\"name\" name=\"name\" value=\"ann\"");
    has("name=\"birthday\" value=\"2000-02-29\"");
    has(">&lt;b&gt;hi&lt;/b&gt;</textarea>");
    has("name=\"newsletter\" value=\"y\" checked>");
    /* an edit: the box unticked, a new mobile; the name is its own */
    expect(http("POST", "/profiles/1", FORM,
                "name=ann&email=ann%40example.com&mobile=19912345678&gender=m"),
           303, "\r\nLocation: /profiles/1\r\n");
    cr_assert_str_eq(rows("SELECT name, mobile, gender, birthday, bio, newsletter FROM profile"),
                     "ann|19912345678|m|NULL|NULL|0\n");
    expect(http("GET", "/", NULL, NULL), 200, "<li><a href=\"/profiles/1\">ann</a></li>");
    expect(http("GET", "/profiles/7", NULL, NULL), 404, "No such profile");
}

BOTH(the_name_check_asks_the_database)
{
    start_profile(NULL, NULL);
    expect(http("POST", "/profiles/new", FORM, ANN), 303, "Location: /profiles/1");
    expect(http("POST", "/profiles/new", FORM,
                "name=ann&email=other%40example.com&mobile=13912345678"),
           400, "<span class=\"error\">That name is taken.</span>");
    has("value=\"other@example.com\"");
    expect(
        http("POST", "/profiles/new", FORM, "name=bob&email=bob%40example.com&mobile=13912345678"),
        303, "Location: /profiles/2");
    expect(http("POST", "/profiles/2", FORM, "name=ann&email=bob%40example.com&mobile=13912345678"),
           400, "That name is taken.");
    cr_assert_str_eq(rows("SELECT id, name FROM profile ORDER BY id"), "1|ann\n2|bob\n");
}

BOTH(a_form_level_error_shows_above_the_fields)
{
    start_profile("--max-profiles", "1");
    expect(http("POST", "/profiles/new", FORM, ANN), 303, "Location: /profiles/1");
    expect(
        http("POST", "/profiles/new", FORM, "name=bob&email=bob%40example.com&mobile=13912345678"),
        400,
        "enctype=\"multipart/form-data\">\n<p class=\"error\">There are 1 profiles "
        "already; no more can be made.</p>\n<p class=\"field\">");
    expect(http("POST", "/api/profiles", JSON,
                "{\"name\":\"bob\",\"email\":\"bob@example.com\",\"mobile\":\"13912345678\"}"),
           400, "\r\n\r\n{\"non_fields\":\"There are 1 profiles already; no more can be made.\"}");
    /* an edit adds no profile */
    expect(http("POST", "/profiles/1", FORM, ANN), 303, "Location: /profiles/1");
}

/* ------------------------------------------------------------ the avatar */

/* A PNG's first bytes (signature and the start of IHDR) and some more. */
static const unsigned char png[] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n', 0,    0, 0, 13,
                                    'I',  'H', 'D', 'R', 0,    0,    0,    1,    0,    0, 0, 1,
                                    8,    6,   0,   0,   0,    0x1f, 0x15, 0xc4, 0x89, 0, 0, 0,
                                    0,    'I', 'E', 'N', 'D',  0xae, 'B',  0x60, 0x82};

/* files_in - how many files the uploads folder holds; the last name seen. */
static int files_in(const char *dir, char *last, size_t cap)
{
    DIR *d = opendir(dir);
    if (!d)
        return 0;
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)))
        if (e->d_name[0] != '.') {
            n++;
            snprintf(last, cap, "%s", e->d_name);
        }
    closedir(d);
    return n;
}

BOTH(an_avatar_is_judged_by_its_bytes_and_saved_under_a_new_name)
{
    start_profile(NULL, NULL);
    expect(multipart("/profiles/new", "name=ann&email=ann@example.com&mobile=13812345678&gender=f",
                     "../../etc/evil.php", "application/x-php", png, sizeof png),
           303, "Location: /profiles/1");
    char name[256] = "";
    cr_assert_eq(files_in(uploads, name, sizeof name), 1, "one file saved");
    cr_assert_null(strstr(name, "evil"), "the client's name is not the file's: %s", name);
    cr_assert(strlen(name) > 4 && strcmp(name + strlen(name) - 4, ".png") == 0,
              "named after its bytes' type: %s", name);
    char path[512], want[400];
    snprintf(path, sizeof path, "%s/%s", uploads, name);
    FILE *f = fopen(path, "rb");
    cr_assert_not_null(f);
    unsigned char disk[256];
    size_t got = fread(disk, 1, sizeof disk, f);
    fclose(f);
    cr_assert(got == sizeof png && memcmp(disk, png, sizeof png) == 0, "the bytes on disk");
    snprintf(want, sizeof want, "1|%s\n", name);
    cr_assert_str_eq(rows("SELECT id, avatar FROM profile"), want);

    snprintf(want, sizeof want, "<img class=\"avatar\" src=\"/avatars/%s\" alt=\"avatar\">", name);
    expect(http("GET", "/profiles/1", NULL, NULL), 200, want);
    snprintf(path, sizeof path, "/avatars/%s", name);
    expect(http("GET", path, NULL, NULL), 200, "Content-Type: image/png");
    cr_assert(r.len >= sizeof png && memcmp(r.raw + r.len - sizeof png, png, sizeof png) == 0,
              "served back as saved");

    /* text that says it is a PNG is refused, and nothing is written */
    const char *text = "this is not an image at all";
    expect(multipart("/profiles/1", "name=ann&email=ann@example.com&mobile=13812345678", "face.png",
                     "image/png", text, strlen(text)),
           400,
           "<span class=\"error\">The avatar must be a PNG, JPEG, GIF or WebP image of 2 MB "
           "at most.</span>");
    cr_assert_eq(files_in(uploads, name, sizeof name), 1, "nothing more on disk");
    snprintf(want, sizeof want, "<img class=\"avatar\" src=\"/avatars/%s\"", name);
    has(want);
}

/* ------------------------------------------------------------ the JSON API */

BOTH(the_api_answers_400_with_a_message_per_field)
{
    start_profile(NULL, NULL);
    expect(http("POST", "/api/profiles", JSON, "{\"name\":\"a\",\"email\":\"x\",\"mobile\":138}"),
           400,
           "\r\n\r\n{\"name\":\"Field must be between 2 and 40 characters long.\","
           "\"email\":\"Invalid email address.\",\"mobile\":\"Not a valid mobile number.\"}");
    expect(http("POST", "/api/profiles", JSON,
                "{\"name\":\"ann\",\"email\":\"ann@example.com\",\"mobile\":\"13812345678\","
                "\"newsletter\":true,\"birthday\":\"2000-02-29\",\"bio\":null}"),
           201, "\r\n\r\n{\"id\":1}");
    cr_assert_str_eq(rows("SELECT name, newsletter, birthday, bio FROM profile"),
                     "ann|1|2000-02-29 00:00:00|NULL\n");
    expect(http("POST", "/api/profiles", JSON,
                "{\"name\":\"ann\",\"email\":\"ann@example.com\",\"mobile\":\"13812345678\"}"),
           400, "\r\n\r\n{\"name\":\"That name is taken.\"}");
    cr_assert_str_eq(rows("SELECT COUNT(*) FROM profile"), "1\n");
}
