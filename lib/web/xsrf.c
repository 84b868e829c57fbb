/*
 * xsrf - see xsrf.h.
 *
 * An app that has not turned protection on has no token to hand out, so
 * its forms carry no hidden field.
 */
#include <eddy/web/xsrf.h>

const char *eddy_xsrf_form_html(eddy_req *r)
{
    (void)r;
    return "";
}
