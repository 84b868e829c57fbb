/*
 * signup - proving a mobile number is the user's: a code is sent to it
 * by SMS and must come back with the registration.
 *
 * The course's forum keeps "{mobile}_{code}" in Redis for ten minutes and
 * only checks that it exists: a code can be reused, and guessed without
 * limit (four digits: 10,000 tries at most). Here a code is random,
 * expires, is used up by the registration it allows, dies after a few
 * wrong guesses, and a number can ask for one only so often.
 */
#ifndef LESSON20_SIGNUP_H
#define LESSON20_SIGNUP_H

#include <eddy/eddy.h>

struct signup;

/* signup_new - codes of `digits` digits living ttl_s seconds, max_attempts
 * wrong guesses each, one per cooldown_s per number. NULL when out of memory. */
struct signup *signup_new(int digits, long ttl_s, int max_attempts, long cooldown_s);
void signup_free(struct signup *s);

/* signup_send_code - make a code for mobile and send it (the console
 * backend: the log). 0, or -1 after answering 429 with Retry-After. */
int signup_send_code(eddy_req *r, const char *mobile);

/* signup_check_code - 0 when code is mobile's live code (now used up);
 * -1 after answering 400 {code: why}. */
int signup_check_code(eddy_req *r, const char *mobile, const char *code);

#endif
