/*
 * orm_sql - the ORM's SQL: a query as a statement with "?" marks and the
 * values for them, and a model as CREATE TABLE and CREATE INDEX, in the
 * dialect of the database at hand.
 *
 * Names in the SQL come only from models (constants in the program), and
 * are quoted with backticks, which MariaDB and SQLite both read as a
 * name; every value goes into the parameter list. The two dialects
 * differ in a handful of words, all in column_type and key_column:
 * AUTO_INCREMENT, LONGTEXT for text without a limit, DATETIME(6) for
 * microseconds, and where an index for a foreign key is declared.
 */
#include "orm_internal.h"

#include <eddy/base/log.h>

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *orm_column(const eddy_field *f, char *buf, size_t size)
{
    if (!f)
        return "id";
    if (f->type != EDDY_FIELD_FOREIGN_KEY)
        return f->name;
    snprintf(buf, size, "%s_id", f->name);
    return buf;
}

/* ------------------------------------------------------------ queries */

/* put_column - a column reference: `t`.`title`, `j0`.`name`, or bare
 * `title` in an UPDATE or DELETE, which take no alias in MariaDB. */
static void put_column(eddy_query *q, eddy_buf *b, struct colref ref)
{
    char name[128];
    const char *col = orm_column(ref.field, name, sizeof name);
    if (q->kind != Q_SELECT)
        eddy_buf_printf(b, "`%s`", col);
    else if (ref.join < 0)
        eddy_buf_printf(b, "`t`.`%s`", col);
    else
        eddy_buf_printf(b, "`j%d`.`%s`", ref.join, col);
}

static int add_param(eddy_query *q, orm_statement *st, eddy_db_value v)
{
    if (st->nparams == ORM_MAX_PARAMS) {
        orm_fail(q, "more than %d values in one statement", ORM_MAX_PARAMS);
        return -1;
    }
    st->params[st->nparams++] = v;
    return 0;
}

static int put_cond(eddy_query *q, orm_statement *st, const eddy_cond *c)
{
    static const char *const ops[] = {"=", "<>", "<", "<=", ">", ">=", "LIKE"};
    eddy_buf *b = &st->sql;
    switch (c->op) {
    case C_AND:
    case C_OR:
        eddy_buf_append_char(b, '(');
        if (put_cond(q, st, c->a) < 0)
            return -1;
        eddy_buf_append_str(b, c->op == C_AND ? " AND " : " OR ");
        if (put_cond(q, st, c->b) < 0)
            return -1;
        eddy_buf_append_char(b, ')');
        return 0;
    case C_NOT:
        eddy_buf_append_str(b, "NOT (");
        if (put_cond(q, st, c->a) < 0)
            return -1;
        eddy_buf_append_char(b, ')');
        return 0;
    case C_NULL:
        put_column(q, b, c->ref);
        eddy_buf_append_str(b, " IS NULL");
        return 0;
    default:
        put_column(q, b, c->ref);
        eddy_buf_printf(b, " %s ?", ops[c->op]);
        return add_param(q, st, c->v);
    }
}

/* put_joins - the FROM clause of a select with its joins. */
static void put_from(eddy_query *q, eddy_buf *b)
{
    eddy_buf_printf(b, " FROM `%s` AS `t`", q->m->table);
    for (int i = 0; i < q->njoins; i++) {
        char name[128];
        const eddy_field *fk = q->joins[i].fk;
        eddy_buf_printf(b, " %s `%s` AS `j%d` ON `j%d`.`id` = `t`.`%s`",
                        (fk->flags & EDDY_FIELD_NULL) ? "LEFT JOIN" : "JOIN",
                        q->joins[i].model->table, i, i, orm_column(fk, name, sizeof name));
    }
}

/* put_strs - the texts up to NULL, one after another: the select list is
 * built for every query, and printf's parsing was most of its cost. */
static void put_strs(eddy_buf *b, ...)
{
    va_list ap;
    va_start(ap, b);
    for (const char *s; (s = va_arg(ap, const char *));)
        eddy_buf_append_str(b, s);
    va_end(ap);
}

/* put_select_list - every column of the model, then of each join as "fk.field". */
static void put_select_list(eddy_query *q, eddy_buf *b)
{
    char name[128];
    eddy_buf_append_str(b, "SELECT `t`.`id` AS `id`");
    for (const eddy_field *f = q->m->fields; f->name; f++)
        put_strs(b, ", `t`.`", orm_column(f, name, sizeof name), "` AS `", f->name, "`", NULL);
    for (int i = 0; i < q->njoins; i++) {
        const char *fk = q->joins[i].fk->name;
        char alias[32];
        snprintf(alias, sizeof alias, ", `j%d`.`", i);
        put_strs(b, alias, "id` AS `", fk, ".id`", NULL);
        for (const eddy_field *f = q->joins[i].model->fields; f->name; f++)
            put_strs(b, alias, orm_column(f, name, sizeof name), "` AS `", fk, ".", f->name, "`",
                     NULL);
    }
}

