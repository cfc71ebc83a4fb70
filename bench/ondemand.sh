#!/bin/bash
# bench/ondemand.sh - PostgreSQL in a rootless container, the ways in:
#
#   direct   127.0.0.1:PD (systemd-socket-activate) -> podman start --attach
#            -> postgres in a --network=none container adopts the socket
#            itself (libbro-sockact.so, BRO_SOCKACT_READY=notify), with
#            bro-idlewatch beside it (the units bro-unit --direct writes)
#   bro      127.0.0.1:PB (systemd-socket-activate) -> bro-helper ->
#            bro-proxyd in the container's netns -> postgres on 127.0.0.1,
#            container --network=none (the units bro-unit writes: the relay)
#   podman   Podman's own -p 127.0.0.1:PP:5432 (slirp4netns + rootlessport),
#            a third container of the same image
#   pasta    127.0.0.1:PT -> pasta (Debian's passt package) attached to a
#            fourth container, --network=none, running: pasta --config-net
#            -t 127.0.0.1/PT:5432 -u none -T none -U none PID (what Podman
#            5's --network=pasta does; Podman 4.3 has none). pasta has no
#            socket activation: it attaches to a running container, so it
#            is in parts 2 and 3, not in part 1
#   2-hop    127.0.0.1:PS (systemd-socket-activate) -> systemd-socket-proxyd
#            -> podman's -p port: the chain bro replaces
#   host     the same PostgreSQL 15 run on the host itself, 127.0.0.1:PH:
#            the limit
#
# 1. first connection: container stopped -> first answer, for the relay and
#    direct mode, against the container's own start (podman start, then
#    the relay's own readiness wait: one bro-helper, pg_isready every 2 ms
#    until postgres answers, the PID from podman's --pidfile); STARTS
#    rounds, medians, and the median of each round's difference to its own
#    start. TRACE=DIR: each relay activation under strace -f -tt (slow:
#    for finding where the time goes, not for figures).
# 2. steady state: pgbench -S (select-only, 4 clients, 2 threads, -T T s)
#    through each path, ROUNDS rounds in rotating order, median tps; and
#    the same with -C (a new connection per transaction, scram included).
#    ROUNDS=0: part 1 only.
# 3. the client's address as postgres sees it on each path
#    (inet_client_addr() for a client bound to 127.0.0.7).
#
# Needs root (setcap, the user, and /dev/net/tun: rootless -p needs
# slirp4netns and pasta opens the device itself, both need it 0666 as
# Debian's udev makes it; where it is 0600 it is 0666 for the run and put
# back after, on every exit). Run by scripts/bench. The containers run as
# BENCH_USER (default: BRO_TEST_USER, else brotest), a user made as
# scripts/setup makes the test user (BRO_TEST_USER=NAME scripts/setup): a
# user of its own keeps the bench off a test run's podman storage.
set -euo pipefail
cd "$(dirname "$0")/.."
U=${BENCH_USER:-${BRO_TEST_USER:-brotest}}
STARTS=${STARTS:-5}
ROUNDS=${ROUNDS:-3}
T=${T:-8}
TC=${TC:-4}
IPERF_ROUNDS=${IPERF_ROUNDS:-3}	# 0: no bulk part
IPERF_SECS=${IPERF_SECS:-5}
[ "$(id -u)" = 0 ] || { echo "bench/ondemand.sh: needs root" >&2; exit 1; }
uid=$(id -u "$U")
home=$(getent passwd "$U" | cut -d: -f6)
run=/run/user/$uid
PGBIN=/usr/lib/postgresql/15/bin
# the readiness probe, for the relay's --ready-cmd and the own start alike;
# it and the measured clients are PostgreSQL's binaries themselves, not
# Debian's Perl wrappers in /usr/bin (~25 ms a start on an idle machine,
# 60 on a busy one: a client's start-up, not the path's)
READY=${READY:-$PGBIN/pg_isready -q -h 127.0.0.1 -p 5432}
A=bro-bench-a-$$ D=bro-bench-d-$$ P=bro-bench-p-$$ I=bro-bench-i-$$ J=bro-bench-j-$$ X=bro-bench-x-$$
stage=$(mktemp -d /tmp/bro-bench-ondemand.XXXXXX)
chmod 0755 "$stage"
# the user may not reach the checkout
install -m 0755 scripts/pg-image "$stage/pg-image"
install -m 0755 tests/sockact-pgclient.py "$stage/pgclient.py"
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
	[ -f "$urun/idle.pid" ] && kill "$(cat "$urun/idle.pid")" 2>/dev/null
	[ -f "$urun/pasta.pid" ] && kill "$(cat "$urun/pasta.pid")" 2>/dev/null
	as_user podman rm -f -t 0 "$A" "$D" "$P" "$I" "$J" "$X" >/dev/null 2>&1
	[ -f "$urun/iperf.pid" ] && kill "$(cat "$urun/iperf.pid")" 2>/dev/null
	as_user podman volume rm -f "$A-data" "$D-data" "$P-data" "$X-data" >/dev/null 2>&1
	[ -d "$urun/hostpg" ] && as_user $PGBIN/pg_ctl -D "$urun/hostpg" -m immediate stop >/dev/null 2>&1
	rm -f "$run/bro/$A.pid"
	chmod "$tun_mode" /dev/net/tun
	rm -rf "$stage"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP
