#!/usr/bin/python3
# netns-peers.py - small peers for the bro-netns tests (python3 stdlib only)
#
#   web ADDR PORT          HTTP server: "hello-bro from CLIENTADDR" (logs)
#   echo ADDR PORT         TCP echo server: sends back what each client sends
#   hold HOST PORT GO      a client for echo: sends "one", prints the echo,
#                          waits for a line on GO (a FIFO), sends "two",
#                          prints the echo (or the error), exits
#   udpecho ADDR PORT      UDP echo server; one line per datagram:
#                          "udp SRCADDR SRCPORT LEN"
#   udpping HOST PORT N SIZE  N datagrams of SIZE bytes on a connected UDP
#                          socket, each waited for (5 s); prints
#                          "echoed K from ADDR" or "echoed K then ERROR"
#   dnstcp ADDR PORT ANSWER  DNS over TCP: A -> ANSWER for every name,
#                          AAAA -> fd00:b40::2 for names starting "v6.",
#                          NODATA otherwise; one log line per query
#   dnsq SERVER NAME TYPE [tcp]  one query; prints "id=N rcode=N an=N ADDR...",
#                                 "tc" if truncated, "question-not-echoed"
#   fakectl PATH NSFILE [UID]  a fake bro-netns control socket handing out
#                          NSFILE as the namespace (exec must refuse it);
#                          with UID, NSFILE is opened first, then it serves
#                          as UID
#   ctlidle PATH N SECS READY  keeps N connections to the unix SEQPACKET
#                          socket PATH open and silent for at most SECS,
#                          making a new one whenever one is closed on it;
#                          READY is written once N are open; at the end
#                          (or SIGTERM) prints "opened N closed M"
#   nouserns UID PIDFILE   as root: a user namespace mapping 0 and UID to
#                          themselves, with user.max_user_namespaces=0 in it
#                          (no user namespace can be made inside); its root
#                          sleeps there, PID in PIDFILE, for nsenter
import os, socket, struct, sys, threading, array
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

def web(addr, port):
    class H(BaseHTTPRequestHandler):
        def do_GET(self):
            body = ("hello-bro from %s\n" % self.client_address[0]).encode()
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        def log_message(self, fmt, *a):
            sys.stdout.write("web %s %s\n" % (self.client_address[0], fmt % a))
            sys.stdout.flush()
    fam = socket.AF_INET6 if ":" in addr else socket.AF_INET
    ThreadingHTTPServer.address_family = fam
    ThreadingHTTPServer((addr, int(port)), H).serve_forever()

def echo(addr, port):
    s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((addr, int(port))); s.listen(16)
    def serve(c):
        with c:
            c.settimeout(60)
            try:
                while True:
                    d = c.recv(4096)
                    if not d: return
                    c.sendall(d)
            except OSError:
                return
    while True:
        c, _ = s.accept()
        threading.Thread(target=serve, args=(c,), daemon=True).start()

def udpecho(addr, port):
    fam = socket.AF_INET6 if ":" in addr else socket.AF_INET
    s = socket.socket(fam, socket.SOCK_DGRAM); s.bind((addr, int(port)))
    while True:
        d, a = s.recvfrom(65535)
        print("udp %s %d %d" % (a[0], a[1], len(d)), flush=True)
        s.sendto(d, a)

def udpping(host, port, n, size):
    # n datagrams of size bytes on one connected socket, each echoed back;
    # a connected socket takes replies only from where it sent to
    fam = socket.AF_INET6 if ":" in host else socket.AF_INET
    s = socket.socket(fam, socket.SOCK_DGRAM); s.settimeout(5)
    s.connect((host, int(port))); got = 0
    try:
        for i in range(int(n)):
            d = (b"%d:" % i).ljust(int(size), b"x")
            s.send(d)
            if s.recv(65535) == d: got += 1
        print("echoed %d from %s" % (got, s.getpeername()[0]), flush=True)
    except OSError as e:
        print("echoed %d then %s" % (got, e), flush=True)

def hold(host, port, go):
    s = socket.create_connection((host, int(port)), timeout=10)
    s.sendall(b"one\n"); print("echo", s.recv(100).decode().strip(), flush=True)
    with open(go) as f:
        f.readline()
    try:
        s.sendall(b"two\n"); print("echo", s.recv(100).decode().strip(), flush=True)
    except OSError as e:
        print("error", e.strerror, flush=True)
    s.close()

def qname(b):
    o, labels = 12, []
    while b[o]:
        labels.append(b[o + 1:o + 1 + b[o]].decode()); o += 1 + b[o]
    return ".".join(labels).lower(), o + 5

def answer(q, ans4):
    name, qend = qname(q)
    qtype = struct.unpack(">H", q[qend - 4:qend - 2])[0]
    rr = b""
    if qtype == 1:
        rr = struct.pack(">HHHIH", 0xc00c, 1, 1, 60, 4) + socket.inet_aton(ans4)
    elif qtype == 16:	# TXT: 20 strings of 255 bytes, over 4 KiB
        txt = b"".join(bytes([255]) + b"x" * 255 for _ in range(20))
        rr = struct.pack(">HHHIH", 0xc00c, 16, 1, 60, len(txt)) + txt
    elif qtype == 28 and name.startswith("v6."):
        rr = struct.pack(">HHHIH", 0xc00c, 28, 1, 60, 16) + \
            socket.inet_pton(socket.AF_INET6, "fd00:b40::2")
    hdr = q[:2] + struct.pack(">HHHHH", 0x8180, 1, 1 if rr else 0, 0, 0)
    sys.stdout.write("dns %s type %d\n" % (name, qtype)); sys.stdout.flush()
    return hdr + q[12:qend] + rr

