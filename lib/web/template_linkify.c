/*
 * template_linkify - the linkify helper, Tornado's escape.linkify:
 *
 *     linkify(text, shorten=False, extra_params="", require_protocol=False,
 *             permitted_protocols=["http", "https"])
 *
 * The text is HTML-escaped first, then every URL in it becomes a link.
 * A URL is found as Tornado's regular expression finds it: at a word
 * boundary, a scheme ([\w-]+: and one to three slashes) or "www.", then
 * runs of characters that end with one that is not punctuation, or a
 * parenthesised run; "&amp;" and "&quot;" may be inside, no other entity
 * and no space. A URL whose scheme is not permitted (javascript:, and
 * ftp: unless asked for) is left as text. Characters beyond ASCII count
 * as letters for the word boundary unless they are spaces or common
 * punctuation (Python asks Unicode; the difference is rare).
 */
#include "template_internal.h"

#include <stdio.h>
#include <string.h>

enum { MAX_LEN = 30 }; /* Tornado's: a link's text is shortened past it */

/* is_word - s[i] begins a \w character. */
static bool is_word(const char *s, size_t n, size_t i)
{
    unsigned char c = (unsigned char)s[i];
    if (c < 0x80)
        return is_ident((char)c);
    if ((c & 0xC0) == 0x80 || tpl_space_len(s + i, n - i))
        return false;
    unsigned char c1 = i + 1 < n ? (unsigned char)s[i + 1] : 0;
    if (c == 0xC2 && c1 >= 0xA1 && c1 <= 0xBF) /* Latin-1 signs, but ª ² ³ µ ¹ º ¼ ½ ¾ */
        return strchr("\xAA\xB2\xB3\xB5\xB9\xBA\xBC\xBD\xBE", (char)c1) != NULL;
    if (c == 0xC3 && (c1 == 0x97 || c1 == 0xB7)) /* × ÷ */
        return false;
    if (c == 0xE2 && c1 >= 0x80 && c1 <= 0x81) /* general punctuation */
        return false;
    if (c == 0xE3 && c1 == 0x80) /* CJK punctuation */
        return false;
    return true;
}

static bool is_punct(char c)
{
    return c && strchr("!\"#$%&'()*+,.:;<=>?@[\\]^`{|}~", c) != NULL;
}

/* entity - the length of "&amp;" or "&quot;" at s[i], else 0. */
static size_t entity(const char *s, size_t n, size_t i)
{
    if (n - i >= 5 && memcmp(s + i, "&amp;", 5) == 0)
        return 5;
    if (n - i >= 6 && memcmp(s + i, "&quot;", 6) == 0)
        return 6;
    return 0;
}

/* url_end - the end of the longest run of groups from s[i]: characters
 * ending with one that is not punctuation, or "(" ... ")"; i if none. */
static size_t url_end(const char *s, size_t n, size_t i)
{
    size_t end = i, good = i;
    while (end < n) {
        char c = s[end];
        size_t k;
        if (tpl_space_len(s + end, n - end))
            break;
        if (c == '&') {
            if (!(k = entity(s, n, end)))
                break;
            end += k;
            continue;
        }
        if (c == '(') { /* only where a group may start: right after one */
            if (end != good)
                break;
            size_t j = end + 1;
            while (j < n && s[j] != ')' && s[j] != '(' && !tpl_space_len(s + j, n - j))
                if (s[j] == '&') {
                    if (!(k = entity(s, n, j)))
                        break;
                    j += k;
                } else {
                    j++;
                }
            if (j >= n || s[j] != ')')
                break;
            end = good = j + 1;
            continue;
        }
        if (c == ')')
            break;
        end++;
        if (!is_punct(c))
            good = end;
    }
    return good;
}

/* url_at - a URL starting at s[i]: its end, and its scheme's and the
 * slashes' lengths (0 for "www."); 0 if none starts there. */
