/*
 * models - the forum's tables; see models.h.
 *
 * Foreign keys cascade where a row means nothing without its parent (a
 * group's posts, a post's comments), so deleting a group is one DELETE.
 * Counters (member_nums, comment_nums, like_nums...) are kept in the row
 * that is listed, so a list never counts rows on the fly.
 */
#include "models.h"

static const eddy_field user_fields[] = {
    {"mobile", EDDY_FIELD_TEXT, .max_length = 11, .flags = EDDY_FIELD_UNIQUE},
    {"password", EDDY_FIELD_TEXT, .max_length = 200, .flags = EDDY_FIELD_HIDDEN},
    {"nick_name", EDDY_FIELD_TEXT, .max_length = 20, .flags = EDDY_FIELD_NULL},
    {"head_url", EDDY_FIELD_TEXT, .max_length = 200, .flags = EDDY_FIELD_NULL},
    {"address", EDDY_FIELD_TEXT, .max_length = 200, .flags = EDDY_FIELD_NULL},
    {"desc", EDDY_FIELD_TEXT, .flags = EDDY_FIELD_NULL},
    {"gender", EDDY_FIELD_TEXT, .max_length = 200, .flags = EDDY_FIELD_NULL},
    {"add_time", EDDY_FIELD_DATETIME, .flags = EDDY_FIELD_NOW},
    {.name = NULL}};
const eddy_model forum_user = {"user", user_fields};

static const eddy_field group_fields[] = {
    {"creator", EDDY_FIELD_FOREIGN_KEY, .references = &forum_user,
     .on_delete = EDDY_ON_DELETE_CASCADE},
    {"name", EDDY_FIELD_TEXT, .max_length = 100, .flags = EDDY_FIELD_NULL},
    {"category", EDDY_FIELD_TEXT, .max_length = 20, .flags = EDDY_FIELD_NULL | EDDY_FIELD_INDEX},
    {"front_image", EDDY_FIELD_TEXT, .max_length = 200, .flags = EDDY_FIELD_NULL},
    {"desc", EDDY_FIELD_TEXT, .max_length = 0},
    {"notice", EDDY_FIELD_TEXT, .max_length = 0},
    {"member_nums", EDDY_FIELD_INT, .default_value = "0", .flags = EDDY_FIELD_INDEX},
    {"post_nums", EDDY_FIELD_INT, .default_value = "0"},
    {"add_time", EDDY_FIELD_DATETIME, .flags = EDDY_FIELD_NOW | EDDY_FIELD_INDEX},
    {.name = NULL}};
const eddy_model forum_group = {"community_group", group_fields};

static const eddy_field member_fields[] = {
    {"user", EDDY_FIELD_FOREIGN_KEY, .references = &forum_user,
     .on_delete = EDDY_ON_DELETE_CASCADE},
    {"community", EDDY_FIELD_FOREIGN_KEY, .references = &forum_group,
     .on_delete = EDDY_ON_DELETE_CASCADE},
    {"status", EDDY_FIELD_TEXT, .max_length = 10, .flags = EDDY_FIELD_NULL},
    {"handle_msg", EDDY_FIELD_TEXT, .max_length = 200, .flags = EDDY_FIELD_NULL},
    {"apply_reason", EDDY_FIELD_TEXT, .max_length = 200},
    {"handle_time", EDDY_FIELD_DATETIME, .flags = EDDY_FIELD_NULL},
    {"add_time", EDDY_FIELD_DATETIME, .flags = EDDY_FIELD_NOW},
    {.name = NULL}};
const eddy_model forum_member = {"community_group_member", member_fields};

static const eddy_field post_fields[] = {
    {"user", EDDY_FIELD_FOREIGN_KEY, .references = &forum_user,
     .on_delete = EDDY_ON_DELETE_CASCADE},
    {"title", EDDY_FIELD_TEXT, .max_length = 200, .flags = EDDY_FIELD_NULL},
    {"group", EDDY_FIELD_FOREIGN_KEY, .references = &forum_group,
     .on_delete = EDDY_ON_DELETE_CASCADE},
    {"comment_nums", EDDY_FIELD_INT, .default_value = "0"},
    {"is_excellent", EDDY_FIELD_BOOL, .default_value = "0"},
    {"is_hot", EDDY_FIELD_BOOL, .default_value = "0"},
    {"content", EDDY_FIELD_TEXT, .max_length = 0},
    {"add_time", EDDY_FIELD_DATETIME, .flags = EDDY_FIELD_NOW | EDDY_FIELD_INDEX},
    {.name = NULL}};
const eddy_model forum_post = {"post", post_fields};

