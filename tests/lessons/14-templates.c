/*
 * Lesson 14 smoke tests: the template site as a browser sees it.
 *
 * Each page's content; the two levels of inheritance (base's and
 * layout's markers in every page, about's own footer replacing base's);
 * the Entry module drawing every entry with its CSS and JS in the page
 * once; the XSS attempts (a <script> title, an <img onerror> tag, and
 * ?q= echoed in the search box) arriving as text; a static file linked
 * with a versioned URL, fetched with it, then answered 304 for its ETag;
 * and --debug picking up a changed template without a restart.
 */
#include "harness.h"

#include <criterion/criterion.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define SITE "lessons/14-templates/site"

static th_proc server;

static void start_site(char *const extra[])
{
    char *argv[16] = {(char *)th_path(SITE), "--port", "0"};
    int n = 3;
    for (int i = 0; extra && extra[i] && n < 15; i++)
        argv[n++] = extra[i];
    argv[n] = NULL;
    cr_assert_eq(th_start_server(&server, argv, 5000), 0, "site did not start:\n%s",
                 server.output ? server.output : "");
}

static void start_default(void)
{
    start_site(NULL);
}

static void stop_server(void)
{
    th_free(&server);
}

static struct {
    int status;
    char raw[131072];
    const char *body;
} r;

/* get - GET path with extra header lines (may be ""), Connection: close. */
static const char *get(const char *path, const char *headers)
{
    char req[4096];
    snprintf(req, sizeof req, "GET %s HTTP/1.1\r\nHost: t\r\n%sConnection: close\r\n\r\n", path,
             headers);
    int fd = th_connect(server.port, 2000);
    cr_assert_geq(fd, 0);
    cr_assert_eq(th_send_str(fd, req), 0);
    cr_assert_geq(th_recv_until(fd, r.raw, sizeof r.raw, NULL, 8000), 0, "no answer to %s", path);
    close(fd);
    r.status = 0;
    sscanf(r.raw, "HTTP/1.1 %d", &r.status);
    const char *end = strstr(r.raw, "\r\n\r\n");
    r.body = end ? end + 4 : "";
    return r.body;
}

static int count(const char *hay, const char *needle)
{
    int n = 0;
    for (const char *p = hay; (p = strstr(p, needle)); p += strlen(needle))
        n++;
    return n;
}

#define has(needle)  cr_expect(strstr(r.raw, needle), "expected \"%s\" in:\n%s", needle, r.raw)
#define hasnt(needle)                                                                              \
    cr_expect(!strstr(r.raw, needle), "did not expect \"%s\" in:\n%s", needle, r.raw)

TestSuite(lesson14, .init = start_default, .fini = stop_server, .timeout = 30);

Test(lesson14, home_lists_entries_through_the_module_in_both_layouts)
{
    get("/", "");
    cr_assert_eq(r.status, 200, "%s", r.raw);
    has("Content-Type: text/html; charset=UTF-8");
    has("<title>Notebook: 3 entries</title>");
    has("<body data-layout=\"base\">");
    has("<div class=\"layout\" data-layout=\"layout\">");
    has("<h1>Latest entries</h1>");
    cr_expect_eq(count(r.body, "data-module=\"Entry\""), 3, "%s", r.body);
    has("<a href=\"/entry/templates\">Templates compile once</a>");
    has("<p class=\"excerpt\">A template is parsed into a tree the first time it is used,...</p>");
    has("<footer>Rendered by libeddy templates.</footer>");
    /* the module's files: once each, CSS in the head, JS at the end */
    cr_expect_eq(count(r.body, "/static/entry.css?v="), 1, "%s", r.body);
    cr_expect_eq(count(r.body, "/static/entry.js?v="), 1, "%s", r.body);
    cr_expect_lt(strstr(r.body, "entry.css"), strstr(r.body, "</head>"));
    cr_expect_gt(strstr(r.body, "entry.js"), strstr(r.body, "<footer>"));
}

