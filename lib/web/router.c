/*
 * router - URL patterns, matched in order and reversed; see router.h.
 *
 * Each pattern is compiled once with regcomp(); at match time the path is
 * copied NUL-terminated (regexec needs it) into a stack buffer when it is
 * small. The shape most routes have, text, one group of digits or of
 * anything, text ("/post/([0-9]+)/comment", "/static/(.*)"), is matched
 * by hand: the path must start and end with the two texts, and what lies
 * between them is the group, which is what the anchored regex finds too.
 * Reversing walks the pattern: literal characters are copied (with their
 * backslash escapes removed) and each top-level group is replaced by the
 * next argument.
 */
#include <eddy/web/router.h>

#include <eddy/base/url.h>

#include <regex.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct route {
    char *pattern; /* as given, without the anchors */
    char *name;
    void *target;
    int literal;   /* no regex syntax: compare as a string */
    size_t prefix; /* leading bytes every match starts with: checked before regexec */
    regex_t re;
    size_t groups;
    enum { BY_REGEX, DIGITS, ANY, ANY_NONEMPTY } shape; /* text, (this), text */
    size_t suffix_at, suffix_len;                       /* the second text, in pattern */
};

struct eddy_router {
    struct route *routes;
    size_t count, cap;
    char error[256];
};

eddy_router *eddy_router_new(void) { return calloc(1, sizeof(eddy_router)); }

void eddy_router_free(eddy_router *r)
{
    if (!r)
        return;
    for (size_t i = 0; i < r->count; i++) {
        if (!r->routes[i].literal)
            regfree(&r->routes[i].re);
        free(r->routes[i].pattern);
        free(r->routes[i].name);
    }
    free(r->routes);
    free(r);
}

const char *eddy_router_error(const eddy_router *r) { return r->error; }

static const char regex_syntax[] = ".[]()*+?{}|^$\\";

/* shape_of - the route's pattern is text, one of the groups below, text
 * (neither text with any regex syntax): which, and where its second text
 * starts; else BY_REGEX. */
static int shape_of(struct route *rt)
{
    static const struct {
        const char *group;
        int shape;
    } groups[] = {{"([0-9]+)", DIGITS}, {"(.*)", ANY}, {"(.+)", ANY_NONEMPTY}};
    const char *p = rt->pattern + rt->prefix;
    for (size_t i = 0; i < sizeof groups / sizeof groups[0]; i++) {
        size_t n = strlen(groups[i].group);
        if (strncmp(p, groups[i].group, n) == 0 && strcspn(p + n, regex_syntax) == strlen(p + n)) {
            rt->suffix_at = (size_t)(p + n - rt->pattern);
            rt->suffix_len = strlen(p + n);
            return groups[i].shape;
        }
    }
    return BY_REGEX;
}

/* match_shape - path against rt's shape (its first text already
 * checked): the group, or false. */
static bool match_shape(const struct route *rt, const char *path, size_t len, eddy_str *group)
{
    size_t slen = rt->suffix_len;
    if (len < rt->prefix + slen || memcmp(path + len - slen, rt->pattern + rt->suffix_at, slen) != 0)
        return false;
    size_t from = rt->prefix, to = len - slen;
    if (to == from && rt->shape != ANY)
        return false;
    for (size_t i = from; rt->shape == DIGITS && i < to; i++)
        if (path[i] < '0' || path[i] > '9')
            return false;
    *group = (eddy_str){path + from, to - from};
    return true;
}

/* strip_anchors - "^/a$" -> "/a": routes are always anchored. */
static char *strip_anchors(const char *pattern)
{
    size_t n = strlen(pattern);
    if (n && pattern[0] == '^')
        pattern++, n--;
    if (n && pattern[n - 1] == '$' && (n < 2 || pattern[n - 2] != '\\'))
        n--;
    char *out = malloc(n + 1);
    if (out) {
        memcpy(out, pattern, n);
        out[n] = '\0';
    }
    return out;
}

