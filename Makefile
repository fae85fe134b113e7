# Makefile: the front door. `make` builds build/release/yibao (what an
# operator runs) and build/release/yibao-bench (benchmarks, load generators
# and the store's crash-test driver, src/bench); `make test`
# installs what is missing, builds a release and a sanitizer (ASan+UBSan)
# build, and runs every test; `make bench` measures and writes
# docs/BENCHMARKS.md; `make style`, `make asserts` and `make coverage` are
# the tools of docs/TOOLS.md. Sources are found by folder, so adding a file to a
# folder needs no change here.

CC      ?= cc
CLANG   ?= clang
WARN    := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wvla
STD     := -std=c11 -D_GNU_SOURCE
INC     := -Isrc
LIBS    := -lsqlite3 -lpq -lmicrohttpd -lcrypto -lpthread -lm
TESTLIBS := -lcmocka

# The product is built hardened (checked by tests/t_hardening.sh): stack
# protector, fortified libc calls, position-independent, full RELRO.
HARDEN         := -fstack-protector-strong -D_FORTIFY_SOURCE=2 -fPIE -pie -Wl,-z,relro,-z,now
RELEASE_CFLAGS := $(STD) $(WARN) $(INC) -O2 -g $(HARDEN)
SAN_CFLAGS     := $(STD) $(WARN) $(INC) -O1 -g -fno-omit-frame-pointer \
                  -fsanitize=address,undefined -fno-sanitize-recover=all
COVERAGE_CFLAGS := $(STD) $(WARN) $(INC) -O0 -g --coverage -fprofile-update=atomic

# Folders whose files are also compiled with CONVERSION_WARN: implicit
# conversions that may change a value or its sign are errors there. A folder
# is switched on by adding it to CONVERSION_DIRS once it compiles cleanly.
CONVERSION_DIRS := src/json src/gen src/core src/app src/codec src/store src/service src/cli src/bench
CONVERSION_WARN := -Wconversion -Wsign-conversion
folder_warn = $(if $(filter $(CONVERSION_DIRS),$(patsubst %/,%,$(dir $(1)))),$(CONVERSION_WARN))

CORE_SRC    := $(wildcard src/core/*.c)
LIB_SRC     := $(CORE_SRC) $(wildcard src/json/*.c src/codec/*.c src/app/*.c src/store/*.c \
                 src/service/*.c src/gen/*.c) $(filter-out src/cli/main.c,$(wildcard src/cli/*.c))
BENCH_SRC   := $(wildcard src/bench/*.c)
TEST_SRC    := $(wildcard tests/test_*.c)
# Per-test extras, for the rare test that needs them (any other test needs
# no line here): TEST_OBJS_<name> more sources under tests/ compiled and
# linked into tests/<name>, TEST_LDFLAGS_<name> more link flags.
ALLOC_FAIL_LDFLAGS := -Wl,--wrap=malloc,--wrap=calloc,--wrap=realloc,--wrap=strdup,--wrap=strndup
TEST_OBJS_test_alloc_fail    := tests/alloc_fail.c
TEST_LDFLAGS_test_alloc_fail := $(ALLOC_FAIL_LDFLAGS)
# test_faults: the fault-injection VFS, and libpq's round trips wrapped (docs/FAULTS.md).
TEST_OBJS_test_faults    := tests/fault_vfs.c
TEST_LDFLAGS_test_faults := -Wl,--wrap=PQexec,--wrap=PQexecParams,--wrap=PQexecPrepared,--wrap=PQputCopyEnd,--wrap=PQpipelineSync
FUZZ_SRC    := $(wildcard fuzz/fuzz_*.c)

.PHONY: all release san xfund test deps bench fuzz clean demo examples check-purity style asserts coverage faults
.SECONDARY:
MAKEFLAGS += -j$(shell nproc) --no-print-directory
all: release

release: build/release/yibao build/release/yibao-bench $(TEST_SRC:tests/%.c=build/release/tests/%)
san: build/san/yibao build/san/yibao-bench $(TEST_SRC:tests/%.c=build/san/tests/%)

define variant
build/$(1)/obj/%.o: %.c $$(wildcard src/*/*.h) | deps-stamp
	@mkdir -p $$(dir $$@)
	@echo "CC [$(1)] $$<"
	@$$(CC) $$($(2)) $$(call folder_warn,$$<) -c $$< -o $$@
