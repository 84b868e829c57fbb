/*
 * Tests for the URL functions the client and the crawler rely on
 * (lib/base/url.h): taking a URL apart, resolving a link against the page
 * it is on (RFC 3986's own examples), and one spelling per page.
 */
#include <criterion/criterion.h>
#include <eddy/base/url.h>

#include <string.h>

static int span_is(eddy_str s, const char *want)
{
    if (!want)
        return s.p == NULL;
    return s.p && s.len == strlen(want) && memcmp(s.p, want, s.len) == 0;
}

Test(url_parse, every_part_of_a_url)
{
    const char *s = "https://ada:pw@Example.COM:8443/a/b.html?x=1&y=2#frag";
    eddy_url u;
    cr_assert_eq(eddy_url_parse(s, strlen(s), &u), 0);
    cr_expect(span_is(u.scheme, "https"));
    cr_expect(span_is(u.authority, "ada:pw@Example.COM:8443"));
    cr_expect(span_is(u.userinfo, "ada:pw"));
    cr_expect(span_is(u.host, "Example.COM"));
    cr_expect(span_is(u.port, "8443"));
    cr_expect_eq(u.port_number, 8443);
    cr_expect(span_is(u.path, "/a/b.html"));
    cr_expect(span_is(u.query, "x=1&y=2"));
    cr_expect(span_is(u.fragment, "frag"));
}

Test(url_parse, ipv6_literals_and_missing_parts)
{
    eddy_url u;
    const char *s = "http://[::1]:8080";
    cr_assert_eq(eddy_url_parse(s, strlen(s), &u), 0);
    cr_expect(span_is(u.host, "::1"));
    cr_expect(u.host_is_ipv6);
    cr_expect_eq(u.port_number, 8080);
    cr_expect(span_is(u.path, ""));
    cr_expect(span_is(u.query, NULL));
    s = "../x?";
    cr_assert_eq(eddy_url_parse(s, strlen(s), &u), 0);
    cr_expect(span_is(u.scheme, NULL));
    cr_expect(span_is(u.host, NULL));
    cr_expect(span_is(u.path, "../x"));
    cr_expect(span_is(u.query, ""), "present but empty");
    cr_expect_eq(u.port_number, -1);
}

Test(url_parse, what_no_url_may_hold)
{
    const char *bad[] = {"http://h:99999/", "http://h:8x/", "http://[::1/", "http://[zz]/",
                         "http://a@b@c/", "http://h/a b", "http://h/\x01", ":nothing",
                         "http://[::1]x/", "http://h]/"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        eddy_url u;
        cr_expect_eq(eddy_url_parse(bad[i], strlen(bad[i]), &u), -1, "%s", bad[i]);
    }
}

static const char *resolved(const char *base, const char *ref)
{
    static eddy_buf b;
    eddy_buf_free(&b);
    if (eddy_url_resolve(base, strlen(base), ref, strlen(ref), &b) < 0)
        return "(error)";
    return b.data ? b.data : "";
}

Test(url_resolve, the_examples_of_rfc_3986)
{
    /* RFC 3986 section 5.4.1 and 5.4.2, base http://a/b/c/d;p?q */
    static const char *const cases[][2] = {
        {"g:h", "g:h"}, {"g", "http://a/b/c/g"}, {"./g", "http://a/b/c/g"},
        {"g/", "http://a/b/c/g/"}, {"/g", "http://a/g"}, {"//g", "http://g"},
        {"?y", "http://a/b/c/d;p?y"}, {"g?y", "http://a/b/c/g?y"}, {"#s", "http://a/b/c/d;p?q#s"},
        {"g#s", "http://a/b/c/g#s"}, {";x", "http://a/b/c/;x"}, {"", "http://a/b/c/d;p?q"},
        {".", "http://a/b/c/"}, {"./", "http://a/b/c/"}, {"..", "http://a/b/"},
        {"../", "http://a/b/"}, {"../g", "http://a/b/g"}, {"../..", "http://a/"},
        {"../../g", "http://a/g"}, {"../../../g", "http://a/g"}, {"/./g", "http://a/g"},
        {"/../g", "http://a/g"}, {"g.", "http://a/b/c/g."}, {".g", "http://a/b/c/.g"},
        {"g..", "http://a/b/c/g.."}, {"./../g", "http://a/b/g"}, {"./g/.", "http://a/b/c/g/"},
        {"g/./h", "http://a/b/c/g/h"}, {"g/../h", "http://a/b/c/h"},
        {"g;x=1/./y", "http://a/b/c/g;x=1/y"}, {"g;x=1/../y", "http://a/b/c/y"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++)
        cr_expect_str_eq(resolved("http://a/b/c/d;p?q", cases[i][0]), cases[i][1], "ref %s",
                         cases[i][0]);
    cr_expect_str_eq(resolved("http://h", "x"), "http://h/x", "a base without a path");
    cr_expect_str_eq(resolved("not absolute", "x"), "(error)");
    /* a path that would come out as "//g" with no authority stays a path */
    cr_expect_str_eq(resolved("x:/a/b", "..//g"), "x:/.//g");
}

static const char *normal(const char *s)
{
    static eddy_buf b;
    eddy_buf_free(&b);
    if (eddy_url_normalize(s, strlen(s), &b) < 0)
        return "(error)";
    return b.data;
}

Test(url_normalize, one_spelling_per_page)
{
    cr_expect_str_eq(normal("HTTP://Example.COM:80"), "http://example.com/");
    cr_expect_str_eq(normal("https://h:443/a/./b/../c?q=%7e#top"), "https://h/a/c?q=%7E");
    cr_expect_str_eq(normal("http://h:8080/x"), "http://h:8080/x");
    cr_expect_str_eq(normal("http://[::1]:80/"), "http://[::1]/");
    cr_expect_str_eq(normal("mailto:someone@example.com"), "(error)");
    cr_expect_str_eq(normal("/relative"), "(error)");
}
