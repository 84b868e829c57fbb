/*
 * form - form fields, validation, saving and HTML (the course's wtforms).
 *
 * A form is described once, as constant data, the way a model is
 * (orm.h): its fields, each with a kind and a list of validators.
 *
 *     static const eddy_form_field profile_fields[] = {
 *         {"name", EDDY_FORM_STRING, .label = "Name",
 *          .validators = EDDY_VALIDATORS(EDDY_REQUIRED(NULL), EDDY_LENGTH(2, 40, NULL),
 *                                        EDDY_AWAIT(name_is_free, NULL, "That name is taken."))},
 *         {"mobile", EDDY_FORM_MOBILE, .label = "Mobile"},
 *         {"age", EDDY_FORM_INTEGER, .validators = EDDY_VALIDATORS(EDDY_RANGE(1, 150, NULL))},
 *         {.name = NULL}};
 *     static const eddy_form_def profile_form = {"profile", profile_fields, .submit = "Save"};
 *
 * A handler makes a form from the request (urlencoded, multipart or JSON
 * bodies alike, through eddy_get_arguments) or from a database row,
 * validates it, and either saves its data through the ORM or shows it
 * again with the errors beside each field and the values the user typed:
 *
 *     eddy_form *f = eddy_form_from_request(r, &profile_form);
 *     if (!eddy_form_validate(f))
 *         return (void)eddy_render(r, "profile.html", NULL);   {% module Form("profile") %}
 *     eddy_orm_value v[8];
 *     size_t n = eddy_form_orm_values(f, &profile_model, v, 8);
 *     eddy_orm_insert(eddy_req_db(r), &profile_model, v, n, &id);
 *
 * or, for a JSON API, eddy_send_form_errors(r, f): 400 with the errors
 * as {"field": "message", "non_fields": "message"}.
 *
 * Validation runs in the request's task: a check made with EDDY_AWAIT may
 * wait (a query through db.h, "is this name taken") while the loop serves
 * everyone else. Such checks run last, and only for a field that passed
 * every other check, so an empty or malformed value costs no query.
 *
 * Every form, its values and its messages live in the request's arena;
 * nothing needs freeing. A form made for a request is also kept on it
 * under its definition's name, which is how templates find it:
 * {% module Form("profile") %} and {% module FormField("profile", "name") %}
 * (eddy_form_templates registers both on a loader).
 */
#ifndef EDDY_WEB_FORM_H
#define EDDY_WEB_FORM_H

#include <eddy/base/buf.h>
#include <eddy/data/db.h>
#include <eddy/data/orm.h>
#include <eddy/web/body.h>
#include <eddy/web/handler.h>
#include <eddy/web/template.h>

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

typedef struct eddy_form eddy_form;

/* ------------------------------------------------------------ describing a form */

typedef enum eddy_form_kind {
    EDDY_FORM_STRING,   /* one line of text */
    EDDY_FORM_TEXT,     /* several lines (a textarea) */
    EDDY_FORM_INTEGER,  /* a whole number that fits 64 bits */
    EDDY_FORM_DECIMAL,  /* a finite number */
    EDDY_FORM_BOOLEAN,  /* a checkbox: absent, "", "0", "false", "off" and "no" are false */
    EDDY_FORM_EMAIL,    /* an e-mail address (the same test as EDDY_EMAIL) */
    EDDY_FORM_MOBILE,   /* a mobile number matching .pattern (default EDDY_FORM_MOBILE_CN) */
    EDDY_FORM_PASSWORD, /* never written back into the page */
    EDDY_FORM_SELECT,   /* one of .choices, as a drop-down list */
    EDDY_FORM_RADIO,    /* one of .choices, as radio buttons */
    EDDY_FORM_MULTIPLE, /* any number of .choices */
    EDDY_FORM_DATE,     /* YYYY-MM-DD, a real day */
    EDDY_FORM_HIDDEN,   /* carried along, not shown */
    EDDY_FORM_FILE,     /* an upload: its type judged by its bytes, its size capped */
} eddy_form_kind;

/* Mainland China mobile numbers: 11 digits, 13x to 19x. */
#define EDDY_FORM_MOBILE_CN "^1[3-9][0-9]{9}$"

