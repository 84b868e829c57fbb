/*
 * template_eval - the value of an expression, as a new Jansson reference:
 * names (the render's own, the context's, then globals), paths and
 * indexes, helper calls, and the operators with Python's rules (and/or
 * yield an operand, % takes the divisor's sign, ints overflow to reals).
 *
 * Most {{ }} are a name or a path; those are read without references by
 * peek() (template_internal.h) before eval is asked.
 */
#include "template_internal.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------ evaluation */

const char *tpl_type_name(const json_t *v)
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

/* tpl_call_helper - fn(args) with the error named after the helper. */
json_t *tpl_call_helper(eddy_template_ctx *t, const char *name, size_t off,
                        eddy_template_helper_fn fn, size_t argc, json_t *const *argv)
{
    struct kwarg *kw = t->kw;
    size_t nkw = t->nkw;
    t->kw = NULL;
    t->nkw = 0;
    t->reason[0] = '\0';
    json_t *v = fn(t, argc, argv);
    t->kw = kw;
    t->nkw = nkw;
    if (!v && !t->failed)
        tpl_rt_error(t, off, "%s(): %s", name, t->reason[0] ? t->reason : "failed");
    return v;
}

/* ------------------------------------------------------------ names, calls, operators */

static json_t *eval_name(eddy_template_ctx *t, const struct expr *e)
{
    json_t *v = peek(t, e);
    if (v)
        return json_incref(v);
    eddy_template_helper_fn h;
    eddy_template_global_fn g;
    if (tpl_lookup(t, e->name, false, &h, &g)) {
        t->reason[0] = '\0';
        v = g(t);
        if (!v && !t->failed)
            tpl_rt_error(t, e->off, "%s: %s", e->name, t->reason[0] ? t->reason : "failed");
        return v;
    }
    tpl_rt_error(t, e->off, "unknown name \"%s\"", e->name);
    return NULL;
}

int tpl_call_begin(eddy_template_ctx *t, const struct expr *e, struct call *c)
{
    size_t nkw = e->nkw;
    c->argc = e->nargs - nkw;
    c->argv = e->nargs <= 8 ? c->small : malloc(e->nargs * sizeof *c->argv);
    c->kw = nkw <= 4 ? c->kwsmall : malloc(nkw * sizeof *c->kw);
    if (!c->argv || !c->kw) {
        if (c->argv != c->small)
            free(c->argv);
        if (c->kw != c->kwsmall)
            free(c->kw);
        tpl_fatal(t, e->off, "out of memory");
        return -1;
    }
    for (size_t i = 0; i < e->nargs; i++) {
        if ((c->argv[i] = tpl_eval(t, e->args[i])))
            continue;
        while (i--) /* an argument failed: nothing offered, nothing held */
            json_decref(c->argv[i]);
        if (c->argv != c->small)
            free(c->argv);
        if (c->kw != c->kwsmall)
            free(c->kw);
        return -1;
    }
    for (size_t i = 0; i < nkw; i++)
        c->kw[i] = (struct kwarg){e->kwnames[i], c->argv[c->argc + i], false};
    c->outer_kw = t->kw;
    c->outer_nkw = t->nkw;
    t->kw = c->kw;
    t->nkw = nkw;
    return 0;
}

bool tpl_call_end(eddy_template_ctx *t, const struct expr *e, struct call *c, bool ok, bool module)
{
    t->kw = c->outer_kw;
    t->nkw = c->outer_nkw;
    for (size_t i = 0; i < e->nkw && ok; i++)
        if (!c->kw[i].used) {
            tpl_rt_error(t, e->off, "%s%s%s: unexpected keyword argument \"%s\"",
                         module ? "module " : "", e->name, module ? "" : "()", c->kw[i].name);
            ok = false;
        }
    for (size_t i = 0; i < e->nargs; i++)
        json_decref(c->argv[i]);
    if (c->argv != c->small)
        free(c->argv);
    if (c->kw != c->kwsmall)
        free(c->kw);
    return ok;
}

static json_t *eval_call(eddy_template_ctx *t, const struct expr *e)
{
    eddy_template_helper_fn h = tpl_helper_of(t, e);
    if (!h) {
        tpl_rt_error(t, e->off, "unknown helper \"%s\"", e->name);
        return NULL;
    }
    struct call c;
    if (tpl_call_begin(t, e, &c) < 0)
        return NULL;
    t->reason[0] = '\0';
    json_t *v = h(t, c.argc, c.argv);
    if (!v && !t->failed)
        tpl_rt_error(t, e->off, "%s(): %s", e->name, t->reason[0] ? t->reason : "failed");
    if (!tpl_call_end(t, e, &c, v != NULL, false)) {
        json_decref(v);
        v = NULL;
    }
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
        tpl_rt_error(t, e->off, "cannot index %s with %s", tpl_type_name(base), tpl_type_name(key));
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
    tpl_rt_error(t, e->off, "cannot look for %s in %s", tpl_type_name(x), tpl_type_name(in));
    return NULL;
}

