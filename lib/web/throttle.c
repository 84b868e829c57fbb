/*
 * throttle - see throttle.h.
 */
#include <eddy/web/throttle.h>

#include <eddy/base/log.h>
#include <eddy/web/auth.h>
#include <eddy/web/security.h>

#include <stdio.h>
#include <string.h>

int eddy_require_rate(eddy_req *r, eddy_ratelimit *rl, const char *key)
{
    eddy_ratelimit_verdict v;
    int rc = eddy_ratelimit_hit(rl, key, &v);
    if (rc) {
        eddy_warn("rate limit for %s: the store failed (%s); letting the request through", key,
                  strerror(rc));
        return 0;
    }
    char n[24];
    snprintf(n, sizeof n, "%ld", v.limit);
    eddy_response_set_header(r, "X-RateLimit-Limit", n);
    snprintf(n, sizeof n, "%ld", v.remaining);
    eddy_response_set_header(r, "X-RateLimit-Remaining", n);
    if (v.allowed)
        return 0;
    char reason[96];
    snprintf(n, sizeof n, "%ld", v.retry_after_seconds);
    snprintf(reason, sizeof reason, "Too many requests; try again in %ld s",
             v.retry_after_seconds);
    eddy_response_set_header(r, "Retry-After", n);
    eddy_str m = eddy_request_method(r);
    eddy_warn("rate limit: %.*s %s refused for %s (%ld in this window, limit %ld)", (int)m.len,
              m.p, eddy_path(r), key, v.count, v.limit);
    eddy_send_error(r, 429, reason);
    return -1;
}

int eddy_require_rate_by_ip(eddy_req *r, eddy_ratelimit *rl)
{
    const char *ip = eddy_client_ip(r);
    return eddy_require_rate(r, rl, ip ? ip : "unknown");
}

int eddy_require_rate_by_user(eddy_req *r, eddy_ratelimit *rl)
{
    json_t *id = json_object_get(eddy_current_user(r), "id");
    char key[48];
    if (json_is_integer(id))
        snprintf(key, sizeof key, "user:%lld", (long long)json_integer_value(id));
    else if (json_is_string(id))
        snprintf(key, sizeof key, "user:%.40s", json_string_value(id));
    else
        return eddy_require_rate_by_ip(r, rl);
    return eddy_require_rate(r, rl, key);
}
