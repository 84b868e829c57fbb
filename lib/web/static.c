/*
 * static - files under a folder, with validators, ranges and versioned
 * URLs; see static.h.
 *
 * A request goes through three steps. On the loop: the path from the
 * route is checked as text (no "..", no backslash, no NUL, not absolute,
 * no dotfile). On the thread pool: it is resolved with realpath, checked
 * to stay under the resolved root, opened, measured, and the opened file
 * is checked once more. On the loop again: headers from the file's size
 * and mtime, the conditional and range logic, and eddy_send_file for the
 * bytes. The eddy_static struct begins with its handler table, so the
 * handler finds its own state from eddy_req_handler.
 *
 * Versioned URLs hash the file's content once (SHA-256, OpenSSL) and keep
 * the first 16 hex digits in a small hash table under a mutex, so one
 * eddy_static can serve several loops on several threads.
 */
#include <eddy/web/static.h>

#include <eddy/async/future.h>
#include <eddy/base/log.h>
#include <eddy/base/url.h>
#include <eddy/web/router.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

enum {
    HASH_HEX = 16,         /* hex digits of the content hash in ?v= */
    HASH_READ = 64 * 1024, /* bytes read at a time while hashing */
    CACHE_MAX = 10000,     /* versions remembered at most; more are recomputed */
    IS_FOLDER = 1,         /* resolve(): the path is a folder (no fd) */
    LONG_CACHE = 31536000, /* a year, for URLs carrying ?v= */
};

struct version {
    struct version *next;
    char *path;
    char hex[HASH_HEX + 1];
    dev_t dev;
    ino_t ino;
    off_t size;
    struct timespec mtime;
};

struct eddy_static {
    eddy_handler handler; /* first: eddy_req_handler(r) is this struct */
    char *root;           /* resolved, without a trailing '/' (unless it is "/") */
    size_t root_len;
    char *default_filename;
    char *url_prefix;
    long max_age;
    bool serve_dotfiles, debug;
    pthread_mutex_t lock; /* guards the versions */
    struct version **versions;
    size_t version_buckets, version_count;
};

/* ------------------------------------------------------------ the app's static */

/* The app slot (handler.h's extension API) naming the static that
 * eddy_static_url(r, ...) uses: the first routed on the app. */
static const char static_slot[] = "eddy.static";

eddy_static *eddy_app_static(const eddy_app *app) { return eddy_app_slot(app, static_slot); }

/* ------------------------------------------------------------ paths */

/* check_path - 0 if rel (decoded) may name something under the root, else
 * the status to answer: 403 for what tries to leave it, 404 for dotfiles. */
static int check_path(const eddy_static *s, const char *rel)
{
    if (rel[0] == '/' || strchr(rel, '\\'))
        return 403;
    int hidden = 0;
    for (const char *seg = rel; *seg;) {
        size_t n = strcspn(seg, "/");
        if ((n == 1 && seg[0] == '.') || (n == 2 && seg[0] == '.' && seg[1] == '.'))
            return 403;
        if (n && seg[0] == '.')
            hidden = 1;
        seg += n;
        if (*seg == '/')
            seg++;
    }
    return hidden && !s->serve_dotfiles ? 404 : 0;
}

/* has_dot_segment - some segment of path ("/a/.b/c") starts with '.'. */
static int has_dot_segment(const char *path)
{
    for (const char *p = path; (p = strchr(p, '/')); p++)
        if (p[1] == '.')
            return 1;
    return 0;
}

/* beneath - real (a resolved path) is the root or inside it. */
static int beneath(const eddy_static *s, const char *real)
{
    if (s->root_len == 1)
        return real[0] == '/';
    return strncmp(real, s->root, s->root_len) == 0 &&
           (real[s->root_len] == '\0' || real[s->root_len] == '/');
}

/* opened_beneath - the file fd refers to, as the kernel names it, is under
 * the root: catches a component swapped for a symlink between realpath and
 * open. Without /proc there is nothing more to check. */
static int opened_beneath(const eddy_static *s, int fd)
{
    char link[64], real[PATH_MAX];
    snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
    ssize_t n = readlink(link, real, sizeof real - 1);
    if (n < 0)
        return 1;
    real[n] = '\0';
    return beneath(s, real);
}

