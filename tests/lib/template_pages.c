/*
 * Tests of lib/template and lib/render on whole pages: an XSS corpus
 * through every place a value can land, the HTML escape at every offset,
 * inheritance three levels deep, include, names confined to the root, the
 * loader's cache and debug reload, UI modules with their CSS and JS, and
 * pages rendered through a real app request.
 */
#include "harness.h"
#include "serve_thread.h"
#include "template_test.h"

#include <eddy/async/future.h>
#include <eddy/base/log.h>
#include <eddy/web/handler.h>
#include <eddy/web/render.h>
#include <eddy/web/static.h>
#include <eddy/web/template.h>

#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

TestSuite(template_xss, .timeout = 30);
TestSuite(template_files, .init = make_dir, .fini = remove_dir, .timeout = 30);

/* ------------------------------------------------------------ XSS */

/* The escape tests sixteen bytes at a time: every special byte at every
 * offset of a long text, against the plain one-byte-at-a-time rule. */
Test(template_xss, html_escape_finds_every_special_byte_at_every_offset)
{
    static const char specials[] = {'&', '<', '>', '"', '\'', '\0', 'x'};
    static const char *const entities[] = {"&amp;", "&lt;",         "&gt;", "&quot;",
                                           "&#39;", "\xEF\xBF\xBD", "x"};
    char text[70];
    for (size_t len = 0; len <= sizeof text; len++)
        for (size_t at = 0; at < len; at++)
            for (size_t k = 0; k < sizeof specials; k++) {
                memset(text, 'a', len);
                text[at] = specials[k];
                if (at + 17 < len)
                    text[at + 17] = '<'; /* a second one, in the next block */
                eddy_buf got = EDDY_BUF_INIT, want = EDDY_BUF_INIT;
                cr_assert_eq(eddy_xhtml_escape_to(&got, text, len), 0);
                for (size_t i = 0; i < len; i++) {
                    const char *e = NULL;
                    for (size_t j = 0; j < sizeof specials - 1 && !e; j++)
                        if (text[i] == specials[j])
                            e = entities[j];
                    if (e)
                        eddy_buf_append_str(&want, e);
                    else
                        eddy_buf_append_char(&want, text[i]);
                }
                cr_assert_eq(got.len, want.len, "len %zu, %d at %zu", len, specials[k], at);
                cr_assert(got.len == 0 || memcmp(got.data, want.data, got.len) == 0,
                          "len %zu, %d at %zu", len, specials[k], at);
                eddy_buf_free(&got);
                eddy_buf_free(&want);
            }
}

/* The escape also says whether the text was all ASCII (so a caller checks
 * UTF-8 only when it was not): a high byte at any offset, short or long. */
Test(template_xss, html_escape_says_whether_the_text_was_ascii)
{
    char text[5000];
    static const size_t lens[] = {0, 1, 15, 16, 17, 40, 4096, 4097, 5000};
    for (size_t l = 0; l < sizeof lens / sizeof *lens; l++) {
        size_t len = lens[l];
        memset(text, '<', len);
        for (size_t at = 0; at <= len; at += len > 100 ? 997 : 1) {
            if (at < len)
                text[at] = (char)0xC3;
            eddy_buf out = EDDY_BUF_INIT;
            bool ascii = true;
            cr_assert_eq(eddy_xhtml_escape_ascii_to(&out, text, len, &ascii), 0);
            cr_assert_eq(ascii, at == len, "len %zu, high byte at %zu", len, at);
            cr_assert_eq(out.len, len * 4 - (at < len ? 3 : 0));
            eddy_buf_free(&out);
            if (at < len)
                text[at] = '<';
        }
    }
}

/* Short text is escaped in place into room for the worst case, long text
 * piece by piece; both must write the same, after what the buffer holds
 * already, NUL-terminated, and a limit that the escaped text fits under
 * must not fail because the worst case would not have. */
