/*
 * websocket_deflate - permessage-deflate (RFC 7692): the extension's
 * negotiation and its compression with zlib (see websocket_deflate.h).
 *
 * The Sec-WebSocket-Extensions grammar is a list of extensions, each a
 * token with ";"-separated parameters that may have a token or
 * quoted-string value. A small reader walks it one extension at a time;
 * the two sides of the negotiation then judge the parameters they see.
 *
 * Compression without context takeover keeps nothing between messages,
 * so its zlib streams are per thread, not per connection: one compressor
 * per (window, level) and one decompressor, each reset after a message.
 * They are freed when the thread ends (a pthread key's destructor).
 * Context takeover gets streams of its own on the connection.
 */
#include <eddy/http/websocket_deflate.h>

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

/* ------------------------------------------------------------ reading the header */

typedef struct ext_param {
    char name[32];
    char value[16];
    int has_value;
} ext_param;

enum { MAX_PARAMS = 8 };

typedef struct ext_reader {
    const char *p;
} ext_reader;

static int is_tchar(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           (c && strchr("!#$%&'*+-.^_`|~", c));
}

static void skip_ows(ext_reader *r)
{
    while (*r->p == ' ' || *r->p == '\t')
        r->p++;
}

/* token - copy a token into out (truncated to cap-1, lower-cased); -1 if none. */
static int token(ext_reader *r, char *out, size_t cap)
{
    size_t n = 0;
    if (!is_tchar(*r->p))
        return -1;
    while (is_tchar(*r->p)) {
        char c = *r->p++;
        if (n + 1 < cap)
            out[n++] = (c >= 'A' && c <= 'Z') ? (char)(c + 32) : c;
    }
    out[n] = '\0';
    return 0;
}

static int quoted(ext_reader *r, char *out, size_t cap)
{
    size_t n = 0;
    r->p++; /* the opening quote */
    while (*r->p && *r->p != '"') {
        if (*r->p == '\\' && r->p[1])
            r->p++;
        if (n + 1 < cap)
            out[n++] = *r->p;
        r->p++;
    }
    if (*r->p != '"')
        return -1;
    r->p++;
    out[n] = '\0';
    return 0;
}

/* next_extension - read one extension and its parameters; 1 read, 0 at
 * the end, -1 on a syntax error. */
static int next_extension(ext_reader *r, char name[32], ext_param params[MAX_PARAMS], int *count)
{
    *count = 0;
    for (;;) {
        skip_ows(r);
        if (*r->p != ',')
            break;
        r->p++; /* empty list elements are allowed */
    }
    if (!*r->p)
        return 0;
    if (token(r, name, 32) < 0)
        return -1;
    for (;;) {
        skip_ows(r);
        if (!*r->p)
            return 1;
        if (*r->p == ',') {
            r->p++;
            return 1;
        }
        if (*r->p != ';')
            return -1;
        r->p++;
        skip_ows(r);
        ext_param scratch, *pm = *count < MAX_PARAMS ? &params[*count] : &scratch;
        memset(pm, 0, sizeof *pm);
        if (token(r, pm->name, sizeof pm->name) < 0)
            return -1;
        skip_ows(r);
        if (*r->p == '=') {
            r->p++;
            skip_ows(r);
            pm->has_value = 1;
            if (*r->p == '"' ? quoted(r, pm->value, sizeof pm->value) < 0
                             : token(r, pm->value, sizeof pm->value) < 0)
                return -1;
        }
        if (*count < MAX_PARAMS)
            (*count)++;
        else
            return -1; /* more parameters than the extension has: not one we know */
    }
}

/* window_bits - a max_window_bits value: 8..15, or -1. */
static int window_bits(const ext_param *pm)
{
    const char *v = pm->value;
    if (!pm->has_value || !v[0] || (v[1] && v[2]) || v[0] < '0' || v[0] > '9')
        return -1;
    int n = v[1] ? (v[0] - '0') * 10 + (v[1] - '0') : v[0] - '0';
    if (v[1] && (v[1] < '0' || v[1] > '9'))
        return -1;
    return n >= 8 && n <= 15 ? n : -1;
}