typedef enum eddy_validator_kind {
    EDDY_VALID_END,      /* ends a list */
    EDDY_VALID_REQUIRED, /* a value is given (not only spaces); a file is sent */
    EDDY_VALID_LENGTH,   /* characters (not bytes) in [min, max] */
    EDDY_VALID_RANGE,    /* a number in [min, max] */
    EDDY_VALID_REGEX,    /* matches .pattern, a POSIX extended regular expression */
    EDDY_VALID_EMAIL,    /* looks like an e-mail address */
    EDDY_VALID_EQUAL_TO, /* the same as the field named .other */
    EDDY_VALID_ANY_OF,   /* one of .values */
    EDDY_VALID_CUSTOM,   /* .check(form, value, arg) */
    EDDY_VALID_AWAIT,    /* the same, but it may wait; run last */
} eddy_validator_kind;

/* eddy_form_check_fn - a custom check of value (the field's first
 * value, "" when none): NULL when it passes, else the message to show
 * (static, or in the request's arena). The check of an EDDY_AWAIT
 * validator runs in the request's task and may wait: eddy_form_req(form)
 * gives the request, eddy_req_db its database. The validator's own
 * .message, when set, replaces the one returned. */
typedef const char *(*eddy_form_check_fn)(eddy_form *form, const char *value, void *arg);

enum { EDDY_BOUND_MIN = 1, EDDY_BOUND_MAX = 2 };

typedef struct eddy_validator {
    eddy_validator_kind kind;
    const char *message;       /* NULL: the default message */
    double min, max;           /* LENGTH, RANGE: the bounds set in .bounds */
    unsigned bounds;           /* EDDY_BOUND_MIN | EDDY_BOUND_MAX */
    const char *pattern;       /* REGEX */
    const char *other;         /* EQUAL_TO: the other field's name */
    const char *const *values; /* ANY_OF: NULL-ended */
    eddy_form_check_fn check;  /* CUSTOM, AWAIT */
    void *arg;
} eddy_validator;

/* A field's validators: EDDY_VALIDATORS(EDDY_REQUIRED(NULL), ...). */
/* clang-format off */
#define EDDY_VALIDATORS(...) ((const eddy_validator[]){__VA_ARGS__, {.kind = EDDY_VALID_END}})
#define EDDY_REQUIRED(msg)   {.kind = EDDY_VALID_REQUIRED, .message = (msg)}
#define EDDY_LENGTH(lo, hi, msg)                                                                   \
    {.kind = EDDY_VALID_LENGTH, .message = (msg), .min = (lo), .max = (hi),                        \
     .bounds = EDDY_BOUND_MIN | EDDY_BOUND_MAX}
#define EDDY_MAX_LENGTH(hi, msg)                                                                   \
    {.kind = EDDY_VALID_LENGTH, .message = (msg), .max = (hi), .bounds = EDDY_BOUND_MAX}
#define EDDY_RANGE(lo, hi, msg)                                                                    \
    {.kind = EDDY_VALID_RANGE, .message = (msg), .min = (lo), .max = (hi),                         \
     .bounds = EDDY_BOUND_MIN | EDDY_BOUND_MAX}
#define EDDY_AT_LEAST(lo, msg)                                                                     \
    {.kind = EDDY_VALID_RANGE, .message = (msg), .min = (lo), .bounds = EDDY_BOUND_MIN}
#define EDDY_REGEX(re, msg)    {.kind = EDDY_VALID_REGEX, .message = (msg), .pattern = (re)}
#define EDDY_EMAIL(msg)        {.kind = EDDY_VALID_EMAIL, .message = (msg)}
#define EDDY_EQUAL_TO(f, msg)  {.kind = EDDY_VALID_EQUAL_TO, .message = (msg), .other = (f)}
#define EDDY_ANY_OF(vals, msg) {.kind = EDDY_VALID_ANY_OF, .message = (msg), .values = (vals)}
#define EDDY_CUSTOM(fn, a, msg)                                                                    \
    {.kind = EDDY_VALID_CUSTOM, .message = (msg), .check = (fn), .arg = (a)}
