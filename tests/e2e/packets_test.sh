#!/usr/bin/env bash
# Issue 3 end to end: ping and UDP from the codespace reach corp through the bridge (IPv4 and
# IPv6); nothing else is disturbed; everything is removed when the bridge stops. The same checks
# fail before the bridge is up, so no check can pass by accident.
source "$(dirname "$0")/lib.sh"
hosts_up
UDP="python3 $E2E_DIR/udp_echo.py"

echo "- before the bridge: corp is out of reach from the codespace"
check "ping corp fails" bash -c "! ip netns exec $GHNET_NS_CS ping -c 1 -W 1 $GHNET_CORP_IP4 >/dev/null 2>&1"
check "ping -6 corp fails" bash -c "! ip netns exec $GHNET_NS_CS ping -6 -c 1 -W 1 $GHNET_CORP_IP6 >/dev/null 2>&1"
check "UDP echo to corp fails" bash -c "! ip netns exec $GHNET_NS_CS timeout 15 $UDP sizes $GHNET_CORP_IP4 7 10 >/dev/null 2>&1"

echo "- bridge up"
log=$WORK/bridge.log
bridge_start "$log" --ssh root@cs --trace debug --udp-timeout 3
if wait_for_line "$log" "remote: agent: routes: installed" 60; then pass "agent installed routes"; else fail "agent installed routes"; cat "$log"; fi
grep -E "advertis|routes:|skipped" "$log" | sed 's/^/    /' | cut -c1-200

check "corp is routed through the TUN device while the bridge runs" \
  bash -c "ip netns exec $GHNET_NS_CS ip route get $GHNET_CORP_IP4 | grep -qE 'dev ghnet[0-9]+'"

echo "- ping"
out=$(ip netns exec "$GHNET_NS_CS" ping -c 3 -i 0.3 -W 2 "$GHNET_CORP_IP4" 2>&1) || true
echo "$out" | tail -2 | sed 's/^/    /'
check "ping corp over IPv4: 3 of 3 answered" grep -q "3 received" <<<"$out"
out=$(ip netns exec "$GHNET_NS_CS" ping -6 -c 3 -i 0.3 -W 2 "$GHNET_CORP_IP6" 2>&1) || true
echo "$out" | tail -2 | sed 's/^/    /'
check "ping corp over IPv6: 3 of 3 answered" grep -q "3 received" <<<"$out"
out=$(ip netns exec "$GHNET_NS_CS" ping -c 1 -W 2 "$GHNET_LAPTOP_VPN_IP4" 2>&1) || true
echo "$out" | grep -iE "prohibit|filter|unreach" | head -1 | sed 's/^/    /'
check "ping to the laptop's own address is refused with an ICMP error" grep -qiE "prohibit|filtered" <<<"$out"

out=$(ip netns exec "$GHNET_NS_CS" ping -c 1 -W 8 198.18.1.99 2>&1) || true
echo "$out" | grep -iE "unreach" | head -1 | sed "s/^/    /" || true
check "ping to a VPN-side address nobody has gets host unreachable (raw ICMP socket)" grep -qi "host unreachable" <<<"$out"

echo "- UDP"
check "UDP echo IPv4, 1 B to 64 KiB, byte-exact" ip netns exec "$GHNET_NS_CS" $UDP sizes "$GHNET_CORP_IP4" 7 1 100 1400 1473 9000 32768 65507
check "UDP echo IPv6, 1 B to 64 KiB, byte-exact" ip netns exec "$GHNET_NS_CS" $UDP sizes "$GHNET_CORP_IP6" 7 1 100 1400 1453 9000 32768 65487
check "1000 concurrent UDP flows all answered" ip netns exec "$GHNET_NS_CS" $UDP flows "$GHNET_CORP_IP4" 7 1000
check "closed UDP port gives connection refused (IPv4)" ip netns exec "$GHNET_NS_CS" $UDP refused "$GHNET_CORP_IP4" 9
check "closed UDP port gives connection refused (IPv6)" ip netns exec "$GHNET_NS_CS" $UDP refused "$GHNET_CORP_IP6" 9

check "another IP protocol (SCTP) gets ICMP protocol unreachable" ip netns exec "$GHNET_NS_CS" $UDP protocol "$GHNET_CORP_IP4" 132

sleep 4
check "idle UDP NAT records expire after --udp-timeout" grep -qE "nat: udp .* expired" "$log"
check "a new datagram after expiry opens a new record and is answered" ip netns exec "$GHNET_NS_CS" $UDP sizes "$GHNET_CORP_IP4" 7 64

echo "- nothing else disturbed"
check "a destination outside the advertised prefixes is not routed into the tunnel" \
  bash -c "! ip netns exec $GHNET_NS_CS ip route get $GHNET_PUBLIC_IP4 | grep -qE 'dev ghnet[0-9]+'"
