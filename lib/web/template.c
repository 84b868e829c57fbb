/*
 * template - compile templates into trees, render trees; see template.h.
 *
 * A template's source is parsed once into a list of nodes (text, an
 * expression, an if with its branches, a for, ...) whose strings and
 * expression trees live in the template's arena. Rendering walks the
 * list and appends to the caller's eddy_buf: text is copied, a value is
 * escaped straight into the buffer, so no string is built per node.
 * Names a render binds ({% set %}, loop variables) live in one JSON object
 * per render, looked up before the context: like the Python function
 * Tornado generates, a set inside a loop is still visible after it.
 *
 * Inheritance works as in Tornado: the chain of {% extends %} is followed
 * to the root ancestor, every {% block %} of the chain (root first, so
 * the most derived wins) goes into a map, and the root's body is rendered
 * with block nodes looked up in that map.
 */
#include <eddy/web/template.h>

#include <eddy/base/arena.h>
#include <eddy/base/url.h>
#include <eddy/base/log.h>

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

enum {
    MAX_DEPTH = 32,       /* extends, include, block and module nesting */
    MAX_EXPR_DEPTH = 64,  /* parentheses and operators in one expression */
    MAX_NESTING = 100,    /* if, for, block, apply inside one another */
    MAX_EXPR_NODES = 200, /* operators and operands in one expression */
    MAX_LEVELS = 160,     /* nested bodies in one render, across files */
    SHOWN_LINE_MAX = 240  /* bytes of the offending line an error shows */
};

/* ------------------------------------------------------------ the trees */

enum xkind { X_LIT, X_NAME, X_ATTR, X_INDEX, X_CALL, X_LIST, X_NOT, X_NEG, X_AND, X_OR, X_BIN };
enum xop {
    OP_EQ,
    OP_NE,
    OP_LT,
    OP_LE,
    OP_GT,
    OP_GE,
    OP_IN,
    OP_NOTIN,
    OP_ADD,
    OP_SUB,
    OP_MUL,
    OP_DIV,
    OP_MOD
};

struct expr {
    enum xkind kind;
    enum xop op;
    size_t off;       /* where it starts in the source, for errors */
    json_t *lit;      /* X_LIT, owned by the template's consts */
    const char *name; /* X_NAME, the key of X_ATTR, the helper of X_CALL */
    size_t namelen;   /* strlen(name), so that lookups need not count it */
    struct expr *a, *b;
    struct expr **args; /* X_CALL, X_LIST */
    size_t nargs;
};

enum nkind {
    N_TEXT,
    N_EXPR,
    N_RAW,
    N_IF,
    N_FOR,
    N_SET,
    N_BLOCK,
    N_INCLUDE,
    N_MODULE,
    N_APPLY,
    N_BREAK,
    N_CONTINUE
};

struct tpl;

struct node {
    enum nkind kind;
    size_t off;
    struct tpl *tpl; /* the template it belongs to: errors, autoescape */
    struct node *next;
    const char *text; /* N_TEXT; the name of a block, include or apply helper */
    size_t len;
    struct expr *e;          /* the expression, condition (NULL: else), sequence or call */
    const char *var1, *var2; /* N_SET's name; N_FOR's targets */
    bool uses_loop;          /* N_FOR: its body may read "loop" (else it is not built) */
    struct node *body;
    struct node *orelse; /* N_IF: the next branch */
};

struct tpl {
    char *name;
    char *src; /* the source, kept for error messages */
    size_t srclen;
    bool from_memory;
    bool compiled;
    struct timespec mtime; /* of the file compiled (debug reloads) */
    off_t size;
    eddy_arena arena;
    json_t *consts; /* literals of the expressions */
    struct node *body;
    const char *extends; /* resolved name of the parent, or NULL */
    size_t extends_off;
    const char *autoescape; /* for the whole file, as in Tornado; NULL: none */
    bool escape_html;       /* autoescape is the built-in HTML escape */
    struct tpl *next;       /* hash chain, or the retired list */
};

struct named {
    char *name;
    eddy_template_helper_fn helper;
    eddy_template_global_fn global;
    eddy_template_module_fn module;
};

struct eddy_template_loader {
    char *root; /* real path, or NULL */
    bool debug;
    struct tpl **buckets;
    size_t nbuckets, count;
    struct named *names;
    size_t nnames, capnames;
    struct tpl *retired; /* replaced while a render may still use them */
    int active;          /* renders in progress */
    unsigned long max_iterations;
    char error[4096];
};

struct block_entry {
    const char *name;
    const struct node *n;
};

struct assets {
    char **items[4]; /* css files, js files, css text, js text */
    size_t count[4];
};

/* A render's own names ({% set %}, loop variables) are few: an array
 * searched by name costs less than a hash table built for every render. */
struct binding {
    const char *name; /* from a compiled tree, which outlives the render */
    json_t *v;        /* owned */
};

struct eddy_template_ctx {
    eddy_template_loader *l;
    const eddy_template_env *env;
    eddy_buf *out;
    json_t *ctx; /* borrowed */
    struct binding *locals;
    size_t nlocals, caplocals;
    struct block_entry *blocks;
    size_t nblocks;
    struct assets *assets;
    const struct tpl *cur; /* the template being rendered, for errors */
    int depth;
    int levels;  /* bodies being executed inside one another */
    bool failed; /* a fatal error: stop */
    unsigned long iterations;
    char reason[512]; /* from eddy_template_fail */
};

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

