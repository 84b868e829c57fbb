/*
 * template_loader - where templates come from: names resolved inside the
 * root, files read and compiled once and cached (recompiled in debug mode
 * when they change), templates added from memory, the helpers, globals
 * and modules registered by name, and the messages errors carry.
 */
#include "template_internal.h"

#include <eddy/base/log.h>

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* ------------------------------------------------------------ errors */

/* locate - line and column (in characters) of off, and the line's span. */
static void locate(const char *src, size_t len, size_t off, int *line, int *col, size_t *ls,
                   size_t *le)
{
    if (off > len)
        off = len;
    size_t start = 0;
    int ln = 1;
    for (size_t i = 0; i < off; i++)
        if (src[i] == '\n') {
            ln++;
            start = i + 1;
        }
    int c = 1;
    for (size_t i = start; i < off; i++)
        if (((unsigned char)src[i] & 0xC0) != 0x80)
            c++;
    size_t end = start;
    while (end < len && src[end] != '\n')
        end++;
    if (end > start && src[end - 1] == '\r')
        end--;
    *line = ln;
    *col = c;
    *ls = start;
    *le = end;
}

int tpl_line_of(const struct tpl *tp, size_t off)
{
    int line, col;
    size_t ls, le;
    locate(tp->src, tp->srclen, off, &line, &col, &ls, &le);
    return line;
}

void tpl_format_error(char *dst, size_t cap, const struct tpl *tp, size_t off, const char *msg)
{
    if (!tp || !tp->src) {
        snprintf(dst, cap, "%s", msg);
        return;
    }
    int line, col;
    size_t ls, le;
    locate(tp->src, tp->srclen, off, &line, &col, &ls, &le);
    if (off > tp->srclen)
        off = tp->srclen;
    /* A long line is shown from a little before the offending place. */
    size_t from = ls;
    if (off - ls > SHOWN_LINE_MAX / 2)
        from = off - SHOWN_LINE_MAX / 2;
    while (from > ls && ((unsigned char)tp->src[from] & 0xC0) == 0x80)
        from--;
    size_t to = le - from > SHOWN_LINE_MAX ? from + SHOWN_LINE_MAX : le;
    char caret[SHOWN_LINE_MAX + 8];
    size_t n = 0;
    for (size_t i = from; i < off && i < to && n < sizeof caret - 2; i++) {
        unsigned char ch = (unsigned char)tp->src[i];
        if (ch == '\t')
            caret[n++] = '\t';
        else if ((ch & 0xC0) != 0x80)
            caret[n++] = ' ';
    }
    caret[n++] = '^';
    caret[n] = '\0';
    char shown[SHOWN_LINE_MAX + 1];
    size_t sn = 0;
    for (size_t i = from; i < to; i++) /* control bytes would garble a log line */
        shown[sn++] = (unsigned char)tp->src[i] < 0x20 && tp->src[i] != '\t' ? '?' : tp->src[i];
    shown[sn] = '\0';
    snprintf(dst, cap, "%s:%d:%d: %s\n    %s\n    %s", tp->name, line, col, msg, shown, caret);
}

void tpl_loader_fail(eddy_template_loader *l, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(l->error, sizeof l->error, fmt, ap);
    va_end(ap);
}

/* ------------------------------------------------------------ names of other templates */

/* tpl_resolve_name - name relative to the directory of parent (a name with a
 * leading '/' is relative to the root), with "." and ".." applied; NULL
 * if it climbs out of the root. Allocated with malloc. */
char *tpl_resolve_name(const char *parent, const char *name, size_t len)
{
    size_t plen = 0;
    if (parent && (len == 0 || name[0] != '/')) {
        const char *slash = strrchr(parent, '/');
        plen = slash ? (size_t)(slash - parent) + 1 : 0;
    }
    char *joined = malloc(plen + len + 1);
    char *out = malloc(plen + len + 1);
    if (!joined || !out) {
        free(joined);
        free(out);
        return NULL;
    }
    if (plen)
        memcpy(joined, parent, plen);
    memcpy(joined + plen, name, len);
    joined[plen + len] = '\0';
    size_t o = 0;
    bool bad = memchr(name, '\0', len) != NULL;
    for (char *seg = joined; *seg && !bad;) {
        char *end = strchr(seg, '/');
        size_t n = end ? (size_t)(end - seg) : strlen(seg);
        if (n == 0 || (n == 1 && seg[0] == '.')) {
            /* nothing */
        } else if (n == 2 && seg[0] == '.' && seg[1] == '.') {
            if (o == 0)
                bad = true;
            while (o > 0 && out[o - 1] != '/')
                o--;
            if (o > 0)
                o--;
        } else {
            if (o)
                out[o++] = '/';
            memcpy(out + o, seg, n);
            o += n;
        }
        seg += n + (end != NULL);
    }
    out[o] = '\0';
    free(joined);
    if (bad || o == 0) {
        free(out);
        return NULL;
    }
    return out;
}

