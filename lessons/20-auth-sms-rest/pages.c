/*
 * pages - lesson 20's pages for a browser: a login form, a home page
 * behind the page guard, a form that changes the nickname, and log out.
 *
 * A browser proves who it is with the signed "user" cookie (eddy_login),
 * which it sends with every request to this site, even one a page on
 * another site makes it send. So every form here carries the XSRF token
 * (xsrf_form_html() in the templates) and every POST is checked for it
 * before its handler runs (eddy_app_use_xsrf in site.c).
 *
 *   GET  /login        the form;   POST /login   check, set the cookie, go to ?next=
 *   GET  /             the home page (302 to /login?next=/ when logged out)
 *   POST /nick         change the nickname (403 when logged out or without the token)
 *   POST /logout       clear the cookie
 */
#include "next_url.h"
#include "site.h"
#include "users.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void login_form(eddy_req *r, const char *error)
{
    eddy_render(r, "login.html",
                json_pack("{s:s,s:s}", "next", eddy_get_argument(r, "next", "/"), "error",
                          error ? error : ""));
}

static void login_get(eddy_req *r) { login_form(r, NULL); }

/* quote:begin page_login */
static void login_post(eddy_req *r)
{
    const char *mobile = eddy_get_body_argument(r, "mobile", "");
    const char *password = eddy_get_body_argument(r, "password", "");
    if (eddy_require_rate_by_ip(r, site_of(r)->logins_per_ip) < 0 ||
        eddy_require_rate(r, site_of(r)->logins_per_mobile, mobile) < 0)
        return; /* 429 */
    int64_t id = check_login(r, mobile, password);
    if (id == -2)
        return;
    if (id < 0) {
        eddy_response_status(r, 400);
        login_form(r, "Wrong mobile number or password.");
        return;
    }
    char id_text[24];
    snprintf(id_text, sizeof id_text, "%lld", (long long)id);
    eddy_login(r, id_text); /* the signed cookie: HttpOnly, SameSite=Lax */
    const char *next = eddy_get_argument(r, "next", "/");
    eddy_redirect(r, next_url_is_safe(next) ? next : "/", false);
}
/* quote:end page_login */

static void home_get(eddy_req *r)
{
    eddy_render(r, "home.html", json_object()); /* current_user comes from the guard */
}

static void nick_post(eddy_req *r)
{
    const char *nick = eddy_get_body_argument(r, "nick_name", "");
    if (!*nick || strlen(nick) > 20) {
        eddy_response_status(r, 400);
        eddy_write_str(r, "A nickname is 1 to 20 characters.\n");
        return;
    }
    int64_t id = json_integer_value(json_object_get(eddy_current_user(r), "id"));
    if (users_set_nick(eddy_req_db(r), id, nick)) {
        eddy_send_error(r, 503, NULL);
        return;
    }
    eddy_redirect(r, "/", false);
}

static void logout_post(eddy_req *r)
{
    eddy_logout(r);
    eddy_redirect(r, "/login", false);
}

const eddy_handler page_login = {.get = login_get, .post = login_post};
const eddy_handler page_home = {.get = home_get, .prepare = eddy_login_required};
const eddy_handler page_nick = {.post = nick_post, .prepare = eddy_login_required};
const eddy_handler page_logout = {.post = logout_post};
