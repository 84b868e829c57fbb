/*
 * redis_server - start and stop the tests' Redis; see redis_server.h.
 *
 * Starting and stopping is private_server's, with scripts/redis.sh (the
 * same script `make redis-up` runs); what is Redis's own is looking at
 * what a server holds with redis-cli.
 */
#include "redis_server.h"

#include "harness.h"
#include "private_server.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

static private_server redis = {
    .log_name = "redis",
    .program = "redis-server",
    .half = "Redis",
    .script = "redis.sh",
    .url_env = "EDDY_TEST_REDIS_URL",
    .skip_env = "EDDY_TEST_REDIS_SKIP",
    .watch_env = "EDDY_REDIS_WATCH",
    .scheme = "redis://",
    .timeout_ms = 30000,
};

void redis_suite_start(const char *suite)
{
    ps_suite_start(&redis, suite);
}

void redis_suite_stop(void)
{
    ps_suite_stop(&redis);
}

const char *redis_url(const char **why)
{
    return ps_url(&redis, why);
}

const char *redis_private_start(const char *dir, const char **why)
{
    return ps_private_start(&redis, dir, why);
}

void redis_private_stop(const char *dir)
{
    ps_private_stop(&redis, dir);
}

void redis_private_remove(const char *dir)
{
    ps_private_remove(&redis, dir);
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