static eddy_ws_deflate_config config_or_defaults(const eddy_ws_deflate_config *cfg)
{
    eddy_ws_deflate_config c = cfg ? *cfg : (eddy_ws_deflate_config){0};
    if (c.max_window_bits < 9 || c.max_window_bits > 15)
        c.max_window_bits = 15;
    if (c.level < 0 || c.level > 9 || (!cfg || cfg->level == 0))
        c.level = cfg && cfg->level > 0 && cfg->level <= 9 ? cfg->level : 6;
    return c;
}

/* judge_offer - can a server honour this permessage-deflate offer? */
static int judge_offer(const ext_param *params, int count, const eddy_ws_deflate_config *c,
                       eddy_ws_deflate_params *out)
{
    int seen_snct = 0, seen_cnct = 0, seen_smwb = 0, seen_cmwb = 0;
    int smwb = 15, cmwb = 15;
    for (int i = 0; i < count; i++) {
        const ext_param *pm = &params[i];
        if (!strcmp(pm->name, "server_no_context_takeover") && !pm->has_value && !seen_snct++) {
        } else if (!strcmp(pm->name, "client_no_context_takeover") && !pm->has_value &&
                   !seen_cnct++) {
        } else if (!strcmp(pm->name, "server_max_window_bits") && !seen_smwb++) {
            if ((smwb = window_bits(pm)) < 0)
                return 0;
        } else if (!strcmp(pm->name, "client_max_window_bits") && !seen_cmwb++) {
            if (pm->has_value && (cmwb = window_bits(pm)) < 0)
                return 0;
        } else {
            return 0; /* unknown, repeated or malformed: decline this offer */
        }
    }
    if (smwb < 9)
        return 0; /* zlib cannot compress with a 256-byte window */
    out->server_no_context_takeover = seen_snct || !c->context_takeover;
    out->client_no_context_takeover = !c->context_takeover;
    out->server_max_window_bits = smwb < c->max_window_bits ? smwb : c->max_window_bits;
    out->client_max_window_bits = cmwb;
    return 1;
}

int eddy_ws_deflate_negotiate(const char *offers, const eddy_ws_deflate_config *cfg,
                              eddy_ws_deflate_params *out, char *response, size_t cap)
{
    eddy_ws_deflate_config c = config_or_defaults(cfg);
    ext_reader r = {offers ? offers : ""};
    char name[32];
    ext_param params[MAX_PARAMS];
    int count, rc;
    while ((rc = next_extension(&r, name, params, &count)) > 0) {
        if (strcmp(name, "permessage-deflate") != 0 || !judge_offer(params, count, &c, out))
            continue;
        int n = snprintf(response, cap, "permessage-deflate%s%s",
                         out->server_no_context_takeover ? "; server_no_context_takeover" : "",
                         out->client_no_context_takeover ? "; client_no_context_takeover" : "");
        if (out->server_max_window_bits < 15 && n > 0 && (size_t)n < cap)
            snprintf(response + n, cap - (size_t)n, "; server_max_window_bits=%d",
                     out->server_max_window_bits);
        return 1;
    }
    return rc < 0 ? -1 : 0;
}

size_t eddy_ws_deflate_offer(const eddy_ws_deflate_config *cfg, char *out, size_t cap)
{
    eddy_ws_deflate_config c = config_or_defaults(cfg);
    int n = snprintf(
        out, cap, "permessage-deflate; client_max_window_bits%s",
        c.context_takeover ? "" : "; server_no_context_takeover; client_no_context_takeover");
    return n < 0 ? 0 : (size_t)n < cap ? (size_t)n : cap - 1;
}

