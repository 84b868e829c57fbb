/*
 * Tests of lib/template against Tornado's template language: while, try,
 * for-else, break and continue, keyword arguments, the loader's
 * autoescape and whitespace, url_escape, json_encode, squeeze, linkify
 * and the whitespace filter, each compared byte for byte with what real
 * Tornado renders for the same templates and names when Debian's
 * python3-tornado is installed (scripts/deps.sh core bench); then keyword
 * arguments as C helpers and modules receive them, and the loader's
 * settings changed after templates were compiled. Errors of these parts
 * are in template_errors.c.
 */
#include "harness.h"

#include <eddy/web/template.h>

#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The tables of cases below leave out what they do not need (a context,
 * the loader's settings): NULL, as C fills them. */
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

/* ------------------------------------------------------------ rendering here and in Tornado */

/* A case: templates (name, source, ... NULL), the one to render, the
 * context as JSON, and the loader's settings as Tornado's keyword
 * arguments (JSON: {"autoescape": null, "whitespace": "oneline"}). */
struct tcase {
    const char *templates[8];
    const char *ctx;
    const char *loader; /* NULL: Tornado's defaults */
};

static json_t *parse_json(const char *text)
{
    json_error_t je;
    json_t *v = json_loads(text, JSON_DECODE_ANY, &je);
    cr_assert_not_null(v, "bad JSON in the test: %s: %s", text, je.text);
    return v;
}

/* render_here - the case through our loader: the output, or "ERROR: "
 * and the message. Freed by the caller. */
static char *render_here(const struct tcase *c)
{
    eddy_template_loader *l = eddy_template_loader_new(NULL, true);
    cr_assert_not_null(l);
    if (c->loader) {
        json_t *opts = parse_json(c->loader), *v;
        if ((v = json_object_get(opts, "autoescape")))
            cr_assert_eq(eddy_template_set_autoescape(l, json_string_value(v)), 0);
        if ((v = json_object_get(opts, "whitespace")))
            cr_assert_eq(eddy_template_set_whitespace(l, json_string_value(v)), 0);
        json_decref(opts);
    }
    for (size_t i = 0; c->templates[i]; i += 2)
        cr_assert_eq(
            eddy_template_add(l, c->templates[i], c->templates[i + 1], strlen(c->templates[i + 1])),
            0);
    json_t *ctx = parse_json(c->ctx ? c->ctx : "{}");
    eddy_buf out = EDDY_BUF_INIT;
    char *s;
    if (eddy_template_render(l, c->templates[0], ctx, NULL, &out) == 0) {
        s = strdup(out.data ? out.data : "");
    } else {
        const char *e = eddy_template_loader_error(l);
        s = malloc(strlen(e) + 8);
        sprintf(s, "ERROR: %s", e);
    }
    eddy_buf_free(&out);
    json_decref(ctx);
    eddy_template_loader_free(l);
    return s;
}

static const char tornado_script[] =
    "import json, sys\n"
    "import tornado.template\n"
    "out = []\n"
    "for case in json.load(open(sys.argv[1], encoding='utf-8')):\n"
    "    loader = tornado.template.DictLoader(case['templates'], **case['loader'])\n"
    "    try:\n"
    "        page = loader.load(case['name']).generate(**case['ctx'])\n"
    "        out.append(page.decode('utf-8'))\n"
    "    except Exception as e:\n"
    "        out.append('EXCEPTION %s' % type(e).__name__)\n"
    "json.dump(out, open(sys.argv[2], 'w', encoding='utf-8'))\n";

/* python - Debian's python3, where python3-tornado installs (a python3
 * first on PATH may be another); EDDY_TEST_PYTHON chooses another. */
static const char *python(void)
{
    const char *env = getenv("EDDY_TEST_PYTHON");
    if (env && *env)
        return env;
    return access("/usr/bin/python3", X_OK) == 0 ? "/usr/bin/python3" : "python3";
}

/* tornado_ready - whether tornado.template can be imported here. */
static bool tornado_ready(void)
{
    char *out = NULL;
    char *argv[] = {(char *)python(), "-c", "import tornado.template", NULL};
    int status = th_run(argv, 20000, &out);
    free(out);
    return status == 0;
}

/* render_tornado - every case rendered by Tornado, as an array of strings
 * (an exception as "EXCEPTION NameError"). */
