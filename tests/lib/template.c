/*
 * Tests of lib/template and lib/render: every tag and operator compared
 * byte for byte, the exact text of syntax and runtime errors, an XSS
 * corpus, inheritance three levels deep, include, UI modules with their
 * CSS and JS, the loader's cache and debug reload, and a page rendered
 * through a real app request.
 */
#include "harness.h"
#include "serve_thread.h"

#include <eddy/async/future.h>
#include <eddy/web/handler.h>
#include <eddy/base/log.h>
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

/* ------------------------------------------------------------ helpers */

static eddy_template_loader *mem_loader(bool debug)
{
    eddy_template_loader *l = eddy_template_loader_new(NULL, debug);
    cr_assert_not_null(l);
    return l;
}

/* render_in - render name with ctx (JSON text) in l: the output, or
 * "ERROR: " and the message. Freed by the caller. */
static char *render_in(eddy_template_loader *l, const char *name, const char *ctx_json)
{
    json_error_t je;
    json_t *ctx = ctx_json ? json_loads(ctx_json, 0, &je) : NULL;
    cr_assert(!ctx_json || ctx, "bad test context: %s", je.text);
    eddy_buf out = EDDY_BUF_INIT;
    int rc = eddy_template_render(l, name, ctx, NULL, &out);
    json_decref(ctx);
    char *s;
    if (rc == 0) {
        s = strdup(out.data ? out.data : "");
    } else {
        s = malloc(strlen(eddy_template_loader_error(l)) + 8);
        strcpy(s, "ERROR: ");
        strcat(s, eddy_template_loader_error(l));
    }
    eddy_buf_free(&out);
    return s;
}

/* render_as - src as template name (the name decides the whitespace mode). */
static char *render_as(const char *name, const char *src, const char *ctx_json)
{
    eddy_template_loader *l = mem_loader(true);
    cr_assert_eq(eddy_template_add(l, name, src, strlen(src)), 0);
    char *s = render_in(l, name, ctx_json);
    eddy_template_loader_free(l);
    return s;
}

static char *render(const char *src, const char *ctx_json)
{
    return render_as("t.txt", src, ctx_json);
}

#define expect_in(l, name, ctx, want)                                                              \
    do {                                                                                           \
        char *got_ = render_in(l, name, ctx);                                                      \
        cr_expect_str_eq(got_, want, "%s\n  want: [%s]\n  got:  [%s]", name, want, got_);          \
        free(got_);                                                                                \
    } while (0)

#define expect(src, ctx, want)                                                                     \
    do {                                                                                           \
        char *got_ = render(src, ctx);                                                             \
        cr_expect_str_eq(got_, want, "%s\n  want: [%s]\n  got:  [%s]", src, want, got_);           \
        free(got_);                                                                                \
    } while (0)

#define expect_html(src, ctx, want)                                                                \
    do {                                                                                           \
        char *got_ = render_as("t.html", src, ctx);                                                \
        cr_expect_str_eq(got_, want, "%s\n  want: [%s]\n  got:  [%s]", src, want, got_);           \
        free(got_);                                                                                \
    } while (0)

/* A folder of template files, removed after each test that makes one. */
static char dir[64];

static void write_file(const char *name, const char *text)
{
    char path[256];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    char *slash = strrchr(path, '/');
    *slash = '\0';
    mkdir(path, 0755);
    *slash = '/';
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f, "%s", path);
    fputs(text, f);
    fclose(f);
}

static void make_dir(void)
{
    strcpy(dir, "/tmp/eddy-tpl-XXXXXX");
    cr_assert_not_null(mkdtemp(dir));
}

static void remove_dir(void)
{
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    cr_expect_eq(system(cmd), 0);
}

TestSuite(template, .timeout = 30);
TestSuite(template_files, .init = make_dir, .fini = remove_dir, .timeout = 30);

/* ------------------------------------------------------------ output and escaping */

