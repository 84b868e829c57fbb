/*
 * websocket_message - frames joined into messages (see
 * websocket_message.h): fragments, decompression, UTF-8 and size limits,
 * and control frames in between.
 *
 * A text message that is not compressed is checked as its fragments
 * arrive, so a peer that sends one bad byte in a long message is stopped
 * at that byte. A compressed one can only be checked once inflated, at
 * its end. The size limit is checked on each frame's header, before its
 * payload is read, and again (by the decompressor) on the inflated size.
 */
#include <eddy/http/websocket_message.h>

#include <string.h>

void eddy_ws_reader_init(eddy_ws_reader *r, enum eddy_ws_role role, eddy_ws_deflate *deflate,
                         size_t max_message)
{
    memset(r, 0, sizeof *r);
    eddy_ws_parser_init(&r->parser, role, deflate != NULL);
    r->deflate = deflate;
    r->max_message = max_message;
}

static ssize_t fail(eddy_ws_reader *r, int code, const char *why)
{
    r->close_code = code;
    r->error = why;
    return -1;
}

/* control_done - a whole control frame is in r->control: make it m. */
static int control_done(eddy_ws_reader *r, int opcode, eddy_ws_message *m)
{
    r->control[r->control_len] = '\0';
    memset(m, 0, sizeof *m);
    m->opcode = opcode;
    m->data = (const char *)r->control;
    m->len = r->control_len;
    if (opcode == EDDY_WS_CLOSE) {
        const char *reason;
        size_t reason_len;
        int bad =
            eddy_ws_parse_close(r->control, r->control_len, &m->close_code, &reason, &reason_len);
        if (bad)
            return bad;
        m->reason = reason; /* control[] ends with a NUL */
    }
    return 0;
}

/* data_done - the last frame of a data message is in: make it m. */
static int data_done(eddy_ws_reader *r, eddy_ws_message *m, const char **why)
{
    memset(m, 0, sizeof *m);
    m->opcode = r->opcode;
    eddy_buf *whole = &r->message;
    if (r->compressed) {
        eddy_buf_clear(&r->inflated);
        int rc = eddy_ws_deflate_decompress(r->deflate, r->message.data, r->message.len,
                                            &r->inflated, r->max_message);
        if (rc) {
            *why = rc == EDDY_WS_TOO_BIG ? "message too big once decompressed"
                                         : "message does not decompress";
            return rc;
        }
        whole = &r->inflated;
        if (r->opcode == EDDY_WS_TEXT && !eddy_utf8_valid(whole->data, whole->len)) {
            *why = "text message is not UTF-8";
            return EDDY_WS_INVALID_DATA;
        }
    } else if (r->opcode == EDDY_WS_TEXT && !eddy_utf8_complete(&r->utf8)) {
        *why = "text message ends inside a character";
        return EDDY_WS_INVALID_DATA;
    }
    if (eddy_buf_reserve(whole, 0) < 0) { /* an empty message still needs its NUL */
        *why = "out of memory";
        return EDDY_WS_INTERNAL_ERROR;
    }
    m->data = whole->data;
    m->len = whole->len;
    return 0;
}

ssize_t eddy_ws_reader_feed(eddy_ws_reader *r, uint8_t *data, size_t len, eddy_ws_message *m,
                            int *got)
{
    *got = 0;
    if (r->error)
        return -1;
    size_t used = 0;
    for (;;) {
        eddy_ws_event ev;
        ssize_t n = eddy_ws_parse(&r->parser, data + used, len - used, &ev);
        if (n < 0)
            return fail(r, r->parser.close_code, r->parser.error);
        used += (size_t)n;
        if (ev.kind == EDDY_WS_EV_NONE)
            return (ssize_t)used;
        int control = ev.frame.opcode & 0x8;
        if (ev.kind == EDDY_WS_EV_HEADER) {
            if (control) {
                r->control_len = 0;
                continue;
            }
            if (ev.frame.opcode != EDDY_WS_CONTINUATION) {
                r->opcode = ev.frame.opcode;
                r->compressed = ev.frame.rsv1;
                eddy_buf_clear(&r->message);
                eddy_utf8_init(&r->utf8);
            }
            if (r->max_message && (ev.frame.length > r->max_message ||
                                   r->message.len + ev.frame.length > r->max_message))
                return fail(r, EDDY_WS_TOO_BIG, "message too big");
            continue;
        }
        if (control) {
            memcpy(r->control + r->control_len, ev.data, ev.len);
            r->control_len = (uint8_t)(r->control_len + ev.len);
            if (!ev.frame_end)
                continue;
            int bad = control_done(r, ev.frame.opcode, m);
            if (bad)
                return fail(r, bad,
                            bad == EDDY_WS_INVALID_DATA ? "close reason is not UTF-8"
                                                        : "bad close frame");
            *got = 1;
            return (ssize_t)used;
        }
        if (ev.frame.opcode == EDDY_WS_BINARY && ev.frame.fin && !r->compressed &&
            ev.len == ev.frame.length) {
            /* A whole unfragmented binary message in one slice (what
             * nearly every binary message is): handed out where it lies,
             * unmasked in place, without a copy. Text still goes through
             * the buffer, which gives it its NUL. */
            memset(m, 0, sizeof *m);
            m->opcode = EDDY_WS_BINARY;
            m->data = (const char *)ev.data;
            m->len = ev.len;
            *got = 1;
            return (ssize_t)used;
        }
        if (ev.len && eddy_buf_append(&r->message, ev.data, ev.len) < 0)
            return fail(r, EDDY_WS_INTERNAL_ERROR, "out of memory");
        if (r->opcode == EDDY_WS_TEXT && !r->compressed &&
            eddy_utf8_feed(&r->utf8, ev.data, ev.len) < 0)
            return fail(r, EDDY_WS_INVALID_DATA, "text message is not UTF-8");
        if (ev.frame_end && ev.frame.fin) {
            const char *why = NULL;
            int bad = data_done(r, m, &why);
            if (bad)
                return fail(r, bad, why);
            *got = 1;
            return (ssize_t)used;
        }
    }
}

void eddy_ws_reader_idle(eddy_ws_reader *r)
{
    if (r->parser.in_message || (r->parser.in_payload && !(r->parser.frame.opcode & 0x8)))
        return; /* a data message is half-read */
    eddy_buf_free(&r->message);
    eddy_buf_free(&r->inflated);
}

void eddy_ws_reader_free(eddy_ws_reader *r)
{
    eddy_buf_free(&r->message);
    eddy_buf_free(&r->inflated);
}
