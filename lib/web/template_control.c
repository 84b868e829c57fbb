/*
 * template_control - the tags that hold bodies with clauses, as Python's
 * statements have them (Tornado hands them to Python as they are):
 *
 *     {% if c %} {% elif c %} {% else %} {% end %}
 *     {% for x in seq %} {% else %} {% end %}      else: not left by break
 *     {% while c %} {% else %} {% end %}
 *     {% try %} {% except %} {% else %} {% finally %} {% end %}
 *
 * Each parser reads the body, then the clause that ended it, and checks
 * the clauses come in Python's order. A loop's else clause is outside the
 * loop, so break and continue there belong to an enclosing loop.
 */
#include "template_internal.h"

#include <string.h>

static const char *const term_name[] = {
    [END_ELSE] = "else", [END_ELIF] = "elif", [END_EXCEPT] = "except", [END_FINALLY] = "finally"};

/* takes_nothing - a clause that has no suffix has none. */
static int takes_nothing(struct parser *p, const struct ending *end)
{
    if (end->sfx == end->sfx_end)
        return 0;
    return tpl_perr(p, end->sfx, "\"%s\" takes nothing", term_name[end->term]);
}

static int missing_end(struct parser *p, const struct node *n, const char *tag)
{
    return tpl_perr(p, n->off, "missing {%% end %%} for \"%s\"", tag);
}

int tpl_parse_if(struct parser *p, struct node *n, size_t sa, size_t sb, bool in_loop)
{
    struct node *branch = n;
    bool seen_else = false;
    for (;;) {
        if (!seen_else && sa == sb)
            return tpl_perr(p, branch->off, "\"%s\" needs a condition",
                            branch == n ? "if" : "elif");
        if (!seen_else && !(branch->e = tpl_parse_expr(p, sa, sb)))
            return -1;
        struct ending end;
        if (tpl_parse_body(p, "if", in_loop, &branch->body, &end) < 0)
            return -1;
        if (end.term == END_EOF)
            return missing_end(p, n, "if");
        if (end.term == END_END)
            return 0;
        if (seen_else)
            return tpl_perr(p, end.off, "\"%s\" after \"else\"", term_name[end.term]);
        struct node *next = tpl_new_node(p, N_IF, end.off);
        if (!next)
            return -1;
        branch->orelse = next;
        branch = next;
        if (end.term == END_ELSE) {
            if (takes_nothing(p, &end) < 0)
                return -1;
            seen_else = true;
        }
        sa = end.sfx;
        sb = end.sfx_end;
    }
}

/* loop_else - what follows a loop's body: {% end %}, or an else clause
 * (parsed with the enclosing loop's in_loop) and then {% end %}. */
static int loop_else(struct parser *p, struct node *n, const char *tag, struct ending *end,
                     bool in_loop)
{
    if (end->term == END_EOF)
        return missing_end(p, n, tag);
    if (end->term == END_END)
        return 0;
    if (takes_nothing(p, end) < 0 || tpl_parse_body(p, tag, in_loop, &n->else_body, end) < 0)
        return -1;
    if (end->term == END_EOF)
        return missing_end(p, n, tag);
    if (end->term != END_END)
        return tpl_perr(p, end->off, "\"else\" after \"else\"");
    return 0;
}

int tpl_parse_for(struct parser *p, struct node *n, size_t sa, size_t sb, bool in_loop)
{
    struct lexer x = {.p = p, .pos = sa, .end = sb};
    tpl_lex(&x);
    if (x.tok != T_NAME)
        return tpl_perr(p, sa, "\"for\" needs \"name in expression\"");
    if (!(n->var1 = tpl_pstrndup(p, p->s + x.start, x.tlen)))
        return -1;
    tpl_lex(&x);
    if (op_is(&x, ",")) {
        tpl_lex(&x);
        if (x.tok != T_NAME)
            return tpl_unexpected(&x);
        if (!(n->var2 = tpl_pstrndup(p, p->s + x.start, x.tlen)))
            return -1;
        tpl_lex(&x);
    }
    if (!word_is(&x, "in"))
        return tpl_perr(p, x.start, "\"for\" needs \"name in expression\"");
    if (!(n->e = tpl_parse_expr(p, x.pos, sb)))
        return -1;
    struct ending end;
    unsigned refs = p->loop_refs;
    if (tpl_parse_body(p, "for", true, &n->body, &end) < 0)
        return -1;
    /* An included file or a child's block may read "loop" too: only a
     * body that can reach no other template is known not to. */
    n->uses_loop = p->loop_refs != refs;
    return loop_else(p, n, "for", &end, in_loop);
}

