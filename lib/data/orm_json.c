/*
 * orm_json - rows read through a model, as JSON (peewee's model_to_dict),
 * either a Jansson tree or its text written straight from the result.
 *
 * The model says what each column is, so the JSON says it too: a BOOL
 * column (0 or 1 in both databases) becomes true or false, a DATETIME
 * becomes ISO 8601 whatever the driver handed over, a foreign key becomes
 * either the parent's id or, when the query joined it, the parent as an
 * object of its own ("recurse"). Hidden fields (password hashes) and the
 * fields the caller excludes never appear, at any depth.
 */
#include "orm_internal.h"

#include <eddy/base/escape.h>

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
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

/* ------------------------------------------------------------ walking a row */

/* A walk over the members of one object, shared by the tree and the
 * text: which fields, in which order, under which key, with which value,
 * are decided here once. */
struct walk {
    const eddy_model *m;
    const eddy_db_result *res;
    size_t row;
    const char *prefix; /* NULL: the row's own columns; else the joined key */
    const eddy_json_options *o;
    size_t next;          /* find_column's guess */
    const eddy_field *at; /* the next field to look at; NULL before "id" */
    bool started;
};

/* A member: key, the model's field (NULL for "id"), its value, and
 * whether it is a joined parent (nested) to walk in turn. */
struct member {
    const char *key;
    const eddy_field *f;
    eddy_db_value v;
    bool nested;
};

/* walk_start - 1: the object's columns are there; 0: they are not (the
 * foreign key was not joined); 2: a left join that found no parent (null). */
static int walk_start(struct walk *w, const eddy_model *m, const eddy_db_result *res, size_t row,
                      const char *prefix, const eddy_json_options *o)
{
    *w = (struct walk){m, res, row, prefix, o, 0, NULL, false};
    size_t probe = 0;
    int id_col = find_column(res, prefix, "id", &probe);
    if (id_col < 0)
        return 0;
    if (prefix && eddy_db_value_at(res, row, (size_t)id_col)->type == EDDY_DB_NULL)
        return 2;
    return 1;
}

/* member_value - column col's value, or what the caller's replace says. */
static eddy_db_value member_value(const struct walk *w, const char *key, int col)
{
    const eddy_db_value *v = eddy_db_value_at(w->res, w->row, (size_t)col);
    eddy_db_value out;
    if (w->o && w->o->replace && w->o->replace(w->o->replace_arg, w->prefix, key, v, &out))
        return out;
    return *v;
}

/* walk_next - the next member to write, false after the last. */
static bool walk_next(struct walk *w, struct member *out)
{
    const eddy_json_options *o = w->o;
    if (!w->started) {
        w->started = true;
        w->at = w->m->fields;
        int col = find_column(w->res, w->prefix, "id", &w->next);
        if (!excluded(o, w->prefix, "id")) {
            *out = (struct member){"id", NULL, member_value(w, "id", col), false};
            return true;
        }
    }
    for (; w->at && w->at->name; w->at++) {
        const eddy_field *f = w->at;
        if (((f->flags & EDDY_FIELD_HIDDEN) && !(o && o->include_hidden)) ||
            excluded(o, w->prefix, f->name))
            continue;
        int col = find_column(w->res, w->prefix, f->name, &w->next);
        if (col < 0)
            continue; /* not selected */
        w->at++;
        *out = (struct member){f->name, f, member_value(w, f->name, col),
                               f->type == EDDY_FIELD_FOREIGN_KEY && !w->prefix &&
                                   (!o || o->recurse)};
        return true;
    }
    return false;
}

/* ------------------------------------------------------------ as a tree */

/* model_json - the object of model m in the columns "prefix.id",
 * "prefix.field"... (prefix NULL: the row's own); NULL when the result
 * has no such columns (the foreign key was not joined). */
