/*
 * auth - see auth.h.
 *
 * The configuration lives in the app slot "eddy.auth"; the user found for
 * a request in the request slot "eddy.user" (json null when we looked and
 * nobody was there, so a page that asks three times queries once).
 */
#include <eddy/web/auth.h>

#include <eddy/base/buf.h>
#include <eddy/base/log.h>
#include <eddy/base/url.h>
#include <eddy/web/secure_cookie.h>
#include <eddy/web/security.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

struct auth {
    eddy_auth_config cfg; /* with its strings pointing at the copies below */
    char *strings[8];
};

static const char auth_slot[] = "eddy.auth";
static const char user_slot[] = "eddy.user";

static void auth_free(void *p)
{
    struct auth *a = p;
    for (size_t i = 0; i < sizeof a->strings / sizeof a->strings[0]; i++)
        free(a->strings[i]);
    free(a);
}

/* keep - copy s (or def) into a->strings[i]; false when out of memory. */
static bool keep(struct auth *a, size_t i, const char **s, const char *def)
{
    const char *v = *s ? *s : def;
    if (!v)
        return true;
    if (!(a->strings[i] = strdup(v)))
        return false;
    *s = a->strings[i];
    return true;
}

int eddy_app_set_auth(eddy_app *app, const eddy_auth_config *cfg)
{
    struct auth *a = calloc(1, sizeof *a);
    if (!a || !cfg->load_user) {
        eddy_error("auth: %s", a ? "no user loader" : "out of memory");
        free(a);
        return -1;
    }
    a->cfg = *cfg;
    eddy_auth_config *c = &a->cfg;
    bool ok = keep(a, 0, &c->login_url, "/login") && keep(a, 1, &c->cookie_name, "user") &&
              keep(a, 2, &c->token_header, "tsessionid") && keep(a, 3, &c->id_claim, "id") &&
              keep(a, 4, &c->jwt.secret, NULL) && keep(a, 5, &c->jwt.issuer, NULL) &&
              keep(a, 6, &c->jwt.audience, NULL);
    if (c->cookie_max_age_s <= 0)
        c->cookie_max_age_s = 30 * 86400;
    if (!ok || eddy_app_set_slot(app, auth_slot, a, auth_free) < 0) {
        eddy_error("auth: out of memory");
        auth_free(a);
        return -1;
    }
    return 0;
}

static const struct auth *auth_of(const eddy_req *r)
{
    return eddy_req_app_slot(r, auth_slot);
}

static void decref(void *v) { json_decref(v); }

/* remember - keep user (stolen; NULL means "nobody") for the request and
 * return it as a borrowed reference, or NULL. */
static json_t *remember(eddy_req *r, json_t *user)
{
    json_t *v = user ? user : json_null();
    if (eddy_req_set_slot(r, user_slot, v, decref) < 0) {
        json_decref(v);
        return NULL;
    }
    return json_is_null(v) ? NULL : v;
}

/* load - the app's user for id, remembered. */
static json_t *load(eddy_req *r, const struct auth *a, const char *id)
{
    json_t *user = id ? a->cfg.load_user(r, id, a->cfg.loader_arg) : NULL;
    if (user && json_is_null(user)) {
        json_decref(user);
        user = NULL;
    }
    return remember(r, user);
}

json_t *eddy_current_user(eddy_req *r)
{
    json_t *known = eddy_req_slot(r, user_slot);
    if (known)
        return json_is_null(known) ? NULL : known;
    const struct auth *a = auth_of(r);
    if (!a)
        return NULL;
    const char *id = eddy_get_secure_cookie(r, a->cfg.cookie_name, a->cfg.cookie_max_age_s);
    return load(r, a, id);
}

/* ------------------------------------------------------------ pages */

/* login_redirect - 302 to the login URL, with ?next= this request's URI
 * so the login page can send the user back. */
static void login_redirect(eddy_req *r, const struct auth *a)
{
    eddy_str path = eddy_request_path(r), query = eddy_request_query(r);
    eddy_buf uri = EDDY_BUF_INIT, url = EDDY_BUF_INIT;
    int rc = eddy_buf_append(&uri, path.p, path.len);
    if (rc == 0 && query.len)
        rc = eddy_buf_printf(&uri, "?%.*s", (int)query.len, query.p);
    const char *login = a->cfg.login_url;
    if (rc == 0)
        rc = eddy_buf_printf(&url, "%s%cnext=", login, strchr(login, '?') ? '&' : '?');
    if (rc == 0)
        rc = eddy_url_escape_to(&url, uri.data, uri.len, 0);
    if (rc == 0)
        eddy_redirect(r, url.data, false);
    else
        eddy_send_error(r, 500, "out of memory");
    eddy_buf_free(&uri);
    eddy_buf_free(&url);
}