static json_t *arith(eddy_template_ctx *t, const struct expr *e, const json_t *a, const json_t *b)
{
    if (e->op == OP_ADD && json_is_string(a) && json_is_string(b)) {
        size_t la = json_string_length(a), lb = json_string_length(b);
        char *s = malloc(la + lb + 1);
        if (!s) {
            tpl_fatal(t, e->off, "out of memory");
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
        tpl_rt_error(t, e->off, "cannot apply %s to %s and %s", names[e->op], tpl_type_name(a),
                     tpl_type_name(b));
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
                tpl_rt_error(t, e->off, "modulo by zero");
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
            tpl_rt_error(t, e->off, "%s by zero", e->op == OP_DIV ? "division" : "modulo");
            return NULL;
        }
        r = x / y;
        if (e->op == OP_MOD) { /* without libm: x - y * trunc(x / y) */
            if (!(r > -9e18 && r < 9e18)) {
                tpl_rt_error(t, e->off, "number out of range");
                return NULL;
            }
            r = x - y * (double)(long long)r;
            if (r != 0 && (r < 0) != (y < 0))
                r += y;
        }
    }
    if (!isfinite(r)) {
        tpl_rt_error(t, e->off, "number out of range");
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
            tpl_rt_error(t, e->off, "cannot order %s and %s", tpl_type_name(a), tpl_type_name(b));
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

/* tpl_eval - the value of e, a new reference; NULL after an error. */
json_t *tpl_eval(eddy_template_ctx *t, const struct expr *e)
{
    json_t *a, *b, *v = NULL;
    switch (e->kind) {
    case X_LIT:
        return json_incref(e->lit);
    case X_NAME:
        return eval_name(t, e);
    case X_CALL:
        return eval_call(t, e);
    case X_ATTR: {
        int col;
        const struct binding *row = row_column(t, e, &col);
        if (row)
            return tpl_row_value(t, row, col);
        if ((v = peek(t, e)))
            return json_incref(v);
        if (!(a = tpl_eval(t, e->a)))
            return NULL;
        if (json_is_object(a)) {
            v = json_object_getn(a, e->name, e->namelen);
            v = v ? json_incref(v) : json_null();
        } else if (json_is_null(a)) {
            v = json_null();
        } else {
            tpl_rt_error(t, e->off, "cannot read .%s of %s", e->name, tpl_type_name(a));
        }
        json_decref(a);
        return v;
    }
    case X_INDEX:
        if (!(a = tpl_eval(t, e->a)))
            return NULL;
        if ((b = tpl_eval(t, e->b)))
            v = eval_index(t, e, a, b);
        json_decref(a);
        json_decref(b);
        return v;
    case X_LIST:
        if (!(v = json_array())) {
            tpl_fatal(t, e->off, "out of memory");
            return NULL;
        }
        for (size_t i = 0; i < e->nargs; i++) {
            if (!(a = tpl_eval(t, e->args[i]))) {
                json_decref(v);
                return NULL;
            }
            json_array_append_new(v, a);
        }
        return v;
    case X_NOT:
        if (!(a = tpl_eval(t, e->a)))
            return NULL;
        v = json_boolean(!truthy(a));
        json_decref(a);
        return v;
    case X_NEG:
        if (!(a = tpl_eval(t, e->a)))
            return NULL;
        if (json_is_integer(a) && json_integer_value(a) != INT64_MIN)
            v = json_integer(-json_integer_value(a));
        else if (json_is_number(a))
            v = json_real(-json_number_value(a));
        else
            tpl_rt_error(t, e->off, "cannot negate %s", tpl_type_name(a));
        json_decref(a);
        return v;
    case X_AND:
    case X_OR: /* an operand, as in Python: a or "default" */
        if (!(a = tpl_eval(t, e->a)))
            return NULL;
        if (truthy(a) == (e->kind == X_OR))
            return a;
        json_decref(a);
        return tpl_eval(t, e->b);
    case X_BIN:
        if (!(a = tpl_eval(t, e->a)))
            return NULL;
        if ((b = tpl_eval(t, e->b)))
            v = eval_bin(t, e, a, b);
        json_decref(a);
        json_decref(b);
        return v;
    }
    return NULL;
}