int eddy_router_add(eddy_router *r, const char *pattern, void *target, const char *name)
{
    if (name) {
        for (size_t i = 0; i < r->count; i++) {
            if (r->routes[i].name && strcmp(r->routes[i].name, name) == 0) {
                snprintf(r->error, sizeof r->error, "route name \"%s\" is used twice", name);
                return -1;
            }
        }
    }
    if (r->count == r->cap) {
        size_t cap = r->cap ? r->cap * 2 : 16;
        struct route *grown = realloc(r->routes, cap * sizeof *grown);
        if (!grown) {
            snprintf(r->error, sizeof r->error, "out of memory");
            return -1;
        }
        r->routes = grown;
        r->cap = cap;
    }
    struct route *rt = &r->routes[r->count];
    memset(rt, 0, sizeof *rt);
    rt->pattern = strip_anchors(pattern);
    rt->name = name ? strdup(name) : NULL;
    rt->target = target;
    if (!rt->pattern || (name && !rt->name)) {
        free(rt->pattern);
        free(rt->name);
        snprintf(r->error, sizeof r->error, "out of memory");
        return -1;
    }
    rt->literal = strpbrk(rt->pattern, regex_syntax) == NULL;
    if (!rt->literal) {
        /* Most patterns start with plain text ("/entry/(...)"): a path
         * that does not is skipped without running the regex. A quantifier
         * takes the character before it; an alternation, all of them. */
        size_t n = strcspn(rt->pattern, regex_syntax);
        if (n > 0 && rt->pattern[n] && strchr("*+?{", rt->pattern[n]))
            n--;
        rt->prefix = strchr(rt->pattern, '|') ? 0 : n;
        char anchored[1024];
        if (snprintf(anchored, sizeof anchored, "^(%s)$", rt->pattern) >= (int)sizeof anchored) {
            snprintf(r->error, sizeof r->error, "route pattern too long");
            goto fail;
        }
        int rc = regcomp(&rt->re, anchored, REG_EXTENDED);
        if (rc != 0) {
            char why[128];
            regerror(rc, &rt->re, why, sizeof why);
            snprintf(r->error, sizeof r->error, "route \"%s\": %s", pattern, why);
            goto fail;
        }
        rt->groups = rt->re.re_nsub - 1; /* minus the wrapping group */
        rt->shape = shape_of(rt);
        if (rt->groups > EDDY_ROUTE_MAX_CAPTURES) {
            regfree(&rt->re);
            snprintf(r->error, sizeof r->error, "route \"%s\": more than %d groups", pattern,
                     EDDY_ROUTE_MAX_CAPTURES);
            goto fail;
        }
    }
    r->count++;
    return 0;
fail:
    free(rt->pattern);
    free(rt->name);
    return -1;
}

void *eddy_router_match(const eddy_router *r, const char *path, size_t len,
                        eddy_str captures[EDDY_ROUTE_MAX_CAPTURES], size_t *count)
{
    char small[512], *copy = NULL;
    int has_nul = -1; /* not looked for yet */
    *count = 0;
    for (size_t i = 0; i < r->count; i++) {
        const struct route *rt = &r->routes[i];
        if (rt->literal) {
            if (strlen(rt->pattern) == len && memcmp(rt->pattern, path, len) == 0) {
                free(copy != small ? copy : NULL);
                return rt->target;
            }
            continue;
        }
        if (len < rt->prefix || memcmp(rt->pattern, path, rt->prefix) != 0)
            continue;
        if (rt->shape != BY_REGEX) {
            if (has_nul < 0)
                has_nul = memchr(path, '\0', len) != NULL;
            if (has_nul) /* as below: a NUL never matches */
                break;
            if (!match_shape(rt, path, len, &captures[0]))
                continue;
            *count = 1;
            if (copy && copy != small)
                free(copy);
            return rt->target;
        }
        if (!copy) {
            copy = len < sizeof small ? small : malloc(len + 1);
            if (!copy)
                return NULL;
            memcpy(copy, path, len);
            copy[len] = '\0';
            if (strlen(copy) != len) { /* a NUL in the path never matches */
                if (copy != small)
                    free(copy);
                return NULL;
            }
        }
        regmatch_t m[EDDY_ROUTE_MAX_CAPTURES + 2];
        if (regexec(&rt->re, copy, rt->groups + 2, m, 0) != 0)
            continue;
        for (size_t g = 0; g < rt->groups; g++) {
            regmatch_t *gm = &m[g + 2];
            captures[g] = gm->rm_so < 0 ? (eddy_str){path, 0}
                                        : (eddy_str){path + gm->rm_so,
                                                     (size_t)(gm->rm_eo - gm->rm_so)};
        }
        *count = rt->groups;
        if (copy != small)
            free(copy);
        return rt->target;
    }
    if (copy && copy != small)
        free(copy);
    return NULL;
}

int eddy_router_reverse(eddy_router *r, const char *name, const char *const *args, size_t nargs,
                        eddy_buf *out)
{
    const struct route *rt = NULL;
    for (size_t i = 0; i < r->count && !rt; i++)
        if (r->routes[i].name && strcmp(r->routes[i].name, name) == 0)
            rt = &r->routes[i];
    if (!rt) {
        snprintf(r->error, sizeof r->error, "no route named \"%s\"", name);
        return -1;
    }
    if (nargs != rt->groups) {
        snprintf(r->error, sizeof r->error, "route \"%s\" takes %zu argument(s), got %zu", name,
                 rt->groups, nargs);
        return -1;
    }
    size_t start = out->len, arg = 0;
    for (const char *p = rt->pattern; *p; p++) {
        if (*p == '\\' && p[1]) {
            eddy_buf_append_char(out, *++p);
        } else if (*p == '(') {
            int depth = 1;
            while (*++p && depth) { /* skip the group, whatever it holds */
                if (*p == '\\' && p[1])
                    p++;
                else if (*p == '(')
                    depth++;
                else if (*p == ')')
                    depth--;
            }
            p--;
            if (eddy_url_escape_to(out, args[arg], strlen(args[arg]), 0) < 0)
                goto fail;
            arg++;
        } else if (strchr(".[]*+?{}|^$)", *p)) {
            snprintf(r->error, sizeof r->error, "route \"%s\" cannot be reversed", name);
            goto fail;
        } else {
            eddy_buf_append_char(out, *p);
        }
    }
    return 0;
fail:
    eddy_buf_truncate(out, start);
    return -1;
}
