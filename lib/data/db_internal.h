/*
 * db_internal - what the pool (db.c) and its drivers (db_sqlite.c,
 * db_mariadb.c) share: the connection, the result's insides, the
 * statement cache and the one table of operations a driver fills in.
 *
 * A driver is four functions and a few constants; `diff db_sqlite.c
 * db_mariadb.c` shows only how each database is spoken to. The pool
 * decides which connection a query runs on, when one is opened or
 * dropped, and who waits; a driver only opens, runs and closes.
 */
#ifndef EDDY_DB_INTERNAL_H
#define EDDY_DB_INTERNAL_H

#include <eddy/async/future.h>
#include <eddy/base/arena.h>
#include <eddy/base/calendar.h>
#include <eddy/base/str.h>
#include <eddy/data/db.h>

struct eddy_db_result {
    size_t nrows, ncols, cap_cells;
    const char **names;   /* in the arena */
    eddy_db_value *cells; /* nrows * ncols, row after row (malloc) */
    int64_t affected, last_id;
    int errcode;
    const char *errmsg; /* in the arena, or a static string */
    eddy_arena arena;   /* column names, text and blobs */
};

/* db_result_release - give back what res holds (its cells and arena, to
 * the spares) and leave it empty; for a result on the stack, which is
 * not eddy_db_result_free'd. */
void db_result_release(eddy_db_result *res);

/* db_result_new - an empty result, NULL when out of memory; it takes
 * its storage when something is first written into it. */
eddy_db_result *db_result_new(void);

/* db_pools_open - count pools opened (+1) and closed (-1): results'
 * storage is kept for reuse while one is open. */
void db_pools_open(int change);

/* db_result_error - record an error on res; returns rc, so a driver
 * writes `return db_result_error(res, EIO, code, "...%s", msg);`. */
