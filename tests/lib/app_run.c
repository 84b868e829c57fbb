/*
 * Tests of lib/app_run: eddy_app_run as the whole of a main(), seen from
 * outside - what it prints, what it serves, how it stops and the status
 * it returns for main() to exit with.
 *
 * Each test runs the call in a child process (it parses options, forks
 * workers and catches SIGTERM, as a program's main does), with the
 * child's stdout and stderr in one pipe, and the child exiting with what
 * the call returned.
 */
#include "harness.h"

#include <eddy/eddy.h>

#include <criterion/criterion.h>
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

static const char *greeting = "Hello, world"; /* --greeting, in the run_options tests */

static void hello_get(eddy_req *r)
{
    eddy_writef(r, "%s\n", greeting);
}

static const eddy_handler hello = {.get = hello_get};

static eddy_app *hello_app(void)
{
    eddy_app *app = eddy_app_new();
    cr_assert_not_null(app);
    cr_assert_eq(eddy_route(app, "/", &hello, NULL), 0);
    return app;
}

/* start - run eddy_app_run(hello_app(), argv) in a child, or with
 * own_options eddy_app_run_options with a set holding --greeting. */
static void start(th_proc *p, char *const argv[], bool own_options)
{
    memset(p, 0, sizeof *p);
    int pipefd[2];
    cr_assert_eq(pipe2(pipefd, O_CLOEXEC), 0);
    fflush(NULL);
    pid_t parent = getpid();
    pid_t pid = fork();
    cr_assert_geq(pid, 0);
    if (pid == 0) {
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (getppid() != parent)
            _exit(127);
        dup2(pipefd[1], 1);
        dup2(pipefd[1], 2);
        int argc = 0;
        while (argv[argc])
            argc++;
        int status;
        if (own_options) {
            eddy_options *opts = eddy_options_new();
            eddy_options_group(opts, "hello");
            eddy_option_string(opts, "greeting", &greeting, "Hello, world", "what / says");
            status = eddy_app_run_options(hello_app(), opts, argc, (char **)argv);
        } else {
            status = eddy_app_run(hello_app(), argc, (char **)argv);
        }
        fflush(NULL);
        exit(status);
    }
    close(pipefd[1]);
    p->pid = pid;
    p->out_fd = pipefd[0];
    p->output = calloc(1, 1);
    cr_assert_not_null(p->output);
}

/* listening_port - wait for "listening on http://127.0.0.1:PORT/" and
 * return PORT; fails the test if it does not come. */
static int listening_port(th_proc *p)
{
    const char *line = "listening on http://127.0.0.1:";
    cr_assert_eq(th_read_output(p, "/\n", 5000), 0, "no URL printed:\n%s", p->output);
    const char *at = strstr(p->output, line);
    cr_assert_not_null(at, "%s", p->output);
    int port = atoi(at + strlen(line));
    cr_assert_gt(port, 0, "%s", p->output);
    return port;
}

/* get - GET path on a new connection; the response, in a static buffer. */
static const char *get(int port, const char *path)
{
    static char buf[8192];
    char req[256];
    snprintf(req, sizeof req, "GET %s HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n", path);
    int fd = th_connect(port, 2000);
    cr_assert_geq(fd, 0);
    cr_assert_eq(th_send_str(fd, req), 0);
    cr_assert_geq(th_recv_until(fd, buf, sizeof buf, NULL, 5000), 0, "no answer to %s", path);
    close(fd);
    return buf;
}

/* finish - wait for the child to exit by itself; its exit status. */
static int finish(th_proc *p)
{
    int status = th_wait(p, 5000);
    cr_assert(status >= 0 && WIFEXITED(status), "status %d:\n%s", status, p->output);
    return WEXITSTATUS(status);
}

TestSuite(app_run, .timeout = 30);

Test(app_run, serves_until_sigterm_then_returns_0)
{
    th_proc p;
    char *argv[] = {"/some/where/hello", "--port", "0", NULL};
    start(&p, argv, false);
    int port = listening_port(&p);
    const char *r = get(port, "/");
    cr_assert(strncmp(r, "HTTP/1.1 200 OK\r\n", 17) == 0, "%s", r);
    cr_assert_not_null(strstr(r, "\r\n\r\nHello, world\n"), "%s", r);
    cr_assert(strncmp(get(port, "/nothing"), "HTTP/1.1 404", 12) == 0);

    cr_assert_eq(kill(p.pid, SIGTERM), 0);
    cr_assert_eq(finish(&p), 0, "%s", p.output);
    cr_assert_not_null(strstr(p.output, "200 GET / (127.0.0.1)"), "the access log is on:\n%s",
                       p.output);
    th_free(&p);
}

/* unused_port - a port nobody listens on now (bound, read, released). */
static int unused_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof a;
    cr_assert_eq(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
    cr_assert_eq(getsockname(fd, (struct sockaddr *)&a, &len), 0);
    close(fd);
    return ntohs(a.sin_port);
}

Test(app_run, worker_processes_serve_and_the_parent_returns_0_once_they_stop)
{
    th_proc p;
    char port_arg[16];
    snprintf(port_arg, sizeof port_arg, "%d", unused_port());
    char *argv[] = {"/some/where/hello", "--processes", "2", "--port", port_arg, NULL};
    start(&p, argv, false);
    int port = listening_port(&p);
    cr_assert_eq(port, atoi(port_arg));
    for (int i = 0; i < 4; i++) {
        const char *r = get(port, "/");
        cr_assert_not_null(strstr(r, "\r\n\r\nHello, world\n"), "%s", r);
    }
    cr_assert_eq(kill(p.pid, SIGTERM), 0, "to the parent, which passes it on");
    cr_assert_eq(finish(&p), 0, "%s", p.output);
    cr_assert_not_null(strstr(p.output, "started 2 worker process(es)"), "%s", p.output);
    cr_assert_not_null(strstr(p.output, "every worker has stopped"), "%s", p.output);
    th_free(&p);
}

