/*
 * pages_search - the search page: posts (of the groups the visitor is a
 * member of) and questions whose title or text holds the words, newest
 * first, twenty to a page.
 *
 *   GET /search?q=words&page=N
 *
 * The page matches the whole phrase with LIKE through the ORM (every
 * value bound, so the text is only ever data); the JSON API's search
 * (search.c) has the full-text index. A "%" or "_" typed in the box
 * matches any text, as LIKE reads them.
 */
#include "models.h"
#include "pages.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { PAGE_SIZE = 20, MAX_PAGE = 50, MAX_GROUPS = 200, MAX_QUERY_BYTES = 200 };

/* member_groups - the ids of the groups user is an agreed member of. */
static int member_groups(eddy_req *r, int64_t user, int64_t *ids, size_t *n)
{
    *n = 0;
    if (!user)
        return 0;
    eddy_query *q = eddy_orm_select(&forum_member);
    eddy_orm_where(q, eddy_orm_and(q, eddy_orm_eq(q, "user", EDDY_DB_INT(user)),
                                   eddy_orm_eq(q, "status", EDDY_DB_STR(FORUM_MEMBER_AGREE))));
    eddy_orm_limit(q, MAX_GROUPS, 0);
    eddy_db_result *res;
    int rc = eddy_orm_run(eddy_req_db(r), q, &res);
    eddy_query_free(q);
    for (size_t i = 0; rc == 0 && i < eddy_db_rows(res); i++)
        ids[(*n)++] = eddy_db_int(res, i, "community");
    eddy_db_result_free(res);
    return rc;
}

/* find - rows of m whose title or content holds pattern, newest first,
 * at most limit; with groups, only posts of those groups. */
static int find(eddy_req *r, const eddy_model *m, const char *pattern, const int64_t *groups,
                size_t ngroups, int64_t limit, eddy_db_result **res)
{
    eddy_query *q = eddy_orm_select(m);
    eddy_cond *c = eddy_orm_or(q, eddy_orm_like(q, "title", EDDY_DB_STR(pattern)),
                               eddy_orm_like(q, "content", EDDY_DB_STR(pattern)));
    if (groups) {
        eddy_cond *in = eddy_orm_eq(q, "group", EDDY_DB_INT(groups[0]));
        for (size_t i = 1; i < ngroups; i++)
            in = eddy_orm_or(q, in, eddy_orm_eq(q, "group", EDDY_DB_INT(groups[i])));
        c = eddy_orm_and(q, c, in);
    }
    eddy_orm_where(q, c);
    eddy_orm_order_by(q, "id", true);
    eddy_orm_limit(q, limit, 0);
    int rc = eddy_orm_run(eddy_req_db(r), q, res);
    eddy_query_free(q);
    return rc;
}

/* snippet - the start of a text, on one line, for a result. */
static const char *snippet(eddy_req *r, const char *text)
{
    char buf[160];
    snprintf(buf, sizeof buf, "%s", text ? text : "");
    size_t n = strlen(buf);
    while (n && ((unsigned char)buf[n - 1] & 0xC0) == 0x80) /* no half a character at the end */
        n--;
    if (n && (unsigned char)buf[n - 1] >= 0xC0)
        n--;
    buf[n] = '\0';
    for (char *p = buf; *p; p++)
        if (*p == '\n' || *p == '\r' || *p == '\t')
            *p = ' ';
    return eddy_strdup(r, buf);
}

static json_t *hit(eddy_req *r, const eddy_db_result *res, size_t i, const char *kind,
                   const char *prefix)
{
    char url[48];
    snprintf(url, sizeof url, "%s%lld", prefix, (long long)eddy_db_int(res, i, "id"));
    const char *title = eddy_db_text(res, i, "title");
    return json_pack("{s:s,s:s,s:s,s:s,s:s,s:I}", "kind", kind, "url", url, "title",
                     title ? title : "", "snippet", snippet(r, eddy_db_text(res, i, "content")),
                     "add_time", page_time(r, res, i, "add_time"), "order",
                     (json_int_t)eddy_db_value_of(res, i, "add_time")->i);
}

