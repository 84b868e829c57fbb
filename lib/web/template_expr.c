/*
 * template_expr - the expression language of {{ }} and the tags, parsed
 * into trees: literals, names, dotted paths, indexes, calls, lists and
 * the operators, with Python's precedence.
 *
 * The parser works on [start, end) of the template's source, so an error
 * points at the offending character of the file; nodes and strings go
 * into the template's arena, literals into its array of constants.
 */
#include "template_internal.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------ the parser */

int tpl_perr(struct parser *p, size_t off, const char *fmt, ...)
{
    if (p->failed)
        return -1;
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    tpl_format_error(p->err, p->errcap, p->tp, off, msg);
    p->failed = true;
    return -1;
}

void *tpl_palloc(struct parser *p, size_t n)
{
    void *m = eddy_arena_alloc(&p->tp->arena, n);
    if (m)
        memset(m, 0, n);
    else
        tpl_perr(p, p->pos, "out of memory");
    return m;
}

char *tpl_pstrndup(struct parser *p, const char *s, size_t n)
{
    char *c = eddy_arena_strndup(&p->tp->arena, s, n);
    if (!c)
        tpl_perr(p, p->pos, "out of memory");
    return c;
}
/* --- expressions: a lexer over [pos, end) of the source */

void tpl_lex(struct lexer *x)
{
    const char *s = x->p->s;
    while (x->pos < x->end && is_space(s[x->pos]))
        x->pos++;
    x->start = x->pos;
    x->tlen = 0;
    if (x->pos >= x->end) {
        x->tok = T_END;
        return;
    }
    char c = s[x->pos];
    if (is_ident_start(c)) {
        while (x->pos < x->end && is_ident(s[x->pos]))
            x->pos++;
        x->tok = T_NAME;
    } else if (c >= '0' && c <= '9') {
        size_t i = x->pos;
        bool real = false;
        while (i < x->end && s[i] >= '0' && s[i] <= '9')
            i++;
        if (i + 1 < x->end && s[i] == '.' && s[i + 1] >= '0' && s[i + 1] <= '9') {
            real = true;
            for (i++; i < x->end && s[i] >= '0' && s[i] <= '9'; i++)
                ;
        }
        if (i < x->end && (s[i] == 'e' || s[i] == 'E')) {
            size_t j = i + 1;
            if (j < x->end && (s[j] == '+' || s[j] == '-'))
                j++;
            if (j < x->end && s[j] >= '0' && s[j] <= '9') {
                real = true;
                for (i = j; i < x->end && s[i] >= '0' && s[i] <= '9'; i++)
                    ;
            }
        }
        char num[64];
        size_t n = i - x->pos;
        x->pos = i;
        if (n >= sizeof num || (i < x->end && is_ident(s[i]))) {
            x->tok = T_BAD;
            x->tlen = n;
            return;
        }
        memcpy(num, s + x->start, n);
        num[n] = '\0';
        errno = 0;
        if (real) {
            x->rval = strtod(num, NULL);
            x->tok = T_REAL;
        } else {
            long long v = strtoll(num, NULL, 10);
            x->tok = errno ? T_BAD : T_INT;
            x->ival = v;
        }
    } else if (c == '"' || c == '\'') {
        size_t i = x->pos + 1;
        while (i < x->end && s[i] != c) {
            if (s[i] == '\\' && i + 1 < x->end)
                i++;
            i++;
        }
        if (i >= x->end) {
            x->tok = T_BAD;
            x->tlen = 1;
            x->pos = x->end;
            return;
        }
        x->pos = i + 1;
        x->tok = T_STR;
    } else {
        static const char *const two[] = {"==", "!=", "<=", ">="};
        x->tok = T_OP;
        for (size_t k = 0; k < sizeof two / sizeof two[0]; k++)
            if (x->pos + 1 < x->end && s[x->pos] == two[k][0] && s[x->pos + 1] == two[k][1]) {
                x->pos += 2;
                x->tlen = 2;
                return;
            }
        if (strchr("<>()[].,+-*/%=", c) && c) {
            x->pos++;
        } else {
            x->tok = T_BAD;
            x->pos++;
        }
    }
    x->tlen = x->pos - x->start;
}

