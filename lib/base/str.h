/*
 * str - a span of bytes in someone else's buffer.
 *
 * Parsers hand out eddy_str values that point into the bytes they were
 * given instead of copying them (the HTTP parser's method, path and
 * headers, a form's raw fields). An eddy_str is not NUL-terminated and
 * owns nothing: it is valid as long as the buffer it points into.
 */
#ifndef EDDY_STR_H
#define EDDY_STR_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

typedef struct eddy_str {
    const char *p;
    size_t len;
} eddy_str;

/* eddy_str_case_eq - s equals the C string lit, ASCII case ignored
 * (header names, tokens). */
int eddy_str_case_eq(eddy_str s, const char *lit);

/* eddy_str_eq - s equals the C string lit, byte for byte. */
int eddy_str_eq(eddy_str s, const char *lit);

/* eddy_ascii_lower - c in lower case if it is an ASCII capital; every
 * other byte as it is, whatever the locale (protocol text is ASCII). */
static inline unsigned char eddy_ascii_lower(unsigned char c)
{
    return c >= 'A' && c <= 'Z' ? (unsigned char)(c + 32) : c;
}

/* eddy_hex_digit - the value of the hex digit c (either case), or -1. */
static inline int eddy_hex_digit(unsigned char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c |= 0x20; /* ASCII letters to lower case */
    return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* The two digits of each number below 100 ("00" to "99"), for writing
 * numbers two digits a step. */
extern const char eddy_digit_pairs[201];

/* eddy_put_digits - the last n (even) decimal digits of v at p,
 * zero-padded, two a step; the end of what it wrote. Unsigned 32-bit:
 * the division by 100 is a short multiply (dates and times write
 * several per value). */
static inline char *eddy_put_digits(char *p, uint32_t v, int n)
{
    for (int i = n; i > 0; i -= 2, v /= 100)
        memcpy(p + i - 2, eddy_digit_pairs + 2 * (v % 100), 2);
    return p + n;
}

/* eddy_u64_text - v in decimal, written so that it ends just before end;
 * its first digit. At most 20 digits. */
char *eddy_u64_text(char *end, uint64_t v);

/* eddy_i64_text - the same for a signed v, its '-' included: at most 20
 * characters. */
static inline char *eddy_i64_text(char *end, int64_t v)
{
    char *p = eddy_u64_text(end, v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v);
    if (v < 0)
        *--p = '-';
    return p;
}

#endif
