/*
 * db - the pool: URLs, connections, the line of waiting tasks, queries and
 * transactions; see db.h. The drivers (db_sqlite.c, db_mariadb.c) only
 * open, run and close; everything about *which* connection is here.
 *
 * Connections come in two lines. MariaDB uses one (DB_WRITER): any
 * connection runs anything. SQLite allows one writer at a time per file,
 * so it has one writer connection and max_connections readers: a SELECT
 * goes to a reader, everything else and every transaction to the writer,
 * and in WAL mode the readers never wait for the writer.
 *
 * A task takes a writer on the loop, waiting in line for it. A read is
 * handed to the driver's run_read (SQLite: to the thread pool) with no
 * reader yet: the thread that runs it takes one from the readers' line
 * (db_reader_take, under shelf_lock) and gives it back as soon as the
 * query is done. Were the reader taken on the loop, it would be free
 * again only once its task had come back to the loop, so no more reads
 * than readers could go to the pool at a time: a hundred requests would
 * go in batches of eight, each a wake of a pool thread and a context
 * switch or two. This way every read waiting goes in one batch, and no
 * more readers open than threads run reads at once. The acquire timeout
 * bounds the wait for a thread (the driver's run_read) and then for a
 * reader (db_reader_take).
 *
 * Everything else here runs on the loop thread; the drivers' work may run
 * elsewhere (SQLite on the thread pool), and always while the task that
 * asked for it waits.
 */
#include "db_internal.h"

#include <eddy/base/clock.h>
#include <eddy/base/log.h>
#include <eddy/base/url.h>

#include <ctype.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

/* A task waiting for a connection, on its own stack while it waits. */
struct waiter {
    eddy_future *ready; /* resolved with a connection, or NULL: "open one yourself" */
    struct waiter *next, *prev;
};

/* The readers' line is taken from on any thread, under the pool's
 * shelf_lock, and has no waiters here (they wait on shelf_back). */
struct line {
    db_conn *idle;
    int open, max;
    struct waiter *first, *last;
};

struct eddy_db {
    const db_driver *drv;
    eddy_db_options opt;
    db_target target;
    char *redacted;
    struct line lines[DB_CLASSES];
    db_conn **held; /* connections held by transactions, max_connections + 1 slots */
    int nheld;
    pthread_mutex_t shelf_lock; /* the readers' line, taken from by any thread */
    pthread_cond_t shelf_back;  /* a reader came back, or a slot to open one freed */
};

const db_target *db_target_of(const eddy_db *db)
{
    return &db->target;
}

const eddy_db_options *db_options_of(const eddy_db *db)
{
    return &db->opt;
}

const db_driver *db_driver_of(const eddy_db *db)
{
    return db->drv;
}

const char *eddy_db_dialect(const eddy_db *db)
{
    return db->drv->name;
}

const char *eddy_db_url_redacted(const eddy_db *db)
{
    return db->redacted;
}

/* ------------------------------------------------------------ opening */

/* parse_mysql - "user:password@host:port/database" into t; 0 or -1. */
static int parse_mysql(const char *rest, db_target *t)
{
    const char *at = strrchr(rest, '@'), *slash;
    const char *hostpart = at ? at + 1 : rest;
    if (at) {
        const char *colon = memchr(rest, ':', (size_t)(at - rest));
        size_t ulen = (size_t)((colon ? colon : at) - rest);
        t->user = eddy_url_decode_dup(rest, ulen);
        t->password = colon ? eddy_url_decode_dup(colon + 1, (size_t)(at - colon - 1)) : strdup("");
        if (!t->user || !t->password)
            return -1;
    }
    slash = strchr(hostpart, '/');
    if (!slash || !slash[1])
        return -1; /* a database name is required */
    const char *colon = memchr(hostpart, ':', (size_t)(slash - hostpart));
    size_t hlen = (size_t)((colon ? colon : slash) - hostpart);
    t->host = hlen ? strndup(hostpart, hlen) : strdup("127.0.0.1");
    t->port = 3306;
    if (colon) {
        char *end;
        long port = strtol(colon + 1, &end, 10);
        if (end != slash || port < 1 || port > 65535)
            return -1;
        t->port = (int)port;
    }
    t->database = eddy_url_decode_dup(slash + 1, strlen(slash + 1));
    return t->host && t->database ? 0 : -1;
}