int tpl_parse_while(struct parser *p, struct node *n, size_t sa, size_t sb, bool in_loop)
{
    if (sa == sb)
        return tpl_perr(p, n->off, "\"while\" needs a condition");
    if (!(n->e = tpl_parse_expr(p, sa, sb)))
        return -1;
    struct ending end;
    if (tpl_parse_body(p, "while", true, &n->body, &end) < 0)
        return -1;
    return loop_else(p, n, "while", &end, in_loop);
}

/* except_clause - the suffix of {% except %}: nothing, "Exception" or
 * "Exception as name". The language has one kind of error, so a clause
 * catches every one; naming another class would promise a choice that
 * is not made. */
static int except_clause(struct parser *p, struct node *n, const struct ending *end)
{
    struct lexer x = {.p = p, .pos = end->sfx, .end = end->sfx_end};
    tpl_lex(&x);
    if (x.tok == T_END)
        return 0;
    if (!word_is(&x, "Exception"))
        return tpl_perr(p, x.start,
                        "\"except\" catches every error: write {%% except %%} or "
                        "{%% except Exception as name %%}");
    tpl_lex(&x);
    if (x.tok == T_END)
        return 0;
    if (!word_is(&x, "as"))
        return tpl_unexpected(&x);
    tpl_lex(&x);
    if (x.tok != T_NAME)
        return tpl_perr(p, x.start, "\"except Exception as\" needs a name");
    if (!(n->var1 = tpl_pstrndup(p, p->s + x.start, x.tlen)))
        return -1;
    tpl_lex(&x);
    return x.tok == T_END ? 0 : tpl_unexpected(&x);
}

int tpl_parse_try(struct parser *p, struct node *n, size_t sa, size_t sb, bool in_loop)
{
    if (sa != sb)
        return tpl_perr(p, sa, "\"try\" takes nothing");
    struct ending end;
    if (tpl_parse_body(p, "try", in_loop, &n->body, &end) < 0)
        return -1;
    /* Python's order: except, else (only after except), finally; one of
     * except and finally at least. */
    enum term last = END_END; /* the clause read last; END_END: none yet */
    for (;;) {
        if (end.term == END_EOF)
            return missing_end(p, n, "try");
        if (end.term == END_END)
            break;
        struct node **body;
        if (end.term == END_EXCEPT) {
            if (last != END_END)
                return tpl_perr(p, end.off, "\"except\" after \"%s\" (a try has one except)",
                                term_name[last]);
            if (except_clause(p, n, &end) < 0)
                return -1;
            n->catches = true;
            body = &n->except_body;
        } else if (end.term == END_ELSE) {
            if (last != END_EXCEPT)
                return tpl_perr(p, end.off, "\"else\" in a try comes right after \"except\"");
            body = &n->else_body;
        } else { /* END_FINALLY */
            if (last == END_FINALLY)
                return tpl_perr(p, end.off, "\"finally\" after \"finally\"");
            body = &n->finally_body;
        }
        if (end.term != END_EXCEPT && takes_nothing(p, &end) < 0)
            return -1;
        last = end.term;
        if (tpl_parse_body(p, "try", in_loop, body, &end) < 0)
            return -1;
    }
    if (last == END_END)
        return tpl_perr(p, n->off, "\"try\" needs an \"except\" or a \"finally\"");
    return 0;
}
