/*
 * template_internal - what the files of the template engine share; only
 * lib/web/template_*.c include it.
 *
 * The engine is split by job: template_expr.c parses expressions,
 * template_parse.c compiles a file's tags into a tree, template_loader.c
 * finds, reads and caches templates and keeps the loader's names,
 * template_eval.c computes the value of an expression (template_scalar.c
 * the tests it can decide without making JSON), template_exec.c walks a
 * tree, template_chain.c follows the chain of {% extends %} and its
 * blocks, template_rows.c reads database rows given to a render,
 * template_render.c runs a render and gives helpers and modules their
 * API, template_helpers.c holds the built-in helpers. A template's source
 * is parsed once into a list of nodes (text, an expression, an if with
 * its branches, a for, ...) whose strings and expression trees live in
 * the template's arena.
 *
 * The few functions every {{ }} goes through (peek, local_get,
 * write_value, truthy) are static inline, in template_values_internal.h,
 * so that the file walking the tree can inline them as it did when the
 * engine was one file. Other shared functions carry the tpl_ prefix: the
 * library is a static archive, and a program linking it may have its own
 * eval or lookup.
 */
#ifndef EDDY_TEMPLATE_INTERNAL_H
#define EDDY_TEMPLATE_INTERNAL_H

#include <eddy/web/template.h>

#include <eddy/base/arena.h>
#include <eddy/base/buf.h>
#include <eddy/base/escape.h>
#include <eddy/base/str.h>
#include <eddy/base/utf8.h>

#include <jansson.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <time.h>

enum {
    MAX_DEPTH = 32,       /* extends, include, block and module nesting */
    MAX_EXPR_DEPTH = 64,  /* parentheses and operators in one expression */
    MAX_NESTING = 100,    /* if, for, block, apply inside one another */
    MAX_EXPR_NODES = 200, /* operators and operands in one expression */
    MAX_LEVELS = 160,     /* nested bodies in one render, across files */
    SHOWN_LINE_MAX = 240, /* bytes of the offending line an error shows */
    SIZE_HINT_MAX = 256 * 1024, /* the most a render reserves for its output at once */
    /* A text node's bytes are followed by TEXT_BLOCK zero bytes of its
     * own, so a short one is copied in whole blocks of TEXT_BLOCK bytes
     * (put_text in template_exec.c), up to TEXT_BLOCKS of them: no call
     * to memcpy for each of the thousand texts a page of rows writes. */
    TEXT_BLOCK = 16,
    TEXT_BLOCKS = 4
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
    struct expr **args; /* X_CALL, X_LIST; a call's keyword arguments come last */
    size_t nargs;
    const char **kwnames; /* X_CALL: the names of its last nkw arguments */
    size_t nkw;
    /* What the render numbered memo_serial found for it, kept so that a
     * loop does not look it up again each round (a loader belongs to one
     * thread, so its trees are written by one render at a time): for
     * row.column, the column's index in memo_res (tpl_row_column). For
     * a call, the helper its name found while the loader's names were at
     * helper_gen and the env's defaults at helper_defaults: found again
     * only when either changed (tpl_helper_of). For row.child, the child
     * rows of kids_of's rows the render numbered kids_serial found
     * (tpl_rows_children). */
    unsigned long memo_serial, kids_serial;
    const struct eddy_db_result *memo_res, *kids_of, *memo_kids;
    int memo_col;
    eddy_template_helper_fn memo_helper;
    unsigned long helper_gen;
    const void *helper_defaults;
    /* For a name (X_NAME), where its local binding was last found: the
     * index into the render's locals and the binding's name pointer
     * there, which a later look-up checks before searching
     * (local_binding_of). */
    size_t memo_local;
    const char *memo_local_name;
    /* For a name, what the context held for it in the render numbered
     * ctx_serial (a render's context does not change while it runs;
     * a part rendered with its own context has its own number). */
    unsigned long ctx_serial;
    json_t *memo_ctx;
    /* For a name, its bit among the render's local_bits (name_bit_of; 0
     * when not known), and whether it names a set of rows in the render
     * numbered rows_serial. */
    unsigned long long name_bit;
    unsigned long rows_serial;
    bool memo_is_rows;
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
    N_CONTINUE,
    N_WHILE,
    N_TRY
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
    const char *var1, *var2; /* N_SET's name; N_FOR's targets; N_TRY's "except ... as" name */
    bool uses_loop;          /* N_FOR: its body may read "loop" (else it is not built) */
    bool catches;            /* N_TRY: it has an except clause */
    struct node *body;
    struct node *orelse;      /* N_IF: the next branch */
    struct node *else_body;   /* N_FOR, N_WHILE, N_TRY: the else clause */
    struct node *except_body; /* N_TRY */
    struct node *finally_body;
    /* N_FOR: its body as steps, when it is only text and {{ var.column }}
     * (template_exec.c's row_steps); made on its first loop over rows. */
    struct row_steps *steps;
    bool steps_tried;
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
    size_t size_hint;       /* bytes its last render wrote (tpl_render_chain) */
    struct tpl *next;       /* hash chain, or the retired list */
    /* Its {% block %} and {% include %} nodes at any depth, in the order
     * a walk of its tree meets them, listed on its first render (in its
     * arena): each render of its chain looks at them, not at every node. */
    const struct node **marks;
    size_t nmarks;
    bool marked;
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
    unsigned long renders; /* numbers each render: the expressions' memos are its */
    char *autoescape; /* every file's until its {% autoescape %}; NULL: none */
    int whitespace;   /* every file's: 0 all, 1 single, 2 oneline; -1: by its name */
    json_t *empty_list; /* what a loop over rows holds as its sequence: one, not one per loop */
    unsigned long names_gen; /* changes whenever names does (a call's memo checks it) */
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
    const char *name;                 /* from a compiled tree, which outlives the render */
    json_t *v;                        /* owned; for a row, NULL until something needs it as JSON */
    const struct eddy_db_result *res; /* a loop over eddy_template_rows: row of res */
    size_t row;
    const struct eddy_db_value *cells; /* that row's values (eddy_db_row_values) */
    /* The row's children in kids found last (tpl_rows_children), so a
     * second loop over them on the same row does not search again; a
     * binding made anew starts without (NULL). */
    const struct eddy_db_result *kids;
    size_t kids_first, kids_count;
};