static json_t *render_tornado(const struct tcase *cases, size_t n)
{
    json_t *spec = json_array();
    for (size_t i = 0; i < n; i++) {
        json_t *tpls = json_object();
        for (size_t k = 0; cases[i].templates[k]; k += 2)
            json_object_set_new(tpls, cases[i].templates[k],
                                json_string(cases[i].templates[k + 1]));
        json_array_append_new(
            spec, json_pack("{s:o,s:s,s:o,s:o}", "templates", tpls, "name", cases[i].templates[0],
                            "ctx", parse_json(cases[i].ctx ? cases[i].ctx : "{}"), "loader",
                            parse_json(cases[i].loader ? cases[i].loader : "{}")));
    }
    char dir[] = "/tmp/eddy-tornado-XXXXXX", script[64], in[64], result[64];
    cr_assert_not_null(mkdtemp(dir));
    snprintf(script, sizeof script, "%s/render.py", dir);
    snprintf(in, sizeof in, "%s/cases.json", dir);
    snprintf(result, sizeof result, "%s/out.json", dir);
    FILE *f = fopen(script, "w");
    cr_assert_not_null(f);
    fputs(tornado_script, f);
    fclose(f);
    cr_assert_eq(json_dump_file(spec, in, 0), 0);
    json_decref(spec);
    char *out = NULL;
    char *argv[] = {(char *)python(), script, in, result, NULL};
    int status = th_run(argv, 60000, &out);
    cr_assert_eq(status, 0, "Tornado failed: %s", out ? out : "");
    free(out);
    json_error_t je;
    json_t *pages = json_load_file(result, 0, &je);
    cr_assert(json_is_array(pages) && json_array_size(pages) == n, "Tornado's output: %s", je.text);
    unlink(script);
    unlink(in);
    unlink(result);
    rmdir(dir);
    return pages;
}

/* same_as_tornado - each case renders here as it does in Tornado (and as
 * want says, when given: the expectation stands even where Tornado is
 * not installed). */
static void same_as_tornado(const struct tcase *cases, const char *const *want, size_t n)
{
    bool as_expected = true;
    for (size_t i = 0; i < n; i++) {
        if (!want || !want[i])
            continue;
        char *got = render_here(&cases[i]);
        as_expected &= strcmp(got, want[i]) == 0;
        cr_expect_str_eq(got, want[i], "%s\n  want: [%s]\n  got:  [%s]", cases[i].templates[1],
                         want[i], got);
        free(got);
    }
    if (!tornado_ready()) {
        if (as_expected) /* a failure above stands: no skip hides it */
            cr_skip("Tornado is not importable by %s (install python3-tornado: scripts/deps.sh "
                    "core bench); checked only against the expected text",
                    python());
        return;
    }
    json_t *pages = render_tornado(cases, n);
    for (size_t i = 0; i < n; i++) {
        char *got = render_here(&cases[i]);
        const char *theirs = json_string_value(json_array_get(pages, i));
        cr_expect_str_eq(got, theirs, "case %zu: %s\n  Tornado: [%s]\n  ours:    [%s]", i,
                         cases[i].templates[1], theirs, got);
        free(got);
    }
    json_decref(pages);
}

#define N(a) (sizeof(a) / sizeof((a)[0]))

TestSuite(template_tornado, .timeout = 60);

/* ------------------------------------------------------------ loops */

Test(template_tornado, while_loops_with_break_continue_and_else)
{
    static const struct tcase cases[] = {
        {{"t.html", "{% set i = 0 %}{% while i < 5 %}{% set i = i + 1 %}"
                    "{% if i == 2 %}{% continue %}{% end %}{% if i == 4 %}{% break %}{% end %}"
                    "{{ i }}{% end %}"}},
        {{"t.html", "{% set i = 0 %}{% while i < 3 %}{{ i }}{% set i = i + 1 %}"
                    "{% else %}:done{% end %}"}},
        {{"t.html", "{% set i = 0 %}{% while i < 3 %}{{ i }}{% set i = i + 1 %}"
                    "{% if i == 2 %}{% break %}{% end %}{% else %}:done{% end %}"}},
        {{"t.html", "{% set ys = xs %}{% while ys %}{{ ys[0] }}{% set ys = ys[1] %}{% end %}"},
         "{\"xs\":[\"a\",[\"b\",[\"c\",[]]]]}"},
    };
    static const char *const want[] = {"13", "012:done", "01", "abc"};
    same_as_tornado(cases, want, N(cases));
}

