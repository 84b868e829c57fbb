/*
 * next_url - see next_url.h. The exercise of lesson 20.
 */
#include "next_url.h"

/* quote:begin next_url */
bool next_url_is_safe(const char *next)
{
    if (!next || next[0] != '/')
        return false; /* "https://...", "evil.example", "": not a path here */
    /* Browsers read "//host" as another host, and treat "\" as "/" in
     * URLs, so "/\host" is "//host" too. */
    if (next[1] == '/' || next[1] == '\\')
        return false;
    for (const char *p = next; *p; p++)
        if ((unsigned char)*p < 0x20 || *p == 0x7f)
            return false; /* a tab or newline that a browser strips: "/\t/evil" */
    return true;
}
/* quote:end next_url */
