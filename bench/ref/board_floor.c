/* board_floor.c - the floor under bench/16-db.sh: the least work any
 * server has to do on this machine to answer lesson 16's board page from
 * SQLite over keep-alive HTTP/1.1.
 *
 * NOT A SERVER TO USE. It is written for that benchmark only, to measure
 * in the same run what the page costs when nothing but the page is done,
 * so the other servers' figures can be read against it. For each complete
 * request it runs the board's list query (the same SQL text as lesson 16,
 * prepared once, on the same file opened the way lesson 16 opens it as
 * one process: WAL, the unix-excl VFS, no mutex, a busy timeout), inline
 * on the only thread, and writes the page lesson 16 answers byte for
 * byte: the same HTML, the same escaping of & < > " ' (and NUL), the same
 * ISO 8601 dates. Per readable socket it does one recv and one send of
 * every reply that read completed, pipelined requests in order. One
 * process, plain epoll (level-triggered), static buffers, no allocation
 * per request.
 *
 * What it leaves out is what makes a server usable and makes the floor a
 * floor: no request parsing beyond finding the blank line that ends a
 * request's head (any method and path get the page; a body is not read;
 * Connection: close and HTTP/1.0 are not honoured), no thread pool (the
 * query blocks the loop, which no usable server may let it do), no
 * template (the page's fixed text is in the code), no date parsing (the
 * stored text "YYYY-MM-DD HH:MM:SS[.ffffff]", as lesson 16 writes it, is
 * rewritten in place), a minimal response head (Content-Type and
 * Content-Length only: no Date, no Server), no timeouts, no limit on
 * connections, no access log.
 *
 *   board_floor --port 8000 --db /path/board.db
 */
#if defined(__SSE2__)
#include <emmintrin.h>
#endif
#include <sqlite3.h>

#define FLOOR_IN_CAP (1 << 16)
#define FLOOR_OUT_CAP (1 << 21)
#include "floor_loop.h"

enum {
    PAGE_MAX = FLOOR_OUT_CAP / 2,
    MAX_REQUEST = 8192,
    LATEST = 20
};

/* What lesson 16 runs for its page (lessons/16-async-db/messages.c). */
static const char latest_sql[] =
    "SELECT id, name, message, created FROM message ORDER BY id DESC LIMIT ?";

/* The page's fixed text: templates/board.html rendered with an empty form
 * and no errors, before and after the list of messages. */
static const char page_top[] = "<!DOCTYPE html>\n"
                               "<html lang=\"en\">\n"
                               "<head>\n"
                               "<meta charset=\"utf-8\">\n"
                               "<title>Message board</title>\n"
                               "<style>body{font-family:sans-serif;max-width:40em;"
                               "margin:2em auto}.error{color:#b00}li{margin:.8em 0}</style>\n"
                               "</head>\n"
                               "<body>\n"
                               "<h1>Message board</h1>\n"
                               "<form method=\"post\" action=\"/\">\n"
                               "<p><label>Name <input name=\"name\" value=\"\"></label></p>\n"
                               "<p><label>Email <input name=\"email\" value=\"\"></label></p>\n"
                               "<p><label>Message<br><textarea name=\"message\" rows=\"4\" "
                               "cols=\"50\"></textarea></label></p>\n"
                               "<p><button>Post</button></p>\n"
                               "</form>\n"
                               "<ul class=\"messages\">\n";
static const char page_end[] = "</ul>\n</body>\n</html>\n";

static const char head_start[] =
    "HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=UTF-8\r\nContent-Length: ";
enum {
    HEAD_MAX = sizeof head_start - 1 + 20 + 4
}; /* the digits of any length, and the blank line */

static sqlite3 *db;
static sqlite3_stmt *latest;

/* ------------------------------------------------------------ the page */

/* The entities lesson 16's escaping writes (lib/base/escape.c). */
static const char *const entity[256] = {
    ['\0'] = "\xEF\xBF\xBD", ['&'] = "&amp;",  ['<'] = "&lt;",
    ['>'] = "&gt;",          ['"'] = "&quot;", ['\''] = "&#39;",
};
static const unsigned char entity_len[256] = {
    ['\0'] = 3, ['&'] = 5, ['<'] = 4, ['>'] = 4, ['"'] = 6, ['\''] = 5,
};

