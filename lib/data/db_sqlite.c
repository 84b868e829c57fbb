/*
 * db_sqlite - the SQLite driver: the database is a file, and every call
 * into SQLite may wait for the disk, so every call runs on the thread
 * pool (eddy_run_blocking) while the task waits and the loop goes on.
 *
 * The file is in WAL mode: readers see the last committed state and
 * never wait for the writer, and the one writer never waits for them.
 * The pool gives SQLite one writer connection and several readers. A
 * read goes to the thread pool without a reader: the worker that runs it
 * takes one (read_work), so the reads waiting go to the workers in one
 * hand-off and no more readers are opened than threads run at once.
 *
 * synchronous=FULL: a commit returns only after the WAL is on disk. A
 * write the program has acknowledged therefore survives not only the
 * program being killed (kill -9), which NORMAL would also survive, as
 * the WAL's pages are in the kernel's cache by then, but a power cut or
 * a kernel crash as well, which NORMAL may lose the last commits to.
 * The price is one fsync per commit; reads pay nothing.
 *
 * One process alone (sqlite_one_process): in WAL mode every read takes
 * and drops a lock on the WAL index, two fcntl calls, and the index is a
 * shared mapping of the -shm file, all because another process might be
 * reading too. When none will, the connections open the file through
 * SQLite's "unix-excl" VFS: the first read takes one exclusive lock for
 * the whole process, held until the last connection closes, and the WAL
 * index lives in this process's memory. The pool's connections are all
 * in this process and share that index, so a reader still sees the
 * writer's last commit. It is wrong as soon as a second process uses the
 * file (--processes workers, the sqlite3 shell): that one gets "database
 * is locked", which is why it is an option.
 *
 * Each connection also has foreign_keys=ON (SQLite's default is off), a
 * busy timeout for other processes holding the lock (--processes, the
 * sqlite3 shell), and a sleep(seconds) SQL function, the twin of
 * MariaDB's SLEEP(), for showing what a slow query does to a server.
 */
#include "db_internal.h"

#include <eddy/base/log.h>

#include <errno.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* quote:begin run-job */
/* run_job - where a call into SQLite runs: the thread pool, or (the
 * blocking demonstration) right here on the loop thread. A job no pool
 * thread has started within start_ms (< 0: no limit) is not run:
 * ETIMEDOUT. */
static int run_job(eddy_db *db, void (*fn)(void *), void *arg, long start_ms)
{
    if (db_options_of(db)->blocking) {
        fn(arg);
        return 0;
    }
    return eddy_run_blocking_within(fn, arg, start_ms);
}
/* quote:end run-job */

/* sleep_fn - SQL sleep(seconds): holds the connection that long, like
 * MariaDB's SLEEP(); returns 0. */
static void sleep_fn(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    (void)argc;
    double s = sqlite3_value_double(argv[0]);
    if (s > 0) {
        struct timespec ts = {(time_t)s, (long)((s - (double)(time_t)s) * 1e9)};
        while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
            ;
    }
    sqlite3_result_int(ctx, 0);
}

/* ------------------------------------------------------------ connecting */

struct open_job {
    db_conn *c;
    eddy_db_result *res;
    int rc;
    bool shared; /* open with the ordinary locking VFS whatever the options say */
};

static void open_work(void *arg)
{
    struct open_job *j = arg;
    eddy_db *db = j->c->db;
    sqlite3 *h = NULL;
    int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_URI;
    const char *vfs = db_options_of(db)->sqlite_one_process && !j->shared ? "unix-excl" : NULL;
    int rc = sqlite3_open_v2(db_target_of(db)->path, &h, flags, vfs);
    char *err = NULL;
    char pragmas[256];
    snprintf(pragmas, sizeof pragmas,
             "PRAGMA foreign_keys=ON; PRAGMA busy_timeout=%ld; PRAGMA synchronous=FULL;%s",
             db_options_of(db)->busy_timeout_ms,
             j->c->cls == DB_READER ? " PRAGMA query_only=ON;" : " PRAGMA journal_mode=WAL;");
    if (rc == SQLITE_OK)
        rc = sqlite3_exec(h, pragmas, NULL, NULL, &err);
    if (rc == SQLITE_OK)
        rc = sqlite3_create_function(h, "sleep", 1, SQLITE_UTF8, NULL, sleep_fn, NULL, NULL);
    if (rc != SQLITE_OK) {
        j->rc = db_result_error(j->res, ECONNREFUSED, rc, "cannot open %s: %s",
                                db_target_of(db)->path, err ? err : sqlite3_errmsg(h));
        sqlite3_free(err);
        sqlite3_close(h);
        return;
    }
    sqlite3_extended_result_codes(h, 1);
    j->c->handle = h;
}

