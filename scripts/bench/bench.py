#!/usr/bin/env python3
"""The side-by-side benchmark's driver; scripts/bench.sh starts it (see docs/benchmark.md).

It expects the test hosts up (scripts/testhosts.sh) and their env file sourced into its
environment (GHNET_NS_*, GHNET_SSH_CONFIG, ...).  It starts, measures and stops one path at a
time, in its own processes, writes the pid of every process it starts to --pidfile (so the
shell wrapper can kill them even if this driver dies), prints a table and writes JSON.

Paths (--paths, comma separated, default all, run in this order):
  direct     laptop -> corp, no bridge (the network's own figures)
  gh-net     gh-net start --ssh root@cs in the laptop; clients in cs
  ssh-socks  ssh -N -R 1080 root@cs in the laptop (OpenSSH reverse dynamic SOCKS in cs);
             clients in cs under proxychains4 (the SOCKS handshake inside connect(), no relay)
  ssh-fwd    ssh -N -R PORT:corp:PORT for each server; clients in cs to 127.0.0.1:PORT
  sshuttle   sshuttle -r root@laptop 198.18.2.0/24 --dns, run in cs, against an sshd the
             bench starts in the laptop
  ssh-pipe   the raw SSH pipe: bytes through one ssh session's stdin or stdout (the ceiling);
             when gh-net negotiated another cipher than plain ssh does (it puts AES-GCM first
             on a CPU with AES instructions), also with gh-net's cipher: column pipe-same

Every wait and loop is bounded; every child runs with a timeout.
"""
import argparse
import datetime
import json
import os
import re
import shlex
import signal
import statistics
import subprocess
import sys
import threading
import time
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
CLIENTS = os.path.join(HERE, "clients.py")
PY = "/usr/bin/python3" if os.access("/usr/bin/python3", os.X_OK) else "python3"
CLK_TCK = os.sysconf("SC_CLK_TCK")
GIB = 1 << 30

ALL_PATHS = ["direct", "gh-net", "ssh-socks", "ssh-fwd", "sshuttle", "ssh-pipe"]
PEERS = ["ssh-socks", "ssh-fwd", "sshuttle"]
# Ports the ssh-fwd path forwards in cs (to corp's iperf3, TCP echo and HTTP).
FWD_PORTS = {"iperf": 15201, "echo": 15007, "http": 15080}
IPERF_PORT = 5201


def log(msg):
    try:
        sys.stderr.write("bench: %s\n" % msg)
        sys.stderr.flush()
    except (OSError, ValueError):
        pass  # stderr gone (a pipe whose reader died of the same Ctrl-C): keep cleaning up


class Stop(Exception):
    pass


def on_signal(signum, _frame):
    raise Stop("signal %d" % signum)


# ------------------------------------------------------------------ processes --

