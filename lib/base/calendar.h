/*
 * calendar - UTC dates and times as arithmetic on microseconds since 1970.
 *
 * HTTP dates (a header per response and file), database date-times (one
 * per row and column) and JSON's ISO 8601 all turn a time into a year,
 * month, day, hour... and back. gmtime_r and timegm do that, but consult
 * the time zone and take a lock; this is the same proleptic Gregorian
 * calendar in a few integer operations, for any year.
 */
#ifndef EDDY_CALENDAR_H
#define EDDY_CALENDAR_H

#include <stdint.h>

/* A date-time in parts, UTC. weekday: 0 Sunday .. 6 Saturday (set by
 * eddy_civil_from_us, ignored by eddy_us_from_civil). */
typedef struct eddy_civil {
    int year, month, day, hour, minute, second;
    long micro;
    int weekday;
} eddy_civil;

/* eddy_us_split - us microseconds since 1970-01-01 as whole days since
 * then, the second of that day and the microsecond of that second (a
 * time before 1970 counts back to the day it falls in). */
void eddy_us_split(int64_t us, int64_t *days, int64_t *second, int64_t *micro);

/* eddy_civil_from_us - the parts of us microseconds since 1970-01-01. */
void eddy_civil_from_us(int64_t us, eddy_civil *c);

/* eddy_us_from_civil - microseconds since 1970-01-01 of c; fields out of
 * their range (month 13, second 60) carry over, as timegm's do. */
int64_t eddy_us_from_civil(const eddy_civil *c);

#endif