/* redact - the URL with the password replaced by "***". */
static char *redact(const char *url)
{
    const char *scheme = strstr(url, "://"), *at = strrchr(url, '@');
    const char *colon = scheme && at ? memchr(scheme + 3, ':', (size_t)(at - scheme - 3)) : NULL;
    if (!colon)
        return strdup(url);
    size_t n = strlen(url) + 4;
    char *out = malloc(n);
    if (out)
        snprintf(out, n, "%.*s:***%s", (int)(colon - url), url, at);
    return out;
}

static void free_target(db_target *t)
{
    free(t->path);
    free(t->host);
    free(t->user);
    free(t->password);
    free(t->database);
}

eddy_db *eddy_db_open(const char *url, const eddy_db_options *options)
{
    eddy_db *db = calloc(1, sizeof *db);
    if (!db) {
        errno = ENOMEM;
        return NULL;
    }
    db->opt = (eddy_db_options){.max_connections = 8,
                                .acquire_timeout_ms = 5000,
                                .connect_timeout_ms = 3000,
                                .busy_timeout_ms = 5000,
                                .transaction_retries = EDDY_DB_TRANSACTION_RETRIES};
    if (options) { /* 0 means the default */
        db->opt.blocking = options->blocking;
        db->opt.sqlite_one_process = options->sqlite_one_process;
        if (options->max_connections > 0)
            db->opt.max_connections = options->max_connections;
        if (options->acquire_timeout_ms)
            db->opt.acquire_timeout_ms = options->acquire_timeout_ms;
        if (options->connect_timeout_ms > 0)
            db->opt.connect_timeout_ms = options->connect_timeout_ms;
        if (options->busy_timeout_ms > 0)
            db->opt.busy_timeout_ms = options->busy_timeout_ms;
        if (options->transaction_retries)
            db->opt.transaction_retries = options->transaction_retries;
    }
    int err = EINVAL;
    if (strncmp(url, "sqlite:", 7) == 0) {
        db->drv = &db_sqlite_driver;
        const char *p = url + 7;
        if (strncmp(p, "//", 2) == 0)
            p += 2;
        db->target.path = *p ? strdup(p) : NULL;
        if (!db->target.path)
            goto fail;
    } else if (strncmp(url, "mysql://", 8) == 0 || strncmp(url, "mariadb://", 10) == 0) {
        db->drv = &db_mariadb_driver;
        if (parse_mysql(strstr(url, "://") + 3, &db->target) < 0)
            goto fail;
    } else {
        err = EPROTONOSUPPORT;
        goto fail;
    }
    db->redacted = redact(url);
    db->held = calloc((size_t)db->opt.max_connections + 2, sizeof *db->held);
    if (!db->redacted || !db->held) {
        err = ENOMEM;
        goto fail;
    }
    bool memory = db->target.path && strcmp(db->target.path, ":memory:") == 0;
    bool readers = db->drv->run_read != NULL;
    db->lines[DB_WRITER].max = readers ? 1 : db->opt.max_connections;
    db->lines[DB_READER].max = readers && !memory ? db->opt.max_connections : 0;
    if (db->drv->setup && db->drv->setup(db) < 0) {
        err = errno ? errno : EIO;
        goto fail;
    }
    pthread_mutex_init(&db->shelf_lock, NULL); /* made once nothing can fail, as close undoes them */
    pthread_condattr_t monotonic;
    pthread_condattr_init(&monotonic);
    pthread_condattr_setclock(&monotonic, CLOCK_MONOTONIC);
    pthread_cond_init(&db->shelf_back, &monotonic);
    pthread_condattr_destroy(&monotonic);
    db_pools_open(+1);
    return db;
fail:
    if (err == EINVAL)
        eddy_error("database URL not understood: expected sqlite:///path, sqlite::memory: or "
                   "mysql://user:password@host:port/name");
    else if (err == EPROTONOSUPPORT)
        eddy_error("database URL: unknown scheme (sqlite: or mysql:)");
    free_target(&db->target);
    free(db->redacted);
    free(db->held);
    free(db);
    errno = err;
    return NULL;
}