int eddy_ws_deflate_accept(const char *response, const eddy_ws_deflate_config *cfg,
                           eddy_ws_deflate_params *out)
{
    eddy_ws_deflate_config c = config_or_defaults(cfg);
    ext_reader r = {response ? response : ""};
    char name[32];
    ext_param params[MAX_PARAMS];
    int count;
    if (next_extension(&r, name, params, &count) != 1 || strcmp(name, "permessage-deflate") != 0)
        return -1;
    skip_ows(&r);
    if (*r.p)
        return -1; /* a second extension: we offered one */
    int seen[4] = {0};
    *out = (eddy_ws_deflate_params){0, 0, 15, 15};
    for (int i = 0; i < count; i++) {
        const ext_param *pm = &params[i];
        if (!strcmp(pm->name, "server_no_context_takeover") && !pm->has_value && !seen[0]++) {
            out->server_no_context_takeover = 1;
        } else if (!strcmp(pm->name, "client_no_context_takeover") && !pm->has_value &&
                   !seen[1]++) {
            out->client_no_context_takeover = 1;
        } else if (!strcmp(pm->name, "server_max_window_bits") && !seen[2]++) {
            if ((out->server_max_window_bits = window_bits(pm)) < 0)
                return -1;
        } else if (!strcmp(pm->name, "client_max_window_bits") && !seen[3]++) {
            if ((out->client_max_window_bits = window_bits(pm)) < 9)
                return -1; /* absent value, bad value, or 8 (zlib cannot) */
        } else {
            return -1;
        }
    }
    if (out->client_max_window_bits > c.max_window_bits)
        out->client_max_window_bits = c.max_window_bits;
    if (!c.context_takeover)
        out->client_no_context_takeover = 1; /* our compressor may always forget */
    return 0;
}

/* ------------------------------------------------------------ the streams */

struct eddy_ws_deflate {
    int out_bits, level;
    int out_keep, in_keep; /* a context carries over between messages */
    z_stream *zout, *zin;  /* only with context takeover */
};

/* Per thread, for messages that keep no context. */
typedef struct shared_streams {
    z_stream *deflaters[16][10]; /* by window bits and level */
    z_stream *inflater;
} shared_streams;

static pthread_key_t shared_key;
static pthread_once_t shared_once = PTHREAD_ONCE_INIT;

static void free_deflater(z_stream *z)
{
    if (z) {
        deflateEnd(z);
        free(z);
    }
}

static void free_inflater(z_stream *z)
{
    if (z) {
        inflateEnd(z);
        free(z);
    }
}

static void shared_free(void *arg)
{
    shared_streams *s = arg;
    for (int b = 0; b < 16; b++)
        for (int l = 0; l < 10; l++)
            free_deflater(s->deflaters[b][l]);
    free_inflater(s->inflater);
    free(s);
}

static void shared_key_init(void)
{
    pthread_key_create(&shared_key, shared_free);
}

static shared_streams *shared(void)
{
    pthread_once(&shared_once, shared_key_init);
    shared_streams *s = pthread_getspecific(shared_key);
    if (!s && (s = calloc(1, sizeof *s)) && pthread_setspecific(shared_key, s) != 0) {
        free(s);
        s = NULL;
    }
    return s;
}