static const eddy_field comment_fields[] = {
    {"user", EDDY_FIELD_FOREIGN_KEY, .references = &forum_user,
     .on_delete = EDDY_ON_DELETE_CASCADE},
    {"post", EDDY_FIELD_FOREIGN_KEY, .references = &forum_post,
     .on_delete = EDDY_ON_DELETE_CASCADE},
    {"parent_comment", EDDY_FIELD_FOREIGN_KEY, .references = &forum_comment,
     .flags = EDDY_FIELD_NULL, .on_delete = EDDY_ON_DELETE_CASCADE},
    {"reply_user", EDDY_FIELD_FOREIGN_KEY, .references = &forum_user, .flags = EDDY_FIELD_NULL,
     .on_delete = EDDY_ON_DELETE_SET_NULL},
    {"content", EDDY_FIELD_TEXT, .max_length = 1000},
    {"reply_nums", EDDY_FIELD_INT, .default_value = "0"},
    {"like_nums", EDDY_FIELD_INT, .default_value = "0"},
    {"add_time", EDDY_FIELD_DATETIME, .flags = EDDY_FIELD_NOW},
    {.name = NULL}};
const eddy_model forum_comment = {"post_comment", comment_fields};

static const eddy_field comment_like_fields[] = {
    {"user", EDDY_FIELD_FOREIGN_KEY, .references = &forum_user,
     .on_delete = EDDY_ON_DELETE_CASCADE},
    {"post_comment", EDDY_FIELD_FOREIGN_KEY, .references = &forum_comment,
     .on_delete = EDDY_ON_DELETE_CASCADE},
    {"add_time", EDDY_FIELD_DATETIME, .flags = EDDY_FIELD_NOW},
    {.name = NULL}};
const eddy_model forum_comment_like = {"comment_like", comment_like_fields};

static const eddy_field question_fields[] = {
    {"user", EDDY_FIELD_FOREIGN_KEY, .references = &forum_user,
     .on_delete = EDDY_ON_DELETE_CASCADE},
    {"category", EDDY_FIELD_TEXT, .max_length = 200, .flags = EDDY_FIELD_NULL},
    {"title", EDDY_FIELD_TEXT, .max_length = 200, .flags = EDDY_FIELD_NULL},
    {"content", EDDY_FIELD_TEXT, .max_length = 0},
    {"image", EDDY_FIELD_TEXT, .max_length = 200, .flags = EDDY_FIELD_NULL},
    {"answer_nums", EDDY_FIELD_INT, .default_value = "0", .flags = EDDY_FIELD_INDEX},
    {"add_time", EDDY_FIELD_DATETIME, .flags = EDDY_FIELD_NOW | EDDY_FIELD_INDEX},
    {.name = NULL}};
const eddy_model forum_question = {"question", question_fields};

static const eddy_field answer_fields[] = {
    {"user", EDDY_FIELD_FOREIGN_KEY, .references = &forum_user,
     .on_delete = EDDY_ON_DELETE_CASCADE},
    {"question", EDDY_FIELD_FOREIGN_KEY, .references = &forum_question, .flags = EDDY_FIELD_NULL,
     .on_delete = EDDY_ON_DELETE_CASCADE},
    {"parent_answer", EDDY_FIELD_FOREIGN_KEY, .references = &forum_answer, .flags = EDDY_FIELD_NULL,
     .on_delete = EDDY_ON_DELETE_CASCADE},
    {"reply_user", EDDY_FIELD_FOREIGN_KEY, .references = &forum_user, .flags = EDDY_FIELD_NULL,
     .on_delete = EDDY_ON_DELETE_SET_NULL},
    {"content", EDDY_FIELD_TEXT, .max_length = 1000},
    {"reply_nums", EDDY_FIELD_INT, .default_value = "0"},
    {"add_time", EDDY_FIELD_DATETIME, .flags = EDDY_FIELD_NOW},
    {.name = NULL}};
const eddy_model forum_answer = {"answer", answer_fields};

static const eddy_field message_fields[] = {
    {"sender", EDDY_FIELD_FOREIGN_KEY, .references = &forum_user,
     .on_delete = EDDY_ON_DELETE_CASCADE},
    {"receiver", EDDY_FIELD_FOREIGN_KEY, .references = &forum_user,
     .on_delete = EDDY_ON_DELETE_CASCADE},
    {"message_type", EDDY_FIELD_INT, .flags = EDDY_FIELD_INDEX},
    {"message", EDDY_FIELD_TEXT, .max_length = 500, .flags = EDDY_FIELD_NULL},
    {"parent_content", EDDY_FIELD_TEXT, .max_length = 500, .flags = EDDY_FIELD_NULL},
    {"is_read", EDDY_FIELD_BOOL, .default_value = "0", .flags = EDDY_FIELD_INDEX},
    {"add_time", EDDY_FIELD_DATETIME, .flags = EDDY_FIELD_NOW | EDDY_FIELD_INDEX},
    {.name = NULL}};
const eddy_model forum_message = {"message", message_fields};

int forum_create_tables(eddy_db *db)
{
    /* any order: create_tables puts parents first */
    const eddy_model *const models[] = {
        &forum_user,         &forum_group,    &forum_member, &forum_post,    &forum_comment,
        &forum_comment_like, &forum_question, &forum_answer, &forum_message,
    };
    return eddy_orm_create_tables(db, models, sizeof models / sizeof models[0]);
}
