/*
 * orm - building queries and running them; see orm.h. The SQL itself is
 * written by orm_sql.c, rows become JSON in orm_json.c.
 *
 * A query keeps what it was told (joins, conditions, order, sets) in
 * checked form: every field name is looked up in its model when it is
 * given, so a typo is caught at once and carried to the run as EINVAL,
 * and the SQL writer never sees a name that is not a model's.
 */
#include "orm_internal.h"

#include <eddy/base/log.h>

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const eddy_field *eddy_orm_field(const eddy_model *m, const char *name)
{
    for (const eddy_field *f = m->fields; f->name; f++)
        if (strcmp(f->name, name) == 0)
            return f;
    return NULL;
}

void orm_fail(eddy_query *q, const char *fmt, ...)
{
    if (q->error)
        return; /* the first mistake is the one to fix */
    char msg[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    q->error = eddy_arena_strndup(&q->arena, msg, strlen(msg));
    if (!q->error)
        q->error = "out of memory";
}

const char *eddy_orm_error(const eddy_query *q)
{
    return q->error;
}

/* ------------------------------------------------------------ the query */

static eddy_query *new_query(const eddy_model *m, enum query_kind kind)
{
    eddy_query *q = calloc(1, sizeof *q);
    if (q) {
        q->m = m;
        q->kind = kind;
    }
    return q;
}

eddy_query *eddy_orm_select(const eddy_model *m)
{
    return new_query(m, Q_SELECT);
}

eddy_query *eddy_orm_update(const eddy_model *m)
{
    return new_query(m, Q_UPDATE);
}

eddy_query *eddy_orm_delete(const eddy_model *m)
{
    return new_query(m, Q_DELETE);
}

void eddy_query_free(eddy_query *q)
{
    if (!q)
        return;
    eddy_arena_free(&q->arena);
    free(q);
}

/* resolve - "title", "id", or "author.name" after a join, to a column. */
static bool resolve(eddy_query *q, const char *name, struct colref *out)
{
    const char *dot = strchr(name, '.');
    const eddy_model *m = q->m;
    out->join = -1;
    if (dot) {
        for (int i = 0; i < q->njoins; i++)
            if (strlen(q->joins[i].fk->name) == (size_t)(dot - name) &&
                strncmp(q->joins[i].fk->name, name, (size_t)(dot - name)) == 0)
                out->join = i;
        if (out->join < 0) {
            orm_fail(q, "%s: no join on %.*s (call eddy_orm_join first)", name, (int)(dot - name),
                     name);
            return false;
        }
        m = q->joins[out->join].model;
        name = dot + 1;
    }
    if (strcmp(name, "id") == 0) {
        out->field = NULL;
        return true;
    }
    out->field = eddy_orm_field(m, name);
    if (!out->field)
        orm_fail(q, "%s has no field %s", m->table, name);
    return out->field != NULL;
}

/* copy_value - v with its bytes copied into q, so the caller's may go. */
static eddy_db_value copy_value(eddy_query *q, eddy_db_value v)
{
    if ((v.type == EDDY_DB_TEXT || v.type == EDDY_DB_BLOB) && v.p) {
        const char *p = eddy_arena_strndup(&q->arena, v.p, v.len);
        if (!p)
            orm_fail(q, "out of memory");
        v.p = p ? p : "";
        v.len = p ? v.len : 0;
    }
    return v;
}

void eddy_orm_join(eddy_query *q, const char *fk)
{
    const eddy_field *f = eddy_orm_field(q->m, fk);
    if (!f || f->type != EDDY_FIELD_FOREIGN_KEY) {
        orm_fail(q, "%s has no foreign key %s", q->m->table, fk);
        return;
    }
    if (q->kind != Q_SELECT) {
        orm_fail(q, "join %s: only a select joins", fk);
        return;
    }
    if (q->njoins == ORM_MAX_JOINS) {
        orm_fail(q, "join %s: at most %d joins", fk, ORM_MAX_JOINS);
        return;
    }
    q->joins[q->njoins].fk = f;
    q->joins[q->njoins].model = f->references;
    q->njoins++;
}

static eddy_cond *new_cond(eddy_query *q, enum cond_op op)
{
    eddy_cond *c = eddy_arena_alloc(&q->arena, sizeof *c);
    if (!c) {
        orm_fail(q, "out of memory");
        return NULL;
    }
    memset(c, 0, sizeof *c);
    c->op = op;
    return c;
}

static eddy_cond *compare(eddy_query *q, enum cond_op op, const char *field, eddy_db_value v)
{
    eddy_cond *c = new_cond(q, op);
    if (c && !resolve(q, field, &c->ref))
        return NULL;
    if (c)
        c->v = copy_value(q, v);
    return c;
}

eddy_cond *eddy_orm_eq(eddy_query *q, const char *f, eddy_db_value v)
{
    return compare(q, C_EQ, f, v);
}
eddy_cond *eddy_orm_ne(eddy_query *q, const char *f, eddy_db_value v)
{
    return compare(q, C_NE, f, v);
}
eddy_cond *eddy_orm_lt(eddy_query *q, const char *f, eddy_db_value v)
{
    return compare(q, C_LT, f, v);
}
eddy_cond *eddy_orm_le(eddy_query *q, const char *f, eddy_db_value v)
{
    return compare(q, C_LE, f, v);
}
eddy_cond *eddy_orm_gt(eddy_query *q, const char *f, eddy_db_value v)
{
    return compare(q, C_GT, f, v);
}
eddy_cond *eddy_orm_ge(eddy_query *q, const char *f, eddy_db_value v)
{
    return compare(q, C_GE, f, v);
}
eddy_cond *eddy_orm_like(eddy_query *q, const char *f, eddy_db_value v)
{
    return compare(q, C_LIKE, f, v);
}

eddy_cond *eddy_orm_is_null(eddy_query *q, const char *field)
{
    return compare(q, C_NULL, field, EDDY_DB_NULLV);
}

static eddy_cond *combine(eddy_query *q, enum cond_op op, eddy_cond *a, eddy_cond *b)
{
    if (!a || (op != C_NOT && !b)) {
        orm_fail(q, "a condition is missing (an earlier mistake?)");
        return NULL;
    }
    eddy_cond *c = new_cond(q, op);
    if (c)
        c->a = a, c->b = b;
    return c;
}

eddy_cond *eddy_orm_and(eddy_query *q, eddy_cond *a, eddy_cond *b)
{
    return combine(q, C_AND, a, b);
}
eddy_cond *eddy_orm_or(eddy_query *q, eddy_cond *a, eddy_cond *b)
{
    return combine(q, C_OR, a, b);
}
eddy_cond *eddy_orm_not(eddy_query *q, eddy_cond *a)
{
    return combine(q, C_NOT, a, NULL);
}

void eddy_orm_where(eddy_query *q, eddy_cond *c)
{
    if (!c) {
        orm_fail(q, "where: no condition (an earlier mistake?)");
        return;
    }
    q->where = q->where ? eddy_orm_and(q, q->where, c) : c;
}

void eddy_orm_order_by(eddy_query *q, const char *field, bool descending)
{
    if (q->norders == ORM_MAX_ORDERS) {
        orm_fail(q, "order by %s: at most %d orders", field, ORM_MAX_ORDERS);
        return;
    }
    if (resolve(q, field, &q->orders[q->norders].ref))
        q->orders[q->norders++].desc = descending;
}

void eddy_orm_limit(eddy_query *q, int64_t limit, int64_t offset)
{
    if (limit < 0 || offset < 0) {
        orm_fail(q, "limit %lld offset %lld: both must be >= 0", (long long)limit,
                 (long long)offset);
        return;
    }
    q->has_limit = true;
    q->limit = limit;
    q->offset = offset;
}

static void add_set(eddy_query *q, const char *field, eddy_db_value v, bool increment)
{
    if (q->kind != Q_UPDATE) {
        orm_fail(q, "set %s: only an update sets fields", field);
        return;
    }
    if (q->nsets == ORM_MAX_SETS) {
        orm_fail(q, "set %s: at most %d fields", field, ORM_MAX_SETS);
        return;
    }
    struct colref ref;
    if (!resolve(q, field, &ref))
        return;
    if (!ref.field) {
        orm_fail(q, "set id: the key does not change");
        return;
    }
    q->sets[q->nsets].ref = ref;
    q->sets[q->nsets].v = copy_value(q, v);
    q->sets[q->nsets].increment = increment;
    q->nsets++;
}

void eddy_orm_set(eddy_query *q, const char *field, eddy_db_value v)
{
    add_set(q, field, v, false);
}

void eddy_orm_increment(eddy_query *q, const char *field, int64_t by)
{
    add_set(q, field, EDDY_DB_INT(by), true);
}

/* ------------------------------------------------------------ running */

/* run_statement - write q's SQL and run it. */
static int run_statement(eddy_db *db, eddy_query *q, bool count, eddy_db_result **out)
{
    orm_statement st = {.sql = EDDY_BUF_INIT};
    if (orm_query_sql(q, eddy_db_dialect(db), count, &st) < 0) {
        eddy_buf_free(&st.sql);
        *out = eddy_db_result_new_error(0, q->error); /* says why, like any failed query's */
        eddy_error("query on %s: %s", q->m->table, q->error);
        return *out ? EINVAL : ENOMEM;
    }
    int rc = eddy_db_query(db, out, st.sql.data, st.params, st.nparams);
    eddy_buf_free(&st.sql);
    return rc;
}

int eddy_orm_run(eddy_db *db, eddy_query *q, eddy_db_result **out)
{
    return run_statement(db, q, false, out);
}

int eddy_orm_count(eddy_db *db, eddy_query *q, int64_t *count)
{
    if (q->kind != Q_SELECT)
        orm_fail(q, "count: only a select counts");
    eddy_db_result *res;
    int rc = run_statement(db, q, true, &res);
    *count = rc == 0 && eddy_db_rows(res) == 1 ? eddy_db_value_at(res, 0, 0)->i : 0;
    eddy_db_result_free(res);
    return rc;
}

int eddy_orm_sql(eddy_query *q, const char *dialect, eddy_buf *out)
{
    orm_statement st = {.sql = EDDY_BUF_INIT};
    int rc = orm_query_sql(q, dialect, false, &st);
    if (rc == 0 && eddy_buf_append(out, st.sql.data, st.sql.len) < 0)
        rc = -1;
    eddy_buf_free(&st.sql);
    return rc;
}

/* ------------------------------------------------------------ rows by id */

/* default_of - the value a field gets when an insert leaves it out. */
static eddy_db_value default_of(const eddy_field *f)
{
    if (f->type == EDDY_FIELD_DATETIME && (f->flags & EDDY_FIELD_NOW))
        return EDDY_DB_TIME(eddy_db_now());
    if (!f->default_value)
        return EDDY_DB_NULLV;
    switch (f->type) {
    case EDDY_FIELD_INT:
    case EDDY_FIELD_BOOL:
    case EDDY_FIELD_FOREIGN_KEY:
        return EDDY_DB_INT(strtoll(f->default_value, NULL, 10));
    case EDDY_FIELD_DOUBLE:
        return EDDY_DB_REAL(strtod(f->default_value, NULL));
    default:
        return EDDY_DB_STR(f->default_value);
    }
}

int eddy_orm_insert(eddy_db *db, const eddy_model *m, const eddy_orm_value *values, size_t n,
                    int64_t *id)
{
    orm_statement st = {.sql = EDDY_BUF_INIT};
    eddy_buf cols = EDDY_BUF_INIT;
    int rc = 0;
    for (size_t i = 0; i < n; i++)
        if (!eddy_orm_field(m, values[i].field)) {
            eddy_error("insert into %s: no field %s", m->table, values[i].field);
            return EINVAL;
        }
    char name[128];
    for (const eddy_field *f = m->fields; f->name && st.nparams < ORM_MAX_PARAMS; f++) {
        eddy_db_value v = default_of(f);
        for (size_t i = 0; i < n; i++)
            if (strcmp(values[i].field, f->name) == 0)
                v = values[i].value;
        eddy_buf_printf(&cols, "%s`%s`", st.nparams ? ", " : "", orm_column(f, name, sizeof name));
        st.params[st.nparams++] = v;
    }
    eddy_buf_printf(&st.sql, "INSERT INTO `%s` (%s) VALUES (", m->table,
                    cols.data ? cols.data : "");
    for (size_t i = 0; i < st.nparams; i++)
        eddy_buf_append_str(&st.sql, i ? ", ?" : "?");
    if (eddy_buf_append_char(&st.sql, ')') < 0)
        rc = ENOMEM;
    int64_t last = 0;
    if (rc == 0)
        rc = eddy_db_exec(db, st.sql.data, st.params, st.nparams, NULL, &last);
    if (rc == 0 && id)
        *id = last;
    eddy_buf_free(&cols);
    eddy_buf_free(&st.sql);
    return rc;
}

int eddy_orm_get_or_none(eddy_db *db, const eddy_model *m, int64_t id, eddy_db_result **out)
{
    eddy_query *q = eddy_orm_select(m);
    if (!q) {
        *out = NULL;
        return ENOMEM;
    }
    eddy_orm_where(q, eddy_orm_eq(q, "id", EDDY_DB_INT(id)));
    int rc = eddy_orm_run(db, q, out);
    eddy_query_free(q);
    return rc;
}

int eddy_orm_get(eddy_db *db, const eddy_model *m, int64_t id, eddy_db_result **out)
{
    int rc = eddy_orm_get_or_none(db, m, id, out);
    return rc == 0 && eddy_db_rows(*out) == 0 ? ENOENT : rc;
}
