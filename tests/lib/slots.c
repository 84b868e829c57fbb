/*
 * Tests of the app's extension slots (handler.h): a module's state kept
 * on the app and on one request, reached from a handler, replaced and
 * freed at the right time — what the template loader and static files
 * use, and what the database pool, sessions and the rest will use.
 */
#include "serve_thread.h"

#include <eddy/web/handler.h>

#include <criterion/criterion.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char counter_slot[] = "test.counter";
static const char user_slot[] = "test.user";

static char freed_log[256];
static atomic_int request_frees;

static void log_free(void *value)
{
    size_t n = strlen(freed_log);
    snprintf(freed_log + n, sizeof freed_log - n, "[%s]", (char *)value);
    free(value);
}

Test(slots, app_slots_are_found_replaced_and_freed_newest_first)
{
    freed_log[0] = '\0';
    eddy_app *app = eddy_app_new();
    cr_assert_null(eddy_app_slot(app, "nothing"));
    cr_assert_eq(eddy_app_set_slot(app, "a", strdup("a1"), log_free), 0);
    cr_assert_eq(eddy_app_set_slot(app, "b", strdup("b1"), log_free), 0);
    cr_assert_str_eq(eddy_app_slot(app, "a"), "a1");
    /* A name equal in content but not the same pointer finds the slot. */
    char name[] = "b";
    cr_assert_str_eq(eddy_app_slot(app, name), "b1");
    cr_assert_eq(eddy_app_set_slot(app, "a", strdup("a2"), log_free), 0);
    cr_assert_str_eq(freed_log, "[a1]", "the replaced value is freed at once");
    cr_assert_str_eq(eddy_app_slot(app, "a"), "a2");
    static int not_owned = 7;
    cr_assert_eq(eddy_app_set_slot(app, "c", &not_owned, NULL), 0);
    eddy_app_free(app);
    cr_assert_str_eq(freed_log, "[a1][b1][a2]", "freed newest first, unowned ones left alone");
}

static void user_free(void *value)
{
    atomic_fetch_add(&request_frees, 1);
    free(value);
}

static void counted_prepare(eddy_req *r)
{
    /* What a login guard does: find the user once, keep it for the request. */
    char *user = malloc(32);
    int *counter = eddy_req_app_slot(r, counter_slot);
    snprintf(user, 32, "user-%d", ++*counter);
    cr_assert_eq(eddy_req_set_slot(r, user_slot, user, user_free), 0);
}

static void counted_get(eddy_req *r)
{
    eddy_writef(r, "hello %s, frees so far %d\n", (char *)eddy_req_slot(r, user_slot),
                atomic_load(&request_frees));
}

static void counted_finish(eddy_req *r)
{
    cr_assert_not_null(eddy_req_slot(r, user_slot), "still there in on_finish");
}

static const eddy_handler counted = {
    .prepare = counted_prepare, .get = counted_get, .on_finish = counted_finish};

Test(slots, request_slots_live_for_one_request, .timeout = 20)
{
    int counter = 0;
    eddy_app *app = eddy_app_new();
    cr_assert_eq(eddy_app_set_slot(app, counter_slot, &counter, NULL), 0);
    cr_assert_eq(eddy_route(app, "/", &counted, NULL), 0);
    serve_thread st;
    serve_thread_init(&st);
    st.app = app;
    cr_assert_eq(serve_thread_start(&st), 0);
    char *resp = serve_thread_ask(&st, "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    cr_assert_not_null(strstr(resp, "hello user-1, frees so far 0"), "%s", resp);
    resp = serve_thread_ask(&st, "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    cr_assert_not_null(strstr(resp, "hello user-2, frees so far 1"),
                       "the first request's value was freed when it ended: %s", resp);
    serve_thread_stop(&st);
    eddy_app_free(app);
    cr_assert_eq(atomic_load(&request_frees), 2);
    cr_assert_eq(counter, 2);
}
