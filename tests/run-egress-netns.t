#!/bin/bash
# bro-run --egress-netns NAME: bro-run re-runs itself through `bro-netns
# exec NAME --`, so the command's network is an existing bro-netns
# namespace. With --no-userns, as the test user where no user namespace can
# be made (a user namespace with max_user_namespaces=0, as in
# netns-setcap.t), the namespace made by a setcap'd bro-netns installed
# next to bro-run: curl --noproxy '*' reaches the test host only through
# the SOCKS5 server, a direct attempt fails, Landlock holds. Where user
# namespaces work, the same without --no-userns. Bad names and conflicting
# options: one line.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/netns-lib.sh"
require unshare runuser nsenter ip setcap microsocks curl python3
R=$BRO_BIN/bro-run
d=$(user_dir)
ur() { as_user "$R" "$@"; }

# --- bad input: one line, exit 1 ---
for bad in "--egress-netns -x" "--egress-netns ../x" "--egress-netns .x" \
	   "--egress-netns a/b" "--egress-netns $(printf 'a%.0s' $(seq 33))" \
	   "--egress-netns" "--egress-netns a --egress-netns b" \
	   "--egress-netns a --egress socks5://127.0.0.1:1" \
	   "--egress-netns a --report $d/r.json" "--egress-netns a --unshare-net" \
	   "--egress-netns a --unshare-all" "--no-userns --egress socks5://127.0.0.1:1"; do
	out=$(ur $bad --ro-bind / / true 2>&1); st=$?
	is "$st:$(printf '%s\n' "$out" | wc -l)" "1:1" "$bad: exit 1, one line"
	like "$out" "^bro-run: --(egress|report)" "  $out"
done
out=$(ur --args 3 true 3< <(printf -- '--egress-netns\0rene-none\0--ro-bind\0/\0/\0') 2>&1); st=$?
is "$st:$out" "1:bro-run: --egress-netns: not accepted in an --args file" "--egress-netns in an --args file: refused"
out=$(ur --egress-netns rene-none --ro-bind / / true 2>&1); st=$?
ok $((st == 0)) "a namespace that does not exist: refused by bro-netns exec ($out)"
out=$(ur --internal-in-egress-netns --egress-netns rene-none --ro-bind / / true 2>&1); st=$?
is "$st:$out" "1:bro-run: --egress-netns: already re-run through bro-netns exec (a loop)" \
	"the loop marker: no second re-exec"

peer_start
socks_start
: > "$T_TMP/socks.log"
out=$(curl -sS -m 5 --noproxy '*' "http://$PEER_IP/" 2>&1)
is "$out" "hello-bro from $HOST_IP" "control: the test host is reachable directly from the host"

# --- where user namespaces work: without --no-userns ---
out=$(as_user "$N" create --name rene-u --proxy "socks5://127.0.0.1:$SOCKS_PORT" --allow "$WEB_NAME" 2>&1); st=$?
is "$st" 0 "bro-netns create rene-u ($out)"
cleanup_add "as_user $N destroy rene-u"
out=$(ur --egress-netns rene-u --ro-bind / / --dev /dev --proc /proc sh -c '
	curl -sS -m 10 --noproxy "*" "http://$1/" 2>&1
	curl -sS -m 5 --noproxy "*" "http://$2/" >/dev/null 2>&1; echo "direct=$?"' sh "$WEB_NAME" "$PEER_IP" 2>&1); st=$?
is "$st" 0 "bro-run --egress-netns rene-u ran"
like "$out" "hello-bro from $HOST_IP" "  curl --noproxy '*' reached the test host"
like "$(cat "$T_TMP/socks.log")" "connected to $WEB_NAME:80" "  through the SOCKS5 server (its log)"
like "$out" "direct=(7|28|52|55|56)" "  the test host by its address (not allowed): refused, no direct way"
ok "$(grep -c "$PEER_IP" "$T_TMP/socks.log" | grep -qx 0; echo $?)" "  and never reached the proxy"
as_user "$N" destroy rene-u

# --- --no-userns where user namespaces cannot be made: the setcap path ---
install -d -m 0755 "$T_TMP/bin"
cp "$N" "$T_TMP/bin/bro-netns"
cp "$R" "$T_TMP/bin/bro-run"
setcap cap_net_admin,cap_sys_admin+ep "$T_TMP/bin/bro-netns" ||
	{ echo "Bail out! setcap failed"; exit 1; }
C=$T_TMP/bin/bro-netns
RC=$T_TMP/bin/bro-run
nouserns_start
in_x() { in_nouserns "$T_UID" "$@"; }
out=$(in_x unshare -U true 2>&1); st=$?
ok $((st == 0)) "there the test user cannot create a user namespace ($out)"
abi=$("$BRO_TOOLS/try-syscall" landlock-abi)
if ! [ "$abi" -ge 1 ] 2>/dev/null; then
	diag "no Landlock on this kernel ($abi): --no-userns refuses to run; not tested"
	done_testing
	exit
fi
out=$(in_x "$C" create --name rene-c --proxy "socks5://127.0.0.1:$SOCKS_PORT" --allow "$WEB_NAME" 2>&1); st=$?
is "$st" 0 "setcap'd bro-netns create rene-c there ($out)"
cleanup_add "nsenter --user --target $X --setuid $T_UID --setgid $T_UID env XDG_RUNTIME_DIR=$T_RUNTIME $C destroy rene-c"
as_user mkdir -p "$d/out"
: > "$T_TMP/socks.log"
out=$(in_x "$RC" --no-userns --egress-netns rene-c --ro-bind / / sh -c '
	curl -sS -m 10 --noproxy "*" "http://$1/" 2>&1
	r=$(curl -sS -m 5 --noproxy "*" "http://$2/" 2>&1); echo "direct=$?"
	echo w > "$3/f" 2>&1; echo "write=$?"
	grep -E "^(Seccomp|NoNewPrivs):" /proc/self/status | tr -s "\t " " "' \
	sh "$WEB_NAME" "$PEER_IP" "$d/out" 2>&1 </dev/null); st=$?
is "$st" 0 "bro-run --no-userns --egress-netns rene-c ran"
like "$out" "hello-bro from $HOST_IP" "  curl --noproxy '*' reached the test host"
like "$(cat "$T_TMP/socks.log")" "connected to $WEB_NAME:80" "  through the SOCKS5 server (its log)"
like "$out" "direct=(7|28|52|55|56)" "  a direct attempt to the test host's address fails"
ok "$(grep -c "$PEER_IP" "$T_TMP/socks.log" | grep -qx 0; echo $?)" "  and never reached the proxy"
like "$out" "write=[1-9]" "  Landlock: a write outside the allowed paths is refused"
ok "$(test -e "$d/out/f"; echo $((!$?)))" "  and nothing was written"
like "$out" "NoNewPrivs: 1" "  no_new_privs"
like "$out" "Seccomp: 2" "  a seccomp filter"
in_x "$C" destroy rene-c
done_testing
