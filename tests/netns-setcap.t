#!/bin/bash
# The setcap path: where a user cannot create user namespaces, bro-netns
# installed with cap_net_admin,cap_sys_admin+ep makes the namespace in the
# user's own user namespace. The test makes such a place without touching
# the host's sysctls: a user namespace mapping root and the test user, with
# user.max_user_namespaces=0 in it (the limit holds for everything inside);
# the test user runs there. exec checks the tag only a CAP_NET_ADMIN holder
# could have written, and refuses a namespace without it.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/netns-lib.sh"
require unshare runuser nsenter ip setcap microsocks curl python3

peer_start
socks_start
install -d -m 0755 "$T_TMP/bin"
cp "$N" "$T_TMP/bin/bro-netns"
setcap cap_net_admin,cap_sys_admin+ep "$T_TMP/bin/bro-netns" ||
	{ echo "Bail out! setcap failed"; exit 1; }
C=$T_TMP/bin/bro-netns

nouserns_start
# in_x CMD...: CMD as the test user inside that user namespace
in_x() { in_nouserns "$T_UID" "$@"; }
out=$(in_x unshare -U true 2>&1); st=$?
ok $((st == 0)) "the test user cannot create a user namespace there ($out)"
out=$(in_x "$N" create --name nocap --proxy "socks5://127.0.0.1:$SOCKS_PORT" 2>&1); st=$?
ok $((st == 0)) "without capabilities bro-netns cannot either"
like "$out" "unshare\(CLONE_NEWUSER\).*(fallback: install bro-netns with setcap cap_net_admin,cap_sys_admin\+ep)" \
	"  and says what is missing and the fallback"

out=$(in_x "$C" create --name capudp --proxy "socks5://127.0.0.1:$SOCKS_PORT" --udp 2>&1); st=$?
ok $((st == 0)) "with the file capabilities, --udp is refused at create"
like "$out" "^bro-netns: --udp: setsockopt\(IP_TRANSPARENT\) in the namespace: Operation not permitted \(UDP through the proxy needs" \
	"  and says why ($(printf '%s' "$out" | head -1))"
ok "$(in_x "$C" list | grep -q capudp && echo 1 || echo 0)" "  nothing is left of it"
out=$(in_x "$C" create --name capped --proxy "socks5://127.0.0.1:$SOCKS_PORT" 2>&1); st=$?
is "$st" 0 "with the file capabilities it can ($out)"
cleanup_add "nsenter --user --target $X --setuid $T_UID --setgid $T_UID env XDG_RUNTIME_DIR=$T_RUNTIME $C destroy capped"
relay=$(echo "$out" | cut -d/ -f3)
is "$(grep -E '^CapPrm' /proc/$relay/status | awk '{print $2}')" 0000000000000000 \
	"  the relay keeps no capability"
