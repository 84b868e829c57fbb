/*
 * links - find the links of an HTML page (see links.h).
 *
 * Not an HTML parser: a crawler only needs the href attributes, and a
 * scan for them is what Tornado's webspider demo does too (with
 * HTMLParser). What matters is what happens to each value afterwards: a
 * link is relative to the page it is on, so it is resolved against the
 * page's URL, and the same page is written many ways ("/a", "./a",
 * "/a#top", "HTTP://Host:80/a"), so it is normalised before anyone
 * compares it.
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
    eddy_buf raw = EDDY_BUF_INIT, abs = EDDY_BUF_INIT, norm = EDDY_BUF_INIT;
    int count = 0;
    const char *end = html + len;
    for (const char *p = html; p + 5 < end; p++) {
        /* an attribute called href: after a space inside a tag */
        if ((*p | 0x20) != 'h' || strncasecmp(p, "href", 4) != 0 || p == html || !isspace((unsigned char)p[-1]))
            continue;
        const char *v = p + 4;
        while (v < end && isspace((unsigned char)*v))
            v++;
        if (v >= end || *v != '=')
            continue;
        v++;
        while (v < end && isspace((unsigned char)*v))
            v++;
        const char *stop;
        if (v < end && (*v == '"' || *v == '\'')) {
            stop = memchr(v + 1, *v, (size_t)(end - v - 1));
            v++;
        } else {
            stop = v;
            while (stop < end && !isspace((unsigned char)*stop) && *stop != '>')
                stop++;
        }
        if (!stop)
            break; /* an unterminated quote: the page ends inside it */
        /* the one entity that is common in links: &amp; */
        eddy_buf_clear(&raw);
        for (const char *q = v; q < stop; q++) {
            if (eddy_buf_append_char(&raw, *q) < 0)
                goto oom;
            if (stop - q >= 5 && strncmp(q, "&amp;", 5) == 0)
                q += 4; /* "&amp;" is one '&' */
        }
        eddy_buf_clear(&abs);
        eddy_buf_clear(&norm);
        if (eddy_url_resolve(page_url, strlen(page_url), raw.data ? raw.data : "", raw.len, &abs) < 0 ||
            !abs.data || eddy_url_normalize(abs.data, abs.len, &norm) < 0 || !norm.data)
            continue; /* not a URL we can use */
        if (strncmp(norm.data, "http://", 7) != 0 && strncmp(norm.data, "https://", 8) != 0)
            continue; /* mailto:, javascript:, ftp:, ... */
        found(norm.data, arg);
        count++;
        p = stop;
    }
    eddy_buf_free(&raw);
    eddy_buf_free(&abs);
    eddy_buf_free(&norm);
    return count;
oom:
    eddy_buf_free(&raw);
    eddy_buf_free(&abs);
    eddy_buf_free(&norm);
    return -1;
}
