#!/usr/bin/env python3
"""Clients for reconnect_test.sh: traffic that runs across a dropped transport, run in the
codespace namespace. Each writes one verdict line to OUT. Bounded in count and time.

    across_drop.py held HOST SECONDS OUT     one byte echoed every 50 ms over one connection to
                                             HOST's TCP echo server for SECONDS:
                                             "went on: N echoes, the longest wait S s" or "ended: …"
    across_drop.py upload HOST BYTES OUT     BYTES random bytes to the echo server in 100 kB
                                             writes, 20 ms apart, read back as they come:
                                             "intact", "damaged: …" or "ended: …"
"""
import os
import socket
import sys
import threading
import time


def held(host, seconds, out):
    s = socket.create_connection((host, 7), timeout=30)
    n, longest, start = 0, 0.0, time.time()
    try:
        while time.time() - start < seconds:
            t = time.time()
            s.sendall(b"b")
            if s.recv(1) != b"b":
                raise EOFError
            longest = max(longest, time.time() - t)
            n += 1
            time.sleep(0.05)
        result = "went on: %d echoes, the longest wait %.1f s" % (n, longest)
    except (OSError, EOFError) as e:
        result = "ended: " + type(e).__name__
    write(out, result)


def upload(host, count, out):
    data = os.urandom(count)
    got = bytearray()
    try:
        s = socket.create_connection((host, 7), timeout=60)

        def read():
            while len(got) < len(data):
                chunk = s.recv(1 << 20)
                if not chunk:
                    break
                got.extend(chunk)

        reader = threading.Thread(target=read, daemon=True)
        reader.start()
        for i in range(0, len(data), 100_000):
            s.sendall(data[i:i + 100_000])
            time.sleep(0.02)
        reader.join(60)
        result = "intact" if bytes(got) == data else "damaged: %d of %d bytes back" % (len(got), len(data))
    except OSError as e:
        result = "ended: " + type(e).__name__
    write(out, result)


def write(out, line):
    with open(out, "w") as f:
        f.write(line + "\n")


if __name__ == "__main__":
    mode, host, amount, out = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
    {"held": held, "upload": upload}[mode](host, amount, out)
