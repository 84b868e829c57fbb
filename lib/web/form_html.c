/*
 * form_html - a form as HTML, and the template modules that print it;
 * see form.h.
 *
 * Every value and message goes through the one HTML escape
 * (base/escape.h), so what a user typed comes back in the page as text,
 * never as markup: a name of "<script>" shows as &lt;script&gt;. Inputs
 * carry the HTML attributes their validators imply (required,
 * minlength/maxlength, min/max), so a browser points out the simple
 * mistakes before a round trip; the server checks everything again.
 */
#include "form_internal.h"

#include <eddy/base/escape.h>
#include <eddy/base/str.h>
#include <eddy/web/xsrf.h>

#include <string.h>

/* put / put_escaped - append to out; 0 or -1. */
static int put(eddy_buf *out, const char *s)
{
    return eddy_buf_append_str(out, s);
}

static int put_escaped(eddy_buf *out, const char *s)
{
    return eddy_xhtml_escape_to(out, s, strlen(s));
}

/* put_name - ` name="`, an attribute's start. */
static int put_name(eddy_buf *out, const char *name)
{
    return put(out, " ") < 0 || put(out, name) < 0 ? -1 : put(out, "=\"");
}

/* put_attr - ` name="value"`, the value escaped. */
static int put_attr(eddy_buf *out, const char *name, const char *value)
{
    if (put_name(out, name) < 0 || put_escaped(out, value) < 0)
        return -1;
    return put(out, "\"");
}

/* put_bound - ` name="n"`: a bound of a validator, as %g writes it (a
 * whole number below a million, which %g writes as its digits, without
 * printf: a page's forms write several). */
static int put_bound(eddy_buf *out, const char *name, double n)
{
    if (n >= 0 && n < 1e6 && n == (double)(long long)n) {
        char digits[24], *p = eddy_u64_text(digits + sizeof digits, (unsigned long long)n);
        if (put_name(out, name) < 0 ||
            eddy_buf_append(out, p, (size_t)(digits + sizeof digits - p)) < 0)
            return -1;
        return put(out, "\"");
    }
    return eddy_buf_printf(out, " %s=\"%g\"", name, n);
}

/* put_constraints - the attributes the field's validators imply. */
static int put_constraints(eddy_buf *out, const eddy_form_field *field, bool number)
{
    int rc = 0;
    for (const eddy_validator *v = field->validators; v && v->kind != EDDY_VALID_END && rc == 0;
         v++) {
        if (v->kind == EDDY_VALID_REQUIRED)
            rc = put(out, " required");
        else if (v->kind == EDDY_VALID_LENGTH && !number) {
            if (v->bounds & EDDY_BOUND_MIN)
                rc = put_bound(out, "minlength", v->min);
            if (rc == 0 && (v->bounds & EDDY_BOUND_MAX))
                rc = put_bound(out, "maxlength", v->max);
        } else if (v->kind == EDDY_VALID_RANGE && number) {
            if (v->bounds & EDDY_BOUND_MIN)
                rc = put_bound(out, "min", v->min);
            if (rc == 0 && (v->bounds & EDDY_BOUND_MAX))
                rc = put_bound(out, "max", v->max);
        }
    }
    return rc;
}

static bool holds(const form_entry *e, const char *value)
{
    for (size_t i = 0; i < e->count; i++)
        if (strcmp(e->values[i], value) == 0)
            return true;
    return false;
}

static const char *choice_label(const eddy_form_choice *c)
{
    return c->label ? c->label : c->value;
}

/* put_select - <select> with an <option> per choice, the chosen selected. */
static int put_select(eddy_buf *out, const form_entry *e)
{
    const eddy_form_field *field = e->field;
    int rc = put(out, "<select");
    if (rc == 0)
        rc = put_attr(out, "id", field->name);
    if (rc == 0)
        rc = put_attr(out, "name", field->name);
    if (rc == 0 && field->kind == EDDY_FORM_MULTIPLE)
        rc = put(out, " multiple");
    if (rc == 0)
        rc = put_constraints(out, field, false);
    if (rc == 0)
        rc = put(out, ">");
    for (const eddy_form_choice *c = field->choices; c && c->value && rc == 0; c++) {
        rc = put(out, "<option");
        if (rc == 0)
            rc = put_attr(out, "value", c->value);
        if (rc == 0 && holds(e, c->value))
            rc = put(out, " selected");
        if (rc == 0)
            rc = put(out, ">");
        if (rc == 0)
            rc = put_escaped(out, choice_label(c));
        if (rc == 0)
            rc = put(out, "</option>");
    }
    return rc == 0 ? put(out, "</select>") : -1;
}