Test(template_xss, html_escape_writes_the_same_short_long_and_near_a_limit)
{
    for (size_t len = 100; len <= 9000; len += 4450) {
        char *text = malloc(len);
        cr_assert_not_null(text);
        for (size_t i = 0; i < len; i++)
            text[i] = i % 7 == 3 ? '<' : i % 11 == 5 ? '"' : 'a';
        eddy_buf got = EDDY_BUF_INIT, want = EDDY_BUF_INIT;
        eddy_buf_append_str(&got, "head:");
        eddy_buf_append_str(&want, "head:");
        cr_assert_eq(eddy_xhtml_escape_to(&got, text, len), 0);
        for (size_t i = 0; i < len; i++)
            eddy_buf_append_str(&want, text[i] == '<' ? "&lt;" : text[i] == '"' ? "&quot;" : "a");
        cr_assert_eq(got.len, want.len, "len %zu", len);
        cr_assert_eq(memcmp(got.data, want.data, got.len), 0, "len %zu", len);
        cr_assert_eq(got.data[got.len], '\0');
        eddy_buf limited = EDDY_BUF_INIT;
        limited.limit = want.len; /* exactly enough, far less than six bytes a byte */
        eddy_buf_append_str(&limited, "head:");
        cr_assert_eq(eddy_xhtml_escape_to(&limited, text, len), 0, "len %zu", len);
        cr_assert_eq(limited.len, want.len);
        cr_assert_eq(memcmp(limited.data, want.data, limited.len), 0);
        eddy_buf_free(&got);
        eddy_buf_free(&want);
        eddy_buf_free(&limited);
        free(text);
    }
}

/* Each payload goes through {{ }}, an attribute, url_escape inside an
 * href and json_encode inside <script>; none may leave a raw <, >, quote
 * or a closing script tag where it lands. */
