/*
 * db_mariadb - the MariaDB (and MySQL) driver, on MariaDB Connector/C's
 * non-blocking API: the C counterpart of aiomysql.
 *
 * Every call that talks to the server comes in two halves, _start and
 * _cont. _start sends what it can and returns a status naming what it
 * waits for (the socket readable or writable, a timeout); the task waits
 * for exactly that on the loop, and then calls _cont, until the status
 * is 0 and the call's result is there. Once connected, the socket stays
 * registered with the loop (an eddy_fd_watch) until the connection
 * closes, so a wait costs no epoll_ctl of its own. The loop serves
 * everyone else in between: a slow query holds one connection, never the
 * process.
 *
 * Statements are server-side prepared statements, cached per connection:
 * a query the program runs again is only executed (values travel apart
 * from the SQL, in the binary protocol, and are never parsed as SQL).
 * Rows are read as they arrive (mysql_stmt_fetch, a wait like the
 * others), not stored whole by the connector first, and each cell is
 * decoded from the protocol's bytes straight into the result (on_cell).
 *
 * A connection the server closed (it restarted, or killed it) is found
 * before it is used (a peek at its socket) or when a call fails with a
 * client-side error: it is marked broken, the pool drops it, and the next
 * query opens a new one.
 */
#include "db_internal.h"

#include <eddy/base/log.h>

#include <errmsg.h>
#include <endian.h>
#include <errno.h>
#include <mysql.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

/* ------------------------------------------------------------ waiting */

/* quote:begin wait */
/* wait_for - wait for what the connector's status asks; the status to
 * continue with, or -errno (ECANCELED: the task was cancelled, and the
 * connection is left mid-call: c is marked broken). */
static int wait_for(db_conn *c, int status)
{
    MYSQL *m = c->handle;
    int fd = (int)mysql_get_socket(m);
    long timeout = (status & MYSQL_WAIT_TIMEOUT) ? (long)mysql_get_timeout_value_ms(m) : -1;
    int events = ((status & (MYSQL_WAIT_READ | MYSQL_WAIT_EXCEPT)) ? EDDY_WAIT_READ : 0) |
                 ((status & MYSQL_WAIT_WRITE) ? EDDY_WAIT_WRITE : 0);
    int rc;
    if (db_options_of(c->db)->blocking) { /* the demonstration: the loop thread waits here */
        struct pollfd p = {fd,
                           (short)(((events & EDDY_WAIT_READ) ? POLLIN : 0) |
                                   ((events & EDDY_WAIT_WRITE) ? POLLOUT : 0)),
                           0};
        int n;
        while ((n = poll(&p, 1, (int)timeout)) < 0 && errno == EINTR)
            ;
        rc = n == 0 ? ETIMEDOUT : 0;
    } else if (c->watch) { /* connected: the socket is registered already */
        rc = events ? eddy_fd_watch_wait(c->watch, events, timeout) : eddy_sleep(timeout);
        if (!events && rc == 0)
            rc = ETIMEDOUT;
    } else { /* connecting: the connector may still swap sockets, so arm once per wait */
        rc = events ? eddy_wait_fd(fd, events, timeout) : eddy_sleep(timeout);
        if (!events && rc == 0)
            rc = ETIMEDOUT;
    }
    if (rc == ETIMEDOUT)
        return MYSQL_WAIT_TIMEOUT;
    if (rc) { /* mid-call and abandoned: nothing more may be said on this connection */
        c->broken = true;
        shutdown(fd, SHUT_RDWR);
        return -rc;
    }
    return status & (MYSQL_WAIT_READ | MYSQL_WAIT_WRITE | MYSQL_WAIT_EXCEPT);
}

/* AWAIT(c, err, start, cont) - run a _start/_cont pair to the end; cont
 * is written with `ready_`, the status the wait ended with. On a failed
 * wait err gets the errno value and the call is abandoned. */
#define AWAIT(c, err, start, cont)                                                                 \
    for (int status_ = (start); status_;) {                                                        \
        int ready_ = wait_for((c), status_);                                                       \
        if (ready_ < 0) {                                                                          \
            (err) = -ready_;                                                                       \
            break;                                                                                 \
        }                                                                                          \
        status_ = (cont);                                                                          \
    }

