#!/bin/bash
# tests/pg-direct.t - bro-unit --direct with the real thing: PostgreSQL 15
# (scripts/pg-image) in a rootless --network=none container created with the
# flags bro-unit prints (libbro-sockact.so mounted read-only, LD_PRELOAD,
# BRO_SOCKACT_READY=notify), started by the first connection to the host
# socket. PID 1 is not systemd here, so systemd-socket-activate plays
# NAME.socket and runs what the generated units say, in their relations'
# order: NAME.service's ExecStart (podman start --attach) in the process
# that holds the socket, and NAME-idle.service's ExecStart (bro-idlewatch,
# wanted by it) beside it, without the socket. Every round: the container
# stopped before, the first query answered (never "starting up"), seen from
# the client's own address 127.0.0.7, no relay, the idle stop by the watcher,
# and the activator (the service) gone with the container.
#   BRO_PG_DIRECT_ROUNDS=N: cold starts (default 3)
cd "$(dirname "$0")" && . ./lib.sh
require podman psql systemd-socket-activate python3 ss
[ -x "$BRO_BIN/bro-idlewatch" ] || require "$BRO_BIN/bro-idlewatch"
. ./sockact-lib.sh
ROUNDS=${BRO_PG_DIRECT_ROUNDS:-3}
IDLE=2s
# the test user may not reach the checkout: copies, and a working directory
# it can enter (rootless podman re-enters it)
PGIMAGE=$T_TMP/pg-image PGCLIENT=$T_TMP/pgclient.py
install -m 0755 ../scripts/pg-image "$PGIMAGE" &&
	install -m 0755 sockact-pgclient.py "$PGCLIENT" && cd "$T_TMP" || exit 1

IMAGE=localhost/bro-pg-direct-$$ CT=bro-pg-direct-$$ VOL=bro-pg-direct-$$-data
PORT=$(free_port)
running() { upodman inspect -f '{{.State.Running}}' "$CT" 2>/dev/null; }
ms() { echo $(( $(date +%s%N) / 1000000 )); }

T_ENV="BRO_PG_IMAGE=$IMAGE" as_user "$PGIMAGE" image >/dev/null
ok $? "scripts/pg-image: image $IMAGE"
cleanup_add "upodman rmi -f $IMAGE"
upodman volume create "$VOL" >/dev/null
cleanup_add "upodman volume rm -f $VOL"
cleanup_add "upodman rm -f -t 0 $CT"
PW=$(as_user "$PGIMAGE" password)
# passwords (SCRAM) from all of 127.0.0.0/8: the client binds 127.0.0.7
HBA=$T_TMP/hba.conf
printf '%s\n' 'local all all trust' 'host all all 127.0.0.0/8 scram-sha-256' > "$HBA"
chmod 0644 "$HBA"

UT=$(user_dir)
units=$UT/units
SHIM=$(realpath "$SHIM")	# BRO_LIB may hold "..", which bro-unit refuses
as_user "$BRO_BIN/bro-unit" --direct --dir "$units" --container "$CT" \
	--listen "127.0.0.1:$PORT" --idle "$IDLE" --bindir "$BRO_BIN" \
	--shim "$SHIM" >"$UT/out" 2>&1
ok $? "bro-unit --direct wrote the units"
is "$(ls "$units" | tr '\n' ' ')" "$CT-idle.service $CT.service $CT.socket " \
	"  the socket, the container's service, the idle watcher"

# the container, made with the podman create flags bro-unit printed
flags=$(sed -n 's/^ *podman create --name [^ ]* //p; s/^ *\(-e LD_PRELOAD=.*\) IMAGE \.\.\.$/\1/p' "$UT/out" |
	tr -d '\\' | tr '\n' ' ')
like "$flags" "^--network=none -v $SHIM:/run/bro-sockact.so:ro +-e LD_PRELOAD=/run/bro-sockact.so -e BRO_SOCKACT_READY=notify $" \
	"bro-unit printed the podman create flags: $flags"
# shellcheck disable=SC2086
upodman create -q --pull=never --name "$CT" $flags \
	-v /usr:/usr:ro -v "$VOL":/var/lib/postgresql -v "$HBA":/etc/bro-hba.conf:ro \
	-e BRO_PG_PASSWORD="$PW" -e BRO_SOCKACT_DEBUG=1 \
	"$IMAGE" /bin/pg-start -c port="$PORT" -c hba_file=/etc/bro-hba.conf >/dev/null
ok $? "podman create $CT with those flags (postgres on 127.0.0.1:$PORT inside)"

# the units' commands
svc_cmd=$(sed -n 's/^ExecStart=//p' "$units/$CT.service")
idle_cmd=$(sed -n 's/^ExecStart=//p' "$units/$CT-idle.service")
is "$svc_cmd" "/usr/bin/podman start --attach $CT" "$CT.service: podman start --attach"
like "$idle_cmd" "^$BRO_BIN/bro-idlewatch --listen 127.0.0.1:$PORT --idle $IDLE -- /usr/bin/podman stop --time 10 $CT\$" \
	"$CT-idle.service: bro-idlewatch, then podman stop"
