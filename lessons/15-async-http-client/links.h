/*
 * links - the links of an HTML page, as absolute URLs (lesson 15's crawler).
 */
#ifndef LESSON15_LINKS_H
#define LESSON15_LINKS_H

#include <stddef.h>

/* extract_links - call found(url, arg) for every link in the page
 * html[0..len) that was fetched from page_url: each href="..." (double,
 * single or no quotes; HREF in any case) of a tag, with "&amp;" decoded,
 * resolved against page_url, normalised (eddy_url_normalize: that drops
 * the #fragment) and kept only when it is http or https. url is only
 * valid during the call. Returns the number of links passed to found, or
 * -1 if memory ran out. */
int extract_links(const char *page_url, const char *html, size_t len,
                  void (*found)(const char *url, void *arg), void *arg);

#endif
