#!/usr/bin/env python3
"""Small measuring clients for scripts/bench.sh, run inside a test-host namespace.

Each prints one JSON object on stdout.  Every loop is bounded by a count and a
deadline (seconds); nothing here retries forever.

    clients.py rr    HOST PORT COUNT DEADLINE   1-byte request/response over one TCP
                                                connection to an echo server (TCP_NODELAY)
    clients.py udprr HOST PORT COUNT DEADLINE   1-byte UDP datagram to an echo server and back
    clients.py conn  HOST PORT COUNT DEADLINE   sequential HTTP/1.1 GETs, a new connection each
    clients.py dns   SERVER NAME COUNT DEADLINE sequential A queries over UDP
    clients.py sink                             read stdin to EOF; bytes, seconds from the first
                                                byte, and this process's own CPU time
    clients.py source BYTES                     write BYTES zero bytes to stdout in 1 MiB writes;
                                                its own CPU time as JSON on stderr

sink and source grow the pipe they use to 1 MiB (F_SETPIPE_SZ, where it is a pipe), so the
raw-SSH-pipe ceiling is not capped by 64 KiB pipes and small writes.

Addresses are IP literals (the bench never resolves names for connections).
Under proxychains4 the TCP clients' connect() goes through the SOCKS proxy.
"""
import json
import os
import resource
import socket
import struct
import sys
import time


def out(obj):
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()


def family(host):
    return socket.AF_INET6 if ":" in host else socket.AF_INET


