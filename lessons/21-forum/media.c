/*
 * media - image files replaced or left behind by their rows are removed
 * (media.h): the old name read, the row changed only if it still names
 * it, then the file removed when nothing names it any more.
 */
#include "media.h"

#include "forum.h"
#include "models.h"

#include <eddy/base/log.h>
#include <eddy/data/file.h>
#include <eddy/web/app_db.h>

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

/* Where a media file may be named: a file is in use while a row does,
 * as its image (the whole column) or in a text written in Markdown (an
 * image or a link to /media/NAME, anywhere in it). */
static const struct {
    const eddy_model *model;
    const char *column;
    bool in_text;
} uses[] = {{&forum_user, "head_url", false},   {&forum_group, "front_image", false},
            {&forum_question, "image", false},  {&forum_post, "content", true},
            {&forum_question, "content", true}, {&forum_answer, "content", true}};

/* ATTEMPTS - how often a change is tried again when another changed the
 * same row between the read and the write (a loop must end). */
enum { ATTEMPTS = 8 };

/* made_by_forum - name has the shape eddy_upload_save gives a file: 32
 * lowercase hex digits, then nothing or a dot and up to 8 letters and
 * digits. Anything else (a path, "..", a name typed into the database)
 * is not the forum's to remove. */
static bool made_by_forum(const char *name)
{
    if (strspn(name, "0123456789abcdef") != 32)
        return false;
    const char *ext = name + 32;
    if (!*ext)
        return true;
    size_t n = strspn(ext + 1, "abcdefghijklmnopqrstuvwxyz0123456789");
    return *ext == '.' && n >= 1 && n <= 8 && !ext[1 + n];
}

/* in_use - does a row name file name (one made_by_forum, so no LIKE
 * wildcard in it)? *yes; 0 or an errno value. */
static int in_use(eddy_req *r, const char *name, bool *yes)
{
    *yes = false;
    char pattern[128];
    snprintf(pattern, sizeof pattern, "%%%s%%", name);
    eddy_db *db = eddy_req_db(r);
    for (size_t i = 0; i < sizeof uses / sizeof uses[0] && !*yes; i++) {
        eddy_query *q = eddy_orm_select(uses[i].model);
        eddy_orm_where(q, uses[i].in_text ? eddy_orm_like(q, uses[i].column, EDDY_DB_STR(pattern))
                                          : eddy_orm_eq(q, uses[i].column, EDDY_DB_STR(name)));
        int64_t n = 0;
        int rc = eddy_orm_count(db, q, &n);
        eddy_query_free(q);
        if (rc)
            return rc;
        *yes = n > 0;
    }
    return 0;
}

void forum_forget_image(eddy_req *r, const char *name)
{
    if (!name || !made_by_forum(name))
        return;
    bool used = true;
    int rc = in_use(r, name, &used);
    if (rc) {
        eddy_warn("media: %s kept, its use unknown: %s", name, strerror(rc));
        return;
    }
    if (used)
        return;
    char path[4200];
    snprintf(path, sizeof path, "%s/%s", forum_of(r)->media_dir, name);
    rc = eddy_file_remove(path);
    if (rc && rc != ENOENT) /* ENOENT: another request removed it first */
        eddy_warn("media: %s not removed: %s", path, strerror(rc));
}

/* old_name - what column of row id of m names now, copied into the
 * request's arena (*old NULL for NULL); ENOENT when there is no row. */
static int old_name(eddy_req *r, const eddy_model *m, int64_t id, const char *column,
                    const char **old)
{
    eddy_db_result *res = NULL;
    int rc = eddy_orm_get_or_none(eddy_req_db(r), m, id, &res);
    if (rc == 0 && eddy_db_rows(res) == 0)
        rc = ENOENT;
    if (rc == 0) {
        const char *text = eddy_db_text(res, 0, column);
        *old = text ? eddy_strdup(r, text) : NULL;
        if (text && !*old)
            rc = ENOMEM;
    }
    eddy_db_result_free(res);
    return rc;
}

/* where_still - WHERE id matches and column still names old. */
static void where_still(eddy_query *q, int64_t id, const char *column, const char *old)
{
    eddy_orm_where(q, eddy_orm_eq(q, "id", EDDY_DB_INT(id)));
    eddy_orm_where(q, old ? eddy_orm_eq(q, column, EDDY_DB_STR(old)) : eddy_orm_is_null(q, column));
}

/* run - q, freed; *affected the rows it changed. */
static int run(eddy_req *r, eddy_query *q, int64_t *affected)
{
    eddy_db_result *res = NULL;
    int rc = eddy_orm_run(eddy_req_db(r), q, &res);
    eddy_query_free(q);
    if (rc == 0 && affected)
        *affected = eddy_db_affected(res);
    eddy_db_result_free(res);
    return rc;
}

int forum_set_image(eddy_req *r, const eddy_model *m, int64_t id, const char *column,
                    const char *name, forum_image_sets *more, void *arg)
{
    if (!name || !*name) { /* no new file: the other fields only */
        eddy_query *q = eddy_orm_update(m);
        if (more)
            more(q, arg);
        eddy_orm_where(q, eddy_orm_eq(q, "id", EDDY_DB_INT(id)));
        return run(r, q, NULL);
    }
    int rc = EAGAIN;
    for (int attempt = 0; attempt < ATTEMPTS && rc == EAGAIN; attempt++) {
        const char *old = NULL;
        rc = old_name(r, m, id, column, &old);
        if (rc)
            break;
        eddy_query *q = eddy_orm_update(m);
        if (more)
            more(q, arg);
        eddy_orm_set(q, column, EDDY_DB_STR(name));
        where_still(q, id, column, old);
        int64_t changed = 0;
        rc = run(r, q, &changed);
        if (rc == 0 && changed == 0)
            rc = EAGAIN; /* changed (or deleted) since the read: read again */
        if (rc == 0)
            forum_forget_image(r, old);
    }
    if (rc)
        forum_forget_image(r, name);
    return rc;
}

int forum_delete_with_image(eddy_req *r, const eddy_model *m, int64_t id, const char *column,
                            int64_t *deleted)
{
    if (deleted)
        *deleted = 0;
    int rc = EAGAIN;
    for (int attempt = 0; attempt < ATTEMPTS && rc == EAGAIN; attempt++) {
        const char *old = NULL;
        rc = old_name(r, m, id, column, &old);
        if (rc == ENOENT)
            return 0; /* nothing to delete */
        if (rc)
            break;
        eddy_query *q = eddy_orm_delete(m);
        where_still(q, id, column, old);
        int64_t gone = 0;
        rc = run(r, q, &gone);
        if (rc == 0 && gone == 0)
            rc = EAGAIN; /* its image changed since the read */
        if (rc == 0) {
            if (deleted)
                *deleted = gone;
            forum_forget_image(r, old);
        }
    }
    return rc;
}
