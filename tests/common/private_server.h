/*
 * private_server - a real server (mariadbd, redis-server) that a test suite
 * starts for itself and stops again.
 *
 * Each kind of server has a script in scripts/ (the one `make db-up` or
 * `make redis-up` runs) that starts it on 127.0.0.1 and a free port with
 * its files in a folder and prints its URL as its last line. This module
 * finds and runs that script and passes the answer on through the
 * environment: the runner exports the URL, so every test process (they
 * are the runner's children) finds it, or the reason it could not start,
 * so the tests that need it skip saying why. mariadb_server and
 * redis_server describe their server with one private_server each.
 */
#ifndef TEST_PRIVATE_SERVER_H
#define TEST_PRIVATE_SERVER_H

#include <limits.h>

typedef struct private_server {
    const char *log_name;  /* prefix of its lines: "mariadb" */
    const char *program;   /* what runs: "mariadbd" */
    const char *half;      /* the tests that need it: "MariaDB" */
    const char *script;    /* under scripts/: "mariadb.sh" */
    const char *url_env;   /* where the URL is exported: "EDDY_TEST_MYSQL_URL" */
    const char *skip_env;  /* where the reason is exported when it cannot start */
    const char *watch_env; /* tells the script whose death stops the server */
    const char *scheme;    /* what a good answer starts with: "mysql://" */
    int timeout_ms;        /* for the script to start or stop it */
    char suite_dir[PATH_MAX];
    int started_here;
} private_server;

/* ps_suite_start / ps_suite_stop - one server for a suite's whole run,
 * from its PRE_ALL and POST_ALL hooks. A URL already in url_env (a
 * server of your own) is used as it is. */
void ps_suite_start(private_server *ps, const char *suite);
void ps_suite_stop(private_server *ps);

/* ps_url - the suite's server URL, or NULL with *why (for cr_skip_test). */
const char *ps_url(const private_server *ps, const char **why);

/* ps_private_start - start (or restart, on the same port) a server of a
 * test's own with its files in dir; its URL (static buffer) or NULL with
 * *why. ps_private_stop stops it; ps_private_remove also removes dir. */
const char *ps_private_start(private_server *ps, const char *dir, const char **why);
void ps_private_stop(private_server *ps, const char *dir);
void ps_private_remove(private_server *ps, const char *dir);

#endif
