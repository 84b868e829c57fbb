/*
 * search - full-text search over posts and questions (beyond the
 * course), paged:
 *
 *   GET /search/?q=words&type=all|post|question&page=1&limit=20
 *   -> {q, type, page, limit, total, results: [{type, id, title, snippet,
 *       add_time, group (posts)}]}, newest first
 *
 * Each database searches its own way. On SQLite, an FTS5 index per table
 * (post_fts, question_fts) holds title and content, kept in step with the
 * table by triggers; its tokenizer is "trigram", which finds any run of
 * three characters or more, so Chinese text (no spaces between words)
 * is found as well as English. On MariaDB, a FULLTEXT index on the same
 * columns, searched IN BOOLEAN MODE, for words of Latin letters; its
 * parser does not split Chinese into words, so a Chinese word is looked
 * for with LIKE there (a scan of the table), as is, on both databases, a
 * word shorter than the index can find (under three characters).
 *
 * Every word reaches the database as a bound parameter; for FTS5 each one
 * is also quoted as a string, so no word can be read as query syntax.
 * Posts are members-only: a search lists only posts of the groups the
 * caller is an approved member of (none without a token); questions are
 * public.
 *
 * The query itself is forum_search (content.h), which the search page
 * (pages_search.c) calls too: both faces find the same rows.
 */
#include "content.h"
#include "forum.h"

#include <eddy/base/buf.h>
#include <eddy/base/log.h>
#include <eddy/web/app_db.h>

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_WORDS 8
#define MAX_QUERY_BYTES 200

/* ------------------------------------------------------------ the index */

static const char *const sqlite_setup[] = {
    "CREATE VIRTUAL TABLE IF NOT EXISTS post_fts USING fts5(title, content,"
    " content='post', content_rowid='id', tokenize='trigram')",
    "CREATE TRIGGER IF NOT EXISTS post_fts_insert AFTER INSERT ON post BEGIN"
    " INSERT INTO post_fts(rowid, title, content) VALUES (new.id, new.title, new.content); END",
    "CREATE TRIGGER IF NOT EXISTS post_fts_delete AFTER DELETE ON post BEGIN"
    " INSERT INTO post_fts(post_fts, rowid, title, content)"
    " VALUES ('delete', old.id, old.title, old.content); END",
    /* only when the text changes: a new comment count leaves the index be */
    "CREATE TRIGGER IF NOT EXISTS post_fts_update AFTER UPDATE OF title, content ON post BEGIN"
    " INSERT INTO post_fts(post_fts, rowid, title, content)"
    " VALUES ('delete', old.id, old.title, old.content);"
    " INSERT INTO post_fts(rowid, title, content) VALUES (new.id, new.title, new.content); END",
    "CREATE VIRTUAL TABLE IF NOT EXISTS question_fts USING fts5(title, content,"
    " content='question', content_rowid='id', tokenize='trigram')",
    "CREATE TRIGGER IF NOT EXISTS question_fts_insert AFTER INSERT ON question BEGIN"
    " INSERT INTO question_fts(rowid, title, content) VALUES (new.id, new.title, new.content);"
    " END",
    "CREATE TRIGGER IF NOT EXISTS question_fts_delete AFTER DELETE ON question BEGIN"
    " INSERT INTO question_fts(question_fts, rowid, title, content)"
    " VALUES ('delete', old.id, old.title, old.content); END",
    "CREATE TRIGGER IF NOT EXISTS question_fts_update AFTER UPDATE OF title, content ON question"
    " BEGIN INSERT INTO question_fts(question_fts, rowid, title, content)"
    " VALUES ('delete', old.id, old.title, old.content);"
    " INSERT INTO question_fts(rowid, title, content) VALUES (new.id, new.title, new.content);"
    " END",
    NULL};

/* Rows written before the index existed (a database from before search)
 * are indexed once, when the index is made; the triggers keep it after. */
static const char *const sqlite_first_fill[] = {
    "INSERT INTO post_fts(post_fts) VALUES ('rebuild')",
    "INSERT INTO question_fts(question_fts) VALUES ('rebuild')",
    NULL};