int orm_query_sql(eddy_query *q, const char *dialect, bool count, orm_statement *st)
{
    (void)dialect; /* the statements below read the same in both */
    eddy_buf *b = &st->sql;
    if (q->error)
        return -1;
    if (q->kind == Q_SELECT) {
        if (count)
            eddy_buf_append_str(b, "SELECT COUNT(*) AS `count`");
        else
            put_select_list(q, b);
        put_from(q, b);
    } else if (q->kind == Q_UPDATE) {
        if (q->nsets == 0) {
            orm_fail(q, "update %s: nothing to set", q->m->table);
            return -1;
        }
        eddy_buf_printf(b, "UPDATE `%s` SET ", q->m->table);
        for (int i = 0; i < q->nsets; i++) {
            if (i)
                eddy_buf_append_str(b, ", ");
            put_column(q, b, q->sets[i].ref);
            eddy_buf_append_str(b, " = ");
            if (q->sets[i].increment) { /* the database adds: atomic under concurrency */
                put_column(q, b, q->sets[i].ref);
                eddy_buf_append_str(b, " + ");
            }
            eddy_buf_append_char(b, '?');
            if (add_param(q, st, q->sets[i].v) < 0)
                return -1;
        }
    } else {
        eddy_buf_printf(b, "DELETE FROM `%s`", q->m->table);
    }
    if (q->where) {
        eddy_buf_append_str(b, " WHERE ");
        if (put_cond(q, st, q->where) < 0)
            return -1;
    }
    if (q->kind == Q_SELECT && !count) {
        for (int i = 0; i < q->norders; i++) {
            eddy_buf_append_str(b, i ? ", " : " ORDER BY ");
            put_column(q, b, q->orders[i].ref);
            eddy_buf_append_str(b, q->orders[i].desc ? " DESC" : " ASC");
        }
        if (q->has_limit) {
            eddy_buf_append_str(b, " LIMIT ? OFFSET ?");
            if (add_param(q, st, EDDY_DB_INT(q->limit)) < 0 ||
                add_param(q, st, EDDY_DB_INT(q->offset)) < 0)
                return -1;
        }
    }
    if (!b->data) {
        orm_fail(q, "out of memory");
        return -1;
    }
    return 0;
}

/* ------------------------------------------------------------ tables */

static bool is_mysql(const char *dialect)
{
    return strcmp(dialect, "mysql") == 0;
}

/* column_type - the field's type in the dialect. */
static void column_type(const eddy_field *f, bool mysql, eddy_buf *b)
{
    switch (f->type) {
    case EDDY_FIELD_INT:
    case EDDY_FIELD_FOREIGN_KEY:
        eddy_buf_append_str(b, mysql ? "BIGINT" : "INTEGER");
        break;
    case EDDY_FIELD_BOOL:
        eddy_buf_append_str(b, "BOOLEAN");
        break;
    case EDDY_FIELD_DOUBLE:
        eddy_buf_append_str(b, "DOUBLE");
        break;
    case EDDY_FIELD_TEXT:
        if (f->max_length > 0)
            eddy_buf_printf(b, "VARCHAR(%d)", f->max_length);
        else
            eddy_buf_append_str(b, mysql ? "LONGTEXT" : "TEXT");
        break;
    case EDDY_FIELD_BLOB:
        eddy_buf_append_str(b, mysql ? "LONGBLOB" : "BLOB");
        break;
    case EDDY_FIELD_DATETIME:
        eddy_buf_append_str(b, mysql ? "DATETIME(6)" : "DATETIME");
        break;
    }
}

/* check_model - what neither database can do, refused before trying. */
static int check_model(const eddy_model *m, eddy_buf *why)
{
    for (const eddy_field *f = m->fields; f->name; f++) {
        if (f->type == EDDY_FIELD_TEXT && f->max_length <= 0 &&
            (f->flags & (EDDY_FIELD_UNIQUE | EDDY_FIELD_INDEX)))
            return eddy_buf_printf(why, "%s.%s: an indexed text field needs a max_length", m->table,
                                   f->name),
                   -1;
        if (f->type == EDDY_FIELD_FOREIGN_KEY && !f->references)
            return eddy_buf_printf(why, "%s.%s: a foreign key needs .references", m->table,
                                   f->name),
                   -1;
        if (f->on_delete == EDDY_ON_DELETE_SET_NULL && !(f->flags & EDDY_FIELD_NULL))
            return eddy_buf_printf(why, "%s.%s: ON DELETE SET NULL needs EDDY_FIELD_NULL", m->table,
                                   f->name),
                   -1;
        if (f->default_value && f->type != EDDY_FIELD_TEXT) {
            char *end;
            strtod(f->default_value, &end);
            if (end == f->default_value || *end)
                return eddy_buf_printf(why, "%s.%s: default %s is not a number", m->table, f->name,
                                       f->default_value),
                       -1;
        }
    }
    return 0;
}

