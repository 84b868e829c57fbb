/*
 * Fuzz target: URL parsing, resolution and normalisation (lib/base/url.h)
 * on arbitrary bytes.
 *
 * The input is split at its first NUL (or in half) into a base and a
 * reference. Besides what ASan and UBSan catch: every span of a parsed
 * URL lies inside the input; a URL that resolves is absolute and parses
 * again; normalising is idempotent (a normal form normalises to itself).
 */
#include <eddy/base/url.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static void inside(const char *s, size_t len, eddy_str x)
{
    if (x.p && (x.p < s || x.p + x.len > s + len))
        abort();
}

static void check_parse(const char *s, size_t len)
{
    eddy_url u;
    if (eddy_url_parse(s, len, &u) < 0)
        return;
    inside(s, len, u.scheme);
    inside(s, len, u.authority);
    inside(s, len, u.userinfo);
    inside(s, len, u.host);
    inside(s, len, u.port);
    inside(s, len, u.path);
    inside(s, len, u.query);
    inside(s, len, u.fragment);
    if (u.port_number > 65535)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *s = (const char *)data;
    const char *nul = memchr(s, '\0', size);
    size_t blen = nul ? (size_t)(nul - s) : size / 2;
    const char *ref = s + blen + (nul ? 1 : 0);
    size_t rlen = size - blen - (nul ? 1 : 0);
    check_parse(s, blen);
    check_parse(ref, rlen);

    eddy_buf out = EDDY_BUF_INIT, n1 = EDDY_BUF_INIT, n2 = EDDY_BUF_INIT;
    if (eddy_url_resolve(s, blen, ref, rlen, &out) == 0 && out.data) {
        eddy_url u;
        if (eddy_url_parse(out.data, out.len, &u) < 0 || !u.scheme.p)
            abort();
        if (eddy_url_normalize(out.data, out.len, &n1) == 0 && n1.data) {
            if (eddy_url_normalize(n1.data, n1.len, &n2) < 0 || n1.len != n2.len ||
                memcmp(n1.data, n2.data, n1.len) != 0)
                abort();
        }
    }
    eddy_buf_free(&out);
    eddy_buf_free(&n1);
    eddy_buf_free(&n2);
    return 0;
}
