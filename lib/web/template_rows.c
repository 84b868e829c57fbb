/*
 * template_rows - database rows given to a render by name
 * (eddy_template_rows in template.h), read from the result itself.
 *
 * Turning a result into JSON for a template costs an object, its hash
 * table, a key and a value per column and row, and freeing all of it
 * after the page: on a page of 20 rows that was a quarter of its CPU.
 * The loop {% for m in messages %} over rows given this way binds m to a
 * row number instead of an object, and {{ m.column }} writes the value
 * straight from the result; an expression reading a column (row.column,
 * or row.fk.field for a joined parent's column "fk.field") gets that
 * value alone. Whatever else reads a row or the whole set
 * gets the JSON eddy_db_row_json or eddy_db_rows_json make, once, so
 * that every template means what it means with that JSON; the direct
 * writes below print exactly what write_value prints for it. A loop
 * whose body is only text and columns runs as steps (at the end).
 */
#include "template_internal.h"

#include <eddy/data/db.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------ finding them */

const eddy_db_result *tpl_rows_find(const eddy_template_ctx *t, const char *name)
{
    for (size_t i = 0; t->rows && t->rows[i].name; i++)
        if (same_name(t->rows[i].name, name))
            return t->rows[i].res;
    return NULL;
}

/* key_of - column 0 of a row (its values v) as an integer; false when
 * it is NULL or not a number (it matches nothing). */
static inline bool key_of(const eddy_db_value *v, int64_t *key)
{
    if (v->type == EDDY_DB_INTEGER) {
        *key = v->i;
        return true;
    }
    if (v->type != EDDY_DB_TEXT || !v->len)
        return false;
    char *end;
    *key = strtoll(v->p, &end, 10);
    return *end == '\0';
}

/* children_set - the rows given as "parent.child" where parent's result is
 * res, or NULL. */
static const eddy_db_result *children_set(const eddy_template_ctx *t, const eddy_db_result *res,
                                          const char *child, size_t childlen)
{
    for (size_t i = 0; t->rows && t->rows[i].name; i++) {
        const char *name = t->rows[i].name, *dot = strchr(name, '.');
        if (!dot || strlen(dot + 1) != childlen || memcmp(dot + 1, child, childlen) != 0)
            continue;
        for (size_t k = 0; t->rows[k].name; k++)
            if (t->rows[k].res == res && strncmp(t->rows[k].name, name, (size_t)(dot - name)) == 0 &&
                t->rows[k].name[dot - name] == '\0')
                return t->rows[i].res;
    }
    return NULL;
}

const eddy_db_result *tpl_rows_children(const eddy_template_ctx *t, const struct expr *e,
                                        size_t *first, size_t *count)
{
    if (e->kind != X_ATTR || e->a->kind != X_NAME || !t->rows)
        return NULL;
    struct binding *b = local_binding_of(t, e->a);
    if (!b || !b->res || b->v)
        return NULL;
    const eddy_db_result *kids;
    if (e->kids_serial == t->serial && e->kids_of == b->res) {
        kids = e->memo_kids;
    } else {
        struct expr *memo = (struct expr *)e; /* its memo only: see struct expr */
        kids = children_set(t, b->res, e->name, e->namelen);
        memo->kids_serial = t->serial;
        memo->kids_of = b->res;
        memo->memo_kids = kids;
    }
    if (!kids)
        return NULL;
    if (b->kids == kids) {
        *first = b->kids_first;
        *count = b->kids_count;
        return kids;
    }
    *first = *count = 0;
    int64_t key, k;
    if (!eddy_db_columns(kids) || !key_of(b->cells, &key))
        return kids;
    /* the first child whose key is not below the row's: the children are
     * ordered by it; one whose key is not a number sorts as below. Their
     * rows are one array (eddy_db_row_values): a probe is an index. */
    size_t lo = 0, hi = eddy_db_rows(kids), n = hi, stride = eddy_db_columns(kids);
    const eddy_db_value *values = eddy_db_row_values(kids, 0);
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (!key_of(&values[mid * stride], &k) || k < key)
            lo = mid + 1;
        else
            hi = mid;
    }
    *first = lo;
    while (lo < n && key_of(&values[lo * stride], &k) && k == key)
        lo++;
    *count = lo - *first;
    b->kids = kids, b->kids_first = *first, b->kids_count = *count;
    return kids;
}

json_t *tpl_rows_json(eddy_template_ctx *t, const char *name)
{
    size_t n = 0, at = SIZE_MAX;
    for (; t->rows[n].name; n++)
        if (at == SIZE_MAX && same_name(t->rows[n].name, name))
            at = n;
    if (at == SIZE_MAX)
        return NULL;
    if (!t->rows_json && !(t->rows_json = calloc(n, sizeof *t->rows_json))) {
        tpl_fatal(t, 0, "out of memory");
        return NULL;
    }
    if (!t->rows_json[at] && !(t->rows_json[at] = eddy_db_rows_json(t->rows[at].res)))
        tpl_fatal(t, 0, "out of memory");
    return t->rows_json[at];
}