check "the codespace's own default route still works (public web)" \
  ip netns exec "$GHNET_NS_CS" curl -sf --max-time 5 -o /dev/null "http://$GHNET_PUBLIC_IP4/"
check "the SSH peer (the laptop) is not routed into the tunnel" \
  bash -c "! ip netns exec $GHNET_NS_CS ip route get $GHNET_LAPTOP_IP4 | grep -qE 'dev ghnet[0-9]+'"

echo "- the laptop's routing table changes while the bridge runs (a VPN adding a network)"
routed_in_cs() { ip netns exec "$GHNET_NS_CS" ip route show 198.18.6.0/24 | grep -qE 'dev ghnet[0-9]+'; }
not_routed_in_cs() { ! routed_in_cs; }
within_10s() { local i; for i in $(seq 50); do "$@" && return 0; sleep 0.2; done; return 1; }
check "198.18.6.0/24 is not routed into the tunnel before the laptop has it" not_routed_in_cs
ip netns exec "$GHNET_NS_LAPTOP" ip route add 198.18.6.0/24 via 198.18.1.2 dev vpn0
check "a network the laptop gains is advertised and routed in the codespace within 10 s" within_10s routed_in_cs
ip netns exec "$GHNET_NS_LAPTOP" ip route del 198.18.6.0/24 via 198.18.1.2 dev vpn0
check "and withdrawn within 10 s when the laptop loses it" within_10s not_routed_in_cs
check "corp is still routed through the tunnel after both changes" \
  bash -c "ip netns exec $GHNET_NS_CS ip route get $GHNET_CORP_IP4 | grep -qE 'dev ghnet[0-9]+'"

echo "- stop"
kill -INT "$BRIDGE_PID"
wait_exit "$BRIDGE_PID" 20 || true
check "the bridge stops with exit code 0 (got $EXIT_CODE)" test "$EXIT_CODE" = 0
sleep 0.5
check "the TUN device is gone" bash -c "! ip netns exec $GHNET_NS_CS ip -o link show | grep -qE '^[0-9]+: ghnet[0-9]+:'"
check "its routes are gone" bash -c "! ip netns exec $GHNET_NS_CS ip route show table all | grep -qE 'dev ghnet[0-9]+'"
check "ping corp fails again" bash -c "! ip netns exec $GHNET_NS_CS ping -c 1 -W 1 $GHNET_CORP_IP4 >/dev/null 2>&1"

echo "- ping through unprivileged ICMP sockets (how a local side without root pings)"
ip netns exec "$GHNET_NS_LAPTOP" sysctl -qw net.ipv4.ping_group_range="0 2147483647"
log2=$WORK/bridge-ping-sockets.log
bridge_start "$log2" --ssh root@cs --trace debug
wait_for_line "$log2" "remote: agent: routes: installed" 60 || { fail "bridge up again"; cat "$log2"; }
out=$(ip netns exec "$GHNET_NS_CS" ping -c 2 -i 0.3 -W 2 "$GHNET_CORP_IP4" 2>&1) || true
check "ping corp: 2 of 2 answered" grep -q "2 received" <<<"$out"
check "through an unprivileged ICMP socket" grep -q "using unprivileged ICMP sockets" "$log2"
out=$(ip netns exec "$GHNET_NS_CS" ping -6 -c 2 -i 0.3 -W 2 "$GHNET_CORP_IP6" 2>&1) || true
check "ping -6 corp: 2 of 2 answered" grep -q "2 received" <<<"$out"
out=$(ip netns exec "$GHNET_NS_CS" ping -c 1 -W 8 198.18.1.99 2>&1) || true
echo "$out" | grep -iE "unreach" | head -1 | sed "s/^/    /" || true
check "ping to a VPN-side address nobody has gets host unreachable, not silence" grep -qi "host unreachable" <<<"$out"
out=$(ip netns exec "$GHNET_NS_CS" ping -6 -c 1 -W 8 2001:db8:1::99 2>&1) || true
echo "$out" | grep -iE "unreach" | head -1 | sed "s/^/    /" || true
check "the same over IPv6" grep -qi "unreachable" <<<"$out"
out=$(ip netns exec "$GHNET_NS_CS" ping -c 2 -i 0.3 -W 2 "$GHNET_CORP_IP4" 2>&1) || true
check "and pinging corp still works after that error" grep -q "2 received" <<<"$out"
kill -INT "$BRIDGE_PID"
wait_exit "$BRIDGE_PID" 20 || true
check "the bridge stops with exit code 0 (got $EXIT_CODE)" test "$EXIT_CODE" = 0
finish