static size_t url_at(const char *s, size_t n, size_t i, size_t *scheme, size_t *slashes)
{
    size_t j = i;
    while (j < n && (s[j] == '-' || ((unsigned char)s[j] < 0x80 && is_ident(s[j]))))
        j++;
    if (j > i && j < n && s[j] == ':') {
        size_t k = 0;
        while (k < 3 && j + 1 + k < n && s[j + 1 + k] == '/')
            k++;
        for (; k > 0; k--) { /* fewer slashes when the rest needs one */
            size_t end = url_end(s, n, j + 1 + k);
            if (end > j + 1 + k) {
                *scheme = j - i;
                *slashes = k;
                return end;
            }
        }
    }
    if (n - i >= 4 && memcmp(s + i, "www.", 4) == 0) {
        size_t end = url_end(s, n, i + 4);
        if (end > i + 4) {
            *scheme = *slashes = 0;
            return end;
        }
    }
    return 0;
}

static bool permitted(const json_t *protocols, const char *s, size_t n)
{
    for (size_t i = 0; i < json_array_size(protocols); i++) {
        const json_t *p = json_array_get(protocols, i);
        if (json_is_string(p) && json_string_length(p) == n &&
            memcmp(json_string_value(p), s, n) == 0)
            return true;
    }
    return false;
}

/* chars_to - the byte offset of character k of s[0..n) (n if fewer). */
static size_t chars_to(const char *s, size_t n, size_t k)
{
    size_t i = 0;
    for (; i < n && k; k--)
        for (i++; i < n && ((unsigned char)s[i] & 0xC0) == 0x80; i++)
            ;
    return i;
}

static size_t chars(const char *s, size_t n)
{
    size_t c = 0;
    for (size_t i = 0; i < n; i++)
        c += ((unsigned char)s[i] & 0xC0) != 0x80;
    return c;
}

/* shorten - the text of a long link as Tornado clips it, into b; whether
 * it was clipped (then the link gets a title). */
static int shorten(eddy_buf *b, const char *url, size_t n, size_t proto, bool *clipped)
{
    char *u = malloc(n + 4);
    if (!u)
        return -1;
    memcpy(u, url, n);
    size_t len = n;
    const char *rest = url + proto, *slash = memchr(rest, '/', n - proto);
    if (slash) { /* the host and the start of the path's first part */
        const char *part = slash + 1;
        size_t plen = (size_t)(url + n - part);
        const char *next = memchr(part, '/', plen);
        if (next)
            plen = (size_t)(next - part);
        plen = chars_to(part, plen, 8);
        for (size_t i = 0; i < plen; i++)
            if (part[i] == '?' || part[i] == '.')
                plen = i;
        len = (size_t)(part - url) + plen;
    }
    if (chars(u, len) > MAX_LEN * 3 / 2)
        len = chars_to(u, len, MAX_LEN);
    *clipped = len != n || memcmp(u, url, n) != 0;
    if (*clipped) {
        const char *amp = NULL; /* not in the middle of an entity */
        for (size_t i = 0; i < len; i++)
            if (u[i] == '&')
                amp = u + i;
        if (amp && chars(u, (size_t)(amp - u)) > MAX_LEN - 5)
            len = (size_t)(amp - u);
        memcpy(u + len, "...", 3);
        len += 3;
        if (chars(u, len) >= chars(url, n)) {
            *clipped = false;
            memcpy(u, url, n);
            len = n;
        }
    }
    int rc = eddy_buf_append(b, u, len);
    free(u);
    return rc;
}

