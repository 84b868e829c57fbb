/*
 * Tests for the ground floor's shared helpers that have no suite of their
 * own: URL escaping modes, HTTP dates both ways, byte-span comparisons,
 * compact JSON (byte for byte what Jansson's json_dumps writes), numbers
 * in decimal, objects of each thread's own, the arena's packing and
 * alignment.
 * (HTML escaping is tested at every offset in template_pages.c, Range and
 * If-None-Match through static files in static.c, URL decoding in
 * http_parser.c.)
 */
#include <criterion/criterion.h>
#include <eddy/base/arena.h>
#include <eddy/base/calendar.h>
#include <eddy/base/escape.h>
#include <eddy/base/http_fields.h>
#include <eddy/base/str.h>
#include <eddy/base/thread_slot.h>
#include <eddy/base/url.h>

#include <locale.h>
#include <pthread.h>
#include <stdalign.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *escaped(const char *s, unsigned flags)
{
    static eddy_buf b;
    eddy_buf_free(&b);
    b = (eddy_buf)EDDY_BUF_INIT;
    cr_assert_eq(eddy_url_escape_to(&b, s, strlen(s), flags), 0);
    return b.data ? b.data : "";
}

Test(base, url_escape_keeps_unreserved_and_encodes_the_rest)
{
    cr_assert_str_eq(escaped("", 0), "");
    cr_assert_str_eq(escaped("aZ09-_.~", 0), "aZ09-_.~");
    cr_assert_str_eq(escaped("a b/c?d=e&f", 0), "a%20b%2Fc%3Fd%3De%26f");
    cr_assert_str_eq(escaped("\xe4\xbd\xa0", 0), "%E4%BD%A0");
}

Test(base, url_escape_modes_for_forms_and_paths)
{
    /* Tornado's url_escape(s) and url_escape(s, plus=False). */
    cr_assert_str_eq(escaped("a b/c+d", EDDY_URL_PLUS), "a+b%2Fc%2Bd");
    cr_assert_str_eq(escaped("a b/c+d", EDDY_URL_KEEP_SLASH), "a%20b/c%2Bd");
    cr_assert_str_eq(escaped("css/site main.css", EDDY_URL_KEEP_SLASH), "css/site%20main.css");
}

/* Every byte in every mode against RFC 3986's unreserved set, written
 * out here as the definition says it. */