Test(template_tornado, for_else_runs_when_no_break_left_the_loop)
{
    static const struct tcase cases[] = {
        {{"t.html", "{% for x in xs %}{{ x }}{% if x == 2 %}{% break %}{% end %}"
                    "{% else %}:all{% end %}"},
         "{\"xs\":[1,2,3]}"},
        {{"t.html", "{% for x in xs %}{{ x }}{% if x == 2 %}{% break %}{% end %}"
                    "{% else %}:all{% end %}"},
         "{\"xs\":[1,3]}"},
        {{"t.html", "{% for x in xs %}{{ x }}{% else %}empty{% end %}"}, "{\"xs\":[]}"},
        {{"t.html", "{% for x in [1, 2, 3] %}{% if x == 2 %}{% continue %}{% end %}{{ x }}"
                    "{% else %}:{{ x }}{% end %}"}},
        /* break in a loop's else clause leaves the loop around it */
        {{"t.html", "{% for a in [1, 2, 3] %}{% for b in [] %}{% else %}"
                    "{% if a == 2 %}{% break %}{% end %}{% end %}{{ a }}{% end %}"}},
    };
    static const char *const want[] = {"12", "13:all", "empty", "13:3", "1"};
    same_as_tornado(cases, want, N(cases));
}

/* ------------------------------------------------------------ try */

Test(template_tornado, try_except_else_finally)
{
    static const struct tcase cases[] = {
        {{"t.html", "{% try %}a{{ 1 / 0 }}b{% except %}c{% else %}d{% finally %}f{% end %}"}},
        {{"t.html", "{% try %}a{{ 1 / 1 }}b{% except %}c{% else %}d{% finally %}f{% end %}"}},
        {{"t.html", "{% try %}[{{ nope }}]{% except %}no name{% end %}"}},
        {{"t.html", "{% try %}{{ len(5) }}{% except Exception %}bad call{% end %}"}},
        {{"t.html", "{% try %}{{ xs[0] + 1 }}{% except %}E{% end %}"}, "{\"xs\":[\"a\"]}"},
        {{"t.html", "{% try %}ok{% finally %}!{% end %}"}},
        {{"t.html", "{% for x in [1, 0, 2] %}{% try %}{{ 6 / x }}{% except %}-{% continue %}"
                    "{% finally %}|{% end %}{% end %}"}},
        {{"t.html", "{% try %}{% try %}a{{ nope }}{% finally %}F{% end %}b{% except %}E{% end %}"}},
        {{"t.html", "{% try %}{% apply squeeze %}x {{ nope }}{% end %}{% except %}E{% end %}"}},
        {{"t.html",
          "{% try %}{% set a = 1 %}{{ nope }}{% set a = 2 %}{% except %}{% end %}{{ a }}"}},
        {{"t.html", "{% try %}{% include 'part.html' %}{% except %}:caught{% end %}", "part.html",
          "in part {{ nope }}"}},
    };
    static const char *const want[] = {"acf", "a1.0bdf", "[no name",       "bad call",
                                       "E",   "ok!",     "6.0|-|3.0|",     "aFE",
                                       "E",   "1",       "in part :caught"};
    same_as_tornado(cases, want, N(cases));
}

/* ------------------------------------------------------------ calls and helpers */

Test(template_tornado, keyword_arguments_and_url_escape)
{
    static const struct tcase cases[] = {
        {{"t.html",
          "{{ url_escape(s) }} {{ url_escape(s, plus=False) }} {{ url_escape(s, False) }} "
          "{{ url_escape(value=s, plus=True) }}"},
         "{\"s\":\"a b/c?d=é&~_.-!*()'\"}"},
        {{"t.html", "{{ squeeze(value='  a  b ') }}|{{ escape(value='<a>') }}"}},
    };
    static const char *const want[] = {
        "a+b%2Fc%3Fd%3D%C3%A9%26~_.-%21%2A%28%29%27 a%20b/c%3Fd%3D%C3%A9%26~_.-%21%2A%28%29%27 "
        "a%20b/c%3Fd%3D%C3%A9%26~_.-%21%2A%28%29%27 a+b%2Fc%3Fd%3D%C3%A9%26~_.-%21%2A%28%29%27",
        "a b|&amp;lt;a&amp;gt;"};
    same_as_tornado(cases, want, N(cases));
}

