/*
 * form_validate - checking a form: each field's kind, its validators, the
 * form's own check; see form.h.
 *
 * A field keeps its first error: the user fixes one thing at a time, and
 * the JSON answer is {field: message}. The checks that may wait (EDDY_AWAIT,
 * a query for "is this name taken") run after every other check of every
 * field, and only for fields still without an error, so a form that is
 * wrong anyway costs no round trip to the database. A wait suspends only
 * this request's task; the loop goes on serving the others.
 */
#include "form_internal.h"

#include <eddy/base/buf.h>
#include <eddy/base/log.h>
#include <eddy/web/body.h>

#include <regex.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* message - the validator's own message, or the default made by fmt, in
 * the arena ("out of memory" if even that fails: still an error). */
static const char *message(eddy_form *f, const char *own, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static const char *message(eddy_form *f, const char *own, const char *fmt, ...)
{
    if (own)
        return own;
    char text[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    const char *copy = eddy_strdup(f->r, text);
    return copy ? copy : "out of memory";
}

/* characters - the number of UTF-8 characters in s (bytes that do not
 * continue one). */
static size_t characters(const char *s)
{
    size_t n = 0;
    for (; *s; s++)
        n += ((unsigned char)*s & 0xC0) != 0x80;
    return n;
}

/* looks_like_email - one '@' between a local part and a domain of dotted
 * labels: what a form can judge without sending mail. */
static bool looks_like_email(const char *s)
{
    const char *at = strchr(s, '@');
    size_t len = strlen(s);
    if (!at || at == s || strchr(at + 1, '@') || len > 254 || (size_t)(at - s) > 64)
        return false;
    for (const char *p = s; p < at; p++)
        if ((unsigned char)*p <= ' ' || *p == 0x7f || strchr("<>()[]\\,;:\"", *p))
            return false;
    const char *d = at + 1;
    bool dot = false;
    size_t label = 0;
    for (const char *p = d;; p++) {
        unsigned char c = (unsigned char)*p;
        if (c == '.' || c == '\0') {
            /* no empty label, none starting or ending with a hyphen */
            if (label == 0 || p[-1] == '-' || p[-(long)label] == '-')
                return false;
            if (c == '\0')
                break;
            dot = true;
            label = 0;
            continue;
        }
        if (!(c >= 0x80 || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
              (c >= '0' && c <= '9') || c == '-'))
            return false;
        label++;
    }
    return dot;
}

/* matches - s matches the POSIX extended expression re; -1 when re does
 * not compile (the program's mistake: logged). */
static int matches(const char *re, const char *s)
{
    regex_t rx;
    int rc = regcomp(&rx, re, REG_EXTENDED | REG_NOSUB);
    if (rc != 0) {
        char why[128];
        regerror(rc, &rx, why, sizeof why);
        eddy_error("form: the pattern \"%s\" does not compile: %s", re, why);
        return -1;
    }
    rc = regexec(&rx, s, 0, NULL, 0);
    regfree(&rx);
    return rc == 0;
}

static bool is_choice(const eddy_form_field *field, const char *v)
{
    for (const eddy_form_choice *c = field->choices; c && c->value; c++)
        if (strcmp(c->value, v) == 0)
            return true;
    return false;
}

/* accepted - the upload's sniffed type is in the space-separated list. */
static bool accepted(const char *list, const char *type)
{
    size_t n = strlen(type);
    for (const char *p = list; *p;) {
        while (*p == ' ')
            p++;
        size_t len = strcspn(p, " ");
        if (len == n && len && strncmp(p, type, n) == 0)
            return true;
        p += len;
    }
    return false;
}

/* kind_error - what is wrong with a non-empty field for its kind, or NULL. */
static const char *kind_error(eddy_form *f, form_entry *e)
{
    const eddy_form_field *field = e->field;
    const char *own = field->message;
    const char *v = e->count ? e->values[0] : "";
    int64_t n;
    double d;
    switch (field->kind) {
    case EDDY_FORM_INTEGER:
        return form_parse_int(v, &n) == 0 ? NULL : message(f, own, "Not a valid integer value.");
    case EDDY_FORM_DECIMAL:
        return form_parse_double(v, &d) == 0 ? NULL : message(f, own, "Not a valid decimal value.");
    case EDDY_FORM_EMAIL:
        return looks_like_email(v) ? NULL : message(f, own, "Invalid email address.");
    case EDDY_FORM_MOBILE: {
        int m = matches(field->pattern ? field->pattern : EDDY_FORM_MOBILE_CN, v);
        return m == 1 ? NULL : message(f, own, "Not a valid mobile number.");
    }
    case EDDY_FORM_SELECT:
    case EDDY_FORM_RADIO:
        return is_choice(field, v) ? NULL : message(f, own, "Not a valid choice.");
    case EDDY_FORM_MULTIPLE:
        for (size_t i = 0; i < e->count; i++)
            if (!is_choice(field, e->values[i]))
                return message(f, own, "'%.100s' is not a valid choice.", e->values[i]);
        return NULL;
    case EDDY_FORM_DATE:
        return form_parse_date(v, &n) == 0 ? NULL : message(f, own, "Not a valid date value.");
    case EDDY_FORM_FILE:
        if (field->max_bytes && e->upload->size > field->max_bytes)
            return message(f, own, "The file is larger than %llu bytes.",
                           (unsigned long long)field->max_bytes);
        if (field->accept && !accepted(field->accept, e->upload->sniffed_type))
            return message(f, own, "Files of type %s are not accepted.", e->upload->sniffed_type);
        return NULL;
    default:
        return NULL;
    }
}

/* is_empty - the field holds nothing to check. */
static bool is_empty(const form_entry *e)
{
    switch (e->field->kind) {
    case EDDY_FORM_FILE:
        return !e->upload || e->upload->size == 0;
    case EDDY_FORM_MULTIPLE:
        return e->count == 0;
    case EDDY_FORM_BOOLEAN:
        return !form_is_true(e->count ? e->values[0] : NULL);
    default:
        return form_is_blank(e->count ? e->values[0] : NULL);
    }
}

static bool is_required(const eddy_form_field *field)
{
    for (const eddy_validator *v = field->validators; v && v->kind != EDDY_VALID_END; v++)
        if (v->kind == EDDY_VALID_REQUIRED)
            return true;
    return false;
}

static const char *length_error(eddy_form *f, const eddy_validator *v, const char *s)
{
    double n = (double)characters(s);
    bool low = (v->bounds & EDDY_BOUND_MIN) && n < v->min;
    bool high = (v->bounds & EDDY_BOUND_MAX) && n > v->max;
    if (!low && !high)
        return NULL;
    if ((v->bounds & EDDY_BOUND_MIN) && (v->bounds & EDDY_BOUND_MAX))
        return message(f, v->message, "Field must be between %g and %g characters long.", v->min,
                       v->max);
    if (low)
        return message(f, v->message, "Field must be at least %g characters long.", v->min);
    return message(f, v->message, "Field cannot be longer than %g characters.", v->max);
}

static const char *range_error(eddy_form *f, const eddy_validator *v, const char *s)
{
    double d;
    bool number = form_parse_double(s, &d) == 0;
    bool low = (v->bounds & EDDY_BOUND_MIN) && (!number || d < v->min);
    bool high = (v->bounds & EDDY_BOUND_MAX) && (!number || d > v->max);
    if (number && !low && !high)
        return NULL;
    if ((v->bounds & EDDY_BOUND_MIN) && (v->bounds & EDDY_BOUND_MAX))
        return message(f, v->message, "Number must be between %g and %g.", v->min, v->max);
    if (v->bounds & EDDY_BOUND_MIN)
        return message(f, v->message, "Number must be at least %g.", v->min);
    return message(f, v->message, "Number must be at most %g.", v->max);
}

static const char *any_of_error(eddy_form *f, const eddy_validator *v, const char *s)
{
    eddy_buf list = EDDY_BUF_INIT;
    for (const char *const *p = v->values; p && *p; p++) {
        if (strcmp(*p, s) == 0) {
            eddy_buf_free(&list);
            return NULL;
        }
        eddy_buf_printf(&list, "%s%s", p == v->values ? "" : ", ", *p);
    }
    const char *m =
        message(f, v->message, "Invalid value, must be one of: %s.", list.data ? list.data : "");
    eddy_buf_free(&list);
    return m;
}

/* validator_error - what v finds wrong with the entry, or NULL. */
static const char *validator_error(eddy_form *f, form_entry *e, const eddy_validator *v)
{
    const char *s = e->count ? e->values[0] : "";
    switch (v->kind) {
    case EDDY_VALID_LENGTH:
        return length_error(f, v, s);
    case EDDY_VALID_RANGE:
        return range_error(f, v, s);
    case EDDY_VALID_REGEX:
        return matches(v->pattern, s) == 1 ? NULL : message(f, v->message, "Invalid input.");
    case EDDY_VALID_EMAIL:
        return looks_like_email(s) ? NULL : message(f, v->message, "Invalid email address.");
    case EDDY_VALID_EQUAL_TO: {
        form_entry *other = form_entry_of(f, v->other);
        const char *o = other && other->count ? other->values[0] : "";
        if (other && strcmp(o, s) == 0)
            return NULL;
        return message(f, v->message, "Field must be equal to %s.",
                       other ? form_label(other->field) : v->other);
    }
    case EDDY_VALID_ANY_OF:
        return any_of_error(f, v, s);
    case EDDY_VALID_CUSTOM:
    case EDDY_VALID_AWAIT: {
        const char *why = v->check(f, s, v->arg);
        return why ? (v->message ? v->message : why) : NULL;
    }
    default:
        return NULL;
    }
}

/* check_entry - every check of one field but the waiting ones; the first
 * error found is kept. */
static void check_entry(eddy_form *f, form_entry *e)
{
    if (is_empty(e)) {
        if (is_required(e->field)) {
            const eddy_validator *v = e->field->validators;
            while (v->kind != EDDY_VALID_REQUIRED)
                v++;
            e->error = message(f, v->message, "This field is required.");
        }
        return;
    }
    if ((e->error = kind_error(f, e)) != NULL)
        return;
    for (const eddy_validator *v = e->field->validators; v && v->kind != EDDY_VALID_END; v++)
        if (v->kind != EDDY_VALID_AWAIT && v->kind != EDDY_VALID_REQUIRED &&
            (e->error = validator_error(f, e, v)) != NULL)
            return;
}

/* check_waiting - the EDDY_AWAIT checks of a field that passed the others. */
static void check_waiting(eddy_form *f, form_entry *e)
{
    if (e->error || is_empty(e))
        return;
    for (const eddy_validator *v = e->field->validators; v && v->kind != EDDY_VALID_END; v++)
        if (v->kind == EDDY_VALID_AWAIT && (e->error = validator_error(f, e, v)) != NULL)
            return;
}

/* quote:begin validate */
bool eddy_form_validate(eddy_form *f)
{
    for (size_t i = 0; i < f->n; i++)
        if (!f->entries[i].error)
            check_entry(f, &f->entries[i]);
    for (size_t i = 0; i < f->n; i++)
        check_waiting(f, &f->entries[i]);
    if (!eddy_form_has_errors(f) && f->def->check) {
        const char *why = f->def->check(f, f->def->check_arg);
        if (why)
            eddy_form_add_error(f, NULL, why);
    }
    return !eddy_form_has_errors(f);
}
/* quote:end validate */
