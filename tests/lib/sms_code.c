/*
 * Tests for lib/data/sms_code: verification codes as the store keeps them.
 *
 * Every check is written once, as a function of an open kv store, and
 * CODE_TEST runs it twice: on the in-process store and on a real Redis
 * (the private redis-server the suite's PRE_ALL hook started; when there
 * is none, those tests skip, saying why). Each Redis test puts its keys
 * under a prefix of its own, so tests running side by side never meet.
 * The checks ask the store what it holds (the code under its key, the
 * counters, what is gone), not only what the calls answered. Lifetimes
 * are cut to a few hundred milliseconds so expiry is seen, not assumed.
 */
#include "harness.h"
#include "redis_server.h"

#include <criterion/criterion.h>
#include <eddy/async/future.h>
#include <eddy/base/log.h>
#include <eddy/data/kv.h>
#include <eddy/data/sms.h>
#include <eddy/data/sms_code.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef void (*code_check_fn)(eddy_kv *kv);

struct check_run {
    code_check_fn check;
    eddy_kv *kv;
};

static void check_task(void *arg)
{
    struct check_run *run = arg;
    run->check(run->kv);
    eddy_loop_stop();
}

/* run_on - open the store at url, run check in a task, close all. */
static void run_on(code_check_fn check, const char *url, const char *name)
{
    char prefix[128];
    snprintf(prefix, sizeof prefix, "test-%s-%d:", name, (int)getpid());
    struct check_run run = {.check = check};
    run.kv = eddy_kv_open(url, &(eddy_kv_options){.prefix = prefix});
    cr_assert_not_null(run.kv, "cannot open %s", url);
    cr_assert_not_null(eddy_task_spawn(check_task, &run));
    cr_assert_eq(eddy_loop_run(), 0);
    eddy_kv_close(run.kv);
    eddy_loop_free();
}

static void run_on_redis(code_check_fn check, const char *name)
{
    const char *why = NULL;
    const char *url = redis_url(&why);
    if (!url)
        cr_skip_test("%s", why);
    run_on(check, url, name);
}