static const char *const mysql_setup[] = {
    "CREATE FULLTEXT INDEX IF NOT EXISTS post_fulltext ON post (title, content)",
    "CREATE FULLTEXT INDEX IF NOT EXISTS question_fulltext ON question (title, content)",
    NULL};

static int exec_all(eddy_db *db, const char *const *sql)
{
    for (size_t i = 0; sql[i]; i++) {
        int rc = eddy_db_exec(db, sql[i], NULL, 0, NULL, NULL);
        if (rc)
            return rc; /* logged by eddy_db_exec */
    }
    return 0;
}

int forum_search_setup(eddy_db *db)
{
    if (strcmp(eddy_db_dialect(db), "mysql") == 0)
        return exec_all(db, mysql_setup);
    eddy_db_result *res = NULL;
    int rc = eddy_db_query(db, &res,
                           "SELECT count(*) AS n FROM sqlite_master WHERE name = 'post_fts'", NULL,
                           0);
    bool existed = rc == 0 && eddy_db_int(res, 0, "n") > 0;
    eddy_db_result_free(res);
    if (rc)
        return rc;
    rc = exec_all(db, sqlite_setup);
    return rc || existed ? rc : exec_all(db, sqlite_first_fill);
}

/* ------------------------------------------------------------ the words */

typedef struct words {
    const char *w[MAX_WORDS];
    size_t count;
} words;

static size_t utf8_chars(const char *s)
{
    size_t n = 0;
    for (; *s; s++)
        n += ((unsigned char)*s & 0xC0) != 0x80;
    return n;
}

/* split - q's words (split on ASCII spaces), in the request's arena. */
static void split(eddy_req *r, const char *q, words *out)
{
    out->count = 0;
    char *copy = eddy_strdup(r, q);
    for (char *save = NULL, *w = copy ? strtok_r(copy, " \t\r\n", &save) : NULL;
         w && out->count < MAX_WORDS; w = strtok_r(NULL, " \t\r\n", &save))
        out->w[out->count++] = w;
}

/* fts5_word - w as an FTS5 string: "..." with " doubled. */
static void fts5_word(eddy_buf *b, const char *w)
{
    eddy_buf_append_str(b, "\"");
    for (const char *p = w; *p; p++) {
        if (*p == '"')
            eddy_buf_append_str(b, "\"");
        eddy_buf_append(b, p, 1);
    }
    eddy_buf_append_str(b, "\" ");
}

/* mysql_word - w for MariaDB's boolean mode: required (+), as a phrase
 * (" dropped), in each of its spellings: the forum's text columns
 * compare bytes (utf8mb4_bin), so the index matches case exactly, and
 * "Coroutines" is found as typed, lower case, upper case and capitalised. */
static void mysql_word(eddy_buf *b, const char *w)
{
    eddy_buf_append_str(b, "+(");
    for (int form = 0; form < 4; form++) {
        eddy_buf_append_str(b, "\"");
        for (const char *p = w; *p; p++) {
            char c = *p;
            if (c == '"')
                continue;
            if (form == 1 || (form == 3 && p > w))
                c = (char)tolower((unsigned char)c);
            else if (form == 2 || form == 3)
                c = (char)toupper((unsigned char)c);
            eddy_buf_append(b, &c, 1);
        }
        eddy_buf_append_str(b, form < 3 ? "\" " : "\") ");
    }
}

static int ascii_only(const char *w)
{
    for (; *w; w++)
        if ((unsigned char)*w >= 0x80)
            return 0;
    return 1;
}

/* like_pattern - %w% with LIKE's wildcards escaped by '!'. */
static char *like_pattern(eddy_req *r, const char *w)
{
    size_t n = strlen(w);
    char *p = eddy_alloc(r, 2 * n + 3), *o = p;
    if (!p)
        return NULL;
    *o++ = '%';
    for (; *w; w++) {
        if (*w == '%' || *w == '_' || *w == '!')
            *o++ = '!';
        *o++ = *w;
    }
    *o++ = '%';
    *o = '\0';
    return p;
}

/* ------------------------------------------------------------ the query */

