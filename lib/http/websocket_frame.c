/*
 * websocket_frame - the frame format of RFC 6455 section 5 (see
 * websocket_frame.h): parsing, masking, writing, and the handshake's key
 * arithmetic.
 *
 * The parser has two states: collecting a header (2 to 14 bytes, kept in
 * the parser so a header split across reads needs no buffer of the
 * caller's) and handing out a payload (slices of the caller's bytes,
 * unmasked where they lie). Every check a frame's header alone allows is
 * made the moment the header is complete, so a peer breaking the rules
 * is stopped before its payload is read.
 */
#include <eddy/http/websocket_frame.h>

#include <eddy/base/utf8.h>

#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/sha.h>
#include <string.h>
#if defined(__SSE2__)
#include <emmintrin.h> /* every x86-64 has SSE2: 16 bytes per step, not 8 */
#endif

void eddy_ws_parser_init(eddy_ws_parser *p, enum eddy_ws_role role, int allow_rsv1)
{
    memset(p, 0, sizeof *p);
    p->role = (uint8_t)role;
    p->allow_rsv1 = allow_rsv1 != 0;
}

static ssize_t fail(eddy_ws_parser *p, const char *why)
{
    p->close_code = EDDY_WS_PROTOCOL_ERROR;
    p->error = why;
    return -1;
}

/* header_size - the full size of the header whose first two bytes are b. */
static size_t header_size(const uint8_t *b)
{
    size_t n = 2 + ((b[1] & 0x80) ? 4 : 0);
    uint8_t len7 = b[1] & 0x7F;
    return n + (len7 == 126 ? 2 : len7 == 127 ? 8 : 0);
}

/* take_header - the kept header is complete: decode and judge it. */
static ssize_t take_header(eddy_ws_parser *p)
{
    const uint8_t *h = p->header;
    eddy_ws_frame *f = &p->frame;
    f->fin = h[0] >> 7;
    f->rsv1 = (h[0] >> 6) & 1;
    f->opcode = h[0] & 0x0F;
    f->masked = h[1] >> 7;
    size_t at = 2;
    uint8_t len7 = h[1] & 0x7F;
    if (len7 == 126) {
        f->length = (uint64_t)h[2] << 8 | h[3];
        at = 4;
    } else if (len7 == 127) {
        f->length = 0;
        for (int i = 0; i < 8; i++)
            f->length = f->length << 8 | h[2 + i];
        at = 10;
        if (f->length >> 63)
            return fail(p, "frame length with its top bit set");
    } else {
        f->length = len7;
    }
    if (f->masked)
        memcpy(f->mask, h + at, 4);
    else
        memset(f->mask, 0, 4);

    if (h[0] & 0x30)
        return fail(p, "reserved bits RSV2/RSV3 set");
    if (p->role == EDDY_WS_SERVER && !f->masked)
        return fail(p, "unmasked frame from a client");
    if (p->role == EDDY_WS_CLIENT && f->masked)
        return fail(p, "masked frame from a server");
    switch (f->opcode) {
    case EDDY_WS_CLOSE:
    case EDDY_WS_PING:
    case EDDY_WS_PONG:
        if (!f->fin)
            return fail(p, "fragmented control frame");
        if (f->length > EDDY_WS_MAX_CONTROL)
            return fail(p, "control frame longer than 125 bytes");
        if (f->rsv1)
            return fail(p, "RSV1 set on a control frame");
        break;
    case EDDY_WS_CONTINUATION:
        if (!p->in_message)
            return fail(p, "continuation frame outside a fragmented message");
        if (f->rsv1)
            return fail(p, "RSV1 set on a continuation frame");
        p->in_message = !f->fin;
        break;
    case EDDY_WS_TEXT:
    case EDDY_WS_BINARY:
        if (p->in_message)
            return fail(p, "new message inside a fragmented message");
        if (f->rsv1 && !p->allow_rsv1)
            return fail(p, "RSV1 set without a negotiated extension");
        p->in_message = !f->fin;
        break;
    default:
        return fail(p, "reserved opcode");
    }
    p->in_payload = 1;
    p->offset = 0;
    p->header_len = 0;
    return 0;
}

