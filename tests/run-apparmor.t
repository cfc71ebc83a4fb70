#!/bin/bash
# bro-run's AppArmor profile (apparmor/bro-run.in) parses with Debian's
# apparmor_parser (parse only: scripts/apparmor-check), and the check fails
# on a broken copy: a bad flag, a typo in a 4.0-only rule, a 4.0-only rule
# that lost its marker (an AppArmor 3 parser cannot read it), a lost brace.
. "$(dirname "$0")/lib.sh"
require apparmor_parser runuser
top=$(cd "$(dirname "$0")/.." && pwd)
# copies the test user can read wherever the source tree is (a fresh
# clone may sit in a directory only root can enter)
install -m 0755 "$top/scripts/apparmor-check" "$T_TMP/apparmor-check"
install -m 0644 "$top/apparmor/bro-run.in" "$T_TMP/bro-run.in"
C=$T_TMP/apparmor-check
P=$T_TMP/bro-run.in
chk() { as_user "$C" "$@" 2>&1; }

out=$(chk "$P"); st=$?
is "$st" 0 "the shipped profile parses ($out)"
like "$out" "parses \(apparmor_parser [0-9]" "  and says with which parser"

n=0
broken() {		# broken SED-EXPR WANT-REGEX DESCRIPTION
	local f=$T_TMP/broken.$((n += 1)).in out st
	sed "$1" "$P" > "$f"
	chmod 0644 "$f"
	if cmp -s "$f" "$P"; then
		ok 1 "$3: the edit changed nothing ($1)"; return
	fi
	out=$(chk "$f"); st=$?
	is "$st" 1 "$3: refused"
	like "$out" "$2" "  with the reason ($out)"
}
broken 's/flags=(unconfined)/flags=(unconfinedx)/' "Invalid profile flag" "a bad profile flag"
broken 's/^  userns,/  usrns,/' "usrns|syntax error" "a typo in the 4.0-only userns rule"
broken 's/^\(  userns,\)[[:space:]]*# 4.0-only/\1/' "line [0-9]+|syntax error" \
	"the userns rule without its 4.0-only marker"
broken 's/^}$//' "syntax error" "a lost closing brace"
broken 's|^include <tunables/global>|include <tunables/nonesuch>|' "nonesuch" \
	"an include that does not exist"
done_testing