def rr(host, port, count, deadline):
    end = time.monotonic() + deadline
    s = socket.socket(family(host), socket.SOCK_STREAM)
    s.settimeout(min(deadline, 10))
    s.connect((host, port))
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    # Warm up (first segments, the path's state, the server's thread).
    for _ in range(min(20, count)):
        s.sendall(b"x")
        if not s.recv(1):
            raise SystemExit("echo server closed")
    samples = []
    start = time.perf_counter()
    for _ in range(count):
        if time.monotonic() > end:
            break
        t0 = time.perf_counter_ns()
        s.sendall(b"x")
        got = s.recv(1)
        if not got:
            raise SystemExit("echo server closed")
        samples.append(time.perf_counter_ns() - t0)
    total = time.perf_counter() - start
    s.close()
    samples.sort()
    n = len(samples)
    out({"count": n, "seconds": total,
         "us_per_rt": total / n * 1e6 if n else None,
         "p50_us": samples[n // 2] / 1e3 if n else None,
         "p99_us": samples[min(n - 1, n * 99 // 100)] / 1e3 if n else None})


def udprr(host, port, count, deadline):
    end = time.monotonic() + deadline
    s = socket.socket(family(host), socket.SOCK_DGRAM)
    s.settimeout(1.0)
    s.connect((host, port))
    samples, lost = [], 0
    for i in range(count + 10):
        if time.monotonic() > end:
            break
        t0 = time.perf_counter_ns()
        s.send(b"x")
        try:
            s.recv(2048)
        except socket.timeout:
            lost += 1
            continue
        if i >= 10:  # the first few set up NAT flows
            samples.append(time.perf_counter_ns() - t0)
    s.close()
    samples.sort()
    n = len(samples)
    out({"count": n, "lost": lost,
         "mean_us": sum(samples) / n / 1e3 if n else None,
         "p50_us": samples[n // 2] / 1e3 if n else None,
         "p99_us": samples[min(n - 1, n * 99 // 100)] / 1e3 if n else None})


def conn(host, port, count, deadline):
    end = time.monotonic() + deadline
    request = ("GET / HTTP/1.1\r\nHost: %s\r\nUser-Agent: gh-net-bench\r\nConnection: close\r\n\r\n" % host).encode()
    done, failed = 0, 0
    start = time.perf_counter()
    for _ in range(count):
        if time.monotonic() > end:
            break
        try:
            s = socket.socket(family(host), socket.SOCK_STREAM)
            s.settimeout(5)
            s.connect((host, port))
            s.sendall(request)
            data = b""
            while True:
                chunk = s.recv(65536)
                if not chunk:
                    break
                data += chunk
            s.close()
            if data.startswith(b"HTTP/1.") and b" 200 " in data[:16]:
                done += 1
            else:
                failed += 1
        except OSError:
            failed += 1
    total = time.perf_counter() - start
    out({"count": done, "failed": failed, "seconds": total,
         "per_second": done / total if total > 0 else None,
         "ms_per_connection": total / done * 1e3 if done else None})


def dns_query(name, qid):
    header = struct.pack("!HHHHHH", qid, 0x0100, 1, 0, 0, 0)
    q = b"".join(bytes([len(p)]) + p.encode() for p in name.rstrip(".").split(".")) + b"\0"
    return header + q + struct.pack("!HH", 1, 1)


def dns(server, name, count, deadline):
    end = time.monotonic() + deadline
    s = socket.socket(family(server), socket.SOCK_DGRAM)
    s.settimeout(2.0)
    s.connect((server, 53))
    samples, failed = [], 0
    for i in range(count + 3):
        if time.monotonic() > end:
            break
        qid = (i * 7919 + 1) & 0xFFFF
        t0 = time.perf_counter_ns()
        s.send(dns_query(name, qid))
        try:
            while True:
                reply = s.recv(4096)
                if len(reply) >= 12 and struct.unpack("!H", reply[:2])[0] == qid:
                    break
        except socket.timeout:
            failed += 1
            continue
        rcode = reply[3] & 0x0F
        answers = struct.unpack("!H", reply[6:8])[0]
        if rcode != 0 or answers == 0:
            failed += 1
            continue
        if i >= 3:
            samples.append(time.perf_counter_ns() - t0)
    s.close()
    samples.sort()
    n = len(samples)
    out({"count": n, "failed": failed,
         "mean_us": sum(samples) / n / 1e3 if n else None,
         "p50_us": samples[n // 2] / 1e3 if n else None})


F_SETPIPE_SZ = 1031


def grow_pipe(fd):
    try:
        import fcntl
        fcntl.fcntl(fd, F_SETPIPE_SZ, 1 << 20)
    except (OSError, ImportError):
        pass  # not a pipe, or over /proc/sys/fs/pipe-max-size


def source(count):
    fd = sys.stdout.fileno()
    grow_pipe(fd)
    buf = memoryview(bytes(1 << 20))
    left = count
    while left > 0:
        n = os.write(fd, buf[:min(left, len(buf))])
        left -= n
    ru = resource.getrusage(resource.RUSAGE_SELF)
    sys.stderr.write(json.dumps({"bytes": count, "self_cpu_seconds": ru.ru_utime + ru.ru_stime}) + "\n")
    sys.stderr.flush()


def sink():
    fd = sys.stdin.fileno()
    grow_pipe(fd)
    total, first = 0, None
    buf = bytearray(1 << 20)
    view = memoryview(buf)
    while True:
        n = os.readv(fd, [view])
        if n <= 0:
            break
        if first is None:
            first = time.perf_counter()
        total += n
    last = time.perf_counter()
    ru = resource.getrusage(resource.RUSAGE_SELF)
    out({"bytes": total, "seconds": (last - first) if first else 0.0,
         "self_cpu_seconds": ru.ru_utime + ru.ru_stime})


def main(argv):
    if not argv:
        sys.stderr.write(__doc__)
        return 2
    kind = argv[0]
    try:
        if kind in ("rr", "udprr", "conn"):
            host, port, count, deadline = argv[1], int(argv[2]), int(argv[3]), float(argv[4])
            {"rr": rr, "udprr": udprr, "conn": conn}[kind](host, port, count, deadline)
        elif kind == "dns":
            dns(argv[1], argv[2], int(argv[3]), float(argv[4]))
        elif kind == "sink":
            sink()
        elif kind == "source":
            source(int(argv[1]))
        else:
            sys.stderr.write(__doc__)
            return 2
    except (OSError, ValueError, IndexError) as exc:
        out({"error": "%s: %s" % (type(exc).__name__, exc)})
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
