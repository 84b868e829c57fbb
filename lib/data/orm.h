/*
 * orm - models, table creation, queries and model-to-JSON over db.h
 * (peewee and peewee-async's place, and playhouse's model_to_dict).
 *
 * A model is a constant description of a table: its name and its fields,
 * each with a type and what the column allows; it stays as it is while
 * the program runs (the JSON writer keeps, per thread, what it worked out
 * from a model for the next list of the same shape). Every model has an
 * integer key "id" of its own; a foreign key field "author" is the column
 * author_id, referring to the other model's id.
 *
 *     static const eddy_model user_model, post_model;
 *     static const eddy_field user_fields[] = {
 *         {"name", EDDY_FIELD_TEXT, .max_length = 40, .flags = EDDY_FIELD_UNIQUE},
 *         {"password_hash", EDDY_FIELD_TEXT, .max_length = 200, .flags = EDDY_FIELD_HIDDEN},
 *         {"created", EDDY_FIELD_DATETIME, .flags = EDDY_FIELD_NOW},
 *         {.name = NULL}};
 *     static const eddy_model user_model = {"user", user_fields};
 *     static const eddy_field post_fields[] = {
 *         {"author", EDDY_FIELD_FOREIGN_KEY, .references = &user_model,
 *          .on_delete = EDDY_ON_DELETE_CASCADE},
 *         {"title", EDDY_FIELD_TEXT, .max_length = 200},
 *         {"comments", EDDY_FIELD_INT, .default_value = "0"},
 *         {.name = NULL}};
 *
 * eddy_orm_create_tables writes CREATE TABLE IF NOT EXISTS and the
 * indexes in each dialect, parents before children. Queries are built
 * from a model and run in one wait:
 *
 *     eddy_query *q = eddy_orm_select(&post_model);
 *     eddy_orm_join(q, "author");                       selects author.id, author.name, ...
 *     eddy_orm_where(q, eddy_orm_eq(q, "author.name", EDDY_DB_STR(name)));
 *     eddy_orm_order_by(q, "id", true);
 *     eddy_orm_limit(q, 20, 0);
 *     int rc = eddy_orm_run(db, q, &res);               rows named id, author, title, ...,
 *     eddy_query_free(q);                               author.id, author.name, ...
 *
 * Every value (in a condition, a SET, an insert) is a bound parameter;
 * field names are checked against the model, so nothing a user sends can
 * become SQL. A mistake in building a query (a field the model does not
 * have) is kept on the query and returned by the run as EINVAL with
 * eddy_orm_error(q) naming it, so a chain of builder calls needs no
 * checks in between. Waits return 0 or an errno value, as in db.h.
 */
#ifndef EDDY_ORM_H
#define EDDY_ORM_H

#include <eddy/base/buf.h>
#include <eddy/data/db.h>

#include <jansson.h>

/* ------------------------------------------------------------ models */

typedef enum eddy_field_type {
    EDDY_FIELD_INT,
    EDDY_FIELD_BOOL,
    EDDY_FIELD_DOUBLE,
    EDDY_FIELD_TEXT, /* VARCHAR(max_length), or unbounded text when max_length is 0 */
    EDDY_FIELD_BLOB,
    EDDY_FIELD_DATETIME, /* microseconds since 1970 UTC, as EDDY_DB_TIME */
    EDDY_FIELD_FOREIGN_KEY,
} eddy_field_type;

enum {
    EDDY_FIELD_NULL = 1,   /* may be NULL (otherwise NOT NULL) */
    EDDY_FIELD_UNIQUE = 2, /* no two rows share a value */
    EDDY_FIELD_INDEX = 4,  /* an index, for fields searched or sorted by */
    EDDY_FIELD_HIDDEN = 8, /* never in JSON unless asked for: password hashes */
    EDDY_FIELD_NOW = 16,   /* DATETIME: the time of the insert when none is given */
};

typedef enum eddy_on_delete {
    EDDY_ON_DELETE_RESTRICT, /* the parent cannot go while it has children */
    EDDY_ON_DELETE_CASCADE,  /* the children go with it */
    EDDY_ON_DELETE_SET_NULL, /* the children stay, pointing at nothing (needs EDDY_FIELD_NULL) */
} eddy_on_delete;

typedef struct eddy_model eddy_model;