ssize_t eddy_ws_parse(eddy_ws_parser *p, uint8_t *data, size_t len, eddy_ws_event *ev)
{
    ev->kind = EDDY_WS_EV_NONE;
    ev->data = NULL;
    ev->len = 0;
    ev->frame_end = 0;
    if (p->error)
        return -1;
    if (!p->in_payload) {
        size_t used = 0;
        size_t need = p->header_len < 2 ? 2 : header_size(p->header);
        if (p->header_len == 0 && len >= 2 && len >= (need = header_size(data))) {
            memcpy(p->header, data, need); /* the whole header is here: at once */
            p->header_len = (uint8_t)need;
            used = need;
        }
        while (p->header_len < need && used < len) {
            p->header[p->header_len++] = data[used++];
            if (p->header_len == 2)
                need = header_size(p->header);
        }
        if (p->header_len < need)
            return (ssize_t)used;
        if (take_header(p) < 0)
            return -1;
        ev->kind = EDDY_WS_EV_HEADER;
        ev->frame = p->frame;
        return (ssize_t)used;
    }
    uint64_t left = p->frame.length - p->offset;
    size_t take = left < len ? (size_t)left : len;
    if (take == 0 && left != 0)
        return 0; /* mid-payload, no bytes: ask for more */
    if (p->frame.masked)
        eddy_ws_mask(data, take, p->frame.mask, p->offset);
    p->offset += take;
    ev->kind = EDDY_WS_EV_DATA;
    ev->frame = p->frame;
    ev->data = data;
    ev->len = take;
    if (p->offset == p->frame.length) {
        ev->frame_end = 1;
        p->in_payload = 0;
    }
    return (ssize_t)take;
}

void eddy_ws_mask(uint8_t *data, size_t len, const uint8_t mask[4], uint64_t offset)
{
    uint8_t m[8];
    for (int i = 0; i < 8; i++)
        m[i] = mask[(offset + (uint64_t)i) & 3];
    size_t i = 0;
#if defined(__SSE2__)
    /* Every client frame's payload passes here: 16 KiB messages spent a
     * tenth of the server's CPU in this loop 8 bytes at a time. The key's
     * phase repeats every 4 bytes, so 16-byte blocks keep it. */
    if (len >= 64) { /* shorter payloads: the key's setup would cost more than it saves */
        uint8_t m16[16];
        memcpy(m16, m, 8);
        memcpy(m16 + 8, m, 8);
        __m128i k = _mm_loadu_si128((const __m128i *)(const void *)m16);
        for (; i + 64 <= len; i += 64) {
            __m128i *p = (__m128i *)(void *)(data + i);
            __m128i a = _mm_loadu_si128(p), b = _mm_loadu_si128(p + 1);
            __m128i c = _mm_loadu_si128(p + 2), d = _mm_loadu_si128(p + 3);
            _mm_storeu_si128(p, _mm_xor_si128(a, k));
            _mm_storeu_si128(p + 1, _mm_xor_si128(b, k));
            _mm_storeu_si128(p + 2, _mm_xor_si128(c, k));
            _mm_storeu_si128(p + 3, _mm_xor_si128(d, k));
        }
        for (; i + 16 <= len; i += 16) {
            __m128i *p = (__m128i *)(void *)(data + i);
            _mm_storeu_si128(p, _mm_xor_si128(_mm_loadu_si128(p), k));
        }
    }
#endif
    if (len - i >= 8) {
        uint64_t w, k;
        memcpy(&k, m, 8);
        for (; i + 8 <= len; i += 8) {
            memcpy(&w, data + i, 8);
            w ^= k;
            memcpy(data + i, &w, 8);
        }
    }
    for (; i < len; i++)
        data[i] ^= m[i & 7];
}

size_t eddy_ws_header_size(uint64_t len, int masked)
{
    return (len < 126 ? 2 : len <= 0xFFFF ? 4 : 10) + (masked ? 4 : 0);
}

