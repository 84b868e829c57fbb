/*
 * sms - the sender: configuration, the template, the checks and the log
 * line every backend shares; see sms.h. The backends are sms_console.c
 * and sms_http.c.
 */
#include "sms_internal.h"

#include <eddy/base/buf.h>
#include <eddy/base/log.h>

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char default_template[] = "Your verification code is {code}.";
static const char code_placeholder[] = "{code}";
enum { DEFAULT_TIMEOUT_MS = 10000 };

static const sms_backend *find_backend(const char *name)
{
    if (!name || !*name || strcmp(name, sms_console_backend.name) == 0)
        return &sms_console_backend;
    if (strcmp(name, sms_http_backend.name) == 0)
        return &sms_http_backend;
    return NULL;
}

/* copy_or_null - strdup that keeps NULL; 0, or -1 when memory ran out. */
static int copy_or_null(char **dst, const char *src)
{
    *dst = src ? strdup(src) : NULL;
    return src && !*dst ? -1 : 0;
}

eddy_sms *eddy_sms_new(const eddy_sms_config *cfg)
{
    eddy_sms_config none = {0};
    if (!cfg)
        cfg = &none;
    const sms_backend *backend = find_backend(cfg->backend);
    const char *tmpl = cfg->text_template ? cfg->text_template : default_template;
    const char *problem = NULL;
    if (!backend)
        problem = "unknown backend (expected console or http)";
    else if (!strstr(tmpl, code_placeholder))
        problem = "the text template has no {code}";
    else if (backend == &sms_http_backend && (!cfg->url || !*cfg->url))
        problem = "the http backend needs the gateway's url";
    else if (backend == &sms_http_backend && (!cfg->api_key || !*cfg->api_key))
        problem = "the http backend needs an api key";
    if (problem) {
        eddy_error("sms: %s%s%s", problem, backend ? "" : ": ", backend ? "" : cfg->backend);
        errno = EINVAL;
        return NULL;
    }
    eddy_sms *sms = calloc(1, sizeof *sms);
    if (!sms || copy_or_null(&sms->url, cfg->url) || copy_or_null(&sms->api_key, cfg->api_key) ||
        copy_or_null(&sms->text_template, tmpl)) {
        eddy_sms_free(sms);
        eddy_error("sms: out of memory");
        errno = ENOMEM;
        return NULL;
    }
    sms->backend = backend;
    sms->timeout_ms = cfg->timeout_ms > 0 ? cfg->timeout_ms : DEFAULT_TIMEOUT_MS;
    sms->client = cfg->client;
    return sms;
}

void eddy_sms_free(eddy_sms *sms)
{
    if (!sms)
        return;
    if (sms->backend && sms->backend->close)
        sms->backend->close(sms);
    free(sms->url);
    free(sms->api_key);
    free(sms->text_template);
    free(sms);
}

const char *eddy_sms_backend(const eddy_sms *sms)
{
    return sms->backend->name;
}

int sms_fail(eddy_sms_error *why, int rc, int provider_code, int http_status, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why->text, sizeof why->text, fmt, ap);
    va_end(ap);
    for (char *p = why->text; *p; p++)
        if ((unsigned char)*p < 0x20 || *p == 0x7f)
            *p = ' ';
    why->provider_code = provider_code;
    why->http_status = http_status;
    return rc;
}

/* printable - no control characters: a number or code that reaches a log
 * line or a gateway's form stays one field. */
static int printable(const char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s < 0x20 || *s == 0x7f)
            return 0;
    return 1;
}

int eddy_sms_send(eddy_sms *sms, const char *mobile, const char *text, eddy_sms_error *why)
{
    eddy_sms_error ignored;
    if (!why)
        why = &ignored;
    *why = (eddy_sms_error){0};
    int rc;
    if (!mobile || !*mobile || !printable(mobile))
        rc = sms_fail(why, EINVAL, 0, 0, "no usable mobile number to send to");
    else if (!text)
        rc = sms_fail(why, EINVAL, 0, 0, "no text to send");
    else
        rc = sms->backend->send(sms, mobile, text, why);
    if (rc && rc != ECANCELED)
        eddy_warn("sms to %s via %s failed: %s", mobile && printable(mobile) ? mobile : "?",
                  sms->backend->name, why->text);
    return rc;
}

int eddy_sms_send_code(eddy_sms *sms, const char *mobile, const char *code, eddy_sms_error *why)
{
    eddy_sms_error ignored;
    if (!why)
        why = &ignored;
    if (!code || !*code || !printable(code)) {
        *why = (eddy_sms_error){0};
        sms_fail(why, EINVAL, 0, 0, "no usable code to send");
        eddy_warn("sms to %s failed: %s", mobile && printable(mobile) ? mobile : "?", why->text);
        return EINVAL;
    }
    eddy_buf text = {0};
    const char *at = sms->text_template;
    const char *hole;
    int bad = 0;
    while ((hole = strstr(at, code_placeholder))) {
        bad |= eddy_buf_append(&text, at, (size_t)(hole - at));
        bad |= eddy_buf_append_str(&text, code);
        at = hole + strlen(code_placeholder);
    }
    bad |= eddy_buf_append(&text, at, strlen(at) + 1); /* with the NUL */
    int rc;
    if (bad) {
        *why = (eddy_sms_error){0};
        rc = sms_fail(why, ENOMEM, 0, 0, "out of memory");
    } else {
        rc = eddy_sms_send(sms, mobile, text.data, why);
    }
    eddy_buf_free(&text);
    return rc;
}
