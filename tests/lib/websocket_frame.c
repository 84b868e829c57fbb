/*
 * Tests for the pieces under the WebSocket modules: UTF-8 validation
 * (lib/base/utf8), the frame parser and writer (lib/http/websocket_frame),
 * the permessage-deflate negotiation and streams
 * (lib/http/websocket_deflate). No sockets: bytes in, results out.
 */
#include <criterion/criterion.h>
#include <eddy/base/utf8.h>

#include <stdbool.h>
#include <eddy/http/websocket_deflate.h>
#include <eddy/http/websocket_frame.h>
#include <eddy/http/websocket_message.h>

#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------ UTF-8 */

/* The ASCII run before the first high byte, for every length up to 80
 * and every place of that byte (or none): the 16- and 8-byte steps and
 * the tail must all stop exactly there. */
Test(utf8, the_ascii_prefix_ends_at_the_first_high_byte)
{
    unsigned char text[80];
    for (size_t len = 0; len <= sizeof text; len++)
        for (size_t at = 0; at <= len; at++) {
            memset(text, 'a', sizeof text);
            if (at < len)
                text[at] = 0xC3;
            if (at + 1 < len)
                text[at + 1] = 0xFF; /* a second high byte right after: the first counts */
            cr_assert_eq(eddy_ascii_prefix(text, len), at, "len %zu, high byte at %zu", len, at);
        }
}

