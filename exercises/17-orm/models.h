/*
 * models - a small blog's data, described once for the ORM (lesson 17).
 *
 * Three models - users, their posts, comments on posts - as constant C
 * descriptions (orm.h): the tables are created from them, queries name
 * their fields, and rows become JSON through them. A post keeps its
 * number of comments in a counter field, raised in the same transaction
 * as the comment is added, so listing posts with their counts is one
 * query, not one per post.
 */
#ifndef LESSON17_MODELS_H
#define LESSON17_MODELS_H

#include <eddy/eddy.h>

extern const eddy_model blog_user, blog_post, blog_comment;

/* blog_create - the three tables, parents first, if they are not there. */
int blog_create(eddy_db *db);

/* blog_seed - two users, three posts and a comment, when there are no
 * users yet; 0 or an errno value. */
int blog_seed(eddy_db *db);

/* blog_posts - a page of posts, newest first (by id), each with its
 * author joined (columns "author.name" ...). A wait: 0 or an errno
 * value; *res is always set, the caller frees it. */
int blog_posts(eddy_db *db, int64_t limit, int64_t offset, eddy_db_result **res);

/* blog_posts_json - blog_posts' rows as a JSON array: each post with its
 * author nested as {id, name} - the author's email, join date and
 * password hash stay out. */
json_t *blog_posts_json(const eddy_db_result *res);

/* blog_comments - the comments on post, oldest first, each with its
 * author joined. A wait, as blog_posts. */
int blog_comments(eddy_db *db, int64_t post, eddy_db_result **res);

/* blog_add_comment - add a comment and raise the post's comment count,
 * both or neither (one transaction). ENOENT when there is no such post;
 * *id gets the comment's id. */
int blog_add_comment(eddy_db *db, int64_t post, int64_t author, const char *text, int64_t *id);

#endif
