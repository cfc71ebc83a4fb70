#!/bin/bash
# bro-run --egress: the sandbox's network is a transient bro-netns
# namespace. A client that ignores proxy variables (curl --noproxy '*')
# reaches the test host only through the SOCKS5 server (its log names each
# destination); DNS is answered by the capture (fake addresses); a literal
# address not on the --egress-allow list and a name not on it are reset and
# never reach the proxy; UDP to the test host never arrives; --report
# lists each connection with its verdict and counts them. The namespace is
# gone when bro-run returns: after a normal exit, a SIGTERM to bro-run, the
# command killed, a failed set-up. Bad URLs and options: one line, nothing
# made.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/netns-lib.sh"
require unshare runuser setpriv ip nft microsocks curl python3 pgrep
R=$BRO_BIN/bro-run
d=$(user_dir)
ur() { as_user "$R" "$@"; }
BASE=(--ro-bind / / --dev /dev --proc /proc --bind "$d" "$d")
NSDIR=$T_RUNTIME/bro/netns
# ours: bro-run-PID-RAND namespaces of this test's bro-run processes only
# (other tests may run bro-run --egress at the same time)
ours() { ls "$NSDIR" 2>/dev/null | grep -c "^bro-run-" ; }

peer_start
printf '%s %s\n' "$PEER_IP" "denied.bro-test.invalid" >> "$T_TMP/hosts"
socks_start
PROXY=socks5://127.0.0.1:$SOCKS_PORT

# --- bad input: one line, exit 1, nothing made ---
before=$(ours)
for bad in "--egress ftp://127.0.0.1:1" "--egress socks5://127.0.0.1" \
	   "--egress socks5://u:pw@127.0.0.1:1080" "--egress socks5://127.0.0.1:99999" \
	   "--egress http://[::1:1080" "--egress-allow x.invalid" \
	   "--report $d/r.json --no-userns" "--egress $PROXY --egress $PROXY" \
	   "--egress $PROXY --egress-allow -x" "--egress $PROXY --no-userns"; do
	out=$(ur $bad "${BASE[@]}" true 2>&1); st=$?
	is "$st:$(printf '%s\n' "$out" | wc -l)" "1:1" "$bad: exit 1, one line"
	like "$out" "^bro-run: --(egress|report|no-userns)" "  $out"
done
# a pattern bro-netns refuses: its line, then ours; nothing left
out=$(ur --egress "$PROXY" --egress-allow 'ex*.invalid' "${BASE[@]}" true 2>&1); st=$?
is "$st:$(printf '%s\n' "$out" | wc -l)" "1:2" "a pattern bro-netns refuses: exit 1, its line and ours"
like "$out" "bro-netns: --allow.*"$'\n'"bro-run: --egress: bro-netns create failed" "  $(echo $out)"
is "$(ours)" "$before" "  no namespace was made by any of them"