Test(utf8, valid_and_invalid_texts)
{
    cr_assert(eddy_utf8_valid("", 0));
    cr_assert(eddy_utf8_valid("plain ASCII, long enough for the fast path", 42));
    const char *ok = "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80 \xed\x9f\xbf \xf4\x8f\xbf\xbf";
    cr_assert(eddy_utf8_valid(ok, strlen(ok)));
    const char *bad[] = {
        "\xc0\x80",                                          /* overlong NUL */
        "\xe0\x80\x80",                                      /* overlong */
        "\xed\xa0\x80",                                      /* a surrogate */
        "\xf4\x90\x80\x80",                                  /* above U+10FFFF */
        "\xf5\x80\x80\x80", "\x80", "a\xbf", "\xff", "\xc3", /* cut short */
        "\xe2\x82",
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        cr_assert_not(eddy_utf8_valid(bad[i], strlen(bad[i])), "case %zu accepted", i);
}

Test(utf8, any_split_of_a_valid_text_is_valid_and_a_bad_byte_fails_at_once)
{
    const char *text = "\xe2\x82\xac\xf0\x9f\x98\x80\xc3\xa9";
    size_t n = strlen(text);
    for (size_t cut = 0; cut <= n; cut++) {
        eddy_utf8 v;
        eddy_utf8_init(&v);
        cr_assert_eq(eddy_utf8_feed(&v, text, cut), 0);
        cr_assert_eq(eddy_utf8_feed(&v, text + cut, n - cut), 0);
        cr_assert(eddy_utf8_complete(&v));
    }
    eddy_utf8 v;
    eddy_utf8_init(&v);
    cr_assert_eq(eddy_utf8_feed(&v, "\xf0\x9f", 2), 0);
    cr_assert_not(eddy_utf8_complete(&v), "ends inside a character");
    cr_assert_eq(eddy_utf8_feed(&v, "x", 1), -1, "a non-continuation byte fails there");
    cr_assert_eq(eddy_utf8_feed(&v, "ok", 2), -1, "and stays failed");
}

/* ref_valid - UTF-8 by RFC 3629's definition, one code point at a time:
 * the shortest form, no surrogate, nothing past U+10FFFF. */
static bool ref_valid(const unsigned char *s, size_t n)
{
    for (size_t i = 0; i < n;) {
        unsigned c = s[i];
        size_t len = c < 0x80 ? 1 : (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3 : (c & 0xF8) == 0xF0 ? 4 : 0;
        if (!len || i + len > n)
            return false;
        unsigned long cp = len == 1 ? c : c & (0x7F >> len);
        for (size_t k = 1; k < len; k++) {
            if ((s[i + k] & 0xC0) != 0x80)
                return false;
            cp = cp << 6 | (s[i + k] & 0x3F);
        }
        static const unsigned long least[] = {0, 0, 0x80, 0x800, 0x10000};
        if (cp < least[len] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
            return false;
        i += len;
    }
    return true;
}

/* Every text of up to four bytes drawn from the bytes where the rules
 * change, checked whole and fed a byte at a time, against the definition. */
Test(utf8, every_short_text_of_edge_bytes_is_judged_as_the_definition_says)
{
    static const unsigned char edge[] = {0x00, 0x41, 0x7F, 0x80, 0x8F, 0x90, 0x9F, 0xA0, 0xBF,
                                         0xC0, 0xC1, 0xC2, 0xDF, 0xE0, 0xE1, 0xEC, 0xED, 0xEE,
                                         0xEF, 0xF0, 0xF1, 0xF3, 0xF4, 0xF5, 0xFF};
    size_t m = sizeof edge, checked = 0;
    unsigned char s[4];
    for (size_t len = 1; len <= 4; len++) {
        size_t total = 1;
        for (size_t k = 0; k < len; k++)
            total *= m;
        for (size_t code = 0; code < total; code++) {
            size_t x = code;
            for (size_t k = 0; k < len; k++, x /= m)
                s[k] = edge[x % m];
            bool want = ref_valid(s, len);
            cr_assert_eq(eddy_utf8_valid(s, len) != 0, want, "%zu bytes %02x %02x %02x %02x", len,
                         s[0], len > 1 ? s[1] : 0, len > 2 ? s[2] : 0, len > 3 ? s[3] : 0);
            /* the same after ASCII that ends inside, at and past a word
             * of eight, and before more ASCII */
            static const size_t before[] = {5, 8, 11};
            for (size_t b = 0; b < 3; b++) {
                unsigned char framed[24];
                memset(framed, 'a', sizeof framed);
                memcpy(framed + before[b], s, len);
                cr_assert_eq(eddy_utf8_valid(framed, before[b] + len + 3) != 0, want,
                             "after %zu ASCII bytes", before[b]);
            }
            eddy_utf8 v;
            eddy_utf8_init(&v);
            int rc = 0;
            for (size_t k = 0; k < len && rc == 0; k++)
                rc = eddy_utf8_feed(&v, s + k, 1);
            cr_assert_eq(rc == 0 && eddy_utf8_complete(&v), want, "fed a byte at a time");
            checked++;
        }
    }
    cr_expect_eq(checked, m + m * m + m * m * m + m * m * m * m);
}

/* ------------------------------------------------------------ frames */

/* parse_all - feed bytes one at a time; the payload joined, the last
 * header in *f; -1 with the parser's code on an error. */
static int parse_all(eddy_ws_parser *p, const uint8_t *bytes, size_t len, eddy_ws_frame *f,
                     char *payload)
{
    uint8_t *copy = malloc(len + 1);
    memcpy(copy, bytes, len);
    size_t out = 0;
    for (size_t i = 0; i <= len; i++) {
        size_t chunk = i < len ? 1 : 0;
        uint8_t *at = copy + (i < len ? i : len);
        for (;;) {
            eddy_ws_event ev;
            ssize_t n = eddy_ws_parse(p, at, chunk, &ev);
            if (n < 0) {
                free(copy);
                return -1;
            }
            at += n;
            chunk -= (size_t)n;
            if (ev.kind == EDDY_WS_EV_NONE)
                break;
            if (ev.kind == EDDY_WS_EV_HEADER)
                *f = ev.frame;
            if (ev.kind == EDDY_WS_EV_DATA) {
                memcpy(payload + out, ev.data, ev.len);
                out += ev.len;
            }
        }
    }
    payload[out] = '\0';
    free(copy);
    return (int)out;
}

Test(websocket_frame, masked_frames_parse_byte_by_byte)
{
    /* RFC 6455 5.7: a masked "Hello" */
    const uint8_t hello[] = {0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58};
    eddy_ws_parser p;
    eddy_ws_parser_init(&p, EDDY_WS_SERVER, 0);
    eddy_ws_frame f;
    char payload[64];
    cr_assert_eq(parse_all(&p, hello, sizeof hello, &f, payload), 5);
    cr_assert_str_eq(payload, "Hello");
    cr_assert(f.fin && f.masked);
    cr_assert_eq(f.opcode, EDDY_WS_TEXT);
}

Test(websocket_frame, writer_lengths_round_trip)
{
    size_t sizes[] = {0, 125, 126, 65535, 65536, 70000};
    for (size_t i = 0; i < sizeof sizes / sizeof *sizes; i++) {
        size_t n = sizes[i];
        char *data = malloc(n + 1);
        for (size_t k = 0; k < n; k++)
            data[k] = (char)(k * 7);
        eddy_buf b = EDDY_BUF_INIT;
        static const uint8_t mask[4] = {9, 8, 7, 6};
        cr_assert_eq(eddy_ws_frame_append(&b, 1, 0, EDDY_WS_BINARY, data, n, mask), 0);
        cr_assert_eq(b.len, eddy_ws_header_size(n, 1) + n);
        eddy_ws_reader r;
        eddy_ws_reader_init(&r, EDDY_WS_SERVER, NULL, 0);
        eddy_ws_message m;
        int got;
        ssize_t used = eddy_ws_reader_feed(&r, (uint8_t *)b.data, b.len, &m, &got);
        cr_assert_eq(used, (ssize_t)b.len);
        cr_assert(got);
        cr_assert_eq(m.len, n);
        cr_assert(n == 0 || memcmp(m.data, data, n) == 0);
        eddy_ws_reader_free(&r);
        eddy_buf_free(&b);
        free(data);
    }
}

static int refused(enum eddy_ws_role role, int allow_rsv1, const uint8_t *bytes, size_t len)
{
    eddy_ws_parser p;
    eddy_ws_parser_init(&p, role, allow_rsv1);
    eddy_ws_frame f;
    char payload[256];
    int rc = parse_all(&p, bytes, len, &f, payload);
    return rc < 0 ? p.close_code : 0;
}

Test(websocket_frame, rule_breaking_headers_are_refused_with_1002)
{
    const uint8_t unmasked[] = {0x81, 0x00};
    cr_assert_eq(refused(EDDY_WS_SERVER, 0, unmasked, 2), 1002);
    cr_assert_eq(refused(EDDY_WS_CLIENT, 0, unmasked, 2), 0, "a client wants them unmasked");
    const uint8_t masked[] = {0x81, 0x80, 1, 2, 3, 4};
    cr_assert_eq(refused(EDDY_WS_CLIENT, 0, masked, 6), 1002);
    const uint8_t rsv2[] = {0xA1, 0x00};
    cr_assert_eq(refused(EDDY_WS_CLIENT, 1, rsv2, 2), 1002);
    const uint8_t rsv1[] = {0xC1, 0x00};
    cr_assert_eq(refused(EDDY_WS_CLIENT, 0, rsv1, 2), 1002);
    cr_assert_eq(refused(EDDY_WS_CLIENT, 1, rsv1, 2), 0, "allowed with deflate");
    const uint8_t opcode3[] = {0x83, 0x00};
    cr_assert_eq(refused(EDDY_WS_CLIENT, 0, opcode3, 2), 1002);
    const uint8_t long_ping[] = {0x89, 126, 0, 126};
    cr_assert_eq(refused(EDDY_WS_CLIENT, 0, long_ping, 4), 1002);
    const uint8_t split_ping[] = {0x09, 0x00};
    cr_assert_eq(refused(EDDY_WS_CLIENT, 0, split_ping, 2), 1002);
    const uint8_t lone_continuation[] = {0x80, 0x00};
    cr_assert_eq(refused(EDDY_WS_CLIENT, 0, lone_continuation, 2), 1002);
    const uint8_t two_starts[] = {0x01, 0x00, 0x81, 0x00};
    cr_assert_eq(refused(EDDY_WS_CLIENT, 0, two_starts, 4), 1002);
    const uint8_t huge[] = {0x82, 127, 0x80, 0, 0, 0, 0, 0, 0, 0};
    cr_assert_eq(refused(EDDY_WS_CLIENT, 0, huge, 10), 1002);
    const uint8_t ping_inside[] = {0x01, 0x01, 'a', 0x89, 0x00, 0x80, 0x01, 'b'};
    cr_assert_eq(refused(EDDY_WS_CLIENT, 0, ping_inside, 8), 0, "control frames between fragments");
}

Test(websocket_frame, close_payloads)
{
    uint8_t p[EDDY_WS_MAX_CONTROL];
    char reason[200];
    memset(reason, 'r', sizeof reason);
    strcpy(reason + 120, "\xe2\x82\xac\xe2\x82\xac"); /* a character across byte 123 */
    size_t n = eddy_ws_close_payload(p, 1001, reason);
    cr_assert_leq(n, 125);
    cr_assert_eq(n, 2 + 120 + 3, "cut before the character that does not fit");
    int code;
    const char *r;
    size_t rlen;
    cr_assert_eq(eddy_ws_parse_close(p, n, &code, &r, &rlen), 0);
    cr_assert_eq(code, 1001);
    cr_assert_eq(rlen, 123);
    cr_assert_eq(eddy_ws_parse_close(p, 0, &code, &r, &rlen), 0);
    cr_assert_eq(code, 1005);
    cr_assert_eq(eddy_ws_parse_close(p, 1, &code, &r, &rlen), 1002);
    const uint8_t reserved[] = {0x03, 0xED}; /* 1005: never on the wire */
    cr_assert_eq(eddy_ws_parse_close(reserved, 2, &code, &r, &rlen), 1002);
    const uint8_t bad_reason[] = {0x03, 0xE8, 0xff};
    cr_assert_eq(eddy_ws_parse_close(bad_reason, 3, &code, &r, &rlen), 1007);
    cr_assert(eddy_ws_close_code_valid(4999) && !eddy_ws_close_code_valid(5000));
    cr_assert(!eddy_ws_close_code_valid(999) && !eddy_ws_close_code_valid(1004));
}

Test(websocket_frame, the_accept_key_of_the_rfc_example)
{
    char out[29];
    eddy_ws_accept_key("dGhlIHNhbXBsZSBub25jZQ==", 24, out);
    cr_assert_str_eq(out, "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
    char key[25];
    cr_assert_eq(eddy_ws_new_key(key), 0);
    cr_assert_eq(strlen(key), 24);
    cr_assert_eq(key[22], '=');
}

/* ------------------------------------------------------------ permessage-deflate */

static int negotiate(const char *offers, int takeover, char *response)
{
    eddy_ws_deflate_config cfg = {.context_takeover = takeover};
    eddy_ws_deflate_params p;
    response[0] = '\0';
    return eddy_ws_deflate_negotiate(offers, &cfg, &p, response, 160);
}

Test(websocket_deflate, a_server_picks_the_first_offer_it_can_honour)
{
    char resp[160];
    cr_assert_eq(negotiate("permessage-deflate; client_max_window_bits", 0, resp), 1);
    cr_assert_str_eq(resp, "permessage-deflate; server_no_context_takeover; "
                           "client_no_context_takeover");
    cr_assert_eq(negotiate("permessage-deflate", 1, resp), 1);
    cr_assert_str_eq(resp, "permessage-deflate");
    cr_assert_eq(negotiate("permessage-deflate; server_no_context_takeover", 1, resp), 1);
    cr_assert_str_eq(resp, "permessage-deflate; server_no_context_takeover");
    cr_assert_eq(negotiate("permessage-deflate; server_max_window_bits=10", 1, resp), 1);
    cr_assert_str_eq(resp, "permessage-deflate; server_max_window_bits=10");
    cr_assert_eq(negotiate("permessage-deflate; server_max_window_bits=\"12\"", 1, resp), 1);
    cr_assert_str_eq(resp, "permessage-deflate; server_max_window_bits=12");
    /* declined offers, then one that is fine */
    cr_assert_eq(negotiate("x-webkit-deflate-frame, permessage-deflate; server_max_window_bits=8, "
                           "permessage-deflate; unknown_param, permessage-deflate; "
                           "server_max_window_bits=16, permessage-deflate; "
                           "server_no_context_takeover; server_no_context_takeover, "
                           "permessage-deflate; client_max_window_bits=9",
                           1, resp),
                 1);
    cr_assert_str_eq(resp, "permessage-deflate");
    cr_assert_eq(negotiate("permessage-deflate; server_max_window_bits=8", 0, resp), 0);
    cr_assert_eq(negotiate("", 0, resp), 0);
    cr_assert_eq(negotiate("permessage-deflate;;", 0, resp), -1);
    cr_assert_eq(negotiate("permessage-deflate; a=\"open", 0, resp), -1);
}

Test(websocket_deflate, a_client_checks_the_answer)
{
    eddy_ws_deflate_params p;
    cr_assert_eq(eddy_ws_deflate_accept("permessage-deflate; server_no_context_takeover", NULL, &p),
                 0);
    cr_assert(p.server_no_context_takeover);
    cr_assert(p.client_no_context_takeover, "our compressor forgets anyway by default");
    cr_assert_eq(eddy_ws_deflate_accept("permessage-deflate; client_max_window_bits=10", NULL, &p),
                 0);
    cr_assert_eq(p.client_max_window_bits, 10);
    cr_assert_eq(eddy_ws_deflate_accept("permessage-deflate; client_max_window_bits=8", NULL, &p),
                 -1);
    cr_assert_eq(eddy_ws_deflate_accept("permessage-deflate; mystery", NULL, &p), -1);
    cr_assert_eq(eddy_ws_deflate_accept("x-other", NULL, &p), -1);
    cr_assert_eq(eddy_ws_deflate_accept("permessage-deflate, permessage-deflate", NULL, &p), -1);
    cr_assert_eq(
        eddy_ws_deflate_accept(
            "permessage-deflate; server_no_context_takeover; server_no_context_takeover", NULL, &p),
        -1);
    char offer[160];
    eddy_ws_deflate_offer(NULL, offer, sizeof offer);
    cr_assert_str_eq(offer, "permessage-deflate; client_max_window_bits; "
                            "server_no_context_takeover; client_no_context_takeover");
}

/* round - compress with one end, decompress with the other. */
static void round_trip(const eddy_ws_deflate_params *p, int messages)
{
    eddy_ws_deflate *server = eddy_ws_deflate_new(p, EDDY_WS_SERVER, 6);
    eddy_ws_deflate *client = eddy_ws_deflate_new(p, EDDY_WS_CLIENT, 6);
    for (int i = 0; i < messages; i++) {
        char text[4000];
        for (size_t k = 0; k < sizeof text; k++)
            text[k] = "abcabcabd"[(k + (size_t)i) % 9];
        eddy_buf z = EDDY_BUF_INIT, back = EDDY_BUF_INIT;
        cr_assert_eq(eddy_ws_deflate_compress(server, text, sizeof text, &z), 0);
        cr_assert_lt(z.len, sizeof text / 4);
        cr_assert_eq(eddy_ws_deflate_decompress(client, z.data, z.len, &back, 1 << 20), 0);
        cr_assert_eq(back.len, sizeof text);
        cr_assert(memcmp(back.data, text, sizeof text) == 0, "message %d", i);
        eddy_buf_free(&z);
        eddy_buf_free(&back);
    }
    eddy_ws_deflate_free(server);
    eddy_ws_deflate_free(client);
}

Test(websocket_deflate, messages_round_trip_with_and_without_context)
{
    eddy_ws_deflate_params stateless = {1, 1, 15, 15};
    round_trip(&stateless, 3);
    eddy_ws_deflate_params takeover = {0, 0, 15, 15};
    round_trip(&takeover, 3);
    eddy_ws_deflate_params small = {0, 0, 9, 9};
    round_trip(&small, 3);
}

Test(websocket_deflate, limits_and_garbage)
{
    eddy_ws_deflate_params p = {1, 1, 15, 15};
    eddy_ws_deflate *d = eddy_ws_deflate_new(&p, EDDY_WS_SERVER, 6);
    char *zeros = calloc(1, 1 << 20);
    eddy_buf z = EDDY_BUF_INIT, back = EDDY_BUF_INIT;
    cr_assert_eq(eddy_ws_deflate_compress(d, zeros, 1 << 20, &z), 0);
    cr_assert_eq(eddy_ws_deflate_decompress(d, z.data, z.len, &back, 1000), 1009);
    cr_assert_leq(back.len, 1001, "stopped at the limit, not after");
    eddy_buf_clear(&back);
    cr_assert_eq(eddy_ws_deflate_decompress(d, z.data, z.len, &back, 1 << 20), 0,
                 "the stream was reset after the failure");
    cr_assert_eq(eddy_ws_deflate_decompress(d, "\xff\xff\xff\xff", 4, &back, 1 << 20), 1007);
    eddy_buf_free(&z);
    eddy_buf_free(&back);
    free(zeros);
    eddy_ws_deflate_free(d);
}
