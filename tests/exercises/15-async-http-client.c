/*
 * Exercise 15 tests: extract_links(), called directly on pages.
 *
 * The crawler fetches each page once only if every spelling of a link to
 * it comes out of extract_links() the same: these tests hand it the ways
 * HTML writes links (quotes or none, HREF in capitals, relative paths with
 * "..", a query alone, a fragment, &amp;) and check the absolute,
 * normalised URLs it reports, and that it skips what is not a web link.
 */
#include "links.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

static char got[32][256];
static int ngot;

static void collect(const char *url, void *arg)
{
    (void)arg;
    if (ngot < 32)
        snprintf(got[ngot++], sizeof got[0], "%s", url);
}

/* links_of - extract from html on page, expect the URLs in want (NULL-ended). */
static void links_of(const char *page, const char *html, const char *const *want)
{
    ngot = 0;
    int n = extract_links(page, html, strlen(html), collect, NULL);
    int nwant = 0;
    while (want[nwant])
        nwant++;
    cr_assert_eq(n, nwant, "%d links found in %s, wanted %d", n, html, nwant);
    cr_assert_eq(ngot, nwant, "found() was called %d times, the return says %d", ngot, n);
    for (int i = 0; i < nwant; i++)
        cr_expect_str_eq(got[i], want[i], "link %d of %s", i, html);
}

Test(ex15, quotes_of_every_kind_and_any_case)
{
    links_of("http://site.test/dir/page.html",
             "<a href=\"/a\">a</a> <a href='/b'>b</a> <a href=/c>c</a> <A HREF = \"/d\">d</A>",
             (const char *[]){"http://site.test/a", "http://site.test/b", "http://site.test/c",
                              "http://site.test/d", NULL});
}

Test(ex15, relative_links_are_resolved_against_the_page)
{
    links_of("http://site.test/dir/page.html?x=1",
             "<a href=\"other.html\"> <a href=\"../up.html\"> <a href=\"./same/../x\"> "
             "<a href=\"?y=2\"> <a href=\"//elsewhere.test/p\">",
             (const char *[]){"http://site.test/dir/other.html", "http://site.test/up.html",
                              "http://site.test/dir/x", "http://site.test/dir/page.html?y=2",
                              "http://elsewhere.test/p", NULL});
}

Test(ex15, one_spelling_per_page)
{
    links_of("http://site.test/",
             "<a href=\"HTTP://Site.Test:80/p#top\"> <a href=\"/p#other\"> <a href=\"/q?a=1&amp;b=2\">",
             (const char *[]){"http://site.test/p", "http://site.test/p", "http://site.test/q?a=1&b=2",
                              NULL});
}

Test(ex15, what_is_not_a_web_link_is_skipped)
{
    links_of("https://site.test/",
             "<a data-href=\"/no\"> <a href=\"mailto:a@b.test\"> <a href=\"javascript:void(0)\"> "
             "<a href=\"ftp://files.test/x\"> <a href=\"http://[bad/\"> <a href=\"/yes\">",
             (const char *[]){"https://site.test/yes", NULL});
}

Test(ex15, a_page_without_links_or_cut_in_a_quote)
{
    links_of("http://site.test/", "<p>no links here, only the word href in text</p>",
             (const char *[]){NULL});
    links_of("http://site.test/", "<a href=\"/ok\"> <a href=\"/cut", (const char *[]){"http://site.test/ok", NULL});
}
