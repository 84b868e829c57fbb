/*
 * profile_form - the profile's table, form, name check and saving; see
 * profile_form.h.
 *
 * The form is data, like the model: a field per input, each with what
 * it accepts. The library checks the kinds (a date is a real day, a
 * mobile number matches its pattern, an avatar's bytes are an image) and
 * runs the validators; what only this program knows (a name must be
 * unique) is a check that waits for a query.
 */
#include "profile_form.h"

#include <stdio.h>
#include <stdlib.h>

/* quote:begin model */
static const eddy_field profile_columns[] = {
    {"name", EDDY_FIELD_TEXT, .max_length = 40, .flags = EDDY_FIELD_UNIQUE},
    {"email", EDDY_FIELD_TEXT, .max_length = 254},
    {"mobile", EDDY_FIELD_TEXT, .max_length = 20},
    {"gender", EDDY_FIELD_TEXT, .max_length = 1, .default_value = "x"},
    {"birthday", EDDY_FIELD_DATETIME, .flags = EDDY_FIELD_NULL},
    {"bio", EDDY_FIELD_TEXT, .flags = EDDY_FIELD_NULL},
    {"newsletter", EDDY_FIELD_BOOL, .default_value = "0"},
    {"avatar", EDDY_FIELD_TEXT, .max_length = 80, .flags = EDDY_FIELD_NULL},
    {"created", EDDY_FIELD_DATETIME, .flags = EDDY_FIELD_NOW},
    {.name = NULL}};

const eddy_model profile_model = {"profile", profile_columns};
/* quote:end model */

int profile_create_tables(eddy_db *db)
{
    const eddy_model *models[] = {&profile_model};
    return eddy_orm_create_tables(db, models, 1);
}

int64_t profile_limit = 1000;

/* quote:begin form */
static const eddy_form_choice genders[] = {
    {"f", "Female"}, {"m", "Male"}, {"x", "Rather not say"}, {NULL, NULL}};

static const eddy_form_field profile_fields[] = {
    {"name", EDDY_FORM_STRING, .label = "Name",
     .validators = EDDY_VALIDATORS(EDDY_REQUIRED("Please choose a name."), EDDY_LENGTH(2, 40, NULL),
                                   EDDY_AWAIT(profile_name_is_free, NULL, NULL))},
    {"email", EDDY_FORM_EMAIL, .label = "E-mail",
     .validators = EDDY_VALIDATORS(EDDY_REQUIRED(NULL), EDDY_MAX_LENGTH(254, NULL))},
    {"mobile", EDDY_FORM_MOBILE, .label = "Mobile", .placeholder = "13812345678",
     .validators = EDDY_VALIDATORS(EDDY_REQUIRED(NULL))},
    {"gender", EDDY_FORM_RADIO, .label = "Gender", .choices = genders, .default_value = "x"},
    {"birthday", EDDY_FORM_DATE, .label = "Birthday"},
    {"bio", EDDY_FORM_TEXT, .label = "About you",
     .validators = EDDY_VALIDATORS(EDDY_MAX_LENGTH(500, NULL))},
    {"newsletter", EDDY_FORM_BOOLEAN, .label = "Send me the newsletter"},
    {"avatar", EDDY_FORM_FILE, .label = "Avatar", .max_bytes = 2 << 20,
     .accept = "image/png image/jpeg image/gif image/webp",
     .message = "The avatar must be a PNG, JPEG, GIF or WebP image of 2 MB at most."},
    {.name = NULL}};

const eddy_form_def profile_form = {"profile", profile_fields, .submit = "Save",
                                    .check = profile_room_left};
/* quote:end form */

/* quote:begin check */
const char *profile_name_is_free(eddy_form *f, const char *name, void *arg)
{
    (void)arg;
    eddy_req *r = eddy_form_req(f);
    const char *own = eddy_path_arg(r, 1); /* NULL on /profiles/new */
    eddy_query *q = eddy_orm_select(&profile_model);
    eddy_orm_where(q, eddy_orm_eq(q, "name", EDDY_DB_STR(name)));
    if (own)
        eddy_orm_where(q, eddy_orm_ne(q, "id", EDDY_DB_INT(atoll(own))));
    int64_t taken = 0;
    int rc = eddy_orm_count(eddy_req_db(r), q, &taken); /* the task waits here */
    eddy_query_free(q);
    if (rc)
        return "The name cannot be checked just now; please try again.";
    return taken ? "That name is taken." : NULL;
}
/* quote:end check */

/* profile_room_left - the form's own check, not about one field: a new
 * profile only while there are fewer than profile_limit. It waits too. */
const char *profile_room_left(eddy_form *f, void *arg)
{
    (void)arg;
    eddy_req *r = eddy_form_req(f);
    if (eddy_path_arg(r, 1)) /* an edit adds no profile */
        return NULL;
    eddy_query *q = eddy_orm_select(&profile_model);
    int64_t n = 0;
    int rc = eddy_orm_count(eddy_req_db(r), q, &n);
    eddy_query_free(q);
    if (rc)
        return "The profiles cannot be counted just now; please try again.";
    if (n < profile_limit)
        return NULL;
    char *why = eddy_alloc(r, 96);
    if (why)
        snprintf(why, 96, "There are %lld profiles already; no more can be made.", (long long)n);
    return why ? why : "No more profiles can be made.";
}

/* quote:begin save */
int profile_save(eddy_db *db, const eddy_form *f, int64_t id, const char *avatar, int64_t *saved_id)
{
    eddy_orm_value v[16];
    size_t n = eddy_form_orm_values(f, &profile_model, v, 15); /* not the avatar: a file */
    if (avatar)
        v[n++] = (eddy_orm_value){"avatar", EDDY_DB_STR(avatar)};
    if (id == 0)
        return eddy_orm_insert(db, &profile_model, v, n, saved_id);
    eddy_query *q = eddy_orm_update(&profile_model);
    for (size_t i = 0; i < n; i++)
        eddy_orm_set(q, v[i].field, v[i].value);
    eddy_orm_where(q, eddy_orm_eq(q, "id", EDDY_DB_INT(id)));
    eddy_db_result *res;
    int rc = eddy_orm_run(db, q, &res);
    eddy_query_free(q);
    eddy_db_result_free(res);
    if (rc == 0 && saved_id)
        *saved_id = id;
    return rc;
}
/* quote:end save */
