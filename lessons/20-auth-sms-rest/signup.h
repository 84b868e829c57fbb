/*
 * signup - proving a mobile number is the user's: a code is sent to it
 * by SMS and must come back with the registration.
 *
 * The course's forum keeps "{mobile}_{code}" in Redis for ten minutes and
 * only checks that it exists: a code can be reused, and guessed without
 * limit (four digits: 10,000 tries at most). The library's codes
 * (data/sms_code.h) are random, expire, are used up by the registration
 * they allow, die after a few wrong guesses, and are rationed per number
 * and per address. This file is the HTTP side of them: which status and
 * which {field: message} each verdict gets.
 */
#ifndef LESSON20_SIGNUP_H
#define LESSON20_SIGNUP_H

#include <eddy/eddy.h>

/* signup_send_code - make a code for mobile and send it (by default the
 * console backend: the log). 0, or -1 after answering (429 with
 * Retry-After when asked too often, 502 when the gateway failed). */
int signup_send_code(eddy_req *r, const char *mobile);

/* signup_check_code - 0 when code is mobile's live code (now used up);
 * -1 after answering 400 {code: why}, or 503. */
int signup_check_code(eddy_req *r, const char *mobile, const char *code);

#endif
