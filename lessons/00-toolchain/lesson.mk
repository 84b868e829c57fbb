# Lesson 00: a line server and a client that times round trips.
LESSON_PROGS += 00-toolchain/server 00-toolchain/client
00-toolchain/server.srcs := server.c lineio.c
00-toolchain/client.srcs := client.c lineio.c
