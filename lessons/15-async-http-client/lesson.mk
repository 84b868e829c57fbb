# Lesson 15: the async HTTP client - fetch (a small curl) and crawl (a concurrent crawler).
LESSON_PROGS += 15-async-http-client/fetch 15-async-http-client/crawl
15-async-http-client/fetch.srcs := fetch.c
15-async-http-client/fetch.eddy := yes
15-async-http-client/crawl.srcs := crawl.c links.c
15-async-http-client/crawl.eddy := yes
# The exercise's tests call extract_links() directly; it resolves with lib/base/url.
EX_LIBS_15-async-http-client := $(BUILD)/lib/libeddy.a $(EDDY_PKG_LIBS)
