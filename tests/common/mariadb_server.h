/*
 * mariadb_server - the private MariaDB server the database tests run on.
 *
 * A suite that has a MariaDB half starts one server for its whole run
 * from a Criterion PRE_ALL hook (mariadb_suite_start) and stops it from
 * POST_ALL (mariadb_suite_stop): mariadbd on 127.0.0.1 and a free port,
 * with a temporary data folder, through scripts/mariadb.sh. The runner
 * exports its URL in EDDY_TEST_MYSQL_URL, so every test process (they are
 * the runner's children) finds it; when it cannot start, the hook prints
 * one line saying why and the MariaDB tests skip with that reason. A URL
 * already in EDDY_TEST_MYSQL_URL (a server of your own) is used as it is.
 *
 * Tests that stop and restart a server (the fault tests) start one of
 * their own in a folder of their own with mariadb_private_start.
 */
#ifndef TEST_MARIADB_SERVER_H
#define TEST_MARIADB_SERVER_H

/* mariadb_suite_start / mariadb_suite_stop - for the PRE_ALL and POST_ALL hooks. */
void mariadb_suite_start(const char *suite);
void mariadb_suite_stop(void);

/* mariadb_url - the test server's URL, or NULL with *why saying why
 * there is none (for cr_skip_test). */
const char *mariadb_url(const char **why);

/* mariadb_database - the URL (static buffer) of an empty database
 * eddy_NAME on the test server, dropped and made again; NULL with *why
 * when there is no server or it refused. Tests that run side by side
 * each take their own. */
const char *mariadb_database(const char *name, const char **why);

/* mariadb_private_start - start (or restart) a server with its data in
 * dir; its URL (static buffer), or NULL with *why. */
const char *mariadb_private_start(const char *dir, const char **why);

/* mariadb_private_stop - stop the server in dir (its data stays). */
void mariadb_private_stop(const char *dir);

#endif
