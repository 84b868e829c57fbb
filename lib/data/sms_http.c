/*
 * sms_http - the SMS backend that posts to a provider's HTTP gateway.
 *
 * The course's provider (yunpian's single_send.json) takes a form POST of
 * apikey, mobile and text and answers JSON whose "code" is 0 on success;
 * any other code comes with a "msg" (and sometimes a "detail") saying
 * why. Providers in this style answer a refusal with a 4xx status and the
 * same JSON, so the JSON decides whenever there is one; the status alone
 * decides only when the body is not the provider's (a proxy's 502 page).
 * The fetch goes through the lib's client (lib/http/client.h) and waits
 * like any fetch: the task sleeps, the loop serves.
 */
#include "sms_internal.h"

#include <eddy/base/log.h>

#include <errno.h>
#include <jansson.h>
#include <string.h>

/* The start of a body that is not what the gateway should say, quoted in
 * the error so the log shows what came instead. */
enum { QUOTED_BODY_BYTES = 60 };

/* fetch_failed - why is set for an error of the fetch itself: the
 * gateway silent, out of reach, or its answer unreadable. */
static int fetch_failed(eddy_sms *sms, int rc, const eddy_http_response *resp, eddy_sms_error *why)
{
    const char *detail = resp && resp->error_text && *resp->error_text ? resp->error_text
                                                                        : strerror(rc);
    switch (rc) {
    case ETIMEDOUT:
    case ETIME: /* the client's request timeout: to the caller, one kind of silence */
        return sms_fail(why, ETIMEDOUT, 0, 0, "the SMS gateway did not answer within %ld ms (%s)",
                        sms->timeout_ms, detail);
    case ECANCELED:
        return sms_fail(why, rc, 0, 0, "the send was cancelled");
    case EPROTO:
    case EMSGSIZE:
        return sms_fail(why, rc, 0, 0, "the SMS gateway's answer could not be read: %s", detail);
    default:
        return sms_fail(why, rc, 0, 0, "cannot reach the SMS gateway: %s", detail);
    }
}

/* judge_answer - the gateway's verdict from its status and body. */
static int judge_answer(const eddy_http_response *resp, eddy_sms_error *why)
{
    int status = resp->status;
    int status_ok = status >= 200 && status < 300;
    json_t *answer = json_loadb(resp->body, resp->body_len, 0, NULL);
    json_t *code = json_is_object(answer) ? json_object_get(answer, "code") : NULL;
    int rc;
    if (!json_is_integer(code)) {
        if (status_ok)
            rc = sms_fail(why, EPROTO, 0, status,
                          "the SMS gateway's answer is not JSON with a code: \"%.*s\"",
                          (int)(resp->body_len < QUOTED_BODY_BYTES ? resp->body_len
                                                                   : QUOTED_BODY_BYTES),
                          resp->body);
        else
            rc = sms_fail(why, EREMOTEIO, 0, status, "the SMS gateway answered HTTP %d", status);
    } else if (json_integer_value(code) != 0) {
        long long provider = json_integer_value(code);
        const char *msg = json_string_value(json_object_get(answer, "msg"));
        const char *detail = json_string_value(json_object_get(answer, "detail"));
        rc = sms_fail(why, EIO, (int)provider, status, "%s%s%s%s",
                      msg && *msg ? msg : "the SMS gateway refused the message",
                      detail && *detail ? " (" : "", detail && *detail ? detail : "",
                      detail && *detail ? ")" : "");
    } else if (!status_ok) {
        rc = sms_fail(why, EREMOTEIO, 0, status,
                      "the SMS gateway answered HTTP %d with code 0", status);
    } else {
        rc = 0;
    }
    json_decref(answer);
    return rc;
}

static int http_send(eddy_sms *sms, const char *mobile, const char *text, eddy_sms_error *why)
{
    if (!sms->client) { /* on the loop of the first send: the one that will wait on it */
        sms->client = eddy_http_client_new(NULL);
        if (!sms->client)
            return sms_fail(why, errno ? errno : ENOMEM, 0, 0, "cannot make an HTTP client: %s",
                            strerror(errno ? errno : ENOMEM));
        sms->owns_client = 1;
    }
    const char *form[] = {"apikey", sms->api_key, "mobile", mobile, "text", text, NULL};
    static const char *const headers[] = {"Accept: application/json", NULL};
    eddy_http_request req = {
        .url = sms->url,
        .method = "POST",
        .headers = headers,
        .form = form,
        .connect_timeout_ms = sms->timeout_ms,
        .request_timeout_ms = sms->timeout_ms,
        .no_follow = 1, /* a form with the API key is not posted wherever a 3xx says */
        .max_body_bytes = 64 * 1024,
    };
    eddy_http_response *resp = NULL;
    int rc = eddy_http_fetch(sms->client, &req, &resp);
    if (rc)
        rc = fetch_failed(sms, rc, resp, why);
    else
        rc = judge_answer(resp, why);
    eddy_http_response_free(resp);
    return rc;
}

static void http_close(eddy_sms *sms)
{
    if (sms->owns_client)
        eddy_http_client_free(sms->client);
    sms->client = NULL;
}

const sms_backend sms_http_backend = {
    .name = "http",
    .send = http_send,
    .close = http_close,
};
