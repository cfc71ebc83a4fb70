# Programs the integration tests run (not tests themselves).
TEST_TOOLS += probe
probe_SRCS := tests/tools/probe.c
TEST_TOOLS += try-syscall
try-syscall_SRCS := tests/tools/try-syscall.c
