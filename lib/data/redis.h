/*
 * redis - one asynchronous connection to Redis, on hiredis and the loop.
 *
 * A program opens a connection from a URL and sends commands from its
 * tasks; each command suspends the task until Redis answers, while the
 * loop serves everyone else:
 *
 *     eddy_redis *r = eddy_redis_open("redis://127.0.0.1:6379/0", NULL);
 *     ...
 *     eddy_redis_reply *rep;
 *     int rc = eddy_redis_command(r, &rep, EDDY_REDIS_ARGS(EDDY_REDIS_STR("GET"),
 *                                                          EDDY_REDIS_STR(key)));
 *     if (rc == 0 && rep->type == EDDY_REDIS_STRING) ... rep->str, rep->len ...
 *     eddy_redis_reply_free(rep);
 *
 * URLs: "redis://[:password@]host[:port][/db]" (port 6379 and database 0
 * when left out; "redis://user:password@..." sends AUTH with both). hiredis
 * looks a host name up with a blocking getaddrinfo at each connection:
 * give an IP address, or a name the hosts file answers.
 *
 * Every argument travels as its own length-counted string (hiredis's
 * redisAsyncCommandArgv): a value is never formatted into a command line,
 * so a key or value with spaces, newlines or NUL bytes is one argument,
 * byte for byte.
 *
 * One connection serves many tasks at once: commands are written as they
 * come and Redis answers them in order (pipelining), so a hundred tasks
 * waiting on one connection cost one round trip, not a hundred. hiredis's
 * libevent adapter puts the socket on this thread's loop.
 *
 * When the server goes away (a restart, a network cut) the commands
 * waiting get ECONNREFUSED and the connection is opened again after a
 * pause that doubles from retry_min_ms up to retry_max_ms, for as long as
 * it takes. While an attempt to connect is under way, commands wait for
 * it (within their timeout); in the pause between attempts a command
 * fails at once with ECONNREFUSED rather than queueing up behind an
 * outage. eddy_redis_on_connect tells a user (pub/sub) each time the
 * connection is up again, so it can restore its subscriptions.
 *
 * Errors follow the wait rule (lib/README.md): a command returns 0 or an
 * errno value:
 *   EIO           Redis answered with an error ("-ERR ..."): *out holds it
 *   ECONNREFUSED  Redis cannot be reached, or the connection broke
 *                 before the answer came
 *   ETIMEDOUT     no answer within command_timeout_ms
 *   ECANCELED     the task was cancelled
 *   EINVAL        no arguments
 *   ENOMEM        out of memory
 *   EPERM         called outside a task
 * Call everything from the thread whose loop the connection is on. An
 * open connection keeps eddy_loop_run running (its socket, or the timer
 * of its next attempt): close it for the loop to end.
 */
#ifndef EDDY_REDIS_H
#define EDDY_REDIS_H

#include <stddef.h>
#include <string.h>

typedef struct eddy_redis eddy_redis;

/* ------------------------------------------------------------ replies */

typedef enum eddy_redis_type {
    EDDY_REDIS_NIL,     /* a missing value (GET of an absent key) */
    EDDY_REDIS_STRING,  /* a bulk string: str[0..len), may hold NUL bytes */
    EDDY_REDIS_STATUS,  /* a status line: "OK", "PONG" */
    EDDY_REDIS_INTEGER, /* integer */
    EDDY_REDIS_ARRAY,   /* element[0..elements) */
    EDDY_REDIS_ERROR,   /* an error line: "ERR unknown command ..." */
} eddy_redis_type;

/* eddy_redis_reply - Redis's answer, one block of memory. str is
 * NUL-terminated after its len bytes (for STRING, STATUS and ERROR). */
typedef struct eddy_redis_reply {
    eddy_redis_type type;
    long long integer;
    char *str;
    size_t len;
    struct eddy_redis_reply *element;
    size_t elements;
} eddy_redis_reply;

/* eddy_redis_reply_free - NULL is a no-op. */
void eddy_redis_reply_free(eddy_redis_reply *reply);

/* ------------------------------------------------------------ arguments */

/* eddy_redis_arg - one argument of a command: len bytes at p. */
typedef struct eddy_redis_arg {
    const char *p;
    size_t len;
} eddy_redis_arg;

