/*
 * interest - one epoll_ctl per change of interest; see interest.h.
 */
#include "interest.h"

#include <stdint.h>
#include <sys/epoll.h>

/* quote:begin interest-update */
int interest_update(int epfd, int fd, int *registered, int want, bool edge)
{
    if (want == *registered)
        return 0; /* the kernel already has it: no system call */
    struct epoll_event e = {.events = (uint32_t)want | (edge ? EPOLLET : 0), .data.fd = fd};
    if (epoll_ctl(epfd, EPOLL_CTL_MOD, fd, &e) < 0)
        return -1;
    *registered = want;
    return 1;
}
/* quote:end interest-update */
