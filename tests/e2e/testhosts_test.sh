#!/usr/bin/env bash
# The bash -c '...' snippets below take their values as "$1"... on purpose:
# shellcheck disable=SC2016
# Self-test for scripts/testhosts.sh: builds two runs at once, checks that
# every host and service behaves as documented, that cs cannot reach corp,
# that the runs do not collide, that a failing `up` cleans up after itself,
# and that `down` leaves nothing behind.  Needs root.
# Ends with the line "N passed, M failed"; exit status non-zero on any failure.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
TH="$ROOT/scripts/testhosts.sh"
PY=/usr/bin/python3
[[ -x $PY ]] || PY=$(command -v python3)
TMP=$(mktemp -d /tmp/ghnet-selftest.XXXXXX)

passed=0 failed=0 finished=0
ENV1="" ENV2=""

pass() { echo "PASS: $*"; passed=$((passed + 1)); }
fail() { echo "FAIL: $*"; failed=$((failed + 1)); }
# check DESC CMD...: PASS if CMD succeeds
check() {
  local desc=$1
  shift
  if "$@" >"$TMP/out" 2>&1; then pass "$desc"; else
    fail "$desc"
    sed 's/^/      | /' "$TMP/out" | tail -n 5
  fi
}
# check_not DESC CMD...: PASS if CMD fails
check_not() {
  local desc=$1
  shift
  if "$@" >"$TMP/out" 2>&1; then fail "$desc (unexpectedly succeeded)"; else pass "$desc"; fi
}

summary() {
  echo "$passed passed, $failed failed"
}

