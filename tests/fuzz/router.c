/*
 * Fuzz target: the router (lib/web/router.h) on arbitrary request paths.
 *
 * The routes of the usual shape (text, a group of digits or of
 * anything, text) are matched by hand, the others by regexec. Besides
 * what ASan and UBSan catch: for every route, the router's answer (match
 * or not, and the group's bytes) is the anchored regex's own answer on
 * the same path, and a captured group lies inside the path.
 */
#include <eddy/web/router.h>

#include <regex.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static const char *const patterns[] = {
    "/post/([0-9]+)", "/post/([0-9]+)/comment", "/static/(.*)", "/upload/(.+)",
    "/a/(.*)/b",      "([0-9]+)",               "(.*)x",        "/u/([a-z]+)/p/([0-9]+)",
};
enum { NPATTERNS = sizeof patterns / sizeof patterns[0] };

static eddy_router *routers[NPATTERNS];
static regex_t res[NPATTERNS];
static int target;

static void setup(void)
{
    for (size_t k = 0; k < NPATTERNS; k++) {
        char anchored[128];
        strcpy(anchored, "^");
        strcat(anchored, patterns[k]);
        strcat(anchored, "$");
        routers[k] = eddy_router_new();
        if (!routers[k] || eddy_router_add(routers[k], patterns[k], &target, NULL) != 0 ||
            regcomp(&res[k], anchored, REG_EXTENDED) != 0)
            abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!routers[0])
        setup();
    if (size > 4096)
        return 0;
    const char *path = (const char *)data;
    char *copy = malloc(size + 1); /* regexec needs a C string */
    if (!copy)
        return 0;
    memcpy(copy, data, size);
    copy[size] = '\0';
    bool has_nul = memchr(data, '\0', size) != NULL;
    for (size_t k = 0; k < NPATTERNS; k++) {
        eddy_str caps[EDDY_ROUTE_MAX_CAPTURES];
        size_t n = 0;
        bool got = eddy_router_match(routers[k], path, size, caps, &n) == &target;
        regmatch_t m[3];
        bool want = !has_nul && regexec(&res[k], copy, 3, m, 0) == 0;
        if (got != want)
            abort();
        for (size_t g = 0; got && g < n; g++) {
            if (caps[g].p < path || caps[g].p + caps[g].len > path + size)
                abort();
            if (m[g + 1].rm_so >= 0 && (caps[g].p != path + m[g + 1].rm_so ||
                                        caps[g].len != (size_t)(m[g + 1].rm_eo - m[g + 1].rm_so)))
                abort();
        }
    }
    free(copy);
    return 0;
}
