/*
 * app_sms - SMS on the application: its options, and the sender and the
 * code store kept on the app for every handler.
 *
 *     eddy_sms_option_values sv;
 *     eddy_sms_options(opts, &sv);              --sms-backend, --sms-url, ...
 *     ...parse...
 *     eddy_sms_config sc;
 *     eddy_sms_code_config cc;
 *     eddy_sms_options_apply(&sv, &sc, &cc);
 *     eddy_app_set_sms(app, eddy_sms_new(&sc));
 *     eddy_app_set_sms_codes(app, eddy_sms_codes_new(kv, eddy_app_sms(app), &cc));
 *     ...in POST /code/:
 *     int rc = eddy_sms_code_send(eddy_req_sms_codes(r), mobile, ip, &out);
 *
 * The options make the course's provider a matter of configuration: the
 * console backend by default (the code is in the log), or
 * --sms-backend=http --sms-url=... --sms-api-key=... in a config file
 * that stays out of the repository. The sender and the codes live in
 * the app's "eddy.sms" and "eddy.sms_codes" slots (handler.h).
 */
#ifndef EDDY_APP_SMS_H
#define EDDY_APP_SMS_H

#include <eddy/data/sms.h>
#include <eddy/data/sms_code.h>
#include <eddy/web/handler.h>
#include <eddy/web/options.h>

typedef struct eddy_sms_option_values {
    const char *backend, *url, *api_key, *text_template;
    int64_t timeout_ms;
    int64_t code_length, code_ttl_ms, max_attempts, cooldown_ms, daily_per_number, daily_per_ip;
} eddy_sms_option_values;

/* eddy_sms_options - define the "sms" group: --sms-backend=console|http,
 * --sms-url, --sms-api-key, --sms-template, --sms-timeout, and for the
 * codes --sms-code-length, --sms-code-ttl, --sms-code-attempts,
 * --sms-cooldown, --sms-daily-per-number, --sms-daily-per-ip (0 there:
 * no cap). 0, or -1 with eddy_options_error(). */
int eddy_sms_options(eddy_options *opts, eddy_sms_option_values *v);

/* eddy_sms_options_apply - the parsed values as configurations; the
 * strings point into the option set (free it after eddy_sms_new and
 * eddy_sms_codes_new, which copy them). Either output may be NULL. */
void eddy_sms_options_apply(const eddy_sms_option_values *v, eddy_sms_config *sms,
                            eddy_sms_code_config *codes);

/* eddy_app_set_sms / eddy_app_set_sms_codes - keep them on the app,
 * which frees them. 0, or -1 with a
 * log line (a NULL value: its constructor failed) or eddy_app_error(). */
int eddy_app_set_sms(eddy_app *app, eddy_sms *sms);
int eddy_app_set_sms_codes(eddy_app *app, eddy_sms_codes *codes);

/* The app's sender and codes (the app serving r), or NULL. */
eddy_sms *eddy_app_sms(const eddy_app *app);
eddy_sms *eddy_req_sms(const eddy_req *r);
eddy_sms_codes *eddy_app_sms_codes(const eddy_app *app);
eddy_sms_codes *eddy_req_sms_codes(const eddy_req *r);

#endif
