# Lesson 20: auth-sms-rest - sign-up by SMS code, login guards, JWT, XSRF, CORS, REST conventions.
LESSON_PROGS += 20-auth-sms-rest/site
20-auth-sms-rest/site.srcs := site.c api.c pages.c users.c signup.c next_url.c
20-auth-sms-rest/site.eddy := yes
