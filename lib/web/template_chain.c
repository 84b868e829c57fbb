/*
 * template_chain - a render's chain of templates, as Tornado's
 * inheritance works: {% extends %} is followed to the root ancestor,
 * every {% block %} of the chain (root first, so the most derived wins,
 * included files too) goes into the render's map, and the root's body is
 * executed (template_exec.c), its block nodes looked up in that map.
 */
#include "template_internal.h"

#include <stdlib.h>
#include <string.h>

static int add_block(eddy_template_ctx *t, const struct node *n, size_t *cap)
{
    for (size_t i = 0; i < t->nblocks; i++)
        if (strcmp(t->blocks[i].name, n->text) == 0) {
            t->blocks[i].n = n;
            return 0;
        }
    if (t->nblocks == *cap) {
        size_t c = *cap ? *cap * 2 : 8;
        struct block_entry *b = realloc(t->blocks, c * sizeof *b);
        if (!b)
            return -1;
        t->blocks = b;
        *cap = c;
    }
    t->blocks[t->nblocks++] = (struct block_entry){n->text, n};
    return 0;
}

/* collect - the blocks and includes under n, at any depth, into
 * list[k...] (NULL: only counted); the count after them. */
static size_t collect(const struct node *n, const struct node **list, size_t k)
{
    for (; n; n = n->next) {
        if (n->kind == N_TEXT || n->kind == N_EXPR || n->kind == N_RAW)
            continue; /* most nodes: nothing under them */
        if (n->kind == N_BLOCK || n->kind == N_INCLUDE) {
            if (list)
                list[k] = n;
            k++;
        }
        for (const struct node *b = n; b; b = b->kind == N_IF ? b->orelse : NULL)
            k = collect(b->body, list, k);
        const struct node *clauses[] = {n->else_body, n->except_body, n->finally_body};
        for (size_t i = 0; i < sizeof clauses / sizeof clauses[0]; i++)
            k = collect(clauses[i], list, k);
    }
    return k;
}

/* find_blocks - every block of tp (and of the files it includes) into
 * the map. */
static int find_blocks(eddy_template_ctx *t, struct tpl *tp, size_t *cap, int depth)
{
    if (!tp->marked) {
        size_t n = collect(tp->body, NULL, 0);
        if (n && !(tp->marks = eddy_arena_alloc(&tp->arena, n * sizeof *tp->marks))) {
            t->cur = tp;
            tpl_fatal(t, 0, "out of memory");
            return -1;
        }
        collect(tp->body, tp->marks, 0);
        tp->nmarks = n;
        tp->marked = true;
    }
    for (size_t i = 0; i < tp->nmarks; i++) {
        const struct node *n = tp->marks[i];
        t->cur = n->tpl;
        if (n->kind == N_BLOCK) {
            if (add_block(t, n, cap) < 0) {
                tpl_fatal(t, n->off, "out of memory");
                return -1;
            }
            continue;
        }
        if (depth >= MAX_DEPTH) {
            tpl_fatal(t, n->off, "includes nested too deeply (a cycle?)");
            return -1;
        }
        struct tpl *inc = tpl_load_from(t, n->text, n->off);
        if (!inc || find_blocks(t, inc, cap, depth + 1) < 0)
            return -1;
    }
    return 0;
}

/* tpl_render_chain - template name with its ancestors: the root's body with
 * the blocks of the whole chain. */
int tpl_render_chain(eddy_template_ctx *t, const char *name)
{
    struct tpl *chain[MAX_DEPTH];
    size_t n = 0;
    struct tpl *tp = tpl_load(t->l, name);
    if (!tp) {
        t->failed = true;
        return -1;
    }
    chain[n++] = tp;
    while (tp->extends) {
        t->cur = tp;
        if (n == MAX_DEPTH) {
            tpl_fatal(t, tp->extends_off, "extends nested too deeply (a cycle?)");
            return -1;
        }
        if (!(tp = tpl_load_from(t, tp->extends, tp->extends_off)))
            return -1;
        chain[n++] = tp;
    }
    size_t cap = 0;
    for (size_t i = n; i-- > 0;)
        if (find_blocks(t, chain[i], &cap, 0) < 0)
            return -1;
    /* Room for what the template wrote last time (up to a limit: one
     * huge page must not make every later one take as much), at once: a
     * page of 50 kB otherwise grows its buffer, and copies it, a dozen
     * times. */
    struct tpl *page = chain[0];
    size_t start = t->out->len;
    if (page->size_hint)
        (void)eddy_buf_reserve(t->out, page->size_hint < SIZE_HINT_MAX ? page->size_hint
                                                                        : SIZE_HINT_MAX);
    if (tpl_exec_body(t, chain[n - 1]->body) == FLOW_STOP)
        return -1;
    page->size_hint = t->out->len - start;
    return 0;
}