grep -q "^Wants=$CT-idle.service" "$units/$CT.service" &&
	grep -q "^BindsTo=$CT.service" "$units/$CT-idle.service"
ok $? "  wanted by the container's service, bound to it"

# what the manager does on a connection to NAME.socket: NAME.service in the
# socket's process (podman passes the socket into the container), and
# NAME-idle.service (Wants=, After=) in a process of its own, no socket
cat >"$T_TMP/activate.sh" <<EOF
( unset LISTEN_FDS LISTEN_PID LISTEN_FDNAMES; exec 3<&- </dev/null; echo \$BASHPID >$UT/idle.pid; exec $idle_cmd ) >>$UT/idle.log 2>&1 &
exec $svc_cmd
EOF
chmod 644 "$T_TMP/activate.sh"

answered=0 bad=
for i in $(seq 1 "$ROUNDS"); do
	is "$(running)" false "round $i: the container is stopped"
	rm -f "$UT/idle.pid"
	sa_start "$PORT" -E XDG_RUNTIME_DIR -E HOME -E PATH /bin/bash "$T_TMP/activate.sh"
	t0=$(ms)
	got=$(PGPASSWORD=$PW python3 "$PGCLIENT" 127.0.0.1 "$PORT" 127.0.0.7 postgres \
		"select inet_client_addr(), inet_server_addr(), $i" 2>&1)
	t1=$(ms)
	diag "round $i: first query '$got' in $((t1 - t0)) ms$([ "$i" = 1 ] && echo ', initdb included')"
	if [ "$got" = "127.0.0.7|127.0.0.1|$i" ]; then
		answered=$((answered + 1))
	else
		bad="$bad [$i: $got]"
	fi
	if [ "$i" = 1 ]; then
		# a connection held open meanwhile: the checks take longer than
		# --idle, and the watcher counts it
		python3 -c "import socket, time; s = socket.create_connection(('127.0.0.1', $PORT)); time.sleep(60)" &
		hold=$!
		cleanup_add "kill $hold"
		cpid=$(upodman inspect -f '{{.State.Pid}}' "$CT")
		[ -n "$cpid" ] && [ "$(ns_inode "$cpid")" != "$(ns_inode $$)" ]
		ok $? "  postgres runs in a network namespace of its own"
		ino=$(ss -Htlne "sport = :$PORT" | sed -n 's/.* ino:\([0-9]*\) .*/\1/p' | head -1)
		ls -l "/proc/$cpid/fd" 2>/dev/null | grep -q "socket:\[$ino\]"
		ok $? "  postgres (the container's PID 1) holds the host's listening socket (inode $ino): no relay"
		cns=$(readlink "/proc/$cpid/ns/net") others=
		for p in /proc/[0-9]*; do
			[ "$(readlink "$p/ns/net" 2>/dev/null)" = "$cns" ] || continue
			c=$(cat "$p/comm" 2>/dev/null) || continue
			[ "$c" = postgres ] || others="$others ${p#/proc/}:$c"
		done
		is "$others" "" "  only postgres in the container's network namespace: no proxy"
		is "$(T_ENV="PGPASSWORD=$PW PGCONNECT_TIMEOUT=10" as_user psql -h 127.0.0.1 -p "$PORT" \
			-U postgres -XAtc 'select inet_client_addr()' 2>&1)" 127.0.0.1 \
			"  psql with a password from 127.0.0.1: answered, seen as 127.0.0.1"
		grep -q "^bro-sockact\[1\]: READY=1: fd [0-9]* 127\.0\.0\.1:$PORT: stand-in replaced by inherited fd 3" "$SA_LOG"
		ok $? "  postgres took the host's socket at READY=1"
		kill "$hold"
	fi
	t_last=$(ms)
	wait_for 30 sh -c "! kill -0 $SA_PID"
	ok $? "round $i: the container stopped when idle, and its service (the activator) ended ($(( $(ms) - t_last )) ms after the last query, --idle $IDLE)"
	like "$(tail -2 "$UT/idle.log")" "no connection for 2\.[0-9] s: running /usr/bin/podman" \
		"  bro-idlewatch ran podman stop"
	[ -s "$UT/idle.pid" ] && wait_for 15 sh -c "! kill -0 $(cat "$UT/idle.pid")"
	ok $? "  and ended with it"
done
is "$answered" "$ROUNDS" "the first query to the stopped container answered $answered of $ROUNDS times, seen from the client's own 127.0.0.7${bad:+:$bad}"
[ "$answered" = "$ROUNDS" ] || sed 's/^/# log: /' "$SA_LOG" "$UT/idle.log"
done_testing
