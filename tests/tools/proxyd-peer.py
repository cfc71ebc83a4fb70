#!/usr/bin/python3
# proxyd-peer.py - servers and clients for the bro-proxyd integration tests.
#
#   serve KIND ADDR [--ready FILE] [--log FILE] [--name NAME]
#       echo      echo every byte; pass a half-close on (shutdown after EOF)
#       sink      read to EOF, then reply "got N bytes sha1 HEX" and close
#       reset     read a line, reply "bye", then reset (SO_LINGER 0)
#       resetlog  read until the peer resets; log "reset" or "eof" to --log
#       proxy     read a PROXY v1/v2 header, reply with what it said, echo on
#       hello     send "hello NAME\n" and close
#       udp-echo  datagrams: reply "echo:" + datagram
#   req ADDR [--data S] [--bytes N] [--pause S] [--half-close] [--timeout S]
#       [--reset]
#       one connection: send (--pause: wait S seconds and send it again),
#       optionally shut down writing, print the reply,
#       then "<EOF>", "<RESET>" or "<TIMEOUT>". --reset: reset right after
#       sending.
#   hold ADDR N [--ready FILE]
#       open N connections, prove each with an echo round trip, write N to
#       FILE, then keep them until killed
#   udp ADDR DATA [--timeout S]
#       one datagram from a fresh socket, print the reply or "<TIMEOUT>"
#   notify PATH FILE
#       an sd_notify receiver: datagrams on PATH appended to FILE
#
# ADDR is HOST:PORT, [IPv6]:PORT, /unix/path or @abstract.
import hashlib
import os
import socket
import struct
import sys
import threading
import time


def parse_addr(s, kind=socket.SOCK_STREAM):
    if s.startswith('/'):
        return socket.AF_UNIX, s
    if s.startswith('@'):
        return socket.AF_UNIX, '\0' + s[1:]
    if s.startswith('['):
        host, port = s[1:].split(']:')
        return socket.AF_INET6, (host, int(port))
    host, port = s.rsplit(':', 1)
    return socket.AF_INET, (host, int(port))


def opts(args):
    o, rest, i = {}, [], 0
    while i < len(args):
        a = args[i]
        if a.startswith('--'):
            key = a[2:]
            if key in ('half-close', 'reset'):
                o[key] = True
            else:
                i += 1
                o[key] = args[i]
        else:
            rest.append(a)
        i += 1
    return o, rest


def ready(o):
    if 'ready' in o:
        with open(o['ready'] + '.tmp', 'w') as f:
            f.write('ready\n')
        os.rename(o['ready'] + '.tmp', o['ready'])


def log(o, line):
    if 'log' in o:
        with open(o['log'], 'a') as f:
            f.write(line + '\n')


def recv_line(c):
    buf = b''
    while not buf.endswith(b'\n'):
        d = c.recv(1)
        if not d:
            break
        buf += d
    return buf


def parse_proxy(c):
    head = b''
    while len(head) < 16:
        d = c.recv(16 - len(head))
        if not d:
            return 'no header', b''
        head += d
    if head.startswith(b'\r\n\r\n\x00\r\nQUIT\n'):
        ver_cmd, fam, ln = head[12], head[13], struct.unpack('!H', head[14:16])[0]
        body = b''
        while len(body) < ln:
            body += c.recv(ln - len(body))
        if fam == 0x11:
            src, dst = socket.inet_ntop(socket.AF_INET, body[0:4]), socket.inet_ntop(socket.AF_INET, body[4:8])
            sp, dp = struct.unpack('!HH', body[8:12])
            return 'v2 %#x TCP4 %s %s %d %d' % (ver_cmd, src, dst, sp, dp), b''
        if fam == 0x21:
            src, dst = socket.inet_ntop(socket.AF_INET6, body[0:16]), socket.inet_ntop(socket.AF_INET6, body[16:32])
            sp, dp = struct.unpack('!HH', body[32:36])
            return 'v2 %#x TCP6 %s %s %d %d' % (ver_cmd, src, dst, sp, dp), b''
        return 'v2 %#x family %#x len %d' % (ver_cmd, fam, ln), b''
    if head.startswith(b'PROXY '):
        line = head
        while not line.endswith(b'\r\n') and len(line) < 108:
            d = c.recv(1)
            if not d:
                break
            line += d
        return 'v1 ' + line[:-2].decode(), b''
    return 'no header: %r' % head, head