static z_stream *new_deflater(int bits, int level)
{
    z_stream *z = calloc(1, sizeof *z);
    if (z && deflateInit2(z, level, Z_DEFLATED, -bits, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
        free(z);
        z = NULL;
    }
    return z;
}

static z_stream *new_inflater(void)
{
    z_stream *z = calloc(1, sizeof *z);
    if (z && inflateInit2(z, -15) != Z_OK) {
        free(z);
        z = NULL;
    }
    return z;
}

eddy_ws_deflate *eddy_ws_deflate_new(const eddy_ws_deflate_params *params, enum eddy_ws_role role,
                                     int level)
{
    eddy_ws_deflate *d = calloc(1, sizeof *d);
    if (!d)
        return NULL;
    int server = role == EDDY_WS_SERVER;
    d->out_bits = server ? params->server_max_window_bits : params->client_max_window_bits;
    if (d->out_bits < 9 || d->out_bits > 15)
        d->out_bits = d->out_bits == 8 ? 9 : 15;
    d->level = level >= 1 && level <= 9 ? level : 6;
    d->out_keep =
        !(server ? params->server_no_context_takeover : params->client_no_context_takeover);
    d->in_keep =
        !(server ? params->client_no_context_takeover : params->server_no_context_takeover);
    return d;
}

void eddy_ws_deflate_free(eddy_ws_deflate *d)
{
    if (!d)
        return;
    free_deflater(d->zout);
    free_inflater(d->zin);
    free(d);
}

int eddy_ws_deflate_stateless(const eddy_ws_deflate *d)
{
    return d->out_keep ? 0 : d->out_bits;
}

void eddy_ws_deflate_idle(eddy_ws_deflate *d)
{
    (void)d; /* stateless streams are shared */
}

int eddy_ws_deflate_compress(eddy_ws_deflate *d, const void *data, size_t len, eddy_buf *out)
{
    z_stream *z;
    if (d->out_keep) {
        if (!d->zout && !(d->zout = new_deflater(d->out_bits, d->level)))
            return -1;
        z = d->zout;
    } else {
        shared_streams *s = shared();
        if (!s)
            return -1;
        z_stream **slot = &s->deflaters[d->out_bits][d->level];
        if (!*slot && !(*slot = new_deflater(d->out_bits, d->level)))
            return -1;
        z = *slot;
    }
    size_t start = out->len;
    z->next_in = (Bytef *)(uintptr_t)data;
    z->avail_in = (uInt)len;
    int rc;
    do {
        size_t room = len / 2 + 64;
        if (eddy_buf_reserve(out, room) < 0) {
            rc = Z_MEM_ERROR;
            break;
        }
        z->next_out = (Bytef *)out->data + out->len;
        z->avail_out = (uInt)(out->cap - out->len - 1);
        rc = deflate(z, Z_SYNC_FLUSH);
        out->len = (size_t)((char *)z->next_out - out->data);
    } while (rc == Z_OK && (z->avail_in > 0 || z->avail_out == 0));
    if (rc == Z_BUF_ERROR)
        rc = Z_OK; /* nothing left to do */
    if (!d->out_keep || rc != Z_OK)
        deflateReset(z);
    if (rc != Z_OK) {
        out->len = start;
        return -1;
    }
    /* The sync flush ends with an empty stored block, 00 00 FF FF: left off. */
    if (out->len - start >= 4 && memcmp(out->data + out->len - 4, "\0\0\xff\xff", 4) == 0)
        out->len -= 4;
    out->data[out->len] = '\0';
    return 0;
}

int eddy_ws_deflate_decompress(eddy_ws_deflate *d, const void *data, size_t len, eddy_buf *out,
                               size_t max)
{
    static const uint8_t tail[4] = {0, 0, 0xFF, 0xFF};
    z_stream *z;
    if (d->in_keep) {
        if (!d->zin && !(d->zin = new_inflater()))
            return EDDY_WS_INTERNAL_ERROR;
        z = d->zin;
    } else {
        shared_streams *s = shared();
        if (!s || (!s->inflater && !(s->inflater = new_inflater())))
            return EDDY_WS_INTERNAL_ERROR;
        z = s->inflater;
    }
    size_t start = out->len;
    int result = 0;
    for (int part = 0; part < 2 && !result; part++) {
        z->next_in = (Bytef *)(uintptr_t)(part == 0 ? data : (const void *)tail);
        z->avail_in = (uInt)(part == 0 ? len : sizeof tail);
        while (z->avail_in > 0 || z->avail_out == 0) {
            size_t room = 16384;
            if (max && out->len - start + room > max + 1)
                room = max + 1 - (out->len - start);
            if (room == 0) {
                result = EDDY_WS_TOO_BIG;
                break;
            }
            if (eddy_buf_reserve(out, room) < 0) {
                result = EDDY_WS_INTERNAL_ERROR;
                break;
            }
            z->next_out = (Bytef *)out->data + out->len;
            z->avail_out = (uInt)room;
            int rc = inflate(z, Z_SYNC_FLUSH);
            out->len = (size_t)((char *)z->next_out - out->data);
            if (max && out->len - start > max) {
                result = EDDY_WS_TOO_BIG;
                break;
            }
            if (rc == Z_STREAM_END) {
                inflateReset(z); /* a final block: whatever follows starts afresh */
                continue;
            }
            if (rc == Z_BUF_ERROR)
                break; /* no progress possible: all input taken */
            if (rc != Z_OK) {
                result = rc == Z_MEM_ERROR ? EDDY_WS_INTERNAL_ERROR : EDDY_WS_INVALID_DATA;
                break;
            }
        }
    }
    if (!d->in_keep || result)
        inflateReset(z);
    if (result) {
        out->len = start;
        return result;
    }
    if (eddy_buf_reserve(out, 1) == 0)
        out->data[out->len] = '\0';
    return 0;
}
