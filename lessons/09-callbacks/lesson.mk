# Lesson 09: a fetcher and a crawler written in callbacks on lesson 08's loop.
LESSON_PROGS += 09-callbacks/fetch 09-callbacks/crawl
LESSON09_LOOP := ../08-event-loop/loop.c ../08-event-loop/loop_select.c ../08-event-loop/loop_epoll.c \
          ../08-event-loop/timerheap.c
09-callbacks/fetch.srcs := fetch.c httpfetch.c response.c $(LESSON09_LOOP)
09-callbacks/crawl.srcs := crawl.c httpfetch.c response.c $(LESSON09_LOOP)