static int sqlite_connect(db_conn *c, eddy_db_result *res)
{
    struct open_job j = {c, res, 0, false};
    int rc = run_job(c->db, open_work, &j, -1);
    if (rc && c->handle) { /* cancelled, but the work was done: undo it */
        sqlite3_close(c->handle);
        c->handle = NULL;
    }
    return rc ? db_result_error(res, rc, 0, "cancelled") : j.rc;
}

/* sqlite_setup - open the file once as the pool is made, so a path that
 * cannot be opened is an error of eddy_db_open, and WAL mode is set
 * before any reader opens it. This first connection always uses the
 * ordinary VFS: if a process died with the file open, its WAL is still
 * there, and unix-excl would recover it through a shared-memory file and
 * keep locking that file on every read; opened and closed here, the WAL
 * is checkpointed and removed, and the pool's connections start clean. */
static int sqlite_setup(eddy_db *db)
{
    db_conn c = {.db = db, .cls = DB_WRITER};
    eddy_db_result res = {0};
    struct open_job j = {&c, &res, 0, true};
    open_work(&j);
    if (j.rc)
        eddy_error("database %s: %s", eddy_db_url_redacted(db), res.errmsg);
    db_result_release(&res);
    if (c.handle)
        sqlite3_close(c.handle);
    errno = j.rc;
    return j.rc ? -1 : 0;
}

static bool sqlite_alive(db_conn *c)
{
    (void)c;
    return true; /* a file does not go away between two queries */
}

static void sqlite_close(db_conn *c)
{
    sqlite3_close(c->handle);
    c->handle = NULL;
}

/* A cached statement, with which of its columns are declared dates or
 * times: worked out once per preparation, not once per query. */
struct stmt {
    sqlite3_stmt *st;
    int ncols;
    int prepared; /* SQLITE_STMTSTATUS_REPREPARE when time_cols was filled */
    bool *time_cols;
};

static void sqlite_stmt_free(void *p)
{
    struct stmt *s = p;
    sqlite3_finalize(s->st);
    free(s->time_cols);
    free(s);
}

/* ------------------------------------------------------------ running */

struct run_job {
    eddy_db *db;
    db_conn *c;
    const char *sql;
    size_t len;
    const eddy_db_value *params;
    size_t n;
    eddy_db_result *res;
    int rc;
};

static int bind_params(sqlite3_stmt *st, const eddy_db_value *p, size_t n)
{
    char when[32];
    int rc = SQLITE_OK;
    for (size_t i = 0; i < n && rc == SQLITE_OK; i++) {
        int k = (int)i + 1;
        switch (p[i].type) {
        case EDDY_DB_NULL:
            rc = sqlite3_bind_null(st, k);
            break;
        case EDDY_DB_INTEGER:
            rc = sqlite3_bind_int64(st, k, p[i].i);
            break;
        case EDDY_DB_DOUBLE:
            rc = sqlite3_bind_double(st, k, p[i].d);
            break;
        case EDDY_DB_TEXT:
            rc = sqlite3_bind_text64(st, k, p[i].p ? p[i].p : "", p[i].len, SQLITE_STATIC,
                                     SQLITE_UTF8);
            break;
        case EDDY_DB_BLOB:
            rc = sqlite3_bind_blob64(st, k, p[i].p ? p[i].p : "", p[i].len, SQLITE_STATIC);
            break;
        case EDDY_DB_DATETIME: /* text that sorts in time order, as CURRENT_TIMESTAMP writes it */
            eddy_db_format_time(p[i].i, ' ', when);
            rc = sqlite3_bind_text(st, k, when, -1, SQLITE_TRANSIENT);
            break;
        }
    }
    return rc;
}

/* is_time_column - a declared DATETIME, DATE or TIMESTAMP column. */
static bool is_time_column(sqlite3_stmt *st, int col)
{
    const char *decl = sqlite3_column_decltype(st, col);
    return decl && (strcasestr(decl, "DATE") || strcasestr(decl, "TIME"));
}

