/*
 * utf8 - UTF-8 validation that can stop and resume between any two bytes
 * (see utf8.h).
 *
 * The state is how many continuation bytes are still due and the range
 * the next one must fall in. Only the first continuation byte has a range
 * narrower than 0x80..0xBF: after E0 it must be A0..BF (else overlong),
 * after ED 80..9F (else a surrogate), after F0 90..BF (overlong), after
 * F4 80..8F (above U+10FFFF). Runs of ASCII, the common case, are skipped
 * sixteen bytes at a time (eight without SSE2).
 */
#include <eddy/base/utf8.h>

#include <endian.h>
#include <string.h>

#ifdef __SSE2__
#include <emmintrin.h>
#endif

void eddy_utf8_init(eddy_utf8 *v)
{
    memset(v, 0, sizeof *v);
}

/* start - the rules for a lead byte b: how many continuation bytes follow
 * and the range of the first; -1 if b cannot start a character. */
static int start(eddy_utf8 *v, uint8_t b)
{
    v->lo = 0x80;
    v->hi = 0xBF;
    if (b >= 0xC2 && b <= 0xDF) {
        v->need = 1;
    } else if (b >= 0xE0 && b <= 0xEF) {
        v->need = 2;
        if (b == 0xE0)
            v->lo = 0xA0;
        else if (b == 0xED)
            v->hi = 0x9F;
    } else if (b >= 0xF0 && b <= 0xF4) {
        v->need = 3;
        if (b == 0xF0)
            v->lo = 0x90;
        else if (b == 0xF4)
            v->hi = 0x8F;
    } else {
        return -1; /* 80..C1 (a stray continuation or overlong), F5..FF */
    }
    return 0;
}

int eddy_utf8_feed(eddy_utf8 *v, const void *data, size_t len)
{
    const uint8_t *p = data, *end = p + len;
    if (v->invalid)
        return -1;
    while (p < end) {
        if (v->need == 0) {
            /* Skip ASCII while no character is open. */
            p += eddy_ascii_prefix(p, (size_t)(end - p));
            if (p == end)
                break;
            if (start(v, *p++) < 0)
                goto bad;
            /* A whole character in this piece (most are): its
             * continuation bytes checked here, not a step each. */
            if (end - p >= v->need) {
                if (p[0] < v->lo || p[0] > v->hi)
                    goto bad;
                for (int k = 1; k < v->need; k++)
                    if ((p[k] & 0xC0) != 0x80)
                        goto bad;
                p += v->need;
                v->need = 0;
            }
            continue;
        }
        uint8_t b = *p++;
        if (b < v->lo || b > v->hi)
            goto bad;
        v->lo = 0x80;
        v->hi = 0xBF;
        v->need--;
    }
    return 0;
bad:
    v->invalid = 1;
    return -1;
}

int eddy_utf8_complete(const eddy_utf8 *v)
{
    return !v->invalid && v->need == 0;
}

size_t eddy_ascii_prefix(const void *data, size_t len)
{
    /* Where the first high byte is, read off a mask of a block's high
     * bits: no byte-by-byte walk to it. */
    const uint8_t *p = data;
    size_t i = 0;
#ifdef __SSE2__
    for (; i + 16 <= len; i += 16) {
        __m128i v = _mm_loadu_si128((const __m128i *)(const void *)(p + i));
        unsigned high = (unsigned)_mm_movemask_epi8(v);
        if (high)
            return i + (size_t)__builtin_ctz(high);
    }
#endif
    for (; i + 8 <= len; i += 8) {
        uint64_t w;
        memcpy(&w, p + i, 8);
        w = le64toh(w) & 0x8080808080808080ULL;
        if (w)
            return i + (size_t)__builtin_ctzll(w) / 8;
    }
    while (i < len && p[i] < 0x80)
        i++;
    return i;
}

int eddy_utf8_valid(const void *data, size_t len)
{
    /* Most texts checked are short and all ASCII (a name, a file name):
     * said so before setting up the validator, which then starts at the
     * first byte from 0x80 up. */
    size_t ascii = eddy_ascii_prefix(data, len);
    if (ascii == len)
        return 1;
    eddy_utf8 v;
    eddy_utf8_init(&v);
    return eddy_utf8_feed(&v, (const uint8_t *)data + ascii, len - ascii) == 0 &&
           eddy_utf8_complete(&v);
}
