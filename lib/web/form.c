/*
 * form - making forms, their values, their errors as JSON and their data
 * as model rows; see form.h. Checks are in form_validate.c, HTML and the
 * template modules in form_html.c.
 *
 * A form is a few arrays in the request's arena: one entry per field of
 * its description, each holding the field's values as text, the way a
 * browser sends them. Text is what a failed form shows back to its user
 * exactly as typed; typed values (numbers, days) are read from it when
 * asked for, after validation has said they read well.
 */
#include "form_internal.h"

#include <eddy/base/calendar.h>
#include <eddy/base/escape.h>
#include <eddy/base/log.h>
#include <eddy/web/body.h>

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The request slot that holds the request's forms, newest first. */
static const char forms_slot[] = "eddy.forms";

static const char *const no_values[] = {NULL};

/* ------------------------------------------------------------ small readers */

form_entry *form_entry_of(const eddy_form *f, const char *name)
{
    if (!f || !name)
        return NULL;
    for (size_t i = 0; i < f->n; i++)
        if (strcmp(f->entries[i].field->name, name) == 0)
            return &f->entries[i];
    return NULL;
}

const char *form_label(const eddy_form_field *field)
{
    return field->label ? field->label : field->name;
}

bool form_is_blank(const char *s)
{
    if (!s)
        return true;
    for (; *s; s++)
        if (*s != ' ' && *s != '\t' && *s != '\r' && *s != '\n')
            return false;
    return true;
}

int form_parse_int(const char *s, int64_t *out)
{
    if (!s || !*s || *s == ' ')
        return -1;
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (errno || *end || end == s)
        return -1;
    *out = v;
    return 0;
}

int form_parse_double(const char *s, double *out)
{
    if (!s || !*s || *s == ' ')
        return -1;
    /* Digits, a sign, a point and an exponent only: strtod would also
     * read "inf", "nan" and hexadecimal, which no form means. */
    for (const char *p = s; *p; p++)
        if (!strchr("0123456789+-.eE", *p))
            return -1;
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || *end || end == s || !isfinite(v))
        return -1;
    *out = v;
    return 0;
}

int form_parse_date(const char *s, int64_t *us)
{
    /* Exactly YYYY-MM-DD, as <input type="date"> sends it, and a day the
     * calendar has: 2026-02-30 is refused, not carried into March. */
    if (!s || strlen(s) != 10 || s[4] != '-' || s[7] != '-')
        return -1;
    for (int i = 0; i < 10; i++)
        if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9'))
            return -1;
    eddy_civil c = {0};
    c.year = atoi(s);
    c.month = atoi(s + 5);
    c.day = atoi(s + 8);
    if (c.month < 1 || c.month > 12 || c.day < 1 || c.day > 31)
        return -1;
    int64_t t = eddy_us_from_civil(&c);
    eddy_civil back;
    eddy_civil_from_us(t, &back);
    if (back.year != c.year || back.month != c.month || back.day != c.day)
        return -1;
    *us = t;
    return 0;
}

bool form_is_true(const char *s)
{
    static const char *const falsy[] = {"", "0", "false", "off", "no", NULL};
    if (!s)
        return false;
    for (size_t i = 0; falsy[i]; i++)
        if (strcmp(s, falsy[i]) == 0)
            return false;
    return true;
}

/* ------------------------------------------------------------ making forms */

/* set_one - entry e holds the single value v (copied); 0 or -1. */
static int set_one(eddy_req *r, form_entry *e, const char *v)
{
    const char **vals = eddy_alloc(r, 2 * sizeof *vals);
    const char *copy = eddy_strdup(r, v ? v : "");
    if (!vals || !copy)
        return -1;
    vals[0] = copy;
    vals[1] = NULL;
    e->values = vals;
    e->count = 1;
    return 0;
}

eddy_form *eddy_form_new(eddy_req *r, const eddy_form_def *def)
{
    size_t n = 0;
    while (def->fields[n].name)
        n++;
    eddy_form *f = eddy_alloc(r, sizeof *f);
    form_entry *entries = eddy_alloc(r, (n ? n : 1) * sizeof *entries);
    if (!f || !entries)
        return NULL;
    memset(f, 0, sizeof *f);
    memset(entries, 0, (n ? n : 1) * sizeof *entries);
    f->r = r;
    f->def = def;
    f->entries = entries;
    f->n = n;
    for (size_t i = 0; i < n; i++) {
        form_entry *e = &entries[i];
        e->field = &def->fields[i];
        e->values = (const char **)no_values;
        if (e->field->default_value && set_one(r, e, e->field->default_value) < 0)
            return NULL;
    }
    /* Kept on the request, newest first, so templates find it by name. */
    f->next = eddy_req_slot(r, forms_slot);
    if (eddy_req_set_slot(r, forms_slot, f, NULL) < 0)
        return NULL;
    return f;
}

