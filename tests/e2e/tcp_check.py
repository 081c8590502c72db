#!/usr/bin/env python3
"""TCP checks run inside the codespace namespace by tcp_test.sh. Every wait is bounded.

  tcp_check.py echo HOST PORT BYTES        send BYTES (random), half-close, read the echo back to EOF;
                                           byte-exact both ways (upload and download at once)
  tcp_check.py many HOST PORT COUNT BYTES  COUNT connections at once, each echoes BYTES
  tcp_check.py refused HOST PORT           connect() fails with "connection refused"
  tcp_check.py unreachable HOST PORT       connect() fails with "no route to host" / unreachable
  tcp_check.py idle HOST PORT SECONDS      a connection idle for SECONDS still echoes afterwards
  tcp_check.py reset HOST PORT             connect() succeeds, then the first byte sent is answered
                                           with a reset
  tcp_check.py upload HOST PORT BYTES      send BYTES of a fixed pattern, half-close, read to EOF, close
  tcp_check.py sink ADDRESS PORT BYTES eof-first|eof-late
                                           (the server end, run where it listens) accept one
                                           connection, read 1 MiB, stop reading for 3 s, read to
                                           EOF: exactly BYTES of the pattern, in order, no reset.
                                           Our sending side closes at once, or after the pause
Prints one line; exit status 0 only if the check passed.
"""
import hashlib, os, selectors, socket, sys, threading, time

def family(host):
    return socket.AF_INET6 if ":" in host else socket.AF_INET

def echo(host, port, size):
    s = socket.create_connection((host, port), timeout=30)
    sent = hashlib.sha256()
    def writer():
        left = size
        while left:
            chunk = os.urandom(min(left, 1 << 16))
            sent.update(chunk)
            s.sendall(chunk)
            left -= len(chunk)
        s.shutdown(socket.SHUT_WR)  # the app half-closes; the echo must still come back
    t = threading.Thread(target=writer)
    start = time.time()
    t.start()
    got = hashlib.sha256()
    total = 0
    while True:
        data = s.recv(1 << 17)
        if not data:
            break
        got.update(data)
        total += len(data)
    t.join()
    elapsed = time.time() - start
    s.close()
    ok = total == size and got.digest() == sent.digest()
    print(f"tcp echo {size} bytes via {host}: {'ok' if ok else 'FAILED'} ({total} back, "
          f"{2 * size / elapsed / 1e6:.0f} MB/s both ways together)")
    return ok

def many(host, port, count, size):
    sel = selectors.DefaultSelector()
    conns = {}
    deadline = time.time() + 60
    for i in range(count):
        s = socket.socket(family(host), socket.SOCK_STREAM)
        s.setblocking(False)
        s.connect_ex((host, port))
        payload = os.urandom(size)
        conns[s] = {"out": payload, "sent": 0, "back": b"", "expect": payload}
        sel.register(s, selectors.EVENT_READ | selectors.EVENT_WRITE)
    done = 0
    while done < count and time.time() < deadline:
        for key, events in sel.select(timeout=1):
            s = key.fileobj
            c = conns[s]
            try:
                if events & selectors.EVENT_WRITE and c["sent"] < len(c["out"]):
                    c["sent"] += s.send(c["out"][c["sent"]:])
                    if c["sent"] == len(c["out"]):
                        sel.modify(s, selectors.EVENT_READ)
                if events & selectors.EVENT_READ:
                    data = s.recv(65536)
                    c["back"] += data
                    if len(c["back"]) >= size or not data:
                        sel.unregister(s)
                        s.close()
                        done += 1
            except (BlockingIOError, InterruptedError):
                pass
            except OSError:
                sel.unregister(s)
                s.close()
                done += 1
    good = sum(1 for c in conns.values() if c["back"] == c["expect"])
    for s in list(conns):
        try:
            s.close()
        except OSError:
            pass
    print(f"tcp {count} concurrent connections of {size} bytes via {host}: {good} correct")
    return good == count