json_t *tpl_row_json(eddy_template_ctx *t, struct binding *b)
{
    if (!(b->v = eddy_db_row_json(b->res, b->row)))
        tpl_fatal(t, 0, "out of memory");
    return b->v;
}

void tpl_rows_free(eddy_template_ctx *t)
{
    for (size_t i = 0; t->rows_json && t->rows[i].name; i++)
        json_decref(t->rows_json[i]);
    free(t->rows_json);
    t->rows_json = NULL;
}

/* ------------------------------------------------------------ writing a column */

/* write_as_json - v through the JSON value the row's JSON holds. */
static int write_as_json(eddy_template_ctx *t, const eddy_db_value *v, bool escape)
{
    json_t *j = eddy_db_value_json(v);
    int rc = j ? write_value(t->out, j, escape) : 0; /* none (infinity): no key, so null */
    json_decref(j);
    return rc;
}

/* column_of - the index of column in b's result for e, remembered in e
 * for the render and that result. */
static int column_of(eddy_template_ctx *t, const struct expr *e, const struct binding *b,
                     const char *column)
{
    if (e->memo_serial != t->serial || e->memo_res != b->res) {
        struct expr *memo = (struct expr *)e; /* its memo only: see struct expr */
        memo->memo_col = eddy_db_column_index(b->res, column);
        memo->memo_serial = t->serial;
        memo->memo_res = b->res;
    }
    return e->memo_col;
}

/* joined_column - tpl_row_column for row.fk.field: the joined column
 * "fk.field", when the result has one. */
static const struct binding *joined_column(eddy_template_ctx *t, const struct expr *e, int *col)
{
    const struct expr *base = e->a;
    char joined[128];
    if (base->namelen + 1 + e->namelen >= sizeof joined)
        return NULL;
    memcpy(joined, base->name, base->namelen);
    joined[base->namelen] = '.';
    memcpy(joined + base->namelen + 1, e->name, e->namelen + 1);
    const struct binding *b = local_binding_of(t, base->a);
    if (!b || !b->res || b->v)
        return NULL;
    *col = column_of(t, e, b, joined);
    return *col < 0 ? NULL : b; /* no joined column: the JSON's row.fk is the key's value */
}

const struct binding *tpl_row_column(eddy_template_ctx *t, const struct expr *e, int *col)
{
    if (e->kind != X_ATTR)
        return NULL;
    const struct expr *base = e->a;
    if (base->kind != X_NAME)
        return base->kind == X_ATTR && base->a->kind == X_NAME ? joined_column(t, e, col) : NULL;
    const struct binding *b = local_binding_of(t, base);
    if (!b || !b->res || b->v)
        return NULL;
    *col = column_of(t, e, b, e->name);
    return b;
}

json_t *tpl_row_value(eddy_template_ctx *t, const struct binding *b, int col)
{
    if (col < 0)
        return json_null(); /* a missing key reads as null */
    json_t *v = eddy_db_value_json(&b->cells[col]);
    if (!v && !(v = json_null()))
        tpl_fatal(t, 0, "out of memory");
    return v; /* NULL from the value (infinity): no key in the JSON, so null */
}

bool tpl_column_scalar(const struct binding *b, int col, struct tpl_scalar *sc)
{
    if (col < 0) {
        sc->kind = SC_NULL; /* a missing key reads as null */
        return true;
    }
    const eddy_db_value *v = &b->cells[col];
    switch (v->type) {
    case EDDY_DB_NULL:
        sc->kind = SC_NULL;
        return true;
    case EDDY_DB_INTEGER:
        sc->kind = SC_INT;
        sc->i = v->i;
        return true;
    case EDDY_DB_DATETIME:
        sc->kind = SC_TEXT;
        sc->s = sc->buf;
        sc->len = eddy_db_format_time(v->i, 'T', sc->buf);
        return true;
    case EDDY_DB_TEXT:
        if (!eddy_utf8_valid(v->p, v->len))
            return false;
        sc->kind = SC_TEXT;
        sc->s = v->p;
        sc->len = v->len;
        return true;
    default:
        return false;
    }
}

