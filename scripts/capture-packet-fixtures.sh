#!/usr/bin/env bash
# Re-captures the kernel-written packets under Tests/GhNetPacketsTests/Fixtures/.
#
# Runs as root. Makes one throwaway network namespace `ghnet-<random hex>-cap` holding a TUN
# device `ghnet0` (198.18.0.1/24, 2001:db8::1/64). Everything the kernel routes to the peer
# side (198.18.0.2, 2001:db8::2, ...) is written to the TUN and read back here, exactly as the
# agent will see it; packets written into the TUN make the kernel answer (echo replies, SYN-ACKs,
# ICMP errors). No traffic leaves the namespace. The namespace is deleted on every exit path.
#
#   scripts/capture-packet-fixtures.sh [OUTPUT_DIR]   (default: Tests/GhNetPacketsTests/Fixtures)
set -euo pipefail

out_dir="${1:-$(cd "$(dirname "$0")/.." && pwd)/Tests/GhNetPacketsTests/Fixtures}"
mkdir -p "$out_dir"
ns="ghnet-$(od -An -N4 -tx1 /dev/urandom | tr -d ' \n')-cap"

cleanup() { ip netns delete "$ns" 2>/dev/null || true; }
trap cleanup EXIT INT TERM

ip netns add "$ns"
timeout 120 ip netns exec "$ns" python3 - "$out_dir" <<'PY'
import fcntl, os, select, socket, struct, subprocess, sys, time

OUT = sys.argv[1]
TUNSETIFF, IFF_TUN, IFF_NO_PI = 0x400454CA, 0x0001, 0x1000
ME4, PEER4 = "198.18.0.1", "198.18.0.2"
ME6, PEER6 = "2001:db8::1", "2001:db8::2"

def sh(*args):
    subprocess.run(args, check=True, stdout=subprocess.DEVNULL)

tun = os.open("/dev/net/tun", os.O_RDWR)
fcntl.ioctl(tun, TUNSETIFF, struct.pack("16sH", b"ghnet0", IFF_TUN | IFF_NO_PI))
for cmd in (
    "sysctl -qw net.ipv4.ip_forward=1", "sysctl -qw net.ipv6.conf.all.forwarding=1",
    "sysctl -qw net.ipv4.icmp_ratelimit=0", "sysctl -qw net.ipv6.icmp.ratelimit=0",
    "ip link set lo up", "ip link set ghnet0 mtu 1500 up",
    f"ip addr add {ME4}/24 dev ghnet0", f"ip -6 addr add {ME6}/64 dev ghnet0 nodad",
    "ip route add 198.18.5.0/24 dev ghnet0 mtu lock 576",
    "ip -6 route add 2001:db8:5::/64 dev ghnet0 mtu 1280",
):
    sh(*cmd.split())

# --- packet crafting for what we inject (only ever inputs; fixtures hold kernel output) ---
def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return (~s) & 0xFFFF

def a4(t): return socket.inet_pton(socket.AF_INET, t)
def a6(t): return socket.inet_pton(socket.AF_INET6, t)

def ip4(src, dst, proto, payload, ttl=64, df=True):
    h = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(payload), 0x1234, 0x4000 if df else 0,
                    ttl, proto, 0, a4(src), a4(dst))
    return h[:10] + struct.pack("!H", csum(h)) + h[12:] + payload

def ip6(src, dst, nh, payload, hlim=64):
    return struct.pack("!IHBB16s16s", 6 << 28, len(payload), nh, hlim, a6(src), a6(dst)) + payload

def pseudo(src, dst, proto, length):
    if ":" in src:
        return a6(src) + a6(dst) + struct.pack("!I3xB", length, proto)
    return a4(src) + a4(dst) + struct.pack("!xBH", proto, length)

def with_csum(seg, at, src, dst, proto):
    c = csum(pseudo(src, dst, proto, len(seg)) + seg) if proto != 1 else csum(seg)
    return seg[:at] + struct.pack("!H", c) + seg[at + 2:]

def udp(src, dst, sport, dport, data):
    return with_csum(struct.pack("!HHHH", sport, dport, 8 + len(data), 0) + data, 6, src, dst, 17)

