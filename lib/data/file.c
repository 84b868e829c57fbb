/*
 * file - file operations run on the thread pool; see file.h.
 *
 * Each call packs its arguments into a job on the task's stack, runs the
 * system calls in the job on a worker (eddy_run_blocking), and returns
 * the job's errno. eddy_run_blocking waits for a job a worker has
 * started even when the task is cancelled (one not started is taken
 * back and never runs), so the stack the job points into outlives it.
 * An atomic save is one job from the temporary file to the folder's
 * fsync: one trip to the pool, and no half-done state left on the
 * loop's side.
 */
#include <eddy/data/file.h>

#include <eddy/async/future.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct job {
    const char *path, *path2;
    int fd, flags;
    mode_t mode;
    void *buf;
    const void *cbuf;
    size_t len, got;
    uint64_t offset;
    struct stat *st;
    char *data;
    int error;
};

/* run - hand fn the job on the pool and wait: the job's error, or the
 * wait's (ECANCELED, ENOMEM). */
static int run(void (*fn)(void *), struct job *j)
{
    j->error = 0;
    int rc = eddy_run_blocking(fn, j);
    return rc ? rc : j->error;
}

/* write_all - len bytes to fd, at offset, or at its own offset when
 * offset is -1. 0 or an errno value. */
static int write_all(int fd, const char *p, size_t len, off_t offset)
{
    while (len) {
        ssize_t n = offset < 0 ? write(fd, p, len) : pwrite(fd, p, len, offset);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return errno;
        }
        p += n;
        len -= (size_t)n;
        if (offset >= 0)
            offset += n;
    }
    return 0;
}

/* ------------------------------------------------------------ the calls */

static void open_job(void *arg)
{
    struct job *j = arg;
    j->fd = open(j->path, j->flags | O_CLOEXEC, j->mode);
    j->error = j->fd < 0 ? errno : 0;
}

int eddy_file_open(const char *path, int flags, mode_t mode, int *fd)
{
    struct job j = {.path = path, .flags = flags, .mode = mode, .fd = -1};
    int rc = run(open_job, &j);
    if (rc && j.fd >= 0) /* cancelled after opening: do not leak it */
        close(j.fd);
    *fd = rc ? -1 : j.fd;
    return rc;
}

static void close_job(void *arg)
{
    struct job *j = arg;
    j->error = close(j->fd) < 0 && errno != EINTR ? errno : 0;
}

int eddy_file_close(int fd)
{
    struct job j = {.fd = fd};
    return run(close_job, &j);
}

static void read_job(void *arg)
{
    struct job *j = arg;
    while (j->got < j->len) {
        ssize_t n = pread(j->fd, (char *)j->buf + j->got, j->len - j->got,
                          (off_t)(j->offset + j->got));
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            j->error = errno;
            return;
        }
        if (n == 0)
            return;
        j->got += (size_t)n;
    }
}

int eddy_file_read(int fd, void *buf, size_t len, uint64_t offset, size_t *got)
{
    struct job j = {.fd = fd, .buf = buf, .len = len, .offset = offset};
    int rc = run(read_job, &j);
    *got = j.got;
    return rc;
}

static void write_job(void *arg)
{
    struct job *j = arg;
    j->error = write_all(j->fd, j->cbuf, j->len, j->flags ? -1 : (off_t)j->offset);
}

int eddy_file_write(int fd, const void *buf, size_t len, uint64_t offset)
{
    struct job j = {.fd = fd, .cbuf = buf, .len = len, .offset = offset};
    return run(write_job, &j);
}

int eddy_file_append(int fd, const void *buf, size_t len)
{
    struct job j = {.fd = fd, .cbuf = buf, .len = len, .flags = 1};
    return run(write_job, &j);
}

static void fsync_job(void *arg)
{
    struct job *j = arg;
    j->error = fsync(j->fd) < 0 ? errno : 0;
}

int eddy_file_fsync(int fd)
{
    struct job j = {.fd = fd};
    return run(fsync_job, &j);
}

static void rename_job(void *arg)
{
    struct job *j = arg;
    j->error = rename(j->path, j->path2) < 0 ? errno : 0;
}

int eddy_file_rename(const char *from, const char *to)
{
    struct job j = {.path = from, .path2 = to};
    return run(rename_job, &j);
}

static void remove_job(void *arg)
{
    struct job *j = arg;
    j->error = unlink(j->path) < 0 ? errno : 0;
}

int eddy_file_remove(const char *path)
{
    struct job j = {.path = path};
    return run(remove_job, &j);
}

