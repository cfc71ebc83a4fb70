#!/bin/bash
# tests/unit-gen.t - bro-unit, the unit generator: its output matches the
# golden files in tests/golden/, passes `systemd-analyze --user verify`
# (PID 1 is not systemd here: verify needs no running manager, only the
# user's XDG_RUNTIME_DIR), names binaries that exist, and every bad input
# gives one clear line and writes nothing.
#   BRO_GOLDEN_UPDATE=1 rewrites the golden files from the current output.
cd "$(dirname "$0")" && . ./lib.sh
require systemd-analyze diff runuser
GOLDEN=$PWD/golden
UNIT=$BRO_BIN/bro-unit
plan 51

# gen DIR ARGS...: bro-unit as the test user into DIR; stdout in $T_TMP/out,
# stderr in $T_TMP/err, exit status returned
gen() {
	local d=$1; shift
	as_user "$UNIT" --dir "$d" "$@" >"$T_TMP/out" 2>"$T_TMP/err"
}
newdir() { local d="$T_TMP/$1"; install -d -o "$BRO_TEST_USER" "$d"; echo "$d"; }
# snapshot DIR: names, modes and contents of everything under DIR
snapshot() { (cd "$1" && find . -printf '%p %m\n' | sort && find . -type f | sort | xargs -r cat); }

# --- golden files: the shapes bro-unit writes
declare -A CASE=(
	[ondemand]="--container pg --listen 5432 --listen %t/bro/pg.sock --target 127.0.0.1:5432 --idle 2min --connect-timeout 20s --ready-cmd 'pg_isready -q -h 127.0.0.1 -p 5432'"
	[quadlet]="--container systemd-pg --name pg-proxy --quadlet pg.service --listen 0.0.0.0:15432 --target 127.0.0.1:5432 --ready-cmd 'pg_isready -q'"
	[cross]="--from-container pgadmin --container pg --listen-in-container 5432"
	[direct]="--direct --container pg --listen 5432 --idle 2min"
	[direct-quadlet]="--direct --container systemd-pg --name pg --quadlet pg.service --listen 0.0.0.0:15432"
)
# gen_case DIR CASE [ARGS...]: gen with a case's arguments (they hold quotes)
gen_case() {
	local d=$1 c=$2; shift 2
	eval "set -- ${CASE[$c]} \"\$@\""
	gen "$d" "$@"
}
for c in ondemand quadlet direct direct-quadlet cross; do
	d=$(newdir "golden-$c")
	gen_case "$d" "$c"
	ok $? "$c: bro-unit ${CASE[$c]}"
	if [ "${BRO_GOLDEN_UPDATE:-0}" = 1 ]; then
		rm -rf "${GOLDEN:?}/$c" && cp -r "$d" "$GOLDEN/$c"
	fi
	out=$(diff -ru "$GOLDEN/$c" "$d" 2>&1)
	ok $? "$c: output matches tests/golden/$c"
	[ -z "$out" ] || diag "$out"
done
like "$(cat "$T_TMP/out")" "systemctl --user daemon-reload && systemctl --user enable pgadmin-to-pg.service" \
	"cross: prints the systemctl commands"
gen_case "$(newdir print-direct)" direct --bindir /opt/bro/bin
like "$(tr '\n' ' ' <"$T_TMP/out")" "podman create --name pg --network=none -v /opt/bro/lib/bro/libbro-sockact.so:/run/bro-sockact.so:ro .* -e LD_PRELOAD=/run/bro-sockact.so -e BRO_SOCKACT_READY=notify IMAGE" \
	"direct: prints the podman create flags the container needs (the shim beside --bindir)"
gen_case "$(newdir print)" ondemand
like "$(cat "$T_TMP/out")" "^wrote $T_TMP/print/pg.socket" "prints what it wrote"
like "$(cat "$T_TMP/out")" "systemctl --user daemon-reload && systemctl --user enable --now pg.socket" \
	"prints the systemctl --user commands"

# --- systemd-analyze verify, with the installed binaries
verify() {		# verify FILES...: as the test user; output must be empty
	local out st
	out=$(as_user systemd-analyze --user verify --man=no "$@" 2>&1); st=$?
	[ -z "$out" ] || diag "$out"
	[ $st = 0 ] && [ -z "$out" ]
}
v=$(newdir verify-ondemand)
gen_case "$v" ondemand --bindir "$BRO_BIN"
verify "$v/pg.socket" "$v/pg.service" "$v/pg-container.service"
ok $? "ondemand: systemd-analyze --user verify passes, no warnings"
v=$(newdir verify-quadlet)
gen_case "$v" quadlet --bindir "$BRO_BIN"
# what Quadlet would generate from pg.container (podman 4.3 has no Quadlet)
printf '[Service]\nExecStart=/usr/bin/podman run --rm --name systemd-pg --network=none localhost/bro-pg\n' >"$v/pg.service"
chmod 644 "$v/pg.service"
verify "$v/pg-proxy.socket" "$v/pg-proxy.service" "$v/pg.service"
ok $? "quadlet: verify passes, with the drop-in loaded"
v=$(newdir verify-cross)
gen_case "$v" cross --bindir "$BRO_BIN"
gen "$v" --container pg --listen %t/bro/pg.sock --target 127.0.0.1:5432 --bindir "$BRO_BIN"
verify "$v"/*.socket "$v"/*.service
ok $? "cross: verify passes, with A's units beside B's"
# verify checks ExecStart's first word (/bin/sh); the binaries sh execs:
helper=$(sed -n 's|.*exec \([^ ]*/bro-helper\) .*|\1|p' "$v/pg.service")
as_user test -x "$helper"
ok $? "the bro-helper the unit execs exists: $helper"
proxy=$(sed -n 's|.* -- \([^ ]*/bro-proxyd\) .*|\1|p' "$v/pg.service")
if [ -e "$BRO_BIN/bro-proxyd" ]; then
	as_user test -x "$proxy"; ok $? "the bro-proxyd the unit execs exists: $proxy"
