/*
 * template_exec - a compiled template walked with a render's names: text
 * copied, values escaped straight into the output, if, for and the other
 * tags run, blocks looked up through the chain of {% extends %}.
 *
 * Names a render binds ({% set %}, loop variables) live in one small
 * array per render, looked up before the context: like the Python
 * function Tornado generates, a set inside a loop is still visible after
 * it. A {% block %} is looked up in the map of the render's chain of
 * {% extends %} (template_chain.c).
 */
#include "template_internal.h"

#include <eddy/data/db.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------ the render's names */

/* local_set - name = v (stolen); -1 when out of memory (v released). */
static int local_set(eddy_template_ctx *t, const char *name, json_t *v)
{
    if (!v)
        return -1;
    for (size_t i = t->nlocals; i-- > 0;)
        if (same_name(t->locals[i].name, name)) {
            json_decref(t->locals[i].v);
            t->locals[i] = (struct binding){.name = name, .v = v};
            return 0;
        }
    if (t->nlocals == t->caplocals) {
        size_t cap = t->caplocals ? t->caplocals * 2 : 8;
        struct binding *b = realloc(t->locals, cap * sizeof *b);
        if (!b) {
            json_decref(v);
            return -1;
        }
        t->locals = b;
        t->caplocals = cap;
    }
    t->locals[t->nlocals++] = (struct binding){.name = name, .v = v};
    t->local_bits |= name_bit_of(name);
    return 0;
}

/* local_set_row - name = row of res (eddy_template_rows), no JSON made
 * yet: its binding, or NULL when out of memory. */
static struct binding *local_set_row(eddy_template_ctx *t, const char *name,
                                     const eddy_db_result *res, size_t row)
{
    struct binding *b = local_binding(t, name);
    if (!b) {
        if (local_set(t, name, json_null()) < 0)
            return NULL;
        b = &t->locals[t->nlocals - 1];
    }
    json_decref(b->v);
    *b = (struct binding){
        .name = name, .res = res, .row = row, .cells = eddy_db_row_values(res, row)};
    return b;
}

static void local_del(eddy_template_ctx *t, const char *name)
{
    for (size_t i = t->nlocals; i-- > 0;)
        if (same_name(t->locals[i].name, name)) {
            json_decref(t->locals[i].v);
            t->locals[i] = t->locals[--t->nlocals];
            return;
        }
}

void tpl_locals_free(eddy_template_ctx *t)
{
    for (size_t i = 0; i < t->nlocals; i++)
        json_decref(t->locals[i].v);
    free(t->locals);
}

/* ------------------------------------------------------------ output */

static int out_fail(eddy_template_ctx *t)
{
    if (!t->failed)
        tpl_fatal(t, 0, "output cannot grow: %s", strerror(errno));
    return -1;
}

/* ------------------------------------------------------------ execution */

static int exec_list(eddy_template_ctx *t, const struct node *n);
static int exec_while(eddy_template_ctx *t, const struct node *n);
static int exec_try(eddy_template_ctx *t, const struct node *n);

/* stopped - what a failed evaluation means for the node: FLOW_STOP when
 * the render must end, else FLOW_NEXT (the node renders nothing). */
static int stopped(const eddy_template_ctx *t)
{
    return t->failed ? FLOW_STOP : FLOW_NEXT;
}

/* enter - into another body from n: a block, an include, a module; with
 * via, n is a place an error's message names (another file). */
static int enter(eddy_template_ctx *t, const struct node *n, const char *what, bool via)
{
    if (t->depth >= MAX_DEPTH) {
        tpl_fatal(t, n->off, "%s nested too deeply (a cycle?)", what);
        return -1;
    }
    t->depth++;
    if (via)
        t->via[t->nvia++] = (struct via){n->tpl, n->off};
    return 0;
}

static void leave(eddy_template_ctx *t, bool via)
{
    t->depth--;
    if (via)
        t->nvia--;
}

