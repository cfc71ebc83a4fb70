#!/bin/bash
# tests/pg-ondemand.t - the chain bro-unit's units describe, with the real
# thing: a host socket → bro-helper → proxy → PostgreSQL in a rootless
# Podman container with --network=none, started by the first connection.
# PID 1 is not systemd here, so systemd-socket-activate plays the socket
# unit, and the commands run are taken from the generated unit files, in
# the order their relations impose (BindsTo=/After= the container unit,
# then the proxy service's ExecStart in the process that holds the socket).
cd "$(dirname "$0")" && . ./lib.sh
require podman psql pg_isready systemd-socket-activate ss
# the proxy the units run (bro-proxyd holds the client while the backend
# refuses: --connect-timeout)
PROXY=$BRO_BIN/bro-proxyd	# or /lib/systemd/systemd-socket-proxyd
[ -x "$PROXY" ] || require "$PROXY"
# the test user may not reach the checkout (a 0700 directory): a copy, and
# a working directory it can enter (rootless podman re-enters it)
PGIMAGE=$T_TMP/pg-image
install -m 0755 ../scripts/pg-image "$PGIMAGE" && cd "$T_TMP" || exit 1
plan 25

CT=bro-pgt-$$ VOL=bro-pgt-$$-data
PORT=$(free_port)
running() { as_user podman inspect -f '{{.State.Running}}' "$CT" 2>/dev/null; }
ctpid() { as_user podman inspect -f '{{.State.Pid}}' "$CT" 2>/dev/null; }
ms() { echo $(( $(date +%s%N) / 1000000 )); }

as_user "$PGIMAGE" create "$CT" "$VOL" >/dev/null
ok $? "scripts/pg-image create $CT: image and container (--network=none)"
cleanup_add "as_user podman rm -f -t 0 $CT; as_user podman volume rm -f $VOL; rm -f $T_RUNTIME/bro/$CT.pid"
PW=$(as_user "$PGIMAGE" password)
is "$(as_user podman inspect -f '{{.HostConfig.NetworkMode}}' "$CT")" none \
	"the container has no network"

UT=$T_TMP/user		# the test user's scratch directory
install -d -o "$BRO_TEST_USER" "$UT"
units=$UT/units
as_user "$BRO_BIN/bro-unit" --dir "$units" --container "$CT" \
	--listen "127.0.0.1:$PORT" --target 127.0.0.1:5432 --idle 10s \
	--connect-timeout 20s --ready-cmd 'pg_isready -q -h 127.0.0.1 -p 5432' \
	--bindir "$BRO_BIN" >/dev/null
ok $? "bro-unit wrote the units"

# the commands of the units
ct_start=$(unit_cmds "$units/$CT-container.service")	# ExecStartPre, ExecStart, ExecStartPost
stop_cmd=$(sed -n 's/^ExecStop=//p' "$units/$CT-container.service")
proxy_sh=$(sed -n "s/^ExecStart=\/bin\/sh -c '\(.*\)'\$/\1/p" "$units/$CT.service" |
	sed 's/\$\$/$/g; s|%t|'"$T_RUNTIME"'|g')
like "$ct_start" "bro-helper --pid \"\\\$pid\" -- timeout 20\\.000 /bin/sh -c \"until pg_isready -q -h 127\\.0\\.0\\.1 -p 5432; do sleep 0\\.002; done\" && exit 0" \
	"the container unit waits for pg_isready inside (ExecStartPost=: one bro-helper, a 2 ms loop)"
