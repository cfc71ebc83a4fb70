# Programs the integration tests run (not tests themselves).
TEST_TOOLS += probe
probe_SRCS := tests/tools/probe.c
TEST_TOOLS += try-syscall
try-syscall_SRCS := tests/tools/try-syscall.c
TEST_TOOLS += sockact-server
sockact-server_SRCS := tests/tools/sockact-server.c
# the same server linked with musl (musl-tools), for the shim's libc
# independence; not built without musl-gcc (MUSL_CC: Makefile), and never
# with sanitizers
ifneq ($(MUSL_CC),)
unit: $(B)/tests/sockact-server-musl
$(B)/tests/sockact-server-musl: tests/tools/sockact-server.c
	@mkdir -p $(dir $@)
	$(MUSL_CC) -std=gnu11 -O2 -D_GNU_SOURCE $(WARN) -o $@ $<
endif