Test(template_xss, xss_corpus)
{
    static const struct {
        const char *s;
        size_t n;
    } payloads[] = {
#define P(s) {s, sizeof(s) - 1}
        P("<script>alert(1)</script>"),
        P("\"><script>alert(1)</script>"),
        P("'><img src=x onerror=alert(1)>"),
        P("\" onmouseover=\"alert(1)"),
        P("' onfocus='alert(1)' autofocus='"),
        P("javascript:alert(1)"),
        P("JaVaScRiPt:alert(1)"),
        P("java\tscript:alert(1)"),
        P("data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg=="),
        P("</script><script>alert(1)</script>"),
        P("</SCRIPT ><script>alert(1)</script>"),
        P("<!--<script>"),
        P("]]><script>alert(1)</script>"),
        P("<svg/onload=alert(1)>"),
        P("<iframe src=\"javascript:alert(1)\">"),
        P("<a href='javascript:alert(1)'>x</a>"),
        P("&lt;script&gt;"),
        P("&#60;script&#62;"),
        P("%3Cscript%3Ealert(1)%3C/script%3E"),
        P("\\u003cscript\\u003e"),
        P("<scr<script>ipt>alert(1)</scr</script>ipt>"),
        P("\xef\xbc\x9c"
          "script\xef\xbc\x9e"), /* fullwidth < and > */
        P("\xe2\x80\xa8"
          "alert(1)\xe2\x80\xa9"), /* JS line separators */
        P("<img src=`x` onerror=alert(1)>"),
        P("{{ 7 * 7 }}"),
        P("{% raw '<b>' %}"),
        P("<style>@import 'x';</style>"),
        P("<body onload=alert(1)>"),
        P("\"\"''<<>>&&"),
        P("<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>"),
        P("<base href=\"http://evil/\">"),
        P("<meta http-equiv=\"refresh\" content=\"0;url=javascript:alert(1)\">"),
        P("-->'\"<x>"),
        P("<x onclick=alert(1)//"),
        P("' + alert(1) + '"),
        P("\"; alert(1); var x=\""),
        P("</title><script>alert(1)</script>"),
        P("</textarea><script>alert(1)</script>"),
        P("<object data=\"javascript:alert(1)\">"),
        P("\x01\x7f<\x00"),
        P("\x01\x7f<\x00\"x"), /* control bytes and a NUL */
        P("\xc0\xbc"
          "script\xc0\xbe"), /* overlong < >: not UTF-8 at all */
        P("\xff\xfe<\xed\xa0\x80>"),
#undef P
    };
    /* production mode: json_encode of bytes that are not UTF-8 renders nothing */
    eddy_log_set_level(EDDY_LOG_NONE);
    eddy_template_loader *l = mem_loader(false);
    const char *src =
        "<p>{{ p }}</p><a title=\"{{ p }}\" data-x='{{ p }}' href=\"/s?q={{ url_escape(p) }}\">"
        "</a><script>var v = {% raw json_encode(p) %}; var o = {% raw json_encode(o) %};</script>";
    eddy_template_add(l, "x.html", src, strlen(src));
    for (size_t i = 0; i < sizeof payloads / sizeof payloads[0]; i++) {
        json_t *ctx = json_object(), *o = json_object();
        json_object_set_new(ctx, "p", json_stringn_nocheck(payloads[i].s, payloads[i].n));
        json_object_set_new(o, "k", json_stringn_nocheck(payloads[i].s, payloads[i].n));
        json_object_set_new(ctx, "o", o);
        eddy_buf out = EDDY_BUF_INIT;
        cr_assert_eq(eddy_template_render(l, "x.html", ctx, NULL, &out), 0);
        json_decref(ctx);
        /* Cut the page at the places we wrote: what lies between must be inert. */
        const char *html = out.data;
        const char *p_end = strstr(html, "</p>");
        const char *script = strstr(html, "<script>");
        const char *script_end = strstr(html, "</script>");
        cr_assert(p_end && script && script_end, "payload %zu broke the page: %s", i, html);
        cr_expect_eq(strcmp(script_end, "</script>"), 0, "payload %zu closed the script: %s", i,
                     html);
        cr_expect_eq(strchr(html + 1, '<'), p_end, "payload %zu put a tag in <p>: %s", i, html);
        /* the markup we wrote is all the markup there is: count the < and " */
        size_t lt = 0, quotes = 0, apos = 0;
        for (const char *c = html; *c; c++) {
            lt += *c == '<' && (c <= script || c >= script_end);
            quotes += *c == '"' && c < script;
            apos += *c == '\'' && c < script;
        }
        cr_expect_eq(lt, 6, "payload %zu: %zu tags in %s", i, lt, html);
        cr_expect_eq(quotes, 4, "payload %zu: %zu quotes in %s", i, quotes, html);
        cr_expect_eq(apos, 2, "payload %zu: %zu apostrophes in %s", i, apos, html);
        const char *href = strstr(html, "href=\"/s?q=");
        for (const char *c = href + 11; *c != '"'; c++)
            cr_expect(
                strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.~+%", *c),
                "payload %zu: %c in the URL", i, *c);
        /* inside the script (json_encode, as Tornado's): printable ASCII
         * only, so no line separators; no "</" to close the element and
         * no "<!--" to open an escaped text that would hide its end */
        const char *in = script + 8;
        size_t in_len = (size_t)(script_end - in);
        for (const char *c = in; c < script_end; c++)
            cr_expect(*c >= 0x20 && *c < 0x7f, "payload %zu: byte %#x in the script: %s", i,
                      (unsigned char)*c, html);
        cr_expect_null(memmem(in, in_len, "</", 2), "payload %zu: %s", i, html);
        cr_expect_null(memmem(in, in_len, "<!--", 4), "payload %zu: %s", i, html);
        eddy_buf_free(&out);
    }
    eddy_template_loader_free(l);
    eddy_log_set_level(EDDY_LOG_INFO);
}

/* ------------------------------------------------------------ files: inheritance, include */

