/*
 * next_url - where a login may send the browser afterwards.
 *
 * The page guard sends a visitor to /login?next=/the/page, and the login
 * sends them back to `next`. Anyone can write a link with any `next`:
 * left unchecked, /login?next=https://evil.example/ makes this site's
 * login page forward its users to a look-alike that asks for the password
 * again (an "open redirect"). Only a path on this site may be followed.
 */
#ifndef LESSON20_NEXT_URL_H
#define LESSON20_NEXT_URL_H

#include <stdbool.h>

/* next_url_is_safe - next is a path on this site: it starts with one '/',
 * and a browser cannot read it as another host ("//evil", "/\evil") or
 * a scheme; it holds no control characters. */
bool next_url_is_safe(const char *next);

#endif