/* time_columns - which of s's columns are declared dates or times, from
 * s's memo; looked again after SQLite prepared it anew (the schema
 * changed). NULL when out of memory. */
static const bool *time_columns(struct stmt *s, int ncols)
{
    int prepared = sqlite3_stmt_status(s->st, SQLITE_STMTSTATUS_REPREPARE, 0);
    if (s->time_cols && s->ncols == ncols && s->prepared == prepared)
        return s->time_cols;
    bool *cols = realloc(s->time_cols, (size_t)(ncols ? ncols : 1) * sizeof *cols);
    if (!cols)
        return NULL;
    for (int i = 0; i < ncols; i++)
        cols[i] = is_time_column(s->st, i);
    s->time_cols = cols, s->ncols = ncols, s->prepared = prepared;
    return cols;
}

/* read_row - one row into res; time_cols[i] says column i is declared
 * a date or time (looked up once per statement, not per value).
 *
 * Each cell is taken once as a value and read through sqlite3_value_*:
 * the sqlite3_column_* readers enter and leave the connection's mutex
 * and check for a failed malloc on every call, three calls a cell. SQLite
 * calls such a value unprotected and its readers not thread-safe; this
 * thread holds the connection for the whole job, so no other thread can
 * touch it while the row is read. */
static int read_row(sqlite3_stmt *st, eddy_db_result *res, const bool *time_cols)
{
    eddy_db_value *row = db_result_row(res);
    if (!row)
        return ENOMEM;
    for (size_t i = 0; i < res->ncols; i++) {
        sqlite3_value *cell = sqlite3_column_value(st, (int)i);
        eddy_db_value *v = &row[i];
        int type = sqlite3_value_type(cell);
        switch (type) {
        case SQLITE_INTEGER:
            *v = EDDY_DB_INT(sqlite3_value_int64(cell));
            break;
        case SQLITE_FLOAT:
            *v = EDDY_DB_REAL(sqlite3_value_double(cell));
            break;
        case SQLITE_TEXT:
        case SQLITE_BLOB: {
            int blob = type == SQLITE_BLOB;
            const void *p = blob ? sqlite3_value_blob(cell) : sqlite3_value_text(cell);
            size_t len = (size_t)sqlite3_value_bytes(cell);
            int64_t us;
            if (!blob && time_cols[i] && eddy_db_parse_time(p, len, &us) == 0) {
                *v = EDDY_DB_TIME(us);
                break;
            }
            v->type = blob ? EDDY_DB_BLOB : EDDY_DB_TEXT;
            v->p = db_result_bytes(res, p ? p : "", p ? len : 0);
            v->len = p ? len : 0;
            if (!v->p)
                return ENOMEM;
            break;
        }
        default:
            break; /* NULL */
        }
    }
    return 0;
}