/* format_error - "name:line:col: message", the line and a caret under off. */
static void format_error(char *dst, size_t cap, const struct tpl *tp, size_t off, const char *fmt,
                         va_list ap)
{
    char msg[1024];
    vsnprintf(msg, sizeof msg, fmt, ap);
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

static void loader_fail(eddy_template_loader *l, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void loader_fail(eddy_template_loader *l, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(l->error, sizeof l->error, fmt, ap);
    va_end(ap);
}

/* rt_error - a runtime error at off of the current template: fatal in
 * debug mode, logged in production (the caller renders nothing). */
static void rt_error(eddy_template_ctx *t, size_t off, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void rt_error(eddy_template_ctx *t, size_t off, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    format_error(t->l->error, sizeof t->l->error, t->cur, off, fmt, ap);
    va_end(ap);
    if (t->l->debug)
        t->failed = true;
    else
        eddy_error("template: %s", t->l->error);
}

/* fatal - an error that stops the render in every mode. */
static void fatal(eddy_template_ctx *t, size_t off, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void fatal(eddy_template_ctx *t, size_t off, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    format_error(t->l->error, sizeof t->l->error, t->cur, off, fmt, ap);
    va_end(ap);
    t->failed = true;
}

/* ------------------------------------------------------------ the parser */

struct parser {
    struct tpl *tp;
    const char *s;
    size_t len, pos;
    int whitespace; /* 0 all, 1 single, 2 oneline */
    char *err;
    size_t errcap;
    bool failed;
    int depth;          /* expression nesting */
    int nesting;        /* block tags inside block tags */
    int nodes;          /* of the expression being parsed */
    unsigned loop_refs; /* names "loop", includes and blocks seen: may read "loop" */
};

static int perr(struct parser *p, size_t off, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int perr(struct parser *p, size_t off, const char *fmt, ...)
{
    if (p->failed)
        return -1;
    va_list ap;
    va_start(ap, fmt);
    format_error(p->err, p->errcap, p->tp, off, fmt, ap);
    va_end(ap);
    p->failed = true;
    return -1;
}

static void *palloc(struct parser *p, size_t n)
{
    void *m = eddy_arena_alloc(&p->tp->arena, n);
    if (m)
        memset(m, 0, n);
    else
        perr(p, p->pos, "out of memory");
    return m;
}

static char *pstrndup(struct parser *p, const char *s, size_t n)
{
    char *c = eddy_arena_strndup(&p->tp->arena, s, n);
    if (!c)
        perr(p, p->pos, "out of memory");
    return c;
}

static bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}
static bool is_ident_start(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}
static bool is_ident(char c)
{
    return is_ident_start(c) || (c >= '0' && c <= '9');
}

/* --- expressions: a lexer over [pos, end) of the source */

enum tok { T_END, T_NAME, T_INT, T_REAL, T_STR, T_OP, T_BAD };

struct lexer {
    struct parser *p;
    size_t pos, end;
    enum tok tok;
    size_t start, tlen; /* the current token's span */
    json_int_t ival;
    double rval;
};

static bool tok_is(const struct lexer *x, enum tok k, const char *text)
{
    size_t n = strlen(text);
    return x->tok == k && x->tlen == n && memcmp(x->p->s + x->start, text, n) == 0;
}

static bool op_is(const struct lexer *x, const char *op)
{
    return tok_is(x, T_OP, op);
}
static bool word_is(const struct lexer *x, const char *w)
{
    return tok_is(x, T_NAME, w);
}

static void lex(struct lexer *x)
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

static int unexpected(struct lexer *x)
{
    struct parser *p = x->p;
    if (x->tok == T_END)
        return perr(p, x->start, "unexpected end of expression");
    if (x->tok == T_BAD && (p->s[x->start] == '"' || p->s[x->start] == '\''))
        return perr(p, x->start, "unterminated string");
    int n = (int)(x->tlen ? x->tlen : 1);
    if (n > 40)
        n = 40;
    return perr(p, x->start, "unexpected \"%.*s\"", n, p->s + x->start);
}

static struct expr *new_expr(struct parser *p, enum xkind k, size_t off)
{
    /* Evaluation recurses once per node of a left-leaning chain (a + b +
     * ...); handlers render on a coroutine's small stack, so the chain is
     * kept short. */
    if (++p->nodes > MAX_EXPR_NODES) {
        perr(p, off, "expression too long");
        return NULL;
    }
    struct expr *e = palloc(p, sizeof *e);
    if (e) {
        e->kind = k;
        e->off = off;
    }
    return e;
}

static struct expr *lit_expr(struct parser *p, json_t *v, size_t off)
{
    if (!v || json_array_append_new(p->tp->consts, v) < 0) {
        perr(p, off, "out of memory");
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
        perr(p, start, "string is not valid UTF-8");
    return v;
}

static struct expr *parse_or(struct lexer *x);

static struct expr *parse_args(struct lexer *x, struct expr *e, const char *close)
{
    struct parser *p = x->p;
    size_t cap = 0;
    lex(x);
    while (!op_is(x, close)) {
        if (e->nargs == cap) {
            size_t ncap = cap ? cap * 2 : 4;
            struct expr **a = palloc(p, ncap * sizeof *a);
            if (!a)
                return NULL;
            if (e->nargs)
                memcpy(a, e->args, e->nargs * sizeof *a);
            e->args = a;
            cap = ncap;
        }
        struct expr *arg = parse_or(x);
        if (!arg)
            return NULL;
        e->args[e->nargs++] = arg;
        if (op_is(x, ","))
            lex(x);
        else if (!op_is(x, close))
            return unexpected(x), NULL;
    }
    lex(x);
    return e;
}

static struct expr *parse_primary(struct lexer *x)
{
    struct parser *p = x->p;
    size_t off = x->start;
    struct expr *e = NULL;
    if (x->tok == T_INT) {
        e = lit_expr(p, json_integer(x->ival), off);
        lex(x);
    } else if (x->tok == T_REAL) {
        e = lit_expr(p, isfinite(x->rval) ? json_real(x->rval) : NULL, off);
        lex(x);
    } else if (x->tok == T_STR) {
        json_t *v = string_lit(p, x->start, x->tlen);
        if (!v)
            return NULL;
        e = lit_expr(p, v, off);
        lex(x);
    } else if (word_is(x, "true") || word_is(x, "True")) {
        e = lit_expr(p, json_true(), off);
        lex(x);
    } else if (word_is(x, "false") || word_is(x, "False")) {
        e = lit_expr(p, json_false(), off);
        lex(x);
    } else if (word_is(x, "null") || word_is(x, "None")) {
        e = lit_expr(p, json_null(), off);
        lex(x);
    } else if (x->tok == T_NAME && !word_is(x, "and") && !word_is(x, "or") && !word_is(x, "not") &&
               !word_is(x, "in")) {
        const char *name = pstrndup(p, p->s + x->start, x->tlen);
        size_t namelen = x->tlen;
        if (!name)
            return NULL;
        lex(x);
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
        }
        if (strcmp(name, "loop") == 0)
            p->loop_refs++;
    } else if (op_is(x, "(")) {
        lex(x);
        e = parse_or(x);
        if (!e)
            return NULL;
        if (!op_is(x, ")"))
            return unexpected(x), NULL;
        lex(x);
    } else if (op_is(x, "[")) {
        e = new_expr(p, X_LIST, off);
        if (!e)
            return NULL;
        return parse_args(x, e, "]");
    } else {
        return unexpected(x), NULL;
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
            lex(x);
            if (x->tok != T_NAME)
                return unexpected(x), NULL;
            struct expr *a = new_expr(p, X_ATTR, off);
            if (!a || !(a->name = pstrndup(p, p->s + x->start, x->tlen)))
                return NULL;
            a->namelen = x->tlen;
            a->a = e;
            e = a;
            lex(x);
        } else if (op_is(x, "[")) {
            size_t off = x->start;
            lex(x);
            struct expr *i = new_expr(p, X_INDEX, off);
            if (!i || !(i->b = parse_or(x)))
                return NULL;
            if (!op_is(x, "]"))
                return unexpected(x), NULL;
            lex(x);
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
        perr(x->p, x->start, "expression nested too deeply");
        return NULL;
    }
    struct expr *e;
    if (op_is(x, "-")) {
        size_t off = x->start;
        lex(x);
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
        lex(x);
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
        lex(x);
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
            lex(x);
            return binary(x, e, X_BIN, ops[i].op, off, parse_add);
        }
    if (word_is(x, "in")) {
        lex(x);
        return binary(x, e, X_BIN, OP_IN, off, parse_add);
    }
    if (word_is(x, "not")) {
        struct lexer save = *x;
        lex(x);
        if (word_is(x, "in")) {
            lex(x);
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
        perr(x->p, x->start, "expression nested too deeply");
        return NULL;
    }
    size_t off = x->start;
    lex(x);
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
        lex(x);
        e = binary(x, e, X_AND, OP_EQ, off, parse_not);
    }
    return e;
}

static struct expr *parse_or(struct lexer *x)
{
    if (++x->p->depth > MAX_EXPR_DEPTH) {
        perr(x->p, x->start, "expression nested too deeply");
        return NULL;
    }
    struct expr *e = parse_and(x);
    while (e && word_is(x, "or")) {
        size_t off = x->start;
        lex(x);
        e = binary(x, e, X_OR, OP_EQ, off, parse_and);
    }
    x->p->depth--;
    return e;
}

/* parse_expr - the whole of [start, end) as one expression. */
static struct expr *parse_expr(struct parser *p, size_t start, size_t end)
{
    struct lexer x = {.p = p, .pos = start, .end = end};
    p->nodes = 0;
    lex(&x);
    if (x.tok == T_END) {
        perr(p, start, "expression expected");
        return NULL;
    }
    struct expr *e = parse_or(&x);
    if (e && x.tok != T_END)
        return unexpected(&x), NULL;
    return e;
}

/* --- names of other templates */

/* resolve_name - name relative to the directory of parent (a name with a
 * leading '/' is relative to the root), with "." and ".." applied; NULL
 * if it climbs out of the root. Allocated with malloc. */
static char *resolve_name(const char *parent, const char *name, size_t len)
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

/* --- text */

/* add_text - a text node for [start, end), filtered by the whitespace mode. */
static int add_text(struct parser *p, struct node ***tail, size_t start, size_t end)
{
    if (end <= start)
        return 0;
    const char *s = p->s + start;
    size_t n = end - start;
    char *buf = palloc(p, n + 1);
    if (!buf)
        return -1;
    size_t o = 0;
    if (p->whitespace == 0) {
        memcpy(buf, s, n);
        o = n;
    } else {
        for (size_t i = 0; i < n;) {
            if (!is_space(s[i])) {
                buf[o++] = s[i++];
                continue;
            }
            size_t j = i;
            bool newline = false, only_blanks = true;
            while (j < n && is_space(s[j])) {
                newline |= s[j] == '\n';
                only_blanks &= s[j] == ' ' || s[j] == '\t';
                j++;
            }
            if (p->whitespace == 2 || (newline ? false : only_blanks)) {
                buf[o++] = ' ';
            } else if (newline) {
                buf[o++] = '\n';
            } else { /* single: blanks collapse, other spaces (\r \f \v) stay */
                for (size_t k = i; k < j;) {
                    if (s[k] == ' ' || s[k] == '\t') {
                        buf[o++] = ' ';
                        while (k < j && (s[k] == ' ' || s[k] == '\t'))
                            k++;
                    } else {
                        buf[o++] = s[k++];
                    }
                }
            }
            i = j;
        }
    }
    if (o == 0)
        return 0;
    struct node *nd = palloc(p, sizeof *nd);
    if (!nd)
        return -1;
    nd->kind = N_TEXT;
    nd->off = start;
    nd->tpl = p->tp;
    nd->text = buf;
    nd->len = o;
    **tail = nd;
    *tail = &nd->next;
    return 0;
}

/* --- tags */

enum term { END_EOF, END_END, END_ELSE, END_ELIF };

struct ending {
    enum term term;
    size_t off;          /* the tag's operator */
    size_t sfx, sfx_end; /* its suffix */
};

static int parse_body(struct parser *p, const char *in_block, bool in_loop, struct node **out,
                      struct ending *end);
static int parse_body_at(struct parser *p, const char *in_block, bool in_loop, struct node **tail,
                         struct ending *end);

static struct node *new_node(struct parser *p, enum nkind k, size_t off)
{
    struct node *n = palloc(p, sizeof *n);
    if (n) {
        n->kind = k;
        n->off = off;
        n->tpl = p->tp;
    }
    return n;
}

static void trim(const char *s, size_t *a, size_t *b)
{
    while (*a < *b && is_space(s[*a]))
        (*a)++;
    while (*b > *a && is_space(s[*b - 1]))
        (*b)--;
}

/* ident_span - [a, b) is exactly one identifier. */
static bool ident_span(const char *s, size_t a, size_t b)
{
    if (a >= b || !is_ident_start(s[a]))
        return false;
    for (size_t i = a; i < b; i++)
        if (!is_ident(s[i]))
            return false;
    return true;
}

/* quoted_name - a template name, with its quotes stripped as Tornado does. */
static char *quoted_name(struct parser *p, size_t a, size_t b, const char *tag, size_t off)
{
    while (a < b && p->s[a] == '"')
        a++;
    while (b > a && p->s[b - 1] == '"')
        b--;
    while (a < b && p->s[a] == '\'')
        a++;
    while (b > a && p->s[b - 1] == '\'')
        b--;
    if (a == b) {
        perr(p, off, "\"%s\" needs a template name", tag);
        return NULL;
    }
    char *r = resolve_name(p->tp->name, p->s + a, b - a);
    if (!r) {
        perr(p, a, "template \"%.*s\" is outside the template root", (int)(b - a), p->s + a);
        return NULL;
    }
    char *c = pstrndup(p, r, strlen(r));
    free(r);
    return c;
}

static int parse_if(struct parser *p, struct node *n, size_t sa, size_t sb, bool in_loop)
{
    struct node *branch = n;
    bool seen_else = false;
    for (;;) {
        if (!seen_else && sa == sb)
            return perr(p, branch->off, "\"%s\" needs a condition", branch == n ? "if" : "elif");
        if (!seen_else && !(branch->e = parse_expr(p, sa, sb)))
            return -1;
        struct ending end;
        if (parse_body(p, "if", in_loop, &branch->body, &end) < 0)
            return -1;
        if (end.term == END_EOF)
            return perr(p, n->off, "missing {%% end %%} for \"if\"");
        if (end.term == END_END)
            return 0;
        if (seen_else)
            return perr(p, end.off, "\"%s\" after \"else\"",
                        end.term == END_ELSE ? "else" : "elif");
        struct node *next = new_node(p, N_IF, end.off);
        if (!next)
            return -1;
        branch->orelse = next;
        branch = next;
        if (end.term == END_ELSE) {
            if (end.sfx != end.sfx_end)
                return perr(p, end.sfx, "\"else\" takes nothing");
            seen_else = true;
        }
        sa = end.sfx;
        sb = end.sfx_end;
    }
}

static int parse_for(struct parser *p, struct node *n, size_t sa, size_t sb)
{
    struct lexer x = {.p = p, .pos = sa, .end = sb};
    lex(&x);
    if (x.tok != T_NAME)
        return perr(p, sa, "\"for\" needs \"name in expression\"");
    if (!(n->var1 = pstrndup(p, p->s + x.start, x.tlen)))
        return -1;
    lex(&x);
    if (op_is(&x, ",")) {
        lex(&x);
        if (x.tok != T_NAME)
            return unexpected(&x);
        if (!(n->var2 = pstrndup(p, p->s + x.start, x.tlen)))
            return -1;
        lex(&x);
    }
    if (!word_is(&x, "in"))
        return perr(p, x.start, "\"for\" needs \"name in expression\"");
    if (!(n->e = parse_expr(p, x.pos, sb)))
        return -1;
    struct ending end;
    unsigned refs = p->loop_refs;
    if (parse_body(p, "for", true, &n->body, &end) < 0)
        return -1;
    /* An included file or a child's block may read "loop" too: only a
     * body that can reach no other template is known not to. */
    n->uses_loop = p->loop_refs != refs;
    if (end.term == END_EOF)
        return perr(p, n->off, "missing {%% end %%} for \"for\"");
    if (end.term != END_END)
        return perr(p, end.off, "\"%s\" outside an if block",
                    end.term == END_ELSE ? "else" : "elif");
    return 0;
}

/* parse_tag - the {% %} whose contents are [a, b); 1 if it ends the body. */
static int parse_tag(struct parser *p, size_t a, size_t b, const char *in_block, bool in_loop,
                     struct node ***tail, struct ending *end)
{
    const char *s = p->s;
    size_t ob = a;
    while (ob < b && !is_space(s[ob]))
        ob++;
    size_t sa = ob, sb = b;
    trim(s, &sa, &sb);
    size_t olen = ob - a;
#define OP(name) (olen == sizeof(name) - 1 && memcmp(s + a, name, olen) == 0)
    if (OP("end") || OP("else") || OP("elif")) {
        enum term t = OP("end") ? END_END : OP("else") ? END_ELSE : END_ELIF;
        if (t == END_END && !in_block)
            return perr(p, a, "\"end\" without a block to end");
        if (t != END_END && (!in_block || strcmp(in_block, "if") != 0))
            return perr(p, a, "\"%.*s\" outside an if block", (int)olen, s + a);
        if (t == END_END && sa != sb)
            return perr(p, sa, "\"end\" takes nothing");
        *end = (struct ending){t, a, sa, sb};
        return 1;
    }
    if (OP("comment"))
        return 0;
    if (OP("autoescape")) {
        if (sa == sb)
            return perr(p, a, "\"autoescape\" needs a helper name or None");
        if (sb - sa == 4 && memcmp(s + sa, "None", 4) == 0) {
            p->tp->autoescape = NULL;
        } else {
            if (!ident_span(s, sa, sb))
                return perr(p, sa, "\"autoescape\" needs a helper name or None");
            if (!(p->tp->autoescape = pstrndup(p, s + sa, sb - sa)))
                return -1;
        }
        return 0;
    }
    if (OP("whitespace")) {
        static const char *const modes[] = {"all", "single", "oneline"};
        for (int i = 0; i < 3; i++)
            if (sb - sa == strlen(modes[i]) && memcmp(s + sa, modes[i], sb - sa) == 0) {
                p->whitespace = i;
                return 0;
            }
        return perr(p, sa, "unknown whitespace mode \"%.*s\"", (int)(sb - sa > 40 ? 40 : sb - sa),
                    s + sa);
    }
    if (OP("extends")) {
        if (p->tp->extends)
            return perr(p, a, "a template extends only one other");
        p->tp->extends_off = a;
        return (p->tp->extends = quoted_name(p, sa, sb, "extends", a)) ? 0 : -1;
    }
    enum nkind kind;
    if (OP("raw"))
        kind = N_RAW;
    else if (OP("set"))
        kind = N_SET;
    else if (OP("include"))
        kind = N_INCLUDE;
    else if (OP("module"))
        kind = N_MODULE;
    else if (OP("if"))
        kind = N_IF;
    else if (OP("for"))
        kind = N_FOR;
    else if (OP("block"))
        kind = N_BLOCK;
    else if (OP("apply"))
        kind = N_APPLY;
    else if (OP("break"))
        kind = N_BREAK;
    else if (OP("continue"))
        kind = N_CONTINUE;
    else
        return perr(p, a, "unknown tag \"%.*s\"", (int)(olen > 40 ? 40 : olen), s + a);
#undef OP
    struct node *n = new_node(p, kind, a);
    if (!n)
        return -1;
    if (kind == N_INCLUDE || kind == N_BLOCK)
        p->loop_refs++;
    int rc = 0;
    switch (kind) {
    case N_RAW:
        if (sa == sb)
            return perr(p, a, "\"raw\" needs an expression");
        rc = (n->e = parse_expr(p, sa, sb)) ? 0 : -1;
        break;
    case N_SET: {
        size_t eq = sa;
        while (eq < sb && s[eq] != '=')
            eq++;
        size_t na = sa, nb = eq;
        trim(s, &na, &nb);
        if (eq >= sb || !ident_span(s, na, nb) || (eq + 1 < sb && s[eq + 1] == '='))
            return perr(p, a, "\"set\" needs \"name = expression\"");
        if (!(n->var1 = pstrndup(p, s + na, nb - na)))
            return -1;
        rc = (n->e = parse_expr(p, eq + 1, sb)) ? 0 : -1;
        break;
    }
    case N_INCLUDE:
        rc = (n->text = quoted_name(p, sa, sb, "include", a)) ? 0 : -1;
        break;
    case N_MODULE:
        if (!(n->e = parse_expr(p, sa, sb)))
            return -1;
        if (n->e->kind != X_CALL)
            return perr(p, sa, "\"module\" needs a call such as Entry(post)");
        break;
    case N_IF:
        rc = parse_if(p, n, sa, sb, in_loop);
        break;
    case N_FOR:
        rc = parse_for(p, n, sa, sb);
        break;
    case N_BLOCK:
    case N_APPLY: {
        const char *tag = kind == N_BLOCK ? "block" : "apply";
        if (sa == sb || (kind == N_APPLY && !ident_span(s, sa, sb)))
            return perr(p, a, "\"%s\" needs a %s", tag, kind == N_BLOCK ? "name" : "helper name");
        if (!(n->text = pstrndup(p, s + sa, sb - sa)))
            return -1;
        struct ending e;
        if (parse_body(p, tag, false, &n->body, &e) < 0)
            return -1;
        if (e.term == END_EOF)
            return perr(p, a, "missing {%% end %%} for \"%s\"", tag);
        break;
    }
    case N_BREAK:
    case N_CONTINUE:
        if (!in_loop)
            return perr(p, a, "\"%s\" outside a for loop", kind == N_BREAK ? "break" : "continue");
        if (sa != sb)
            return perr(p, sa, "\"%s\" takes nothing", kind == N_BREAK ? "break" : "continue");
        break;
    default:
        break;
    }
    if (rc < 0)
        return -1;
    **tail = n;
    *tail = &n->next;
    return 0;
}

/* find_open - where the next {{, {% or {# starts, as Tornado finds it:
 * of three or more curlies in a row the innermost two count. */
static size_t find_open(const struct parser *p, size_t from)
{
    const char *s = p->s;
    for (size_t i = from; i + 1 < p->len; i++) {
        if (s[i] != '{')
            continue;
        char c = s[i + 1];
        if (c != '{' && c != '%' && c != '#')
            continue;
        if (c == '{' && i + 2 < p->len && s[i + 2] == '{')
            continue;
        return i;
    }
    return p->len;
}

static size_t find_close(const struct parser *p, size_t from, char a, char b)
{
    for (size_t i = from; i + 1 < p->len; i++)
        if (p->s[i] == a && p->s[i + 1] == b)
            return i;
    return p->len;
}

/* parse_body - nodes up to the end of input or a tag that ends the body
 * (end, else, elif; which one goes to *end). */
static int parse_body(struct parser *p, const char *in_block, bool in_loop, struct node **out,
                      struct ending *end)
{
    struct node **tail = out;
    *out = NULL;
    if (in_block && ++p->nesting > MAX_NESTING)
        return perr(p, p->pos, "tags nested too deeply");
    int rc = parse_body_at(p, in_block, in_loop, tail, end);
    if (in_block)
        p->nesting--;
    return rc;
}

static int parse_body_at(struct parser *p, const char *in_block, bool in_loop, struct node **tail,
                         struct ending *end)
{
    for (;;) {
        size_t open = find_open(p, p->pos);
        if (add_text(p, &tail, p->pos, open) < 0)
            return -1;
        if (open >= p->len) {
            p->pos = p->len;
            *end = (struct ending){END_EOF, p->len, 0, 0};
            return 0;
        }
        char kind = p->s[open + 1];
        p->pos = open + 2;
        if (p->pos < p->len && p->s[p->pos] == '!') { /* {{! {%! {#! are literal */
            if (add_text(p, &tail, open, open + 2) < 0)
                return -1;
            p->pos++;
            continue;
        }
        char closer = kind == '{' ? '}' : kind;
        size_t close = find_close(p, p->pos, closer, '}');
        if (close >= p->len)
            return perr(p, open, "missing %c} to close {%c", closer, kind);
        size_t a = p->pos, b = close;
        p->pos = close + 2;
        if (kind == '#')
            continue;
        trim(p->s, &a, &b);
        if (kind == '{') {
            if (a == b)
                return perr(p, open, "empty expression");
            struct node *n = new_node(p, N_EXPR, a);
            if (!n || !(n->e = parse_expr(p, a, b)))
                return -1;
            *tail = n;
            tail = &n->next;
            continue;
        }
        if (a == b)
            return perr(p, open, "empty tag");
        int rc = parse_tag(p, a, b, in_block, in_loop, &tail, end);
        if (rc)
            return rc < 0 ? -1 : 0;
    }
}

/* compile - parse tp->src into tp->body; -1 with the message in err. */
static int compile(struct tpl *tp, char *err, size_t errcap)
{
    struct parser p = {.tp = tp, .s = tp->src, .len = tp->srclen, .err = err, .errcap = errcap};
    size_t nl = strlen(tp->name);
    bool html = (nl >= 5 && strcmp(tp->name + nl - 5, ".html") == 0) ||
                (nl >= 3 && strcmp(tp->name + nl - 3, ".js") == 0);
    p.whitespace = html ? 1 : 0;
    tp->autoescape = "xhtml_escape";
    if (!(tp->consts = json_array()))
        return perr(&p, 0, "out of memory");
    struct ending end;
    if (parse_body(&p, NULL, false, &tp->body, &end) < 0) {
        /* Forget the half-built tree: a template from memory is compiled
         * again (and fails again) on its next use. */
        json_decref(tp->consts);
        tp->consts = NULL;
        eddy_arena_free(&tp->arena);
        tp->body = NULL;
        tp->extends = NULL;
        return -1;
    }
    tp->escape_html = tp->autoescape && (strcmp(tp->autoescape, "xhtml_escape") == 0 ||
                                         strcmp(tp->autoescape, "escape") == 0);
    tp->compiled = true;
    return 0;
}

/* ------------------------------------------------------------ the loader */

static size_t hash_name(const char *s)
{
    size_t h = 5381;
    while (*s)
        h = h * 33 ^ (unsigned char)*s++;
    return h;
}

static void tpl_free(struct tpl *tp)
{
    if (!tp)
        return;
    json_decref(tp->consts);
    eddy_arena_free(&tp->arena);
    free(tp->src);
    free(tp->name);
    free(tp);
}

/* free_retired - templates replaced by a recompile, once no render runs. */
static void free_retired(eddy_template_loader *l)
{
    while (l->retired) {
        struct tpl *tp = l->retired;
        l->retired = tp->next;
        tpl_free(tp);
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
            free_retired(l);
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
        loader_fail(l, "template \"%s\": name too long", name);
        return -1;
    }
    char *real = realpath(path, NULL);
    size_t rl = strlen(l->root);
    if (!real) {
        loader_fail(l, "template \"%s\" not found: %s", name, strerror(errno));
        return -1;
    }
    bool inside = strncmp(real, l->root, rl) == 0 && real[rl] == '/';
    FILE *f = inside ? fopen(real, "rb") : NULL;
    free(real);
    if (!inside) {
        loader_fail(l, "template \"%s\" is outside the template root", name);
        return -1;
    }
    struct stat st;
    if (!f || fstat(fileno(f), &st) < 0 || !S_ISREG(st.st_mode)) {
        loader_fail(l, "template \"%s\" cannot be read: %s", name,
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
        loader_fail(l, "template \"%s\" cannot be read", name);
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

/* load - template name (already resolved), compiled; NULL with l->error. */
static struct tpl *load(eddy_template_loader *l, const char *name)
{
    struct tpl *tp = *find_slot(l, name);
    if (tp && (tp->from_memory || !l->debug || unchanged(l, tp))) {
        if (!tp->compiled && compile(tp, l->error, sizeof l->error) < 0)
            return NULL;
        return tp;
    }
    if (!l->root) {
        loader_fail(l, "template \"%s\" not found", name);
        return NULL;
    }
    struct tpl *fresh = calloc(1, sizeof *fresh);
    if (!fresh || !(fresh->name = strdup(name))) {
        free(fresh);
        loader_fail(l, "out of memory");
        return NULL;
    }
    if (read_source(l, name, fresh) < 0 || compile(fresh, l->error, sizeof l->error) < 0 ||
        insert(l, fresh) < 0) {
        tpl_free(fresh);
        return NULL;
    }
    return fresh;
}

int eddy_template_add(eddy_template_loader *l, const char *name, const char *text, size_t len)
{
    char *resolved = resolve_name(NULL, name, strlen(name));
    if (!resolved) {
        loader_fail(l, "template \"%s\" is outside the template root", name);
        return -1;
    }
    struct tpl *tp = calloc(1, sizeof *tp);
    if (!tp || !(tp->src = malloc(len + 1))) {
        free(tp);
        free(resolved);
        loader_fail(l, "out of memory");
        return -1;
    }
    memcpy(tp->src, text, len);
    tp->src[len] = '\0';
    tp->srclen = len;
    tp->name = resolved;
    tp->from_memory = true;
    if (insert(l, tp) < 0) {
        tpl_free(tp);
        loader_fail(l, "out of memory");
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

/* ------------------------------------------------------------ names */

static int add_named(eddy_template_loader *l, const char *name, eddy_template_helper_fn h,
                     eddy_template_global_fn g, eddy_template_module_fn m)
{
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

/* lookup - a helper (want_helper) or global of name: the loader's, else
 * the render's defaults. */
static bool lookup(eddy_template_ctx *t, const char *name, bool want_helper,
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

/* ------------------------------------------------------------ output */

static int out_fail(eddy_template_ctx *t)
{
    if (!t->failed)
        fatal(t, 0, "output cannot grow: %s", strerror(errno));
    return -1;
}

/* format_real - the shortest text that reads back as d, laid out as
 * Python's repr: fixed from 1e-4 to 1e16, else with an exponent. */
static void format_real(char *dst, size_t cap, double d)
{
    int prec = 1;
    for (; prec < 17; prec++) {
        snprintf(dst, cap, "%.*e", prec - 1, d);
        if (strtod(dst, NULL) == d)
            break;
    }
    snprintf(dst, cap, "%.*e", prec - 1, d);
    int exp = atoi(strchr(dst, 'e') + 1);
    if (exp >= -4 && exp < 16) {
        int decimals = prec - 1 - exp;
        snprintf(dst, cap, "%.*f", decimals > 0 ? decimals : 0, d);
        if (!strchr(dst, '.'))
            strncat(dst, ".0", cap - strlen(dst) - 1);
    }
}

/* write_value - v as text: escaped (&<>"') or not. */
static int write_value(eddy_buf *out, const json_t *v, bool escape)
{
    char num[64];
    const char *s = num;
    size_t n;
    switch (json_typeof(v)) {
    case JSON_STRING:
        s = json_string_value(v);
        n = json_string_length(v);
        break;
    case JSON_INTEGER: { /* by hand: snprintf is most of a short {{ id }} */
        json_int_t i = json_integer_value(v);
        unsigned long long m = i < 0 ? 0ULL - (unsigned long long)i : (unsigned long long)i;
        char *p = num + sizeof num;
        do
            *--p = (char)('0' + m % 10);
        while (m /= 10);
        if (i < 0)
            *--p = '-';
        s = p;
        n = (size_t)(num + sizeof num - p);
        break;
    }
    case JSON_REAL:
        format_real(num, sizeof num, json_real_value(v));
        n = strlen(num);
        break;
    case JSON_TRUE:
        s = "true";
        n = 4;
        break;
    case JSON_FALSE:
        s = "false";
        n = 5;
        break;
    case JSON_NULL:
        return 0;
    default: {
        char *j = json_dumps(v, JSON_COMPACT);
        if (!j)
            return -1;
        int rc = escape ? eddy_xhtml_escape_to(out, j, strlen(j)) : eddy_buf_append_str(out, j);
        free(j);
        return rc;
    }
    }
    return escape ? eddy_xhtml_escape_to(out, s, n) : eddy_buf_append(out, s, n);
}

/* ------------------------------------------------------------ evaluation */

static bool truthy(const json_t *v)
{
    switch (json_typeof(v)) {
    case JSON_STRING:
        return json_string_length(v) > 0;
    case JSON_INTEGER:
        return json_integer_value(v) != 0;
    case JSON_REAL:
        return json_real_value(v) != 0.0;
    case JSON_TRUE:
        return true;
    case JSON_ARRAY:
        return json_array_size(v) > 0;
    case JSON_OBJECT:
        return json_object_size(v) > 0;
    default:
        return false;
    }
}

static const char *type_name(const json_t *v)
{
    switch (json_typeof(v)) {
    case JSON_OBJECT:
        return "an object";
    case JSON_ARRAY:
        return "an array";
    case JSON_STRING:
        return "a string";
    case JSON_INTEGER:
    case JSON_REAL:
        return "a number";
    case JSON_TRUE:
    case JSON_FALSE:
        return "a boolean";
    default:
        return "null";
    }
}

static json_t *eval(eddy_template_ctx *t, const struct expr *e);

/* call_helper - fn(args) with the error named after the helper. */
static json_t *call_helper(eddy_template_ctx *t, const char *name, size_t off,
                           eddy_template_helper_fn fn, size_t argc, json_t *const *argv)
{
    t->reason[0] = '\0';
    json_t *v = fn(t, argc, argv);
    if (!v && !t->failed)
        rt_error(t, off, "%s(): %s", name, t->reason[0] ? t->reason : "failed");
    return v;
}

/* ------------------------------------------------------------ the render's names */

/* same_name - a == b for the short names templates use, without a call
 * into libc for each (a loop body looks its variable up on every row). */
static bool same_name(const char *a, const char *b)
{
    while (*a && *a == *b)
        a++, b++;
    return *a == *b;
}

static json_t *local_get(const eddy_template_ctx *t, const char *name)
{
    for (size_t i = t->nlocals; i-- > 0;)
        if (same_name(t->locals[i].name, name))
            return t->locals[i].v;
    return NULL;
}

/* local_set - name = v (stolen); -1 when out of memory (v released). */
static int local_set(eddy_template_ctx *t, const char *name, json_t *v)
{
    if (!v)
        return -1;
    for (size_t i = t->nlocals; i-- > 0;)
        if (same_name(t->locals[i].name, name)) {
            json_decref(t->locals[i].v);
            t->locals[i].v = v;
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
    t->locals[t->nlocals++] = (struct binding){name, v};
    return 0;
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

static void locals_free(eddy_template_ctx *t)
{
    for (size_t i = 0; i < t->nlocals; i++)
        json_decref(t->locals[i].v);
    free(t->locals);
}

/* peek - the value of a name or a path through objects (post.author.name),
 * which most {{ }} are, without taking a reference: NULL when e is
 * anything else, or when eval must say why it fails or call a global. */
static json_t *peek(const eddy_template_ctx *t, const struct expr *e)
{
    json_t *v;
    switch (e->kind) {
    case X_LIT:
        return e->lit;
    case X_NAME:
        v = local_get(t, e->name);
        return v || !t->ctx ? v : json_object_getn(t->ctx, e->name, e->namelen);
    case X_ATTR:
        if (!(v = peek(t, e->a)))
            return NULL;
        if (json_is_object(v)) {
            json_t *field = json_object_getn(v, e->name, e->namelen);
            return field ? field : json_null();
        }
        return json_is_null(v) ? v : NULL;
    default:
        return NULL;
    }
}

static json_t *eval_name(eddy_template_ctx *t, const struct expr *e)
{
    json_t *v = peek(t, e);
    if (v)
        return json_incref(v);
    eddy_template_helper_fn h;
    eddy_template_global_fn g;
    if (lookup(t, e->name, false, &h, &g)) {
        t->reason[0] = '\0';
        v = g(t);
        if (!v && !t->failed)
            rt_error(t, e->off, "%s: %s", e->name, t->reason[0] ? t->reason : "failed");
        return v;
    }
    rt_error(t, e->off, "unknown name \"%s\"", e->name);
    return NULL;
}

/* eval_args - each argument evaluated into argv; -1 (argv released) on error. */
static int eval_args(eddy_template_ctx *t, const struct expr *e, json_t **argv)
{
    for (size_t i = 0; i < e->nargs; i++)
        if (!(argv[i] = eval(t, e->args[i]))) {
            while (i--)
                json_decref(argv[i]);
            return -1;
        }
    return 0;
}

static json_t *eval_call(eddy_template_ctx *t, const struct expr *e)
{
    eddy_template_helper_fn h;
    eddy_template_global_fn g;
    if (!lookup(t, e->name, true, &h, &g)) {
        rt_error(t, e->off, "unknown helper \"%s\"", e->name);
        return NULL;
    }
    json_t *small[8], **argv = e->nargs <= 8 ? small : malloc(e->nargs * sizeof *argv);
    if (!argv) {
        fatal(t, e->off, "out of memory");
        return NULL;
    }
    json_t *v = NULL;
    if (eval_args(t, e, argv) == 0) {
        v = call_helper(t, e->name, e->off, h, e->nargs, argv);
        for (size_t i = 0; i < e->nargs; i++)
            json_decref(argv[i]);
    }
    if (argv != small)
        free(argv);
    return v;
}

static json_t *eval_index(eddy_template_ctx *t, const struct expr *e, json_t *base, json_t *key)
{
    json_t *v = NULL;
    if (json_is_null(base)) {
        v = json_null();
    } else if (json_is_object(base) && json_is_string(key)) {
        v = json_object_get(base, json_string_value(key));
        v = v ? json_incref(v) : json_null();
    } else if (json_is_array(base) && json_is_integer(key)) {
        json_int_t i = json_integer_value(key), n = (json_int_t)json_array_size(base);
        if (i < 0)
            i += n; /* from the end, as in Python */
        v = i >= 0 && i < n ? json_incref(json_array_get(base, (size_t)i)) : json_null();
    } else {
        rt_error(t, e->off, "cannot index %s with %s", type_name(base), type_name(key));
    }
    return v;
}

static int compare(const json_t *a, const json_t *b, int *cmp)
{
    if (json_is_number(a) && json_is_number(b)) {
        if (json_is_integer(a) && json_is_integer(b)) {
            json_int_t x = json_integer_value(a), y = json_integer_value(b);
            *cmp = (x > y) - (x < y);
        } else {
            double x = json_number_value(a), y = json_number_value(b);
            *cmp = (x > y) - (x < y);
        }
        return 0;
    }
    if (json_is_string(a) && json_is_string(b)) {
        size_t la = json_string_length(a), lb = json_string_length(b);
        int c = memcmp(json_string_value(a), json_string_value(b), la < lb ? la : lb);
        *cmp = c ? (c > 0) - (c < 0) : (la > lb) - (la < lb);
        return 0;
    }
    return -1;
}

static bool equal(const json_t *a, const json_t *b)
{
    int c;
    if (json_is_number(a) && json_is_number(b))
        return compare(a, b, &c) == 0 && c == 0;
    return json_equal((json_t *)a, (json_t *)b) != 0;
}

static json_t *contains(eddy_template_ctx *t, const struct expr *e, const json_t *x,
                        const json_t *in)
{
    if (json_is_array(in)) {
        for (size_t i = 0; i < json_array_size(in); i++)
            if (equal(x, json_array_get(in, i)))
                return json_true();
        return json_false();
    }
    if (json_is_object(in) && json_is_string(x))
        return json_boolean(json_object_get(in, json_string_value(x)) != NULL);
    if (json_is_string(in) && json_is_string(x))
        return json_boolean(memmem(json_string_value(in), json_string_length(in),
                                   json_string_value(x), json_string_length(x)) != NULL);
    rt_error(t, e->off, "cannot look for %s in %s", type_name(x), type_name(in));
    return NULL;
}

static json_t *arith(eddy_template_ctx *t, const struct expr *e, const json_t *a, const json_t *b)
{
    if (e->op == OP_ADD && json_is_string(a) && json_is_string(b)) {
        size_t la = json_string_length(a), lb = json_string_length(b);
        char *s = malloc(la + lb + 1);
        if (!s) {
            fatal(t, e->off, "out of memory");
            return NULL;
        }
        memcpy(s, json_string_value(a), la);
        memcpy(s + la, json_string_value(b), lb);
        json_t *v = json_stringn_nocheck(s, la + lb);
        free(s);
        return v;
    }
    if (!json_is_number(a) || !json_is_number(b)) {
        static const char *const names[] = {
            [OP_ADD] = "+", [OP_SUB] = "-", [OP_MUL] = "*", [OP_DIV] = "/", [OP_MOD] = "%"};
        rt_error(t, e->off, "cannot apply %s to %s and %s", names[e->op], type_name(a),
                 type_name(b));
        return NULL;
    }
    if (json_is_integer(a) && json_is_integer(b) && e->op != OP_DIV) {
        long long x = json_integer_value(a), y = json_integer_value(b), r;
        bool over = false;
        switch (e->op) {
        case OP_ADD:
            over = __builtin_add_overflow(x, y, &r);
            break;
        case OP_SUB:
            over = __builtin_sub_overflow(x, y, &r);
            break;
        case OP_MUL:
            over = __builtin_mul_overflow(x, y, &r);
            break;
        default:
            if (y == 0) {
                rt_error(t, e->off, "modulo by zero");
                return NULL;
            }
            if (y == -1) {
                r = 0;
                break;
            }
            r = x % y;
            if (r && (r < 0) != (y < 0)) /* the sign of the divisor, as in Python */
                r += y;
        }
        if (!over)
            return json_integer(r);
    }
    double x = json_number_value(a), y = json_number_value(b), r;
    switch (e->op) {
    case OP_ADD:
        r = x + y;
        break;
    case OP_SUB:
        r = x - y;
        break;
    case OP_MUL:
        r = x * y;
        break;
    default:
        if (y == 0) {
            rt_error(t, e->off, "%s by zero", e->op == OP_DIV ? "division" : "modulo");
            return NULL;
        }
        r = x / y;
        if (e->op == OP_MOD) { /* without libm: x - y * trunc(x / y) */
            if (!(r > -9e18 && r < 9e18)) {
                rt_error(t, e->off, "number out of range");
                return NULL;
            }
            r = x - y * (double)(long long)r;
            if (r != 0 && (r < 0) != (y < 0))
                r += y;
        }
    }
    if (!isfinite(r)) {
        rt_error(t, e->off, "number out of range");
        return NULL;
    }
    return json_real(r);
}

static json_t *eval_bin(eddy_template_ctx *t, const struct expr *e, json_t *a, json_t *b)
{
    int c;
    switch (e->op) {
    case OP_EQ:
        return json_boolean(equal(a, b));
    case OP_NE:
        return json_boolean(!equal(a, b));
    case OP_LT:
    case OP_LE:
    case OP_GT:
    case OP_GE:
        if (compare(a, b, &c) < 0) {
            rt_error(t, e->off, "cannot order %s and %s", type_name(a), type_name(b));
            return NULL;
        }
        return json_boolean(e->op == OP_LT   ? c < 0
                            : e->op == OP_LE ? c <= 0
                            : e->op == OP_GT ? c > 0
                                             : c >= 0);
    case OP_IN:
        return contains(t, e, a, b);
    case OP_NOTIN: {
        json_t *v = contains(t, e, a, b);
        if (!v)
            return NULL;
        bool in = json_is_true(v);
        json_decref(v);
        return json_boolean(!in);
    }
    default:
        return arith(t, e, a, b);
    }
}

/* eval - the value of e, a new reference; NULL after an error. */
static json_t *eval(eddy_template_ctx *t, const struct expr *e)
{
    json_t *a, *b, *v = NULL;
    switch (e->kind) {
    case X_LIT:
        return json_incref(e->lit);
    case X_NAME:
        return eval_name(t, e);
    case X_CALL:
        return eval_call(t, e);
    case X_ATTR:
        if ((v = peek(t, e)))
            return json_incref(v);
        if (!(a = eval(t, e->a)))
            return NULL;
        if (json_is_object(a)) {
            v = json_object_getn(a, e->name, e->namelen);
            v = v ? json_incref(v) : json_null();
        } else if (json_is_null(a)) {
            v = json_null();
        } else {
            rt_error(t, e->off, "cannot read .%s of %s", e->name, type_name(a));
        }
        json_decref(a);
        return v;
    case X_INDEX:
        if (!(a = eval(t, e->a)))
            return NULL;
        if ((b = eval(t, e->b)))
            v = eval_index(t, e, a, b);
        json_decref(a);
        json_decref(b);
        return v;
    case X_LIST:
        if (!(v = json_array())) {
            fatal(t, e->off, "out of memory");
            return NULL;
        }
        for (size_t i = 0; i < e->nargs; i++) {
            if (!(a = eval(t, e->args[i]))) {
                json_decref(v);
                return NULL;
            }
            json_array_append_new(v, a);
        }
        return v;
    case X_NOT:
        if (!(a = eval(t, e->a)))
            return NULL;
        v = json_boolean(!truthy(a));
        json_decref(a);
        return v;
    case X_NEG:
        if (!(a = eval(t, e->a)))
            return NULL;
        if (json_is_integer(a) && json_integer_value(a) != INT64_MIN)
            v = json_integer(-json_integer_value(a));
        else if (json_is_number(a))
            v = json_real(-json_number_value(a));
        else
            rt_error(t, e->off, "cannot negate %s", type_name(a));
        json_decref(a);
        return v;
    case X_AND:
    case X_OR: /* an operand, as in Python: a or "default" */
        if (!(a = eval(t, e->a)))
            return NULL;
        if (truthy(a) == (e->kind == X_OR))
            return a;
        json_decref(a);
        return eval(t, e->b);
    case X_BIN:
        if (!(a = eval(t, e->a)))
            return NULL;
        if ((b = eval(t, e->b)))
            v = eval_bin(t, e, a, b);
        json_decref(a);
        json_decref(b);
        return v;
    }
    return NULL;
}

/* ------------------------------------------------------------ execution */

enum { FLOW_NEXT = 0, FLOW_BREAK = 1, FLOW_CONTINUE = 2, FLOW_STOP = -1 };

static int exec_list(eddy_template_ctx *t, const struct node *n);
static int render_chain(eddy_template_ctx *t, const char *name);

/* stopped - what a failed evaluation means for the node: FLOW_STOP when
 * the render must end, else FLOW_NEXT (the node renders nothing). */
static int stopped(const eddy_template_ctx *t)
{
    return t->failed ? FLOW_STOP : FLOW_NEXT;
}

static int enter(eddy_template_ctx *t, const struct node *n, const char *what)
{
    if (t->depth >= MAX_DEPTH) {
        fatal(t, n->off, "%s nested too deeply (a cycle?)", what);
        return -1;
    }
    t->depth++;
    return 0;
}

/* load_from - template name, used at off of the current template; a
 * failure that is not a syntax error in that template itself (not found,
 * outside the root) is reported where it was asked for. */
static struct tpl *load_from(eddy_template_ctx *t, const char *name, size_t off)
{
    struct tpl *tp = load(t->l, name);
    if (!tp) {
        size_t n = strlen(name);
        if (strncmp(t->l->error, name, n) != 0 || t->l->error[n] != ':') {
            char msg[512];
            size_t len = strnlen(t->l->error, sizeof msg - 1);
            memcpy(msg, t->l->error, len);
            msg[len] = '\0';
            fatal(t, off, "%s", msg);
        }
        t->failed = true;
    }
    return tp;
}

static int exec_expr(eddy_template_ctx *t, const struct node *n)
{
    const char *esc = n->kind == N_EXPR ? n->tpl->autoescape : NULL;
    bool html = esc && n->tpl->escape_html;
    json_t *v = peek(t, n->e);
    if (v && (html || !esc)) /* the common case: written straight from the context */
        return write_value(t->out, v, html) < 0 ? out_fail(t) : FLOW_NEXT;
    if (!(v = eval(t, n->e)))
        return stopped(t);
    int rc;
    if (!esc || html) {
        rc = write_value(t->out, v, html);
    } else {
        eddy_template_helper_fn h;
        eddy_template_global_fn g;
        json_t *r = NULL;
        if (!lookup(t, esc, true, &h, &g))
            rt_error(t, n->off, "unknown autoescape helper \"%s\"", esc);
        else
            r = call_helper(t, esc, n->off, h, 1, &v);
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
    fatal(t, n->off, "out of memory");
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
    /* A reference of the loop's own: the body may rebind the name the
     * sequence came from. */
    json_t *seq = peek(t, n->e);
    seq = seq ? json_incref(seq) : eval(t, n->e);
    if (!seq)
        return stopped(t);
    bool pairs = n->var2 != NULL;
    size_t count;
    if (json_is_array(seq)) {
        count = json_array_size(seq);
    } else if (json_is_object(seq)) {
        count = json_object_size(seq);
    } else if (json_is_null(seq)) {
        count = 0;
    } else {
        rt_error(t, n->e->off, "cannot loop over %s", type_name(seq));
        json_decref(seq);
        return stopped(t);
    }
    if (pairs && !json_is_object(seq) && count) {
        rt_error(t, n->e->off, "\"for %s, %s\" needs an object, not %s", n->var1, n->var2,
                 type_name(seq));
        json_decref(seq);
        return stopped(t);
    }
    json_t *oldloop = n->uses_loop ? saved(t, "loop") : NULL;
    int rc = FLOW_NEXT;
    void *it = json_is_object(seq) ? json_object_iter(seq) : NULL;
    for (size_t i = 0; i < count && rc == FLOW_NEXT; i++) {
        if (++t->iterations > t->l->max_iterations) {
            fatal(t, n->off, "more than %lu loop iterations in one render", t->l->max_iterations);
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
        if (json_is_array(seq)) {
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
        rc = exec_list(t, n->body);
        if (rc == FLOW_CONTINUE)
            rc = FLOW_NEXT;
    }
    if (rc == FLOW_BREAK)
        rc = FLOW_NEXT;
    /* The loop variables keep their last value, as in Python; loop does not. */
    if (n->uses_loop)
        restore(t, "loop", oldloop);
    json_decref(seq);
    return rc;
}

static int exec_module(eddy_template_ctx *t, const struct node *n)
{
    const struct expr *call = n->e;
    const struct named *m = NULL;
    for (size_t i = 0; i < t->l->nnames && !m; i++)
        if (t->l->names[i].module && strcmp(t->l->names[i].name, call->name) == 0)
            m = &t->l->names[i];
    if (!m) {
        rt_error(t, call->off, "unknown module \"%s\"", call->name);
        return stopped(t);
    }
    json_t *small[8], **argv = call->nargs <= 8 ? small : malloc(call->nargs * sizeof *argv);
    if (!argv) {
        fatal(t, n->off, "out of memory");
        return FLOW_STOP;
    }
    int rc = FLOW_NEXT;
    if (eval_args(t, call, argv) < 0) {
        rc = stopped(t);
        goto out;
    }
    if (enter(t, n, "modules") < 0) {
        rc = FLOW_STOP;
    } else {
        t->reason[0] = '\0';
        int r = m->module(t, call->nargs, argv);
        t->cur = n->tpl;
        t->depth--;
        if (r < 0 && !t->failed)
            rt_error(t, call->off, "module %s: %s", call->name,
                     t->reason[0] ? t->reason : "failed");
        if (r < 0)
            rc = stopped(t);
    }
    for (size_t i = 0; i < call->nargs; i++)
        json_decref(argv[i]);
out:
    if (argv != small)
        free(argv);
    return rc;
}

static int exec_apply(eddy_template_ctx *t, const struct node *n)
{
    eddy_template_helper_fn h;
    eddy_template_global_fn g;
    if (!lookup(t, n->text, true, &h, &g)) {
        rt_error(t, n->off, "unknown helper \"%s\"", n->text);
        return stopped(t);
    }
    size_t mark = t->out->len;
    int rc = exec_list(t, n->body);
    if (rc == FLOW_STOP)
        return rc;
    json_t *s = json_stringn_nocheck(t->out->data ? t->out->data + mark : "", t->out->len - mark);
    eddy_buf_truncate(t->out, mark);
    if (!s) {
        fatal(t, n->off, "out of memory");
        return FLOW_STOP;
    }
    t->cur = n->tpl;
    json_t *v = call_helper(t, n->text, n->off, h, 1, &s);
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
        return eddy_buf_append(t->out, n->text, n->len) < 0 ? out_fail(t) : FLOW_NEXT;
    case N_EXPR:
    case N_RAW:
        return exec_expr(t, n);
    case N_IF:
        for (const struct node *b = n; b; b = b->orelse) {
            if (!b->e)
                return exec_list(t, b->body);
            t->cur = b->tpl;
            json_t *v = peek(t, b->e);
            bool yes;
            if (v) {
                yes = truthy(v);
            } else if ((v = eval(t, b->e))) {
                yes = truthy(v);
                json_decref(v);
            } else {
                return stopped(t);
            }
            if (yes)
                return exec_list(t, b->body);
        }
        return FLOW_NEXT;
    case N_FOR:
        return exec_for(t, n);
    case N_SET: {
        json_t *v = eval(t, n->e);
        if (!v && t->failed)
            return FLOW_STOP;
        return bind(t, n, n->var1, v ? v : json_null()) < 0 ? FLOW_STOP : FLOW_NEXT;
    }
    case N_BLOCK: {
        const struct node *b = find_block(t, n);
        if (enter(t, n, "blocks") < 0)
            return FLOW_STOP;
        int rc = exec_list(t, b->body);
        t->depth--;
        return rc;
    }
    case N_INCLUDE: {
        if (enter(t, n, "includes") < 0)
            return FLOW_STOP;
        struct tpl *inc = load_from(t, n->text, n->off);
        int rc = inc ? exec_list(t, inc->body) : FLOW_STOP;
        t->depth--;
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
    }
    return FLOW_NEXT;
}

static int exec_list(eddy_template_ctx *t, const struct node *n)
{
    if (n && t->levels >= MAX_LEVELS) {
        t->cur = n->tpl;
        fatal(t, n->off, "templates nested too deeply");
        return FLOW_STOP;
    }
    t->levels++;
    int rc = FLOW_NEXT;
    for (; n && rc == FLOW_NEXT; n = n->next)
        rc = exec_node(t, n);
    t->levels--;
    return rc;
}

/* ------------------------------------------------------------ inheritance */

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

/* find_blocks - every block under n (included files too) into the map. */
static int find_blocks(eddy_template_ctx *t, const struct node *n, size_t *cap, int depth)
{
    for (; n; n = n->next) {
        t->cur = n->tpl;
        if (n->kind == N_BLOCK && add_block(t, n, cap) < 0) {
            fatal(t, n->off, "out of memory");
            return -1;
        }
        if (n->kind == N_INCLUDE) {
            if (depth >= MAX_DEPTH) {
                fatal(t, n->off, "includes nested too deeply (a cycle?)");
                return -1;
            }
            struct tpl *inc = load_from(t, n->text, n->off);
            if (!inc)
                return -1;
            if (find_blocks(t, inc->body, cap, depth + 1) < 0)
                return -1;
        }
        for (const struct node *b = n; b; b = b->kind == N_IF ? b->orelse : NULL)
            if (find_blocks(t, b->body, cap, depth) < 0)
                return -1;
    }
    return 0;
}

/* render_chain - template name with its ancestors: the root's body with
 * the blocks of the whole chain. */
static int render_chain(eddy_template_ctx *t, const char *name)
{
    struct tpl *chain[MAX_DEPTH];
    size_t n = 0;
    struct tpl *tp = load(t->l, name);
    if (!tp) {
        t->failed = true;
        return -1;
    }
    chain[n++] = tp;
    while (tp->extends) {
        t->cur = tp;
        if (n == MAX_DEPTH) {
            fatal(t, tp->extends_off, "extends nested too deeply (a cycle?)");
            return -1;
        }
        if (!(tp = load_from(t, tp->extends, tp->extends_off)))
            return -1;
        chain[n++] = tp;
    }
    size_t cap = 0;
    for (size_t i = n; i-- > 0;)
        if (find_blocks(t, chain[i]->body, &cap, 0) < 0)
            return -1;
    return exec_list(t, chain[n - 1]->body) == FLOW_STOP ? -1 : 0;
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
    if (absolute || !lookup(t, "static_url", true, &h, &g))
        return eddy_xhtml_escape_to(b, path, strlen(path));
    json_t *arg = json_string(path);
    json_t *url = arg ? call_helper(t, "static_url", 0, h, 1, &arg) : NULL;
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
        loader_fail(l, "render \"%s\": the context must be an object", name);
        return -1;
    }
    char *resolved = resolve_name(NULL, name, strlen(name));
    if (!resolved) {
        loader_fail(l, "template \"%s\" is outside the template root", name);
        return -1;
    }
    struct assets assets = {0};
    eddy_template_ctx t = {.l = l, .env = env, .out = out, .ctx = ctx, .assets = &assets};
    int rc = -1;
    size_t start = out->len;
    l->active++;
    if (render_chain(&t, resolved) == 0 && !t.failed)
        rc = 0;
    if (rc == 0 && inject(&t, start) < 0) {
        loader_fail(l, "output cannot grow: %s", strerror(errno));
        rc = -1;
    } else if (t.failed) { /* static_url failed for a module's file, in debug mode */
        rc = -1;
    }
    locals_free(&t);
    free(t.blocks);
    for (int k = 0; k < 4; k++) {
        for (size_t i = 0; i < assets.count[k]; i++)
            free(assets.items[k][i]);
        free(assets.items[k]);
    }
    free(resolved);
    if (--l->active == 0)
        free_retired(l);
    return rc;
}

int eddy_template_render_part(eddy_template_ctx *t, const char *name, json_t *ctx)
{
    if (ctx && !json_is_object(ctx)) {
        eddy_template_fail(t, "render_part \"%s\": the context must be an object", name);
        return -1;
    }
    char *resolved = resolve_name(NULL, name, strlen(name));
    if (!resolved) {
        eddy_template_fail(t, "template \"%s\" is outside the template root", name);
        return -1;
    }
    /* A part has its own names and blocks; it shares the output and the
     * resources with the page. */
    eddy_template_ctx part = *t;
    part.ctx = ctx;
    part.blocks = NULL;
    part.nblocks = 0;
    part.locals = NULL;
    part.nlocals = part.caplocals = 0;
    int rc = -1;
    if (render_chain(&part, resolved) == 0 && !part.failed)
        rc = 0;
    t->failed = part.failed; /* then the part's message (file, line, caret) stands */
    t->iterations = part.iterations;
    locals_free(&part);
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

int eddy_template_write(eddy_template_ctx *t, const char *s, size_t len)
{
    return eddy_buf_append(t->out, s, len);
}

/* ------------------------------------------------------------ built-in helpers */

static bool nargs_ok(eddy_template_ctx *t, size_t argc, size_t min, size_t max)
{
    if (argc >= min && argc <= max)
        return true;
    if (min == max)
        eddy_template_fail(t, "takes %zu argument%s (%zu given)", min, min == 1 ? "" : "s", argc);
    else
        eddy_template_fail(t, "takes %zu to %zu arguments (%zu given)", min, max, argc);
    return false;
}

/* as_text - v as the text {{ }} would show (unescaped), into b. */
static int as_text(eddy_template_ctx *t, eddy_buf *b, const json_t *v)
{
    if (write_value(b, v, false) < 0) {
        eddy_template_fail(t, "out of memory");
        return -1;
    }
    return 0;
}

/* text_result - b as a string value (b freed); NULL if that fails. */
static json_t *text_result(eddy_template_ctx *t, eddy_buf *b, int rc)
{
    json_t *v = rc == 0 ? json_stringn_nocheck(b->data ? b->data : "", b->len) : NULL;
    eddy_buf_free(b);
    if (!v && rc == 0)
        eddy_template_fail(t, "out of memory");
    return v;
}

static json_t *h_escape(eddy_template_ctx *t, size_t argc, json_t *const *argv)
{
    if (!nargs_ok(t, argc, 1, 1))
        return NULL;
    eddy_buf b = EDDY_BUF_INIT, s = EDDY_BUF_INIT;
    int rc = as_text(t, &s, argv[0]);
    if (rc == 0 && eddy_xhtml_escape_to(&b, s.data ? s.data : "", s.len) < 0)
        rc = -1;
    eddy_buf_free(&s);
    return text_result(t, &b, rc);
}

static json_t *h_url_escape(eddy_template_ctx *t, size_t argc, json_t *const *argv)
{
    if (!nargs_ok(t, argc, 1, 2))
        return NULL;
    eddy_buf b = EDDY_BUF_INIT, s = EDDY_BUF_INIT;
    int rc = as_text(t, &s, argv[0]);
    bool plus = argc < 2 || truthy(argv[1]);
    if (rc == 0 && eddy_url_escape_to(&b, s.data ? s.data : "", s.len, plus ? EDDY_URL_PLUS : 0) < 0)
        rc = -1;
    eddy_buf_free(&s);
    return text_result(t, &b, rc);
}

static json_t *h_json_encode(eddy_template_ctx *t, size_t argc, json_t *const *argv)
{
    if (!nargs_ok(t, argc, 1, 1))
        return NULL;
    eddy_buf b = EDDY_BUF_INIT;
    return text_result(t, &b, eddy_json_encode_to(&b, argv[0]));
}

/* squeeze - runs of whitespace and control bytes to one space, trimmed. */
static json_t *h_squeeze(eddy_template_ctx *t, size_t argc, json_t *const *argv)
{
    if (!nargs_ok(t, argc, 1, 1))
        return NULL;
    eddy_buf s = EDDY_BUF_INIT, b = EDDY_BUF_INIT;
    int rc = as_text(t, &s, argv[0]);
    bool gap = false;
    for (size_t i = 0; i < s.len && rc == 0; i++) {
        if ((unsigned char)s.data[i] <= 0x20) {
            gap = true;
            continue;
        }
        if (gap && b.len)
            rc = eddy_buf_append_char(&b, ' ');
        gap = false;
        if (rc == 0)
            rc = eddy_buf_append_char(&b, s.data[i]);
    }
    eddy_buf_free(&s);
    return text_result(t, &b, rc);
}

/* url_end - where a URL starting at s[i] ends in escaped text, as
 * Tornado's linkify finds it: no spaces, & only as &amp; or &quot;,
 * parentheses only in balanced pairs, and no punctuation at the end. */
static size_t url_end(const char *s, size_t n, size_t i)
{
    size_t end = i, good = i;
    while (end < n) {
        char c = s[end];
        if (is_space(c))
            break;
        if (c == '&') {
            if (n - end >= 5 && memcmp(s + end, "&amp;", 5) == 0)
                end += 5;
            else if (n - end >= 6 && memcmp(s + end, "&quot;", 6) == 0)
                end += 6;
            else
                break;
            continue;
        }
        if (c == '(') {
            size_t j = end + 1;
            while (j < n && s[j] != ')' && s[j] != '(' && s[j] != '&' && !is_space(s[j]))
                j++;
            if (j >= n || s[j] != ')')
                break;
            end = good = j + 1;
            continue;
        }
        if (c == ')')
            break;
        end++;
        if (!strchr("!\"#$%'*+,.:;<=>?@[]^`{|}~", c))
            good = end;
    }
    return good;
}

static json_t *h_linkify(eddy_template_ctx *t, size_t argc, json_t *const *argv)
{
    if (!nargs_ok(t, argc, 1, 2))
        return NULL;
    bool nofollow = argc > 1 && truthy(argv[1]);
    eddy_buf raw = EDDY_BUF_INIT, esc = EDDY_BUF_INIT, b = EDDY_BUF_INIT;
    int rc = as_text(t, &raw, argv[0]);
    if (rc == 0)
        rc = eddy_xhtml_escape_to(&esc, raw.data ? raw.data : "", raw.len);
    eddy_buf_free(&raw);
    const char *s = esc.data ? esc.data : "";
    size_t n = esc.len, from = 0;
    for (size_t i = 0; i < n && rc == 0; i++) {
        bool boundary = i == 0 || !is_ident(s[i - 1]);
        size_t skip = 0;
        if (!boundary)
            continue;
        if (n - i >= 7 && memcmp(s + i, "http://", 7) == 0)
            skip = 7;
        else if (n - i >= 8 && memcmp(s + i, "https://", 8) == 0)
            skip = 8;
        else if (n - i >= 4 && memcmp(s + i, "www.", 4) == 0)
            skip = 4;
        if (!skip)
            continue;
        size_t end = url_end(s, n, i + skip);
        if (end == i + skip)
            continue;
        rc = eddy_buf_append(&b, s + from, i - from) | eddy_buf_append_str(&b, "<a href=\"") |
             (skip == 4 ? eddy_buf_append_str(&b, "http://") : 0) |
             eddy_buf_append(&b, s + i, end - i) | eddy_buf_append_char(&b, '"') |
             (nofollow ? eddy_buf_append_str(&b, " rel=\"nofollow\"") : 0) |
             eddy_buf_append_char(&b, '>') | eddy_buf_append(&b, s + i, end - i) |
             eddy_buf_append_str(&b, "</a>");
        from = end;
        i = end - 1;
    }
    if (rc == 0)
        rc = eddy_buf_append(&b, s + from, n - from);
    eddy_buf_free(&esc);
    return text_result(t, &b, rc < 0 ? -1 : 0);
}

/* datetime - a Unix time as text in UTC: datetime(ts[, "%Y-%m-%d"]). */
static json_t *h_datetime(eddy_template_ctx *t, size_t argc, json_t *const *argv)
{
    if (!nargs_ok(t, argc, 1, 2))
        return NULL;
    if (!json_is_number(argv[0]) || (argc > 1 && !json_is_string(argv[1]))) {
        eddy_template_fail(t, "needs a number of seconds and a format string");
        return NULL;
    }
    double ts = json_number_value(argv[0]);
    struct tm tm;
    time_t tt = ts > -1e15 && ts < 1e15 ? (time_t)ts : 0;
    if (tt > ts)
        tt--; /* floor, for times before 1970 */
    if (!(ts > -1e15 && ts < 1e15) || !gmtime_r(&tt, &tm)) {
        eddy_template_fail(t, "time out of range");
        return NULL;
    }
    const char *fmt = argc > 1 ? json_string_value(argv[1]) : "%Y-%m-%d %H:%M:%S";
    char out[256];
    size_t n = fmt[0] ? strftime(out, sizeof out, fmt, &tm) : 0;
    if (n == 0 && fmt[0]) {
        eddy_template_fail(t, "format gives nothing or more than %zu bytes", sizeof out - 1);
        return NULL;
    }
    json_t *v = json_stringn(out, n);
    if (!v)
        eddy_template_fail(t, "format gives invalid UTF-8");
    return v;
}

static json_t *h_len(eddy_template_ctx *t, size_t argc, json_t *const *argv)
{
    if (!nargs_ok(t, argc, 1, 1))
        return NULL;
    const json_t *v = argv[0];
    size_t n;
    if (json_is_string(v)) { /* characters, not bytes */
        n = 0;
        for (size_t i = 0; i < json_string_length(v); i++)
            n += ((unsigned char)json_string_value(v)[i] & 0xC0) != 0x80;
    } else if (json_is_array(v)) {
        n = json_array_size(v);
    } else if (json_is_object(v)) {
        n = json_object_size(v);
    } else {
        eddy_template_fail(t, "%s has no length", type_name(v));
        return NULL;
    }
    return json_integer((json_int_t)n);
}

/* range - Python's range(stop), range(start, stop[, step]), as an array. */
static json_t *h_range(eddy_template_ctx *t, size_t argc, json_t *const *argv)
{
    enum { MAX_RANGE = 1000000 };
    if (!nargs_ok(t, argc, 1, 3))
        return NULL;
    json_int_t a[3] = {0, 0, 1};
    for (size_t i = 0; i < argc; i++)
        if (!json_is_integer(argv[i])) {
            eddy_template_fail(t, "needs integers");
            return NULL;
        }
    if (argc == 1) {
        a[1] = json_integer_value(argv[0]);
    } else {
        a[0] = json_integer_value(argv[0]);
        a[1] = json_integer_value(argv[1]);
        if (argc == 3)
            a[2] = json_integer_value(argv[2]);
    }
    if (a[2] == 0) {
        eddy_template_fail(t, "step must not be zero");
        return NULL;
    }
    double count = ((double)a[1] - (double)a[0]) / (double)a[2];
    if (count > MAX_RANGE) {
        eddy_template_fail(t, "more than %d numbers", MAX_RANGE);
        return NULL;
    }
    json_t *v = json_array();
    for (json_int_t i = a[0]; v && (a[2] > 0 ? i < a[1] : i > a[1]); i += a[2])
        if (json_array_append_new(v, json_integer(i)) < 0 ||
            (a[2] > 0 ? i > INT64_MAX - a[2] : i < INT64_MIN - a[2]))
            break;
    if (!v)
        eddy_template_fail(t, "out of memory");
    return v;
}

/* ------------------------------------------------------------ the loader's life */

eddy_template_loader *eddy_template_loader_new(const char *root_dir, bool debug)
{
    static const struct {
        const char *name;
        eddy_template_helper_fn fn;
    } builtins[] = {
        {"escape", h_escape},         {"xhtml_escape", h_escape},
        {"url_escape", h_url_escape}, {"json_encode", h_json_encode},
        {"squeeze", h_squeeze},       {"linkify", h_linkify},
        {"datetime", h_datetime},     {"len", h_len},
        {"range", h_range},
    };
    eddy_template_loader *l = calloc(1, sizeof *l);
    if (!l)
        return NULL;
    l->debug = debug;
    l->max_iterations = 10000000;
    l->nbuckets = 16;
    if (!(l->buckets = calloc(l->nbuckets, sizeof *l->buckets)))
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
    for (size_t i = 0; i < sizeof builtins / sizeof builtins[0]; i++)
        if (eddy_template_helper(l, builtins[i].name, builtins[i].fn) < 0)
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
            tpl_free(tp);
        }
    free_retired(l);
    for (size_t i = 0; i < l->nnames; i++)
        free(l->names[i].name);
    free(l->names);
    free(l->buckets);
    free(l->root);
    free(l);
}
