/*
 * orm_json - rows read through a model, as JSON (peewee's model_to_dict).
 *
 * The model says what each column is, so the JSON says it too: a BOOL
 * column (0 or 1 in both databases) becomes true or false, a DATETIME
 * becomes ISO 8601 whatever the driver handed over, a foreign key becomes
 * either the parent's id or, when the query joined it, the parent as an
 * object of its own ("recurse"). Hidden fields (password hashes) and the
 * fields the caller excludes never appear, at any depth.
 */
#include "orm_internal.h"

#include <string.h>

/* excluded - path ("email", "author.email") is in the caller's list. */
static bool excluded(const eddy_json_options *o, const char *prefix, const char *name)
{
    if (!o || !o->exclude)
        return false;
    size_t plen = prefix ? strlen(prefix) : 0;
    for (const char *const *e = o->exclude; *e; e++) {
        if (plen == 0 && strcmp(*e, name) == 0)
            return true;
        if (plen && strncmp(*e, prefix, plen) == 0 && (*e)[plen] == '.' &&
            strcmp(*e + plen + 1, name) == 0)
            return true;
    }
    return false;
}

/* field_json - one value as the field's type says. */
static json_t *field_json(const eddy_field *f, const eddy_db_value *v)
{
    if (v->type == EDDY_DB_NULL)
        return json_null();
    if (f && f->type == EDDY_FIELD_BOOL)
        return json_boolean(v->type == EDDY_DB_INTEGER ? v->i != 0 : v->d != 0);
    if (f && f->type == EDDY_FIELD_DATETIME && v->type == EDDY_DB_TEXT) {
        eddy_db_value t = *v;
        if (eddy_db_parse_time(v->p, v->len, &t.i) == 0) {
            t.type = EDDY_DB_DATETIME;
            return eddy_db_value_json(&t);
        }
    }
    return eddy_db_value_json(v);
}

/* is_column - the result's column col is named "prefix.name" (prefix
 * NULL: "name"), compared in place rather than printed first. */
static bool is_column(const eddy_db_result *res, size_t col, const char *prefix, size_t plen,
                      const char *name)
{
    const char *c = eddy_db_column_name(res, col);
    if (!c)
        return false;
    if (prefix) {
        if (strncmp(c, prefix, plen) != 0 || c[plen] != '.')
            return false;
        c += plen + 1;
    }
    return strcmp(c, name) == 0;
}

/* find_column - the column "prefix.name", or -1. The query selects a
 * model's columns in the model's order, so the column after the last one
 * found (*next) is tried first: a row costs one comparison per field
 * instead of a search of every column for each. */
static int find_column(const eddy_db_result *res, const char *prefix, const char *name,
                       size_t *next)
{
    size_t n = eddy_db_columns(res), plen = prefix ? strlen(prefix) : 0;
    if (*next < n && is_column(res, *next, prefix, plen, name))
        return (int)(*next)++;
    for (size_t i = 0; i < n; i++)
        if (is_column(res, i, prefix, plen, name)) {
            *next = i + 1;
            return (int)i;
        }
    return -1;
}

/* model_json - the columns "prefix.id", "prefix.field"... (prefix NULL:
 * the row's own) as an object of model m; NULL when the result has no
 * such columns (the foreign key was not joined). */
static json_t *model_json(const eddy_model *m, const eddy_db_result *res, size_t row,
                          const char *prefix, const eddy_json_options *o)
{
    size_t next = 0;
    int id_col = find_column(res, prefix, "id", &next);
    if (id_col < 0)
        return NULL;
    const eddy_db_value *id = eddy_db_value_at(res, row, (size_t)id_col);
    if (prefix && id->type == EDDY_DB_NULL)
        return json_null(); /* a left join that found no parent */
    json_t *obj = json_object();
    if (!obj)
        return NULL;
    if (!excluded(o, prefix, "id"))
        json_object_set_new(obj, "id", field_json(NULL, id));
    for (const eddy_field *f = m->fields; f->name; f++) {
        if (((f->flags & EDDY_FIELD_HIDDEN) && !(o && o->include_hidden)) ||
            excluded(o, prefix, f->name))
            continue;
        int col = find_column(res, prefix, f->name, &next);
        if (col < 0)
            continue; /* not selected */
        json_t *value = NULL;
        if (f->type == EDDY_FIELD_FOREIGN_KEY && !prefix && (!o || o->recurse))
            value = model_json(f->references, res, row, f->name, o); /* joined: nested */
        if (!value)
            value = field_json(f, eddy_db_value_at(res, row, (size_t)col));
        json_object_set_new(obj, f->name, value);
    }
    return obj;
}

json_t *eddy_orm_row_json(const eddy_model *m, const eddy_db_result *res, size_t row,
                          const eddy_json_options *o)
{
    if (row >= eddy_db_rows(res))
        return NULL;
    return model_json(m, res, row, NULL, o);
}

json_t *eddy_orm_rows_json(const eddy_model *m, const eddy_db_result *res,
                           const eddy_json_options *o)
{
    json_t *a = json_array();
    for (size_t r = 0; a && r < eddy_db_rows(res); r++)
        json_array_append_new(a, model_json(m, res, r, NULL, o));
    return a;
}