. bench/lib/cpu.sh
${MAKE:-make} -s install PREFIX="$stage" >/dev/null
bin=$stage/bin
shim=$stage/lib/bro/libbro-sockact.so
chmod 0666 /dev/net/tun
ms() { echo $(( $(date +%s%N) / 1000000 )); }
median() { tr ' ' '\n' | sed '/^$/d' | sort -n | awk '{a[NR] = $1} END {print a[int((NR + 1) / 2)]}'; }
used=" "
port() {		# a free port, none given twice
	local p
	for _ in $(seq 50); do
		p=$((20000 + RANDOM % 30000))
		case $used in *" $p "*) continue ;; esac
		ss -Htuan "sport = :$p" | grep -q . && continue
		used="$used$p "; echo "$p"; return
	done
	return 1
}
PB=$(port) PP=$(port) PS=$(port) PD=$(port) PH=$(port) PT=$(port)
# a container unit's ExecStartPre=, ExecStart=, ExecStartPost= as one sh list
unit_cmds() {
	sed -n 's/^ExecStart\(Pre\|Post\)\{0,1\}=//p' "$1" | sed 's/\$\$/$/g; s|%t|'"$run"'|g' |
		awk 'NR > 1 { printf " && " } { printf "%s", $0 } END { print "" }'
}

# the containers: A --network=none (bro), D --network=none with the shim
# (direct), P with podman -p (postgres on all of its addresses:
# rootlessport connects to the container's slirp address), X --network=none
# for pasta (on all of its addresses too, every client allowed by pg_hba:
# only pasta's 127.0.0.1:PT reaches it, and the address row shows what
# arrives)
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
	--ready-cmd "$READY" --bindir "$bin" >/dev/null
# the container unit: the PID file (podman writes it: pg-image creates with
# --pidfile), podman start, --ready-cmd's wait until postgres answers (it
# accepts TCP before it is ready, and refuses then)
a_start=$(unit_cmds "$units/$A-container.service")
a_proxy=$(sed -n "s/^ExecStart=\/bin\/sh -c '\(.*\)'\$/\1/p" "$units/$A.service" | sed 's/\$\$/$/g; s|%t|'"$run"'|g')
cat >"$stage/activate.sh" <<EOF
( unset LISTEN_FDS LISTEN_PID LISTEN_FDNAMES; exec 3<&-; $a_start >/dev/null )
exec /bin/sh -c '$a_proxy'
EOF
chmod 0644 "$stage/activate.sh"