typedef struct eddy_field {
    const char *name; /* NULL ends a model's list */
    eddy_field_type type;
    unsigned flags;               /* EDDY_FIELD_... */
    int max_length;               /* TEXT: characters at most (enforced by both databases) */
    const char *default_value;    /* used by eddy_orm_insert when the field is not given,
                                     read as the field's type: "0", "1.5", "draft" */
    const eddy_model *references; /* FOREIGN_KEY: the parent model */
    eddy_on_delete on_delete;
} eddy_field;

struct eddy_model {
    const char *table;
    const eddy_field *fields;
};

/* eddy_orm_field - the field called name ("id" is not one: it is the key), or NULL. */
const eddy_field *eddy_orm_field(const eddy_model *m, const char *name);

/* eddy_orm_create_tables - CREATE TABLE IF NOT EXISTS for each model,
 * and its indexes, parents first (a model's parents outside the list
 * must exist already). A wait: 0 or an errno value, logged. EINVAL when
 * a model asks for something the databases cannot do (an index on
 * unbounded text, SET NULL on a NOT NULL field), named in the log. */
int eddy_orm_create_tables(eddy_db *db, const eddy_model *const *models, size_t n);

/* eddy_orm_create_sql - the statements create_tables runs for one model
 * in a dialect ("sqlite" or "mysql"), separated by ";\n", appended to
 * out: to read, or to print for a migration by hand. 0 or -1 (EINVAL). */
int eddy_orm_create_sql(const eddy_model *m, const char *dialect, eddy_buf *out);

/* ------------------------------------------------------------ rows by id */

/* A field's value for an insert. */
typedef struct eddy_orm_value {
    const char *field;
    eddy_db_value value;
} eddy_orm_value;

/* eddy_orm_insert - add a row with values[0..n) (fields left out get
 * their default_value, EDDY_FIELD_NOW the current time, or NULL);
 * *id (may be NULL) gets its key. */
int eddy_orm_insert(eddy_db *db, const eddy_model *m, const eddy_orm_value *values, size_t n,
                    int64_t *id);

/* eddy_orm_get - the row with this id, every field; ENOENT (with an
 * empty result in *out) when there is none. eddy_orm_get_or_none - the
 * same, but 0 and an empty result when there is none. */
int eddy_orm_get(eddy_db *db, const eddy_model *m, int64_t id, eddy_db_result **out);
int eddy_orm_get_or_none(eddy_db *db, const eddy_model *m, int64_t id, eddy_db_result **out);

/* ------------------------------------------------------------ queries */

typedef struct eddy_query eddy_query;
typedef struct eddy_cond eddy_cond;

/* A query on model m: rows to read, or to change, or to delete. NULL
 * when out of memory. Free with eddy_query_free. */
eddy_query *eddy_orm_select(const eddy_model *m);
eddy_query *eddy_orm_update(const eddy_model *m);
eddy_query *eddy_orm_delete(const eddy_model *m);
void eddy_query_free(eddy_query *q);

/* eddy_orm_error - what was wrong with q, or NULL. */
const char *eddy_orm_error(const eddy_query *q);

/* eddy_orm_join - a select also reads the row the foreign key fk points
 * to, as columns "fk.field" (and "fk.id"); an inner join, or a left join
 * when fk may be NULL. Conditions and ordering may then name "fk.field". */
void eddy_orm_join(eddy_query *q, const char *fk);

/* Conditions, owned by q, combined with and/or/not and given to
 * eddy_orm_where (several wheres are ANDed). field is a field of the
 * model, "id", or after a join "fk.field". The value is copied. */
eddy_cond *eddy_orm_eq(eddy_query *q, const char *field, eddy_db_value v);
eddy_cond *eddy_orm_ne(eddy_query *q, const char *field, eddy_db_value v);
eddy_cond *eddy_orm_lt(eddy_query *q, const char *field, eddy_db_value v);
eddy_cond *eddy_orm_le(eddy_query *q, const char *field, eddy_db_value v);
eddy_cond *eddy_orm_gt(eddy_query *q, const char *field, eddy_db_value v);
eddy_cond *eddy_orm_ge(eddy_query *q, const char *field, eddy_db_value v);
eddy_cond *eddy_orm_like(eddy_query *q, const char *field, eddy_db_value pattern);
eddy_cond *eddy_orm_is_null(eddy_query *q, const char *field);
eddy_cond *eddy_orm_and(eddy_query *q, eddy_cond *a, eddy_cond *b);
eddy_cond *eddy_orm_or(eddy_query *q, eddy_cond *a, eddy_cond *b);
eddy_cond *eddy_orm_not(eddy_query *q, eddy_cond *a);
void eddy_orm_where(eddy_query *q, eddy_cond *c);

