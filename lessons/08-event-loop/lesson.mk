# Lesson 08: a small reactor (fd events + timers + callbacks) and two programs on it.
LESSON_PROGS += 08-event-loop/server 08-event-loop/demo
08-event-loop/server.srcs := server.c ../03-server-models/request.c loop.c loop_select.c loop_epoll.c timerheap.c
08-event-loop/demo.srcs := demo.c loop.c loop_select.c loop_epoll.c timerheap.c
