/*
 * template_render - one render from start to end: the context checked,
 * the chain rendered, the CSS and JS that modules declared put into the
 * page; and what helpers and modules may call while it runs.
 */
#include "template_internal.h"

#include <eddy/base/log.h>

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------ a render's errors */

void tpl_add_via(const eddy_template_ctx *t, char *dst, size_t cap)
{
    if (!t->nvia)
        return;
    char via[512];
    size_t n = 0;
    for (int i = t->nvia; i-- > 0 && n < sizeof via;) {
        const struct via *v = &t->via[i];
        int w = snprintf(via + n, sizeof via - n, "%s%s:%d", i == t->nvia - 1 ? " (via " : ", ",
                         v->tpl->name, tpl_line_of(v->tpl, v->off));
        if (w < 0)
            return;
        n += (size_t)w;
    }
    if (n + 1 >= sizeof via)
        return; /* too long to be of use */
    via[n++] = ')';
    via[n] = '\0';
    size_t len = strlen(dst), at = strcspn(dst, "\n");
    if (len + n + 1 > cap)
        return;
    memmove(dst + at + n, dst + at, len - at + 1);
    memcpy(dst + at, via, n);
}

static void report(eddy_template_ctx *t, size_t off, const char *msg)
{
    tpl_format_error(t->l->error, sizeof t->l->error, t->cur, off, msg);
    tpl_add_via(t, t->l->error, sizeof t->l->error);
}

void tpl_rt_error(eddy_template_ctx *t, size_t off, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (t->catching) {
        size_t n = strnlen(msg, sizeof t->exc - 1);
        memcpy(t->exc, msg, n);
        t->exc[n] = '\0';
        t->failed = t->raised = true;
        return;
    }
    report(t, off, msg);
    if (t->l->debug)
        t->failed = true;
    else
        eddy_error("template: %s", t->l->error);
}

void tpl_fatal(eddy_template_ctx *t, size_t off, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    report(t, off, msg);
    t->failed = true;
    t->raised = false;
}

/* ------------------------------------------------------------ modules' resources */

static int add_asset(eddy_template_ctx *t, int kind, const char *s)
{
    struct assets *a = t->assets;
    for (size_t i = 0; i < a->count[kind]; i++)
        if (strcmp(a->items[kind][i], s) == 0)
            return 0;
    char **v = realloc(a->items[kind], (a->count[kind] + 1) * sizeof *v);
    if (!v)
        return -1;
    a->items[kind] = v;
    if (!(v[a->count[kind]] = strdup(s)))
        return -1;
    a->count[kind]++;
    return 0;
}

int eddy_template_css_file(eddy_template_ctx *t, const char *path)
{
    return add_asset(t, 0, path);
}
int eddy_template_js_file(eddy_template_ctx *t, const char *path)
{
    return add_asset(t, 1, path);
}
int eddy_template_css(eddy_template_ctx *t, const char *text)
{
    return add_asset(t, 2, text);
}
int eddy_template_js(eddy_template_ctx *t, const char *text)
{
    return add_asset(t, 3, text);
}

/* asset_url - path as the page links it: through static_url unless it is
 * absolute ("/x", "http://..."). */
static int asset_url(eddy_template_ctx *t, eddy_buf *b, const char *path)
{
    eddy_template_helper_fn h;
    eddy_template_global_fn g;
    bool absolute = path[0] == '/' || strstr(path, "://");
    if (absolute || !tpl_lookup(t, "static_url", true, &h, &g))
        return eddy_xhtml_escape_to(b, path, strlen(path));
    json_t *arg = json_string(path);
    json_t *url = arg ? tpl_call_helper(t, "static_url", 0, h, 1, &arg) : NULL;
    json_decref(arg);
    int rc = url && json_is_string(url)
                 ? eddy_xhtml_escape_to(b, json_string_value(url), json_string_length(url))
                 : eddy_xhtml_escape_to(b, path, strlen(path));
    json_decref(url);
    return rc;
}

static int insert_at(eddy_buf *out, size_t at, const eddy_buf *what)
{
    if (!what->len)
        return 0;
    if (eddy_buf_reserve(out, what->len) < 0)
        return -1;
    memmove(out->data + at + what->len, out->data + at, out->len - at + 1);
    memcpy(out->data + at, what->data, what->len);
    out->len += what->len;
    return 0;
}

