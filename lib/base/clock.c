/*
 * clock - deadlines on the monotonic clock; see clock.h.
 */
#include <eddy/base/clock.h>

void eddy_deadline_in(struct timespec *d, long ms)
{
    clock_gettime(CLOCK_MONOTONIC, d);
    d->tv_sec += ms / 1000;
    d->tv_nsec += ms % 1000 * 1000000;
    if (d->tv_nsec >= 1000000000) {
        d->tv_sec++;
        d->tv_nsec -= 1000000000;
    }
}
