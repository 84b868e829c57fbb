/*
 * clock - deadlines on the monotonic clock, for the waits that take a
 * moment to wait until rather than a length (pthread_cond_timedwait, a
 * loop of tries that each may wait): the wall clock may be set back or
 * forward while they wait, the monotonic one is not.
 */
#ifndef EDDY_CLOCK_H
#define EDDY_CLOCK_H

#include <time.h>

/* eddy_deadline_in - now plus ms milliseconds, on CLOCK_MONOTONIC. */
void eddy_deadline_in(struct timespec *d, long ms);

#endif
