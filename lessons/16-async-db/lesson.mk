# Lesson 16: async-db - a message board on the async database API (SQLite, MariaDB).
LESSON_PROGS += 16-async-db/board
16-async-db/board.srcs := board.c messages.c
16-async-db/board.eddy := yes
# The exercise's tests run messages.c against an SQLite database in memory.
EX_LIBS_16-async-db := $(BUILD)/lib/libeddy.a $(EDDY_PKG_LIBS)