static void search_get(eddy_req *r)
{
    const char *words = eddy_get_query_argument(r, "q", "");
    long page = strtol(eddy_get_query_argument(r, "page", "1"), NULL, 10);
    if (page < 1 || page > MAX_PAGE)
        page = 1;
    json_t *ctx = json_pack("{s:s,s:[],s:i,s:s,s:s}", "search_query", words, "hits", "total", 0,
                            "prev_url", "", "next_url", "");
    if (!*words || strlen(words) > MAX_QUERY_BYTES) {
        page_render(r, strlen(words) > MAX_QUERY_BYTES ? 400 : 200, "search.html", ctx);
        return;
    }
    size_t plen = strlen(words) + 3;
    char *pattern = eddy_alloc(r, plen);
    int64_t groups[MAX_GROUPS];
    size_t ngroups;
    int rc = pattern ? member_groups(r, page_user_id(r), groups, &ngroups) : ENOMEM;
    if (pattern)
        snprintf(pattern, plen, "%%%s%%", words);
    int64_t want = page * PAGE_SIZE + 1; /* enough of each kind for this page, and one more */
    eddy_db_result *posts = NULL, *questions = NULL;
    if (rc == 0 && ngroups)
        rc = find(r, &forum_post, pattern, groups, ngroups, want, &posts);
    if (rc == 0)
        rc = find(r, &forum_question, pattern, NULL, 0, want, &questions);
    if (rc) {
        json_decref(ctx);
        eddy_db_result_free(posts);
        page_db_failed(r, rc, questions, NULL);
        return;
    }
    /* the two lists merged, newest first */
    json_t *all = json_array();
    size_t np = posts ? eddy_db_rows(posts) : 0, nq = eddy_db_rows(questions), i = 0, j = 0;
    while (i < np || j < nq) {
        json_t *a = i < np ? hit(r, posts, i, "post", "/post/") : NULL;
        json_t *b = j < nq ? hit(r, questions, j, "question", "/qa/") : NULL;
        bool take_a = a && (!b || json_integer_value(json_object_get(a, "order")) >=
                                      json_integer_value(json_object_get(b, "order")));
        json_array_append(all, take_a ? a : b);
        take_a ? i++ : j++;
        json_decref(a);
        json_decref(b);
    }
    eddy_db_result_free(posts);
    eddy_db_result_free(questions);
    json_t *hits = json_object_get(ctx, "hits");
    size_t from = (size_t)(page - 1) * PAGE_SIZE;
    for (size_t k = from; k < json_array_size(all) && k < from + PAGE_SIZE; k++)
        json_array_append(hits, json_array_get(all, k));
    char *q = eddy_alloc(r, 3 * strlen(words) + 1);
    size_t qn = 0;
    for (const unsigned char *p = (const unsigned char *)words; q && *p; p++) {
        if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9'))
            q[qn++] = (char)*p;
        else
            qn += (size_t)sprintf(q + qn, "%%%02X", *p);
    }
    if (q)
        q[qn] = '\0';
    char url[700];
    if (page > 1 && q) {
        snprintf(url, sizeof url, "/search?q=%s&page=%ld", q, page - 1);
        json_object_set_new(ctx, "prev_url", json_string(url));
    }
    if (json_array_size(all) > from + PAGE_SIZE && page < MAX_PAGE && q) {
        snprintf(url, sizeof url, "/search?q=%s&page=%ld", q, page + 1);
        json_object_set_new(ctx, "next_url", json_string(url));
    }
    json_object_set_new(ctx, "total", json_integer((json_int_t)json_array_size(all)));
    json_decref(all);
    page_render(r, 200, "search.html", ctx);
}

static const eddy_handler search_page = {.get = search_get};

int pages_routes_search(eddy_app *app, forum *f)
{
    (void)f;
    return eddy_route(app, "/search", &search_page, "search");
}