def handle(kind, c, o):
    try:
        if kind == 'echo':
            while True:
                d = c.recv(65536)
                if not d:
                    c.shutdown(socket.SHUT_WR)
                    break
                c.sendall(d)
        elif kind == 'sink':
            h, n = hashlib.sha1(), 0
            while True:
                d = c.recv(65536)
                if not d:
                    break
                h.update(d)
                n += len(d)
            time.sleep(0.2)     # the reply comes well after the client's FIN
            c.sendall(b'got %d bytes sha1 %s\n' % (n, h.hexdigest().encode()))
        elif kind == 'reset':
            recv_line(c)
            c.sendall(b'bye\n')
            time.sleep(0.1)
            c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack('ii', 1, 0))
        elif kind == 'resetlog':
            try:
                while c.recv(65536):
                    pass
                log(o, 'eof')
            except ConnectionResetError:
                log(o, 'reset')
        elif kind == 'proxy':
            what, rest = parse_proxy(c)
            log(o, what)
            c.sendall(what.encode() + b'\n' + rest)
            while True:
                d = c.recv(65536)
                if not d:
                    break
                c.sendall(d)
        elif kind == 'hello':
            c.sendall(b'hello %s\n' % o.get('name', '').encode())
    except OSError:
        pass
    finally:
        c.close()


def serve(kind, addr, o):
    if kind == 'udp-echo':
        fam, a = parse_addr(addr)
        s = socket.socket(fam, socket.SOCK_DGRAM)
        s.bind(a)
        ready(o)
        while True:
            d, peer = s.recvfrom(65536)
            log(o, 'from %s' % (peer,))
            s.sendto(b'echo:' + d, peer)
    fam, a = parse_addr(addr)
    s = socket.socket(fam, socket.SOCK_STREAM)
    if fam != socket.AF_UNIX:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(a)
    if fam == socket.AF_UNIX and not addr.startswith('@'):
        os.chmod(addr, 0o777)
    s.listen(4096)
    ready(o)
    while True:
        c, _ = s.accept()
        threading.Thread(target=handle, args=(kind, c, o), daemon=True).start()


def connect(addr, timeout):
    fam, a = parse_addr(addr)
    s = socket.socket(fam, socket.SOCK_STREAM)
    s.settimeout(timeout)
    s.connect(a)
    return s


def req(addr, o):
    timeout = float(o.get('timeout', '5'))
    try:
        s = connect(addr, timeout)
    except OSError as e:
        print('<CONNECT %s>' % e.strerror)
        return
    data = o.get('data', '').encode()
    out = b''
    if 'bytes' in o:
        data = bytes((i * 7) & 0xff for i in range(int(o['bytes'])))
    try:
        if data:
            s.sendall(data)
        if 'pause' in o:
            time.sleep(float(o['pause']))
            s.sendall(data)
        if o.get('reset'):
            time.sleep(0.1)
            s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack('ii', 1, 0))
            s.close()
            print('<SENT-RESET>')
            return
        if o.get('half-close'):
            s.shutdown(socket.SHUT_WR)
        while True:
            d = s.recv(65536)
            if not d:
                sys.stdout.write(out.decode(errors='replace') + '<EOF>\n')
                return
            out += d
    except socket.timeout:
        sys.stdout.write(out.decode(errors='replace') + '<TIMEOUT>\n')
    except ConnectionResetError:
        sys.stdout.write(out.decode(errors='replace') + '<RESET>\n')


def hold(addr, n, o):
    socks = []
    for i in range(n):
        s = connect(addr, 10)
        s.sendall(b'ping\n')
        got = b''
        while len(got) < 5:
            d = s.recv(5 - len(got))
            if not d:
                raise SystemExit('connection %d closed' % i)
            got += d
        socks.append(s)
    if 'ready' in o:
        with open(o['ready'] + '.tmp', 'w') as f:
            f.write('%d\n' % len(socks))
        os.rename(o['ready'] + '.tmp', o['ready'])
    while True:
        time.sleep(3600)


def udp(addr, data, o):
    fam, a = parse_addr(addr)
    s = socket.socket(fam, socket.SOCK_DGRAM)
    s.settimeout(float(o.get('timeout', '3')))
    s.sendto(data.encode(), a)
    try:
        d, _ = s.recvfrom(65536)
        print(d.decode())
    except socket.timeout:
        print('<TIMEOUT>')


def notify(path, out):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    s.bind(path)
    os.chmod(path, 0o777)
    while True:
        d = s.recv(4096)
        with open(out, 'a') as f:
            f.write(d.decode().replace('\n', ' ') + '\n')


def main():
    o, rest = opts(sys.argv[1:])
    cmd = rest[0]
    if cmd == 'serve':
        serve(rest[1], rest[2], o)
    elif cmd == 'req':
        req(rest[1], o)
    elif cmd == 'hold':
        hold(rest[1], int(rest[2]), o)
    elif cmd == 'udp':
        udp(rest[1], rest[2], o)
    elif cmd == 'notify':
        notify(rest[1], rest[2])
    else:
        raise SystemExit('unknown command ' + cmd)


main()