static void conn_close(db_conn *c)
{
    db_cache_clear(c);
    if (c->handle)
        c->db->drv->close(c);
    free(c);
}

void eddy_db_close(eddy_db *db)
{
    if (!db)
        return;
    for (int k = 0; k < DB_CLASSES; k++) {
        while (db->lines[k].idle) {
            db_conn *c = db->lines[k].idle;
            db->lines[k].idle = c->next;
            conn_close(c);
        }
    }
    pthread_mutex_destroy(&db->shelf_lock);
    pthread_cond_destroy(&db->shelf_back);
    free_target(&db->target);
    free(db->redacted);
    free(db->held);
    free(db);
    db_pools_open(-1); /* the last one gives back the results' storage kept for reuse */
}

/* ------------------------------------------------------------ the lines */

/* wake_first - hand c (or, when NULL, the right to open one) to the
 * first waiter; 0 if nobody waits. */
static int wake_first(struct line *l, db_conn *c)
{
    struct waiter *w = l->first;
    if (!w)
        return 0;
    l->first = w->next;
    if (l->first)
        l->first->prev = NULL;
    else
        l->last = NULL;
    w->next = w->prev = NULL;
    eddy_future_resolve(w->ready, 0, c);
    w->ready = NULL; /* resolved: the waiter's own share is all that is left */
    return 1;
}

static void unlink_waiter(struct line *l, struct waiter *w)
{
    if (w->prev)
        w->prev->next = w->next;
    else if (l->first == w)
        l->first = w->next;
    else
        return; /* not in the line */
    if (w->next)
        w->next->prev = w->prev;
    else
        l->last = w->prev;
}

int64_t db_monotonic_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* release - give c back to its line (or to the first waiter). */
static void release(db_conn *c)
{
    struct line *l = &c->db->lines[c->cls];
    if (c->broken) {
        l->open--;
        conn_close(c);
        wake_first(l, NULL);
        return;
    }
    if (wake_first(l, c))
        return;
    c->idle_since_ms = db_monotonic_ms();
    c->next = l->idle;
    l->idle = c;
}

/* ------------------------------------------------------------ readers, on any thread */

/* open_conn - a new connection of line cls (its slot already counted). */
static int open_conn(eddy_db *db, int cls, db_conn **out, eddy_db_result *res)
{
    db_conn *c = calloc(1, sizeof *c);
    if (!c)
        return db_result_error(res, ENOMEM, 0, "out of memory");
    c->db = db;
    c->cls = cls;
    int rc = db->drv->connect(c, res);
    if (rc) {
        conn_close(c);
        return rc;
    }
    *out = c;
    return 0;
}

int db_wait_failed(eddy_db *db, int cls, int rc, eddy_db_result *res)
{
    if (rc == ETIMEDOUT)
        return db_result_error(res, ETIMEDOUT, 0,
                               "no database connection free within %ld ms (pool of %d)",
                               db->opt.acquire_timeout_ms, db->lines[cls].max);
    return db_result_error(res, rc, 0, "%s", rc == ECANCELED ? "cancelled" : strerror(rc));
}

/* db_reader_take - see db_internal.h. No alive check as acquire makes:
 * the drivers with readers (SQLite) read a file, which does not close
 * under them. */
