/*
 * Fuzz target: the WebSocket frame parser and message reader
 * (lib/http/websocket_frame.h, websocket_message.h) on arbitrary bytes.
 *
 * The first byte picks the role, whether permessage-deflate is on, a
 * message size limit and where the input is cut; the rest is fed to a
 * frame parser and to a message reader in two pieces at that cut (a
 * header or a character split between reads). Besides what ASan and
 * UBSan catch: every payload slice lies inside the input; the parser and
 * the reader agree on whether the bytes break the protocol (the reader
 * may also refuse for reasons beyond one frame: UTF-8, sizes, deflate);
 * a text message handed out is valid UTF-8; no message exceeds the limit;
 * an error always comes with a close code a peer may receive.
 */
#include <eddy/base/utf8.h>
#include <eddy/http/websocket_deflate.h>
#include <eddy/http/websocket_frame.h>
#include <eddy/http/websocket_message.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static void parse_frames(uint8_t *data, size_t size, size_t cut, enum eddy_ws_role role, int rsv1,
                         int *failed)
{
    eddy_ws_parser p;
    eddy_ws_parser_init(&p, role, rsv1);
    size_t pieces[2] = {cut, size - cut};
    uint8_t *at = data;
    for (int k = 0; k < 2 && !*failed; k++) {
        uint8_t *piece = at, *end = at + pieces[k];
        for (;;) {
            eddy_ws_event ev;
            ssize_t n = eddy_ws_parse(&p, at, (size_t)(end - at), &ev);
            if (n < 0) {
                if (p.close_code != EDDY_WS_PROTOCOL_ERROR || !p.error)
                    abort();
                *failed = 1;
                break;
            }
            at += n;
            if (at > end)
                abort();
            if (ev.kind == EDDY_WS_EV_NONE)
                break;
            if (ev.kind == EDDY_WS_EV_DATA && ev.len && (ev.data < piece || ev.data + ev.len > end))
                abort();
            if (ev.kind == EDDY_WS_EV_HEADER && (ev.frame.opcode & 8) && ev.frame.length > 125)
                abort();
        }
    }
}

static void read_messages(uint8_t *data, size_t size, size_t cut, enum eddy_ws_role role,
                          eddy_ws_deflate *deflate, size_t max, int frames_failed)
{
    eddy_ws_reader r;
    eddy_ws_reader_init(&r, role, deflate, max);
    size_t pieces[2] = {cut, size - cut};
    uint8_t *at = data;
    int failed = 0;
    for (int k = 0; k < 2 && !failed; k++) {
        uint8_t *end = at + pieces[k];
        while (!failed) {
            eddy_ws_message m;
            int got;
            ssize_t n = eddy_ws_reader_feed(&r, at, (size_t)(end - at), &m, &got);
            if (n < 0) {
                if (!eddy_ws_close_code_valid(r.close_code) || !r.error)
                    abort();
                failed = 1;
                break;
            }
            at += n;
            if (at > end)
                abort();
            if (got) {
                if (max && (m.opcode == EDDY_WS_TEXT || m.opcode == EDDY_WS_BINARY) && m.len > max)
                    abort();
                if (m.opcode == EDDY_WS_TEXT && !eddy_utf8_valid(m.data, m.len))
                    abort();
                if (m.opcode == EDDY_WS_TEXT && m.data[m.len] != '\0')
                    abort();
                if ((m.opcode & 8) && m.len > 125)
                    abort();
            }
            if (!got && at == end)
                break;
        }
        eddy_ws_reader_idle(&r);
    }
    /* A frame-level error is one for the reader too (it stops at the first
     * error, which may come earlier, from UTF-8 or a size). */
    if (frames_failed && !failed)
        abort();
    eddy_ws_reader_free(&r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    uint8_t knobs = data[0];
    data++;
    size--;
    enum eddy_ws_role role = (knobs & 1) ? EDDY_WS_CLIENT : EDDY_WS_SERVER;
    int use_deflate = (knobs >> 1) & 1;
    size_t max = (knobs >> 2) & 1 ? 64 : 0;
    size_t cut = size ? ((size_t)knobs * 31) % (size + 1) : 0;

    /* The parser and the reader unmask in place: each gets its own copy. */
    uint8_t *a = malloc(size + 1), *b = malloc(size + 1);
    memcpy(a, data, size);
    memcpy(b, data, size);
    int frames_failed = 0;
    parse_frames(a, size, cut, role, use_deflate, &frames_failed);

    eddy_ws_deflate *d = NULL;
    if (use_deflate) {
        eddy_ws_deflate_params p = {(knobs >> 3) & 1, (knobs >> 4) & 1, 15, 15};
        d = eddy_ws_deflate_new(&p, role, 6);
    }
    read_messages(b, size, cut, role, d, max, frames_failed);
    eddy_ws_deflate_free(d);
    free(a);
    free(b);
    return 0;
}