/* quote:end wait */

/* is_connection_error - an error after which the connection is useless:
 * the client library's own (2000-2999: lost, gone, out of sync) or the
 * server going down or killing the connection. */
static bool is_connection_error(unsigned code)
{
    return (code >= 2000 && code < 3000) || code == 1053 /* shutdown in progress */ ||
           code == 1927 /* connection killed */ || code == 4031 /* idle too long */;
}

/* fail - the error of the last call on m (or on st) into res. */
static int fail(db_conn *c, eddy_db_result *res, unsigned code, const char *msg)
{
    if (is_connection_error(code)) {
        c->broken = true;
        return db_result_error(res, ECONNREFUSED, (int)code, "%s", msg);
    }
    return db_result_error(res, EIO, (int)code, "%s", msg);
}

/* ------------------------------------------------------------ connecting */

/* quote:begin connect */
static int mdb_connect(db_conn *c, eddy_db_result *res)
{
    const db_target *t = db_target_of(c->db);
    MYSQL *m = mysql_init(NULL);
    if (!m)
        return db_result_error(res, ENOMEM, 0, "out of memory");
    c->handle = m;
    unsigned timeout_s = (unsigned)((db_options_of(c->db)->connect_timeout_ms + 999) / 1000);
    my_bool no = 0;
    mysql_options(m, MYSQL_OPT_NONBLOCK, 0);
    mysql_options(m, MYSQL_OPT_CONNECT_TIMEOUT, &timeout_s);
    mysql_options(m, MYSQL_OPT_RECONNECT, &no); /* the pool reconnects, knowing what was lost */
    mysql_options(m, MYSQL_SET_CHARSET_NAME, "utf8mb4"); /* all of Unicode, emoji too */
    MYSQL *ok = NULL;
    int err = 0;
    AWAIT(c, err,
          mysql_real_connect_start(&ok, m, t->host, t->user, t->password, t->database,
                                   (unsigned)t->port, NULL, CLIENT_FOUND_ROWS),
          mysql_real_connect_cont(&ok, m, ready_));
    if (err)
        return db_result_error(res, err, 0, "cancelled while connecting");
    if (!ok)
        return db_result_error(res, ECONNREFUSED, (int)mysql_errno(m), "%s", mysql_error(m));
    if (!db_options_of(c->db)->blocking) /* no watch: every wait arms its own event */
        c->watch = eddy_fd_watch_new((int)mysql_get_socket(m));
    return 0;
}
/* quote:end connect */

/* A connection that answered a query this recently is taken to be alive
 * without asking the kernel: under load every connection is reused within
 * a millisecond or two, and the check would be one more system call per
 * query. What the check is for - a server that closed a connection left
 * idle (wait_timeout, a restart) - takes longer than this to happen; if it
 * does happen in the window, the query fails as one would if the server
 * went away during it (503, and the connection is dropped). */
enum { RECENTLY_USED_MS = 20 };

static bool mdb_alive(db_conn *c)
{
    if (db_monotonic_ms() - c->idle_since_ms < RECENTLY_USED_MS)
        return true;
    char b;
    ssize_t n = recv((int)mysql_get_socket(c->handle), &b, 1, MSG_PEEK | MSG_DONTWAIT);
    return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK); /* nothing to read: still open */
}

static void mdb_close(db_conn *c)
{
    eddy_fd_watch_free(c->watch); /* before the fd goes, or its number would look registered */
    c->watch = NULL;
    if (c->broken) /* the other end is gone or mid-call: say nothing, just close */
        shutdown((int)mysql_get_socket(c->handle), SHUT_RDWR);
    mysql_close(c->handle);
    c->handle = NULL;
}

/* ------------------------------------------------------------ statements */

/* A cached prepared statement and its result columns' names. */
struct stmt {
    MYSQL_STMT *st;
    unsigned nparams, ncols;
    char **names;
};

static void stmt_free(void *p)
{
    struct stmt *s = p;
    if (!s)
        return;
    mysql_stmt_close(s->st); /* frees the client side; the server's goes with the connection */
    for (unsigned i = 0; s->names && i < s->ncols; i++)
        free(s->names[i]);
    free(s->names);
    free(s);
}