int db_reader_take(eddy_db *db, db_conn **out, eddy_db_result *res)
{
    struct line *l = &db->lines[DB_READER];
    struct timespec deadline;
    bool timed = false;
    int rc = 0;
    pthread_mutex_lock(&db->shelf_lock);
    while (!l->idle && l->open >= l->max) {
        if (db->opt.acquire_timeout_ms < 0) {
            pthread_cond_wait(&db->shelf_back, &db->shelf_lock);
            continue;
        }
        if (!timed) {
            timed = true;
            eddy_deadline_in(&deadline, db->opt.acquire_timeout_ms);
        }
        if (pthread_cond_timedwait(&db->shelf_back, &db->shelf_lock, &deadline) == ETIMEDOUT &&
            !l->idle && l->open >= l->max) {
            rc = ETIMEDOUT;
            break;
        }
    }
    db_conn *c = rc ? NULL : l->idle;
    if (c)
        l->idle = c->next;
    else if (!rc)
        l->open++; /* this thread opens one, outside the lock */
    pthread_mutex_unlock(&db->shelf_lock);
    if (rc)
        return db_wait_failed(db, DB_READER, rc, res);
    if (c) {
        *out = c;
        return 0;
    }
    if ((rc = open_conn(db, DB_READER, out, res)) != 0) {
        pthread_mutex_lock(&db->shelf_lock);
        l->open--;
        pthread_cond_signal(&db->shelf_back); /* the slot is free for whoever waits */
        pthread_mutex_unlock(&db->shelf_lock);
    }
    return rc;
}

void db_reader_give(db_conn *c)
{
    eddy_db *db = c->db;
    struct line *l = &db->lines[DB_READER];
    bool drop = c->broken;
    pthread_mutex_lock(&db->shelf_lock);
    if (drop) {
        l->open--;
    } else {
        c->next = l->idle;
        l->idle = c;
    }
    pthread_cond_signal(&db->shelf_back);
    pthread_mutex_unlock(&db->shelf_lock);
    if (drop)
        conn_close(c);
}

/* quote:begin acquire */
/* acquire - a connection of line cls for this task; a wait (0 or an
 * errno value, the reason on res). */
static int acquire(eddy_db *db, int cls, db_conn **out, eddy_db_result *res)
{
    struct line *l = &db->lines[cls];
    long timeout = db->opt.acquire_timeout_ms;
    for (;;) {
        while (l->idle) {
            db_conn *c = l->idle;
            l->idle = c->next;
            if (db->drv->alive(c)) {
                *out = c;
                return 0;
            }
            eddy_info("database %s: dropping a connection the server closed", db->redacted);
            l->open--;
            conn_close(c);
        }
        if (l->open < l->max) {
            l->open++;
            int rc = open_conn(db, cls, out, res);
            if (rc) {
                l->open--;
                wake_first(l, NULL); /* the slot is free again for whoever waits */
            }
            return rc;
        }
        /* All busy: wait in line. */
        struct waiter w = {.ready = eddy_future_new()};
        if (!w.ready)
            return db_result_error(res, ENOMEM, 0, "out of memory");
        w.prev = l->last;
        if (l->last)
            l->last->next = &w;
        else
            l->first = &w;
        l->last = &w;
        eddy_future *f = w.ready;
        void *got = NULL;
        int rc = eddy_future_await(f, timeout, &got);
        if (w.ready) { /* not handed anything: leave the line, drop the resolver's share */
            unlink_waiter(l, &w);
            eddy_future_resolve(f, ECANCELED, NULL);
        }
        eddy_future_release(f);
        if (rc == 0 && got) {
            *out = got;
            return 0;
        }
        if (rc)
            return db_wait_failed(db, cls, rc, res);
        /* handed a free slot: go round and open a connection */
    }
}
/* quote:end acquire */

/* held_by_task - the connection this task's transaction holds, or NULL. */
static db_conn *held_by_task(eddy_db *db)
{
    if (!db->nheld)
        return NULL;
    eddy_task *t = eddy_task_current();
    for (int i = 0; i < db->nheld; i++)
        if (db->held[i]->holder == t)
            return db->held[i];
    return NULL;
}

/* is_read - SQL that only reads (a reader connection may run it). */
static bool is_read(const char *sql)
{
    while (isspace((unsigned char)*sql))
        sql++;
    return strncasecmp(sql, "SELECT", 6) == 0 || strncasecmp(sql, "WITH", 4) == 0 ||
           strncasecmp(sql, "VALUES", 6) == 0;
}

/* ------------------------------------------------------------ queries */

/* tx_note - remember on c, whose transaction it is, why a statement failed:
 * the transaction hands it on, and a lost deadlock makes it run again. */
