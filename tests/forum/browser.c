/*
 * browser - the forum in a real browser: headless Chromium (Debian's
 * chromium) driven by playwright-core from npm (installed by
 * scripts/deps.sh into tests/fixtures/chat_browser, beside lesson 19's chat
 * test; it downloads no browser).
 *
 * The walks are Node scripts in tests/forum/browser/; this file starts
 * what they talk to, runs them and asserts they reached their end. The
 * first walk is the harness on a trivial page (the pageserver fixture),
 * so a broken harness and a broken forum are told apart. The second is
 * the forum's story with two people, from registering with an SMS code
 * (sent to the fake provider tests/fixtures/sms_gateway.py) to finding a
 * post by search. Screenshots of every step are kept under
 * build/artefacts/forum/browser-smoke and browser-walk as the run's artefacts.
 *
 * Without node, chromium or playwright-core each test skips with one line
 * that says which is missing.
 */
#include <criterion/criterion.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "e2e.h"
#include "harness.h"

#define NODE_MODULES TEST_SOURCE_DIR "/tests/fixtures/chat_browser/node_modules"
#define WALKS TEST_SOURCE_DIR "/tests/forum/browser"

static const char *find_node(void)
{
    static const char *where[] = {"/usr/bin/node", "/usr/local/bin/node", "/usr/bin/nodejs"};
    for (size_t i = 0; i < sizeof where / sizeof *where; i++)
        if (access(where[i], X_OK) == 0)
            return where[i];
    return NULL;
}

static const char *chromium(void)
{
    const char *c = getenv("CHROMIUM");
    return c && *c ? c : "/usr/bin/chromium";
}

/* need_browser - skip, saying what is missing, unless all three are here. */
static const char *need_browser(void)
{
    const char *node = find_node();
    if (!node)
        cr_skip_test("node is not installed (Debian package nodejs): skipping the browser walks");
    if (access(chromium(), X_OK) != 0)
        cr_skip_test("%s is missing (Debian package chromium): skipping the browser walks", chromium());
    if (access(NODE_MODULES "/playwright-core/package.json", R_OK) != 0)
        cr_skip_test("playwright-core is not installed (scripts/deps.sh core runs npm ci in tests/fixtures/chat_browser): "
                     "skipping the browser walks");
    setenv("NODE_PATH", NODE_MODULES, 1);
    setenv("CHROMIUM", chromium(), 1);
    return node;
}

/* run_walk - node SCRIPT ARGS... while the servers in keep_drained are
 * read from (so none blocks on its output); node's exit status, its
 * output in *output. */
static int run_walk(char *const argv[], th_proc **keep_drained, int timeout_ms, char **output)
{
    th_proc walk;
    if (th_start(&walk, argv) < 0)
        return -1;
    long long deadline = th_now_ms() + timeout_ms;
    while (!e2e_drain(&walk, 50) && th_now_ms() < deadline)
        for (th_proc **s = keep_drained; s && *s; s++)
            e2e_drain(*s, 0);
    int status = walk.out_fd < 0 ? th_wait(&walk, 5000) : th_stop(&walk);
    *output = strdup(walk.output ? walk.output : "");
    th_free(&walk);
    return status;
}

TestSuite(forum_browser, .timeout = 180);

Test(forum_browser, the_harness_drives_chromium_on_a_trivial_page)
{
    const char *node = need_browser();
    th_proc site;
    char *site_argv[] = {(char *)th_path("fixtures/pageserver"), "--port", "0", "--delay", "0ms", NULL};
    cr_assert_eq(th_start_server(&site, site_argv, 5000), 0, "pageserver did not start: %s", site.output);
    char url[64];
    snprintf(url, sizeof url, "http://127.0.0.1:%d/site/0", site.port);
    const char *shots = e2e_artefacts("browser-smoke");
    cr_assert_not_null(shots);
    char *argv[] = {(char *)node, WALKS "/smoke.js", url, (char *)shots, NULL};
    char *out = NULL;
    int status = run_walk(argv, NULL, 60000, &out);
    th_stop(&site);
    th_free(&site);
    cr_expect(WIFEXITED(status) && WEXITSTATUS(status) == 0, "the walk failed:\n%s", out);
    cr_expect(strstr(out, "walk done: 2 steps") != NULL, "the walk did not finish:\n%s", out);
    char shot[1200];
    snprintf(shot, sizeof shot, "%s/02-follow-link.png", shots);
    cr_expect_eq(access(shot, R_OK), 0, "no screenshot at %s", shot);
    free(out);
}

Test(forum_browser, register_to_search_with_a_live_notification)
{
    const char *node = need_browser();
    if (access(e2e_forum_program(), X_OK) != 0)
        cr_skip_test("%s is not built: skipping the forum's browser walk", e2e_forum_program());

    th_proc gateway;
    char *gw_argv[] = {"/usr/bin/python3", TEST_SOURCE_DIR "/tests/fixtures/sms_gateway.py", NULL};
    cr_assert_eq(th_start_server(&gateway, gw_argv, 10000), 0, "the fake SMS provider did not start: %s",
                 gateway.output);
    char *dir = strdup(e2e_tempdir());
    cr_assert_not_null(dir);
    char db[512], media[512], sms_url[128], cover[512];
    snprintf(db, sizeof db, "--db=sqlite://%s/forum.db", dir);
    snprintf(media, sizeof media, "--media-dir=%s/media", dir);
    snprintf(sms_url, sizeof sms_url, "--sms-url=http://127.0.0.1:%d/ok/single_send.json", gateway.port);
    snprintf(cover, sizeof cover, "%s/cover.png", dir);
    cr_assert_eq(e2e_write_png(cover), 0);

    th_proc forum;
    int started = e2e_start_forum(&forum, db, media, "--sms-backend=http", sms_url, "--sms-api-key=test-key",
                                  "--secret=browser-walk-secret-0123456789abcdef", NULL);
    cr_assert_eq(started, 0, "the forum did not start: %s", forum.output);

    const char *shots = e2e_artefacts("browser-walk");
    cr_assert_not_null(shots);
    char forum_url[64], gateway_url[64];
    snprintf(forum_url, sizeof forum_url, "http://127.0.0.1:%d/", forum.port);
    snprintf(gateway_url, sizeof gateway_url, "http://127.0.0.1:%d/", gateway.port);
    char *argv[] = {(char *)node, WALKS "/walk.js", forum_url, gateway_url, (char *)shots, cover, NULL};
    th_proc *servers[] = {&forum, &gateway, NULL};
    char *out = NULL;
    int status = run_walk(argv, servers, 150000, &out);
    th_stop(&forum);
    th_stop(&gateway);

    char log[1200];
    snprintf(log, sizeof log, "%s/forum.log", shots);
    e2e_write_file(log, forum.output ? forum.output : "");
    cr_expect(WIFEXITED(status) && WEXITSTATUS(status) == 0, "the walk failed (forum log: %s):\n%s", log, out);
    cr_expect(strstr(out, "walk done:") != NULL, "the walk did not finish:\n%s", out);
    th_free(&forum);
    th_free(&gateway);
    free(out);
    char rm[600];
    snprintf(rm, sizeof rm, "rm -rf '%s'", dir);
    cr_expect_eq(system(rm), 0);
    free(dir);
}