else
	ok 0 "the bro-proxyd the unit execs exists # SKIP bro-proxyd not installed yet (issue 3)"
fi
v=$(newdir verify-direct)
gen_case "$v" direct --bindir "$BRO_BIN"
verify "$v/pg.socket" "$v/pg.service" "$v/pg-idle.service"
ok $? "direct: verify passes, no warnings"
watcher=$(sed -n 's|^ExecStart=\([^ ]*/bro-idlewatch\) .*|\1|p' "$v/pg-idle.service")
as_user test -x "$watcher"
ok $? "the bro-idlewatch the idle unit runs exists: $watcher"
v=$(newdir verify-direct-quadlet)
gen_case "$v" direct-quadlet --bindir "$BRO_BIN"
# what Quadlet would generate from pg.container, with the shim
printf '[Service]\nExecStart=/usr/bin/podman run --rm --name systemd-pg --network=none -v /usr/local/lib/bro/libbro-sockact.so:/run/bro-sockact.so:ro -e LD_PRELOAD=/run/bro-sockact.so -e BRO_SOCKACT_READY=notify localhost/bro-pg\n' >"$v/pg.service"
chmod 644 "$v/pg.service"
verify "$v/pg.socket" "$v/pg-idle.service" "$v/pg.service"
ok $? "direct-quadlet: verify passes, with the drop-in loaded"
v=$(newdir verify-cross2)
gen "$v" --container pg --listen %t/bro/pg.sock --target 127.0.0.1:5432 --bindir "$BRO_BIN"
podman=$(sed -n 's|^ExecStart=\([^ ]*\) start .*|\1|p' "$v/pg-container.service")
as_user test -x "$podman"
ok $? "podman exists: $podman"

# --- rerunning over its own files, and --dry-run
r=$(newdir rerun)
gen_case "$r" ondemand
gen_case "$r" ondemand
ok $? "rerun over its own files succeeds"
is "$(grep -c '^unchanged ' "$T_TMP/out")" 3 "  and reports the three files unchanged"
gen "$r" --container pg --listen 5432 --listen %t/bro/pg.sock \
	--target 127.0.0.1:5432 --idle 7min --connect-timeout 20s
ok $? "rerun with another --idle overwrites its own files"
grep -q -- '--exit-idle-time=7min' "$r/pg.service"
ok $? "  with the new value"
d=$(newdir dry)
gen_case "$d" ondemand --dry-run
ok $? "--dry-run succeeds"
is "$(ls -A "$d")" "" "  and writes nothing"
like "$(cat "$T_TMP/out")" "^--- $d/pg.service" "  but prints the files"

# --- bad input: one clear line, a non-zero exit, nothing written
bad() {		# bad DESCRIPTION REGEX ARGS...
	local what=$1 re=$2; shift 2
	local d; d=$(newdir "bad.$RANDOM")
	local before; before=$(snapshot "$d")
	gen "$d" "$@"; local st=$?
	local err; err=$(cat "$T_TMP/err")
	ok $(( st == 0 )) "$what: exit status $st"
	if [ "$(printf '%s\n' "$err" | wc -l)" = 1 ] && printf '%s' "$err" | grep -Eq -- "$re"; then
		ok 0 "  one line naming the problem: $err"
	else
		ok 1 "  one line naming the problem"; diag "got: $err"
	fi
	is "$(snapshot "$d")" "$before" "  nothing written"
}
bad "port 0" "--listen '0': port out of range" \
	--container pg --listen 0 --target 127.0.0.1:5432
bad "port 70000" "--target '127.0.0.1:70000': port out of range" \
	--container pg --listen 5432 --target 127.0.0.1:70000
bad "empty container name" "--container '': empty name" \
	--container "" --listen 5432 --target 127.0.0.1:5432
bad "malformed container name" "--container 'pg/x': only letters, digits" \
	--container pg/x --listen 5432 --target 127.0.0.1:5432
bad "--direct with --target" "--direct takes no --target" \
	--direct --container pg --listen 5432 --target 127.0.0.1:5432
bad "--direct with a unix listener" "--listen '%t/pg.sock': --direct needs \[ADDR:\]PORT" \
	--direct --container pg --listen %t/pg.sock

# a foreign file in the way: nothing else written, the file untouched
d=$(newdir foreign)
printf '[Service]\nExecStart=/bin/true\n' >"$d/pg.service"
chown "$BRO_TEST_USER" "$d/pg.service"
before=$(snapshot "$d")
gen_case "$d" ondemand
is $? 73 "a foreign pg.service in the way: exit 73"
like "$(cat "$T_TMP/err")" "^bro-unit: check\($d/pg.service\): exists and was not written by bro-unit \(" \
	"  one line naming the file"
is "$(snapshot "$d")" "$before" "  nothing written, the file untouched"

done_testing