# direct: the units bro-unit --direct writes, the container with the flags
# it prints; passwords (scram) from 127.0.0.0/8
dunits=$urun/dunits
as_user "$bin/bro-unit" --direct --dir "$dunits" --container "$D" --listen "127.0.0.1:$PD" \
	--idle 10min --bindir "$bin" --shim "$shim" >"$urun/direct.out"
dflags=$(sed -n 's/^ *podman create --name [^ ]* //p; s/^ *\(-e LD_PRELOAD=.*\) IMAGE \.\.\.$/\1/p' "$urun/direct.out" | tr -d '\\' | tr '\n' ' ')
printf '%s\n' 'local all all trust' 'host all all 127.0.0.0/8 scram-sha-256' >"$urun/hba.conf"
chmod 0644 "$urun/hba.conf"
as_user podman volume create "$D-data" >/dev/null
printf '%s\n' 'local all all trust' 'host all all all scram-sha-256' >"$urun/hba-all.conf"
chmod 0644 "$urun/hba-all.conf"
as_user podman volume create "$X-data" >/dev/null
as_user podman create -q --pull=never --name "$X" --network=none --pidfile "$urun/x.pid" \
	-v /usr:/usr:ro -v "$X-data:/var/lib/postgresql" -v "$urun/hba-all.conf:/etc/bro-hba.conf:ro" \
	-e BRO_PG_PASSWORD="$PW" localhost/bro-pg /bin/pg-start -c 'listen_addresses=*' \
	-c hba_file=/etc/bro-hba.conf >/dev/null
# shellcheck disable=SC2086
as_user podman create -q --pull=never --name "$D" $dflags -v /usr:/usr:ro \
	-v "$D-data:/var/lib/postgresql" -v "$urun/hba.conf:/etc/bro-hba.conf:ro" \
	-e BRO_PG_PASSWORD="$PW" localhost/bro-pg /bin/pg-start -c port="$PD" \
	-c hba_file=/etc/bro-hba.conf >/dev/null
d_svc=$(sed -n 's/^ExecStart=//p' "$dunits/$D.service")
d_idle=$(sed -n 's/^ExecStart=//p' "$dunits/$D-idle.service")
cat >"$stage/activate-direct.sh" <<EOF
( unset LISTEN_FDS LISTEN_PID LISTEN_FDNAMES; exec 3<&- </dev/null; exec $d_idle ) >>$urun/idle.log 2>&1 &
echo \$! >$urun/idle.pid
exec $d_svc
EOF
chmod 0644 "$stage/activate-direct.sh"

# host: the same postgres, on the host itself
install -m 0600 -o "$U" /dev/null "$urun/pw"
printf '%s\n' "$PW" >"$urun/pw"
as_user $PGBIN/initdb -D "$urun/hostpg" -U postgres -E UTF8 --locale=C.UTF-8 \
	--auth-local=trust --auth-host=scram-sha-256 --pwfile="$urun/pw" >"$urun/initdb.log" 2>&1 ||
	{ cat "$urun/initdb.log" >&2; exit 1; }
echo 'host all all 127.0.0.0/8 scram-sha-256' >>"$urun/hostpg/pg_hba.conf"
as_user $PGBIN/pg_ctl -D "$urun/hostpg" -w -l "$urun/hostpg.log" \
	-o "-c listen_addresses=127.0.0.1 -p $PH -c unix_socket_directories=$urun" start >/dev/null

