/*
 * ratelimit - a fixed window per key, counted with eddy_kv_incr. See
 * ratelimit.h for the choice of window.
 */
#include <eddy/data/ratelimit.h>

#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct eddy_ratelimit {
    eddy_kv *kv;
    long hits, window_ms;
    char prefix[80]; /* "rl:NAME:" */
};

static int good_name(const char *name)
{
    size_t n = name ? strlen(name) : 0;
    if (n == 0 || n > 64)
        return 0;
    for (size_t i = 0; i < n; i++) {
        char c = name[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '-' || c == '.'))
            return 0;
    }
    return 1;
}

eddy_ratelimit *eddy_ratelimit_new(eddy_kv *kv, const char *name, long hits, long window_ms)
{
    if (!kv || hits < 1 || window_ms < 1 || !good_name(name)) {
        errno = EINVAL;
        return NULL;
    }
    eddy_ratelimit *rl = calloc(1, sizeof *rl);
    if (!rl) {
        errno = ENOMEM;
        return NULL;
    }
    rl->kv = kv;
    rl->hits = hits;
    rl->window_ms = window_ms;
    snprintf(rl->prefix, sizeof rl->prefix, "rl:%s:", name);
    return rl;
}

void eddy_ratelimit_free(eddy_ratelimit *rl)
{
    free(rl);
}

/* with_key - "rl:NAME:" + key, in small or malloc'ed; NULL when out of memory. */
static char *with_key(const eddy_ratelimit *rl, const char *key, char *small, size_t size)
{
    size_t need = strlen(rl->prefix) + strlen(key) + 1;
    char *k = need <= size ? small : malloc(need);
    if (k)
        snprintf(k, need, "%s%s", rl->prefix, key);
    return k;
}

int eddy_ratelimit_hit(eddy_ratelimit *rl, const char *key, eddy_ratelimit_verdict *out)
{
    *out = (eddy_ratelimit_verdict){.allowed = true, .limit = rl->hits, .remaining = rl->hits};
    if (!key)
        return EINVAL;
    char small[256];
    char *k = with_key(rl, key, small, sizeof small);
    if (!k)
        return ENOMEM;
    int64_t count;
    long left;
    int rc = eddy_kv_incr(rl->kv, k, rl->window_ms, &count, &left);
    if (k != small)
        free(k);
    if (rc)
        return rc;
    if (left < 0) /* cannot happen with a TTL given; be safe */
        left = rl->window_ms;
    out->count = count > LONG_MAX ? LONG_MAX : (long)count;
    out->reset_ms = left;
    out->allowed = count <= rl->hits;
    out->remaining = out->allowed ? rl->hits - out->count : 0;
    out->retry_after_seconds = out->allowed ? 0 : (left + 999) / 1000;
    if (!out->allowed && out->retry_after_seconds < 1)
        out->retry_after_seconds = 1;
    return 0;
}

int eddy_ratelimit_reset(eddy_ratelimit *rl, const char *key)
{
    if (!key)
        return EINVAL;
    char small[256];
    char *k = with_key(rl, key, small, sizeof small);
    if (!k)
        return ENOMEM;
    int rc = eddy_kv_delete(rl->kv, k);
    if (k != small)
        free(k);
    return rc == ENOENT ? 0 : rc;
}
