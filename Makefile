# Makefile: the front door. `make` builds build/release/yibao; `make test`
# installs what is missing, builds a release and a sanitizer (ASan+UBSan)
# build, and runs every test; `make bench` measures and writes
# docs/BENCHMARKS.md. Sources are found by folder, so adding a file to a
# folder needs no change here.

CC      ?= cc
CLANG   ?= clang
WARN    := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wvla
STD     := -std=c11 -D_GNU_SOURCE
INC     := -Isrc
LIBS    := -lsqlite3 -lpq -lmicrohttpd -lcrypto -lpthread -lm
TESTLIBS := -lcmocka

RELEASE_CFLAGS := $(STD) $(WARN) $(INC) -O2 -g
SAN_CFLAGS     := $(STD) $(WARN) $(INC) -O1 -g -fno-omit-frame-pointer \
                  -fsanitize=address,undefined -fno-sanitize-recover=all

CORE_SRC    := $(wildcard src/core/*.c)
LIB_SRC     := $(CORE_SRC) $(wildcard src/json/*.c src/codec/*.c src/store/*.c \
                 src/service/*.c src/gen/*.c) $(filter-out src/cli/main.c,$(wildcard src/cli/*.c))
TEST_SRC    := $(wildcard tests/test_*.c)
# Per-test extras, for the rare test that needs them (any other test needs
# no line here): TEST_OBJS_<name> more sources under tests/ compiled and
# linked into tests/<name>, TEST_LDFLAGS_<name> more link flags.
ALLOC_FAIL_LDFLAGS := -Wl,--wrap=malloc,--wrap=calloc,--wrap=realloc,--wrap=strdup,--wrap=strndup
TEST_OBJS_test_alloc_fail    := tests/alloc_fail.c
TEST_LDFLAGS_test_alloc_fail := $(ALLOC_FAIL_LDFLAGS)
FUZZ_SRC    := $(wildcard fuzz/fuzz_*.c)

.PHONY: all release san test deps bench fuzz clean demo examples check-purity
.SECONDARY:
MAKEFLAGS += -j$(shell nproc) --no-print-directory
all: release

release: build/release/yibao $(TEST_SRC:tests/%.c=build/release/tests/%)
san: build/san/yibao $(TEST_SRC:tests/%.c=build/san/tests/%)

define variant
build/$(1)/obj/%.o: %.c $$(wildcard src/*/*.h) | deps-stamp
	@mkdir -p $$(dir $$@)
	@echo "CC [$(1)] $$<"
	@$$(CC) $$($(2)) -c $$< -o $$@
build/$(1)/libyibao.a: $$(LIB_SRC:%.c=build/$(1)/obj/%.o)
	@rm -f $$@
	@ar rcs $$@ $$^
build/$(1)/yibao: build/$(1)/obj/src/cli/main.o build/$(1)/libyibao.a
	@echo "LD [$(1)] $$@"
	@$$(CC) $$($(2)) -o $$@ $$^ $$(LIBS)
build/$(1)/tests/%: build/$(1)/obj/tests/%.o build/$(1)/libyibao.a
	@mkdir -p $$(dir $$@)
	@echo "LD [$(1)] $$@"
	@$$(CC) $$($(2)) -o $$@ $$^ $$(TEST_LDFLAGS_$$*) $$(LIBS) $$(TESTLIBS)
$$(foreach t,$$(TEST_SRC:tests/%.c=%),$$(eval build/$(1)/tests/$$t: \
    $$(TEST_OBJS_$$t:%.c=build/$(1)/obj/%.o)))
endef
$(eval $(call variant,release,RELEASE_CFLAGS))
$(eval $(call variant,san,SAN_CFLAGS))

# Debian packages: installed once, skipped when present.
deps-stamp:
	@scripts/deps.sh
.PHONY: deps-stamp
deps: deps-stamp

# libFuzzer targets (clang), built with ASan+UBSan.
FUZZ_CFLAGS := $(STD) $(WARN) $(INC) -O1 -g -fsanitize=fuzzer,address,undefined
build/fuzz/%: fuzz/%.c $(LIB_SRC) $(wildcard src/*/*.h) | deps-stamp
	@mkdir -p $(dir $@)
	@echo "FUZZ $@"
	@$(CLANG) $(FUZZ_CFLAGS) -o $@ $< $(LIB_SRC) $(LIBS)
fuzz: $(FUZZ_SRC:fuzz/%.c=build/fuzz/%)

test: release san fuzz
	@$(MAKE) -j1 run-tests

run-tests:
	@scripts/test.sh
.PHONY: run-tests

bench: build/release/yibao
	@bench/run.sh

examples: build/release/yibao
	@scripts/examples.sh

demo: build/release/yibao
	@scripts/demo.sh

clean:
	rm -rf build