/* escape - s[0..len) HTML-escaped at w; the end of what it wrote. Sixteen
 * bytes are tested at a time where SSE2 is there (every x86-64), and each
 * run between specials is copied at once, as a careful server would. */
static char *escape(char *w, const unsigned char *s, size_t len)
{
    size_t i = 0, from = 0;
#if defined(__SSE2__)
    for (; i + 16 <= len; i += 16) {
        __m128i v = _mm_loadu_si128((const __m128i *)(const void *)(s + i));
        __m128i hit =
            _mm_or_si128(_mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('&')),
                                                   _mm_cmpeq_epi8(v, _mm_set1_epi8('<'))),
                                      _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('>')),
                                                   _mm_cmpeq_epi8(v, _mm_set1_epi8('"')))),
                         _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('\'')),
                                      _mm_cmpeq_epi8(v, _mm_setzero_si128())));
        for (unsigned mask = (unsigned)_mm_movemask_epi8(hit); mask; mask &= mask - 1) {
            size_t at = i + (size_t)__builtin_ctz(mask);
            memcpy(w, s + from, at - from);
            w += at - from;
            memcpy(w, entity[s[at]], entity_len[s[at]]);
            w += entity_len[s[at]];
            from = at + 1;
        }
    }
#endif
    for (; i < len; i++) {
        if (!entity_len[s[i]])
            continue;
        memcpy(w, s + from, i - from);
        w += i - from;
        memcpy(w, entity[s[i]], entity_len[s[i]]);
        w += entity_len[s[i]];
        from = i + 1;
    }
    memcpy(w, s + from, len - from);
    return w + (len - from);
}

/* put - n bytes of s at w; the end. */
static char *put(char *w, const void *s, size_t n)
{
    memcpy(w, s, n);
    return w + n;
}

/* iso_date - the stored date text as lesson 16 shows it: "T" between
 * date and time, the fraction only when it is not zero, "Z" at the end. */
static char *iso_date(char *w, const unsigned char *s, size_t len)
{
    if (len < 19)
        return escape(w, s, len); /* not a date lesson 16 wrote: shown as it is */
    memcpy(w, s, 19);
    w[10] = 'T';
    w += 19;
    if (len > 19 && memcmp(s + 19, ".000000", len - 19 < 7 ? len - 19 : 7) != 0)
        w = put(w, s + 19, len - 19);
    *w++ = 'Z';
    return w;
}

/* answer - run the query and append one whole response to out; -1 when
 * the page cannot be made (the connection then ends). */
static int answer(void)
{
    char *start = (char *)out + out_len, *body = start + HEAD_MAX, *w = body;
    char *limit = start + PAGE_MAX;
    w = put(w, page_top, sizeof page_top - 1);
    int rc;
    while ((rc = sqlite3_step(latest)) == SQLITE_ROW) {
        const unsigned char *name = sqlite3_column_text(latest, 1);
        size_t name_len = (size_t)sqlite3_column_bytes(latest, 1);
        const unsigned char *message = sqlite3_column_text(latest, 2);
        size_t message_len = (size_t)sqlite3_column_bytes(latest, 2);
        const unsigned char *created = sqlite3_column_text(latest, 3);
        size_t created_len = (size_t)sqlite3_column_bytes(latest, 3);
        /* the worst case: every byte an entity of six */
        if ((size_t)(limit - w) <
            6 * (name_len + message_len + created_len) + 64 + sizeof page_end) {
            fprintf(stderr, "board_floor: a page over %d bytes\n", PAGE_MAX);
            sqlite3_reset(latest);
            return -1;
        }
        w = put(w, "<li><b>", 7);
        w = escape(w, name ? name : (const unsigned char *)"", name_len);
        w = put(w, "</b> <time>", 11);
        w = iso_date(w, created ? created : (const unsigned char *)"", created_len);
        w = put(w, "</time><br>", 11);
        w = escape(w, message ? message : (const unsigned char *)"", message_len);
        w = put(w, "</li>\n", 6);
    }
    sqlite3_reset(latest);
    if (rc != SQLITE_DONE) {
        fprintf(stderr, "board_floor: %s\n", sqlite3_errmsg(db));
        return -1;
    }
    w = put(w, page_end, sizeof page_end - 1);
    size_t body_len = (size_t)(w - body);
    char head[HEAD_MAX + 1];
    int head_len = snprintf(head, sizeof head, "%s%zu\r\n\r\n", head_start, body_len);
    memmove(start + head_len, body, body_len); /* the body follows the head it now knows */
    memcpy(start, head, (size_t)head_len);
    out_len += (size_t)head_len + body_len;
    return 0;
}