build/$(1)/libyibao.a: $$(LIB_SRC:%.c=build/$(1)/obj/%.o)
	@rm -f $$@
	@ar rcs $$@ $$^
build/$(1)/yibao: build/$(1)/obj/src/cli/main.o build/$(1)/libyibao.a
	@echo "LD [$(1)] $$@"
	@$$(CC) $$($(2)) -o $$@ $$^ $$(LIBS)
build/$(1)/yibao-bench: $$(BENCH_SRC:%.c=build/$(1)/obj/%.o) build/$(1)/libyibao.a
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
$(eval $(call variant,coverage,COVERAGE_CFLAGS))

# A release build with a test-only fund layer added through the field lists
# (core/settle.h, core/state.h; tests/t_extra_fund.sh runs it).
XFUND_CFLAGS := $(RELEASE_CFLAGS) -DYIBAO_TEST_EXTRA_FUND
$(eval $(call variant,xfund,XFUND_CFLAGS))
xfund: build/xfund/yibao build/xfund/yibao-bench

# Debian packages: installed once, skipped when present.
deps-stamp:
	@scripts/deps.sh
.PHONY: deps-stamp
deps: deps-stamp

# libFuzzer targets (clang), built with ASan+UBSan. The library is compiled
# once with the fuzzer's coverage (fuzzer-no-link) and each target links it:
# compiling the whole library again per target made the fuzz build the
# longest part of `make test`.
FUZZ_CFLAGS     := $(STD) $(WARN) $(INC) -O1 -g -fsanitize=fuzzer,address,undefined
FUZZ_LIB_CFLAGS := $(STD) $(WARN) $(INC) -O1 -g -fsanitize=fuzzer-no-link,address,undefined
build/fuzz/obj/%.o: %.c $(wildcard src/*/*.h) | deps-stamp
	@mkdir -p $(dir $@)
	@echo "CC [fuzz] $<"
	@$(CLANG) $(FUZZ_LIB_CFLAGS) -c $< -o $@
build/fuzz/libyibao.a: $(LIB_SRC:%.c=build/fuzz/obj/%.o)
	@rm -f $@
	@ar rcs $@ $^
build/fuzz/fuzz_%: fuzz/fuzz_%.c build/fuzz/libyibao.a
	@echo "FUZZ $@"
	@$(CLANG) $(FUZZ_CFLAGS) -o $@ $< build/fuzz/libyibao.a $(LIBS)
fuzz: $(FUZZ_SRC:fuzz/%.c=build/fuzz/%)

test: release san fuzz xfund
	@$(MAKE) -j1 run-tests

run-tests:
	@scripts/test.sh
.PHONY: run-tests

# The fault-injection run at full size (docs/FAULTS.md): make test samples
# PostgreSQL's round trips, this fails every one (about 15 minutes).
faults: build/release/tests/test_faults
	@uri=$$(scripts/pg.sh start) && trap 'scripts/pg.sh stop' EXIT && \
	    YIBAO_PG_URI=$$uri FAULTS_FULL=1 build/release/tests/test_faults 2>/dev/null | grep -v '^yibao serve'

bench: build/release/yibao build/release/yibao-bench
	@bench/run.sh

examples: build/release/yibao
	@scripts/examples.sh

demo: build/release/yibao
	@scripts/demo.sh

# Formatting (.clang-format), checked by scripts/style.sh; `make style
# STYLE_PATHS=src/json` checks one folder. Not yet part of `make test`.
STYLE_PATHS ?= src tests fuzz
style:
	@scripts/style.sh $(STYLE_PATHS)

# Line and function coverage per module (gcov + lcov): runs the tests with
# build/coverage/yibao and writes docs/COVERAGE.md (scripts/coverage.sh;
# COVERAGE_SHELL_TESTS picks the shell tests).
coverage: build/coverage/yibao $(TEST_SRC:tests/%.c=build/coverage/tests/%)
	@scripts/coverage.sh

# Asserts per function and functions over 70 lines, per module of src/
# (scripts/asserts.py). `make asserts ASSERTS_CHECK=store,service,app` fails
# when one of those is below ASSERTS_MIN or has a function over 70 lines.
ASSERTS_CHECK ?=
ASSERTS_MIN ?= 1.0
asserts:
	@scripts/asserts.py $(if $(ASSERTS_CHECK),--check $(ASSERTS_CHECK) --min $(ASSERTS_MIN))

clean:
	rm -rf build
