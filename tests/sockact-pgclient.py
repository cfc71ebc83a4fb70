#!/usr/bin/python3
# tests/sockact-pgclient.py - the least of a PostgreSQL client, for a source
# address psql cannot choose: connect from SRC, start up as USER (trust
# authentication only), run one simple query, print each row with '|'
# between columns. Errors: one line on stderr, exit 1.
#   sockact-pgclient.py HOST PORT SRC USER SQL
import socket
import struct
import sys


def main():
    host, port, src, user, sql = sys.argv[1:6]
    s = socket.create_connection((host, int(port)), timeout=30,
                                 source_address=(src, 0))
    params = b"user\0" + user.encode() + b"\0database\0postgres\0\0"
    s.sendall(struct.pack("!ii", 8 + len(params), 196608) + params)
    f = s.makefile("rb")

    def msg():
        head = f.read(5)
        if len(head) < 5:
            raise SystemExit("pgclient: connection closed by the server")
        kind, n = head[:1], struct.unpack("!i", head[1:])[0]
        return kind, f.read(n - 4)

    sent = False
    while True:
        kind, body = msg()
        if kind == b"E":
            fields = dict((p[:1], p[1:]) for p in body.split(b"\0") if p)
            raise SystemExit("pgclient: server error: " +
                             fields.get(b"M", b"?").decode())
        if kind == b"R" and struct.unpack("!i", body[:4])[0] != 0:
            raise SystemExit("pgclient: only trust authentication is spoken")
        if kind == b"D":
            cols, off, out = struct.unpack("!h", body[:2])[0], 2, []
            for _ in range(cols):
                n = struct.unpack("!i", body[off:off + 4])[0]
                off += 4
                out.append("" if n < 0 else body[off:off + n].decode())
                off += max(n, 0)
            print("|".join(out))
        if kind == b"Z":
            if sent:
                s.sendall(b"X\0\0\0\4")
                return
            q = sql.encode() + b"\0"
            s.sendall(b"Q" + struct.pack("!i", 4 + len(q)) + q)
            sent = True


try:
    main()
except (OSError, ValueError) as e:
    raise SystemExit("pgclient: %s" % e)
