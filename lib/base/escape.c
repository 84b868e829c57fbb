/*
 * escape - HTML and JSON escaping (see escape.h).
 *
 * Two JSON writers share the walk over a json_t: Tornado's (for pages:
 * safe inside <script>) and the compact one a JSON response is written
 * with, which prints what Jansson's json_dumps prints but skips its cycle
 * bookkeeping (a pointer printed and hashed for every object and array,
 * most of what a large answer cost); a depth limit stands in for it.
 */
#include <eddy/base/escape.h>
#include <eddy/base/utf8.h>

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef __SSE2__
#include <emmintrin.h>
#endif

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

/* The length of each entity above, so none is measured while writing. */
static const unsigned char html_entity_len[256] = {
    ['\0'] = 3, ['&'] = 5, ['<'] = 4, ['>'] = 4, ['"'] = 6, ['\''] = 5,
};

enum { ENTITY_MAX = 6, ESCAPE_IN_PLACE_MAX = 4096 };

#ifdef __SSE2__
/* The entities padded to eight bytes, so each is written with one
 * fixed-size copy. */
static const char html_entity8[256][8] = {
    ['\0'] = "\xEF\xBF\xBD", ['&'] = "&amp;", ['<'] = "&lt;",
    ['>'] = "&gt;",           ['"'] = "&quot;", ['\''] = "&#39;",
};

/* escape_block - the n (1..16) bytes at block[0..n) escaped at w; block
 * is 32 bytes long, and w has 16 bytes of room past what it writes. The
 * specials are found sixteen at a time (SSE2) and walked from the bit
 * mask, so text dense with them (a message quoting markup) is read once,
 * and every copy has a fixed size. */
static char *escape_block(char *w, const char *block, unsigned n, unsigned *high)
{
    const __m128i v = _mm_loadu_si128((const __m128i *)(const void *)block);
    *high |= (unsigned)_mm_movemask_epi8(v); /* bytes from 0x80 up */
    __m128i hit = _mm_or_si128(
        _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('&')),
                                  _mm_cmpeq_epi8(v, _mm_set1_epi8('<'))),
                     _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('>')),
                                  _mm_cmpeq_epi8(v, _mm_set1_epi8('"')))),
        _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('\'')),
                     _mm_cmpeq_epi8(v, _mm_setzero_si128())));
    unsigned mask = (unsigned)_mm_movemask_epi8(hit) & (n == 16 ? 0xFFFFu : (1u << n) - 1);
    unsigned from = 0;
    for (; mask; mask &= mask - 1) {
        unsigned at = (unsigned)__builtin_ctz(mask);
        unsigned char c = (unsigned char)block[at];
        memcpy(w, block + from, 16); /* the run before it, and more, overwritten next */
        w += at - from;
        memcpy(w, html_entity8[c], 8);
        w += html_entity_len[c];
        from = at + 1;
    }
    memcpy(w, block + from, 16);
    return w + (n - from);
}
#endif

/* escape_short - s[0..len) escaped at w, which has room for the worst
 * case and 16 bytes more; the end of what it wrote. *ascii, when asked,
 * says whether no byte was 0x80 or more. */
static char *escape_short(char *w, const char *s, size_t len, bool *ascii)
{
#ifdef __SSE2__
    char block[32] = {0};
    unsigned high = 0;
    for (size_t i = 0; i < len; i += 16) {
        unsigned n = len - i >= 16 ? 16 : (unsigned)(len - i);
        memcpy(block, s + i, n);
        if (n < 16)
            memset(block + n, 0, 16 - n);
        w = escape_block(w, block, n, &high);
    }
    if (ascii)
        *ascii = high == 0;
#else
    if (ascii)
        *ascii = eddy_ascii_prefix(s, len) == len;
    /* the specials found by next_special (GCC vectors where there are some) */
    size_t from = 0;
    for (size_t i = next_special(s, 0, len); i < len; i = next_special(s, i + 1, len)) {
        unsigned char c = (unsigned char)s[i];
        memcpy(w, s + from, i - from);
        w += i - from;
        memcpy(w, html_entity[c], html_entity_len[c]);
        w += html_entity_len[c];
        from = i + 1;
    }
    memcpy(w, s + from, len - from);
    w += len - from;
#endif
    return w;
}