eddy_form *eddy_form_from_request(eddy_req *r, const eddy_form_def *def)
{
    eddy_form *f = eddy_form_new(r, def);
    if (!f)
        return NULL;
    for (size_t i = 0; i < f->n; i++) {
        form_entry *e = &f->entries[i];
        eddy_form_kind k = e->field->kind;
        if (k == EDDY_FORM_FILE) {
            e->upload = eddy_get_upload(r, e->field->name);
            continue;
        }
        size_t count = 0;
        const char **vals = eddy_get_arguments(r, e->field->name, &count);
        if (!vals)
            return NULL;
        /* A field the client did not send keeps its default, as in
         * wtforms; but a browser sends nothing at all for an unticked
         * box or a list with nothing chosen, so those are empty. */
        if (count == 0 && k != EDDY_FORM_BOOLEAN && k != EDDY_FORM_MULTIPLE)
            continue;
        e->values = vals;
        e->count = count;
    }
    return f;
}

/* value_text - a column's value as the text a field shows. */
static const char *value_text(eddy_req *r, const eddy_form_field *field, const eddy_db_value *v)
{
    char tmp[64];
    switch (v->type) {
    case EDDY_DB_NULL:
        return "";
    case EDDY_DB_INTEGER:
        if (field->kind == EDDY_FORM_BOOLEAN)
            return v->i ? "y" : "";
        snprintf(tmp, sizeof tmp, "%lld", (long long)v->i);
        break;
    case EDDY_DB_DOUBLE:
        eddy_real_text(tmp, sizeof tmp, v->d);
        break;
    case EDDY_DB_DATETIME:
        eddy_db_format_time(v->i, ' ', tmp);
        if (field->kind == EDDY_FORM_DATE)
            tmp[10] = '\0';
        break;
    case EDDY_DB_TEXT:
    case EDDY_DB_BLOB: {
        char *s = eddy_alloc(r, v->len + 1);
        if (s) {
            memcpy(s, v->p, v->len);
            s[v->len] = '\0';
        }
        return s;
    }
    }
    return eddy_strdup(r, tmp);
}

/* split_commas - a MULTIPLE field's stored "a,b,c" back into values. */
static int split_commas(eddy_req *r, form_entry *e, const char *s)
{
    size_t n = *s ? 1 : 0;
    for (const char *p = s; *p; p++)
        n += *p == ',';
    const char **vals = eddy_alloc(r, (n + 1) * sizeof *vals);
    if (!vals)
        return -1;
    size_t k = 0;
    while (*s) {
        const char *end = strchr(s, ',');
        size_t len = end ? (size_t)(end - s) : strlen(s);
        if (!(vals[k++] = eddy_arena_strndup(eddy_request_arena(r), s, len)))
            return -1;
        s += len + (end != NULL);
    }
    vals[k] = NULL;
    e->values = vals;
    e->count = k;
    return 0;
}

eddy_form *eddy_form_from_row(eddy_req *r, const eddy_form_def *def, const eddy_db_result *res,
                              size_t row)
{
    eddy_form *f = eddy_form_new(r, def);
    if (!f)
        return NULL;
    for (size_t i = 0; i < f->n; i++) {
        form_entry *e = &f->entries[i];
        eddy_form_kind k = e->field->kind;
        int col = eddy_db_column_index(res, e->field->name);
        if (col < 0 || k == EDDY_FORM_PASSWORD || k == EDDY_FORM_FILE)
            continue;
        const char *text = value_text(r, e->field, eddy_db_value_at(res, row, (size_t)col));
        if (!text)
            return NULL;
        int rc = k == EDDY_FORM_MULTIPLE ? split_commas(r, e, text) : set_one(r, e, text);
        if (rc < 0)
            return NULL;
    }
    return f;
}

eddy_req *eddy_form_req(const eddy_form *f)
{
    return f->r;
}

eddy_form *eddy_form_get(eddy_req *r, const char *name)
{
    for (eddy_form *f = eddy_req_slot(r, forms_slot); f; f = f->next)
        if (f->def->name && name && strcmp(f->def->name, name) == 0)
            return f;
    return NULL;
}

/* ------------------------------------------------------------ errors */

