# bro — least-privilege network-namespace plumbing.
#
#   make            build everything into build/
#   make check      build (plain and ASan+UBSan), run unit tests, fuzz
#                   regressions and the integration tests (as root: they
#                   install the binaries with file capabilities into a
#                   scratch prefix and run them as an unprivileged user)
#   make demo       the end-to-end demo
#   make bench      peer comparisons
#   make install    PREFIX=/usr/local; as root also applies file capabilities
#
# Each program lives in src/NAME/ with a module.mk that adds itself to BINS
# (NAME_SRCS, NAME_LIBS), and may add UNIT_TESTS, TEST_TOOLS and FUZZERS
# (each with _SRCS, _LIBS, _CPPFLAGS) the same way. A preload library adds
# itself to SHLIBS (NAME_SRCS): built without libc and without sanitizers
# in every tree, installed to $(LIBDIR)/bro.

PREFIX     ?= /usr/local
BINDIR     ?= $(PREFIX)/bin
LIBDIR     ?= $(PREFIX)/lib
MANDIR     ?= $(PREFIX)/share/man
SYSCONFDIR ?= /etc
DESTDIR    ?=
VERSION    := 0.1.0

CC      ?= cc
B       ?= build
SAN     ?=

WARN := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes \
	-Wmissing-prototypes -Wformat=2 -Wformat-security -Wvla \
	-Wpointer-arith -Wundef -Wimplicit-fallthrough -Wnull-dereference
HARDEN := -D_FORTIFY_SOURCE=3 -fstack-protector-strong \
	-fstack-clash-protection -fPIE -fno-strict-overflow
HARDEN_LD := -pie -Wl,-z,relro,-z,now -Wl,-z,noexecstack -Wl,--as-needed

# the sanitizer tree is always built with sanitizers, however it is named
ifeq ($(B),build/asan)
SAN := 1
endif
ifeq ($(SAN),1)
OPT := -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined \
	-fno-sanitize-recover=all
HARDEN := $(filter-out -D_FORTIFY_SOURCE=3,$(HARDEN))
LDSAN := -fsanitize=address,undefined
else
OPT := -O2 -g
LDSAN :=
endif

CPPFLAGS += -D_GNU_SOURCE -Ilib -DBRO_VERSION='"$(VERSION)"' \
	-DBRO_SYSCONFDIR='"$(SYSCONFDIR)"'
CFLAGS   ?=
CFLAGS   += -std=gnu11 $(OPT) $(WARN) $(HARDEN)
LDFLAGS  += $(HARDEN_LD) $(LDSAN)

# preload libraries (SHLIBS): no libc, no sanitizer, no stack protector
# (its canary is libc's), position-independent, only their API exported
SHLIB_CFLAGS := -std=gnu11 -O2 -g $(WARN) -fPIC -ffreestanding \
	-fno-stack-protector -fvisibility=hidden -fno-strict-overflow
SHLIB_LDFLAGS := -shared -nostdlib -Wl,-z,relro,-z,now -Wl,-z,noexecstack \
	-Wl,-z,defs

