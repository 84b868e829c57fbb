/*
 * app_sms - SMS options and the app's sender and codes in slots; see
 * app_sms.h.
 */
#include <eddy/web/app_sms.h>

#include <eddy/base/log.h>

static const char sms_slot[] = "eddy.sms";
static const char codes_slot[] = "eddy.sms_codes";

int eddy_sms_options(eddy_options *o, eddy_sms_option_values *v)
{
    int rc = 0;
    rc |= eddy_options_group(o, "sms");
    rc |= eddy_option_string(o, "sms-backend", &v->backend, "console",
                             "send texts to the log (console) or a provider's gateway (http)");
    rc |= eddy_option_choices(o, "sms-backend", "console|http");
    rc |= eddy_option_string(o, "sms-url", &v->url, "", "http: the gateway's single-send URL");
    rc |= eddy_option_string(o, "sms-api-key", &v->api_key, "", "http: the account's API key");
    rc |= eddy_option_string(o, "sms-template", &v->text_template,
                             "Your verification code is {code}.",
                             "the text of a code message; {code} is replaced");
    rc |= eddy_option_duration(o, "sms-timeout", &v->timeout_ms, 10 * 1000,
                               "http: give up on a gateway silent this long");
    rc |= eddy_option_int(o, "sms-code-length", &v->code_length, 6, "digits in a code");
    rc |= eddy_option_range(o, "sms-code-length", 4, EDDY_SMS_CODE_MAX_LEN);
    rc |= eddy_option_duration(o, "sms-code-ttl", &v->code_ttl_ms, 10 * 60 * 1000,
                               "how long a code stays valid");
    rc |= eddy_option_int(o, "sms-code-attempts", &v->max_attempts, 5,
                          "wrong codes before a code dies");
    rc |= eddy_option_range(o, "sms-code-attempts", 1, 100);
    rc |= eddy_option_duration(o, "sms-cooldown", &v->cooldown_ms, 60 * 1000,
                               "between two codes to one number (0: none)");
    rc |= eddy_option_int(o, "sms-daily-per-number", &v->daily_per_number, 10,
                          "codes one number may be sent per day (0: no cap)");
    rc |= eddy_option_range(o, "sms-daily-per-number", 0, 1000000);
    rc |= eddy_option_int(o, "sms-daily-per-ip", &v->daily_per_ip, 30,
                          "codes one address may ask for per day (0: no cap)");
    rc |= eddy_option_range(o, "sms-daily-per-ip", 0, 1000000);
    rc |= eddy_options_group(o, NULL);
    return rc ? -1 : 0;
}

/* off_if_zero - an option's 0 ("none") is the configuration's -1 (off). */
static long off_if_zero(int64_t v)
{
    return v == 0 ? -1 : (long)v;
}

void eddy_sms_options_apply(const eddy_sms_option_values *v, eddy_sms_config *sms,
                            eddy_sms_code_config *codes)
{
    if (sms)
        *sms = (eddy_sms_config){
            .backend = v->backend,
            .url = v->url && *v->url ? v->url : NULL,
            .api_key = v->api_key && *v->api_key ? v->api_key : NULL,
            .text_template = v->text_template,
            .timeout_ms = (long)v->timeout_ms,
        };
    if (codes)
        *codes = (eddy_sms_code_config){
            .length = (int)v->code_length,
            .ttl_ms = (long)v->code_ttl_ms,
            .max_attempts = (int)v->max_attempts,
            .cooldown_ms = off_if_zero(v->cooldown_ms),
            .daily_per_number = (int)off_if_zero(v->daily_per_number),
            .daily_per_ip = (int)off_if_zero(v->daily_per_ip),
        };
}

static void free_sms(void *sms)
{
    eddy_sms_free(sms);
}

static void free_codes(void *codes)
{
    eddy_sms_codes_free(codes);
}

int eddy_app_set_sms(eddy_app *app, eddy_sms *sms)
{
    if (!sms) {
        eddy_error("eddy_app_set_sms: no sender (was eddy_sms_new refused?)");
        return -1;
    }
    return eddy_app_set_slot(app, sms_slot, sms, free_sms);
}

int eddy_app_set_sms_codes(eddy_app *app, eddy_sms_codes *codes)
{
    if (!codes) {
        eddy_error("eddy_app_set_sms_codes: no codes (was eddy_sms_codes_new refused?)");
        return -1;
    }
    return eddy_app_set_slot(app, codes_slot, codes, free_codes);
}

eddy_sms *eddy_app_sms(const eddy_app *app)
{
    return eddy_app_slot(app, sms_slot);
}

eddy_sms *eddy_req_sms(const eddy_req *r)
{
    return eddy_req_app_slot(r, sms_slot);
}

eddy_sms_codes *eddy_app_sms_codes(const eddy_app *app)
{
    return eddy_app_slot(app, codes_slot);
}

eddy_sms_codes *eddy_req_sms_codes(const eddy_req *r)
{
    return eddy_req_app_slot(r, codes_slot);
}
