#!/usr/bin/env bash
# Auto-reconnect end to end: the SSH connection under a running bridge drops; gh-net says so,
# starts a new session by itself (backing off while the codespace cannot be reached) and the
# codespace reaches corp again; a connection open across the drop is reset, not left hanging;
# an old agent that has not noticed the drop hands over to the new one.
# A second gh-net against the same codespace takes over: the first one ends instead of
# reconnecting, and one agent is left. --reconnect false and a stop while waiting end gh-net.
source "$(dirname "$0")/lib.sh"
hosts_up
in_cs() { ip netns exec "$GHNET_NS_CS" "$@"; }
curl_corp() { ip netns exec "$GHNET_NS_CS" curl -sf --max-time 10 "http://$GHNET_CORP_IP4/" | grep -q 'corp intranet'; }
count_lines() { grep -Ec -- "$2" "$1" 2>/dev/null || true; }
# wait_for_count FILE PATTERN N SECONDS — until PATTERN shows N times in FILE.
wait_for_count() {
  local i
  for ((i = 0; i < $4 * 10; i++)); do
    [ "$(count_lines "$1" "$2")" -ge "$3" ] && return 0
    sleep 0.1
  done
  return 1
}
CONNECTED="local: connected to root@cs: protocol"

log=$WORK/bridge.log
bridge_start "$log" --ssh root@cs
wait_for_line "$log" "remote: agent: routes: installed" 60 || { fail "bridge up"; cat "$log"; finish; }
check "curl to corp works" curl_corp

# An app's connection open across the drop: it must end (reset or EOF) once the drop is known.
held=$WORK/held.out
in_cs python3 - "$GHNET_CORP_IP4" "$held" <<'EOF' &
import socket, sys, time
s = socket.create_connection((sys.argv[1], 7), timeout=10)
s.sendall(b"a"); assert s.recv(1) == b"a"
open(sys.argv[2], "w").write("ready\n")
s.settimeout(60)
deadline = time.time() + 60
try:
    while time.time() < deadline:
        s.sendall(b"b")
        if s.recv(1) == b"":
            raise EOFError
        time.sleep(0.2)
    result = "still open after 60 s"
except (ConnectionResetError, BrokenPipeError, EOFError) as e:
    result = "ended: " + type(e).__name__
except socket.timeout:
    result = "hung: no answer for 60 s"
open(sys.argv[2], "a").write(result + "\n")
EOF
holder=$!
STARTED_PIDS+=("$holder")
wait_for_line "$held" "ready" 15 || fail "the held connection echoes before the drop"

echo "- the SSH connection drops"
old_agent=$(agents_in_cs)
drop_ssh_sessions
check "gh-net says the link was lost and when it tries again" wait_for_line "$log" "was lost: .*reconnecting in 1 s \(attempt 1\)" 30
check "a new session is up by itself" wait_for_count "$log" "$CONNECTED" 2 60
check "the routes are back" wait_for_count "$log" "remote: agent: routes: installed" 2 20
check "curl to corp works again" curl_corp
agents=$(agents_in_cs)
check "exactly one agent runs in the codespace ($(echo $agents))" test "$(echo "$agents" | grep -c .)" = 1
check "it is a new process" test "$agents" != "$old_agent"
wait "$holder" 2>/dev/null || true
echo "    held connection: $(tail -n 1 "$held")"
check "the connection open across the drop ended instead of hanging" grep -q "^ended: " "$held"

echo "- the old agent has not noticed the drop when the new one starts"
# The session's sshd processes are frozen (the old agent sees no end of its input) and the
# laptop's ssh client is killed: gh-net reconnects while the old agent still runs.
frozen=()
for pid in $(ip netns pids "$GHNET_NS_CS"); do
  [ "$pid" = "$GHNET_CS_SSHD_PID" ] && continue
  tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q "^sshd" && kill -STOP "$pid" && frozen+=("$pid")