Test(base, url_escape_of_every_byte_follows_the_rfc)
{
    unsigned modes[] = {0, EDDY_URL_PLUS, EDDY_URL_KEEP_SLASH};
    for (size_t m = 0; m < 3; m++)
        for (int c = 1; c < 256; c++) {
            char in[4] = {'a', (char)c, 'z', '\0'}, want[8];
            bool unreserved = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                              (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' || c == '~';
            if (unreserved || (c == '/' && modes[m] == EDDY_URL_KEEP_SLASH))
                snprintf(want, sizeof want, "a%cz", c);
            else if (c == ' ' && modes[m] == EDDY_URL_PLUS)
                snprintf(want, sizeof want, "a+z");
            else
                snprintf(want, sizeof want, "a%%%02Xz", c);
            cr_assert_str_eq(escaped(in, modes[m]), want, "byte %d, mode %u", c, modes[m]);
        }
}

/* A buffer with a limit takes what fits exactly, though the worst case
 * (every byte as %XX) would not, and refuses what does not, unchanged. */
Test(base, url_escape_under_a_buffer_limit)
{
    eddy_buf b = EDDY_BUF_INIT;
    b.limit = 10;
    cr_assert_eq(eddy_url_escape_to(&b, "abcdefgh", 8, 0), 0);
    cr_assert_str_eq(b.data, "abcdefgh");
    cr_assert_eq(eddy_url_escape_to(&b, "\xc3\xa9", 2, 0), -1, "6 more bytes pass the limit");
    cr_assert_eq(b.len, 8);
    cr_assert_eq(eddy_url_escape_to(&b, " ", 1, EDDY_URL_PLUS), 0);
    cr_assert_str_eq(b.data, "abcdefgh+");
    eddy_buf_free(&b);
}

Test(base, url_escape_then_decode_gives_the_text_back)
{
    const char *s = "x y/z+%&=\xc3\xa9";
    const char *e = escaped(s, EDDY_URL_PLUS);
    char out[64];
    ssize_t n = eddy_url_decode(e, strlen(e), out, 1, 0);
    cr_assert_eq(n, (ssize_t)strlen(s));
    cr_assert_eq(memcmp(out, s, (size_t)n), 0);
}

Test(base, http_dates_are_fixdates_in_english_whatever_the_locale)
{
    char d[EDDY_HTTP_DATE_SIZE];
    eddy_http_date_format(784111777, d);
    cr_assert_str_eq(d, "Sun, 06 Nov 1994 08:49:37 GMT");
    /* A program that sets a locale must not change what goes on the wire. */
    if (setlocale(LC_TIME, "fr_FR.UTF-8") || setlocale(LC_TIME, "C.UTF-8")) {
        eddy_http_date_format(0, d);
        cr_assert_str_eq(d, "Thu, 01 Jan 1970 00:00:00 GMT");
        setlocale(LC_TIME, "C");
    }
    time_t t;
    cr_assert_eq(eddy_parse_http_date(d, &t), 0);
    cr_assert_eq(t, 0);
    cr_assert_eq(eddy_parse_http_date("Sunday, 06-Nov-94 08:49:37 GMT", &t), 0);
    cr_assert_eq(t, 784111777);
    cr_assert_eq(eddy_parse_http_date("Sun Nov  6 08:49:37 1994", &t), 0);
    cr_assert_eq(t, 784111777);
    cr_assert_eq(eddy_parse_http_date("yesterday", &t), -1);
}

Test(base, status_reasons_and_content_types)
{
    cr_assert_str_eq(eddy_status_reason(404), "Not Found");
    cr_assert_str_eq(eddy_status_reason(599), "");
    cr_assert_str_eq(eddy_content_type_for_path("a/b.PNG"), "image/png");
    cr_assert_str_eq(eddy_content_type_for_path("noext"), "application/octet-stream");
}

Test(base, byte_spans_compare_with_and_without_case)
{
    eddy_str s = {"Content-Type: x", 12};
    cr_assert(eddy_str_case_eq(s, "content-type"));
    cr_assert(!eddy_str_eq(s, "content-type"));
    cr_assert(eddy_str_eq(s, "Content-Type"));
    cr_assert(!eddy_str_eq(s, "Content-Typ"));
    cr_assert(eddy_str_eq((eddy_str){NULL, 0}, ""));
    cr_assert_eq(eddy_hex_digit('F'), 15);
    cr_assert_eq(eddy_hex_digit('g'), -1);
}

Test(base, the_calendar_agrees_with_gmtime_and_timegm_across_the_years)
{
    /* From year 1 to 9999, including leap days and the days around them. */
    for (int64_t t = -62135596800; t < 253402300799; t += 86400 * 97 + 3607) {
        time_t tt = (time_t)t;
        struct tm tm;
        cr_assert_not_null(gmtime_r(&tt, &tm));
        eddy_civil c;
        eddy_civil_from_us(t * 1000000 + 250, &c);
        cr_assert(c.year == tm.tm_year + 1900 && c.month == tm.tm_mon + 1 && c.day == tm.tm_mday &&
                      c.hour == tm.tm_hour && c.minute == tm.tm_min && c.second == tm.tm_sec &&
                      c.weekday == tm.tm_wday && c.micro == 250,
                  "t=%lld: %04d-%02d-%02d %02d:%02d:%02d wd %d", (long long)t, c.year, c.month,
                  c.day, c.hour, c.minute, c.second, c.weekday);
        cr_assert_eq(eddy_us_from_civil(&c), t * 1000000 + 250);
        cr_assert_eq((int64_t)timegm(&tm), t);
        /* Another time of the same day: the date comes from the one just
         * worked out, the time of day must still be this one's. */
        int64_t later = t - ((t % 86400) + 86400) % 86400 + 86399;
        time_t lt = (time_t)later;
        cr_assert_not_null(gmtime_r(&lt, &tm));
        eddy_civil_from_us(later * 1000000, &c);
        cr_assert(c.year == tm.tm_year + 1900 && c.month == tm.tm_mon + 1 && c.day == tm.tm_mday &&
                      c.hour == 23 && c.minute == 59 && c.second == 59 && c.weekday == tm.tm_wday,
                  "later=%lld", (long long)later);
        char d[EDDY_HTTP_DATE_SIZE];
        eddy_http_date_format(tt, d);
        time_t back;
        cr_assert_eq(eddy_parse_http_date(d, &back), 0, "%s", d);
        cr_assert_eq((int64_t)back, t, "%s", d);
    }
    /* Each way keeps its last day: a date asked for twice, another time
     * on it, and a day 31 of February (taken as March 3rd, as timegm
     * does) that must not become what March 3rd is written as. */
    eddy_civil feb31 = {.year = 2026, .month = 2, .day = 31, .hour = 12};
    int64_t march3 = eddy_us_from_civil(&(eddy_civil){.year = 2026, .month = 3, .day = 3, .hour = 12});
    cr_assert_eq(eddy_us_from_civil(&feb31), march3);
    cr_assert_eq(eddy_us_from_civil(&feb31), march3);
    feb31.hour = 13;
    cr_assert_eq(eddy_us_from_civil(&feb31), march3 + INT64_C(3600000000));
    eddy_civil c;
    eddy_civil_from_us(march3, &c);
    cr_assert(c.year == 2026 && c.month == 3 && c.day == 3 && c.hour == 12, "%d-%d-%d", c.year,
              c.month, c.day);
    cr_assert_eq(eddy_us_from_civil(&c), march3);
}

/* compact_and_dumps_agree - the compact writer and Jansson's json_dumps
 * (JSON_COMPACT | JSON_ENCODE_ANY) write the same bytes for v. */
static void compact_and_dumps_agree(json_t *v)
{
    char *want = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
    eddy_buf b = EDDY_BUF_INIT;
    cr_assert_eq(eddy_json_compact_to(&b, v), 0);
    cr_assert_str_eq(b.data, want);
    eddy_buf_free(&b);
    free(want);
    json_decref(v);
}

Test(base, compact_json_is_what_jansson_writes)
{
    compact_and_dumps_agree(json_pack("{s:i,s:s,s:b,s:n,s:[f,f,f,I]}", "id", 7, "text",
                                      "a \"q\" \\ </b> \x01\x1f\b\f\n\r\t caf\xc3\xa9 \xe2\x80\xa8 \xf0\x9f\x98\x80",
                                      "on", 1, "none", "reals", 0.1, 2.0, 1e-7, (json_int_t)-9007199254740993LL));
    compact_and_dumps_agree(json_pack("[{},[],{s:{s:[{}]}},s]", "nested", "deeper", ""));
    compact_and_dumps_agree(json_stringn("nul\0inside", 11));
    compact_and_dumps_agree(json_integer(0));
}

/* The writer skips plain text sixteen bytes at a time: each byte that
 * must be escaped or checked, at every offset of texts around the block
 * size, is written as Jansson writes it. */
Test(base, compact_json_strings_agree_at_every_offset)
{
    static const char *const pieces[] = {"\"", "\\", "\x01", "\x1f", "\n", "\x7f", "/",
                                         "\xc3\xa9", "\xe2\x80\xa8", "\xf0\x9f\x98\x80"};
    char text[80];
    for (size_t len = 0; len <= 48; len++)
        for (size_t at = 0; at <= len; at++)
            for (size_t k = 0; k < sizeof pieces / sizeof *pieces; k++) {
                memset(text, 'a', len);
                size_t n = len;
                if (at < len) { /* the piece replaces the byte there */
                    size_t pl = strlen(pieces[k]);
                    memmove(text + at + pl, text + at + 1, len - at - 1);
                    memcpy(text + at, pieces[k], pl);
                    n = len - 1 + pl;
                }
                compact_and_dumps_agree(json_stringn(text, n));
            }
}

Test(base, compact_json_refuses_what_is_not_utf8)
{
    json_t *bad = json_stringn_nocheck("\xff\xfe", 2);
    eddy_buf b = EDDY_BUF_INIT;
    eddy_buf_append_str(&b, "kept");
    cr_assert_eq(eddy_json_compact_to(&b, bad), -1);
    cr_assert_str_eq(b.data, "kept");
    eddy_buf_free(&b);
    json_decref(bad);
}

Test(base, numbers_in_decimal_two_digits_a_step)
{
    const struct {
        uint64_t v;
        const char *text;
    } cases[] = {{0, "0"},           {7, "7"},       {10, "10"},         {99, "99"},
                 {100, "100"},       {101, "101"},   {12345, "12345"},   {1000000, "1000000"},
                 {UINT64_MAX, "18446744073709551615"}};
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char buf[24];
        char *p = eddy_u64_text(buf + sizeof buf - 1, cases[i].v);
        buf[sizeof buf - 1] = '\0';
        cr_expect_str_eq(p, cases[i].text);
    }
}

