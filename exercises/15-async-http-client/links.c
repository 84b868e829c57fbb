/*
 * links - find the links of an HTML page (see links.h).
 *
 * EXERCISE: write extract_links(). The crawler (lessons/15-async-http-client/crawl.c)
 * calls it on every HTML page it fetches and queues each URL it is given
 * that is new and on the same site. `make progress` runs the tests.
 */
#include "links.h"

#include <eddy/base/buf.h>
#include <eddy/base/url.h>

#include <ctype.h>
#include <string.h>
#include <strings.h>

int extract_links(const char *page_url, const char *html, size_t len,
                  void (*found)(const char *url, void *arg), void *arg)
{
    /* TODO: walk html[0..len) looking for an attribute called href (any
     * case, after a space inside a tag: "data-href" is not one), then
     * optional spaces, '=', optional spaces, and a value in "double" or
     * 'single' quotes or none (then it ends at a space or '>'). For each
     * value:
     *   - copy it into an eddy_buf, turning "&amp;" into '&';
     *   - eddy_url_resolve(page_url, ..., value, ..., &abs): a link is
     *     relative to the page it is on;
     *   - eddy_url_normalize(abs.data, abs.len, &norm): one spelling per
     *     page, without the #fragment;
     *   - skip it unless norm starts with "http://" or "https://", or if
     *     either call failed;
     *   - found(norm.data, arg) and count it.
     * Free your buffers (eddy_buf_free) and return the count, or -1 if an
     * append ran out of memory. */
    (void)page_url;
    (void)html;
    (void)len;
    (void)found;
    (void)arg;
    return 0;
}
