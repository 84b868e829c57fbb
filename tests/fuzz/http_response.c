/*
 * Fuzz target: the HTTP client's response reader (lib/http/client_response.c)
 * on arbitrary bytes, as a server could send them.
 *
 * The first byte picks the request method (GET or HEAD), whether to
 * decompress, and the size of the pieces the rest is fed in; the rest is
 * the server's answer, followed by a close. Besides what ASan and UBSan
 * catch: the reader never claims more bytes than it was given, never
 * hands over more body than max_body, a complete response has a status
 * from 100 to 999, an error always has a reason, and every header of a
 * finished response is a C string inside the response's own memory.
 */
#include <eddy/http/client_internal.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static int count_body(const char *data, size_t len, void *arg)
{
    (void)data;
    *(size_t *)arg += len;
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    unsigned flags = data[0];
    const char *method = (flags & 1) ? "HEAD" : "GET";
    size_t step = (flags >> 2) % 13 + 1;
    uint64_t max_body = 1 << 16;
    client_reader r;
    if (client_reader_init(&r, method, (flags >> 1) & 1, max_body) < 0)
        return 0;
    size_t streamed = 0;
    if (flags & 0x80) {
        r.body_cb = count_body;
        r.cb_arg = &streamed;
    }
    const char *in = (const char *)data + 1;
    size_t len = size - 1, pos = 0;
    enum reader_state st = READ_HEAD;
    while (pos < len && (st == READ_HEAD || st == READ_BODY)) {
        size_t piece = len - pos < step ? len - pos : step, used = 0;
        st = client_reader_feed(&r, in + pos, piece, &used);
        if (used > piece)
            abort();
        pos += used;
        if (used < piece && (st == READ_HEAD || st == READ_BODY))
            abort(); /* wanting more while leaving bytes unread */
    }
    if (st == READ_HEAD || st == READ_BODY)
        st = client_reader_eof(&r);
    if (st == READ_ERROR && (!r.error || !r.error_text))
        abort();
    if (st == READ_DONE) {
        eddy_http_response *resp = client_reader_take(&r);
        if (resp->status < 100 || resp->status > 999 || resp->body_len > max_body ||
            streamed > max_body || resp->body[resp->body_len] != '\0')
            abort();
        for (size_t i = 0; i < resp->head.header_count; i++) {
            const eddy_http_header *h = &resp->head.headers[i];
            if (strlen(h->name.p) != h->name.len || strlen(h->value.p) != h->value.len)
                abort();
            if (eddy_http_response_header(resp, "content-length") == NULL &&
                eddy_http_header_get(&resp->head, "content-length"))
                abort();
        }
        eddy_http_response_free(resp);
    }
    client_reader_free(&r);
    return 0;
}
