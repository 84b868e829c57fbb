/*
 * pool - the thread pool: blocking work kept off the loop thread.
 *
 * Nothing on a loop thread may block, yet some work does: an SQLite query,
 * a read from a slow disk, hashing a password. That work goes to a small
 * set of worker threads shared by the whole process (Tornado's
 * run_in_executor). A job is two functions: work, run on a worker, then
 * done, run back on the thread that submitted the job, from its own event
 * loop. Workers never touch a loop: they hand finished jobs back through
 * a list and an eventfd that the loop watches, and only while jobs are
 * out, so an idle pool keeps no loop alive.
 *
 * Code in a task does not call this directly: eddy_run_blocking
 * (future.h) submits a job and suspends the task until it is done. This
 * header is the pool itself: its size, its shutdown, and that submit.
 */
#ifndef EDDY_POOL_H
#define EDDY_POOL_H

struct event_base;

/* eddy_thread_pool_set_size - worker threads (1..256; default 4), set
 * before the first job. 0, or -1 (EINVAL or EBUSY). */
int eddy_thread_pool_set_size(int threads);

/* eddy_thread_pool_submit - run work(work_arg) on a worker thread, then
 * done(done_arg) on this thread, from a callback of base's loop (this
 * thread's loop: the same base for every job until
 * eddy_thread_pool_detach). The job reaches the workers when the loop's
 * current round of callbacks is over, together with the others submitted
 * in it (a job submitted before the loop runs waits for it, or for
 * eddy_thread_pool_shutdown). Jobs finished together are handed back in
 * the order they finished. The workers start on the first job. 0, or -1 with
 * errno ENOMEM, or EAGAIN when no eventfd or no worker thread could be
 * had. */
int eddy_thread_pool_submit(struct event_base *base, void (*work)(void *work_arg), void *work_arg,
                            void (*done)(void *done_arg), void *done_arg);

/* eddy_thread_pool_withdraw - take back the job this thread submitted
 * with done_arg, if no worker has started it: 1, and neither its work
 * nor its done will run; 0 when a worker has it (or it is done), and its
 * done comes as usual. For a wait that gives up on a job still queued. */
int eddy_thread_pool_withdraw(const void *done_arg);

/* eddy_thread_pool_idle_events - how many events the pool keeps added to
 * this thread's loop with none of its jobs out (0 or 1): nothing to wait
 * for, which eddy_loop_run takes into account. */
int eddy_thread_pool_idle_events(void);

/* eddy_thread_pool_detach - this thread's loop is going away: release
 * what carried its finished jobs back (an eventfd and its event). Call it
 * before freeing the event_base, once none of this thread's jobs is out;
 * eddy_loop_free does. */
void eddy_thread_pool_detach(void);

/* eddy_thread_pool_shutdown - finish the queued jobs and join the
 * workers (at exit, or in tests); their done callbacks still run the next
 * time their loops do. A later job starts the workers again. */
void eddy_thread_pool_shutdown(void);

#endif
