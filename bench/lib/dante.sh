# bench/lib/dante.sh - the SOCKS5 server the egress benches share, sourced
# by bench/netns.sh, bench/netns-udp.sh and bench/ab/netns.sh (not a bench:
# scripts/bench runs bench/*.sh only).
#
# dante_run DIR PORT EXTERNAL: danted on 127.0.0.1:PORT (CONNECT and UDP
# ASSOCIATE, no authentication), going out from EXTERNAL, config and log in
# DIR, 2 worker processes; in the background, its pid in DANTE_PID. The
# caller waits for the port and stops it.
dante_run() {
	local dir=$1 port=$2 ext=$3
	cat > "$dir/danted.conf" <<-CONF
	logoutput: $dir/danted.log
	internal: 127.0.0.1 port = $port
	external: $ext
	clientmethod: none
	socksmethod: none
	user.privileged: root
	user.unprivileged: nobody
	client pass { from: 0.0.0.0/0 to: 0.0.0.0/0 }
	socks pass { from: 0.0.0.0/0 to: 0.0.0.0/0 }
	CONF
	danted -f "$dir/danted.conf" -N 2 >/dev/null 2>&1 &
	DANTE_PID=$!
}