def dnstcp(addr, port, ans4):
    s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((addr, int(port))); s.listen(16)
    def serve(c):
        with c:
            c.settimeout(10)
            while True:
                l = c.recv(2)
                if len(l) < 2: return
                n = struct.unpack(">H", l)[0]; q = b""
                while len(q) < n:
                    d = c.recv(n - len(q))
                    if not d: return
                    q += d
                a = answer(q, ans4)
                c.sendall(struct.pack(">H", len(a)) + a)
    while True:
        c, _ = s.accept()
        threading.Thread(target=serve, args=(c,), daemon=True).start()

def dnsq(server, name, qt, tcp=False):
    t = {"A": 1, "AAAA": 28, "MX": 15, "TXT": 16, "HTTPS": 65}[qt]
    q = struct.pack(">HHHHHH", 0x4242, 0x0100, 1, 0, 0, 0)
    for l in name.split("."):
        q += bytes([len(l)]) + l.encode()
    q += b"\0" + struct.pack(">HH", t, 1)
    if tcp:
        s = socket.create_connection((server, 53), timeout=5)
        s.sendall(struct.pack(">H", len(q)) + q)
        n = struct.unpack(">H", s.recv(2))[0]; r = b""
        while len(r) < n:
            r += s.recv(n - len(r))
    else:
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.settimeout(5)
        s.connect((server, 53)); s.send(q); r = s.recv(4096)
    rcode, an = r[3] & 15, struct.unpack(">H", r[6:8])[0]
    out = ["id=%d rcode=%d an=%d" % (struct.unpack(">H", r[:2])[0], rcode, an)]
    if r[2] & 0x02: out.append("tc")
    if struct.unpack(">H", r[4:6])[0] != 1 or r[12:len(q)] != q[12:]:
        out.append("question-not-echoed")
    o = len(q)
    for _ in range(an):
        typ, _c, _ttl, rdl = struct.unpack(">HHIH", r[o + 2:o + 12])
        rd = r[o + 12:o + 12 + rdl]
        out.append("txt%d" % rdl if typ == 16 else
                   socket.inet_ntop(socket.AF_INET if typ == 1 else socket.AF_INET6, rd))
        o += 12 + rdl
    print(" ".join(out))

def fakectl(path, nsfile, uid=None):
    fd = os.open(nsfile, os.O_RDONLY)
    if uid is not None:     # opened as root; serve as the user
        os.setgroups([]); os.setgid(int(uid)); os.setuid(int(uid))
    s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    s.bind(path); s.listen(4)
    while True:
        c, _ = s.accept()
        c.recv(16)
        c.sendmsg([b"ok"], [(socket.SOL_SOCKET, socket.SCM_RIGHTS, array.array("i", [fd, fd]))])
        c.close()

def ctlidle(path, n, secs, ready):
    import selectors, signal, time
    n, end = int(n), time.monotonic() + float(secs)
    sel, stop, opened, closed, told = selectors.DefaultSelector(), [], 0, 0, False
    signal.signal(signal.SIGTERM, lambda *a: stop.append(1))
    def connect():
        s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        s.setblocking(False)
        try:
            s.connect(path)
        except OSError:         # the backlog is full (EAGAIN): later
            s.close(); return False
        sel.register(s, selectors.EVENT_READ); return True
    while not stop and time.monotonic() < end:
        while len(sel.get_map()) < n and connect():
            opened += 1
        if not told and len(sel.get_map()) >= n:
            with open(ready, "w") as f: f.write("%d\n" % n)
            told = True
        for k, _ in sel.select(0.05):
            try: d = k.fileobj.recv(16)
            except OSError: d = b""
            if not d:
                sel.unregister(k.fileobj); k.fileobj.close(); closed += 1
    print("opened %d closed %d" % (opened, closed), flush=True)

def nouserns(uid, pidfile):
    import ctypes
    libc = ctypes.CDLL(None, use_errno=True)
    r, w = os.pipe(); r2, w2 = os.pipe()
    pid = os.fork()
    if pid == 0:
        if libc.unshare(0x10000000) != 0:
            os._exit(90)
        os.write(w, b"x"); os.read(r2, 1)
        with open("/proc/sys/user/max_user_namespaces", "w") as f:
            f.write("0")
        open(pidfile, "w").write(str(os.getpid()))
        os.execvp("sleep", ["sleep", "600"])
    os.read(r, 1)
    for m in ("uid_map", "gid_map"):
        with open("/proc/%d/%s" % (pid, m), "w") as f:
            f.write("0 0 1\n%s %s 1\n" % (uid, uid))
    os.write(w2, b"x")

if __name__ == "__main__":
    cmd, a = sys.argv[1], sys.argv[2:]
    if cmd == "web": web(*a)
    elif cmd == "dnstcp": dnstcp(*a)
    elif cmd == "echo": echo(*a)
    elif cmd == "hold": hold(*a)
    elif cmd == "udpecho": udpecho(*a)
    elif cmd == "udpping": udpping(*a)
    elif cmd == "dnsq": dnsq(a[0], a[1], a[2], len(a) > 3)
    elif cmd == "fakectl": fakectl(*a)
    elif cmd == "nouserns": nouserns(*a)
    elif cmd == "ctlidle": ctlidle(*a)
