/*
 * Tests of lib/data/file: each call from a task, checked by the bytes on
 * disk; errors as errno values; the atomic save replacing a file whole,
 * and a process killed in the middle of a save leaving the old file
 * exactly as it was.
 */
#include <eddy/async/future.h>
#include <eddy/data/file.h>

#include <criterion/criterion.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static char dir[64];

static void setup(void)
{
    snprintf(dir, sizeof dir, "/tmp/eddy-file-XXXXXX");
    cr_assert_not_null(mkdtemp(dir));
}

static void teardown(void)
{
    eddy_loop_free();
    eddy_thread_pool_shutdown();
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    cr_assert_eq(system(cmd), 0);
}

TestSuite(file, .init = setup, .fini = teardown, .timeout = 30);

static const char *in_dir(const char *name)
{
    static char paths[4][128];
    static int next;
    char *p = paths[next++ % 4];
    snprintf(p, 128, "%s/%s", dir, name);
    return p;
}

/* run_in_task - fn in a task on this thread's loop, to its end. */
static void run_in_task(void (*fn)(void *), void *arg)
{
    cr_assert_not_null(eddy_task_spawn(fn, arg));
    cr_assert_eq(eddy_loop_run(), 0);
}

/* slurp - a file's bytes as a plain read sees them (malloc'd, NUL after). */
static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    char *data = malloc(64 * 1024 * 1024 + 1);
    *len = fread(data, 1, 64 * 1024 * 1024, f);
    data[*len] = '\0';
    fclose(f);
    return data;
}

static int done;

static void basics(void *arg)
{
    (void)arg;
    int fd;
    cr_assert_eq(eddy_file_open(in_dir("a.txt"), O_RDWR | O_CREAT | O_EXCL, 0600, &fd), 0);
    cr_assert_eq(eddy_file_write(fd, "hello world", 11, 0), 0);
    cr_assert_eq(eddy_file_write(fd, "W", 1, 6), 0);
    char buf[32] = {0};
    size_t got;
    cr_assert_eq(eddy_file_read(fd, buf, sizeof buf, 0, &got), 0);
    cr_assert_eq(got, 11, "a short read only at the end of the file");
    cr_assert_str_eq(buf, "hello World");
    cr_assert_eq(eddy_file_read(fd, buf, 5, 6, &got), 0);
    cr_assert_eq(got, 5);
    cr_assert_eq(memcmp(buf, "World", 5), 0);
    cr_assert_eq(eddy_file_fsync(fd), 0);
    cr_assert_eq(eddy_file_close(fd), 0);

    cr_assert_eq(eddy_file_open(in_dir("a.txt"), O_WRONLY | O_APPEND, 0, &fd), 0);
    cr_assert_eq(eddy_file_append(fd, "!\n", 2), 0);
    cr_assert_eq(eddy_file_close(fd), 0);

    struct stat st;
    cr_assert_eq(eddy_file_stat(in_dir("a.txt"), &st), 0);
    cr_assert_eq(st.st_size, 13);
    cr_assert_eq(st.st_mode & 0777, 0600);

    cr_assert_eq(eddy_file_rename(in_dir("a.txt"), in_dir("b.txt")), 0);
    char *data;
    size_t len;
    cr_assert_eq(eddy_file_read_all(in_dir("b.txt"), 100, &data, &len), 0);
    cr_assert_eq(len, 13);
    cr_assert_str_eq(data, "hello World!\n", "NUL-terminated for text");
    free(data);
    cr_assert_eq(eddy_file_read_all(in_dir("b.txt"), 13, &data, &len), 0, "exactly the cap");
    free(data);
    cr_assert_eq(eddy_file_read_all(in_dir("b.txt"), 12, &data, &len), EFBIG);
    cr_assert_null(data);

    cr_assert_eq(eddy_file_remove(in_dir("b.txt")), 0);
    cr_assert_eq(eddy_file_stat(in_dir("b.txt"), &st), ENOENT);
    cr_assert_eq(eddy_file_remove(in_dir("b.txt")), ENOENT);
    cr_assert_eq(eddy_file_open(in_dir("none/x"), O_RDONLY, 0, &fd), ENOENT);
    cr_assert_eq(fd, -1);
    cr_assert_eq(eddy_file_read_all(in_dir("nothing"), 10, &data, &len), ENOENT);
    cr_assert_eq(eddy_file_rename(in_dir("nothing"), in_dir("x")), ENOENT);
    done = 1;
}

Test(file, each_call_from_a_task_with_errors_as_errno_values)
{
    run_in_task(basics, NULL);
    cr_assert(done);
}

/* count_entries - how many entries the folder holds. */
static int count_entries(void)
{
    DIR *d = opendir(dir);
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)))
        n += strcmp(e->d_name, ".") && strcmp(e->d_name, "..");
    closedir(d);
    return n;
}

