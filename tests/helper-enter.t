#!/bin/bash
# bro-helper enters a network namespace the test user made, and the command
# it execs holds no capability, has no_new_privs, and only fds 0-2 plus the
# socket-activation fds.
. "$(dirname "$0")/lib.sh"
require unshare runuser
H=$BRO_BIN/bro-helper
P=$BRO_TOOLS/probe
NOCAP=$T_TMP/bro-helper-nocap
cp "$H" "$NOCAP"		# a copy carries no file capability
chmod 0755 "$NOCAP"

like "$(getcap "$H")" "cap_sys_admin[=+]ep" "installed bro-helper carries cap_sys_admin+ep"
is "$(getcap "$NOCAP")" "" "the copy carries none"

user_netns_start
pid=$NS_PID
want=$(ns_inode "$pid")

# --- the setcap path, --pid ---
out=$(as_user "$H" --pid "$pid" -- "$P" 2>&1); st=$?
is "$st" 0 "--pid: exit 0"
is "$(kv "$out" netns)" "$want" "--pid: command runs in the target netns"
for c in CapInh CapPrm CapEff CapAmb; do
	is "$(kv "$out" $c)" 0000000000000000 "--pid: $c is zero"
done
is "$(kv "$out" NoNewPrivs)" 1 "--pid: NoNewPrivs is 1"
is "$(kv "$out" fds)" "0,1,2" "--pid: only fds 0-2 are open"
is "$(kv "$out" uid)" 0 "--pid: the command runs under the caller's mapping in the namespace's user namespace (uid 0 there)"
is "$(kv "$out" CapBnd)" 0000000000000000 "--pid: CapBnd is zero (entered through the user namespace, setcap or not)"
is "$(kv "$out" LISTEN_PID)" "-" "--pid: no LISTEN_PID invented without LISTEN_FDS"

# --- --netns-path, --allow-new-privs ---
out=$(as_user "$H" --allow-new-privs --netns-path "/proc/$pid/ns/net" -- "$P" 2>&1)
is "$(kv "$out" netns)" "$want" "--netns-path /proc/PID/ns/net: enters"
is "$(kv "$out" NoNewPrivs)" 0 "--allow-new-privs: NoNewPrivs stays 0"
is "$(kv "$out" CapPrm)" 0000000000000000 "--allow-new-privs: still no capability"

# --- socket-activation fds kept, others closed, LISTEN_PID rewritten ---
out=$(as_user sh -c "exec 7</dev/null 8</dev/null 3</dev/null 4</dev/null; \
	LISTEN_FDS=2 LISTEN_FDNAMES=a:b LISTEN_PID=\$\$ exec $H --pid $pid -- $P" 2>&1)
is "$(kv "$out" fds)" "0,1,2,3,4" "LISTEN_FDS=2: fds 3 and 4 kept, 7 and 8 closed"
is "$(kv "$out" LISTEN_FDS)" 2 "LISTEN_FDS kept"
is "$(kv "$out" LISTEN_FDNAMES)" "a:b" "LISTEN_FDNAMES kept"
is "$(kv "$out" LISTEN_PID)" "$(kv "$out" pid)" "LISTEN_PID is the command's own PID"
out=$(as_user sh -c "exec 3</dev/null; LISTEN_FDS=1 exec $H --pid $pid -- $P" 2>&1)
is "$(kv "$out" LISTEN_PID)" "$(kv "$out" pid)" "LISTEN_FDS without LISTEN_PID: LISTEN_PID set to ours"
out=$(as_user sh -c "exec 3</dev/null; LISTEN_FDS=1 LISTEN_PID=1 exec $H --pid $pid -- $P" 2>&1)
like "$out" "LISTEN_PID=1 is not this process" "LISTEN_PID of another process: warned"
is "$(kv "$out" fds)" "0,1,2" "  and its fds are not passed on"
is "$(kv "$out" LISTEN_FDS)" "-" "  nor LISTEN_FDS"

# --- a netns owned by a nested user namespace the user made ---
d=$(user_dir)
as_user sh -c "unshare -Ur unshare -Urn sleep 600 </dev/null >/dev/null 2>&1 & echo \$! > $d/pid"
npid=$(cat "$d/pid"); cleanup_add "kill $npid"
wait_for 5 netns_differs "$npid" "$pid"
out=$(as_user "$H" --pid "$npid" -- "$P" 2>&1)
is "$(kv "$out" netns)" "$(ns_inode "$npid")" "nested user namespaces: enters the inner netns"