/* ------------------------------------------------------------ the connections */

/* readable - one recv, a page for every request it completed, one send;
 * -1 to end the connection. */
static int readable(struct floor_conn *c)
{
    long got = floor_read(c);
    if (got <= 0)
        return (int)got;
    size_t len = (size_t)got, pos = 0;
    const unsigned char *end;
    while ((end = memmem(in + pos, len - pos, "\r\n\r\n", 4)) != NULL) {
        if (out_len > FLOOR_OUT_CAP - PAGE_MAX && flush_out(c) < 0) /* only a deep pipeline fills it */
            return -1;
        if (answer() < 0)
            return -1;
        pos = (size_t)(end - in) + 4;
    }
    if (flush_out(c) < 0)
        return -1;
    if (len - pos > MAX_REQUEST)
        return -1; /* a head this long is not a request to the board */
    return floor_hold(c, in + pos, len - pos);
}

/* ------------------------------------------------------------ the database */

/* open_db - the file as lesson 16 opens it when it runs as one process
 * (lib/data/db_sqlite.c): first with the ordinary VFS, which sets WAL mode
 * and clears a WAL left by a process that died; then the reading
 * connection, through unix-excl (one lock for the process, none per read),
 * with the same pragmas as lesson 16's readers. */
static int open_db(const char *path)
{
    const int flags =
        SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_URI;
    sqlite3 *setup = NULL;
    int rc = sqlite3_open_v2(path, &setup, flags, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_exec(setup, "PRAGMA busy_timeout=5000; PRAGMA journal_mode=WAL;", NULL, NULL,
                          NULL);
    if (rc != SQLITE_OK)
        fprintf(stderr, "board_floor: %s: %s\n", path, sqlite3_errmsg(setup));
    sqlite3_close(setup);
    if (rc != SQLITE_OK)
        return -1;
    rc = sqlite3_open_v2(path, &db, flags, "unix-excl");
    if (rc == SQLITE_OK)
        rc = sqlite3_exec(
            db,
            "PRAGMA foreign_keys=ON; PRAGMA busy_timeout=5000; PRAGMA synchronous=FULL; "
            "PRAGMA query_only=ON;",
            NULL, NULL, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_prepare_v3(db, latest_sql, -1, SQLITE_PREPARE_PERSISTENT, &latest, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_int(latest, 1, LATEST); /* stays bound across resets */
    if (rc != SQLITE_OK) {
        fprintf(stderr, "board_floor: %s: %s\n", path, sqlite3_errmsg(db));
        return -1;
    }
    return 0;
}

static void stop(int sig)
{
    (void)sig;
    floor_stopping = 1;
}

int main(int argc, char **argv)
{
    int port = 0;
    const char *path = NULL;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (strcmp(argv[i], "--port") == 0)
            port = atoi(argv[i + 1]);
        else if (strcmp(argv[i], "--db") == 0)
            path = argv[i + 1];
    }
    if (port <= 0 || port > 65535 || !path || argc != 5) {
        fprintf(stderr, "usage: board_floor --port PORT --db PATH\n");
        return 2;
    }
    if (open_db(path) < 0)
        return 1;
    /* SIGTERM ends the loop, so the database is closed and leaves no WAL
     * behind for the next server to recover. */
    struct sigaction sa = {.sa_handler = stop};
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    static const struct floor_ops ops = {sizeof(struct floor_conn), readable, NULL};
    int rc = floor_serve("board_floor", port, &ops);
    sqlite3_finalize(latest);
    sqlite3_close(db);
    return rc < 0 ? 1 : 0;
}
