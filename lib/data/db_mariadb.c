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
 * others), not stored whole by the connector first.
 *
 * A connection the server closed (it restarted, or killed it) is found
 * before it is used (a peek at its socket) or when a call fails with a
 * client-side error: it is marked broken, the pool drops it, and the next
 * query opens a new one.
 */
#include "db_internal.h"

#include <eddy/base/log.h>

#include <errmsg.h>
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

/* One column's landing place for a row: a number, a time, or text that
 * fits; longer text is fetched again into the result at its full size. */
struct column {
    long long i;
    double d;
    MYSQL_TIME t;
    char small[128];
    unsigned long length;
    my_bool is_null, error;
    eddy_db_type type;
};

/* A cached prepared statement with its result columns bound once. */
struct stmt {
    MYSQL_STMT *st;
    unsigned nparams, ncols;
    char **names;
    MYSQL_BIND *out;
    struct column *cols;
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
    free(s->out);
    free(s->cols);
    free(s);
}

/* bind_columns - decide each result column's type and bind it once. */
static int bind_columns(struct stmt *s)
{
    MYSQL_RES *meta = mysql_stmt_result_metadata(s->st);
    if (!meta)
        return 0; /* no rows: an INSERT, an UPDATE ... */
    s->ncols = mysql_num_fields(meta);
    MYSQL_FIELD *f = mysql_fetch_fields(meta);
    s->names = calloc(s->ncols, sizeof *s->names);
    s->out = calloc(s->ncols, sizeof *s->out);
    s->cols = calloc(s->ncols, sizeof *s->cols);
    int rc = s->names && s->out && s->cols ? 0 : -1;
    for (unsigned i = 0; rc == 0 && i < s->ncols; i++) {
        MYSQL_BIND *b = &s->out[i];
        struct column *col = &s->cols[i];
        if (!(s->names[i] = strdup(f[i].name)))
            rc = -1;
        b->is_null = &col->is_null;
        b->error = &col->error;
        b->length = &col->length;
        switch (f[i].type) {
        case MYSQL_TYPE_TINY:
        case MYSQL_TYPE_SHORT:
        case MYSQL_TYPE_LONG:
        case MYSQL_TYPE_LONGLONG:
        case MYSQL_TYPE_INT24:
        case MYSQL_TYPE_YEAR:
        case MYSQL_TYPE_NULL:
            b->buffer_type = MYSQL_TYPE_LONGLONG, b->buffer = &col->i, col->type = EDDY_DB_INTEGER;
            break;
        case MYSQL_TYPE_FLOAT:
        case MYSQL_TYPE_DOUBLE:
            b->buffer_type = MYSQL_TYPE_DOUBLE, b->buffer = &col->d, col->type = EDDY_DB_DOUBLE;
            break;
        case MYSQL_TYPE_DATETIME:
        case MYSQL_TYPE_TIMESTAMP:
        case MYSQL_TYPE_DATE:
            b->buffer_type = MYSQL_TYPE_DATETIME, b->buffer = &col->t, col->type = EDDY_DB_DATETIME;
            break;
        default: /* strings, blobs, decimals: as bytes (63 is the binary character set) */
            col->type = f[i].charsetnr == 63 ? EDDY_DB_BLOB : EDDY_DB_TEXT;
            b->buffer_type = col->type == EDDY_DB_BLOB ? MYSQL_TYPE_BLOB : MYSQL_TYPE_STRING;
            b->buffer = col->small;
            b->buffer_length = sizeof col->small;
        }
    }
    mysql_free_result(meta);
    if (rc == 0 && mysql_stmt_bind_result(s->st, s->out))
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
    if (bind_columns(s) < 0 || db_cache_add(c, sql, len, s) < 0) {
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

static int64_t from_mysql_time(const MYSQL_TIME *t)
{
    eddy_civil c = {.year = (int)t->year,     .month = (int)t->month,   .day = (int)t->day,
                    .hour = (int)t->hour,     .minute = (int)t->minute, .second = (int)t->second,
                    .micro = (long)t->second_part};
    if (c.month == 0) /* a zero date: 0000-00-00 */
        c.month = c.day = 1;
    return eddy_us_from_civil(&c);
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
    for (;;) {
        int ret = 0, err = 0;
        AWAIT(c, err, mysql_stmt_fetch_start(&ret, s->st),
              mysql_stmt_fetch_cont(&ret, s->st, ready_));
        if (err)
            return db_result_error(res, err, 0, "cancelled");
        if (ret == MYSQL_NO_DATA)
            return 0;
        if (ret != 0 && ret != MYSQL_DATA_TRUNCATED) {
            int rc = fail(c, res, mysql_stmt_errno(s->st), mysql_stmt_error(s->st));
            c->broken = true;
            return rc;
        }
        eddy_db_value *row = db_result_row(res);
        if (!row) {
            c->broken = true;
            return db_result_error(res, ENOMEM, 0, "out of memory");
        }
        for (unsigned i = 0; i < s->ncols; i++) {
            struct column *col = &s->cols[i];
            if (col->is_null)
                continue;
            eddy_db_value *v = &row[i];
            v->type = col->type;
            if (col->type == EDDY_DB_INTEGER) {
                v->i = col->i;
            } else if (col->type == EDDY_DB_DOUBLE) {
                v->d = col->d;
            } else if (col->type == EDDY_DB_DATETIME) {
                v->i = from_mysql_time(&col->t);
            } else if (col->length <= sizeof col->small) {
                v->p = db_result_bytes(res, col->small, col->length);
                v->len = col->length;
            } else { /* longer than the landing place: fetch it again, whole */
                char *big = eddy_arena_alloc(&res->arena, col->length + 1);
                MYSQL_BIND b = {.buffer_type = s->out[i].buffer_type,
                                .buffer = big,
                                .buffer_length = col->length};
                if (!big || mysql_stmt_fetch_column(s->st, &b, i, 0)) {
                    c->broken = true;
                    return big ? fail(c, res, mysql_stmt_errno(s->st), mysql_stmt_error(s->st))
                               : db_result_error(res, ENOMEM, 0, "out of memory");
                }
                big[col->length] = '\0';
                v->p = big, v->len = col->length;
            }
            if ((v->type == EDDY_DB_TEXT || v->type == EDDY_DB_BLOB) && !v->p) {
                c->broken = true;
                return db_result_error(res, ENOMEM, 0, "out of memory");
            }
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
    .has_readers = false, /* the server runs writers side by side */
    .setup = NULL,
    .connect = mdb_connect,
    .run = mdb_run,
    .alive = mdb_alive,
    .close = mdb_close,
    .stmt_free = stmt_free,
    .conflict = mdb_conflict,
};
