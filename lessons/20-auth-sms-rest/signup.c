/*
 * signup - see signup.h. The codes live in the app's kv store (site.c:
 * --kv memory: by default, or a Redis URL shared by many processes).
 */
#include "signup.h"
#include "site.h"

#include <stdio.h>

/* quote:begin send_code */
int signup_send_code(eddy_req *r, const char *mobile)
{
    eddy_sms_code_outcome out;
    int rc = eddy_sms_code_send(eddy_req_sms_codes(r), mobile, eddy_client_ip(r), &out);
    if (rc) { /* the store or the gateway failed: not the client's fault */
        eddy_send_error(r, 502, out.error.text);
        return -1;
    }
    if (out.result != EDDY_SMS_CODE_OK) { /* a cooldown or a daily cap */
        char wait[24];
        snprintf(wait, sizeof wait, "%ld", out.retry_after_s);
        eddy_response_set_header(r, "Retry-After", wait);
        send_field_error(r, eddy_sms_code_status(out.result), "mobile",
                         eddy_sms_code_reason(out.result));
        return -1;
    }
    return 0; /* out.code went to the phone, never into the answer */
}
/* quote:end send_code */

int signup_check_code(eddy_req *r, const char *mobile, const char *code)
{
    eddy_sms_code_outcome out;
    int rc = eddy_sms_code_verify(eddy_req_sms_codes(r), mobile, code, &out);
    if (rc) {
        eddy_send_error(r, 503, NULL);
        return -1;
    }
    if (out.result != EDDY_SMS_CODE_OK) { /* wrong, used up, expired, or dead */
        send_field_error(r, eddy_sms_code_status(out.result), "code",
                         eddy_sms_code_reason(out.result));
        return -1;
    }
    return 0;
}
