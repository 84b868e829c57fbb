/*
 * template_values_internal - the values a render reads on every {{ }}
 * and every row of a loop: a name's local binding or its value in the
 * context, a path through objects (peek), truth, and writing a value as
 * text. Static inline, for template_exec.c to inline as it walks; only
 * template_internal.h includes this file, at its end.
 */
#ifndef EDDY_TEMPLATE_VALUES_INTERNAL_H
#define EDDY_TEMPLATE_VALUES_INTERNAL_H

/* same_name - a == b for the short names templates use, without a call
 * into libc for each (a loop body looks its variable up on every row). */
static inline bool same_name(const char *a, const char *b)
{
    while (*a && *a == *b)
        a++, b++;
    return *a == *b;
}

/* name_bit_of - one of 64 bits for a name: a render keeps the bits of
 * the names it has bound (local_bits), so a name whose bit is not there
 * (a context name read on every row: {% if c.user_id == me %}) is known
 * not to be a local without searching them. */
static inline unsigned long long name_bit_of(const char *name)
{
    unsigned h = 2166136261u;
    for (; *name; name++)
        h = (h ^ (unsigned char)*name) * 16777619u;
    return 1ULL << (h & 63);
}

static inline struct binding *local_binding(const eddy_template_ctx *t, const char *name)
{
    for (size_t i = t->nlocals; i-- > 0;)
        if (same_name(t->locals[i].name, name))
            return &t->locals[i];
    return NULL;
}

/* binding_memo - the binding where the name e (X_NAME) was found last
 * (local_binding_of), when it is still there: a loop's body reads its
 * variable on every row, and there is one binding per name, so a
 * binding with the very name pointer found there is the one. NULL when
 * it is not: the caller searches. */
static inline struct binding *binding_memo(const eddy_template_ctx *t, const struct expr *e)
{
    size_t i = e->memo_local;
    if (i < t->nlocals && t->locals[i].name == e->memo_local_name && e->memo_local_name)
        return &t->locals[i];
    return NULL;
}

/* local_binding_of - local_binding for the name e (X_NAME), trying
 * first where it was found last. */
static inline struct binding *local_binding_of(const eddy_template_ctx *t, const struct expr *e)
{
    if (e->name_bit && !(t->local_bits & e->name_bit))
        return NULL; /* never bound in this render */
    struct binding *b = binding_memo(t, e);
    if (b)
        return b;
    if ((b = local_binding(t, e->name))) {
        struct expr *memo = (struct expr *)e; /* its memo only: see struct expr */
        memo->memo_local = (size_t)(b - t->locals);
        memo->memo_local_name = b->name;
    }
    return b;
}

/* row_column - tpl_row_column, answered from e's memos when they still
 * hold for row.column (the same binding, a row not made JSON, the same
 * result as tpl_row_column found in this render): each row of a loop
 * reads its columns so, checked instead of searched, with no call. */
static inline const struct binding *row_column(eddy_template_ctx *t, const struct expr *e,
                                               int *col)
{
    if (e->kind == X_ATTR && e->a->kind == X_NAME) {
        const struct binding *b = binding_memo(t, e->a);
        if (b && b->res && !b->v && e->memo_serial == t->serial && e->memo_res == b->res) {
            *col = e->memo_col;
            return b;
        }
    }
    return tpl_row_column(t, e, col);
}

/* ctx_get - the context's value for the name e (X_NAME), borrowed, or
 * NULL; looked up once per render. */
static inline json_t *ctx_get(const eddy_template_ctx *t, const struct expr *e)
{
    if (e->ctx_serial != t->serial) {
        struct expr *memo = (struct expr *)e; /* its memo only: see struct expr */
        memo->memo_ctx = t->ctx ? json_object_getn(t->ctx, e->name, e->namelen) : NULL;
        memo->ctx_serial = t->serial;
    }
    return e->memo_ctx;
}

/* rows_name - the name e (X_NAME) is one of the render's sets of rows;
 * decided once per render. */
static inline bool rows_name(const eddy_template_ctx *t, const struct expr *e)
{
    if (!t->rows)
        return false;
    if (e->rows_serial != t->serial) {
        struct expr *memo = (struct expr *)e; /* its memo only: see struct expr */
        memo->memo_is_rows = tpl_rows_find(t, e->name) != NULL;
        memo->rows_serial = t->serial;
    }
    return e->memo_is_rows;
}

static inline json_t *local_get(eddy_template_ctx *t, const char *name)
{
    struct binding *b = local_binding(t, name);
    if (!b)
        return NULL;
    return b->v || !b->res ? b->v : tpl_row_json(t, b);
}

/* peek - the value of a name or a path through objects (post.author.name),
 * which most {{ }} are, without taking a reference: NULL when e is
 * anything else, or when eval must say why it fails or call a global. */
static inline json_t *peek(eddy_template_ctx *t, const struct expr *e)
{
    json_t *v;
    switch (e->kind) {
    case X_LIT:
        return e->lit;
    case X_NAME: {
        struct binding *b = local_binding_of(t, e);
        if (b && (v = b->v || !b->res ? b->v : tpl_row_json(t, b)))
            return v;
        if (rows_name(t, e) && (v = tpl_rows_json(t, e->name)))
            return v;
        return ctx_get(t, e);
    }
    case X_ATTR: {
        int col;
        if (row_column(t, e, &col))
            return NULL; /* a row's column: eval makes its value alone */
        if (!(v = peek(t, e->a)))
            return NULL;
        if (json_is_object(v)) {
            json_t *field = json_object_getn(v, e->name, e->namelen);
            return field ? field : json_null();
        }
        return json_is_null(v) ? v : NULL;
    }
    default:
        return NULL;
    }
}

static inline bool truthy(const json_t *v)
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

/* int_text - i in decimal at the end of buf[0..cap); its start, *n its
 * length. By hand: snprintf is most of a short {{ id }}. */
static inline const char *int_text(char *buf, size_t cap, long long i, size_t *n)
{
    char *p = eddy_i64_text(buf + cap, (int64_t)i);
    *n = (size_t)(buf + cap - p);
    return p;
}

/* write_value - v as text: escaped (&<>"') or not. */
static inline int write_value(eddy_buf *out, const json_t *v, bool escape)
{
    char num[64];
    const char *s = num;
    size_t n;
    switch (json_typeof(v)) {
    case JSON_STRING:
        s = json_string_value(v);
        n = json_string_length(v);
        break;
    case JSON_INTEGER: /* digits: nothing to escape */
        s = int_text(num, sizeof num, json_integer_value(v), &n);
        return eddy_buf_append(out, s, n);
    case JSON_REAL:
        eddy_real_text(num, sizeof num, json_real_value(v));
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

#endif