static void tx_note(db_conn *c, int rc, const eddy_db_result *res)
{
    c->tx.rc = rc;
    c->tx.code = res->errcode;
    snprintf(c->tx.msg, sizeof c->tx.msg, "%s", res->errmsg ? res->errmsg : "");
    if (c->db->drv->conflict && res->errcode && c->db->drv->conflict(res->errcode))
        c->tx.conflict = true;
}

static int run_on(db_conn *c, const char *sql, const eddy_db_value *params, size_t n,
                  eddy_db_result *res)
{
    return c->db->drv->run(c, sql, strlen(sql), params, n, res);
}

int eddy_db_query(eddy_db *db, eddy_db_result **out, const char *sql, const eddy_db_value *params,
                  size_t n)
{
    eddy_db_result *res = db_result_new();
    *out = res;
    if (!res)
        return ENOMEM;
    db_conn *c = held_by_task(db);
    if (c) { /* inside a transaction: its connection, and no other */
        int rc = run_on(c, sql, params, n, res);
        if (rc)
            tx_note(c, rc, res);
        return rc;
    }
    size_t len = strlen(sql);
    if (db->lines[DB_READER].max > 0 && is_read(sql)) {
        int rc = db->drv->run_read(db, sql, len, params, n, res);
        if (rc != EAGAIN)
            return rc;
        db_result_release(res); /* it looked like a read and was not: the writer's job */
    }
    int rc = acquire(db, DB_WRITER, &c, res);
    if (rc)
        return rc;
    rc = db->drv->run(c, sql, len, params, n, res);
    release(c);
    return rc;
}

int eddy_db_exec(eddy_db *db, const char *sql, const eddy_db_value *params, size_t n,
                 int64_t *affected, int64_t *last_id)
{
    eddy_db_result *res;
    int rc = eddy_db_query(db, &res, sql, params, n);
    if (rc == 0) {
        if (affected)
            *affected = eddy_db_affected(res);
        if (last_id)
            *last_id = eddy_db_last_id(res);
    } else if (rc != ECANCELED) {
        db_conn *c = held_by_task(db);
        /* a transaction that lost a deadlock is run again, and says so itself */
        eddy_log_level level = c && c->tx.conflict ? EDDY_LOG_INFO : EDDY_LOG_ERROR;
        eddy_log_at(level, __FILE__, __LINE__, "database %s: %s (code %d) in: %.80s", db->redacted,
                    eddy_db_errmsg(res), eddy_db_errcode(res), sql);
    }
    eddy_db_result_free(res);
    return rc;
}

/* ------------------------------------------------------------ transactions */

/* tx_statement - BEGIN, COMMIT or ROLLBACK on c; a failure is logged. */
static int tx_statement(db_conn *c, const char *sql)
{
    eddy_db_result res = {0};
    int rc = run_on(c, sql, NULL, 0, &res);
    if (rc)
        tx_note(c, rc, &res);
    if (rc && rc != ECANCELED)
        eddy_error("database %s: %s failed: %s (code %d)", c->db->redacted, sql,
                   eddy_db_errmsg(&res), res.errcode);
    db_result_release(&res);
    return rc;
}

static void failure_from(struct db_tx_failure *f, const db_conn *c)
{
    if (f && c->tx.rc)
        *f = c->tx;
}

/* begin - eddy_db_begin, with why it failed in *f (when not NULL). */
static int begin(eddy_db *db, struct db_tx_failure *f)
{
    if (!eddy_task_current())
        return EPERM;
    if (held_by_task(db))
        return EINVAL; /* transactions do not nest */
    eddy_db_result res = {0};
    db_conn *c;
    int rc = acquire(db, DB_WRITER, &c, &res);
    if (rc) {
        if (rc != ECANCELED)
            eddy_error("database %s: %s", db->redacted, eddy_db_errmsg(&res));
        if (f) {
            *f = (struct db_tx_failure){.rc = rc, .code = res.errcode};
            snprintf(f->msg, sizeof f->msg, "%s", eddy_db_errmsg(&res));
        }
        db_result_release(&res);
        return rc;
    }
    c->tx = (struct db_tx_failure){0};
    if ((rc = tx_statement(c, db->drv->begin_sql)) != 0) {
        failure_from(f, c);
        release(c);
        return rc;
    }
    c->holder = eddy_task_current();
    db->held[db->nheld++] = c;
    return 0;
}

