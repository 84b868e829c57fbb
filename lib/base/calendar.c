/*
 * calendar - UTC calendar arithmetic (see calendar.h).
 */
#include <eddy/base/calendar.h>

#include <stdbool.h>

/* days_from_civil / civil_from_days - the proleptic Gregorian calendar
 * as arithmetic on days since 1970-01-01, in eras of 400 years (146097
 * days) that start on 1 March, so the leap day is the era year's last. */
static int64_t days_from_civil(int64_t y, int m, int d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;                                  /* [0, 399] */
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1; /* [0, 365] */
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;          /* [0, 146096] */
    return era * 146097 + doe - 719468;
}

/* The date of the day last converted on this thread: the times on one
 * page mostly fall on a few days, and the date is most of the work. */
static _Thread_local int64_t memo_days = INT64_MIN;
static _Thread_local int memo_year, memo_month, memo_day;

void eddy_us_split(int64_t us, int64_t *days, int64_t *second, int64_t *micro)
{
    int64_t secs = us / 1000000, frac = us % 1000000;
    if (frac < 0)
        frac += 1000000, secs--;
    int64_t d = secs / 86400, rem = secs % 86400;
    if (rem < 0)
        rem += 86400, d--;
    *days = d, *second = rem, *micro = frac;
}

void eddy_civil_from_us(int64_t us, eddy_civil *c)
{
    int64_t days, rem, frac;
    eddy_us_split(us, &days, &rem, &frac);
    if (days != memo_days) {
        int64_t z = days + 719468;
        int64_t era = (z >= 0 ? z : z - 146096) / 146097;
        int64_t doe = z - era * 146097;
        int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
        int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        int64_t mp = (5 * doy + 2) / 153;
        memo_day = (int)(doy - (153 * mp + 2) / 5 + 1);
        memo_month = (int)(mp < 10 ? mp + 3 : mp - 9);
        memo_year = (int)(yoe + era * 400 + (memo_month <= 2));
        memo_days = days;
    }
    c->year = memo_year, c->month = memo_month, c->day = memo_day;
    c->hour = (int)(rem / 3600), c->minute = (int)(rem / 60 % 60), c->second = (int)(rem % 60);
    c->micro = (long)frac;
    c->weekday = (int)(((days % 7) + 11) % 7); /* 1970-01-01 was a Thursday */
}

int64_t eddy_us_from_civil(const eddy_civil *c)
{
    /* The other way, the same few days: the last date asked for is kept
     * apart from memo_days, which only ever holds a real date (a day 31
     * of February is taken here as March's and must not be kept there). */
    static _Thread_local bool asked;
    static _Thread_local int asked_year, asked_month, asked_day;
    static _Thread_local int64_t asked_days;
    if (!asked || c->year != asked_year || c->month != asked_month || c->day != asked_day) {
        asked_days = days_from_civil(c->year, c->month, c->day);
        asked_year = c->year, asked_month = c->month, asked_day = c->day;
        asked = true;
    }
    return ((asked_days * 24 + c->hour) * 60 + c->minute) * 60000000 +
           (int64_t)c->second * 1000000 + c->micro;
}
