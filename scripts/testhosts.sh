#!/usr/bin/env bash
# testhosts.sh - build and tear down the network-namespace "test hosts" that
# gh-net's end-to-end tests run against (see DESIGN.md, "Test hosts").
# Run `scripts/testhosts.sh --help` for the full description.
set -euo pipefail
set +m
umask 022
export LC_ALL=C
PATH="$PATH:/usr/local/sbin:/usr/sbin:/sbin"

SCRIPT_DIR=$(cd "${BASH_SOURCE[0]%/*}" && pwd)
SERVERS_PY="$SCRIPT_DIR/testhosts/servers.py"
NS_PREFIX="ghnet-"
STATE_PREFIX="/tmp/ghnet-hosts-"
NETNS_ETC="/etc/netns"
ROLES=(net cs laptop corp)

# Fixed addressing plan (198.18.0.0/15 and 2001:db8::/32 only).
NET_CS_IP4=198.18.0.1;      NET_CS_IP6=2001:db8::1
CS_IP4=198.18.0.2;          CS_IP6=2001:db8::2
NET_LAPTOP_IP4=198.18.3.1;  NET_LAPTOP_IP6=2001:db8:3::1
LAPTOP_IP4=198.18.3.2;      LAPTOP_IP6=2001:db8:3::2
LAPTOP_VPN_IP4=198.18.1.1;  LAPTOP_VPN_IP6=2001:db8:1::1
CORP_GW_IP4=198.18.1.2;     CORP_GW_IP6=2001:db8:1::2
CORP_IP4=198.18.2.10;       CORP_IP6=2001:db8:2::10
CORP_NET4=198.18.2.0/24;    CORP_NET6=2001:db8:2::/64
CORP_MAIL_IP4=198.18.2.25;  CORP_MAIL_IP6=2001:db8:2::25
PUBLIC_IP4=$NET_CS_IP4;     PUBLIC_IP6=$NET_CS_IP6

