#!/usr/bin/env python3
"""UDP checks run inside the codespace namespace by packets_test.sh.

  udp_echo.py sizes HOST PORT SIZE...     echo round trip, byte-exact, per size
  udp_echo.py flows HOST PORT COUNT       COUNT sockets at once, one datagram each, all answered
  udp_echo.py refused HOST PORT           a connected socket to a closed port sees ECONNREFUSED
  udp_echo.py protocol HOST PROTO         a raw IPv4 packet of protocol PROTO (e.g. 132 SCTP)
                                          is answered with ICMP protocol unreachable
Prints one line per check; exit status 0 only if all passed. Every wait is bounded.
"""
import os, socket, sys, time

def family(host):
    return socket.AF_INET6 if ":" in host else socket.AF_INET

def sizes(host, port, sizes):
    ok = True
    for size in map(int, sizes):
        s = socket.socket(family(host), socket.SOCK_DGRAM)
        s.settimeout(3)
        data = os.urandom(size)
        got = None
        for _ in range(3):  # datagrams may be lost; retry a bounded number of times
            s.sendto(data, (host, port))
            try:
                got, _ = s.recvfrom(70000)
                break
            except socket.timeout:
                continue
        s.close()
        good = got == data
        ok &= good
        print(f"udp {size} bytes to {host}: {'ok' if good else 'FAILED'}")
    return ok

def flows(host, port, count):
    count = int(count)
    socks = []
    for i in range(count):
        s = socket.socket(family(host), socket.SOCK_DGRAM)
        s.setblocking(False)
        socks.append(s)
    pending = {}
    for i, s in enumerate(socks):
        payload = f"flow {i}".encode()
        s.sendto(payload, (host, port))
        pending[s] = payload
    deadline = time.time() + 20
    resent = time.time() + 3
    while pending and time.time() < deadline:
        for s in list(pending):
            try:
                got, _ = s.recvfrom(2048)
            except BlockingIOError:
                continue
            if got == pending[s]:
                del pending[s]
        if pending and time.time() > resent:  # one bounded resend for stragglers
            for s, payload in pending.items():
                s.sendto(payload, (host, port))
            resent = deadline + 1
        time.sleep(0.01)
    for s in socks:
        s.close()
    answered = count - len(pending)
    print(f"udp {count} concurrent flows to {host}: {answered} answered")
    return not pending

def refused(host, port):
    s = socket.socket(family(host), socket.SOCK_DGRAM)
    s.settimeout(3)
    s.connect((host, port))
    result = "no answer"
    for _ in range(3):
        try:
            s.send(b"anyone?")
            s.recv(100)
            result = "answered"
            break
        except ConnectionRefusedError:
            result = "refused"
            break
        except socket.timeout:
            continue
    print(f"udp to closed port {host}:{port}: {result}")
    return result == "refused"

def protocol(host, proto):
    sender = socket.socket(socket.AF_INET, socket.SOCK_RAW, proto)
    listener = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
    listener.settimeout(3)
    sender.sendto(b"\x00" * 12, (host, 0))
    deadline = time.time() + 3
    result = "no answer"
    while time.time() < deadline:
        try:
            packet, (source, _) = listener.recvfrom(2048)
        except socket.timeout:
            break
        icmp = packet[(packet[0] & 0x0F) * 4:]
        quoted = icmp[8:]
        if icmp[0] == 3 and len(quoted) >= 20 and quoted[9] == proto:
            result = f"type 3 code {icmp[1]} from {source}"
            break
    print(f"protocol {proto} to {host}: {result}")
    return result.startswith("type 3 code 2 ")

if __name__ == "__main__":
    command, host, port, *rest = sys.argv[1:]
    ok = {"sizes": lambda: sizes(host, int(port), rest),
          "flows": lambda: flows(host, int(port), rest[0]),
          "refused": lambda: refused(host, int(port)),
          "protocol": lambda: protocol(host, int(port))}[command]()
    sys.exit(0 if ok else 1)
