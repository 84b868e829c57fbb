/*
 * xsrf - protection against cross-site request forgery (Tornado's
 * xsrf_cookies).
 *
 * A page on another site can make the browser POST to this one, and the
 * browser sends this site's cookies with it: the login cookie alone
 * cannot tell the user's own form from a forged one. So the app gives
 * each browser a random token in a cookie ("_xsrf") and puts the same
 * token in every form it writes; an unsafe request (POST, PUT, PATCH,
 * DELETE) must send it back in the form field "_xsrf" or the header
 * X-XSRFToken (or X-CSRFToken). The other site can make the browser send
 * the cookie but cannot read it, so it cannot write the field.
 *
 * The token in a page is masked afresh on every request (random bytes,
 * then the token XOR those bytes), so a compressed page never repeats it
 * byte for byte (the BREACH attack). The raw token, as a script reads it
 * from the cookie, is accepted in the header too.
 *
 * Every place that writes a form (templates' xsrf_form_html(), the form
 * module's whole-form rendering) asks this module for the hidden field,
 * so turning protection on for an app puts the token in every form at
 * once. Routes whose clients authenticate with a token header instead of
 * a cookie (a JSON API) opt out with eddy_xsrf_exempt.
 */
#ifndef EDDY_WEB_XSRF_H
#define EDDY_WEB_XSRF_H

#include <eddy/web/handler.h>

/* eddy_app_use_xsrf - check every unsafe request of the app. 0, or -1
 * with eddy_app_error(). */
int eddy_app_use_xsrf(eddy_app *app);

/* eddy_xsrf_exempt - requests routed to h are not checked. 0 or -1. */
int eddy_xsrf_exempt(eddy_app *app, const eddy_handler *h);

/* eddy_xsrf_token - this request's masked token (setting the cookie when
 * the browser has none yet), in the request's arena; NULL when the app
 * does not use XSRF protection or no random bytes could be had. */
const char *eddy_xsrf_token(eddy_req *r);

/* eddy_xsrf_form_html - the hidden input that carries this request's XSRF
 * token, or "" when the app does not use XSRF protection. The string lives
 * in the request's arena. */
const char *eddy_xsrf_form_html(eddy_req *r);

/* eddy_require_xsrf - 0 when the request carries the browser's token;
 * otherwise -1 after answering 403 (the reason is logged). The app-wide
 * check calls it for every unsafe method; call it yourself only on a
 * route that is exempt but wants the check sometimes. */
int eddy_require_xsrf(eddy_req *r);

#endif