#define EDDY_AWAIT(fn, a, msg)                                                                     \
    {.kind = EDDY_VALID_AWAIT, .message = (msg), .check = (fn), .arg = (a)}
/* clang-format on */

typedef struct eddy_form_choice {
    const char *value; /* NULL ends a list */
    const char *label; /* NULL: the value */
} eddy_form_choice;

enum {
    EDDY_FORM_NO_SAVE = 1, /* never copied into a model row (eddy_form_orm_values) */
};

typedef struct eddy_form_field {
    const char *name; /* NULL ends a form's list */
    eddy_form_kind kind;
    const char *label;                /* NULL: the name */
    const eddy_validator *validators; /* EDDY_VALIDATORS(...), or NULL */
    const eddy_form_choice *choices;  /* SELECT, RADIO, MULTIPLE */
    const char *default_value;        /* shown in a new form */
    const char *pattern;              /* MOBILE: NULL for EDDY_FORM_MOBILE_CN */
    const char *accept;               /* FILE: allowed sniffed types, "image/png image/jpeg";
                                         NULL: any */
    uint64_t max_bytes;               /* FILE: the size cap; 0: none */
    const char *placeholder;          /* shown in an empty input */
    const char *message;              /* replaces the kind's own message ("Not a valid ...") */
    unsigned flags;                   /* EDDY_FORM_NO_SAVE */
} eddy_form_field;

/* eddy_form_whole_check_fn - a check of the whole form, run when every
 * field passed: NULL, or a message that is not about one field. */
typedef const char *(*eddy_form_whole_check_fn)(eddy_form *form, void *arg);

typedef struct eddy_form_def {
    const char *name; /* how templates name it: {% module Form("profile") %} */
    const eddy_form_field *fields;
    const char *submit;             /* the button's text; NULL: "Submit" */
    eddy_form_whole_check_fn check; /* may be NULL; may wait */
    void *check_arg;
} eddy_form_def;

/* ------------------------------------------------------------ making a form */

/* eddy_form_new - a form with each field's default value, kept on r
 * under def->name (replacing one of the same name). NULL when out of
 * memory. */
eddy_form *eddy_form_new(eddy_req *r, const eddy_form_def *def);

/* eddy_form_from_request - a form holding what the client sent: each
 * field's values from eddy_get_arguments (the query, then a urlencoded,
 * multipart or JSON body), a FILE field's upload from eddy_get_upload.
 * A field the client did not send keeps its default value, except a
 * checkbox (false: a browser sends nothing for an unticked box) and a
 * multiple choice (nothing chosen). NULL when out of memory. */
eddy_form *eddy_form_from_request(eddy_req *r, const eddy_form_def *def);

/* eddy_form_from_row - a form holding row of res (a db.h or orm.h
 * result), each field from the column of its name: numbers as text,
 * booleans as ticked or not, a date-time as its day; a column the result
 * lacks keeps the field's default. Passwords and files stay empty. NULL
 * when out of memory. */
eddy_form *eddy_form_from_row(eddy_req *r, const eddy_form_def *def, const eddy_db_result *res,
                              size_t row);

/* eddy_form_req - the request the form belongs to; eddy_form_get - the
 * form named name made for r, or NULL. */
eddy_req *eddy_form_req(const eddy_form *f);
eddy_form *eddy_form_get(eddy_req *r, const char *name);

/* ------------------------------------------------------------ validating */

/* eddy_form_validate - run every field's checks (its kind's own first,
 * then its validators in order, EDDY_AWAIT ones last), then the form's
 * check; each field keeps its first error. An empty field that is not
 * EDDY_REQUIRED passes without the other checks. May wait. true when
 * there is no error, including none added before with eddy_form_add_error. */
bool eddy_form_validate(eddy_form *f);

/* eddy_form_add_error - an error found elsewhere (the database refused
 * the row): on field name, or, with name NULL, not about one field.
 * The message is copied. 0, or -1 (no such field, out of memory). */
int eddy_form_add_error(eddy_form *f, const char *name, const char *message);

/* eddy_form_error - the field's error, or with name NULL the first error
 * not about one field; NULL when none. */
const char *eddy_form_error(const eddy_form *f, const char *name);

