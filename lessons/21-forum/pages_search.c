/*
 * pages_search - the search page: posts (of the groups the visitor is a
 * member of) and questions holding every word typed, newest first,
 * twenty to a page.
 *
 *   GET /search?q=words&page=N
 *
 * The finding is forum_search (search.c), the same full-text query the
 * JSON API's /search/ runs; this file only lays the rows out as a page.
 */
#include "content.h"
#include "pages.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { PAGE_SIZE = 20, MAX_PAGE = 50, MAX_QUERY_BYTES = 200 };

/* hit - one row of forum_search as the page shows it. */
static json_t *hit(eddy_req *r, const eddy_db_result *res, size_t i, const char *words)
{
    const char *kind = eddy_db_text(res, i, "kind");
    bool post = kind && strcmp(kind, "post") == 0;
    char url[48];
    snprintf(url, sizeof url, "%s%lld", post ? "/post/" : "/qa/",
             (long long)eddy_db_int(res, i, "id"));
    const char *title = eddy_db_text(res, i, "title");
    return json_pack("{s:s,s:s,s:s,s:s,s:s}", "kind", post ? "post" : "question", "url", url,
                     "title", title ? title : "", "snippet",
                     forum_search_snippet(r, eddy_db_text(res, i, "content"), words), "add_time",
                     page_time(r, res, i, "add_time"));
}

/* query_escape - words for a URL's query, in the request's arena. */
static const char *query_escape(eddy_req *r, const char *words)
{
    char *q = eddy_alloc(r, 3 * strlen(words) + 1);
    size_t n = 0;
    for (const unsigned char *p = (const unsigned char *)words; q && *p; p++) {
        if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9'))
            q[n++] = (char)*p;
        else
            n += (size_t)sprintf(q + n, "%%%02X", *p);
    }
    if (q)
        q[n] = '\0';
    return q;
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
    eddy_db_result *res = NULL;
    int64_t total = 0;
    int rc = forum_search(r, words, "all", page_user_id(r), PAGE_SIZE, (page - 1) * PAGE_SIZE, &res,
                          &total);
    if (rc) {
        json_decref(ctx);
        page_db_failed(r, rc, res, NULL);
        return;
    }
    json_t *hits = json_object_get(ctx, "hits");
    for (size_t i = 0; res && i < eddy_db_rows(res); i++)
        json_array_append_new(hits, hit(r, res, i, words));
    eddy_db_result_free(res);
    const char *q = query_escape(r, words);
    char url[700];
    if (page > 1 && q) {
        snprintf(url, sizeof url, "/search?q=%s&page=%ld", q, page - 1);
        json_object_set_new(ctx, "prev_url", json_string(url));
    }
    if (total > page * PAGE_SIZE && page < MAX_PAGE && q) {
        snprintf(url, sizeof url, "/search?q=%s&page=%ld", q, page + 1);
        json_object_set_new(ctx, "next_url", json_string(url));
    }
    json_object_set_new(ctx, "total", json_integer((json_int_t)total));
    page_render(r, 200, "search.html", ctx);
}

static const eddy_handler search_page = {.get = search_get};

int pages_routes_search(eddy_app *app, forum *f)
{
    (void)f;
    return eddy_route(app, "/search", &search_page, "search");
}