Test(template, expressions_are_escaped_raw_is_not)
{
    expect("{{ s }}|{% raw s %}", "{\"s\":\"<a href='x'>&\\\"</a>\"}",
           "&lt;a href=&#39;x&#39;&gt;&amp;&quot;&lt;/a&gt;|<a href='x'>&\"</a>");
    expect("a{{x}}b{{ x }}c", "{\"x\":1}", "a1b1c");
}

Test(template, values_render_as_text)
{
    expect("{{ i }} {{ r }} {{ w }} {{ big }} {{ t }} {{ f }} [{{ n }}] {{ a }} {{ o }}",
           "{\"i\":-42,\"r\":3.25,\"w\":2.0,\"big\":1e100,\"t\":true,\"f\":false,\"n\":null,"
           "\"a\":[1,\"x\"],\"o\":{\"k\":\"<v>\"}}",
           "-42 3.25 2.0 1e+100 true false [] [1,&quot;x&quot;] "
           "{&quot;k&quot;:&quot;&lt;v&gt;&quot;}");
    expect("{{ 0.1 + 0.2 }} {{ 7 / 2 }} {{ 1 / 3 }}", NULL,
           "0.30000000000000004 3.5 0.3333333333333333");
}

Test(template, comments_and_literal_braces)
{
    expect("a{# a comment {{ x }} #}b", NULL, "ab");
    expect("{{! x }} {%! if %} {#! c #}", NULL, "{{ x }} {% if %} {# c #}");
    expect("{{{ x }}}", "{\"x\":1}", "{1}"); /* the innermost pair counts, as in Tornado */
    expect("{ x } {x} %} }}", NULL, "{ x } {x} %} }}");
    expect("{% comment anything at all %}z", NULL, "z");
}

/* ------------------------------------------------------------ control */

Test(template, if_elif_else)
{
    const char *src =
        "{% if n > 10 %}big{% elif n > 5 %}mid{% elif n %}small{% else %}zero{% end %}";
    expect(src, "{\"n\":11}", "big");
    expect(src, "{\"n\":6}", "mid");
    expect(src, "{\"n\":1}", "small");
    expect(src, "{\"n\":0}", "zero");
    expect("{% if a %}{% if b %}ab{% else %}a{% end %}{% end %}", "{\"a\":1,\"b\":0}", "a");
}

Test(template, truthiness_is_pythons)
{
    expect("{% for v in vs %}{% if v %}T{% else %}F{% end %}{% end %}",
           "{\"vs\":[0,1,0.0,0.5,\"\",\"x\",[],[0],{},{\"a\":1},null,true,false]}",
           "FTFTFTFTFTFTF");
}

Test(template, for_over_arrays_with_loop)
{
    expect("{% for x in xs %}{{ loop.index }}{{ loop.index0 }}{{ x }}"
           "{% if loop.first %}F{% end %}{% if loop.last %}L{% end %}/{{ loop.length }} {% end %}",
           "{\"xs\":[\"a\",\"b\",\"c\"]}", "10aF/3 21b/3 32cL/3 ");
    expect("{% for x in xs %}never{% end %}done", "{\"xs\":[]}", "done");
    expect("{% for x in missing.key %}never{% end %}done", "{\"missing\":{}}", "done");
}

Test(template, for_over_objects_in_their_order)
{
    expect("{% for k, v in o %}{{ k }}={{ v }};{% end %}", "{\"o\":{\"b\":1,\"a\":2,\"c\":3}}",
           "b=1;a=2;c=3;");
    expect("{% for k in o %}{{ k }}{% end %}", "{\"o\":{\"x\":1,\"y\":2}}", "xy");
}

Test(template, nested_loops_each_see_their_own_loop)
{
    expect("{% for a in [1, 2] %}{% for b in [1, 2, 3] %}{{ loop.index }}{% end %}:{{ loop.index "
           "}} {% end %}",
           NULL, "123:1 123:2 ");
}