# 4. bulk: iperf3, one stream, IPERF_SECS s, IPERF_ROUNDS rounds in rotating
# order: the relay (iperf3 -s in a --network=none container behind
# bro-helper + bro-proxyd, its CPU per GB: bench/lib/cpu.sh), direct mode
# (iperf3 -s in a --network=none container adopting the socket at bind():
# it says no READY=1, so BRO_SOCKACT_READY=bind) and iperf3 on the host.
# iperf3 -s closes its listener after each test and binds a new one (the
# shim adopts the same socket again, tests/sockact-basic.t); in direct mode
# it runs with -1, one test, so that each round starts it anew from the
# socket like the relay's first connection (the client waits in the
# backlog; iperf3 times only the transfer)
iperf3_run() {		# iperf3_run PORT: "BYTES GBITS" received ("0 0": failed)
	as_user timeout 120 iperf3 -c 127.0.0.1 -p "$1" -t "$IPERF_SECS" -J 2>/dev/null | python3 -c 'import json, sys
e = json.load(sys.stdin)["end"]["sum_received"]
print(e["bytes"], "%.2f" % (e["bits_per_second"] / 1e9))' || echo "0 0"
}
iperf_part() {
	[ "$IPERF_ROUNDS" -gt 0 ] || return 0
	local IH IR ID ipid rpid r k p v b ns
	IH=$(port) IR=$(port) ID=$(port)
	as_user podman create -q --pull=never --name "$I" --network=none -v /usr:/usr:ro \
		localhost/bro-pg /usr/bin/iperf3 -s -B 127.0.0.1 -p 5201 >/dev/null
	# shellcheck disable=SC2086
	as_user podman create -q --pull=never --name "$J" ${dflags/BRO_SOCKACT_READY=notify/BRO_SOCKACT_READY=bind} \
		-v /usr:/usr:ro localhost/bro-pg /usr/bin/iperf3 -s -1 -B 127.0.0.1 -p "$ID" >/dev/null
	as_user iperf3 -s -B 127.0.0.1 -p "$IH" -D -I "$urun/iperf.pid" >/dev/null
	# the relay: the container up, iperf3 listening in it, then the proxy
	as_user podman start "$I" >/dev/null
	ipid=$(as_user podman inspect -f '{{.State.Pid}}' "$I")
	for _ in $(seq 250); do
		as_user "$bin/bro-helper" --pid "$ipid" -- ss -Htln 'sport = :5201' | grep -q . && break
		sleep 0.02
	done
	as_user sh -c "systemd-socket-activate -l 127.0.0.1:$IR $bin/bro-helper --pid $ipid -- \
		$bin/bro-proxyd 127.0.0.1:5201 </dev/null >>$urun/iact.log 2>&1 & echo \$! >$urun/iact.pid"
	rpid=$(cat "$urun/iact.pid"); pids+=("$rpid")
	wait_port "$IR" "$urun/iact.log"
	declare -A iport=([direct]=$ID [bro]=$IR [host]=$IH)
	local ipaths=(direct bro host) jact
	# direct: the first connection starts the container, iperf3 -1 ends it
	jstart() {
		as_user sh -c "systemd-socket-activate -l 127.0.0.1:$ID -E XDG_RUNTIME_DIR -E HOME -E PATH \
			$(command -v podman) start --attach $J </dev/null >>$urun/jact.log 2>&1 & echo \$! >$urun/jact.pid"
		jact=$(cat "$urun/jact.pid"); pids+=("$jact")
		wait_port "$ID" "$urun/jact.log"
	}
	jend() {
		for _ in $(seq 500); do kill -0 "$jact" 2>/dev/null || return 0; sleep 0.02; done
		echo "direct: iperf3 -1 did not end: $(tail -3 "$urun/jact.log")" >&2; exit 1
	}
	for p in "${ipaths[@]}"; do		# warm-up
		[ "$p" = direct ] && jstart
		IPERF_SECS=1 iperf3_run "${iport[$p]}" >/dev/null
		[ "$p" = direct ] && jend
	done
	for ((r = 0; r < IPERF_ROUNDS; r++)); do
		for ((k = 0; k < 3; k++)); do
			p=${ipaths[$(( (r + k) % 3 ))]}
			[ "$p" = direct ] && jstart
			ns=$(cpu_ns "$rpid")
			read -r b v < <(iperf3_run "${iport[$p]}")
			[ "$p" = direct ] && jend
			res[I-$p]+="$v "
			[ "$p" = bro ] && res[Icpu]+="$(per_unit $(( $(cpu_ns "$rpid") - ns )) "$b" 1e9) "
		done
	done
	echo
	echo "## bulk: iperf3 -t $IPERF_SECS, one stream, $IPERF_ROUNDS rounds in rotating order, median Gbit/s"
	local hi; hi=$(echo ${res[I-host]} | median)
	for p in "${ipaths[@]}"; do
		v=$(echo ${res[I-$p]} | median)
		case $p in
		direct) printf '%-44s %6s %6s\n' "direct (iperf3 -s adopts the socket)" "$v" "$(ratio "$v" "$hi")" ;;
		bro) printf '%-44s %6s %6s   relay CPU %s ms/GB\n' "bro relay (bro-helper, bro-proxyd)" "$v" "$(ratio "$v" "$hi")" \
			"$(echo ${res[Icpu]} | median)" ;;
		host) printf '%-44s %6s %6s\n' "iperf3 on the host itself" "$v" "$(ratio "$v" "$hi")" ;;
		esac
	done
	echo "   all direct: ${res[I-direct]}| bro: ${res[I-bro]} (CPU ms/GB ${res[Icpu]})| host: ${res[I-host]}"
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {if (b > 0) printf "%.2fx", a / b; else print "-"}'; }