typedef struct search_sql {
    eddy_buf sql;
    eddy_db_value params[2 * MAX_WORDS * 2 + 8];
    size_t n;
} search_sql;

/* add_kind - one table's SELECT: its rows matching every word. */
static void add_kind(eddy_req *r, search_sql *s, const words *ws, const char *kind, int mysql,
                     int64_t user)
{
    int post = strcmp(kind, "post") == 0;
    const char *table = post ? "post" : "question";
    eddy_buf_printf(&s->sql,
                    "SELECT '%s' AS kind, t.id AS id, t.title AS title, t.content AS content,"
                    " t.add_time AS add_time, %s AS group_id FROM %s t WHERE 1 = 1",
                    kind, post ? "t.group_id" : "NULL", table);
    eddy_buf match = EDDY_BUF_INIT;
    for (size_t i = 0; i < ws->count; i++) {
        /* MariaDB's index splits words on spaces and punctuation only,
         * so a run of Chinese is one "word": such text is searched by
         * LIKE there, as is any word shorter than an index can find. */
        if (utf8_chars(ws->w[i]) >= 3 && (!mysql || ascii_only(ws->w[i]))) {
            if (mysql)
                mysql_word(&match, ws->w[i]);
            else
                fts5_word(&match, ws->w[i]);
            continue;
        }
        char *like = like_pattern(r, ws->w[i]);
        eddy_buf_append_str(&s->sql, " AND (t.title LIKE ? ESCAPE '!' OR t.content LIKE ? ESCAPE '!')");
        s->params[s->n++] = EDDY_DB_STR(like);
        s->params[s->n++] = EDDY_DB_STR(like);
    }
    if (match.len) {
        char *text = eddy_alloc(r, match.len + 1);
        if (text) {
            memcpy(text, match.data, match.len);
            text[match.len] = '\0';
        }
        if (mysql)
            eddy_buf_append_str(&s->sql,
                                " AND MATCH (t.title, t.content) AGAINST (? IN BOOLEAN MODE)");
        else
            eddy_buf_printf(&s->sql, " AND t.id IN (SELECT rowid FROM %s_fts WHERE %s_fts MATCH ?)",
                            table, table);
        s->params[s->n++] = EDDY_DB_STR(text);
    }
    eddy_buf_free(&match);
    if (post) {
        /* members only: the groups the caller was admitted to */
        eddy_buf_append_str(&s->sql, " AND t.group_id IN (SELECT community_id FROM"
                                     " community_group_member WHERE user_id = ? AND status = ?)");
        s->params[s->n++] = EDDY_DB_INT(user);
        s->params[s->n++] = EDDY_DB_STR("agree");
    }
}

/* snippet - about 80 characters of content around the first word found
 * (the start when none is), with an ellipsis where it was cut. */
static json_t *snippet(const char *content, const words *ws)
{
    if (!content)
        return json_string("");
    const char *at = NULL;
    for (size_t i = 0; i < ws->count && !at; i++)
        at = strcasestr(content, ws->w[i]);
    const char *start = at ? at : content;
    for (int back = 0; start > content && back < 20;) {
        start--;
        if (((unsigned char)*start & 0xC0) != 0x80)
            back++;
    }
    const char *end = start;
    for (int chars = 0; *end && chars < 80; chars++)
        do
            end++;
        while (((unsigned char)*end & 0xC0) == 0x80);
    eddy_buf b = EDDY_BUF_INIT;
    if (start > content)
        eddy_buf_append_str(&b, "…");
    eddy_buf_append(&b, start, (size_t)(end - start));
    if (*end)
        eddy_buf_append_str(&b, "…");
    json_t *s = json_stringn(b.data ? b.data : "", b.len);
    eddy_buf_free(&b);
    return s;
}

