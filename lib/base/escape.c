/*
 * escape - HTML and JSON escaping (see escape.h).
 */
#include <eddy/base/escape.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* The entity for each byte the HTML escape replaces. */
static const char *const html_entity[256] = {
    ['\0'] = "\xEF\xBF\xBD", /* U+FFFD, as a browser reads a NUL */
    ['&'] = "&amp;",         ['<'] = "&lt;", ['>'] = "&gt;", ['"'] = "&quot;", ['\''] = "&#39;",
};

/* next_special - the first i' >= i with s[i'] needing an entity, or len.
 * Most text has none, so sixteen bytes are tested at a time (GCC/Clang
 * vectors: SSE2 on x86-64, NEON on aarch64) before the table finishes. */
static size_t next_special(const char *s, size_t i, size_t len)
{
#if defined(__GNUC__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    typedef signed char bytes16 __attribute__((vector_size(16)));
    /* keep[k] is -1 from byte 16 on: a window into it masks off bytes of
     * the last block that an earlier block already tested. */
    /* clang-format off */
    static const signed char keep[32] = {
        0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,
        -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
    };
    /* clang-format on */
    while (i < len && len >= 16) {
        size_t at = len - i >= 16 ? i : len - 16; /* the last block overlaps */
        bytes16 v, mask;
        memcpy(&v, s + at, 16);
        memcpy(&mask, keep + 16 - (i - at), 16);
        bytes16 hit =
            ((v == '&') | (v == '<') | (v == '>') | (v == '"') | (v == '\'') | (v == 0)) & mask;
        uint64_t lo, hi;
        memcpy(&lo, &hit, 8);
        memcpy(&hi, (const char *)&hit + 8, 8);
        if (lo)
            return at + (size_t)__builtin_ctzll(lo) / 8;
        if (hi)
            return at + 8 + (size_t)__builtin_ctzll(hi) / 8;
        i = at + 16;
    }
#endif
    while (i < len && !html_entity[(unsigned char)s[i]])
        i++;
    return i;
}

int eddy_xhtml_escape_to(eddy_buf *out, const char *s, size_t len)
{
    size_t from = 0;
    for (size_t i = next_special(s, 0, len); i < len; i = next_special(s, i + 1, len)) {
        if (eddy_buf_append(out, s + from, i - from) < 0 ||
            eddy_buf_append_str(out, html_entity[(unsigned char)s[i]]) < 0)
            return -1;
        from = i + 1;
    }
    return eddy_buf_append(out, s + from, len - from);
}

int eddy_json_encode_to(eddy_buf *out, const json_t *v)
{
    char *s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
    if (!s)
        return -1;
    int rc = 0;
    size_t from = 0, len = strlen(s);
    for (size_t i = 0; i < len && rc == 0; i++) {
        const char *rep = NULL;
        size_t skip = 1;
        if (s[i] == '<')
            rep = "\\u003c";
        else if (s[i] == '>')
            rep = "\\u003e";
        else if (s[i] == '&')
            rep = "\\u0026";
        else if ((unsigned char)s[i] == 0xE2 && i + 2 < len && (unsigned char)s[i + 1] == 0x80 &&
                 ((unsigned char)s[i + 2] == 0xA8 || (unsigned char)s[i + 2] == 0xA9)) {
            rep = (unsigned char)s[i + 2] == 0xA8 ? "\\u2028" : "\\u2029"; /* line breaks to JS */
            skip = 3;
        }
        if (!rep)
            continue;
        if (eddy_buf_append(out, s + from, i - from) < 0 || eddy_buf_append_str(out, rep) < 0)
            rc = -1;
        from = i + skip;
        i += skip - 1;
    }
    if (rc == 0)
        rc = eddy_buf_append(out, s + from, len - from);
    free(s);
    return rc;
}
