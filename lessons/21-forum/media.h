/*
 * media - the image files the forum keeps for its rows under --media-dir:
 * avatars (user.head_url), group covers (community_group.front_image) and
 * question images (question.image). A row names its file; when the row
 * takes a new image or goes away, the file it named before is removed once
 * the change is committed, so replaced images do not pile up on disk.
 *
 * Only what the forum itself stored is ever removed: a name of the shape
 * forum_save_upload makes (32 hex digits and an extension), a plain file
 * right in the media folder (never a path, never the editor's uploads
 * under upload/), and only when no row names it any more: as its image
 * (demo data, or a database filled by hand, may share one file between
 * rows) or in a post's, a question's or an answer's Markdown (an image
 * someone copied the address of).
 */
#ifndef FORUM_MEDIA_H
#define FORUM_MEDIA_H

#include <eddy/data/orm.h>
#include <eddy/web/handler.h>

#include <stdint.h>

/* forum_image_sets - what else an image's UPDATE sets (its fields with
 * eddy_orm_set); arg is the caller's. */
typedef void forum_image_sets(eddy_query *q, void *arg);

/* forum_set_image - one UPDATE of row id of m: column (a file name) set
 * to name, plus what more sets (may be NULL); then the file the column
 * named before is forgotten (forum_forget_image). The old name is read
 * first and the UPDATE matches it, so of two changes at once each
 * removes the file it replaced. name NULL or "": more's fields only, no
 * file touched. A wait: 0, ENOENT (no such row) or an errno value; on a
 * failure the new file is forgotten instead. */
int forum_set_image(eddy_req *r, const eddy_model *m, int64_t id, const char *column,
                    const char *name, forum_image_sets *more, void *arg);

/* forum_delete_with_image - delete row id of m (its foreign keys
 * cascade), then forget the file its column named. *deleted (may be
 * NULL): the rows deleted, 0 or 1. A wait: 0 or an errno value. */
int forum_delete_with_image(eddy_req *r, const eddy_model *m, int64_t id, const char *column,
                            int64_t *deleted);

/* forum_forget_image - remove the media file name when the forum made
 * it and no row names it. A failure is logged, not returned: the change
 * of the row it follows is done. May wait. */
void forum_forget_image(eddy_req *r, const char *name);

#endif
