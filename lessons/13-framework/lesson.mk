# Lesson 13: the framework - routes, handler tables, options, JSON.
LESSON_PROGS += 13-framework/api 13-framework/hello
13-framework/api.srcs := api.c notes.c validate.c
13-framework/api.eddy := yes
13-framework/hello.srcs := hello.c
13-framework/hello.eddy := yes
# The exercise's tests call note_validate() directly; it needs jansson.
EX_LIBS_13-framework := $(BUILD)/lib/libeddy.a $(EDDY_PKG_LIBS)
