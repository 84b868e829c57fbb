# Lesson 02: fetch URLs all at once on non-blocking sockets, in a busy loop.
LESSON_PROGS += 02-nonblocking-fetch/fetch
02-nonblocking-fetch/fetch.srcs := fetch.c httpio.c