/* tpl_load_from - template name, used at off of the current template; a
 * failure that is not a syntax error in that template itself (not found,
 * outside the root) is reported where it was asked for. */
struct tpl *tpl_load_from(eddy_template_ctx *t, const char *name, size_t off)
{
    struct tpl *tp = tpl_load(t->l, name);
    if (!tp) {
        size_t n = strlen(name);
        if (strncmp(t->l->error, name, n) != 0 || t->l->error[n] != ':') {
            char msg[512];
            size_t len = strnlen(t->l->error, sizeof msg - 1);
            memcpy(msg, t->l->error, len);
            msg[len] = '\0';
            tpl_fatal(t, off, "%s", msg);
        }
        t->failed = true;
        t->raised = false;
    }
    return tp;
}

static int exec_expr(eddy_template_ctx *t, const struct node *n)
{
    const char *esc = n->kind == N_EXPR ? n->tpl->autoescape : NULL;
    bool html = esc && n->tpl->escape_html;
    const struct expr *e = n->e;
    if (e->kind == X_ATTR && (html || !esc)) {
        int col;
        const struct binding *b = row_column(t, e, &col);
        if (b) /* {{ row.column }} of eddy_template_rows: no JSON */
            return tpl_write_column(t, b, col, html) < 0 ? out_fail(t) : FLOW_NEXT;
    }
    if (e->kind == X_CALL && (html || !esc)) {
        int rc = tpl_write_call(t, n);
        if (rc != TPL_NOT_HERE)
            return rc;
    }
    json_t *v = peek(t, n->e);
    if (v && (html || !esc)) /* the common case: written straight from the context */
        return write_value(t->out, v, html) < 0 ? out_fail(t) : FLOW_NEXT;
    if (!(v = tpl_eval(t, n->e)))
        return stopped(t);
    int rc;
    if (!esc || html) {
        rc = write_value(t->out, v, html);
    } else {
        eddy_template_helper_fn h;
        eddy_template_global_fn g;
        json_t *r = NULL;
        if (!tpl_lookup(t, esc, true, &h, &g))
            tpl_rt_error(t, n->off, "unknown autoescape helper \"%s\"", esc);
        else
            r = tpl_call_helper(t, esc, n->off, h, 1, &v);
        json_decref(v);
        if (!r)
            return stopped(t);
        v = r;
        rc = write_value(t->out, v, false);
    }
    json_decref(v);
    return rc < 0 ? out_fail(t) : FLOW_NEXT;
}

/* bind - name = v (stolen); -1 (fatal) when out of memory. */
static int bind(eddy_template_ctx *t, const struct node *n, const char *name, json_t *v)
{
    if (local_set(t, name, v) == 0)
        return 0;
    tpl_fatal(t, n->off, "out of memory");
    return -1;
}

static void restore(eddy_template_ctx *t, const char *name, json_t *old)
{
    if (old)
        local_set(t, name, old);
    else
        local_del(t, name);
}

static json_t *saved(eddy_template_ctx *t, const char *name)
{
    json_t *v = local_get(t, name);
    return v ? json_incref(v) : NULL;
}

