# Lesson 07: mbench, select vs poll vs epoll as the number of fds grows.
LESSON_PROGS += 07-multiplexer-bench/mbench
07-multiplexer-bench/mbench.srcs := mbench.c mux_select.c mux_poll.c mux_epoll.c
