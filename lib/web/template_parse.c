/*
 * template_parse - a template's source compiled into a list of nodes:
 * text (with its whitespace filtered), {{ }}, and each {% %} tag with the
 * bodies it opens.
 */
#include "template_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* --- text */

size_t tpl_space_len(const char *str, size_t n)
{
    const unsigned char *s = (const unsigned char *)str;
    if (n == 0)
        return 0;
    if (s[0] < 0x80)
        return (s[0] >= 0x09 && s[0] <= 0x0D) || (s[0] >= 0x1C && s[0] <= 0x20);
    if (n >= 2 && s[0] == 0xC2 && (s[1] == 0x85 || s[1] == 0xA0))
        return 2;
    if (n < 3)
        return 0;
    unsigned cp = (s[0] & 0x0Fu) << 12 | (s[1] & 0x3Fu) << 6 | (s[2] & 0x3Fu);
    bool three = (s[0] & 0xF0) == 0xE0 && (s[1] & 0xC0) == 0x80 && (s[2] & 0xC0) == 0x80;
    if (three && (cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200A) || cp == 0x2028 || cp == 0x2029 ||
                  cp == 0x202F || cp == 0x205F || cp == 0x3000))
        return 3;
    return 0;
}

/* filter - s[0..n) into buf by Tornado's whitespace mode (1 single, 2
 * oneline): in single, a run of spaces holding a newline becomes one
 * newline, else its runs of blanks (space, tab) become one space; in
 * oneline every run becomes one space. Python's spaces, Unicode ones too. */
static size_t filter(char *buf, const char *s, size_t n, int mode)
{
    size_t o = 0;
    for (size_t i = 0; i < n;) {
        size_t k = tpl_space_len(s + i, n - i);
        if (!k) {
            buf[o++] = s[i++];
            continue;
        }
        size_t j = i;
        bool newline = false;
        for (; (k = tpl_space_len(s + j, n - j)); j += k)
            newline |= s[j] == '\n';
        if (mode == 2 || newline) {
            buf[o++] = mode == 2 ? ' ' : '\n';
        } else { /* single: blanks collapse, other spaces stay */
            for (size_t x = i; x < j;) {
                if (s[x] == ' ' || s[x] == '\t') {
                    buf[o++] = ' ';
                    while (x < j && (s[x] == ' ' || s[x] == '\t'))
                        x++;
                } else {
                    buf[o++] = s[x++];
                }
            }
        }
        i = j;
    }
    return o;
}

/* add_text - a text node for [start, end), filtered by the whitespace
 * mode; like Tornado, a text holding "<pre>" is left as it is. */
static int add_text(struct parser *p, struct node ***tail, size_t start, size_t end)
{
    if (end <= start)
        return 0;
    const char *s = p->s + start;
    size_t n = end - start;
    char *buf = tpl_palloc(p, n + TEXT_BLOCK); /* the padding tpl_put_text reads */
    if (!buf)
        return -1;
    size_t o = n;
    if (p->whitespace == 0 || memmem(s, n, "<pre>", 5))
        memcpy(buf, s, n);
    else
        o = filter(buf, s, n, p->whitespace);
    if (o == 0)
        return 0;
    struct node *nd = tpl_palloc(p, sizeof *nd);
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

static int parse_body_at(struct parser *p, const char *in_block, bool in_loop, struct node **tail,
                         struct ending *end);

struct node *tpl_new_node(struct parser *p, enum nkind k, size_t off)
{
    struct node *n = tpl_palloc(p, sizeof *n);
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
        tpl_perr(p, off, "\"%s\" needs a template name", tag);
        return NULL;
    }
    char *r = tpl_resolve_name(p->tp->name, p->s + a, b - a);
    if (!r) {
        tpl_perr(p, a, "template \"%.*s\" is outside the template root", (int)(b - a), p->s + a);
        return NULL;
    }
    char *c = tpl_pstrndup(p, r, strlen(r));
    free(r);
    return c;
}