#define EDDY_REDIS_STR(s)      ((eddy_redis_arg){(s), strlen(s)})
#define EDDY_REDIS_BYTES(b, n) ((eddy_redis_arg){(const char *)(b), (n)})

/* EDDY_REDIS_ARGS(a, ...) - the two arguments (array, count) the command
 * calls take, from a list of eddy_redis_arg. */
#define EDDY_REDIS_ARGS(...)                                                                       \
    (const eddy_redis_arg[]){__VA_ARGS__},                                                         \
        (sizeof((const eddy_redis_arg[]){__VA_ARGS__}) / sizeof(eddy_redis_arg))

/* ------------------------------------------------------------ the connection */

/* eddy_redis_options - a field left 0 takes its default. */
typedef struct eddy_redis_options {
    long connect_timeout_ms; /* opening the connection (default 3000) */
    long command_timeout_ms; /* waiting for an answer (default 5000; < 0: forever) */
    long retry_min_ms;       /* the first pause before reconnecting (default 100) */
    long retry_max_ms;       /* the longest pause (default 5000) */
} eddy_redis_options;

/* eddy_redis_open - a connection to url (options NULL: the defaults),
 * started at once on this thread's loop; commands sent before it is up
 * wait for this first attempt. NULL with errno EINVAL (a URL it cannot read) or ENOMEM,
 * and a logged message. A server that is not there yet is no error: the
 * connection keeps trying. */
eddy_redis *eddy_redis_open(const char *url, const eddy_redis_options *options);

/* eddy_redis_close - close the connection and free r. Commands still
 * waiting get ECONNREFUSED (their tasks run on and must not use r
 * afterwards). NULL is a no-op. Not from inside an eddy_redis callback. */
void eddy_redis_close(eddy_redis *r);

/* eddy_redis_connected - 1 while the connection is up. */
int eddy_redis_connected(const eddy_redis *r);

/* eddy_redis_url_redacted - the URL with the password as "***", for logs. */
const char *eddy_redis_url_redacted(const eddy_redis *r);

/* eddy_redis_on_connect - call fn(arg) from the loop each time the
 * connection is (re)established and ready (after AUTH and SELECT were
 * sent). One per connection; fn NULL removes it. */
void eddy_redis_on_connect(eddy_redis *r, void (*fn)(void *arg), void *arg);

/* ------------------------------------------------------------ commands */

/* eddy_redis_command - send args[0..n) and wait for the answer, which
 * lands in *out (free it with eddy_redis_reply_free); *out is NULL unless
 * 0 or EIO is returned. 0 or an errno value (see the top of this file). */
int eddy_redis_command(eddy_redis *r, eddy_redis_reply **out, const eddy_redis_arg *args, size_t n);

/* eddy_redis_reply_fn - an answer for eddy_redis_send: the reply (only
 * valid during the call), or NULL when the connection broke or closed
 * first. */
typedef void (*eddy_redis_reply_fn)(void *arg, const eddy_redis_reply *reply);

/* eddy_redis_send - send args[0..n) without waiting (callable outside a
 * task, from any loop callback); fn (may be NULL) gets the answer once,
 * later, from the loop. 0, or -1 with errno ECONNREFUSED (the connection
 * is down), EINVAL or ENOMEM; fn is not called then. */
int eddy_redis_send(eddy_redis *r, eddy_redis_reply_fn fn, void *arg, const eddy_redis_arg *args,
                    size_t n);

/* ------------------------------------------------------------ subscribing */

/* A connection that subscribes is given over to it: Redis accepts only
 * (UN)SUBSCRIBE there. Every message and every (un)subscribe confirmation,
 * for every channel, goes to the one handler set here, as the array Redis
 * sends: ["message", channel, payload], ["subscribe", channel, count] or
 * ["unsubscribe", channel, count]. After a reconnect the server knows no
 * subscriptions: eddy_redis_on_connect is where to send them again. */
void eddy_redis_on_message(eddy_redis *r, eddy_redis_reply_fn fn, void *arg);

/* eddy_redis_subscribe / eddy_redis_unsubscribe - SUBSCRIBE or
 * UNSUBSCRIBE one channel (len bytes), without waiting; the confirmation
 * comes to the message handler. 0, or -1 with errno as eddy_redis_send. */
int eddy_redis_subscribe(eddy_redis *r, const char *channel, size_t len);
int eddy_redis_unsubscribe(eddy_redis *r, const char *channel, size_t len);

#endif