Test(template_tornado, json_encode_writes_what_tornado_writes)
{
    static const struct tcase cases[] = {
        {{"t.html", "<script>var v = {% raw json_encode(v) %};</script>"},
         "{\"v\":{\"s\":\"</script><b>&\\\"\\\\/'\",\"u\":\"é\\u2028\\u2029日\\ud83d\\ude00\","
         "\"c\":\"\\u0001\\n\\t\\r\\b\\f\\u007f\",\"n\":[1,-2,2.0,0.1,1e16,1e-05,123456789.125],"
         "\"b\":[true,false,null],\"o\":{},\"a\":[]}}"},
        {{"t.html", "{{ json_encode(s) }}"}, "{\"s\":\"<'\\\"&>\"}"},
    };
    static const char *const want[] = {
        "<script>var v = {\"s\": \"<\\/script><b>&\\\"\\\\/'\", \"u\": "
        "\"\\u00e9\\u2028\\u2029\\u65e5\\ud83d\\ude00\", \"c\": \"\\u0001\\n\\t\\r\\b\\f\\u007f\", "
        "\"n\": [1, -2, 2.0, 0.1, 1e+16, 1e-05, 123456789.125], \"b\": [true, false, null], "
        "\"o\": {}, \"a\": []};</script>",
        "&quot;&lt;&#39;\\&quot;&amp;&gt;&quot;"};
    same_as_tornado(cases, want, N(cases));
}

Test(template_tornado, squeeze_and_linkify)
{
    static const char *text =
        "{\"t\":\"see http://a.com/x?y=1&z=2, and www.b.org. (https://c.io/p_(q)) "
        "ftp://f.org/x javascript:alert(1) x-http://y.com http:///three "
        "<b>http://x.org/\\\"onmouseover=\\\"a</b> wwwx.org nohttp://x.org "
        "https://www.example.com/some/really/long/path/with-many-words?and=a&query=string "
        "http://example.com/abcdefghijklmnopqrstuvwxyz0123456789.html "
        "www.example.org/averyveryverylongpathnamewithoutslashes1234567890 end.\"}";
    static const struct tcase cases[] = {
        {{"t.txt", "{% raw linkify(t) %}"}, NULL},
        {{"t.txt", "{% raw linkify(t, shorten=True) %}"}, NULL},
        {{"t.txt", "{% raw linkify(t, extra_params=' rel=\"nofollow\" ') %}"}, NULL},
        {{"t.txt", "{% raw linkify(t, require_protocol=True) %}"}, NULL},
        {{"t.txt", "{% raw linkify(t, True, 'class=\"x\"', False, ['ftp', 'javascript']) %}"},
         NULL},
        {{"t.txt", "[{{ squeeze(s) }}]"}, "{\"s\":\"\\u00a0 a \\t\\n\\u0001 b\\u2003c \\u3000\"}"},
    };
    struct tcase c[N(cases)];
    memcpy(c, cases, sizeof c);
    for (size_t i = 0; i < N(c) - 1; i++)
        c[i].ctx = text;
    static const char *const want[] = {
        "see <a href=\"http://a.com/x?y=1&amp;z=2\">http://a.com/x?y=1&amp;z=2</a>, and "
        "<a href=\"http://www.b.org\">www.b.org</a>. (<a href=\"https://c.io/p_(q)\">"
        "https://c.io/p_(q)</a>) ftp://f.org/x javascript:alert(1) x-http://y.com "
        "<a href=\"http:///three\">http:///three</a> &lt;b&gt;<a "
        "href=\"http://x.org/&quot;onmouseover=&quot;a\">http://x.org/&quot;onmouseover=&quot;a"
        "</a>&lt;/b&gt; wwwx.org nohttp://x.org <a href=\"https://www.example.com/some/really/"
        "long/path/with-many-words?and=a&amp;query=string\">https://www.example.com/some/really/"
        "long/path/with-many-words?and=a&amp;query=string</a> <a href=\"http://example.com/"
        "abcdefghijklmnopqrstuvwxyz0123456789.html\">http://example.com/"
        "abcdefghijklmnopqrstuvwxyz0123456789.html</a> <a href=\"http://www.example.org/"
        "averyveryverylongpathnamewithoutslashes1234567890\">www.example.org/"
        "averyveryverylongpathnamewithoutslashes1234567890</a> end.",
        NULL,
        NULL,
        NULL,
        NULL,
        "[a b\u2003c]"};
    same_as_tornado(c, want, N(c));
}

/* ------------------------------------------------------------ whitespace and autoescape */