/* ------------------------------------------------------------ objects of a thread's own */

static _Atomic int freed_sum;

static void count_freed(void *v)
{
    freed_sum += *(int *)v;
    free(v);
}

static eddy_thread_slot counted = EDDY_THREAD_SLOT(count_freed);

static void *keep_one(void *arg)
{
    int *mine = malloc(sizeof *mine);
    cr_assert_not_null(mine);
    *mine = *(int *)arg;
    cr_assert_eq(eddy_thread_slot_keep(&counted, mine), 0);
    return NULL;
}

/* What a thread kept is freed when it ends, each thread's once. */
Test(thread_slot, each_threads_object_is_freed_when_it_ends)
{
    int values[] = {1, 10, 100, 1000};
    pthread_t th[4];
    for (int i = 0; i < 4; i++)
        cr_assert_eq(pthread_create(&th[i], NULL, keep_one, &values[i]), 0);
    for (int i = 0; i < 4; i++)
        pthread_join(th[i], NULL);
    cr_assert_eq(freed_sum, 1111);
}

Test(arena, packs_text_and_aligns_everything_else)
{
    eddy_arena a = EDDY_ARENA_INIT;
    char *first = eddy_arena_strndup(&a, "abc", 3);
    char *next = eddy_arena_strndup(&a, "hello world", 5);
    cr_assert_str_eq(first, "abc");
    cr_assert_str_eq(next, "hello", "n bytes are copied, then a NUL");
    cr_assert_eq(next, first + 4, "text needs no alignment: copies follow each other");
    cr_assert_str_eq(eddy_arena_strndup(&a, NULL, 0), "");
    /* After text of odd lengths, other allocations are aligned for any
     * type, and two of none are still two pointers. */
    double *d = eddy_arena_alloc(&a, 3 * sizeof *d);
    cr_assert_eq((uintptr_t)d % alignof(max_align_t), 0);
    d[0] = d[1] = d[2] = 1.5;
    void *none = eddy_arena_alloc(&a, 0), *none_again = eddy_arena_alloc(&a, 0);
    cr_assert(none && none_again && none != none_again);
    /* More than a chunk holds, as text and not: a new chunk each, and
     * what came before stays as it was. */
    char big[10000];
    memset(big, 'x', sizeof big);
    char *copy = eddy_arena_strndup(&a, big, sizeof big);
    cr_assert(copy && copy[0] == 'x' && copy[sizeof big - 1] == 'x' && copy[sizeof big] == '\0');
    char *block = eddy_arena_alloc(&a, 50000);
    cr_assert_eq((uintptr_t)block % alignof(max_align_t), 0);
    memset(block, 0, 50000);
    cr_assert_str_eq(first, "abc");
    cr_assert_eq(d[2], 1.5);
    /* A reset keeps the first chunk: the next copy lands where the
     * first one did. */
    eddy_arena_reset(&a);
    cr_assert_eq(eddy_arena_strndup(&a, "again", 5), first);
    eddy_arena_free(&a);
}
