#!/bin/bash
# bench/ondemand.sh - PostgreSQL in a rootless container, three ways in:
#
#   bro      127.0.0.1:PB (systemd-socket-activate) -> bro-helper ->
#            bro-proxyd in the container's netns -> postgres on 127.0.0.1,
#            container --network=none (the units bro-unit writes)
#   podman   Podman's own -p 127.0.0.1:PP:5432 (slirp4netns + rootlessport),
#            a second container of the same image
#   2-hop    127.0.0.1:PS (systemd-socket-activate) -> systemd-socket-proxyd
#            -> podman's -p port: the chain bro replaces
#
# 1. first connection: container stopped -> first answer, against the
#    container's own start (podman start, then pg_isready through
#    bro-helper every 10 ms until postgres accepts); STARTS rounds, medians.
# 2. steady state: pgbench -S (select-only, 4 clients, 2 threads, -T T s)
#    through each path, ROUNDS rounds in rotating order, median tps; and
#    the same with -C (a new connection per transaction, scram included).
#
# Needs root (setcap, the test user, and /dev/net/tun: rootless -p needs
# slirp4netns, which needs the device 0666 as Debian's udev makes it; where
# it is 0600 it is 0666 for the run and put back after). Run by scripts/bench.
set -euo pipefail
cd "$(dirname "$0")/.."
U=${BRO_TEST_USER:-brotest}
STARTS=${STARTS:-5}
ROUNDS=${ROUNDS:-3}
T=${T:-8}
TC=${TC:-4}
[ "$(id -u)" = 0 ] || { echo "bench/ondemand.sh: needs root" >&2; exit 1; }
uid=$(id -u "$U")
home=$(getent passwd "$U" | cut -d: -f6)
run=/run/user/$uid
A=bro-bench-a P=bro-bench-p
stage=$(mktemp -d /tmp/bro-bench-ondemand.XXXXXX)
chmod 0755 "$stage"
install -m 0755 scripts/pg-image "$stage/pg-image"	# the user may not reach the checkout
urun=$stage/run
install -d -o "$U" "$urun"
install -m 0644 -o "$U" /dev/null "$urun/psql.err"
tun_mode=$(stat -c %a /dev/net/tun)
pids=()
as_user() {
	runuser -u "$U" -- env -i PATH=/usr/bin:/bin HOME="$home" USER="$U" \
		XDG_RUNTIME_DIR="$run" ${U_ENV:-} sh -c 'cd && exec "$@"' sh "$@"
}
cleanup() {
	set +e
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
	as_user podman rm -f -t 0 "$A" "$P" >/dev/null 2>&1
	as_user podman volume rm -f "$A-data" "$P-data" >/dev/null 2>&1
	chmod "$tun_mode" /dev/net/tun
	rm -rf "$stage"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
${MAKE:-make} -s install PREFIX="$stage" >/dev/null
bin=$stage/bin
chmod 0666 /dev/net/tun
ms() { echo $(( $(date +%s%N) / 1000000 )); }
median() { tr ' ' '\n' | sed '/^$/d' | sort -n | awk '{a[NR] = $1} END {print a[int((NR + 1) / 2)]}'; }
port() {
	local p
	for _ in $(seq 50); do
		p=$((20000 + RANDOM % 30000))
		ss -Htln "sport = :$p" | grep -q . || { echo "$p"; return; }
	done
	return 1
}
PB=$(port) PP=$(port) PS=$(port)
while [ "$PP" = "$PB" ] || [ "$PS" = "$PB" ] || [ "$PS" = "$PP" ]; do PP=$(port) PS=$(port); done

# the containers: A --network=none (bro), P with podman -p (postgres on all
# of its addresses: rootlessport connects to the container's slirp address)
as_user podman rm -f -t 0 "$A" "$P" >/dev/null 2>&1 || true
as_user podman volume rm -f "$A-data" "$P-data" >/dev/null 2>&1 || true
as_user "$stage/pg-image" create "$A" "$A-data" >/dev/null
PW=$(as_user "$stage/pg-image" password)
as_user podman volume create "$P-data" >/dev/null
as_user podman create -q --pull=never --name "$P" -p "127.0.0.1:$PP:5432" \
	-v /usr:/usr:ro -v "$P-data:/var/lib/postgresql" -e BRO_PG_PASSWORD="$PW" \
	localhost/bro-pg /bin/pg-start -c 'listen_addresses=*' >/dev/null

# bro: the units bro-unit writes, their commands run as in tests/pg-ondemand.t
units=$urun/units
as_user "$bin/bro-unit" --dir "$units" --container "$A" --listen "127.0.0.1:$PB" \
	--target 127.0.0.1:5432 --idle 10min --connect-timeout 30s \
	--ready-cmd 'pg_isready -q -h 127.0.0.1 -p 5432' --bindir "$bin" >/dev/null
a_start=$(sed -n 's/^ExecStart=//p' "$units/$A-container.service")
a_proxy=$(sed -n "s/^ExecStart=\/bin\/sh -c '\(.*\)'\$/\1/p" "$units/$A.service" | sed 's/\$\$/$/g')
# --ready-cmd: the container unit's ExecStartPost= waits until postgres
# answers (it accepts TCP before it is ready, and refuses then)
a_ready=$(sed -n "s/^ExecStartPost=\/bin\/sh -c '\(.*\)'\$/\1/p" "$units/$A-container.service" | sed 's/\$\$/$/g')
cat >"$stage/activate.sh" <<EOF
( unset LISTEN_FDS LISTEN_PID LISTEN_FDNAMES; exec 3<&-; $a_start >/dev/null; /bin/sh -c '$a_ready' )
exec /bin/sh -c '$a_proxy'
EOF
chmod 0644 "$stage/activate.sh"
ACT=
activate() {		# the socket, as the user; ACT: its PID
	as_user sh -c "systemd-socket-activate -l 127.0.0.1:$PB -E XDG_RUNTIME_DIR \
		/bin/sh $stage/activate.sh </dev/null >>$urun/act.log 2>&1 & echo \$! >$urun/act.pid"
	ACT=$(cat "$urun/act.pid"); pids+=("$ACT")
	for _ in $(seq 250); do ss -Htln "sport = :$PB" | grep -q . && return; sleep 0.02; done
	echo "socket on $PB did not come up: $(cat "$urun/act.log")" >&2; exit 1
}
stop_a() {		# the idle exit and StopWhenUnneeded=, at once
	if [ -n "$ACT" ]; then
		kill "$ACT" 2>/dev/null || true
		for _ in $(seq 100); do kill -0 "$ACT" 2>/dev/null || break; sleep 0.02; done
		ACT=
	fi
	as_user podman stop -t 10 "$A" >/dev/null
}
q() {			# q PORT: psql's select 1, as the user
	U_ENV="PGPASSWORD=$PW PGCONNECT_TIMEOUT=30" as_user psql -h 127.0.0.1 -p "$1" \
		-U postgres -XAtc 'select 1' 2>>"$urun/psql.err"
}

# the first start runs initdb: not measured
activate
q "$PB" >/dev/null
stop_a

declare -A res
# timed CMD: as the user, in one shell (no runuser per probe): prints
# "MS RETRIES" for the time until CMD first succeeds, retried every 10 ms
timed() {
	U_ENV="PGPASSWORD=$PW PGCONNECT_TIMEOUT=30" as_user bash -c '
		t0=$(date +%s%N) n=0
		until eval "$1" >/dev/null 2>>'"$urun"'/psql.err; do
			n=$((n + 1)); [ $n -lt 1000 ] || exit 1
			sleep 0.01
		done
		echo $(( ($(date +%s%N) - t0) / 1000000 )) $n' timed "$1"
}
fails=0
add() {			# add KEY "MS RETRIES"
	res[$1]+="${2% *} "
	[ "${2#* }" = 0 ] || fails=$((fails + 1))
}
for ((i = 0; i < STARTS; i++)); do
	# the container's own start, probed directly in its netns
	r=$(timed "podman start $A >/dev/null && pid=\$(podman inspect -f '{{.State.Pid}}' $A) &&
		for k in \$(seq 1000); do $bin/bro-helper --pid \$pid -- pg_isready -q -h 127.0.0.1 -p 5432 &&
			break; sleep 0.01; done && [ \$k -lt 1000 ]") || { echo "postgres did not come up" >&2; exit 1; }
	res[own]+="${r% *} "
	stop_a
	# bro: the same probe through the socket, container stopped ("starting
	# up" counts as not yet: pg_isready is retried)
	activate
	r=$(timed "pg_isready -q -h 127.0.0.1 -p $PB -t 30") || { echo "no answer through $PB" >&2; exit 1; }
	add probe "$r"
	stop_a
	# bro: psql's first query, container stopped; then a warm one
	activate
	sel1="[ \"\$(psql -h 127.0.0.1 -p $PB -U postgres -XAtc 'select 1')\" = 1 ]"
	r=$(timed "$sel1") || { echo "psql failed: $(tail -1 "$urun/psql.err")" >&2; exit 1; }
	add first "$r"
	r=$(timed "$sel1")
	res[warm]+="${r% *} "
	stop_a
done
own=$(echo ${res[own]} | median) probe=$(echo ${res[probe]} | median)
first=$(echo ${res[first]} | median) warm=$(echo ${res[warm]} | median)

# steady state: all three paths up
activate
q "$PB" >/dev/null
as_user podman start "$P" >/dev/null
as_user sh -c "systemd-socket-activate -l 127.0.0.1:$PS /lib/systemd/systemd-socket-proxyd 127.0.0.1:$PP \
	</dev/null >>$urun/sp.log 2>&1 & echo \$! >$urun/sp.pid"
pids+=("$(cat "$urun/sp.pid")")
# rootlessport connects from the container's slirp address: allow it
for _ in $(seq 200); do
	as_user podman exec "$P" /usr/lib/postgresql/15/bin/pg_isready -q -h 127.0.0.1 && break
	sleep 0.05
done
as_user podman exec "$P" /bin/sh -c \
	'echo "host all all samenet scram-sha-256" >> /var/lib/postgresql/data/pg_hba.conf'
as_user podman kill -s HUP "$P" >/dev/null
for _ in $(seq 100); do [ "$(q "$PP")" = 1 ] && break; sleep 0.05; done
[ "$(q "$PS")" = 1 ] || { echo "the 2-hop path does not answer: $(tail -2 "$urun/psql.err")" >&2; exit 1; }
U_ENV="PGPASSWORD=$PW" as_user pgbench -h 127.0.0.1 -p "$PB" -U postgres -i -s 1 -q postgres >>"$urun/init.log" 2>&1 || { cat "$urun/init.log" >&2; exit 1; }
U_ENV="PGPASSWORD=$PW" as_user pgbench -h 127.0.0.1 -p "$PP" -U postgres -i -s 1 -q postgres >>"$urun/init.log" 2>&1 || { cat "$urun/init.log" >&2; exit 1; }
declare -A port=([bro]=$PB [podman]=$PP [2-hop]=$PS)
paths=(bro podman 2-hop)
tps() {			# tps PORT SECONDS [ARGS]: pgbench -S's tps
	U_ENV="PGPASSWORD=$PW" as_user pgbench -h 127.0.0.1 -p "$1" -U postgres -n -S \
		-c 4 -j 2 -T "$2" ${3:-} postgres 2>>"$urun/pgbench.err" | awk '/^tps = / {printf "%d", $3}'
}
for ((r = 0; r < ROUNDS; r++)); do
	for ((k = 0; k < 3; k++)); do
		p=${paths[$(( (r + k) % 3 ))]}
		res[S-$p]+="$(tps "${port[$p]}" "$T") "
		res[C-$p]+="$(tps "${port[$p]}" "$TC" -C) "
	done
done

ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2fx", a / b}'; }
echo "## on-demand PostgreSQL (rootless Podman $(as_user podman version -f '{{.Client.Version}}'), $(nproc) cores, kernel $(uname -r))"
echo "## first connection, container stopped, data in place: $STARTS rounds, median ms"
printf '%-60s %6s\n' "container's own start: podman start, pg_isready in its netns" "$own"
printf '%-60s %6s   %+d ms vs own start\n' "bro: pg_isready through the socket, until it accepts" "$probe" $((probe - own))
printf '%-60s %6s   %+d ms vs own start\n' "bro: psql 'select 1' through the socket, answered" "$first" $((first - own))
printf '%-60s %6s\n' "  the same psql, container running (process, scram, query)" "$warm"
echo "   all: own ${res[own]}| probe ${res[probe]}| first ${res[first]}| warm ${res[warm]}"
echo "   first attempts refused by postgres still starting up: $fails of $((2 * STARTS))"
echo
echo "## steady state: pgbench -S -c 4 -j 2 (scale 1), $ROUNDS rounds in rotating order, median tps"
printf '%-44s %8s %9s %10s %9s\n' "path" "-T $T" "vs -p" "-C -T $TC" "vs -p"
for p in "${paths[@]}"; do
	s=$(echo ${res[S-$p]} | median) c=$(echo ${res[C-$p]} | median)
	sp=$(echo ${res[S-podman]} | median) cp=$(echo ${res[C-podman]} | median)
	case $p in
	bro) d="bro (socket, bro-helper, bro-proxyd)" ;;
	podman) d="podman -p (slirp4netns, rootlessport)" ;;
	2-hop) d="2-hop (socket-proxyd in front of -p)" ;;
	esac
	printf '%-44s %8s %9s %10s %9s\n' "$d" "$s" "$(ratio "$s" "$sp")" "$c" "$(ratio "$c" "$cp")"
done
echo "   all -S: bro ${res[S-bro]}| podman ${res[S-podman]}| 2-hop ${res[S-2-hop]}"
echo "   all -C: bro ${res[C-bro]}| podman ${res[C-podman]}| 2-hop ${res[C-2-hop]}"
