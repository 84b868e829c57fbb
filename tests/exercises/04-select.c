/*
 * Exercise 04: fdw_set() (exercises/04-select/fdwatch.c).
 *
 * The tests drive the master fd_sets the way the server does - add, change,
 * drop, in any order - and check the two things select() depends on: the
 * bits, and the highest fd. Plain numbers stand in for fds: fdw_set never
 * touches the descriptors themselves.
 */
#include "fdwatch.h"

#include <criterion/criterion.h>
#include <errno.h>
#include <string.h>

static struct fd_watch w;

static void init(void) { fdw_init(&w); }

Test(ex04, sets_the_bits_asked_for, .init = init, .timeout = 10)
{
    cr_assert_eq(fdw_set(&w, 5, FDW_READ), 0);
    cr_assert_eq(fdw_set(&w, 9, FDW_WRITE), 0);
    cr_assert_eq(fdw_set(&w, 7, FDW_READ | FDW_WRITE), 0);
    cr_assert(FD_ISSET(5, &w.readers) && !FD_ISSET(5, &w.writers));
    cr_assert(!FD_ISSET(9, &w.readers) && FD_ISSET(9, &w.writers));
    cr_assert(FD_ISSET(7, &w.readers) && FD_ISSET(7, &w.writers));
    /* Changing interest clears what is no longer wanted. */
    cr_assert_eq(fdw_set(&w, 7, FDW_WRITE), 0);
    cr_assert(!FD_ISSET(7, &w.readers) && FD_ISSET(7, &w.writers));
    cr_assert_eq(w.maxfd, 9);
}

Test(ex04, maxfd_rises_and_walks_down_to_the_next_watched_fd, .init = init, .timeout = 10)
{
    int fds[] = {3, 40, 12, 41, 7};
    for (size_t i = 0; i < sizeof fds / sizeof fds[0]; i++)
        cr_assert_eq(fdw_set(&w, fds[i], FDW_READ), 0);
    cr_assert_eq(w.maxfd, 41);
    cr_assert_eq(fdw_set(&w, 12, 0), 0); /* not the highest: maxfd stays */
    cr_assert_eq(w.maxfd, 41);
    cr_assert_eq(fdw_set(&w, 41, 0), 0);
    cr_assert_eq(w.maxfd, 40, "after dropping 41, maxfd is %d", w.maxfd);
    cr_assert_eq(fdw_set(&w, 40, FDW_WRITE), 0); /* still watched, for writing */
    cr_assert_eq(w.maxfd, 40);
    cr_assert_eq(fdw_set(&w, 40, 0), 0);
    cr_assert_eq(w.maxfd, 7, "after dropping 40 (12 went earlier), maxfd is %d", w.maxfd);
    cr_assert_eq(fdw_set(&w, 7, 0), 0);
    cr_assert_eq(fdw_set(&w, 3, 0), 0);
    cr_assert_eq(w.maxfd, -1, "empty sets, maxfd is %d", w.maxfd);
}

Test(ex04, refuses_fds_that_do_not_fit_and_leaves_the_sets_alone, .init = init, .timeout = 10)
{
    cr_assert_eq(fdw_set(&w, 4, FDW_READ), 0);
    struct fd_watch before = w;
    /* A canary right after the struct would catch FD_SET writing past it;
     * comparing the whole struct catches any bit flipped inside. */
    errno = 0;
    cr_assert_eq(fdw_set(&w, FD_SETSIZE, FDW_READ), -1);
    cr_assert_eq(errno, EBADF);
    cr_assert_eq(fdw_set(&w, FD_SETSIZE + 100, FDW_READ | FDW_WRITE), -1);
    cr_assert_eq(fdw_set(&w, -1, FDW_READ), -1);
    cr_assert_eq(memcmp(&before, &w, sizeof w), 0, "a refused fd changed the sets");
    cr_assert_eq(w.maxfd, 4);
    cr_assert_eq(fdw_set(&w, FD_SETSIZE - 1, FDW_READ), 0, "the last bit is a real fd");
    cr_assert_eq(w.maxfd, FD_SETSIZE - 1);
}

Test(ex04, dropping_an_unwatched_fd_changes_nothing, .init = init, .timeout = 10)
{
    cr_assert_eq(fdw_set(&w, 10, FDW_READ), 0);
    cr_assert_eq(fdw_set(&w, 20, 0), 0);
    cr_assert_eq(fdw_set(&w, 3, 0), 0);
    cr_assert_eq(w.maxfd, 10);
    cr_assert(FD_ISSET(10, &w.readers));
}