/* The loop object is built only for bodies that may read it: a body
 * reaching another template (an include, a block a child overrides) may. */
Test(template, loop_reaches_includes_and_overridden_blocks)
{
    eddy_template_loader *l = mem_loader(true);
    const char *page = "{% for x in xs %}{% include 'row.txt' %}{% end %}";
    const char *row = "{{ loop.index }}={{ x }} ";
    const char *base = "{% for x in xs %}{% block cell %}{{ x }}{% end %}{% end %}";
    const char *child = "{% extends 'base.txt' %}{% block cell %}[{{ loop.index0 }}]{% end %}";
    eddy_template_add(l, "page.txt", page, strlen(page));
    eddy_template_add(l, "row.txt", row, strlen(row));
    eddy_template_add(l, "base.txt", base, strlen(base));
    eddy_template_add(l, "child.txt", child, strlen(child));
    expect_in(l, "page.txt", "{\"xs\":[\"a\",\"b\"]}", "1=a 2=b ");
    expect_in(l, "child.txt", "{\"xs\":[\"a\",\"b\"]}", "[0][1]");
    eddy_template_loader_free(l);
    /* and it is gone after the loop, whether or not the body used it */
    expect("{% for x in [1] %}{{ x }}{% end %}{{ loop }}", NULL,
           "ERROR: t.txt:1:38: unknown name \"loop\"\n"
           "    {% for x in [1] %}{{ x }}{% end %}{{ loop }}\n"
           "                                         ^");
}

Test(template, a_loop_keeps_its_sequence_when_the_body_rebinds_its_name)
{
    expect("{% for x in xs %}{% set xs = 0 %}{{ x }}{% end %}{{ xs }}",
           "{\"xs\":[\"a\",\"b\",\"c\"]}", "abc0");
    expect("{% for x in o.list %}{% set o = null %}{{ x }}{% end %}", "{\"o\":{\"list\":[1,2]}}",
           "12");
}

Test(template, integers_render_as_python_does)
{
    expect("{{ a }} {{ b }} {{ c }} {{ d }} {{ -a }}",
           "{\"a\":0,\"b\":-42,\"c\":9223372036854775807,\"d\":-9223372036854775808}",
           "0 -42 9223372036854775807 -9223372036854775808 0");
}

Test(template, break_and_continue)
{
    expect("{% for x in range(10) %}{% if x == 2 %}{% continue %}{% end %}"
           "{% if x == 5 %}{% break %}{% end %}{{ x }}{% end %}",
           NULL, "0134");
}

Test(template, set_and_scope)
{
    expect("{% set a = 1 + 2 %}{{ a }}{% set a = a * 2 %}{{ a }}", NULL, "36");
    expect("{% for x in [1, 2, 3] %}{% set last = x %}{% end %}{{ last }} {{ x }}", NULL, "3 3");
    expect("{% set name = 'set' %}{{ name }}", "{\"name\":\"ctx\"}", "set");
}

Test(template, apply_runs_a_helper_over_a_block)
{
    expect("{% apply squeeze %}  a   b\n\n c {{ x }}  {% end %}!", "{\"x\":\"d\"}", "a b c d!");
}

/* ------------------------------------------------------------ expressions */

Test(template, paths_and_indexes)
{
    const char *ctx = "{\"post\":{\"author\":{\"name\":\"Ann\"},\"tags\":[\"c\",\"io\"]},"
                      "\"rows\":[[1,2],[3,4]],\"i\":1,\"key\":\"author\"}";
    expect("{{ post.author.name }} {{ post.tags[0] }} {{ post.tags[-1] }} {{ rows[i][0] }} "
           "{{ rows[i - 1][i] }} {{ post[key]['name'] }} {{ post['tags'][i] }}",
           ctx, "Ann c io 3 2 Ann io");
    /* Missing keys and indexes are null, and null renders as nothing. */
    expect("[{{ post.editor.name }}][{{ post.tags[9] }}][{{ post.nope }}]", ctx, "[][][]");
}