/* A keyword argument of the call being made, as the callee asks for it. */
struct kwarg {
    const char *name;
    json_t *v; /* borrowed from the call */
    bool used;
};

/* A place a render went into another template from: an include, a block
 * of another file, a module's call. */
struct via {
    const struct tpl *tpl;
    size_t off;
};

struct eddy_template_ctx {
    eddy_template_loader *l;
    const eddy_template_env *env;
    eddy_buf *out;
    json_t *ctx;                    /* borrowed */
    const eddy_template_rows *rows; /* the env's, for this render (not its parts) */
    json_t **rows_json;             /* rows[i] as JSON, made when first needed */
    struct binding *locals;
    size_t nlocals, caplocals;
    unsigned long long local_bits; /* the name_bit_of of every name bound so far */
    struct block_entry *blocks;
    size_t nblocks;
    struct assets *assets;
    const struct tpl *cur; /* the template being rendered, for errors */
    int depth;
    int levels;   /* bodies being executed inside one another */
    bool failed;  /* an error: stop (the try catching it clears it) */
    bool raised;  /* the error is one a try catches */
    int catching; /* try blocks with an except clause being executed */
    unsigned long iterations;
    int nvia;
    struct kwarg *kw; /* of the helper or module being called */
    size_t nkw;
    unsigned long serial; /* this render's number, for the expressions' memos */
    /* Last, and not zeroed when a render starts (see eddy_template_render):
     * read only as far as they were written. */
    struct via via[MAX_DEPTH];
    char reason[512]; /* from eddy_template_fail */
    char exc[512];    /* the raised error's message, for "except Exception as e" */
};

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

/* How a body ended: at the end of the file, at {% end %}, or at a clause
 * of the block holding it ({% else %}, {% elif %}, {% except %},
 * {% finally %}), whose suffix the block then reads. */
