/*
 * profile_form - the profile's table, form, name check and saving; see
 * profile_form.h.
 *
 * The form is data, like the model: a field per input, each with what
 * it accepts. The library checks the kinds (a date is a real day, a
 * mobile number matches its pattern, an avatar's bytes are an image) and
 * runs the validators; what only this program knows (a name must be
 * unique) is a check that waits for a query.
 *
 * EXERCISE: give the name, email and mobile fields their validators
 * (profile_fields), and write profile_name_is_free() and profile_save().
 * The profile page (lessons/18-files-forms/profile.c) checks every form
 * with them and saves through profile_save. `make progress` runs the
 * tests, posting forms to an app on an SQLite database.
 */
#include "profile_form.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

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

int profile_create_tables(eddy_db *db)
{
    const eddy_model *models[] = {&profile_model};
    return eddy_orm_create_tables(db, models, 1);
}

int64_t profile_limit = 1000;

static const eddy_form_choice genders[] = {
    {"f", "Female"}, {"m", "Male"}, {"x", "Rather not say"}, {NULL, NULL}};

static const eddy_form_field profile_fields[] = {
    /* TODO: the validators of the first three fields, with
     * EDDY_VALIDATORS(...):
     *   name    required, with the message "Please choose a name."; between
     *           2 and 40 characters; and profile_name_is_free as a check
     *           that waits (EDDY_AWAIT), with its own messages (NULL);
     *   email   required; at most 254 characters;
     *   mobile  required (its kind already checks the number). */
    {"name", EDDY_FORM_STRING, .label = "Name", .validators = NULL},
    {"email", EDDY_FORM_EMAIL, .label = "E-mail", .validators = NULL},
    {"mobile", EDDY_FORM_MOBILE, .label = "Mobile", .placeholder = "13812345678",
     .validators = NULL},
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

const char *profile_name_is_free(eddy_form *f, const char *name, void *arg)
{
    /* TODO: count the profiles (eddy_orm_select on profile_model,
     * eddy_orm_count on the request's database: eddy_req_db of
     * eddy_form_req(f)) whose "name" is name and, when the route has a
     * capture 1 (eddy_path_arg: the profile being edited), whose "id" is
     * not that one. NULL when there are none; "That name is taken." when
     * there are; "The name cannot be checked just now; please try again."
     * when the count fails. Free the query. */
    (void)f;
    (void)name;
    (void)arg;
    return NULL;
}

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

int profile_save(eddy_db *db, const eddy_form *f, int64_t id, const char *avatar, int64_t *saved_id)
{
    /* TODO: the form's values for profile_model (eddy_form_orm_values:
     * the avatar, a file, is not among them), plus {"avatar", its name}
     * when avatar is not NULL. id 0: eddy_orm_insert them, the new id into
     * *saved_id. Otherwise an update of profile_model setting each value
     * (eddy_orm_set) where "id" is id; *saved_id = id when it worked.
     * Return the first error (0 or an errno value). */
    (void)db;
    (void)f;
    (void)id;
    (void)avatar;
    (void)saved_id;
    return ENOSYS;
}
