/*
 * Exercise 14 tests: excerpt() and the Entry module, through a template
 * loader holding templates in memory.
 *
 * The site trusts excerpt() to shorten text by characters (not bytes, so
 * no UTF-8 character is cut in half), at a word boundary, and to refuse
 * arguments of the wrong kind; and trusts the module to draw each entry
 * with its own fragment (escaped like any template), show the whole body
 * only when asked, and put its CSS and JS into the page once however
 * many entries it draws.
 */
#include "entry.h"

#include <criterion/criterion.h>
#include <string.h>

static eddy_template_loader *loader;

/* static_url stand-in: the page needs no server to show where files go. */
static json_t *fake_static_url(eddy_template_ctx *t, size_t argc, json_t *const *argv)
{
    (void)t;
    (void)argc;
    return json_sprintf("/static/%s?v=test", json_string_value(argv[0]));
}

static void add(const char *name, const char *text)
{
    cr_assert_eq(eddy_template_add(loader, name, text, strlen(text)), 0);
}

static void setup(void)
{
    eddy_log_set_level(EDDY_LOG_NONE); /* a failing render logs in production */
    loader = eddy_template_loader_new(NULL, true);
    cr_assert_not_null(loader);
    cr_assert_eq(entry_register(loader), 0);
    cr_assert_eq(eddy_template_helper(loader, "static_url", fake_static_url), 0);
    add("modules/entry.html",
        "<e>{{ entry.title }}|{% if full %}{{ entry.body }}{% else %}short{% end %}</e>");
}

static void teardown(void)
{
    eddy_template_loader_free(loader);
}

TestSuite(ex14, .init = setup, .fini = teardown, .timeout = 10);

/* render - template text (added as "t.html") with ctx (JSON text); the
 * output, or "ERROR" if the render failed. */
static const char *render(const char *text, const char *ctx_json)
{
    static char out[8192];
    add("t.html", text);
    json_t *ctx = ctx_json ? json_loads(ctx_json, 0, NULL) : NULL;
    eddy_buf b = EDDY_BUF_INIT;
    int rc = eddy_template_render(loader, "t.html", ctx, NULL, &b);
    if (rc < 0)
        snprintf(out, sizeof out, "ERROR");
    else
        snprintf(out, sizeof out, "%.*s", (int)b.len, b.len ? b.data : "");
    eddy_buf_free(&b);
    json_decref(ctx);
    return out;
}

Test(ex14, excerpt_keeps_short_text_and_cuts_long_text_at_a_word)
{
    cr_expect_str_eq(render("{{ excerpt('hello world', 20) }}", NULL), "hello world");
    cr_expect_str_eq(render("{{ excerpt('hello world', 11) }}", NULL), "hello world");
    cr_expect_str_eq(render("{{ excerpt('hello brave new world', 12) }}", NULL), "hello brave...");
    cr_expect_str_eq(render("{{ excerpt('hello brave new world', 11) }}", NULL), "hello brave...");
    cr_expect_str_eq(render("{{ excerpt('abcdefghij', 4) }}", NULL), "abcd...");
    cr_expect_str_eq(render("{{ excerpt(nothing, 4) }}", "{\"nothing\":null}"), "");
    cr_expect_str_eq(render("{{ excerpt('abc', 0) }}", NULL), "...");
}

Test(ex14, excerpt_counts_characters_not_bytes)
{
    /* "é" is two bytes, "€" three: cut after 3 characters, not 3 bytes */
    cr_expect_str_eq(render("{{ excerpt('\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9', 3) }}", NULL),
                     "\xc3\xa9\xc3\xa9\xc3\xa9...");
    cr_expect_str_eq(render("{{ excerpt('\xe2\x82\xac\xe2\x82\xac', 2) }}", NULL),
                     "\xe2\x82\xac\xe2\x82\xac");
    cr_expect_str_eq(render("{{ excerpt('caf\xc3\xa9 au lait', 6) }}", NULL), "caf\xc3\xa9...");
}

Test(ex14, excerpt_refuses_bad_arguments)
{
    /* the loader is in debug mode: a failing helper fails the page */
    cr_expect_str_eq(render("{{ excerpt(3, 4) }}", NULL), "ERROR");
    cr_expect_str_eq(render("{{ excerpt('abc') }}", NULL), "ERROR");
    cr_expect_str_eq(render("{{ excerpt('abc', -1) }}", NULL), "ERROR");
    cr_expect_str_eq(render("{{ excerpt('abc', 'x') }}", NULL), "ERROR");
    cr_expect(strstr(eddy_template_loader_error(loader), "excerpt"), "%s",
              eddy_template_loader_error(loader));
}

Test(ex14, module_draws_each_entry_with_its_fragment_escaped)
{
    const char *ctx = "{\"es\":[{\"title\":\"<one>\",\"body\":\"b1\"},{\"title\":\"two\",\"body\":\"b2\"}]}";
    cr_expect_str_eq(render("{% for e in es %}{% module Entry(e) %}{% end %}", ctx),
                     "<link href=\"/static/entry.css?v=test\" type=\"text/css\" rel=\"stylesheet\"/>\n"
                     "<e>&lt;one&gt;|short</e><e>two|short</e>"
                     "<script src=\"/static/entry.js?v=test\" type=\"text/javascript\"></script>\n");
    cr_expect(strstr(render("{% module Entry(es[1], true) %}", ctx), "<e>two|b2</e>"), "%s",
              render("{% module Entry(es[1], true) %}", ctx));
    cr_expect(strstr(render("{% module Entry(es[1], false) %}", ctx), "<e>two|short</e>"));
}

Test(ex14, module_css_and_js_are_injected_once_per_page)
{
    const char *ctx = "{\"es\":[{\"title\":\"a\"},{\"title\":\"b\"},{\"title\":\"c\"}]}";
    cr_expect_str_eq(
        render("<html><head></head><body>{% for e in es %}{% module Entry(e) %}{% end %}"
               "</body></html>",
               ctx),
        "<html><head>"
        "<link href=\"/static/entry.css?v=test\" type=\"text/css\" rel=\"stylesheet\"/>\n"
        "</head><body><e>a|short</e><e>b|short</e><e>c|short</e>"
        "<script src=\"/static/entry.js?v=test\" type=\"text/javascript\"></script>\n"
        "</body></html>");
}

Test(ex14, module_refuses_what_is_not_an_entry)
{
    cr_expect_str_eq(render("{% module Entry(1) %}", NULL), "ERROR");
    cr_expect_str_eq(render("{% module Entry() %}", NULL), "ERROR");
    cr_expect(strstr(eddy_template_loader_error(loader), "Entry"), "%s",
              eddy_template_loader_error(loader));
}
