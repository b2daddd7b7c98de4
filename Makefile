# dcswarm - Docker Cloud service API and stackfiles on Docker swarm mode.
#
#   make            build ./dcswarm
#   make test       install missing Debian packages, then run every test:
#                   unit (cmocka), golden, schema cross-check, engine lab
#   make check      the same tests built with ASan + UBSan, and a short fuzz
#   make fuzz       every fuzz target for FUZZ_SECONDS (default 60) each
#   make golden-update   rewrite tests/golden/*/expected.* for review
#   make install    PREFIX=/usr/local DESTDIR=
#   make image      the dcswarm image in DOCKER_HOST's engine (deploy/dcswarm-stack.yml)
#   make clean

VERSION  := 0.1.0
PREFIX   ?= /usr/local
DESTDIR  ?=
BUILD    ?= build
PKGS     := libcurl jansson yaml-0.1 libevent libevent_pthreads

CC       ?= cc
OPT      ?= -O3 -g
# The dcswarm binary is optimised across files (link-time optimisation:
# translate is 8% faster); the objects also carry ordinary code ("fat"),
# which the test programs link without it.
LTO      ?= -flto=auto -ffat-lto-objects
WARN     := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes \
            -Wmissing-prototypes -Wformat=2 -Wno-format-nonliteral -Wno-format-truncation
CPPFLAGS += -D_GNU_SOURCE -DDCS_VERSION='"$(VERSION)"' -Isrc -I$(BUILD)/gen
CFLAGS   += -std=c17 $(OPT) $(WARN) $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
LDLIBS   += $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lwslay -lcrypto -lm -lpthread

# make fuzz: clang's libFuzzer on top of the sanitizers (tests/fuzz).
ifeq ($(FUZZ),1)
CFLAGS   += -fsanitize=fuzzer-no-link -Wno-unknown-warning-option
endif

ifeq ($(SAN),1)
CFLAGS   += -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
LDFLAGS  += -fsanitize=address,undefined
LTO      :=
endif