Test(template, literals)
{
    expect("{{ 'it\\'s' }} {{ \"a\\\"b\" }} {{ 'a\\nb' }} {{ 12 }} {{ -1.5 }} {{ 2e3 }}", NULL,
           "it&#39;s a&quot;b a\nb 12 -1.5 2000.0");
    expect("{{ true }} {{ True }} {{ false }} {{ False }} [{{ null }}] [{{ None }}] {{ [1, 'a', [] "
           "] }}",
           NULL, "true true false false [] [] [1,&quot;a&quot;,[]]");
}

Test(template, comparisons)
{
    expect("{{ 1 == 1.0 }} {{ 1 != 2 }} {{ 2 < 10 }} {{ 'b' < 'ab' }} {{ 3 <= 3 }} {{ 4 >= 5 }} "
           "{{ 1.5 > 1 }} {{ 'a' == 'a' }} {{ [1] == [1] }} {{ null == None }} {{ 1 == '1' }}",
           NULL, "true true true false true false true true true true false");
}

Test(template, boolean_operators_yield_an_operand)
{
    expect(
        "{{ a and b }} {{ a or b }} {{ z or 'default' }} {{ z and 1 }} {{ not z }} {{ not not a }}",
        "{\"a\":\"A\",\"b\":\"B\",\"z\":\"\"}", "B A default  true true");
    /* or short-circuits: the unknown name on the right is never looked up */
    expect("{{ 1 or nope }} {{ 0 and nope }}", NULL, "1 0");
    expect("{{ not 1 == 2 }} {{ (1 or 0) and (0 or 2) }}", NULL, "true 2");
}

Test(template, in_and_not_in)
{
    const char *ctx = "{\"xs\":[1,\"a\",2.0],\"o\":{\"k\":1},\"s\":\"hello\"}";
    expect("{{ 1 in xs }} {{ 2 in xs }} {{ 'b' in xs }} {{ 'k' in o }} {{ 'x' not in o }} "
           "{{ 'ell' in s }} {{ 'z' in s }} {{ 3 not in xs }}",
           ctx, "true true false true true true false true");
}

Test(template, arithmetic_and_precedence)
{
    expect("{{ 1 + 2 * 3 }} {{ (1 + 2) * 3 }} {{ 7 % 3 }} {{ -7 % 3 }} {{ 7 - -2 }} {{ 10 / 4 }} "
           "{{ 'a' + 'b' }} {{ 2 * 3 > 5 and 1 }} {{ 7.5 % 2 }}",
           NULL, "7 9 1 2 9 2.5 ab 1 1.5");
    expect("{{ 9223372036854775807 + 1 }}", NULL, "9.223372036854776e+18");
}

Test(template, builtin_len_and_range)
{
    expect("{{ len('héllo') }} {{ len([1, 2]) }} {{ len(o) }} {{ range(3) }} {{ range(1, 7, 2) }} "
           "{{ range(3, 0, -1) }}",
           "{\"o\":{\"a\":1}}", "5 2 1 [0,1,2] [1,3,5] [3,2,1]");
}

/* ------------------------------------------------------------ helpers */

Test(template, escaping_helpers)
{
    expect("{% raw escape('<a b=\"c\">&\\'') %}", NULL, "&lt;a b=&quot;c&quot;&gt;&amp;&#39;");
    expect("{{ url_escape('a b&c/d?é') }} {{ url_escape('a b/c', false) }}", NULL,
           "a+b%26c%2Fd%3F%C3%A9 a%20b/c");
    /* Tornado's json_encode: json.dumps (", " and ": ", \u escapes for all
     * but printable ASCII), "</" as "<\/"; and "<!--" as "\u003c!--" */
    expect("{% raw json_encode(v) %}",
           "{\"v\":{\"s\":\"</script><b>&amp;\\u2028é\\u0001\\n\",\"n\":[1,2.5,null,1e100,0.1]}}",
           "{\"s\": \"<\\/script><b>&amp;\\u2028\\u00e9\\u0001\\n\", \"n\": [1, 2.5, null, 1e+100, 0.1]}");
    expect("{% raw json_encode(['<!--<script>', '😀', '</a', '<\\\\/', true]) %}", NULL,
           "[\"\\u003c!--<script>\", \"\\ud83d\\ude00\", \"<\\/a\", \"<\\\\/\", true]");
    expect("{{ json_encode('x\"y') }}", NULL, "&quot;x\\&quot;y&quot;");
    expect("[{{ squeeze('  a \\t\\n b\\r\\n  c  ') }}]", NULL, "[a b c]");
}

