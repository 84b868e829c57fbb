/*
 * sms_code - verification codes: random, expiring, single-use, guarded
 * and rationed; see sms_code.h for the rules and the keys in the store.
 *
 * Every limit is a counter made by eddy_kv_incr, which creates the key
 * with its lifetime and counts in one atomic step (a Lua script on
 * Redis): two requests racing never both see "first", whether they run
 * in one process or in many.
 */
#include <eddy/data/sms_code.h>

#include <eddy/base/log.h>

#include <errno.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { MIN_LENGTH = 4, DEFAULT_LENGTH = 6, DEFAULT_ATTEMPTS = 5 };
enum { DEFAULT_PER_NUMBER = 10, DEFAULT_PER_IP = 30 };
static const long default_ttl_ms = 10L * 60 * 1000;
static const long default_cooldown_ms = 60L * 1000;
static const long default_day_ms = 24L * 60 * 60 * 1000;
static const char default_prefix[] = "sms-code:";

struct eddy_sms_codes {
    eddy_kv *kv;
    eddy_sms *sms;
    int length, max_attempts, per_number, per_ip;
    long ttl_ms, cooldown_ms, day_ms;
    char *prefix;
};

eddy_sms_codes *eddy_sms_codes_new(eddy_kv *kv, eddy_sms *sms, const eddy_sms_code_config *cfg)
{
    eddy_sms_code_config none = {0};
    if (!cfg)
        cfg = &none;
    int length = cfg->length ? cfg->length : DEFAULT_LENGTH;
    if (!kv || length < MIN_LENGTH || length > EDDY_SMS_CODE_MAX_LEN) {
        eddy_error("sms codes: %s", kv ? "a code has 4 to 10 digits" : "no store to keep codes in");
        errno = EINVAL;
        return NULL;
    }
    eddy_sms_codes *c = calloc(1, sizeof *c);
    if (c)
        c->prefix = strdup(cfg->prefix ? cfg->prefix : default_prefix);
    if (!c || !c->prefix) {
        free(c);
        eddy_error("sms codes: out of memory");
        errno = ENOMEM;
        return NULL;
    }
    c->kv = kv;
    c->sms = sms;
    c->length = length;
    c->max_attempts = cfg->max_attempts > 0 ? cfg->max_attempts : DEFAULT_ATTEMPTS;
    c->ttl_ms = cfg->ttl_ms > 0 ? cfg->ttl_ms : default_ttl_ms;
    c->cooldown_ms = cfg->cooldown_ms ? cfg->cooldown_ms : default_cooldown_ms;
    c->per_number = cfg->daily_per_number ? cfg->daily_per_number : DEFAULT_PER_NUMBER;
    c->per_ip = cfg->daily_per_ip ? cfg->daily_per_ip : DEFAULT_PER_IP;
    c->day_ms = cfg->day_ms > 0 ? cfg->day_ms : default_day_ms;
    return c;
}

void eddy_sms_codes_free(eddy_sms_codes *codes)
{
    if (!codes)
        return;
    free(codes->prefix);
    free(codes);
}

/* ------------------------------------------------------------ helpers */

/* key - "{prefix}{kind}{id}" in a caller's buffer; NULL when it does not fit. */
static const char *key(const eddy_sms_codes *c, char *buf, size_t cap, const char *kind,
                       const char *id)
{
    int n = snprintf(buf, cap, "%s%s%s", c->prefix, kind, id);
    return n >= 0 && (size_t)n < cap ? buf : NULL;
}