int tpl_write_column(eddy_template_ctx *t, const struct binding *b, int col, bool escape)
{
    if (col < 0)
        return 0; /* a missing key reads as null, which prints nothing */
    const eddy_db_value *v = &b->cells[col];
    char buf[64];
    size_t n;
    switch (v->type) {
    case EDDY_DB_NULL:
        return 0;
    case EDDY_DB_INTEGER: { /* digits and dates have nothing to escape */
        const char *s = int_text(buf, sizeof buf, v->i, &n);
        return eddy_buf_append(t->out, s, n);
    }
    case EDDY_DB_DATETIME:
        return eddy_buf_append(t->out, buf, eddy_db_format_time(v->i, 'T', buf));
    case EDDY_DB_TEXT:
        if (escape) { /* escaped first: the escape also says whether all of it was ASCII */
            size_t mark = t->out->len;
            bool ascii;
            if (eddy_xhtml_escape_ascii_to(t->out, v->p, v->len, &ascii) < 0)
                return -1;
            if (ascii || eddy_utf8_valid(v->p, v->len))
                return 0;
            eddy_buf_truncate(t->out, mark);
            return write_as_json(t, v, escape); /* base64, as the JSON has it */
        }
        if (!eddy_utf8_valid(v->p, v->len))
            return write_as_json(t, v, escape);
        return eddy_buf_append(t->out, v->p, v->len);
    default: /* doubles and blobs: rare on a page */
        return write_as_json(t, v, escape);
    }
}

/* ------------------------------------------------------------ a loop over rows, as steps */

/* A loop over rows whose body is only text and {{ var.column }} (a list
 * of rows on a page, most often) runs as a list of steps made from its
 * body once: per row, each text copied and each column written, without
 * walking the nodes and looking at each expression again. The steps say
 * what the body's nodes would do (exec_expr on a row's column); the
 * columns are found once per result. */
struct row_step {
    const char *text; /* a text; NULL: a column */
    size_t len;
    const char *column;
    bool html; /* the column is HTML-escaped */
};

struct row_steps {
    size_t count;
    const eddy_db_result *res; /* what cols were found in, */
    unsigned long serial;      /* by that render */
    struct row_step *steps;
    int *cols;
};

enum { ROW_STEPS_MAX = 32 };

/* make_steps - n's body as steps, or NULL when it is anything more than
 * text and {{ n->var1.column }} (or uses "loop"). */
static struct row_steps *make_steps(const struct node *n)
{
    struct node *mut = (struct node *)n; /* its steps only: made once, like the memos */
    if (n->steps_tried)
        return n->steps;
    mut->steps_tried = true;
    if (n->uses_loop || n->var2)
        return NULL;
    size_t count = 0;
    for (const struct node *b = n->body; b; b = b->next, count++) {
        if (count == ROW_STEPS_MAX)
            return NULL;
        if (b->kind == N_TEXT)
            continue;
        if (b->kind != N_EXPR && b->kind != N_RAW)
            return NULL;
        const char *esc = b->kind == N_EXPR ? b->tpl->autoescape : NULL;
        const struct expr *e = b->e;
        if ((esc && !b->tpl->escape_html) || e->kind != X_ATTR || e->a->kind != X_NAME ||
            !same_name(e->a->name, n->var1))
            return NULL;
    }
    struct row_steps *rs = eddy_arena_alloc(&n->tpl->arena, sizeof *rs);
    struct row_step *steps = eddy_arena_alloc(&n->tpl->arena, (count ? count : 1) * sizeof *steps);
    int *cols = eddy_arena_alloc(&n->tpl->arena, (count ? count : 1) * sizeof *cols);
    if (!rs || !steps || !cols)
        return NULL;
    size_t i = 0;
    for (const struct node *b = n->body; b; b = b->next, i++)
        steps[i] = b->kind == N_TEXT
                       ? (struct row_step){.text = b->text, .len = b->len}
                       : (struct row_step){.column = b->e->name,
                                           .html = b->kind == N_EXPR && b->tpl->autoescape};
    *rs = (struct row_steps){.count = count, .steps = steps, .cols = cols};
    return mut->steps = rs;
}

/* find_columns - the steps' columns in res (found again for another
 * result, or in another render: a result freed and another made at the
 * same address). */
static void find_columns(eddy_template_ctx *t, struct row_steps *rs, const eddy_db_result *res)
{
    if (rs->res == res && rs->serial == t->serial)
        return;
    for (size_t i = 0; i < rs->count; i++)
        rs->cols[i] = rs->steps[i].text ? -1 : eddy_db_column_index(res, rs->steps[i].column);
    rs->res = res;
    rs->serial = t->serial;
}

struct row_steps *tpl_row_steps(eddy_template_ctx *t, const struct node *n,
                                const struct eddy_db_result *res)
{
    struct row_steps *rs = make_steps(n);
    if (rs)
        find_columns(t, rs, res);
    return rs;
}

int tpl_run_row_steps(eddy_template_ctx *t, const struct row_steps *rs, const struct binding *b)
{
    for (size_t i = 0; i < rs->count; i++) {
        const struct row_step *st = &rs->steps[i];
        if ((st->text ? tpl_put_text(t->out, st->text, st->len)
                      : tpl_write_column(t, b, rs->cols[i], st->html)) < 0)
            return -1;
    }
    return 0;
}