Test(template, linkify)
{
    expect("{% raw linkify(t) %}",
           "{\"t\":\"see http://a.com/x?y=1&z=2, and www.b.org. (https://c.io/p_(q))\"}",
           "see <a href=\"http://a.com/x?y=1&amp;z=2\">http://a.com/x?y=1&amp;z=2</a>, and "
           "<a href=\"http://www.b.org\">www.b.org</a>. (<a "
           "href=\"https://c.io/p_(q)\">https://c.io/p_(q)</a>)");
    expect("{% raw linkify('go http://x.org now', extra_params='rel=\"nofollow\"') %}", NULL,
           "go <a href=\"http://x.org\" rel=\"nofollow\">http://x.org</a> now");
    expect("{% raw linkify('javascript:alert(1) <b>http://x.org/\"onmouseover=\"a</b>') %}", NULL,
           "javascript:alert(1) &lt;b&gt;<a href=\"http://x.org/&quot;onmouseover=&quot;a\">"
           "http://x.org/&quot;onmouseover=&quot;a</a>&lt;/b&gt;");
    expect("{% raw linkify('nohttp://x.org') %}", NULL, "nohttp://x.org");
}

Test(template, datetime)
{
    expect("{{ datetime(0) }} | {{ datetime(1700000000, '%Y-%m-%d') }} | {{ datetime(1700000000.9, "
           "'%H:%M') }}",
           NULL, "1970-01-01 00:00:00 | 2023-11-14 | 22:13");
    expect("{{ datetime(-1, '%Y') }}", NULL, "1969");
}

static json_t *shout(eddy_template_ctx *t, size_t argc, json_t *const *argv)
{
    if (argc != 1 || !json_is_string(argv[0])) {
        eddy_template_fail(t, "wants one string");
        return NULL;
    }
    char buf[64];
    snprintf(buf, sizeof buf, "%s!", json_string_value(argv[0]));
    return json_string(buf);
}

static json_t *site_name(eddy_template_ctx *t)
{
    (void)t;
    return json_string("eddy<site>");
}

Test(template, helpers_and_globals_from_c)
{
    eddy_template_loader *l = mem_loader(true);
    cr_assert_eq(eddy_template_helper(l, "shout", shout), 0);
    cr_assert_eq(eddy_template_global(l, "site", site_name), 0);
    const char *src = "{{ shout('hi') }} {{ site }} {{ shout(site) }}";
    eddy_template_add(l, "a.txt", src, strlen(src));
    expect_in(l, "a.txt", NULL, "hi! eddy&lt;site&gt; eddy&lt;site&gt;!");
    /* the context comes before globals */
    expect_in(l, "a.txt", "{\"site\":\"mine\"}", "hi! mine mine!");
    src = "{{ shout(1) }}";
    eddy_template_add(l, "b.txt", src, strlen(src));
    expect_in(l, "b.txt", NULL,
              "ERROR: b.txt:1:4: shout(): wants one string\n    {{ shout(1) }}\n       ^");
    /* a later registration replaces, even a built-in */
    cr_assert_eq(eddy_template_helper(l, "len", shout), 0);
    src = "{{ len('x') }}";
    eddy_template_add(l, "c.txt", src, strlen(src));
    expect_in(l, "c.txt", NULL, "x!");
    eddy_template_loader_free(l);
}

