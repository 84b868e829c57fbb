/*
 * codec - see codec.h.
 *
 * One encoder and one decoder serve both base64 alphabets; they differ
 * only in two characters and in padding. Decoding checks everything a
 * lenient decoder would let pass (stray characters, padding in the wrong
 * place, unused bits set) so that a value has one spelling only.
 */
#include <eddy/base/codec.h>

#include <stdbool.h>
#include <stdint.h>

static const char std_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
static const char url_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

static int encode64(eddy_buf *out, const unsigned char *p, size_t n, const char *alphabet,
                    bool pad)
{
    if (eddy_buf_reserve(out, (n + 2) / 3 * 4) < 0)
        return -1;
    char *o = out->data + out->len;
    size_t i = 0;
    for (; i + 3 <= n; i += 3) {
        uint32_t v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8 | p[i + 2];
        *o++ = alphabet[v >> 18 & 63];
        *o++ = alphabet[v >> 12 & 63];
        *o++ = alphabet[v >> 6 & 63];
        *o++ = alphabet[v & 63];
    }
    if (i < n) {
        uint32_t v = (uint32_t)p[i] << 16 | (i + 1 < n ? (uint32_t)p[i + 1] << 8 : 0);
        *o++ = alphabet[v >> 18 & 63];
        *o++ = alphabet[v >> 12 & 63];
        if (i + 1 < n)
            *o++ = alphabet[v >> 6 & 63];
        else if (pad)
            *o++ = '=';
        if (pad)
            *o++ = '=';
    }
    out->len = (size_t)(o - out->data);
    out->data[out->len] = '\0';
    return 0;
}

/* sextet - the value of c in the alphabet, or -1. */
static int sextet(char c, const char *alphabet)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == alphabet[62])
        return 62;
    if (c == alphabet[63])
        return 63;
    return -1;
}

static int decode64(eddy_buf *out, const char *s, size_t n, const char *alphabet, bool padded)
{
    if (padded) {
        if (n % 4)
            return -1;
        if (n && s[n - 1] == '=')
            n -= (n >= 2 && s[n - 2] == '=') ? 2 : 1;
    }
    if (n % 4 == 1)
        return -1; /* one character carries only six bits: never a byte */
    size_t start = out->len;
    if (eddy_buf_reserve(out, n / 4 * 3 + 2) < 0)
        return -1;
    unsigned char *o = (unsigned char *)out->data + out->len;
    uint32_t acc = 0;
    int bits = 0;
    for (size_t i = 0; i < n; i++) {
        int v = sextet(s[i], alphabet);
        if (v < 0)
            goto bad;
        acc = acc << 6 | (uint32_t)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            *o++ = (unsigned char)(acc >> bits);
            acc &= (1u << bits) - 1;
        }
    }
    if (acc != 0)
        goto bad; /* bits after the last byte must be zero */
    out->len = (size_t)((char *)o - out->data);
    out->data[out->len] = '\0';
    return 0;
bad:
    eddy_buf_truncate(out, start);
    return -1;
}

int eddy_base64_encode(eddy_buf *out, const void *data, size_t n)
{
    return encode64(out, data, n, std_alphabet, true);
}

int eddy_base64_decode(eddy_buf *out, const char *s, size_t n)
{
    return decode64(out, s, n, std_alphabet, true);
}

int eddy_base64url_encode(eddy_buf *out, const void *data, size_t n)
{
    return encode64(out, data, n, url_alphabet, false);
}

int eddy_base64url_decode(eddy_buf *out, const char *s, size_t n)
{
    return decode64(out, s, n, url_alphabet, false);
}

int eddy_hex_encode(eddy_buf *out, const void *data, size_t n)
{
    static const char digits[] = "0123456789abcdef";
    if (eddy_buf_reserve(out, n * 2) < 0)
        return -1;
    const unsigned char *p = data;
    char *o = out->data + out->len;
    for (size_t i = 0; i < n; i++) {
        *o++ = digits[p[i] >> 4];
        *o++ = digits[p[i] & 15];
    }
    out->len += n * 2;
    out->data[out->len] = '\0';
    return 0;
}

static int nibble(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

int eddy_hex_decode(eddy_buf *out, const char *s, size_t n)
{
    if (n % 2 || eddy_buf_reserve(out, n / 2 + 1) < 0)
        return -1;
    unsigned char *o = (unsigned char *)out->data + out->len;
    for (size_t i = 0; i < n; i += 2) {
        int hi = nibble(s[i]), lo = nibble(s[i + 1]);
        if (hi < 0 || lo < 0) {
            out->data[out->len] = '\0';
            return -1;
        }
        *o++ = (unsigned char)(hi << 4 | lo);
    }
    out->len += n / 2;
    out->data[out->len] = '\0';
    return 0;
}
