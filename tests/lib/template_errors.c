/*
 * Tests of lib/template's errors in the parts that came from Tornado's
 * language: which errors a try catches (in debug and production alike)
 * and which none does, what "except Exception as e" binds, the runaway
 * loop that fails the render, clauses in the wrong place, calls with bad
 * keyword arguments, and the chain of includes, blocks and modules an
 * error's message names.
 */
#include "template_test.h"

#include <eddy/base/log.h>
#include <eddy/web/template.h>

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

TestSuite(template_errors, .timeout = 30);

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* render_prod - src rendered in production mode (errors logged, not fatal). */
static char *render_prod(const char *src, const char *ctx)
{
    eddy_template_loader *l = mem_loader(false);
    eddy_template_add(l, "t.txt", src, strlen(src));
    char *s = render_in(l, "t.txt", ctx);
    eddy_template_loader_free(l);
    return s;
}

#define expect_error(src, want) expect(src, NULL, "ERROR: " want)

Test(template_errors, except_as_names_the_error)
{
    expect("{% try %}{{ nope }}{% except Exception as e %}[{{ e }}]{% end %}", NULL,
           "[unknown name &quot;nope&quot;]");
    expect("{% try %}{{ len(1) }}{% except Exception as e %}{{ e }}{% end %}", NULL,
           "len(): a number has no length");
    /* unbound after the clause, as in Python */
    expect("{% try %}{{ 1 / 0 }}{% except Exception as e %}{% end %}{{ e }}", NULL,
           "ERROR: t.txt:1:60: unknown name \"e\"\n"
           "    {% try %}{{ 1 / 0 }}{% except Exception as e %}{% end %}{{ e }}\n"
           "                                                               ^");
}

Test(template_errors, a_try_catches_the_same_errors_in_production)
{
    eddy_log_set_level(EDDY_LOG_NONE);
    char *s = render_prod("[{{ nope }}]{% try %}a{{ nope }}b{% except %}c{% end %}"
                          "{% if nope %}x{% else %}y{% end %}",
                          NULL);
    cr_expect_str_eq(s, "[]ac"); /* outside a try: logged, the tag renders nothing */
    free(s);
    eddy_log_set_level(EDDY_LOG_INFO);
}

Test(template_errors, fatal_errors_are_not_caught)
{
    eddy_template_loader *l = eddy_template_loader_new(NULL, true);
    eddy_template_set_max_iterations(l, 50);
    const char *src = "{% try %}{% while 1 %}{% end %}{% except %}caught{% end %}";
    eddy_template_add(l, "w.txt", src, strlen(src));
    const char *inc = "{% try %}{% include 'gone.txt' %}{% except %}caught{% end %}";
    eddy_template_add(l, "i.txt", inc, strlen(inc));
    eddy_buf out = EDDY_BUF_INIT;
    cr_expect_eq(eddy_template_render(l, "w.txt", NULL, NULL, &out), -1);
    cr_expect_str_eq(eddy_template_loader_error(l),
                     "w.txt:1:13: more than 50 loop iterations in one render\n"
                     "    {% try %}{% while 1 %}{% end %}{% except %}caught{% end %}\n"
                     "                ^");
    cr_expect_eq(eddy_template_render(l, "i.txt", NULL, NULL, &out), -1);
    cr_expect(strstr(eddy_template_loader_error(l), "template \"gone.txt\" not found"), "%s",
              eddy_template_loader_error(l));
    eddy_buf_free(&out);
    eddy_template_loader_free(l);
}

Test(template_errors, a_runaway_while_fails_the_render)
{
    eddy_template_loader *l = eddy_template_loader_new(NULL, false);
    const char *src = "{% set i = 0 %}{% while true %}{% end %}";
    eddy_template_add(l, "w.txt", src, strlen(src));
    eddy_buf out = EDDY_BUF_INIT;
    cr_expect_eq(eddy_template_render(l, "w.txt", NULL, NULL, &out), -1); /* default: 10 million */
    cr_expect(strstr(eddy_template_loader_error(l),
                     "w.txt:1:19: more than 10000000 loop iterations in one render"),
              "%s", eddy_template_loader_error(l));
    eddy_buf_free(&out);
    eddy_template_loader_free(l);
}