/* ------------------------------------------------------------ autoescape and whitespace */

Test(template, autoescape_is_per_file)
{
    expect("{% autoescape None %}{{ s }}", "{\"s\":\"<b>\"}", "<b>");
    expect("{{ s }}{% autoescape None %}", "{\"s\":\"<b>\"}",
           "<b>"); /* the whole file, as in Tornado */
    expect("{% autoescape url_escape %}{{ s }} {% raw s %}", "{\"s\":\"a b<\"}", "a+b%3C a b<");
    expect("{% autoescape xhtml_escape %}{{ s }}", "{\"s\":\"<b>\"}", "&lt;b&gt;");
    eddy_template_loader *l = mem_loader(true);
    const char *page = "{% autoescape None %}{{ s }}|{% include 'part.txt' %}";
    const char *part = "{{ s }}";
    eddy_template_add(l, "page.txt", page, strlen(page));
    eddy_template_add(l, "part.txt", part, strlen(part));
    expect_in(l, "page.txt", "{\"s\":\"<i>\"}", "<i>|&lt;i&gt;");
    eddy_template_loader_free(l);
}

Test(template, whitespace_modes)
{
    const char *src = "<p>\n    a  \t b\n\n\n  c\n</p>\n";
    expect(src, NULL, src); /* not .html: all */
    expect_html(src, NULL, "<p>\na b\nc\n</p>\n");
    char *s = render_as("t.js", src, NULL);
    cr_expect_str_eq(s, "<p>\na b\nc\n</p>\n");
    free(s);
    expect("{% whitespace oneline %}<p>\n    a  \t b\n\n  c\n</p>\n", NULL, "<p> a b c </p> ");
    expect_html("{% whitespace all %}  a\n\n  b", NULL, "  a\n\n  b");
    expect_html("  x  {% whitespace all %}  y  ", NULL, " x   y  ");
}

/* ------------------------------------------------------------ errors */

#define expect_error(src, want) expect(src, "{}", "ERROR: " want)

Test(template, syntax_errors_name_file_line_column)
{
    expect_error("<p>\n  {% iff x %}\n</p>",
                 "t.txt:2:6: unknown tag \"iff\"\n      {% iff x %}\n         ^");
    expect_error("ab {{ x", "t.txt:1:4: missing }} to close {{\n    ab {{ x\n       ^");
    expect_error("{% if x", "t.txt:1:1: missing %} to close {%\n    {% if x\n    ^");
    expect_error("{# x", "t.txt:1:1: missing #} to close {#\n    {# x\n    ^");
    expect_error("{{  }}", "t.txt:1:1: empty expression\n    {{  }}\n    ^");
    expect_error("{% %}", "t.txt:1:1: empty tag\n    {% %}\n    ^");
    expect_error("{% if x %}\nyes",
                 "t.txt:1:4: missing {% end %} for \"if\"\n    {% if x %}\n       ^");
    expect_error("{% for x in y %}{% elif z %}{% end %}",
                 "t.txt:1:20: \"elif\" outside an if block\n    {% for x in y %}{% elif z %}{% end "
                 "%}\n                       ^");
    expect_error("a {% end %}",
                 "t.txt:1:6: \"end\" without a block to end\n    a {% end %}\n         ^");
    expect_error("{% if a %}{% else %}{% elif b %}{% end %}",
                 "t.txt:1:24: \"elif\" after \"else\"\n    {% if a %}{% else %}{% elif b %}{% end "
                 "%}\n                           ^");
    expect_error("{% break %}",
                 "t.txt:1:4: \"break\" outside a for or while loop\n    {% break %}\n       ^");
    expect_error("{{ a + }}",
                 "t.txt:1:7: unexpected end of expression\n    {{ a + }}\n          ^");
    expect_error("{{ (a }}", "t.txt:1:6: unexpected end of expression\n    {{ (a }}\n         ^");
    expect_error("{{ a b }}", "t.txt:1:6: unexpected \"b\"\n    {{ a b }}\n         ^");
    expect_error("{{ 'abc }}", "t.txt:1:4: unterminated string\n    {{ 'abc }}\n       ^");
    expect_error("{{ a $ b }}", "t.txt:1:6: unexpected \"$\"\n    {{ a $ b }}\n         ^");
    expect_error("{% set x %}",
                 "t.txt:1:4: \"set\" needs \"name = expression\"\n    {% set x %}\n       ^");
    expect_error("{% for x of y %}{% end %}", "t.txt:1:10: \"for\" needs \"name in expression\"\n  "
                                              "  {% for x of y %}{% end %}\n             ^");
    expect_error("{% module x %}", "t.txt:1:11: \"module\" needs a call such as Entry(post)\n    "
                                   "{% module x %}\n              ^");
    expect_error("{% whitespace lots %}", "t.txt:1:15: unknown whitespace mode \"lots\"\n    {% "
                                          "whitespace lots %}\n                  ^");
    expect_error("{% include '../../etc/passwd' %}",
                 "t.txt:1:13: template \"../../etc/passwd\" is outside the template root\n"
                 "    {% include '../../etc/passwd' %}\n                ^");
    expect_error("{% extends %}",
                 "t.txt:1:4: \"extends\" needs a template name\n    {% extends %}\n       ^");
    /* columns count characters, and a tab stays a tab under the line */
    expect_error("é\t{% x %}", "t.txt:1:6: unknown tag \"x\"\n    é\t{% x %}\n     \t   ^");
}