static int exec_for(eddy_template_ctx *t, const struct node *n)
{
    /* Rows given as eddy_template_rows (a name no local hides): each
     * round binds the loop variable to a row number, not to JSON. */
    const eddy_db_result *rows = NULL;
    size_t first = 0, children = 0;
    if (n->e->kind == X_NAME && t->rows && !local_binding(t, n->e->name))
        rows = tpl_rows_find(t, n->e->name);
    else if (n->e->kind == X_ATTR && t->rows) /* a row's children: row.child */
        rows = tpl_rows_children(t, n->e, &first, &children);
    /* A reference of the loop's own: the body may rebind the name the
     * sequence came from. */
    json_t *seq = rows ? NULL : peek(t, n->e);
    /* rows: an empty list stands for them (the shared empty list: none
     * is made per loop) */
    seq = seq ? json_incref(seq) : rows ? json_incref(t->l->empty_list) : tpl_eval(t, n->e);
    if (!seq)
        return stopped(t);
    bool pairs = n->var2 != NULL;
    size_t count;
    if (rows) {
        count = n->e->kind == X_NAME ? eddy_db_rows(rows) : children;
    } else if (json_is_array(seq)) {
        count = json_array_size(seq);
    } else if (json_is_object(seq)) {
        count = json_object_size(seq);
    } else if (json_is_null(seq)) {
        count = 0;
    } else {
        tpl_rt_error(t, n->e->off, "cannot loop over %s", tpl_type_name(seq));
        json_decref(seq);
        return stopped(t);
    }
    if (pairs && !json_is_object(seq) && count) {
        tpl_rt_error(t, n->e->off, "\"for %s, %s\" needs an object, not %s", n->var1, n->var2,
                     tpl_type_name(seq));
        json_decref(seq);
        return stopped(t);
    }
    json_t *oldloop = n->uses_loop ? saved(t, "loop") : NULL;
    struct row_steps *steps = rows && count ? tpl_row_steps(t, n, rows) : NULL;
    int rc = FLOW_NEXT;
    void *it = json_is_object(seq) ? json_object_iter(seq) : NULL;
    for (size_t i = 0; i < count && rc == FLOW_NEXT; i++) {
        if (++t->iterations > t->l->max_iterations) {
            tpl_fatal(t, n->off, "more than %lu loop iterations in one render",
                      t->l->max_iterations);
            rc = FLOW_STOP;
            break;
        }
        /* An object, its table and five values per row: only for a body that may read it. */
        if (n->uses_loop && bind(t, n, "loop",
                                 json_pack("{s:I,s:I,s:b,s:b,s:I}", "index", (json_int_t)i + 1,
                                           "index0", (json_int_t)i, "first", i == 0, "last",
                                           i + 1 == count, "length", (json_int_t)count)) < 0) {
            rc = FLOW_STOP;
            break;
        }
        struct binding *row = NULL;
        if (rows) {
            if (!(row = local_set_row(t, n->var1, rows, first + i))) {
                tpl_fatal(t, n->off, "out of memory");
                rc = -1;
            }
        } else if (json_is_array(seq)) {
            rc = bind(t, n, n->var1, json_incref(json_array_get(seq, i)));
        } else {
            if (!it)
                break;
            rc = bind(t, n, n->var1, json_string(json_object_iter_key(it)));
            if (pairs && rc == 0)
                rc = bind(t, n, n->var2, json_incref(json_object_iter_value(it)));
            it = json_object_iter_next(seq, it);
        }
        if (rc < 0) {
            rc = FLOW_STOP;
            break;
        }
        if (steps)
            rc = tpl_run_row_steps(t, steps, row) < 0 ? out_fail(t) : FLOW_NEXT;
        else
            rc = exec_list(t, n->body);
        if (rc == FLOW_CONTINUE)
            rc = FLOW_NEXT;
    }
    /* The loop variables keep their last value, as in Python; loop does not. */
    if (n->uses_loop)
        restore(t, "loop", oldloop);
    json_decref(seq);
    if (rc == FLOW_BREAK)
        return FLOW_NEXT;
    return rc == FLOW_NEXT && n->else_body ? exec_list(t, n->else_body) : rc;
}

/* condition - whether e holds: 1, 0, or -1 when it cannot be computed. */
static int condition(eddy_template_ctx *t, const struct expr *e)
{
    int quick = tpl_quick_condition(t, e);
    if (quick != TPL_NOT_HERE)
        return quick;
    json_t *v = peek(t, e);
    if (v)
        return truthy(v);
    if (!(v = tpl_eval(t, e)))
        return -1;
    bool yes = truthy(v);
    json_decref(v);
    return yes;
}