/* put_radios - a labelled radio button per choice. */
static int put_radios(eddy_buf *out, const form_entry *e)
{
    int rc = 0;
    for (const eddy_form_choice *c = e->field->choices; c && c->value && rc == 0; c++) {
        rc = put(out, c == e->field->choices ? "<label><input type=\"radio\""
                                             : " <label><input type=\"radio\"");
        if (rc == 0)
            rc = put_attr(out, "name", e->field->name);
        if (rc == 0)
            rc = put_attr(out, "value", c->value);
        if (rc == 0 && holds(e, c->value))
            rc = put(out, " checked");
        if (rc == 0)
            rc = put(out, "> ");
        if (rc == 0)
            rc = put_escaped(out, choice_label(c));
        if (rc == 0)
            rc = put(out, "</label>");
    }
    return rc;
}

/* input_type - the <input type> of a kind drawn as one. */
static const char *input_type(eddy_form_kind k)
{
    switch (k) {
    case EDDY_FORM_EMAIL:
        return "email";
    case EDDY_FORM_MOBILE:
        return "tel";
    case EDDY_FORM_PASSWORD:
        return "password";
    case EDDY_FORM_INTEGER:
    case EDDY_FORM_DECIMAL:
        return "number";
    case EDDY_FORM_DATE:
        return "date";
    case EDDY_FORM_HIDDEN:
        return "hidden";
    case EDDY_FORM_FILE:
        return "file";
    case EDDY_FORM_BOOLEAN:
        return "checkbox";
    default:
        return "text";
    }
}

/* put_input - the <input> (or <textarea>) of a one-value field. */
static int put_input(eddy_buf *out, const form_entry *e)
{
    const eddy_form_field *field = e->field;
    eddy_form_kind k = field->kind;
    const char *value = e->count ? e->values[0] : "";
    bool number = k == EDDY_FORM_INTEGER || k == EDDY_FORM_DECIMAL;
    int rc;
    if (k == EDDY_FORM_TEXT) {
        rc = put(out, "<textarea");
    } else {
        rc = put(out, "<input type=\"");
        if (rc == 0)
            rc = put(out, input_type(k));
        if (rc == 0)
            rc = put(out, "\"");
    }
    if (rc == 0 && k != EDDY_FORM_HIDDEN)
        rc = put_attr(out, "id", field->name);
    if (rc == 0)
        rc = put_attr(out, "name", field->name);
    if (rc == 0 && number)
        rc = put(out, k == EDDY_FORM_INTEGER ? " step=\"1\"" : " step=\"any\"");
    if (rc == 0 && k == EDDY_FORM_BOOLEAN) {
        rc = put(out, " value=\"y\"");
        if (rc == 0 && form_is_true(value))
            rc = put(out, " checked");
    } else if (rc == 0 && k == EDDY_FORM_FILE && field->accept) {
        /* the browser's file picker offers these types; the server still
         * judges the bytes */
        char list[256];
        size_t n = 0;
        for (const char *p = field->accept; *p && n + 1 < sizeof list; p++)
            if (*p != ' ' || (n && list[n - 1] != ','))
                list[n++] = *p == ' ' ? ',' : *p;
        while (n && list[n - 1] == ',')
            n--;
        list[n] = '\0';
        rc = put_attr(out, "accept", list);
    } else if (rc == 0 && k != EDDY_FORM_TEXT && k != EDDY_FORM_PASSWORD && k != EDDY_FORM_FILE) {
        rc = put_attr(out, "value", value);
    }
    if (rc == 0 && field->placeholder)
        rc = put_attr(out, "placeholder", field->placeholder);
    if (rc == 0 && k != EDDY_FORM_HIDDEN)
        rc = put_constraints(out, field, number);
    if (rc == 0)
        rc = put(out, ">");
    if (rc == 0 && k == EDDY_FORM_TEXT) {
        rc = put_escaped(out, value);
        if (rc == 0)
            rc = put(out, "</textarea>");
    }
    return rc;
}

int eddy_form_field_html(const eddy_form *f, const char *name, eddy_buf *out)
{
    const form_entry *e = form_entry_of(f, name);
    if (!e)
        return -1;
    const eddy_form_field *field = e->field;
    if (field->kind == EDDY_FORM_HIDDEN) {
        int rc = put_input(out, e);
        return rc == 0 ? put(out, "\n") : -1;
    }
    int rc =
        put(out, e->error ? "<p class=\"field has-error\"><label" : "<p class=\"field\"><label");
    if (rc == 0 && field->kind != EDDY_FORM_RADIO)
        rc = put_attr(out, "for", field->name);
    if (rc == 0)
        rc = put(out, ">");
    if (rc == 0)
        rc = put_escaped(out, form_label(field));
    if (rc == 0)
        rc = put(out, "</label> ");
    if (rc == 0) {
        switch (field->kind) {
        case EDDY_FORM_SELECT:
        case EDDY_FORM_MULTIPLE:
            rc = put_select(out, e);
            break;
        case EDDY_FORM_RADIO:
            rc = put_radios(out, e);
            break;
        default:
            rc = put_input(out, e);
        }
    }
    if (rc == 0 && e->error) {
        rc = put(out, " <span class=\"error\">");
        if (rc == 0)
            rc = put_escaped(out, e->error);
        if (rc == 0)
            rc = put(out, "</span>");
    }
    return rc == 0 ? put(out, "</p>\n") : -1;
}