Test(template_files, inheritance_three_levels)
{
    write_file("base.html", "<html><head><title>{% block title %}Site{% end %}</title></head>\n"
                            "<body>{% block body %}base body{% end %}|{% block footer %}(c) base{% "
                            "end %}</body></html>\n");
    write_file("layout.html",
               "{% extends \"base.html\" %}ignored text\n"
               "{% block title %}Layout - {% block subtitle %}none{% end %}{% end %}\n"
               "{% block body %}<main>{% block main %}layout main{% end %}</main>{% end %}");
    write_file("page.html", "{% extends 'layout.html' %}\n"
                            "{% block subtitle %}{{ name }}{% end %}\n"
                            "{% block main %}hello {{ name }}{% end %}");
    eddy_template_loader *l = eddy_template_loader_new(dir, false);
    cr_assert_not_null(l);
    expect_in(l, "page.html", "{\"name\":\"<Ann>\"}",
              "<html><head><title>Layout - &lt;Ann&gt;</title></head>\n"
              "<body><main>hello &lt;Ann&gt;</main>|(c) base</body></html>\n");
    expect_in(l, "layout.html", "{}",
              "<html><head><title>Layout - none</title></head>\n"
              "<body><main>layout main</main>|(c) base</body></html>\n");
    expect_in(l, "base.html", "{}",
              "<html><head><title>Site</title></head>\n<body>base body|(c) base</body></html>\n");
    eddy_template_loader_free(l);
}

Test(template_files, include_relative_and_shared_names)
{
    write_file("admin/page.html", "{% set who = 'admin' %}[{% include 'nav.html' %}]"
                                  "[{% include '/nav.html' %}][{% include '../nav.html' %}]");
    write_file("admin/nav.html", "admin nav for {{ who }}");
    write_file("nav.html", "root nav {{ who }}");
    eddy_template_loader *l = eddy_template_loader_new(dir, true);
    expect_in(l, "admin/page.html", "{}", "[admin nav for admin][root nav admin][root nav admin]");
    eddy_template_loader_free(l);
}

Test(template_files, include_cycles_and_missing_files_are_errors)
{
    write_file("loop.html", "x{% include 'loop.html' %}");
    write_file("missing.html", "a\n{% include 'gone.html' %}");
    write_file("ext1.html", "{% extends 'ext2.html' %}");
    write_file("ext2.html", "{% extends 'ext1.html' %}");
    eddy_template_loader *l = eddy_template_loader_new(dir, false);
    char *s = render_in(l, "loop.html", "{}");
    cr_expect_str_eq(s, "ERROR: loop.html:1:5: includes nested too deeply (a cycle?)\n"
                        "    x{% include 'loop.html' %}\n        ^");
    free(s);
    expect_in(
        l, "missing.html", "{}",
        "ERROR: missing.html:2:4: template \"gone.html\" not found: No such file or directory\n"
        "    {% include 'gone.html' %}\n       ^");
    write_file("ext3.html", "{% extends 'nope.html' %}");
    expect_in(l, "ext3.html", "{}",
              "ERROR: ext3.html:1:4: template \"nope.html\" not found: No such file or directory\n"
              "    {% extends 'nope.html' %}\n       ^");
    write_file("bad.html", "{% include 'worse.html' %}");
    write_file("worse.html", "\n\n  {{ ) }}");
    expect_in(l, "bad.html", "{}",
              "ERROR: worse.html:3:6: unexpected \")\"\n      {{ ) }}\n         ^");
    s = render_in(l, "ext1.html", "{}");
    cr_expect(strstr(s, "extends nested too deeply (a cycle?)"), "%s", s);
    free(s);
    eddy_template_loader_free(l);
}

Test(template_files, nothing_outside_the_root)
{
    write_file("in/ok.html", "ok");
    write_file("secret.html", "secret");
    char inner[128], link[160];
    snprintf(inner, sizeof inner, "%s/in", dir);
    snprintf(link, sizeof link, "%s/in/link.html", dir);
    cr_assert_eq(symlink("../secret.html", link), 0);
    eddy_template_loader *l = eddy_template_loader_new(inner, true);
    expect_in(l, "ok.html", "{}", "ok");
    expect_in(l, "../secret.html", "{}",
              "ERROR: template \"../secret.html\" is outside the template root");
    expect_in(l, "a/../../secret.html", "{}",
              "ERROR: template \"a/../../secret.html\" is outside the template root");
    expect_in(l, "link.html", "{}", "ERROR: template \"link.html\" is outside the template root");
    eddy_template_loader_free(l);
}