Test(template_errors, clauses_in_the_wrong_place_are_syntax_errors)
{
    expect_error("{% try %}x{% end %}", "t.txt:1:4: \"try\" needs an \"except\" or a \"finally\"\n"
                                        "    {% try %}x{% end %}\n       ^");
    expect_error("{% try %}{% else %}{% end %}",
                 "t.txt:1:13: \"else\" in a try comes right after \"except\"\n"
                 "    {% try %}{% else %}{% end %}\n                ^");
    expect_error("{% try %}{% finally %}{% except %}{% end %}",
                 "t.txt:1:26: \"except\" after \"finally\" (a try has one except)\n"
                 "    {% try %}{% finally %}{% except %}{% end %}\n                             ^");
    expect_error("{% try %}{% except ValueError %}{% end %}",
                 "t.txt:1:20: \"except\" catches every error: write {% except %} or "
                 "{% except Exception as name %}\n"
                 "    {% try %}{% except ValueError %}{% end %}\n                       ^");
    expect_error("{% if a %}{% except %}{% end %}",
                 "t.txt:1:14: \"except\" outside a try block\n"
                 "    {% if a %}{% except %}{% end %}\n                 ^");
    expect_error("{% while x %}{% else %}{% else %}{% end %}",
                 "t.txt:1:27: \"else\" after \"else\"\n"
                 "    {% while x %}{% else %}{% else %}{% end %}\n                              ^");
    expect_error("{% while %}{% end %}",
                 "t.txt:1:4: \"while\" needs a condition\n    {% while %}{% end %}\n       ^");
    expect_error("{% for x in [] %}{% else %}{% break %}{% end %}",
                 "t.txt:1:31: \"break\" outside a for or while loop\n"
                 "    {% for x in [] %}{% else %}{% break %}{% end %}\n"
                 "                                  ^");
    expect_error("{% apply squeeze %}{% else %}{% end %}",
                 "t.txt:1:23: \"else\" outside an if, for, while or try block\n"
                 "    {% apply squeeze %}{% else %}{% end %}\n                          ^");
    expect_error("{% import os %}",
                 "t.txt:1:4: \"import\" is Python's: register a helper from C instead\n"
                 "    {% import os %}\n       ^");
}

Test(template_errors, keyword_argument_errors)
{
    expect_error("{{ url_escape('x', plsu=False) }}",
                 "t.txt:1:4: url_escape(): unexpected keyword argument \"plsu\"\n"
                 "    {{ url_escape('x', plsu=False) }}\n       ^");
    expect_error("{{ url_escape('x', True, plus=False) }}",
                 "t.txt:1:4: url_escape(): got two values for \"plus\"\n"
                 "    {{ url_escape('x', True, plus=False) }}\n       ^");
    expect_error("{{ url_escape() }}",
                 "t.txt:1:4: url_escape(): missing \"value\"\n    {{ url_escape() }}\n       ^");
    expect_error("{{ len([], x=1) }}", "t.txt:1:4: len(): unexpected keyword argument \"x\"\n"
                                       "    {{ len([], x=1) }}\n       ^");
    expect_error("{{ f(a=1, 2) }}", "t.txt:1:11: positional argument after a keyword argument\n"
                                    "    {{ f(a=1, 2) }}\n              ^");
    expect_error("{{ f(a=1, a=2) }}",
                 "t.txt:1:11: keyword argument \"a\" repeated\n    {{ f(a=1, a=2) }}\n"
                 "              ^");
    /* == is still a comparison */
    expect("{{ len([a == 1]) }}", "{\"a\":1}", "1");
}

Test(template_errors, runtime_errors_name_the_include_chain)
{
    eddy_template_loader *l = eddy_template_loader_new(NULL, true);
    static const char *const files[] = {
        "page.html",
        "{% extends 'base.html' %}\n{% block body %}\n{% include 'row.html' %}{% end %}",
        "base.html",
        "<html>\n<body>{% block body %}{% end %}</body>",
        "row.html",
        "<tr>\n{{ nope }}</tr>",
        "solo.html",
        "{% block b %}\n{{ nope }}{% end %}",
    };
    for (size_t i = 0; i < N(files); i += 2)
        eddy_template_add(l, files[i], files[i + 1], strlen(files[i + 1]));
    eddy_buf out = EDDY_BUF_INIT;
    cr_expect_eq(eddy_template_render(l, "page.html", NULL, NULL, &out), -1);
    cr_expect_str_eq(eddy_template_loader_error(l),
                     "row.html:2:4: unknown name \"nope\" (via page.html:3, base.html:2)\n"
                     "    {{ nope }}</tr>\n       ^");
    /* a block of the file itself is no other place */
    cr_expect_eq(eddy_template_render(l, "solo.html", NULL, NULL, &out), -1);
    cr_expect_str_eq(eddy_template_loader_error(l),
                     "solo.html:2:4: unknown name \"nope\"\n    {{ nope }}{% end %}\n       ^");
    eddy_buf_free(&out);
    eddy_template_loader_free(l);
}

Test(template_errors, a_try_catches_an_error_in_a_modules_fragment)
{
    eddy_template_loader *l = eddy_template_loader_new(NULL, true);
    const char *page = "a{% try %}{% module Template('part.html', x=1) %}"
                       "{% except Exception as e %}[{{ e }}]{% end %}b";
    const char *part = "{{ x }}{{ nope }}";
    eddy_template_add(l, "page.html", page, strlen(page));
    eddy_template_add(l, "part.html", part, strlen(part));
    eddy_buf out = EDDY_BUF_INIT;
    cr_assert_eq(eddy_template_render(l, "page.html", NULL, NULL, &out), 0, "%s",
                 eddy_template_loader_error(l));
    cr_expect_str_eq(out.data, "a1[unknown name &quot;nope&quot;]b");
    eddy_buf_free(&out);
    eddy_template_loader_free(l);
}
