/*
 * markdown - Markdown to safe HTML with cmark (markdown.h says the rules).
 *
 * cmark already refuses to pass raw HTML through (it writes a comment in
 * its place) and drops javascript: links in its default mode. The forum
 * asks for more and for something a reader can see: raw HTML is turned
 * into text before rendering, so "<b>" shows as "<b>" and the writer
 * sees why nothing happened, and link addresses are checked against a
 * short list of what is allowed instead of a list of what is not.
 */
#include "markdown.h"

#include <cmark.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* skip_blank - leading spaces and control bytes, which a browser skips
 * before reading a scheme. */
static const char *skip_blank(const char *url)
{
    while (*url && (unsigned char)*url <= ' ')
        url++;
    return url;
}

static int scheme_is(const char *url, const char *scheme)
{
    size_t n = strlen(scheme);
    return strncasecmp(url, scheme, n) == 0 && url[n] == ':';
}

/* is_relative - no ':' before the first '/', '?' or '#': the test a
 * browser makes to decide an address has no scheme ("//host/x" is
 * relative to the page's scheme, http or https). */
static int is_relative(const char *url)
{
    for (const char *p = url; *p; p++) {
        if (*p == ':')
            return 0;
        if (*p == '/' || *p == '?' || *p == '#')
            return 1;
    }
    return 1;
}

int forum_markdown_url_allowed(const char *url, int image)
{
    if (!url)
        return 0;
    url = skip_blank(url);
    /* A control byte or a backslash inside an address is how filters are
     * fooled ("java\tscript:", "/\evil.example"): refuse the address. */
    for (const char *p = url; *p; p++)
        if ((unsigned char)*p < ' ' || *p == '\\')
            return 0;
    if (is_relative(url))
        return 1;
    if (scheme_is(url, "http") || scheme_is(url, "https"))
        return 1;
    return !image && scheme_is(url, "mailto");
}

/* raw_html_as_text - a node holding raw HTML, replaced by one showing the
 * same characters as text: a paragraph for a block, a text run inline. */
static int raw_html_as_text(cmark_node *node)
{
    const char *literal = cmark_node_get_literal(node);
    cmark_node *text = cmark_node_new(CMARK_NODE_TEXT);
    if (!text)
        return -1;
    cmark_node_set_literal(text, literal ? literal : "");
    cmark_node *replacement = text;
    if (cmark_node_get_type(node) == CMARK_NODE_HTML_BLOCK) {
        replacement = cmark_node_new(CMARK_NODE_PARAGRAPH);
        if (!replacement || !cmark_node_append_child(replacement, text)) {
            cmark_node_free(text);
            cmark_node_free(replacement);
            return -1;
        }
    }
    if (!cmark_node_replace(node, replacement)) {
        cmark_node_free(replacement);
        return -1;
    }
    cmark_node_free(node);
    return 0;
}

/* collect - every node to change, gathered first: the tree is not changed
 * under the iterator. */
static int collect(cmark_node *root, cmark_node ***nodes, size_t *count)
{
    size_t cap = 0;
    cmark_iter *it = cmark_iter_new(root);
    if (!it)
        return -1;
    cmark_event_type ev;
    int rc = 0;
    while ((ev = cmark_iter_next(it)) != CMARK_EVENT_DONE) {
        cmark_node *cur = cmark_iter_get_node(it);
        cmark_node_type type = cmark_node_get_type(cur);
        if (ev != CMARK_EVENT_ENTER)
            continue;
        if (type == CMARK_NODE_LINK || type == CMARK_NODE_IMAGE) {
            if (!forum_markdown_url_allowed(cmark_node_get_url(cur), type == CMARK_NODE_IMAGE))
                cmark_node_set_url(cur, "");
            continue;
        }
        if (type != CMARK_NODE_HTML_BLOCK && type != CMARK_NODE_HTML_INLINE)
            continue;
        if (*count == cap) {
            size_t ncap = cap ? cap * 2 : 8;
            cmark_node **grown = realloc(*nodes, ncap * sizeof *grown);
            if (!grown) {
                rc = -1;
                break;
            }
            *nodes = grown;
            cap = ncap;
        }
        (*nodes)[(*count)++] = cur;
    }
    cmark_iter_free(it);
    return rc;
}

char *forum_markdown_html(const char *text, size_t len)
{
    cmark_node *doc = cmark_parse_document(text ? text : "", text ? len : 0,
                                           CMARK_OPT_VALIDATE_UTF8);
    if (!doc)
        return NULL;
    cmark_node **raw = NULL;
    size_t count = 0;
    char *html = NULL;
    if (collect(doc, &raw, &count) == 0) {
        size_t i = 0;
        while (i < count && raw_html_as_text(raw[i]) == 0)
            i++;
        /* CMARK_OPT_SAFE as well: should a raw node have slipped through,
         * cmark still writes a comment instead of it. */
        if (i == count)
            html = cmark_render_html(doc, CMARK_OPT_SAFE);
    }
    free(raw);
    cmark_node_free(doc);
    return html;
}

/* ------------------------------------------------------------ rendered once */

/* A post is read far more often than it is written: its HTML is kept,
 * beside a copy of the text it came from, in a slot chosen by the text's
 * hash. A text that changed (an edit, another row) no longer matches its
 * copy and is rendered again, so the cache is never stale and needs no
 * schema, migration or write path of its own; the slots bound its memory. */
enum { MD_SLOTS = 64, MD_MAX_TEXT = 16 * 1024 };

struct forum_markdown_cache {
    struct md_slot {
        char *text, *html; /* malloc'ed; NULL: empty */
        size_t len;
    } slot[MD_SLOTS];
};

forum_markdown_cache *forum_markdown_cache_new(void)
{
    return calloc(1, sizeof(forum_markdown_cache));
}

static void slot_clear(struct md_slot *s)
{
    free(s->text);
    free(s->html);
    *s = (struct md_slot){NULL, NULL, 0};
}

void forum_markdown_cache_free(forum_markdown_cache *c)
{
    for (size_t i = 0; c && i < MD_SLOTS; i++)
        slot_clear(&c->slot[i]);
    free(c);
}

const char *forum_markdown_cached(forum_markdown_cache *c, const char *text, size_t len)
{
    uint64_t h = 0xcbf29ce484222325u; /* FNV-1a: any spread will do */
    for (size_t i = 0; i < len; i++)
        h = (h ^ (unsigned char)text[i]) * 0x100000001b3u;
    struct md_slot *s = &c->slot[h % MD_SLOTS];
    if (s->text && s->len == len && memcmp(s->text, text, len) == 0)
        return s->html;
    char *html = forum_markdown_html(text, len);
    if (!html)
        return NULL;
    char *kept = len <= MD_MAX_TEXT ? malloc(len + 1) : NULL; /* a long text: rendered, not kept */
    slot_clear(s);
    s->html = html; /* the caller's to read until the slot is used again */
    if (kept) {
        memcpy(kept, text, len);
        kept[len] = '\0';
        s->text = kept;
        s->len = len;
    }
    return html;
}
