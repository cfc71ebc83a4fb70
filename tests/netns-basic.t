#!/bin/bash
# bro-netns as an unprivileged user: create, exec, list, destroy through a
# SOCKS5 proxy (microsocks) with fake DNS. exec runs with no capability;
# names are CONNECTed by name at the proxy; A gets a 198.18/15 address,
# AAAA and other types NOERROR/NODATA, never silence; destroy leaves no
# process, file or namespace, also after the relay was SIGKILLed; exec
# refuses anything that is not a namespace bro-netns made for this user.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/netns-lib.sh"
require unshare runuser ip nft microsocks curl python3
P=$BRO_TOOLS/probe

peer_start
socks_start
ns_create --name basic --proxy "socks5://127.0.0.1:$SOCKS_PORT" ||
	{ echo "Bail out! create failed"; exit 1; }
is "$NS_NAME" basic "create prints the name"
like "$NS_PATH" '^/proc/[0-9]+/fd/[0-9]+$' "  and the namespace's path: $NS_PATH"
st=$(stat -c '%a %U' "$T_RUNTIME/bro/netns")
is "$st" "700 $BRO_TEST_USER" "state lives in \$XDG_RUNTIME_DIR/bro/netns, 0700"
ino=$(stat -L -c %i "$NS_PATH")

out=$(inside "$P" 2>&1)
is "$(kv "$out" CapEff)" 0000000000000000 "exec: no effective capability"
is "$(kv "$out" CapPrm)" 0000000000000000 "exec: no permitted capability"
is "$(kv "$out" CapBnd)" 0000000000000000 "exec: empty bounding set"
is "$(kv "$out" NoNewPrivs)" 1 "exec: no_new_privs"
is "$(kv "$out" netns)" "$ino" "exec: in the namespace create made"
is "$(kv "$out" uid)" "$T_UID" "exec: as the user's own UID"
out=$(inside nft flush ruleset 2>&1); st=$?
ok $((st == 0)) "exec: the rules cannot be changed from inside ($out)"
out=$(inside ip route del default 2>&1); st=$?
ok $((st == 0)) "exec: nor the routes"
out=$(inside ip -o addr show 2>&1 | awk '{print $2}' | sort -u | tr '\n' ' ')
is "$out" "lo " "the namespace has no interface but lo"

# egress through the proxy, by name
out=$(inside curl -sS -m 5 "http://$WEB_NAME/" 2>&1)
is "$out" "hello-bro from $HOST_IP" "curl by name reaches the web server, from the proxy's side"
like "$(cat "$T_TMP/socks.log")" "connected to $WEB_NAME:80" \
	"  the proxy was asked for the name (resolved at the proxy)"
out=$(inside curl -sS -m 5 "http://$PEER_IP/" 2>&1)
is "$out" "hello-bro from $HOST_IP" "curl to a literal IP goes through the proxy too"
like "$(cat "$T_TMP/socks.log")" "connected to $PEER_IP:80" "  the proxy log shows it"

# fake DNS
out=$(inside getent ahostsv4 "$WEB_NAME" | head -1)
like "$out" '^198\.(18|19)\.[0-9]+\.[0-9]+ ' "A: a fake address from 198.18.0.0/15 ($out)"
out=$(inside python3 "$PEERS" dnsq 192.0.2.53 "$WEB_NAME" AAAA 2>&1)
is "$out" "id=16962 rcode=0 an=0" "AAAA: NOERROR with no data (answered, not dropped)"
out=$(inside python3 "$PEERS" dnsq 192.0.2.53 "$WEB_NAME" HTTPS 2>&1)
is "$out" "id=16962 rcode=0 an=0" "HTTPS: NOERROR with no data"
out=$(inside python3 "$PEERS" dnsq 192.0.2.53 "$WEB_NAME" A tcp 2>&1)
like "$out" '^id=16962 rcode=0 an=1 198\.1[89]\.' "DNS over TCP answered too: $out"
out=$(inside python3 "$PEERS" dnsq 127.0.0.53 "$WEB_NAME" A 2>&1)
like "$out" 'rcode=0 an=1 198\.1[89]\.' "a stub resolver address on loopback is answered as well"

out=$(bn list 2>&1)
like "$out" "^basic +$RELAY_PID +running +socks5://127.0.0.1:$SOCKS_PORT +[1-9]" \
	"list: name, pid, state, proxy, connections"