int eddy_form_add_error(eddy_form *f, const char *name, const char *message)
{
    const char *copy = eddy_strdup(f->r, message ? message : "");
    if (!copy)
        return -1;
    if (name) {
        form_entry *e = form_entry_of(f, name);
        if (!e)
            return -1;
        if (!e->error)
            e->error = copy;
        return 0;
    }
    if (f->n_non_field == f->cap_non_field) {
        size_t cap = f->cap_non_field ? 2 * f->cap_non_field : 4;
        const char **grown = eddy_alloc(f->r, cap * sizeof *grown);
        if (!grown)
            return -1;
        if (f->n_non_field)
            memcpy(grown, f->non_field, f->n_non_field * sizeof *grown);
        f->non_field = grown;
        f->cap_non_field = cap;
    }
    f->non_field[f->n_non_field++] = copy;
    return 0;
}

const char *eddy_form_error(const eddy_form *f, const char *name)
{
    if (!name)
        return f->n_non_field ? f->non_field[0] : NULL;
    form_entry *e = form_entry_of(f, name);
    return e ? e->error : NULL;
}

bool eddy_form_has_errors(const eddy_form *f)
{
    if (f->n_non_field)
        return true;
    for (size_t i = 0; i < f->n; i++)
        if (f->entries[i].error)
            return true;
    return false;
}

json_t *eddy_form_errors_json(const eddy_form *f)
{
    json_t *o = json_object();
    if (!o)
        return NULL;
    int rc = 0;
    for (size_t i = 0; i < f->n && rc == 0; i++)
        if (f->entries[i].error)
            rc =
                json_object_set_new(o, f->entries[i].field->name, json_string(f->entries[i].error));
    if (rc == 0 && f->n_non_field) {
        eddy_buf b = EDDY_BUF_INIT;
        for (size_t i = 0; i < f->n_non_field && rc == 0; i++)
            rc = eddy_buf_printf(&b, "%s%s", i ? " " : "", f->non_field[i]);
        if (rc == 0)
            rc = json_object_set_new(o, "non_fields", json_stringn(b.data, b.len));
        eddy_buf_free(&b);
    }
    if (rc) {
        json_decref(o);
        return NULL;
    }
    return o;
}

int eddy_send_form_errors(eddy_req *r, const eddy_form *f)
{
    json_t *errors = eddy_form_errors_json(f);
    if (!errors) {
        eddy_send_error(r, 500, NULL);
        return -1;
    }
    eddy_response_status(r, 400);
    return eddy_send_json(r, errors) < 0 ? -1 : 0;
}

eddy_form *eddy_require_valid_form(eddy_req *r, const eddy_form_def *def)
{
    eddy_form *f = eddy_form_from_request(r, def);
    if (!f) {
        eddy_send_error(r, 500, NULL);
        return NULL;
    }
    if (!eddy_form_validate(f)) {
        eddy_send_form_errors(r, f);
        return NULL;
    }
    return f;
}

/* ------------------------------------------------------------ values */

const char *eddy_form_value(const eddy_form *f, const char *name)
{
    form_entry *e = form_entry_of(f, name);
    if (!e)
        return NULL;
    return e->count ? e->values[0] : "";
}

const char *const *eddy_form_values(const eddy_form *f, const char *name, size_t *count)
{
    form_entry *e = form_entry_of(f, name);
    if (count)
        *count = e ? e->count : 0;
    return e ? e->values : NULL;
}

int eddy_form_set(eddy_form *f, const char *name, const char *value)
{
    form_entry *e = form_entry_of(f, name);
    return e ? set_one(f->r, e, value) : -1;
}

int64_t eddy_form_int(const eddy_form *f, const char *name, int64_t def)
{
    int64_t v;
    return form_parse_int(eddy_form_value(f, name), &v) == 0 ? v : def;
}

double eddy_form_double(const eddy_form *f, const char *name, double def)
{
    double v;
    return form_parse_double(eddy_form_value(f, name), &v) == 0 ? v : def;
}

bool eddy_form_bool(const eddy_form *f, const char *name)
{
    return form_is_true(eddy_form_value(f, name));
}

int64_t eddy_form_date(const eddy_form *f, const char *name, int64_t def)
{
    int64_t v;
    return form_parse_date(eddy_form_value(f, name), &v) == 0 ? v : def;
}

const eddy_upload *eddy_form_upload(const eddy_form *f, const char *name)
{
    form_entry *e = form_entry_of(f, name);
    return e ? e->upload : NULL;
}