int tpl_unexpected(struct lexer *x)
{
    struct parser *p = x->p;
    if (x->tok == T_END)
        return tpl_perr(p, x->start, "unexpected end of expression");
    if (x->tok == T_BAD && (p->s[x->start] == '"' || p->s[x->start] == '\''))
        return tpl_perr(p, x->start, "unterminated string");
    int n = (int)(x->tlen ? x->tlen : 1);
    if (n > 40)
        n = 40;
    return tpl_perr(p, x->start, "unexpected \"%.*s\"", n, p->s + x->start);
}

static struct expr *new_expr(struct parser *p, enum xkind k, size_t off)
{
    /* Evaluation recurses once per node of a left-leaning chain (a + b +
     * ...); handlers render on a coroutine's small stack, so the chain is
     * kept short. */
    if (++p->nodes > MAX_EXPR_NODES) {
        tpl_perr(p, off, "expression too long");
        return NULL;
    }
    struct expr *e = tpl_palloc(p, sizeof *e);
    if (e) {
        e->kind = k;
        e->off = off;
    }
    return e;
}

static struct expr *lit_expr(struct parser *p, json_t *v, size_t off)
{
    if (!v || json_array_append_new(p->tp->consts, v) < 0) {
        tpl_perr(p, off, "out of memory");
        return NULL;
    }
    struct expr *e = new_expr(p, X_LIT, off);
    if (e)
        e->lit = v;
    return e;
}

/* string_lit - the value of the quoted token at [start, start+len). */
static json_t *string_lit(struct parser *p, size_t start, size_t len)
{
    const char *s = p->s + start + 1;
    size_t n = len - 2;
    char *buf = malloc(n + 1);
    if (!buf)
        return NULL;
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] != '\\' || i + 1 == n) {
            buf[o++] = s[i];
            continue;
        }
        char c = s[++i];
        buf[o++] = c == 'n' ? '\n' : c == 't' ? '\t' : c == 'r' ? '\r' : c == '0' ? '\0' : c;
    }
    json_t *v = json_stringn(buf, o);
    free(buf);
    if (!v)
        tpl_perr(p, start, "string is not valid UTF-8");
    return v;
}

static struct expr *parse_or(struct lexer *x);

/* keyword_name - the name of a keyword argument at x (name=, not name==):
 * the name, the lexer past the '='; NULL, the lexer untouched, when x is
 * no keyword argument. */
static const char *keyword_name(struct lexer *x)
{
    if (x->tok != T_NAME)
        return NULL;
    struct lexer save = *x;
    tpl_lex(x);
    if (!op_is(x, "=")) {
        *x = save;
        return NULL;
    }
    tpl_lex(x);
    return tpl_pstrndup(x->p, x->p->s + save.start, save.tlen);
}

/* parse_args - the items of a list, or the arguments of a call (keyword
 * arguments after the positional ones, each name once, as in Python). */
static struct expr *parse_args(struct lexer *x, struct expr *e, const char *close)
{
    struct parser *p = x->p;
    size_t cap = 0;
    tpl_lex(x);
    while (!op_is(x, close)) {
        if (e->nargs == cap) {
            size_t ncap = cap ? cap * 2 : 4;
            struct expr **a = tpl_palloc(p, ncap * sizeof *a);
            const char **k = e->kind == X_CALL ? tpl_palloc(p, ncap * sizeof *k) : NULL;
            if (!a || (e->kind == X_CALL && !k))
                return NULL;
            if (e->nargs)
                memcpy(a, e->args, e->nargs * sizeof *a);
            if (e->nkw)
                memcpy(k, e->kwnames, e->nkw * sizeof *k);
            e->args = a;
            e->kwnames = k;
            cap = ncap;
        }
        size_t at = x->start;
        const char *kw = e->kind == X_CALL ? keyword_name(x) : NULL;
        if (p->failed)
            return NULL;
        if (kw) {
            for (size_t i = 0; i < e->nkw; i++)
                if (strcmp(e->kwnames[i], kw) == 0)
                    return tpl_perr(p, at, "keyword argument \"%s\" repeated", kw), NULL;
            e->kwnames[e->nkw++] = kw;
        } else if (e->nkw) {
            return tpl_perr(p, at, "positional argument after a keyword argument"), NULL;
        }
        struct expr *arg = parse_or(x);
        if (!arg)
            return NULL;
        e->args[e->nargs++] = arg;
        if (op_is(x, ","))
            tpl_lex(x);
        else if (!op_is(x, close))
            return tpl_unexpected(x), NULL;
    }
    tpl_lex(x);
    return e;
}

