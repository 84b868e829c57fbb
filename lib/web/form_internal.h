/*
 * form_internal.h - what form.c (making forms, values, saving),
 * form_validate.c (checks) and form_html.c (HTML, templates) share.
 */
#ifndef EDDY_WEB_FORM_INTERNAL_H
#define EDDY_WEB_FORM_INTERNAL_H

#include <eddy/web/form.h>

/* One field of one form: its description, what it holds, its error. */
typedef struct form_entry {
    const eddy_form_field *field;
    const char **values; /* NULL-ended, in the arena; never NULL itself */
    size_t count;
    const eddy_upload *upload; /* FILE */
    const char *error;         /* the first error, or NULL */
} form_entry;

struct eddy_form {
    eddy_req *r;
    const eddy_form_def *def;
    form_entry *entries;
    size_t n;
    const char **non_field; /* errors not about one field */
    size_t n_non_field, cap_non_field;
    eddy_form *next; /* the request's other forms */
};

/* form_entry_of - the entry of field name, or NULL. */
form_entry *form_entry_of(const eddy_form *f, const char *name);

/* form_label - the text of a field's label. */
const char *form_label(const eddy_form_field *field);

/* form_is_blank - no value, or only white space. */
bool form_is_blank(const char *s);

/* form_parse_int / form_parse_double / form_parse_date - the text as a
 * value of the kind; 0, or -1 when it is not one. */
int form_parse_int(const char *s, int64_t *out);
int form_parse_double(const char *s, double *out);
int form_parse_date(const char *s, int64_t *us);

/* form_is_true - a BOOLEAN field's value read as ticked. */
bool form_is_true(const char *s);

#endif
