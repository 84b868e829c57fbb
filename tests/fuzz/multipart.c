/*
 * Fuzz target: the multipart/form-data parser (lib/http/multipart.h) on
 * arbitrary bodies.
 *
 * The input's first two bytes pick a boundary length (from a fixed
 * boundary) and a split point; the rest is the body. Besides what ASan
 * and UBSan catch: every slice of content lies inside what was fed or
 * inside the parser's own delimiter; the body fed whole and fed in two
 * pieces (and byte by byte, for short inputs) gives the same parts, the
 * same bytes and the same verdict; tight limits are never exceeded.
 */
#include <eddy/base/buf.h>
#include <eddy/http/multipart.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct run {
    eddy_multipart *m;
    const char *fed;
    size_t fed_len;
    eddy_buf log;
    uint64_t part_bytes, parts;
};

static int on_begin(void *arg, const eddy_multipart_part *p)
{
    struct run *r = arg;
    r->parts++;
    r->part_bytes = 0;
    eddy_buf_append_str(&r->log, "[");
    eddy_buf_append(&r->log, p->name.p, p->name.len);
    eddy_buf_append_str(&r->log, p->has_filename ? "|f:" : "|-");
    eddy_buf_append(&r->log, p->filename.p, p->filename.len);
    eddy_buf_append_str(&r->log, "|");
    eddy_buf_append(&r->log, p->content_type.p, p->content_type.len);
    eddy_buf_append_str(&r->log, "]");
    return 0;
}

static int on_data(void *arg, const char *d, size_t n)
{
    struct run *r = arg;
    int in_input = d >= r->fed && d + n <= r->fed + r->fed_len;
    int in_delim = d >= r->m->delimiter && d + n <= r->m->delimiter + sizeof r->m->delimiter;
    if (!n || !(in_input || in_delim))
        abort();
    r->part_bytes += n;
    if (r->part_bytes > r->m->limits.max_part_bytes)
        abort();
    eddy_buf_append(&r->log, d, n);
    return 0;
}

static int on_end(void *arg) { return eddy_buf_append_str(&((struct run *)arg)->log, "."); }

static eddy_multipart parser;

/* parse - body fed in pieces of at most step bytes, the first piece cut
 * at split; the log ends with the verdict. */
static void parse(eddy_str boundary, const char *body, size_t len, size_t split, size_t step,
                  eddy_buf *out)
{
    struct run r = {.m = &parser, .log = EDDY_BUF_INIT};
    eddy_multipart_limits lim = {8, 200, 300, 4000};
    eddy_multipart_callbacks cb = {on_begin, on_data, on_end, &r};
    if (eddy_multipart_init(&parser, boundary, &lim, &cb) < 0)
        abort();
    int rc = 0;
    size_t at = 0;
    while (rc == 0 && at < len) {
        size_t n = at == 0 && split ? split : step;
        if (n > len - at)
            n = len - at;
        r.fed = body + at;
        r.fed_len = n;
        rc = eddy_multipart_feed(&parser, body + at, n);
        at += n;
    }
    if (rc == 0)
        rc = eddy_multipart_finish(&parser);
    if (r.parts > lim.max_parts)
        abort();
    if (rc < 0) {
        if (parser.error_status != 400 && parser.error_status != 413)
            abort();
        /* parts seen before a failure depend on where the body was cut */
        eddy_buf_clear(&r.log);
        eddy_buf_printf(&r.log, "E%d", parser.error_status);
    }
    *out = r.log;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char full[] = "XyZ-boundary'()+_,./:=? ok";
    if (size < 2)
        return 0;
    eddy_str boundary = {full, 1 + data[0] % (sizeof full - 1)};
    if (boundary.p[boundary.len - 1] == ' ')
        boundary.len--;
    const char *body = (const char *)data + 2;
    size_t len = size - 2;
    size_t split = len ? data[1] % (len + 1) : 0;
    eddy_buf whole, halves, bytes;
    parse(boundary, body, len, 0, len ? len : 1, &whole);
    parse(boundary, body, len, split, len ? len : 1, &halves);
    if (whole.len != halves.len || (whole.len && memcmp(whole.data, halves.data, whole.len)))
        abort();
    if (len <= 512) {
        parse(boundary, body, len, 0, 1, &bytes);
        if (whole.len != bytes.len || (whole.len && memcmp(whole.data, bytes.data, whole.len)))
            abort();
        eddy_buf_free(&bytes);
    }
    eddy_buf_free(&whole);
    eddy_buf_free(&halves);
    return 0;
}
