# Lesson 12: HTTP/1.1 on libeddy's server, one request function, no framework.
LESSON_PROGS += 12-http-server/server
12-http-server/server.srcs := server.c app.c
12-http-server/server.eddy := yes
# The exercise's tests run app.c in a server on a thread: they need libeddy.
EX_LIBS_12-http-server := $(BUILD)/lib/libeddy.a $(EDDY_PKG_LIBS)
