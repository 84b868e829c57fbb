# Lesson 08: a small reactor (fd events + timers + callbacks) and two programs on it.
LESSON_PROGS += 08-event-loop/hello 08-event-loop/demo
08-event-loop/hello.srcs := hello.c request.c loop.c loop_select.c loop_epoll.c timerheap.c
08-event-loop/demo.srcs := demo.c loop.c loop_select.c loop_epoll.c timerheap.c
