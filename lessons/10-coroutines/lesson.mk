# Lesson 10: coroutines. Stackless first, then stackful ones with a
# hand-written context switch, then tasks and await on lesson 08's loop and
# lesson 09's crawler rewritten on them.
LESSON_PROGS += 10-coroutines/stackless 10-coroutines/crawl 10-coroutines/fetch \
                10-coroutines/switchbench 10-coroutines/guard
LESSON10_LOOP := ../08-event-loop/loop.c ../08-event-loop/loop_select.c \
                 ../08-event-loop/loop_epoll.c ../08-event-loop/timerheap.c
10-coroutines/stackless.srcs := stackless.c
10-coroutines/crawl.srcs := crawl.c httpfetch.c task.c coro.c switch.c $(LESSON10_LOOP)
10-coroutines/fetch.srcs := fetch.c httpfetch.c task.c coro.c switch.c $(LESSON10_LOOP)
10-coroutines/switchbench.srcs := switchbench.c coro.c switch.c
10-coroutines/guard.srcs := guard.c coro.c switch.c
