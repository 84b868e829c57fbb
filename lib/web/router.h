/*
 * router - URL patterns with captures, matched in order, and reversed.
 *
 * A route is a POSIX extended regular expression over the raw (still
 * percent-encoded) path, anchored at both ends as in Tornado, mapped to
 * whatever the caller stores with it (the framework stores a handler
 * table). The first route that matches wins; its parenthesised groups
 * become the captures. A route may be named so that a URL can be built
 * back from it: reverse("topic", "42") gives "/topic/42" for
 * "/topic/([0-9]+)". Patterns without regex syntax are compared as plain
 * strings, which is most routes and much faster.
 */
#ifndef EDDY_ROUTER_H
#define EDDY_ROUTER_H

#include <eddy/base/buf.h>
#include <eddy/base/str.h>

#include <stddef.h>

enum { EDDY_ROUTE_MAX_CAPTURES = 9 };

typedef struct eddy_router eddy_router;

eddy_router *eddy_router_new(void);
void eddy_router_free(eddy_router *r);

/* eddy_router_add - append a route; name may be NULL. -1 with
 * eddy_router_error() for a bad pattern, too many groups or a name used
 * twice. */
int eddy_router_add(eddy_router *r, const char *pattern, void *target, const char *name);

/* eddy_router_match - the target of the first route matching path, or
 * NULL. The captures (raw spans into path) go to captures[0..*count). */
void *eddy_router_match(const eddy_router *r, const char *path, size_t len,
                        eddy_str captures[EDDY_ROUTE_MAX_CAPTURES], size_t *count);

/* eddy_router_reverse - append the URL of route name with args filling its
 * groups (percent-encoded) to out. -1 with eddy_router_error() for an
 * unknown name, a wrong number of args or a pattern that cannot be
 * reversed (alternation or nested groups outside a group). */
int eddy_router_reverse(eddy_router *r, const char *name, const char *const *args, size_t nargs,
                        eddy_buf *out);

const char *eddy_router_error(const eddy_router *r);


#endif