/* failed - record why there is no verdict; returns rc. */
static int failed(eddy_sms_code_outcome *out, int rc, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int failed(eddy_sms_code_outcome *out, int rc, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(out->error.text, sizeof out->error.text, fmt, ap);
    va_end(ap);
    if (rc != ECANCELED)
        eddy_warn("sms codes: %s", out->error.text);
    return rc;
}

/* store_failed - a kv call's error, in out and the log. */
static int store_failed(eddy_sms_code_outcome *out, int rc, const char *what)
{
    return failed(out, rc, "the code store failed to %s: %s", what, strerror(rc));
}

static long seconds_up(long ms)
{
    return ms > 0 ? (ms + 999) / 1000 : 1;
}

/* over_limit - count one more under k (living window_ms from the first);
 * 1 and out->retry_after_s set when the count passes limit, 0 when not,
 * or -rc on a store error. */
static int over_limit(eddy_sms_codes *c, const char *k, int limit, long window_ms,
                      eddy_sms_code_outcome *out)
{
    int64_t count;
    long ttl_left;
    int rc = eddy_kv_incr(c->kv, k, window_ms, &count, &ttl_left);
    if (rc) {
        store_failed(out, rc, "count");
        return -rc;
    }
    if (count <= limit)
        return 0;
    out->retry_after_s = seconds_up(ttl_left);
    return 1;
}

/* random_digits - length decimal digits, each uniform: a random byte is
 * kept only below 250 (25 * 10), so every digit has 25 bytes mapping to
 * it and none is favoured. 0, or -1 when the generator fails. */
static int random_digits(char *out, int length)
{
    unsigned char pool[32];
    size_t used = sizeof pool;
    for (int i = 0; i < length;) {
        if (used == sizeof pool) {
            if (RAND_bytes(pool, sizeof pool) != 1)
                return -1;
            used = 0;
        }
        unsigned char b = pool[used++];
        if (b < 250)
            out[i++] = (char)('0' + b % 10);
    }
    out[length] = '\0';
    OPENSSL_cleanse(pool, sizeof pool);
    return 0;
}

/* ------------------------------------------------------------ sending */

int eddy_sms_code_send(eddy_sms_codes *c, const char *mobile, const char *ip,
                       eddy_sms_code_outcome *out)
{
    *out = (eddy_sms_code_outcome){.result = EDDY_SMS_CODE_OK};
    if (!mobile || !*mobile)
        return failed(out, EINVAL, "no mobile number to send a code to");
    char code_key[256], cooldown_key[256], day_key[256], ip_key[256];
    if (!key(c, code_key, sizeof code_key, "code:", mobile) ||
        !key(c, cooldown_key, sizeof cooldown_key, "cooldown:", mobile) ||
        !key(c, day_key, sizeof day_key, "day:mobile:", mobile) ||
        (ip && *ip && !key(c, ip_key, sizeof ip_key, "day:ip:", ip)))
        return failed(out, EINVAL, "the mobile number or address is too long");

    /* The address first: a client past its cap touches nothing of the
     * number it names, so it cannot hold a victim's number in cooldown. */
    const struct {
        const char *key;
        int limit; /* 0: switched off */
        long window_ms;
        eddy_sms_code_result refusal;
    } limits[] = {
        {ip && *ip ? ip_key : NULL, c->per_ip, c->day_ms, EDDY_SMS_CODE_IP_CAP},
        {cooldown_key, c->cooldown_ms > 0, c->cooldown_ms, EDDY_SMS_CODE_COOLDOWN},
        {day_key, c->per_number, c->day_ms, EDDY_SMS_CODE_NUMBER_CAP},
    };
    for (size_t i = 0; i < sizeof limits / sizeof limits[0]; i++) {
        if (!limits[i].key || limits[i].limit <= 0)
            continue;
        int over = over_limit(c, limits[i].key, limits[i].limit, limits[i].window_ms, out);
        if (over < 0)
            return -over;
        if (over) {
            out->result = limits[i].refusal;
            return 0;
        }
    }

    if (random_digits(out->code, c->length) != 0)
        return failed(out, EIO, "the random generator failed");
    char tries_key[256];
    key(c, tries_key, sizeof tries_key, "tries:", mobile); /* no longer than code_key */
    int rc = eddy_kv_set(c->kv, code_key, out->code, strlen(out->code), c->ttl_ms);
    if (rc)
        return store_failed(out, rc, "keep the code");
    rc = eddy_kv_delete(c->kv, tries_key); /* a new code starts with every attempt */
    if (rc && rc != ENOENT)
        return store_failed(out, rc, "reset the attempts");
    if (!c->sms)
        return 0;
    rc = eddy_sms_send_code(c->sms, mobile, out->code, &out->error);
    if (rc) {
        /* Nobody received it: withdraw the code and let the user ask
         * again at once (the caps still count the attempt). */
        int undo = eddy_kv_delete(c->kv, code_key);
        if (!undo || undo == ENOENT)
            undo = eddy_kv_delete(c->kv, cooldown_key);
        if (undo && undo != ENOENT && undo != ECANCELED)
            eddy_warn("sms codes: could not withdraw the unsent code: %s", strerror(undo));
        memset(out->code, 0, sizeof out->code);
        return rc;
    }
    return 0;
}

/* ------------------------------------------------------------ checking */

/* same_code - compare in time that does not depend on where they differ. */
static int same_code(const char *stored, size_t stored_len, const char *typed)
{
    size_t typed_len = strlen(typed);
    return typed_len == stored_len && CRYPTO_memcmp(stored, typed, typed_len) == 0;
}

int eddy_sms_code_verify(eddy_sms_codes *c, const char *mobile, const char *code,
                         eddy_sms_code_outcome *out)
{
    *out = (eddy_sms_code_outcome){.result = EDDY_SMS_CODE_OK};
    if (!mobile || !*mobile || !code || !*code)
        return failed(out, EINVAL, "no mobile number or code to check");
    char code_key[256], tries_key[256];
    if (!key(c, code_key, sizeof code_key, "code:", mobile) ||
        !key(c, tries_key, sizeof tries_key, "tries:", mobile))
        return failed(out, EINVAL, "the mobile number is too long");

    char *stored = NULL;
    size_t stored_len = 0;
    int rc = eddy_kv_get(c->kv, code_key, &stored, &stored_len);
    if (rc == ENOENT) {
        out->result = EDDY_SMS_CODE_MISSING;
        return 0;
    }
    if (rc)
        return store_failed(out, rc, "read the code");
    /* Count the check before judging it: parallel guesses each take a
     * number, and only max_attempts of them are ever compared. */
    int64_t tries;
    rc = eddy_kv_incr(c->kv, tries_key, c->ttl_ms, &tries, NULL);
    if (rc) {
        free(stored);
        return store_failed(out, rc, "count the attempt");
    }
    int right = tries <= c->max_attempts && same_code(stored, stored_len, code);
    free(stored);
    if (right) {
        /* Used up: of two checks racing with the right code, only the one
         * that deletes it wins. */
        rc = eddy_kv_delete(c->kv, code_key);
        if (rc == ENOENT) {
            out->result = EDDY_SMS_CODE_MISSING;
            return 0;
        }
        if (rc)
            return store_failed(out, rc, "use up the code");
        rc = eddy_kv_delete(c->kv, tries_key);
        if (rc && rc != ENOENT && rc != ECANCELED)
            eddy_warn("sms codes: could not clear the attempts: %s", strerror(rc));
        return 0;
    }
    if (tries < c->max_attempts) {
        out->result = EDDY_SMS_CODE_WRONG;
        out->attempts_left = (int)(c->max_attempts - tries);
        return 0;
    }
    rc = eddy_kv_delete(c->kv, code_key); /* the last attempt failed: the code dies */
    if (rc && rc != ENOENT)
        return store_failed(out, rc, "remove the dead code");
    out->result = EDDY_SMS_CODE_EXHAUSTED;
    return 0;
}

/* ------------------------------------------------------------ answers */

int eddy_sms_code_status(eddy_sms_code_result result)
{
    switch (result) {
    case EDDY_SMS_CODE_OK:
        return 200;
    case EDDY_SMS_CODE_COOLDOWN:
    case EDDY_SMS_CODE_NUMBER_CAP:
    case EDDY_SMS_CODE_IP_CAP:
        return 429;
    case EDDY_SMS_CODE_MISSING:
    case EDDY_SMS_CODE_WRONG:
    case EDDY_SMS_CODE_EXHAUSTED:
        break;
    }
    return 400;
}

const char *eddy_sms_code_reason(eddy_sms_code_result result)
{
    switch (result) {
    case EDDY_SMS_CODE_OK:
        return "OK";
    case EDDY_SMS_CODE_COOLDOWN:
        return "A code was sent to this number moments ago; wait before asking again";
    case EDDY_SMS_CODE_NUMBER_CAP:
        return "This number has been sent all the codes it may have today";
    case EDDY_SMS_CODE_IP_CAP:
        return "Too many codes asked for from this address today";
    case EDDY_SMS_CODE_MISSING:
        return "No valid code for this number; ask for a new one";
    case EDDY_SMS_CODE_WRONG:
        return "Wrong code";
    case EDDY_SMS_CODE_EXHAUSTED:
        return "Too many wrong codes; ask for a new one";
    }
    return "Unknown result";
}
