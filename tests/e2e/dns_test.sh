#!/usr/bin/env bash
# Issue 5 end to end: with the bridge up, names only the laptop resolves (corp.example) resolve
# in the codespace with every record type, names the codespace resolves keep their answers, and
# the codespace's resolv.conf comes back byte for byte after a clean stop, after kill -9
# (on the next start), after SIGTERM or SIGHUP to the agent and after a lost link.
source "$(dirname "$0")/lib.sh"
hosts_up
CS=(ip netns exec "$GHNET_NS_CS")
LAPTOP=(ip netns exec "$GHNET_NS_LAPTOP")
RESOLV=/etc/netns/$GHNET_NS_CS/resolv.conf
CORP_DNS=$GHNET_CORP_GW_IP4

# A codespace resolv.conf with a comment, search and options lines and no final newline: all of
# it must survive, byte for byte.
printf '# the codespace resolver\nnameserver %s\nsearch internal.example\noptions ndots:1 edns0' "$GHNET_NET_CS_IP4" >"$RESOLV"
cp "$RESOLV" "$WORK/resolv.original"

echo "- before the bridge"
check "db.corp.example does not resolve in the codespace" bash -c "! ${CS[*]} getent hosts db.corp.example"
check "public.example resolves with the codespace's resolver" "${CS[@]}" getent hosts public.example

echo "- bridge up"
log=$WORK/bridge.log
bridge_start "$log" --ssh root@cs --trace debug
if wait_for_line "$log" "dns: /etc/resolv.conf points at" 60; then pass "the agent hooked resolv.conf"; else fail "the agent hooked resolv.conf"; tail -20 "$log"; fi
grep -E "dns: /etc/resolv.conf points" "$log" | sed 's/^.*dns: /    /' | cut -c1-200
check "resolv.conf lists only the agent's nameservers" \
  bash -c "[ \"\$(grep '^nameserver' $RESOLV | awk '{print \$2}' | tr '\n' ' ')\" = '198.19.255.254 2001:db8:ffff:ffff::fe ' ]"
check "resolv.conf keeps its search and options lines" bash -c "grep -qx 'search internal.example' $RESOLV && grep -qx 'options ndots:1 edns0' $RESOLV"

echo "- names only the laptop resolves"
out=$("${CS[@]}" getent ahosts db.corp.example 2>&1) || true
check "getent ahosts db.corp.example gives corp's IPv4 and IPv6 addresses" \
  bash -c "grep -q '$GHNET_CORP_IP4' <<<'$out' && grep -q '$GHNET_CORP_IP6' <<<'$out'"
check "curl http://db.corp.example/ reaches the corp web server by name" \
  bash -c "${CS[*]} curl -sf --max-time 10 http://db.corp.example/ | grep -q 'corp intranet'"

# Every record type: the codespace's answer (through the hook) equals corp's own answer: the
# same status and the same records. Only ANY may be empty (dnsmasq answers ANY with NODATA).
answer_of() { # answer_of CMD... -> "status" line, then the sorted records
  local out
  out=$("$@" 2>&1) || true
  grep -oE 'status: [A-Z]+' <<<"$out" | head -1
  "$@" +short 2>/dev/null | sort
}
while read -r type name; do
  want=$(answer_of "${LAPTOP[@]}" dig +tries=1 +time=3 "$type" "$name" "@$CORP_DNS")
  got=$(answer_of "${CS[@]}" dig +tries=1 +time=8 "$type" "$name")
  records=$(($(wc -l <<<"$want") - 1))
  check "dig $type $name: the corp answer ($(head -1 <<<"$want"), $records record(s))" \
    bash -c '[ "$1" = "$2" ] && grep -q "status: NOERROR" <<<"$1" && { [ "$3" -gt 0 ] || [ "$4" = ANY ]; }' _ "$want" "$got" "$records" "$type"
  [ "$want" = "$got" ] || { echo "    want: ${want:0:200}"; echo "    got:  ${got:0:200}"; }
done <<'LIST'
A db.corp.example
AAAA db.corp.example
CNAME www.corp.example
NS corp.example
TXT info.corp.example
SOA corp.example
PTR 10.2.18.198.in-addr.arpa
NULL null.corp.example
MX corp.example
SRV _ldap._tcp.corp.example
ANY corp.example
CAA corp.example
HTTPS db.corp.example
TXT big.corp.example
LIST
out=$("${CS[@]}" dig +notcp +ignore +tries=1 +time=8 TXT big.corp.example 2>&1) || true
check "the big TXT answer is too large for UDP: the hook answers with TC set" grep -qE 'flags:[a-z ]* tc' <<<"$out"
check "and gives all of it over TCP" \
  bash -c "${CS[*]} dig +tcp +short TXT big.corp.example | grep -q 'big-txt-part-5'"
check "the hook answers over IPv6 too" \
  bash -c "${CS[*]} dig +short +tries=1 +time=8 A db.corp.example @2001:db8:ffff:ffff::fe | grep -qx '$GHNET_CORP_IP4'"
out=$("${CS[@]}" dig +tries=1 +time=8 A nosuch.corp.example 2>&1) || true
check "a name nobody knows is NXDOMAIN" grep -q 'status: NXDOMAIN' <<<"$out"
check "a name only the laptop's system resolver knows (its hosts file) resolves" \
  bash -c "${CS[*]} dig +short +tries=1 +time=8 A legacy.corp.example | grep -qx '$GHNET_CORP_IP4'"

echo "- names the codespace resolves"
check "public.example still gets the codespace resolver's answer" \
  bash -c "${CS[*]} dig +short +tries=1 +time=8 A public.example | grep -qx '$GHNET_PUBLIC_IP4'"
