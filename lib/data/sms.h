/*
 * sms - sending a text message to a mobile number, from a task.
 *
 * Registration by mobile number needs a verification code sent by SMS
 * (the course's yunpian provider). Sending is a wait like any other: the
 * task is suspended while the gateway answers, and the loop serves
 * everyone else meanwhile.
 *
 *     eddy_sms *sms = eddy_sms_new(&(eddy_sms_config){
 *         .backend = "http", .url = gateway_url, .api_key = key,
 *         .text_template = "[Forum] Your code is {code}.", .timeout_ms = 5000});
 *     ...
 *     eddy_sms_error why;
 *     int rc = eddy_sms_send_code(sms, mobile, "4821", &why);
 *     if (rc)
 *         return eddy_send_error(r, 502, why.text);   (the gateway said why)
 *
 * Two backends behind one small table of operations (one file each):
 *
 *   console  the default: logs the number and the text (hence the code),
 *            so a program runs without a provider account.
 *   http     a gateway in the style of the course's provider: a form POST
 *            (application/x-www-form-urlencoded) of apikey, mobile and
 *            text to the gateway's single-send URL, answered with JSON
 *            {"code": 0, "msg": "..."}: code 0 is success, anything else
 *            a refusal whose msg says why.
 *
 * Sends follow the wait rule (lib/README.md): 0, or an errno value, with
 * a sentence in the eddy_sms_error the caller passed (and in the log):
 *   EIO           the gateway refused the message (its code and msg)
 *   EPROTO        the gateway's answer is not its JSON (garbage, no code)
 *   EREMOTEIO     the gateway answered an HTTP error status without its
 *                 JSON (a 500 from a proxy in front of it)
 *   ETIMEDOUT     no complete answer within timeout_ms
 *   ECONNREFUSED, EHOSTUNREACH, ...  the gateway cannot be reached
 *   ECANCELED     the task was cancelled (the client went away)
 *   EINVAL        an empty number, or a template without {code}
 *   ENOMEM        out of memory
 *   EPERM         called outside a task (the http backend must wait)
 */
#ifndef EDDY_SMS_H
#define EDDY_SMS_H

#include <eddy/http/client.h>

typedef struct eddy_sms eddy_sms;

/* eddy_sms_config - a field left 0 or NULL takes its default. */
typedef struct eddy_sms_config {
    const char *backend;       /* "console" (default) or "http" */
    const char *url;           /* http: the gateway's single-send URL (required) */
    const char *api_key;       /* http: sent as the apikey field (required) */
    const char *text_template; /* the message of eddy_sms_send_code; "{code}" is replaced
                                  (default "Your verification code is {code}.") */
    long timeout_ms;           /* http: connect and answer together (default 10000) */
    eddy_http_client *client;  /* http: send through this client (not owned); NULL: a
                                  client of its own, made on the first send's loop */
} eddy_sms_config;

/* eddy_sms_new - a sender as cfg says (NULL: the console). The strings
 * are copied. NULL with errno and a logged reason: EINVAL for an unknown
 * backend, an http backend without url or api_key, or a template without
 * "{code}"; ENOMEM. */
eddy_sms *eddy_sms_new(const eddy_sms_config *cfg);

/* eddy_sms_free - NULL is fine. No send may be in flight. */
void eddy_sms_free(eddy_sms *sms);

/* eddy_sms_backend - "console" or "http". */
const char *eddy_sms_backend(const eddy_sms *sms);

/* Why a send failed: filled by every send (text "" and codes 0 on success). */
typedef struct eddy_sms_error {
    char text[256];    /* a sentence for the log or the client: the provider's msg for EIO */
    int provider_code; /* the JSON answer's code when there was one (EIO), else 0 */
    int http_status;   /* the gateway's HTTP status, 0 when none arrived */
} eddy_sms_error;

/* eddy_sms_send - send text to mobile (taken as given: checking its
 * format is the form's job) and wait for the backend's answer. why may be
 * NULL. 0 or an errno value, as above. */
int eddy_sms_send(eddy_sms *sms, const char *mobile, const char *text, eddy_sms_error *why);

/* eddy_sms_send_code - eddy_sms_send of the configured template with
 * "{code}" replaced by code. */
int eddy_sms_send_code(eddy_sms *sms, const char *mobile, const char *code, eddy_sms_error *why);

#endif
