/*
 * Tests for lib/data/sms: what a gateway receives and what a sender sees.
 *
 * The fake gateway (tests/fixtures/sms_gateway.py, Python's http.server)
 * speaks like the course's provider and keeps what it received; the path's
 * first segment picks its answer: success, a refusal, garbage, a 500, or
 * silence. Each send runs in a task on this process's loop, as it would
 * in a handler. Log lines are captured in a file to check that every
 * failure leaves one.
 */
#include "harness.h"

#include <criterion/criterion.h>
#include <eddy/base/log.h>
#include <eddy/data/sms.h>
#include <eddy/eddy.h>

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifndef TEST_SOURCE_DIR
#define TEST_SOURCE_DIR "."
#endif

static const char python[] = "/usr/bin/python3";
static th_proc gateway;
static eddy_sms *sms;
static char log_path[64];
static int log_fd = -1;

static void start_gateway(void)
{
    if (access(python, X_OK) != 0)
        cr_skip_test("no %s: the SMS gateway tests need Debian's python3", python);
    char *argv[] = {(char *)python, (char *)TEST_SOURCE_DIR "/tests/fixtures/sms_gateway.py", NULL};
    cr_assert_eq(th_start_server(&gateway, argv, 10000), 0, "the fake gateway did not start: %s",
                 gateway.output ? gateway.output : "");
}

static void capture_log(void)
{
    snprintf(log_path, sizeof log_path, "/tmp/eddy-sms-log-XXXXXX");
    log_fd = mkstemp(log_path);
    cr_assert_geq(log_fd, 0);
    eddy_log_set_fd(log_fd);
}

static void setup(void)
{
    capture_log();
    start_gateway();
}

static void teardown(void)
{
    eddy_sms_free(sms);
    sms = NULL;
    eddy_loop_free();
    th_free(&gateway);
    eddy_log_set_fd(2);
    if (log_fd >= 0) {
        close(log_fd);
        unlink(log_path);
    }
}

/* logged - everything logged so far (static buffer). */
static const char *logged(void)
{
    static char text[8192];
    ssize_t n = pread(log_fd, text, sizeof text - 1, 0);
    text[n > 0 ? n : 0] = '\0';
    return text;
}

static const char *gateway_url(const char *mode)
{
    static char url[4][128];
    static int next;
    char *u = url[next++ % 4];
    snprintf(u, sizeof url[0], "http://127.0.0.1:%d/%s/v2/sms/single_send.json", gateway.port, mode);
    return u;
}

static eddy_sms *http_sender(const char *mode, long timeout_ms)
{
    eddy_sms *s = eddy_sms_new(&(eddy_sms_config){
        .backend = "http",
        .url = gateway_url(mode),
        .api_key = "test-key-0123",
        .text_template = "\xe3\x80\x90" "Forum" "\xe3\x80\x91" " Your code is {code} & valid 10 min.",
        .timeout_ms = timeout_ms,
    });
    cr_assert_not_null(s);
    return s;
}

struct send_job {
    const char *mobile, *text, *code;
    eddy_sms_error why;
    int rc;
};

static void send_task(void *arg)
{
    struct send_job *j = arg;
    j->rc = j->code ? eddy_sms_send_code(sms, j->mobile, j->code, &j->why)
                    : eddy_sms_send(sms, j->mobile, j->text, &j->why);
    eddy_loop_stop();
}

/* send_in_task - one send awaited in a task, the loop run until it ends. */
static struct send_job send_in_task(const char *mobile, const char *text, const char *code)
{
    static struct send_job j;
    j = (struct send_job){.mobile = mobile, .text = text, .code = code, .rc = -1};
    cr_assert_not_null(eddy_task_spawn(send_task, &j));
    cr_assert_eq(eddy_loop_run(), 0);
    return j;
}

/* received - what the gateway kept, as JSON (a list; caller decrefs). */
static json_t *received(void)
{
    int fd = th_connect(gateway.port, 2000);
    cr_assert_geq(fd, 0);
    cr_assert_eq(th_send_str(fd, "GET /received HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"), 0);
    static char buf[65536];
    ssize_t n = th_recv_until(fd, buf, sizeof buf, NULL, 5000);
    close(fd);
    cr_assert_gt(n, 0);
    char *body = strstr(buf, "\r\n\r\n");
    cr_assert_not_null(body);
    json_t *list = json_loads(body + 4, 0, NULL);
    cr_assert(json_is_array(list), "not a list: %s", body + 4);
    return list;
}

static const char *field(json_t *request, const char *name)
{
    return json_string_value(json_object_get(json_object_get(request, "fields"), name));
}

TestSuite(sms_gateway, .init = setup, .fini = teardown, .timeout = 60);
TestSuite(sms_console, .init = capture_log, .fini = teardown, .timeout = 30);