check "the debug log shows the path each query took" \
  bash -c "grep -q 'dns: public.example. A over udp: codespace NOERROR' '$log' && grep -qE 'dns: db.corp.example. A over udp: codespace NXDOMAIN → local NOERROR' '$log'"

asked_codespace() { grep -c 'query\[A\] db.corp.example from' "$GHNET_HOSTS_DIR/logs/net-dns.log" || true; }
before=$(asked_codespace)
check "the codespace's resolver logs the queries it gets (it saw db.corp.example ${before:-0} times so far)" test "${before:-0}" -ge 1
for i in $(seq 200); do echo 'A db.corp.example'; done >"$WORK/queries"
count=$("${CS[@]}" dig +tries=1 +time=8 +noall +comments -f "$WORK/queries" | grep -c 'status: NOERROR' || true)
check "200 queries in a row all answered (got $count)" test "$count" = 200
asked=$(( $(asked_codespace) - before ))
check "a name only the laptop answered goes to the laptop first: the codespace's resolver saw $asked of those 200" test "$asked" -le 1
check "the debug log shows that path" grep -q 'dns: db.corp.example. A over udp: answered locally lately → local NOERROR' "$log"

echo "- clean stop restores resolv.conf"
kill -INT "$BRIDGE_PID"
wait_exit "$BRIDGE_PID" 20 || true
check "the bridge stops with exit code 0 (got $EXIT_CODE)" test "$EXIT_CODE" = 0
check "resolv.conf is restored byte for byte" cmp "$RESOLV" "$WORK/resolv.original"
check "db.corp.example no longer resolves" bash -c "! ${CS[*]} getent hosts db.corp.example"

echo "- kill -9 of the agent, then a new start"
log2=$WORK/killed.log
bridge_start "$log2" --ssh root@cs --trace debug --reconnect false  # the next start, not a reconnect, must find the hook
wait_for_line "$log2" "dns: /etc/resolv.conf points at" 60 || true
agent=$(grep -oE 'connected: protocol [0-9]+, .* pid [0-9]+' "$log2" | grep -oE '[0-9]+$' | head -1)
check "found the agent's pid ($agent)" test -n "$agent"
[ -n "$agent" ] && kill -KILL "$agent"
wait_exit "$BRIDGE_PID" 20 || true
check "resolv.conf is left hooked by the killed agent" grep -q '^# gh-net: DNS hook of agent pid' "$RESOLV"
log3=$WORK/after-kill.log
bridge_start "$log3" --ssh root@cs --trace debug
check "the next start restores it first" wait_for_line "$log3" "dns: restored /etc/resolv.conf, left hooked by agent pid $agent" 60
check "and hooks it again" wait_for_line "$log3" "dns: /etc/resolv.conf points at" 30
kill -INT "$BRIDGE_PID"
wait_exit "$BRIDGE_PID" 20 || true
check "after that bridge stops, resolv.conf is the original byte for byte" cmp "$RESOLV" "$WORK/resolv.original"

echo "- the agent's own stop signals and a lost link restore it too"
for how in TERM HUP link; do
  logs=$WORK/stop-$how.log
  # A lost link leaves the session to the agent for --resume-grace seconds (the local side may
  # come back); then it cleans up as at any other end.
  extra=()
  [ "$how" = link ] && extra=(--resume-grace 2)
  bridge_start "$logs" --ssh root@cs "${extra[@]}"
  wait_for_line "$logs" "dns: /etc/resolv.conf points at" 60 || true
  agent=$(agents_in_cs | head -1)
  if [ "$how" = link ]; then
    kill -KILL "$BRIDGE_PID"   # the local side dies: ssh ends, the agent reads end of file and waits 2 s
  else
    kill -"$how" "$agent"
  fi
  wait_no_agent 10 || true
  wait_exit "$BRIDGE_PID" 20 || true
  check "after $([ "$how" = link ] && echo "the link is lost" || echo "SIG$how to the agent"): no agent left" test -z "$(agents_in_cs)"
  check "and resolv.conf is the original byte for byte" cmp "$RESOLV" "$WORK/resolv.original"
  check "and the TUN device and its routes are gone" bash -c "! ip netns exec $GHNET_NS_CS ip route show table all | grep -qE 'dev ghnet[0-9]+' && ! ip netns exec $GHNET_NS_CS ip -o link show | grep -qE '^[0-9]+: ghnet[0-9]+:'"
done

echo "- --dns-domain and --dns false"
log4=$WORK/domain.log
bridge_start "$log4" --ssh root@cs --trace debug --dns-domain public.example
wait_for_line "$log4" "dns: /etc/resolv.conf points at" 60 || true
out=$("${CS[@]}" dig +tries=1 +time=8 A public.example 2>&1) || true
check "--dns-domain public.example: its names skip the codespace resolver (the laptop says NXDOMAIN)" grep -q 'status: NXDOMAIN' <<<"$out"
check "the log shows the dns-domain path" grep -q 'dns: public.example. A over udp: dns-domain → local NXDOMAIN' "$log4"
kill -INT "$BRIDGE_PID"
wait_exit "$BRIDGE_PID" 20 || true
log5=$WORK/nodns.log
bridge_start "$log5" --ssh root@cs --dns false
wait_for_line "$log5" "routes: installed" 60 || true
check "--dns false: the agent says the hook is off" grep -q 'dns: hook off' "$log5"
check "--dns false: resolv.conf untouched" cmp "$RESOLV" "$WORK/resolv.original"
check "--dns false: db.corp.example does not resolve" bash -c "! ${CS[*]} getent hosts db.corp.example"
kill -INT "$BRIDGE_PID"
wait_exit "$BRIDGE_PID" 20 || true
finish
