/*
 * mariadb_server - start and stop the tests' MariaDB; see mariadb_server.h.
 *
 * The work is scripts/mariadb.sh's (the same script `make db-up` runs);
 * this file finds it, runs it and passes its answer on through the
 * environment.
 */
#include "mariadb_server.h"

#include "harness.h"

#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static char suite_dir[PATH_MAX];
static int started_here;

/* script - scripts/mariadb.sh, looked for above the build folder. */
static const char *script(void)
{
    static char path[PATH_MAX + 32];
    char dir[PATH_MAX];
    if (!realpath(TEST_BUILD_DIR, dir))
        snprintf(dir, sizeof dir, "%s", ".");
    for (int up = 0; up < 4; up++) {
        struct stat st;
        snprintf(path, sizeof path, "%s/scripts/mariadb.sh", dir);
        if (stat(path, &st) == 0)
            return path;
        char *slash = strrchr(dir, '/');
        if (!slash || slash == dir)
            break;
        *slash = '\0';
    }
    return "scripts/mariadb.sh";
}

/* run_script - scripts/mariadb.sh CMD DIR; its stdout's last line in
 * out (the URL) on success, or the reason it gives; 0 or -1. */
static int run_script(const char *cmd, const char *dir, char *out, size_t size)
{
    char *argv[] = {"/bin/bash", (char *)script(), (char *)cmd, (char *)dir, NULL};
    char watch[32];
    snprintf(watch, sizeof watch, "%d", (int)getpid()); /* gone with us, whatever happens */
    setenv("EDDY_MARIADB_WATCH", watch, 1);
    char *output = NULL;
    int status = th_run(argv, 60000, &output);
    int ok = status >= 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0;
    if (out) {
        const char *text = output ? output : "no output";
        size_t len = strlen(text);
        while (len && text[len - 1] == '\n')
            len--;
        const char *line = text + len;
        while (line > text && line[-1] != '\n')
            line--;
        if (!ok) /* the reason: everything it said, on one line */
            line = text;
        snprintf(out, size, "%.*s", (int)(text + len - line), line);
        for (char *p = out; *p; p++)
            if (*p == '\n')
                *p = ' ';
        if (ok && strncmp(out, "mysql://", 8) != 0)
            ok = 0;
    }
    free(output);
    return ok ? 0 : -1;
}

void mariadb_suite_start(const char *suite)
{
    signal(SIGPIPE, SIG_IGN); /* a write to a server that went away must be an error */
    const char *given = getenv("EDDY_TEST_MYSQL_URL");
    if (given && *given) {
        fprintf(stderr, "mariadb: the %s tests use EDDY_TEST_MYSQL_URL (a server of your own)\n",
                suite);
        return;
    }
    char answer[1024];
    const char *tmp = getenv("TMPDIR");
    snprintf(suite_dir, sizeof suite_dir, "%s/eddy-mariadb-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(suite_dir)) {
        snprintf(answer, sizeof answer, "cannot make a temporary folder");
    } else if (run_script("start", suite_dir, answer, sizeof answer) == 0) {
        started_here = 1;
        setenv("EDDY_TEST_MYSQL_URL", answer, 1);
        fprintf(stderr, "mariadb: started a private mariadbd for the %s tests at %s\n", suite,
                strstr(answer, "@") + 1);
        return;
    }
    setenv("EDDY_TEST_MYSQL_SKIP", answer, 1);
    fprintf(stderr, "mariadb: SKIPPING the MariaDB half of the %s tests: %s\n", suite, answer);
}

void mariadb_suite_stop(void)
{
    if (!started_here)
        return;
    run_script("stop", suite_dir, NULL, 0);
    char *argv[] = {"/bin/rm", "-rf", suite_dir, NULL};
    char *out = NULL;
    th_run(argv, 30000, &out);
    free(out);
    started_here = 0;
}

const char *mariadb_url(const char **why)
{
    const char *url = getenv("EDDY_TEST_MYSQL_URL");
    if (url && *url)
        return url;
    const char *skip = getenv("EDDY_TEST_MYSQL_SKIP");
    *why = skip ? skip : "no MariaDB server was started for these tests";
    return NULL;
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
    static char answer[1024];
    if (run_script("start", dir, answer, sizeof answer) == 0)
        return answer;
    *why = answer;
    return NULL;
}

void mariadb_private_stop(const char *dir)
{
    run_script("stop", dir, NULL, 0);
}
