#!/usr/bin/env bash
# bench.sh - gh-net side by side with the tools a user would pick instead, on the same test
# hosts in one run (issue 7). A script, not a test: it never runs in CI. See docs/benchmark.md.
set -euo pipefail
set +m
umask 022
export LC_ALL=C
PATH="$PATH:/usr/local/sbin:/usr/sbin:/sbin"

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
TESTHOSTS="$ROOT/scripts/testhosts.sh"
DRIVER="$ROOT/scripts/bench/bench.py"

usage() {
  cat <<EOF
Usage: ${0##*/} [--quick] [--reps N] [--out FILE] [--paths LIST] [--keep-work]

Builds gh-net in release mode (unless GHNET_BIN names a binary), brings up the test hosts
(scripts/testhosts.sh), and measures, one path after another on the same hosts:

  direct     the laptop straight to corp (no bridge)
  gh-net     gh-net start --ssh root@cs in the laptop; clients in the codespace (cs)
  ssh-socks  OpenSSH reverse dynamic SOCKS: ssh -N -R 1080 root@cs; clients in cs under proxychains4
  ssh-fwd    OpenSSH remote forwards: ssh -N -R PORT:corp:PORT root@cs; clients in cs to 127.0.0.1:PORT
  sshuttle   sshuttle -r root@laptop 198.18.2.0/24 --dns, run in cs (against an sshd it starts in the laptop)
  ssh-pipe   the raw SSH pipe, both ways: the ceiling of any tunnel over one SSH session

Figures (each repeated, median reported): iperf3 TCP throughput both ways, 1-byte TCP
request/response latency, new HTTP connections per second, ping RTT and UDP echo latency
(gh-net and direct only), DNS lookup latency (gh-net, sshuttle --dns, direct), CPU seconds
per GiB and peak RSS of the bridge's processes on each side. Then gh-net's ratios to each.

Options
  --quick        1 repetition, short runs (a try-out: under a minute after the build)
  --reps N       repetitions (default \$BENCH_REPS or 3)
  --out FILE     the JSON results (default /tmp/ghnet-bench-DATE.json)
  --paths LIST   comma-separated subset of the paths above (default all)
  --keep-work    keep the work dir (logs) even when everything went well
  -h, --help     this text

Environment
  GHNET_BIN            use this gh-net binary instead of building
  BENCH_REPS           repetitions (overridden by --reps)
  BENCH_IPERF_SECONDS  iperf3 -t (default 5, quick 2)
  BENCH_PIPE_BYTES     bytes per raw-pipe transfer (default 1 GiB, quick 256 MiB)
  BENCH_SSH_CIPHER     force one cipher (ssh -c) on every SSH session, gh-net's included (default:
                       each tool's own: OpenSSH's order, and gh-net's AES-GCM first on a CPU
                       with AES instructions; then the raw pipe also runs with gh-net's cipher)
  BENCH_GHNET_ARGS     extra 'gh-net start' arguments (e.g. '--dns-domain corp.example')
  BENCH_SSHUTTLE_ARGS  extra sshuttle arguments (e.g. '--no-latency-control')
  BENCH_MAX_SECONDS    hard limit for the measuring part (default 2400, quick 600)

Exit status: 0 when every figure was taken, 3 when some are missing (listed under the
table; the work dir with the logs is kept), anything else on failure.

Needs root (network namespaces). Traffic stays inside the namespaces it creates (198.18.0.0/15,
2001:db8::/32) and loopback. Whatever happens (failure, Ctrl-C, SIGTERM), it kills every process
it started and removes its namespaces.
EOF
}

log() { printf 'bench: %s\n' "$*" >&2 2>/dev/null || true; }
die() { log "error: $*"; exit 1; }

QUICK=0 REPS=${BENCH_REPS:-3} OUT="" PATHS="" KEEP_WORK=0
while (($#)); do
  case $1 in
    --quick) QUICK=1 ;;
    --reps) (($# >= 2)) || die "--reps needs a number"; REPS=$2; shift ;;
    --out) (($# >= 2)) || die "--out needs a file"; OUT=$2; shift ;;
    --paths) (($# >= 2)) || die "--paths needs a list"; PATHS=$2; shift ;;
    --keep-work) KEEP_WORK=1 ;;
    -h | --help) usage; exit 0 ;;
    *) usage >&2; die "unknown argument: $1" ;;
  esac
  shift
done
[[ $REPS =~ ^[1-9][0-9]?$ ]] || die "--reps must be 1..99"
[[ $EUID -eq 0 ]] || die "must run as root (network namespaces)"

if ((QUICK)); then
  REPS=1
  IPERF_SECONDS=${BENCH_IPERF_SECONDS:-2}
  PIPE_BYTES=${BENCH_PIPE_BYTES:-$((256 << 20))}
  MAX_SECONDS=${BENCH_MAX_SECONDS:-600}
else
  IPERF_SECONDS=${BENCH_IPERF_SECONDS:-5}
  PIPE_BYTES=${BENCH_PIPE_BYTES:-$((1 << 30))}
  MAX_SECONDS=${BENCH_MAX_SECONDS:-2400}
fi
[[ $IPERF_SECONDS =~ ^[1-9][0-9]?$ ]] || die "BENCH_IPERF_SECONDS must be 1..99"
[[ $PIPE_BYTES =~ ^[0-9]+$ ]] && ((PIPE_BYTES > 0 && PIPE_BYTES <= (16 << 30))) || die "BENCH_PIPE_BYTES must be 1..16 GiB"
[[ -n $OUT ]] || OUT=/tmp/ghnet-bench-$(date -u +%Y%m%d-%H%M%S).json

# ------------------------------------------------------------------ packages --

install_missing() {
  local pair cmd pkg missing=()
  for pair in ip:iproute2 ss:iproute2 sshd:openssh-server ssh:openssh-client ssh-keygen:openssh-client \
      dnsmasq:dnsmasq-base dig:dnsutils curl:curl ping:iputils-ping setsid:util-linux timeout:coreutils \
      iperf3:iperf3 sshuttle:sshuttle proxychains4:proxychains4 iptables:iptables /usr/bin/python3:python3; do
    cmd=${pair%%:*}; pkg=${pair#*:}
    command -v "$cmd" >/dev/null 2>&1 || missing+=("$pkg")
  done
  ((${#missing[@]})) || return 0
  mapfile -t missing < <(printf '%s\n' "${missing[@]}" | sort -u)
  log "installing: ${missing[*]}"
  command -v apt-get >/dev/null 2>&1 || die "apt-get not found; install by hand: ${missing[*]}"
  apt-get update -qq >&2 || die "apt-get update failed"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2 \
    || die "apt-get install failed: ${missing[*]}"
}
install_missing

# ------------------------------------------------------------------ build --

if [[ -n ${GHNET_BIN:-} ]]; then
  [[ -x $GHNET_BIN ]] || die "GHNET_BIN=$GHNET_BIN is not an executable"
  GHNET_BIN=$(cd "$(dirname "$GHNET_BIN")" && pwd)/$(basename "$GHNET_BIN")
else
  log "building gh-net (release, static Swift stdlib, .build-release)"
  (cd "$ROOT" && swift build -c release --static-swift-stdlib --scratch-path .build-release --product gh-net) >&2 \
    || die "build failed"
  GHNET_BIN="$ROOT/.build-release/release/gh-net"
fi
log "gh-net: $GHNET_BIN"

# ------------------------------------------------------------------ run --

WORK=$(mktemp -d /tmp/ghnet-bench-work-XXXXXX)
PIDFILE="$WORK/pids"
: >"$PIDFILE"
DRIVER_PID=""
HOSTS_ENV=""
FAILED=1

proc_start() { # pid -> start time (clock ticks since boot), to tell it from a recycled pid
  local s
  s=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
  s=${s##*) }
  # shellcheck disable=SC2086
  set -- $s
  printf '%s\n' "${20}"
}

alive() { # true while pid runs (a zombie counts as gone)
  local s
  s=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
  s=${s##*) }
  [[ ${s:0:1} != Z ]]
}

kill_recorded() { # the processes the driver recorded (pid starttime name), if still the same
  local pid st name now pids=() i
  [[ -r $PIDFILE ]] || return 0
  while read -r pid st name; do
    [[ $pid =~ ^[0-9]+$ ]] || continue
    now=$(proc_start "$pid") || continue
    [[ $st == 0 || $now == "$st" ]] && pids+=("$pid")
  done <"$PIDFILE"
  ((${#pids[@]})) || return 0
  kill -TERM "${pids[@]}" 2>/dev/null || true
  for ((i = 0; i < 50; i++)); do
    local any=0
    for pid in "${pids[@]}"; do alive "$pid" && any=1; done
    ((any)) || return 0
    sleep 0.1
  done
  kill -KILL "${pids[@]}" 2>/dev/null || true
}

cleanup() {
  local rc=$? i suffix left
  # Nothing here may stop half-way: not a failing command (set -e), not a second signal, not
  # a write to a terminal pipe whose reader (tee, less) died of the same Ctrl-C (SIGPIPE).
  set +e
  trap '' INT TERM HUP PIPE
  if [[ -n $DRIVER_PID ]] && alive "$DRIVER_PID"; then
    log "stopping the driver (pid $DRIVER_PID)"
    kill -TERM "$DRIVER_PID" 2>/dev/null || true
    for ((i = 0; i < 400; i++)); do alive "$DRIVER_PID" || break; sleep 0.1; done
    alive "$DRIVER_PID" && kill -KILL "$DRIVER_PID" 2>/dev/null || true
  fi
  kill_recorded
  if [[ -n $HOSTS_ENV ]]; then
    # From the sourced env (the file is gone if someone else's 'down --all' removed the run).
    suffix=${GHNET_HOSTS_SUFFIX:-$(sed -n 's/^export GHNET_HOSTS_SUFFIX=//p' "$HOSTS_ENV" 2>/dev/null || true)}
    # Its output goes to a file: testhosts.sh stops at a failed write to a dead stderr.
    "$TESTHOSTS" down "$HOSTS_ENV" >>"$WORK/teardown.log" 2>&1 || true
    if [[ -n $suffix ]]; then
      left=$(ip netns list 2>/dev/null | awk '{print $1}' | grep -F "ghnet-$suffix-" || true)
      if [[ -n $left ]]; then
        log "namespaces still there after teardown, removing: $left"
        "$TESTHOSTS" down "$suffix" >>"$WORK/teardown.log" 2>&1 || true
        for ns in $left; do ip netns delete "$ns" 2>/dev/null || true; done
      fi
      left=$(ip netns list 2>/dev/null | awk '{print $1}' | grep -F "ghnet-$suffix-" || true)
      if [[ -n $left ]]; then log "warning: could not remove: $left"; else log "test hosts ghnet-$suffix-* removed"; fi
    fi
  fi
  if ((FAILED || KEEP_WORK)); then
    log "work dir (logs) kept: $WORK"
  else
    rm -rf "$WORK"
  fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

log "bringing up the test hosts"
HOSTS_ENV=$("$TESTHOSTS" up) || die "testhosts.sh up failed"
# shellcheck disable=SC1090
source "$HOSTS_ENV"
log "test hosts: $GHNET_HOSTS_SUFFIX ($HOSTS_ENV)"

args=(--bin "$GHNET_BIN" --out "$OUT" --work "$WORK" --pidfile "$PIDFILE" --reps "$REPS"
      --iperf-seconds "$IPERF_SECONDS" --pipe-bytes "$PIPE_BYTES"
      --cipher "${BENCH_SSH_CIPHER:-}" --ghnet-args "${BENCH_GHNET_ARGS:-}" --sshuttle-args "${BENCH_SSHUTTLE_ARGS:-}")
((QUICK)) && args+=(--quick)
[[ -n $PATHS ]] && args+=(--paths "$PATHS")

# In the background, so a signal to this script is handled at once (the trap stops the driver).
timeout --kill-after=60 "$MAX_SECONDS" /usr/bin/python3 -u "$DRIVER" "${args[@]}" &
DRIVER_PID=$!
rc=0
wait "$DRIVER_PID" || rc=$?
DRIVER_PID=""
((rc == 124)) && log "the measuring part hit its limit of $MAX_SECONDS s"
((rc == 3)) && log "some figures are missing (see 'problems' above); the logs are kept"
((rc == 0)) && FAILED=0
exit "$rc"