static void on_cell(void *data, unsigned int col, unsigned char **at);

/* name_columns - the result columns' names, kept once per statement,
 * and on_cell set to read its rows. */
static int name_columns(struct stmt *s)
{
    MYSQL_RES *meta = mysql_stmt_result_metadata(s->st);
    if (!meta)
        return 0; /* no rows: an INSERT, an UPDATE ... */
    s->ncols = mysql_num_fields(meta);
    MYSQL_FIELD *f = mysql_fetch_fields(meta);
    s->names = calloc(s->ncols, sizeof *s->names);
    int rc = s->names ? 0 : -1;
    for (unsigned i = 0; rc == 0 && i < s->ncols; i++)
        if (!(s->names[i] = strdup(f[i].name)))
            rc = -1;
    mysql_free_result(meta);
    /* The rows are read by on_cell (below), not bound; a function
     * pointer goes where Connector/C takes a const void *. */
    union {
        ps_result_callback fn;
        const void *p;
    } callback = {.fn = on_cell};
    if (rc == 0 && mysql_stmt_attr_set(s->st, STMT_ATTR_CB_RESULT, callback.p))
        rc = -1;
    return rc;
}

/* prepare - the cached statement for sql, or a new one prepared on the
 * server and cached; NULL with the error on res (*rc). */
static struct stmt *prepare(db_conn *c, const char *sql, size_t len, eddy_db_result *res, int *rc)
{
    struct stmt *s = db_cache_find(c, sql, len);
    if (s)
        return s;
    s = calloc(1, sizeof *s);
    if (!s || !(s->st = mysql_stmt_init(c->handle))) {
        free(s);
        *rc = db_result_error(res, ENOMEM, 0, "out of memory");
        return NULL;
    }
    int ret = 0, err = 0;
    AWAIT(c, err, mysql_stmt_prepare_start(&ret, s->st, sql, (unsigned long)len),
          mysql_stmt_prepare_cont(&ret, s->st, ready_));
    if (err || ret) {
        *rc = err ? db_result_error(res, err, 0, "cancelled")
                  : fail(c, res, mysql_stmt_errno(s->st), mysql_stmt_error(s->st));
        stmt_free(s);
        return NULL;
    }
    s->nparams = mysql_stmt_param_count(s->st);
    if (name_columns(s) < 0 || db_cache_add(c, sql, len, s) < 0) {
        stmt_free(s);
        *rc = db_result_error(res, ENOMEM, 0, "out of memory");
        return NULL;
    }
    return s;
}

/* ------------------------------------------------------------ running */

static void to_mysql_time(int64_t us, MYSQL_TIME *t)
{
    eddy_civil c;
    eddy_civil_from_us(us, &c);
    *t = (MYSQL_TIME){.year = (unsigned)c.year,
                      .month = (unsigned)c.month,
                      .day = (unsigned)c.day,
                      .hour = (unsigned)c.hour,
                      .minute = (unsigned)c.minute,
                      .second = (unsigned)c.second,
                      .second_part = (unsigned long)c.micro,
                      .time_type = MYSQL_TIMESTAMP_DATETIME};
}

/* Where one parameter's binding lives until the statement has run:
 * Connector/C copies the MYSQL_BIND, but reads the length and the time
 * it points to when it executes. */
struct param_space {
    MYSQL_BIND b;
    MYSQL_TIME t;
    unsigned long len;
};