static struct expr *parse_primary(struct lexer *x)
{
    struct parser *p = x->p;
    size_t off = x->start;
    struct expr *e = NULL;
    if (x->tok == T_INT) {
        e = lit_expr(p, json_integer(x->ival), off);
        tpl_lex(x);
    } else if (x->tok == T_REAL) {
        e = lit_expr(p, isfinite(x->rval) ? json_real(x->rval) : NULL, off);
        tpl_lex(x);
    } else if (x->tok == T_STR) {
        json_t *v = string_lit(p, x->start, x->tlen);
        if (!v)
            return NULL;
        e = lit_expr(p, v, off);
        tpl_lex(x);
    } else if (word_is(x, "true") || word_is(x, "True")) {
        e = lit_expr(p, json_true(), off);
        tpl_lex(x);
    } else if (word_is(x, "false") || word_is(x, "False")) {
        e = lit_expr(p, json_false(), off);
        tpl_lex(x);
    } else if (word_is(x, "null") || word_is(x, "None")) {
        e = lit_expr(p, json_null(), off);
        tpl_lex(x);
    } else if (x->tok == T_NAME && !word_is(x, "and") && !word_is(x, "or") && !word_is(x, "not") &&
               !word_is(x, "in")) {
        const char *name = tpl_pstrndup(p, p->s + x->start, x->tlen);
        size_t namelen = x->tlen;
        if (!name)
            return NULL;
        tpl_lex(x);
        if (op_is(x, "(")) {
            e = new_expr(p, X_CALL, off);
            if (!e)
                return NULL;
            e->name = name;
            return parse_args(x, e, ")");
        }
        e = new_expr(p, X_NAME, off);
        if (e) {
            e->name = name;
            e->namelen = namelen;
            e->name_bit = name_bit_of(name);
        }
        if (strcmp(name, "loop") == 0)
            p->loop_refs++;
    } else if (op_is(x, "(")) {
        tpl_lex(x);
        e = parse_or(x);
        if (!e)
            return NULL;
        if (!op_is(x, ")"))
            return tpl_unexpected(x), NULL;
        tpl_lex(x);
    } else if (op_is(x, "[")) {
        e = new_expr(p, X_LIST, off);
        if (!e)
            return NULL;
        return parse_args(x, e, "]");
    } else {
        return tpl_unexpected(x), NULL;
    }
    return e;
}

static struct expr *parse_postfix(struct lexer *x)
{
    struct parser *p = x->p;
    struct expr *e = parse_primary(x);
    while (e) {
        if (op_is(x, ".")) {
            size_t off = x->start;
            tpl_lex(x);
            if (x->tok != T_NAME)
                return tpl_unexpected(x), NULL;
            struct expr *a = new_expr(p, X_ATTR, off);
            if (!a || !(a->name = tpl_pstrndup(p, p->s + x->start, x->tlen)))
                return NULL;
            a->namelen = x->tlen;
            a->a = e;
            e = a;
            tpl_lex(x);
        } else if (op_is(x, "[")) {
            size_t off = x->start;
            tpl_lex(x);
            struct expr *i = new_expr(p, X_INDEX, off);
            if (!i || !(i->b = parse_or(x)))
                return NULL;
            if (!op_is(x, "]"))
                return tpl_unexpected(x), NULL;
            tpl_lex(x);
            i->a = e;
            e = i;
        } else {
            break;
        }
    }
    return e;
}

static struct expr *parse_unary(struct lexer *x)
{
    if (++x->p->depth > MAX_EXPR_DEPTH) {
        tpl_perr(x->p, x->start, "expression nested too deeply");
        return NULL;
    }
    struct expr *e;
    if (op_is(x, "-")) {
        size_t off = x->start;
        tpl_lex(x);
        e = new_expr(x->p, X_NEG, off);
        if (e && !(e->a = parse_unary(x)))
            e = NULL;
    } else {
        e = parse_postfix(x);
    }
    x->p->depth--;
    return e;
}