# --- the egress: only through the proxy, with a policy ---
out=$(curl -sS -m 5 --noproxy '*' "http://$PEER_IP/" 2>&1)
is "$out" "hello-bro from $HOST_IP" "the test host is reachable directly from the host (a way around exists)"
: > "$T_TMP/socks.log"
udp0=$(peer_count udp)
out=$(ur --egress "$PROXY" --egress-allow "$WEB_NAME" --report "$d/r.json" \
	--seccomp-hardening --unshare-all "${BASE[@]}" sh -c '
	echo "pid=$$"
	curl -sS -m 10 --noproxy "*" "http://$1/" 2>&1
	curl -sS -m 10 --noproxy "*" "http://$2/" >/dev/null 2>&1; echo "literal=$?"
	curl -sS -m 10 --noproxy "*" "http://denied.bro-test.invalid/" >/dev/null 2>&1; echo "denied=$?"
	getent ahostsv4 "$1" | head -1
	python3 -c "import socket,sys; s=socket.socket(socket.AF_INET,socket.SOCK_DGRAM); s.sendto(b\"x\",(sys.argv[1],9))" "$2" 2>&1 | tail -1
	python3 -c "import ctypes; print(\"ptrace\", ctypes.CDLL(None).ptrace(16, 999999, 0, 0))"
	exit 3' sh "$WEB_NAME" "$PEER_IP" 2>&1); st=$?
is "$st" 3 "the command's exit status passes through"
like "$out" "hello-bro from $HOST_IP" "curl --noproxy '*' by name reaches the test host, from the proxy's side"
like "$(cat "$T_TMP/socks.log")" "connected to $WEB_NAME:80" "  through the SOCKS5 server (its log)"
like "$out" "literal=(7|55|56)" "a literal address not allowed: refused"
like "$out" "denied=(7|55|56)" "a name not allowed: refused"
out2=$(cat "$T_TMP/socks.log")
ok "$(printf '%s' "$out2" | grep -cE "$PEER_IP|denied\.bro" | grep -qx 0; echo $?)" \
	"  neither reached the proxy"
dns=$(printf '%s\n' "$out" | grep -E " +$WEB_NAME\$")
like "$dns" "^198\.1[89]\.[0-9]+\.[0-9]+ +(STREAM +)?$WEB_NAME\$" "DNS answered by the capture (a fake address: $dns)"
is "$(peer_count udp)" "$udp0" "a UDP datagram to the test host never arrived"
is "$(ls "$NSDIR" | grep -c "^bro-run-")" "$before" "the namespace is gone when bro-run returns"

# --report
rep=$(python3 - "$d/r.json" "$WEB_NAME" "$PEER_IP" <<-'PY'
	import json, sys
	r = json.load(open(sys.argv[1]))
	e = r["egress"]
	v = sorted("%s:%s:%s" % (c["verdict"], c["name"] or c["addr"], "ok" if c["error"] is None else "err")
		   for c in e["log"])
	print(r["exit_code"], e["proxy"].split(":")[0], e["connections"], e["allowed"], e["denied"],
	      e["failed"], e["still_open"], " ".join(v))
	s = r["seccomp"]
	print(s["profiles"], s["denied"], [(c["syscall"], c["errno"], c["request"]) for c in s["calls"]], s["counts"])
	PY
)
is "$rep" "3 socks5 3 1 2 0 0 allow:$WEB_NAME:ok deny:$PEER_IP:ok deny:denied.bro-test.invalid:ok
['hardening'] 1 [('ptrace', 'EPERM', 16)] {'ptrace': 1}" \
	"--report: exit code, each connection's verdict and name (or address), counts per kind; and the seccomp part, from the launcher"
like "$out" "ptrace -1" "  the denied ptrace failed in the sandbox"
ok "$(python3 -m json.tool "$d/r.json" >/dev/null; echo $?)" "  the report is valid JSON (python3 -m json.tool)"

# --- without a policy, a literal address goes through the proxy too ---
: > "$T_TMP/socks.log"
out=$(ur --egress "$PROXY" --unshare-all "${BASE[@]}" curl -sS -m 10 --noproxy '*' "http://$PEER_IP/" 2>&1)
is "$out" "hello-bro from $HOST_IP" "no policy: a literal address is reached"
like "$(cat "$T_TMP/socks.log")" "connected to $PEER_IP:80" "  through the proxy, not directly"

# --- the command, even root with every capability in its own user
# namespace, has none over the egress namespace (owned by the one above) ---
out=$(ur --egress "$PROXY" --unshare-all "${BASE[@]}" --uid 0 --cap-add ALL sh -c '
	grep CapEff /proc/self/status; nft flush ruleset 2>/dev/null; echo "nft=$?"
	ip route del default 2>/dev/null; echo "route=$?"
	curl -sS -m 10 --noproxy "*" "http://$1/"' sh "$WEB_NAME" 2>&1)
like "$out" "CapEff:.*1ffffffffff" "--cap-add ALL: the command holds every capability in its user namespace"
like "$out" "nft=[1-9]"$'\n'"route=[1-9]" "  yet cannot flush the nftables rules nor delete the route"
like "$out" "hello-bro from $HOST_IP\$" "  and its egress still goes through the proxy"

# --- a proxy password (BRO_PROXY_PASSWORD) goes to bro-netns, not to the command ---
out=$(T_ENV="BRO_PROXY_PASSWORD=s3cret-egress" ur --egress "socks5://alice@127.0.0.1:$SOCKS_PORT" \
	--unshare-all "${BASE[@]}" sh -c 'echo "pw=${BRO_PROXY_PASSWORD-unset}"; cat /proc/*/environ 2>/dev/null | tr "\0" "\n" | grep -c s3cret-egress; curl -sS -m 10 --noproxy "*" "http://$1/"' sh "$WEB_NAME" 2>&1)
is "$out" "pw=unset"$'\n'"0"$'\n'"hello-bro from $HOST_IP" \
	"with a user and BRO_PROXY_PASSWORD: the proxy is reached, the command sees no password"

# --- --info-fd: EOF once written, while the sandbox still runs (the
# waiter outside does not hold the caller's fds) ---
mkfifo "$d/go" && chown "$BRO_TEST_USER:" "$d/go"
# (setpriv execs: runuser or timeout would hold fd 3 themselves while they
# wait; the bound is on the reader: EOF within 10 s, then the command goes)
setpriv --reuid="$BRO_TEST_USER" --regid="$BRO_TEST_USER" --clear-groups \
	env -i PATH="$T_PATH" XDG_RUNTIME_DIR="$T_RUNTIME" \
	"$R" --egress "$PROXY" --unshare-all "${BASE[@]}" --info-fd 3 \
	sh -c 'read x < "$1"' sh "$d/go" 3>&1 >/dev/null 2>&1 |
	{ timeout 10 cat > "$T_TMP/info.json"; echo $? > "$T_TMP/info.st"
	  timeout 5 sh -c 'echo go > "$0"' "$d/go"; }
is "$(cat "$T_TMP/info.st")" 0 "--info-fd with --egress: its reader gets EOF while the command runs"
like "$(cat "$T_TMP/info.json")" '"child-pid": *[0-9]+' "  and the child's PID"

# --- nothing left behind: SIGTERM to bro-run, the command killed ---
# the oldest bro-run process of the run is the waiter, the one the caller started
for how in sigterm killcmd; do
	rm -f "$d/started"
	as_user "$R" --egress "$PROXY" --unshare-all "${BASE[@]}" \
		sh -c 'touch "$1/started"; exec sleep 1000' sh "$d" &
	bg=$!
	cleanup_add "kill $bg 2>/dev/null"
	wait_for 10 test -e "$d/started" || { echo "Bail out! the sandbox did not start"; exit 1; }
	waiter=$(pgrep -o -u "$BRO_TEST_USER" -f -- "--egress $PROXY --unshare-all")
	ok $([ -n "$waiter" ]; echo $?) "$how: bro-run is running ($waiter)"
	name=$(ls "$NSDIR" | grep "^bro-run-$waiter-")
	ok $([ -n "$name" ]; echo $?) "  its namespace exists ($name)"
	ok $(pgrep -u "$BRO_TEST_USER" -f "create --name $name" >/dev/null; echo $?) "  its relay runs"
	if [ $how = sigterm ]; then
		kill -TERM "$waiter"; want=143
	else
		pkill -KILL -u "$BRO_TEST_USER" -f '^sleep 1000$'; want=137
	fi
	wait "$bg"; st=$?
	is "$st" "$want" "  bro-run exits $want"
	ok $([ ! -e "$NSDIR/$name" ]; echo $?) "  the namespace's state is gone"
	ok $(pgrep -u "$BRO_TEST_USER" -f "create --name $name" >/dev/null; [ $? = 1 ]; echo $?) \
		"  its relay is gone"
done

# a set-up failure after the namespace was made: it is removed too
out=$(ur --egress "$PROXY" --unshare-all "${BASE[@]}" --bind /enoent /x true 2>&1); st=$?
is "$st" 1 "a bind that fails after the namespace was made: exit 1 ($out)"
is "$(ls "$NSDIR" | grep -c "^bro-run-")" "$before" "  the namespace is gone"
done_testing