static void saves(void *arg)
{
    (void)arg;
    const char *path = in_dir("data.json");
    cr_assert_eq(eddy_file_save(path, "{\"v\":1}", 7, 0640), 0);
    cr_assert_eq(eddy_file_save(path, "{\"v\":2}\n", 8, 0644), 0, "over an existing file");
    size_t len;
    char *data = slurp(path, &len);
    cr_assert_str_eq(data, "{\"v\":2}\n");
    free(data);
    struct stat st;
    cr_assert_eq(stat(path, &st), 0);
    cr_assert_eq(st.st_mode & 0777, 0644);
    cr_assert_eq(count_entries(), 1, "no temporary file is left behind");

    int fds[2];
    cr_assert_eq(pipe(fds), 0);
    cr_assert_eq(write(fds[1], "from a pipe", 11), 11);
    close(fds[1]);
    cr_assert_eq(eddy_file_save_from_fd(path, fds[0], 0600), 0);
    close(fds[0]);
    data = slurp(path, &len);
    cr_assert_str_eq(data, "from a pipe");
    free(data);

    cr_assert_eq(eddy_file_save(in_dir("no/such/folder"), "x", 1, 0644), ENOENT);
    cr_assert_eq(eddy_file_save(in_dir(""), "x", 1, 0644), EISDIR);
    cr_assert_eq(count_entries(), 1);
    done = 1;
}

Test(file, save_replaces_the_file_whole_and_leaves_nothing_else)
{
    run_in_task(saves, NULL);
    cr_assert(done);
}

Test(file, outside_a_task_the_call_runs_in_place)
{
    cr_assert_eq(eddy_file_save(in_dir("x"), "abc", 3, 0644), 0);
    char *data;
    size_t len;
    cr_assert_eq(eddy_file_read_all(in_dir("x"), 10, &data, &len), 0);
    cr_assert_str_eq(data, "abc");
    free(data);
}

/* ------------------------------------------------------------ a crash mid-save */

static int source_fd;

static void save_from_pipe(void *arg)
{
    eddy_file_save_from_fd(arg, source_fd, 0644);
}

/* partial_size - the size of the save's temporary file (the folder's
 * other entry), or -1 while there is none. */
static long long partial_size(const char *real)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    long long size = -1;
    while ((e = readdir(d))) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..") ||
            !strcmp(e->d_name, strrchr(real, '/') + 1))
            continue;
        struct stat st;
        char p[512];
        snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
        if (stat(p, &st) == 0)
            size = st.st_size;
    }
    closedir(d);
    return size;
}

Test(file, a_process_killed_mid_save_leaves_the_old_file_exactly)
{
    const char *path = in_dir("board.db");
    enum { OLD = 100000, HALF = 4 * 1024 * 1024 };
    char *old = malloc(OLD);
    for (size_t i = 0; i < OLD; i++)
        old[i] = (char)('a' + i % 26);
    FILE *f = fopen(path, "wb");
    cr_assert_eq(fwrite(old, 1, OLD, f), OLD);
    fclose(f);

    /* The child saves from a pipe; the parent sends half the new bytes,
     * waits until the temporary file holds them, and kills the child
     * while the save waits for the rest. */
    int fds[2];
    cr_assert_eq(pipe(fds), 0);
    pid_t pid = fork();
    cr_assert_geq(pid, 0);
    if (pid == 0) {
        close(fds[1]);
        source_fd = fds[0];
        eddy_task_spawn(save_from_pipe, (void *)path);
        eddy_loop_run();
        _exit(0);
    }
    close(fds[0]);
    char *half = malloc(HALF);
    memset(half, 'N', HALF);
    size_t sent = 0;
    while (sent < HALF) {
        ssize_t n = write(fds[1], half + sent, HALF - sent);
        cr_assert_gt(n, 0);
        sent += (size_t)n;
    }
    long long size = -1;
    for (int i = 0; i < 1000 && size < HALF; i++) { /* bounded: 10 s at most */
        struct timespec ms10 = {0, 10 * 1000 * 1000};
        nanosleep(&ms10, NULL);
        size = partial_size(path);
    }
    cr_assert_eq(size, HALF, "the save was under way: half the new file written");
    cr_assert_eq(kill(pid, SIGKILL), 0);
    int status;
    cr_assert_eq(waitpid(pid, &status, 0), pid);
    cr_assert(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
    close(fds[1]);

    size_t len;
    char *now = slurp(path, &len);
    cr_assert_eq(len, OLD, "the real name still holds the old file");
    cr_assert_eq(memcmp(now, old, OLD), 0, "byte for byte");
    free(now);
    free(old);
    free(half);
}
