# Lesson 14: templates - inheritance, escaping, UI modules, static files.
LESSON_PROGS += 14-templates/site
14-templates/site.srcs := site.c entry.c
14-templates/site.eddy := yes
# The exercise's tests render through a template loader.
EX_LIBS_14-templates := $(BUILD)/lib/libeddy.a $(EDDY_PKG_LIBS)
