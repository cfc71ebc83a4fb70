# The floors bench/proxyd.sh and bench/netns.sh measure the relays against:
# the cheapest relays there are (bench tools, not products; built into
# $(B)/tests/ with the test tools, by make unit)
TEST_TOOLS += floor-splice floor-epoll
floor-splice_SRCS := bench/floor-splice.c
floor-splice_LIBS := -pthread
floor-epoll_SRCS := bench/floor-epoll.c
# their objects are in $(B)/bench/: the link makes its own directory
$(B)/tests/floor-splice $(B)/tests/floor-epoll: | $(B)/tests/
$(B)/tests/:
	@mkdir -p $@
# the workload bench/run-seccomp.sh runs under each seccomp profile
TEST_TOOLS += syscall-loop
syscall-loop_SRCS := bench/syscall-loop.c
$(B)/tests/syscall-loop: | $(B)/tests/
# the start-up timer bench/run.sh runs each command with
TEST_TOOLS += spawn-time
spawn-time_SRCS := bench/spawn-time.c
$(B)/tests/spawn-time: | $(B)/tests/
