/*
 * security - see security.h.
 *
 * The configuration lives in the app slot "eddy.security". The headers
 * are added by an app-wide check (eddy_app_add_check), so they are on
 * every routed response, error pages included (eddy_send_error keeps the
 * headers it does not describe the body with).
 */
#include <eddy/web/security.h>

#include <eddy/base/str.h>

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

struct security {
    eddy_security_config cfg;
    char **proxies; /* the trusted addresses, each normalised by inet_pton/ntop */
    size_t proxy_count;
    char *referrer_policy, *frame_options, *csp;
};

static const char security_slot[] = "eddy.security";

static void security_free(void *p)
{
    struct security *s = p;
    for (size_t i = 0; i < s->proxy_count; i++)
        free(s->proxies[i]);
    free(s->proxies);
    free(s->referrer_policy);
    free(s->frame_options);
    free(s->csp);
    free(s);
}

/* normalise_ip - text as the canonical spelling of an IPv4 or IPv6
 * address into out (INET6_ADDRSTRLEN); false if it is not one. */
static bool normalise_ip(const char *text, size_t len, char out[INET6_ADDRSTRLEN])
{
    char tmp[INET6_ADDRSTRLEN];
    unsigned char bin[sizeof(struct in6_addr)];
    while (len && (*text == ' ' || *text == '\t'))
        text++, len--;
    while (len && (text[len - 1] == ' ' || text[len - 1] == '\t'))
        len--;
    if (len == 0 || len >= sizeof tmp)
        return false;
    memcpy(tmp, text, len);
    tmp[len] = '\0';
    if (inet_pton(AF_INET, tmp, bin) == 1)
        return inet_ntop(AF_INET, bin, out, INET6_ADDRSTRLEN) != NULL;
    if (inet_pton(AF_INET6, tmp, bin) == 1)
        return inet_ntop(AF_INET6, bin, out, INET6_ADDRSTRLEN) != NULL;
    return false;
}

static char *dup_or_null(const char *s) { return s ? strdup(s) : NULL; }

static void security_headers(eddy_req *r);

int eddy_app_set_security(eddy_app *app, const eddy_security_config *cfg)
{
    struct security *s = calloc(1, sizeof *s);
    if (!s)
        return -1;
    s->cfg = *cfg;
    const char *p = cfg->trusted_proxies ? cfg->trusted_proxies : "";
    while (*p) {
        size_t n = strcspn(p, ",");
        char ip[INET6_ADDRSTRLEN];
        bool blank = strspn(p, " \t") >= n;
        if (!blank && !normalise_ip(p, n, ip)) {
            security_free(s);
            return -1; /* a typo here would silently trust nobody */
        }
        if (!blank) {
            char **grown = realloc(s->proxies, (s->proxy_count + 1) * sizeof *grown);
            if (!grown || !(grown[s->proxy_count] = strdup(ip))) {
                s->proxies = grown ? grown : s->proxies;
                security_free(s);
                return -1;
            }
            s->proxies = grown;
            s->proxy_count++;
        }
        p += n + (p[n] == ',');
    }
    s->referrer_policy = strdup(cfg->referrer_policy ? cfg->referrer_policy
                                                      : "strict-origin-when-cross-origin");
    s->frame_options = strdup(cfg->frame_options ? cfg->frame_options : "DENY");
    s->csp = dup_or_null(cfg->csp);
    if (!s->referrer_policy || !s->frame_options || (cfg->csp && !s->csp)) {
        security_free(s);
        return -1;
    }
    s->cfg.trusted_proxies = s->cfg.referrer_policy = s->cfg.frame_options = s->cfg.csp = NULL;
    if (eddy_app_set_slot(app, security_slot, s, security_free) < 0) {
        security_free(s);
        return -1;
    }
    return eddy_app_add_check(app, security_headers);
}

static const struct security *security_of(const eddy_req *r)
{
    return eddy_req_app_slot(r, security_slot);
}

static bool is_trusted(const struct security *s, const char *ip)
{
    char norm[INET6_ADDRSTRLEN];
    if (!s || !ip || !normalise_ip(ip, strlen(ip), norm))
        return false;
    for (size_t i = 0; i < s->proxy_count; i++)
        if (strcmp(s->proxies[i], norm) == 0)
            return true;
    return false;
}

const char *eddy_client_ip(eddy_req *r)
{
    const struct security *s = security_of(r);
    const char *peer = eddy_request_remote_ip(r);
    if (!is_trusted(s, peer))
        return peer;
    char ip[INET6_ADDRSTRLEN];
    const char *real = eddy_header(r, "X-Real-IP");
    if (real && normalise_ip(real, strlen(real), ip))
        return eddy_strdup(r, ip);
    const char *xff = eddy_header(r, "X-Forwarded-For");
    if (!xff)
        return peer;
    /* Read right to left: each proxy appends the address it saw, so the
     * rightmost entries are the trusted ones and the first untrusted one
     * is the client. Anything further left is the client's own claim. */
    size_t end = strlen(xff);
    while (end > 0) {
        size_t start = end;
        while (start > 0 && xff[start - 1] != ',')
            start--;
        if (!normalise_ip(xff + start, end - start, ip))
            return peer; /* garbage from the proxy: keep what we know */
        if (!is_trusted(s, ip))
            return eddy_strdup(r, ip);
        end = start ? start - 1 : 0;
    }
    return peer;
}

bool eddy_request_is_https(eddy_req *r)
{
    const struct security *s = security_of(r);
    if (!s)
        return false;
    if (s->cfg.always_https)
        return true;
    if (!is_trusted(s, eddy_request_remote_ip(r)))
        return false;
    const char *proto = eddy_header(r, "X-Forwarded-Proto");
    if (!proto)
        proto = eddy_header(r, "X-Scheme");
    return proto && strcasecmp(proto, "https") == 0;
}

eddy_cookie_options eddy_cookie_defaults(eddy_req *r, long max_age)
{
    return (eddy_cookie_options){.path = "/",
                                 .max_age = max_age,
                                 .http_only = true,
                                 .secure = eddy_request_is_https(r),
                                 .same_site = "Lax"};
}

/* security_headers - the app-wide check eddy_app_set_security adds. */
static void security_headers(eddy_req *r)
{
    const struct security *s = security_of(r);
    if (!s)
        return;
    eddy_response_set_header(r, "X-Content-Type-Options", "nosniff");
    if (*s->referrer_policy)
        eddy_response_set_header(r, "Referrer-Policy", s->referrer_policy);
    if (*s->frame_options)
        eddy_response_set_header(r, "X-Frame-Options", s->frame_options);
    const char *csp = s->cfg.csp_hook ? s->cfg.csp_hook(r) : s->csp;
    if (csp && *csp)
        eddy_response_set_header(r, "Content-Security-Policy", csp);
    if (eddy_request_is_https(r)) /* tell browsers never to try plain HTTP again */
        eddy_response_set_header(r, "Strict-Transport-Security", "max-age=15552000");
}