done
old_agent=$(agents_in_cs)
connected_before=$(count_lines "$log" "$CONNECTED")
pkill -KILL -P "$BRIDGE_PID" -x ssh || true
check "the new session is up" wait_for_count "$log" "$CONNECTED" $((connected_before + 1)) 60
check "its agent took over from the old one, which was still running" \
  grep -q "remote: agent: took over from the agent of an earlier session (pid $old_agent)" "$log"
agents=$(agents_in_cs)
check "exactly one agent runs in the codespace, the new one" bash -c "[ \"$(echo $agents)\" != '$old_agent' ] && [ $(echo "$agents" | grep -c .) = 1 ]"
check "curl to corp works" curl_corp
check "names only the laptop knows resolve (the DNS hook is the new agent's)" \
  bash -c "ip netns exec $GHNET_NS_CS getent hosts db.corp.example | grep -qE '$GHNET_CORP_IP4|$GHNET_CORP_IP6'"
for pid in "${frozen[@]}"; do kill -KILL "$pid" 2>/dev/null || true; done

echo "- the codespace cannot be reached for a while"
ip netns exec "$GHNET_NS_LAPTOP" ip route add unreachable "$GHNET_CS_IP4/32"
drop_ssh_sessions
check "the first attempt fails and the wait grows" wait_for_line "$log" "reconnecting in 2 s \(attempt 2\)" 30
ip netns exec "$GHNET_NS_LAPTOP" ip route del unreachable "$GHNET_CS_IP4/32"
check "once it can be reached the session is up again" wait_for_count "$log" "$CONNECTED" 3 60
check "curl to corp works again" bash -c "for i in \$(seq 1 50); do ip netns exec $GHNET_NS_CS curl -sf --max-time 5 http://$GHNET_CORP_IP4/ | grep -q 'corp intranet' && exit 0; sleep 0.2; done; exit 1"

echo "- a second gh-net against the same codespace takes over"
log2=$WORK/second.log
first=$BRIDGE_PID
retries_before=$(count_lines "$log" "reconnecting in")
bridge_start "$log2" --ssh root@cs
second=$BRIDGE_PID
check "the second one connects" wait_for_line "$log2" "remote: agent: routes: installed" 60
check "its agent took over from the first one's" grep -q "remote: agent: took over from the agent of an earlier session" "$log2"
wait_exit "$first" 30 || true
check "the first gh-net ends with exit code 0 instead of reconnecting (got $EXIT_CODE)" test "$EXIT_CODE" = 0
check "and says why" grep -q "the agent ended the session: stopped by SIGUSR1 (a newer gh-net session took over)" "$log"
check "it did not try to reconnect" test "$(count_lines "$log" "reconnecting in")" = "$retries_before"
check "one agent runs in the codespace" test "$(agents_in_cs | grep -c .)" = 1
check "curl to corp works through the second" curl_corp

echo "- a stop while waiting to reconnect"
kill -STOP "$GHNET_CS_SSHD_PID"  # new SSH connections hang in the banner exchange meanwhile
drop_ssh_sessions
wait_for_line "$log2" "reconnecting in 1 s" 30 || fail "the second gh-net noticed the drop"
sleep 0.5
kill -TERM "$second"
wait_exit "$second" 15 || true
kill -CONT "$GHNET_CS_SSHD_PID"
check "SIGTERM while reconnecting ends gh-net with exit code 0 (got $EXIT_CODE)" test "$EXIT_CODE" = 0
for i in $(seq 1 100); do [ -z "$(agents_in_cs)" ] && break; sleep 0.1; done
check "no agent left in the codespace" test -z "$(agents_in_cs)"

echo "- --reconnect false"
log3=$WORK/third.log
bridge_start "$log3" --ssh root@cs --reconnect false
wait_for_line "$log3" "$CONNECTED" 60 || fail "third handshake"
drop_ssh_sessions
wait_exit "$BRIDGE_PID" 30 || true
check "a lost link ends gh-net with exit code 1 (got $EXIT_CODE)" test "$EXIT_CODE" = 1
check "with the reason as its last line" bash -c "tail -n 1 '$log3' | grep -q '^gh-net: the connection to root@cs was lost: '"

finish
