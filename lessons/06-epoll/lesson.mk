# Lesson 06: the hello server and the concurrent fetcher on epoll.
LESSON_PROGS += 06-epoll/server 06-epoll/fetch
06-epoll/server.srcs := server.c interest.c ../03-server-models/request.c
06-epoll/fetch.srcs := fetch.c
