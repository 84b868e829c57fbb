/*
 * Lesson 00 smoke tests: the line server and the round-trip client, run as
 * a student runs them.
 */
#include "harness.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static th_proc server;

static void start_server(void)
{
    char *argv[] = {(char *)th_path("lessons/00-toolchain/server"), "--port", "0", NULL};
    cr_assert_eq(th_start_server(&server, argv, 5000), 0, "server did not start:\n%s",
                 server.output ? server.output : "");
}

static void stop_server(void) { th_free(&server); }

Test(lesson00, server_answers_each_line_in_capitals, .init = start_server, .fini = stop_server,
     .timeout = 20)
{
    int fd = th_connect(server.port, 1000);
    cr_assert_geq(fd, 0);
    char buf[256];
    th_send_str(fd, "hello\nsecond line\n");
    cr_assert_geq(th_recv_until(fd, buf, sizeof buf, "SECOND LINE\n", 2000), 0, "got: %s", buf);
    cr_assert_str_eq(buf, "HELLO\nSECOND LINE\n");
    close(fd);
    cr_assert_eq(th_read_output(&server, "closed after 2 lines", 2000), 0, "server said:\n%s",
                 server.output);
}

Test(lesson00, client_prints_round_trips_and_summary, .init = start_server, .fini = stop_server,
     .timeout = 20)
{
    char port[16];
    snprintf(port, sizeof port, "%d", server.port);
    char *argv[] = {(char *)th_path("lessons/00-toolchain/client"), "--port", port, "--count", "3",
                    "ping", NULL};
    char *out = NULL;
    int status = th_run(argv, 5000, &out);
    cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0, "client failed:\n%s", out);
    cr_assert_not_null(strstr(out, "PING 1"), "client output:\n%s", out);
    cr_assert_not_null(strstr(out, "PING 3"), "client output:\n%s", out);
    cr_assert_not_null(strstr(out, "3 round trips: min "), "client output:\n%s", out);
    free(out);
}

Test(lesson00, an_overlong_line_is_refused_and_the_server_carries_on, .init = start_server,
     .fini = stop_server, .timeout = 20)
{
    int fd = th_connect(server.port, 1000);
    char big[3000];
    memset(big, 'a', sizeof big);
    big[sizeof big - 1] = '\n';
    th_send(fd, big, sizeof big);
    char buf[256];
    cr_assert_geq(th_recv_until(fd, buf, sizeof buf, NULL, 2000), 0);
    cr_assert_not_null(strstr(buf, "error: line longer than"), "got: %s", buf);
    close(fd);

    fd = th_connect(server.port, 1000);
    th_send_str(fd, "still here?\n");
    cr_assert_geq(th_recv_until(fd, buf, sizeof buf, "\n", 2000), 0);
    cr_assert_str_eq(buf, "STILL HERE?\n");
    close(fd);
}

Test(lesson00, client_without_server_says_so, .timeout = 20)
{
    /* Port 1 on loopback: nothing listens there, so connect is refused. */
    char *argv[] = {(char *)th_path("lessons/00-toolchain/client"), "--port", "1", NULL};
    char *out = NULL;
    int status = th_run(argv, 5000, &out);
    cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 1);
    cr_assert_not_null(strstr(out, "is the server running?"), "client output:\n%s", out);
    free(out);
}
