# bench/lib/cpu.sh - what a relay process itself costs in CPU, sourced by
# bench/proxyd.sh and bench/netns.sh (not a bench: scripts/bench runs
# bench/*.sh only).
#
# cpu_ns PID prints the nanoseconds PID has been on a CPU so far:
#   - every thread of PID: field 1 of /proc/PID/task/TID/schedstat (ns, not
#     the 10 ms ticks of /proc/PID/stat);
#   - children it has reaped: cutime + cstime, fields 16 and 17 of
#     /proc/PID/stat, in USER_HZ ticks (getconf CLK_TCK), which is all the
#     kernel keeps of them (socat forks a child per connection);
#   - children still alive, the same way, recursively (found by parent pid:
#     this kernel has no /proc/PID/task/TID/children).
# Take it before and after a measured interval; the difference is the relay's
# CPU in that interval. A child that is reaped between the two reads of one
# sample is missed by that sample (a short connection's child: well under a
# millisecond).

CLK_TCK=$(getconf CLK_TCK)

cpu_ns() {
	local pid=$1 st t ns rest kid total f
	read -r st 2>/dev/null < "/proc/$pid/stat" || { echo 0; return; }
	st=${st##*) }		# fields from 3 on: field k is word k - 2
	read -r -a f <<< "$st"
	total=$(( (f[13] + f[14]) * 1000000000 / CLK_TCK ))
	for t in /proc/"$pid"/task/*; do
		read -r ns rest 2>/dev/null < "$t/schedstat" && total=$((total + ns))
	done
	for kid in $(pgrep -P "$pid" || true); do
		total=$((total + $(cpu_ns "$kid")))
	done
	echo "$total"
}

# per_unit NS UNITS SCALE: NS as milliseconds per SCALE units (CPU ms per GB:
# per_unit ns bytes 1e9), 2 significant digits at least
per_unit() {
	awk -v ns="$1" -v u="$2" -v s="$3" 'BEGIN {
		if (u <= 0) { print "fail"; exit }
		v = ns / 1e6 / (u / s)
		printf(v >= 100 ? "%.0f\n" : v >= 10 ? "%.1f\n" : "%.2f\n", v) }'
}
