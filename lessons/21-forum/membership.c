/*
 * membership - a group owner's decision on an application, and the
 * group's member count kept true to it; see membership.h.
 *
 * The count lives in the group's row (member_nums) so that the group
 * list never counts rows. Keeping it true means moving it exactly when a
 * member row's status really changes to or from "agree", even when two
 * decisions on the same row arrive at once (the owner's two tabs, a
 * double click): each state change is an UPDATE that names the state it
 * expects to find, so only one of two racing requests changes the row,
 * and only that one moves the count.
 */
#include "membership.h"
#include "models.h"

/* decide - move member from status `from` (NULL: pending) to `to`. The
 * update matches only a row in that state, so of two decisions racing
 * (two of the owner's tabs) one changes the row and the other finds
 * nothing: the count below moves once. *changed: this one did. */
static int decide(eddy_db *db, int64_t member, const char *from, const char *to, const char *msg,
                  bool *changed)
{
    eddy_query *q = eddy_orm_update(&forum_member);
    eddy_orm_set(q, "status", EDDY_DB_STR(to));
    eddy_orm_set(q, "handle_msg", msg && *msg ? EDDY_DB_STR(msg) : EDDY_DB_NULLV);
    eddy_orm_set(q, "handle_time", EDDY_DB_TIME(eddy_db_now()));
    eddy_orm_where(q, eddy_orm_eq(q, "id", EDDY_DB_INT(member)));
    eddy_orm_where(q, from ? eddy_orm_eq(q, "status", EDDY_DB_STR(from))
                           : eddy_orm_is_null(q, "status"));
    eddy_db_result *res;
    int rc = eddy_orm_run(db, q, &res);
    eddy_query_free(q);
    *changed = rc == 0 && eddy_db_affected(res) == 1;
    eddy_db_result_free(res);
    return rc;
}

/* count_member - member_nums += by, in the database (atomic). */
static int count_member(eddy_db *db, int64_t group, int by)
{
    eddy_query *q = eddy_orm_update(&forum_group);
    eddy_orm_increment(q, "member_nums", by);
    eddy_orm_where(q, eddy_orm_eq(q, "id", EDDY_DB_INT(group)));
    eddy_db_result *res;
    int rc = eddy_orm_run(db, q, &res);
    eddy_query_free(q);
    eddy_db_result_free(res);
    return rc;
}

/* quote:begin decide_member */
int forum_decide_member(eddy_db *db, int64_t member, int64_t group, bool agree, const char *msg)
{
    bool changed = false;
    int rc;
    if (agree) {
        rc = decide(db, member, NULL, FORUM_MEMBER_AGREE, msg, &changed);
        if (!rc && !changed)
            rc = decide(db, member, FORUM_MEMBER_REFUSE, FORUM_MEMBER_AGREE, msg, &changed);
        return rc || !changed ? rc : count_member(db, group, 1);
    }
    rc = decide(db, member, FORUM_MEMBER_AGREE, FORUM_MEMBER_REFUSE, msg, &changed);
    if (!rc && changed)
        return count_member(db, group, -1);
    return rc ? rc : decide(db, member, NULL, FORUM_MEMBER_REFUSE, msg, &changed);
}
/* quote:end decide_member */
