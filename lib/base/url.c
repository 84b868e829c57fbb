/*
 * url - percent-encoding and urlencoded pairs (see url.h).
 */
#include <eddy/base/url.h>

#include <string.h>

ssize_t eddy_url_decode(const char *in, size_t len, char *out, int plus_is_space, int allow_nul)
{
    size_t o = 0;
    for (size_t i = 0; i < len; i++) {
        char c = in[i];
        if (c == '%') {
            int hi = i + 2 < len ? eddy_hex_digit((unsigned char)in[i + 1]) : -1;
            int lo = i + 2 < len ? eddy_hex_digit((unsigned char)in[i + 2]) : -1;
            if (hi < 0 || lo < 0)
                return -1;
            c = (char)(hi * 16 + lo);
            if (c == '\0' && !allow_nul)
                return -1;
            i += 2;
        } else if (c == '+' && plus_is_space) {
            c = ' ';
        }
        out[o++] = c;
    }
    return (ssize_t)o;
}

int eddy_urlencoded_next(eddy_str *cursor, eddy_str *name, eddy_str *value)
{
    while (cursor->len) {
        const char *amp = memchr(cursor->p, '&', cursor->len);
        size_t n = amp ? (size_t)(amp - cursor->p) : cursor->len;
        eddy_str pair = {cursor->p, n};
        cursor->p += n + (amp ? 1 : 0);
        cursor->len -= n + (amp ? 1 : 0);
        if (n == 0)
            continue;
        const char *eq = memchr(pair.p, '=', pair.len);
        if (eq) {
            *name = (eddy_str){pair.p, (size_t)(eq - pair.p)};
            *value = (eddy_str){eq + 1, pair.len - name->len - 1};
        } else {
            *name = pair;
            *value = (eddy_str){pair.p + pair.len, 0};
        }
        return 1;
    }
    return 0;
}

int eddy_url_escape_to(eddy_buf *out, const char *s, size_t len, unsigned flags)
{
    static const char hex[] = "0123456789ABCDEF";
    if (len == 0)
        return 0;
    size_t from = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
            c == '-' || c == '_' || c == '.' || c == '~' ||
            (c == '/' && (flags & EDDY_URL_KEEP_SLASH)))
            continue;
        /* Runs of characters that stay are copied at once. */
        if (eddy_buf_append(out, s + from, i - from) < 0)
            return -1;
        int rc = c == ' ' && (flags & EDDY_URL_PLUS)
                     ? eddy_buf_append_char(out, '+')
                     : eddy_buf_append(out, (char[]){'%', hex[c >> 4], hex[c & 15]}, 3);
        if (rc < 0)
            return -1;
        from = i + 1;
    }
    return eddy_buf_append(out, s + from, len - from);
}
