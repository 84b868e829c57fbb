/*
 * xsrf - protection against cross-site request forgery (Tornado's
 * xsrf_cookies).
 *
 * Every place that writes a form (templates' xsrf_form_html(), the form
 * module's whole-form rendering) asks this module for the hidden field, so
 * turning protection on for an app puts the token in every form at once.
 */
#ifndef EDDY_WEB_XSRF_H
#define EDDY_WEB_XSRF_H

#include <eddy/web/handler.h>

/* eddy_xsrf_form_html - the hidden input that carries this request's XSRF
 * token, or "" when the app does not use XSRF protection. The string lives
 * in the request's arena. */
const char *eddy_xsrf_form_html(eddy_req *r);

#endif