owner_x=$(readlink "/proc/$X/ns/user")
relay_fd=$(echo "$out" | cut -d' ' -f2)
ns_owner=$(python3 -c '
import fcntl, os, sys
fd = os.open(sys.argv[1], os.O_RDONLY)
u = fcntl.ioctl(fd, 0xb701)   # NS_GET_USERNS
print(os.readlink("/proc/self/fd/%d" % u))' "$relay_fd")
is "$ns_owner" "$owner_x" "  the namespace belongs to the user's own user namespace"

out=$(in_x "$C" exec capped -- "$BRO_TOOLS/probe" 2>&1)
is "$(kv "$out" CapEff)" 0000000000000000 "exec: no effective capability"
is "$(kv "$out" CapPrm)" 0000000000000000 "exec: no permitted capability"
is "$(kv "$out" NoNewPrivs)" 1 "exec: no_new_privs"
is "$(kv "$out" netns)" "$(stat -L -c %i "$relay_fd")" "exec: in that namespace"
out=$(in_x "$C" exec capped -- curl -sS -m 5 "http://$WEB_NAME/" 2>&1)
is "$out" "hello-bro from $HOST_IP" "curl by name goes through the proxy"
out=$(in_x "$C" exec capped -- nft flush ruleset 2>&1); st=$?
ok $((st == 0)) "the rules cannot be changed from inside"
all0=$(peer_count all)
out=$(in_x "$C" exec capped -- curl -sS -m 5 "http://$PEER_IP:81/" 2>&1)
in_x "$C" exec capped -- python3 -c '
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
try: s.sendto(b"x", ("'"$PEER_IP"'", 123))
except OSError: pass' 2>/dev/null
sleep 0.5
udp=$(peer_count udp)
is "$udp" 0 "UDP to the test host never arrives"

# a namespace bro-netns did not make, that the capabilities would let us
# enter (made by root in the same user namespace), handed out by a fake
# relay: refused, on the missing tag
nsenter --user --target "$X" unshare -n sh -c "echo \$\$ > $T_TMP/other.pid; exec sleep 600" &
wait_for 5 test -s "$T_TMP/other.pid"
other=$(cat "$T_TMP/other.pid")
cleanup_add "kill $other"
wait_for 5 netns_differs "$other"
ud=$(user_dir)
evil=$T_RUNTIME/bro/netns/evil
as_user mkdir -m 0700 "$evil"
cleanup_add "rm -rf $evil"
nsenter --user --target "$X" sh -c "echo \$\$ > $ud/fake.pid; exec python3 $PEERS fakectl $evil/ctl /proc/$other/ns/net $T_UID" &
wait_for 5 test -S "$evil/ctl"
cleanup_add "kill $(cat "$ud/fake.pid")"
out=$(in_x "$C" exec evil -- touch "$ud/ran" 2>&1); st=$?
is "$st" 77 "exec refuses an untagged namespace it could enter, handed out by a fake relay"
like "$out" "refused: the network namespace is not one bro-netns made for uid $T_UID" "  says: $out"
ok "$([ -e "$ud/ran" ] && echo 1 || echo 0)" "  the command never ran"

# the same namespace with a table inet bro whose *rule* (and chain, and a
# second table's) comment carries the tag, but whose own comment does not:
# the table's comment is compared exactly, not the tag found anywhere in
# the listing
in_other() { nsenter --user --target "$X" --net="/proc/$other/ns/net" "$@"; }
in_other nft -f - <<NFT
table inet bro {
	comment "not bro-netns uid=$T_UID"
	chain c {
		comment "bro-netns uid=$T_UID"
		counter comment "bro-netns uid=$T_UID"
	}
}
table ip bro {
	comment "bro-netns uid=$T_UID"
}
NFT
ok $? "  (a table inet bro with the tag only in a rule's and a chain's comment, and table ip bro with it)"
out=$(in_x "$C" exec evil -- touch "$ud/ran" 2>&1); st=$?
is "$st" 77 "exec refuses a namespace whose table has the tag in a rule comment only"
like "$out" "refused: the network namespace is not one bro-netns made for uid $T_UID" "  says: $out"
ok "$([ -e "$ud/ran" ] && echo 1 || echo 0)" "  the command never ran"
in_other nft flush ruleset
in_other nft add table inet bro "{ comment \"bro-netns uid=$T_UID$T_UID\"; }"
out=$(in_x "$C" exec evil -- touch "$ud/ran" 2>&1); st=$?
is "$st" 77 "  and one whose table comment only starts with the tag ($out)"
in_other nft flush ruleset
in_other nft add table inet bro "{ comment \"bro-netns uid=$T_UID\"; }"
out=$(in_x "$C" exec evil -- "$BRO_TOOLS/probe" 2>&1); st=$?
is "$st:$(kv "$out" CapEff)" "0:0000000000000000" \
	"  (control: with the exact table comment, which only root there could write, it is entered)"

out=$(in_x "$C" list 2>&1)
like "$out" "capped +$relay +running" "list"
in_x "$C" destroy capped; st=$?
is "$st" 0 "destroy"
wait_for 5 sh -c "! kill -0 $relay"
ok $? "  the relay is gone"
ok "$([ -e "$T_RUNTIME/bro/netns/capped" ] && echo 1 || echo 0)" "  so is its state"

# the same setcap'd binary where user namespaces work: the rootless path (a
# non-dumpable process could not write its own uid_map)
out=$(as_user "$C" create --name capuserns --proxy "socks5://127.0.0.1:$SOCKS_PORT" 2>&1); st=$?
is "$st" 0 "setcap'd, where user namespaces work: create ($out)"
cleanup_add "as_user $C destroy capuserns"
path=${out#* }
is "$(as_user stat -L -c %i "$path" 2>&1)" "$(stat -L -c %i "$path")" "  the path it prints opens for the user"
out=$(as_user "$C" exec capuserns -- "$BRO_TOOLS/probe" 2>&1)
is "$(kv "$out" netns)" "$(stat -L -c %i "$path")" "  exec: in that namespace"
is "$(kv "$out" CapEff)$(kv "$out" CapPrm)$(kv "$out" CapBnd)" \
	000000000000000000000000000000000000000000000000 "  exec: no capability, empty bounding set"
out=$(as_user "$C" exec capuserns -- curl -sS -m 5 "http://$WEB_NAME/" 2>&1)
is "$out" "hello-bro from $HOST_IP" "  curl by name goes through the proxy"
as_user "$C" destroy capuserns
is "$?" 0 "  destroy"
done_testing