/* in_block_is - the block being parsed is one of names (" if for "). */
static bool in_block_is(const char *in_block, const char *names)
{
    if (!in_block)
        return false;
    size_t n = strlen(in_block);
    for (const char *w = strstr(names, in_block); w; w = strstr(w + 1, in_block))
        if (w[-1] == ' ' && w[n] == ' ')
            return true;
    return false;
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
    static const struct {
        const char *name;
        enum term term;
        const char *parents; /* the blocks it may be a clause of */
        const char *where;   /* the same, for the error */
    } clauses[] = {
        {"end", END_END, NULL, NULL},
        {"else", END_ELSE, " if for while try ", "an if, for, while or try block"},
        {"elif", END_ELIF, " if ", "an if block"},
        {"except", END_EXCEPT, " try ", "a try block"},
        {"finally", END_FINALLY, " try ", "a try block"},
    };
    for (size_t i = 0; i < sizeof clauses / sizeof clauses[0]; i++) {
        if (olen != strlen(clauses[i].name) || memcmp(s + a, clauses[i].name, olen) != 0)
            continue;
        if (clauses[i].term == END_END && !in_block)
            return tpl_perr(p, a, "\"end\" without a block to end");
        if (clauses[i].term == END_END && sa != sb)
            return tpl_perr(p, sa, "\"end\" takes nothing");
        if (clauses[i].parents && !in_block_is(in_block, clauses[i].parents))
            return tpl_perr(p, a, "\"%s\" outside %s", clauses[i].name, clauses[i].where);
        *end = (struct ending){clauses[i].term, a, sa, sb};
        return 1;
    }
    if (OP("comment"))
        return 0;
    if (OP("autoescape")) {
        if (sa == sb)
            return tpl_perr(p, a, "\"autoescape\" needs a helper name or None");
        if (sb - sa == 4 && memcmp(s + sa, "None", 4) == 0) {
            p->tp->autoescape = NULL;
        } else {
            if (!ident_span(s, sa, sb))
                return tpl_perr(p, sa, "\"autoescape\" needs a helper name or None");
            if (!(p->tp->autoescape = tpl_pstrndup(p, s + sa, sb - sa)))
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
        return tpl_perr(p, sa, "unknown whitespace mode \"%.*s\"",
                        (int)(sb - sa > 40 ? 40 : sb - sa), s + sa);
    }
    if (OP("extends")) {
        if (p->tp->extends)
            return tpl_perr(p, a, "a template extends only one other");
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
    else if (OP("while"))
        kind = N_WHILE;
    else if (OP("try"))
        kind = N_TRY;
    else if (OP("import") || OP("from"))
        return tpl_perr(p, a, "\"%.*s\" is Python's: register a helper from C instead", (int)olen,
                        s + a);
    else
        return tpl_perr(p, a, "unknown tag \"%.*s\"", (int)(olen > 40 ? 40 : olen), s + a);
#undef OP
    struct node *n = tpl_new_node(p, kind, a);
    if (!n)
        return -1;
    if (kind == N_INCLUDE || kind == N_BLOCK)
        p->loop_refs++;
    int rc = 0;
    switch (kind) {
    case N_RAW:
        if (sa == sb)
            return tpl_perr(p, a, "\"raw\" needs an expression");
        rc = (n->e = tpl_parse_expr(p, sa, sb)) ? 0 : -1;
        break;
    case N_SET: {
        size_t eq = sa;
        while (eq < sb && s[eq] != '=')
            eq++;
        size_t na = sa, nb = eq;
        trim(s, &na, &nb);
        if (eq >= sb || !ident_span(s, na, nb) || (eq + 1 < sb && s[eq + 1] == '='))
            return tpl_perr(p, a, "\"set\" needs \"name = expression\"");
        if (!(n->var1 = tpl_pstrndup(p, s + na, nb - na)))
            return -1;
        rc = (n->e = tpl_parse_expr(p, eq + 1, sb)) ? 0 : -1;
        break;
    }
    case N_INCLUDE:
        rc = (n->text = quoted_name(p, sa, sb, "include", a)) ? 0 : -1;
        break;
    case N_MODULE:
        if (!(n->e = tpl_parse_expr(p, sa, sb)))
            return -1;
        if (n->e->kind != X_CALL)
            return tpl_perr(p, sa, "\"module\" needs a call such as Entry(post)");
        break;
    case N_IF:
        rc = tpl_parse_if(p, n, sa, sb, in_loop);
        break;
    case N_FOR:
        rc = tpl_parse_for(p, n, sa, sb, in_loop);
        break;
    case N_WHILE:
        rc = tpl_parse_while(p, n, sa, sb, in_loop);
        break;
    case N_TRY:
        rc = tpl_parse_try(p, n, sa, sb, in_loop);
        break;
    case N_BLOCK:
    case N_APPLY: {
        const char *tag = kind == N_BLOCK ? "block" : "apply";
        if (sa == sb || (kind == N_APPLY && !ident_span(s, sa, sb)))
            return tpl_perr(p, a, "\"%s\" needs a %s", tag,
                            kind == N_BLOCK ? "name" : "helper name");
        if (!(n->text = tpl_pstrndup(p, s + sa, sb - sa)))
            return -1;
        struct ending e;
        if (tpl_parse_body(p, tag, false, &n->body, &e) < 0)
            return -1;
        if (e.term == END_EOF)
            return tpl_perr(p, a, "missing {%% end %%} for \"%s\"", tag);
        break;
    }
    case N_BREAK:
    case N_CONTINUE:
        if (!in_loop)
            return tpl_perr(p, a, "\"%s\" outside a for or while loop",
                            kind == N_BREAK ? "break" : "continue");
        if (sa != sb)
            return tpl_perr(p, sa, "\"%s\" takes nothing", kind == N_BREAK ? "break" : "continue");
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

int tpl_parse_body(struct parser *p, const char *in_block, bool in_loop, struct node **out,
                   struct ending *end)
{
    struct node **tail = out;
    *out = NULL;
    if (in_block && ++p->nesting > MAX_NESTING)
        return tpl_perr(p, p->pos, "tags nested too deeply");
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
            return tpl_perr(p, open, "missing %c} to close {%c", closer, kind);
        size_t a = p->pos, b = close;
        p->pos = close + 2;
        if (kind == '#')
            continue;
        trim(p->s, &a, &b);
        if (kind == '{') {
            if (a == b)
                return tpl_perr(p, open, "empty expression");
            struct node *n = tpl_new_node(p, N_EXPR, a);
            if (!n || !(n->e = tpl_parse_expr(p, a, b)))
                return -1;
            *tail = n;
            tail = &n->next;
            continue;
        }
        if (a == b)
            return tpl_perr(p, open, "empty tag");
        int rc = parse_tag(p, a, b, in_block, in_loop, &tail, end);
        if (rc)
            return rc < 0 ? -1 : 0;
    }
}

int tpl_compile(struct tpl *tp, const eddy_template_loader *l, char *err, size_t errcap)
{
    struct parser p = {.tp = tp, .s = tp->src, .len = tp->srclen, .err = err, .errcap = errcap};
    size_t nl = strlen(tp->name);
    bool html = (nl >= 5 && strcmp(tp->name + nl - 5, ".html") == 0) ||
                (nl >= 3 && strcmp(tp->name + nl - 3, ".js") == 0);
    p.whitespace = l->whitespace >= 0 ? l->whitespace : html ? 1 : 0;
    tp->autoescape = NULL;
    tp->marks = NULL; /* a list of the tree compiled before, in the arena freed with it */
    tp->nmarks = 0;
    tp->marked = false;
    if (l->autoescape && !(tp->autoescape = tpl_pstrndup(&p, l->autoescape, strlen(l->autoescape))))
        return -1;
    if (!(tp->consts = json_array()))
        return tpl_perr(&p, 0, "out of memory");
    struct ending end;
    if (tpl_parse_body(&p, NULL, false, &tp->body, &end) < 0) {
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
