/*
 * site - what lesson 20's files share: the program's settings, reachable
 * from every request, and the handler tables each file defines.
 */
#ifndef LESSON20_SITE_H
#define LESSON20_SITE_H

#include <eddy/eddy.h>

typedef struct site {
    eddy_password_params password; /* what new hashes use; older ones are raised at login */
    eddy_ratelimit *logins_per_ip;     /* password tries from one address */
    eddy_ratelimit *logins_per_mobile; /* password tries against one account */
} site;

/* site_of - the settings of the app serving r. */
static inline site *site_of(eddy_req *r) { return eddy_req_app_data(r); }

/* send_field_error - answer status with {field: message}, the course's
 * error body ("non_fields" for an error of no one field). */
void send_field_error(eddy_req *r, int status, const char *field, const char *message);

/* check_login - the account id for mobile and password, or -1 when they
 * do not match (a missing account takes as long as a wrong password). A
 * stored hash with older parameters is replaced. Errors answer 503 and
 * return -2. */
int64_t check_login(eddy_req *r, const char *mobile, const char *password);

/* The JSON API (api.c) and the pages (pages.c). */
extern const eddy_handler api_code, api_register, api_login, api_info, api_notes, api_note;
extern const eddy_handler page_home, page_login, page_nick, page_logout;

#endif