Test(lesson14, entry_page_shows_the_whole_body_and_404s_the_unknown)
{
    get("/entry/templates", "");
    cr_assert_eq(r.status, 200, "%s", r.raw);
    has("<title>Templates compile once - Notebook</title>");
    has("<div class=\"body\">A template is parsed into a tree the first time it is used, and "
        "every request after that only walks the tree.</div>");
    has("data-layout=\"layout\"");
    cr_expect_eq(count(r.body, "data-module=\"Entry\""), 1);
    get("/entry/nope", "");
    cr_expect_eq(r.status, 404, "%s", r.raw);
}

Test(lesson14, about_page_replaces_base_footer_and_needs_no_module_files)
{
    get("/about", "");
    cr_assert_eq(r.status, 200, "%s", r.raw);
    has("<title>About - Notebook</title>");
    has("<h1>About</h1>");
    has("data-layout=\"base\"");
    has("data-layout=\"layout\"");
    has("<footer>This footer replaces base.html's.</footer>");
    hasnt("Rendered by libeddy templates.");
    hasnt("entry.css");
    hasnt("entry.js");
}

Test(lesson14, xss_in_an_entry_title_and_a_tag_is_escaped)
{
    get("/entry/xss", "");
    cr_assert_eq(r.status, 200, "%s", r.raw);
    has("<title>&lt;script&gt;alert(1)&lt;/script&gt; - Notebook</title>");
    has("<a href=\"/entry/xss\">&lt;script&gt;alert(1)&lt;/script&gt;</a>");
    has("<span class=\"tag\">&lt;img src=x onerror=alert(2)&gt;</span>");
    has("This title tried to run a script. &lt;b&gt;It did not&lt;/b&gt;.");
    hasnt("<script>alert");
    hasnt("<img src=x");
    hasnt("<b>It did not");
}

Test(lesson14, search_echoes_the_query_escaped)
{
    get("/search?q=%22%3E%3Cscript%3Ealert(1)%3C%2Fscript%3E", "");
    cr_assert_eq(r.status, 200, "%s", r.raw);
    has("<input name=\"q\" value=\"&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;\"");
    has("Results for <q>&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;</q>: 0");
    has("Nothing found.");
    hasnt("<script>alert");
    get("/search?q=script", "");
    has("Results for <q>script</q>: 1");
    has("<a href=\"/entry/xss\">");
    get("/search", "");
    has("Type something in the box above.");
}

Test(lesson14, static_file_by_versioned_url_then_304)
{
    get("/", "");
    const char *link = strstr(r.body, "/static/site.css?v=");
    cr_assert_not_null(link, "%s", r.body);
    char url[64];
    cr_assert_eq(sscanf(link, "%63[^\"]", url), 1);
    cr_expect_eq(strlen(url), strlen("/static/site.css?v=") + 16, "%s", url);

    get(url, "");
    cr_assert_eq(r.status, 200, "%s", r.raw);
    has("Content-Type: text/css");
    has("immutable");
    has("site.css - the whole site's style");
    const char *etag = strstr(r.raw, "Etag: ");
    if (!etag)
        etag = strstr(r.raw, "ETag: ");
    cr_assert_not_null(etag, "%s", r.raw);
    char value[128], header[192];
    cr_assert_eq(sscanf(etag + 6, "%127[^\r]", value), 1);
    snprintf(header, sizeof header, "If-None-Match: %s\r\n", value);

    get(url, header);
    cr_expect_eq(r.status, 304, "%s", r.raw);
    cr_expect_str_eq(r.body, "");
    get("/static/nope.css", "");
    cr_expect_eq(r.status, 404);
}

/* Runs of their own, without the suite's server. */
TestSuite(lesson14_own, .timeout = 30);

Test(lesson14_own, help_lists_debug_and_root)
{
    char *out = NULL;
    char *argv[] = {(char *)th_path(SITE), "--help", NULL};
    cr_assert_eq(th_run(argv, 5000, &out), 0, "%s", out ? out : "");
    cr_expect(strstr(out, "--[no-]debug"), "%s", out);
    cr_expect(strstr(out, "--root"), "%s", out);
    cr_expect(strstr(out, "--port"), "%s", out);
    free(out);
}

/* find_lesson - lessons/14-templates in a folder above the build folder
 * (build/, build/san/...). */
