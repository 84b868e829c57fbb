/*
 * forum - lesson 21: the course's forum (MxForum) as one program on lib/:
 * accounts with SMS codes, groups, posts and comments, Q&A, an inbox
 * pushed live, as a JSON API compatible with the course's front end and
 * as server-rendered pages.
 *
 * main() is start-up only, in the order that matters:
 *   1. the options (the forum's, the server's, forms and uploads', SMS);
 *   2. in the first process, the tables and, with --demo, the demo data,
 *      so that workers never race to create them;
 *   3. the workers (--processes), each with its own loop, database pool,
 *      key-value store, pub/sub hub and server on the one shared port.
 * With --redis, SMS codes, rate limits and notifications live in Redis,
 * so two processes (or two machines) behind one port share them.
 */
#include "forum.h"
#include "models.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>

typedef struct settings {
    forum f;
    bool demo;
    eddy_server_option_values server;
    eddy_body_option_values body;
    eddy_sms_option_values sms;
    eddy_password_option_values password;
    eddy_password_params password_params;
    char media_path[PATH_MAX];
    char site_url[128];
    char secret[65];
} settings;

/* define_options - every option the forum takes, into s. */
static void define_options(eddy_options *o, settings *s)
{
    eddy_options_group(o, "forum");
    eddy_option_string(o, "db", &s->f.db_url, "sqlite://forum.db",
                       "database URL: sqlite://file.db or mysql://user:pass@host:port/name");
    eddy_option_string(o, "redis", &s->f.redis_url, "",
                       "Redis URL for SMS codes, rate limits and live notifications shared "
                       "between processes (empty: kept in each process)");
    eddy_option_string(o, "key-prefix", &s->f.prefix, "forum:",
                       "put before every key and channel in Redis, so that two forums can "
                       "share one server");
    eddy_option_string(o, "media-dir", &s->f.media_dir, "media",
                       "folder for avatars, group covers and question images (made when missing)");
    eddy_option_string(o, "site-url", &s->f.site_url, "",
                       "prefix of absolute image URLs (empty: http://127.0.0.1:PORT)");
    eddy_option_string(o, "secret", &s->f.secret, "",
                       "key signing tokens and cookies, 32 characters or more "
                       "(empty: a random one, so logins end with the server)");
    eddy_option_bool(o, "demo", &s->demo, false,
                     "create demo users, groups, posts and questions when the database is empty");
    eddy_option_config(o, "config", NULL, "read options from this file");
    eddy_server_options(o, &s->server);
    eddy_body_options(o, &s->body, NULL);
    eddy_sms_options(o, &s->sms);
    eddy_password_options(o, &s->password);
    eddy_options_define_logging(o);
}

/* settle - what the options leave open: the media folder made and
 * absolute, the site URL, a secret. false after saying what is wrong. */
static bool settle(settings *s)
{
    if (s->server.processes != 1 && s->server.port == 0) {
        fprintf(stderr, "forum: --processes needs a fixed --port: workers share one\n");
        return false;
    }
    if (mkdir(s->f.media_dir, 0755) < 0 && errno != EEXIST) {
        fprintf(stderr, "forum: cannot make %s: %s\n", s->f.media_dir, strerror(errno));
        return false;
    }
    if (!realpath(s->f.media_dir, s->media_path)) {
        fprintf(stderr, "forum: %s: %s\n", s->f.media_dir, strerror(errno));
        return false;
    }
    s->f.media_dir = s->media_path;
    s->password_params = eddy_password_params_from(&s->password);
    s->f.passwords = &s->password_params;
    if (!*s->f.site_url) {
        snprintf(s->site_url, sizeof s->site_url, "http://127.0.0.1:%d", (int)s->server.port);
        s->f.site_url = s->site_url;
    }
    if (!*s->f.secret) {
        /* made before the workers fork, so they all sign with the same key */
        unsigned char key[32];
        if (getrandom(key, sizeof key, 0) != (ssize_t)sizeof key) {
            fprintf(stderr, "forum: no random bytes for a secret: %s\n", strerror(errno));
            return false;
        }
        for (size_t i = 0; i < sizeof key; i++)
            snprintf(s->secret + 2 * i, 3, "%02x", key[i]);
        s->f.secret = s->secret;
    } else if (strlen(s->f.secret) < 32) {
        fprintf(stderr, "forum: --secret must be 32 characters or more\n");
        return false;
    }
    return true;
}

/* ------------------------------------------------------------ the tables, once */

struct prepare {
    eddy_db *db;
    const eddy_password_params *passwords;
    bool demo, seeded;
    int rc;
};

static void prepare_task(void *arg)
{
    struct prepare *p = arg;
    p->rc = forum_create_tables(p->db);
    if (!p->rc)
        p->rc = forum_search_setup(p->db);
    if (!p->rc && p->demo)
        p->rc = forum_seed(p->db, p->passwords, &p->seeded);
}

/* quote:begin prepare */
/* prepare - tables and demo data, in this process, before any worker
 * exists; the loop and the thread pool it used are gone afterwards, so a
 * fork copies none of them. */
