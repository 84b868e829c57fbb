/*
 * Tests of lib/template, the language: every tag and operator compared
 * byte for byte, values as text, the helpers, autoescape and whitespace,
 * the exact text of syntax and runtime errors, and the limits that keep
 * a render's stack small. tests/lib/template_pages.c has whole pages
 * (XSS, files, modules, an app); template_tornado.c compares with
 * Tornado.
 */
#include "template_test.h"

#include <eddy/base/log.h>
#include <eddy/web/template.h>

#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

TestSuite(template, .timeout = 30);

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
    /* a context name read on every round, then bound by a set: from then
     * on the local, in a test too (a render remembers the names it bound) */
    expect("{% for i in [1, 2, 3] %}{{ name }}{% if name == 'ctx' %}={% end %}"
           "{% if i == 2 %}{% set name = 'set' %}{% end %} {% end %}{{ name }}",
           "{\"name\":\"ctx\"}", "ctx= ctx= set set");
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
           "{\"s\": \"<\\/script><b>&amp;\\u2028\\u00e9\\u0001\\n\", \"n\": [1, 2.5, null, 1e+100, "
           "0.1]}");
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

/* A short text is copied in blocks read past its end (into padding of
 * its own): each length around the block sizes writes exactly its bytes,
 * after a value and before one, in a roomy output and in one limited to
 * exactly what the page is. */
Test(template, texts_of_every_short_length_are_copied_exactly)
{
    for (size_t len = 1; len <= 80; len++) {
        char text[81], src[128];
        for (size_t i = 0; i < len; i++)
            text[i] = (char)('A' + i % 26);
        text[len] = '\0';
        snprintf(src, sizeof src, "{{ a }}%s{{ a }}", text);
        eddy_template_loader *l = mem_loader(false);
        cr_assert_eq(eddy_template_add(l, "t.txt", src, strlen(src)), 0);
        char want[128];
        snprintf(want, sizeof want, "x%sx", text);
        json_t *ctx = json_pack("{s:s}", "a", "x");
        eddy_buf out = EDDY_BUF_INIT, limited = EDDY_BUF_INIT;
        cr_assert_eq(eddy_template_render(l, "t.txt", ctx, NULL, &out), 0);
        cr_assert_str_eq(out.data, want, "len %zu", len);
        limited.limit = strlen(want);
        cr_assert_eq(eddy_template_render(l, "t.txt", ctx, NULL, &limited), 0, "len %zu: %s", len,
                     eddy_template_loader_error(l));
        cr_assert_str_eq(limited.data, want, "len %zu", len);
        json_decref(ctx);
        eddy_buf_free(&out);
        eddy_buf_free(&limited);
        eddy_template_loader_free(l);
    }
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
