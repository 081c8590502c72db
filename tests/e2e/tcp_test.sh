#!/usr/bin/env bash
# Issue 4 end to end: every TCP program in the codespace works through the bridge, with the
# outcomes it would see on the laptop. Before the bridge the same connections fail.
source "$(dirname "$0")/lib.sh"
hosts_up
TCP="python3 $E2E_DIR/tcp_check.py"
in_cs() { ip netns exec "$GHNET_NS_CS" "$@"; }

echo "- before the bridge"
check "curl to corp fails" bash -c "! ip netns exec $GHNET_NS_CS curl -s --max-time 3 -o /dev/null http://$GHNET_CORP_IP4/"

head -c $((100 * 1024 * 1024)) /dev/urandom >"$GHNET_CORP_WWW/big.bin"
want=$(sha256sum "$GHNET_CORP_WWW/big.bin" | cut -d' ' -f1)

log=$WORK/bridge.log
bridge_start "$log" --ssh root@cs --trace debug --udp-timeout 3
wait_for_line "$log" "remote: agent: routes: installed" 60 || { fail "bridge up"; cat "$log"; finish; }

echo "- curl"
check "curl of a small page (IPv4)" bash -c "ip netns exec $GHNET_NS_CS curl -sf --max-time 10 http://$GHNET_CORP_IP4/ | grep -q 'corp intranet'"
check "curl of a small page (IPv6)" bash -c "ip netns exec $GHNET_NS_CS curl -sf --max-time 10 'http://[$GHNET_CORP_IP6]/' | grep -q 'corp intranet'"
start=$(date +%s%N)
got=$(in_cs curl -sf --max-time 120 "http://$GHNET_CORP_IP4/big.bin" | sha256sum | cut -d' ' -f1)
ms=$(( ($(date +%s%N) - start) / 1000000 ))
echo "    100 MiB download in $ms ms ($(( 104857600 / 1000 / (ms > 0 ? ms : 1) )) MB/s)"
check "curl of 100 MiB, sha256 matches" test "$got" = "$want"
got6=$(in_cs curl -sf --max-time 120 "http://[$GHNET_CORP_IP6]/big.bin" | sha256sum | cut -d' ' -f1)
check "curl of 100 MiB over IPv6, sha256 matches" test "$got6" = "$want"

echo "- upload and echo"
check "100 MiB up and back through TCP echo, with the client's half-close (IPv4)" in_cs $TCP echo "$GHNET_CORP_IP4" 7 104857600
check "16 MiB up and back (IPv6)" in_cs $TCP echo "$GHNET_CORP_IP6" 7 16777216
check "1000 concurrent connections, each echoing 4 KiB" in_cs $TCP many "$GHNET_CORP_IP4" 7 1000 4096
for pid in $(agents_in_cs); do
  echo "    agent memory: $(grep -E 'VmHWM|VmRSS' /proc/$pid/status | tr -s ' \t' ' ' | tr '\n' ' ')"
done

echo "- outcomes"
check "a closed port is refused at once" in_cs $TCP refused "$GHNET_CORP_IP4" 81
check "a closed port is refused at once (IPv6)" in_cs $TCP refused "$GHNET_CORP_IP6" 81
check "an absent host on the VPN link is unreachable (no route to host)" in_cs $TCP unreachable 198.18.1.99 80
check "an address corp does not forward to times out, as it does on the laptop" bash -c "! ip netns exec $GHNET_NS_CS python3 $E2E_DIR/tcp_check.py unreachable 198.18.2.99 80"
check "a connection idle past the UDP timeout still works" in_cs $TCP idle "$GHNET_CORP_IP4" 7 5

echo "- a SYN to a server that accepted a connection moments ago is answered at once"
ip netns exec "$GHNET_NS_CORP" python3 "$ROOT/scripts/testhosts/servers.py" tcpecho 8081 &
server=$!
STARTED_PIDS+=("$server")
for i in $(seq 1 50); do ip netns exec "$GHNET_NS_CORP" ss -Htln 'sport = :8081' | grep -q . && break; sleep 0.1; done
check "a new server: the first connection waits for the real connect and works" in_cs $TCP echo "$GHNET_CORP_IP4" 8081 1000
check "a second one is answered at once (early data) and works" in_cs $TCP echo "$GHNET_CORP_IP4" 8081 1000
check "the agent answered it before the local side connected" grep -q "8081: answered at once" "$log"
kill "$server"; wait "$server" 2>/dev/null || true
check "once the server is gone, the next connection is answered at once, then reset" in_cs $TCP reset "$GHNET_CORP_IP4" 8081
check "the bridge says why" grep -q "8081: answered early, but the connect failed (refused): reset" "$log"
check "and the one after that is refused at once, as on the laptop" in_cs $TCP refused "$GHNET_CORP_IP4" 8081

echo "- a server that stops reading for 3 s: the bridge holds the app's bytes, every one arrives"
for when in eof-first eof-late; do
  ip netns exec "$GHNET_NS_CORP" python3 "$E2E_DIR/tcp_check.py" sink "$GHNET_CORP_IP4" 8082 12582912 $when >"$WORK/sink.out" 2>&1 &
  sink=$!
  STARTED_PIDS+=("$sink")
  for i in $(seq 1 50); do ip netns exec "$GHNET_NS_CORP" ss -Htln 'sport = :8082' | grep -q . && break; sleep 0.1; done
  check "the app uploads 12 MiB and closes ($when: the server closes its sending side ${when#eof-})" in_cs $TCP upload "$GHNET_CORP_IP4" 8082 12582912
  check "the server reads all 12 MiB in order, then a clean end ($when)" wait "$sink"
  sed 's/^/    /' "$WORK/sink.out"
done

echo "- ssh through the bridge"
check "ssh from the codespace to corp's sshd" bash -c "ip netns exec $GHNET_NS_CS ssh -F $GHNET_SSH_CONFIG corp echo corp-says-hi | grep -q corp-says-hi"

kill -INT "$BRIDGE_PID"
wait_exit "$BRIDGE_PID" 20 || true
check "the bridge stops with exit code 0 (got $EXIT_CODE)" test "$EXIT_CODE" = 0
check "curl to corp fails again" bash -c "! ip netns exec $GHNET_NS_CS curl -s --max-time 3 -o /dev/null http://$GHNET_CORP_IP4/"
finish
