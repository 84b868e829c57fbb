/*
 * private_server - start and stop the tests' own servers; see
 * private_server.h.
 */
#include "private_server.h"

#include "harness.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

/* script_path - scripts/NAME, looked for above the build folder. */
static const char *script_path(const private_server *ps)
{
    static char path[PATH_MAX + 64];
    char dir[PATH_MAX];
    if (!realpath(TEST_BUILD_DIR, dir))
        snprintf(dir, sizeof dir, "%s", ".");
    for (int up = 0; up < 4; up++) {
        struct stat st;
        snprintf(path, sizeof path, "%s/scripts/%s", dir, ps->script);
        if (stat(path, &st) == 0)
            return path;
        char *slash = strrchr(dir, '/');
        if (!slash || slash == dir)
            break;
        *slash = '\0';
    }
    snprintf(path, sizeof path, "scripts/%s", ps->script);
    return path;
}

/* run_script - the script with CMD DIR; its stdout's last line in out
 * (the URL) on success, or everything it said (the reason); 0 or -1. */
static int run_script(const private_server *ps, const char *cmd, const char *dir, char *out,
                      size_t size)
{
    char *argv[] = {"/bin/bash", (char *)script_path(ps), (char *)cmd, (char *)dir, NULL};
    char watch[32];
    snprintf(watch, sizeof watch, "%d", (int)getpid()); /* gone with us, whatever happens */
    setenv(ps->watch_env, watch, 1);
    char *output = NULL;
    int status = th_run(argv, ps->timeout_ms, &output);
    int ok = status >= 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0;
    if (out) {
        const char *text = output ? output : "no output";
        size_t len = strlen(text);
        while (len && text[len - 1] == '\n')
            len--;
        const char *line = text + len;
        while (line > text && line[-1] != '\n')
            line--;
        if (!ok)
            line = text;
        snprintf(out, size, "%.*s", (int)(text + len - line), line);
        for (char *p = out; *p; p++)
            if (*p == '\n')
                *p = ' ';
        if (ok && strncmp(out, ps->scheme, strlen(ps->scheme)) != 0)
            ok = 0;
    }
    free(output);
    return ok ? 0 : -1;
}

static void remove_dir(const char *dir)
{
    char *argv[] = {"/bin/rm", "-rf", (char *)dir, NULL};
    char *out = NULL;
    th_run(argv, 30000, &out);
    free(out);
}

void ps_suite_start(private_server *ps, const char *suite)
{
    signal(SIGPIPE, SIG_IGN); /* a write to a server that went away must be an error */
    const char *given = getenv(ps->url_env);
    if (given && *given) {
        fprintf(stderr, "%s: the %s tests use %s (a server of your own)\n", ps->log_name, suite,
                ps->url_env);
        return;
    }
    char answer[1024];
    const char *tmp = getenv("TMPDIR");
    snprintf(ps->suite_dir, sizeof ps->suite_dir, "%s/eddy-%s-XXXXXX", tmp && *tmp ? tmp : "/tmp",
             ps->log_name);
    if (!mkdtemp(ps->suite_dir)) {
        ps->suite_dir[0] = '\0';
        snprintf(answer, sizeof answer, "cannot make a temporary folder");
    } else if (run_script(ps, "start", ps->suite_dir, answer, sizeof answer) == 0) {
        ps->started_here = 1;
        setenv(ps->url_env, answer, 1);
        const char *at = strchr(answer, '@'); /* never print a password */
        fprintf(stderr, "%s: started a private %s for the %s tests at %s\n", ps->log_name,
                ps->program, suite, at ? at + 1 : answer);
        return;
    }
    if (ps->suite_dir[0]) /* nothing of a server that never started is worth keeping */
        remove_dir(ps->suite_dir);
    setenv(ps->skip_env, answer, 1);
    fprintf(stderr, "%s: SKIPPING the %s half of the %s tests: %s\n", ps->log_name, ps->half,
            suite, answer);
}

void ps_suite_stop(private_server *ps)
{
    if (!ps->started_here)
        return;
    run_script(ps, "stop", ps->suite_dir, NULL, 0);
    remove_dir(ps->suite_dir);
    ps->started_here = 0;
}

const char *ps_url(const private_server *ps, const char **why)
{
    const char *url = getenv(ps->url_env);
    if (url && *url)
        return url;
    const char *skip = getenv(ps->skip_env);
    static char none[128];
    snprintf(none, sizeof none, "no %s server was started for these tests", ps->half);
    *why = skip ? skip : none;
    return NULL;
}

const char *ps_private_start(private_server *ps, const char *dir, const char **why)
{
    static char answer[1024];
    if (run_script(ps, "start", dir, answer, sizeof answer) == 0)
        return answer;
    *why = answer;
    return NULL;
}

void ps_private_stop(private_server *ps, const char *dir)
{
    run_script(ps, "stop", dir, NULL, 0);
}

void ps_private_remove(private_server *ps, const char *dir)
{
    ps_private_stop(ps, dir);
    remove_dir(dir);
}
