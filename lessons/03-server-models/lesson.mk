# Lesson 03: one hello server in four models, and a meter of memory per connection.
LESSON_PROGS += 03-server-models/server 03-server-models/conncost
03-server-models/server.srcs := server.c request.c
03-server-models/server.libs := -lpthread
03-server-models/conncost.srcs := conncost.c