int eddy_xhtml_escape_ascii_to(eddy_buf *out, const char *s, size_t len, bool *ascii)
{
    /* Short text (a page's values are): room for the worst case first,
     * then written in place, with no append per piece. */
    if (len <= ESCAPE_IN_PLACE_MAX && eddy_buf_reserve(out, len * ENTITY_MAX + 16) == 0) {
        char *w = escape_short(out->data + out->len, s, len, ascii);
        out->len = (size_t)(w - out->data);
        out->data[out->len] = '\0'; /* as every append leaves it */
        return 0;
    }
    if (ascii)
        *ascii = eddy_ascii_prefix(s, len) == len;
    size_t from = 0;
    for (size_t i = next_special(s, 0, len); i < len; i = next_special(s, i + 1, len)) {
        unsigned char c = (unsigned char)s[i];
        if (eddy_buf_append(out, s + from, i - from) < 0 ||
            eddy_buf_append(out, html_entity[c], html_entity_len[c]) < 0)
            return -1;
        from = i + 1;
    }
    return eddy_buf_append(out, s + from, len - from);
}

int eddy_xhtml_escape_to(eddy_buf *out, const char *s, size_t len)
{
    return eddy_xhtml_escape_ascii_to(out, s, len, NULL);
}

/* ------------------------------------------------------------ JSON */

void eddy_real_text(char *dst, size_t cap, double d)
{
    /* The fewest significant digits that read back as d (as repr does),
     * then Python's layout: fixed from 1e-4 up to 1e16, else exponent. */
    int prec = 1;
    for (; prec < 17; prec++) {
        snprintf(dst, cap, "%.*e", prec - 1, d);
        if (strtod(dst, NULL) == d)
            break;
    }
    snprintf(dst, cap, "%.*e", prec - 1, d);
    int exp = atoi(strchr(dst, 'e') + 1);
    if (exp >= -4 && exp < 16) {
        int decimals = prec - 1 - exp;
        snprintf(dst, cap, "%.*f", decimals > 0 ? decimals : 0, d);
        if (!strchr(dst, '.'))
            strncat(dst, ".0", cap - strlen(dst) - 1);
    }
}

/* utf8_next - the code point at s[*i] (advancing *i), or -1 when the
 * bytes there are not UTF-8 (overlong, a surrogate, past U+10FFFF). */
static long utf8_next(const unsigned char *s, size_t len, size_t *i)
{
    unsigned char c = s[*i];
    int n = c < 0x80                ? 0
            : c >= 0xC2 && c < 0xE0 ? 1
            : c >= 0xE0 && c < 0xF0 ? 2
            : c >= 0xF0 && c < 0xF5 ? 3
                                    : -1;
    if (n < 0 || *i + (size_t)n >= len)
        return -1;
    long cp = n == 0 ? c : c & (0x3F >> n);
    for (int k = 1; k <= n; k++) {
        unsigned char b = s[*i + (size_t)k];
        if ((b & 0xC0) != 0x80)
            return -1;
        cp = cp << 6 | (b & 0x3F);
    }
    if ((n == 2 && cp < 0x800) || (n == 3 && (cp < 0x10000 || cp > 0x10FFFF)) ||
        (cp >= 0xD800 && cp <= 0xDFFF))
        return -1;
    *i += (size_t)n + 1;
    return cp;
}