static bool prepare(settings *s)
{
    struct prepare p = {eddy_db_open(s->f.db_url, NULL), s->f.passwords, s->demo, false, 0};
    if (!p.db)
        return false; /* the reason is logged */
    eddy_task_spawn(prepare_task, &p);
    eddy_loop_run();
    if (p.rc)
        fprintf(stderr, "forum: cannot prepare the database %s: %s\n", eddy_db_url_redacted(p.db),
                strerror(p.rc));
    else if (p.seeded)
        printf("demo data created in %s\n", eddy_db_url_redacted(p.db));
    eddy_db_close(p.db);
    eddy_loop_free();
    eddy_thread_pool_shutdown();
    return p.rc == 0;
}
/* quote:end prepare */

/* ------------------------------------------------------------ a worker */

/* stores - the key-value store and the pub/sub hub: Redis with --redis,
 * else in this process. false with a logged reason. */
static bool stores(forum *f)
{
    const char *url = *f->redis_url ? f->redis_url : "memory:";
    eddy_kv_options ko = {.prefix = f->prefix};
    f->kv = eddy_kv_open(url, &ko);
    f->pubsub = eddy_pubsub_open(url, NULL);
    return f->kv && f->pubsub;
}

/* build_app - the app with its database, SMS, limits and routes. */
static eddy_app *build_app(settings *s)
{
    eddy_app *app = eddy_app_new();
    if (!app)
        return NULL;
    eddy_app_set_data(app, &s->f);
    eddy_body_limits limits;
    eddy_body_limits_defaults(&limits);
    eddy_body_options_apply(&s->body, &limits);
    eddy_sms_config sc;
    eddy_sms_code_config cc;
    eddy_sms_options_apply(&s->sms, &sc, &cc);
    if (eddy_app_set_db(app, eddy_db_open(s->f.db_url, NULL)) < 0 ||
        eddy_app_set_body_limits(app, &limits) < 0 ||
        eddy_app_set_sms(app, eddy_sms_new(&sc)) < 0 ||
        eddy_app_set_sms_codes(app, eddy_sms_codes_new(s->f.kv, eddy_app_sms(app), &cc)) < 0 ||
        forum_routes(app, &s->f) < 0) {
        eddy_error("cannot set the forum up: %s", eddy_app_error(app));
        eddy_app_free(app);
        return NULL;
    }
    return app;
}

/* serve - one worker: its stores, app and server, until SIGTERM/SIGINT. */
static int serve(settings *s)
{
    int status = 1;
    eddy_app *app = NULL;
    eddy_server *srv = NULL;
    s->f.media = eddy_static_new(s->f.media_dir, NULL);
    if (!s->f.media || !stores(&s->f) || !(app = build_app(s)))
        goto out;
    eddy_server_config cfg;
    eddy_server_config_defaults(&cfg);
    eddy_server_options_apply(&s->server, &cfg);
    srv = eddy_app_listen(app, &cfg);
    if (!srv)
        goto out;
    if (s->f.worker == 0) {
        printf("listening on http://%s:%d/\n", cfg.address, eddy_server_port(srv));
        printf("the forum: %s/  (database %s%s%s)\n", s->f.site_url,
               eddy_db_url_redacted(eddy_app_db(app)), *s->f.redis_url ? ", Redis " : "",
               s->f.redis_url);
        if (s->demo)
            printf("demo login: mobile %s, password %s\n", FORUM_DEMO_MOBILE, FORUM_DEMO_PASSWORD);
        fflush(stdout);
    }
    status = eddy_server_run(srv) < 0;
    eddy_ws_close_all();
out:
    eddy_server_free(srv);
    eddy_app_free(app);
    eddy_pubsub_close(s->f.pubsub);
    eddy_kv_close(s->f.kv);
    eddy_static_free(s->f.media);
    eddy_loop_free();
    eddy_thread_pool_shutdown();
    return status;
}

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    static settings s; /* the workers' forum struct points into it */
    eddy_options *o = eddy_options_new();
    if (!o)
        return 1;
    define_options(o, &s);
    int first = eddy_options_parse_command_line(o, argc, argv);
    int status = 2;
    if (first < 0) { /* it printed the help (exit 0) or what is wrong (exit 2) */
        status = first == EDDY_OPTIONS_HELP ? 0 : 2;
        goto out;
    }
    if (first < argc) {
        fprintf(stderr, "forum: unexpected argument \"%s\" (the forum takes options only)\n",
                argv[first]);
        goto out;
    }
    status = 1;
    if (!settle(&s) || !prepare(&s))
        goto out;
    if (s.server.processes != 1) {
        s.f.worker = eddy_fork_processes((int)s.server.processes);
        if (s.f.worker == EDDY_FORK_PARENT_DONE) {
            status = 0;
            goto out;
        }
        if (s.f.worker < 0) {
            eddy_error("fork: %s", strerror(errno));
            goto out;
        }
    }
    status = serve(&s);
out:
    eddy_options_free(o);
    return status;
}