enum term { END_EOF, END_END, END_ELSE, END_ELIF, END_EXCEPT, END_FINALLY };

struct ending {
    enum term term;
    size_t off;          /* the tag's operator */
    size_t sfx, sfx_end; /* its suffix */
};

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

static inline bool tok_is(const struct lexer *x, enum tok k, const char *text)
{
    size_t n = strlen(text);
    return x->tok == k && x->tlen == n && memcmp(x->p->s + x->start, text, n) == 0;
}

static inline bool op_is(const struct lexer *x, const char *op)
{
    return tok_is(x, T_OP, op);
}
static inline bool word_is(const struct lexer *x, const char *w)
{
    return tok_is(x, T_NAME, w);
}

/* ------------------------------------------------------------ execution */

/* What executing a node tells the list it is in: go on, leave the loop,
 * go to the loop's next round, or stop the render (an error). */
enum { FLOW_NEXT = 0, FLOW_BREAK = 1, FLOW_CONTINUE = 2, FLOW_STOP = -1 };

/* ------------------------------------------------------------ shared functions */

/* template_loader.c: messages */
/* tpl_format_error - "name:line:col: msg", then the line and a caret under
 * off, into dst. */
void tpl_format_error(char *dst, size_t cap, const struct tpl *tp, size_t off, const char *msg);
int tpl_line_of(const struct tpl *tp, size_t off);
void tpl_loader_fail(eddy_template_loader *l, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* template_loader.c: the cache and the names */
char *tpl_resolve_name(const char *parent, const char *name, size_t len);
struct tpl *tpl_load(eddy_template_loader *l, const char *name);
void tpl_free_retired(eddy_template_loader *l);
bool tpl_lookup(eddy_template_ctx *t, const char *name, bool want_helper,
                eddy_template_helper_fn *h, eddy_template_global_fn *g);
/* tpl_helper_of - the helper the call e names, or NULL when there is
 * none (remembered in e while the names stay the same). */
eddy_template_helper_fn tpl_helper_of(eddy_template_ctx *t, const struct expr *e);

/* template_expr.c */
int tpl_perr(struct parser *p, size_t off, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void *tpl_palloc(struct parser *p, size_t n);
char *tpl_pstrndup(struct parser *p, const char *s, size_t n);
void tpl_lex(struct lexer *x);
int tpl_unexpected(struct lexer *x);
struct expr *tpl_parse_expr(struct parser *p, size_t start, size_t end);

/* template_parse.c */
/* tpl_compile - tp->src into tp->body, with the loader's defaults; -1
 * with the message in l->error. */
int tpl_compile(struct tpl *tp, const eddy_template_loader *l, char *err, size_t errcap);
/* tpl_space_len - the length of the space character at s[0..n) as
 * Python's str.isspace and \s know them (ASCII's, \x1c-\x1f, U+0085,
 * U+00A0, U+1680, U+2000-U+200A, U+2028, U+2029, U+202F, U+205F, U+3000),
 * or 0. */
size_t tpl_space_len(const char *s, size_t n);
/* tpl_parse_body - nodes into *out up to the end of input or a tag that
 * ends the body (end or a clause, which goes to *end); in_block names the
 * tag whose body it is (NULL at the top), in_loop whether break and
 * continue may appear. */
int tpl_parse_body(struct parser *p, const char *in_block, bool in_loop, struct node **out,
                   struct ending *end);
struct node *tpl_new_node(struct parser *p, enum nkind k, size_t off);

/* template_control.c: the tags that hold bodies and clauses; the node is
 * made, [sa, sb) is the tag's suffix. 0, or -1 after tpl_perr. */
int tpl_parse_if(struct parser *p, struct node *n, size_t sa, size_t sb, bool in_loop);
int tpl_parse_for(struct parser *p, struct node *n, size_t sa, size_t sb, bool in_loop);
int tpl_parse_while(struct parser *p, struct node *n, size_t sa, size_t sb, bool in_loop);
int tpl_parse_try(struct parser *p, struct node *n, size_t sa, size_t sb, bool in_loop);

/* template_eval.c */
const char *tpl_type_name(const json_t *v);
json_t *tpl_eval(eddy_template_ctx *t, const struct expr *e);
/* tpl_call_helper - fn(argv) without keyword arguments (autoescape, apply,
 * static_url for a module's file), a failure named after the helper. */
json_t *tpl_call_helper(eddy_template_ctx *t, const char *name, size_t off,
                        eddy_template_helper_fn fn, size_t argc, json_t *const *argv);

/* A call expression's arguments, evaluated: positional ones in argv, the
 * keyword ones offered through eddy_template_kwarg while the callee runs. */
struct call {
    json_t *small[8], **argv;
    size_t argc; /* positional */
    struct kwarg kwsmall[4], *kw;
    struct kwarg *outer_kw; /* the enclosing call's, restored after */
    size_t outer_nkw;
};
/* tpl_call_begin - evaluate e's arguments into c and offer the keyword
 * ones; 0, or -1 (nothing held) after an error. */
int tpl_call_begin(eddy_template_ctx *t, const struct expr *e, struct call *c);
/* tpl_call_end - after the callee (a helper, or a module) ran (ok: it
 * succeeded): a keyword it never asked for is an error of the call; the
 * arguments released. Returns ok, or false after that error. */
bool tpl_call_end(eddy_template_ctx *t, const struct expr *e, struct call *c, bool ok, bool module);

/* template_render.c: a render's errors */
/* tpl_rt_error - an error at off of the current template that a program
 * can make at run time (an unknown name, a helper failing): inside a try
 * with an except clause it is raised (the try catches it); else it fails
 * the render in debug mode and is logged in production, where the caller
 * renders nothing. */
void tpl_rt_error(eddy_template_ctx *t, size_t off, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* tpl_fatal - an error that stops the render in every mode and that no
 * try catches (out of memory, a limit, a template that cannot load). */
void tpl_fatal(eddy_template_ctx *t, size_t off, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* tpl_add_via - " (via a.html:3, base.html:1)" after the first line of
 * the message in dst: the includes, blocks and modules the current
 * template was reached through, innermost first (Tornado's form). */
void tpl_add_via(const eddy_template_ctx *t, char *dst, size_t cap);

/* template_exec.c, template_chain.c */
int tpl_render_chain(eddy_template_ctx *t, const char *name);
/* tpl_exec_body - the nodes from n on, executed: a FLOW_ value. */
int tpl_exec_body(eddy_template_ctx *t, const struct node *n);
/* tpl_load_from - template name, asked for at off of the current
 * template; NULL after reporting why (the render fails). */
struct tpl *tpl_load_from(eddy_template_ctx *t, const char *name, size_t off);
void tpl_locals_free(eddy_template_ctx *t);

/* template_rows.c: eddy_template_rows */
/* tpl_rows_find - the result given as rows under name, or NULL. */
const struct eddy_db_result *tpl_rows_find(const eddy_template_ctx *t, const char *name);
/* tpl_rows_children - when e is row.child, row a binding to a row of a
 * set P given with a set "P.child": that child result, *first and *count
 * the range of its rows that belong to the row; else NULL. */
const struct eddy_db_result *tpl_rows_children(const eddy_template_ctx *t, const struct expr *e,
                                               size_t *first, size_t *count);
/* tpl_rows_json - the rows given under name as JSON (made once per render,
 * borrowed), or NULL when there are none of that name or out of memory
 * (then the render fails). */
json_t *tpl_rows_json(eddy_template_ctx *t, const char *name);
/* tpl_row_json - a row binding's JSON, made on first use (borrowed);
 * NULL when out of memory (the render fails). */
json_t *tpl_row_json(eddy_template_ctx *t, struct binding *b);
/* tpl_row_column - when e reads a column of a row not made JSON
 * (row.column, or row.fk.field: the joined column "fk.field"), the row's
 * binding and the column's index in *col (-1: no such column, null);
 * else NULL. */
const struct binding *tpl_row_column(eddy_template_ctx *t, const struct expr *e, int *col);
/* tpl_row_value - column col of b's row as the row's JSON has it (new
 * reference); NULL when out of memory (the render fails). */
json_t *tpl_row_value(eddy_template_ctx *t, const struct binding *b, int col);
/* tpl_write_column - {{ row.column }} written straight from the result;
 * 0, or -1 when the output cannot grow. */
int tpl_write_column(eddy_template_ctx *t, const struct binding *b, int col, bool escape);
void tpl_rows_free(eddy_template_ctx *t);
/* tpl_row_steps - n's body (N_FOR over res) as steps when it is only
 * text and {{ var.column }}, its columns found in res; NULL when it is
 * more (the body is then walked). tpl_run_row_steps - those steps for
 * the row bound in b: 0, or -1 when the output cannot grow. */
struct row_steps *tpl_row_steps(eddy_template_ctx *t, const struct node *n,
                                const struct eddy_db_result *res);
int tpl_run_row_steps(eddy_template_ctx *t, const struct row_steps *rs, const struct binding *b);

/* tpl_put_text - a text node's bytes appended: when short, in blocks of
 * TEXT_BLOCK read into the padding it has (add_text) and written into
 * room reserved for all the blocks. */
static inline int tpl_put_text(eddy_buf *out, const char *s, size_t n)
{
    if (n > TEXT_BLOCK * TEXT_BLOCKS || eddy_buf_reserve(out, TEXT_BLOCK * TEXT_BLOCKS) < 0)
        return eddy_buf_append(out, s, n);
    char *d = out->data + out->len;
    for (size_t i = 0; i < n; i += TEXT_BLOCK)
        memcpy(d + i, s + i, TEXT_BLOCK);
    out->len += n;
    out->data[out->len] = '\0';
    return 0;
}

/* A value a test or a helper reads where it is, with no JSON made: a
 * literal, a number or string of the context or a local, a row's column
 * (template_scalar.c). Text points into its owner (or buf) for the
 * expression's evaluation only. */
struct tpl_scalar {
    enum { SC_NULL, SC_FALSE, SC_TRUE, SC_INT, SC_REAL, SC_TEXT } kind;
    json_int_t i;
    double d;
    const char *s;
    size_t len;
    char buf[32]; /* a date-time column's text */
};
/* tpl_column_scalar - column col of b's row as the scalar its JSON would
 * be; false for what only JSON says (a double, a blob, text that is not
 * UTF-8). */
bool tpl_column_scalar(const struct binding *b, int col, struct tpl_scalar *sc);

/* template_helpers.c, template_linkify.c */
int tpl_add_builtins(eddy_template_loader *l);
/* tpl_write_call - {{ helper(...) }} written straight into the output
 * when the helper is a built-in that can be (url_escape) and its
 * arguments are scalars: a FLOW_ value; TPL_NOT_HERE when eval must
 * make it. */
enum { TPL_NOT_HERE = -2 };
int tpl_write_call(eddy_template_ctx *t, const struct node *n);

/* template_scalar.c */
/* tpl_scalar - e as a scalar (see struct tpl_scalar); false when it is
 * anything else or needs eval (a call, a global, an unknown name). */
bool tpl_scalar(eddy_template_ctx *t, const struct expr *e, struct tpl_scalar *sc);
/* tpl_scalar_truth - a scalar's truth, as Python's. */
bool tpl_scalar_truth(const struct tpl_scalar *a);
/* tpl_quick_condition - whether e holds, when it is a test of scalars
 * (==, <, not, and, or over names, literals and columns): 1 or 0;
 * TPL_NOT_HERE when eval must decide (or say why it cannot). */
int tpl_quick_condition(eddy_template_ctx *t, const struct expr *e);
json_t *tpl_linkify(eddy_template_ctx *t, size_t argc, json_t *const *argv);

/* ------------------------------------------------------------ inline: the hot path */

static inline bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}
static inline bool is_ident_start(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}
static inline bool is_ident(char c)
{
    return is_ident_start(c) || (c >= '0' && c <= '9');
}

#include "template_values_internal.h"

#endif