int forum_search(eddy_req *r, const char *q, const char *type, int64_t user, int64_t limit,
                 int64_t offset, eddy_db_result **res, int64_t *total)
{
    *res = NULL;
    *total = 0;
    words ws;
    split(r, q, &ws);
    if (ws.count == 0)
        return 0;
    int mysql = strcmp(eddy_db_dialect(eddy_req_db(r)), "mysql") == 0;
    int posts = strcmp(type, "question") && user > 0, questions = strcmp(type, "post") != 0;
    search_sql s = {.sql = EDDY_BUF_INIT};
    eddy_buf_append_str(&s.sql, "SELECT kind, id, title, content, add_time, group_id,"
                                " COUNT(*) OVER () AS total FROM (");
    if (posts)
        add_kind(r, &s, &ws, "post", mysql, user);
    if (posts && questions)
        eddy_buf_append_str(&s.sql, " UNION ALL ");
    if (questions)
        add_kind(r, &s, &ws, "question", mysql, user);
    if (!posts && !questions) /* posts only, asked by nobody: nothing to see */
        eddy_buf_append_str(&s.sql, "SELECT 'post' AS kind, 0 AS id, '' AS title, '' AS content,"
                                    " NULL AS add_time, NULL AS group_id FROM post WHERE 1 = 0");
    eddy_buf_append_str(&s.sql, ") found ORDER BY add_time DESC, id DESC LIMIT ? OFFSET ?");
    s.params[s.n++] = EDDY_DB_INT(limit);
    s.params[s.n++] = EDDY_DB_INT(offset);
    char *sql = eddy_alloc(r, s.sql.len + 1);
    if (sql) {
        memcpy(sql, s.sql.data, s.sql.len);
        sql[s.sql.len] = '\0';
    }
    eddy_buf_free(&s.sql);
    int rc = sql ? eddy_db_query(eddy_req_db(r), res, sql, s.params, s.n) : ENOMEM;
    if (rc == 0 && eddy_db_rows(*res))
        *total = eddy_db_int(*res, 0, "total");
    return rc;
}

char *forum_search_snippet(eddy_req *r, const char *content, const char *q)
{
    words ws;
    split(r, q, &ws);
    json_t *s = snippet(content, &ws);
    char *out = eddy_strdup(r, json_string_value(s));
    json_decref(s);
    return out;
}

static void search_get(eddy_req *r)
{
    int64_t me = content_optional_user(r);
    if (me < 0)
        return;
    const char *q = eddy_get_query_argument(r, "q", "");
    const char *type = eddy_get_query_argument(r, "type", "all");
    if (strcmp(type, "all") && strcmp(type, "post") && strcmp(type, "question")) {
        forum_send_field_error(r, 400, "type", "type must be all, post or question");
        return;
    }
    if (strlen(q) > MAX_QUERY_BYTES) {
        forum_send_field_error(r, 400, "q", "搜索内容太长");
        return;
    }
    int64_t limit, offset, total;
    content_page(r, 20, 100, &limit, &offset);
    eddy_db_result *res = NULL;
    int rc = forum_search(r, q, type, me, limit, offset, &res, &total);
    if (rc) {
        eddy_send_db_error(r, rc, res);
        return;
    }
    json_t *list = json_array();
    for (size_t i = 0; res && i < eddy_db_rows(res); i++) {
        json_t *o = json_pack("{s:s?, s:I, s:s?, s:s, s:o}", "type", eddy_db_text(res, i, "kind"),
                              "id", (json_int_t)eddy_db_int(res, i, "id"), "title",
                              eddy_db_text(res, i, "title"), "snippet",
                              forum_search_snippet(r, eddy_db_text(res, i, "content"), q),
                              "add_time", content_time(res, i, "add_time", 0));
        if (!eddy_db_is_null(res, i, "group_id"))
            json_object_set_new(o, "group", json_integer(eddy_db_int(res, i, "group_id")));
        json_array_append_new(list, o);
    }
    eddy_db_result_free(res);
    eddy_send_json(r, json_pack("{s:s, s:s, s:I, s:I, s:I, s:o}", "q", q, "type", type, "page",
                                (json_int_t)(offset / limit + 1), "limit", (json_int_t)limit,
                                "total", (json_int_t)total, "results", list));
}

static const eddy_handler search = {.get = search_get};

int forum_routes_search(eddy_app *app, forum *f)
{
    (void)f;
    return forum_api_route(app, "/search/", &search, "api_search");
}