/* bind_params - bind the values (their bytes stay the caller's: no copy). */
static int bind_params(struct stmt *s, const eddy_db_value *p, size_t n, struct param_space *ps)
{
    MYSQL_BIND binds[n ? n : 1]; /* copied by mysql_stmt_bind_param; n is small here */
    memset(binds, 0, sizeof binds);
    for (size_t i = 0; i < n; i++) {
        MYSQL_BIND *b = &binds[i];
        switch (p[i].type) {
        case EDDY_DB_NULL:
            b->buffer_type = MYSQL_TYPE_NULL;
            break;
        case EDDY_DB_INTEGER:
            b->buffer_type = MYSQL_TYPE_LONGLONG, b->buffer = (void *)&p[i].i;
            break;
        case EDDY_DB_DOUBLE:
            b->buffer_type = MYSQL_TYPE_DOUBLE, b->buffer = (void *)&p[i].d;
            break;
        case EDDY_DB_TEXT:
        case EDDY_DB_BLOB:
            b->buffer_type = p[i].type == EDDY_DB_TEXT ? MYSQL_TYPE_STRING : MYSQL_TYPE_BLOB;
            b->buffer = (void *)(p[i].p ? p[i].p : "");
            ps[i].len = p[i].p ? (unsigned long)p[i].len : 0;
            b->buffer_length = ps[i].len;
            b->length = &ps[i].len;
            break;
        case EDDY_DB_DATETIME:
            to_mysql_time(p[i].i, &ps[i].t);
            b->buffer_type = MYSQL_TYPE_DATETIME, b->buffer = &ps[i].t;
            break;
        }
    }
    return n && mysql_stmt_bind_param(s->st, binds) ? -1 : 0;
}

/* ------------------------------------------------------------ reading rows */

/* A row is decoded by us, cell by cell, from the binary protocol's bytes
 * in the connection's buffer (Connector/C's result callback), instead of
 * being bound: binding copies each cell into a MYSQL_BIND's buffer
 * through a conversion function and a dozen pointer writes, and text was
 * then copied again into the result; here it is copied once. The
 * encodings are the protocol's ("binary protocol value"): integers of
 * 1, 2, 4 or 8 bytes, little-endian; FLOAT and DOUBLE as IEEE 754; the
 * date types as a length byte and year, month, day, hour, minute,
 * second, microsecond; TIME as a length byte, sign, days and the same;
 * everything else as a length-encoded string. */

struct row_reader {
    eddy_db_result *res;
    MYSQL_STMT *st;
    eddy_db_value *row;
    bool failed; /* out of memory: the rest is read (the connection stays in step), not kept */
};

/* The protocol's little-endian integers of 2, 4 and 8 bytes. */
static inline uint16_t le16(const unsigned char *p)
{
    uint16_t v;
    memcpy(&v, p, sizeof v);
    return le16toh(v);
}

static inline uint32_t le32(const unsigned char *p)
{
    uint32_t v;
    memcpy(&v, p, sizeof v);
    return le32toh(v);
}

static inline uint64_t le64(const unsigned char *p)
{
    uint64_t v;
    memcpy(&v, p, sizeof v);
    return le64toh(v);
}

/* The protocol's IEEE 754 floats of 4 and 8 bytes, little-endian. */
static inline float le_float(const unsigned char *p)
{
    uint32_t bits = le32(p);
    float x;
    memcpy(&x, &bits, sizeof x);
    return x;
}

static inline double le_double(const unsigned char *p)
{
    uint64_t bits = le64(p);
    double x;
    memcpy(&x, &bits, sizeof x);
    return x;
}

/* length_encoded - the protocol's length-encoded integer at *p. */
static inline uint64_t length_encoded(unsigned char **p)
{
    unsigned char *q = *p;
    if (q[0] < 0xFB) {
        *p = q + 1;
        return q[0];
    }
    if (q[0] == 0xFC) {
        *p = q + 3;
        return le16(q + 1);
    }
    if (q[0] == 0xFD) {
        *p = q + 4;
        return le16(q + 1) | (uint32_t)q[3] << 16;
    }
    *p = q + 9;
    return le64(q + 1);
}

/* a_time - a DATE, DATETIME or TIMESTAMP cell of len (0, 4, 7 or 11)
 * bytes at p; the zero date reads as 0000-01-01. */
static int64_t a_time(const unsigned char *p, unsigned len)
{
    eddy_civil c = {.month = 1, .day = 1};
    if (len >= 4 && p[2]) /* a month of 0 is the zero date */
        c.year = le16(p), c.month = p[2], c.day = p[3];
    if (len >= 7)
        c.hour = p[4], c.minute = p[5], c.second = p[6];
    if (len >= 11)
        c.micro = (long)le32(p + 7);
    return eddy_us_from_civil(&c);
}

/* time_text - a TIME cell of len (0, 8 or 12) bytes at p as its text,
 * "-838:59:59" or "12:34:56.000001" (the fraction to the column's
 * decimals), at out (32 bytes); its length. */
