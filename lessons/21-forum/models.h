/*
 * models - the forum's tables, described once for the ORM (orm.h): the
 * course's users, groups and their members, posts, comments and likes,
 * questions and answers, and messages, with what the forum adds (a
 * message's read flag, a comment like's one row per user and comment).
 *
 * Field names are the course's, so a row read through eddy_orm_row_json
 * has the JSON shape the course's front end expects (model_to_dict).
 */
#ifndef FORUM_MODELS_H
#define FORUM_MODELS_H

#include <eddy/eddy.h>

extern const eddy_model forum_user;         /* accounts: mobile, password, profile */
extern const eddy_model forum_group;        /* 小组: creator, name, category, cover, counts */
extern const eddy_model forum_member;       /* an application to a group, and its outcome */
extern const eddy_model forum_post;         /* a post in a group */
extern const eddy_model forum_comment;      /* comments and replies (parent_comment set) */
extern const eddy_model forum_comment_like; /* who liked which comment */
extern const eddy_model forum_question;     /* Q&A: a question with category and image */
extern const eddy_model forum_answer;       /* answers and replies (parent_answer set) */
extern const eddy_model forum_message;      /* the inbox: comment, reply, like, answer... */

/* A member row's status: pending is NULL (the course's), then one of these. */
#define FORUM_MEMBER_AGREE  "agree"
#define FORUM_MEMBER_REFUSE "refuse"

/* A message's type, the course's numbers. */
enum {
    FORUM_MSG_COMMENT = 1,      /* a comment on your post */
    FORUM_MSG_REPLY = 2,        /* a reply to your comment */
    FORUM_MSG_LIKE = 3,         /* a like of your comment */
    FORUM_MSG_ANSWER = 4,       /* an answer to your question */
    FORUM_MSG_ANSWER_REPLY = 5, /* a reply to your answer */
};

/* forum_create_tables - every table and index, if missing. A wait: 0 or
 * an errno value (logged). */
int forum_create_tables(eddy_db *db);

#endif