cleanup() {
  local rc=$?
  if [[ -n $ENV1 ]]; then "$TH" down "$ENV1" >/dev/null 2>&1 || true; fi
  if [[ -n $ENV2 ]]; then "$TH" down "$ENV2" >/dev/null 2>&1 || true; fi
  rm -rf "$TMP"
  if ((finished == 0)); then
    echo "FAIL: selftest aborted (exit $rc)"
    failed=$((failed + 1))
    summary
    exit 1
  fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

alive() { # PID: running and not a zombie
  local s
  s=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
  s=${s##*) }
  [[ ${s:0:1} != Z ]]
}
in_ns() { local ns=$1; shift; ip netns exec "$ns" "$@"; }
ns_exists() { ip netns list | awk '{print $1}' | grep -qx "$1"; }

ECHO_PY='
import socket, sys
proto, host, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
fam = socket.AF_INET6 if ":" in host else socket.AF_INET
data = bytes((i * 7 + 3) % 256 for i in range(n))
if proto == "udp":
    s = socket.socket(fam, socket.SOCK_DGRAM)
    s.settimeout(3)
    s.sendto(data, (host, 7))
    got, _ = s.recvfrom(65535)
else:
    s = socket.create_connection((host, 7), timeout=3)
    s.sendall(data)
    s.shutdown(socket.SHUT_WR)
    got = b""
    while True:
        b = s.recv(65536)
        if not b:
            break
        got += b
sys.exit(0 if got == data else 1)
'
echo_test() { # NS PROTO HOST SIZE
  in_ns "$1" "$PY" -c "$ECHO_PY" "$2" "$3" "$4"
}
http_has() { # NS URL WORD
  in_ns "$1" curl -sS --noproxy '*' --max-time 3 "$2" | grep -q "$3"
}
dig_is() { # NS EXPECTED DIG-ARGS...
  local ns=$1 want=$2 got
  shift 2
  got=$(in_ns "$ns" dig +time=2 +tries=1 +short "$@")
  [[ $got == *"$want"* ]] || { echo "dig $* -> '$got', want '$want'"; return 1; }
}
dig_status() { # NS STATUS DIG-ARGS...
  local ns=$1 want=$2
  shift 2
  in_ns "$ns" dig +time=2 +tries=1 "$@" | grep -q "status: $want"
}

start=$SECONDS

# ------------------------------------------------------------ two runs up --
"$TH" up >"$TMP/up1.out" 2>"$TMP/up1.err" &
up1=$!
"$TH" up >"$TMP/up2.out" 2>"$TMP/up2.err" &
up2=$!
rc1=0 rc2=0
wait "$up1" || rc1=$?
wait "$up2" || rc2=$?
ENV1=$(head -n1 "$TMP/up1.out")
ENV2=$(head -n1 "$TMP/up2.out")
if ((rc1 == 0)) && [[ $(wc -l <"$TMP/up1.out") -eq 1 && $ENV1 == /* && -r $ENV1 ]]; then
  pass "up #1 printed one line: an absolute, readable env file ($ENV1)"
else
  fail "up #1 (exit $rc1)"; sed 's/^/      | /' "$TMP/up1.err" | tail -n 15
  ENV1=""
fi
if ((rc2 == 0)) && [[ $(wc -l <"$TMP/up2.out") -eq 1 && $ENV2 == /* && -r $ENV2 ]]; then
  pass "up #2 (concurrent) printed one line: an absolute, readable env file ($ENV2)"
else
  fail "up #2 (exit $rc2)"; sed 's/^/      | /' "$TMP/up2.err" | tail -n 15
  ENV2=""
fi
if [[ -z $ENV1 ]]; then
  finished=1
  "$TH" down "$ENV2" >/dev/null 2>&1 || true
  ENV2=""
  summary
  exit 1
fi
check "concurrent runs got different env files" test "$ENV1" != "$ENV2"

# Second run's names, for the collision / teardown checks.
declare -A R2=()
if [[ -n $ENV2 ]]; then
  while IFS='=' read -r k v; do R2[$k]=$v; done < <(
    bash -c 'source "$1"; for v in GHNET_NS_NET GHNET_NS_CS GHNET_NS_LAPTOP GHNET_NS_CORP GHNET_PIDS GHNET_HOSTS_DIR GHNET_SSH_CONFIG; do echo "$v=${!v}"; done' _ "$ENV2")
fi

# shellcheck disable=SC1090
source "$ENV1"

# ------------------------------------------------------------ env file --
missing=()
for v in GHNET_HOSTS_DIR GHNET_NS_NET GHNET_NS_CS GHNET_NS_LAPTOP GHNET_NS_CORP \
    GHNET_CS_IP4 GHNET_CS_IP6 GHNET_LAPTOP_IP4 GHNET_LAPTOP_IP6 GHNET_CORP_IP4 \
    GHNET_CORP_IP6 GHNET_CORP_GW_IP4 GHNET_PUBLIC_IP4 GHNET_PUBLIC_IP6 GHNET_SSH_CONFIG \
    GHNET_SSH_KEY GHNET_CS_SSHD_PID GHNET_CORP_WWW GHNET_PIDS; do
  [[ -n ${!v:-} ]] || missing+=("$v")
done
check "env file defines every documented variable${missing:+ (missing: ${missing[*]})}" test ${#missing[@]} -eq 0
check "fixed addresses as documented" test "$GHNET_CS_IP4 $GHNET_CS_IP6 $GHNET_CORP_IP4 $GHNET_CORP_IP6 $GHNET_CORP_GW_IP4 $GHNET_PUBLIC_IP4 $GHNET_PUBLIC_IP6 $GHNET_LAPTOP_IP4" \
  = "198.18.0.2 2001:db8::2 198.18.2.10 2001:db8:2::10 198.18.1.2 198.18.0.1 2001:db8::1 198.18.3.2"
check "namespace names are ghnet-<6 hex>-<role>" bash -c \
  '[[ $1 =~ ^ghnet-[0-9a-f]{6}-net$ && $2 == ${1%-net}-cs && $3 == ${1%-net}-laptop && $4 == ${1%-net}-corp ]]' \
  _ "$GHNET_NS_NET" "$GHNET_NS_CS" "$GHNET_NS_LAPTOP" "$GHNET_NS_CORP"
if [[ -n $ENV2 ]]; then
  check "concurrent runs use different namespaces" test "${R2[GHNET_NS_CS]}" != "$GHNET_NS_CS"
fi
all_alive=1
for p in $GHNET_PIDS; do alive "$p" || all_alive=0; done
check "all started processes are running ($GHNET_PIDS)" test $all_alive -eq 1
check "status lists the run" bash -c '"$1" status | grep -q "$2"' _ "$TH" "$GHNET_NS_CS"
check "exec ROLE runs in that namespace" bash -c \
  'GHNET_HOSTS_ENV=$1 "$2" exec laptop ip -o addr show | grep -q "198.18.3.2/24"' _ "$ENV1" "$TH"

# ------------------------------------------------------------ laptop -> corp --
L=$GHNET_NS_LAPTOP
check "laptop: corp HTTP over IPv4" http_has "$L" "http://$GHNET_CORP_IP4/" "corp intranet"
check "laptop: corp HTTP over IPv6" http_has "$L" "http://[$GHNET_CORP_IP6]/" "corp intranet"
echo "selftest file $$" >"$GHNET_CORP_WWW/selftest.txt"
check "laptop: corp HTTP serves files dropped into GHNET_CORP_WWW" http_has "$L" "http://$GHNET_CORP_IP4/selftest.txt" "selftest file $$"
check "laptop: TCP echo IPv4 (200 kB)" echo_test "$L" tcp "$GHNET_CORP_IP4" 200000
check "laptop: TCP echo IPv6 (200 kB)" echo_test "$L" tcp "$GHNET_CORP_IP6" 200000
check "laptop: UDP echo IPv4 (1 byte)" echo_test "$L" udp "$GHNET_CORP_IP4" 1
check "laptop: UDP echo IPv4 (65507 bytes, the maximum)" echo_test "$L" udp "$GHNET_CORP_IP4" 65507
check "laptop: UDP echo IPv6 (65527 bytes, the maximum)" echo_test "$L" udp "$GHNET_CORP_IP6" 65527
check "laptop: public web reachable via net" http_has "$L" "http://$GHNET_PUBLIC_IP4/" "public web"

# ------------------------------------------------------------ corp DNS --
check "dns: db.corp.example A via 198.18.1.2" dig_is "$L" 198.18.2.10 @198.18.1.2 db.corp.example A
check "dns: db.corp.example AAAA via 2001:db8:2::10" dig_is "$L" 2001:db8:2::10 @2001:db8:2::10 db.corp.example AAAA
check "dns: www CNAME" dig_is "$L" db.corp.example. @198.18.2.10 www.corp.example CNAME
check "dns: MX" dig_is "$L" "10 mail.corp.example." @198.18.2.10 corp.example MX
check "dns: mail A" dig_is "$L" 198.18.2.25 @198.18.2.10 mail.corp.example A
check "dns: SRV" dig_is "$L" "0 100 389 db.corp.example." @198.18.2.10 _ldap._tcp.corp.example SRV
check "dns: TXT" dig_is "$L" '"v=spf1 -all"' @198.18.2.10 corp.example TXT
check "dns: PTR IPv4" dig_is "$L" db.corp.example. @198.18.2.10 -x 198.18.2.10
check "dns: PTR IPv6" dig_is "$L" db.corp.example. @198.18.2.10 -x 2001:db8:2::10
check "dns: NS" dig_is "$L" ns.corp.example. @198.18.2.10 corp.example NS
check "dns: SOA" dig_is "$L" "ns.corp.example. hostmaster.corp.example." @198.18.2.10 corp.example SOA
check "dns: NULL (type 10)" dig_is "$L" '\# 17' @198.18.2.10 null.corp.example TYPE10
check "dns: CAA (type 257)" dig_is "$L" '0 issue "ca.corp.example"' @198.18.2.10 corp.example CAA
check "dns: HTTPS (type 65)" dig_is "$L" 'alpn="h2"' @198.18.2.10 corp.example TYPE65
check "dns: SVCB (type 64)" dig_is "$L" 'port=80' @198.18.2.10 svcb.corp.example TYPE64
check "dns: NAPTR" dig_is "$L" 'SIP+D2U' @198.18.2.10 corp.example NAPTR
check "dns: unknown corp name is NXDOMAIN" dig_status "$L" NXDOMAIN @198.18.2.10 nope.corp.example A
check "dns: non-corp name is NXDOMAIN (no upstream)" dig_status "$L" NXDOMAIN @198.18.1.2 public.example A
check "dns: big TXT is truncated over UDP" bash -c \
  'ip netns exec "$1" dig +ignore +time=2 +tries=1 @198.18.1.2 big.corp.example TXT | grep -q "flags: qr tc"' _ "$L"
big_tcp=$(in_ns "$L" dig +tcp +time=2 +tries=1 +short @198.18.1.2 big.corp.example TXT | tr -d '" \n')
check "dns: big TXT over TCP is complete (> 512 bytes)" test "$big_tcp" = "$(tr -d ',\n' <"$GHNET_CORP_BIG_TXT_FILE")" -a ${#big_tcp} -gt 512
check "laptop: resolv.conf resolves db (search corp.example)" bash -c \
  'ip netns exec "$1" getent ahosts db | grep -q 198.18.2.10' _ "$L"
check "laptop: forwarding is off (v4 and v6)" bash -c \
  'ip netns exec "$1" cat /proc/sys/net/ipv4/ip_forward /proc/sys/net/ipv6/conf/all/forwarding | tr -d "\n" | grep -qx 00' _ "$L"
check "net: forwarding is on (v4 and v6)" bash -c \
  'ip netns exec "$1" cat /proc/sys/net/ipv4/ip_forward /proc/sys/net/ipv6/conf/all/forwarding | tr -d "\n" | grep -qx 11' _ "$GHNET_NS_NET"

# ------------------------------------------------------------ cs --
C=$GHNET_NS_CS
check "cs: public web over IPv4" http_has "$C" "http://$GHNET_PUBLIC_IP4/" "public web"
check "cs: public web over IPv6" http_has "$C" "http://[$GHNET_PUBLIC_IP6]/" "public web"
check "cs: resolves public.example via its resolv.conf" bash -c \
  'ip netns exec "$1" getent ahosts public.example | grep -q 198.18.0.1 && ip netns exec "$1" getent ahosts public.example | grep -q 2001:db8::1' _ "$C"
check "cs: public web by name" http_has "$C" "http://public.example/" "public web"
t0=$SECONDS
check_not "cs: cannot reach corp HTTP (IPv4)" in_ns "$C" curl -sS --noproxy '*' --max-time 3 "http://$GHNET_CORP_IP4/"
check_not "cs: cannot reach corp HTTP (IPv6)" in_ns "$C" curl -sS --noproxy '*' --max-time 3 "http://[$GHNET_CORP_IP6]/"
check_not "cs: cannot ping corp" in_ns "$C" ping -n -c1 -W1 "$GHNET_CORP_IP4"
check_not "cs: cannot reach corp DNS" in_ns "$C" dig +time=1 +tries=1 @198.18.2.10 db.corp.example
check_not "cs: cannot resolve db.corp.example" in_ns "$C" getent hosts db.corp.example
check "cs: the failures above were fast (< 8 s in all)" test $((SECONDS - t0)) -lt 8

# ------------------------------------------------------------ ssh --
SSH=(ssh -F "$GHNET_SSH_CONFIG")
check "ssh -F \$GHNET_SSH_CONFIG cs true (from laptop)" in_ns "$L" "${SSH[@]}" cs true
check "ssh cs6 true (IPv6)" in_ns "$L" "${SSH[@]}" cs6 true
check "ssh session on cs sees cs's resolv.conf" bash -c \
  'ip netns exec "$1" ssh -F "$2" cs cat /etc/resolv.conf | grep -qx "nameserver 198.18.0.1"' _ "$L" "$GHNET_SSH_CONFIG"
check "ssh session on cs resolves public.example" in_ns "$L" "${SSH[@]}" cs getent hosts public.example
check "ssh corp true (corp's sshd, same key)" in_ns "$L" "${SSH[@]}" corp true
ssh-keygen -q -t ed25519 -N '' -f "$TMP/other_key"
check_not "ssh with a key that is not authorized is refused" in_ns "$L" ssh -F /dev/null -i "$TMP/other_key" \
  -o IdentitiesOnly=yes -o IdentityAgent=none -o BatchMode=yes -o ConnectTimeout=5 \
  -o UserKnownHostsFile="$GHNET_HOSTS_DIR/ssh/known_hosts" -o StrictHostKeyChecking=yes \
  "root@$GHNET_CS_IP4" true

# ------------------------------------------------------------ second run --
if [[ -n $ENV2 ]]; then
  check "run #2: ssh cs true" in_ns "${R2[GHNET_NS_LAPTOP]}" ssh -F "${R2[GHNET_SSH_CONFIG]}" cs true
  check "run #2: corp HTTP" http_has "${R2[GHNET_NS_LAPTOP]}" "http://198.18.2.10/" "corp intranet"
  check "run #2: down succeeds" "$TH" down "$ENV2"
  gone=1
  for ns in "${R2[GHNET_NS_NET]}" "${R2[GHNET_NS_CS]}" "${R2[GHNET_NS_LAPTOP]}" "${R2[GHNET_NS_CORP]}"; do
    ns_exists "$ns" && gone=0
  done
  for p in ${R2[GHNET_PIDS]}; do alive "$p" && gone=0; done
  check "run #2: namespaces and processes gone after down" test $gone -eq 1
  ENV2=""
  check "run #1 unaffected by run #2's down (ssh cs true)" in_ns "$L" "${SSH[@]}" cs true
  check "run #1 unaffected by run #2's down (corp HTTP)" http_has "$L" "http://$GHNET_CORP_IP4/" "corp intranet"
fi

# ------------------------------------------------------------ failing up cleans up --
GHNET_TESTHOSTS_FAIL_AT=services "$TH" up >"$TMP/upf.out" 2>"$TMP/upf.err" && rcf=0 || rcf=$?
sf=$(sed -n 's/^testhosts: up: run \([0-9a-f]\{6\}\) .*/\1/p' "$TMP/upf.err" | head -n1)
check "up that fails half-way exits non-zero and prints nothing on stdout" test "$rcf" -ne 0 -a ! -s "$TMP/upf.out" -a -n "$sf"
leftover=0
if [[ -n $sf ]]; then
  ip netns list | grep -q "ghnet-$sf-" && leftover=1
  [[ -e /tmp/ghnet-hosts-$sf ]] && leftover=1
  compgen -G "/etc/netns/ghnet-$sf-*" >/dev/null && leftover=1
  pgrep -f "ghnet-hosts-$sf/" >/dev/null && leftover=1
fi
check "up that fails half-way leaves no namespace, dir or process behind" test $leftover -eq 0

# ------------------------------------------------------------ down --
check "down succeeds" "$TH" down "$ENV1"
ENV1=""
gone=1
for ns in "$GHNET_NS_NET" "$GHNET_NS_CS" "$GHNET_NS_LAPTOP" "$GHNET_NS_CORP"; do
  ns_exists "$ns" && { echo "      | namespace $ns still exists"; gone=0; }
  [[ -e /etc/netns/$ns ]] && { echo "      | /etc/netns/$ns still exists"; gone=0; }
done
check "after down: none of the 4 namespaces (or their /etc/netns dirs) exist" test $gone -eq 1
dead=1
for p in $GHNET_PIDS; do alive "$p" && { echo "      | pid $p still alive"; dead=0; }; done
check "after down: no started process is alive" test $dead -eq 1
check "after down: state dir removed" test ! -e "$GHNET_HOSTS_DIR"
check "down again is a no-op that succeeds" "$TH" down "$GHNET_HOSTS_SUFFIX"

echo "selftest took $((SECONDS - start)) s"
finished=1
summary
((failed == 0))
