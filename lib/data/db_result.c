/*
 * db_result - what a query hands back, and the small things both drivers
 * need: values and date-times, the result's rows, the statement cache.
 *
 * A result is one malloc'ed array of values, row after row, plus an
 * arena for column names, text and blobs: freeing it is two frees and
 * the arena's chunks, however many rows it held.
 */
#include "db_internal.h"

#include <endian.h>
#include <errno.h>
#include <jansson.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ------------------------------------------------------------ values and time */

size_t eddy_db_strlen(const char *s)
{
    return s ? strlen(s) : 0;
}

int64_t eddy_db_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* Dates are formatted and parsed for every row a query returns: the
 * calendar is arithmetic (base/calendar), not gmtime_r, timegm or printf,
 * which cost more than the rest of the row together. */

/* The day last formatted on this thread and its "YYYY-MM-DD": a page's
 * times fall on a few days, and the date is half the text. */
static _Thread_local int64_t formatted_day = INT64_MIN;
static _Thread_local char formatted_date[10];

size_t eddy_db_format_time(int64_t us, char sep, char out[32])
{
    int64_t day, rem, micro;
    eddy_us_split(us, &day, &rem, &micro);
    char *p = out;
    if (day != formatted_day) {
        eddy_civil c;
        eddy_civil_from_us(us, &c);
        bool clamped = c.year < 0 || c.year > 9999; /* outside what DATETIME holds */
        if (clamped) {
            c = (eddy_civil){.year = c.year < 0 ? 0 : 9999, .month = 1, .day = 1};
            rem = micro = 0;
        }
        char *d = formatted_date;
        d = eddy_put_digits(d, (uint32_t)c.year, 4), *d++ = '-';
        d = eddy_put_digits(d, (uint32_t)c.month, 2), *d++ = '-';
        eddy_put_digits(d, (uint32_t)c.day, 2);
        formatted_day = clamped ? INT64_MIN : day; /* a clamp is not kept */
    }
    memcpy(p, formatted_date, 10);
    p += 10;
    *p++ = sep;
    uint32_t second = (uint32_t)rem; /* of the day: 0..86399 */
    p = eddy_put_digits(p, second / 3600, 2), *p++ = ':';
    p = eddy_put_digits(p, second / 60 % 60, 2), *p++ = ':';
    p = eddy_put_digits(p, second % 60, 2);
    if (micro)
        *p++ = '.', p = eddy_put_digits(p, (uint32_t)micro, 6);
    if (sep == 'T')
        *p++ = 'Z';
    *p = '\0';
    return (size_t)(p - out);
}

/* digits - n decimal digits at s as a number, or -1. Whether each is a
 * digit is gathered, not branched on: every caller passes a constant n,
 * so each call becomes a few straight-line instructions. */
static inline int digits(const char *s, int n)
{
    unsigned v = 0, bad = 0;
    for (int i = 0; i < n; i++) {
        unsigned d = (unsigned)(unsigned char)s[i] - '0';
        bad |= d > 9;
        v = v * 10 + d;
    }
    return bad ? -1 : (int)v;
}

/* Eight bytes of s as a number whose lowest byte is s[0], on any host. */
static inline uint64_t load8(const char *s)
{
    uint64_t w;
    memcpy(&w, s, 8);
    return le64toh(w);
}

#define EVERY_BYTE(b) (0x0101010101010101ULL * (b))

/* all_digits - whether each byte of w is '0'..'9': its high half is 3
 * both as it is and with 6 added (which takes ':' and up to 0x40). */
static inline bool all_digits(uint64_t w)
{
    return (w & EVERY_BYTE(0xF0)) == EVERY_BYTE(0x30) &&
           ((w + EVERY_BYTE(0x06)) & EVERY_BYTE(0xF0)) == EVERY_BYTE(0x30);
}

/* digit_pairs - eight digits made numbers at once: byte k of the answer
 * is the two-digit number that starts at byte k ("04" gives 4). No byte
 * can carry into the next: each is at most 9 x 10 + 9. */