ACT=
wait_port() {		# wait_port PORT LOG
	for _ in $(seq 250); do ss -Htln "sport = :$1" | grep -q . && return; sleep 0.02; done
	echo "socket on $1 did not come up: $(cat "$2")" >&2; exit 1
}
activate() {		# the relay's socket, as the user; ACT: its PID
	if [ -n "${TRACE:-}" ]; then	# TRACE=DIR: strace -f of each activation
		ntrace=$((${ntrace:-0} + 1))
		strace -f -tt -e trace=execve,connect,accept4,clock_nanosleep,nanosleep,openat,exit_group,inotify_add_watch \
			-o "$TRACE/relay.$ntrace" -u "$U" env -i PATH=/usr/bin:/bin HOME="$home" USER="$U" \
			XDG_RUNTIME_DIR="$run" sh -c "echo \$\$ >$urun/act.pid; cd && exec systemd-socket-activate -l 127.0.0.1:$PB \
			-E XDG_RUNTIME_DIR /bin/sh $stage/activate.sh" </dev/null >>"$urun/act.log" 2>&1 &
		pids+=("$!")
		wait_port "$PB" "$urun/act.log"
		ACT=$(cat "$urun/act.pid"); pids+=("$ACT")
		return
	fi
	as_user sh -c "systemd-socket-activate -l 127.0.0.1:$PB -E XDG_RUNTIME_DIR \
		/bin/sh $stage/activate.sh </dev/null >>$urun/act.log 2>&1 & echo \$! >$urun/act.pid"
	ACT=$(cat "$urun/act.pid"); pids+=("$ACT")
	wait_port "$PB" "$urun/act.log"
}
stop_a() {		# the idle exit and StopWhenUnneeded=, at once
	if [ -n "$ACT" ]; then
		kill "$ACT" 2>/dev/null || true
		for _ in $(seq 100); do kill -0 "$ACT" 2>/dev/null || break; sleep 0.02; done
		ACT=
	fi
	as_user podman stop -t 10 "$A" >/dev/null
}
DACT=
activate_d() {		# direct mode's socket, as the user; DACT: its PID
	as_user sh -c "systemd-socket-activate -l 127.0.0.1:$PD -E XDG_RUNTIME_DIR -E HOME -E PATH \
		/bin/sh $stage/activate-direct.sh </dev/null >>$urun/dact.log 2>&1 & echo \$! >$urun/dact.pid"
	DACT=$(cat "$urun/dact.pid"); pids+=("$DACT")
	wait_port "$PD" "$urun/dact.log"
}
stop_d() {		# what bro-idlewatch does after --idle: podman stop; the
			# service (podman start --attach, the activator) ends
	as_user podman stop -t 10 "$D" >/dev/null
	for _ in $(seq 500); do kill -0 "$DACT" 2>/dev/null || break; sleep 0.02; done
	if kill -0 "$DACT" 2>/dev/null; then echo "direct: the service did not end with the container" >&2; exit 1; fi
	[ -f "$urun/idle.pid" ] && kill "$(cat "$urun/idle.pid")" 2>/dev/null
	rm -f "$urun/idle.pid"
	DACT=
}
q() {			# q PORT: psql's select 1, as the user
	U_ENV="PGPASSWORD=$PW PGCONNECT_TIMEOUT=30" as_user psql -h 127.0.0.1 -p "$1" \
		-U postgres -XAtc 'select 1' 2>>"$urun/psql.err"
}