Test(template_files, production_caches_debug_reloads_on_change)
{
    write_file("c.html", "one {{ x }}");
    eddy_template_loader *prod = eddy_template_loader_new(dir, false);
    eddy_template_loader *dbg = eddy_template_loader_new(dir, true);
    expect_in(prod, "c.html", "{\"x\":1}", "one 1");
    expect_in(dbg, "c.html", "{\"x\":1}", "one 1");
    write_file("c.html", "two {{ x }}!");
    /* Make sure the mtime differs even on a coarse clock. */
    char path[128];
    snprintf(path, sizeof path, "%s/c.html", dir);
    struct timespec times[2] = {{.tv_sec = 1000000000}, {.tv_sec = 1000000000}};
    cr_assert_eq(utimensat(AT_FDCWD, path, times, 0), 0);
    expect_in(prod, "c.html", "{\"x\":1}", "one 1");
    expect_in(dbg, "c.html", "{\"x\":1}", "two 1!");
    /* a broken edit is reported; the fix is picked up */
    write_file("c.html", "{% if %}");
    times[0].tv_sec = times[1].tv_sec = 1000000001;
    utimensat(AT_FDCWD, path, times, 0);
    expect_in(dbg, "c.html", "{}",
              "ERROR: c.html:1:4: \"if\" needs a condition\n    {% if %}\n       ^");
    write_file("c.html", "three");
    times[0].tv_sec = times[1].tv_sec = 1000000002;
    utimensat(AT_FDCWD, path, times, 0);
    expect_in(dbg, "c.html", "{}", "three");
    eddy_template_loader_free(prod);
    eddy_template_loader_free(dbg);
}

/* ------------------------------------------------------------ UI modules */

static int entry_module(eddy_template_ctx *t, size_t argc, json_t *const *argv)
{
    if (argc != 1 || !json_is_object(argv[0])) {
        eddy_template_fail(t, "Entry wants a post");
        return -1;
    }
    eddy_template_css_file(t, "entry.css");
    eddy_template_css_file(t, "/abs/common.css");
    eddy_template_css(t, ".entry { color: red }");
    eddy_template_js_file(t, "https://cdn.example/entry.js");
    eddy_template_js(t, "initEntries();");
    json_t *ctx = json_pack("{s:O}", "post", argv[0]);
    int rc = eddy_template_render_part(t, "modules/entry.html", ctx);
    json_decref(ctx);
    return rc;
}

static int badge_module(eddy_template_ctx *t, size_t argc, json_t *const *argv)
{
    (void)argc;
    (void)argv;
    eddy_template_js(t, "initEntries();"); /* the same text again: once in the page */
    eddy_template_js_file(t, "badge.js");
    return eddy_template_write(t, "<b>badge</b>", 12);
}

static json_t *versioned_static_url(eddy_template_ctx *t, size_t argc, json_t *const *argv)
{
    (void)t;
    (void)argc;
    char buf[256];
    snprintf(buf, sizeof buf, "/static/%s?v=abc", json_string_value(argv[0]));
    return json_string(buf);
}