# Every .c under src/ but main.c, in any folder: a new room needs no edit here.
LIB_SRC  := $(sort $(filter-out src/main.c,$(shell find src -name '*.c')))
LIB_OBJ  := $(LIB_SRC:%.c=$(BUILD)/obj/%.o) $(BUILD)/obj/gen/schemas.o
# report.json describes dcswarm report's output: read by people and tests, not by dcswarm.
SCHEMAS  := $(sort $(filter-out schemas/report.json,$(wildcard schemas/*.json)))
UNIT_SRC := $(wildcard tests/unit/test_*.c)
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)
# cmocka tests that need a live engine (DOCKER_HOST): run by the lab.
ENGINE_SRC := $(wildcard tests/engine/test_*.c)
ENGINE_BIN := $(ENGINE_SRC:tests/engine/%.c=$(BUILD)/engine-tests/%)
# Fuzz targets (tests/fuzz/fuzz_*.c): with libFuzzer for make fuzz, with a
# main() that replays files for make test.
FUZZ_TARGETS := $(patsubst tests/fuzz/fuzz_%.c,%,$(wildcard tests/fuzz/fuzz_*.c))
FUZZ_REPLAY  := $(FUZZ_TARGETS:%=$(BUILD)/fuzz-replay/fuzz_%)
FUZZ_SECONDS ?= 60
CHECK_FUZZ_SECONDS ?= 10
BENCH_SRC := $(wildcard bench/*.c)
BENCH_BIN := $(BENCH_SRC:bench/%.c=$(BUILD)/bench/%)

.PHONY: all test check unit golden schema-check engine-test e2e golden-update \
        install clean deps bench docs-check fuzz image
all: dcswarm

# The image, made without pulling anything (scripts/make-image.sh), in the
# engine of DOCKER_HOST; the Dockerfile builds the same where one can pull.
IMAGE    ?= dcswarm/dcswarm
image: dcswarm
	@sh scripts/make-image.sh ./dcswarm $(IMAGE):$(VERSION)
	@$${DOCKER:-/usr/bin/docker} tag $(IMAGE):$(VERSION) $(IMAGE):latest

dcswarm: $(BUILD)/dcswarm
	@cp $< $@

$(BUILD)/dcswarm: $(BUILD)/obj/src/main.o $(BUILD)/libdcswarm.a
	$(CC) $(OPT) $(LTO) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/libdcswarm.a: $(LIB_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(LTO) -MMD -MP -c -o $@ $<

# The JSON Schemas are compiled into the binary, so that what the code
# validates against is exactly what schemas/ holds.
$(BUILD)/gen/schemas.c: $(SCHEMAS) scripts/embed-schemas.sh
	@mkdir -p $(dir $@)
	sh scripts/embed-schemas.sh $(SCHEMAS) > $@.tmp && mv $@.tmp $@

$(BUILD)/obj/gen/schemas.o: $(BUILD)/gen/schemas.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(LTO) -c -o $@ $<

$(BUILD)/tests/%: tests/unit/%.c $(BUILD)/libdcswarm.a
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -fno-lto -o $@ $< $(BUILD)/libdcswarm.a $(LDFLAGS) $(LDLIBS) -lcmocka

$(BUILD)/engine-tests/%: tests/engine/%.c $(BUILD)/libdcswarm.a
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -fno-lto -o $@ $< $(BUILD)/libdcswarm.a $(LDFLAGS) $(LDLIBS) -lcmocka

$(BUILD)/fuzz-replay/fuzz_%: tests/fuzz/fuzz_%.c tests/fuzz/replay.c tests/fuzz/*.h \
                             $(BUILD)/libdcswarm.a
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) -Itests/fuzz $(CFLAGS) -fno-lto -o $@ $< tests/fuzz/replay.c \
	    $(BUILD)/libdcswarm.a $(LDFLAGS) $(LDLIBS)

$(BUILD)/fuzz/fuzz_%: tests/fuzz/fuzz_%.c tests/fuzz/*.h $(BUILD)/libdcswarm.a
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) -Itests/fuzz $(CFLAGS) -fsanitize=fuzzer -o $@ $< \
	    $(BUILD)/libdcswarm.a $(LDFLAGS) $(LDLIBS)

$(BUILD)/bench/%: bench/%.c $(BUILD)/libdcswarm.a
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -fno-lto -o $@ $< $(BUILD)/libdcswarm.a $(LDFLAGS) $(LDLIBS)

deps:
	@sh scripts/install-deps.sh

unit: $(UNIT_BIN)
	@sh tests/run-unit.sh $(UNIT_BIN)

golden: $(BUILD)/dcswarm
	@sh tests/golden/run.sh $(BUILD)/dcswarm

golden-update: $(BUILD)/dcswarm
	@DCS_GOLDEN_UPDATE=1 sh tests/golden/run.sh $(BUILD)/dcswarm
	@DCS_GOLDEN_UPDATE=1 sh tests/report/run.sh $(BUILD)/dcswarm

schema-check:
	@/usr/bin/python3 tests/schema_check.py

docs-check: $(BUILD)/dcswarm
	@sh tests/docs-check.sh $(BUILD)/dcswarm

docs/mapping.md: $(BUILD)/dcswarm
	$(BUILD)/dcswarm fields --markdown > $@

engine-test: $(BUILD)/dcswarm $(ENGINE_BIN)
	@DCS_BUILD=$(BUILD) bash tests/lab/run-tests.sh $(BUILD)/dcswarm

test: deps
	@$(MAKE) --no-print-directory $(BUILD)/dcswarm $(UNIT_BIN) $(ENGINE_BIN) $(FUZZ_REPLAY)
	@sh tests/run-all.sh "$(BUILD)" "$(BUILD)/dcswarm"

check: deps
	@$(MAKE) --no-print-directory BUILD=build-san SAN=1 OPT='-O1 -g' test
	@$(MAKE) --no-print-directory fuzz FUZZ_SECONDS=$(CHECK_FUZZ_SECONDS)

# Every fuzz target for FUZZ_SECONDS each, under ASan/UBSan (tests/fuzz).
fuzz: deps
	@$(MAKE) --no-print-directory BUILD=build-fuzz CC=clang SAN=1 FUZZ=1 OPT='-O1 -g' \
	    $(FUZZ_TARGETS:%=build-fuzz/fuzz/fuzz_%)
	@sh tests/fuzz/run.sh fuzz build-fuzz $(FUZZ_SECONDS)

bench: dcswarm $(BENCH_BIN)

install: dcswarm
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/dcswarm/schemas
	install -m 0755 dcswarm $(DESTDIR)$(PREFIX)/bin/dcswarm
	install -m 0644 $(SCHEMAS) schemas/report.json $(DESTDIR)$(PREFIX)/share/dcswarm/schemas/
	install -d $(DESTDIR)$(PREFIX)/share/man/man1
	install -m 0644 man/dcswarm.1 $(DESTDIR)$(PREFIX)/share/man/man1/dcswarm.1

clean:
	rm -rf build build-san build-fuzz dcswarm

-include $(shell find $(BUILD)/obj -name '*.d' 2>/dev/null)