/* ------------------------------------------------------------ the loader */

static size_t hash_name(const char *s)
{
    size_t h = 5381;
    while (*s)
        h = h * 33 ^ (unsigned char)*s++;
    return h;
}

static void free_template(struct tpl *tp)
{
    if (!tp)
        return;
    json_decref(tp->consts);
    eddy_arena_free(&tp->arena);
    free(tp->src);
    free(tp->name);
    free(tp);
}

/* tpl_free_retired - templates replaced by a recompile, once no render runs. */
void tpl_free_retired(eddy_template_loader *l)
{
    while (l->retired) {
        struct tpl *tp = l->retired;
        l->retired = tp->next;
        free_template(tp);
    }
}

static struct tpl **find_slot(eddy_template_loader *l, const char *name)
{
    struct tpl **slot = &l->buckets[hash_name(name) & (l->nbuckets - 1)];
    while (*slot && strcmp((*slot)->name, name) != 0)
        slot = &(*slot)->next;
    return slot;
}

static int grow(eddy_template_loader *l)
{
    size_t n = l->nbuckets * 2;
    struct tpl **b = calloc(n, sizeof *b);
    if (!b)
        return -1;
    for (size_t i = 0; i < l->nbuckets; i++)
        for (struct tpl *tp = l->buckets[i], *next; tp; tp = next) {
            next = tp->next;
            size_t h = hash_name(tp->name) & (n - 1);
            tp->next = b[h];
            b[h] = tp;
        }
    free(l->buckets);
    l->buckets = b;
    l->nbuckets = n;
    return 0;
}

static int insert(eddy_template_loader *l, struct tpl *tp)
{
    if (l->count + 1 > l->nbuckets && grow(l) < 0)
        return -1;
    struct tpl **slot = find_slot(l, tp->name);
    tp->next = NULL;
    if (*slot) { /* replace */
        struct tpl *old = *slot;
        tp->next = old->next;
        *slot = tp;
        old->next = l->retired;
        l->retired = old;
        if (!l->active)
            tpl_free_retired(l);
        return 0;
    }
    *slot = tp;
    l->count++;
    return 0;
}

/* read_source - the file of template name under the root, which it must
 * really be under (a symlink may not lead out). */
static int read_source(eddy_template_loader *l, const char *name, struct tpl *tp)
{
    char path[PATH_MAX];
    if (snprintf(path, sizeof path, "%s/%s", l->root, name) >= (int)sizeof path) {
        tpl_loader_fail(l, "template \"%s\": name too long", name);
        return -1;
    }
    char *real = realpath(path, NULL);
    size_t rl = strlen(l->root);
    if (!real) {
        tpl_loader_fail(l, "template \"%s\" not found: %s", name, strerror(errno));
        return -1;
    }
    bool inside = strncmp(real, l->root, rl) == 0 && real[rl] == '/';
    FILE *f = inside ? fopen(real, "rb") : NULL;
    free(real);
    if (!inside) {
        tpl_loader_fail(l, "template \"%s\" is outside the template root", name);
        return -1;
    }
    struct stat st;
    if (!f || fstat(fileno(f), &st) < 0 || !S_ISREG(st.st_mode)) {
        tpl_loader_fail(l, "template \"%s\" cannot be read: %s", name,
                        f ? "not a regular file" : strerror(errno));
        if (f)
            fclose(f);
        return -1;
    }
    tp->src = malloc((size_t)st.st_size + 1);
    size_t n = tp->src ? fread(tp->src, 1, (size_t)st.st_size, f) : 0;
    int failed = !tp->src || ferror(f);
    fclose(f);
    if (failed) {
        tpl_loader_fail(l, "template \"%s\" cannot be read", name);
        return -1;
    }
    tp->src[n] = '\0';
    tp->srclen = n;
    tp->mtime = st.st_mtim;
    tp->size = st.st_size;
    return 0;
}