Test(template_files, modules_render_and_inject_css_and_js_once)
{
    write_file("page.html",
               "<html><head><title>t</title></head><body>\n"
               "{% for p in posts %}{% module Entry(p) %}{% end %}{% module Badge() %}\n"
               "</body></html>");
    write_file("modules/entry.html", "<div class=\"entry\">{{ post.title }}</div>");
    eddy_template_loader *l = eddy_template_loader_new(dir, true);
    cr_assert_eq(eddy_template_module(l, "Entry", entry_module), 0);
    cr_assert_eq(eddy_template_module(l, "Badge", badge_module), 0);
    cr_assert_eq(eddy_template_helper(l, "static_url", versioned_static_url), 0);
    expect_in(l, "page.html", "{\"posts\":[{\"title\":\"<one>\"},{\"title\":\"two\"}]}",
              "<html><head><title>t</title>"
              "<link href=\"/static/entry.css?v=abc\" type=\"text/css\" rel=\"stylesheet\"/>\n"
              "<link href=\"/abs/common.css\" type=\"text/css\" rel=\"stylesheet\"/>\n"
              "<style type=\"text/css\">\n.entry { color: red }\n</style>\n"
              "</head><body>\n"
              "<div class=\"entry\">&lt;one&gt;</div><div class=\"entry\">two</div><b>badge</b>\n"
              "<script src=\"https://cdn.example/entry.js\" type=\"text/javascript\"></script>\n"
              "<script src=\"/static/badge.js?v=abc\" type=\"text/javascript\"></script>\n"
              "<script type=\"text/javascript\">\n//<![CDATA[\ninitEntries();\n//]]>\n</script>\n"
              "</body></html>");
    /* a module that fails names itself and where it was called */
    write_file("bad.html", "x {% module Entry(1) %}");
    expect_in(
        l, "bad.html", "{}",
        "ERROR: bad.html:1:13: module Entry: Entry wants a post\n    x {% module Entry(1) %}\n"
        "                ^");
    /* a fragment without </head> and </body>: CSS first, JS last */
    write_file("frag.html", "{% module Badge() %}");
    expect_in(
        l, "frag.html", "{}",
        "<b>badge</b><script src=\"/static/badge.js?v=abc\" type=\"text/javascript\"></script>\n"
        "<script type=\"text/javascript\">\n//<![CDATA[\ninitEntries();\n//]]>\n</script>\n");
    eddy_template_loader_free(l);
}

static json_t *failing_static_url(eddy_template_ctx *t, size_t argc, json_t *const *argv)
{
    (void)argc;
    eddy_template_fail(t, "no file %s", json_string_value(argv[0]));
    return NULL;
}

Test(template_files, a_failing_static_url_for_a_module_file_fails_the_page_in_debug)
{
    eddy_template_loader *l = mem_loader(true);
    eddy_template_module(l, "Badge", badge_module);
    eddy_template_helper(l, "static_url", failing_static_url);
    const char *src = "<body>{% module Badge() %}</body>";
    eddy_template_add(l, "b.html", src, strlen(src));
    expect_in(l, "b.html", NULL,
              "ERROR: b.html:1:1: static_url(): no file badge.js\n"
              "    <body>{% module Badge() %}</body>\n    ^");
    eddy_template_loader_free(l);
}

/* ------------------------------------------------------------ through an app */

static serve_thread st;
static eddy_app *app;
static eddy_template_loader *tl;
static eddy_static *files;

static void page_get(eddy_req *r)
{
    eddy_render(r, "page.html", json_pack("{s:s,s:[s,s]}", "title", "<Hello>", "tags", "a&b", "c"));
}

static void broken_get(eddy_req *r)
{
    eddy_render(r, "broken.html", NULL);
}

/* A page renders into the response body after what the handler wrote. */
static void prefixed_get(eddy_req *r)
{
    eddy_write_str(r, "<!-- first -->");
    eddy_render(r, "base.html", NULL);
}

static json_t *user_from_cookie(eddy_template_ctx *t)
{
    const char *name = eddy_get_cookie(eddy_template_user(t), "user", NULL);
    return name ? json_pack("{s:s}", "name", name) : json_null();
}

static const eddy_handler page = {.get = page_get};
static const eddy_handler broken = {.get = broken_get};
static const eddy_handler prefixed = {.get = prefixed_get};

