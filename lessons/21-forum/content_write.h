/*
 * content_write - the forum's writes that both faces make: a comment or a
 * reply to one, a like toggled, a post, a group edited or deleted, an
 * answer or a reply to one. The JSON API (api_posts.c, api_questions.c)
 * and the pages (pages_posts.c, pages_questions.c) check who may write and
 * read their own forms; what the write then does is here, once: the row
 * and the count it changes in one transaction (a double click cannot count
 * twice, a failure leaves neither), then the inbox row and the live push
 * (forum_notify).
 *
 * Each transaction locks the row whose counter it changes (the group, the
 * post, the comment) before it writes the row that points at it: two
 * writers at once then queue on that one lock instead of each holding the
 * shared lock a foreign key check takes and waiting for the other's
 * (a deadlock); one that still loses one is run again by
 * eddy_db_transaction.
 *
 * Each call waits for the database: 0 or an errno value; the calls that
 * take `error` set it to NULL on success, else to the failed statement's
 * code and message for eddy_send_db_error (which frees it). A lost
 * notification does not undo the write; it is logged and the call still
 * returns 0.
 */
#ifndef FORUM_CONTENT_WRITE_H
#define FORUM_CONTENT_WRITE_H

#include <eddy/data/db.h>
#include <eddy/web/handler.h>

#include <stdbool.h>
#include <stdint.h>

/* forum_group_change - what an edit of a group sets; a NULL or empty
 * field keeps its value. */
typedef struct forum_group_change {
    const char *name, *category, *desc, *notice;
    const char *front_image; /* a stored file name (forum_save_upload) */
} forum_group_change;

/* forum_update_group - set what c names on group id (the caller has
 * checked the caller owns it); a new cover's old file is removed
 * (media.h), or, when the update fails, the new one. EINVAL when c
 * names nothing. */
int forum_update_group(eddy_req *r, int64_t id, const forum_group_change *c);

/* forum_delete_group - delete group id; its members, posts, their
 * comments and likes go with it (the foreign keys cascade), and its
 * cover's file after it. *deleted (may be NULL): the rows deleted, 0 or 1. */
int forum_delete_group(eddy_req *r, int64_t id, int64_t *deleted);

/* forum_new_post - a post in a group. */
typedef struct forum_new_post {
    int64_t user, group;
    const char *title, *content;
    int64_t id; /* out: the new post's id */
} forum_new_post;

/* forum_add_post - insert p and add one to the group's post_nums (the
 * course never counted posts). Nobody is notified. */
int forum_add_post(eddy_req *r, forum_new_post *p, eddy_db_result **error);

/* forum_new_comment - a comment on a post, or with parent set a reply in
 * that comment's thread (the caller resolves a reply to a reply to the
 * thread's top comment). */
typedef struct forum_new_comment {
    int64_t user;       /* who writes */
    int64_t post;       /* the post commented on */
    int64_t parent;     /* the thread's top comment; 0: a comment on the post */
    int64_t reply_user; /* with parent: whom the reply answers */
    const char *content;
    int64_t notify_user; /* who is told: the post's author, or reply_user */
    const char *about;   /* what the notice quotes: the post's title, the comment replied to */
    int64_t id;          /* out: the new comment's id */
} forum_new_comment;

/* forum_add_comment - insert c, add one to the post's comment_nums (or
 * the parent's reply_nums), notify (type 1 for a comment, 2 for a reply). */
int forum_add_comment(eddy_req *r, forum_new_comment *c, eddy_db_result **error);

/* forum_like - a like of a comment, toggled. */
typedef struct forum_like {
    int64_t user;      /* who clicks */
    int64_t comment;   /* the comment liked */
    int64_t author;    /* the comment's author, told of a new like */
    const char *about; /* the comment's text, quoted in the notice */
    bool liked;        /* out: the user likes it now */
    int64_t like_nums; /* out: the comment's count after the toggle */
    int64_t id;        /* out: the new like's id, -1 when one was taken back */
} forum_like;

/* forum_toggle_like - take the user's like back if there is one, else
 * add it; like_nums follows both ways. A new like notifies (type 3).
 * EPERM, with nothing written and nobody told, when the user wrote the
 * comment: nobody likes their own (the course let them). */
int forum_toggle_like(eddy_req *r, forum_like *l, eddy_db_result **error);

/* forum_new_answer - an answer to a question, or with parent set a reply
 * in that answer's thread (parent is the thread's top answer). */
typedef struct forum_new_answer {
    int64_t user;
    int64_t question; /* the question the thread belongs to */
    int64_t parent;   /* the top answer; 0: an answer to the question */
    int64_t reply_user;
    const char *content;
    int64_t notify_user; /* the asker, or reply_user */
    const char *about;   /* the question's title, or the answer replied to */
    int64_t id;          /* out */
} forum_new_answer;

/* forum_add_answer - insert a, add one to the question's answer_nums (or
 * the parent's reply_nums), notify (type 4 for an answer, 5 for a reply). */
int forum_add_answer(eddy_req *r, forum_new_answer *a, eddy_db_result **error);

#endif
