/*
 * client - lesson 00: send lines to the server and time each round trip.
 *
 * A round trip over loopback never leaves the machine, yet it is not free:
 * two system calls on each side and two wake-ups of a sleeping process.
 * This program shows how much, so later lessons can say what "waiting for
 * the network" costs even when the network is this close.
 *
 *   client [--port N] [--address A] [--count N] [message]
 */
#include "lineio.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static void die(const char *what)
{
    perror(what);
    exit(1);
}

static double now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
    const char *address = "127.0.0.1", *message = "hello";
    int port = 7000, count = 5;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--port") == 0 && i + 1 < argc)
            port = atoi(argv[++i]);
        else if (strcmp(argv[i], "--address") == 0 && i + 1 < argc)
            address = argv[++i];
        else if (strcmp(argv[i], "--count") == 0 && i + 1 < argc)
            count = atoi(argv[++i]);
        else if (argv[i][0] != '-')
            message = argv[i];
        else {
            fprintf(stderr, "usage: %s [--port N] [--address A] [--count N] [message]\n",
                    argv[0]);
            return 2;
        }
    }
    if (count < 1 || count > 1000000) {
        fprintf(stderr, "--count must be between 1 and 1000000\n");
        return 2;
    }

    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    if (inet_pton(AF_INET, address, &addr.sin_addr) != 1) {
        fprintf(stderr, "not an IPv4 address: %s\n", address);
        return 2;
    }
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0)
        die("socket");
    double t0 = now_us();
    if (connect(fd, (struct sockaddr *)&addr, sizeof addr) < 0) {
        fprintf(stderr, "connect to %s:%d: %s (is the server running?)\n", address, port,
                strerror(errno));
        return 1;
    }
    printf("connected to %s:%d in %.0f us\n", address, port, now_us() - t0);

    double *rtt = malloc(sizeof *rtt * (size_t)count);
    if (!rtt)
        die("malloc");
    struct line_reader reader;
    line_reader_init(&reader, fd);
    char line[1100], answer[1100];
    for (int i = 0; i < count; i++) {
        int n = snprintf(line, sizeof line, "%.1000s %d\n", message, i + 1);
        double start = now_us();
        if (write_all(fd, line, (size_t)n) < 0)
            die("write");
        if (line_read(&reader, answer, sizeof answer) < 0) {
            fprintf(stderr, "no answer: %s\n", errno ? strerror(errno) : "server hung up");
            return 1;
        }
        rtt[i] = now_us() - start;
        if (count <= 20) /* a long run prints only the summary */
            printf("%4d  %-24s rtt %6.0f us\n", i + 1, answer, rtt[i]);
    }
    close(fd);

    qsort(rtt, (size_t)count, sizeof *rtt, cmp_double);
    printf("%d round trip%s: min %.0f us, median %.0f us, max %.0f us\n", count,
           count == 1 ? "" : "s", rtt[0], rtt[count / 2], rtt[count - 1]);
    free(rtt);
    return 0;
}
