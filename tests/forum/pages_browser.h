/*
 * pages_browser - a very small browser for the forum's pages in tests:
 * it keeps the cookies the forum sets (the session, the XSRF token, a
 * notice), sends them back, and fills a form's _xsrf field from the last
 * page it read, the way a real browser posts a form it was shown.
 */
#ifndef PAGES_BROWSER_H
#define PAGES_BROWSER_H

#include "forum_test.h"

#include <stddef.h>

enum { PB_COOKIES = 8 };

typedef struct pb_browser {
    ft_forum *forum;
    char cookies[PB_COOKIES][2][1024]; /* name, value */
    char xsrf[256];                    /* the _xsrf of the last page read */
    int status;
    char location[512];
    char *page; /* the last response's body (owned) */
} pb_browser;

void pb_init(pb_browser *b, ft_forum *f);
void pb_free(pb_browser *b);

/* pb_get - GET path; the status, with the body in b->page. */
int pb_get(pb_browser *b, const char *path);

/* pb_post - POST path with fields "name", "value", ... (NULL-ended),
 * urlencoded, plus _xsrf from the last page unless with_xsrf is false.
 * extra_header (may be NULL) is one more header line, "Accept: ...". */
int pb_post(pb_browser *b, const char *path, bool with_xsrf, const char *extra_header, ...);

/* pb_multipart - POST path with parts (ft_part) and the page's _xsrf. */
int pb_multipart(pb_browser *b, const char *path, const ft_part *parts, size_t n);

/* pb_signin - sign in through the page; asserts the 303. */
void pb_signin(pb_browser *b, const char *mobile, const char *password);

/* pb_user - an account for mobile made through the API (password
 * "password-1"), and b started on f and signed in as it; its id. */
long long pb_user(pb_browser *b, ft_forum *f, const char *mobile);

/* pb_make_group - a group named name made by b through /group/new, with
 * the test PNG as its cover; its id. */
long long pb_make_group(pb_browser *b, const char *name);

/* pb_ws_open - a WebSocket handshake on path carrying the browser's
 * cookies and origin (NULL: the forum's own); the connected socket after
 * 101, else -1 with the status in b->status. */
int pb_ws_open(pb_browser *b, const char *path, const char *origin);

/* pb_has - the last page holds text. */
bool pb_has(const pb_browser *b, const char *text);

#endif