Test(sms_console, is_the_default_and_logs_the_number_and_the_code)
{
    sms = eddy_sms_new(NULL);
    cr_assert_not_null(sms);
    cr_expect_str_eq(eddy_sms_backend(sms), "console");
    /* nothing to wait for: it works in a task and outside one */
    struct send_job j = send_in_task("13800138000", NULL, "4821");
    cr_assert_eq(j.rc, 0, "%s", j.why.text);
    cr_expect_str_eq(j.why.text, "");
    cr_assert_eq(eddy_sms_send(sms, "13900139000", "hello there", NULL), 0);
    cr_expect(strstr(logged(), "sms to 13800138000: Your verification code is 4821."),
              "log: %s", logged());
    cr_expect(strstr(logged(), "sms to 13900139000: hello there"), "log: %s", logged());
}

Test(sms_console, bad_configurations_are_refused_with_einval)
{
    cr_expect_null(eddy_sms_new(&(eddy_sms_config){.backend = "carrier-pigeon"}));
    cr_expect_eq(errno, EINVAL);
    cr_expect_null(eddy_sms_new(&(eddy_sms_config){.backend = "http", .api_key = "k"}),
                   "no url");
    cr_expect_null(eddy_sms_new(&(eddy_sms_config){.backend = "http", .url = "http://x/"}),
                   "no api key");
    cr_expect_null(eddy_sms_new(&(eddy_sms_config){.text_template = "no placeholder"}));
    cr_expect_eq(errno, EINVAL);
    const char *log = logged();
    cr_expect(strstr(log, "unknown backend"), "log: %s", log);
    cr_expect(strstr(log, "needs the gateway's url"), "log: %s", log);
    cr_expect(strstr(log, "needs an api key"), "log: %s", log);
    cr_expect(strstr(log, "has no {code}"), "log: %s", log);
}

Test(sms_console, the_template_takes_the_code_wherever_it_says)
{
    sms = eddy_sms_new(&(eddy_sms_config){.text_template = "{code} is your code ({code})"});
    cr_assert_not_null(sms);
    cr_assert_eq(eddy_sms_send_code(sms, "10086", "0042", NULL), 0);
    cr_expect(strstr(logged(), "sms to 10086: 0042 is your code (0042)\n"), "log: %s", logged());
}

Test(sms_console, an_empty_number_or_code_is_einval)
{
    sms = eddy_sms_new(NULL);
    eddy_sms_error why;
    cr_expect_eq(eddy_sms_send(sms, "", "hi", &why), EINVAL);
    cr_expect(strstr(why.text, "mobile"), "%s", why.text);
    cr_expect_eq(eddy_sms_send(sms, "1380\r\nX: y", "hi", &why), EINVAL);
    cr_expect_eq(eddy_sms_send_code(sms, "13800138000", "", &why), EINVAL);
    cr_expect(strstr(why.text, "code"), "%s", why.text);
    cr_expect(!strstr(logged(), "sms to 13800138000: "), "nothing was sent: %s", logged());
}

Test(sms_gateway, posts_the_key_the_number_and_the_urlencoded_text)
{
    sms = http_sender("ok", 5000);
    cr_expect_str_eq(eddy_sms_backend(sms), "http");
    struct send_job j = send_in_task("13800138000", NULL, "7305");
    cr_assert_eq(j.rc, 0, "%s", j.why.text);
    cr_expect_eq(j.why.http_status, 0);

    json_t *list = received();
    cr_assert_eq(json_array_size(list), 1);
    json_t *req = json_array_get(list, 0);
    cr_expect_str_eq(json_string_value(json_object_get(req, "path")), "/ok/v2/sms/single_send.json");
    cr_expect_str_eq(json_string_value(json_object_get(req, "content_type")),
                     "application/x-www-form-urlencoded");
    cr_expect_str_eq(field(req, "apikey"), "test-key-0123");
    cr_expect_str_eq(field(req, "mobile"), "13800138000");
    cr_expect_str_eq(field(req, "text"),
                     "\xe3\x80\x90" "Forum" "\xe3\x80\x91" " Your code is 7305 & valid 10 min.");
    /* on the wire: three fields, the text's "&", spaces and UTF-8 escaped */
    const char *body = json_string_value(json_object_get(req, "body"));
    cr_expect(strstr(body, "text=%E3%80%90Forum%E3%80%91"), "body: %s", body);
    cr_expect(strstr(body, "%26"), "the & is escaped: %s", body);
    cr_expect_eq(json_object_size(json_object_get(req, "fields")), 3, "body: %s", body);
    for (const char *p = body; *p; p++)
        cr_expect((unsigned char)*p < 0x80 && *p != ' ', "raw byte in the body: %s", body);
    json_decref(list);
}