int eddy_orm_create_sql(const eddy_model *m, const char *dialect, eddy_buf *out)
{
    static const char *const on_delete[] = {"RESTRICT", "CASCADE", "SET NULL"};
    bool mysql = is_mysql(dialect);
    eddy_buf why = EDDY_BUF_INIT;
    if (check_model(m, &why) < 0) {
        eddy_error("create table: %s", why.data);
        eddy_buf_free(&why);
        errno = EINVAL;
        return -1;
    }
    char name[128];
    eddy_buf_printf(out, "CREATE TABLE IF NOT EXISTS `%s` (\n  `id` %s", m->table,
                    mysql ? "BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY"
                          : "INTEGER PRIMARY KEY AUTOINCREMENT");
    for (const eddy_field *f = m->fields; f->name; f++) {
        const char *col = orm_column(f, name, sizeof name);
        eddy_buf_printf(out, ",\n  `%s` ", col);
        column_type(f, mysql, out);
        eddy_buf_append_str(out, (f->flags & EDDY_FIELD_NULL) ? " NULL" : " NOT NULL");
        if (f->flags & EDDY_FIELD_UNIQUE)
            eddy_buf_append_str(out, " UNIQUE");
        if (f->default_value && f->type != EDDY_FIELD_TEXT) /* checked: a number */
            eddy_buf_printf(out, " DEFAULT %s", f->default_value);
        if (f->type == EDDY_FIELD_DATETIME && (f->flags & EDDY_FIELD_NOW))
            eddy_buf_append_str(out, mysql ? " DEFAULT CURRENT_TIMESTAMP(6)"
                                           : " DEFAULT CURRENT_TIMESTAMP");
        if (!mysql && f->type == EDDY_FIELD_TEXT && f->max_length > 0) /* SQLite does not check */
            eddy_buf_printf(out, " CHECK (length(`%s`) <= %d)", col, f->max_length);
    }
    for (const eddy_field *f = m->fields; f->name; f++) {
        const char *col = orm_column(f, name, sizeof name);
        if (mysql && ((f->flags & EDDY_FIELD_INDEX) || f->type == EDDY_FIELD_FOREIGN_KEY) &&
            !(f->flags & EDDY_FIELD_UNIQUE))
            eddy_buf_printf(out, ",\n  KEY `%s_%s` (`%s`)", m->table, col, col);
        if (f->type == EDDY_FIELD_FOREIGN_KEY)
            eddy_buf_printf(out, ",\n  FOREIGN KEY (`%s`) REFERENCES `%s` (`id`) ON DELETE %s", col,
                            f->references->table, on_delete[f->on_delete]);
    }
    eddy_buf_append_str(out, mysql ? "\n) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin"
                                   : "\n)");
    /* SQLite indexes neither foreign keys nor anything else by itself. */
    for (const eddy_field *f = m->fields; !mysql && f->name; f++) {
        const char *col = orm_column(f, name, sizeof name);
        if (((f->flags & EDDY_FIELD_INDEX) || f->type == EDDY_FIELD_FOREIGN_KEY) &&
            !(f->flags & EDDY_FIELD_UNIQUE))
            eddy_buf_printf(out, ";\nCREATE INDEX IF NOT EXISTS `%s_%s` ON `%s` (`%s`)", m->table,
                            col, m->table, col);
    }
    if (!out->data) {
        errno = ENOMEM;
        return -1;
    }
    return 0;
}

/* depends_on - a has a foreign key to b (not to itself). */
static bool depends_on(const eddy_model *a, const eddy_model *b)
{
    for (const eddy_field *f = a->fields; f->name; f++)
        if (f->type == EDDY_FIELD_FOREIGN_KEY && f->references == b && a != b)
            return true;
    return false;
}

int eddy_orm_create_tables(eddy_db *db, const eddy_model *const *models, size_t n)
{
    const eddy_model *order[64];
    bool placed[64] = {false};
    if (n > 64)
        return EINVAL;
    /* Parents first: each round places every model whose parents are placed. */
    size_t count = 0;
    while (count < n) {
        size_t before = count;
        for (size_t i = 0; i < n; i++) {
            if (placed[i])
                continue;
            bool ready = true;
            for (size_t j = 0; j < n; j++)
                if (!placed[j] && j != i && depends_on(models[i], models[j]))
                    ready = false;
            if (ready) {
                order[count++] = models[i];
                placed[i] = true;
            }
        }
        if (count == before) {
            eddy_error("create tables: the foreign keys go round in a circle");
            return EINVAL;
        }
    }
    int rc = 0;
    for (size_t i = 0; i < n && rc == 0; i++) {
        eddy_buf sql = EDDY_BUF_INIT;
        if (eddy_orm_create_sql(order[i], eddy_db_dialect(db), &sql) < 0) {
            rc = errno;
        } else { /* one statement at a time: a prepared statement is one */
            char *s = sql.data;
            while (rc == 0 && s && *s) {
                char *end = strstr(s, ";\n");
                if (end)
                    *end = '\0';
                rc = eddy_db_exec(db, s, NULL, 0, NULL, NULL);
                s = end ? end + 2 : NULL;
            }
        }
        eddy_buf_free(&sql);
    }
    return rc;
}
