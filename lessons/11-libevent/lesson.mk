# Lesson 11: the hello server, the fetcher and a timer demo on libevent; the server on evhttp.
LESSON_PROGS += 11-libevent/server 11-libevent/fetch 11-libevent/timers 11-libevent/evhttp
LESSON11_LIBS := $(shell pkg-config --libs libevent 2>/dev/null || echo -levent)
11-libevent/server.srcs := server.c answer.c http.c
11-libevent/server.libs := $(LESSON11_LIBS)
11-libevent/fetch.srcs := fetch.c
11-libevent/fetch.libs := $(LESSON11_LIBS)
11-libevent/timers.srcs := timers.c
11-libevent/timers.libs := $(LESSON11_LIBS)
11-libevent/evhttp.srcs := evhttp.c
11-libevent/evhttp.libs := $(LESSON11_LIBS)
# The exercise's tests link libevent for the evbuffers and bufferevent pairs.
EX_LIBS_11-libevent := $(LESSON11_LIBS)
