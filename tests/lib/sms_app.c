/*
 * Tests for lib/web/app_client with SMS: a handler sends a code through
 * the app's HTTP client, as the forum's POST /code/ does.
 *
 * Everything runs on this thread's loop: the app's server, the client in
 * its slot (a client belongs to the loop that made it), the fake gateway
 * in a child process, and a task that plays the browser.
 */
#include "harness.h"

#include <criterion/criterion.h>
#include <eddy/data/sms.h>
#include <eddy/eddy.h>
#include <eddy/web/app_client.h>
#include <eddy/web/app_sms.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#ifndef TEST_SOURCE_DIR
#define TEST_SOURCE_DIR "."
#endif

static const char python[] = "/usr/bin/python3";
static th_proc gateway;
static eddy_sms *sms;

static void code_post(eddy_req *r)
{
    const char *mobile = eddy_require_argument(r, "mobile");
    if (!mobile)
        return;
    eddy_sms_error why;
    if (eddy_sms_send_code(sms, mobile, "2468", &why) != 0)
        eddy_send_error(r, 502, why.text);
    else
        eddy_write_str(r, "sent\n");
}

static const eddy_handler code_handler = {.post = code_post};

struct browser {
    const char *url, *mobile;
    eddy_http_response *resp;
    int rc;
};

static void browser_task(void *arg)
{
    struct browser *b = arg;
    eddy_http_client *own = eddy_http_client_new(NULL);
    const char *form[] = {"mobile", b->mobile, NULL};
    b->rc = eddy_http_fetch(own, &(eddy_http_request){.url = b->url, .form = form}, &b->resp);
    eddy_http_client_free(own);
    eddy_loop_stop();
}

Test(sms_app, a_handler_sends_through_the_apps_client)
{
    if (access(python, X_OK) != 0)
        cr_skip_test("no %s: the SMS gateway tests need Debian's python3", python);
    char *argv[] = {(char *)python, (char *)TEST_SOURCE_DIR "/tests/fixtures/sms_gateway.py", NULL};
    cr_assert_eq(th_start_server(&gateway, argv, 10000), 0, "the fake gateway did not start: %s",
                 gateway.output ? gateway.output : "");

    eddy_app *app = eddy_app_new();
    cr_assert_not_null(app);
    cr_expect_eq(eddy_app_set_client(app, NULL), -1, "a client that could not be made");
    cr_expect_null(eddy_app_client(app));
    cr_assert_eq(eddy_app_set_client(app, eddy_http_client_new(NULL)), 0);
    cr_assert_eq(eddy_route(app, "/code/", &code_handler, NULL), 0);

    char gateway_url[128];
    snprintf(gateway_url, sizeof gateway_url, "http://127.0.0.1:%d/ok/v2/sms/single_send.json",
             gateway.port);
    sms = eddy_sms_new(&(eddy_sms_config){.backend = "http", .url = gateway_url,
                                          .api_key = "k", .client = eddy_app_client(app)});
    cr_assert_not_null(sms);

    eddy_server_config cfg;
    eddy_server_config_defaults(&cfg);
    cfg.port = 0;
    cfg.address = "127.0.0.1";
    eddy_server *server = eddy_app_listen(app, &cfg);
    cr_assert_not_null(server);
    char url[128];
    snprintf(url, sizeof url, "http://127.0.0.1:%d/code/", eddy_server_port(server));

    struct browser b = {.url = url, .mobile = "13800138000"};
    cr_assert_not_null(eddy_task_spawn(browser_task, &b));
    cr_assert_eq(eddy_loop_run(), 0);

    cr_assert_eq(b.rc, 0, "%s", b.resp ? b.resp->error_text : "");
    cr_expect_eq(b.resp->status, 200, "%d %s", b.resp->status, b.resp->body);
    cr_expect_str_eq(b.resp->body, "sent\n");
    eddy_http_client_stats stats;
    eddy_http_client_stats_get(eddy_app_client(app), &stats);
    cr_expect_eq(stats.requests, 1, "the gateway was called through the app's client");

    eddy_http_response_free(b.resp);
    eddy_sms_free(sms);
    eddy_server_free(server);
    eddy_app_free(app); /* frees the client, on the loop that made it */
    eddy_loop_free();
    th_free(&gateway);
}

Test(sms_app, options_configure_the_sender_and_the_codes)
{
    eddy_options *opts = eddy_options_new();
    cr_assert_not_null(opts);
    eddy_sms_option_values v;
    cr_assert_eq(eddy_sms_options(opts, &v), 0, "%s", eddy_options_error(opts));
    char *argv[] = {"prog", "--sms-backend=http", "--sms-url=http://127.0.0.1:9/send.json",
                    "--sms-api-key=secret", "--sms-template=[Forum] {code}", "--sms-timeout=2s",
                    "--sms-code-length=4", "--sms-cooldown=0", "--sms-daily-per-ip=5", NULL};
    cr_assert_eq(eddy_options_parse_args(opts, 9, argv), 9, "%s", eddy_options_error(opts));
    eddy_sms_config sc;
    eddy_sms_code_config cc;
    eddy_sms_options_apply(&v, &sc, &cc);
    cr_expect_str_eq(sc.backend, "http");
    cr_expect_str_eq(sc.url, "http://127.0.0.1:9/send.json");
    cr_expect_str_eq(sc.api_key, "secret");
    cr_expect_str_eq(sc.text_template, "[Forum] {code}");
    cr_expect_eq(sc.timeout_ms, 2000);
    cr_expect_eq(cc.length, 4);
    cr_expect_eq(cc.ttl_ms, 10 * 60 * 1000, "the course's ten minutes by default");
    cr_expect_lt(cc.cooldown_ms, 0, "0 on the command line: no cooldown");
    cr_expect_eq(cc.daily_per_ip, 5);
    cr_expect_eq(cc.daily_per_number, 10);

    eddy_app *app = eddy_app_new();
    eddy_kv *kv = eddy_kv_open("memory:", NULL);
    cr_assert_eq(eddy_app_set_sms(app, eddy_sms_new(&sc)), 0);
    cr_assert_eq(eddy_app_set_sms_codes(app, eddy_sms_codes_new(kv, eddy_app_sms(app), &cc)), 0);
    cr_expect_str_eq(eddy_sms_backend(eddy_app_sms(app)), "http");
    cr_expect_not_null(eddy_app_sms_codes(app));
    cr_expect_eq(eddy_app_set_sms(app, NULL), -1, "a sender that could not be made");
    eddy_options_free(opts); /* the sender copied what it needs */
    eddy_app_free(app);
    eddy_kv_close(kv);
    eddy_loop_free();
}

Test(sms_app, the_console_is_the_default_and_unknown_backends_are_refused)
{
    eddy_options *opts = eddy_options_new();
    eddy_sms_option_values v;
    cr_assert_eq(eddy_sms_options(opts, &v), 0);
    char *none[] = {"prog", NULL};
    cr_assert_eq(eddy_options_parse_args(opts, 1, none), 1);
    eddy_sms_config sc;
    eddy_sms_options_apply(&v, &sc, NULL);
    eddy_sms *sms = eddy_sms_new(&sc);
    cr_assert_not_null(sms);
    cr_expect_str_eq(eddy_sms_backend(sms), "console");
    eddy_sms_free(sms);
    char *bad[] = {"prog", "--sms-backend=pigeon", NULL};
    cr_expect_eq(eddy_options_parse_args(opts, 2, bad), EDDY_OPTIONS_ERROR);
    cr_expect(strstr(eddy_options_error(opts), "sms-backend"), "%s", eddy_options_error(opts));
    eddy_options_free(opts);
}