size_t eddy_ws_write_header(uint8_t out[EDDY_WS_MAX_HEADER], int fin, int rsv1, int opcode,
                            uint64_t len, const uint8_t *mask)
{
    size_t n = 0;
    uint8_t mbit = mask ? 0x80 : 0;
    out[n++] = (uint8_t)((fin ? 0x80 : 0) | (rsv1 ? 0x40 : 0) | (opcode & 0x0F));
    if (len < 126) {
        out[n++] = (uint8_t)(mbit | len);
    } else if (len <= 0xFFFF) {
        out[n++] = mbit | 126;
        out[n++] = (uint8_t)(len >> 8);
        out[n++] = (uint8_t)len;
    } else {
        out[n++] = mbit | 127;
        for (int i = 7; i >= 0; i--)
            out[n++] = (uint8_t)(len >> (8 * i));
    }
    if (mask) {
        memcpy(out + n, mask, 4);
        n += 4;
    }
    return n;
}

int eddy_ws_frame_append(eddy_buf *out, int fin, int rsv1, int opcode, const void *payload,
                         size_t len, const uint8_t *mask)
{
    uint8_t h[EDDY_WS_MAX_HEADER];
    size_t hn = eddy_ws_write_header(h, fin, rsv1, opcode, len, mask);
    if (eddy_buf_reserve(out, hn + len) < 0)
        return -1;
    size_t at = out->len;
    eddy_buf_append(out, h, hn);
    if (len)
        eddy_buf_append(out, payload, len);
    if (mask && len)
        eddy_ws_mask((uint8_t *)out->data + at + hn, len, mask, 0);
    return 0;
}

/* ------------------------------------------------------------ closing */

int eddy_ws_close_code_valid(int code)
{
    return (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1014) ||
           (code >= 3000 && code <= 4999);
}

size_t eddy_ws_close_payload(uint8_t out[EDDY_WS_MAX_CONTROL], int code, const char *reason)
{
    if (code <= 0)
        return 0;
    out[0] = (uint8_t)(code >> 8);
    out[1] = (uint8_t)code;
    size_t n = reason ? strlen(reason) : 0;
    if (n > EDDY_WS_MAX_CONTROL - 2) {
        n = EDDY_WS_MAX_CONTROL - 2;
        while (n > 0 && ((uint8_t)reason[n] & 0xC0) == 0x80)
            n--; /* do not cut a character in two */
    }
    if (n)
        memcpy(out + 2, reason, n);
    return 2 + n;
}

int eddy_ws_parse_close(const uint8_t *payload, size_t len, int *code, const char **reason,
                        size_t *reason_len)
{
    *code = EDDY_WS_NO_STATUS;
    *reason = "";
    *reason_len = 0;
    if (len == 0)
        return 0;
    if (len == 1)
        return EDDY_WS_PROTOCOL_ERROR;
    int c = payload[0] << 8 | payload[1];
    if (!eddy_ws_close_code_valid(c))
        return EDDY_WS_PROTOCOL_ERROR;
    if (!eddy_utf8_valid(payload + 2, len - 2))
        return EDDY_WS_INVALID_DATA;
    *code = c;
    *reason = (const char *)payload + 2;
    *reason_len = len - 2;
    return 0;
}

/* ------------------------------------------------------------ the opening handshake */

void eddy_ws_accept_key(const char *key, size_t key_len, char out[29])
{
    static const char guid[] = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
    unsigned char digest[SHA_DIGEST_LENGTH];
    unsigned char text[128];
    if (key_len > sizeof text - (sizeof guid - 1))
        key_len = sizeof text - (sizeof guid - 1); /* a real key is 24 bytes */
    memcpy(text, key, key_len);
    memcpy(text + key_len, guid, sizeof guid - 1);
    SHA1(text, key_len + sizeof guid - 1, digest);
    EVP_EncodeBlock((unsigned char *)out, digest, SHA_DIGEST_LENGTH);
}

int eddy_ws_new_key(char out[25])
{
    unsigned char raw[16];
    if (RAND_bytes(raw, sizeof raw) != 1)
        return -1;
    EVP_EncodeBlock((unsigned char *)out, raw, sizeof raw);
    return 0;
}

void eddy_ws_random_mask(uint8_t mask[4])
{
    if (RAND_bytes(mask, 4) != 1)
        memset(mask, 0x5A, 4); /* still a valid mask; only its secrecy is lost */
}
