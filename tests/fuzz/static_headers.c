/*
 * Fuzz target: the request headers lib/static reads, Range and the HTTP
 * dates of If-Modified-Since and If-Range.
 *
 * The first 8 bytes are the body's size, the rest the header text. Besides
 * what ASan and UBSan catch: a satisfiable range lies inside the body, and
 * a date that parses, written back in IMF-fixdate, parses to itself.
 */
#include <eddy/web/static.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint64_t body = 0;
    if (size >= 8) {
        memcpy(&body, data, 8);
        data += 8;
        size -= 8;
    }
    char *text = malloc(size + 1);
    if (!text)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';

    uint64_t first = 0, last = 0;
    int rc = eddy_parse_range(text, body, &first, &last);
    if (rc < -1 || rc > 1 || (rc == 1 && !(first <= last && last < body)))
        abort();

    time_t t;
    if (eddy_parse_http_date(text, &t) == 0) {
        struct tm tm;
        if (gmtime_r(&t, &tm) && tm.tm_year >= 0 && tm.tm_year <= 8099) {
            static const char days[7][4] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
            static const char months[12][4] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                               "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
            char again[64];
            snprintf(again, sizeof again, "%s, %02d %s %04d %02d:%02d:%02d GMT", days[tm.tm_wday],
                     tm.tm_mday, months[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min,
                     tm.tm_sec);
            time_t back;
            if (eddy_parse_http_date(again, &back) != 0 || back != t)
                abort();
        }
    }
    free(text);
    return 0;
}
