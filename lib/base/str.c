/*
 * str - comparisons on byte spans (see str.h).
 */
#include <eddy/base/str.h>

#include <string.h>

int eddy_str_case_eq(eddy_str s, const char *lit)
{
    /* The first byte rules out most candidates before strlen is paid. */
    if (s.len == 0 ? *lit != '\0' : eddy_ascii_lower((unsigned char)s.p[0]) != eddy_ascii_lower((unsigned char)lit[0]))
        return 0;
    size_t n = strlen(lit);
    if (s.len != n)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (eddy_ascii_lower((unsigned char)s.p[i]) != eddy_ascii_lower((unsigned char)lit[i]))
            return 0;
    return 1;
}

int eddy_str_eq(eddy_str s, const char *lit)
{
    size_t n = strlen(lit);
    return s.len == n && (n == 0 || memcmp(s.p, lit, n) == 0);
}

const char eddy_digit_pairs[201] = "00010203040506070809101112131415161718192021222324"
                                   "25262728293031323334353637383940414243444546474849"
                                   "50515253545556575859606162636465666768697071727374"
                                   "75767778798081828384858687888990919293949596979899";

char *eddy_u64_text(char *end, uint64_t v)
{
    while (v >= 100) {
        end -= 2;
        memcpy(end, eddy_digit_pairs + 2 * (v % 100), 2);
        v /= 100;
    }
    if (v >= 10) {
        end -= 2;
        memcpy(end, eddy_digit_pairs + 2 * v, 2);
    } else {
        *--end = (char)('0' + v);
    }
    return end;
}