/* unchanged - the file still has the mtime and size it was compiled from. */
static bool unchanged(eddy_template_loader *l, const struct tpl *tp)
{
    char path[PATH_MAX];
    struct stat st;
    if (snprintf(path, sizeof path, "%s/%s", l->root, tp->name) >= (int)sizeof path ||
        stat(path, &st) < 0)
        return false;
    return st.st_mtim.tv_sec == tp->mtime.tv_sec && st.st_mtim.tv_nsec == tp->mtime.tv_nsec &&
           st.st_size == tp->size;
}

/* tpl_load - template name (already resolved), compiled; NULL with l->error. */
struct tpl *tpl_load(eddy_template_loader *l, const char *name)
{
    struct tpl *tp = *find_slot(l, name);
    if (tp && (tp->from_memory || !l->debug || unchanged(l, tp))) {
        if (!tp->compiled && tpl_compile(tp, l, l->error, sizeof l->error) < 0)
            return NULL;
        return tp;
    }
    if (!l->root) {
        tpl_loader_fail(l, "template \"%s\" not found", name);
        return NULL;
    }
    struct tpl *fresh = calloc(1, sizeof *fresh);
    if (!fresh || !(fresh->name = strdup(name))) {
        free(fresh);
        tpl_loader_fail(l, "out of memory");
        return NULL;
    }
    if (read_source(l, name, fresh) < 0 || tpl_compile(fresh, l, l->error, sizeof l->error) < 0 ||
        insert(l, fresh) < 0) {
        free_template(fresh);
        return NULL;
    }
    return fresh;
}

int eddy_template_add(eddy_template_loader *l, const char *name, const char *text, size_t len)
{
    char *resolved = tpl_resolve_name(NULL, name, strlen(name));
    if (!resolved) {
        tpl_loader_fail(l, "template \"%s\" is outside the template root", name);
        return -1;
    }
    struct tpl *tp = calloc(1, sizeof *tp);
    if (!tp || !(tp->src = malloc(len + 1))) {
        free(tp);
        free(resolved);
        tpl_loader_fail(l, "out of memory");
        return -1;
    }
    memcpy(tp->src, text, len);
    tp->src[len] = '\0';
    tp->srclen = len;
    tp->name = resolved;
    tp->from_memory = true;
    if (insert(l, tp) < 0) {
        free_template(tp);
        tpl_loader_fail(l, "out of memory");
        return -1;
    }
    return 0;
}

const char *eddy_template_loader_error(const eddy_template_loader *l)
{
    return l->error;
}
bool eddy_template_loader_debug(const eddy_template_loader *l)
{
    return l->debug;
}

void eddy_template_set_max_iterations(eddy_template_loader *l, unsigned long n)
{
    l->max_iterations = n;
}

/* forget_compiled - every tree dropped, to be compiled again on its next
 * use with the loader's new defaults (the sources are kept). */
static void forget_compiled(eddy_template_loader *l)
{
    for (size_t i = 0; i < l->nbuckets; i++)
        for (struct tpl *tp = l->buckets[i]; tp; tp = tp->next) {
            json_decref(tp->consts);
            tp->consts = NULL;
            eddy_arena_free(&tp->arena);
            tp->body = NULL;
            tp->extends = NULL;
            tp->compiled = false;
        }
}

int eddy_template_set_autoescape(eddy_template_loader *l, const char *helper)
{
    char *copy = helper ? strdup(helper) : NULL;
    if (l->active || (helper && !copy)) {
        free(copy);
        errno = l->active ? EBUSY : ENOMEM;
        return -1;
    }
    free(l->autoescape);
    l->autoescape = copy;
    forget_compiled(l);
    return 0;
}

int eddy_template_set_whitespace(eddy_template_loader *l, const char *mode)
{
    static const char *const modes[] = {"all", "single", "oneline"};
    int m = -1;
    for (int i = 0; mode && i < 3; i++)
        if (strcmp(mode, modes[i]) == 0)
            m = i;
    if (l->active || (mode && m < 0)) {
        errno = l->active ? EBUSY : EINVAL;
        return -1;
    }
    l->whitespace = m;
    forget_compiled(l);
    return 0;
}

/* ------------------------------------------------------------ names */

