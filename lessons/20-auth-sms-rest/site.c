/*
 * site - lesson 20: accounts done the way a security reviewer wants them.
 *
 * One program, two kinds of client. A browser gets pages (pages.c): it
 * logs in with a form, keeps a signed cookie, and every form it posts
 * carries an XSRF token. A front end on another origin gets the JSON API
 * (api.c): it signs up with a mobile number and an SMS code, logs in for
 * a JWT and sends it in the tsessionid header; CORS lets it call, and
 * XSRF does not apply, because no browser sends that header on its own.
 *
 * What is set up here, once, for every route: the secrets, the login
 * guards' user loader (users.c), XSRF checks, CORS, the security headers
 * and which proxy may say who the client is.
 */
#include "site.h"
#include "users.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* secret_or_random - the option's value, or a random secret for this run
 * (every cookie and token dies with the process: fine for a lesson). */
static const char *secret_or_random(const char *given, eddy_buf *keep, const char *what)
{
    if (given && *given)
        return given;
    if (eddy_random_token(keep, 32) < 0)
        return NULL;
    fprintf(stderr, "site: no --%s given; using a random one for this run\n", what);
    return keep->data;
}

struct setup {
    eddy_db *db;
    int rc;
};

static void setup_task(void *arg)
{
    struct setup *s = arg;
    s->rc = users_create_tables(s->db);
}

/* quote:begin setup */
static int set_up_security(eddy_app *app, const char *cookie_secret, const char *jwt_secret,
                           const char *trusted_proxies, const char *cors_origin)
{
    eddy_auth_config auth = {
        .load_user = users_load,    /* one query per request, cached for it */
        .login_url = "/login",      /* where the page guard sends a visitor */
        .token_header = "tsessionid", /* the course's header for the JWT */
        .jwt = {.secret = jwt_secret, .lifetime_s = 7 * 86400},
    };
    eddy_security_config sec = {.trusted_proxies = trusted_proxies,
                                .csp = "default-src 'self'; form-action 'self'"};
    eddy_cors_config cors = EDDY_CORS_FORUM;
    cors.allow_origin = cors_origin;
    if (eddy_app_set_cookie_secret(app, cookie_secret, NULL) < 0 ||
        eddy_app_set_auth(app, &auth) < 0 || eddy_app_set_security(app, &sec) < 0 ||
        eddy_app_set_cors(app, &cors) < 0 || eddy_app_use_xsrf(app) < 0)
        return -1;
    /* The API authenticates with a header, not a cookie: no XSRF there. */
    const eddy_handler *api[] = {&api_code, &api_register, &api_login,
                                 &api_info, &api_notes,    &api_note};
    for (size_t i = 0; i < sizeof api / sizeof api[0]; i++)
        if (eddy_xsrf_exempt(app, api[i]) < 0)
            return -1;
    return 0;
}
/* quote:end setup */

