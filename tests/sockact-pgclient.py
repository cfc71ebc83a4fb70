#!/usr/bin/python3
# tests/sockact-pgclient.py - the least of a PostgreSQL client, for a source
# address psql cannot choose: connect from SRC, start up as USER (trust, or
# SCRAM-SHA-256 with the password in PGPASSWORD), run one simple query,
# print each row with '|' between columns. Errors: one line on stderr,
# exit 1.
#   [PGPASSWORD=...] sockact-pgclient.py HOST PORT SRC USER SQL
import base64
import hashlib
import hmac
import os
import socket
import struct
import sys


def scram(send, recv, user, password):
    """SASL SCRAM-SHA-256 (RFC 5802, 7677), no channel binding."""
    nonce = base64.b64encode(os.urandom(18)).decode()
    first_bare = "n=,r=" + nonce        # postgres takes the user from startup
    first = ("n,," + first_bare).encode()
    body = b"SCRAM-SHA-256\0" + struct.pack("!i", len(first)) + first
    send(b"p", body)
    server_first = recv(11).decode()
    attrs = dict(kv.split("=", 1) for kv in server_first.split(","))
    if not attrs["r"].startswith(nonce):
        raise SystemExit("pgclient: SCRAM: the server's nonce is not ours")
    salted = hashlib.pbkdf2_hmac("sha256", password.encode(),
                                 base64.b64decode(attrs["s"]), int(attrs["i"]))
    client_key = hmac.new(salted, b"Client Key", hashlib.sha256).digest()
    stored = hashlib.sha256(client_key).digest()
    final_bare = "c=biws,r=" + attrs["r"]
    auth = ",".join((first_bare, server_first, final_bare)).encode()
    sig = hmac.new(stored, auth, hashlib.sha256).digest()
    proof = bytes(a ^ b for a, b in zip(client_key, sig))
    send(b"p", (final_bare + ",p=" + base64.b64encode(proof).decode()).encode())
    server_key = hmac.new(salted, b"Server Key", hashlib.sha256).digest()
    want = "v=" + base64.b64encode(
        hmac.new(server_key, auth, hashlib.sha256).digest()).decode()
    if recv(12).decode() != want:
        raise SystemExit("pgclient: SCRAM: the server's signature is wrong")


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

    def send(kind, body):
        s.sendall(kind + struct.pack("!i", 4 + len(body)) + body)

    def error(body):
        fields = dict((p[:1], p[1:]) for p in body.split(b"\0") if p)
        raise SystemExit("pgclient: server error: " +
                         fields.get(b"M", b"?").decode())

    def recv_auth(code):
        kind, body = msg()
        if kind == b"E":
            error(body)
        if kind != b"R" or struct.unpack("!i", body[:4])[0] != code:
            raise SystemExit("pgclient: SCRAM: unexpected message")
        return body[4:]

    sent = False
    while True:
        kind, body = msg()
        if kind == b"E":
            error(body)
        if kind == b"R":
            code = struct.unpack("!i", body[:4])[0]
            if code == 10 and b"SCRAM-SHA-256\0" in body[4:]:
                if "PGPASSWORD" not in os.environ:
                    raise SystemExit("pgclient: the server asks for a password (PGPASSWORD)")
                scram(send, recv_auth, user, os.environ["PGPASSWORD"])
            elif code != 0:
                raise SystemExit("pgclient: only trust and SCRAM-SHA-256 are spoken")
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
except (OSError, ValueError, KeyError) as e:
    raise SystemExit("pgclient: %s" % e)