static const char *find_last(const char *hay, size_t n, const char *needle)
{
    size_t k = strlen(needle);
    for (size_t i = n >= k ? n - k + 1 : 0; i-- > 0;)
        if (memcmp(hay + i, needle, k) == 0)
            return hay + i;
    return NULL;
}

/* inject - CSS before the first </head> (else first), JS before the last
 * </body> (else last), as Tornado's render() puts them. */
static int inject(eddy_template_ctx *t, size_t start)
{
    struct assets *a = t->assets;
    eddy_buf css = EDDY_BUF_INIT, js = EDDY_BUF_INIT;
    int rc = 0;
    for (size_t i = 0; i < a->count[0] && rc == 0; i++)
        rc = eddy_buf_append_str(&css, "<link href=\"") | asset_url(t, &css, a->items[0][i]) |
             eddy_buf_append_str(&css, "\" type=\"text/css\" rel=\"stylesheet\"/>\n");
    if (a->count[2] && rc == 0) {
        rc = eddy_buf_append_str(&css, "<style type=\"text/css\">\n");
        for (size_t i = 0; i < a->count[2] && rc == 0; i++)
            rc = eddy_buf_append_str(&css, a->items[2][i]) | eddy_buf_append_char(&css, '\n');
        rc |= eddy_buf_append_str(&css, "</style>\n");
    }
    for (size_t i = 0; i < a->count[1] && rc == 0; i++)
        rc = eddy_buf_append_str(&js, "<script src=\"") | asset_url(t, &js, a->items[1][i]) |
             eddy_buf_append_str(&js, "\" type=\"text/javascript\"></script>\n");
    if (a->count[3] && rc == 0) {
        rc = eddy_buf_append_str(&js, "<script type=\"text/javascript\">\n//<![CDATA[\n");
        for (size_t i = 0; i < a->count[3] && rc == 0; i++)
            rc = eddy_buf_append_str(&js, a->items[3][i]) | eddy_buf_append_char(&js, '\n');
        rc |= eddy_buf_append_str(&js, "//]]>\n</script>\n");
    }
    eddy_buf *out = t->out;
    if (rc == 0 && js.len) {
        const char *body =
            out->data ? find_last(out->data + start, out->len - start, "</body>") : NULL;
        rc = insert_at(out, body ? (size_t)(body - out->data) : out->len, &js);
    }
    if (rc == 0 && css.len) {
        const char *head =
            out->data ? memmem(out->data + start, out->len - start, "</head>", 7) : NULL;
        rc = insert_at(out, head ? (size_t)((const char *)head - out->data) : start, &css);
    }
    eddy_buf_free(&css);
    eddy_buf_free(&js);
    return rc < 0 ? -1 : 0;
}

/* ------------------------------------------------------------ rendering */

int eddy_template_render(eddy_template_loader *l, const char *name, json_t *ctx,
                         const eddy_template_env *env, eddy_buf *out)
{
    l->error[0] = '\0';
    if (ctx && !json_is_object(ctx)) {
        tpl_loader_fail(l, "render \"%s\": the context must be an object", name);
        return -1;
    }
    char *resolved = tpl_resolve_name(NULL, name, strlen(name));
    if (!resolved) {
        tpl_loader_fail(l, "template \"%s\" is outside the template root", name);
        return -1;
    }
    struct assets assets = {0};
    /* Zeroed up to its arrays only: they are 1.5 KB, and each request's
     * task renders on a stack of its own that the cache has long lost
     * when a hundred requests are in flight, so every line written there
     * is a miss. */
    eddy_template_ctx t;
    memset(&t, 0, offsetof(eddy_template_ctx, via));
    t.l = l;
    t.env = env;
    t.out = out;
    t.ctx = ctx;
    t.rows = env ? env->rows : NULL;
    t.assets = &assets;
    t.serial = ++l->renders;
    t.reason[0] = t.exc[0] = '\0';
    int rc = -1;
    size_t start = out->len;
    l->active++;
    if (tpl_render_chain(&t, resolved) == 0 && !t.failed)
        rc = 0;
    if (rc == 0 && inject(&t, start) < 0) {
        tpl_loader_fail(l, "output cannot grow: %s", strerror(errno));
        rc = -1;
    } else if (t.failed) { /* static_url failed for a module's file, in debug mode */
        rc = -1;
    }
    tpl_locals_free(&t);
    tpl_rows_free(&t);
    free(t.blocks);
    for (int k = 0; k < 4; k++) {
        for (size_t i = 0; i < assets.count[k]; i++)
            free(assets.items[k][i]);
        free(assets.items[k]);
    }
    free(resolved);
    if (--l->active == 0)
        tpl_free_retired(l);
    return rc;
}