static size_t time_text(const unsigned char *p, unsigned len, unsigned decimals, char *out)
{
    unsigned long hours = 0, minute = 0, second = 0, micro = 0;
    bool negative = len >= 8 && p[0];
    if (len >= 8)
        hours = (unsigned long)le32(p + 1) * 24 + p[5], minute = p[6], second = p[7];
    if (len >= 12)
        micro = le32(p + 8);
    int n = snprintf(out, 32, "%s%02lu:%02lu:%02lu", negative ? "-" : "", hours, minute, second);
    if (decimals > 0 && decimals <= 6) {
        unsigned long scale = 1;
        for (unsigned k = decimals; k < 6; k++)
            scale *= 10;
        n += snprintf(out + n, (size_t)(32 - n), ".%0*lu", (int)decimals, micro / scale);
    }
    return (size_t)n;
}

/* keep_bytes - the cell's n bytes at p, copied into the result. */
static void keep_bytes(struct row_reader *r, eddy_db_value *v, const MYSQL_FIELD *f,
                       const void *p, size_t n)
{
    v->type = f->charsetnr == 63 ? EDDY_DB_BLOB : EDDY_DB_TEXT; /* 63: the binary character set */
    v->p = db_result_bytes(r->res, p, n);
    v->len = n;
    if (!v->p)
        r->failed = true;
}

/* on_cell - Connector/C's result callback: column col of the row it is
 * reading, *at its bytes (NULL for a NULL), moved past them. Integers
 * are signed unless the column says UNSIGNED; a BIGINT UNSIGNED past the
 * signed range keeps its bits, as binding it to a signed 64-bit integer
 * did. */
static void on_cell(void *data, unsigned int col, unsigned char **at)
{
    struct row_reader *r = data;
    if (col == 0) {
        r->row = r->failed ? NULL : db_result_row(r->res);
        r->failed = !r->row;
    }
    if (!at)
        return; /* the row starts all NULL */
    eddy_db_value ignored, *v = r->row && col < r->res->ncols ? &r->row[col] : &ignored;
    const MYSQL_FIELD *f = &r->st->fields[col];
    bool is_unsigned = f->flags & UNSIGNED_FLAG;
    unsigned char *p = *at;
    switch (f->type) {
    case MYSQL_TYPE_TINY:
        *v = EDDY_DB_INT(is_unsigned ? (int64_t)p[0] : (int64_t)(int8_t)p[0]);
        p += 1;
        break;
    case MYSQL_TYPE_SHORT:
    case MYSQL_TYPE_YEAR:
        *v = EDDY_DB_INT(is_unsigned ? (int64_t)le16(p) : (int64_t)(int16_t)le16(p));
        p += 2;
        break;
    case MYSQL_TYPE_INT24:
    case MYSQL_TYPE_LONG:
        *v = EDDY_DB_INT(is_unsigned ? (int64_t)le32(p) : (int64_t)(int32_t)le32(p));
        p += 4;
        break;
    case MYSQL_TYPE_LONGLONG:
        *v = EDDY_DB_INT((int64_t)le64(p));
        p += 8;
        break;
    case MYSQL_TYPE_FLOAT:
        *v = EDDY_DB_REAL(le_float(p));
        p += 4;
        break;
    case MYSQL_TYPE_DOUBLE:
        *v = EDDY_DB_REAL(le_double(p));
        p += 8;
        break;
    case MYSQL_TYPE_DATE:
    case MYSQL_TYPE_DATETIME:
    case MYSQL_TYPE_TIMESTAMP: {
        unsigned len = *p++;
        *v = EDDY_DB_TIME(a_time(p, len));
        p += len;
        break;
    }
    case MYSQL_TYPE_TIME: { /* a duration, not a time of day: its text */
        unsigned len = *p++;
        char text[32];
        keep_bytes(r, v, f, text, time_text(p, len, f->decimals, text));
        p += len;
        break;
    }
    default: { /* strings, blobs, decimals, bits, JSON: bytes */
        size_t len = (size_t)length_encoded(&p);
        keep_bytes(r, v, f, p, len);
        p += len;
    }
    }
    *at = p;
}