static int json_string_to(eddy_buf *out, const char *str, size_t len)
{
    const unsigned char *s = (const unsigned char *)str;
    if (eddy_buf_append_char(out, '"') < 0)
        return -1;
    size_t from = 0;
    for (size_t i = 0; i < len;) {
        unsigned char c = s[i];
        if (c >= 0x20 && c < 0x7F && c != '"' && c != '\\' &&
            !(c == '/' && i > 0 && s[i - 1] == '<') &&
            !(c == '<' && len - i >= 4 && memcmp(s + i, "<!--", 4) == 0)) {
            i++;
            continue;
        }
        size_t at = i;
        long cp = utf8_next(s, len, &i);
        if (cp < 0 || eddy_buf_append(out, s + from, at - from) < 0)
            return -1;
        from = i;
        char esc[16];
        const char *rep = esc;
        if (cp == '"')
            rep = "\\\"";
        else if (cp == '\\')
            rep = "\\\\";
        else if (cp == '/')
            rep = "\\/"; /* after '<': "</script>" cannot end the script */
        else if (cp == '\n')
            rep = "\\n";
        else if (cp == '\r')
            rep = "\\r";
        else if (cp == '\t')
            rep = "\\t";
        else if (cp == '\b')
            rep = "\\b";
        else if (cp == '\f')
            rep = "\\f";
        else if (cp < 0x10000)
            snprintf(esc, sizeof esc, "\\u%04x", (unsigned)cp);
        else /* a surrogate pair, as Python writes it */
            snprintf(esc, sizeof esc, "\\u%04x\\u%04x",
                     (unsigned)(0xD800 + ((cp - 0x10000) >> 10)) & 0xFFFFu,
                     (unsigned)(0xDC00 + ((cp - 0x10000) & 0x3FF)) & 0xFFFFu);
        if (eddy_buf_append_str(out, rep) < 0)
            return -1;
    }
    if (eddy_buf_append(out, s + from, len - from) < 0)
        return -1;
    return eddy_buf_append_char(out, '"');
}

/* compact_string_to - str as Jansson writes it by default: only '"',
 * '\\' and control characters escaped (as \uXXXX when they have no short
 * form), the rest as the UTF-8 it is; -1 when it is not UTF-8. */
static int compact_string_to(eddy_buf *out, const char *str, size_t len)
{
    const unsigned char *s = (const unsigned char *)str;
    /* the text and its quotes at least: room made once, so that text
     * with nothing to escape (nearly all) is written with one copy */
    if (eddy_buf_reserve(out, len + 2) < 0)
        return -1;
    out->data[out->len++] = '"';
    out->data[out->len] = '\0';
    size_t from = 0;
    for (size_t i = 0; i < len;) {
#ifdef __SSE2__
        /* Sixteen bytes at a time past plain text: none below 0x20 (as a
         * signed compare also finds every byte from 0x80, which must be
         * checked as UTF-8), no quote, no backslash. */
        while (i < len) {
            unsigned char tail[16]; /* the last bytes, padded with a plain one */
            const unsigned char *p = s + i;
            if (len - i < 16) {
                memset(tail, 'a', sizeof tail);
                memcpy(tail, s + i, len - i);
                p = tail;
            }
            __m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);
            __m128i stop = _mm_or_si128(_mm_cmplt_epi8(v, _mm_set1_epi8(0x20)),
                                        _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('"')),
                                                     _mm_cmpeq_epi8(v, _mm_set1_epi8('\\'))));
            unsigned mask = (unsigned)_mm_movemask_epi8(stop);
            if (mask) {
                i += (size_t)__builtin_ctz(mask);
                break;
            }
            i = len - i < 16 ? len : i + 16;
        }
        if (i >= len)
            break;