Test(template_tornado, whitespace_modes_pre_and_unicode_spaces)
{
    static const struct tcase cases[] = {
        {{"t.html", "<p>\n    a  \t b\n\n\n  c\n</p>\n"}},
        {{"t.html", "<pre>\n\n  x  </pre>  \n\n  y\n<p>  a \n  b</p>{{ 1 }}  \n  z"}},
        {{"t.html", "a \u00a0\n b\u00a0\u00a0c\u2003\u2003d \x0b\n e\x0c f"}},
        {{"t.html", "{% whitespace oneline %}a \u00a0\n b\u00a0\u00a0c\n<pre> \n x</pre>"}},
        {{"t.txt", "  a\n\n  b  "}, NULL, "{\"whitespace\":\"oneline\"}"},
        {{"t.html", "  a\n\n  b  {% whitespace all %}  c\n\n"},
         NULL,
         "{\"whitespace\":\"single\"}"},
        {{"t.txt", "  a\n\n  b  "}, NULL, "{\"whitespace\":\"single\"}"},
    };
    static const char *const want[] = {
        "<p>\na b\nc\n</p>\n",
        "<pre>\n\n  x  </pre>  \n\n  y\n<p>  a \n  b</p>1\nz",
        "a\nb\u00a0\u00a0c\u2003\u2003d\ne\x0c f",
        "a \u00a0\n b\u00a0\u00a0c\n<pre> \n x</pre>", /* one text holding <pre>: as it is */
        " a b ",
        " a\nb   c\n\n",
        " a\nb ",
    };
    same_as_tornado(cases, want, N(cases));
}

Test(template_tornado, loader_autoescape)
{
    static const struct tcase cases[] = {
        {{"t.html", "{{ s }}|{% raw s %}"}, "{\"s\":\"<b>&\"}", "{\"autoescape\":null}"},
        {{"t.html", "{% autoescape xhtml_escape %}{{ s }}"},
         "{\"s\":\"<b>\"}",
         "{\"autoescape\":null}"},
        {{"t.html", "{{ s }}|{% include 'p.html' %}", "p.html", "{{ s }}"},
         "{\"s\":\"a b<\"}",
         "{\"autoescape\":\"url_escape\"}"},
        {{"t.html", "{% autoescape None %}{{ s }}|{% include 'p.html' %}", "p.html", "{{ s }}"},
         "{\"s\":\"<i>\"}"},
    };
    static const char *const want[] = {"<b>&|<b>&", "&lt;b&gt;", "a+b%3C|a+b%3C", "<i>|&lt;i&gt;"};
    same_as_tornado(cases, want, N(cases));
}

Test(template_tornado, inheritance_include_and_blocks_with_the_new_tags)
{
    static const struct tcase cases[] = {
        {{"page.html",
          "{% extends 'base.html' %}{% block body %}{% for r in rows %}{% try %}"
          "<li>{{ r['n'] }}:{{ 10 / r['n'] }}</li>{% except %}<li>{{ r['n'] }}:-</li>{% end %}"
          "{% else %}<li>end</li>{% end %}{% end %}",
          "base.html", "<ul>{% block body %}{% end %}</ul>\n{% include 'foot.html' %}", "foot.html",
          "{% set i = 3 %}{% while i %}{{ i }}{% set i = i - 1 %}{% end %}"},
         "{\"rows\":[{\"n\":5},{\"n\":0},{\"n\":4}]}"},
    };
    static const char *const want[] = {
        "<ul><li>5:2.0</li><li>0:<li>0:-</li><li>4:2.5</li><li>end</li></ul>\n321"};
    same_as_tornado(cases, want, N(cases));
}

/* ------------------------------------------------------------ keyword arguments from C, loader
 * settings */

static json_t *greet(eddy_template_ctx *t, size_t argc, json_t *const *argv)
{
    json_t *p[2];
    if (eddy_template_params(t, argc, argv, "name greeting", 1, p) < 0)
        return NULL;
    return json_sprintf("%s, %s", p[1] ? json_string_value(p[1]) : "Hello",
                        json_string_value(p[0]));
}

static int box_module(eddy_template_ctx *t, size_t argc, json_t *const *argv)
{
    json_t *cls = eddy_template_kwarg(t, "cls");
    char buf[128];
    snprintf(buf, sizeof buf, "<div class=\"%s\">%s</div>", cls ? json_string_value(cls) : "box",
             argc ? json_string_value(argv[0]) : "");
    return eddy_template_write(t, buf, strlen(buf));
}