# the first start runs initdb: not measured
activate
q "$PB" >/dev/null
stop_a
activate_d
q "$PD" >/dev/null
stop_d

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
	r=$(timed "podman start $A >/dev/null && pid=\$(cat $run/bro/$A.pid) &&
		$bin/bro-helper --pid \$pid -- timeout 30 sh -c 'until $READY; do sleep 0.002; done'") ||
		{ echo "postgres did not come up" >&2; exit 1; }
	res[own]+="${r% *} "
	stop_a
	# bro: the same probe through the socket, container stopped ("starting
	# up" counts as not yet: pg_isready is retried)
	activate
	r=$(timed "$PGBIN/pg_isready -q -h 127.0.0.1 -p $PB -t 30") || { echo "no answer through $PB" >&2; exit 1; }
	add probe "$r"
	stop_a
	# bro: psql's first query, container stopped; then a warm one
	activate
	sel1="[ \"\$($PGBIN/psql -h 127.0.0.1 -p $PB -U postgres -XAtc 'select 1')\" = 1 ]"
	r=$(timed "$sel1") || { echo "psql failed: $(tail -1 "$urun/psql.err")" >&2; exit 1; }
	add first "$r"
	r=$(timed "$sel1")
	res[warm]+="${r% *} "
	stop_a
	# direct: the probe, then psql's first query, container stopped
	activate_d
	r=$(timed "$PGBIN/pg_isready -q -h 127.0.0.1 -p $PD -t 30") || { echo "no answer through $PD" >&2; exit 1; }
	add dprobe "$r"
	stop_d
	activate_d
	sel1d="[ \"\$($PGBIN/psql -h 127.0.0.1 -p $PD -U postgres -XAtc 'select 1')\" = 1 ]"
	r=$(timed "$sel1d") || { echo "psql failed (direct): $(tail -1 "$urun/psql.err")" >&2; exit 1; }
	add dfirst "$r"
	r=$(timed "$sel1d")
	res[dwarm]+="${r% *} "
	stop_d
done
for k in own probe first warm dprobe dfirst dwarm; do
	declare "m_$k=$(echo ${res[$k]:-} | median)"
done
# each round against its own start (the load changes from round to round
# on a shared machine): the median of the differences
pairdiff() {		# pairdiff KEY: "X_i - own_i" for each round, median
	local -a o v diffs=()
	local i
	read -r -a o <<<"${res[own]:-}"
	read -r -a v <<<"${res[$1]:-}"
	for i in "${!o[@]}"; do diffs+=($((v[i] - o[i]))); done
	echo "${diffs[*]}" | median
}
for k in probe first dprobe dfirst; do declare "d_$k=$(pairdiff $k)"; done

[ "$ROUNDS" -gt 0 ] || {	# ROUNDS=0: the first connection only
	echo "## first connection, container stopped, data in place: $STARTS rounds, median ms (load $(cut -d' ' -f1-3 /proc/loadavg))"
	for k in own dprobe dfirst dwarm probe first warm; do
		pd=; case $k in own|*warm) ;; *) pd=$(eval echo \$d_$k); pd=$(printf '%+d' "$pd") ;; esac
		printf '%-8s %6s %6s   all: %s\n' "$k" "$(eval echo \$m_$k)" "$pd" "${res[$k]:-}"
	done
	echo "(second column: the median over rounds of each round's difference to its own start, ms)"
	echo "first attempts refused by postgres still starting up: $fails of $((4 * STARTS))"
	iperf_part
	exit 0
}

