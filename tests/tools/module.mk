# Programs the integration tests run (not tests themselves).
TEST_TOOLS += probe
probe_SRCS := tests/tools/probe.c
