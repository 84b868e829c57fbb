/*
 * Password hashing never blocks the loop: a burst of logins, each a
 * costly scrypt check, while hello requests keep arriving on the same
 * server; each hello must be answered in a small part of the time one
 * hash takes (a loop that hashed in place would hold some hello for a
 * whole hash). Figures are logged with --verbose.
 */
#include "harness.h"
#include "serve_thread.h"

#include <eddy/web/password.h>

#include <criterion/criterion.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static serve_thread st;
static eddy_app *app;
/* Costly enough that a loop that hashed in place would stall for a while. */
static const eddy_password_params slow = {15, 8, 2};
static char *stored;

static void hello_get(eddy_req *r) { eddy_write_str(r, "hello\n"); }

static void login_post(eddy_req *r)
{
    bool ok = false;
    cr_assert_eq(eddy_password_verify("slow secret", stored, &slow, &ok, NULL), 0);
    eddy_response_status(r, ok ? 200 : 400);
}

static const eddy_handler hello = {.get = hello_get};
static const eddy_handler login = {.post = login_post};

static void start(void)
{
    cr_assert_not_null(stored = eddy_password_hash_blocking("slow secret", &slow));
    app = eddy_app_new();
    cr_assert_eq(eddy_route(app, "/hello", &hello, NULL), 0);
    cr_assert_eq(eddy_route(app, "/login", &login, NULL), 0);
    serve_thread_init(&st);
    st.app = app;
    cr_assert_eq(serve_thread_start(&st), 0);
}

static void stop(void)
{
    serve_thread_stop(&st);
    eddy_app_free(app);
    free(stored);
}

TestSuite(auth_latency, .init = start, .fini = stop, .timeout = 60);

/* ask - one request on its own connection; the status, or 0. */
static int ask(const char *raw)
{
    char buf[4096];
    int fd = th_connect(st.port, 2000);
    cr_assert_geq(fd, 0);
    th_send_str(fd, raw);
    ssize_t n = th_recv_until(fd, buf, sizeof buf, NULL, 20000);
    close(fd);
    int status = 0;
    if (n > 0)
        sscanf(buf, "HTTP/1.1 %d", &status);
    return status;
}

static long long login_ms(void)
{
    long long t0 = th_now_ms();
    cr_assert_eq(ask("POST /login HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
                     "Content-Length: 0\r\n\r\n"),
                 200);
    return th_now_ms() - t0;
}

static void *burst_login(void *arg)
{
    (void)arg;
    login_ms();
    return NULL;
}

Test(auth_latency, hello_requests_stay_fast_during_a_burst_of_logins)
{
    long long one = login_ms(); /* one hash, alone: what a blocked loop would add */
    enum { LOGINS = 8 };
    pthread_t th[LOGINS];
    long long t0 = th_now_ms();
    for (int i = 0; i < LOGINS; i++)
        cr_assert_eq(pthread_create(&th[i], NULL, burst_login, NULL), 0);
    long long worst = 0;
    int hellos = 0;
    /* Hello requests while the logins run (bounded in time and count). */
    while (th_now_ms() - t0 < one * 2 && hellos < 200) {
        long long s = th_now_ms();
        cr_assert_eq(ask("GET /hello HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"), 200);
        long long took = th_now_ms() - s;
        worst = took > worst ? took : worst;
        hellos++;
        usleep(5000);
    }
    for (int i = 0; i < LOGINS; i++)
        pthread_join(th[i], NULL);
    long long burst = th_now_ms() - t0;
    cr_log_info("one login %lld ms; %d logins %lld ms; %d hellos meanwhile, slowest %lld ms", one,
                LOGINS, burst, hellos, worst);
    cr_assert_gt(burst, one, "the burst took longer than one hash");
    long long bound = one / 2 > 50 ? one / 2 : 50;
    cr_assert_lt(worst, bound, "a hello took %lld ms while one hash takes %lld ms", worst, one);
}