static int add_routes(eddy_app *app)
{
    return eddy_route(app, "/code/", &api_code, NULL) | eddy_route(app, "/register/", &api_register, NULL) |
           eddy_route(app, "/login/", &api_login, NULL) | eddy_route(app, "/info/", &api_info, NULL) |
           eddy_route(app, "/api/notes/", &api_notes, NULL) |
           eddy_route(app, "/api/notes/([0-9]+)/", &api_note, NULL) |
           eddy_route(app, "/", &page_home, NULL) | eddy_route(app, "/login", &page_login, NULL) |
           eddy_route(app, "/nick", &page_nick, NULL) | eddy_route(app, "/logout", &page_logout, NULL);
}

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    eddy_server_option_values server;
    eddy_password_option_values pw;
    eddy_sms_option_values smsv;
    const char *url, *kv_url, *cookie_secret, *jwt_secret, *proxies, *origin, *templates_dir;
    int64_t per_ip, per_mobile, window_ms;
    eddy_options *opts = eddy_options_new();
    eddy_server_options(opts, &server);
    eddy_password_options(opts, &pw);
    eddy_sms_options(opts, &smsv);
    eddy_options_group(opts, "site");
    eddy_option_string(opts, "db", &url, "sqlite://accounts.db", "database URL");
    eddy_option_string(opts, "cookie-secret", &cookie_secret, NULL,
                       "signs the login cookie (default: random for this run)");
    eddy_option_string(opts, "jwt-secret", &jwt_secret, NULL,
                       "signs API tokens, 32 bytes or more (default: random for this run)");
    eddy_option_string(opts, "trusted-proxy", &proxies, "",
                       "addresses of reverse proxies whose X-Forwarded-For is believed");
    eddy_option_string(opts, "cors-origin", &origin, "*",
                       "origins the API answers: * or a space-separated list");
    eddy_option_string(opts, "templates", &templates_dir, "lessons/20-auth-sms-rest/templates",
                       "folder of the pages' templates");
    eddy_option_string(opts, "kv", &kv_url, "memory:",
                       "where SMS codes and rate limits live: memory: or redis://host:port/db");
    eddy_option_int(opts, "logins-per-ip", &per_ip, 20, "password tries per address per window");
    eddy_option_int(opts, "logins-per-account", &per_mobile, 10,
                    "password tries against one account per window");
    eddy_option_duration(opts, "login-window", &window_ms, 10 * 60 * 1000,
                         "the window of the two login limits");
    eddy_options_define_logging(opts);
    int first = eddy_options_parse_command_line(opts, argc, argv);
    if (first < 0) {
        eddy_options_free(opts);
        return first == EDDY_OPTIONS_HELP ? 0 : 2;
    }

    int status = 1;
    eddy_buf cookie_keep = EDDY_BUF_INIT, jwt_keep = EDDY_BUF_INIT;
    site settings = {.password = eddy_password_params_from(&pw)};
    eddy_app *app = NULL;
    eddy_server *srv = NULL;
    eddy_template_loader *tl = NULL;
    eddy_kv *kv = NULL;
    eddy_db *db = eddy_db_open(url, NULL);
    if (!db)
        goto out;
    struct setup s = {db, 0};
    eddy_task_spawn(setup_task, &s);
    eddy_loop_run();
    if (s.rc) {
        fprintf(stderr, "site: cannot create the tables in %s\n", eddy_db_url_redacted(db));
        goto out;
    }
    eddy_sms_config sms_cfg;
    eddy_sms_code_config code_cfg;
    eddy_sms_options_apply(&smsv, &sms_cfg, &code_cfg);
    if (!(kv = eddy_kv_open(kv_url, NULL)) ||
        !(settings.logins_per_ip = eddy_ratelimit_new(kv, "login-ip", (long)per_ip, (long)window_ms)) ||
        !(settings.logins_per_mobile =
              eddy_ratelimit_new(kv, "login-mobile", (long)per_mobile, (long)window_ms))) {
        fprintf(stderr, "site: cannot use the kv store %s\n", kv_url);
        goto out;
    }
    cookie_secret = secret_or_random(cookie_secret, &cookie_keep, "cookie-secret");
    jwt_secret = secret_or_random(jwt_secret, &jwt_keep, "jwt-secret");
    app = eddy_app_new();
    tl = eddy_template_loader_new(templates_dir, false);
    if (!app || !tl || !cookie_secret || !jwt_secret || eddy_app_set_db(app, db) < 0) {
        fprintf(stderr, "site: cannot set up (templates in %s?)\n", templates_dir);
        goto out;
    }
    db = NULL; /* the app closes it */
    eddy_app_set_data(app, &settings);
    if (eddy_app_set_templates(app, tl) < 0 || eddy_app_set_sms(app, eddy_sms_new(&sms_cfg)) < 0 ||
        eddy_app_set_sms_codes(app, eddy_sms_codes_new(kv, eddy_app_sms(app), &code_cfg)) < 0 ||
        set_up_security(app, cookie_secret, jwt_secret, proxies, origin) < 0 ||
        add_routes(app) < 0) {
        fprintf(stderr, "site: %s\n", eddy_app_error(app));
        goto out;
    }
    eddy_server_config cfg;
    eddy_server_config_defaults(&cfg);
    eddy_server_options_apply(&server, &cfg);
    if (!(srv = eddy_app_listen(app, &cfg)))
        goto out;
    printf("listening on http://%s:%d/\n", cfg.address, eddy_server_port(srv));
    status = eddy_server_run(srv) < 0;
out:
    eddy_server_free(srv);
    eddy_app_free(app);
    eddy_template_loader_free(tl);
    eddy_db_close(db);
    eddy_ratelimit_free(settings.logins_per_ip);
    eddy_ratelimit_free(settings.logins_per_mobile);
    eddy_kv_close(kv); /* after the app: its SMS codes keep their counts there */
    eddy_buf_free(&cookie_keep);
    eddy_buf_free(&jwt_keep);
    eddy_thread_pool_shutdown();
    eddy_loop_free();
    eddy_options_free(opts);
    return status;
}
