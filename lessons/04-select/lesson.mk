# Lesson 04: the hello server and the concurrent fetcher on select().
LESSON_PROGS += 04-select/server 04-select/fetch
04-select/server.srcs := server.c fdwatch.c ../03-server-models/request.c
04-select/fetch.srcs := fetch.c