def tcp(src, dst, sport, dport, seq, ack, flags, opts=b"", data=b""):
    h = struct.pack("!HHIIBBHHH", sport, dport, seq, ack, (5 + len(opts) // 4) << 4, flags, 64240, 0, 0)
    return with_csum(h + opts + data, 16, src, dst, 6)

SYN_OPTS = bytes.fromhex("020405b4") + bytes.fromhex("0402080a") + struct.pack("!II", 1000, 0) + bytes.fromhex("01030307")

def echo(src, dst, ident, seq, data):
    v6 = ":" in src
    body = struct.pack("!BBHHH", 128 if v6 else 8, 0, 0, ident, seq) + data
    return with_csum(body, 2, src, dst, 58 if v6 else 1)

def wrap(src, dst, proto, payload, **kw):
    return ip6(src, dst, proto, payload, **kw) if ":" in src else ip4(src, dst, proto, payload, **kw)

# --- reading what the kernel writes to the TUN (bounded in time and count) ---
def drain():
    while select.select([tun], [], [], 0.2)[0]:
        os.read(tun, 65536)

def capture(match, what, seconds=3.0, limit=200):
    deadline = time.monotonic() + seconds
    for _ in range(limit):
        left = deadline - time.monotonic()
        if left <= 0 or not select.select([tun], [], [], left)[0]:
            break
        pkt = os.read(tun, 65536)
        if match(pkt):
            return pkt
    sys.exit(f"capture: no packet for {what}")

def proto_of(p):
    return p[9] if p[0] >> 4 == 4 else p[6]

def is_(version, proto, first=None):
    return lambda p: p[0] >> 4 == version and proto_of(p) == proto and \
        (first is None or p[(p[0] & 15) * 4 if version == 4 else 40] == first)

index = []

def save(name, pkt, note):
    index.append((name, len(pkt), note))
    with open(os.path.join(OUT, name + ".hex"), "w") as f:
        f.write(f"# {note}\n")
        for i in range(0, len(pkt), 16):
            f.write(pkt[i:i + 16].hex(" ") + "\n")
    print(f"{name}: {len(pkt)} bytes")

def ep(addr, port):
    return f"[{addr}]:{port}" if ":" in addr else f"{addr}:{port}"

def background(*cmd):
    return subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

time.sleep(0.5)
drain()

# Echo requests written by ping(8).
for v, peer, args, nm in ((4, PEER4, [], "ipv4-icmp-echo-request"), (6, PEER6, ["-6"], "ipv6-icmpv6-echo-request")):
    p = background("ping", *args, "-c1", "-W1", "-p", "6768", peer)
    save(nm, capture(is_(v, 1 if v == 4 else 58, 8 if v == 4 else 128), nm), f"ping{' -6' if v == 6 else ''} -c1 {peer}: kernel echo request")
    p.wait()

p = background("ping", "-R", "-c1", "-W1", PEER4)
save("ipv4-icmp-echo-request-record-route", capture(is_(4, 1), "record route"),
     f"ping -R -c1 {PEER4}: echo request carrying the IPv4 record-route option (IHL 15)")
p.wait()

# Echo replies: the kernel answering an injected request.
for src, dst, nm in ((PEER4, ME4, "ipv4-icmp-echo-reply"), (PEER6, ME6, "ipv6-icmpv6-echo-reply")):
    req = wrap(src, dst, 1 if ":" not in src else 58, echo(src, dst, 0x4748, 7, b"gh-net echo payload 0123456789"))
    os.write(tun, req)
    save(nm + "-request", req, f"injected (python-built) echo request {src} -> {dst} that {nm} answers")
    save(nm, capture(is_(4 if ":" not in src else 6, 1 if ":" not in src else 58, 0 if ":" not in src else 129), nm),
         f"kernel echo reply to a request {src} -> {dst}, id 0x4748 seq 7")

# UDP from a socket.
for fam, me, peer, nm in ((socket.AF_INET, ME4, PEER4, "ipv4-udp"), (socket.AF_INET6, ME6, PEER6, "ipv6-udp")):
    s = socket.socket(fam, socket.SOCK_DGRAM)
    s.bind((me, 40000))
    s.sendto(b"hello gh-net over udp", (peer, 5300))
    save(nm, capture(is_(4 if fam == socket.AF_INET else 6, 17), nm), f"UDP {ep(me, 40000)} -> {ep(peer, 5300)}, 21-byte payload")
    s.close()

# UDP larger than the MTU: the kernel fragments it.
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind((ME4, 40001)); s.sendto(bytes(3000), (PEER4, 5300))
first = capture(lambda p: p[0] == 0x45 and p[6] & 0x20, "v4 first fragment")
save("ipv4-udp-fragment-first", first, "first fragment (MF set, offset 0) of a 3000-byte UDP datagram")
save("ipv4-udp-fragment-last", capture(lambda p: p[0] == 0x45 and not p[6] & 0x20 and (p[6] & 0x1F or p[7]), "v4 last fragment"),
     "last (third) fragment (MF clear, offset 370 × 8) of the same datagram")
s.close()
s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
s.bind((ME6, 40001)); s.sendto(bytes(3000), (PEER6, 5300))
save("ipv6-udp-fragment", capture(lambda p: p[0] >> 4 == 6 and p[6] == 44, "v6 fragment"),
     "first piece of a 3000-byte UDP datagram: IPv6 with a fragment header (next header 44)")
s.close()
drain()

# IPv6 extension headers from sendmsg ancillary data.
HBH = bytes([0, 0, 0x05, 0x02, 0x00, 0x00, 0x01, 0x00])          # router alert + Pad2
DST = bytes([0, 1, 0x1E, 0x0C]) + bytes(12)                          # 16 bytes: experimental option 0x1E
s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
s.bind((ME6, 40002))
s.sendmsg([b"hop-by-hop"], [(socket.IPPROTO_IPV6, socket.IPV6_HOPOPTS, HBH)], 0, (PEER6, 5300))
save("ipv6-udp-hop-by-hop", capture(lambda p: p[0] >> 4 == 6 and p[6] == 0, "hbh"),
     "UDP behind a hop-by-hop header (router alert option), sent with IPV6_HOPOPTS")
s.sendmsg([b"two extension headers"], [(socket.IPPROTO_IPV6, socket.IPV6_HOPOPTS, HBH),
          (socket.IPPROTO_IPV6, socket.IPV6_DSTOPTS, DST)], 0, (PEER6, 5300))
save("ipv6-udp-extension-chain", capture(lambda p: p[0] >> 4 == 6 and p[6] == 0 and p[40] == 60, "chain"),
     "UDP behind a hop-by-hop header (8 bytes) and a destination-options header (16 bytes)")
s.close()

# TCP SYN from connect(2): MSS, SACK-permitted, timestamps, window scale.
for fam, me, peer, nm in ((socket.AF_INET, ME4, PEER4, "ipv4-tcp-syn"), (socket.AF_INET6, ME6, PEER6, "ipv6-tcp-syn")):
    s = socket.socket(fam, socket.SOCK_STREAM)
    s.bind((me, 41000)); s.setblocking(False)
    s.connect_ex((peer, 8080))
    save(nm, capture(is_(4 if fam == socket.AF_INET else 6, 6), nm), f"connect() {ep(me, 41000)} -> {ep(peer, 8080)}: SYN with MSS, SACK-permitted, timestamps, wscale")
    s.close()
drain()

# A listener answers an injected SYN (SYN-ACK), then data flows both ways.
for fam, me, peer, v, tag in ((socket.AF_INET, ME4, PEER4, 4, "ipv4"), (socket.AF_INET6, ME6, PEER6, 6, "ipv6")):
    ls = socket.socket(fam, socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind((me, 8080)); ls.listen(1)
    os.write(tun, wrap(peer, me, 6, tcp(peer, me, 45000, 8080, 5000, 0, 0x02, SYN_OPTS)))
    sa = capture(is_(v, 6), "synack")
    save(f"{tag}-tcp-synack", sa, f"kernel SYN-ACK {ep(me, 8080)} -> {ep(peer, 45000)} to an injected SYN with options")
    hl = 40 if v == 6 else 20
    iss = struct.unpack("!I", sa[hl + 4:hl + 8])[0]
    ts = bytes.fromhex("0101080a") + struct.pack("!II", 1001, struct.unpack("!I", sa[hl + 28:hl + 32])[0])
    os.write(tun, wrap(peer, me, 6, tcp(peer, me, 45000, 8080, 5001, iss + 1, 0x18, ts, b"request")))
    save(f"{tag}-tcp-ack", capture(is_(v, 6), "ack"), "kernel ACK (timestamps, no payload) for 7 injected bytes")
    conn, _ = ls.accept()
    conn.send(b"response from the kernel side")
    save(f"{tag}-tcp-data", capture(is_(v, 6), "data"), "kernel PSH+ACK segment with timestamps and a 29-byte payload")
    conn.close(); ls.close()
    drain()
    # A SYN to a closed port: the kernel resets it.
    os.write(tun, wrap(peer, me, 6, tcp(peer, me, 45001, 8081, 7000, 0, 0x02, SYN_OPTS)))
    save(f"{tag}-tcp-rst", capture(is_(v, 6), "rst"), f"kernel RST+ACK for a SYN to closed port {ep(me, 8081)}")
    drain()

# ICMP errors written by the kernel about injected packets; the injected packet is kept too.
def error_pair(tag, v, injected, match, note):
    os.write(tun, injected)
    save(f"{tag}-offending", injected, f"injected (python-built) packet that triggers {tag}")
    save(tag, capture(match, tag), note)

for v, peer, me, icmp in ((4, PEER4, ME4, 1), (6, PEER6, ME6, 58)):
    fam = "ipv4-icmp" if v == 4 else "ipv6-icmpv6"
    pay = b"no one listens on port 9"
    error_pair(f"{fam}-port-unreachable", v, wrap(peer, me, 17, udp(peer, me, 46000, 9, pay)),
               is_(v, icmp, 3 if v == 4 else 1), f"kernel port unreachable for UDP {ep(peer, 46000)} -> {ep(me, 9)}")
    error_pair(f"{fam}-protocol-unreachable", v, wrap(peer, me, 253, b"experimental protocol 253"),
               is_(v, icmp, 3 if v == 4 else 4),
               "kernel protocol unreachable (type 3 code 2) for protocol 253" if v == 4 else
               "kernel parameter problem (code 1, unrecognized next header, pointer 6) for protocol 253")
    far = "198.18.0.3" if v == 4 else "2001:db8::3"
    kw = {"ttl": 1} if v == 4 else {"hlim": 1}
    error_pair(f"{fam}-time-exceeded", v, wrap(peer, far, 17, udp(peer, far, 46001, 7, b"ttl one"), **kw),
               is_(v, icmp, 11 if v == 4 else 3), f"kernel time exceeded: forwarding {peer} -> {far} with hop limit 1")
    small = "198.18.5.1" if v == 4 else "2001:db8:5::1"
    error_pair(f"{fam}-packet-too-big", v, wrap(peer, small, 17, udp(peer, small, 46002, 7, bytes(1300))),
               is_(v, icmp, 3 if v == 4 else 2),
               "kernel fragmentation needed (type 3 code 4, next-hop MTU 576) when forwarding a 1328-byte DF packet"
               if v == 4 else "kernel packet too big (MTU 1280) when forwarding a 1348-byte packet")
    drain()
os.close(tun)

with open(os.path.join(OUT, "README.md"), "w") as f:
    f.write("""# Packet fixtures

Packets the Linux kernel wrote to a TUN device, exactly as the gh-net agent reads them, captured
by `scripts/capture-packet-fixtures.sh` inside a throwaway network namespace (TUN `ghnet0`,
198.18.0.1/24 and 2001:db8::1/64; the peer side is 198.18.0.2 / 2001:db8::2). Files named
`*-offending` and `*-request` are the python-built packets written into the TUN to make the kernel
answer; every other file is kernel output. Each `.hex` file holds one packet as hex bytes, 16 per
line, after a `#` comment line. Re-running the script replaces them all (sequence numbers,
timestamps, IP identifiers and flow labels change; the tests do not depend on those).

| fixture | bytes | what |
|---|---|---|
""")
    for name, length, note in sorted(index):
        f.write(f"| `{name}.hex` | {length} | {note} |\n")
PY
echo "fixtures written to $out_dir"