log() { printf 'testhosts: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

usage() {
  cat <<EOF
Usage: ${0##*/} COMMAND [ARGS]

Builds throw-away "hosts" for gh-net's end-to-end tests as Linux network
namespaces (needs root).  Only loopback and the namespaces it creates carry
traffic; inside them only 198.18.0.0/15 and 2001:db8::/32 are used.  The
host's own interfaces, routes and resolv.conf are never touched.

Commands
  up                 Build one run, wait until every service answers, print
                     the absolute path of its env file on stdout (one line;
                     all other output goes to stderr).  If anything fails
                     half-way, whatever was created is removed again.
  down [ENV|SUFFIX|DIR]
                     Tear down one run: kill the processes it started (and
                     anything else left inside its namespaces), delete its
                     namespaces and /etc/netns/<name> dirs, remove its state
                     dir.  Idempotent.  Without an argument: the run named by
                     \$GHNET_HOSTS_ENV.
  down --all         Tear down every ${NS_PREFIX}* namespace set and every
                     ${STATE_PREFIX}* dir.
  status             List the runs that exist: namespaces, live processes.
  exec ROLE CMD...   Run CMD inside ROLE's namespace (net|cs|laptop|corp) of
                     the run named by \$GHNET_HOSTS_ENV, else of the newest run.
  -h, --help         This text.

Test hook: GHNET_TESTHOSTS_FAIL_AT=netns|links|services makes 'up' fail on
purpose at that stage (used by tests/e2e/testhosts_test.sh).

Topology of one run (suffix = 6 random hex digits, namespaces
${NS_PREFIX}<suffix>-<role>, state dir ${STATE_PREFIX}<suffix>/):

  role    interface  IPv4 / IPv6
  cs      eth0       $CS_IP4/24  $CS_IP6/64     (to net)
  net     to-cs      $NET_CS_IP4/24  $NET_CS_IP6/64
  net     to-laptop  $NET_LAPTOP_IP4/24  $NET_LAPTOP_IP6/64
  laptop  eth0       $LAPTOP_IP4/24  $LAPTOP_IP6/64   (to net)
  laptop  vpn0       $LAPTOP_VPN_IP4/24  $LAPTOP_VPN_IP6/64   (the "VPN")
  corp    vpn0       $CORP_GW_IP4/24  $CORP_GW_IP6/64
  corp    srv0       $CORP_IP4/24  $CORP_IP6/64  (the corp servers)

  net     routes (IPv4+IPv6 forwarding on).  Web server on :80 ("public web"),
          dnsmasq on $NET_CS_IP4/$NET_LAPTOP_IP4 (+v6): public.example
          A $PUBLIC_IP4, AAAA $PUBLIC_IP6; everything else NXDOMAIN.
  cs      the codespace.  sshd on :22, root by key only.  resolv.conf:
          nameserver $NET_CS_IP4.  Cannot reach corp (net has no route to it).
  laptop  the local machine.  Default route via net, $CORP_NET4 and
          $CORP_NET6 via the vpn veth.  Forwarding off.  resolv.conf:
          nameserver $CORP_GW_IP4, nameserver $NET_LAPTOP_IP4, search corp.example.
          (corp answers NXDOMAIN for public names and glibc does not fall
          back on NXDOMAIN, so the laptop's libc resolves only corp names.)
          /etc/hosts: legacy.corp.example $CORP_IP4 (no DNS server knows it).
  corp    behind the VPN.  On all its addresses: HTTP :80 (serves
          \$GHNET_CORP_WWW, index.html says "corp intranet"), TCP echo :7,
          UDP echo :7 (any datagram up to 65507/65527 bytes), sshd :22 (same
          key), dnsmasq :53 for zone corp.example (A, AAAA, CNAME, MX, SRV,
          TXT incl. big.corp.example > 1232 bytes so it needs TCP, PTR, NS,
          SOA, NULL, CAA, HTTPS, SVCB, NAPTR); other names NXDOMAIN.

The env file (bash, source it) exports GHNET_* variables: namespace names
(GHNET_NS_NET, GHNET_NS_CS, GHNET_NS_LAPTOP, GHNET_NS_CORP), addresses
(GHNET_CS_IP4, GHNET_CORP_IP6, ...), GHNET_SSH_CONFIG (use as
'ip netns exec \$GHNET_NS_LAPTOP ssh -F \$GHNET_SSH_CONFIG cs CMD'; hosts cs,
cs6, corp, corp6), GHNET_SSH_KEY, GHNET_CORP_WWW, the pids of every process
started (GHNET_PIDS, GHNET_CS_SSHD_PID, ...).  Logs: <state dir>/logs/.

Needs (Debian packages): iproute2 openssh-server openssh-client dnsmasq
dnsutils python3 iputils-ping curl util-linux coreutils.
EOF
}

# ---------------------------------------------------------------- helpers --

ns_name() { printf '%s%s-%s' "$NS_PREFIX" "$1" "$2"; }   # SUFFIX ROLE
state_dir() { printf '%s%s' "$STATE_PREFIX" "$1"; }      # SUFFIX

ns_exists() { [[ -e "/var/run/netns/$1" || -e "/run/netns/$1" ]]; }

# All namespace names (first word of `ip netns list`).
list_netns() { ip netns list 2>/dev/null | awk '{print $1}' || true; }

# Start time (clock ticks since boot) of a pid, to tell it from a recycled one.
proc_start() {
  local s
  s=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
  s=${s##*) }
  # shellcheck disable=SC2086
  set -- $s
  printf '%s\n' "${20}"
}

# True while pid runs (a zombie counts as gone).
pid_alive() {
  local s
  s=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
  s=${s##*) }
  [[ ${s:0:1} != Z ]]
}

need_root() {
  [[ $EUID -eq 0 ]] || die "must run as root (network namespaces)"
}

check_tools() {
  local missing=() pair cmd pkg
  for pair in ip:iproute2 ss:iproute2 sshd:openssh-server ssh:openssh-client \
      ssh-keygen:openssh-client dnsmasq:dnsmasq dig:dnsutils curl:curl \
      ping:iputils-ping setsid:util-linux timeout:coreutils od:coreutils; do
    cmd=${pair%%:*}; pkg=${pair#*:}
    command -v "$cmd" >/dev/null 2>&1 || missing+=("$cmd (Debian package: $pkg)")
  done
  [[ -n $PY ]] || missing+=("python3 (Debian package: python3)")
  [[ -r $SERVERS_PY ]] || missing+=("$SERVERS_PY (part of this repo)")
  if ((${#missing[@]})); then
    log "missing commands:"
    printf '  %s\n' "${missing[@]}" >&2
    die "install the packages above (e.g. apt-get install -y ...) and retry"
  fi
}

PY=""
if [[ -x /usr/bin/python3 ]]; then PY=/usr/bin/python3
elif command -v python3 >/dev/null 2>&1; then PY=$(command -v python3)
fi

rand_hex6() { od -An -N3 -tx1 /dev/urandom | tr -d ' \n'; }

# ---------------------------------------------------------------- teardown --

# Kill a list of pids: TERM, wait (bounded), then KILL, wait (bounded).
kill_pids() {
  local pids=() p i alive
  for p in "$@"; do
    [[ $p =~ ^[0-9]+$ ]] || continue
    [[ $p == "$$" || $p == "${BASHPID:-$$}" || $p == 1 ]] && continue
    pids+=("$p")
  done
  ((${#pids[@]})) || return 0
  kill -TERM "${pids[@]}" 2>/dev/null || true
  for ((i = 0; i < 30; i++)); do
    alive=0
    for p in "${pids[@]}"; do pid_alive "$p" && { alive=1; break; }; done
    ((alive)) || return 0
    sleep 0.1
  done
  kill -KILL "${pids[@]}" 2>/dev/null || true
  for ((i = 0; i < 20; i++)); do
    alive=0
    for p in "${pids[@]}"; do pid_alive "$p" && { alive=1; break; }; done
    ((alive)) || return 0
    sleep 0.1
  done
  for p in "${pids[@]}"; do pid_alive "$p" && log "warning: pid $p survived SIGKILL"; done
  return 0
}

# Tear down everything belonging to one suffix.  Never fails.
teardown_suffix() {
  local suf=$1 dir ns pid st rest now pids=() nss=() role found=0
  [[ $suf =~ ^[0-9a-f]{6}$ ]] || { log "not a run suffix: $suf"; return 0; }
  dir=$(state_dir "$suf")
  # 1. the pids we started (only if still the same process)
  if [[ -r $dir/pids ]]; then
    while read -r pid st rest; do
      [[ $pid =~ ^[0-9]+$ ]] || continue
      now=$(proc_start "$pid" 2>/dev/null) || continue
      [[ $st == 0 || $now == "$st" ]] && pids+=("$pid")
    done <"$dir/pids"
  fi
  # 2. anything else living in our namespaces
  for role in "${ROLES[@]}"; do nss+=("$(ns_name "$suf" "$role")"); done
  while read -r ns; do
    [[ $ns == "$NS_PREFIX$suf-"* ]] || continue
    [[ " ${nss[*]} " == *" $ns "* ]] || nss+=("$ns")
  done < <(list_netns)
  for ns in "${nss[@]}"; do
    ns_exists "$ns" || continue
    found=1
    while read -r pid; do [[ -n $pid ]] && pids+=("$pid"); done < <(ip netns pids "$ns" 2>/dev/null || true)
  done
  kill_pids "${pids[@]}"
  # 3. namespaces and their /etc/netns dirs
  for ns in "${nss[@]}"; do
    if ns_exists "$ns"; then
      # The gh-net agent's lock, hand-over socket and run record for this namespace (/run/gh-net/agent-net<inode>.*); its
      # processes are gone, and the inode may be reused by a later namespace.
      ino=$(stat -L -c %i "/run/netns/$ns" 2>/dev/null) && rm -f "/run/gh-net/agent-net$ino.lock" "/run/gh-net/agent-net$ino.sock" "/run/gh-net/agent-net$ino.run"
      ip netns delete "$ns" 2>/dev/null || log "warning: could not delete namespace $ns"
    fi
    [[ -e $NETNS_ETC/$ns ]] && found=1
    rm -rf "${NETNS_ETC:?}/$ns"
  done
  # 4. state dir
  [[ -e $dir ]] && found=1
  rm -rf "$dir"
  if ((found)); then log "down: run $suf removed"; else log "down: run $suf: nothing left to remove"; fi
  return 0
}

# ENV file | state dir | suffix  ->  suffix
resolve_suffix() {
  local a=$1 s
  case $a in
    *"$STATE_PREFIX"*) s=${a#*"$STATE_PREFIX"}; s=${s%%/*} ;;
    *) s=$a ;;
  esac
  [[ $s =~ ^[0-9a-f]{6}$ ]] || return 1
  printf '%s\n' "$s"
}

all_suffixes() {
  {
    list_netns | sed -n "s/^${NS_PREFIX}\([0-9a-f]\{6\}\)-.*/\1/p"
    for d in "$STATE_PREFIX"*; do [[ -d $d ]] && printf '%s\n' "${d#"$STATE_PREFIX"}"; done
    for d in "$NETNS_ETC/$NS_PREFIX"*; do
      [[ -d $d ]] && basename "$d" | sed -n "s/^${NS_PREFIX}\([0-9a-f]\{6\}\)-.*/\1/p"
    done
  } | grep -E '^[0-9a-f]{6}$' | sort -u || true
}

cmd_down() {
  need_root
  local arg=${1:-${GHNET_HOSTS_ENV:-}} suf
  if [[ $arg == --all ]]; then
    for suf in $(all_suffixes); do teardown_suffix "$suf"; done
    # stray state dirs whose names do not carry a suffix
    for d in "$STATE_PREFIX"*; do [[ -e $d ]] && rm -rf "$d"; done
    rmdir "$NETNS_ETC" 2>/dev/null || true
    return 0
  fi
  [[ -n $arg ]] || die "down: which run? give ENVFILE, SUFFIX or --all (or set GHNET_HOSTS_ENV)"
  suf=$(resolve_suffix "$arg") || die "down: cannot tell the run from '$arg'"
  teardown_suffix "$suf"
}

# ---------------------------------------------------------------- status --

cmd_status() {
  local suf dir ns role pid st rest n=0 line
  for suf in $(all_suffixes); do
    n=$((n + 1))
    dir=$(state_dir "$suf")
    echo "run $suf"
    if [[ -f $dir/env ]]; then echo "  env:   $dir/env"
    elif [[ -d $dir ]]; then echo "  state: $dir (no env file: incomplete or failed)"
    else echo "  state: (missing)"; fi
    line=""
    for role in "${ROLES[@]}"; do
      ns=$(ns_name "$suf" "$role")
      if ns_exists "$ns"; then line+=" $ns"; else line+=" ($ns missing)"; fi
    done
    echo "  netns:$line"
    if [[ -r $dir/pids ]]; then
      while read -r pid st rest; do
        [[ $pid =~ ^[0-9]+$ ]] || continue
        if pid_alive "$pid" && [[ $(proc_start "$pid" 2>/dev/null) == "$st" ]]; then
          echo "  pid $pid $rest: running"
        else
          echo "  pid $pid $rest: gone"
        fi
      done <"$dir/pids"
    fi
  done
  ((n)) || echo "no runs"
}

# ---------------------------------------------------------------- exec --

newest_env() {
  local f
  if [[ -n ${GHNET_HOSTS_ENV:-} ]]; then printf '%s\n' "$GHNET_HOSTS_ENV"; return 0; fi
  # shellcheck disable=SC2012
  f=$(ls -1t "$STATE_PREFIX"*/env 2>/dev/null | head -n1 || true)
  [[ -n $f ]] || return 1
  printf '%s\n' "$f"
}

cmd_exec() {
  need_root
  (($# >= 2)) || die "usage: exec ROLE CMD..."
  local role=$1 env ns
  shift
  case $role in net | cs | laptop | corp) ;; *) die "exec: ROLE must be net, cs, laptop or corp" ;; esac
  env=$(newest_env) || die "exec: no run found (run '$0 up' first)"
  [[ -r $env ]] || die "exec: cannot read $env"
  ns=$(ns_name "$(resolve_suffix "$env")" "$role")
  ns_exists "$ns" || die "exec: namespace $ns does not exist"
  exec ip netns exec "$ns" "$@"
}

# ---------------------------------------------------------------- up --

SUF="" STATE="" UP_OK=0
NS_NET="" NS_CS="" NS_LAPTOP="" NS_CORP=""
declare -A PID_OF=()
ALL_PIDS=()

on_up_exit() {
  local rc=$?
  if ((UP_OK == 0)) && [[ -n $SUF ]]; then
    log "up failed (exit $rc); cleaning up run $SUF"
    if [[ -d $STATE/logs ]]; then
      local f
      for f in "$STATE"/logs/*.log; do
        [[ -s $f ]] || continue
        log "--- last lines of ${f##*/}:"
        tail -n 5 "$f" >&2 || true
      done
    fi
    teardown_suffix "$SUF" || true
  fi
}

nsx() { local ns=$1; shift; ip netns exec "$ns" "$@"; }

# Test hook: GHNET_TESTHOSTS_FAIL_AT=STAGE makes `up` fail at that stage, to
# prove that a half-built run is cleaned up.  Stages: netns, links, services.
fail_point() {
  [[ ${GHNET_TESTHOSTS_FAIL_AT:-} != "$1" ]] || die "failing on purpose at stage '$1' (GHNET_TESTHOSTS_FAIL_AT)"
}

# start_bg NAME NS CMD...: start CMD inside NS, detached, logged; record pid.
start_bg() {
  local name=$1 ns=$2 pid st
  shift 2
  (
    # Close every inherited fd above 2 (our saved stdout on fd 3, a caller's
    # pipes), so nobody waiting on them waits for the services too.
    for fd in /proc/"$BASHPID"/fd/*; do
      fd=${fd##*/}
      [[ $fd =~ ^[0-9]+$ ]] && ((fd > 2)) && eval "exec $fd>&-"
    done
    exec setsid ip netns exec "$ns" "$@"
  ) </dev/null >>"$STATE/logs/$name.log" 2>&1 &
  pid=$!
  st=$(proc_start "$pid") || st=0
  printf '%s %s %s %s\n' "$pid" "$st" "$name" "$ns" >>"$STATE/pids"
  PID_OF[$name]=$pid
  ALL_PIDS+=("$pid")
}

check_alive() {
  local name
  for name in "${!PID_OF[@]}"; do
    pid_alive "${PID_OF[$name]}" || { log "$name (pid ${PID_OF[$name]}) exited early"; return 1; }
  done
}

# set_sysctls NS KEY=VAL...  (written through /proc inside the namespace)
set_sysctls() {
  local ns=$1 kv script=""
  shift
  for kv in "$@"; do
    script+="echo ${kv#*=} > /proc/sys/${kv%%=*}; "
  done
  nsx "$ns" bash -c "set -e; $script"
}

listening() { # NS PROTO(t|u) PORT -> true if something listens there
  nsx "$1" ss -Hln"$2" "sport = :$3" 2>/dev/null | grep -q .
}

services_listening() {
  listening "$NS_NET" t 80 && listening "$NS_NET" u 53 && listening "$NS_NET" t 53 &&
    listening "$NS_CS" t 22 &&
    listening "$NS_CORP" t 80 && listening "$NS_CORP" t 7 && listening "$NS_CORP" u 7 &&
    listening "$NS_CORP" t 22 && listening "$NS_CORP" u 53 && listening "$NS_CORP" t 53
}

# retry DESC CMD...: up to 50 tries, 0.1 s apart (bounded, ~5 s + command time)
retry() {
  local desc=$1 i
  shift
  for ((i = 0; i < 50; i++)); do
    check_alive || return 1
    if "$@" >/dev/null 2>&1; then return 0; fi
    sleep 0.1
  done
  log "timed out waiting for: $desc"
  return 1
}

probe_http() { # NS URL WORD
  nsx "$1" curl -sS --noproxy '*' --max-time 2 "$2" | grep -q "$3"
}
probe_dns() { # NS SERVER NAME TYPE EXPECTED
  [[ $(nsx "$1" dig +time=1 +tries=1 +short "@$2" "$3" "$4") == *"$5"* ]]
}
probe_ssh() { # NS ADDR  (host key matches what we generated)
  nsx "$1" ssh-keyscan -T 2 -t ed25519 "$2" 2>/dev/null | grep -qF "$3"
}

write_dnsmasq_net() {
  cat >"$STATE/dns/net.conf" <<EOF
# dnsmasq for the "internet" (namespace $NS_NET); generated by testhosts.sh
no-resolv
no-hosts
no-poll
bind-interfaces
listen-address=$NET_CS_IP4,$NET_LAPTOP_IP4,$NET_CS_IP6,$NET_LAPTOP_IP6
pid-file=$STATE/run/net-dnsmasq.pid
log-facility=-
log-queries
host-record=public.example,$PUBLIC_IP4,$PUBLIC_IP6
local=/public.example/
# everything else: NXDOMAIN, never forwarded
address=/#/
EOF
}

# Hex helpers for dns-rr wire data.
hexstr() { printf '%s' "$1" | od -An -tx1 | tr -d ' \n'; }
hexname() { # dotted name -> uncompressed wire format, hex
  local l out="" IFS=.
  for l in $1; do out+=$(printf '%02x' "${#l}")$(hexstr "$l"); done
  printf '%s00' "$out"
}

write_dnsmasq_corp() {
  # HTTPS/SVCB RDATA: priority 1, target ".", alpn=h2 (key 1), ipv4hint (key 4),
  # ipv6hint (key 6).
  local https svcb null
  https="0001""00""0001""0003""02$(hexstr h2)""0004""0004""c612020a""0006""0010""20010db8000200000000000000000010"
  svcb="0001""$(hexname db.corp.example)""0003""0002""0050"   # port=80 (key 3)
  null="$(hexstr 'ghnet NULL record')"
  cat >"$STATE/dns/corp.conf" <<EOF
# dnsmasq for corp (namespace $NS_CORP); generated by testhosts.sh
no-resolv
no-hosts
no-poll
bind-interfaces
listen-address=$CORP_IP4,$CORP_GW_IP4,$CORP_IP6,$CORP_GW_IP6
pid-file=$STATE/run/corp-dnsmasq.pid
log-facility=-
log-queries
# Authoritative data for corp.example gives SOA and NS records.  The auth-only
# listener is put on lo; the normal listeners above answer from the same data
# and say NXDOMAIN for anything outside the zone.
auth-server=ns.corp.example,lo
auth-zone=corp.example,$CORP_NET4,$CORP_NET6
auth-soa=2024010101,hostmaster.corp.example,3600,600,86400
auth-ttl=60
local-ttl=60
host-record=db.corp.example,$CORP_IP4,$CORP_IP6
host-record=ns.corp.example,$CORP_IP4,$CORP_IP6
host-record=mail.corp.example,$CORP_MAIL_IP4,$CORP_MAIL_IP6
cname=www.corp.example,db.corp.example
mx-host=corp.example,mail.corp.example,10
srv-host=_ldap._tcp.corp.example,db.corp.example,389,0,100
srv-host=_http._tcp.corp.example,db.corp.example,80,10,5
txt-record=corp.example,"v=spf1 -all"
txt-record=info.corp.example,"corp intranet test zone"
ptr-record=10.2.18.198.in-addr.arpa,db.corp.example
naptr-record=corp.example,100,10,"S","SIP+D2U","",_sip._udp.corp.example
caa-record=corp.example,0,issue,ca.corp.example
dns-rr=null.corp.example,10,$null
dns-rr=corp.example,65,$https
dns-rr=db.corp.example,65,$https
dns-rr=svcb.corp.example,64,$svcb
local=/corp.example/
local=/2.18.198.in-addr.arpa/
# everything else: NXDOMAIN, never forwarded
address=/#/
EOF
}

big_txt_arg() {
  # 6 strings x 240 chars = 1440+ bytes of TXT: over dnsmasq's 1232-byte UDP
  # limit (and far over 512), so the answer is truncated on UDP: needs TCP.
  # Passed on the command line: dnsmasq's config-file lines are too short.
  local i s parts=()
  for ((i = 1; i <= 6; i++)); do
    s=$(printf 'big-txt-part-%d-' "$i")
    while ((${#s} < 240)); do s+="abcdefghijklmnopqrstuvwxyz0123456789"; done
    parts+=("${s:0:240}")
  done
  (IFS=,; printf '%s' "${parts[*]}") >"$STATE/dns/big-txt"
  printf -- '--txt-record=big.corp.example,%s' "$(cat "$STATE/dns/big-txt")"
}

write_sshd_config() { # ROLE HOSTKEY
  cat >"$STATE/ssh/sshd_$1.conf" <<EOF
# sshd for $1; generated by testhosts.sh
Port 22
AddressFamily any
ListenAddress 0.0.0.0
ListenAddress ::
HostKey $2
PidFile $STATE/run/$1-sshd.pid
AuthorizedKeysFile $STATE/ssh/authorized_keys
PermitRootLogin prohibit-password
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
UseDNS no
AllowTcpForwarding yes
AllowStreamLocalForwarding yes
GatewayPorts clientspecified
PermitTunnel yes
# Each run's remote cache of delivered agents stays inside the run (gh-net's bootstrap honours it).
SetEnv XDG_CACHE_HOME=$STATE/cache/$1
X11Forwarding no
PrintMotd no
PrintLastLog no
MaxStartups 100:30:200
MaxSessions 100
LogLevel VERBOSE
Subsystem sftp internal-sftp
EOF
}

write_ssh_client_config() {
  cat >"$STATE/ssh/ssh_config" <<EOF
# ssh client config for testhosts run $SUF; use only as: ssh -F $STATE/ssh/ssh_config HOST
# (run ssh inside the laptop namespace: ip netns exec $NS_LAPTOP ssh -F ... cs)
Host cs
  HostName $CS_IP4
Host cs6
  HostName $CS_IP6
Host corp
  HostName $CORP_IP4
Host corp6
  HostName $CORP_IP6
Host cs cs6 corp corp6
  User root
  Port 22
# Applies only to connections made with this file.
Host *
  IdentityFile $STATE/ssh/id_ed25519
  IdentitiesOnly yes
  IdentityAgent none
  UserKnownHostsFile $STATE/ssh/known_hosts
  GlobalKnownHostsFile /dev/null
  StrictHostKeyChecking accept-new
  UpdateHostKeys no
  CheckHostIP no
  HashKnownHosts no
  BatchMode yes
  ConnectTimeout 5
  ServerAliveInterval 5
  ServerAliveCountMax 3
  ControlMaster no
  ControlPath none
  LogLevel ERROR
EOF
}

write_env() {
  local f="$STATE/env" tmp="$STATE/env.tmp" kv
  local vars=(
    GHNET_HOSTS_SUFFIX="$SUF"
    GHNET_HOSTS_DIR="$STATE"
    GHNET_HOSTS_ENV="$f"
    GHNET_HOSTS_LOGS="$STATE/logs"
    GHNET_NS_NET="$NS_NET"
    GHNET_NS_CS="$NS_CS"
    GHNET_NS_LAPTOP="$NS_LAPTOP"
    GHNET_NS_CORP="$NS_CORP"
    GHNET_CS_IP4="$CS_IP4"
    GHNET_CS_IP6="$CS_IP6"
    GHNET_LAPTOP_IP4="$LAPTOP_IP4"
    GHNET_LAPTOP_IP6="$LAPTOP_IP6"
    GHNET_LAPTOP_VPN_IP4="$LAPTOP_VPN_IP4"
    GHNET_LAPTOP_VPN_IP6="$LAPTOP_VPN_IP6"
    GHNET_CORP_IP4="$CORP_IP4"
    GHNET_CORP_IP6="$CORP_IP6"
    GHNET_CORP_NET4="$CORP_NET4"
    GHNET_CORP_NET6="$CORP_NET6"
    GHNET_CORP_GW_IP4="$CORP_GW_IP4"
    GHNET_CORP_GW_IP6="$CORP_GW_IP6"
    GHNET_CORP_DNS4="$CORP_IP4"
    GHNET_CORP_DNS6="$CORP_IP6"
    GHNET_CORP_DOMAIN=corp.example
    GHNET_CORP_HTTP_PORT=80
    GHNET_CORP_ECHO_PORT=7
    GHNET_CORP_WWW="$STATE/www/corp"
    GHNET_CORP_BIG_TXT_FILE="$STATE/dns/big-txt"
    GHNET_PUBLIC_IP4="$PUBLIC_IP4"
    GHNET_PUBLIC_IP6="$PUBLIC_IP6"
    GHNET_PUBLIC_NAME=public.example
    GHNET_PUBLIC_DNS4="$NET_CS_IP4"
    GHNET_PUBLIC_DNS6="$NET_CS_IP6"
    GHNET_NET_CS_IP4="$NET_CS_IP4"
    GHNET_NET_LAPTOP_IP4="$NET_LAPTOP_IP4"
    GHNET_NET_LAPTOP_IP6="$NET_LAPTOP_IP6"
    GHNET_PUBLIC_WWW="$STATE/www/public"
    GHNET_SSH_CONFIG="$STATE/ssh/ssh_config"
    GHNET_SSH_KEY="$STATE/ssh/id_ed25519"
    GHNET_SSH_PUBKEY="$STATE/ssh/id_ed25519.pub"
    GHNET_SSH_KNOWN_HOSTS="$STATE/ssh/known_hosts"
    GHNET_CS_SSHD_PID="${PID_OF[cs-sshd]}"
    GHNET_CORP_SSHD_PID="${PID_OF[corp-sshd]}"
    GHNET_NET_WEB_PID="${PID_OF[net-web]}"
    GHNET_NET_DNS_PID="${PID_OF[net-dns]}"
    GHNET_CORP_WEB_PID="${PID_OF[corp-web]}"
    GHNET_CORP_TCPECHO_PID="${PID_OF[corp-tcpecho]}"
    GHNET_CORP_UDPECHO_PID="${PID_OF[corp-udpecho]}"
    GHNET_CORP_DNS_PID="${PID_OF[corp-dns]}"
    GHNET_PIDS="${ALL_PIDS[*]}"
  )
  {
    echo "# testhosts.sh run $SUF, $(date -u +%Y-%m-%dT%H:%M:%SZ). Source with bash."
    echo "# Tear down: $SCRIPT_DIR/testhosts.sh down $f"
    for kv in "${vars[@]}"; do
      printf 'export %s=%q\n' "${kv%%=*}" "${kv#*=}"
    done
  } >"$tmp"
  mv -f "$tmp" "$f"
}

cmd_up() {
  need_root
  check_tools
  exec 3>&1 1>&2   # stdout is for the env file path only

  # Claim a fresh suffix: mkdir is atomic, so concurrent runs cannot collide.
  local i
  for ((i = 0; i < 20; i++)); do
    SUF=$(rand_hex6)
    [[ $SUF =~ ^[0-9a-f]{6}$ ]] || continue
    if ! list_netns | grep -q "^$NS_PREFIX$SUF-" && mkdir -m 0700 "$(state_dir "$SUF")" 2>/dev/null; then
      break
    fi
    SUF=""
  done
  [[ -n $SUF ]] || die "could not pick a free run suffix"
  STATE=$(state_dir "$SUF")
  trap on_up_exit EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
  trap 'exit 129' HUP

  NS_NET=$(ns_name "$SUF" net)
  NS_CS=$(ns_name "$SUF" cs)
  NS_LAPTOP=$(ns_name "$SUF" laptop)
  NS_CORP=$(ns_name "$SUF" corp)
  log "up: run $SUF in $STATE"
  mkdir -p "$STATE"/{logs,run,dns,ssh,www/public,www/corp}
  : >"$STATE/pids"

  # --- keys
  ssh-keygen -q -t ed25519 -N '' -C "ghnet-testhosts-$SUF" -f "$STATE/ssh/id_ed25519"
  ssh-keygen -q -t ed25519 -N '' -C "ghnet-cs-$SUF" -f "$STATE/ssh/cs_host_ed25519_key"
  ssh-keygen -q -t ed25519 -N '' -C "ghnet-corp-$SUF" -f "$STATE/ssh/corp_host_ed25519_key"
  cp "$STATE/ssh/id_ed25519.pub" "$STATE/ssh/authorized_keys"
  {
    printf '%s,%s %s\n' "$CS_IP4" "$CS_IP6" "$(cut -d' ' -f1,2 "$STATE/ssh/cs_host_ed25519_key.pub")"
    printf '%s,%s %s\n' "$CORP_IP4" "$CORP_IP6" "$(cut -d' ' -f1,2 "$STATE/ssh/corp_host_ed25519_key.pub")"
  } >"$STATE/ssh/known_hosts"

  # --- namespaces
  local ns role
  for role in "${ROLES[@]}"; do
    ns=$(ns_name "$SUF" "$role")
    ip netns add "$ns"
    set_sysctls "$ns" \
      net/ipv6/conf/all/accept_dad=0 net/ipv6/conf/default/accept_dad=0 \
      net/ipv6/conf/all/accept_ra=0 net/ipv6/conf/default/accept_ra=0 \
      net/ipv4/ip_forward=0 net/ipv6/conf/all/forwarding=0
    ip -n "$ns" link set lo up
  done
  set_sysctls "$NS_NET" net/ipv4/ip_forward=1 net/ipv6/conf/all/forwarding=1
  fail_point netns

  # --- links (created directly inside the namespaces; nothing in the host's)
  ip -n "$NS_NET" link add to-cs type veth peer name eth0 netns "$NS_CS"
  ip -n "$NS_NET" link add to-laptop type veth peer name eth0 netns "$NS_LAPTOP"
  ip -n "$NS_LAPTOP" link add vpn0 type veth peer name vpn0 netns "$NS_CORP"
  if ! ip -n "$NS_CORP" link add srv0 type dummy 2>/dev/null; then
    # kernel without the dummy driver: a veth pair whose peer stays unused
    ip -n "$NS_CORP" link add srv0 type veth peer name srv0-peer
    ip -n "$NS_CORP" link set srv0-peer up
  fi

  ip -n "$NS_NET" -b - <<EOF
link set to-cs up
link set to-laptop up
addr add $NET_CS_IP4/24 dev to-cs
addr add $NET_CS_IP6/64 dev to-cs nodad
addr add $NET_LAPTOP_IP4/24 dev to-laptop
addr add $NET_LAPTOP_IP6/64 dev to-laptop nodad
EOF
  ip -n "$NS_CS" -b - <<EOF
link set eth0 up
addr add $CS_IP4/24 dev eth0
addr add $CS_IP6/64 dev eth0 nodad
EOF
  ip -n "$NS_LAPTOP" -b - <<EOF
link set eth0 up
link set vpn0 up
addr add $LAPTOP_IP4/24 dev eth0
addr add $LAPTOP_IP6/64 dev eth0 nodad
addr add $LAPTOP_VPN_IP4/24 dev vpn0
addr add $LAPTOP_VPN_IP6/64 dev vpn0 nodad
EOF
  ip -n "$NS_CORP" -b - <<EOF
link set vpn0 up
link set srv0 up
addr add $CORP_GW_IP4/24 dev vpn0
addr add $CORP_GW_IP6/64 dev vpn0 nodad
addr add $CORP_IP4/24 dev srv0
addr add $CORP_IP6/64 dev srv0 nodad
EOF
  # routes (after every link is up)
  ip -n "$NS_CS" -b - <<EOF
route add default via $NET_CS_IP4
route add ::/0 via $NET_CS_IP6
EOF
  ip -n "$NS_LAPTOP" -b - <<EOF
route add default via $NET_LAPTOP_IP4
route add ::/0 via $NET_LAPTOP_IP6
route add $CORP_NET4 via $CORP_GW_IP4
route add $CORP_NET6 via $CORP_GW_IP6
EOF
  ip -n "$NS_CORP" -b - <<EOF
route add default via $LAPTOP_VPN_IP4
route add ::/0 via $LAPTOP_VPN_IP6
EOF

  fail_point links

  # --- per-namespace resolv.conf (ip netns exec bind-mounts it over /etc)
  mkdir -p "$NETNS_ETC/$NS_NET" "$NETNS_ETC/$NS_CS" "$NETNS_ETC/$NS_LAPTOP" "$NETNS_ETC/$NS_CORP"
  printf 'nameserver %s\n' "$NET_CS_IP4" >"$NETNS_ETC/$NS_NET/resolv.conf"
  printf 'nameserver %s\n' "$NET_CS_IP4" >"$NETNS_ETC/$NS_CS/resolv.conf"
  printf 'nameserver %s\nnameserver %s\nsearch corp.example\n' "$CORP_GW_IP4" "$NET_LAPTOP_IP4" \
    >"$NETNS_ETC/$NS_LAPTOP/resolv.conf"
  printf 'nameserver %s\n' "$CORP_IP4" >"$NETNS_ETC/$NS_CORP/resolv.conf"
  # The laptop's hosts file knows one corp name its DNS servers do not (as a VPN client that
  # hooks only the system resolver would): only getaddrinfo finds legacy.corp.example.
  printf '127.0.0.1 localhost\n::1 localhost ip6-localhost ip6-loopback\n%s legacy.corp.example\n' "$CORP_IP4" \
    >"$NETNS_ETC/$NS_LAPTOP/hosts"

  # --- content and configs
  printf '<!doctype html>\n<title>public web</title>\n<p>public web (gh-net test host %s)</p>\n' "$SUF" \
    >"$STATE/www/public/index.html"
  printf '<!doctype html>\n<title>corp intranet</title>\n<p>corp intranet (gh-net test host %s)</p>\n' "$SUF" \
    >"$STATE/www/corp/index.html"
  write_dnsmasq_net
  write_dnsmasq_corp
  write_sshd_config cs "$STATE/ssh/cs_host_ed25519_key"
  write_sshd_config corp "$STATE/ssh/corp_host_ed25519_key"
  write_ssh_client_config
  # sshd's privilege-separation dir (normally made by the system's init)
  [[ -d /run/sshd ]] || mkdir -m 0755 /run/sshd 2>/dev/null || [[ -d /run/sshd ]]

  # --- services
  local sshd_bin dnsmasq_bin big
  sshd_bin=$(command -v sshd)
  dnsmasq_bin=$(command -v dnsmasq)
  big=$(big_txt_arg)
  "$sshd_bin" -t -f "$STATE/ssh/sshd_cs.conf" || die "sshd config test failed"
  start_bg net-web "$NS_NET" "$PY" -u "$SERVERS_PY" http 80 "$STATE/www/public"
  start_bg net-dns "$NS_NET" "$dnsmasq_bin" --keep-in-foreground --conf-file="$STATE/dns/net.conf"
  start_bg cs-sshd "$NS_CS" "$sshd_bin" -D -e -f "$STATE/ssh/sshd_cs.conf"
  start_bg corp-web "$NS_CORP" "$PY" -u "$SERVERS_PY" http 80 "$STATE/www/corp"
  start_bg corp-tcpecho "$NS_CORP" "$PY" -u "$SERVERS_PY" tcpecho 7
  start_bg corp-udpecho "$NS_CORP" "$PY" -u "$SERVERS_PY" udpecho 7
  start_bg corp-sshd "$NS_CORP" "$sshd_bin" -D -e -f "$STATE/ssh/sshd_corp.conf"
  start_bg corp-dns "$NS_CORP" "$dnsmasq_bin" --keep-in-foreground --conf-file="$STATE/dns/corp.conf" "$big"

  fail_point services

  # --- wait until everything answers (all loops bounded)
  retry "all services listening" services_listening
  local cs_key corp_key
  cs_key=$(cut -d' ' -f2 "$STATE/ssh/cs_host_ed25519_key.pub")
  corp_key=$(cut -d' ' -f2 "$STATE/ssh/corp_host_ed25519_key.pub")
  retry "corp http (from laptop)" probe_http "$NS_LAPTOP" "http://$CORP_IP4/" "corp intranet"
  retry "corp dns (from laptop)" probe_dns "$NS_LAPTOP" "$CORP_GW_IP4" db.corp.example A "$CORP_IP4"
  retry "public http (from cs)" probe_http "$NS_CS" "http://$PUBLIC_IP4/" "public web"
  retry "public dns (from cs)" probe_dns "$NS_CS" "$NET_CS_IP4" public.example AAAA "$PUBLIC_IP6"
  retry "cs sshd (from laptop)" probe_ssh "$NS_LAPTOP" "$CS_IP4" "$cs_key"
  retry "corp sshd (from laptop)" probe_ssh "$NS_LAPTOP" "$CORP_IP4" "$corp_key"

  write_env
  UP_OK=1
  log "up: run $SUF ready (pids: ${ALL_PIDS[*]})"
  printf '%s\n' "$STATE/env" >&3
}

# ---------------------------------------------------------------- main --

main() {
  local cmd=${1:-}
  (($#)) && shift
  case $cmd in
    up) (($# == 0)) || die "up takes no arguments"; cmd_up ;;
    down) cmd_down "$@" ;;
    status) cmd_status ;;
    exec) cmd_exec "$@" ;;
    -h | --help | help) usage ;;
    "") usage >&2; exit 2 ;;
    *) log "unknown command: $cmd"; usage >&2; exit 2 ;;
  esac
}

main "$@"