# the relay runs SCHED_BATCH (its wakeups do not preempt the writer), all
# of its threads; --sched normal keeps SCHED_OTHER (below, "killed")
pol() { for t in /proc/"$1"/task/*; do awk '{print $41}' "$t/stat"; done | sort -u | tr '\n' ' '; }
is "$(pol "$RELAY_PID")" "3 " "the relay's threads run SCHED_BATCH by default"

# exec refuses what bro-netns did not make for this user
out=$(as_user "$N" exec nosuch -- true 2>&1); st=$?
ok $((st == 0)) "exec of an unknown name fails"
like "$out" "nosuch: no such namespace" "  says: $out"
ud=$(user_dir)
evil=$T_RUNTIME/bro/netns/evil
as_user mkdir -m 0700 "$evil"
cleanup_add "rm -rf $evil"
for f in /proc/self/ns/net /proc/self/ns/user; do
	as_user sh -c "echo \$\$ > $ud/fake.pid; exec python3 $PEERS fakectl $evil/ctl $f" &
	wait_for 5 test -S "$evil/ctl"
	fpid=$(cat "$ud/fake.pid")
	cleanup_add "kill $fpid"
	out=$(as_user "$N" exec evil -- touch "$T_TMP/ran" 2>&1); st=$?
	is "$st" 77 "exec refuses a foreign $f handed out by a fake relay"
	like "$out" "refused: (the network namespace is not in a user namespace created by uid $T_UID|not a network namespace)" \
		"  says: $out"
	kill "$fpid"; wait_for 5 sh -c "! kill -0 $fpid"; rm -f "$evil/ctl" "$ud/fake.pid"
done
ok "$([ -e "$T_TMP/ran" ] && echo 1 || echo 0)" "  the command never ran"
out=$($N create --name rootns --proxy "socks5://127.0.0.1:$SOCKS_PORT" 2>&1)
cleanup_add "$N destroy rootns"
like "$out" "^rootns /proc/" "root can create one too (in /run/bro/netns)"
out=$(as_user "$N" exec rootns -- true 2>&1); st=$?
like "$st:$out" "^1:.*rootns: no such namespace" "root's namespace is not the user's: $out"
$N destroy rootns

out=$(grep -hE "Sanitizer|runtime error" "$T_RUNTIME"/bro/netns/*/log 2>/dev/null)
is "$out" "" "the relay's log has no sanitizer report"

# destroy: no process, file or namespace left, not even what exec started
ud=$(user_dir)
as_user sh -c "echo \$\$ > $ud/inside.pid; exec $N exec basic -- sleep 600" </dev/null >/dev/null 2>&1 &
wait_for 5 test -s "$ud/inside.pid"
inpid=$(cat "$ud/inside.pid")
cleanup_add "kill $inpid"
wait_for 5 in_netns "$inpid" "$ino"
ok $? "a process started with exec runs inside"
fam=$(relay_family)
bn destroy basic; st=$?
is "$st" 0 "destroy succeeds"
ok "$([ -e "$T_RUNTIME/bro/netns/basic" ] && echo 1 || echo 0)" "  the state directory is gone"
wait_for 5 none_alive $fam
ok $? "  no bro-netns process of it is left (relay and builder: $fam)"
wait_for 5 sh -c "! kill -0 $inpid"
ok $? "  the process started inside is gone too"
left=$(find /proc/[0-9]*/ns/net -maxdepth 0 -printf '%l\n' 2>/dev/null | grep -c "net:\[$ino\]")
is "$left" 0 "  no process is in the namespace any more"

# the relay SIGKILLed: the namespace goes with it, destroy cleans up
out=$(bn create --name badsched --sched fifo --proxy "socks5://127.0.0.1:$SOCKS_PORT" 2>&1); st=$?
like "$st:$out" "^64:bro-netns: --sched fifo: batch or normal expected \(see bro-netns --help\)$" "--sched fifo: refused, one line"
ns_create --name killed --sched normal --proxy "socks5://127.0.0.1:$SOCKS_PORT"
is "$(pol "$RELAY_PID")" "0 " "--sched normal: SCHED_OTHER"
ino=$(stat -L -c %i "$NS_PATH")
as_user sh -c "echo \$\$ > $ud/inside2.pid; exec $N exec killed -- sleep 600" </dev/null >/dev/null 2>&1 &
wait_for 5 test -s "$ud/inside2.pid"
inpid=$(cat "$ud/inside2.pid")
cleanup_add "kill $inpid"
wait_for 5 in_netns "$inpid" "$ino"
fam=$(relay_family)
kill -KILL "$RELAY_PID"
wait_for 5 none_alive $fam
ok $? "SIGKILL of the relay: its namespace builder dies with it"
like "$(bn list)" "killed +- +dead" "  list shows it dead"
bn destroy killed; st=$?
is "$st" 0 "  destroy after SIGKILL succeeds"
wait_for 5 sh -c "! kill -0 $inpid"
ok $? "  and ends what exec started inside"
wait_for 5 sh -c "! find /proc/[0-9]*/ns/net -maxdepth 0 -printf '%l\n' 2>/dev/null | grep -q 'net:\[$ino\]'"
ok $? "  nothing holds the namespace any more"
ok "$([ -e "$T_RUNTIME/bro/netns/killed" ] && echo 1 || echo 0)" "  and leaves no file"
done_testing
