/*
 * throttle - rate limits for handlers: data/ratelimit.h's counters,
 * keyed on what a request is (its client's address, its user, or a key
 * the handler picks) and answered the way HTTP says: 429 Too Many
 * Requests with Retry-After.
 *
 *     eddy_ratelimit *logins = eddy_ratelimit_new(kv, "login", 10, 60 * 1000);
 *     ...in POST /login/:
 *     if (eddy_require_rate_by_ip(r, logins) < 0)
 *         return;                              // 429 sent
 *
 * The kv store behind the limit decides its reach: "memory:" counts in
 * this process, a Redis URL counts across every process and machine that
 * shares it. The address is eddy_client_ip (security.h): behind a proxy,
 * only a trusted one may name the client, so a script cannot dodge the
 * limit with a new X-Forwarded-For on every request.
 *
 * When the store cannot be reached the request goes through, with a
 * warning in the log: a limit is a brake, and a Redis restart should not
 * take the site down with it.
 */
#ifndef EDDY_WEB_THROTTLE_H
#define EDDY_WEB_THROTTLE_H

#include <eddy/data/ratelimit.h>
#include <eddy/web/handler.h>

/* eddy_require_rate - count one hit of key against rl: 0 when allowed,
 * or -1 after answering 429 with Retry-After (the app's error page, the
 * reason saying when to come back). Sets X-RateLimit-Limit and
 * X-RateLimit-Remaining either way. */
int eddy_require_rate(eddy_req *r, eddy_ratelimit *rl, const char *key);

/* eddy_require_rate_by_ip - key: the client's address (eddy_client_ip). */
int eddy_require_rate_by_ip(eddy_req *r, eddy_ratelimit *rl);

/* eddy_require_rate_by_user - key: the current user's "id" (auth.h); a
 * request without a user counts against its address instead. */
int eddy_require_rate_by_user(eddy_req *r, eddy_ratelimit *rl);

#endif
