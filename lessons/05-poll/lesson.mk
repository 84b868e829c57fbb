# Lesson 05: the hello server and the concurrent fetcher on poll().
LESSON_PROGS += 05-poll/server 05-poll/fetch
05-poll/server.srcs := server.c pollset.c ../03-server-models/request.c
05-poll/fetch.srcs := fetch.c