#define CODE_CHECK(name) static void name##_check(eddy_kv *kv)
#define CODE_TEST(name)                                                                            \
    Test(sms_code_memory, name, .timeout = 60) { run_on(name##_check, "memory:", #name); }        \
    Test(sms_code_redis, name, .timeout = 60) { run_on_redis(name##_check, #name); }

/* stored - the value the store holds under key (malloc'ed), or NULL. */
static char *stored(eddy_kv *kv, const char *key)
{
    char *value = NULL;
    int rc = eddy_kv_get(kv, key, &value, NULL);
    cr_assert(rc == 0 || rc == ENOENT, "get %s: %s", key, strerror(rc));
    return value;
}

static void expect_stored(eddy_kv *kv, const char *key, const char *want)
{
    char *value = stored(kv, key);
    if (want)
        cr_expect(value && strcmp(value, want) == 0, "%s holds %s, not %s", key,
                  value ? value : "nothing", want);
    else
        cr_expect_null(value, "%s should be gone, holds %s", key, value);
    free(value);
}

static eddy_sms_codes *codes_with(eddy_kv *kv, eddy_sms_code_config cfg)
{
    eddy_sms_codes *codes = eddy_sms_codes_new(kv, NULL, &cfg);
    cr_assert_not_null(codes);
    return codes;
}

static eddy_sms_code_outcome send_code(eddy_sms_codes *codes, const char *mobile, const char *ip)
{
    eddy_sms_code_outcome out;
    int rc = eddy_sms_code_send(codes, mobile, ip, &out);
    cr_assert_eq(rc, 0, "send to %s: %s", mobile, out.error.text);
    return out;
}

static eddy_sms_code_outcome verify(eddy_sms_codes *codes, const char *mobile, const char *code)
{
    eddy_sms_code_outcome out;
    int rc = eddy_sms_code_verify(codes, mobile, code, &out);
    cr_assert_eq(rc, 0, "verify %s: %s", mobile, out.error.text);
    return out;
}

/* wrong_code - a code of the same length that is not code. */
static void wrong_code(const char *code, char *out)
{
    strcpy(out, code);
    out[0] = out[0] == '9' ? '0' : (char)(out[0] + 1);
}

/* ------------------------------------------------------------ making codes */

CODE_CHECK(a_sent_code_is_kept_under_the_number_with_its_lifetime)
{
    eddy_sms_codes *codes = codes_with(kv, (eddy_sms_code_config){0});
    eddy_sms_code_outcome out = send_code(codes, "13800138000", "10.0.0.1");
    cr_expect_eq(out.result, EDDY_SMS_CODE_OK);
    cr_expect_eq(strlen(out.code), 6, "six digits by default: %s", out.code);
    cr_expect_eq(strspn(out.code, "0123456789"), 6, "%s", out.code);
    expect_stored(kv, "sms-code:code:13800138000", out.code);
    long ttl;
    cr_assert_eq(eddy_kv_ttl(kv, "sms-code:code:13800138000", &ttl), 0);
    cr_expect(ttl > 9 * 60 * 1000 && ttl <= 10 * 60 * 1000, "ten minutes, not %ld ms", ttl);
    expect_stored(kv, "sms-code:cooldown:13800138000", "1");
    expect_stored(kv, "sms-code:day:mobile:13800138000", "1");
    expect_stored(kv, "sms-code:day:ip:10.0.0.1", "1");
    eddy_sms_codes_free(codes);
}
CODE_TEST(a_sent_code_is_kept_under_the_number_with_its_lifetime)

CODE_CHECK(codes_have_the_configured_length_and_vary)
{
    eddy_sms_codes *codes =
        codes_with(kv, (eddy_sms_code_config){.length = 4, .daily_per_ip = -1, .prefix = "reg:"});
    int seen[10] = {0};
    char first[8] = "";
    int all_same = 1;
    for (int i = 0; i < 40; i++) {
        char mobile[32];
        snprintf(mobile, sizeof mobile, "1390000%04d", i);
        eddy_sms_code_outcome out = send_code(codes, mobile, NULL);
        cr_assert_eq(strlen(out.code), 4, "%s", out.code);
        cr_assert_eq(strspn(out.code, "0123456789"), 4, "%s", out.code);
        for (int d = 0; d < 4; d++)
            seen[out.code[d] - '0']++;
        if (i == 0)
            strcpy(first, out.code);
        else if (strcmp(first, out.code) != 0)
            all_same = 0;
        char key[64];
        snprintf(key, sizeof key, "reg:code:%s", mobile);
        expect_stored(kv, key, out.code);
    }
    cr_expect(!all_same, "forty codes, all %s", first);
    int digits_seen = 0;
    for (int d = 0; d < 10; d++)
        digits_seen += seen[d] > 0;
    /* 160 uniform digits miss one of ten with probability < 1e-6 */
    cr_expect_eq(digits_seen, 10, "every digit appears in 160 draws");
    eddy_sms_codes_free(codes);
}
CODE_TEST(codes_have_the_configured_length_and_vary)

/* ------------------------------------------------------------ checking codes */

CODE_CHECK(the_right_code_works_once)
{
    eddy_sms_codes *codes = codes_with(kv, (eddy_sms_code_config){0});
    eddy_sms_code_outcome sent = send_code(codes, "13800138000", NULL);
    cr_expect_eq(verify(codes, "13900139000", sent.code).result, EDDY_SMS_CODE_MISSING,
                 "another number has no code");
    cr_expect_eq(verify(codes, "13800138000", sent.code).result, EDDY_SMS_CODE_OK);
    expect_stored(kv, "sms-code:code:13800138000", NULL);
    expect_stored(kv, "sms-code:tries:13800138000", NULL);
    cr_expect_eq(verify(codes, "13800138000", sent.code).result, EDDY_SMS_CODE_MISSING,
                 "used up");
    eddy_sms_codes_free(codes);
}
CODE_TEST(the_right_code_works_once)

CODE_CHECK(a_code_expires)
{
    eddy_sms_codes *codes = codes_with(kv, (eddy_sms_code_config){.ttl_ms = 300});
    eddy_sms_code_outcome sent = send_code(codes, "13800138000", NULL);
    expect_stored(kv, "sms-code:code:13800138000", sent.code);
    cr_assert_eq(eddy_sleep(450), 0);
    expect_stored(kv, "sms-code:code:13800138000", NULL);
    cr_expect_eq(verify(codes, "13800138000", sent.code).result, EDDY_SMS_CODE_MISSING);
    eddy_sms_codes_free(codes);
}
CODE_TEST(a_code_expires)

CODE_CHECK(wrong_codes_count_down_and_kill_the_code)
{
    eddy_sms_codes *codes =
        codes_with(kv, (eddy_sms_code_config){.max_attempts = 3, .cooldown_ms = -1});
    eddy_sms_code_outcome sent = send_code(codes, "13800138000", NULL);
    char wrong[16];
    wrong_code(sent.code, wrong);
    eddy_sms_code_outcome out = verify(codes, "13800138000", wrong);
    cr_expect_eq(out.result, EDDY_SMS_CODE_WRONG);
    cr_expect_eq(out.attempts_left, 2);
    expect_stored(kv, "sms-code:tries:13800138000", "1");
    out = verify(codes, "13800138000", "12"); /* a short one counts too */
    cr_expect_eq(out.result, EDDY_SMS_CODE_WRONG);
    cr_expect_eq(out.attempts_left, 1);
    out = verify(codes, "13800138000", wrong);
    cr_expect_eq(out.result, EDDY_SMS_CODE_EXHAUSTED);
    expect_stored(kv, "sms-code:code:13800138000", NULL);
    cr_expect_eq(verify(codes, "13800138000", sent.code).result, EDDY_SMS_CODE_MISSING,
                 "the right code is too late once the code is dead");

    /* a new code comes with every attempt again */
    sent = send_code(codes, "13800138000", NULL);
    expect_stored(kv, "sms-code:tries:13800138000", NULL);
    wrong_code(sent.code, wrong);
    out = verify(codes, "13800138000", wrong);
    cr_expect_eq(out.result, EDDY_SMS_CODE_WRONG);
    cr_expect_eq(out.attempts_left, 2);
    cr_expect_eq(verify(codes, "13800138000", sent.code).result, EDDY_SMS_CODE_OK);
    eddy_sms_codes_free(codes);
}
CODE_TEST(wrong_codes_count_down_and_kill_the_code)

struct guess {
    eddy_sms_codes *codes;
    const char *code;
    eddy_sms_code_outcome out;
    int rc;
    int *running;
};

static void guess_task(void *arg)
{
    struct guess *g = arg;
    g->rc = eddy_sms_code_verify(g->codes, "13800138000", g->code, &g->out);
    --*g->running;
}

/* run_guesses - n checks at once, each in its own task; wait for all. */
static void run_guesses(struct guess *g, int n)
{
    int running = n;
    for (int i = 0; i < n; i++) {
        g[i].running = &running;
        cr_assert_not_null(eddy_task_spawn(guess_task, &g[i]));
    }
    for (int waited = 0; running > 0 && waited < 1000; waited++)
        cr_assert_eq(eddy_sleep(5), 0);
    cr_assert_eq(running, 0);
}

CODE_CHECK(parallel_guesses_cannot_pass_the_attempt_limit)
{
    eddy_sms_codes *codes = codes_with(kv, (eddy_sms_code_config){.max_attempts = 5});
    eddy_sms_code_outcome sent = send_code(codes, "13800138000", NULL);
    char wrong[16];
    wrong_code(sent.code, wrong);
    struct guess g[20];
    for (int i = 0; i < 20; i++) /* the right code is the last guess of a burst */
        g[i] = (struct guess){.codes = codes, .code = i == 19 ? sent.code : wrong};
    run_guesses(g, 20);
    int wrong_answers = 0;
    for (int i = 0; i < 20; i++) {
        cr_assert_eq(g[i].rc, 0, "%s", g[i].out.error.text);
        cr_expect_neq(g[i].out.result, EDDY_SMS_CODE_OK, "guess %d got through", i);
        wrong_answers += g[i].out.result == EDDY_SMS_CODE_WRONG;
    }
    cr_expect_eq(wrong_answers, 4, "four wrong, then the code dies");
    expect_stored(kv, "sms-code:code:13800138000", NULL);
    eddy_sms_codes_free(codes);
}
CODE_TEST(parallel_guesses_cannot_pass_the_attempt_limit)

CODE_CHECK(parallel_right_answers_use_the_code_once)
{
    eddy_sms_codes *codes = codes_with(kv, (eddy_sms_code_config){.max_attempts = 20});
    eddy_sms_code_outcome sent = send_code(codes, "13800138000", NULL);
    struct guess g[10];
    for (int i = 0; i < 10; i++)
        g[i] = (struct guess){.codes = codes, .code = sent.code};
    run_guesses(g, 10);
    int ok = 0;
    for (int i = 0; i < 10; i++) {
        cr_assert_eq(g[i].rc, 0, "%s", g[i].out.error.text);
        ok += g[i].out.result == EDDY_SMS_CODE_OK;
        cr_expect(g[i].out.result == EDDY_SMS_CODE_OK || g[i].out.result == EDDY_SMS_CODE_MISSING,
                  "check %d: %d", i, g[i].out.result);
    }
    cr_expect_eq(ok, 1, "one registration per code");
    eddy_sms_codes_free(codes);
}
CODE_TEST(parallel_right_answers_use_the_code_once)

/* ------------------------------------------------------------ rationing */

CODE_CHECK(a_number_waits_out_its_cooldown)
{
    eddy_sms_codes *codes = codes_with(kv, (eddy_sms_code_config){.cooldown_ms = 400});
    eddy_sms_code_outcome first = send_code(codes, "13800138000", NULL);
    eddy_sms_code_outcome again = send_code(codes, "13800138000", NULL);
    cr_expect_eq(again.result, EDDY_SMS_CODE_COOLDOWN);
    cr_expect_eq(again.retry_after_s, 1, "400 ms round up to one second");
    cr_expect_str_eq(again.code, "", "no code for a refusal");
    expect_stored(kv, "sms-code:code:13800138000", first.code); /* the first one still stands */
    expect_stored(kv, "sms-code:day:mobile:13800138000", "1");
    cr_expect_eq(send_code(codes, "13900139000", NULL).result, EDDY_SMS_CODE_OK,
                 "another number is not held up");
    cr_assert_eq(eddy_sleep(500), 0);
    eddy_sms_code_outcome later = send_code(codes, "13800138000", NULL);
    cr_expect_eq(later.result, EDDY_SMS_CODE_OK);
    expect_stored(kv, "sms-code:code:13800138000", later.code);
    eddy_sms_codes_free(codes);
}
CODE_TEST(a_number_waits_out_its_cooldown)

CODE_CHECK(a_number_has_a_daily_cap)
{
    eddy_sms_codes *codes = codes_with(
        kv, (eddy_sms_code_config){.cooldown_ms = -1, .daily_per_number = 3, .day_ms = 600});
    for (int i = 0; i < 3; i++)
        cr_expect_eq(send_code(codes, "13800138000", NULL).result, EDDY_SMS_CODE_OK);
    char *before = stored(kv, "sms-code:code:13800138000");
    eddy_sms_code_outcome out = send_code(codes, "13800138000", NULL);
    cr_expect_eq(out.result, EDDY_SMS_CODE_NUMBER_CAP);
    cr_expect_eq(out.retry_after_s, 1);
    expect_stored(kv, "sms-code:code:13800138000", before); /* no new code was made */
    free(before);
    cr_expect_eq(send_code(codes, "13900139000", NULL).result, EDDY_SMS_CODE_OK);
    cr_assert_eq(eddy_sleep(700), 0); /* the window ends: a new day */
    expect_stored(kv, "sms-code:day:mobile:13800138000", NULL);
    cr_expect_eq(send_code(codes, "13800138000", NULL).result, EDDY_SMS_CODE_OK);
    expect_stored(kv, "sms-code:day:mobile:13800138000", "1");
    eddy_sms_codes_free(codes);
}
CODE_TEST(a_number_has_a_daily_cap)

CODE_CHECK(an_address_has_a_daily_cap_over_all_numbers)
{
    eddy_sms_codes *codes =
        codes_with(kv, (eddy_sms_code_config){.daily_per_ip = 2, .day_ms = 60 * 1000});
    cr_expect_eq(send_code(codes, "13800000001", "192.0.2.7").result, EDDY_SMS_CODE_OK);
    cr_expect_eq(send_code(codes, "13800000002", "192.0.2.7").result, EDDY_SMS_CODE_OK);
    eddy_sms_code_outcome out = send_code(codes, "13800000003", "192.0.2.7");
    cr_expect_eq(out.result, EDDY_SMS_CODE_IP_CAP);
    cr_expect(out.retry_after_s > 55 && out.retry_after_s <= 60, "%ld s", out.retry_after_s);
    expect_stored(kv, "sms-code:day:ip:192.0.2.7", "3");
    /* the refused address left the number it named untouched */
    expect_stored(kv, "sms-code:code:13800000003", NULL);
    expect_stored(kv, "sms-code:cooldown:13800000003", NULL);
    expect_stored(kv, "sms-code:day:mobile:13800000003", NULL);
    cr_expect_eq(send_code(codes, "13800000003", "192.0.2.8").result, EDDY_SMS_CODE_OK,
                 "from another address");
    eddy_sms_codes_free(codes);
}
CODE_TEST(an_address_has_a_daily_cap_over_all_numbers)

/* ------------------------------------------------------------ sending */

CODE_CHECK(a_failed_send_withdraws_the_code_and_the_cooldown)
{
    /* port 1 on loopback: nothing listens, the connect is refused at once */
    eddy_sms *sms = eddy_sms_new(&(eddy_sms_config){
        .backend = "http", .url = "http://127.0.0.1:1/v2/sms/single_send.json", .api_key = "k"});
    cr_assert_not_null(sms);
    eddy_sms_codes *codes = eddy_sms_codes_new(kv, sms, &(eddy_sms_code_config){.length = 4});
    cr_assert_not_null(codes);
    eddy_sms_code_outcome out;
    int rc = eddy_sms_code_send(codes, "13800138000", "10.0.0.1", &out);
    cr_expect_eq(rc, ECONNREFUSED, "%d: %s", rc, out.error.text);
    cr_expect(strstr(out.error.text, "cannot reach the SMS gateway"), "%s", out.error.text);
    cr_expect_str_eq(out.code, "");
    expect_stored(kv, "sms-code:code:13800138000", NULL);
    expect_stored(kv, "sms-code:cooldown:13800138000", NULL);
    expect_stored(kv, "sms-code:day:mobile:13800138000", "1"); /* the try still counts */
    eddy_sms_codes_free(codes);
    eddy_sms_free(sms);
}
CODE_TEST(a_failed_send_withdraws_the_code_and_the_cooldown)

/* The console backend: the code the user must type is in the log. */
CODE_CHECK(the_console_backend_logs_the_code_it_sends)
{
    char path[] = "/tmp/eddy-sms-code-log-XXXXXX";
    int fd = mkstemp(path);
    cr_assert_geq(fd, 0);
    eddy_log_set_fd(fd);
    eddy_sms *sms = eddy_sms_new(&(eddy_sms_config){.text_template = "Code: {code}"});
    eddy_sms_codes *codes = eddy_sms_codes_new(kv, sms, &(eddy_sms_code_config){.length = 4});
    eddy_sms_code_outcome out = send_code(codes, "13800138000", NULL);
    eddy_log_set_fd(2);
    char text[1024] = "";
    ssize_t n = pread(fd, text, sizeof text - 1, 0);
    text[n > 0 ? n : 0] = '\0';
    close(fd);
    unlink(path);
    char want[64];
    snprintf(want, sizeof want, "sms to 13800138000: Code: %s\n", out.code);
    cr_expect(strstr(text, want), "log: %s", text);
    expect_stored(kv, "sms-code:code:13800138000", out.code);
    eddy_sms_codes_free(codes);
    eddy_sms_free(sms);
}
CODE_TEST(the_console_backend_logs_the_code_it_sends)

/* ------------------------------------------------------------ answers */

Test(sms_code, each_verdict_has_its_status_and_reason)
{
    cr_expect_eq(eddy_sms_code_status(EDDY_SMS_CODE_OK), 200);
    cr_expect_eq(eddy_sms_code_status(EDDY_SMS_CODE_COOLDOWN), 429);
    cr_expect_eq(eddy_sms_code_status(EDDY_SMS_CODE_NUMBER_CAP), 429);
    cr_expect_eq(eddy_sms_code_status(EDDY_SMS_CODE_IP_CAP), 429);
    cr_expect_eq(eddy_sms_code_status(EDDY_SMS_CODE_MISSING), 400);
    cr_expect_eq(eddy_sms_code_status(EDDY_SMS_CODE_WRONG), 400);
    cr_expect_eq(eddy_sms_code_status(EDDY_SMS_CODE_EXHAUSTED), 400);
    const char *seen[7];
    for (int r = 0; r < 7; r++) {
        seen[r] = eddy_sms_code_reason((eddy_sms_code_result)r);
        for (int s = 0; s < r; s++)
            cr_expect_str_neq(seen[r], seen[s], "verdicts %d and %d read the same", r, s);
    }
    cr_expect_str_eq(eddy_sms_code_reason(EDDY_SMS_CODE_EXHAUSTED),
                     "Too many wrong codes; ask for a new one");
}

Test(sms_code, a_bad_configuration_is_einval)
{
    eddy_kv *kv = eddy_kv_open("memory:", NULL);
    cr_assert_not_null(kv);
    cr_expect_null(eddy_sms_codes_new(kv, NULL, &(eddy_sms_code_config){.length = 3}));
    cr_expect_eq(errno, EINVAL);
    cr_expect_null(eddy_sms_codes_new(kv, NULL, &(eddy_sms_code_config){.length = 11}));
    cr_expect_null(eddy_sms_codes_new(NULL, NULL, NULL));
    cr_expect_eq(errno, EINVAL);
    eddy_kv_close(kv);
    eddy_loop_free();
}

/* ------------------------------------------------------------ Redis itself */

struct redis_look {
    eddy_kv *kv;
    eddy_sms_code_outcome out;
};

static void send_one(void *arg)
{
    struct redis_look *look = arg;
    eddy_sms_codes *codes = codes_with(look->kv, (eddy_sms_code_config){.length = 4});
    look->out = send_code(codes, "13800138000", "198.51.100.4");
    eddy_sms_codes_free(codes);
    eddy_loop_stop();
}

/* What redis-cli sees is what another process of the app would see. */
Test(sms_code_redis, redis_holds_the_code_for_every_process_to_see, .timeout = 60)
{
    const char *why = NULL;
    const char *url = redis_url(&why);
    if (!url)
        cr_skip_test("%s", why);
    char prefix[64], key[128];
    snprintf(prefix, sizeof prefix, "look-%d:", (int)getpid());
    struct redis_look look = {.kv = eddy_kv_open(url, &(eddy_kv_options){.prefix = prefix})};
    cr_assert_not_null(look.kv);
    cr_assert_not_null(eddy_task_spawn(send_one, &look));
    cr_assert_eq(eddy_loop_run(), 0);
    eddy_kv_close(look.kv);
    eddy_loop_free();

    snprintf(key, sizeof key, "%ssms-code:code:13800138000", prefix);
    char *value = redis_cli(url, "GET", key, NULL);
    cr_assert_not_null(value, "redis-cli failed");
    cr_expect_str_eq(value, look.out.code);
    free(value);
    char *pttl = redis_cli(url, "PTTL", key, NULL);
    cr_assert_not_null(pttl);
    long ms = atol(pttl);
    cr_expect(ms > 9 * 60 * 1000 && ms <= 10 * 60 * 1000, "PTTL %s", pttl);
    free(pttl);
    snprintf(key, sizeof key, "%ssms-code:day:ip:198.51.100.4", prefix);
    value = redis_cli(url, "GET", key, NULL);
    cr_expect(value && strcmp(value, "1") == 0, "%s holds %s", key, value ? value : "nothing");
    free(value);
}