/* read_rows - the rows into res, straight from the connection's buffer
 * as they arrive: no copy of the whole result in Connector/C first
 * (mysql_stmt_store_result allocated one block of kilobytes per query,
 * which made glibc consolidate its free lists every time). A wait, like
 * every call on the connection; 0 or an errno value with the reason on
 * res. A result left half read would leave the connection out of step
 * with the server: after a failure it is marked broken. */
static int read_rows(db_conn *c, struct stmt *s, eddy_db_result *res)
{
    if (db_result_columns(res, s->ncols))
        return ENOMEM;
    for (unsigned i = 0; i < s->ncols; i++)
        if (db_result_column_name(res, i, s->names[i], strlen(s->names[i])))
            return ENOMEM;
    struct row_reader reader = {.res = res, .st = s->st};
    /* A field set, which cannot fail; on_cell runs only inside the
     * mysql_stmt_fetch calls below, while reader lives. */
    mysql_stmt_attr_set(s->st, STMT_ATTR_CB_USER_DATA, &reader);
    for (;;) {
        int ret = 0, err = 0;
        AWAIT(c, err, mysql_stmt_fetch_start(&ret, s->st),
              mysql_stmt_fetch_cont(&ret, s->st, ready_));
        if (err)
            return db_result_error(res, err, 0, "cancelled");
        if (ret == MYSQL_NO_DATA)
            return reader.failed ? db_result_error(res, ENOMEM, 0, "out of memory") : 0;
        if (ret != 0) {
            int rc = fail(c, res, mysql_stmt_errno(s->st), mysql_stmt_error(s->st));
            c->broken = true;
            return rc;
        }
    }
}

static int mdb_run(db_conn *c, const char *sql, size_t len, const eddy_db_value *params, size_t n,
                   eddy_db_result *res)
{
    int rc = 0, ret = 0, err = 0;
    struct stmt *s = prepare(c, sql, len, res, &rc);
    if (!s)
        return rc;
    if (s->nparams != n)
        return db_result_error(res, EINVAL, 0, "the statement has %u parameters, %zu given",
                               s->nparams, n);
    if (n > 64)
        return db_result_error(res, EINVAL, 0, "at most 64 parameters in one statement");
    struct param_space ps[n ? n : 1];
    if (bind_params(s, params, n, ps) < 0)
        return fail(c, res, mysql_stmt_errno(s->st), mysql_stmt_error(s->st));
    AWAIT(c, err, mysql_stmt_execute_start(&ret, s->st),
          mysql_stmt_execute_cont(&ret, s->st, ready_));
    if (err)
        return db_result_error(res, err, 0, "cancelled");
    if (ret) {
        unsigned code = mysql_stmt_errno(s->st);
        rc = fail(c, res, code, mysql_stmt_error(s->st));
        if (code == 1243 || code == 1615) /* unknown handler, or it needs preparing again */
            db_cache_drop(c, sql, len);
        return rc;
    }
    if (s->ncols == 0) {
        res->affected = (int64_t)mysql_stmt_affected_rows(s->st);
        res->last_id = (int64_t)mysql_stmt_insert_id(s->st);
        return 0;
    }
    rc = read_rows(c, s, res);
    my_bool freed = 0;
    if (!c->broken)
        AWAIT(c, err, mysql_stmt_free_result_start(&freed, s->st),
              mysql_stmt_free_result_cont(&freed, s->st, ready_));
    if (rc)
        return rc;
    return err ? db_result_error(res, err, 0, "cancelled") : 0;
}

/* InnoDB chose this transaction as a deadlock's victim and rolled it back
 * (1213), or a lock it waited for stayed taken past innodb_lock_wait_timeout
 * (1205): either way running the transaction again is the cure. */
static bool mdb_conflict(int code)
{
    return code == 1213 /* ER_LOCK_DEADLOCK */ || code == 1205 /* ER_LOCK_WAIT_TIMEOUT */;
}

const db_driver db_mariadb_driver = {
    .name = "mysql",
    .begin_sql = "START TRANSACTION",
    .setup = NULL,
    .connect = mdb_connect,
    .run = mdb_run,
    .alive = mdb_alive,
    .close = mdb_close,
    .stmt_free = stmt_free,
    .conflict = mdb_conflict,
};