Test(sms_gateway, a_refusal_is_eio_with_the_providers_message)
{
    sms = http_sender("refuse", 5000);
    struct send_job j = send_in_task("12345", "hello", NULL);
    cr_expect_eq(j.rc, EIO);
    cr_expect_eq(j.why.provider_code, 2);
    cr_expect_eq(j.why.http_status, 400);
    cr_expect_str_eq(j.why.text, "mobile number is not valid (check the number's format)");
    cr_expect(strstr(logged(), "sms to 12345 via http failed: mobile number is not valid"),
              "log: %s", logged());
}

Test(sms_gateway, an_answer_that_is_not_json_is_eproto)
{
    sms = http_sender("garbage", 5000);
    struct send_job j = send_in_task("13800138000", "hello", NULL);
    cr_expect_eq(j.rc, EPROTO);
    cr_expect_eq(j.why.http_status, 200);
    cr_expect(strstr(j.why.text, "not JSON with a code: \"<html>"), "%s", j.why.text);
    cr_expect(strstr(logged(), "failed: the SMS gateway's answer is not JSON"), "log: %s",
              logged());
}

Test(sms_gateway, an_http_error_status_is_eremoteio)
{
    sms = http_sender("error500", 5000);
    struct send_job j = send_in_task("13800138000", "hello", NULL);
    cr_expect_eq(j.rc, EREMOTEIO);
    cr_expect_eq(j.why.http_status, 500);
    cr_expect_str_eq(j.why.text, "the SMS gateway answered HTTP 500");
    cr_expect(strstr(logged(), "failed: the SMS gateway answered HTTP 500"), "log: %s", logged());
}

Test(sms_gateway, a_gateway_that_never_answers_times_out_within_the_timeout)
{
    sms = http_sender("silent", 500);
    long long t0 = th_now_ms();
    struct send_job j = send_in_task("13800138000", "hello", NULL);
    long long ms = th_now_ms() - t0;
    cr_expect_eq(j.rc, ETIMEDOUT, "%d: %s", j.rc, j.why.text);
    cr_expect(strstr(j.why.text, "did not answer within 500 ms"), "%s", j.why.text);
    cr_expect(ms >= 450 && ms < 2000 + th_slack_ms(), "took %lld ms", ms);
    cr_expect(strstr(logged(), "failed: the SMS gateway did not answer within 500 ms"),
              "log: %s", logged());
    /* it did receive the message: the silence came after */
    json_t *list = received();
    cr_expect_eq(json_array_size(list), 1);
    json_decref(list);
}

Test(sms_gateway, a_gateway_nobody_listens_on_is_a_connect_error)
{
    int port = gateway.port;
    th_stop(&gateway); /* the port is free now: nothing listens there */
    char url[128];
    snprintf(url, sizeof url, "http://127.0.0.1:%d/ok/", port);
    sms = eddy_sms_new(&(eddy_sms_config){.backend = "http", .url = url, .api_key = "k"});
    cr_assert_not_null(sms);
    struct send_job j = send_in_task("13800138000", "hello", NULL);
    cr_expect_eq(j.rc, ECONNREFUSED, "%d: %s", j.rc, j.why.text);
    cr_expect(strstr(j.why.text, "cannot reach the SMS gateway"), "%s", j.why.text);
    cr_expect(strstr(logged(), "cannot reach the SMS gateway"), "log: %s", logged());
}

Test(sms_gateway, the_http_backend_must_be_awaited_from_a_task)
{
    sms = http_sender("ok", 5000);
    eddy_sms_error why;
    cr_expect_eq(eddy_sms_send(sms, "13800138000", "hello", &why), EPERM, "%s", why.text);
    json_t *list = received();
    cr_expect_eq(json_array_size(list), 0, "nothing was sent");
    json_decref(list);
}

Test(sms_gateway, a_shared_client_carries_many_sends)
{
    eddy_http_client *client = eddy_http_client_new(NULL);
    sms = eddy_sms_new(&(eddy_sms_config){
        .backend = "http", .url = gateway_url("ok"), .api_key = "k", .client = client});
    cr_assert_not_null(sms);
    for (int i = 0; i < 3; i++) {
        char code[16];
        snprintf(code, sizeof code, "%04d", i);
        struct send_job j = send_in_task("13800138000", NULL, code);
        cr_expect_eq(j.rc, 0, "%s", j.why.text);
    }
    eddy_http_client_stats stats;
    eddy_http_client_stats_get(client, &stats);
    cr_expect_eq(stats.requests, 3);
    cr_expect_eq(stats.connections, 1, "one kept-alive connection");
    eddy_sms_free(sms);
    sms = NULL;
    eddy_http_client_free(client); /* still the caller's after the sender is gone */
    json_t *list = received();
    cr_expect_eq(json_array_size(list), 3);
    cr_expect_str_eq(field(json_array_get(list, 2), "text"), "Your verification code is 0002.");
    json_decref(list);
}