case $PROXY in
*systemd-socket-proxyd)
	proxy_sh=${proxy_sh//"$BRO_BIN/bro-proxyd --connect-timeout=20s"/$PROXY} ;;
*)	proxy_sh=${proxy_sh//"$BRO_BIN/bro-proxyd"/$PROXY} ;;
esac
like "$proxy_sh" "^read -r pid <$T_RUNTIME/bro/$CT.pid; exec $BRO_BIN/bro-helper --pid \"\\\$pid\" -- $PROXY .*--exit-idle-time=10s 127.0.0.1:5432\$" \
	"the proxy command from $CT.service"

# what the manager does on the first connection to the socket
cat >"$T_TMP/activate.sh" <<EOF
# $CT-container.service first (BindsTo= + After=); podman without the socket:
# it would pass LISTEN_FDS into the container
# its ExecStartPre= (the PID file), ExecStart= and ExecStartPost= (the PID
# file, and --ready-cmd: until postgres answers)
( unset LISTEN_FDS LISTEN_PID LISTEN_FDNAMES; exec 3<&-; $ct_start >/dev/null )
# then $CT.service's ExecStart, in the process systemd gave the socket to
exec /bin/sh -c '$proxy_sh'
EOF
chmod 644 "$T_TMP/activate.sh"
activate() {		# the socket unit, as the test user; PID in $ACT
	as_user sh -c "systemd-socket-activate -l 127.0.0.1:$PORT -E XDG_RUNTIME_DIR \
		/bin/sh $T_TMP/activate.sh </dev/null >>$UT/act.log 2>&1 & echo \$! >$UT/act.pid"
	ACT=$(cat "$UT/act.pid")
	cleanup_add "kill $ACT"
	wait_listen 5 "$PORT"
}
q() {			# q SQL: through the host port, as the test user
	T_ENV="PGPASSWORD=$PW PGCONNECT_TIMEOUT=30" as_user psql -h 127.0.0.1 -p "$PORT" \
		-U postgres -XAtc "$1" 2>>"$T_TMP/psql.err"
}

is "$(running)" false "container stopped before"
activate
ok $? "the socket listens on 127.0.0.1:$PORT"
sleep 0.3
is "$(running)" false "  and the container is still stopped"

t0=$(ms)
got=$(q "select 'on demand', inet_server_addr()")
t1=$(ms)
is "$got" "on demand|127.0.0.1" "psql -h 127.0.0.1 -p $PORT: answered by postgres on 127.0.0.1 inside the container"
diag "first connection, including initdb: $((t1 - t0)) ms"
is "$(running)" true "container running after"
PID=$(ctpid)
is "$(as_user podman inspect -f '{{.PidFile}}' "$CT")" "$T_RUNTIME/bro/$CT.pid" \
	"pg-image created it with --pidfile %t/bro/$CT.pid"
is "$(cat "$T_RUNTIME/bro/$CT.pid")" "$PID" "  which podman start filled with its PID, for the units"
CNS=$(readlink "/proc/$PID/ns/net")
[ -n "$CNS" ] && [ "$CNS" != "$(readlink /proc/self/ns/net)" ]
ok $? "postgres runs in a netns of its own ($CNS)"
! ss -Htln "sport = :5432" | grep -q . &&
! T_ENV="PGPASSWORD=$PW PGCONNECT_TIMEOUT=2" as_user psql -h 127.0.0.1 -p 5432 -U postgres -XAtc 'select 1' >/dev/null 2>&1
ok $? "postgres's 127.0.0.1:5432 is not reachable from the host"

# the listening socket went to the proxy only, not into the container
sock=$(readlink "/proc/$ACT/fd/3")
holders=
for p in /proc/[0-9]*; do
	[ "${p#/proc/}" = "$ACT" ] && continue
	[ "$(readlink "$p/ns/net" 2>/dev/null)" = "$CNS" ] || continue
	ls -l "$p/fd" 2>/dev/null | grep -qF "$sock" && holders="$holders ${p#/proc/}"
done
is "$holders" "" "no process in the container holds the socket ($sock)"

is "$(q 'select 2')" 2 "a second connection works"
is "$(ctpid)" "$PID" "  same container, not restarted"

# --ready-cmd that never succeeds: the wait ends at the connect timeout
# (timeout(1) around the loop inside the container's netns), says so, and
# fails the container unit's start; no try of it is left running
as_user "$BRO_BIN/bro-unit" --dir "$UT/units-bad" --container "$CT" \
	--listen "127.0.0.1:$PORT" --target 127.0.0.1:5432 --connect-timeout 1s \
	--ready-cmd 'false' --bindir "$BRO_BIN" >/dev/null
bad_ready=$(sed -n "s/^ExecStartPost=\/bin\/sh -c '\(.*\)'\$/\1/p" "$UT/units-bad/$CT-container.service" |
	sed 's/\$\$/$/g; s|%t|'"$T_RUNTIME"'|g')
as_user sh -c "$bad_ready" >"$T_TMP/bad.out" 2>&1
st=$?
is "$st:$(cat "$T_TMP/bad.out")" "1:bro-unit: $CT: not ready within 1s" \
	"--ready-cmd false: exit 1, 'not ready within 1s'"
wait_for 5 sh -c "! pgrep -u $BRO_TEST_USER -f 'until false' >/dev/null"
ok $? "  and its loop is gone (timeout(1) ended it)"
t0=$(ms)
for i in 1 2 3 4 5 6 7 8; do q "select $i, pg_sleep(2)" >"$T_TMP/c.$i" & done
wait
t1=$(ms)
n=0; for i in 1 2 3 4 5 6 7 8; do [ "$(cat "$T_TMP/c.$i")" = "$i|" ] && n=$((n + 1)); done
is "$n" 8 "8 concurrent connections answered"
ok $(( t1 - t0 < 10000 ? 0 : 1 )) "  concurrently: $((t1 - t0)) ms for 8 x 2 s (16 s one after another)"

# --exit-idle-time=10s (long enough that the steps above, on a loaded
# machine, never outlast it): the proxy exits; nothing needs the container unit
# any more (StopWhenUnneeded=true), so the manager runs its ExecStop
wait_for 30 sh -c "! kill -0 $ACT"
ok $? "the proxy exited after 10 s idle"
as_user $stop_cmd >/dev/null
is "$(running)" false "the container unit's ExecStop stopped the container"

# again, now with the data in place: the first-connection latency
activate
t0=$(ms)
got=$(q 'select 3')
t1=$(ms)
is "$got" 3 "restarted on demand by the next connection"
diag "first connection, container stopped, data in place: $((t1 - t0)) ms"
ok $(( t1 - t0 < 5000 ? 0 : 1 )) "  within 5 s ($((t1 - t0)) ms)"
[ -s "$T_TMP/psql.err" ] && diag "psql: $(cat "$T_TMP/psql.err")"
[ "$_t_failed" -gt 0 ] && [ -s "$UT/act.log" ] && diag "chain: $(cat "$UT/act.log")"
done_testing
