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
#include <eddy/base/str.h>
#include <eddy/base/thread_slot.h>

#include <inttypes.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* listed - path ("email", "author.email") is in the NULL-ended list. */
static bool listed(const char *const *list, const char *prefix, const char *name)
{
    size_t plen = prefix ? strlen(prefix) : 0;
    for (const char *const *e = list; *e; e++) {
        if (plen == 0 && strcmp(*e, name) == 0)
            return true;
        if (plen && strncmp(*e, prefix, plen) == 0 && (*e)[plen] == '.' &&
            strcmp(*e + plen + 1, name) == 0)
            return true;
    }
    return false;
}

/* excluded - path is in the caller's list of fields left out. */
static bool excluded(const eddy_json_options *o, const char *prefix, const char *name)
{
    return o && o->exclude && listed(o->exclude, prefix, name);
}

/* asks - whether the caller's replace is asked about path. */
static bool asks(const eddy_json_options *o, const char *prefix, const char *name)
{
    return o && o->replace && (!o->replace_only || listed(o->replace_only, prefix, name));
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

/* ------------------------------------------------------------ the plan */

/* Which members an object has, in which order, under which key, from
 * which column, is the same for every row of a result: it is worked out
 * once per call (the columns found by name once, not once per row) as a
 * list of steps, which the tree and the text both follow. */
enum step_kind {
    STEP_VALUE, /* key: the column's value */
    STEP_OPEN,  /* key: a joined parent's object, or null when its id is (a left join) */
    STEP_CLOSE,
};

struct step {
    enum step_kind kind;
    const char *key;
    size_t keylen;       /* strlen(key), measured once for every row */
    const char *prefix;  /* NULL: the row's own; else the joined key (for replace) */
    const eddy_field *f; /* VALUE: its field (NULL for "id") */
    int col;             /* VALUE: the column; OPEN: the parent's id column */
    size_t close;        /* OPEN: where its CLOSE is */
    bool ask;            /* VALUE: the caller's replace is asked about it (push) */
};

struct plan {
    struct step *steps;
    size_t n, cap;
    bool kept; /* the thread's kept plan, lent (plan_for): not freed by its user */
};

static int push(struct plan *p, struct step s, const eddy_json_options *o)
{
    s.ask = s.kind == STEP_VALUE && asks(o, s.prefix, s.key);
    s.keylen = s.key ? strlen(s.key) : 0;
    if (p->n == p->cap) {
        size_t cap = p->cap ? p->cap * 2 : 32;
        struct step *more = realloc(p->steps, cap * sizeof *more);
        if (!more)
            return -1;
        p->steps = more;
        p->cap = cap;
    }
    p->steps[p->n++] = s;
    return 0;
}

/* plan_model - the steps of model m's object in the columns "prefix.id",
 * "prefix.field"... (prefix NULL: the row's own): 1, 0 when the result
 * has no such columns (the foreign key was not joined), -1 out of memory. */
static int plan_model(struct plan *p, const eddy_model *m, const eddy_db_result *res,
                      const char *prefix, const eddy_json_options *o)
{
    size_t next = 0;
    int id_col = find_column(res, prefix, "id", &next);
    if (id_col < 0)
        return 0;
    if (!excluded(o, prefix, "id") && push(p, (struct step){STEP_VALUE, "id", 0, prefix, NULL,
                                                            id_col, 0, false}, o) < 0)
        return -1;
    for (const eddy_field *f = m->fields; f->name; f++) {
        if (((f->flags & EDDY_FIELD_HIDDEN) && !(o && o->include_hidden)) ||
            excluded(o, prefix, f->name))
            continue;
        int col = find_column(res, prefix, f->name, &next);
        if (col < 0)
            continue; /* not selected */
        if (f->type == EDDY_FIELD_FOREIGN_KEY && !prefix && (!o || o->recurse)) {
            size_t open = p->n;
            if (push(p, (struct step){STEP_OPEN, f->name, 0, NULL, f, -1, 0, false}, o) < 0)
                return -1;
            int joined = plan_model(p, f->references, res, f->name, o);
            if (joined < 0)
                return -1;
            if (joined) { /* nested: the parent's id says whether there is one */
                size_t probe = 0;
                p->steps[open].col = find_column(res, f->name, "id", &probe);
                p->steps[open].close = p->n;
                if (push(p, (struct step){STEP_CLOSE, NULL, 0, NULL, NULL, -1, 0, false}, o) < 0)
                    return -1;
                continue;
            }
            p->n = open; /* not joined: the id, as any column */
        }
        if (push(p, (struct step){STEP_VALUE, f->name, 0, prefix, f, col, 0, false}, o) < 0)
            return -1;
    }
    return 1;
}

/* ------------------------------------------------------------ the plan kept */

/* A list answered as JSON is the same query read through the same
 * options request after request, and working its plan out (each column
 * found by name, each field looked for in the lists) was a sixteenth of
 * a JSON list's work. So each thread keeps its last plan with what it
 * was made for, written out as bytes (plan_signature): the model, the
 * prefix, the options' flags and lists, the result's column names; a
 * call that would make the same plan uses it. A call made while it is in
 * use (from a replace function) makes its own. */
struct kept_plan {
    struct plan p;
    int made;     /* what plan_model answered for it */
    eddy_buf sig; /* what it was made for; empty: nothing kept */
    eddy_buf probe;
    bool busy;
};
static _Thread_local struct kept_plan *kept;

static void kept_plan_free(void *arg)
{
    struct kept_plan *k = arg;
    free(k->p.steps);
    eddy_buf_free(&k->sig);
    eddy_buf_free(&k->probe);
    free(k);
}

static eddy_thread_slot kept_plan_slot = EDDY_THREAD_SLOT(kept_plan_free);

/* put_text - s with its length first (NULL as no length at all), so
 * that no two different lists write the same bytes. */
static int put_text(eddy_buf *b, const char *s)
{
    size_t n = s ? strlen(s) : SIZE_MAX;
    return eddy_buf_append(b, &n, sizeof n) | (s ? eddy_buf_append(b, s, n) : 0);
}

static int put_list(eddy_buf *b, const char *const *list)
{
    int rc = 0;
    for (; list && *list; list++)
        rc |= put_text(b, *list);
    return rc | put_text(b, NULL);
}

/* plan_signature - what plan_model's answer depends on, as bytes; -1
 * when sig cannot grow. */
static int plan_signature(eddy_buf *sig, const eddy_model *m, const eddy_db_result *res,
                          const char *prefix, const eddy_json_options *o)
{
    eddy_buf_clear(sig);
    const bool flags[] = {!o || o->recurse, o && o->include_hidden, o && o->replace};
    int rc = eddy_buf_append(sig, &m, sizeof m) | eddy_buf_append(sig, flags, sizeof flags) |
             put_text(sig, prefix) | put_list(sig, o ? o->exclude : NULL) |
             put_list(sig, o ? o->replace_only : NULL);
    for (size_t i = 0; i < eddy_db_columns(res); i++)
        rc |= put_text(sig, eddy_db_column_name(res, i));
    return rc;
}

/* plan_for - plan_model's plan of m for res and o into *p: the thread's
 * kept one when it was made for the same, else a new one (kept in its
 * place when it can be). Its answer (1, 0 or -1) as plan_model's; give
 * it back with plan_done. */
static int plan_for(struct plan *p, const eddy_model *m, const eddy_db_result *res,
                    const char *prefix, const eddy_json_options *o)
{
    struct kept_plan *k = kept;
    if (!k && (k = calloc(1, sizeof *k)) && eddy_thread_slot_keep(&kept_plan_slot, k) < 0) {
        free(k);
        k = NULL;
    }
    kept = k;
    *p = (struct plan){0};
    if (!k || k->busy || plan_signature(&k->probe, m, res, prefix, o) < 0)
        return plan_model(p, m, res, prefix, o);
    if (k->sig.len != k->probe.len || memcmp(k->sig.data, k->probe.data, k->sig.len) != 0) {
        free(k->p.steps);
        k->p = (struct plan){0};
        eddy_buf swap = k->sig;
        k->sig = k->probe;
        k->probe = swap;
        if ((k->made = plan_model(&k->p, m, res, prefix, o)) < 0)
            eddy_buf_clear(&k->sig); /* out of memory: not kept */
    }
    k->busy = true;
    *p = k->p;
    p->kept = true;
    return k->made;
}

static void plan_done(struct plan *p)
{
    if (p->kept)
        kept->busy = false;
    else
        free(p->steps);
}

/* step_value - a VALUE step's value v, or what the caller's replace says. */
static eddy_db_value step_value(const struct step *s, const eddy_db_value *v,
                                const eddy_json_options *o)
{
    eddy_db_value out;
    if (s->ask && o->replace(o->replace_arg, s->prefix, s->key, v, &out))
        return out;
    return *v;
}

/* ------------------------------------------------------------ as a tree */

/* plan_json - the object whose steps start at *at, up to its CLOSE or
 * the end, for row; *at is left past them. */
static json_t *plan_json(const struct plan *p, size_t *at, const eddy_db_result *res, size_t row,
                         const eddy_json_options *o)
{
    json_t *obj = json_object();
    while (*at < p->n) {
        const struct step *s = &p->steps[(*at)++];
        json_t *value;
        if (s->kind == STEP_CLOSE) {
            break;
        } else if (s->kind == STEP_OPEN) {
            if (eddy_db_value_at(res, row, (size_t)s->col)->type == EDDY_DB_NULL) {
                value = json_null(); /* a left join that found no parent */
                *at = s->close + 1;
            } else {
                value = plan_json(p, at, res, row, o);
            }
        } else {
            eddy_db_value v = step_value(s, eddy_db_value_at(res, row, (size_t)s->col), o);
            value = field_json(s->f, &v);
        }
        json_object_set_new(obj, s->key, value);
    }
    return obj;
}

/* rows_json - rows [from, to) as objects of model m, read from its own
 * columns or (prefix) from those of the model joined under that name (to
 * - from == 1 and !array: the one object). */
static json_t *rows_json(const eddy_model *m, const char *prefix, const eddy_db_result *res,
                         size_t from, size_t to, bool array, const eddy_json_options *o)
{
    struct plan p;
    json_t *out = NULL;
    if (plan_for(&p, m, res, prefix, o) == 1) {
        out = array ? json_array() : NULL;
        for (size_t r = from; r < to; r++) {
            size_t at = 0;
            json_t *obj = plan_json(&p, &at, res, r, o);
            if (!array)
                out = obj;
            else
                json_array_append_new(out, obj);
        }
    } else if (array) {
        out = json_array(); /* no "id" column: no objects */
    }
    plan_done(&p);
    return out;
}

json_t *eddy_orm_row_json(const eddy_model *m, const eddy_db_result *res, size_t row,
                          const eddy_json_options *o)
{
    if (row >= eddy_db_rows(res))
        return NULL;
    return rows_json(m, NULL, res, row, row + 1, false, o);
}

json_t *eddy_orm_joined_json(const eddy_model *m, const char *prefix, const eddy_db_result *res,
                             size_t row, const eddy_json_options *o)
{
    if (row >= eddy_db_rows(res))
        return NULL;
    return rows_json(m, prefix, res, row, row + 1, false, o);
}

json_t *eddy_orm_rows_json(const eddy_model *m, const eddy_db_result *res,
                           const eddy_json_options *o)
{
    return rows_json(m, NULL, res, 0, eddy_db_rows(res), true, o);
}

/* ------------------------------------------------------------ as text */

/* int_to - an integer's digits, as Jansson prints it. */
static int int_to(eddy_buf *out, int64_t i)
{
    char text[24], *e = text + sizeof text, *d = eddy_i64_text(e, i);
    return eddy_buf_append(out, d, (size_t)(e - d));
}

/* value_to - what eddy_json_compact_to writes for field_json(f, v);
 * 1 when there is nothing to write (the tree leaves the key out: an
 * infinite double), 0 when written, -1 when out cannot grow. */
static int value_to(eddy_buf *out, const eddy_field *f, const eddy_db_value *v)
{
    char text[34];
    switch (v->type) {
    case EDDY_DB_NULL:
        return eddy_buf_append(out, "null", 4);
    case EDDY_DB_INTEGER:
        if (f && f->type == EDDY_FIELD_BOOL)
            return eddy_buf_append_str(out, v->i ? "true" : "false");
        return int_to(out, v->i);
    case EDDY_DB_DATETIME: { /* digits and punctuation: nothing to escape */
        size_t n = eddy_db_format_time(v->i, 'T', text + 1);
        text[0] = text[n + 1] = '"';
        return eddy_buf_append(out, text, n + 2);
    }
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

/* key_to - the step's key, after a comma unless first: one copy into
 * room made once (keys are the model's names: nothing in them to escape). */
static int key_to(eddy_buf *out, bool first, const struct step *s)
{
    if (eddy_buf_reserve(out, s->keylen + 4) < 0)
        return -1;
    char *w = out->data + out->len;
    if (!first)
        *w++ = ',';
    *w++ = '"';
    memcpy(w, s->key, s->keylen);
    w += s->keylen;
    *w++ = '"';
    *w++ = ':';
    *w = '\0';
    out->len = (size_t)(w - out->data);
    return 0;
}

/* plan_to - plan_json's object as text, from the row's values (cells);
 * 0, or -1 when out cannot grow. */
static int plan_to(eddy_buf *out, const struct plan *p, size_t *at, const eddy_db_value *cells,
                   const eddy_json_options *o)
{
    if (eddy_buf_append_char(out, '{') < 0)
        return -1;
    bool first = true;
    while (*at < p->n) {
        const struct step *s = &p->steps[(*at)++];
        if (s->kind == STEP_CLOSE)
            break;
        size_t mark = out->len;
        if (key_to(out, first, s) < 0)
            return -1;
        int rc;
        if (s->kind == STEP_OPEN) {
            if (cells[s->col].type == EDDY_DB_NULL) {
                rc = eddy_buf_append(out, "null", 4);
                *at = s->close + 1;
            } else {
                rc = plan_to(out, p, at, cells, o);
            }
        } else {
            eddy_db_value v = step_value(s, &cells[s->col], o);
            rc = value_to(out, s->f, &v);
        }
        if (rc < 0)
            return -1;
        if (rc == 1) { /* no value: no key either */
            eddy_buf_truncate(out, mark);
            continue;
        }
        first = false;
    }
    return eddy_buf_append_char(out, '}');
}

/* rows_to - rows [from, to) as text, an array or (!array) the one object. */
static int rows_to(const eddy_model *m, const eddy_db_result *res, size_t from, size_t to,
                   bool array, const eddy_json_options *o, eddy_buf *out)
{
    size_t mark = out->len;
    struct plan p;
    int rc = plan_for(&p, m, res, NULL, o) == 1 ? 0 : -1;
    /* room for the rows at a guess of a few hundred bytes each: the
     * buffer grows once or twice rather than step by step */
    if (rc == 0 && to > from && !out->limit) /* a guess: never a reason to fail */
        (void)eddy_buf_reserve(out, (to - from) * (p.n * 16 + 64));
    if (rc == 0 && array)
        rc = eddy_buf_append_char(out, '[');
    for (size_t r = from; rc == 0 && r < to; r++) {
        size_t at = 0;
        if ((r > from && eddy_buf_append_char(out, ',') < 0) ||
            plan_to(out, &p, &at, eddy_db_row_values(res, r), o) < 0)
            rc = -1;
    }
    if (rc == 0 && array)
        rc = eddy_buf_append_char(out, ']');
    plan_done(&p);
    if (rc < 0)
        eddy_buf_truncate(out, mark);
    return rc;
}

int eddy_orm_row_json_to(const eddy_model *m, const eddy_db_result *res, size_t row,
                         const eddy_json_options *o, eddy_buf *out)
{
    if (row >= eddy_db_rows(res))
        return -1;
    return rows_to(m, res, row, row + 1, false, o, out);
}

int eddy_orm_rows_json_to(const eddy_model *m, const eddy_db_result *res,
                          const eddy_json_options *o, eddy_buf *out)
{
    return rows_to(m, res, 0, eddy_db_rows(res), true, o, out);
}
