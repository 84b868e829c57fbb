/*
 * Exercise 20 tests: next_url_is_safe(), called directly with the paths
 * a login may forward to and the ones a phisher would write into ?next=.
 */
#include "next_url.h"

#include <criterion/criterion.h>

Test(ex20, paths_on_this_site_are_followed)
{
    cr_assert(next_url_is_safe("/"));
    cr_assert(next_url_is_safe("/page?tab=2"));
    cr_assert(next_url_is_safe("/topics/7#reply"));
    cr_assert(next_url_is_safe("/a//b"), "a double slash later on is still a path");
}

Test(ex20, other_sites_are_not)
{
    cr_assert_not(next_url_is_safe("https://evil.example/login"));
    cr_assert_not(next_url_is_safe("//evil.example/login"), "a URL without its scheme");
    cr_assert_not(next_url_is_safe("/\\evil.example"), "browsers read \\ as /");
    cr_assert_not(next_url_is_safe("evil.example"));
    cr_assert_not(next_url_is_safe("javascript:alert(1)"));
    cr_assert_not(next_url_is_safe(""));
    cr_assert_not(next_url_is_safe(NULL));
}

Test(ex20, characters_browsers_strip_cannot_hide_a_host)
{
    cr_assert_not(next_url_is_safe("/\t/evil.example"));
    cr_assert_not(next_url_is_safe("/\n/evil.example"));
    cr_assert_not(next_url_is_safe("/page\r\nSet-Cookie: x=1"));
    cr_assert_not(next_url_is_safe("/\x7f"));
}
