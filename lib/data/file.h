/*
 * file - file operations that wait instead of blocking (Tornado leaves
 * this to run_in_executor; aiofiles does it in Python).
 *
 * A read from a cold disk, an fsync, a rename on a busy file system can
 * each take many milliseconds, and a loop thread that makes them stalls
 * every connection it serves. Each call here runs the system call on the
 * thread pool (eddy_run_blocking) while the task waits and the loop goes
 * on; outside a task it runs right where it is called.
 *
 * Every call is a wait: it returns 0 or an errno value (ENOENT, EACCES,
 * ENOSPC, EFBIG, ECANCELED...), never -1.
 *
 * eddy_file_save and eddy_file_save_from_fd replace a file atomically:
 * the bytes go to a temporary file in the same folder, which is synced
 * to disk and renamed over the real name, and then the folder is synced
 * so the rename itself survives a power cut. A reader, or a crash at any
 * moment, sees the old file or the new one whole, never a part.
 */
#ifndef EDDY_FILE_H
#define EDDY_FILE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/types.h>

/* eddy_file_open - open(2) with O_CLOEXEC added; the descriptor to *fd. */
int eddy_file_open(const char *path, int flags, mode_t mode, int *fd);

/* eddy_file_close - close(2), which may wait for a network file system. */
int eddy_file_close(int fd);

/* eddy_file_read - up to len bytes at offset into buf; *got gets how many
 * (fewer than len only at the end of the file). */
int eddy_file_read(int fd, void *buf, size_t len, uint64_t offset, size_t *got);

/* eddy_file_write - all len bytes at offset. */
int eddy_file_write(int fd, const void *buf, size_t len, uint64_t offset);

/* eddy_file_append - all len bytes at fd's own offset (the end, for a
 * descriptor opened with O_APPEND). */
int eddy_file_append(int fd, const void *buf, size_t len);

/* eddy_file_fsync - fsync(2): the file's bytes are on the disk. */
int eddy_file_fsync(int fd);

/* eddy_file_rename / eddy_file_remove - rename(2) / unlink(2). */
int eddy_file_rename(const char *from, const char *to);
int eddy_file_remove(const char *path);

/* eddy_file_stat - stat(2) into *st. */
int eddy_file_stat(const char *path, struct stat *st);

/* eddy_file_read_all - the whole file, if it holds at most max_bytes
 * (EFBIG if more): *data is malloc'd (the caller frees it), with a NUL
 * after the *len bytes so text can be used as a string. */
int eddy_file_read_all(const char *path, size_t max_bytes, char **data, size_t *len);

/* eddy_file_save - replace path with len bytes of data, atomically (see
 * above); the new file gets mode. */
int eddy_file_save(const char *path, const void *data, size_t len, mode_t mode);

/* eddy_file_save_from_fd - the same with the bytes read from src (from
 * its current offset to its end: a file or a pipe). */
int eddy_file_save_from_fd(const char *path, int src, mode_t mode);

#endif
