/*
 * ratelimit - named limits, "N hits per window per key", on a kv store.
 *
 *     eddy_ratelimit *logins = eddy_ratelimit_new(kv, "login", 5, 60 * 1000);
 *     ...
 *     eddy_ratelimit_verdict v;
 *     if (eddy_ratelimit_hit(logins, client_ip, &v) == 0 && !v.allowed)
 *         ... answer 429 with Retry-After: v.retry_after_seconds ...
 *
 * Which key (the client's address, the user, an API key) and what to
 * answer is the caller's business; this module only counts.
 *
 * A fixed window that opens at a key's first hit: the first hit creates
 * a counter living window_ms (eddy_kv_incr), every hit adds one, and a
 * hit is allowed while the count is at most the limit. When the counter
 * expires the key starts afresh. Why fixed and not sliding: it is one
 * atomic increment per hit on either backend (no read-then-write that two
 * processes could interleave, no list of timestamps per key), the count
 * is exact, and the answer to "when may I try again" is simply the
 * counter's time left. The price is that a client may spend its whole
 * allowance at the end of one window and again at the start of the next:
 * at most 2N hits in a short span, never more than 2N in any window. For
 * login attempts and SMS sends, where N is small and the point is to stop
 * thousands of tries, that is enough.
 *
 * Refused hits count too, so hammering a limit does not get through
 * sooner; they do not extend the window. Counters are kept under
 * "rl:NAME:KEY" in the store, so several limits share one store.
 */
#ifndef EDDY_RATELIMIT_H
#define EDDY_RATELIMIT_H

#include <eddy/data/kv.h>

#include <stdbool.h>

typedef struct eddy_ratelimit eddy_ratelimit;

/* eddy_ratelimit_verdict - what one hit found. */
typedef struct eddy_ratelimit_verdict {
    bool allowed;             /* within the limit */
    long limit;               /* N */
    long count;               /* hits in this window, this one included */
    long remaining;           /* hits still allowed in this window (0 when refused) */
    long reset_ms;            /* until the window ends */
    long retry_after_seconds; /* when refused: whole seconds until a hit is allowed
                                 again (at least 1, for Retry-After); 0 when allowed */
} eddy_ratelimit_verdict;

/* eddy_ratelimit_new - a limit of hits per window_ms on kv, named name
 * (letters, digits, '_', '-', '.'; it is part of every key). kv must
 * outlive it. NULL with errno EINVAL (hits or window_ms < 1, a bad name)
 * or ENOMEM. */
eddy_ratelimit *eddy_ratelimit_new(eddy_kv *kv, const char *name, long hits, long window_ms);

/* eddy_ratelimit_free - NULL is a no-op. */
void eddy_ratelimit_free(eddy_ratelimit *rl);

/* eddy_ratelimit_hit - count one hit for key and say whether it is
 * allowed. A wait: 0 with *out filled, or the store's errno value
 * (kv.h), *out then saying allowed: the caller decides whether an
 * unreachable store means open or closed. */
int eddy_ratelimit_hit(eddy_ratelimit *rl, const char *key, eddy_ratelimit_verdict *out);

/* eddy_ratelimit_reset - forget key's hits (after a successful login,
 * say). A wait: 0 or the store's errno value (ENOENT is 0 here). */
int eddy_ratelimit_reset(eddy_ratelimit *rl, const char *key);

#endif