int db_result_error(eddy_db_result *res, int rc, int code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* db_result_columns - set the result's columns (names copied); 0 or ENOMEM. */
int db_result_columns(eddy_db_result *res, size_t ncols);
int db_result_column_name(eddy_db_result *res, size_t col, const char *name, size_t len);

/* db_result_row - room for one more row (its ncols values, zeroed: NULL);
 * NULL when out of memory. */
eddy_db_value *db_result_row(eddy_db_result *res);

/* db_result_bytes - a copy of p[0..len) in the result, NUL-terminated. */
const char *db_result_bytes(eddy_db_result *res, const void *p, size_t len);

/* ------------------------------------------------------------ statement cache */

enum { DB_STMT_CACHE = 64 };

/* Prepared statements of one connection, by SQL text; the least recently
 * used goes when the cache is full (the driver's stmt_free closes it).
 * An entry is found by its length, then its bytes: no hash of the text
 * is worked out per query (a byte at a time over SQL hundreds of bytes
 * long), and two texts of the same length seldom share a long prefix. */
/* Why a transaction failed: kept on its connection while it runs, and
 * handed on past the connection's release. */
struct db_tx_failure {
    int rc, code;  /* 0: none failed */
    bool conflict; /* lost to another transaction: run it all again */
    char msg[256];
};

typedef struct db_stmt_cache {
    struct db_cached {
        uint64_t used;
        char *sql; /* malloc'ed copy */
        size_t len;
        void *stmt;
    } e[DB_STMT_CACHE];
    int count;
    uint64_t clock;
} db_stmt_cache;

/* ------------------------------------------------------------ connections */

typedef struct db_conn db_conn;
struct db_conn {
    eddy_db *db;
    void *handle;          /* sqlite3 *, MYSQL * */
    int cls;               /* DB_WRITER or DB_READER: which line it returns to */
    bool broken;           /* dropped instead of reused when released */
    eddy_task *holder;     /* the task whose transaction holds it */
    db_conn *next;         /* the idle list */
    int64_t idle_since_ms; /* when it last went back on the idle list (monotonic) */
    eddy_fd_watch *watch;  /* MariaDB: its socket, kept registered with the loop */
    db_stmt_cache cache;
    /* Inside a transaction: why its last statement that failed did, so the
     * transaction can say so (and tell a lost deadlock from other errors). */
    struct db_tx_failure tx;
};

/* db_monotonic_ms - a coarse monotonic clock (no system call) for how long
 * a connection has been idle. */
int64_t db_monotonic_ms(void);

enum { DB_WRITER, DB_READER, DB_CLASSES };

/* db_cache_find - the statement cached for sql, or NULL. */
void *db_cache_find(db_conn *c, const char *sql, size_t len);

/* db_cache_add - remember stmt for sql (the least used one may be freed
 * to make room). 0, or -1 when out of memory (stmt is then the caller's). */
int db_cache_add(db_conn *c, const char *sql, size_t len, void *stmt);

/* db_cache_drop - forget (and free) the statement cached for sql. */
void db_cache_drop(db_conn *c, const char *sql, size_t len);

/* db_cache_clear - free every cached statement (before closing). */
void db_cache_clear(db_conn *c);

/* db_reader_take - on any thread: an idle reader, a new one opened on
 * this thread, or, when max_connections are open, the first to come back
 * within the acquire timeout; 0 or an errno value with the reason on res. */
int db_reader_take(eddy_db *db, db_conn **out, eddy_db_result *res);

/* db_reader_give - on any thread: the reader is free again (closed if broken). */
void db_reader_give(db_conn *c);

/* db_wait_failed - rc (not 0), with why on res, for a wait for a
 * connection of line cls (or for a thread to run on) that ended without
 * one: ETIMEDOUT is nothing free within the acquire timeout, ECANCELED
 * the task's cancellation. */
int db_wait_failed(eddy_db *db, int cls, int rc, eddy_db_result *res);

/* ------------------------------------------------------------ the pool's settings */

/* What eddy_db_open read from the URL, for the driver's connect. */
typedef struct db_target {
    char *path; /* SQLite: the file, or ":memory:" */
    char *host, *user, *password, *database;
    int port;
} db_target;

const db_target *db_target_of(const eddy_db *db);
const struct db_driver *db_driver_of(const eddy_db *db);
const eddy_db_options *db_options_of(const eddy_db *db);

/* ------------------------------------------------------------ the driver */

/* quote:begin driver */
typedef struct db_driver {
    const char *name;      /* "sqlite", "mysql": eddy_db_dialect */
    const char *begin_sql; /* what starts a transaction */

    /* setup - once, in eddy_db_open (SQLite: create the file, WAL mode); 0 or -1. */
    int (*setup)(eddy_db *db);

    /* connect - open c->handle; a wait: 0, or an errno value with the
     * reason on res. */
    int (*connect)(db_conn *c, eddy_db_result *res);

    /* run - execute sql with params on c and fill res; a wait: 0 or an
     * errno value (EIO refused, ECONNREFUSED broken: then c->broken is
     * set, EAGAIN: a reader was handed a write, run it on the writer). */
    int (*run)(db_conn *c, const char *sql, size_t len, const eddy_db_value *params, size_t n,
               eddy_db_result *res);

    /* run_read - NULL, or reads go to DB_READER connections: run a read
     * on a reader the thread that runs it takes (db_reader_take) and gives
     * back (db_reader_give); what run returns. */
    int (*run_read)(eddy_db *db, const char *sql, size_t len, const eddy_db_value *params,
                    size_t n, eddy_db_result *res);

    /* alive - a cheap check that an idle connection still works. */
    bool (*alive)(db_conn *c);

    /* close - close c->handle (the cache is cleared first); never waits. */
    void (*close)(db_conn *c);

    /* stmt_free - close one cached statement. */
    void (*stmt_free)(void *stmt);

    /* conflict - code (the database's error code) says the transaction lost
     * to another one (a deadlock, a lock it waited for too long): it was
     * undone and may run again from the start. */
    bool (*conflict)(int code);
} db_driver;
/* quote:end driver */

extern const db_driver db_sqlite_driver;
extern const db_driver db_mariadb_driver;

#endif
