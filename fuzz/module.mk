# libFuzzer targets, one per parser of untrusted bytes. `make fuzz-build`
# builds them with clang; scripts/fuzz-regress runs each over its corpus and
# for a bounded number of new inputs; `make fuzz FUZZER=name` fuzzes on.
FUZZ_CC     ?= clang
FUZZ_CFLAGS := -std=gnu11 -g -O1 -fsanitize=fuzzer,address,undefined \
	-fno-sanitize-recover=all -Wall -Wextra -Werror
FUZZERS += fuzz-parse fuzz-helper-args fuzz-helper-conf
fuzz-parse_SRCS := fuzz/fuzz-parse.c lib/parse.c lib/listenfds.c
fuzz-helper-args_SRCS := fuzz/fuzz-helper-args.c src/helper/args.c lib/parse.c
fuzz-helper-conf_SRCS := fuzz/fuzz-helper-conf.c src/helper/conf.c lib/parse.c lib/log.c
fuzz-helper-args_CPPFLAGS := -Isrc/helper
fuzz-helper-conf_CPPFLAGS := -Isrc/helper

define fuzzer
build/fuzz/$(1): $(2) $(wildcard lib/*.h) Makefile
	@mkdir -p build/fuzz
	$(FUZZ_CC) $(CPPFLAGS) $($(1)_CPPFLAGS) $(FUZZ_CFLAGS) -o $$@ $(2) $($(1)_LIBS)
endef
$(foreach f,$(FUZZERS),$(eval $(call fuzzer,$(f),$($(f)_SRCS))))

fuzz-build: $(FUZZERS:%=build/fuzz/%)

FUZZER ?= fuzz-parse
fuzz: build/fuzz/$(FUZZER)
	mkdir -p build/fuzz/corpus-$(FUZZER)
	build/fuzz/$(FUZZER) build/fuzz/corpus-$(FUZZER) fuzz/corpus/$(FUZZER)