/* resolve - open root/rel for reading, refusing anything outside the root.
 * 0 with *fd and *st; IS_FOLDER for a folder (nothing opened); or the
 * status to answer (403, 404). Blocks: run it on the thread pool. */
static int resolve(const eddy_static *s, const char *rel, int *fd, struct stat *st)
{
    char path[PATH_MAX], real[PATH_MAX];
    int n = snprintf(path, sizeof path, "%s/%s", s->root, rel);
    if (n < 0 || (size_t)n >= sizeof path)
        return 404;
    if (!realpath(path, real))
        return errno == EACCES ? 403 : 404;
    if (!beneath(s, real))
        return 403;
    if (!s->serve_dotfiles && has_dot_segment(s->root_len == 1 ? real : real + s->root_len))
        return 404; /* a symlink to a dotfile under the root */
    /* O_NONBLOCK: opening a FIFO would otherwise wait for a writer. */
    int f = open(real, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
    if (f < 0)
        return errno == EACCES || errno == ELOOP ? 403 : 404;
    if (fstat(f, st) < 0 || !(S_ISREG(st->st_mode) || S_ISDIR(st->st_mode))) {
        close(f);
        return 404;
    }
    if (!opened_beneath(s, f)) {
        close(f);
        return 403;
    }
    if (S_ISDIR(st->st_mode)) {
        close(f);
        return IS_FOLDER;
    }
    *fd = f;
    return 0;
}

/* ------------------------------------------------------------ opening a request's file */

struct open_job {
    const eddy_static *s;
    const char *rel;
    int slash;  /* the URL ends with '/' */
    int status; /* 0 (fd, st set), 301 (a folder URL without its slash), 403, 404, 500 */
    int fd;
    struct stat st;
    int index; /* the default file of a folder was opened */
};

static void open_job(void *arg)
{
    struct open_job *j = arg;
    const eddy_static *s = j->s;
    j->status = resolve(s, j->rel, &j->fd, &j->st);
    if (j->status != IS_FOLDER)
        return;
    if (!*s->default_filename) {
        j->status = 403;
    } else if (!j->slash && *j->rel) {
        j->status = 301;
    } else {
        char rel[PATH_MAX];
        size_t len = strlen(j->rel);
        int n = snprintf(rel, sizeof rel, "%s%s%s", j->rel,
                         len && j->rel[len - 1] != '/' ? "/" : "", s->default_filename);
        j->status = n < 0 || (size_t)n >= sizeof rel ? 404 : resolve(s, rel, &j->fd, &j->st);
        if (j->status == IS_FOLDER)
            j->status = 404;
        j->index = 1;
    }
}

/* ------------------------------------------------------------ validators and dates */

/* range_applies - If-Range, when sent, names the file as it is now (a
 * strong ETag or its exact Last-Modified); otherwise the whole file goes. */
static int range_applies(eddy_req *r, const char *etag, time_t mtime)
{
    const char *ir = eddy_header(r, "If-Range");
    if (!ir)
        return 1;
    if (ir[0] == '"' || strncmp(ir, "W/", 2) == 0)
        return strcmp(ir, etag) == 0;
    time_t t;
    return eddy_parse_http_date(ir, &t) == 0 && t == mtime;
}

/* ------------------------------------------------------------ the handler */

/* redirect_to_folder - 301 to the path with its trailing slash (and the
 * query kept). Never to "//host" or "/\host", which a browser would take
 * for another site. */
static void redirect_to_folder(eddy_req *r)
{
    eddy_str path = eddy_request_path(r), query = eddy_request_query(r);
    if (path.len >= 2 && path.p[0] == '/' && (path.p[1] == '/' || path.p[1] == '\\')) {
        eddy_send_error(r, 403, NULL);
        return;
    }
    char *to = eddy_alloc(r, path.len + query.len + 3);
    if (!to) {
        eddy_send_error(r, 503, "out of memory");
        return;
    }
    memcpy(to, path.p, path.len);
    size_t n = path.len;
    to[n++] = '/';
    if (query.len) {
        to[n++] = '?';
        memcpy(to + n, query.p, query.len);
        n += query.len;
    }
    to[n] = '\0';
    eddy_redirect(r, to, true);
}

static void static_get(eddy_req *r)
{
    const eddy_static *s = (const eddy_static *)eddy_req_handler(r);
    /* The capture is decoded already; one holding an encoded NUL, which
     * would cut the name short ("a.txt%00.png" -> "a.txt"), got 400. */
    const char *rel = eddy_path_arg(r, 1);
    if (!rel) {
        eddy_error("static route for %s has no capture for the file's path", s->root);
        eddy_send_error(r, 500, NULL);
        return;
    }
    int status = check_path(s, rel);
    if (status) {
        eddy_send_error(r, status, NULL);
        return;
    }
    eddy_str raw = eddy_request_path(r);
    struct open_job job = {
        .s = s, .rel = rel, .status = -1, .fd = -1, .slash = raw.len && raw.p[raw.len - 1] == '/'};
    int rc = eddy_run_blocking(open_job, &job);
    if (rc) {
        if (job.status == 0)
            close(job.fd);
        if (rc != ECANCELED)
            eddy_send_error(r, 503, "cannot read files now");
        return;
    }
    if (job.status == 301) {
        redirect_to_folder(r);
        return;
    }
    if (job.status) {
        eddy_send_error(r, job.status, NULL);
        return;
    }

    uint64_t size = (uint64_t)job.st.st_size;
    char etag[64], modified[EDDY_HTTP_DATE_SIZE];
    snprintf(etag, sizeof etag, "\"%" PRIx64 "-%" PRIx64 "\"", size,
             (uint64_t)job.st.st_mtim.tv_sec * 1000000000u + (uint64_t)job.st.st_mtim.tv_nsec);
    eddy_http_date_format(job.st.st_mtim.tv_sec, modified);
    eddy_response_set_header(r, "ETag", etag);
    eddy_response_set_header(r, "Last-Modified", modified);
    eddy_response_set_header(r, "Accept-Ranges", "bytes");
    const char *v = eddy_get_query_argument(r, "v", NULL);
    char cache[64];
    if (v && *v)
        snprintf(cache, sizeof cache, "public, max-age=%d, immutable", LONG_CACHE);
    else if (s->max_age > 0)
        snprintf(cache, sizeof cache, "public, max-age=%ld", s->max_age);
    else
        snprintf(cache, sizeof cache, "no-cache");
    eddy_response_set_header(r, "Cache-Control", cache);

    /* RFC 9110 13.2.2: If-None-Match first; If-Modified-Since only without it. */
    const char *inm = eddy_header(r, "If-None-Match");
    const char *ims = inm ? NULL : eddy_header(r, "If-Modified-Since");
    time_t since;
    if ((inm && eddy_etag_list_matches(inm, etag)) ||
        (ims && eddy_parse_http_date(ims, &since) == 0 && job.st.st_mtim.tv_sec <= since)) {
        close(job.fd);
        eddy_response_status(r, 304);
        eddy_finish(r);
        return;
    }

    uint64_t first = 0, last = size ? size - 1 : 0, length = size;
    const char *range = eddy_header(r, "Range");
    int ranged = range && range_applies(r, etag, job.st.st_mtim.tv_sec)
                     ? eddy_parse_range(range, size, &first, &last)
                     : 0;
    char content_range[96];
    if (ranged < 0) {
        close(job.fd);
        snprintf(content_range, sizeof content_range, "bytes */%" PRIu64, size);
        eddy_response_status(r, 416);
        eddy_response_set_header(r, "Content-Range", content_range);
        eddy_response_set_header(r, "Content-Type", "text/plain; charset=UTF-8");
        eddy_finish(r);
        return;
    }
    if (ranged > 0) {
        length = last - first + 1;
        snprintf(content_range, sizeof content_range, "bytes %" PRIu64 "-%" PRIu64 "/%" PRIu64,
                 first, last, size);
        eddy_response_status(r, 206);
        eddy_response_set_header(r, "Content-Range", content_range);
    }
    eddy_response_set_header(r, "Content-Type",
                             eddy_content_type_for_path(job.index ? s->default_filename : rel));
    eddy_response_set_header(r, "X-Content-Type-Options", "nosniff");
    rc = eddy_send_file(r, job.fd, first, length);
    close(job.fd);
    if (rc && rc != EPIPE && rc != ECANCELED)
        eddy_warn("static %s/%s: %s", s->root, rel, strerror(rc));
}

/* ------------------------------------------------------------ the object */

eddy_static *eddy_static_new(const char *root, const eddy_static_options *o)
{
    static const eddy_static_options defaults = {0};
    if (!o)
        o = &defaults;
    char real[PATH_MAX];
    struct stat st;
    if (!realpath(root, real) || stat(real, &st) < 0) {
        int e = errno;
        eddy_error("static root %s: %s", root, strerror(e));
        errno = e;
        return NULL;
    }
    if (!S_ISDIR(st.st_mode)) {
        eddy_error("static root %s: not a folder", root);
        errno = ENOTDIR;
        return NULL;
    }
    eddy_static *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    s->handler.get = static_get; /* HEAD goes to get; the server drops the body */
    s->root = strdup(real);
    s->root_len = s->root ? strlen(s->root) : 0;
    s->default_filename = strdup(o->default_filename ? o->default_filename : "index.html");
    s->url_prefix = strdup(o->url_prefix ? o->url_prefix : "/static/");
    s->max_age = o->max_age;
    s->serve_dotfiles = o->serve_dotfiles;
    s->debug = o->debug;
    s->version_buckets = 64;
    s->versions = calloc(s->version_buckets, sizeof *s->versions);
    if (!s->root || !s->default_filename || !s->url_prefix || !s->versions ||
        pthread_mutex_init(&s->lock, NULL) != 0) {
        free(s->root);
        free(s->default_filename);
        free(s->url_prefix);
        free(s->versions);
        free(s);
        errno = ENOMEM;
        return NULL;
    }
    return s;
}

void eddy_static_free(eddy_static *s)
{
    if (!s)
        return;
    for (size_t i = 0; i < s->version_buckets; i++) {
        for (struct version *v = s->versions[i], *next; v; v = next) {
            next = v->next;
            free(v->path);
            free(v);
        }
    }
    free(s->versions);
    pthread_mutex_destroy(&s->lock);
    free(s->root);
    free(s->default_filename);
    free(s->url_prefix);
    free(s);
}

int eddy_static_route(eddy_app *app, const char *pattern, eddy_static *s, const char *name)
{
    if (eddy_route(app, pattern, &s->handler, name) < 0)
        return -1;
    /* The app does not own s: the program frees it after the app. */
    return eddy_app_static(app) ? 0 : eddy_app_set_slot(app, static_slot, s, NULL);
}

/* ------------------------------------------------------------ versioned URLs */

static size_t bucket_of(const eddy_static *s, const char *path)
{
    uint64_t h = 1469598103934665603u; /* FNV-1a */
    for (const unsigned char *p = (const unsigned char *)path; *p; p++)
        h = (h ^ *p) * 1099511628211u;
    return (size_t)(h & (s->version_buckets - 1));
}

/* find_version - the cached entry for path, or NULL; with s->lock held. */
static struct version *find_version(const eddy_static *s, const char *path)
{
    for (struct version *v = s->versions[bucket_of(s, path)]; v; v = v->next)
        if (strcmp(v->path, path) == 0)
            return v;
    return NULL;
}

/* grow_versions - double the buckets past 3/4 full; with s->lock held.
 * Failing to grow only makes chains longer. */
static void grow_versions(eddy_static *s)
{
    size_t n = s->version_buckets * 2;
    struct version **table = calloc(n, sizeof *table);
    if (!table)
        return;
    struct version **old = s->versions;
    size_t old_n = s->version_buckets;
    s->versions = table;
    s->version_buckets = n;
    for (size_t i = 0; i < old_n; i++) {
        for (struct version *v = old[i], *next; v; v = next) {
            next = v->next;
            size_t b = bucket_of(s, v->path);
            v->next = table[b];
            table[b] = v;
        }
    }
    free(old);
}

struct hash_job {
    const eddy_static *s;
    const char *rel;
    int have_known; /* in: known holds what the cached hash was made from */
    struct stat known;
    int status; /* out: 0 hashed, 1 unchanged since known, else failed */
    struct stat st;
    char hex[HASH_HEX + 1];
};

static int same_file(const struct stat *a, const struct stat *b)
{
    return a->st_dev == b->st_dev && a->st_ino == b->st_ino && a->st_size == b->st_size &&
           a->st_mtim.tv_sec == b->st_mtim.tv_sec && a->st_mtim.tv_nsec == b->st_mtim.tv_nsec;
}

static void hash_job(void *arg)
{
    struct hash_job *j = arg;
    int fd = -1;
    j->status = check_path(j->s, j->rel);
    if (!j->status)
        j->status = resolve(j->s, j->rel, &fd, &j->st);
    if (j->status)
        return;
    if (j->have_known && same_file(&j->known, &j->st)) {
        close(fd);
        j->status = 1;
        return;
    }
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    unsigned char *chunk = malloc(HASH_READ);
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int md_len = 0;
    j->status = 500;
    if (ctx && chunk && EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) == 1) {
        ssize_t n;
        while ((n = read(fd, chunk, HASH_READ)) > 0 || (n < 0 && errno == EINTR))
            if (n > 0 && EVP_DigestUpdate(ctx, chunk, (size_t)n) != 1)
                break;
        if (n == 0 && EVP_DigestFinal_ex(ctx, md, &md_len) == 1 && md_len >= HASH_HEX / 2) {
            for (int i = 0; i < HASH_HEX / 2; i++)
                snprintf(j->hex + 2 * i, 3, "%02x", md[i]);
            j->status = 0;
        }
    }
    EVP_MD_CTX_free(ctx);
    free(chunk);
    close(fd);
}

