# Lesson 17: orm - a small blog's models, tables created on start, joins, counts, JSON.
LESSON_PROGS += 17-orm/blog
17-orm/blog.srcs := blog.c models.c
17-orm/blog.eddy := yes
# The exercise's tests run models.c against an SQLite database in memory.
EX_LIBS_17-orm := $(BUILD)/lib/libeddy.a $(EDDY_PKG_LIBS)