static json_t *model_json(const eddy_model *m, const eddy_db_result *res, size_t row,
                          const char *prefix, const eddy_json_options *o)
{
    struct walk w;
    int there = walk_start(&w, m, res, row, prefix, o);
    if (there != 1)
        return there ? json_null() : NULL;
    json_t *obj = json_object();
    struct member mb;
    while (obj && walk_next(&w, &mb)) {
        json_t *value = NULL;
        if (mb.nested)
            value = model_json(mb.f->references, res, row, mb.key, o); /* joined: nested */
        if (!value)
            value = field_json(mb.f, &mb.v);
        json_object_set_new(obj, mb.key, value);
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

/* ------------------------------------------------------------ as text */

/* value_to - what eddy_json_compact_to writes for field_json(f, v);
 * 1 when there is nothing to write (the tree leaves the key out: an
 * infinite double), 0 when written, -1 when out cannot grow. */
static int value_to(eddy_buf *out, const eddy_field *f, const eddy_db_value *v)
{
    char text[32];
    switch (v->type) {
    case EDDY_DB_NULL:
        return eddy_buf_append(out, "null", 4);
    case EDDY_DB_INTEGER:
        if (f && f->type == EDDY_FIELD_BOOL)
            return eddy_buf_append_str(out, v->i ? "true" : "false");
        return eddy_buf_append(out, text,
                               (size_t)snprintf(text, sizeof text, "%" PRId64, v->i));
    case EDDY_DB_DATETIME:
        eddy_db_format_time(v->i, 'T', text);
        return eddy_json_compact_string_to(out, text, strlen(text));
    case EDDY_DB_TEXT:
        if (!(f && (f->type == EDDY_FIELD_DATETIME || f->type == EDDY_FIELD_BOOL)) &&
            eddy_json_compact_string_to(out, v->p, v->len) == 0)
            return 0;
        break; /* a time to read, a flag, or not UTF-8 (base64 in the tree): as the tree has it */
    case EDDY_DB_DOUBLE:
        if (!isfinite(v->d) && !(f && f->type == EDDY_FIELD_BOOL))
            return 1;
        break;
    default:
        break;
    }
    json_t *j = field_json(f, v);
    int rc = j ? eddy_json_compact_to(out, j) : 1;
    json_decref(j);
    return rc;
}

/* model_to - model_json's object as text: 1 written, 0 no such columns
 * (nothing written), -1 out of memory. */
static int model_to(eddy_buf *out, const eddy_model *m, const eddy_db_result *res, size_t row,
                    const char *prefix, const eddy_json_options *o)
{
    struct walk w;
    int there = walk_start(&w, m, res, row, prefix, o);
    if (there != 1)
        return there ? (eddy_buf_append(out, "null", 4) < 0 ? -1 : 1) : 0;
    if (eddy_buf_append_char(out, '{') < 0)
        return -1;
    struct member mb;
    bool first = true;
    while (walk_next(&w, &mb)) {
        size_t mark = out->len;
        if ((!first && eddy_buf_append_char(out, ',') < 0) ||
            eddy_json_compact_string_to(out, mb.key, strlen(mb.key)) < 0 ||
            eddy_buf_append_char(out, ':') < 0)
            return -1;
        int rc = mb.nested ? model_to(out, mb.f->references, res, row, mb.key, o) : 0;
        if (rc == 0) {
            int written = value_to(out, mb.f, &mb.v);
            rc = written == 0 ? 1 : written == 1 ? -2 : -1;
        }
        if (rc == -2) { /* no value: no key either */
            eddy_buf_truncate(out, mark);
            continue;
        }
        if (rc < 0)
            return -1;
        first = false;
    }
    return eddy_buf_append_char(out, '}') < 0 ? -1 : 1;
}

int eddy_orm_row_json_to(const eddy_model *m, const eddy_db_result *res, size_t row,
                         const eddy_json_options *o, eddy_buf *out)
{
    size_t mark = out->len;
    if (row < eddy_db_rows(res) && model_to(out, m, res, row, NULL, o) == 1)
        return 0;
    eddy_buf_truncate(out, mark);
    return -1;
}

int eddy_orm_rows_json_to(const eddy_model *m, const eddy_db_result *res,
                          const eddy_json_options *o, eddy_buf *out)
{
    size_t mark = out->len;
    int rc = eddy_buf_append_char(out, '[');
    for (size_t r = 0; rc == 0 && r < eddy_db_rows(res); r++)
        rc = (r && eddy_buf_append_char(out, ',') < 0) || model_to(out, m, res, r, NULL, o) != 1
                 ? -1
                 : 0;
    if (rc == 0 && eddy_buf_append_char(out, ']') == 0)
        return 0;
    eddy_buf_truncate(out, mark);
    return -1;
}