json_t *eddy_require_user(eddy_req *r)
{
    json_t *user = eddy_current_user(r);
    if (user || eddy_response_finished(r)) /* the loader answered: it could not look */
        return user;
    const struct auth *a = auth_of(r);
    if (!a) {
        eddy_error("login guard on %s: the app has no auth (eddy_app_set_auth)", eddy_path(r));
        eddy_send_error(r, 500, NULL);
    } else if (eddy_method_is(r, "GET") || eddy_method_is(r, "HEAD")) {
        login_redirect(r, a);
    } else {
        eddy_send_error(r, 403, NULL);
    }
    return NULL;
}

void eddy_login_required(eddy_req *r) { eddy_require_user(r); }

int eddy_login(eddy_req *r, const char *user_id)
{
    const struct auth *a = auth_of(r);
    if (!a)
        return -1;
    eddy_cookie_options o = eddy_cookie_defaults(r, (long)a->cfg.cookie_max_age_s);
    /* A fresh login means another user from now on: forget the one cached. */
    eddy_req_set_slot(r, user_slot, NULL, NULL);
    return eddy_set_secure_cookie(r, a->cfg.cookie_name, user_id, &o);
}

void eddy_logout(eddy_req *r)
{
    const struct auth *a = auth_of(r);
    if (!a)
        return;
    eddy_clear_cookie(r, a->cfg.cookie_name, "/");
    remember(r, NULL);
}

/* ------------------------------------------------------------ the API */

/* token_of - the token the client sent: the configured header, else
 * Authorization: Bearer. */
static const char *token_of(eddy_req *r, const struct auth *a)
{
    const char *t = eddy_header(r, a->cfg.token_header);
    if (t && *t)
        return t;
    const char *h = eddy_header(r, "Authorization");
    if (h && strncasecmp(h, "Bearer ", 7) == 0)
        return h + 7;
    return NULL;
}

/* id_text - the id claim as text in the arena, or NULL. */
static const char *id_text(eddy_req *r, const json_t *id)
{
    if (json_is_string(id))
        return eddy_strdup(r, json_string_value(id));
    if (json_is_integer(id)) {
        char n[24];
        snprintf(n, sizeof n, "%lld", (long long)json_integer_value(id));
        return eddy_strdup(r, n);
    }
    return NULL;
}

static void unauthorized(eddy_req *r)
{
    eddy_response_status(r, 401);
    eddy_response_set_header(r, "WWW-Authenticate", "Bearer");
    eddy_send_json(r, json_pack("{s:s}", "non_fields", "authentication required"));
    eddy_finish(r);
}

json_t *eddy_require_token_user(eddy_req *r)
{
    const struct auth *a = auth_of(r);
    if (!a) {
        eddy_error("token guard on %s: the app has no auth (eddy_app_set_auth)", eddy_path(r));
        eddy_send_error(r, 500, NULL);
        return NULL;
    }
    const char *reason = NULL;
    json_t *claims = eddy_jwt_decode(&a->cfg.jwt, token_of(r, a), (int64_t)time(NULL), &reason);
    const char *id = claims ? id_text(r, json_object_get(claims, a->cfg.id_claim)) : NULL;
    if (claims && !id)
        reason = "no user id in the claims";
    json_decref(claims);
    json_t *user = id ? load(r, a, id) : NULL;
    if (id && !user)
        reason = "the user no longer exists";
    if (!user && eddy_response_finished(r))
        return NULL; /* the loader answered: it could not look (its database failed) */
    if (!user) {
        eddy_str m = eddy_request_method(r);
        eddy_warn("token for %.*s %s from %s refused: %s", (int)m.len, m.p, eddy_path(r),
                  eddy_client_ip(r), reason);
        unauthorized(r);
    }
    return user;
}

void eddy_token_required(eddy_req *r) { eddy_require_token_user(r); }

const char *eddy_issue_token(eddy_req *r, const char *user_id, const json_t *extra)
{
    const struct auth *a = auth_of(r);
    if (!a || !user_id)
        return NULL;
    json_t *claims = extra ? json_deep_copy(extra) : json_object();
    char *end;
    errno = 0;
    long long n = strtoll(user_id, &end, 10);
    bool numeric = *user_id && !*end && errno == 0;
    if (claims)
        json_object_set_new(claims, a->cfg.id_claim,
                            numeric ? json_integer(n) : json_string(user_id));
    char *token = claims ? eddy_jwt_encode(&a->cfg.jwt, claims, (int64_t)time(NULL)) : NULL;
    json_decref(claims);
    const char *copy = token ? eddy_strdup(r, token) : NULL;
    free(token);
    return copy;
}
