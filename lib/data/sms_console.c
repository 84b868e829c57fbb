/*
 * sms_console - the default SMS backend: the text goes to the log.
 *
 * A developer running the forum has no provider account; the code they
 * must type appears in the server's log instead of on a phone (the
 * course's "else print" branch). Nothing waits, so it works outside a
 * task too.
 */
#include "sms_internal.h"

#include <eddy/base/log.h>

static int console_send(eddy_sms *sms, const char *mobile, const char *text, eddy_sms_error *why)
{
    (void)sms;
    (void)why;
    eddy_info("sms to %s: %s", mobile, text);
    return 0;
}

const sms_backend sms_console_backend = {
    .name = "console",
    .send = console_send,
};
