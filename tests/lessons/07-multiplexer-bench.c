/*
 * Lesson 07 smoke tests: mbench run as a student runs it, on a tiny sweep
 * so it takes a second, checking what the output and the CSV say rather
 * than how fast anything was (timings belong in bench/, not in tests).
 * Every test has the same .timeout: under ASan, Criterion's runner was seen
 * to leak a timeout record when tests with different timeouts ran side by
 * side (-j2), which `make san` counts as a failure.
 */
#include "harness.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define MBENCH "lessons/07-multiplexer-bench/mbench"

/* run_mbench - run mbench with args (NULL-terminated); asserts exit 0. */
static char *run_mbench(char *const args[])
{
    char *argv[32] = {(char *)th_path(MBENCH)};
    for (int i = 0; args[i] && i < 30; i++)
        argv[i + 1] = args[i];
    char *out = NULL;
    int status = th_run(argv, 50000, &out);
    cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0, "mbench failed (status %d):\n%s",
              status, out ? out : "");
    return out;
}

/* has_cell - the output has a measured line for N = n and this method. */
static int has_cell(const char *out, int n, const char *method)
{
    char want[64];
    snprintf(want, sizeof want, "%6d  %-6s  cpu: add ", n, method);
    return strstr(out, want) != NULL;
}

Test(lesson07, a_tiny_sweep_measures_all_three_methods_in_both_modes, .timeout = 60)
{
    char *args[] = {"--n", "10,50", "--runs", "3", "--writes", "20", "--ops", "500", NULL};
    char *out = run_mbench(args);
    cr_assert_not_null(strstr(out, "machine: Linux"), "no machine line:\n%s", out);
    cr_assert_not_null(strstr(out, "command: "), "no command line:\n%s", out);
    cr_assert_not_null(strstr(out, "--ops 500"), "the command line is not echoed exactly:\n%s",
                       out);
    cr_assert_not_null(strstr(out, "== chains"), "no chains table:\n%s", out);
    cr_assert_not_null(strstr(out, "== tlpi"), "no tlpi table:\n%s", out);
    const char *methods[] = {"select", "poll", "epoll"};
    for (int j = 0; j < 3; j++) {
        cr_assert(has_cell(out, 10, methods[j]), "no %s at N=10:\n%s", methods[j], out);
        cr_assert(has_cell(out, 50, methods[j]), "no %s at N=50:\n%s", methods[j], out);
    }
    cr_assert_not_null(strstr(out, "median"), "no medians:\n%s", out);
    cr_assert_null(strstr(out, "refused"), "nothing here is past FD_SETSIZE:\n%s", out);
    free(out);
}

Test(lesson07, select_refuses_more_fds_than_fd_setsize_and_the_others_go_on, .timeout = 60)
{
    char *args[] = {"--n",   "1500", "--runs", "2",    "--writes", "20",
                    "--ops", "200",  "--mode", "tlpi", NULL};
    char *out = run_mbench(args);
    cr_assert_not_null(strstr(out, "select  refused: select() takes only fds below FD_SETSIZE"),
                       "select did not refuse N=1500:\n%s", out);
    cr_assert(!has_cell(out, 1500, "select"), "select was measured anyway:\n%s", out);
    cr_assert(has_cell(out, 1500, "poll"), "poll did not run at N=1500:\n%s", out);
    cr_assert(has_cell(out, 1500, "epoll"), "epoll did not run at N=1500:\n%s", out);
    free(out);
}

Test(lesson07, csv_has_one_row_per_run_with_the_documented_columns, .timeout = 60)
{
    char path[] = "/tmp/mbench-csv-XXXXXX";
    int fd = mkstemp(path);
    cr_assert_geq(fd, 0);
    close(fd);
    char *args[] = {"--n",   "10,20", "--runs", "2",  "--writes", "10",
                    "--ops", "100",   "--csv",  path, NULL};
    char *out = run_mbench(args);
    FILE *f = fopen(path, "r");
    cr_assert_not_null(f);
    char line[256];
    cr_assert_not_null(fgets(line, sizeof line, f));
    cr_assert_str_eq(line, "mode,method,n,run,ops,calls,wall_us,cpu_us\n");
    int rows = 0, adds = 0, seen_epoll_tlpi = 0;
    while (fgets(line, sizeof line, f)) {
        char mode[16], method[16];
        int n, run;
        long ops, calls;
        double wall, cpu;
        int fields = sscanf(line, "%15[^,],%15[^,],%d,%d,%ld,%ld,%lf,%lf", mode, method, &n, &run,
                            &ops, &calls, &wall, &cpu);
        cr_assert_eq(fields, 8, "bad row: %s", line);
        cr_assert(wall >= 0 && cpu >= 0, "negative time: %s", line);
        if (run == 0) {
            cr_assert_eq(ops, n, "run 0 adds the N fds: %s", line);
            adds++;
        } else if (strcmp(mode, "chains") == 0) {
            cr_assert_eq(ops, 11, "a chain run reads 1 active + 10 written bytes: %s", line);
        } else {
            cr_assert_str_eq(mode, "tlpi");
            cr_assert_eq(ops, 100, "a tlpi run is --ops operations: %s", line);
            seen_epoll_tlpi |= strcmp(method, "epoll") == 0;
        }
        rows++;
    }
    fclose(f);
    unlink(path);
    /* 2 modes x 2 N x 3 methods, each an add row and 2 runs */
    cr_assert_eq(rows, 2 * 2 * 3 * 3, "expected 36 rows, got %d:\n%s", rows, out);
    cr_assert_eq(adds, 12);
    cr_assert(seen_epoll_tlpi);
    cr_assert_not_null(strstr(out, "csv: "), "output does not name the csv:\n%s", out);
    free(out);
}

Test(lesson07, nonsense_arguments_get_the_usage, .timeout = 60)
{
    char *argv[] = {(char *)th_path(MBENCH), "--methods", "kqueue", NULL};
    char *out = NULL;
    int status = th_run(argv, 10000, &out);
    cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 2, "status %d:\n%s", status, out);
    cr_assert_not_null(strstr(out, "usage: mbench"), "got:\n%s", out);
    free(out);
}