static inline uint64_t digit_pairs(uint64_t w)
{
    uint64_t d = w - EVERY_BYTE('0');
    return d * 10 + (d >> 8);
}

/* The date last parsed on this thread ("YYYY-MM-DD", empty at first) and
 * its midnight in microseconds: like formatting, parsing meets the same
 * few days over and over. */
static _Thread_local char parsed_day[10];
static _Thread_local int64_t parsed_day_us;

int eddy_db_parse_time(const char *s, size_t len, int64_t *us)
{
    if (len < 10 || s[4] != '-' || s[7] != '-')
        return -1;
    bool known = parsed_day[0] && memcmp(s, parsed_day, sizeof parsed_day) == 0;
    eddy_civil c = {.month = 1, .day = 1};
    if (!known)
        c.year = digits(s, 4), c.month = digits(s + 5, 2), c.day = digits(s + 8, 2);
    size_t i = 10;
    if (len > 10) {
        /* "HH:MM:SS" read as one word, its colons made zeros: every
         * row has a time, so its twelve digits are not taken one by one. */
        const uint64_t colons = 0x0000FF0000FF0000ULL; /* bytes 2 and 5 */
        if (len < 19 || (s[10] != ' ' && s[10] != 'T'))
            return -1;
        uint64_t hms = load8(s + 11);
        if ((hms & colons) != (EVERY_BYTE(':') & colons))
            return -1;
        hms = (hms & ~colons) | (EVERY_BYTE('0') & colons);
        if (!all_digits(hms))
            return -1;
        hms = digit_pairs(hms);
        c.hour = (int)(hms & 0xFF), c.minute = (int)(hms >> 24 & 0xFF),
        c.second = (int)(hms >> 48 & 0xFF);
        i = 19;
        /* "S.ffffff" with its first two bytes made zeros */
        uint64_t frac = i + 7 <= len ? (load8(s + i - 1) & ~0xFFFFULL) | 0x3030 : 0;
        if (frac && s[i] == '.' && all_digits(frac) &&
            (i + 7 == len || s[i + 7] < '0' || s[i + 7] > '9')) {
            frac = digit_pairs(frac); /* "00ffffff" */
            c.micro = (long)((frac >> 16 & 0xFF) * 10000 + (frac >> 32 & 0xFF) * 100 +
                             (frac >> 48 & 0xFF));
            i += 7; /* the usual ".ffffff" */
        } else if (i < len && s[i] == '.') {
            long scale = 100000;
            for (c.micro = 0, i++; i < len && s[i] >= '0' && s[i] <= '9'; i++, scale /= 10)
                c.micro += scale > 0 ? (s[i] - '0') * scale : 0;
        }
        if (i < len && s[i] == 'Z')
            i++;
    }
    if (i != len || c.year < 0 || c.month < 1 || c.month > 12 || c.day < 1 || c.day > 31 ||
        c.hour < 0 || c.hour > 23 || c.minute < 0 || c.minute > 59 || c.second < 0 || c.second > 60)
        return -1;
    if (!known) {
        parsed_day_us =
            eddy_us_from_civil(&(eddy_civil){.year = c.year, .month = c.month, .day = c.day});
        memcpy(parsed_day, s, sizeof parsed_day);
    }
    *us = parsed_day_us + ((int64_t)c.hour * 3600 + c.minute * 60 + c.second) * 1000000 + c.micro;
    return 0;
}

/* ------------------------------------------------------------ spare storage */

/* A result's storage (its array of values and its arena's first chunk,
 * a few kilobytes) is kept when the result is freed, for the next
 * result to take. Allocating blocks that size between the small ones
 * of a request makes malloc consolidate its free lists every time (the
 * board's profile showed it). And a result is taken its storage only
 * when the driver writes the first thing into it: a query's result is
 * made when the query is asked for, but written when it runs (on a pool
 * thread for SQLite) and read when the page is made, with a hundred
 * other requests in flight in between. Storage held from the asking on
 * had been freed a hundred pages earlier and was out of the cache by
 * the time it was written; taken when written, it is what the page
 * just before gave back. The spares are the process's (a SQLite result
 * is written on a pool thread and freed on the loop's), under a lock
 * taken twice a query. Kept only while a pool is open: closing the last
 * one gives them back. */
