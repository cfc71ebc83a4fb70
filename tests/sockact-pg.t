#!/bin/bash
# tests/sockact-pg.t - the real thing: PostgreSQL 15 (scripts/pg-image) in a
# rootless Podman container with --network=none, started by the first
# connection to the host's socket (systemd-socket-activate plays the
# .socket unit), adopts that socket itself through libbro-sockact.so
# (mounted read-only, LD_PRELOAD, BRO_SOCKACT_READY=notify). The first
# connection to the stopped container is answered, every time, and the
# server sees the client's own address (127.0.0.7), not 127.0.0.1. From
# the second round on, bro-idlewatch stops the container once idle, and the
# next round's connection starts it again.
cd "$(dirname "$0")" && . ./lib.sh
require podman psql systemd-socket-activate python3 ss
[ -x "$BRO_BIN/bro-idlewatch" ] || require "$BRO_BIN/bro-idlewatch"
. ./sockact-lib.sh
ROUNDS=${BRO_SOCKACT_PG_ROUNDS:-4}	# cold starts (20 of 20 proven by hand)
# the test user may not reach the checkout: copies, and a working directory
# it can enter (rootless podman re-enters it)
PGIMAGE=$T_TMP/pg-image PGCLIENT=$T_TMP/pgclient.py
install -m 0755 ../scripts/pg-image "$PGIMAGE" &&
	install -m 0755 sockact-pgclient.py "$PGCLIENT" && cd "$T_TMP" || exit 1

IMAGE=localhost/bro-pg-sockact-$$ CT=bro-sockact-pg-$$ VOL=bro-sockact-pg-$$-data
T_ENV="BRO_PG_IMAGE=$IMAGE" as_user "$PGIMAGE" image >/dev/null
ok $? "scripts/pg-image: image $IMAGE"
cleanup_add "upodman rmi -f $IMAGE"
upodman volume create "$VOL" >/dev/null
cleanup_add "upodman volume rm -f $VOL"
cleanup_add "upodman rm -f -t 0 $CT"
PW=$(as_user "$PGIMAGE" password)
# trust for the client bound to 127.0.0.7 (the test's own client speaks no
# SCRAM); passwords from 127.0.0.1
HBA=$T_TMP/hba.conf
printf '%s\n' 'local all all trust' 'host all all 127.0.0.1/32 scram-sha-256' \
	'host all all 127.0.0.7/32 trust' > "$HBA"
chmod 0644 "$HBA"

answered=0 refused=
for i in $(seq 1 "$ROUNDS"); do
	port=$(free_port)
	upodman container exists "$CT" && break
	sa_start "$port" -E XDG_RUNTIME_DIR -E HOME -E PATH \
		podman run --rm --name "$CT" --network=none --pull=never \
		-v /usr:/usr:ro -v "$VOL":/var/lib/postgresql \
		-v "$SHIM":/run/bro-sockact.so:ro -v "$HBA":/etc/bro-hba.conf:ro \
		-e BRO_PG_PASSWORD="$PW" -e LD_PRELOAD=/run/bro-sockact.so \
		-e BRO_SOCKACT_READY=notify -e BRO_SOCKACT_DEBUG=1 \
		"$IMAGE" /bin/pg-start -c port="$port" -c hba_file=/etc/bro-hba.conf
	t0=$(date +%s%N)
	got=$(python3 "$PGCLIENT" 127.0.0.1 "$port" 127.0.0.7 postgres \
		"select inet_client_addr(), inet_server_addr(), $i" 2>&1)
	t1=$(date +%s%N)
	diag "cold start $i: '$got' in $(( (t1 - t0) / 1000000 )) ms$([ "$i" = 1 ] && echo ', initdb included')"
	if [ "$got" = "127.0.0.7|127.0.0.1|$i" ]; then
		answered=$((answered + 1))
	else
		refused="$refused [$i: $got]"
	fi
	if [ "$i" = 1 ]; then
		is "$(upodman inspect -f '{{.HostConfig.NetworkMode}}' "$CT")" none \
			"the container has no network (--network=none)"
		cpid=$(upodman inspect -f '{{.State.Pid}}' "$CT")
		[ -n "$cpid" ] && [ "$(ns_inode "$cpid")" != "$(ns_inode $$)" ]
		ok $? "  postgres runs in a network namespace of its own"
		is "$(grep -c '^bro-sockact\[1\]: READY=1: fd [0-9]* 127\.0\.0\.1:'"$port"': stand-in replaced by inherited fd 3' "$SA_LOG")" 1 \
			"  postgres (PID 1 there) took the host's socket at READY=1"
		is "$(T_ENV="PGPASSWORD=$PW PGCONNECT_TIMEOUT=10" as_user psql -h 127.0.0.1 -p "$port" \
			-U postgres -XAtc 'select inet_client_addr()' 2>&1)" 127.0.0.1 \
			"  psql with a password, from 127.0.0.1: answered, seen as 127.0.0.1"
	fi
	if [ "$i" = 1 ]; then
		upodman stop -t 10 "$CT" >/dev/null
	else	# the idle watcher stops it: no connection for 1 s
		t_idle=$(date +%s%N)
		out=$(as_user "$BRO_BIN/bro-idlewatch" --listen "127.0.0.1:$port" --idle 1s \
			--interval 100ms -- podman stop -t 10 "$CT" 2>&1)
		like "$out" "no connection for 1\.[0-9] s: running podman" \
			"round $i: bro-idlewatch stopped the container after 1 s idle ($(( ($(date +%s%N) - t_idle) / 1000000 )) ms)"
	fi
	wait_for 20 sh -c "! kill -0 $SA_PID"
	ok $? "round $i: the container stopped, the activator with it"
done
is "$answered" "$ROUNDS" "the first connection to a stopped container answered $answered of $ROUNDS times, seen from its own address 127.0.0.7${refused:+:$refused}"
[ "$answered" = "$ROUNDS" ] || sed 's/^/# log: /' "$SA_LOG"
done_testing
