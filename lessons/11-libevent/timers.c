/*
 * timers - lesson 11: libevent's timers, next to lesson 08's timer heap.
 *
 * Lesson 08 kept its timers in a binary heap ordered by deadline and asked
 * the backend to sleep until the earliest one. libevent does the same (a
 * min-heap in the event_base), with three ways in, all shown here:
 *
 *  - evtimer_new + evtimer_add: a one-shot timer, an event with no fd;
 *  - event_new(base, -1, EV_PERSIST, ...) + event_add with a timeval: a
 *    repeating one, re-armed by libevent after each call;
 *  - event_base_once: fire-and-forget, libevent frees it after it runs.
 *
 * One-shots are added out of order and fire in deadline order. Then a
 * repeating tick stops the loop after five rounds.
 *
 *   timers
 */
#include <event2/event.h>
#include <stdio.h>
#include <time.h>

static double t0;

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* on_once - a one-shot timer: arg is the delay it was added with. */
static void on_once(evutil_socket_t fd, short what, void *arg)
{
    (void)fd, (void)what;
    printf("%7.1f ms  one-shot timer for %ld ms fired\n", now_ms() - t0, (long)(size_t)arg);
}

/* on_tick - a persistent timer: arg is the event itself, to delete it. */
static void on_tick(evutil_socket_t fd, short what, void *arg)
{
    (void)fd, (void)what;
    static int ticks;
    printf("%7.1f ms  tick %d (EV_PERSIST: libevent re-arms it)\n", now_ms() - t0, ++ticks);
    if (ticks == 5) {
        event_del(arg); /* nothing else pending: event_base_dispatch returns */
        printf("%7.1f ms  tick deleted; the loop has nothing left to wait for\n", now_ms() - t0);
    }
}

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    struct event_base *base = event_base_new();
    if (!base)
        return 1;
    printf("libevent %s, backend %s\n", event_get_version(), event_base_get_method(base));
    t0 = now_ms();

    /* quote:begin timers */
    static const long delays[] = {300, 100, 500, 200, 50};
    struct event *once[5];
    for (int i = 0; i < 5; i++) { /* added out of order; the heap sorts them */
        once[i] = evtimer_new(base, on_once, (void *)(size_t)delays[i]);
        struct timeval tv = {0, delays[i] * 1000};
        evtimer_add(once[i], &tv);
        printf("%7.1f ms  added a one-shot timer for %ld ms\n", now_ms() - t0, delays[i]);
    }
    struct event *tick = event_new(base, -1, EV_PERSIST, on_tick, event_self_cbarg());
    struct timeval every = {0, 150 * 1000};
    event_add(tick, &every);
    struct timeval in_250 = {0, 250 * 1000};
    event_base_once(base, -1, EV_TIMEOUT, on_once, (void *)(size_t)250, &in_250);
    event_base_dispatch(base); /* returns when no event is pending */
    /* quote:end timers */

    printf("%7.1f ms  event_base_dispatch returned\n", now_ms() - t0);
    for (int i = 0; i < 5; i++)
        event_free(once[i]);
    event_free(tick);
    event_base_free(base);
    return 0;
}
