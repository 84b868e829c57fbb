/*
 * site - lesson 14: a small site rendered with templates.
 *
 * Lesson 13 answered in JSON; a site answers in HTML, and HTML built
 * with printf is where cross-site scripting comes from. Here every page
 * is a template (templates/): base.html is the layout, layout.html
 * extends it with a navigation bar, and the pages extend layout.html -
 * two levels of inheritance, each filling the blocks it names. Entries
 * are drawn by the Entry UI module (entry.c), which brings its own
 * fragment, CSS and JS. Static files (static/) are served with ETags and
 * linked with versioned URLs (static_url), so browsers cache them for a
 * year and still see a change at once.
 *
 *   GET /                  the entries, newest first
 *   GET /entry/SLUG        one entry in full
 *   GET /about             a page that also replaces base's footer
 *   GET /search?q=TEXT     entries whose title or body holds TEXT
 *   GET /static/FILE       CSS and JS
 *   GET /fortunes          TechEmpower's "fortunes" page (the benchmark's)
 *
 * One entry's title is a <script> tag and the search box echoes ?q=:
 * both come out as text, because {{ }} escapes unless told otherwise.
 *
 * --debug recompiles a template when its file changes (and rehashes a
 * static file for its URL); --root names the folder holding templates/
 * and static/ (default: the lesson's source folder, found from the
 * working directory or the executable's path).
 */
#include "entry.h"

#include <eddy/eddy.h>

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* ------------------------------------------------------------ the content */

/* The site's entries: data, not markup. The third one's title is an XSS
 * attempt; nothing in the code treats it specially. */
static json_t *make_entries(void)
{
    return json_pack(
        "[{s:s,s:s,s:s,s:I,s:[s,s]},{s:s,s:s,s:s,s:I,s:[s]},{s:s,s:s,s:s,s:I,s:[s]}]",
        "slug", "templates", "title", "Templates compile once",
        "body", "A template is parsed into a tree the first time it is used, and every "
                "request after that only walks the tree.",
        "date", (json_int_t)1795000000, "tags", "templates", "speed",
        "slug", "escaping", "title", "Escape by default",
        "body", "Every {{ }} escapes & < > \" and ' so that text stays text, whoever wrote it.",
        "date", (json_int_t)1794000000, "tags", "security",
        "slug", "xss", "title", "<script>alert(1)</script>",
        "body", "This title tried to run a script. <b>It did not</b>.",
        "date", (json_int_t)1793000000, "tags", "<img src=x onerror=alert(2)>");
}

struct site {
    json_t *entries;
};

static struct site *site_of(eddy_req *r)
{
    return eddy_req_app_data(r);
}

/* ------------------------------------------------------------ handlers */

/* quote:begin handlers */
static void home_get(eddy_req *r)
{
    eddy_render(r, "home.html", json_pack("{s:O}", "entries", site_of(r)->entries));
}

static void entry_get(eddy_req *r)
{
    const char *slug = eddy_path_arg(r, 1);
    if (!slug)
        return; /* 400 sent */
    size_t i;
    json_t *e;
    json_array_foreach(site_of(r)->entries, i, e)
    {
        if (strcmp(json_string_value(json_object_get(e, "slug")), slug) == 0) {
            eddy_render(r, "entry.html", json_pack("{s:O}", "entry", e));
            return;
        }
    }
    eddy_send_error(r, 404, "No such entry");
}

static void about_get(eddy_req *r)
{
    eddy_render(r, "about.html", NULL);
}

static void search_get(eddy_req *r)
{
    const char *q = eddy_get_query_argument(r, "q", "");
    json_t *results = json_array();
    size_t i;
    json_t *e;
    json_array_foreach(site_of(r)->entries, i, e)
    {
        if (*q && (strcasestr(json_string_value(json_object_get(e, "title")), q) ||
                   strcasestr(json_string_value(json_object_get(e, "body")), q)))
            json_array_append(results, e);
    }
    /* q goes into the page as it came: the template escapes it. */
    eddy_render(r, "search.html", json_pack("{s:s,s:o}", "q", q, "results", results));
}
/* quote:end handlers */

