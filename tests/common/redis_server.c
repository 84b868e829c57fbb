/*
 * redis_server - start and stop the tests' Redis; see redis_server.h.
 *
 * The work is scripts/redis.sh's (the same script `make redis-up` runs);
 * this file finds it, runs it and passes its answer on through the
 * environment.
 */
#include "redis_server.h"

#include "harness.h"

#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static char suite_dir[PATH_MAX];
static int started_here;

/* script - scripts/redis.sh, looked for above the build folder. */
static const char *script(void)
{
    static char path[PATH_MAX + 32];
    char dir[PATH_MAX];
    if (!realpath(TEST_BUILD_DIR, dir))
        snprintf(dir, sizeof dir, "%s", ".");
    for (int up = 0; up < 4; up++) {
        struct stat st;
        snprintf(path, sizeof path, "%s/scripts/redis.sh", dir);
        if (stat(path, &st) == 0)
            return path;
        char *slash = strrchr(dir, '/');
        if (!slash || slash == dir)
            break;
        *slash = '\0';
    }
    return "scripts/redis.sh";
}

/* run_script - scripts/redis.sh CMD DIR; its stdout's last line in out
 * (the URL) on success, or the reason it gives; 0 or -1. */
static int run_script(const char *cmd, const char *dir, char *out, size_t size)
{
    char *argv[] = {"/bin/bash", (char *)script(), (char *)cmd, (char *)dir, NULL};
    char watch[32];
    snprintf(watch, sizeof watch, "%d", (int)getpid()); /* gone with us, whatever happens */
    setenv("EDDY_REDIS_WATCH", watch, 1);
    char *output = NULL;
    int status = th_run(argv, 30000, &output);
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
        if (ok && strncmp(out, "redis://", 8) != 0)
            ok = 0;
    }
    free(output);
    return ok ? 0 : -1;
}

void redis_suite_start(const char *suite)
{
    signal(SIGPIPE, SIG_IGN); /* a write to a server that went away must be an error */
    const char *given = getenv("EDDY_TEST_REDIS_URL");
    if (given && *given) {
        fprintf(stderr, "redis: the %s tests use EDDY_TEST_REDIS_URL (a server of your own)\n",
                suite);
        return;
    }
    char answer[1024];
    const char *tmp = getenv("TMPDIR");
    snprintf(suite_dir, sizeof suite_dir, "%s/eddy-redis-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(suite_dir)) {
        snprintf(answer, sizeof answer, "cannot make a temporary folder");
    } else if (run_script("start", suite_dir, answer, sizeof answer) == 0) {
        started_here = 1;
        setenv("EDDY_TEST_REDIS_URL", answer, 1);
        fprintf(stderr, "redis: started a private redis-server for the %s tests at %s\n", suite,
                answer);
        return;
    }
    if (suite_dir[0]) { /* nothing of a server that never started is worth keeping */
        char *argv[] = {"/bin/rm", "-rf", suite_dir, NULL};
        char *out = NULL;
        th_run(argv, 30000, &out);
        free(out);
    }
    setenv("EDDY_TEST_REDIS_SKIP", answer, 1);
    fprintf(stderr, "redis: SKIPPING the Redis half of the %s tests: %s\n", suite, answer);
}

void redis_suite_stop(void)
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

const char *redis_url(const char **why)
{
    const char *url = getenv("EDDY_TEST_REDIS_URL");
    if (url && *url)
        return url;
    const char *skip = getenv("EDDY_TEST_REDIS_SKIP");
    *why = skip ? skip : "no Redis server was started for these tests";
    return NULL;
}

const char *redis_private_start(const char *dir, const char **why)
{
    static char answer[1024];
    if (run_script("start", dir, answer, sizeof answer) == 0)
        return answer;
    *why = answer;
    return NULL;
}

void redis_private_stop(const char *dir)
{
    run_script("stop", dir, NULL, 0);
}

void redis_private_remove(const char *dir)
{
    run_script("stop", dir, NULL, 0);
    char *argv[] = {"/bin/rm", "-rf", (char *)dir, NULL};
    char *out = NULL;
    th_run(argv, 30000, &out);
    free(out);
}

char *redis_cli(const char *url, ...)
{
    char *argv[32] = {"/usr/bin/redis-cli", "-u", (char *)url};
    int argc = 3;
    va_list ap;
    va_start(ap, url);
    const char *arg;
    while (argc < 31 && (arg = va_arg(ap, const char *)))
        argv[argc++] = (char *)arg;
    va_end(ap);
    argv[argc] = NULL;
    char *out = NULL;
    int status = th_run(argv, 10000, &out);
    if (status < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        free(out);
        return NULL;
    }
    size_t len = out ? strlen(out) : 0;
    while (len && out[len - 1] == '\n')
        out[--len] = '\0';
    return out;
}