struct storage {
    eddy_db_value *cells;
    size_t cap_cells;
    eddy_arena arena;
};

enum { SPARE_STORAGE = 64, SPARE_CELLS_MAX = 1024, SPARE_ARENA_MAX = 16 * 1024 };
static pthread_mutex_t spare_lock = PTHREAD_MUTEX_INITIALIZER;
static struct storage spare[SPARE_STORAGE];
static int nspare;
static int open_pools; /* none open: nothing is kept */

/* take_storage - before the first write into res: spare storage, when
 * it has none of its own yet (after a first write it has: the columns'
 * names, a row or an error message went into it). */
static void take_storage(eddy_db_result *res)
{
    if (res->cells || res->arena.chunks)
        return;
    pthread_mutex_lock(&spare_lock);
    if (nspare) {
        struct storage *st = &spare[--nspare];
        res->cells = st->cells;
        res->cap_cells = st->cap_cells;
        res->arena = st->arena;
    }
    pthread_mutex_unlock(&spare_lock);
}

void db_result_release(eddy_db_result *res)
{
    eddy_arena_reset(&res->arena); /* keeps its first chunk */
    bool kept = false;
    if (res->cap_cells <= SPARE_CELLS_MAX &&
        (size_t)(res->arena.end - res->arena.cur) <= SPARE_ARENA_MAX &&
        (res->cells || res->arena.chunks)) {
        pthread_mutex_lock(&spare_lock);
        if (open_pools > 0 && nspare < SPARE_STORAGE) {
            spare[nspare++] = (struct storage){res->cells, res->cap_cells, res->arena};
            kept = true;
        }
        pthread_mutex_unlock(&spare_lock);
    }
    if (!kept) {
        free(res->cells);
        eddy_arena_free(&res->arena);
    }
    memset(res, 0, sizeof *res);
}

void db_pools_open(int change)
{
    pthread_mutex_lock(&spare_lock);
    open_pools += change;
    while (open_pools <= 0 && nspare) {
        struct storage *st = &spare[--nspare];
        free(st->cells);
        eddy_arena_free(&st->arena);
    }
    pthread_mutex_unlock(&spare_lock);
}

eddy_db_result *db_result_new(void)
{
    return calloc(1, sizeof(eddy_db_result));
}

/* ------------------------------------------------------------ building a result */

int db_result_error(eddy_db_result *res, int rc, int code, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    res->errcode = code;
    take_storage(res);
    res->errmsg = eddy_arena_strndup(&res->arena, msg, strlen(msg));
    if (!res->errmsg)
        res->errmsg = "out of memory";
    return rc;
}

int db_result_columns(eddy_db_result *res, size_t ncols)
{
    take_storage(res);
    res->ncols = ncols;
    res->names = ncols ? eddy_arena_alloc(&res->arena, ncols * sizeof *res->names) : NULL;
    return ncols && !res->names ? ENOMEM : 0;
}

int db_result_column_name(eddy_db_result *res, size_t col, const char *name, size_t len)
{
    res->names[col] = eddy_arena_strndup(&res->arena, name ? name : "", name ? len : 0);
    return res->names[col] ? 0 : ENOMEM;
}

eddy_db_value *db_result_row(eddy_db_result *res)
{
    take_storage(res);
    size_t need = (res->nrows + 1) * res->ncols;
    if (need > res->cap_cells) {
        size_t cap = res->cap_cells ? res->cap_cells * 2 : res->ncols * 16;
        while (cap < need)
            cap *= 2;
        eddy_db_value *cells = realloc(res->cells, cap * sizeof *cells);
        if (!cells)
            return NULL;
        res->cells = cells;
        res->cap_cells = cap;
    }
    eddy_db_value *row = res->cells + res->nrows * res->ncols;
    memset(row, 0, res->ncols * sizeof *row); /* EDDY_DB_NULL is 0 */
    res->nrows++;
    return row;
}