def refused(host, port):
    try:
        socket.create_connection((host, port), timeout=10).close()
        result = "connected"
    except ConnectionRefusedError:
        result = "refused"
    except OSError as e:
        result = f"error {e}"
    print(f"tcp connect to closed port {host}:{port}: {result}")
    return result == "refused"

def unreachable(host, port):
    start = time.time()
    try:
        socket.create_connection((host, port), timeout=8).close()
        result = "connected"
    except OSError as e:
        result = f"{e.strerror or e}"
    print(f"tcp connect to {host}:{port}: {result} after {time.time() - start:.1f} s")
    return "unreachable" in result.lower() or "no route" in result.lower()

def idle(host, port, seconds):
    s = socket.create_connection((host, port), timeout=10)
    s.sendall(b"before")
    first = s.recv(100)
    time.sleep(seconds)
    s.sendall(b"after")
    second = s.recv(100)
    s.close()
    ok = first == b"before" and second == b"after"
    print(f"tcp connection idle for {seconds} s: {'still works' if ok else 'FAILED'}")
    return ok

def reset(host, port):
    try:
        s = socket.create_connection((host, port), timeout=10)
    except OSError as e:
        print(f"tcp connect to {host}:{port}: {e.strerror or e} (expected it to succeed, then be reset)")
        return False
    try:
        s.sendall(b"x")
        data = s.recv(1)
        result = "answered" if data else "closed without a reset"
    except ConnectionResetError:
        result = "reset"
    except OSError as e:
        result = f"error {e}"
    s.close()
    print(f"tcp connection to {host}:{port}: connected, then {result}")
    return result == "reset"

PATTERN = bytes(i % 251 for i in range(251 * 300))

def pattern(offset, count):
    start = offset % 251
    return PATTERN[start:start + count]

def upload(host, port, size):
    s = socket.create_connection((host, port), timeout=30)
    sent = 0
    while sent < size:
        n = min(1 << 16, size - sent)
        s.sendall(pattern(sent, n))
        sent += n
    s.shutdown(socket.SHUT_WR)
    extra = 0
    while True:
        data = s.recv(1 << 16)
        if not data:
            break
        extra += len(data)
    s.close()
    print(f"tcp upload of {size} bytes to {host}:{port}, then close: done ({extra} bytes came back)")
    return extra == 0

def sink(address, port, size, when):
    """Accepts one connection, reads 1 MiB, stops reading for
    3 s (the bridge then holds the rest), then reads to EOF. Our sending side is shut down at
    once (when == "eof-first") or at the end of the pause ("eof-late")."""
    listener = socket.socket(family(address), socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind((address, port))
    listener.listen(1)
    listener.settimeout(30)
    conn, _ = listener.accept()
    conn.settimeout(30)
    if when == "eof-first":
        conn.shutdown(socket.SHUT_WR)
    total, wrong, outcome, paused = 0, 0, "EOF", False
    try:
        while True:
            if not paused and total >= 1 << 20:
                paused = True
                time.sleep(3)
                if when == "eof-late":
                    conn.shutdown(socket.SHUT_WR)
            data = conn.recv(65536)
            if not data:
                break
            if data != pattern(total, len(data)):
                wrong += 1
            total += len(data)
    except OSError as e:
        outcome = f"error {e}"
    conn.close()
    ok = total == size and wrong == 0 and outcome == "EOF"
    print(f"sink ({when}) on port {port}: {total} of {size} bytes, {wrong} reads out of pattern, then {outcome}")
    return ok

if __name__ == "__main__":
    cmd, host, port, *rest = sys.argv[1:]
    port = int(port)
    ok = {"echo": lambda: echo(host, port, int(rest[0])),
          "many": lambda: many(host, port, int(rest[0]), int(rest[1])),
          "refused": lambda: refused(host, port),
          "unreachable": lambda: unreachable(host, port),
          "idle": lambda: idle(host, port, float(rest[0])),
          "reset": lambda: reset(host, port),
          "upload": lambda: upload(host, port, int(rest[0])),
          "sink": lambda: sink(host, port, int(rest[0]), rest[1])}[cmd]()
    sys.exit(0 if ok else 1)