static void run_work(void *arg)
{
    struct run_job *j = arg;
    sqlite3 *h = j->c->handle;
    eddy_db_result *res = j->res;
    struct stmt *cached = db_cache_find(j->c, j->sql, j->len);
    int rc;
    if (!cached) {
        sqlite3_stmt *fresh = NULL;
        rc = sqlite3_prepare_v3(h, j->sql, (int)j->len, SQLITE_PREPARE_PERSISTENT, &fresh, NULL);
        if (rc != SQLITE_OK) {
            j->rc = db_result_error(res, EIO, rc, "%s", sqlite3_errmsg(h));
            return;
        }
        if (!fresh) { /* only a comment or white space */
            j->rc = db_result_error(res, EINVAL, 0, "no statement in the SQL");
            return;
        }
        cached = calloc(1, sizeof *cached);
        if (cached)
            cached->st = fresh;
        if (!cached || db_cache_add(j->c, j->sql, j->len, cached) < 0) {
            free(cached);
            sqlite3_finalize(fresh);
            j->rc = db_result_error(res, ENOMEM, 0, "out of memory");
            return;
        }
    }
    sqlite3_stmt *st = cached->st;
    if (j->c->cls == DB_READER && !sqlite3_stmt_readonly(st)) {
        j->rc = EAGAIN; /* the pool hands it to the writer */
        return;
    }
    if ((size_t)sqlite3_bind_parameter_count(st) != j->n) {
        j->rc = db_result_error(res, EINVAL, 0, "the statement has %d parameters, %zu given",
                                sqlite3_bind_parameter_count(st), j->n);
        return;
    }
    rc = bind_params(st, j->params, j->n);
    /* The first step comes before the columns are read: it is where SQLite
     * prepares the statement again when the schema changed since, and the
     * columns (their names, which of them hold dates) are then the new
     * statement's. */
    int step = rc == SQLITE_OK ? sqlite3_step(st) : rc;
    if (step != SQLITE_ROW && step != SQLITE_DONE)
        rc = step;
    int ncols = sqlite3_column_count(st);
    if (rc == SQLITE_OK && db_result_columns(res, (size_t)ncols) != 0)
        rc = SQLITE_NOMEM;
    const bool *time_cols = rc == SQLITE_OK ? time_columns(cached, ncols) : NULL;
    if (rc == SQLITE_OK && !time_cols)
        rc = SQLITE_NOMEM;
    for (int i = 0; rc == SQLITE_OK && i < ncols; i++) {
        const char *name = sqlite3_column_name(st, i);
        if (db_result_column_name(res, (size_t)i, name, name ? strlen(name) : 0) != 0)
            rc = SQLITE_NOMEM;
    }
    if (rc == SQLITE_OK)
        for (rc = step; rc == SQLITE_ROW; rc = sqlite3_step(st))
            if (read_row(st, res, time_cols)) {
                rc = SQLITE_NOMEM;
                break;
            }
    if (rc == SQLITE_DONE) {
        res->affected = sqlite3_changes64(h);
        res->last_id = sqlite3_last_insert_rowid(h);
        j->rc = 0;
    } else {
        j->rc =
            db_result_error(res, rc == SQLITE_NOMEM ? ENOMEM : EIO, rc, "%s", sqlite3_errmsg(h));
    }
    sqlite3_reset(st);
    sqlite3_clear_bindings(st); /* the parameters pointed at the caller's bytes */
}

/* read_work - run_work on a reader this thread takes for the query only. */
static void read_work(void *arg)
{
    struct run_job *j = arg;
    if ((j->rc = db_reader_take(j->db, &j->c, j->res)) != 0)
        return;
    run_work(j);
    db_reader_give(j->c);
}

/* submit - run work on j where SQLite's calls run (run_job) and wait;
 * the job's outcome, or why it could not run. */
static int submit(struct run_job *j, void (*work)(void *), long start_ms)
{
    int rc = run_job(j->db, work, j, start_ms);
    return rc ? db_wait_failed(j->db, DB_READER, rc, j->res) : j->rc; /* only reads time out */
}

static int sqlite_run(db_conn *c, const char *sql, size_t len, const eddy_db_value *params,
                      size_t n, eddy_db_result *res)
{
    return submit(&(struct run_job){c->db, c, sql, len, params, n, res, 0}, run_work, -1);
}

/* sqlite_run_read - a read waits for a pool thread as a task waits for
 * a connection: refused when none has started it within the acquire
 * timeout (a queue of slow reads ahead), rather than run late. */
static int sqlite_run_read(eddy_db *db, const char *sql, size_t len,
                           const eddy_db_value *params, size_t n, eddy_db_result *res)
{
    return submit(&(struct run_job){db, NULL, sql, len, params, n, res, 0}, read_work,
                  db_options_of(db)->acquire_timeout_ms);
}

/* SQLITE_BUSY and SQLITE_LOCKED, with their extended codes (the low byte):
 * another connection or process held the lock past busy_timeout_ms, or a
 * WAL snapshot went stale; the transaction may run again. */
static bool sqlite_conflict(int code)
{
    return (code & 0xff) == SQLITE_BUSY || (code & 0xff) == SQLITE_LOCKED;
}

const db_driver db_sqlite_driver = {
    .name = "sqlite",
    .begin_sql = "BEGIN IMMEDIATE", /* take the write lock now, not halfway through */
    .setup = sqlite_setup,
    .connect = sqlite_connect,
    .run = sqlite_run,
    .run_read = sqlite_run_read,
    .alive = sqlite_alive,
    .close = sqlite_close,
    .stmt_free = sqlite_stmt_free,
    .conflict = sqlite_conflict,
};