static int exec_while(eddy_template_ctx *t, const struct node *n)
{
    int rc = FLOW_NEXT;
    for (;;) {
        t->cur = n->tpl;
        int yes = condition(t, n->e);
        if (yes < 0)
            return stopped(t);
        if (!yes)
            break;
        /* Our loop runs on the server's thread: a condition that never
         * turns false must fail the page, not hold every connection. */
        if (++t->iterations > t->l->max_iterations) {
            tpl_fatal(t, n->off, "more than %lu loop iterations in one render",
                      t->l->max_iterations);
            return FLOW_STOP;
        }
        rc = exec_list(t, n->body);
        if (rc == FLOW_BREAK)
            return FLOW_NEXT;
        if (rc != FLOW_NEXT && rc != FLOW_CONTINUE)
            return rc;
    }
    return n->else_body ? exec_list(t, n->else_body) : FLOW_NEXT;
}

/* exec_try - Python's try: an error raised in the body (tpl_rt_error
 * while catching) runs the except clause; else runs when the body ended
 * without an error, break or continue; finally runs in every case but a
 * fatal error, and an error pending across it is raised again after. */
static int exec_try(eddy_template_ctx *t, const struct node *n)
{
    if (n->catches)
        t->catching++;
    int rc = exec_list(t, n->body);
    if (n->catches)
        t->catching--;
    if (rc == FLOW_STOP && t->raised && n->catches) {
        t->failed = t->raised = false;
        if (n->var1 && bind(t, n, n->var1, json_stringn_nocheck(t->exc, strlen(t->exc))) < 0)
            return FLOW_STOP;
        rc = exec_list(t, n->except_body);
        if (n->var1) /* unbound after the clause, as in Python */
            local_del(t, n->var1);
    } else if (rc == FLOW_NEXT && n->else_body) {
        rc = exec_list(t, n->else_body);
    }
    if (!n->finally_body || (rc == FLOW_STOP && !t->raised))
        return rc;
    char *pending = NULL; /* the message of an error on its way out */
    if (rc == FLOW_STOP && !(pending = strdup(t->exc))) {
        tpl_fatal(t, n->off, "out of memory");
        return FLOW_STOP;
    }
    t->failed = t->raised = false;
    int f = exec_list(t, n->finally_body);
    if (f == FLOW_NEXT && pending) {
        snprintf(t->exc, sizeof t->exc, "%s", pending);
        t->failed = t->raised = true;
    }
    free(pending);
    return f == FLOW_NEXT ? rc : f;
}

static int exec_module(eddy_template_ctx *t, const struct node *n)
{
    const struct expr *call = n->e;
    const struct named *m = NULL;
    for (size_t i = 0; i < t->l->nnames && !m; i++)
        if (t->l->names[i].module && strcmp(t->l->names[i].name, call->name) == 0)
            m = &t->l->names[i];
    if (!m) {
        tpl_rt_error(t, call->off, "unknown module \"%s\"", call->name);
        return stopped(t);
    }
    struct call c;
    if (tpl_call_begin(t, call, &c) < 0)
        return stopped(t);
    int r = -1;
    if (enter(t, n, "modules", true) == 0) {
        t->reason[0] = '\0';
        r = m->module(t, c.argc, c.argv);
        t->cur = n->tpl;
        leave(t, true);
        if (r < 0 && !t->failed)
            tpl_rt_error(t, call->off, "module %s: %s", call->name,
                         t->reason[0] ? t->reason : "failed");
    }
    tpl_call_end(t, call, &c, r == 0 && !t->failed, true);
    return t->failed || r < 0 ? stopped(t) : FLOW_NEXT; /* a part it rendered may have failed */
}