static void app_start(void)
{
    make_dir();
    write_file("base.html", "<html><head></head><body>{% block body %}{% end %}</body></html>");
    write_file("page.html",
               "{% extends 'base.html' %}{% block body %}<h1>{{ title }}</h1>"
               "{% for t in tags %}<a href=\"{{ reverse_url('tag', t) }}\">{{ t }}</a>{% end %}"
               "<img src=\"{{ static_url('logo v1.png') }}\">[{% raw xsrf_form_html() %}]"
               "{% if current_user %}hi {{ current_user.name }}{% else %}guest{% end %} "
               "at {{ request_path }}{% end %}");
    write_file("broken.html", "a\n{{ nope }}");
    write_file("logo v1.png", "png!");
    tl = eddy_template_loader_new(dir, true);
    cr_assert_not_null(tl);
    cr_assert_eq(eddy_template_global(tl, "current_user", user_from_cookie), 0);
    app = eddy_app_new();
    eddy_app_set_templates(app, tl);
    cr_assert_eq(eddy_route(app, "/page", &page, NULL), 0);
    cr_assert_eq(eddy_route(app, "/broken", &broken, NULL), 0);
    cr_assert_eq(eddy_route(app, "/prefixed", &prefixed, NULL), 0);
    cr_assert_eq(eddy_route(app, "/tag/([^/]+)", &page, "tag"), 0);
    files = eddy_static_new(dir, NULL);
    cr_assert_not_null(files);
    cr_assert_eq(eddy_static_route(app, "/static/(.*)", files, "static"), 0);
    serve_thread_init(&st);
    st.app = app;
    cr_assert_eq(serve_thread_start(&st), 0);
}

static void app_stop(void)
{
    serve_thread_stop(&st);
    eddy_app_free(app);
    eddy_static_free(files);
    eddy_thread_pool_shutdown(); /* static_url hashed files on the pool */
    eddy_template_loader_free(tl);
    remove_dir();
}

TestSuite(template_app, .init = app_start, .fini = app_stop, .timeout = 30);

static char *ask(const char *raw)
{
    return serve_thread_ask(&st, raw);
}

Test(template_app, a_page_through_a_request)
{
    char *r = ask("GET /page HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
    cr_expect(strstr(r, "HTTP/1.1 200 OK\r\n"), "%s", r);
    cr_expect(strstr(r, "Content-Type: text/html; charset=UTF-8\r\n"), "%s", r);
    const char *body = strstr(r, "\r\n\r\n") + 4;
    /* static_url: the app's static files, versioned by content */
    char want[512];
    snprintf(want, sizeof want,
             "<html><head></head><body><h1>&lt;Hello&gt;</h1>"
             "<a href=\"/tag/a%%26b\">a&amp;b</a><a href=\"/tag/c\">c</a>"
             "<img src=\"/static/logo%%20v1.png?v=%s\">[]guest at /page</body></html>",
             "53ec22c455168e29");
    cr_expect_str_eq(body, want);
    r = ask("GET /page HTTP/1.1\r\nHost: t\r\nCookie: user=<ann>\r\nConnection: close\r\n\r\n");
    cr_expect(strstr(r, "hi &lt;ann&gt; at /page</body>"), "%s", r);
}

Test(template_app, a_page_follows_what_the_handler_wrote)
{
    char *r = ask("GET /prefixed HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
    cr_expect(strstr(r, "Content-Length: 53\r\n"), "%s", r);
    cr_expect_str_eq(strstr(r, "\r\n\r\n") + 4,
                     "<!-- first --><html><head></head><body></body></html>");
}

Test(template_app, a_failed_render_is_a_500_with_the_reason_in_debug)
{
    eddy_log_set_level(EDDY_LOG_NONE);
    char *r = ask("GET /broken HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
    cr_expect(strstr(r, "HTTP/1.1 500 Internal Server Error\r\n"), "%s", r);
    cr_expect(
        strstr(
            r,
            "<pre>broken.html:2:4: unknown name &quot;nope&quot;\n    {{ nope }}\n       ^</pre>"),
        "%s", r);
    cr_expect_null(strstr(r, "\r\n\r\na\n"), "%s", r);
}