Test(app_run, help_prints_every_standard_option_and_returns_0)
{
    th_proc p;
    char *argv[] = {"/some/where/hello", "--help", NULL};
    start(&p, argv, false);
    cr_assert_eq(finish(&p), 0, "%s", p.output);
    cr_assert(strncmp(p.output, "Usage: hello [OPTIONS]\n", 23) == 0, "%s", p.output);
    const char *want[] = {"--config=FILE", "server options:", "--port=INT", "--processes=INT",
                          "--[no-]access-log", "--idle-timeout=DURATION", "logging options:",
                          "--logging=debug|info|warning|error|none"};
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++)
        cr_assert_not_null(strstr(p.output, want[i]), "no %s in:\n%s", want[i], p.output);
    cr_assert_null(strstr(p.output, "listening"), "--help serves nothing:\n%s", p.output);
    th_free(&p);
}

/* drop_sanitizer_notes - remove the lines a leak checker adds at exit
 * ("==PID==Running thread ... was not suspended"), which are not the
 * program's; a real leak would still change the exit status. */
static void drop_sanitizer_notes(char *text)
{
    char *out = text;
    for (char *line = text; *line;) {
        size_t n = strcspn(line, "\n");
        n += line[n] == '\n';
        if (strncmp(line, "==", 2) != 0) {
            memmove(out, line, n);
            out += n;
        }
        line += n;
    }
    *out = '\0';
}

/* expect_usage_error - argv makes eddy_app_run return 2 having printed
 * exactly message and the hint. */
static void expect_usage_error(char *const argv[], const char *message)
{
    th_proc p;
    start(&p, argv, false);
    cr_assert_eq(finish(&p), 2, "%s", p.output);
    char want[512];
    snprintf(want, sizeof want, "%s\nRun hello --help to see the options.\n", message);
    drop_sanitizer_notes(p.output);
    cr_assert_str_eq(p.output, want);
    th_free(&p);
}

Test(app_run, a_wrong_command_line_returns_2_saying_what_is_wrong)
{
    char *typo[] = {"hello", "--prot=0", NULL};
    expect_usage_error(typo, "hello: --prot: unknown option (did you mean --port?)");
    char *value[] = {"hello", "--port", "http", NULL};
    expect_usage_error(value, "hello: --port: expected an integer from 0 to 65535, got \"http\"");
    char *positional[] = {"hello", "--port=0", "8080", NULL};
    expect_usage_error(positional,
                       "hello: unexpected argument \"8080\" (a server takes options only)");
    char *shared[] = {"hello", "--port=0", "--processes=2", NULL};
    expect_usage_error(shared, "hello: --processes needs a fixed --port: workers share one");
}

Test(app_run, a_config_file_sets_options_and_the_command_line_wins)
{
    char path[] = "/tmp/eddy-app-run-XXXXXX";
    int fd = mkstemp(path);
    cr_assert_geq(fd, 0);
    const char *text = "# hello.conf\nport = 1\naccess_log = false\n";
    cr_assert_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);

    th_proc p;
    char *argv[] = {"hello", "--config", path, "--port=0", NULL};
    start(&p, argv, false);
    int port = listening_port(&p);
    unlink(path);
    cr_assert_not_null(strstr(get(port, "/"), "Hello, world\n"));
    cr_assert_eq(kill(p.pid, SIGTERM), 0);
    cr_assert_eq(finish(&p), 0, "%s", p.output);
    cr_assert_null(strstr(p.output, "GET /"), "the file turned the access log off:\n%s",
                   p.output);
    th_free(&p);
}

Test(app_run, run_options_adds_the_standard_options_to_the_programs_own)
{
    th_proc p;
    char *help[] = {"hello", "--help", NULL};
    start(&p, help, true);
    cr_assert_eq(finish(&p), 0, "%s", p.output);
    cr_assert_not_null(strstr(p.output, "hello options:\n  --greeting=STRING"), "%s", p.output);
    cr_assert_not_null(strstr(p.output, "--port=INT"), "%s", p.output);
    cr_assert_null(strstr(p.output, "--logging"), "added only when the program asks:\n%s",
                   p.output);
    th_free(&p);

    char *argv[] = {"hello", "--greeting=Bonjour", "--port=0", "--access-log=false", NULL};
    start(&p, argv, true);
    int port = listening_port(&p);
    cr_assert_not_null(strstr(get(port, "/"), "\r\n\r\nBonjour\n"));
    cr_assert_eq(kill(p.pid, SIGINT), 0);
    cr_assert_eq(finish(&p), 0, "Ctrl-C stops as gracefully:\n%s", p.output);
    th_free(&p);
}

Test(app_run, no_app_returns_1_as_when_eddy_app_new_ran_out_of_memory)
{
    char *argv[] = {"hello", NULL};
    eddy_log_set_level(EDDY_LOG_NONE); /* it logs why: out of memory */
    cr_assert_eq(eddy_app_run(NULL, 1, argv), 1);
}