/* entry_json - one field's data as JSON (a new reference). */
static json_t *entry_json(const form_entry *e)
{
    const char *v = e->count ? e->values[0] : "";
    switch (e->field->kind) {
    case EDDY_FORM_BOOLEAN:
        return json_boolean(form_is_true(v));
    case EDDY_FORM_MULTIPLE: {
        json_t *a = json_array();
        for (size_t i = 0; a && i < e->count; i++)
            json_array_append_new(a, json_string(e->values[i]));
        return a;
    }
    case EDDY_FORM_INTEGER: {
        int64_t n;
        return form_parse_int(v, &n) == 0 ? json_integer(n) : json_null();
    }
    case EDDY_FORM_DECIMAL: {
        double d;
        return form_parse_double(v, &d) == 0 ? json_real(d) : json_null();
    }
    default:
        return *v ? json_string(v) : json_null();
    }
}

json_t *eddy_form_json(const eddy_form *f)
{
    json_t *o = json_object();
    for (size_t i = 0; o && i < f->n; i++) {
        const form_entry *e = &f->entries[i];
        if (e->field->kind == EDDY_FORM_PASSWORD || e->field->kind == EDDY_FORM_FILE)
            continue;
        json_t *v = entry_json(e);
        if (!v || json_object_set_new(o, e->field->name, v) < 0) {
            json_decref(o);
            return NULL;
        }
    }
    return o;
}

/* ------------------------------------------------------------ saving */

/* joined - a MULTIPLE field's values as "a,b,c" in the arena. */
static const char *joined(eddy_req *r, const form_entry *e)
{
    size_t len = 1;
    for (size_t i = 0; i < e->count; i++)
        len += strlen(e->values[i]) + 1;
    char *s = eddy_alloc(r, len), *p = s;
    if (!s)
        return NULL;
    *p = '\0';
    for (size_t i = 0; i < e->count; i++) {
        if (i)
            *p++ = ',';
        size_t n = strlen(e->values[i]);
        memcpy(p, e->values[i], n + 1);
        p += n;
    }
    return s;
}

/* orm_value - entry e as a value of model field mf; false when it is
 * left out (an empty number or day the column may not hold as NULL). */
static bool orm_value(const eddy_form *f, const form_entry *e, const eddy_field *mf,
                      eddy_db_value *out)
{
    const char *v = e->count ? e->values[0] : "";
    bool nullable = mf->flags & EDDY_FIELD_NULL;
    bool empty = e->count == 0 || (e->count == 1 && *v == '\0');
    int64_t n;
    double d;
    if (mf->type == EDDY_FIELD_BOOL || e->field->kind == EDDY_FORM_BOOLEAN) {
        *out = EDDY_DB_INT(form_is_true(v));
        return true;
    }
    if (empty && nullable) {
        *out = EDDY_DB_NULLV;
        return true;
    }
    switch (mf->type) {
    case EDDY_FIELD_INT:
    case EDDY_FIELD_FOREIGN_KEY:
        if (form_parse_int(v, &n) < 0)
            return false;
        *out = EDDY_DB_INT(n);
        return true;
    case EDDY_FIELD_DOUBLE:
        if (form_parse_double(v, &d) < 0)
            return false;
        *out = EDDY_DB_REAL(d);
        return true;
    case EDDY_FIELD_DATETIME:
        if (form_parse_date(v, &n) < 0 && eddy_db_parse_time(v, strlen(v), &n) < 0)
            return false;
        *out = EDDY_DB_TIME(n);
        return true;
    case EDDY_FIELD_BLOB:
        *out = EDDY_DB_BYTES(v, strlen(v));
        return true;
    default: {
        const char *s = e->field->kind == EDDY_FORM_MULTIPLE ? joined(f->r, e) : v;
        if (!s)
            return false;
        *out = EDDY_DB_STR(s);
        return true;
    }
    }
}

/* saved - whether entry e goes into a row at all. */
static bool saved(const form_entry *e)
{
    eddy_form_kind k = e->field->kind;
    return k != EDDY_FORM_PASSWORD && k != EDDY_FORM_FILE && !(e->field->flags & EDDY_FORM_NO_SAVE);
}

size_t eddy_form_orm_values(const eddy_form *f, const eddy_model *m, eddy_orm_value *out,
                            size_t cap)
{
    size_t n = 0;
    for (size_t i = 0; i < f->n && n < cap; i++) {
        const form_entry *e = &f->entries[i];
        const eddy_field *mf = eddy_orm_field(m, e->field->name);
        if (mf && saved(e) && orm_value(f, e, mf, &out[n].value))
            out[n++].field = mf->name;
    }
    return n;
}

void eddy_form_orm_update(const eddy_form *f, const eddy_model *m, eddy_query *q)
{
    for (size_t i = 0; i < f->n; i++) {
        const form_entry *e = &f->entries[i];
        const eddy_field *mf = eddy_orm_field(m, e->field->name);
        eddy_db_value v;
        if (mf && saved(e) && orm_value(f, e, mf, &v))
            eddy_orm_set(q, mf->name, v);
    }
}