const char *db_result_bytes(eddy_db_result *res, const void *p, size_t len)
{
    take_storage(res);
    return eddy_arena_strndup(&res->arena, p, len);
}

eddy_db_result *eddy_db_result_new_error(int code, const char *message)
{
    eddy_db_result *res = db_result_new();
    if (res)
        db_result_error(res, 0, code, "%s", message);
    return res;
}

int eddy_db_result_split(eddy_db_result *res, size_t at, eddy_db_result **tail)
{
    *tail = NULL;
    if (at > res->nrows)
        at = res->nrows;
    eddy_db_result *t = db_result_new();
    if (!t || db_result_columns(t, res->ncols) != 0)
        goto fail;
    for (size_t c = 0; c < res->ncols; c++)
        if (db_result_column_name(t, c, res->names[c], strlen(res->names[c])) != 0)
            goto fail;
    for (size_t r = at; r < res->nrows; r++) {
        const eddy_db_value *from = res->cells + r * res->ncols;
        eddy_db_value *to = db_result_row(t);
        if (!to)
            goto fail;
        memcpy(to, from, res->ncols * sizeof *to);
        for (size_t c = 0; c < res->ncols; c++) /* text and blobs: the tail's own copy */
            if ((to[c].type == EDDY_DB_TEXT || to[c].type == EDDY_DB_BLOB) &&
                !(to[c].p = db_result_bytes(t, from[c].p, from[c].len)))
                goto fail;
    }
    res->nrows = at;
    *tail = t;
    return 0;
fail:
    eddy_db_result_free(t);
    return ENOMEM;
}

/* ------------------------------------------------------------ reading a result */

void eddy_db_result_free(eddy_db_result *res)
{
    if (!res)
        return;
    db_result_release(res);
    free(res);
}

size_t eddy_db_rows(const eddy_db_result *res)
{
    return res ? res->nrows : 0;
}

size_t eddy_db_columns(const eddy_db_result *res)
{
    return res ? res->ncols : 0;
}

const char *eddy_db_column_name(const eddy_db_result *res, size_t col)
{
    return res && col < res->ncols ? res->names[col] : NULL;
}

int eddy_db_column_index(const eddy_db_result *res, const char *name)
{
    for (size_t i = 0; res && i < res->ncols; i++)
        if (strcmp(res->names[i], name) == 0)
            return (int)i;
    return -1;
}

static const eddy_db_value null_value = {.type = EDDY_DB_NULL};

const eddy_db_value *eddy_db_value_at(const eddy_db_result *res, size_t row, size_t col)
{
    if (!res || row >= res->nrows || col >= res->ncols)
        return &null_value;
    return &res->cells[row * res->ncols + col];
}

const eddy_db_value *eddy_db_row_values(const eddy_db_result *res, size_t row)
{
    return res && row < res->nrows && res->ncols ? &res->cells[row * res->ncols] : NULL;
}

const eddy_db_value *eddy_db_value_of(const eddy_db_result *res, size_t row, const char *name)
{
    int col = eddy_db_column_index(res, name);
    return col < 0 ? &null_value : eddy_db_value_at(res, row, (size_t)col);
}

int64_t eddy_db_int(const eddy_db_result *res, size_t row, const char *name)
{
    const eddy_db_value *v = eddy_db_value_of(res, row, name);
    switch (v->type) {
    case EDDY_DB_INTEGER:
    case EDDY_DB_DATETIME:
        return v->i;
    case EDDY_DB_DOUBLE:
        return (int64_t)v->d;
    case EDDY_DB_TEXT:
        return strtoll(v->p, NULL, 10);
    default:
        return 0;
    }
}

