/*
 * mariadb_server - start and stop the tests' MariaDB; see mariadb_server.h.
 *
 * Starting and stopping is private_server's, with scripts/mariadb.sh (the
 * same script `make db-up` runs); what is MariaDB's own is making a fresh
 * database for a suite.
 */
#include "mariadb_server.h"

#include "harness.h"
#include "private_server.h"

#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>

static private_server mariadb = {
    .log_name = "mariadb",
    .program = "mariadbd",
    .half = "MariaDB",
    .script = "mariadb.sh",
    .url_env = "EDDY_TEST_MYSQL_URL",
    .skip_env = "EDDY_TEST_MYSQL_SKIP",
    .watch_env = "EDDY_MARIADB_WATCH",
    .scheme = "mysql://",
    .timeout_ms = 60000,
};

void mariadb_suite_start(const char *suite)
{
    ps_suite_start(&mariadb, suite);
}

void mariadb_suite_stop(void)
{
    ps_suite_stop(&mariadb);
}

const char *mariadb_url(const char **why)
{
    return ps_url(&mariadb, why);
}

const char *mariadb_database(const char *name, const char **why)
{
    static char url[512];
    const char *base = mariadb_url(why);
    if (!base)
        return NULL;
    char user[64], password[64], host[64];
    int port;
    if (sscanf(base, "mysql://%63[^:]:%63[^@]@%63[^:]:%d/", user, password, host, &port) != 4) {
        *why = "EDDY_TEST_MYSQL_URL is not mysql://user:password@host:port/name";
        return NULL;
    }
    char db[65], sql[256], portarg[32], userarg[80], passarg[80];
    snprintf(db, sizeof db, "eddy_%s", name);
    snprintf(sql, sizeof sql, "DROP DATABASE IF EXISTS `%s`; CREATE DATABASE `%s`", db, db);
    snprintf(portarg, sizeof portarg, "--port=%d", port);
    snprintf(userarg, sizeof userarg, "--user=%s", user);
    snprintf(passarg, sizeof passarg, "--password=%s", password);
    char *argv[] = {"/usr/bin/mariadb",
                    "--no-defaults",
                    "--protocol=tcp",
                    "--host",
                    host,
                    portarg,
                    userarg,
                    passarg,
                    "-e",
                    sql,
                    NULL};
    char *out = NULL;
    int status = th_run(argv, 20000, &out);
    if (status < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        static char reason[512];
        snprintf(reason, sizeof reason, "cannot make database %s: %s", db, out ? out : "");
        free(out);
        *why = reason;
        return NULL;
    }
    free(out);
    snprintf(url, sizeof url, "mysql://%s:%s@%s:%d/%s", user, password, host, port, db);
    return url;
}

const char *mariadb_private_start(const char *dir, const char **why)
{
    return ps_private_start(&mariadb, dir, why);
}

void mariadb_private_stop(const char *dir)
{
    ps_private_stop(&mariadb, dir);
}