class Procs:
    """Every process the driver starts; stopped by pid, recorded in the pid file."""

    def __init__(self, pidfile):
        self.pidfile = pidfile
        self.live = []

    def start(self, name, cmd, **kw):
        kw.setdefault("stdin", subprocess.DEVNULL)
        kw.setdefault("start_new_session", True)
        p = subprocess.Popen(cmd, **kw)
        p.bench_name = name
        self.live.append(p)
        with open(self.pidfile, "a") as f:
            f.write("%d %s %s\n" % (p.pid, proc_start(p.pid) or 0, name))
        return p

    def stop(self, p, sig=signal.SIGTERM, wait=10.0):
        if p.poll() is None:
            try:
                os.kill(p.pid, sig)
            except ProcessLookupError:
                pass
            try:
                p.wait(wait)
            except subprocess.TimeoutExpired:
                log("%s (pid %d) ignored signal %d; killing" % (p.bench_name, p.pid, sig))
                try:
                    os.kill(p.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                try:
                    p.wait(5)
                except subprocess.TimeoutExpired:
                    log("%s (pid %d) survived SIGKILL" % (p.bench_name, p.pid))
        if p in self.live:
            self.live.remove(p)
        return p.returncode

    def stop_all(self):
        for p in list(reversed(self.live)):
            self.stop(p, wait=5.0)


def run(cmd, timeout, **kw):
    """Runs cmd to completion (killed after timeout seconds); returns (rc, stdout, stderr)."""
    try:
        r = subprocess.run(cmd, stdin=kw.pop("stdin", subprocess.DEVNULL), capture_output=True,
                           text=True, timeout=timeout, **kw)
        return r.returncode, r.stdout, r.stderr
    except subprocess.TimeoutExpired as exc:
        out = exc.stdout.decode() if isinstance(exc.stdout, bytes) else (exc.stdout or "")
        return 124, out, "timed out after %ss" % timeout


def wait_until(what, check, timeout, interval=0.1):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if check():
            return True
        time.sleep(interval)
    log("timed out after %ss waiting for %s" % (timeout, what))
    return False


# ------------------------------------------------------------------ /proc --

def read_stat(pid):
    try:
        with open("/proc/%d/stat" % pid) as f:
            s = f.read()
    except OSError:
        return None
    rest = s[s.rindex(")") + 2:].split()
    return {"state": rest[0], "ppid": int(rest[1]),
            "cpu": int(rest[11]) + int(rest[12]) + int(rest[13]) + int(rest[14]),
            "self_cpu": int(rest[11]) + int(rest[12]),
            "children_cpu": int(rest[13]) + int(rest[14]),
            "start": int(rest[19])}


def proc_start(pid):
    st = read_stat(pid)
    return st["start"] if st else None


def hwm_kb(pid):
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def rss_kb(pid):
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def comm(pid, limit=100):
    try:
        with open("/proc/%d/cmdline" % pid, "rb") as f:
            text = f.read().replace(b"\0", b" ").decode(errors="replace").strip()
    except OSError:
        return "?"
    return text if limit is None or len(text) <= limit else text[:limit] + "..."


def cmdline(pid):
    """A process's argv as a list ([] when it is gone)."""
    try:
        with open("/proc/%d/cmdline" % pid, "rb") as f:
            return [w.decode(errors="replace") for w in f.read().split(b"\0")[:-1]]
    except OSError:
        return []


def process_table():
    table = {}
    for name in os.listdir("/proc"):
        if name.isdigit():
            st = read_stat(int(name))
            if st and st["state"] != "Z":
                table[int(name)] = st
    return table


def tree(roots, include_roots=True):
    """Live pids of roots and all their descendants (roots only if include_roots)."""
    table = process_table()
    children = {}
    for pid, st in table.items():
        children.setdefault(st["ppid"], []).append(pid)
    seen, todo = [], list(roots)
    while todo:
        pid = todo.pop()
        for child in children.get(pid, []):
            if child not in seen:
                seen.append(child)
                todo.append(child)
    if include_roots:
        seen = [p for p in roots if p in table] + seen
    return seen


def cpu_seconds(pids):
    """utime+stime of each live process plus its reaped children's (cutime+cstime)."""
    total = 0
    for pid in pids:
        st = read_stat(pid)
        if st:
            total += st["cpu"]
    return total / CLK_TCK


def machine_ticks():
    """(busy, idle) clock ticks of the whole machine, all CPUs, from /proc/stat: busy is user,
    nice, system, irq, softirq and steal; idle is idle and iowait."""
    with open("/proc/stat") as f:
        fields = [int(x) for x in f.readline().split()[1:]]
    fields += [0] * (8 - len(fields))
    return (fields[0] + fields[1] + fields[2] + fields[5] + fields[6] + fields[7], fields[3] + fields[4])


def side_snapshot(pids):
    return {"pids": pids, "cpu": cpu_seconds(pids)}


def describe(pids):
    return ["%d %s (VmHWM %d kB)" % (p, comm(p), hwm_kb(p)) for p in pids]


class HWMSampler(threading.Thread):
    """Polls VmHWM of a side's processes (for processes that exit before the end)."""

    def __init__(self, pids_fn, interval=0.5):
        super().__init__(daemon=True)
        self.pids_fn, self.interval = pids_fn, interval
        self.peak = {}
        self.halt = threading.Event()

    def run(self):
        while not self.halt.is_set():
            for pid in self.pids_fn():
                self.peak[pid] = max(self.peak.get(pid, 0), hwm_kb(pid))
            self.halt.wait(self.interval)

    def finish(self):
        self.halt.set()
        self.join(2)
        return sum(self.peak.values())


# ------------------------------------------------------------------ helpers --

def median(xs):
    xs = [x for x in xs if x is not None]
    return statistics.median(xs) if xs else None


def parse_ping(text):
    m = re.search(r"= ([\d.]+)/([\d.]+)/([\d.]+)/([\d.]+) ms", text)
    loss = re.search(r"([\d.]+)% packet loss", text)
    if not m:
        return None
    return {"min_us": float(m.group(1)) * 1e3, "avg_us": float(m.group(2)) * 1e3,
            "max_us": float(m.group(3)) * 1e3, "loss_pct": float(loss.group(1)) if loss else None}


def last_json(text):
    for line in reversed(text.strip().splitlines()):
        line = line.strip()
        if line.startswith("{"):
            try:
                return json.loads(line)
            except ValueError:
                pass
    return None


# ------------------------------------------------------------------ the bench --

class Bench:
    def __init__(self, args):
        self.args = args
        self.env = os.environ
        self.procs = Procs(args.pidfile)
        self.work = args.work
        self.quick = args.quick
        self.reps = args.reps
        self.t = args.iperf_seconds
        self.rr_count = 200 if self.quick else 1000
        self.conn_count = 100 if self.quick else 500
        self.ping_count = 50 if self.quick else 200
        self.udp_count = 200 if self.quick else 1000
        self.dns_count = 50 if self.quick else 300
        self.pipe_bytes = args.pipe_bytes
        self.cipher_opt = ["-c", args.cipher] if args.cipher else []
        self.corp4 = self.env["GHNET_CORP_IP4"]
        self.results = {}
        self.meta = {}
        self.iperf = None
        self.laptop_sshd = None

    # namespaces
    def ns(self, role):
        return self.env["GHNET_NS_" + role.upper()]

    def nsx(self, role, *cmd):
        return ["ip", "netns", "exec", self.ns(role), *cmd]

    def ssh(self, *args, cipher=None):
        """ssh from the laptop with the test hosts' config (hosts cs, corp); `cipher` overrides
        the bench's own choice (--cipher, else OpenSSH's)."""
        opt = ["-c", cipher] if cipher else self.cipher_opt
        return self.nsx("laptop", "ssh", "-F", self.env["GHNET_SSH_CONFIG"], *opt, *args)

    def listening(self, role, port, proto="t"):
        rc, out, _ = run(self.nsx(role, "ss", "-Hln" + proto, "sport = :%d" % port), 5)
        return rc == 0 and out.strip() != ""

    # ---------------------------------------------------------- set-up shared by all paths

    def setup(self):
        os.makedirs(self.work, exist_ok=True)
        self.start_iperf_server()
        # The cipher every ssh session negotiates (the same config for every path).
        rc, _, err = run(self.ssh("-v", "cs", "true"), 20)
        m = re.search(r"kex: server->client cipher: (\S+) MAC: (\S+)", err)
        self.meta["ssh_cipher"] = m.group(1) if m else None
        self.meta["ssh_mac"] = m.group(2) if m else None
        rc, out, err = run(["ssh", "-V"], 5)
        self.meta["openssh"] = (out + err).strip()
        rc, out, _ = run(["sshuttle", "--version"], 10)
        self.meta["sshuttle"] = out.strip()
        rc, out, _ = run(["iperf3", "--version"], 5)
        self.meta["iperf3"] = out.splitlines()[0] if out else None
        rc, out, _ = run([self.args.bin, "version"], 10)
        self.meta["gh_net"] = out.strip()
        self.meta["gh_net_bin"] = self.args.bin
        log("ssh cipher: %s (mac %s)" % (self.meta["ssh_cipher"], self.meta["ssh_mac"]))

    def start_iperf_server(self):
        """iperf3's server in corp; --rcv-timeout frees it 15 s after a client vanished mid-test."""
        if self.iperf is not None:
            self.procs.stop(self.iperf)
        self.iperf = self.procs.start(
            "corp-iperf3", self.nsx("corp", "iperf3", "-s", "-p", str(IPERF_PORT), "--rcv-timeout", "15000"),
            stdout=open(os.path.join(self.work, "iperf3-server.log"), "a"), stderr=subprocess.STDOUT)
        if not wait_until("iperf3 server in corp", lambda: self.listening("corp", IPERF_PORT), 10):
            raise RuntimeError("iperf3 server did not start")

    def start_laptop_sshd(self):
        """An sshd in the laptop (testhosts.sh starts none there), for sshuttle from cs."""
        if self.laptop_sshd and self.laptop_sshd.poll() is None:
            return
        d = os.path.join(self.work, "laptop-sshd")
        os.makedirs(d, exist_ok=True)
        key = os.path.join(d, "host_ed25519_key")
        if not os.path.exists(key):
            subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "ghnet-bench-laptop", "-f", key],
                           check=True, timeout=30)
        laptop_ip = self.env["GHNET_LAPTOP_IP4"]
        conf = os.path.join(d, "sshd_config")
        with open(conf, "w") as f:
            f.write("""# sshd in the laptop namespace for the bench's sshuttle path (scripts/bench/bench.py)
Port 22
ListenAddress {ip}
HostKey {key}
PidFile {d}/sshd.pid
AuthorizedKeysFile {auth}
PermitRootLogin prohibit-password
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
UseDNS no
AllowTcpForwarding yes
X11Forwarding no
PrintMotd no
PrintLastLog no
LogLevel ERROR
""".format(ip=laptop_ip, key=key, d=d, auth=os.path.join(self.env["GHNET_HOSTS_DIR"], "ssh", "authorized_keys")))
        with open(key + ".pub") as f:
            hostkey = " ".join(f.read().split()[:2])
        with open(os.path.join(d, "known_hosts"), "w") as f:
            f.write("%s %s\n" % (laptop_ip, hostkey))
        with open(os.path.join(d, "ssh_config"), "w") as f:
            f.write("""# ssh from cs to the laptop, for sshuttle (scripts/bench/bench.py)
Host laptop
  HostName {ip}
  User root
  Port 22
Host *
  IdentityFile {id}
  IdentitiesOnly yes
  IdentityAgent none
  UserKnownHostsFile {kh}
  GlobalKnownHostsFile /dev/null
  StrictHostKeyChecking yes
  BatchMode yes
  ConnectTimeout 5
  ServerAliveInterval 5
  ServerAliveCountMax 3
  ControlMaster no
  ControlPath none
  LogLevel ERROR
""".format(ip=laptop_ip, id=self.env["GHNET_SSH_KEY"], kh=os.path.join(d, "known_hosts")))
        self.laptop_ssh_config = os.path.join(d, "ssh_config")
        sshd = "/usr/sbin/sshd"
        subprocess.run([sshd, "-t", "-f", conf], check=True, timeout=10)
        self.laptop_sshd = self.procs.start(
            "laptop-sshd", self.nsx("laptop", sshd, "-D", "-e", "-f", conf),
            stdout=open(os.path.join(d, "sshd.log"), "w"), stderr=subprocess.STDOUT)
        if not wait_until("sshd in the laptop", lambda: self.listening("laptop", 22), 10):
            raise RuntimeError("laptop sshd did not start")

    # ---------------------------------------------------------- the figures

    def iperf3(self, client, host, port, reverse):
        cmd = client + ["iperf3", "-c", host, "-p", str(port), "-t", str(self.t), "-J"]
        if reverse:
            cmd.append("-R")
        rc, out, err = run(cmd, self.t + 30)
        try:
            j = json.loads(out)
        except ValueError:
            return {"error": "iperf3 rc %d: %s %s" % (rc, out.strip()[-200:], err.strip()[-200:])}
        if "error" in j:
            return {"error": "iperf3: %s" % j["error"]}
        end = j.get("end", {})
        received = end.get("sum_received", {})
        sent = end.get("sum_sent", {})
        return {"mb_per_s": received.get("bits_per_second", 0) / 8e6,
                "bytes": max(received.get("bytes", 0), sent.get("bytes", 0)),
                "retransmits": sent.get("retransmits")}

    def client(self, client, *args, timeout=60):
        rc, out, err = run(client + [PY, CLIENTS, *map(str, args)], timeout)
        j = last_json(out)
        if j is None:
            return {"error": "clients.py %s rc %d: %s" % (args[0], rc, (out + err).strip()[-300:])}
        return j

    def ping(self, client, host):
        rc, out, err = run(client + ["ping", "-n", "-q", "-c", str(self.ping_count), "-i", "0.01", "-W", "2",
                                     "-w", "30", host], 40)
        p = parse_ping(out)
        return p if p else {"error": "ping rc %d: %s" % (rc, (out + err).strip()[-200:])}

    def dig_check(self, client, server, name):
        rc, out, err = run(client + ["dig", "+time=2", "+tries=1", "+short", "@" + server, name, "A"], 10)
        return out.strip().splitlines()

    def measure(self, name, spec):
        """Runs every figure spec supports, reps times (interleaved), with CPU accounting."""
        res = {"metrics": {}, "samples": {}, "errors": [], "resources": {}, "raw": {}}
        raw = res["raw"]

        def keep(key, r):
            raw.setdefault(key, []).append(r)
        samples = {k: [] for k in ("tcp_up_mb_s", "tcp_down_mb_s", "tcp_rr_us", "http_conn_per_s",
                                   "ping_rtt_us", "udp_rr_us", "dns_us", "machine_up_cpu_s_per_gib",
                                   "machine_down_cpu_s_per_gib", "machine_up_idle_pct", "machine_down_idle_pct")}
        sides = spec.get("sides", {})
        cpu_used = {s: 0.0 for s in sides}
        moved = 0
        c = spec["client"]
        ports = spec["ports"]
        host = spec["host"]
        for rep in range(self.reps):
            for reverse, key in ((False, "tcp_up_mb_s"), (True, "tcp_down_mb_s")):
                before = {s: cpu_seconds(fn()) for s, fn in sides.items()}
                machine_before = machine_ticks()
                r = self.iperf3(c, host, ports["iperf"], reverse)
                machine_after = machine_ticks()
                after = {s: cpu_seconds(fn()) for s, fn in sides.items()}
                if "error" in r and (self.iperf.poll() is not None or "busy" in r["error"]):
                    log("%s: %s: %s; restarting the iperf3 server and trying again" % (name, key, r["error"]))
                    self.start_iperf_server()
                    before = {s: cpu_seconds(fn()) for s, fn in sides.items()}
                    machine_before = machine_ticks()
                    r = self.iperf3(c, host, ports["iperf"], reverse)
                    machine_after = machine_ticks()
                    after = {s: cpu_seconds(fn()) for s, fn in sides.items()}
                if "error" in r:
                    res["errors"].append("rep %d %s: %s" % (rep, key, r["error"]))
                    log("%s: %s: %s" % (name, key, r["error"]))
                    continue
                samples[key].append(r["mb_per_s"])
                keep(key, r)
                moved += r["bytes"]
                busy = machine_after[0] - machine_before[0]
                idle = machine_after[1] - machine_before[1]
                direction = "down" if reverse else "up"
                if r["bytes"] > 0 and busy + idle > 0:
                    samples["machine_%s_cpu_s_per_gib" % direction].append(busy / CLK_TCK / (r["bytes"] / GIB))
                    samples["machine_%s_idle_pct" % direction].append(100.0 * idle / (busy + idle))
                for s in sides:
                    cpu_used[s] += max(0.0, after[s] - before[s])
            r = self.client(c, "rr", host, ports["echo"], self.rr_count, 30, timeout=45)
            if "error" in r or not r.get("count"):
                res["errors"].append("rep %d tcp_rr: %s" % (rep, r.get("error", r)))
            else:
                samples["tcp_rr_us"].append(r["us_per_rt"])
                keep("tcp_rr_us", r)
            r = self.client(c, "conn", host, ports["http"], self.conn_count, 30, timeout=45)
            if "error" in r or not r.get("count"):
                res["errors"].append("rep %d http_conn: %s" % (rep, r.get("error", r)))
            else:
                samples["http_conn_per_s"].append(r["per_second"])
                keep("http_conn_per_s", r)
                if r.get("failed"):
                    res["errors"].append("rep %d http_conn: %d failed" % (rep, r["failed"]))
            if spec.get("ping"):
                r = self.ping(c, host)
                if "error" in r:
                    res["errors"].append("rep %d ping: %s" % (rep, r["error"]))
                else:
                    samples["ping_rtt_us"].append(r["avg_us"])
                    keep("ping_rtt_us", r)
            if spec.get("udp"):
                r = self.client(c, "udprr", host, 7, self.udp_count, 30, timeout=45)
                if "error" in r or not r.get("count"):
                    res["errors"].append("rep %d udp_rr: %s" % (rep, r.get("error", r)))
                else:
                    samples["udp_rr_us"].append(r["mean_us"])
                    keep("udp_rr_us", r)
            if spec.get("dns"):
                r = self.client(spec.get("dns_client", c), "dns", spec["dns"], "db.corp.example", self.dns_count, 30,
                                timeout=45)
                if "error" in r or not r.get("count"):
                    res["errors"].append("rep %d dns: %s" % (rep, r.get("error", r)))
                else:
                    samples["dns_us"].append(r["mean_us"])
                    keep("dns_us", r)
        if spec.get("dns"):
            res["dig"] = self.dig_check(spec.get("dns_client", c), spec["dns"], "db.corp.example")
            if self.corp4 not in res["dig"]:
                res["errors"].append("dig @%s db.corp.example gave %s" % (spec["dns"], res["dig"]))
        for k, v in samples.items():
            res["samples"][k] = v
            res["metrics"][k] = median(v)
        gib = moved / GIB
        res["bytes_moved_bulk"] = moved
        for s, fn in sides.items():
            pids = fn()
            res["resources"][s] = {
                "cpu_s_per_gib": cpu_used[s] / gib if gib > 0 else None,
                "cpu_s_bulk": cpu_used[s],
                "peak_rss_mb": sum(hwm_kb(p) for p in pids) / 1024,
                "processes": describe(pids)}
        return res

    # ---------------------------------------------------------- the paths

    def path_direct(self):
        return self.measure("direct", {
            "client": self.nsx("laptop"), "host": self.corp4,
            "ports": {"iperf": IPERF_PORT, "echo": 7, "http": 80},
            "ping": True, "udp": True, "dns": self.env["GHNET_CORP_DNS4"]})

    def cs_sshd_children(self):
        return tree([int(self.env["GHNET_CS_SSHD_PID"])], include_roots=False)

    def agents(self):
        out = []
        for pid in tree([int(self.env["GHNET_CS_SSHD_PID"])], include_roots=False):
            if re.search(r"gh-net\S* agent", comm(pid, limit=None)):
                out.append(pid)
        return out

    def cs_resolver(self):
        rc, out, _ = run(self.nsx("cs", "cat", "/etc/resolv.conf"), 5)
        for line in out.splitlines():
            parts = line.split()
            if len(parts) >= 2 and parts[0] == "nameserver":
                return parts[1]
        return None

    def path_gh_net(self):
        logf = os.path.join(self.work, "gh-net.log")
        ssh_cmd = "ssh -F %s %s" % (shlex.quote(self.env["GHNET_SSH_CONFIG"]), " ".join(map(shlex.quote, self.cipher_opt)))
        extra = shlex.split(self.args.ghnet_args)
        bridge = self.procs.start(
            "gh-net", self.nsx("laptop", "env", "GHNET_SSH_COMMAND=" + ssh_cmd.strip(), self.args.bin, "start",
                               "--gui", "false", "--ssh", "root@cs", *extra),
            stdout=open(logf, "w"), stderr=subprocess.STDOUT)

        def up():
            try:
                with open(logf) as f:
                    return "remote: agent: routes: installed" in f.read()
            except OSError:
                return False
        try:
            if not wait_until("gh-net routes installed", lambda: up() or bridge.poll() is not None, 90) or not up():
                raise RuntimeError("gh-net did not come up; see %s" % logf)
            wait_until("gh-net DNS hook", lambda: self.cs_resolver() not in (None, self.env["GHNET_NET_CS_IP4"]), 15)
            wait_until("a route to corp in cs",
                       lambda: run(self.nsx("cs", "ip", "route", "get", self.corp4), 5)[1].find("ghnet") >= 0, 15)
            time.sleep(0.5)
            agents = self.agents()
            idle = {"agent_rss_mb": sum(rss_kb(p) for p in agents) / 1024,
                    "local_rss_mb": rss_kb(bridge.pid) / 1024,
                    "agent_pids": agents}
            resolver = self.cs_resolver()
            res = self.measure("gh-net", {
                "client": self.nsx("cs"), "host": self.corp4,
                "ports": {"iperf": IPERF_PORT, "echo": 7, "http": 80},
                "ping": True, "udp": True, "dns": resolver,
                "sides": {"laptop": lambda: tree([bridge.pid]), "cs": self.cs_sshd_children}})
            res["idle"] = idle
            res["ssh_cipher"] = self.ghnet_cipher(bridge.pid)
            res["agent_peak_rss_mb"] = sum(hwm_kb(p) for p in self.agents()) / 1024
            res["dns_server"] = resolver
            return res
        finally:
            rc = self.procs.stop(bridge, sig=signal.SIGINT, wait=25)
            wait_until("the agent to exit", lambda: not self.agents(), 15)
            log("gh-net stopped (exit %s)" % rc)

    def ghnet_cipher(self, bridge_pid):
        """The cipher gh-net's ssh negotiated: the first of the Ciphers option gh-net gave its ssh
        (sshd accepts every cipher OpenSSH enables by default), else the one plain ssh
        negotiates (the bench's -c, or OpenSSH's choice)."""
        for pid in tree([bridge_pid], include_roots=False):
            words = cmdline(pid)
            if not words or os.path.basename(words[0]) != "ssh":
                continue
            for i, word in enumerate(words[:-1]):
                if word == "-o" and words[i + 1].startswith("Ciphers="):
                    return words[i + 1][len("Ciphers="):].split(",")[0]
        return self.meta.get("ssh_cipher")

    def path_ssh_socks(self):
        ssh = self.procs.start(
            "ssh-socks", self.ssh("-N", "-o", "ExitOnForwardFailure=yes", "-R", "1080", "cs"),
            stdout=subprocess.DEVNULL, stderr=open(os.path.join(self.work, "ssh-socks.log"), "w"))
        try:
            if not wait_until("SOCKS listener in cs", lambda: self.listening("cs", 1080) or ssh.poll() is not None, 20) \
                    or ssh.poll() is not None:
                raise RuntimeError("ssh -R 1080 did not come up")
            conf = os.path.join(self.work, "proxychains.conf")
            with open(conf, "w") as f:
                f.write("# proxychains4 for the bench: every TCP connect() through ssh -R 1080's SOCKS proxy in cs\n"
                        "strict_chain\nquiet_mode\ntcp_read_time_out 15000\ntcp_connect_time_out 8000\n"
                        "[ProxyList]\nsocks5 127.0.0.1 1080\n")
            return self.measure("ssh-socks", {
                "client": self.nsx("cs", "proxychains4", "-q", "-f", conf), "host": self.corp4,
                "ports": {"iperf": IPERF_PORT, "echo": 7, "http": 80},
                "sides": {"laptop": lambda: tree([ssh.pid]), "cs": self.cs_sshd_children}})
        finally:
            self.procs.stop(ssh)

    def path_ssh_fwd(self):
        targets = {"iperf": IPERF_PORT, "echo": 7, "http": 80}
        fwd = []
        for k, port in FWD_PORTS.items():
            fwd += ["-R", "127.0.0.1:%d:%s:%d" % (port, self.corp4, targets[k])]
        ssh = self.procs.start(
            "ssh-fwd", self.ssh("-N", "-o", "ExitOnForwardFailure=yes", *fwd, "cs"),
            stdout=subprocess.DEVNULL, stderr=open(os.path.join(self.work, "ssh-fwd.log"), "w"))
        try:
            if not wait_until("forwards listening in cs",
                              lambda: all(self.listening("cs", p) for p in FWD_PORTS.values()) or ssh.poll() is not None,
                              20) or ssh.poll() is not None:
                raise RuntimeError("ssh -R forwards did not come up")
            return self.measure("ssh-fwd", {
                "client": self.nsx("cs"), "host": "127.0.0.1", "ports": dict(FWD_PORTS),
                "sides": {"laptop": lambda: tree([ssh.pid]), "cs": self.cs_sshd_children}})
        finally:
            self.procs.stop(ssh)

    def path_sshuttle(self):
        self.start_laptop_sshd()
        logf = os.path.join(self.work, "sshuttle.log")
        ssh_cmd = "ssh -F %s %s" % (self.laptop_ssh_config, " ".join(self.cipher_opt))
        extra = shlex.split(self.args.sshuttle_args)
        sshuttle = self.procs.start(
            # --to-ns: sshuttle's server otherwise picks a random nameserver of the laptop's
            # resolv.conf for each query, and the second one (the internet's) says NXDOMAIN
            # for corp names; the laptop's libc always asks corp's first.
            "sshuttle", self.nsx("cs", "sshuttle", "--ssh-cmd", ssh_cmd.strip(), "-r", "root@laptop", "--dns",
                                 "--to-ns", self.env["GHNET_CORP_GW_IP4"], *extra, self.env["GHNET_CORP_NET4"]),
            stdout=open(logf, "w"), stderr=subprocess.STDOUT)

        def up():
            try:
                with open(logf) as f:
                    return "Connected to server" in f.read()
            except OSError:
                return False
        laptop_sshd = self.laptop_sshd.pid
        try:
            if not wait_until("sshuttle connected", lambda: up() or sshuttle.poll() is not None, 30) or not up():
                raise RuntimeError("sshuttle did not come up; see %s" % logf)
            time.sleep(0.5)
            return self.measure("sshuttle", {
                "client": self.nsx("cs"), "host": self.corp4,
                "ports": {"iperf": IPERF_PORT, "echo": 7, "http": 80},
                # sshuttle --dns catches queries to cs's own nameserver and asks the laptop's.
                "dns": self.env["GHNET_NET_CS_IP4"],
                "sides": {"cs": lambda: tree([sshuttle.pid]),
                          "laptop": lambda: tree([laptop_sshd], include_roots=False)}})
        finally:
            self.procs.stop(sshuttle, sig=signal.SIGINT, wait=15)

    def pipe_once(self, direction, cipher=None):
        """One transfer through a fresh ssh session; returns MB/s and each side's CPU.

        down (laptop -> cs): `source N | ssh cs sink`, the form of ssh cs 'cat >/dev/null' < /dev/zero;
        up (cs -> laptop): `ssh cs 'source N' | sink`, the form of ssh cs 'head -c N /dev/zero' > /dev/null.
        The source and sink (clients.py) write and read 1 MiB at a time through 1 MiB pipes, so
        neither head's small writes nor 64 KiB pipes cap the ceiling. The rate is the
        receiving sink's: from its first byte to its last.
        """
        n = self.pipe_bytes
        listener = int(self.env["GHNET_CS_SSHD_PID"])
        if read_stat(listener) is None:
            return {"error": "pipe %s: cs sshd (pid %d) is not running" % (direction, listener)}
        before = read_stat(listener)["children_cpu"] / CLK_TCK
        sampler = HWMSampler(lambda: [p for p in self.cs_sshd_children() if "clients.py" not in comm(p, None)])
        sampler.start()
        t0 = time.monotonic()
        err_path = os.path.join(self.work, "pipe-%s.stderr" % direction)
        with open(err_path, "w") as err:
            if direction == "down":
                src = self.procs.start("pipe-source", [PY, CLIENTS, "source", str(n)], stdout=subprocess.PIPE,
                                       stderr=subprocess.DEVNULL, start_new_session=False)
                ssh = self.procs.start("pipe-ssh", self.ssh("cs", "exec %s %s sink" % (PY, CLIENTS), cipher=cipher), stdin=src.stdout,
                                       stdout=subprocess.PIPE, stderr=err, start_new_session=False)
                src.stdout.close()
                reader = ssh.stdout
            else:
                ssh = self.procs.start("pipe-ssh", self.ssh("cs", "exec %s %s source %d" % (PY, CLIENTS, n), cipher=cipher),
                                       stdout=subprocess.PIPE, stderr=err, start_new_session=False)
                sink = self.procs.start("pipe-sink", [PY, CLIENTS, "sink"], stdin=ssh.stdout, stdout=subprocess.PIPE,
                                        start_new_session=False)
                ssh.stdout.close()
                reader = sink.stdout
            timer = threading.Timer(120, lambda: ssh.poll() is None and os.kill(ssh.pid, signal.SIGKILL))
            timer.start()
            try:
                text = reader.read().decode(errors="replace")
                _, status, usage = os.wait4(ssh.pid, 0)
                ssh.returncode = os.waitstatus_to_exitcode(status)
            finally:
                timer.cancel()
        for p in list(self.procs.live):
            if p.bench_name.startswith("pipe-"):
                self.procs.stop(p, wait=10)
        wall = time.monotonic() - t0
        # The cs side's processes (sshd for the session and its command) are reaped by the
        # listener, whose children's CPU then holds theirs.
        wait_until("the pipe's sshd to exit", lambda: not self.cs_sshd_children(), 10)
        st = read_stat(listener)
        after = st["children_cpu"] / CLK_TCK if st else before
        peak_cs = sampler.finish()
        j = last_json(text) or {}
        if not j.get("bytes"):
            return {"error": "pipe %s: %s (ssh rc %s)" % (direction, text.strip()[-200:], ssh.returncode)}
        with open(err_path) as f:
            remote = last_json(f.read()) or {}
        # The remote helper (sink for down, source for up) is the measurement, not ssh's work.
        helper = j.get("self_cpu_seconds", 0) if direction == "down" else remote.get("self_cpu_seconds", 0)
        return {"mb_per_s": j["bytes"] / j["seconds"] / 1e6 if j["seconds"] > 0 else None,
                "bytes": j["bytes"], "wall_s": wall, "laptop_cpu": usage.ru_utime + usage.ru_stime,
                "cs_cpu": max(0.0, after - before - helper),
                "laptop_peak_rss_mb": usage.ru_maxrss / 1024, "cs_peak_rss_mb": peak_cs / 1024}

    def path_ssh_pipe(self):
        res = self.pipe_path(None)
        ghnet = self.results.get("gh-net", {}).get("ssh_cipher")
        if ghnet and ghnet != self.meta.get("ssh_cipher"):
            log("path ssh-pipe: again with gh-net's cipher %s (column pipe-same)" % ghnet)
            same = self.pipe_path(ghnet)
            same["ssh_cipher"] = ghnet
            self.results["pipe-same"] = same
        return res

    def pipe_path(self, cipher):
        """The raw pipe both ways, self.reps times, with `cipher` (None: the bench's default)."""
        res = {"metrics": {}, "samples": {"tcp_up_mb_s": [], "tcp_down_mb_s": []}, "errors": [], "resources": {}}
        cpu = {"laptop": 0.0, "cs": 0.0}
        rss = {"laptop": 0.0, "cs": 0.0}
        moved = 0
        for rep in range(self.reps):
            for direction, key in (("up", "tcp_up_mb_s"), ("down", "tcp_down_mb_s")):
                r = self.pipe_once(direction, cipher)
                if "error" in r:
                    res["errors"].append("rep %d %s" % (rep, r["error"]))
                    log(r["error"])
                    continue
                res["samples"][key].append(r["mb_per_s"])
                moved += r["bytes"]
                cpu["laptop"] += r["laptop_cpu"]
                cpu["cs"] += r["cs_cpu"]
                rss["laptop"] = max(rss["laptop"], r["laptop_peak_rss_mb"])
                rss["cs"] = max(rss["cs"], r["cs_peak_rss_mb"])
        for k, v in res["samples"].items():
            res["metrics"][k] = median(v)
        gib = moved / GIB
        res["bytes_moved_bulk"] = moved
        for s in cpu:
            res["resources"][s] = {"cpu_s_per_gib": cpu[s] / gib if gib else None, "cpu_s_bulk": cpu[s],
                                   "peak_rss_mb": rss[s] if moved else None}
        res["bytes_per_transfer"] = self.pipe_bytes
        return res

    # ---------------------------------------------------------- report

    def run_all(self):
        self.setup()
        for name in self.args.paths:
            log("path %s: starting" % name)
            t0 = time.monotonic()
            try:
                res = getattr(self, "path_" + name.replace("-", "_"))()
            except (RuntimeError, OSError, subprocess.SubprocessError) as exc:
                res = {"metrics": {}, "errors": ["set-up failed: %s" % exc], "resources": {}}
                log("path %s failed: %s" % (name, exc))
            except Exception as exc:  # a bug here must not cost the other paths' figures
                res = {"metrics": {}, "errors": ["failed: %s: %s" % (type(exc).__name__, exc)], "resources": {}}
                log("path %s failed: %s" % (name, traceback.format_exc()))
            damage = self.hosts_damage()
            if damage:
                res.setdefault("errors", []).append("the test hosts were disturbed: %s" % damage)
                log("the test hosts were disturbed: %s" % damage)
            res["seconds"] = time.monotonic() - t0
            self.results[name] = res
            log("path %s: done in %.0f s" % (name, res["seconds"]))
            if damage:
                rest = self.args.paths[self.args.paths.index(name) + 1:]
                for skipped in rest:
                    self.results[skipped] = {"metrics": {}, "resources": {},
                                             "errors": ["skipped: the test hosts were disturbed"]}
                if rest:
                    log("skipping %s: the test hosts were disturbed" % ", ".join(rest))
                break

    def hosts_damage(self):
        """What is missing of the test hosts' services the bench relies on (someone else's
        `testhosts.sh down --all` or kill would explain errors that are not the path's)."""
        gone = []
        for var in ("GHNET_CS_SSHD_PID", "GHNET_CORP_WEB_PID", "GHNET_CORP_TCPECHO_PID", "GHNET_CORP_UDPECHO_PID",
                    "GHNET_CORP_DNS_PID"):
            pid = self.env.get(var)
            if pid and read_stat(int(pid)) is None:
                gone.append("%s %s exited" % (var[6:-4].lower().replace("_", "-"), pid))
        if self.iperf is not None and self.iperf.poll() is not None:
            gone.append("iperf3 server exited (%s)" % self.iperf.returncode)
        if not os.path.exists("/run/netns/" + self.ns("cs")):
            gone.append("namespace %s deleted" % self.ns("cs"))
        return ", ".join(gone)

    METRICS = [
        ("tcp_up_mb_s", "TCP up, cs->corp (MB/s)", True),
        ("tcp_down_mb_s", "TCP down, corp->cs (MB/s)", True),
        ("tcp_rr_us", "TCP 1-byte req/resp (us)", False),
        ("http_conn_per_s", "HTTP new conns/s", True),
        ("ping_rtt_us", "ping RTT (us)", False),
        ("udp_rr_us", "UDP 1-byte echo (us)", False),
        ("dns_us", "DNS A lookup (us)", False),
        ("machine_up_cpu_s_per_gib", "machine CPU s/GiB, up", False),
        ("machine_down_cpu_s_per_gib", "machine CPU s/GiB, down", False),
        ("machine_up_idle_pct", "machine idle % during up", False),
        ("machine_down_idle_pct", "machine idle % during down", False),
    ]
    RESOURCES = [
        ("laptop", "cpu_s_per_gib", "CPU s/GiB, laptop side", False),
        ("cs", "cpu_s_per_gib", "CPU s/GiB, cs side", False),
        ("laptop", "peak_rss_mb", "peak RSS MB, laptop side", False),
        ("cs", "peak_rss_mb", "peak RSS MB, cs side", False),
    ]

    def value(self, path, key, side=None):
        r = self.results.get(path, {})
        if side:
            return r.get("resources", {}).get(side, {}).get(key)
        return r.get("metrics", {}).get(key)

    def ratios(self):
        out = {}
        for peer in PEERS + ["ssh-pipe", "pipe-same", "direct"]:
            if peer not in self.results or "gh-net" not in self.results:
                continue
            rat = {}
            for key, _, _ in self.METRICS:
                if key.endswith("_idle_pct"):
                    continue  # a share, not a cost: compared by eye in the table above
                a, b = self.value("gh-net", key), self.value(peer, key)
                rat[key] = a / b if a is not None and b else None
            for side, key, _, _ in self.RESOURCES:
                a, b = self.value("gh-net", key, side), self.value(peer, key, side)
                rat["%s_%s" % (key, side)] = a / b if a is not None and b else None
            out["gh-net/" + peer] = rat
        return out

    def table(self):
        paths = [p for p in self.args.paths if p in self.results] + (["pipe-same"] if "pipe-same" in self.results else [])
        w0, w = 30, 11

        def fmt(v):
            if v is None:
                return "-"
            if abs(v) >= 100:
                return "%.0f" % v
            if abs(v) >= 10:
                return "%.1f" % v
            return "%.2f" % v
        lines = []
        lines.append("gh-net bench: %d rep(s), median shown; iperf3 -t %s; ssh cipher %s, gh-net's %s" % (
            self.reps, self.t, self.meta.get("ssh_cipher"), self.results.get("gh-net", {}).get("ssh_cipher", "-")))
        if "pipe-same" in self.results:
            lines.append("pipe-same: the raw SSH pipe with gh-net's cipher")
        lines.append("".ljust(w0) + "".join(p.rjust(w) for p in paths))
        for key, label, _ in self.METRICS:
            lines.append(label.ljust(w0) + "".join(fmt(self.value(p, key)).rjust(w) for p in paths))
        for side, key, label, _ in self.RESOURCES:
            lines.append(label.ljust(w0) + "".join(fmt(self.value(p, key, side)).rjust(w) for p in paths))
        idle = self.results.get("gh-net", {}).get("idle")
        if idle:
            lines.append("gh-net idle RSS: agent %.1f MB, local side %.1f MB; agent peak %.1f MB" % (
                idle["agent_rss_mb"], idle["local_rss_mb"], self.results["gh-net"].get("agent_peak_rss_mb", 0)))
        rat = self.ratios()
        if any(v is not None for r in rat.values() for v in r.values()):
            lines.append("")
            lines.append("ratios gh-net / X (throughput, conns/s: higher is better; latency, CPU, RSS: lower is better)")
            cols = list(rat)
            lines.append("".ljust(w0) + "".join(c.split("/")[1].rjust(w) for c in cols))
            keys = [(k, l) for k, l, _ in self.METRICS] + [("%s_%s" % (k, s), l) for s, k, l, _ in self.RESOURCES]
            for key, label in keys:
                vals = [rat[c].get(key) for c in cols]
                if all(v is None for v in vals):
                    continue
                lines.append(label.ljust(w0) + "".join(fmt(v).rjust(w) for v in vals))
        errors = [(p, e) for p in paths for e in self.results[p].get("errors", [])]
        if errors:
            lines.append("")
            lines.append("problems:")
            for p, e in errors:
                lines.append("  %s: %s" % (p, e))
        return "\n".join(lines)

    def write_json(self, path):
        doc = {
            "tool": "gh-net-bench", "format": 1,
            "finished": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "machine": {"kernel": os.uname().release, "cpus": os.cpu_count()},
            "settings": {"reps": self.reps, "quick": self.quick, "iperf_seconds": self.t,
                         "rr_count": self.rr_count, "conn_count": self.conn_count, "ping_count": self.ping_count,
                         "udp_count": self.udp_count, "dns_count": self.dns_count, "pipe_bytes": self.pipe_bytes,
                         "paths": self.args.paths, "ghnet_args": self.args.ghnet_args,
                         "sshuttle_args": self.args.sshuttle_args, "forced_cipher": self.args.cipher},
            "meta": self.meta,
            "units": {"tcp_up_mb_s": "MB/s (1e6 bytes)", "tcp_down_mb_s": "MB/s", "tcp_rr_us": "us per round trip",
                      "http_conn_per_s": "connections/s", "ping_rtt_us": "us", "udp_rr_us": "us", "dns_us": "us",
                      "cpu_s_per_gib": "CPU seconds per GiB of iperf3 payload",
                      "machine_up_cpu_s_per_gib": "busy CPU seconds of the whole machine (all processes and the kernel) per GiB of iperf3 payload",
                      "machine_down_cpu_s_per_gib": "the same, downloads",
                      "machine_up_idle_pct": "percent of the machine's CPU time idle during the uploads",
                      "machine_down_idle_pct": "the same, downloads", "peak_rss_mb": "MiB (sum of VmHWM)"},
            "paths": self.results,
            "ratios": self.ratios(),
        }
        tmp = path + ".tmp"
        with open(tmp, "w") as f:
            json.dump(doc, f, indent=2, sort_keys=False, default=str)
            f.write("\n")
        os.replace(tmp, path)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bin", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--work", required=True)
    ap.add_argument("--pidfile", required=True)
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--iperf-seconds", type=int, default=5)
    ap.add_argument("--pipe-bytes", type=int, default=1 << 30)
    ap.add_argument("--paths", default=",".join(ALL_PATHS))
    ap.add_argument("--cipher", default="")
    ap.add_argument("--ghnet-args", default="")
    ap.add_argument("--sshuttle-args", default="")
    args = ap.parse_args()
    args.paths = [p for p in args.paths.split(",") if p]
    for p in args.paths:
        if p not in ALL_PATHS:
            ap.error("unknown path %s (known: %s)" % (p, ", ".join(ALL_PATHS)))
    # bench.sh starts this driver in the background, where SIGINT arrives ignored; ignored
    # signals stay ignored across exec, and gh-net and sshuttle must see the SIGINT that stops
    # them cleanly. A handler (not SIG_IGN) makes every child start with the default again.
    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGHUP, on_signal)
    bench = Bench(args)
    rc = 0
    try:
        bench.run_all()
    except (Stop, KeyboardInterrupt) as exc:
        log("stopped: %s" % (exc or "interrupt"))
        rc = 130
    except (RuntimeError, OSError, subprocess.SubprocessError) as exc:
        log("failed: %s" % exc)
        rc = 1
    finally:
        bench.procs.stop_all()
    if bench.results:
        bench.write_json(args.out)
        try:
            print(bench.table())
            print("json: %s" % args.out)
            sys.stdout.flush()
        except (OSError, ValueError):
            pass
        if rc == 0 and any(r.get("errors") for r in bench.results.values()):
            rc = 3   # figures are missing: the problems are listed under the table
    return rc


if __name__ == "__main__":
    sys.exit(main())