# --- without the file capability: via the user namespace ---
out=$(as_user "$NOCAP" --pid "$pid" -- "$P" 2>&1); st=$?
is "$st" 0 "no setcap, --userns=auto: exit 0"
is "$(kv "$out" netns)" "$want" "no setcap, --userns=auto: enters via the user namespace"
for c in CapInh CapPrm CapEff CapAmb CapBnd; do
	is "$(kv "$out" $c)" 0000000000000000 "no setcap: $c is zero (root in the userns gets nothing)"
done
is "$(kv "$out" NoNewPrivs)" 1 "no setcap: NoNewPrivs is 1"
out=$(as_user "$NOCAP" --allow-new-privs --pid "$pid" -- sh -c 'exec '"$P" 2>&1)
is "$(kv "$out" CapEff)" 0000000000000000 "no setcap, --allow-new-privs: root in the userns regains nothing across exec (SECBIT_NOROOT)"
out=$(as_user "$NOCAP" --userns=never --pid "$pid" -- "$P" 2>&1); st=$?
is "$st" 77 "no setcap, --userns=never: exit 77"
like "$out" "--userns=never: refused for a namespace you own" "  and says why"
out=$(as_user "$H" --userns=never --pid "$pid" -- "$P" 2>&1); st=$?
is "$st" 77 "setcap, --userns=never into a namespace the user owns: refused (exit 77)"
like "$out" "the command would keep every capability over it" "  and says why"
out=$(as_user "$H" --userns=always --pid "$pid" -- "$P" 2>&1)
is "$(kv "$out" netns)" "$want" "setcap, --userns=always: enters via the user namespace"
is "$(kv "$out" CapBnd)" 0000000000000000 "  with an empty bounding set"

# --- the command has no power over the namespace it entered ---
# A process outside a user namespace whose euid created it holds every
# capability inside (the owner rule): entered directly, these would work.
want_fail() {		# want_fail DESCRIPTION CMD...: CMD, run through H, fails
	local desc=$1 out st; shift
	out=$(as_user "$H" --pid "$pid" -- "$@" 2>&1); st=$?
	ok "$([ $st -ne 0 ] && echo 0 || echo 1)" "setcap: $desc is refused (exit $st)"
	like "$out" "Operation not permitted|Permission denied" "  with EPERM: $out"
}
want_fail "ip link set lo mtu 1280" ip link set lo mtu 1280
want_fail "nft add table" nft add table inet bro_test_owner
want_fail "an AF_PACKET socket" python3 -c 'import socket; socket.socket(socket.AF_PACKET, socket.SOCK_RAW)'
is "$(nsenter -t "$pid" -n ip -o link show lo | grep -o 'mtu [0-9]*')" "mtu 65536" "  lo's mtu is unchanged"
ok "$(nsenter -t "$pid" -n nft list tables | grep -q bro_test_owner && echo 1 || echo 0)" "  no table was added"

# --- a set-user-ID root program gains nothing, even with --allow-new-privs ---
SUID=$T_TMP/probe-suid
cp "$P" "$SUID" && chown root:root "$SUID" && chmod 4755 "$SUID"
out=$(as_user "$SUID")
like "$(kv "$out" CapEff)" "[1-9a-f]" "control: the set-user-ID copy of probe gets root's capabilities on the host"
out=$(as_user "$H" --allow-new-privs --pid "$pid" -- "$SUID" 2>&1)
is "$(kv "$out" netns)" "$want" "setcap, --allow-new-privs: the set-user-ID program runs in the target netns"
is "$(kv "$out" CapEff)$(kv "$out" CapPrm)" 00000000000000000000000000000000 \
	"  with no capability (root is not mapped in the user's namespace: no set-user-ID)"

# --- exec failures as env(1) ---
out=$(as_user "$H" --pid "$pid" -- /nonexistent/cmd 2>&1); st=$?
is "$st" 127 "command not found: exit 127"
like "$out" "execvp\(/nonexistent/cmd\): No such file" "  named"
out=$(as_user "$H" --pid "$pid" -- /etc/passwd 2>&1); st=$?
is "$st" 126 "command not executable: exit 126"
done_testing
