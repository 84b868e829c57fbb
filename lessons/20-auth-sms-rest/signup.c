/*
 * signup - see signup.h. The codes live in this process, in a small
 * table keyed by number (one server process; many would share them in
 * Redis). The loop runs one task at a time, so a check and its update
 * cannot interleave with another request's.
 */
#include "signup.h"
#include "site.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

enum { MAX_NUMBERS = 4096 };

struct pending {
    char mobile[16];
    char code[12];
    time_t sent, expires;
    int wrong;
};

struct signup {
    int digits, max_attempts;
    long ttl_s, cooldown_s;
    struct pending table[MAX_NUMBERS];
};

struct signup *signup_new(int digits, long ttl_s, int max_attempts, long cooldown_s)
{
    struct signup *s = calloc(1, sizeof *s);
    if (s)
        *s = (struct signup){.digits = digits, .max_attempts = max_attempts, .ttl_s = ttl_s,
                             .cooldown_s = cooldown_s};
    return s;
}

void signup_free(struct signup *s) { free(s); }

/* slot_for - mobile's entry, or a free (or expired) one to reuse; NULL if full. */
static struct pending *slot_for(struct signup *s, const char *mobile, bool create)
{
    struct pending *free_one = NULL;
    time_t now = time(NULL);
    for (int i = 0; i < MAX_NUMBERS; i++) {
        struct pending *p = &s->table[i];
        if (strcmp(p->mobile, mobile) == 0)
            return p;
        if (!free_one && (!p->mobile[0] || now >= p->expires + s->cooldown_s))
            free_one = p;
    }
    if (create && free_one) {
        memset(free_one, 0, sizeof *free_one);
        snprintf(free_one->mobile, sizeof free_one->mobile, "%s", mobile);
        return free_one;
    }
    return NULL;
}

/* random_code - digits random decimal digits, without modulo bias. */
static int random_code(char *out, int digits)
{
    for (int i = 0; i < digits; i++) {
        unsigned char b;
        do {
            if (eddy_random_bytes(&b, 1) < 0)
                return -1;
        } while (b >= 250); /* 250 = 25 * 10: keep only bytes that divide evenly */
        out[i] = (char)('0' + b % 10);
    }
    out[digits] = '\0';
    return 0;
}

int signup_send_code(eddy_req *r, const char *mobile)
{
    struct signup *s = site_of(r)->signup;
    time_t now = time(NULL);
    struct pending *p = slot_for(s, mobile, true);
    if (p && p->sent && now < p->sent + s->cooldown_s) {
        char wait[24];
        snprintf(wait, sizeof wait, "%ld", (long)(p->sent + s->cooldown_s - now));
        eddy_response_set_header(r, "Retry-After", wait);
        send_field_error(r, 429, "mobile", "a code was sent moments ago; wait before asking again");
        return -1;
    }
    if (!p || random_code(p->code, s->digits) < 0) {
        eddy_send_error(r, 503, NULL);
        return -1;
    }
    p->sent = now;
    p->expires = now + s->ttl_s;
    p->wrong = 0;
    /* The console "gateway": where a real one would send a text. */
    eddy_info("SMS to %s: your verification code is %s", mobile, p->code);
    return 0;
}

int signup_check_code(eddy_req *r, const char *mobile, const char *code)
{
    struct signup *s = site_of(r)->signup;
    struct pending *p = slot_for(s, mobile, false);
    const char *why = NULL;
    if (!p || !p->code[0] || time(NULL) >= p->expires)
        why = "no live code for this number: ask for one";
    else if (p->wrong >= s->max_attempts)
        why = "too many wrong codes: ask for a new one";
    else if (!eddy_str_equal_ct(p->code, strlen(p->code), code, strlen(code))) {
        p->wrong++;
        why = p->wrong >= s->max_attempts ? "too many wrong codes: ask for a new one"
                                          : "wrong code";
    }
    if (why) {
        send_field_error(r, 400, "code", why);
        return -1;
    }
    p->code[0] = '\0'; /* used up: the same code cannot register twice */
    return 0;
}