/* store_version - remember the hash j computed for path. */
static void store_version(eddy_static *s, const char *path, const struct hash_job *j)
{
    pthread_mutex_lock(&s->lock);
    struct version *v = find_version(s, path);
    if (!v && s->version_count < CACHE_MAX && (v = calloc(1, sizeof *v))) {
        if (!(v->path = strdup(path))) {
            free(v);
            v = NULL;
        } else {
            if (++s->version_count > s->version_buckets * 3 / 4)
                grow_versions(s);
            size_t b = bucket_of(s, path);
            v->next = s->versions[b];
            s->versions[b] = v;
        }
    }
    if (v) {
        memcpy(v->hex, j->hex, sizeof v->hex);
        v->dev = j->st.st_dev;
        v->ino = j->st.st_ino;
        v->size = j->st.st_size;
        v->mtime = j->st.st_mtim;
    }
    pthread_mutex_unlock(&s->lock);
}

/* version_of - the hex version of path into hex; 0, or -1 if it has none. */
static int version_of(eddy_static *s, const char *path, char hex[HASH_HEX + 1])
{
    struct hash_job j = {.s = s, .rel = path};
    pthread_mutex_lock(&s->lock);
    struct version *v = find_version(s, path);
    if (v) {
        memcpy(hex, v->hex, HASH_HEX + 1);
        j.have_known = 1;
        j.known.st_dev = v->dev;
        j.known.st_ino = v->ino;
        j.known.st_size = v->size;
        j.known.st_mtim = v->mtime;
    }
    pthread_mutex_unlock(&s->lock);
    if (v && !s->debug)
        return 0;
    int rc = eddy_run_blocking(hash_job, &j);
    if (rc || (j.status != 0 && j.status != 1)) {
        if (!rc)
            eddy_warn("static_url(\"%s\"): %s", path,
                      j.status == 403   ? "outside the static root"
                      : j.status == 500 ? "cannot read it"
                                        : "no such file");
        return -1;
    }
    if (j.status == 0) {
        memcpy(hex, j.hex, HASH_HEX + 1);
        store_version(s, path, &j);
    }
    return 0;
}

int eddy_static_url_to(eddy_static *s, const char *path, eddy_buf *out)
{
    while (*path == '/')
        path++;
    char hex[HASH_HEX + 1];
    int versioned = version_of(s, path, hex) == 0;
    size_t start = out->len;
    int rc = eddy_buf_append_str(out, s->url_prefix);
    if (rc == 0)
        rc = eddy_url_escape_to(out, path, strlen(path), EDDY_URL_KEEP_SLASH);
    if (rc == 0 && versioned)
        rc = eddy_buf_append(out, "?v=", 3) < 0 ? -1 : eddy_buf_append_str(out, hex);
    if (rc < 0 && out->len > start)
        out->len = start, out->data[start] = '\0';
    return rc < 0 ? -1 : 0;
}

const char *eddy_static_url(eddy_req *r, const char *path)
{
    eddy_static *s = eddy_app_static(eddy_req_app(r));
    if (!s)
        return NULL;
    eddy_buf b = EDDY_BUF_INIT;
    const char *url = NULL;
    if (eddy_static_url_to(s, path, &b) == 0 && b.data)
        url = eddy_arena_strndup(eddy_request_arena(r), b.data, b.len);
    eddy_buf_free(&b);
    return url;
}