/* eddy_form_has_errors - any error at all. */
bool eddy_form_has_errors(const eddy_form *f);

/* eddy_form_errors_json - {"field": "message", ..., "non_fields": "message"}
 * (non_fields only when there is such an error; several are joined by a
 * space). New reference, NULL when out of memory. */
json_t *eddy_form_errors_json(const eddy_form *f);

/* eddy_send_form_errors - answer 400 with eddy_form_errors_json as the
 * body. 0, or -1 when it could not be written. */
int eddy_send_form_errors(eddy_req *r, const eddy_form *f);

/* eddy_require_valid_form - eddy_form_from_request and validate: the
 * form, or NULL after answering 400 with the errors (or 500 when out of
 * memory). May wait. For JSON APIs. */
eddy_form *eddy_require_valid_form(eddy_req *r, const eddy_form_def *def);

/* ------------------------------------------------------------ values */

/* eddy_form_value - the field's first value as text ("" when empty, NULL
 * when the form has no such field). */
const char *eddy_form_value(const eddy_form *f, const char *name);

/* eddy_form_values - every value (MULTIPLE), NULL-ended; *count (may be
 * NULL) gets their number. NULL when there is no such field. */
const char *const *eddy_form_values(const eddy_form *f, const char *name, size_t *count);

/* eddy_form_set - replace the field's value (a copy), e.g. the name an
 * upload was saved under; 0, or -1 (no such field, out of memory). */
int eddy_form_set(eddy_form *f, const char *name, const char *value);

/* Typed values of a validated form: def when the field is empty, absent
 * or not of that type. eddy_form_date - the day as microseconds since
 * 1970 UTC (a DATETIME value). */
int64_t eddy_form_int(const eddy_form *f, const char *name, int64_t def);
double eddy_form_double(const eddy_form *f, const char *name, double def);
bool eddy_form_bool(const eddy_form *f, const char *name);
int64_t eddy_form_date(const eddy_form *f, const char *name, int64_t def);

/* eddy_form_upload - a FILE field's upload, or NULL when none was sent. */
const eddy_upload *eddy_form_upload(const eddy_form *f, const char *name);

/* eddy_form_json - the form's data as a JSON object: numbers, booleans,
 * a MULTIPLE field as an array, an empty field as null; no passwords or
 * files. New reference. */
json_t *eddy_form_json(const eddy_form *f);

/* ------------------------------------------------------------ saving */

/* eddy_form_orm_values - the form's data as values for model m: every
 * field m also has (by name), typed the model's way, except passwords,
 * files and EDDY_FORM_NO_SAVE fields (a password is hashed, a file saved,
 * before they go in a row). A checkbox is 0 or 1; a MULTIPLE field is
 * its values joined by commas. An empty field is NULL when the model
 * field may be NULL, else "" for text, and left out for a number or a
 * date-time (an insert then gives it the model's default). Strings point
 * into the request's arena. At most cap into out; the number written. */
size_t eddy_form_orm_values(const eddy_form *f, const eddy_model *m, eddy_orm_value *out,
                            size_t cap);

/* eddy_form_orm_update - the same values as eddy_orm_set calls on an
 * update query q of model m. */
void eddy_form_orm_update(const eddy_form *f, const eddy_model *m, eddy_query *q);

/* ------------------------------------------------------------ HTML */

/* eddy_form_field_html - the field as a browser gets it: its label, its
 * input holding the current value (never a password's), and its error,
 * all escaped, appended to out. 0, or -1 (no such field, out of memory). */
int eddy_form_field_html(const eddy_form *f, const char *name, eddy_buf *out);

/* eddy_form_html - the whole form: <form method="post" action="action">
 * (multipart when it has a file field), the XSRF field
 * (eddy_xsrf_form_html), the errors not about one field and those of
 * hidden fields, every field and the submit button. 0 or -1. */
int eddy_form_html(const eddy_form *f, const char *action, eddy_buf *out);

/* eddy_form_templates - the modules Form(name, action="") and
 * FormField(name, field) on loader l, rendering the form of that name
 * made for the request being rendered. 0 or -1. */
int eddy_form_templates(eddy_template_loader *l);

#endif
