/*
 * server_workers - eddy_fork_processes: one port served by several
 * processes, each with its own loop and server (Tornado's
 * fork_processes). Part of the server; see server.c for the map.
 *
 * The parent forks the workers and then only supervises: it restarts a
 * worker that crashes, passes SIGTERM and SIGINT on, and returns once the
 * last worker is gone. Each worker returns at once with its index and
 * goes on to create its loop and server (with reuse_port, so that the
 * kernel spreads new connections over the workers' listening sockets).
 */
#include <eddy/http/server.h>

#include <eddy/base/log.h>

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

/* The parent takes SIGTERM, SIGINT and SIGCHLD with sigwaitinfo, blocked
 * the rest of the time: a flag set by a handler could arrive just before
 * the parent went to sleep in wait() and be missed until some worker
 * happened to exit. The mask it had before is what each worker starts
 * with, and what the parent puts back before returning. */
static sigset_t supervised, mask_before;

static void restore_signals(void) { sigprocmask(SIG_SETMASK, &mask_before, NULL); }

/* start_worker - fork a worker; in the child, returns 0 and never looks
 * back; in the parent, returns the pid (or -1). */
static pid_t start_worker(void)
{
    pid_t parent = getpid();
    pid_t pid = fork();
    if (pid == 0) {
        restore_signals();
        prctl(PR_SET_PDEATHSIG, SIGTERM); /* never outlive the parent */
        /* The parent died before prctl took effect: end the way the death
         * signal would have ended us, without running the program's exit
         * handlers (they belong to the parent's copy of the program). */
        if (getppid() != parent)
            kill(getpid(), SIGKILL);
    }
    return pid;
}

/* supervise - the parent's life once the workers run: restart the ones
 * that crash, pass a stop signal on, wait until every worker is gone. */
static void supervise(pid_t *pids, int n, int *worker_index)
{
    int alive = n, restarts = 0;
    *worker_index = -1;
    while (alive > 0) {
        int status;
        pid_t pid = waitpid(-1, &status, WNOHANG);
        if (pid < 0 && errno != EINTR)
            break; /* ECHILD: nobody left */
        if (pid <= 0) {
            /* Nothing to reap: sleep until a worker exits or we are told to stop. */
            int sig = sigwaitinfo(&supervised, NULL);
            if (sig == SIGTERM || sig == SIGINT) {
                for (int i = 0; i < n; i++)
                    if (pids[i] > 0)
                        kill(pids[i], SIGTERM);
                restarts = 100; /* from now on, nothing is restarted */
            }
            continue;
        }
        int i = 0;
        while (i < n && pids[i] != pid)
            i++;
        if (i == n)
            continue;
        pids[i] = 0;
        alive--;
        int crashed = WIFSIGNALED(status) || (WIFEXITED(status) && WEXITSTATUS(status) != 0);
        if (!crashed || restarts >= 100)
            continue; /* a clean exit is not restarted (as in Tornado) */
        if (WIFSIGNALED(status))
            eddy_warn("worker %d (pid %d) killed by signal %d, restarting", i, (int)pid,
                      WTERMSIG(status));
        else
            eddy_warn("worker %d (pid %d) exited with status %d, restarting", i, (int)pid,
                      WEXITSTATUS(status));
        restarts++;
        pid_t again = start_worker();
        if (again == 0) {
            *worker_index = i; /* this is the new worker */
            return;
        }
        if (again > 0) {
            pids[i] = again;
            alive++;
        }
    }
}

int eddy_fork_processes(int n)
{
    if (n <= 0)
        n = (int)sysconf(_SC_NPROCESSORS_ONLN);
    if (n <= 0)
        n = 1;
    pid_t *pids = calloc((size_t)n, sizeof *pids);
    if (!pids)
        return -1;
    sigemptyset(&supervised);
    sigaddset(&supervised, SIGTERM);
    sigaddset(&supervised, SIGINT);
    sigaddset(&supervised, SIGCHLD);
    sigprocmask(SIG_BLOCK, &supervised, &mask_before);
    for (int i = 0; i < n; i++) {
        pid_t pid = start_worker();
        if (pid == 0) {
            free(pids);
            return i;
        }
        if (pid < 0) {
            if (i == 0) {
                int e = errno;
                restore_signals();
                free(pids);
                errno = e;
                return -1;
            }
            eddy_error("fork: %s; running %d worker(s) instead of %d", strerror(errno), i, n);
            n = i;
            break;
        }
        pids[i] = pid;
    }
    eddy_info("started %d worker process(es)", n);

    int worker;
    supervise(pids, n, &worker);
    free(pids);
    if (worker >= 0)
        return worker; /* a restarted worker */
    restore_signals();
    eddy_info("every worker has stopped");
    return EDDY_FORK_PARENT_DONE;
}
