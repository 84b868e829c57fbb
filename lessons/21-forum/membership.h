/*
 * membership - a group owner's decision on an application to join, with
 * the group's member count moved to match (lesson 21's exercise).
 */
#ifndef FORUM_MEMBERSHIP_H
#define FORUM_MEMBERSHIP_H

#include <eddy/eddy.h>

#include <stdbool.h>
#include <stdint.h>

/* forum_decide_member - set member row `member` (of group `group`) to
 * "agree" (agree true) or "refuse", with msg (may be NULL or "") as
 * handle_msg and now as handle_time, and keep the group's member_nums
 * equal to its agreed members: one more when a pending or refused row
 * becomes agreed, one fewer when an agreed row is refused, no change
 * when the row already had that status (the decision is then not
 * written again). Safe when two decisions race. A wait: 0 or an errno
 * value (db.h). */
int forum_decide_member(eddy_db *db, int64_t member, int64_t group, bool agree, const char *msg);

#endif
