#!/bin/bash
# tests/pg-crossover.t - the cross-over path bro-unit's units describe, with
# the real thing: client container B (--network=none) connects to
# 127.0.0.1:PORT inside its own network namespace; a bro-proxyd placed there
# by bro-helper forwards to A's socket, a pathname unix socket under
# $XDG_RUNTIME_DIR (pathname unix sockets cross network namespaces); the
# first connection starts container A (PostgreSQL, --network=none). No TCP
# port on the host anywhere. PID 1 is not systemd here: the commands run
# are the generated units' (A.socket, A.service, A-container.service,
# B-container.service, B-to-A.service), with systemd-socket-activate
# playing A.socket, in the order the units' relations impose.
cd "$(dirname "$0")" && . ./lib.sh
require podman psql systemd-socket-activate ss nsenter
# the test user may not reach the checkout (a 0700 directory): a copy, and
# a working directory it can enter (rootless podman re-enters it)
PGIMAGE=$T_TMP/pg-image
install -m 0755 ../scripts/pg-image "$PGIMAGE" && cd "$T_TMP" || exit 1
PGBIN=/usr/lib/postgresql/15/bin
plan 23

A=bro-pgx-$$-a B=bro-pgx-$$-b VOL=bro-pgx-$$-data
PORT=$(free_port)		# A's port inside B's namespace (free on the host too)
SOCK=$T_RUNTIME/bro/$A.sock	# %t/bro/A.sock
running() { as_user podman inspect -f '{{.State.Running}}' "$1" 2>/dev/null; }
ctpid() { as_user podman inspect -f '{{.State.Pid}}' "$1" 2>/dev/null; }
ms() { echo $(( $(date +%s%N) / 1000000 )); }
netns() { readlink "/proc/$1/ns/net"; }

# A: the PostgreSQL container; B: a client container of the same image
# (busybox and the host's /usr, so psql runs inside it), also --network=none
as_user "$PGIMAGE" create "$A" "$VOL" >/dev/null
ok $? "scripts/pg-image create $A (PostgreSQL, --network=none)"
cleanup_add "as_user podman rm -f -t 0 $A; as_user podman volume rm -f $VOL; rm -f $T_RUNTIME/bro/$A.pid"
PW=$(as_user "$PGIMAGE" password)
upodman create -q --pull=never --name "$B" --network=none -v /usr:/usr:ro \
	localhost/bro-pg /bin/busybox sleep 3600 >/dev/null
ok $? "client container $B (--network=none)"
cleanup_add "as_user podman rm -f -t 0 $B; rm -f $T_RUNTIME/bro/$B.pid"

UT=$T_TMP/user
install -d -o "$BRO_TEST_USER" "$UT"
units=$UT/units
as_user "$BRO_BIN/bro-unit" --dir "$units" --container "$A" \
	--listen "%t/bro/$A.sock" --target 127.0.0.1:5432 --idle 10s \
	--connect-timeout 20s --ready-cmd 'pg_isready -q -h 127.0.0.1 -p 5432' \
	--bindir "$BRO_BIN" >/dev/null &&
as_user "$BRO_BIN/bro-unit" --dir "$units" --from-container "$B" --container "$A" \
	--listen-in-container "127.0.0.1:$PORT" --via "%t/bro/$A.sock" \
	--bindir "$BRO_BIN" >/dev/null
ok $? "bro-unit wrote A's units (socket on %t/bro/$A.sock only) and B-to-A's"
is "$(sed -n 's/^ListenStream=//p' "$units/$A.socket")" "%t/bro/$A.sock" \
	"  $A.socket listens on the unix path only"

# the units' commands; %t is the manager's XDG_RUNTIME_DIR
unit_sh() { sed -n "s/^ExecStart=\/bin\/sh -c '\(.*\)'\$/\1/p" "$1" | sed 's/\$\$/$/g; s|%t|'"$T_RUNTIME"'|g'; }
# the container units' ExecStartPre=, ExecStart=, ExecStartPost= (the PID
# file; A's --ready-cmd). B was created without --pidfile: its unit asks
# podman inspect, once
a_start=$(unit_cmds "$units/$A-container.service")
a_stop=$(sed -n 's/^ExecStop=//p' "$units/$A-container.service")
b_start=$(unit_cmds "$units/$B-container.service")
a_proxy=$(unit_sh "$units/$A.service")
b_proxy=$(unit_sh "$units/$B-to-$A.service")
like "$b_proxy" "^read -r pid <$T_RUNTIME/bro/$B.pid; exec $BRO_BIN/bro-helper --pid \"\\\$pid\" -- $BRO_BIN/bro-proxyd --listen=127.0.0.1:$PORT .*$SOCK\$" \
	"the listener in B from $B-to-$A.service"

# A.socket's activation: A-container.service first (BindsTo= + After=;
# its ExecStart, then its ExecStartPost= from --ready-cmd),
# podman without the socket; then A.service's ExecStart in the process
# that holds the socket
cat >"$T_TMP/activate.sh" <<EOF
( unset LISTEN_FDS LISTEN_PID LISTEN_FDNAMES; exec 3<&-; $a_start >/dev/null )
exec /bin/sh -c '$a_proxy'
EOF
chmod 644 "$T_TMP/activate.sh"
as_user mkdir -p -m 0700 "$T_RUNTIME/bro"	# DirectoryMode=0700
cleanup_add "rm -f $SOCK"
activate() {		# A.socket, as the test user; PID in $ACT
	rm -f "$SOCK"	# a manager keeps one socket; a new activator binds anew
	as_user sh -c "umask 077; systemd-socket-activate -l $SOCK -E XDG_RUNTIME_DIR \
		/bin/sh $T_TMP/activate.sh </dev/null >>$UT/act.log 2>&1 & echo \$! >$UT/act.pid"
	ACT=$(cat "$UT/act.pid")
	cleanup_add "kill $ACT"
	wait_for 5 sh -c "ss -Hxl | grep -qF ' $SOCK '"
}

