#!/bin/bash
# bro-helper refuses every namespace the caller does not own — another
# user's, root's, /run/netns made by root, non-network namespaces, files,
# dead PIDs — and the command never runs. Grants in /etc/bro/helper.conf
# work only from a root-owned file that only root can write.
. "$(dirname "$0")/lib.sh"
require unshare runuser ip
H=$BRO_BIN/bro-helper
P=$BRO_TOOLS/probe
d=$(user_dir)
n=0

# refused WANT_EXIT REGEX DESCRIPTION ARGS...: refused, and CMD never ran
refused() {
	local want=$1 re=$2 desc=$3; shift 3
	local out st marker=$d/ran.$((++n))
	out=$(as_user "$H" "$@" -- touch "$marker" 2>&1); st=$?
	is "$st" "$want" "refuses $desc: exit $want"
	like "$out" "$re" "  says: $out"
	ok "$([ -e "$marker" ] && echo 1 || echo 0)" "  the command never ran"
}

# a process of another unprivileged user, in its own user+net namespace
other=nobody
runuser -u "$other" -- unshare -Urn sleep 600 </dev/null >/dev/null 2>&1 &
opid=$!; cleanup_add "kill $opid"
wait_for 5 netns_differs "$opid"
refused 77 "open\(/proc/$opid/ns/net\): Permission denied \(the process belongs to another user\)" \
	"another user's process (--pid)" --pid "$opid"

# the same namespace, made reachable by a world-readable bind mount: the
# open succeeds, so this is the ownership check itself
ns=bro-test-$$
ip netns add "$ns" || { echo "Bail out! ip netns add failed"; exit 1; }
cleanup_add "ip netns del $ns"
touch "/run/netns/$ns-other"
mount --bind "/proc/$opid/ns/net" "/run/netns/$ns-other"
cleanup_add "umount /run/netns/$ns-other; rm -f /run/netns/$ns-other"
refused 77 "refused: the network namespace is not in a user namespace created by uid $T_UID" \
	"another user's netns via a readable bind mount" --netns-path "/run/netns/$ns-other"

refused 77 "open\(/proc/1/ns/net\): Permission denied" "a root process (PID 1)" --pid 1
sleep 600 & rpid=$!; cleanup_add "kill $rpid"
refused 77 "Permission denied" "a root process (a root sleeper)" --pid "$rpid"
refused 77 "refused: the network namespace is not in a user namespace" \
	"root's /run/netns/NAME (ip netns add)" --netns-path "/run/netns/$ns"
refused 77 "refused" "the initial network namespace via a path" --netns-path /proc/self/ns/net

user_netns_start
mine=$NS_PID
refused 1 "not a network namespace \(a mount namespace\)" "/proc/PID/ns/mnt" \
	--netns-path "/proc/$mine/ns/mnt"
refused 1 "not a network namespace \(a user namespace\)" "/proc/PID/ns/user" \
	--netns-path "/proc/$mine/ns/user"
refused 1 "NS_GET_NSTYPE\): Inappropriate ioctl for device \(not a namespace file\)" \
	"a regular file" --netns-path /etc/passwd
refused 1 "not a namespace file" "a directory" --netns-path /tmp
refused 1 "open\(/nonexistent\): No such file" "a missing path" --netns-path /nonexistent
as_user sh -c 'exit 0' & wait $!
dead=$!
refused 1 "pidfd_open\($dead\): No such process" "a dead PID" --pid "$dead"
refused 1 "No such process" "PID_MAX_LIMIT" --pid 4194304

# --- grants from the administrator's file ---
conf=/etc/bro/helper.conf
[ -d /etc/bro ] || { mkdir /etc/bro; cleanup_add "rmdir /etc/bro"; }
if [ -e $conf ]; then
	cp -a $conf "$T_TMP/conf.saved"; cleanup_add "cp -a $T_TMP/conf.saved $conf"
else
	cleanup_add "rm -f $conf"
fi
want=$(stat -L -c %i "/run/netns/$ns")
printf '# test grant\nuser %s /run/netns/%s\n' "$BRO_TEST_USER" "$ns" > $conf
chown root:root $conf; chmod 0644 $conf
out=$(as_user "$H" --netns-path "/run/netns/$ns" -- "$P" 2>&1); st=$?
is "$st" 0 "a root-owned grant lets the user enter root's /run/netns/NAME"
is "$(kv "$out" netns)" "$want" "  into that namespace"
is "$(kv "$out" CapEff)" 0000000000000000 "  with no capability"
printf 'user %s /run/netns/%s*\n' "$BRO_TEST_USER" "$ns-nomatch" > $conf
refused 77 "refused" "a grant naming another namespace" --netns-path "/run/netns/$ns"
printf 'group %s /run/netns/%s\n' "$(id -gn "$BRO_TEST_USER")" "$ns" > $conf
out=$(as_user "$H" --netns-path "/run/netns/$ns" -- "$P" 2>&1)
is "$(kv "$out" netns)" "$want" "a group grant works"
refused 77 "--userns=always: the namespace is granted .* but not in a user namespace you own" \
	"--userns=always into a granted, root-owned namespace" --userns=always --netns-path "/run/netns/$ns"
refused 77 "--allow-new-privs: refused for a namespace granted by .*: a set-user-ID program would run as root there" \
	"--allow-new-privs into a granted namespace (no user namespace to void set-user-ID)" \
	--allow-new-privs --netns-path "/run/netns/$ns"

# a grant whose pattern crosses a directory the user writes: a symbolic link
# the user makes there never matches, whichever path names the namespace
ud=$(user_dir)
as_user mkdir "$ud/netns"
printf 'user %s %s/netns/*\n' "$BRO_TEST_USER" "$ud" > $conf
as_user ln -s "/run/netns/$ns" "$ud/netns/mine"
refused 77 "refused" "root's namespace by its own path, linked from a granted user directory" \
	--netns-path "/run/netns/$ns"
refused 77 "refused" "root's namespace through the user's link in a granted directory" \
	--netns-path "$ud/netns/mine"
as_user ln -s "/run/netns" "$ud/linkdir"
printf 'user %s %s/linkdir/*\n' "$BRO_TEST_USER" "$ud" > $conf
refused 77 "refused" "a pattern crossing a directory link the user made" \
	--netns-path "/run/netns/$ns"
# control: the namespace mounted in that directory by root (no link) matches
touch "$ud/netns/real"
mount --bind "/run/netns/$ns" "$ud/netns/real"
cleanup_add "umount $ud/netns/real"
printf 'user %s %s/netns/*\n' "$BRO_TEST_USER" "$ud" > $conf
out=$(as_user "$H" --netns-path "$ud/netns/real" -- "$P" 2>&1)
is "$(kv "$out" netns)" "$want" "control: a granted path without links still enters"
chmod 0664 $conf
refused 77 "helper.conf: not a root-owned file writable only by root, ignored" \
	"a grant in a group-writable file" --netns-path "/run/netns/$ns"
chmod 0644 $conf; chown "$BRO_TEST_USER" $conf
refused 77 "helper.conf: not a root-owned file writable only by root, ignored" \
	"a grant in a file the user owns" --netns-path "/run/netns/$ns"
chown root $conf
printf 'user %s /run/netns/*\n' "$BRO_TEST_USER" > $conf
refused 77 "Permission denied" "another user's process even with a wildcard grant" --pid "$opid"
done_testing