int eddy_form_html(const eddy_form *f, const char *action, eddy_buf *out)
{
    bool files = false;
    for (size_t i = 0; i < f->n; i++)
        files |= f->entries[i].field->kind == EDDY_FORM_FILE;
    int rc = put(out, "<form method=\"post\"");
    if (rc == 0)
        rc = put_attr(out, "action", action ? action : "");
    if (rc == 0 && files)
        rc = put(out, " enctype=\"multipart/form-data\"");
    if (rc == 0)
        rc = put(out, ">\n");
    const char *xsrf = eddy_xsrf_form_html(f->r);
    if (rc == 0 && xsrf && *xsrf)
        rc = put(out, xsrf) < 0 ? -1 : put(out, "\n");
    for (size_t i = 0; i < f->n_non_field && rc == 0; i++) {
        rc = put(out, "<p class=\"error\">");
        if (rc == 0)
            rc = put_escaped(out, f->non_field[i]);
        if (rc == 0)
            rc = put(out, "</p>\n");
    }
    /* a hidden field has no place of its own to show its error */
    for (size_t i = 0; i < f->n && rc == 0; i++)
        if (f->entries[i].field->kind == EDDY_FORM_HIDDEN && f->entries[i].error) {
            rc = put(out, "<p class=\"error\">");
            if (rc == 0)
                rc = put_escaped(out, f->entries[i].error);
            if (rc == 0)
                rc = put(out, "</p>\n");
        }
    for (size_t i = 0; i < f->n && rc == 0; i++)
        rc = eddy_form_field_html(f, f->entries[i].field->name, out);
    if (rc == 0)
        rc = put(out, "<p><button type=\"submit\">");
    if (rc == 0)
        rc = put_escaped(out, f->def->submit ? f->def->submit : "Submit");
    return rc == 0 ? put(out, "</button></p>\n</form>\n") : -1;
}

/* ------------------------------------------------------------ templates */

/* form_named - the request's form named by argument v, or NULL after
 * failing the render. */
static eddy_form *form_named(eddy_template_ctx *t, json_t *v)
{
    if (!json_is_string(v)) {
        eddy_template_fail(t, "takes the form's name");
        return NULL;
    }
    eddy_req *r = eddy_template_user(t);
    eddy_form *f = r ? eddy_form_get(r, json_string_value(v)) : NULL;
    if (!f)
        eddy_template_fail(t, "no form \"%s\" was made for this request", json_string_value(v));
    return f;
}

/* write_out - the rendered HTML into the page. */
static int write_out(eddy_template_ctx *t, int rc, eddy_buf *b)
{
    if (rc == 0)
        rc = eddy_template_write(t, b->data ? b->data : "", b->len);
    else
        eddy_template_fail(t, "out of memory");
    eddy_buf_free(b);
    return rc;
}

/* {% module Form("profile", action="/profile") %} */
static int form_module(eddy_template_ctx *t, size_t argc, json_t *const *argv)
{
    json_t *p[2];
    if (eddy_template_params(t, argc, argv, "name action", 1, p) < 0)
        return -1;
    eddy_form *f = form_named(t, p[0]);
    if (!f)
        return -1;
    if (p[1] && !json_is_string(p[1])) {
        eddy_template_fail(t, "action must be a string");
        return -1;
    }
    eddy_buf b = EDDY_BUF_INIT;
    return write_out(t, eddy_form_html(f, p[1] ? json_string_value(p[1]) : "", &b), &b);
}

/* {% module FormField("profile", "name") %} */
static int form_field_module(eddy_template_ctx *t, size_t argc, json_t *const *argv)
{
    json_t *p[2];
    if (eddy_template_params(t, argc, argv, "name field", 2, p) < 0)
        return -1;
    eddy_form *f = form_named(t, p[0]);
    if (!f)
        return -1;
    const char *field = json_string_value(p[1]);
    if (!field || !form_entry_of(f, field)) {
        eddy_template_fail(t, "the form has no field \"%s\"", field ? field : "(not a string)");
        return -1;
    }
    eddy_buf b = EDDY_BUF_INIT;
    return write_out(t, eddy_form_field_html(f, field, &b), &b);
}

int eddy_form_templates(eddy_template_loader *l)
{
    if (eddy_template_module(l, "Form", form_module) < 0 ||
        eddy_template_module(l, "FormField", form_field_module) < 0)
        return -1;
    return 0;
}
