/*
 * Tests of lib/router: which route a path reaches, with what captures,
 * and the URLs built back from route names.
 */
#include <eddy/web/router.h>

#include <criterion/criterion.h>
#include <regex.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

static eddy_router *r;
static int home, topic, user_post, files;

static void setup(void)
{
    r = eddy_router_new();
    cr_assert_eq(eddy_router_add(r, "/", &home, "home"), 0);
    cr_assert_eq(eddy_router_add(r, "/topic/([0-9]+)", &topic, "topic"), 0);
    cr_assert_eq(eddy_router_add(r, "^/u/([a-z]+)/post/([0-9]+)$", &user_post, "post"), 0);
    cr_assert_eq(eddy_router_add(r, "/files/(.*)", &files, NULL), 0);
}

static void teardown(void) { eddy_router_free(r); }

TestSuite(router, .init = setup, .fini = teardown);

static void *match(const char *path, eddy_str *caps, size_t *n)
{
    return eddy_router_match(r, path, strlen(path), caps, n);
}

Test(router, matches_in_order_with_captures)
{
    eddy_str caps[EDDY_ROUTE_MAX_CAPTURES];
    size_t n;
    cr_assert_eq(match("/", caps, &n), &home);
    cr_assert_eq(n, 0);
    cr_assert_eq(match("/topic/42", caps, &n), &topic);
    cr_assert_eq(n, 1);
    cr_assert(caps[0].len == 2 && memcmp(caps[0].p, "42", 2) == 0);
    cr_assert_eq(match("/u/ann/post/7", caps, &n), &user_post);
    cr_assert_eq(n, 2);
    cr_assert(caps[0].len == 3 && memcmp(caps[0].p, "ann", 3) == 0);
    cr_assert(caps[1].len == 1 && caps[1].p[0] == '7');
    cr_assert_eq(match("/files/a/b%20c.txt", caps, &n), &files);
    cr_assert(caps[0].len == 11 && memcmp(caps[0].p, "a/b%20c.txt", 11) == 0);
}

Test(router, patterns_are_anchored_at_both_ends)
{
    eddy_str caps[EDDY_ROUTE_MAX_CAPTURES];
    size_t n;
    cr_assert_null(match("/topic/42/edit", caps, &n));
    cr_assert_null(match("/x/topic/42", caps, &n));
    cr_assert_null(match("/topic/abc", caps, &n));
    cr_assert_null(match("", caps, &n));
    cr_assert_null(match("//", caps, &n));
}

/* A route's leading plain text is checked before its regex runs: the
 * check must not refuse what the regex would accept. */