/* The fortunes benchmark (TechEmpower's test): rows held in memory, one
 * more added per request, sorted by message, every message escaped by
 * the template. A database would hand these over; the work measured here
 * is the sort, the context and the rendering. */
struct fortune {
    int id;
    const char *message;
};

static const struct fortune fortunes[] = {
    {1, "fortune: No such file or directory"},
    {2, "A computer scientist is someone who fixes things that aren't broken."},
    {3, "After enough decimal places, nobody gives a damn."},
    {4, "A bad random number generator: 1, 1, 1, 1, 1, 4.33e+67, 1, 1, 1"},
    {5, "A computer program does what you tell it to do, not what you want it to do."},
    {6, "Emacs is a nice operating system, but I prefer UNIX. \u2014 Tom Christaensen"},
    {7, "Any program that runs right is obsolete."},
    {8, "A list is only as strong as its weakest link. \u2014 Donald Knuth"},
    {9, "Feature: A bug with seniority."},
    {10, "Computers make very fast, very accurate mistakes."},
    {11, "<script>alert(\"This should not be displayed in a browser alert box.\");</script>"},
    {12, "\u30d5\u30ec\u30fc\u30e0\u30ef\u30fc\u30af\u306e\u30d9\u30f3\u30c1\u30de\u30fc\u30af"},
};
#define NFORTUNES (sizeof fortunes / sizeof fortunes[0])

/* The rows as template values, built once at start: a request shares
 * them (json_array_append takes a reference) instead of rebuilding
 * twelve objects each time. The message is kept beside its row so the
 * sort compares C strings, not hash lookups. */
struct row {
    const char *message;
    json_t *json;
};

static struct row fortune_rows[NFORTUNES];

static void make_fortunes(void)
{
    for (size_t i = 0; i < NFORTUNES; i++)
        fortune_rows[i] = (struct row){fortunes[i].message,
                                       json_pack("{s:i,s:s}", "id", fortunes[i].id, "message",
                                                 fortunes[i].message)};
}

static int by_message(const void *a, const void *b)
{
    return strcmp(((const struct row *)a)->message, ((const struct row *)b)->message);
}

/* quote:begin fortunes */
static void fortunes_get(eddy_req *r)
{
    static const char added[] = "Additional fortune added at request time.";
    struct row rows[NFORTUNES + 1];
    memcpy(rows, fortune_rows, sizeof fortune_rows);
    json_t *extra = json_pack("{s:i,s:s}", "id", 0, "message", added);
    rows[NFORTUNES] = (struct row){added, extra};
    qsort(rows, NFORTUNES + 1, sizeof rows[0], by_message); /* bytes: code points */
    json_t *list = json_array();
    for (size_t i = 0; i < NFORTUNES + 1; i++)
        json_array_append(list, rows[i].json); /* a reference: the list shares the row */
    json_decref(extra);                        /* the list holds it now */
    eddy_render(r, "fortunes.html", json_pack("{s:o}", "fortunes", list));
}
/* quote:end fortunes */

/* search_query - a global every template may use (base.html's search box):
 * the request's ?q=, computed only when a template names it. */
static json_t *search_query(eddy_template_ctx *t)
{
    return json_string(eddy_get_query_argument(eddy_template_user(t), "q", ""));
}

static const eddy_handler home = {.get = home_get};
static const eddy_handler entry = {.get = entry_get};
static const eddy_handler about = {.get = about_get};
static const eddy_handler search = {.get = search_get};
static const eddy_handler fortunes_h = {.get = fortunes_get};

/* ------------------------------------------------------------ finding the files */

static bool has_templates(const char *root)
{
    char path[PATH_MAX];
    struct stat st;
    snprintf(path, sizeof path, "%s/templates/base.html", root);
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* find_root - where templates/ and static/ are: --root if given; else
 * this source file's folder as the compiler saw it (from the repository
 * root, where make runs); else lessons/14-templates/ in a folder above
 * the executable (build/lessons/14-templates/site). */
