/*
 * sms_internal - what the sender (sms.c) and its backends (sms_console.c,
 * sms_http.c) share: the sender's insides and the one table of
 * operations a backend fills in.
 *
 * A backend only delivers a finished text; sms.c checks the arguments,
 * fills in the template and writes the log line when a send fails, so
 * `diff sms_console.c sms_http.c` shows only how each one delivers.
 */
#ifndef EDDY_SMS_INTERNAL_H
#define EDDY_SMS_INTERNAL_H

#include <eddy/data/sms.h>

typedef struct sms_backend {
    const char *name;
    /* send - deliver text to mobile; 0, or an errno value with why filled
     * by sms_fail (why is never NULL here). */
    int (*send)(eddy_sms *sms, const char *mobile, const char *text, eddy_sms_error *why);
    /* close - release what the backend made for itself (may be NULL). */
    void (*close)(eddy_sms *sms);
} sms_backend;

struct eddy_sms {
    const sms_backend *backend;
    char *url, *api_key, *text_template; /* copies of the configuration */
    long timeout_ms;
    eddy_http_client *client; /* http: the client sends go through */
    int owns_client;          /* 1 when client was made here (and is freed here) */
};

extern const sms_backend sms_console_backend;
extern const sms_backend sms_http_backend;

/* sms_fail - fill why with rc's sentence (control characters from a
 * gateway's message become spaces, so a log line stays one line) and the
 * gateway's codes; returns rc, so a backend writes
 * `return sms_fail(why, EIO, code, status, "...%s", msg);`. */
int sms_fail(eddy_sms_error *why, int rc, int provider_code, int http_status, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

#endif
