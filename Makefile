# The only entry point of the project; `make help` lists the targets.
#
# Everything builds out of tree under $(BUILD) (default build/): the library
# libeddy.a, every lesson's programs, the test suites, and each exercise's
# tests twice (against exercises/ and against solutions/). Dependencies on
# headers come from -MMD; a change of compiler or flags rebuilds everything
# (see $(BUILD)/flags). `make san` is the same build with ASan+UBSan in
# build/san/.

BUILD   ?= build
PREFIX  ?= /usr/local
DESTDIR ?=
FUZZ_SECONDS ?= 60
VERSION := 0.1.0

CC_IS_DEFAULT := $(filter default,$(origin CC))
ifneq ($(CC_IS_DEFAULT),)
CC := cc
endif

CFLAGS_STD  := -std=c11 -D_GNU_SOURCE
CFLAGS_WARN := -Wall -Wextra -Wpedantic -Werror
OPTFLAGS    ?= -O2 -g
SANFLAGS    ?=
CFLAGS_ALL   = $(CFLAGS_STD) $(CFLAGS_WARN) $(OPTFLAGS) $(SANFLAGS) $(CFLAGS) \
               -I$(BUILD)/include $(EDDY_PKG_CFLAGS) -MMD -MP
LDFLAGS_ALL  = $(SANFLAGS) $(LDFLAGS)

PKGS_LIB       := libevent zlib jansson libcrypto libevent_openssl libssl sqlite3 libmariadb hiredis
CRITERION_LIBS := $(shell pkg-config --libs criterion 2>/dev/null || echo -lcriterion)
EDDY_PKG_LIBS  := $(if $(PKGS_LIB),$(shell pkg-config --libs $(PKGS_LIB)))
# MariaDB Connector/C keeps its headers in a folder of their own.
EDDY_PKG_CFLAGS := $(shell pkg-config --cflags libmariadb 2>/dev/null)
EDDY_LIBS       = $(BUILD)/lib/libeddy.a $(EDDY_PKG_LIBS) -lpthread

.DEFAULT_GOAL := all
.PHONY: all help lib lessons tests exercise-tests run test test-run san valgrind fuzz \
        bench lesson run-lesson check-exercises check-solutions progress hint install \
        uninstall check-install clean format deps quotes check-aarch64 lesson-check fixtures \
        pageserver diagrams plots db-up db-down redis-up redis-down
.DELETE_ON_ERROR:
# Keep intermediate objects (the fixtures' .o files), so a second make builds nothing.
.SECONDARY:

# ---------------------------------------------------------------- flags stamp
# Rewritten only when the compiler or flags change, so objects that depend on
# it rebuild then and only then.
FLAGS_LINE := $(CC) $(CFLAGS_ALL) | $(LDFLAGS_ALL)
$(shell mkdir -p $(BUILD) && \
        if [ "$$(cat $(BUILD)/flags 2>/dev/null)" != '$(FLAGS_LINE)' ]; then \
            printf '%s\n' '$(FLAGS_LINE)' > $(BUILD)/flags; fi)
# <eddy/x.h> resolves to lib/x.h inside the tree, as it does once installed.
$(shell mkdir -p $(BUILD)/include && ln -sfn $(CURDIR)/lib $(BUILD)/include/eddy)

$(BUILD)/%.o: %.c $(BUILD)/flags
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_ALL) -c $< -o $@

$(BUILD)/%.o: %.S $(BUILD)/flags
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_ALL) -c $< -o $@

# ---------------------------------------------------------------- lib/
# lib/ is in layer folders (lib/README.md): base, async, http, web, ...
LIB_LAYERS := $(patsubst lib/%/,%,$(sort $(dir $(wildcard lib/*/*.c lib/*/*.h))))
LIB_SRCS := $(wildcard lib/*/*.c)
LIB_OBJS := $(LIB_SRCS:%.c=$(BUILD)/%.o)
LIB_HDRS := $(wildcard lib/*.h lib/*/*.h)

$(BUILD)/lib/libeddy.a: $(LIB_OBJS)
	@rm -f $@
	$(AR) rcs $@ $^

lib: $(BUILD)/lib/libeddy.a