Test(template, runtime_errors_in_debug_mode)
{
    expect_error("hi {{ usr.name }}",
                 "t.txt:1:7: unknown name \"usr\"\n    hi {{ usr.name }}\n          ^");
    expect_error("{{ nope(1) }}",
                 "t.txt:1:4: unknown helper \"nope\"\n    {{ nope(1) }}\n       ^");
    expect_error("{{ len(1) }}",
                 "t.txt:1:4: len(): a number has no length\n    {{ len(1) }}\n       ^");
    expect_error("{{ 'ab'.x }}",
                 "t.txt:1:8: cannot read .x of a string\n    {{ 'ab'.x }}\n           ^");
    expect_error("{{ 1 / 0 }}", "t.txt:1:6: division by zero\n    {{ 1 / 0 }}\n         ^");
    expect_error("{{ 1 < 'a' }}",
                 "t.txt:1:6: cannot order a number and a string\n    {{ 1 < 'a' }}\n         ^");
    expect_error(
        "{% for x in 3 %}{% end %}",
        "t.txt:1:13: cannot loop over a number\n    {% for x in 3 %}{% end %}\n                ^");
    expect_error("{% module Nope() %}",
                 "t.txt:1:11: unknown module \"Nope\"\n    {% module Nope() %}\n              ^");
    expect_error("{{ datetime(0, 5) }}", "t.txt:1:4: datetime(): needs a number of seconds and a "
                                         "format string\n    {{ datetime(0, 5) }}\n       ^");
}

Test(template, runtime_errors_in_production_render_nothing)
{
    eddy_log_set_level(EDDY_LOG_NONE);
    eddy_template_loader *l = mem_loader(false);
    const char *src = "a[{{ usr.name }}]b{% if nope %}X{% else %}Y{% end %}"
                      "{% for x in nope %}Z{% end %}{% set v = nope %}[{{ v }}]c";
    eddy_template_add(l, "p.txt", src, strlen(src));
    expect_in(l, "p.txt", "{}", "a[]b[]c");
    /* a syntax error fails the render in every mode */
    src = "{% set a = [1, 'x'] %}{% iff %}";
    eddy_template_add(l, "q.txt", src, strlen(src));
    const char *want =
        "ERROR: q.txt:1:26: unknown tag \"iff\"\n    {% set a = [1, 'x'] %}{% iff %}\n"
        "                             ^";
    expect_in(l, "q.txt", "{}", want);
    expect_in(l, "q.txt", "{}", want); /* compiled again, failing the same way */
    eddy_template_loader_free(l);
    eddy_log_set_level(EDDY_LOG_INFO);
}