double eddy_db_double(const eddy_db_result *res, size_t row, const char *name)
{
    const eddy_db_value *v = eddy_db_value_of(res, row, name);
    switch (v->type) {
    case EDDY_DB_INTEGER:
        return (double)v->i;
    case EDDY_DB_DOUBLE:
        return v->d;
    case EDDY_DB_TEXT:
        return strtod(v->p, NULL);
    default:
        return 0;
    }
}

const char *eddy_db_text(const eddy_db_result *res, size_t row, const char *name)
{
    const eddy_db_value *v = eddy_db_value_of(res, row, name);
    return v->type == EDDY_DB_TEXT || v->type == EDDY_DB_BLOB ? v->p : NULL;
}

bool eddy_db_is_null(const eddy_db_result *res, size_t row, const char *name)
{
    return eddy_db_value_of(res, row, name)->type == EDDY_DB_NULL;
}

int64_t eddy_db_affected(const eddy_db_result *res)
{
    return res ? res->affected : 0;
}

int64_t eddy_db_last_id(const eddy_db_result *res)
{
    return res ? res->last_id : 0;
}

int eddy_db_errcode(const eddy_db_result *res)
{
    return res ? res->errcode : 0;
}

const char *eddy_db_errmsg(const eddy_db_result *res)
{
    if (!res)
        return "out of memory";
    return res->errmsg ? res->errmsg : "";
}

/* ------------------------------------------------------------ as JSON */

