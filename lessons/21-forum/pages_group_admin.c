/*
 * pages_group_admin - a group's owner changes or removes it:
 *
 *   GET  /group/ID/edit, POST   name, category, description, notice and,
 *                               when one is chosen, a new cover
 *   POST /group/ID/delete       the group, with its members, posts and
 *                               their comments (the foreign keys cascade)
 *
 * Only the group's creator gets past the first check (anyone else: 403,
 * the course's API let anyone); both forms carry the XSRF token, as every
 * page form does. The writes are the API's own (content_write.c).
 */
#include "content_write.h"
#include "models.h"
#include "pages.h"

#include <errno.h>
#include <stdio.h>

static const eddy_form_field edit_fields[] = {
    {"name", EDDY_FORM_STRING, .label = "Name",
     .validators = EDDY_VALIDATORS(EDDY_REQUIRED(NULL), EDDY_MAX_LENGTH(100, NULL))},
    {"category", EDDY_FORM_SELECT, .label = "Category", .choices = page_group_categories,
     .validators = EDDY_VALIDATORS(EDDY_REQUIRED(NULL), EDDY_ANY_OF(page_group_category_values, NULL))},
    {"desc", EDDY_FORM_TEXT, .label = "What the group is about",
     .validators = EDDY_VALIDATORS(EDDY_REQUIRED(NULL), EDDY_MAX_LENGTH(2000, NULL))},
    {"notice", EDDY_FORM_TEXT, .label = "Notice to members",
     .validators = EDDY_VALIDATORS(EDDY_REQUIRED(NULL), EDDY_MAX_LENGTH(2000, NULL))},
    {"front_image", EDDY_FORM_FILE,
     .label = "A new cover (optional: PNG, JPEG or GIF, at most 2 MB)",
     .accept = "image/png image/jpeg image/gif", .max_bytes = 2 * 1024 * 1024,
     .flags = EDDY_FORM_NO_SAVE},
    {.name = NULL}};
static const eddy_form_def edit_form = {"group_edit", edit_fields, .submit = "Save"};

/* owned_group - group id's row when the signed-in user created it; 0
 * after answering (sign-in, 404, 403 or the database's failure). */
static int64_t owned_group(eddy_req *r, int64_t id, eddy_db_result **res)
{
    int64_t me = page_require_user(r);
    if (!me)
        return 0;
    int rc = eddy_orm_get(eddy_req_db(r), &forum_group, id, res);
    if (page_db_failed(r, rc, *res, "No such group"))
        return 0;
    if (eddy_db_int(*res, 0, "creator") != me) {
        eddy_db_result_free(*res);
        *res = NULL;
        eddy_send_error(r, 403, "Only the group's creator may change it.");
        return 0;
    }
    return me;
}

static void render_edit(eddy_req *r, int status, long id, const eddy_db_result *res)
{
    char sid[24];
    snprintf(sid, sizeof sid, "%ld", id);
    const char *name = eddy_db_text(res, 0, "name");
    page_render(r, status, "group_edit.html",
                json_pack("{s:s,s:s}", "str_id", sid, "name", name ? name : ""));
}

static void edit_get(eddy_req *r)
{
    long id = eddy_require_path_long(r, 1);
    eddy_db_result *res = NULL;
    if (id < 0 || !owned_group(r, id, &res))
        return;
    if (!page_form_failed(r, eddy_form_from_row(r, &edit_form, res, 0)))
        render_edit(r, 200, id, res);
    eddy_db_result_free(res);
}

static void edit_post(eddy_req *r)
{
    long id = eddy_require_path_long(r, 1);
    eddy_db_result *res = NULL;
    if (id < 0 || !owned_group(r, id, &res))
        return;
    eddy_form *f = eddy_form_from_request(r, &edit_form);
    if (page_form_failed(r, f) || !eddy_form_validate(f)) {
        if (f)
            render_edit(r, 400, id, res);
        eddy_db_result_free(res);
        return;
    }
    eddy_db_result_free(res);
    char cover[128];
    if (page_save_image(r, f, "front_image", cover, sizeof cover) < 0)
        return;
    forum_group_change c = {.name = eddy_form_value(f, "name"),
                            .category = eddy_form_value(f, "category"),
                            .desc = eddy_form_value(f, "desc"),
                            .notice = eddy_form_value(f, "notice"),
                            .front_image = cover};
    int rc = forum_update_group(r, id, &c);
    if (page_db_failed(r, rc, NULL, NULL))
        return;
    page_flash(r, "The group is saved.");
    page_see_other(r, "/group/%ld", id);
}

static void delete_post(eddy_req *r)
{
    long id = eddy_require_path_long(r, 1);
    eddy_db_result *res = NULL;
    if (id < 0 || !owned_group(r, id, &res))
        return;
    eddy_db_result_free(res);
    int rc = forum_delete_group(r, id, NULL);
    if (page_db_failed(r, rc, NULL, NULL))
        return;
    page_flash(r, "The group is deleted.");
    page_see_other(r, "/");
}

static const eddy_handler edit_page = {.get = edit_get, .post = edit_post};
static const eddy_handler delete_page = {.post = delete_post};

int pages_routes_group_admin(eddy_app *app, forum *f)
{
    (void)f;
    if (eddy_route(app, "/group/([0-9]+)/edit", &edit_page, "group_edit") < 0 ||
        eddy_route(app, "/group/([0-9]+)/delete", &delete_page, "group_delete") < 0)
        return -1;
    return 0;
}