int eddy_db_begin(eddy_db *db)
{
    return begin(db, NULL);
}

/* end_transaction - COMMIT (or ROLLBACK) the task's transaction, roll
 * back a failed commit, and give the connection back. */
static int end_transaction(eddy_db *db, bool commit, struct db_tx_failure *f)
{
    db_conn *c = held_by_task(db);
    if (!c)
        return EINVAL; /* no transaction in this task */
    for (int i = 0; i < db->nheld; i++)
        if (db->held[i] == c) {
            db->held[i] = db->held[--db->nheld];
            break;
        }
    c->holder = NULL;
    int rc = commit ? tx_statement(c, "COMMIT") : ECANCELED;
    failure_from(f, c); /* before the rollback's own outcome, and before c goes back */
    if (rc != 0 && !c->broken && tx_statement(c, "ROLLBACK") != 0)
        c->broken = true; /* a connection stuck in a transaction is no use to anyone */
    release(c);
    return commit ? rc : 0;
}

int eddy_db_commit(eddy_db *db)
{
    return end_transaction(db, true, NULL);
}

int eddy_db_rollback(eddy_db *db)
{
    return end_transaction(db, false, NULL);
}

/* retry_pause_ms - a random pause before attempt (1, 2, ...): 1 to
 * EDDY_DB_RETRY_PAUSE_MS << (attempt - 1) ms, so two transactions that
 * deadlocked start again apart. A small generator of this thread's own is
 * enough: the pauses need spreading, not secrecy. */
static long retry_pause_ms(int attempt)
{
    static _Thread_local uint64_t state;
    if (!state)
        state = (uint64_t)eddy_db_now() ^ (uint64_t)(uintptr_t)&state;
    state ^= state << 13, state ^= state >> 7, state ^= state << 17; /* xorshift64 */
    long span = (long)EDDY_DB_RETRY_PAUSE_MS << (attempt > 8 ? 7 : attempt - 1);
    return 1 + (long)(state % (uint64_t)span);
}

int eddy_db_transaction_result(eddy_db *db, int (*fn)(eddy_db *db, void *arg), void *arg,
                               eddy_db_result **error)
{
    if (error)
        *error = NULL;
    int retries = db->opt.transaction_retries;
    for (int attempt = 1;; attempt++) {
        struct db_tx_failure f = {0};
        int rc = begin(db, &f);
        if (rc == 0) {
            rc = fn(db, arg);
            db_conn *c = held_by_task(db);
            /* a statement that lost a deadlock undid the whole transaction on the
             * server: committing what fn did after it would commit half of it */
            bool lost = c && c->tx.conflict;
            if (c)
                rc = end_transaction(db, rc == 0 && !lost, &f) ? f.rc : rc;
            if (rc == 0 && lost)
                rc = f.rc ? f.rc : EIO;
            if (f.rc == 0 && rc != 0) /* fn's own refusal: no statement failed */
                snprintf(f.msg, sizeof f.msg, "the transaction failed: %s", strerror(rc));
        }
        if (rc == 0)
            return 0;
        if (f.conflict && attempt <= retries && rc != ECANCELED) {
            eddy_info("database %s: %s (code %d): running the transaction again (%d of %d)",
                      db->redacted, f.msg, f.code, attempt, retries);
            if (eddy_sleep(retry_pause_ms(attempt)) == 0)
                continue;
            rc = ECANCELED; /* the task was cancelled while it paused */
        }
        if (error && !(*error = eddy_db_result_new_error(f.code, f.msg)))
            return ENOMEM;
        return rc;
    }
}

int eddy_db_transaction(eddy_db *db, int (*fn)(eddy_db *db, void *arg), void *arg)
{
    return eddy_db_transaction_result(db, fn, arg, NULL);
}
