# Lesson 18: files-forms - a profile page: a validated form saved through the ORM, an avatar upload.
LESSON_PROGS += 18-files-forms/profile
18-files-forms/profile.srcs := profile.c profile_form.c
18-files-forms/profile.eddy := yes
# The exercise's tests run profile_form.c in an app on SQLite.
EX_LIBS_18-files-forms := $(BUILD)/lib/libeddy.a $(EDDY_PKG_LIBS)