LIB_SRCS := $(sort $(wildcard lib/*.c))
LIB_OBJS := $(LIB_SRCS:%.c=$(B)/%.o)
LIBBRO   := $(B)/libbro.a

BINS        :=
MUSL_BINS   :=
MUSL_CC     ?= $(shell command -v musl-gcc 2>/dev/null)
SHLIBS      :=
UNIT_TESTS  :=
FUZZERS     :=
MANPAGES    := $(sort $(wildcard man/*.[0-9]))
# plain `make` is `make all`, whatever target a module.mk names first
# (tests/tools/module.mk adds to `unit` where musl-gcc is installed)
.DEFAULT_GOAL := all
include $(sort $(wildcard src/*/module.mk))
include $(sort $(wildcard tests/*/module.mk))
include bench/module.mk
include fuzz/module.mk

all: $(addprefix $(B)/,$(BINS) $(SHLIBS))

$(B)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(OBJ_CPPFLAGS) $(CFLAGS) -MMD -MP -c -o $@ $<

$(LIBBRO): $(LIB_OBJS)
	@rm -f $@
	$(AR) rcs $@ $^

# $(call program,NAME,SOURCES,LIBS,CPPFLAGS)
define program
$(B)/$(1): $(2:%.c=$(B)/%.o) $(LIBBRO)
	$$(CC) $$(CFLAGS) $$(LDFLAGS) -o $$@ $$^ $(3)
$(2:%.c=$(B)/%.o): OBJ_CPPFLAGS += $(4)
endef
# A program also in MUSL_BINS is linked static-pie with musl where musl-gcc
# is installed (musl-tools), outside the sanitizer tree: glibc's start-up
# probes the CPU's caches with ~80 cpuid instructions, each a trap to the
# hypervisor on these machines (6.5 us), and a static glibc program spends
# 0.6 ms before main where a musl one spends 0.08 ms. NAME_MUSL_LIBS are
# its static libraries (full paths: the glibc directories must not be
# searched for libc). Its objects, and libbro's, live in $(B)/musl/; the
# kernel's headers, which musl does not ship, come from $(B)/musl/include
# (links to the system's linux/, asm/ and the libseccomp headers, searched
# after musl's own). Debian's libseccomp.a is built against glibc: the one
# glibc-only entry point it calls is in lib/musl/glibc-compat.c.
MUSL_USE   := $(if $(MUSL_CC),$(if $(filter 1,$(SAN)),,1))
MUSL_ARCH  := $(shell $(CC) -print-multiarch 2>/dev/null)
MUSL_CRT   := /usr/lib/$(MUSL_ARCH:%-gnu=%-musl)
MUSL_CFLAGS := $(filter-out -D_FORTIFY_SOURCE=%,$(CFLAGS)) \
	-idirafter $(B)/musl/include
MUSL_LIBBRO := $(B)/musl/libbro.a
MUSL_GCCRT := $(if $(MUSL_USE),$(shell $(CC) -print-file-name=crtbeginS.o) \
	$(shell $(CC) -print-libgcc-file-name) \
	$(shell $(CC) -print-file-name=crtendS.o))

$(B)/musl/include/.stamp:
	@mkdir -p $(dir $@)
	for d in linux asm-generic; do ln -sfn /usr/include/$$d $(dir $@)$$d; done
	ln -sfn /usr/include/$(MUSL_ARCH)/asm $(dir $@)asm
	for h in seccomp.h seccomp-syscalls.h; do \
	  ln -sfn /usr/include/$$h $(dir $@)$$h; done
	@touch $@

$(B)/musl/%.o: %.c | $(B)/musl/include/.stamp
	@mkdir -p $(dir $@)
	$(MUSL_CC) $(CPPFLAGS) $(OBJ_CPPFLAGS) $(MUSL_CFLAGS) -MMD -MP -c -o $@ $<

$(MUSL_LIBBRO): $(LIB_SRCS:%.c=$(B)/musl/%.o)
	@rm -f $@
	$(AR) rcs $@ $^

# $(call musl_program,NAME,SOURCES,LIBS,CPPFLAGS): linked by gcc itself
# with musl's start files (rcrt1.o: static-pie), its libc and libgcc
define musl_program
$(B)/$(1): $(2:%.c=$(B)/musl/%.o) $(B)/musl/lib/musl/glibc-compat.o $(MUSL_LIBBRO)
	$$(CC) -static-pie -nostdlib $$(filter-out -pie,$$(HARDEN_LD)) -o $$@ \
	  $(MUSL_CRT)/rcrt1.o $(MUSL_CRT)/crti.o $(word 1,$(MUSL_GCCRT)) \
	  $$^ $(3) -L$(MUSL_CRT) -lc $(word 2,$(MUSL_GCCRT)) \
	  $(word 3,$(MUSL_GCCRT)) $(MUSL_CRT)/crtn.o
$(2:%.c=$(B)/musl/%.o): OBJ_CPPFLAGS += $(4)
endef
$(foreach p,$(BINS),$(eval $(if $(and $(MUSL_USE),$(filter $(p),$(MUSL_BINS))),\
	$(call musl_program,$(p),$($(p)_SRCS),$($(p)_MUSL_LIBS),$($(p)_CPPFLAGS)),\
	$(call program,$(p),$($(p)_SRCS),$($(p)_LIBS),$($(p)_CPPFLAGS)))))
# $(call shlib,NAME,SOURCES)
define shlib
$(B)/$(1): $(2:%.c=$(B)/%.pic.o)
	$$(CC) $$(SHLIB_CFLAGS) $$(SHLIB_LDFLAGS) -o $$@ $$^
endef
$(foreach l,$(SHLIBS),$(eval $(call shlib,$(l),$($(l)_SRCS))))

$(B)/%.pic.o: %.c
	@mkdir -p $(dir $@)
	$(CC) -D_GNU_SOURCE $(SHLIB_CFLAGS) -MMD -MP -c -o $@ $<

$(foreach t,$(UNIT_TESTS) $(TEST_TOOLS),$(eval $(call program,tests/$(t),$($(t)_SRCS),$($(t)_LIBS),$($(t)_CPPFLAGS))))

-include $(shell find $(B) -name '*.d' 2>/dev/null)

unit: $(addprefix $(B)/tests/,$(UNIT_TESTS) $(TEST_TOOLS))

# The sanitizer build is a second tree built by a nested make.
asan:
	$(MAKE) B=build/asan SAN=1 all unit

# check, demo and bench install what is missing first (as root), then build
check:
	MAKE="$(MAKE)" scripts/check

demo:
	MAKE="$(MAKE)" scripts/demo

bench:
	MAKE="$(MAKE)" scripts/bench

install: all
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1
	for b in $(BINS); do install -m 0755 $(B)/$$b $(DESTDIR)$(BINDIR)/$$b; done
	for m in $(MANPAGES); do install -m 0644 $$m $(DESTDIR)$(MANDIR)/man1/; done
	install -d $(DESTDIR)$(LIBDIR)/bro
	for l in $(SHLIBS); do install -m 0644 $(B)/$$l $(DESTDIR)$(LIBDIR)/bro/$$l; done
	@for b in $(BINS); do \
	  caps=$$(sed -n "s/^$$b[[:space:]]*//p" caps.list); \
	  [ -n "$$caps" ] || continue; \
	  if [ -n "$(DESTDIR)" ] || [ "$$(id -u)" != 0 ]; then \
	    echo "run as root: setcap $$caps $(BINDIR)/$$b"; \
	  else \
	    echo "setcap $$caps $(BINDIR)/$$b"; \
	    setcap "$$caps" $(BINDIR)/$$b || exit 1; \
	  fi; \
	done

	@# AppArmor (Ubuntu >= 23.10): bro-run's profile, where the parser knows
	@# the userns rule (ABI 4.0); loaded by the caller (apparmor_parser -r)
	@aa=$(DESTDIR)$(SYSCONFDIR)/apparmor.d; \
	if [ -d /sys/kernel/security/apparmor ] && [ -e $$aa/abi/4.0 ]; then \
	  sed 's|@BINDIR@|$(BINDIR)|' apparmor/bro-run.in > $$aa/bro-run && \
	  echo "AppArmor: $$aa/bro-run installed; load it: apparmor_parser -r $$aa/bro-run"; \
	fi

uninstall:
	for b in $(BINS); do rm -f $(DESTDIR)$(BINDIR)/$$b; done
	for l in $(SHLIBS); do rm -f $(DESTDIR)$(LIBDIR)/bro/$$l; done
	for m in $(MANPAGES); do rm -f $(DESTDIR)$(MANDIR)/man1/$$(basename $$m); done

# Both compilers, warnings as errors.
compilers:
	$(MAKE) B=build/gcc CC=gcc all unit
	$(MAKE) B=build/clang CC=clang MUSL_CC= all unit

clean:
	rm -rf build

.PHONY: all unit asan check demo bench install uninstall compilers clean fuzz-build fuzz
.DELETE_ON_ERROR:
