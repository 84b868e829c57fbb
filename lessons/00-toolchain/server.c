/*
 * server - lesson 00: a TCP server that answers each line in capitals.
 *
 * The smallest server that shows the shape every later one keeps: create a
 * socket, bind it to an address, listen, then loop accepting a connection
 * and talking to it. It serves one client at a time; lesson 03 shows why
 * that is not enough, and the rest of the course what to do about it.
 *
 *   server [--port N] [--address A]      (default 127.0.0.1:7000)
 *
 * Lessons 00-03 stop the program on any setup error with die(): it keeps
 * them short. From lesson 04 on, errors are returned and handled, because
 * one bad connection must not take a server with many down.
 */
#include "lineio.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

enum { MAX_LINE = 1024 };

static void die(const char *what)
{
    perror(what);
    exit(1);
}

static void usage(const char *prog)
{
    fprintf(stderr, "usage: %s [--port N] [--address A]\n", prog);
    exit(2);
}

/* quote:begin listen */
static int listen_on(const char *address, int port)
{
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    if (inet_pton(AF_INET, address, &addr.sin_addr) != 1) {
        fprintf(stderr, "not an IPv4 address: %s\n", address);
        exit(2);
    }
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0)
        die("socket");
    int on = 1; /* restart at once, without waiting out TIME_WAIT */
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
    if (bind(fd, (struct sockaddr *)&addr, sizeof addr) < 0)
        die("bind");
    if (listen(fd, 16) < 0)
        die("listen");
    return fd;
}
/* quote:end listen */

/* serve - answer one client's lines until it hangs up. */
static void serve(int fd, const char *peer)
{
    struct line_reader reader;
    char line[MAX_LINE + 1]; /* + 1 for the '\n' put back on the answer */
    long lines = 0;
    ssize_t len;

    line_reader_init(&reader, fd);
    while ((len = line_read(&reader, line, MAX_LINE)) >= 0) {
        for (ssize_t i = 0; i < len; i++)
            line[i] = (char)toupper((unsigned char)line[i]);
        line[len] = '\n';
        if (write_all(fd, line, (size_t)len + 1) < 0)
            break;
        lines++;
    }
    if (len < 0 && errno == EMSGSIZE) {
        char msg[80];
        int n = snprintf(msg, sizeof msg, "error: line longer than %d bytes\n", MAX_LINE - 1);
        write_all(fd, msg, (size_t)n);
        printf("%s: line too long, hanging up\n", peer);
    } else if (len < 0 && errno != 0) {
        printf("%s: %s\n", peer, strerror(errno));
    }
    printf("%s: closed after %ld line%s\n", peer, lines, lines == 1 ? "" : "s");
}

int main(int argc, char **argv)
{
    const char *address = "127.0.0.1";
    int port = 7000;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--port") == 0 && i + 1 < argc)
            port = atoi(argv[++i]);
        else if (strcmp(argv[i], "--address") == 0 && i + 1 < argc)
            address = argv[++i];
        else
            usage(argv[0]);
    }
    setvbuf(stdout, NULL, _IOLBF, 0); /* a line as it happens, even into a pipe */
    signal(SIGPIPE, SIG_IGN);         /* a vanished client is an error, not our death */

    int lfd = listen_on(address, port);
    struct sockaddr_in bound;
    socklen_t blen = sizeof bound;
    getsockname(lfd, (struct sockaddr *)&bound, &blen); /* port 0 picks a free one */
    printf("listening on tcp://%s:%d (one client at a time; Ctrl-C stops)\n", address,
           ntohs(bound.sin_port));

    for (;;) {
        struct sockaddr_in from;
        socklen_t flen = sizeof from;
        int fd = accept(lfd, (struct sockaddr *)&from, &flen);
        if (fd < 0) {
            if (errno == EINTR || errno == ECONNABORTED)
                continue;
            die("accept");
        }
        char peer[64];
        snprintf(peer, sizeof peer, "%s:%d", inet_ntoa(from.sin_addr), ntohs(from.sin_port));
        printf("%s: connected\n", peer);
        serve(fd, peer);
        close(fd);
    }
}