static int exec_apply(eddy_template_ctx *t, const struct node *n)
{
    eddy_template_helper_fn h;
    eddy_template_global_fn g;
    if (!tpl_lookup(t, n->text, true, &h, &g)) {
        tpl_rt_error(t, n->off, "unknown helper \"%s\"", n->text);
        return stopped(t);
    }
    size_t mark = t->out->len;
    int rc = exec_list(t, n->body);
    if (rc == FLOW_STOP) {
        /* As in Tornado, where the block is a function of its own: what
         * it wrote is lost with the error a try then catches. */
        if (t->raised)
            eddy_buf_truncate(t->out, mark);
        return rc;
    }
    json_t *s = json_stringn_nocheck(t->out->data ? t->out->data + mark : "", t->out->len - mark);
    eddy_buf_truncate(t->out, mark);
    if (!s) {
        tpl_fatal(t, n->off, "out of memory");
        return FLOW_STOP;
    }
    t->cur = n->tpl;
    json_t *v = tpl_call_helper(t, n->text, n->off, h, 1, &s);
    json_decref(s);
    if (!v)
        return stopped(t);
    int w = write_value(t->out, v, false);
    json_decref(v);
    return w < 0 ? out_fail(t) : rc;
}

static const struct node *find_block(const eddy_template_ctx *t, const struct node *n)
{
    for (size_t i = t->nblocks; i-- > 0;)
        if (strcmp(t->blocks[i].name, n->text) == 0)
            return t->blocks[i].n;
    return n;
}

static int exec_node(eddy_template_ctx *t, const struct node *n)
{
    t->cur = n->tpl;
    switch (n->kind) {
    case N_TEXT:
        return tpl_put_text(t->out, n->text, n->len) < 0 ? out_fail(t) : FLOW_NEXT;
    case N_EXPR:
    case N_RAW:
        return exec_expr(t, n);
    case N_IF:
        for (const struct node *b = n; b; b = b->orelse) {
            if (!b->e)
                return exec_list(t, b->body);
            t->cur = b->tpl;
            int yes = condition(t, b->e);
            if (yes < 0)
                return stopped(t);
            if (yes)
                return exec_list(t, b->body);
        }
        return FLOW_NEXT;
    case N_FOR:
        return exec_for(t, n);
    case N_SET: {
        json_t *v = tpl_eval(t, n->e);
        if (!v && t->failed)
            return FLOW_STOP;
        return bind(t, n, n->var1, v ? v : json_null()) < 0 ? FLOW_STOP : FLOW_NEXT;
    }
    case N_BLOCK: {
        const struct node *b = find_block(t, n);
        bool via = b->tpl != n->tpl;
        if (enter(t, n, "blocks", via) < 0)
            return FLOW_STOP;
        int rc = exec_list(t, b->body);
        leave(t, via);
        return rc;
    }
    case N_INCLUDE: {
        if (enter(t, n, "includes", true) < 0)
            return FLOW_STOP;
        struct tpl *inc = tpl_load_from(t, n->text, n->off);
        int rc = inc ? exec_list(t, inc->body) : FLOW_STOP;
        leave(t, true);
        return rc;
    }
    case N_MODULE:
        return exec_module(t, n);
    case N_APPLY:
        return exec_apply(t, n);
    case N_BREAK:
        return FLOW_BREAK;
    case N_CONTINUE:
        return FLOW_CONTINUE;
    case N_WHILE:
        return exec_while(t, n);
    case N_TRY:
        return exec_try(t, n);
    }
    return FLOW_NEXT;
}

static int exec_list(eddy_template_ctx *t, const struct node *n)
{
    if (n && t->levels >= MAX_LEVELS) {
        t->cur = n->tpl;
        tpl_fatal(t, n->off, "templates nested too deeply");
        return FLOW_STOP;
    }
    t->levels++;
    int rc = FLOW_NEXT;
    for (; n && rc == FLOW_NEXT; n = n->next)
        rc = exec_node(t, n);
    t->levels--;
    return rc;
}

int tpl_exec_body(eddy_template_ctx *t, const struct node *n)
{
    return exec_list(t, n);
}
