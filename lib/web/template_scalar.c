/*
 * template_scalar - the tests a page's loops run on every row
 * ({% if c.user_id == me %}, {% if not g.front_image %}) and the
 * arguments of a helper written straight out, decided on the values
 * where they are: a literal, a number or string of the context or of a
 * local, a row's column. Evaluating them the general way makes a JSON
 * value for each operand and each result and frees them again, which
 * on a page of fifty rows was most of what its tests cost. What these
 * cannot decide (a call, a global, a list, an error to report) goes to
 * tpl_eval as before, with the same meaning: equality as the evaluator's
 * (numbers by value, anything else by type and value), truth as
 * Python's.
 */
#include "template_internal.h"

static bool from_json(const json_t *v, struct tpl_scalar *sc)
{
    switch (json_typeof(v)) {
    case JSON_STRING:
        sc->kind = SC_TEXT;
        sc->s = json_string_value(v);
        sc->len = json_string_length(v);
        return true;
    case JSON_INTEGER:
        sc->kind = SC_INT;
        sc->i = json_integer_value(v);
        return true;
    case JSON_REAL:
        sc->kind = SC_REAL;
        sc->d = json_real_value(v);
        return true;
    case JSON_TRUE:
        sc->kind = SC_TRUE;
        return true;
    case JSON_FALSE:
        sc->kind = SC_FALSE;
        return true;
    case JSON_NULL:
        sc->kind = SC_NULL;
        return true;
    default:
        return false; /* a list or an object */
    }
}

bool tpl_scalar(eddy_template_ctx *t, const struct expr *e, struct tpl_scalar *sc)
{
    json_t *v;
    switch (e->kind) {
    case X_LIT:
        return from_json(e->lit, sc);
    case X_NAME: {
        /* peek's order (locals, rows, the context), without making the
         * JSON of a row or of a set of rows */
        const struct binding *b = local_binding_of(t, e);
        if (b)
            return b->v && from_json(b->v, sc);
        if (rows_name(t, e))
            return false;
        v = ctx_get(t, e);
        return v && from_json(v, sc);
    }
    case X_ATTR: {
        int col;
        const struct binding *b = row_column(t, e, &col);
        if (b)
            return tpl_column_scalar(b, col, sc);
        return (v = peek(t, e)) && from_json(v, sc);
    }
    default:
        return false;
    }
}

static bool is_number(const struct tpl_scalar *a)
{
    return a->kind == SC_INT || a->kind == SC_REAL;
}

static double number(const struct tpl_scalar *a)
{
    return a->kind == SC_INT ? (double)a->i : a->d;
}

bool tpl_scalar_truth(const struct tpl_scalar *a)
{
    switch (a->kind) {
    case SC_TEXT:
        return a->len > 0;
    case SC_INT:
        return a->i != 0;
    case SC_REAL:
        return a->d != 0.0;
    case SC_TRUE:
        return true;
    default:
        return false;
    }
}

/* order - a against b as -1, 0 or 1; false when they cannot be ordered
 * (eval says why). */
static bool order(const struct tpl_scalar *a, const struct tpl_scalar *b, int *cmp)
{
    if (a->kind == SC_INT && b->kind == SC_INT) {
        *cmp = (a->i > b->i) - (a->i < b->i);
        return true;
    }
    if (is_number(a) && is_number(b)) {
        double x = number(a), y = number(b);
        *cmp = (x > y) - (x < y);
        return true;
    }
    if (a->kind == SC_TEXT && b->kind == SC_TEXT) {
        int c = memcmp(a->s, b->s, a->len < b->len ? a->len : b->len);
        *cmp = c ? (c > 0) - (c < 0) : (a->len > b->len) - (a->len < b->len);
        return true;
    }
    return false;
}

static bool same(const struct tpl_scalar *a, const struct tpl_scalar *b)
{
    int c;
    if (is_number(a) && is_number(b))
        return order(a, b, &c) && c == 0;
    if (a->kind != b->kind)
        return false;
    return a->kind != SC_TEXT || (a->len == b->len && memcmp(a->s, b->s, a->len) == 0);
}

int tpl_quick_condition(eddy_template_ctx *t, const struct expr *e)
{
    struct tpl_scalar a, b;
    int x, c;
    switch (e->kind) {
    case X_NOT:
        x = tpl_quick_condition(t, e->a);
        return x == TPL_NOT_HERE ? x : !x;
    case X_AND:
    case X_OR: /* the truth of "a and b" is both truths, short-circuited */
        x = tpl_quick_condition(t, e->a);
        if (x == TPL_NOT_HERE || x == (e->kind == X_OR))
            return x;
        return tpl_quick_condition(t, e->b);
    case X_BIN:
        if (e->op > OP_GE || !tpl_scalar(t, e->a, &a) || !tpl_scalar(t, e->b, &b))
            return TPL_NOT_HERE;
        if (e->op == OP_EQ || e->op == OP_NE)
            return same(&a, &b) == (e->op == OP_EQ);
        if (!order(&a, &b, &c))
            return TPL_NOT_HERE;
        return e->op == OP_LT ? c < 0 : e->op == OP_LE ? c <= 0 : e->op == OP_GT ? c > 0 : c >= 0;
    default:
        return tpl_scalar(t, e, &a) ? tpl_scalar_truth(&a) : TPL_NOT_HERE;
    }
}