/* Select only: the order (several calls: first by the first) and a page. */
void eddy_orm_order_by(eddy_query *q, const char *field, bool descending);
void eddy_orm_limit(eddy_query *q, int64_t limit, int64_t offset);

/* Update only: field = v, and field = field + by (atomic: the database
 * adds, so two requests adding 1 at once add 2). */
void eddy_orm_set(eddy_query *q, const char *field, eddy_db_value v);
void eddy_orm_increment(eddy_query *q, const char *field, int64_t by);

/* eddy_orm_run - run q: a select's rows in *out, an update's or a
 * delete's affected rows in eddy_db_affected(*out). EINVAL (and a
 * message in the result) when q was built wrong. */
int eddy_orm_run(eddy_db *db, eddy_query *q, eddy_db_result **out);

/* eddy_orm_count - how many rows a select would return (its joins and
 * conditions, not its limit). */
int eddy_orm_count(eddy_db *db, eddy_query *q, int64_t *count);

/* eddy_orm_sql - the SQL q runs in a dialect, appended to out (for the
 * curious, and for tests); 0, or -1 when q was built wrong. */
int eddy_orm_sql(eddy_query *q, const char *dialect, eddy_buf *out);

/* ------------------------------------------------------------ to JSON */

typedef struct eddy_json_options {
    bool recurse;               /* a joined foreign key as a nested object (else its id) */
    const char *const *exclude; /* NULL-ended field names left out: "email", "author.email" */
    bool include_hidden;        /* EDDY_FIELD_HIDDEN fields too (rarely what you want) */
    /* replace - NULL, or asked about each field written (prefix NULL for
     * the row's own, else the joined key: "author"); true writes *out
     * (its text must outlive the call) instead of v: a file name as a
     * URL, a value computed from others. */
    bool (*replace)(void *arg, const char *prefix, const char *field, const eddy_db_value *v,
                    eddy_db_value *out);
    void *replace_arg;
    /* replace_only - NULL, or the NULL-ended paths ("photo",
     * "author.avatar") replace is asked about, the others never: a list
     * of many rows then costs no call per value that is never replaced. */
    const char *const *replace_only;
} eddy_json_options;

/* eddy_orm_row_json - row of a result read through model m as a JSON
 * object, peewee's model_to_dict: id and each field by name, booleans as
 * true/false, date-times in ISO 8601, hidden and excluded fields left
 * out, foreign keys nested or as ids. o may be NULL (recurse, nothing
 * excluded). New reference; eddy_orm_rows_json - every row, an array. */
json_t *eddy_orm_row_json(const eddy_model *m, const eddy_db_result *res, size_t row,
                          const eddy_json_options *o);
json_t *eddy_orm_rows_json(const eddy_model *m, const eddy_db_result *res,
                           const eddy_json_options *o);

/* eddy_orm_joined_json - the same object for model m read from the
 * columns named "prefix.id", "prefix.field"... (a row of m joined under
 * that name, as eddy_orm_join names them, or a query's own aliases):
 * what eddy_orm_row_json gives for that row of m read by itself. NULL
 * when there is no such "prefix.id" column or no such row. */
json_t *eddy_orm_joined_json(const eddy_model *m, const char *prefix, const eddy_db_result *res,
                             size_t row, const eddy_json_options *o);

/* eddy_orm_row_json_to, eddy_orm_rows_json_to - the same JSON as text,
 * byte for byte what eddy_json_compact_to writes for the objects above,
 * appended to out straight from the result: no tree is built, so a list
 * answered as JSON costs its text and little else. 0, or -1 (out
 * unchanged) when out cannot grow or row is past the end. */
int eddy_orm_row_json_to(const eddy_model *m, const eddy_db_result *res, size_t row,
                         const eddy_json_options *o, eddy_buf *out);
int eddy_orm_rows_json_to(const eddy_model *m, const eddy_db_result *res,
                          const eddy_json_options *o, eddy_buf *out);

#endif
