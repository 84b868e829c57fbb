/*
 * markdown - posts and answers are written in Markdown and shown as HTML;
 * this is the one place that turns one into the other, safely.
 *
 * A user's text is never trusted: raw HTML in it is shown as text (the
 * reader sees "<script>" written out, it never runs), and a link or an
 * image keeps its address only when the address is a web one (http,
 * https, mailto for links, or a relative path on this site); anything
 * else (javascript:, data:, vbscript:, file: ...) loses its address.
 * Parsing and rendering are cmark's (CommonMark's reference library).
 */
#ifndef FORUM_MARKDOWN_H
#define FORUM_MARKDOWN_H

#include <stddef.h>

/* forum_markdown_html - text[0..len) (UTF-8 Markdown) as safe HTML, a
 * NUL-terminated string the caller frees with free(); NULL when out of
 * memory. Invalid UTF-8 is replaced, never passed through. */
char *forum_markdown_html(const char *text, size_t len);

/* forum_markdown_cache - the HTML of the texts rendered lately (a post
 * is read far more often than written), each beside the text it came
 * from, so a changed text is never answered with old HTML. One per app;
 * used from its loop's thread only. */
typedef struct forum_markdown_cache forum_markdown_cache;
forum_markdown_cache *forum_markdown_cache_new(void);
void forum_markdown_cache_free(forum_markdown_cache *c);

/* forum_markdown_cached - forum_markdown_html(text, len) as c has it, or
 * rendered now and kept; the caller reads it (it is c's) until its next
 * call on c. NULL when out of memory. */
const char *forum_markdown_cached(forum_markdown_cache *c, const char *text, size_t len);

/* forum_markdown_url_allowed - may a link (image 0) or an image (image 1)
 * point at url? Exposed for the tests and the pages. */
int forum_markdown_url_allowed(const char *url, int image);

#endif
