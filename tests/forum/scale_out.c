/*
 * The forum scaled out, as the lesson's README runs it: two worker
 * processes on one port (--processes 2), sharing SMS codes and rate
 * limits through Redis (--redis). A code asked for on one connection is
 * accepted on others, whichever process they reach; the login limit
 * (20 a minute from one address) holds for the pair, where two
 * processes counting apart would allow twice as many tries.
 */
#include "forum_test.h"
#include "redis_server.h"

#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static ft_forum forum;

static void stop(void)
{
    ft_stop(&forum);
}

/* free_port - a port nobody listens on now (the kernel's pick). */
static int free_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof a;
    cr_assert(fd >= 0 && bind(fd, (struct sockaddr *)&a, sizeof a) == 0 &&
              getsockname(fd, (struct sockaddr *)&a, &len) == 0);
    close(fd);
    return ntohs(a.sin_port);
}

Test(scale_out, two_processes_share_codes_and_limits, .fini = stop)
{
    const char *why = NULL;
    const char *redis = redis_url(&why);
    if (!redis)
        cr_skip_test("Redis: %s", why);
    char port[16];
    snprintf(port, sizeof port, "%d", free_port());
    char prefix[48]; /* keys of its own: other tests may share the server */
    snprintf(prefix, sizeof prefix, "forum-scale-%d:", (int)getpid());
    const char *extra[] = {"--port", port,           "--processes", "2", "--redis",
                           redis,    "--key-prefix", prefix,        NULL};
    ft_start(&forum, FT_SQLITE, extra);

    /* each user on new connections: the kernel spreads them over both */
    char token[FT_TOKEN_MAX];
    for (int i = 0; i < 4; i++) {
        char mobile[24];
        snprintf(mobile, sizeof mobile, "1390000004%d", i);
        ft_user(&forum, mobile, "secret-40", token, NULL);
    }
    cr_assert_str_eq(ft_rows(&forum, "SELECT COUNT(*) FROM user"), "4\n");

    ft_resp *r = NULL;
    int tries;
    for (tries = 1; tries <= 40; tries++) {
        char body[96]; /* a new account each time: the address's limit, not the account's */
        snprintf(body, sizeof body, "{\"mobile\":\"1380000%04d\",\"password\":\"wrong\"}", tries);
        r = ft_call(&forum, "POST", "/login/", NULL, body);
        if (r->status != 400)
            break;
    }
    /* 4 logins above and 16 wrong ones: the 17th is refused */
    cr_assert_eq(r->status, 429, "status %d after %d tries", r->status, tries);
    cr_assert_eq(tries, 17, "refused after %d tries, not 17", tries);
}