#endif
        unsigned char c = s[i];
        if (c >= 0x80) {
            if (utf8_next(s, len, &i) < 0)
                return -1;
            continue;
        }
        if (c >= 0x20 && c != '"' && c != '\\') {
            i++;
            continue;
        }
        char esc[8];
        const char *rep = esc;
        switch (c) {
        case '"': rep = "\\\""; break;
        case '\\': rep = "\\\\"; break;
        case '\b': rep = "\\b"; break;
        case '\f': rep = "\\f"; break;
        case '\n': rep = "\\n"; break;
        case '\r': rep = "\\r"; break;
        case '\t': rep = "\\t"; break;
        default: snprintf(esc, sizeof esc, "\\u%04X", c);
        }
        if (eddy_buf_append(out, s + from, i - from) < 0 || eddy_buf_append_str(out, rep) < 0)
            return -1;
        from = ++i;
    }
    if (from == 0) { /* nothing escaped: the room made above is still there */
        memcpy(out->data + out->len, s, len);
        out->len += len;
        out->data[out->len++] = '"';
        out->data[out->len] = '\0';
        return 0;
    }
    if (eddy_buf_append(out, s + from, len - from) < 0)
        return -1;
    return eddy_buf_append_char(out, '"');
}

/* json_to - v at depth; deeper than JSON_MAX_DEPTH fails (a cycle, or a
 * stack a coroutine cannot afford). */
static int json_to(eddy_buf *out, const json_t *v, int depth, bool compact)
{
    const char *comma = compact ? "," : ", ", *colon = compact ? ":" : ": ";
    int (*string_to)(eddy_buf *, const char *, size_t) = compact ? compact_string_to : json_string_to;
    enum { JSON_MAX_DEPTH = 200 };
    char num[64];
    switch (json_typeof(v)) {
    case JSON_NULL:
        return eddy_buf_append_str(out, "null");
    case JSON_TRUE:
        return eddy_buf_append_str(out, "true");
    case JSON_FALSE:
        return eddy_buf_append_str(out, "false");
    case JSON_INTEGER:
        snprintf(num, sizeof num, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
        return eddy_buf_append_str(out, num);
    case JSON_REAL:
        if (compact) { /* Jansson's own digits: reals are rare in an answer */
            char *text = json_dumps(v, JSON_ENCODE_ANY);
            int rc = text ? eddy_buf_append_str(out, text) : -1;
            free(text);
            return rc;
        }
        eddy_real_text(num, sizeof num, json_real_value(v));
        return eddy_buf_append_str(out, num);
    case JSON_STRING:
        return string_to(out, json_string_value(v), json_string_length(v));
    case JSON_ARRAY:
        if (depth >= JSON_MAX_DEPTH || eddy_buf_append_char(out, '[') < 0)
            return -1;
        for (size_t i = 0; i < json_array_size(v); i++)
            if ((i && eddy_buf_append_str(out, comma) < 0) ||
                json_to(out, json_array_get(v, i), depth + 1, compact) < 0)
                return -1;
        return eddy_buf_append_char(out, ']');
    case JSON_OBJECT: {
        if (depth >= JSON_MAX_DEPTH || eddy_buf_append_char(out, '{') < 0)
            return -1;
        bool first = true;
        for (void *it = json_object_iter((json_t *)v); it;
             it = json_object_iter_next((json_t *)v, it)) {
            const char *k = json_object_iter_key(it);
            if ((!first && eddy_buf_append_str(out, comma) < 0) ||
                string_to(out, k, json_object_iter_key_len(it)) < 0 ||
                eddy_buf_append_str(out, colon) < 0 ||
                json_to(out, json_object_iter_value(it), depth + 1, compact) < 0)
                return -1;
            first = false;
        }
        return eddy_buf_append_char(out, '}');
    }
    }
    return -1;
}

int eddy_json_encode_to(eddy_buf *out, const json_t *v)
{
    size_t mark = out->len;
    if (json_to(out, v, 0, false) == 0)
        return 0;
    eddy_buf_truncate(out, mark);
    return -1;
}

int eddy_json_compact_to(eddy_buf *out, const json_t *v)
{
    size_t mark = out->len;
    if (json_to(out, v, 0, true) == 0)
        return 0;
    eddy_buf_truncate(out, mark);
    return -1;
}

int eddy_json_compact_string_to(eddy_buf *out, const char *s, size_t len)
{
    size_t mark = out->len;
    if (compact_string_to(out, s, len) == 0)
        return 0;
    eddy_buf_truncate(out, mark);
    return -1;
}