static void stat_job(void *arg)
{
    struct job *j = arg;
    j->error = stat(j->path, j->st) < 0 ? errno : 0;
}

int eddy_file_stat(const char *path, struct stat *st)
{
    struct job j = {.path = path, .st = st};
    return run(stat_job, &j);
}

static void read_all_job(void *arg)
{
    struct job *j = arg;
    int fd = open(j->path, O_RDONLY | O_CLOEXEC);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) < 0) {
        j->error = errno;
        if (fd >= 0)
            close(fd);
        return;
    }
    /* The size is a hint (the file may grow meanwhile, or be a pipe):
     * read until the end, growing, and stop one byte past the cap. */
    size_t cap = st.st_size > 0 && (uint64_t)st.st_size <= j->len ? (size_t)st.st_size + 1 : 4096;
    char *data = malloc(cap + 1);
    size_t n = 0;
    while (data) {
        if (n == cap) {
            size_t want = cap * 2;
            char *bigger = realloc(data, want + 1);
            if (!bigger) {
                free(data);
                data = NULL;
                break;
            }
            data = bigger;
            cap = want;
        }
        ssize_t got = read(fd, data + n, cap - n);
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0) {
            j->error = errno;
            break;
        }
        if (got == 0)
            break;
        n += (size_t)got;
        if (n > j->len) {
            j->error = EFBIG;
            break;
        }
    }
    close(fd);
    if (!data && !j->error)
        j->error = ENOMEM;
    if (j->error) {
        free(data);
        return;
    }
    data[n] = '\0';
    j->data = data;
    j->got = n;
}

int eddy_file_read_all(const char *path, size_t max_bytes, char **data, size_t *len)
{
    struct job j = {.path = path, .len = max_bytes};
    int rc = run(read_all_job, &j);
    if (rc) {
        free(j.data);
        *data = NULL;
        *len = 0;
        return rc;
    }
    *data = j.data;
    *len = j.got;
    return 0;
}

/* ------------------------------------------------------------ atomic save */

/* copy_from - src's bytes from its offset to its end, into fd. */
static int copy_from(int src, int fd)
{
    char block[64 * 1024];
    for (;;) {
        ssize_t n = read(src, block, sizeof block);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return errno;
        if (n == 0)
            return 0;
        int rc = write_all(fd, block, (size_t)n, -1);
        if (rc)
            return rc;
    }
}

/* save_job - the whole atomic replacement: temporary file, bytes, fsync,
 * rename, the folder's fsync. The temporary file is removed on failure. */
static void save_job(void *arg)
{
    struct job *j = arg;
    char dir[PATH_MAX], tmp[PATH_MAX];
    const char *slash = strrchr(j->path, '/');
    const char *base = slash ? slash + 1 : j->path;
    size_t dlen = slash ? (size_t)(slash - j->path) : 0;
    if (!*base || dlen >= sizeof dir) {
        j->error = !*base ? EISDIR : ENAMETOOLONG;
        return;
    }
    if (slash)
        memcpy(dir, j->path, dlen ? dlen : 1); /* "/name": the folder is "/" */
    else
        dir[0] = '.';
    dir[slash ? (dlen ? dlen : 1) : 1] = '\0';
    if ((size_t)snprintf(tmp, sizeof tmp, "%s/.%s.XXXXXX", dir, base) >= sizeof tmp) {
        j->error = ENAMETOOLONG;
        return;
    }
    int fd = mkostemp(tmp, O_CLOEXEC);
    if (fd < 0) {
        j->error = errno;
        return;
    }
    int rc = fchmod(fd, j->mode) < 0 ? errno : 0;
    if (!rc)
        rc = j->fd >= 0 ? copy_from(j->fd, fd) : write_all(fd, j->cbuf, j->len, -1);
    if (!rc && fsync(fd) < 0)
        rc = errno;
    if (close(fd) < 0 && !rc && errno != EINTR)
        rc = errno;
    if (!rc && rename(tmp, j->path) < 0)
        rc = errno;
    if (rc) {
        unlink(tmp);
        j->error = rc;
        return;
    }
    int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0 || fsync(dfd) < 0)
        j->error = errno; /* renamed, but not known to be durable */
    if (dfd >= 0)
        close(dfd);
}

int eddy_file_save(const char *path, const void *data, size_t len, mode_t mode)
{
    struct job j = {.path = path, .cbuf = data, .len = len, .mode = mode, .fd = -1};
    return run(save_job, &j);
}

int eddy_file_save_from_fd(const char *path, int src, mode_t mode)
{
    struct job j = {.path = path, .fd = src, .mode = mode};
    return run(save_job, &j);
}