static struct expr *binary(struct lexer *x, struct expr *a, enum xkind k, enum xop op, size_t off,
                           struct expr *(*next)(struct lexer *))
{
    struct expr *e = new_expr(x->p, k, off);
    if (!e || !(e->b = next(x)))
        return NULL;
    e->a = a;
    e->op = op;
    return e;
}

static struct expr *parse_mul(struct lexer *x)
{
    struct expr *e = parse_unary(x);
    while (e && (op_is(x, "*") || op_is(x, "/") || op_is(x, "%"))) {
        char c = x->p->s[x->start];
        size_t off = x->start;
        tpl_lex(x);
        e = binary(x, e, X_BIN, c == '*' ? OP_MUL : c == '/' ? OP_DIV : OP_MOD, off, parse_unary);
    }
    return e;
}

static struct expr *parse_add(struct lexer *x)
{
    struct expr *e = parse_mul(x);
    while (e && (op_is(x, "+") || op_is(x, "-"))) {
        char c = x->p->s[x->start];
        size_t off = x->start;
        tpl_lex(x);
        e = binary(x, e, X_BIN, c == '+' ? OP_ADD : OP_SUB, off, parse_mul);
    }
    return e;
}

static struct expr *parse_cmp(struct lexer *x)
{
    static const struct {
        const char *text;
        enum xop op;
    } ops[] = {{"==", OP_EQ}, {"!=", OP_NE}, {"<=", OP_LE},
               {">=", OP_GE}, {"<", OP_LT},  {">", OP_GT}};
    struct expr *e = parse_add(x);
    if (!e)
        return NULL;
    size_t off = x->start;
    for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++)
        if (op_is(x, ops[i].text)) {
            tpl_lex(x);
            return binary(x, e, X_BIN, ops[i].op, off, parse_add);
        }
    if (word_is(x, "in")) {
        tpl_lex(x);
        return binary(x, e, X_BIN, OP_IN, off, parse_add);
    }
    if (word_is(x, "not")) {
        struct lexer save = *x;
        tpl_lex(x);
        if (word_is(x, "in")) {
            tpl_lex(x);
            return binary(x, e, X_BIN, OP_NOTIN, off, parse_add);
        }
        *x = save;
    }
    return e;
}

static struct expr *parse_not(struct lexer *x)
{
    if (!word_is(x, "not"))
        return parse_cmp(x);
    if (++x->p->depth > MAX_EXPR_DEPTH) {
        tpl_perr(x->p, x->start, "expression nested too deeply");
        return NULL;
    }
    size_t off = x->start;
    tpl_lex(x);
    struct expr *e = new_expr(x->p, X_NOT, off);
    if (e && !(e->a = parse_not(x)))
        e = NULL;
    x->p->depth--;
    return e;
}

static struct expr *parse_and(struct lexer *x)
{
    struct expr *e = parse_not(x);
    while (e && word_is(x, "and")) {
        size_t off = x->start;
        tpl_lex(x);
        e = binary(x, e, X_AND, OP_EQ, off, parse_not);
    }
    return e;
}

static struct expr *parse_or(struct lexer *x)
{
    if (++x->p->depth > MAX_EXPR_DEPTH) {
        tpl_perr(x->p, x->start, "expression nested too deeply");
        return NULL;
    }
    struct expr *e = parse_and(x);
    while (e && word_is(x, "or")) {
        size_t off = x->start;
        tpl_lex(x);
        e = binary(x, e, X_OR, OP_EQ, off, parse_and);
    }
    x->p->depth--;
    return e;
}

/* tpl_parse_expr - the whole of [start, end) as one expression. */
struct expr *tpl_parse_expr(struct parser *p, size_t start, size_t end)
{
    struct lexer x = {.p = p, .pos = start, .end = end};
    p->nodes = 0;
    tpl_lex(&x);
    if (x.tok == T_END) {
        tpl_perr(p, start, "expression expected");
        return NULL;
    }
    struct expr *e = parse_or(&x);
    if (e && x.tok != T_END)
        return tpl_unexpected(&x), NULL;
    return e;
}