Test(template, bad_calls_fail_cleanly)
{
    eddy_template_loader *l = mem_loader(true);
    eddy_buf out = EDDY_BUF_INIT;
    cr_expect_eq(eddy_template_render(l, "none.html", NULL, NULL, &out), -1);
    cr_expect_str_eq(eddy_template_loader_error(l), "template \"none.html\" not found");
    json_t *arr = json_array();
    const char *src = "x";
    eddy_template_add(l, "x.txt", src, 1);
    cr_expect_eq(eddy_template_render(l, "x.txt", arr, NULL, &out), -1);
    cr_expect_str_eq(eddy_template_loader_error(l),
                     "render \"x.txt\": the context must be an object");
    cr_expect_eq(eddy_template_render(l, "../x.txt", NULL, NULL, &out), -1);
    cr_expect_str_eq(eddy_template_loader_error(l),
                     "template \"../x.txt\" is outside the template root");
    json_decref(arr);
    eddy_buf_free(&out);
    eddy_template_loader_free(l);
    errno = 0;
    cr_expect_null(eddy_template_loader_new("/nonexistent-eddy-dir", false));
    cr_expect_eq(errno, ENOENT);
}

Test(template, runaway_loops_are_stopped)
{
    eddy_template_loader *l = mem_loader(true);
    eddy_template_set_max_iterations(l, 1000);
    const char *src = "{% for a in range(100) %}{% for b in range(100) %}{% end %}{% end %}";
    eddy_template_add(l, "r.txt", src, strlen(src));
    expect_in(l, "r.txt", NULL,
              "ERROR: r.txt:1:29: more than 1000 loop iterations in one render\n"
              "    {% for a in range(100) %}{% for b in range(100) %}{% end %}{% end %}\n"
              "                                ^");
    eddy_template_loader_free(l);
}

Test(template, limits_keep_the_stack_small)
{
    eddy_buf src = EDDY_BUF_INIT;
    eddy_buf_append_str(&src, "{{ 1");
    for (int i = 0; i < 99; i++) /* 199 nodes */
        eddy_buf_append_str(&src, " + 1");
    eddy_buf_append_str(&src, " }}");
    expect(src.data, NULL, "100");
    eddy_buf_clear(&src);
    eddy_buf_append_str(&src, "{{ 1");
    for (int i = 0; i < 100; i++) /* the 201st node is the last 1 */
        eddy_buf_append_str(&src, "+1");
    eddy_buf_append_str(&src, " }}");
    char *got = render(src.data, NULL);
    const char *want = "ERROR: t.txt:1:204: expression too long\n";
    cr_expect(strncmp(got, want, strlen(want)) == 0, "%s", got);
    free(got);
    eddy_buf_clear(&src);
    for (int i = 0; i < 101; i++)
        eddy_buf_append_str(&src, "{% if 1 %}");
    got = render(src.data, NULL);
    want = "ERROR: t.txt:1:1011: tags nested too deeply\n";
    cr_expect(strncmp(got, want, strlen(want)) == 0, "%s", got);
    free(got);
    eddy_buf_free(&src);
}

/* ------------------------------------------------------------ XSS */

/* Each payload goes through {{ }}, an attribute, url_escape inside an
 * href and json_encode inside <script>; none may leave a raw <, >, quote
 * or a closing script tag where it lands. */
/* The escape tests sixteen bytes at a time: every special byte at every
 * offset of a long text, against the plain one-byte-at-a-time rule. */
Test(template, html_escape_finds_every_special_byte_at_every_offset)
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

Test(template, xss_corpus)
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

Test(template, a_failing_static_url_for_a_module_file_fails_the_page_in_debug)
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
