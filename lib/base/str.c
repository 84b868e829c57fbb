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