Test(router, the_prefix_check_respects_quantifiers_and_alternation)
{
    static int q1, q2, q3, alt, esc;
    eddy_router *rr = eddy_router_new();
    cr_assert_eq(eddy_router_add(rr, "/ab*c/([0-9]+)", &q1, NULL), 0);
    cr_assert_eq(eddy_router_add(rr, "/xy?z", &q2, NULL), 0);
    cr_assert_eq(eddy_router_add(rr, "/mn{0,2}o", &q3, NULL), 0);
    cr_assert_eq(eddy_router_add(rr, "/one|/two", &alt, NULL), 0);
    cr_assert_eq(eddy_router_add(rr, "/a\\.b", &esc, NULL), 0);
    eddy_str caps[EDDY_ROUTE_MAX_CAPTURES];
    size_t n;
    const struct {
        const char *path;
        void *want;
    } cases[] = {
        {"/ac/1", &q1}, {"/abbc/2", &q1}, {"/xz", &q2},    {"/xyz", &q2}, {"/mo", &q3},
        {"/mnno", &q3}, {"/one", &alt},   {"/two", &alt},  {"/a.b", &esc}, {"/a", NULL},
        {"/axb", NULL}, {"/b/1", NULL},   {"/xyyz", NULL}, {"/", NULL},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        cr_expect_eq(eddy_router_match(rr, cases[i].path, strlen(cases[i].path), caps, &n),
                     cases[i].want, "%s", cases[i].path);
    eddy_router_free(rr);
}

Test(router, a_nul_in_the_path_matches_nothing)
{
    eddy_str caps[EDDY_ROUTE_MAX_CAPTURES];
    size_t n;
    cr_assert_null(eddy_router_match(r, "/files/a\0b", 10, caps, &n));
}

Test(router, reverses_named_routes_escaping_arguments)
{
    eddy_buf out = EDDY_BUF_INIT;
    const char *one[] = {"42"};
    cr_assert_eq(eddy_router_reverse(r, "topic", one, 1, &out), 0);
    cr_assert_str_eq(out.data, "/topic/42");
    eddy_buf_clear(&out);
    const char *two[] = {"a b/c", "7"};
    cr_assert_eq(eddy_router_reverse(r, "post", two, 2, &out), 0);
    cr_assert_str_eq(out.data, "/u/a%20b%2Fc/post/7");
    eddy_buf_clear(&out);
    cr_assert_eq(eddy_router_reverse(r, "home", NULL, 0, &out), 0);
    cr_assert_str_eq(out.data, "/");
    eddy_buf_free(&out);
}

Test(router, refuses_what_it_cannot_do_with_a_reason)
{
    eddy_buf out = EDDY_BUF_INIT;
    cr_assert_eq(eddy_router_reverse(r, "nope", NULL, 0, &out), -1);
    cr_assert_not_null(strstr(eddy_router_error(r), "no route named"));
    cr_assert_eq(eddy_router_reverse(r, "topic", NULL, 0, &out), -1);
    cr_assert_not_null(strstr(eddy_router_error(r), "takes 1 argument"));
    cr_assert_eq(eddy_router_add(r, "/a/(b", &home, NULL), -1, "unbalanced group");
    cr_assert_neq(eddy_router_error(r)[0], '\0');
    cr_assert_eq(eddy_router_add(r, "/again", &home, "home"), -1, "name used twice");
    cr_assert_eq(eddy_router_add(r, "/x|/y", &home, "alt"), 0);
    const char *none[] = {NULL};
    cr_assert_eq(eddy_router_reverse(r, "alt", none, 0, &out), -1);
    cr_assert_not_null(strstr(eddy_router_error(r), "cannot be reversed"));
    eddy_buf_free(&out);
}

/* The routes matched by hand (text, a group of digits or of anything,
 * text) answer what the anchored regex answers, for every path built
 * from pieces around their texts: the same match or none, the same
 * group. */
Test(router, hand_matched_shapes_agree_with_the_regex)
{
    static const char *const patterns[] = {
        "/post/([0-9]+)", "/post/([0-9]+)/comment", "/static/(.*)", "/upload/(.+)",
        "(.*)",           "/a/(.*)/b",              "([0-9]+)",     "/x/([0-9]+)x",
    };
    static const char *const pieces[] = {"", "/post/", "/static/", "/upload/", "/a/", "/b", "/x/",
                                         "x", "12", "0", "/comment", "a", "/", "9/9", "%20"};
    size_t np = sizeof pieces / sizeof pieces[0];
    for (size_t k = 0; k < sizeof patterns / sizeof patterns[0]; k++) {
        eddy_router *one = eddy_router_new();
        static int target;
        cr_assert_eq(eddy_router_add(one, patterns[k], &target, NULL), 0);
        char anchored[128];
        snprintf(anchored, sizeof anchored, "^%s$", patterns[k]);
        regex_t re;
        cr_assert_eq(regcomp(&re, anchored, REG_EXTENDED), 0);
        for (size_t a = 0; a < np; a++)
            for (size_t b = 0; b < np; b++)
                for (size_t c = 0; c < np; c++) {
                    char path[64];
                    snprintf(path, sizeof path, "%s%s%s", pieces[a], pieces[b], pieces[c]);
                    regmatch_t m[2];
                    bool want = regexec(&re, path, 2, m, 0) == 0;
                    eddy_str caps[EDDY_ROUTE_MAX_CAPTURES];
                    size_t n = 0;
                    bool got = eddy_router_match(one, path, strlen(path), caps, &n) == &target;
                    cr_assert_eq(got, want, "%s against %s", path, patterns[k]);
                    if (!got)
                        continue;
                    cr_assert_eq(n, 1);
                    cr_assert(caps[0].p == path + m[1].rm_so &&
                                  caps[0].len == (size_t)(m[1].rm_eo - m[1].rm_so),
                              "%s against %s: the group", path, patterns[k]);
                }
        regfree(&re);
        eddy_router_free(one);
    }
}
