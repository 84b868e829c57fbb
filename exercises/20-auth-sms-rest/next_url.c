/*
 * next_url - see next_url.h. The exercise of lesson 20.
 */
#include "next_url.h"

bool next_url_is_safe(const char *next)
{
    /* TODO: true only for a path on this site. next_url.h says what a
     * browser would read as another site; the tests try "/", "/page?x=1",
     * "https://evil.example/", "//evil.example", "/\\evil.example",
     * "evil.example", "", NULL and a path with a tab or newline in it. */
    (void)next;
    return true;
}
