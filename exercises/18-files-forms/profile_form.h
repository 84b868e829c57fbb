/*
 * profile_form - lesson 18's profile: its table, its form, the check
 * that asks the database whether a name is taken, and saving a checked
 * form as a row. The exercise: exercises/18-files-forms/profile_form.c.
 */
#ifndef PROFILE_FORM_H
#define PROFILE_FORM_H

#include <eddy/eddy.h>

extern const eddy_model profile_model;
extern const eddy_form_def profile_form;

/* profile_create_tables - the profile table, when it is not there. A wait. */
int profile_create_tables(eddy_db *db);

/* profile_name_is_free - the form's waiting check on "name": NULL when
 * no other profile has the name (the profile being edited, the route's
 * capture 1, may keep its own), else the message. Queries the database. */
const char *profile_name_is_free(eddy_form *f, const char *name, void *arg);

/* profile_limit - the most profiles there may be (--max-profiles);
 * profile_room_left - the form's own check: a new profile only below it. */
extern int64_t profile_limit;
const char *profile_room_left(eddy_form *f, void *arg);

/* profile_save - write a validated form: a new row when id is 0 (its id
 * in *saved_id), else an update of row id; avatar (the name an upload
 * was saved under, or NULL to leave it) goes in the avatar column. A
 * wait: 0 or an errno value (EIO: the database refused the row). */
int profile_save(eddy_db *db, const eddy_form *f, int64_t id, const char *avatar,
                 int64_t *saved_id);

#endif
