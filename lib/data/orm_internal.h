/*
 * orm_internal - the query object the ORM's files share: orm.c builds
 * and runs it, orm_sql.c writes it as SQL, orm_json.c reads its rows.
 */
#ifndef EDDY_ORM_INTERNAL_H
#define EDDY_ORM_INTERNAL_H

#include <eddy/base/arena.h>
#include <eddy/data/orm.h>

enum { ORM_MAX_JOINS = 8, ORM_MAX_ORDERS = 8, ORM_MAX_SETS = 32, ORM_MAX_PARAMS = 64 };

/* A column a query names: the model's own (join -1) or a joined model's;
 * field NULL is the key "id". */
struct colref {
    int join;
    const eddy_field *field;
};

enum cond_op { C_EQ, C_NE, C_LT, C_LE, C_GT, C_GE, C_LIKE, C_NULL, C_AND, C_OR, C_NOT };

struct eddy_cond {
    enum cond_op op;
    struct colref ref;
    eddy_db_value v;
    eddy_cond *a, *b;
};

enum query_kind { Q_SELECT, Q_UPDATE, Q_DELETE };

struct eddy_query {
    enum query_kind kind;
    const eddy_model *m;
    eddy_arena arena; /* conditions and copied values */
    struct {
        const eddy_field *fk;
        const eddy_model *model;
    } joins[ORM_MAX_JOINS];
    int njoins;
    eddy_cond *where;
    struct {
        struct colref ref;
        bool desc;
    } orders[ORM_MAX_ORDERS];
    int norders;
    bool has_limit;
    int64_t limit, offset;
    struct {
        struct colref ref;
        eddy_db_value v;
        bool increment;
    } sets[ORM_MAX_SETS];
    int nsets;
    char *error; /* the first mistake, in the arena */
};

/* The SQL of a query, and the values bound to its marks. */
typedef struct orm_statement {
    eddy_buf sql;
    eddy_db_value params[ORM_MAX_PARAMS];
    size_t nparams;
} orm_statement;

/* orm_query_sql - write q (count: SELECT COUNT(*) instead of its rows)
 * in dialect into st; 0, or -1 with the reason on q (q->error). */
int orm_query_sql(eddy_query *q, const char *dialect, bool count, orm_statement *st);

/* orm_fail - remember the first mistake made building q. */
void orm_fail(eddy_query *q, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* orm_column - the column name of field f (a foreign key "author" is
 * "author_id"; NULL is "id"), in buf. */
const char *orm_column(const eddy_field *f, char *buf, size_t size);

#endif