/* base64 - blobs in JSON, which has no bytes. */
static json_t *base64(const char *p, size_t len)
{
    static const char abc[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    size_t n = 4 * ((len + 2) / 3);
    char *out = malloc(n + 1);
    if (!out)
        return NULL;
    size_t o = 0;
    for (size_t i = 0; i < len; i += 3) {
        unsigned v = (unsigned char)p[i] << 16;
        if (i + 1 < len)
            v |= (unsigned char)p[i + 1] << 8;
        if (i + 2 < len)
            v |= (unsigned char)p[i + 2];
        out[o++] = abc[v >> 18 & 63];
        out[o++] = abc[v >> 12 & 63];
        out[o++] = i + 1 < len ? abc[v >> 6 & 63] : '=';
        out[o++] = i + 2 < len ? abc[v & 63] : '=';
    }
    json_t *j = json_stringn(out, o);
    free(out);
    return j;
}

/* ascii - p[0..len) holds no byte above 127 (and so is valid UTF-8):
 * most text a page shows, which Jansson then need not validate again. */
static bool ascii(const char *p, size_t len)
{
    unsigned char any = 0;
    for (size_t i = 0; i < len; i++)
        any |= (unsigned char)p[i];
    return any < 0x80;
}

json_t *eddy_db_value_json(const eddy_db_value *v)
{
    char when[32];
    switch (v->type) {
    case EDDY_DB_INTEGER:
        return json_integer(v->i);
    case EDDY_DB_DOUBLE:
        return json_real(v->d);
    case EDDY_DB_TEXT: {
        if (ascii(v->p, v->len))
            return json_stringn_nocheck(v->p, v->len);
        json_t *s = json_stringn(v->p, v->len);
        return s ? s : base64(v->p, v->len); /* not UTF-8: keep the bytes */
    }
    case EDDY_DB_BLOB:
        return base64(v->p, v->len);
    case EDDY_DB_DATETIME:
        return json_stringn_nocheck(when, eddy_db_format_time(v->i, 'T', when));
    default:
        return json_null();
    }
}

/* row_object - row as an object whose keys (the column names, checked
 * once per result) are set without Jansson checking them again. */
static json_t *row_object(const eddy_db_result *res, size_t row, const size_t *keylen,
                          const bool *key_ok)
{
    json_t *o = json_object();
    for (size_t c = 0; o && c < res->ncols; c++) {
        json_t *v = eddy_db_value_json(eddy_db_value_at(res, row, c)); /* NULL past the end */
        /* A value JSON cannot hold (an infinite double) leaves its key out. */
        if (key_ok[c])
            json_object_setn_new_nocheck(o, res->names[c], keylen[c], v);
        else
            json_object_set_new(o, res->names[c], v);
    }
    return o;
}

/* key_facts - each column name's length and whether it is plain ASCII. */
static int key_facts(const eddy_db_result *res, size_t **keylen, bool **key_ok)
{
    size_t n = res->ncols ? res->ncols : 1;
    *keylen = malloc(n * sizeof **keylen);
    *key_ok = malloc(n * sizeof **key_ok);
    if (!*keylen || !*key_ok) {
        free(*keylen);
        free(*key_ok);
        return -1;
    }
    for (size_t c = 0; c < res->ncols; c++) {
        (*keylen)[c] = strlen(res->names[c]);
        (*key_ok)[c] = ascii(res->names[c], (*keylen)[c]);
    }
    return 0;
}

json_t *eddy_db_row_json(const eddy_db_result *res, size_t row)
{
    if (!res)
        return json_object();
    size_t *keylen;
    bool *key_ok;
    if (key_facts(res, &keylen, &key_ok) < 0)
        return NULL;
    json_t *o = row_object(res, row, keylen, key_ok);
    free(keylen);
    free(key_ok);
    return o;
}

json_t *eddy_db_rows_json(const eddy_db_result *res)
{
    json_t *a = json_array();
    if (!a || !res || !res->nrows)
        return a;
    size_t *keylen;
    bool *key_ok;
    if (key_facts(res, &keylen, &key_ok) < 0) {
        json_decref(a);
        return NULL;
    }
    for (size_t r = 0; a && r < res->nrows; r++) {
        json_t *o = row_object(res, r, keylen, key_ok);
        if (!o || json_array_append_new(a, o) < 0) {
            json_decref(a);
            a = NULL;
        }
    }
    free(keylen);
    free(key_ok);
    return a;
}

/* ------------------------------------------------------------ statement cache */

/* cache_lookup - the entry holding sql, or NULL: the lengths first, then
 * the bytes of an entry as long (memcmp reads them many at a time; a hit
 * costs one pass over the text, as hashing it did, only faster). */
static struct db_cached *cache_lookup(db_conn *c, const char *sql, size_t len)
{
    for (int i = 0; i < c->cache.count; i++) {
        struct db_cached *e = &c->cache.e[i];
        if (e->len == len && memcmp(e->sql, sql, len) == 0)
            return e;
    }
    return NULL;
}

void *db_cache_find(db_conn *c, const char *sql, size_t len)
{
    struct db_cached *e = cache_lookup(c, sql, len);
    if (!e)
        return NULL;
    e->used = ++c->cache.clock;
    return e->stmt;
}

int db_cache_add(db_conn *c, const char *sql, size_t len, void *stmt)
{
    char *copy = malloc(len + 1);
    if (!copy)
        return -1;
    memcpy(copy, sql, len);
    copy[len] = '\0';
    struct db_cached *e;
    if (c->cache.count < DB_STMT_CACHE) {
        e = &c->cache.e[c->cache.count++];
    } else { /* full: the least recently used goes */
        e = &c->cache.e[0];
        for (int i = 1; i < DB_STMT_CACHE; i++)
            if (c->cache.e[i].used < e->used)
                e = &c->cache.e[i];
        db_driver_of(c->db)->stmt_free(e->stmt);
        free(e->sql);
    }
    *e = (struct db_cached){++c->cache.clock, copy, len, stmt};
    return 0;
}

void db_cache_drop(db_conn *c, const char *sql, size_t len)
{
    struct db_cached *e = cache_lookup(c, sql, len);
    if (!e)
        return;
    db_driver_of(c->db)->stmt_free(e->stmt);
    free(e->sql);
    *e = c->cache.e[--c->cache.count];
}

void db_cache_clear(db_conn *c)
{
    for (int i = 0; i < c->cache.count; i++) {
        db_driver_of(c->db)->stmt_free(c->cache.e[i].stmt);
        free(c->cache.e[i].sql);
    }
    c->cache.count = 0;
}
