# Lesson 01: fetch URLs one after another on blocking sockets.
LESSON_PROGS += 01-blocking-fetch/fetch
01-blocking-fetch/fetch.srcs := fetch.c httpio.c