# steady state: all paths up
activate
q "$PB" >/dev/null
activate_d
q "$PD" >/dev/null
as_user podman start "$P" >/dev/null
as_user sh -c "systemd-socket-activate -l 127.0.0.1:$PS /lib/systemd/systemd-socket-proxyd 127.0.0.1:$PP \
	</dev/null >>$urun/sp.log 2>&1 & echo \$! >$urun/sp.pid"
pids+=("$(cat "$urun/sp.pid")")
# pasta: the container up, pasta attached to it (in the foreground of a
# background job: its PID is the job's; it forwards 127.0.0.1:PT to the
# container's port 5432, only TCP, only that port)
as_user podman start "$X" >/dev/null
as_user sh -c "pasta -f -q --config-net -t 127.0.0.1/$PT:5432 -u none -T none -U none \
	\$(cat $urun/x.pid) </dev/null >>$urun/pasta.log 2>&1 & echo \$! >$urun/pasta.pid"
pids+=("$(cat "$urun/pasta.pid")")
wait_port "$PT" "$urun/pasta.log"
# rootlessport connects from the container's slirp address: allow it
for _ in $(seq 200); do
	as_user podman exec "$P" $PGBIN/pg_isready -q -h 127.0.0.1 && break
	sleep 0.05
done
as_user podman exec "$P" /bin/sh -c \
	'echo "host all all samenet scram-sha-256" >> /var/lib/postgresql/data/pg_hba.conf'
as_user podman kill -s HUP "$P" >/dev/null
for _ in $(seq 100); do [ "$(q "$PP")" = 1 ] && break; sleep 0.05; done
[ "$(q "$PS")" = 1 ] || { echo "the 2-hop path does not answer: $(tail -2 "$urun/psql.err")" >&2; exit 1; }
for _ in $(seq 200); do [ "$(q "$PT")" = 1 ] && break; sleep 0.05; done
[ "$(q "$PT")" = 1 ] || { echo "pasta does not answer: $(tail -2 "$urun/psql.err") $(tail -2 "$urun/pasta.log")" >&2; exit 1; }
for p in "$PB" "$PP" "$PT" "$PD" "$PH"; do
	U_ENV="PGPASSWORD=$PW" as_user pgbench -h 127.0.0.1 -p "$p" -U postgres -i -s 1 -q postgres \
		>>"$urun/init.log" 2>&1 || { cat "$urun/init.log" >&2; exit 1; }
