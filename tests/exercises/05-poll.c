/*
 * Exercise 05: ps_add(), ps_remove(), ps_compact() (exercises/05-poll/pollset.c).
 *
 * The tests grow the array well past its first allocation, remove entries
 * in the middle of a walk the way the server does, and hand the result to
 * the real poll() to show the kernel agrees.
 */
#include "pollset.h"

#include <criterion/criterion.h>
#include <unistd.h>

static struct pollset ps;

static void init(void) { ps_init(&ps); }
static void fini(void) { ps_free(&ps); }

Test(ex05, grows_past_any_fixed_size_and_keeps_order, .init = init, .fini = fini, .timeout = 10)
{
    for (int i = 0; i < 5000; i++) /* far past FD_SETSIZE's 1024 */
        cr_assert_eq(ps_add(&ps, 100000 + i, POLLIN), i);
    cr_assert_eq(ps.n, 5000);
    cr_assert_geq(ps.cap, 5000);
    cr_assert_leq(ps.cap, 10000, "grow by doubling, not by much more (cap %zu)", ps.cap);
    for (int i = 0; i < 5000; i++) {
        cr_assert_eq(ps.fds[i].fd, 100000 + i);
        cr_assert_eq(ps.fds[i].events, POLLIN);
        cr_assert_eq(ps.fds[i].revents, 0);
    }
}

Test(ex05, remove_marks_and_compact_squeezes_in_order, .init = init, .fini = fini, .timeout = 10)
{
    for (int i = 0; i < 10; i++)
        ps_add(&ps, i + 3, POLLIN);
    /* A walk over the array that closes every third connection as it goes:
     * entries after the removed one must not move under it. */
    for (size_t i = 0; i < ps.n; i++) {
        int fd = ps.fds[i].fd;
        cr_assert_eq(fd, (int)i + 3, "entry %zu moved during the walk (fd %d)", i, fd);
        if (i % 3 == 0)
            ps_remove(&ps, i);
    }
    cr_assert_eq(ps.n, 10, "removal only marks");
    cr_assert_eq(ps.dead, 4);
    cr_assert_eq(ps.fds[0].fd, -1, "a removed entry has fd -1 so poll() skips it");
    cr_assert_eq(ps_compact(&ps), 4);
    cr_assert_eq(ps.n, 6);
    cr_assert_eq(ps.dead, 0);
    int want[] = {4, 5, 7, 8, 10, 11};
    for (size_t i = 0; i < 6; i++)
        cr_assert_eq(ps.fds[i].fd, want[i], "after compaction fds[%zu] is %d, want %d", i,
                     ps.fds[i].fd, want[i]);
    /* And the next add goes right after the survivors. */
    cr_assert_eq(ps_add(&ps, 99, POLLOUT), 6);
}

Test(ex05, poll_sees_the_live_entries_and_skips_the_dead, .init = init, .fini = fini,
     .timeout = 10)
{
    int a[2], b[2];
    cr_assert_eq(pipe(a), 0);
    cr_assert_eq(pipe(b), 0);
    cr_assert_eq(write(a[1], "x", 1), 1);
    cr_assert_eq(write(b[1], "y", 1), 1);
    ps_add(&ps, a[0], POLLIN);
    long ib = ps_add(&ps, b[0], POLLIN);
    cr_assert_eq(ib, 1);
    ps_remove(&ps, 0);
    cr_assert_eq(poll(ps.fds, ps.n, 0), 1, "only the live entry is ready");
    cr_assert(ps.fds[1].revents & POLLIN);
    cr_assert_eq(ps.fds[0].revents, 0);
    ps_compact(&ps);
    cr_assert_eq(ps.n, 1);
    cr_assert_eq(ps.fds[0].fd, b[0]);
    cr_assert_eq(poll(ps.fds, ps.n, 0), 1);
    close(a[0]), close(a[1]), close(b[0]), close(b[1]);
}