Test(template_tornado, helpers_and_modules_receive_keyword_arguments)
{
    eddy_template_loader *l = eddy_template_loader_new(NULL, true);
    eddy_template_helper(l, "greet", greet);
    eddy_template_module(l, "Box", box_module);
    const char *src = "{{ greet('Ann') }}|{{ greet('Bo', greeting='Hi') }}|"
                      "{{ greet(greeting='Yo', name='Cy') }}|{% module Box('x', cls='wide') %}|"
                      "{% module Box('y') %}|{% module Template('row.html', n=2, s='<b>') %}";
    const char *row = "{{ n }}:{{ s }}{% try %}{{ src }}{% except %}!{% end %}";
    eddy_template_add(l, "p.html", src, strlen(src));
    eddy_template_add(l, "row.html", row, strlen(row));
    const char *bad = "{% module Box('x', size=2) %}";
    eddy_template_add(l, "bad.html", bad, strlen(bad));
    eddy_buf out = EDDY_BUF_INIT;
    json_t *ctx = parse_json("{\"src\":1}");
    cr_assert_eq(eddy_template_render(l, "p.html", ctx, NULL, &out), 0, "%s",
                 eddy_template_loader_error(l));
    json_decref(ctx);
    /* Template's names are its keyword arguments only, as in Tornado */
    cr_expect_str_eq(out.data, "Hello, Ann|Hi, Bo|Yo, Cy|<div class=\"wide\">x</div>|"
                               "<div class=\"box\">y</div>|2:&lt;b&gt;!");
    eddy_buf_clear(&out);
    cr_expect_eq(eddy_template_render(l, "bad.html", NULL, NULL, &out), -1);
    cr_expect_str_eq(eddy_template_loader_error(l),
                     "bad.html:1:11: module Box: unexpected keyword argument \"size\"\n"
                     "    {% module Box('x', size=2) %}\n              ^");
    eddy_buf_free(&out);
    eddy_template_loader_free(l);
}

/* A setting compiles every template again, a chain of blocks and an
 * include too (a file's blocks are listed on its first render: the
 * list goes with the tree it was made from). */
Test(template_tornado, loader_settings_apply_to_templates_compiled_before)
{
    eddy_template_loader *l = eddy_template_loader_new(NULL, true);
    const char *src = "{{ s }}\n\n  x";
    const char *base = "<{% block b %}base{% end %}|{% include \"part.html\" %}>";
    const char *page = "{% extends \"base.html\" %}{% block b %}{{ s }}  {% end %}";
    const char *part = "{% block p %}[{{ s }}]{% end %}";
    eddy_template_add(l, "a.html", src, strlen(src));
    eddy_template_add(l, "base.html", base, strlen(base));
    eddy_template_add(l, "page.html", page, strlen(page));
    eddy_template_add(l, "part.html", part, strlen(part));
    json_t *ctx = parse_json("{\"s\":\"<b>\"}");
    eddy_buf out = EDDY_BUF_INIT;
    cr_assert_eq(eddy_template_render(l, "a.html", ctx, NULL, &out), 0);
    cr_expect_str_eq(out.data, "&lt;b&gt;\nx");
    eddy_buf_clear(&out);
    cr_assert_eq(eddy_template_render(l, "page.html", ctx, NULL, &out), 0);
    cr_expect_str_eq(out.data, "<&lt;b&gt; |[&lt;b&gt;]>");
    cr_assert_eq(eddy_template_set_autoescape(l, NULL), 0);
    cr_assert_eq(eddy_template_set_whitespace(l, "all"), 0);
    eddy_buf_clear(&out);
    cr_assert_eq(eddy_template_render(l, "a.html", ctx, NULL, &out), 0);
    cr_expect_str_eq(out.data, "<b>\n\n  x");
    for (int i = 0; i < 2; i++) {
        eddy_buf_clear(&out);
        cr_assert_eq(eddy_template_render(l, "page.html", ctx, NULL, &out), 0, "%s",
                     eddy_template_loader_error(l));
        cr_expect_str_eq(out.data, "<<b>  |[<b>]>");
    }
    errno = 0;
    cr_expect_eq(eddy_template_set_whitespace(l, "some"), -1);
    cr_expect_eq(errno, EINVAL);
    eddy_buf_free(&out);
    json_decref(ctx);
    eddy_template_loader_free(l);
}