done
declare -A port=([direct]=$PD [bro]=$PB [podman]=$PP [pasta]=$PT [2-hop]=$PS [host]=$PH)
paths=(direct bro podman pasta 2-hop host)
np=${#paths[@]}
tps() {			# tps PORT SECONDS [ARGS]: pgbench -S's tps
	U_ENV="PGPASSWORD=$PW" as_user pgbench -h 127.0.0.1 -p "$1" -U postgres -n -S \
		-c 4 -j 2 -T "$2" ${3:-} postgres 2>>"$urun/pgbench.err" | awk '/^tps = / {printf "%d", $3}'
}
for ((r = 0; r < ROUNDS; r++)); do
	for ((k = 0; k < np; k++)); do
		p=${paths[$(( (r + k) % np ))]}
		res[S-$p]+="$(tps "${port[$p]}" "$T") "
		res[C-$p]+="$(tps "${port[$p]}" "$TC" -C) "
	done
done

# the client's address, as postgres sees it, for a client bound to 127.0.0.7
declare -A addr
for p in "${paths[@]}"; do
	addr[$p]=$(U_ENV="PGPASSWORD=$PW" as_user python3 "$stage/pgclient.py" 127.0.0.1 \
		"${port[$p]}" 127.0.0.7 postgres 'select inet_client_addr()' 2>&1) || true
done

echo "## on-demand PostgreSQL (rootless Podman $(as_user podman version -f '{{.Client.Version}}'), $(nproc) cores, kernel $(uname -r), load $(cut -d' ' -f1-3 /proc/loadavg))"
if [ "$STARTS" -gt 0 ]; then	# STARTS=0: no first-connection rounds
	echo "## first connection, container stopped, data in place: $STARTS rounds, median ms"
	printf '%-62s %6s\n' "container's own start: podman start, pg_isready in its netns" "$m_own"
	printf '%-62s %6s   %+d ms vs own start (median of per-round differences)\n' "direct: pg_isready through the socket, answered" "$m_dprobe" "$d_dprobe"
	printf '%-62s %6s   %+d ms vs own start (median of per-round differences)\n' "direct: psql 'select 1' through the socket, answered" "$m_dfirst" "$d_dfirst"
	printf '%-62s %6s\n' "  the same psql, container running (process, scram, query)" "$m_dwarm"
	printf '%-62s %6s   %+d ms vs own start (median of per-round differences)\n' "bro (relay): pg_isready through the socket, until it accepts" "$m_probe" "$d_probe"
	printf '%-62s %6s   %+d ms vs own start (median of per-round differences)\n' "bro (relay): psql 'select 1' through the socket, answered" "$m_first" "$d_first"
	printf '%-62s %6s\n' "  the same psql, container running (process, scram, query)" "$m_warm"
	echo "   all: own ${res[own]}| direct probe ${res[dprobe]}| direct first ${res[dfirst]}| direct warm ${res[dwarm]}"
	echo "        relay probe ${res[probe]}| relay first ${res[first]}| relay warm ${res[warm]}"
	echo "   first attempts refused by postgres still starting up: $fails of $((4 * STARTS))"
fi
echo
echo "## steady state: pgbench -S -c 4 -j 2 (scale 1), $ROUNDS rounds in rotating order, median tps"
printf '%-44s %8s %8s %8s %10s %8s %8s\n' "path" "-T $T" "vs host" "vs -p" "-C -T $TC" "vs host" "vs -p"
sh_=$(echo ${res[S-host]} | median) ch=$(echo ${res[C-host]} | median)
sp=$(echo ${res[S-podman]} | median) cp=$(echo ${res[C-podman]} | median)
for p in "${paths[@]}"; do
	s=$(echo ${res[S-$p]} | median) c=$(echo ${res[C-$p]} | median)
	case $p in
	direct) d="direct (the container adopts the socket)" ;;
	bro) d="bro relay (socket, bro-helper, bro-proxyd)" ;;
	podman) d="podman -p (slirp4netns, rootlessport)" ;;
	pasta) d="pasta attached to the container" ;;
	2-hop) d="2-hop (socket-proxyd in front of -p)" ;;
	host) d="postgres on the host itself" ;;
	esac
	printf '%-44s %8s %8s %8s %10s %8s %8s\n' "$d" "$s" "$(ratio "$s" "$sh_")" "$(ratio "$s" "$sp")" \
		"$c" "$(ratio "$c" "$ch")" "$(ratio "$c" "$cp")"
done
for p in "${paths[@]}"; do echo "   all -S $p: ${res[S-$p]}| -C: ${res[C-$p]}"; done
echo
echo "## the client's address as postgres sees it (inet_client_addr(), client bound to 127.0.0.7)"
for p in "${paths[@]}"; do printf '   %-8s %s\n' "$p" "${addr[$p]}"; done
iperf_part