json_t *tpl_linkify(eddy_template_ctx *t, size_t argc, json_t *const *argv)
{
    json_t *p[5];
    if (eddy_template_params(t, argc, argv,
                             "text shorten extra_params require_protocol permitted_protocols", 1,
                             p) < 0)
        return NULL;
    if ((p[2] && !json_is_string(p[2])) || (p[4] && !json_is_array(p[4]))) {
        eddy_template_fail(t, "extra_params is a string, permitted_protocols a list");
        return NULL;
    }
    bool short_text = p[1] && truthy(p[1]), need_scheme = p[3] && truthy(p[3]);
    json_t *http = p[4] ? NULL : json_pack("[ss]", "http", "https");
    const json_t *protocols = p[4] ? p[4] : http;
    eddy_buf raw = EDDY_BUF_INIT, esc = EDDY_BUF_INIT, b = EDDY_BUF_INIT, params = EDDY_BUF_INIT;
    int rc = protocols ? 0 : -1;
    if (rc == 0 && p[2] && json_string_length(p[2])) { /* " " + extra_params.strip() */
        const char *x = json_string_value(p[2]);
        size_t a = 0, z = json_string_length(p[2]);
        while (a < z && tpl_space_len(x + a, z - a))
            a += tpl_space_len(x + a, z - a);
        while (z > a && is_space(x[z - 1]))
            z--;
        rc = eddy_buf_append_char(&params, ' ') | eddy_buf_append(&params, x + a, z - a);
    }
    if (rc == 0 && write_value(&raw, p[0], false) < 0)
        rc = -1;
    if (rc == 0)
        rc = eddy_xhtml_escape_to(&esc, raw.data ? raw.data : "", raw.len);
    const char *s = esc.data ? esc.data : "";
    size_t n = esc.len, from = 0;
    eddy_buf text = EDDY_BUF_INIT;
    bool prev_word = false; /* s[i - 1] is a \w character */
    for (size_t i = 0; i < n && rc == 0; i++) {
        if (((unsigned char)s[i] & 0xC0) == 0x80)
            continue;
        bool word = is_word(s, n, i), boundary = word != prev_word;
        prev_word = word;
        size_t scheme, slashes, end = boundary ? url_at(s, n, i, &scheme, &slashes) : 0;
        if (!end)
            continue;
        if (!(need_scheme && !scheme) && (!scheme || permitted(protocols, s + i, scheme))) {
            bool clipped = false;
            eddy_buf_clear(&text);
            if (short_text && chars(s + i, end - i) > MAX_LEN)
                rc = shorten(&text, s + i, end - i, scheme ? scheme + 1 + slashes : 0, &clipped);
            else
                rc = eddy_buf_append(&text, s + i, end - i);
            const char *http = scheme ? "" : "http://"; /* no scheme: http */
            rc |= eddy_buf_append(&b, s + from, i - from) | eddy_buf_append_str(&b, "<a href=\"") |
                  eddy_buf_append_str(&b, http) | eddy_buf_append(&b, s + i, end - i) |
                  eddy_buf_append_char(&b, '"') | eddy_buf_append(&b, params.data, params.len);
            if (clipped) /* the whole URL on mouse-over */
                rc |= eddy_buf_append_str(&b, " title=\"") | eddy_buf_append_str(&b, http) |
                      eddy_buf_append(&b, s + i, end - i) | eddy_buf_append_char(&b, '"');
            rc |= eddy_buf_append_char(&b, '>') | eddy_buf_append(&b, text.data, text.len) |
                  eddy_buf_append_str(&b, "</a>");
            from = end;
        }
        /* a URL not linked is passed over whole, as the regex does */
        for (i = end - 1; i > 0 && ((unsigned char)s[i] & 0xC0) == 0x80; i--)
            ;
        prev_word = is_word(s, n, i);
        i = end - 1;
    }
    eddy_buf_free(&text);
    if (rc == 0)
        rc = eddy_buf_append(&b, s + from, n - from);
    json_t *v = rc == 0 ? json_stringn_nocheck(b.data ? b.data : "", b.len) : NULL;
    if (!v)
        eddy_template_fail(t, "out of memory");
    json_decref(http);
    eddy_buf_free(&raw);
    eddy_buf_free(&esc);
    eddy_buf_free(&b);
    eddy_buf_free(&params);
    return v;
}