static bool find_root(const char *given, char *root, size_t size)
{
    if (given && *given) {
        snprintf(root, size, "%s", given);
        return has_templates(root);
    }
    snprintf(root, size, "%s", __FILE__);
    char *slash = strrchr(root, '/');
    if (slash)
        *slash = '\0';
    else
        snprintf(root, size, ".");
    if (has_templates(root))
        return true;
    char exe[PATH_MAX - 32]; /* room for the suffix below */
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n <= 0)
        return false;
    exe[n] = '\0';
    for (int up = 0; up < 6; up++) {
        char *s = strrchr(exe, '/');
        if (!s)
            break;
        *s = '\0';
        snprintf(root, size, "%s/lessons/14-templates", exe);
        if (has_templates(root))
            return true;
    }
    return false;
}

/* ------------------------------------------------------------ main */

/* quote:begin main */
int main(int argc, char **argv)
{
    eddy_server_option_values v;
    bool debug;
    const char *root_opt;
    eddy_options *opts = eddy_options_new();
    eddy_server_options(opts, &v);
    eddy_option_bool(opts, "debug", &debug, false,
                     "recompile templates and rehash static files when they change");
    eddy_option_string(opts, "root", &root_opt, NULL,
                       "folder holding templates/ and static/ (default: the lesson's)");
    int first = eddy_options_parse_command_line(opts, argc, argv);
    if (first < 0) { /* it printed the help (exit 0) or what is wrong (exit 2) */
        eddy_options_free(opts);
        return first == EDDY_OPTIONS_HELP ? 0 : 2;
    }

    char root[PATH_MAX], dir[PATH_MAX + 16];
    if (!find_root(root_opt, root, sizeof root)) {
        fprintf(stderr, "site: no templates/base.html under %s (try --root)\n",
                root_opt ? root_opt : "the lesson's folder");
        return 1;
    }
    snprintf(dir, sizeof dir, "%s/templates", root);
    eddy_template_loader *tl = eddy_template_loader_new(dir, debug);
    snprintf(dir, sizeof dir, "%s/static", root);
    eddy_static_options so = {.max_age = 3600, .debug = debug};
    eddy_static *files = eddy_static_new(dir, &so);
    if (!tl || !files || entry_register(tl) < 0 ||
        eddy_template_global(tl, "search_query", search_query) < 0)
        return 1;

    struct site site = {.entries = make_entries()};
    eddy_app *app = eddy_app_new();
    eddy_app_set_data(app, &site);
    eddy_app_set_templates(app, tl);
    eddy_route(app, "/", &home, "home");
    eddy_route(app, "/entry/([a-z0-9-]+)", &entry, "entry");
    eddy_route(app, "/about", &about, "about");
    eddy_route(app, "/search", &search, "search");
    eddy_static_route(app, "/static/(.*)", files, "static");
    /* quote:end main */
    make_fortunes();
    eddy_route(app, "/fortunes", &fortunes_h, "fortunes"); /* the benchmark's page */

    eddy_server_config cfg;
    eddy_server_config_defaults(&cfg);
    eddy_server_options_apply(&v, &cfg);
    eddy_server *s = eddy_app_listen(app, &cfg);
    if (!s)
        return 1;
    setvbuf(stdout, NULL, _IOLBF, 0);
    printf("templates and static files under %s%s\n", root, debug ? " (debug: reloaded on change)" : "");
    printf("listening on http://%s:%d/\n", cfg.address, eddy_server_port(s));
    int rc = eddy_server_run(s);
    eddy_server_free(s);
    eddy_app_free(app);
    eddy_static_free(files);
    eddy_thread_pool_shutdown();
    eddy_template_loader_free(tl);
    json_decref(site.entries);
    for (size_t i = 0; i < NFORTUNES; i++)
        json_decref(fortune_rows[i].json);
    eddy_options_free(opts);
    return rc < 0;
}