static int add_named(eddy_template_loader *l, const char *name, eddy_template_helper_fn h,
                     eddy_template_global_fn g, eddy_template_module_fn m)
{
    l->names_gen++;
    /* Modules have their own space ({% module %}); helpers and globals share one. */
    for (size_t i = 0; i < l->nnames; i++) {
        struct named *e = &l->names[i];
        if (strcmp(e->name, name) == 0 && (m ? e->module != NULL : e->module == NULL)) {
            e->helper = h;
            e->global = g;
            e->module = m;
            return 0;
        }
    }
    if (l->nnames == l->capnames) {
        size_t cap = l->capnames ? l->capnames * 2 : 32;
        struct named *v = realloc(l->names, cap * sizeof *v);
        if (!v)
            return -1;
        l->names = v;
        l->capnames = cap;
    }
    char *copy = strdup(name);
    if (!copy)
        return -1;
    l->names[l->nnames++] = (struct named){copy, h, g, m};
    return 0;
}

int eddy_template_helper(eddy_template_loader *l, const char *name, eddy_template_helper_fn fn)
{
    return add_named(l, name, fn, NULL, NULL);
}

int eddy_template_global(eddy_template_loader *l, const char *name, eddy_template_global_fn fn)
{
    return add_named(l, name, NULL, fn, NULL);
}

int eddy_template_module(eddy_template_loader *l, const char *name, eddy_template_module_fn fn)
{
    return add_named(l, name, NULL, NULL, fn);
}

/* tpl_lookup - a helper (want_helper) or global of name: the loader's, else
 * the render's defaults. */
bool tpl_lookup(eddy_template_ctx *t, const char *name, bool want_helper,
                eddy_template_helper_fn *h, eddy_template_global_fn *g)
{
    for (size_t i = 0; i < t->l->nnames; i++) {
        const struct named *e = &t->l->names[i];
        if (!e->module && strcmp(e->name, name) == 0) {
            if (want_helper ? !e->helper : !e->global)
                return false;
            *h = e->helper;
            *g = e->global;
            return true;
        }
    }
    if (t->env && t->env->defaults)
        for (const eddy_template_def *d = t->env->defaults; d->name; d++)
            if (strcmp(d->name, name) == 0) {
                if (want_helper ? !d->helper : !d->global)
                    return false;
                *h = d->helper;
                *g = d->global;
                return true;
            }
    return false;
}

eddy_template_helper_fn tpl_helper_of(eddy_template_ctx *t, const struct expr *e)
{
    const void *defaults = t->env ? t->env->defaults : NULL;
    if (e->helper_gen == t->l->names_gen && e->helper_defaults == defaults && e->memo_helper)
        return e->memo_helper;
    eddy_template_helper_fn h;
    eddy_template_global_fn g;
    if (!tpl_lookup(t, e->name, true, &h, &g))
        return NULL;
    struct expr *memo = (struct expr *)e; /* its memo only: see struct expr */
    memo->memo_helper = h;
    memo->helper_gen = t->l->names_gen;
    memo->helper_defaults = defaults;
    return h;
}

/* ------------------------------------------------------------ the loader's life */

eddy_template_loader *eddy_template_loader_new(const char *root_dir, bool debug)
{
    eddy_template_loader *l = calloc(1, sizeof *l);
    if (!l)
        return NULL;
    l->debug = debug;
    l->max_iterations = 10000000;
    l->whitespace = -1;
    l->names_gen = 1; /* a new expression's memo (0) matches nothing */
    if (!(l->autoescape = strdup("xhtml_escape")))
        goto fail;
    l->nbuckets = 16;
    if (!(l->buckets = calloc(l->nbuckets, sizeof *l->buckets)) || !(l->empty_list = json_array()))
        goto fail;
    if (root_dir) {
        struct stat st;
        if (!(l->root = realpath(root_dir, NULL)) || stat(l->root, &st) < 0)
            goto fail;
        if (!S_ISDIR(st.st_mode)) {
            errno = ENOTDIR;
            goto fail;
        }
    }
    if (tpl_add_builtins(l) < 0)
        goto fail;
    return l;
fail:;
    int saved = errno;
    eddy_template_loader_free(l);
    errno = saved;
    return NULL;
}

void eddy_template_loader_free(eddy_template_loader *l)
{
    if (!l)
        return;
    for (size_t i = 0; i < l->nbuckets; i++)
        for (struct tpl *tp = l->buckets ? l->buckets[i] : NULL, *next; tp; tp = next) {
            next = tp->next;
            free_template(tp);
        }
    tpl_free_retired(l);
    for (size_t i = 0; i < l->nnames; i++)
        free(l->names[i].name);
    free(l->names);
    free(l->autoescape);
    json_decref(l->empty_list);
    free(l->buckets);
    free(l->root);
    free(l);
}