# B-container.service, then B-to-A.service (WantedBy= B-container.service)
as_user sh -c "$b_start" >/dev/null
is "$(running "$B")" true "B-container.service started $B"
BPID=$(ctpid "$B")
is "$(cat "$T_RUNTIME/bro/$B.pid" 2>&1)" "$BPID" \
	"  $B, created without --pidfile: its unit's one podman inspect wrote the PID file"
cat >"$T_TMP/b-to-a.sh" <<EOF
exec /bin/sh -c '$b_proxy'
EOF
chmod 644 "$T_TMP/b-to-a.sh"
as_user sh -c "/bin/sh $T_TMP/b-to-a.sh </dev/null >>$UT/b.log 2>&1 & echo \$! >$UT/b.pid"
BP=$(cat "$UT/b.pid")
cleanup_add "kill $BP"
wait_for 5 sh -c "nsenter -t $BPID -n ss -Htln 'sport = :$PORT' | grep -q ."
ok $? "B-to-A.service: bro-proxyd listens on 127.0.0.1:$PORT inside $B"
is "$(netns "$BP")" "$(netns "$BPID")" "  in B's network namespace ($(netns "$BPID"))"

activate
ok $? "A.socket listens on $SOCK"
is "$(running "$A")" false "A stopped before"

# B's first connection: psql inside B (podman exec), to 127.0.0.1:PORT there
t0=$(ms)
got=$(upodman exec -e PGPASSWORD="$PW" -e PGCONNECT_TIMEOUT=30 "$B" \
	$PGBIN/psql -h 127.0.0.1 -p "$PORT" -U postgres -XAtc "select 'crossed', inet_server_addr()" 2>&1)
t1=$(ms)
is "$got" "crossed|127.0.0.1" "psql in $B -h 127.0.0.1 -p $PORT: answered by A's postgres"
diag "B's first connection, including A's initdb: $((t1 - t0)) ms"
is "$(running "$A")" true "A running after: started by B's connection"
APID=$(ctpid "$A")
nsa=$(netns "$APID") nsb=$(netns "$BPID") nsh=$(netns self)
[ -n "$nsa" ] && [ -n "$nsb" ] && [ "$nsa" != "$nsb" ] && [ "$nsa" != "$nsh" ] && [ "$nsb" != "$nsh" ]
ok $? "A, B and the host: three network namespaces ($nsa $nsb $nsh)"
is "$(netns "$ACT")" "$nsa" "  A's proxy (the socket's holder) runs in A's"

# no host TCP port: nothing listens on PORT or 5432 on the host, and the
# chain's sockets are the unix path and sockets in the containers' netns
ss_host=$(ss -Htln "( sport = :$PORT or sport = :5432 )")
is "$ss_host" "" "no TCP listener on the host for $PORT or 5432"
! T_ENV="PGPASSWORD=$PW PGCONNECT_TIMEOUT=2" as_user psql -h 127.0.0.1 -p "$PORT" -U postgres -XAtc 'select 1' >/dev/null 2>&1
ok $? "  psql from the host to 127.0.0.1:$PORT fails"
like "$(ss -Hxlp | grep -F " $SOCK ")" "pid=$ACT," "A's socket is the unix path, held by A's proxy"

# the same path with the host's psql run in B's namespace by bro-helper
got=$(T_ENV="PGPASSWORD=$PW PGCONNECT_TIMEOUT=30" as_user "$BRO_BIN/bro-helper" --pid "$BPID" -- \
	psql -h 127.0.0.1 -p "$PORT" -U postgres -XAtc 'select 2' 2>&1)
is "$got" 2 "bro-helper --pid B -- psql -h 127.0.0.1 -p $PORT: a second connection"
is "$(ctpid "$A")" "$APID" "  same A, not restarted"

# A exits idle (10 s: long enough that the steps above, on a loaded
# machine, never outlast it), A-container.service is stopped (StopWhenUnneeded=);
# B and its listener stay
wait_for 30 sh -c "! kill -0 $ACT"
ok $? "A's proxy exited after 10 s idle"
as_user $a_stop >/dev/null
is "$(running "$A"),$(running "$B")" "false,true" "A stopped by its unit's ExecStop, B still running"

activate
t0=$(ms)
got=$(upodman exec -e PGPASSWORD="$PW" -e PGCONNECT_TIMEOUT=30 "$B" \
	$PGBIN/psql -h 127.0.0.1 -p "$PORT" -U postgres -XAtc 'select 3' 2>&1)
t1=$(ms)
is "$got,$(running "$A")" "3,true" "B's next connection started A again ($((t1 - t0)) ms, data in place)"
[ "$_t_failed" -gt 0 ] && diag "A: $(cat "$UT/act.log" 2>/dev/null) B: $(cat "$UT/b.log" 2>/dev/null)"
done_testing
