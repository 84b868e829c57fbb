# Lesson 21: forum - the course's forum: accounts, groups, posts, Q&A, messages, one program on lib/.
LESSON_PROGS += 21-forum/forum
# Every .c file in the folder is part of the program: a feature file is
# added by creating it (and its registration call in routes.c).
21-forum/forum.srcs := $(notdir $(wildcard lessons/21-forum/*.c))
21-forum/forum.eddy := yes
# Markdown (posts and answers) is rendered with cmark (markdown.c).
21-forum/forum.libs := -lcmark
# The exercise's tests run membership.c and models.c against an SQLite file.
EX_LIBS_21-forum := $(BUILD)/lib/libeddy.a $(EDDY_PKG_LIBS)