# ---------------------------------------------------------------- lessons/
# Each lessons/NN-name/lesson.mk declares its programs:
#   LESSON_PROGS += NN-name/prog          (the first of a lesson is its default)
#   NN-name/prog.srcs := main.c other.c   (relative to the lesson's folder)
#   NN-name/prog.libs := -lpthread        (optional)
#   NN-name/prog.eddy := yes              (optional: link libeddy, Part II only)
LESSON_PROGS :=
include $(sort $(wildcard lessons/*/lesson.mk))

# src_of - a lesson's source, normalised so ../08-event-loop/loop.c from
# lesson 09 is the same object as lesson 08's own.
src_of = $(patsubst $(CURDIR)/%,%,$(abspath lessons/$(1)/$(2)))

define LESSON_PROG_RULES
$(1).objs := $$(foreach s,$$($(1).srcs),$$(BUILD)/$$(basename $$(call src_of,$$(dir $(1)),$$(s))).o)
$$(BUILD)/lessons/$(1): $$($(1).objs) $$(if $$($(1).eddy),$$(BUILD)/lib/libeddy.a)
	$$(CC) $$(LDFLAGS_ALL) $$($(1).objs) -o $$@ $$(if $$($(1).eddy),$$(EDDY_LIBS)) $$($(1).libs)
endef
$(foreach p,$(LESSON_PROGS),$(eval $(call LESSON_PROG_RULES,$(p))))

LESSON_BINS := $(LESSON_PROGS:%=$(BUILD)/lessons/%)
lessons: $(LESSON_BINS)

# N=00 picks lessons/00-*; PROG picks a program, default the lesson's first.
LESSON_DIR   = $(notdir $(firstword $(wildcard lessons/$(N)-*)))
LESSON_OWN   = $(filter $(LESSON_DIR)/%,$(LESSON_PROGS))
LESSON_PICK  = $(if $(PROG),$(LESSON_DIR)/$(PROG),$(firstword $(LESSON_OWN)))

lesson-check:
	@if [ -z "$(N)" ]; then echo "usage: make lesson N=00 (see lessons/)"; exit 2; fi
	@if [ -z "$(LESSON_DIR)" ]; then echo "no lesson numbered '$(N)' in lessons/"; exit 2; fi
	@if [ -n "$(PROG)" ] && [ -z "$(filter $(LESSON_DIR)/$(PROG),$(LESSON_PROGS))" ]; then \
	    echo "lesson $(LESSON_DIR) has no program '$(PROG)'; it has: $(notdir $(LESSON_OWN))"; exit 2; fi

# The lesson's programs are prerequisites, not goals of a second make, so
# run-lesson prints only what the program prints (and the compiler's lines
# when something had to be built): its output reads as the READMEs show it.
lesson: lesson-check $(LESSON_OWN:%=$(BUILD)/lessons/%)
	@echo "built: $(LESSON_OWN:%=$(BUILD)/lessons/%)"

run-lesson: lesson-check $(LESSON_OWN:%=$(BUILD)/lessons/%)
	@$(BUILD)/lessons/$(LESSON_PICK) $(ARGS)

# ---------------------------------------------------------------- fixtures
# Test equipment the lessons use (tests/fixtures/*.c, one program each):
# pageserver serves pages with a chosen delay and size, locally.
FIXTURE_BINS := $(patsubst tests/fixtures/%.c,$(BUILD)/fixtures/%,$(wildcard tests/fixtures/*.c))

$(BUILD)/fixtures/%: $(BUILD)/tests/fixtures/%.o
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS_ALL) $< -o $@ -lpthread

# crawlsite (lesson 15's crawl site) runs on libeddy's server: a thousand
# slow pages at once are sleeping tasks, not threads.
$(BUILD)/fixtures/crawlsite: $(BUILD)/tests/fixtures/crawlsite.o $(BUILD)/lib/libeddy.a
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS_ALL) $< -o $@ $(EDDY_LIBS)

fixtures: $(FIXTURE_BINS)

# make pageserver ARGS='--delay 100ms --size 10k'
pageserver: $(BUILD)/fixtures/pageserver
	@$(BUILD)/fixtures/pageserver $(ARGS)

# ---------------------------------------------------------------- tests/
# One Criterion binary per area (lib, lessons, course: the course's own
# tools such as make progress, forum); tests/common/ is linked into each. Tests
# find the programs they run through TEST_BUILD_DIR.
TEST_COMMON_OBJS := $(patsubst %.c,$(BUILD)/%.o,$(wildcard tests/common/*.c))
TEST_AREAS := $(notdir $(patsubst %/,%,$(dir $(wildcard tests/lib/*.c tests/lessons/*.c tests/course/*.c \
                                                           tests/forum/*.c))))
TEST_AREAS := $(sort $(TEST_AREAS))
TEST_BINS  := $(TEST_AREAS:%=$(BUILD)/suites/%)

$(BUILD)/tests/%.o: CFLAGS += -DTEST_BUILD_DIR='"$(abspath $(BUILD))"' -DTEST_SOURCE_DIR='"$(CURDIR)"' \
                             -Itests/common

define TEST_AREA_RULES
$(1).test_objs := $$(patsubst %.c,$$(BUILD)/%.o,$$(wildcard tests/$(1)/*.c))
$$(BUILD)/suites/$(1): $$($(1).test_objs) $$(TEST_COMMON_OBJS) $$(BUILD)/lib/libeddy.a
	@mkdir -p $$(@D)
	$$(CC) $$(LDFLAGS_ALL) $$($(1).test_objs) $$(TEST_COMMON_OBJS) -o $$@ \
	    $$(EDDY_LIBS) $$(CRITERION_LIBS)
endef
$(foreach a,$(TEST_AREAS),$(eval $(call TEST_AREA_RULES,$(a))))

# ---------------------------------------------------------------- exercises/
# exercises/MANIFEST lists each exercise; tests/exercises/<id>.c holds its
# tests, built once against exercises/<id>/*.c and once against
# solutions/<id>/*.c.
EXERCISE_IDS := $(shell awk -F'\t' '!/^\#/ && NF { print $$1 }' exercises/MANIFEST 2>/dev/null)
EX_TREES := exercises solutions

define EXERCISE_RULES
$(BUILD)/extests/$(2)/$(1).objs := $$(patsubst %.c,$$(BUILD)/$(2)/%.o,$$(wildcard $(2)/$(1)/*.c))
$$(BUILD)/$(2)/$(2)/$(1)/%.o: $(2)/$(1)/%.c $$(BUILD)/flags
	@mkdir -p $$(@D)
	$$(CC) $$(CFLAGS_ALL) -I$(2)/$(1) -c $$< -o $$@
$$(BUILD)/$(2)/tests/exercises/$(1).o: tests/exercises/$(1).c $$(BUILD)/flags
	@mkdir -p $$(@D)
	$$(CC) $$(CFLAGS_ALL) -Itests/common -I$(2)/$(1) -DTEST_BUILD_DIR='"$$(abspath $$(BUILD))"' -c $$< -o $$@
$$(BUILD)/extests/$(2)/$(1): $$(BUILD)/$(2)/tests/exercises/$(1).o $$($$(BUILD)/extests/$(2)/$(1).objs) $$(TEST_COMMON_OBJS) \
        $$(filter %.a,$$(EX_LIBS_$(1)))
	@mkdir -p $$(@D)
	$$(CC) $$(LDFLAGS_ALL) $$(filter-out %.a,$$^) -o $$@ $$(CRITERION_LIBS) -lpthread $$(EX_LIBS_$(1))
endef
$(foreach t,$(EX_TREES),$(foreach e,$(EXERCISE_IDS),$(eval $(call EXERCISE_RULES,$(e),$(t)))))

EX_BINS := $(foreach t,$(EX_TREES),$(EXERCISE_IDS:%=$(BUILD)/extests/$(t)/%))
exercise-tests: $(EX_BINS)

# progress, hint and check-exercises build each exercise on its own (the
# script calls make once per exercise and first deletes the old test
# binary, so a file that no longer compiles is never tested through the
# binary of an earlier version). EX=06 picks one exercise; LEVEL=N a hint step.
EXERCISE_ENV = BUILD=$(BUILD) EXERCISE_IDS="$(EXERCISE_IDS)"

progress:
	@scripts/deps.sh core
	@$(EXERCISE_ENV) MAKE="$(MAKE)" scripts/exercises.sh progress $(EX)

hint:
	@$(EXERCISE_ENV) scripts/exercises.sh hint "$(EX)" "$(LEVEL)"

check-exercises:
	@$(EXERCISE_ENV) MAKE="$(MAKE)" scripts/exercises.sh check exercises

check-solutions: $(EXERCISE_IDS:%=$(BUILD)/extests/solutions/%) lessons
	@$(EXERCISE_ENV) scripts/exercises.sh check solutions

# ---------------------------------------------------------------- top targets
all: lib lessons fixtures tests exercise-tests
tests: $(TEST_BINS)

help:
	@echo "make              build the library, lessons, tests"
	@echo "make run          start the forum (lesson 21) at http://127.0.0.1:8888 with demo data"
	@echo "make test         every suite, exercises proven both ways, README commands run, quotes checked"
	@echo "make san          the tests under ASan+UBSan (build/san/)"
	@echo "make valgrind     the tests under valgrind"
	@echo "make fuzz         each fuzz target for FUZZ_SECONDS (default 60)"
	@echo "make bench        the instructor benchmarks, CSV + PNG in bench/results/"
	@echo "make plots        copy the last bench run's plots to docs/plots/ (the book's reference)"
	@echo "make diagrams     redraw docs/diagrams/*.svg from their .dot and .gp sources"
	@echo "make lesson N=00  build one lesson; run-lesson N=00 [PROG=x] [ARGS='...']"
	@echo "make progress     which exercises pass, what fails in the next; EX=06 for one exercise"
	@echo "make hint EX=06   a hint for exercise 06, one step more each time (LEVEL=N: step N)"
	@echo "make pageserver   the local slow web server Part I fetches from (ARGS='--delay 100ms')"
	@echo "make db-up        a private MariaDB for lessons 16-17's --db; make db-down stops it"
	@echo "make redis-up     a private Redis for pub/sub and the kv store; make redis-down stops it"
	@echo "make check-exercises | check-solutions"
	@echo "make check-aarch64  the aarch64 coroutine switch, under qemu"
	@echo "make install [PREFIX=/usr/local] [DESTDIR=]"
	@echo "make check-install  a program built against the installed library serves (in make test)"
	@echo "make clean | format"

deps:
	@scripts/deps.sh core

# run: the forum (lesson 21) on SQLite at http://127.0.0.1:8888, its data
# under $(BUILD)/forum/ (demo users, groups and posts made on first start).
FORUM_DATA := $(BUILD)/forum
run: deps $(BUILD)/lessons/21-forum/forum
	@mkdir -p $(FORUM_DATA)
	@$(BUILD)/lessons/21-forum/forum --port 8888 --demo --db sqlite://$(FORUM_DATA)/forum.db \
	    --media-dir $(FORUM_DATA)/media $(ARGS)

# test: everything a change must keep green. The last line printed is the
# Criterion-style synthesis over all suites.
test: deps
	@$(MAKE) --no-print-directory all
	@$(EXERCISE_ENV) TEST_BINS="$(TEST_BINS)" scripts/run-tests.sh

# test-run: the same, without the deps check and the build (used by san).
test-run:
	@$(EXERCISE_ENV) TEST_WRAPPER="$(TEST_WRAPPER)" TEST_BINS="$(TEST_BINS)" scripts/run-tests.sh

san: deps
	@$(MAKE) --no-print-directory BUILD=$(BUILD)/san OPTFLAGS='-O1 -g -fno-omit-frame-pointer' \
	    SANFLAGS='-fsanitize=address,undefined -fno-sanitize-recover=undefined' all
	@ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	    LSAN_OPTIONS=exitcode=0 TEST_LEAK_SCAN=1 \
	    $(MAKE) --no-print-directory BUILD=$(BUILD)/san OPTFLAGS='-O1 -g -fno-omit-frame-pointer' \
	    SANFLAGS='-fsanitize=address,undefined -fno-sanitize-recover=undefined' test-run

# --max-stackframe: Connector/C runs each non-blocking call on a stack of
# its own, which valgrind is not told about; its default (2 MB) took the
# jump between that stack and a task's (1-2 MB apart) for one deep frame
# and marked what lay between unreadable (a thousand false reports per
# forum process on MariaDB). 512 KiB is above the largest frame here (a
# test's 256 KiB buffer) and below that jump.
valgrind: deps
	@scripts/deps.sh core tools
	@$(MAKE) --no-print-directory BUILD=$(BUILD)/valgrind OPTFLAGS='-O1 -g' all
	@TEST_SLACK_MS=20000 $(MAKE) --no-print-directory BUILD=$(BUILD)/valgrind OPTFLAGS='-O1 -g' \
	    TEST_WRAPPER='valgrind -q --trace-children=yes --trace-children-skip=/usr/*,/bin/* \
	    --max-stackframe=524288 --error-exitcode=99 --leak-check=full \
	    --errors-for-leak-kinds=definite --suppressions=$(CURDIR)/tests/sanitizers/valgrind.supp' test-run

# ---------------------------------------------------------------- MariaDB to try
# A private mariadbd on 127.0.0.1 and a free port, its data in
# $(BUILD)/mariadb (kept between db-down and db-up, gone with make clean):
# what the tests start for themselves, for a student to try lesson 16 on.
db-up: deps
	@scripts/mariadb.sh start $(BUILD)/mariadb >/dev/null
	@url=$$(scripts/mariadb.sh url $(BUILD)/mariadb); echo "MariaDB is up: $$url"; \
	    echo "try: make run-lesson N=16 ARGS='--db $$url'"

db-down:
	@scripts/mariadb.sh stop $(BUILD)/mariadb
	@echo "MariaDB stopped (its data stays in $(BUILD)/mariadb until make clean)"

# ---------------------------------------------------------------- Redis to try
# A private redis-server on 127.0.0.1 and a free port, its files in
# $(BUILD)/redis, keeping nothing on disk: what the Redis tests start for
# themselves, for a student to try pub/sub and the kv store on.
redis-up: deps
	@scripts/redis.sh start $(BUILD)/redis >/dev/null
	@echo "Redis is up: $$(scripts/redis.sh url $(BUILD)/redis)"; \
	    echo "look inside: scripts/redis.sh cli $(BUILD)/redis KEYS '*'"

redis-down:
	@scripts/redis.sh stop $(BUILD)/redis
	@echo "Redis stopped"

# ---------------------------------------------------------------- fuzz
# Each tests/fuzz/<name>.c is a libFuzzer target; tests/fuzz/<name>.srcs
# (optional) lists the project sources it links, one per line.
FUZZ_TARGETS := $(basename $(notdir $(wildcard tests/fuzz/*.c)))
FUZZ_CFLAGS := $(CFLAGS_STD) -O1 -g -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined -I$(BUILD)/include \
               $(EDDY_PKG_CFLAGS)

$(BUILD)/fuzz/%: tests/fuzz/%.c $(LIB_SRCS) $(LIB_HDRS)
	@mkdir -p $(@D)
	clang $(FUZZ_CFLAGS) $< $(shell cat tests/fuzz/$*.srcs 2>/dev/null) $(LIB_SRCS) -o $@ \
	    $(shell pkg-config --libs $(PKGS_LIB)) -lpthread

fuzz: deps
	@scripts/deps.sh core tools
	@$(MAKE) --no-print-directory $(FUZZ_TARGETS:%=$(BUILD)/fuzz/%)
	@set -e; for t in $(FUZZ_TARGETS); do \
	    mkdir -p $(BUILD)/fuzz/corpus-$$t; \
	    seeds=; [ -d tests/fuzz/corpus/$$t ] && seeds=tests/fuzz/corpus/$$t; \
	    echo "fuzz: $$t for $(FUZZ_SECONDS)s"; \
	    $(BUILD)/fuzz/$$t -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 \
	        -artifact_prefix=$(BUILD)/fuzz/$$t- \
	        $(BUILD)/fuzz/corpus-$$t $$seeds 2>$(BUILD)/fuzz/$$t.log \
	        || { tail -40 $(BUILD)/fuzz/$$t.log; exit 1; }; \
	    grep -E 'stat::number_of_executed_units|Done' $(BUILD)/fuzz/$$t.log | tail -2; \
	done; echo "fuzz: $(words $(FUZZ_TARGETS)) target(s) ran clean"

# ---------------------------------------------------------------- cross
# The aarch64 context switch, cross-compiled and run under qemu-user. All
# the coro files go in, as in a native build: each backend file compiles
# to nothing but on its own machine.
CORO_SRCS := $(filter lib/async/coro.c lib/async/coro_%.c,$(LIB_SRCS))
check-aarch64:
	@scripts/deps.sh core cross
	@mkdir -p $(BUILD)/cross
	aarch64-linux-gnu-gcc $(CFLAGS_STD) $(CFLAGS_WARN) -O2 -static -I$(BUILD)/include \
	    tests/cross/coro.c $(CORO_SRCS) -o $(BUILD)/cross/coro-aarch64
	qemu-aarch64 $(BUILD)/cross/coro-aarch64

# ---------------------------------------------------------------- bench
bench: all
	@scripts/deps.sh core bench
	@BUILD=$(BUILD) bench/run.sh $(BENCH)

# ---------------------------------------------------------------- pictures
# docs/diagrams/NAME.dot (Graphviz) and NAME.gp (gnuplot) are the sources of
# the book's drawings; NAME.svg beside each is the committed rendering.
# `make diagrams` redraws them all; the same source gives the same bytes, so
# a redraw after an unchanged checkout shows no diff.
DIAGRAM_DOT := $(wildcard docs/diagrams/*.dot)
DIAGRAM_GP  := $(wildcard docs/diagrams/*.gp)

diagrams:
	@scripts/deps.sh docs
	@set -e; for f in $(DIAGRAM_DOT); do dot -Tsvg "$$f" -o "$${f%.dot}.svg"; echo "drew $${f%.dot}.svg"; done
	@set -e; for f in $(DIAGRAM_GP); do \
	    (cd "$$(dirname "$$f")" && gnuplot -e "set output '$$(basename "$${f%.gp}").svg'" "$$(basename "$$f")"); \
	    echo "drew $${f%.gp}.svg"; done

# `make plots [BENCH=12]` makes the last `make bench` run's plots the
# reference ones in docs/plots/, each with the machine, date and command
# that made it (bench/publish.sh; NOTE='...' adds a line to each caption).
plots:
	@bench/publish.sh $(BENCH)

# ---------------------------------------------------------------- install
install: lib
	install -d $(DESTDIR)$(PREFIX)/lib $(DESTDIR)$(PREFIX)/include/eddy $(DESTDIR)$(PREFIX)/lib/pkgconfig
	install -m 644 $(BUILD)/lib/libeddy.a $(DESTDIR)$(PREFIX)/lib/
	install -m 644 $(wildcard lib/*.h) $(DESTDIR)$(PREFIX)/include/eddy/
	set -e; for layer in $(LIB_LAYERS); do \
	    install -d $(DESTDIR)$(PREFIX)/include/eddy/$$layer; \
	    install -m 644 $$(ls lib/$$layer/*.h | grep -v '_internal\.h$$') $(DESTDIR)$(PREFIX)/include/eddy/$$layer/; \
	done
	sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@VERSION@|$(VERSION)|' \
	    -e 's|@REQUIRES@|$(PKGS_LIB)|' lib/eddy.pc.in > $(DESTDIR)$(PREFIX)/lib/pkgconfig/eddy.pc

uninstall:
	rm -f $(DESTDIR)$(PREFIX)/lib/libeddy.a $(DESTDIR)$(PREFIX)/lib/pkgconfig/eddy.pc
	rm -rf $(DESTDIR)$(PREFIX)/include/eddy

# check-install: what `make install` puts in place is enough to build and
# run a program outside the tree (scripts/check-install.sh; part of make
# test). The program gets the project's warnings, plus the sanitizers when
# the library has them (make san); not -D_GNU_SOURCE: the installed
# headers must not need it.
check-install: lib
	@MAKE='$(MAKE)' CC='$(CC)' PROG_CFLAGS='-std=c11 $(CFLAGS_WARN) $(OPTFLAGS) $(SANFLAGS)' \
	    scripts/check-install.sh

# ---------------------------------------------------------------- upkeep
quotes:
	@scripts/quotes.py update

clean:
	rm -rf $(BUILD)

FORMAT_FILES = $(shell git ls-files '*.c' '*.h' 2>/dev/null | grep -v '^exercises/')
format:
	clang-format -i $(FORMAT_FILES)

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
