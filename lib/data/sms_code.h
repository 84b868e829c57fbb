/*
 * sms_code - verification codes sent by SMS: made, kept, checked once.
 *
 * Registering with a mobile number proves the number is the user's: the
 * server sends a random code to it and the user types it back. The
 * course's forum keeps "{mobile}_{code}" in Redis for ten minutes and
 * checks only that it exists; that lets anyone guess codes without limit
 * and lets one client make the server send (and pay for) texts without
 * end. Here a code is
 *
 *   random      digits from RAND_bytes, each drawn without modulo bias;
 *   expiring    kept in a kv store (kv.h: this process, or Redis for many)
 *               for ttl_ms;
 *   single-use  the right answer deletes it, so only one check can win;
 *   guarded     max_attempts wrong answers kill it (every check counts,
 *               atomically, so parallel guesses cannot slip past the limit);
 *   rationed    one code per cooldown_ms per number, and at most
 *               daily_per_number codes per number and daily_per_ip per
 *               client address in each day_ms window.
 *
 *     eddy_sms_codes *codes = eddy_sms_codes_new(kv, sms, &(eddy_sms_code_config){.length = 4});
 *     ...in a handler:
 *     eddy_sms_code_outcome out;
 *     int rc = eddy_sms_code_send(codes, mobile, client_ip, &out);
 *     if (rc)                           the store or the gateway failed: 502/503, out.error.text
 *     else if (out.result != EDDY_SMS_CODE_OK)
 *         answer eddy_sms_code_status(out.result) (429 here) with eddy_sms_code_reason(out.result)
 *         and Retry-After: out.retry_after_s
 *     ...later, on POST /register/:
 *     rc = eddy_sms_code_verify(codes, mobile, typed_code, &out);   OK, or 400 with the reason
 *
 * The number is taken as given: checking its format is the form's job.
 * Both calls are waits (lib/README.md): 0 when there is a verdict in
 * out->result, or an errno value when there is none, with a sentence in
 * out->error: the store's errors (kv.h: ECONNREFUSED, ETIMEDOUT...), the
 * sender's (sms.h: EIO, ETIMEDOUT...; the code is then withdrawn and the
 * cooldown lifted, so the user may ask again at once), ECANCELED, EINVAL
 * for an empty number or code.
 *
 * What the store holds, under the kv's own prefix and then config.prefix
 * (default "sms-code:"), so operators and tests can look:
 *   {prefix}code:{mobile}       the live code, for ttl_ms
 *   {prefix}tries:{mobile}      checks of that code so far
 *   {prefix}cooldown:{mobile}   codes asked for within cooldown_ms
 *   {prefix}day:mobile:{mobile} codes asked for in this day_ms window
 *   {prefix}day:ip:{ip}         the same per client address
 */
#ifndef EDDY_SMS_CODE_H
#define EDDY_SMS_CODE_H

#include <eddy/data/kv.h>
#include <eddy/data/sms.h>

enum { EDDY_SMS_CODE_MAX_LEN = 10 };

typedef struct eddy_sms_codes eddy_sms_codes;

/* eddy_sms_code_config - a field left 0 takes its default; a cap or the
 * cooldown set < 0 is switched off. */
typedef struct eddy_sms_code_config {
    int length;           /* digits, 4 to EDDY_SMS_CODE_MAX_LEN (default 6) */
    long ttl_ms;          /* a code's life (default 10 minutes, the course's) */
    int max_attempts;     /* checks before the code dies (default 5) */
    long cooldown_ms;     /* between two codes to one number (default 60 s) */
    int daily_per_number; /* codes one number may be sent per window (default 10) */
    int daily_per_ip;     /* codes one client address may ask for per window (default 30) */
    long day_ms;          /* the caps' window, from its first code (default 24 h) */
    const char *prefix;   /* before every key (default "sms-code:"): one per purpose */
} eddy_sms_code_config;

/* eddy_sms_codes_new - codes kept in kv and sent with sms (neither is
 * owned; sms NULL: nothing is sent, the caller sends out.code itself).
 * NULL with errno (EINVAL for a length out of range or no kv; ENOMEM)
 * and a logged reason. */
eddy_sms_codes *eddy_sms_codes_new(eddy_kv *kv, eddy_sms *sms, const eddy_sms_code_config *cfg);

/* eddy_sms_codes_free - NULL is fine. */
void eddy_sms_codes_free(eddy_sms_codes *codes);

/* Each verdict is distinct, so a caller can answer it precisely. */
typedef enum eddy_sms_code_result {
    EDDY_SMS_CODE_OK = 0,       /* sent, or verified (and now used up) */
    EDDY_SMS_CODE_COOLDOWN,     /* 429: a code went to this number moments ago */
    EDDY_SMS_CODE_NUMBER_CAP,   /* 429: this number has had its codes for the day */
    EDDY_SMS_CODE_IP_CAP,       /* 429: this address has asked for its codes for the day */
    EDDY_SMS_CODE_MISSING,      /* 400: no live code: never sent, expired, used, or dead */
    EDDY_SMS_CODE_WRONG,        /* 400: not the code; attempts_left more checks */
    EDDY_SMS_CODE_EXHAUSTED,    /* 400: too many wrong checks: the code is dead */
} eddy_sms_code_result;

typedef struct eddy_sms_code_outcome {
    eddy_sms_code_result result;
    long retry_after_s;  /* COOLDOWN and the caps: seconds until asking may succeed */
    int attempts_left;   /* WRONG: checks left before the code dies */
    char code[EDDY_SMS_CODE_MAX_LEN + 1]; /* send, OK: the code that was sent */
    eddy_sms_error error; /* a call that returned an errno value: why */
} eddy_sms_code_outcome;

/* eddy_sms_code_send - make a new code for mobile (replacing any live
 * one, with a fresh count of attempts), store it and send it, unless a
 * cooldown or a cap refuses. ip (may be NULL or "": no per-address cap)
 * is the client's address as the server trusts it. */
int eddy_sms_code_send(eddy_sms_codes *codes, const char *mobile, const char *ip,
                       eddy_sms_code_outcome *out);

/* eddy_sms_code_verify - check code against mobile's live code. The
 * right code is used up (OK once, MISSING after); a wrong one counts
 * against max_attempts. */
int eddy_sms_code_verify(eddy_sms_codes *codes, const char *mobile, const char *code,
                         eddy_sms_code_outcome *out);

/* eddy_sms_code_status - the HTTP status for a verdict: 200, 400 or 429. */
int eddy_sms_code_status(eddy_sms_code_result result);

/* eddy_sms_code_reason - a sentence for the client ("Too many wrong
 * codes; ask for a new one"). */
const char *eddy_sms_code_reason(eddy_sms_code_result result);

#endif