static bool find_lesson(char *out, size_t size)
{
    char base[200];
    snprintf(base, sizeof base, "%s", TEST_BUILD_DIR);
    for (int up = 0; up < 5; up++) {
        snprintf(out, size, "%s/lessons/14-templates/templates/base.html", base);
        if (access(out, R_OK) == 0) {
            snprintf(out, size, "%s/lessons/14-templates", base);
            return true;
        }
        char *slash = strrchr(base, '/');
        if (!slash)
            break;
        *slash = '\0';
    }
    return false;
}

/* --debug: a copy of the lesson's files, changed while the site runs. */
Test(lesson14_own, debug_mode_recompiles_a_changed_template, .fini = stop_server)
{
    char dir[] = "/tmp/lesson14-XXXXXX", cmd[1024];
    cr_assert_not_null(mkdtemp(dir));
    char lesson[400];
    cr_assert(find_lesson(lesson, sizeof lesson), "no lessons/14-templates above %s",
              TEST_BUILD_DIR);
    snprintf(cmd, sizeof cmd, "cp -r %s/templates %s/static %s/", lesson, lesson, dir);
    cr_assert_eq(system(cmd), 0, "%s", cmd);
    start_site((char *[]){"--debug", "--root", dir, NULL});
    get("/about", "");
    has("<h1>About</h1>");
    snprintf(cmd, sizeof cmd,
             "sed -i 's|<h1>About</h1>|<h1>About, edited</h1><p>now much longer</p>|' "
             "%s/templates/about.html",
             dir);
    cr_assert_eq(system(cmd), 0);
    get("/about", "");
    has("<h1>About, edited</h1>");
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    cr_expect_eq(system(cmd), 0);
}

/* The fortunes benchmark's page: 13 rows (12 held, 1 added per request),
 * sorted by message (bytes, so the <script> row comes first and the
 * Japanese one last), the script row arriving as text. */
Test(lesson14, fortunes_are_sorted_and_escaped)
{
    get("/fortunes", "");
    cr_assert_eq(r.status, 200, "%s", r.raw);
    has("Content-Type: text/html; charset=UTF-8");
    has("<!DOCTYPE html><html><head><title>Fortunes</title></head><body><table>"
        "<tr><th>id</th><th>message</th></tr><tr><td>11</td>");
    cr_expect_eq(count(r.body, "<tr><td>"), 13, "%s", r.body);
    has("<td>&lt;script&gt;alert(&quot;This should not be displayed in a browser alert "
        "box.&quot;);&lt;/script&gt;</td>");
    has("aren&#39;t broken.");
    hasnt("<script>");
    static const char *const order[] = {
        "<td>11</td>", "<td>4</td>", "<td>5</td>", "<td>2</td>", "<td>8</td>",
        "<td>0</td><td>Additional fortune added at request time.</td>",
        "<td>3</td>", "<td>7</td>", "<td>10</td>", "<td>6</td>", "<td>9</td>", "<td>1</td>",
        "<td>12</td><td>\u30d5\u30ec\u30fc\u30e0\u30ef\u30fc\u30af\u306e\u30d9\u30f3\u30c1\u30de\u30fc\u30af</td>"};
    const char *at = r.body;
    for (size_t i = 0; i < sizeof order / sizeof order[0]; i++) {
        const char *p = strstr(at, order[i]);
        cr_assert(p, "row %zu (%s) missing or out of order in:\n%s", i + 1, order[i], r.body);
        at = p + strlen(order[i]);
    }
    has("</table></body></html>");
}

Test(lesson14, methods_are_case_sensitive_get_in_lowercase_is_405_with_allow)
{
    const char *methods[] = {"get", "FOOBAR"};
    for (size_t i = 0; i < sizeof methods / sizeof methods[0]; i++) {
        char req[256];
        snprintf(req, sizeof req, "%s / HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n",
                 methods[i]);
        int fd = th_connect(server.port, 2000);
        cr_assert_geq(fd, 0);
        cr_assert_eq(th_send_str(fd, req), 0);
        cr_assert_geq(th_recv_until(fd, r.raw, sizeof r.raw, NULL, 8000), 0, "%s", methods[i]);
        close(fd);
        cr_assert_eq(strncmp(r.raw, "HTTP/1.1 405 Method Not Allowed\r\n", 33), 0, "%s:\n%s",
                     methods[i], r.raw);
        has("\r\nAllow: GET, HEAD\r\n");
    }
}