int eddy_template_render_part(eddy_template_ctx *t, const char *name, json_t *ctx)
{
    if (ctx && !json_is_object(ctx)) {
        eddy_template_fail(t, "render_part \"%s\": the context must be an object", name);
        return -1;
    }
    char *resolved = tpl_resolve_name(NULL, name, strlen(name));
    if (!resolved) {
        eddy_template_fail(t, "template \"%s\" is outside the template root", name);
        return -1;
    }
    /* A part has its own names and blocks; it shares the output and the
     * resources with the page. */
    eddy_template_ctx part = *t;
    part.ctx = ctx;
    part.serial = ++t->l->renders; /* its own: the expressions' memos of the context */
    part.blocks = NULL;
    part.nblocks = 0;
    part.rows = NULL;
    part.rows_json = NULL;
    part.locals = NULL;
    part.nlocals = part.caplocals = 0;
    part.local_bits = 0;
    part.kw = NULL;
    part.nkw = 0;
    int rc = -1;
    if (tpl_render_chain(&part, resolved) == 0 && !part.failed)
        rc = 0;
    t->failed = part.failed; /* then the part's message (file, line, caret) stands */
    t->raised = part.raised;
    if (part.raised)
        memcpy(t->exc, part.exc, sizeof t->exc);
    t->iterations = part.iterations;
    tpl_locals_free(&part);
    free(part.blocks);
    free(resolved);
    return rc;
}

/* ------------------------------------------------------------ for helpers and modules */

void *eddy_template_user(const eddy_template_ctx *t)
{
    return t->env ? t->env->user : NULL;
}
eddy_template_loader *eddy_template_ctx_loader(const eddy_template_ctx *t)
{
    return t->l;
}

void eddy_template_fail(eddy_template_ctx *t, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(t->reason, sizeof t->reason, fmt, ap);
    va_end(ap);
}

json_t *eddy_template_kwarg(eddy_template_ctx *t, const char *name)
{
    for (size_t i = 0; i < t->nkw; i++)
        if (strcmp(t->kw[i].name, name) == 0) {
            t->kw[i].used = true;
            return t->kw[i].v;
        }
    return NULL;
}

int eddy_template_params(eddy_template_ctx *t, size_t argc, json_t *const *argv, const char *names,
                         size_t required, json_t **out)
{
    size_t k = 0;
    for (const char *w = names; *w; k++) {
        size_t len = strcspn(w, " ");
        char name[64];
        size_t shown = len < sizeof name ? len : sizeof name - 1;
        memcpy(name, w, shown);
        name[shown] = '\0';
        json_t *kw = t->nkw ? eddy_template_kwarg(t, name) : NULL; /* most calls have none */
        if (k < argc && kw) {
            eddy_template_fail(t, "got two values for \"%s\"", name);
            return -1;
        }
        out[k] = k < argc ? argv[k] : kw;
        if (!out[k] && k < required) {
            eddy_template_fail(t, "missing \"%s\"", name);
            return -1;
        }
        w += len;
        while (*w == ' ')
            w++;
    }
    if (argc > k) {
        eddy_template_fail(t, "takes at most %zu argument%s (%zu given)", k, k == 1 ? "" : "s",
                           argc);
        return -1;
    }
    return 0;
}

json_t *eddy_template_kwargs(eddy_template_ctx *t)
{
    json_t *o = json_object();
    for (size_t i = 0; o && i < t->nkw; i++) {
        t->kw[i].used = true;
        if (json_object_set(o, t->kw[i].name, t->kw[i].v) < 0) {
            json_decref(o);
            o = NULL;
        }
    }
    return o;
}

int eddy_template_write(eddy_template_ctx *t, const char *s, size_t len)
{
    return eddy_buf_append(t->out, s, len);
}
