#!/usr/bin/env bash
# Auto-reconnect end to end: the SSH connection under a running bridge drops; gh-net says so,
# starts a new transport by itself (backing off while the codespace cannot be reached), and the
# session resumes: a connection open across the drop goes on, a download and an upload in
# flight arrive whole. That holds when the agent saw its transport end and when it had not
# noticed yet (the new agent process hands its transport over). A second gh-net against the
# same codespace takes over: the first one ends instead of reconnecting, and one agent is left;
# a reconnect never takes the codespace back from another gh-net. An unanswered goodbye and a
# stop while waiting make one last attempt to clean up; --reconnect false ends gh-net.
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
RESUMED="local: connected to root@cs again: the session resumed"
CLIENTS="$(dirname "$0")/across_drop.py"
# The agent holding the codespace's instance lock: the one serving the session.
lock_holder() { cat "/run/gh-net/agent-net$(stat -L -c %i "/run/netns/$GHNET_NS_CS").lock" 2>/dev/null; }
# A 24 MB file on corp's web server, fetched at 4 MB/s so that a drop falls in the middle.
head -c 24000000 /dev/urandom >"$GHNET_CORP_WWW/big.bin"

# traffic_across_drop NAME — starts, in the codespace, a connection echoing every 50 ms for
# 12 s, a rate-limited download of big.bin and a 16 MB upload echoed back; verdicts land in
# $WORK/NAME.*.
traffic_across_drop() {
  TRAFFIC_PIDS=()
  in_cs python3 "$CLIENTS" held "$GHNET_CORP_IP4" 12 "$WORK/$1.held" & TRAFFIC_PIDS+=($!)
  (in_cs curl -sS --max-time 60 --limit-rate 4M -o "$WORK/$1.download" "http://$GHNET_CORP_IP4/big.bin"
   echo "curl exit $?" >"$WORK/$1.curl") & TRAFFIC_PIDS+=($!)
  in_cs python3 "$CLIENTS" upload "$GHNET_CORP_IP4" 16000000 "$WORK/$1.upload" & TRAFFIC_PIDS+=($!)
  STARTED_PIDS+=("${TRAFFIC_PIDS[@]}")
  sleep 3
}

# traffic_checks NAME — waits for those clients and checks their verdicts.
traffic_checks() {
  local pid
  for pid in "${TRAFFIC_PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  echo "    held connection: $(cat "$WORK/$1.held" 2>/dev/null)"
  check "the connection open across the drop went on" grep -q "^went on: " "$WORK/$1.held"
  check "the download across the drop arrived whole ($(cat "$WORK/$1.curl" 2>/dev/null))" cmp -s "$WORK/$1.download" "$GHNET_CORP_WWW/big.bin"
  check "the upload across the drop came back whole ($(cat "$WORK/$1.upload" 2>/dev/null))" grep -q "^intact" "$WORK/$1.upload"
}

# taken_over_while_away LOG_A LOG_B — a first laptop's gh-net ($laptop_a) comes up, then is
# frozen (it can neither notice the drop nor reconnect) while its SSH sessions drop and another
# laptop's ($laptop_b) starts and takes the codespace over. The first is still frozen on return.
taken_over_while_away() {
  bridge_start "$1" --ssh root@cs
  laptop_a=$BRIDGE_PID
  wait_for_line "$1" "remote: agent: routes: installed" 60 || fail "the first laptop's handshake"
  kill -STOP "$laptop_a"
  drop_ssh_sessions
  bridge_start "$2" --ssh root@cs
  laptop_b=$BRIDGE_PID
  check "the other laptop connects and takes over" wait_for_line "$2" "remote: agent: took over from the agent" 60
}

# stop_timed SIGNAL PID SECONDS — sends SIGNAL to gh-net PID and waits at most SECONDS for it
# to exit: $took is how many ms that took, $EXIT_CODE its exit code.
stop_timed() {
  local t0
  t0=$(date +%s%N)
  kill "-$1" "$2"
  wait_exit "$2" "$3" || true
  took=$(( ($(date +%s%N) - t0) / 1000000 ))
  echo "    gh-net exited $took ms after SIG$1"
}

# up_then_frozen LOG — gh-net comes up, then its SSH session's sshd processes (pids in $frozen)
# are frozen: the link is dead, and nothing has noticed yet.
up_then_frozen() {
  bridge_start "$1" --ssh root@cs
  wait_for_line "$1" "remote: agent: routes: installed" 60 || fail "handshake before the freeze"
  frozen=($(ssh_session_pids))
  kill -STOP "${frozen[@]}"
}

# codespace_cleaned_up LOG — the agent cleaned up and is gone, with its routes and DNS hook,
# and gh-net said nothing about the codespace keeping the session.
codespace_cleaned_up() {
  check "the agent cleaned up" grep -q "remote: agent: .*cleaned up" "$1"
  wait_no_agent 5 || true
  check "no agent is left in the codespace" test -z "$(agents_in_cs)"
  check "no route through gh-net's device is left" bash -c "! ip -n $GHNET_NS_CS route | grep -q ghnet"
  check "resolv.conf is restored" bash -c "! ip netns exec $GHNET_NS_CS grep -q '^# gh-net: DNS hook' /etc/resolv.conf"
  check "and no word about the codespace keeping the session" bash -c "! grep -q 'keeps its routes and DNS hook' '$1'"
}

# other_laptop_unharmed LOG_B — the other laptop's gh-net still runs, was not taken over and
# carries traffic; then it is stopped.
other_laptop_unharmed() {
  check "the other laptop still runs" kill -0 "$laptop_b"
  check "and was not taken over" bash -c "! grep -q 'the agent ended the session' '$1'"
  check "curl to corp works through it" curl_corp
  kill -INT "$laptop_b"
  wait_exit "$laptop_b" 20 || true
  wait_no_agent 10 || true
}

log=$WORK/bridge.log
bridge_start "$log" --ssh root@cs
wait_for_line "$log" "remote: agent: routes: installed" 60 || { fail "bridge up"; cat "$log"; finish; }
check "curl to corp works" curl_corp

echo "- the SSH connection drops (the agent sees its transport end)"
old_agent=$(lock_holder)
traffic_across_drop drop
drop_ssh_sessions
check "gh-net says the link was lost and when it tries again" wait_for_line "$log" "was lost: .*reconnecting in 1 s \(attempt 1\)" 30
check "the session resumes by itself" wait_for_count "$log" "$RESUMED" 1 60
check "the agent kept it: the same process serves ($old_agent)" test "$(lock_holder)" = "$old_agent"
check "and says the local side is back" grep -q "remote: agent: the local side is back (session resumed)" "$log"
check "curl to corp works again" curl_corp
traffic_checks drop

echo "- the agent has not noticed the drop when the new transport comes"
# The session's sshd processes are frozen (the agent sees no end of its input) and the
# laptop's ssh client is killed: gh-net reconnects while the agent still serves the old transport.
frozen=($(ssh_session_pids))
kill -STOP "${frozen[@]}"
resumed_before=$(count_lines "$log" "$RESUMED")
traffic_across_drop frozen
pkill -KILL -P "$BRIDGE_PID" -x ssh || true
check "the session resumes" wait_for_count "$log" "$RESUMED" $((resumed_before + 1)) 60
check "over the transport the new agent process handed to the serving one ($old_agent)" test "$(lock_holder)" = "$old_agent"
check "nothing was taken over" bash -c "! grep -q 'took over from the agent of an earlier session' '$log'"
check "curl to corp works" curl_corp
check "names only the laptop knows resolve" \
  bash -c "ip netns exec $GHNET_NS_CS getent hosts db.corp.example | grep -qE '$GHNET_CORP_IP4|$GHNET_CORP_IP6'"
traffic_checks frozen
for pid in "${frozen[@]}"; do kill -KILL "$pid" 2>/dev/null || true; done
check "two agent processes are left: the serving one and the one whose transport it uses" \
  bash -c "for i in \$(seq 50); do [ \$(ip netns pids $GHNET_NS_CS | xargs -r ps -o args= -p | grep -c 'gh-net.* agent') = 2 ] && exit 0; sleep 0.1; done; exit 1"

echo "- the codespace cannot be reached for a while"
ip netns exec "$GHNET_NS_LAPTOP" ip route add unreachable "$GHNET_CS_IP4/32"
drop_ssh_sessions
check "the first attempt fails and the wait grows" wait_for_line "$log" "reconnecting in 2 s \(attempt 2\)" 30
ip netns exec "$GHNET_NS_LAPTOP" ip route del unreachable "$GHNET_CS_IP4/32"
check "once it can be reached the session resumes" wait_for_count "$log" "$RESUMED" 3 60
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
stop_timed TERM "$second" 15
kill -CONT "$GHNET_CS_SSHD_PID"
check "SIGTERM while reconnecting ends gh-net with exit code 0 (got $EXIT_CODE)" test "$EXIT_CODE" = 0
check "it tried to tell the codespace, for at most 5 s" bash -c "grep -q 'local: telling root@cs to end the session (at most 5 s' '$log2' && [ $took -lt 9000 ]"
check "and says how long the codespace keeps the session" grep -q "root@cs keeps its routes and DNS hook for up to 180 s, for this session to come back" "$log2"
holder=$(lock_holder)
check "the agent keeps the session for the local side to come back (--resume-grace)" kill -0 "$holder"
kill -TERM "$holder"
wait_no_agent 10 || true
check "a stop signal ends it, and the processes whose transports it held" test -z "$(agents_in_cs)"

echo "- a stop while waiting to reconnect, the codespace reachable: gh-net tells it to clean up"
log5=$WORK/farewell.log
bridge_start "$log5" --ssh root@cs
wait_for_line "$log5" "remote: agent: routes: installed" 60 || fail "farewell handshake"
drop_ssh_sessions
wait_for_line "$log5" "reconnecting in 1 s" 30 || fail "gh-net noticed the drop"
stop_timed TERM "$BRIDGE_PID" 15
check "SIGTERM while reconnecting ends gh-net with exit code 0 (got $EXIT_CODE)" test "$EXIT_CODE" = 0
check "it connected once more to say goodbye" grep -q "local: telling root@cs to end the session" "$log5"
codespace_cleaned_up "$log5"

echo "- a stop the link never carried (its sshd frozen, the drop not yet noticed): gh-net says goodbye again over a new transport"
log8=$WORK/unanswered.log
up_then_frozen "$log8"
stop_timed TERM "$BRIDGE_PID" 20
check "SIGTERM ends gh-net with exit code 0 (got $EXIT_CODE)" test "$EXIT_CODE" = 0
check "it says the end was not confirmed" grep -q "local: root@cs did not confirm the end of the session" "$log8"
check "then reaches the codespace once more to end the session" grep -q "local: reached root@cs again: ending the session" "$log8"
check "within the answer's 5 s and a new transport ($took ms)" test "$took" -lt 12000
codespace_cleaned_up "$log8"
for pid in "${frozen[@]}"; do kill -KILL "$pid" 2>/dev/null || true; done

echo "- a second Ctrl-C while the goodbye waits for its answer: gh-net ends at once"
log11=$WORK/insist.log
up_then_frozen "$log11"
holder=$(lock_holder)
kill -INT "$BRIDGE_PID"
sleep 1
stop_timed INT "$BRIDGE_PID" 10
check "it exits with code 0 (got $EXIT_CODE)" test "$EXIT_CODE" = 0
check "at once ($took ms), without the 5 s the answer may take" test "$took" -lt 2000
check "saying it does not wait" grep -q "stopping at once: not waiting for root@cs to clean up" "$log11"
check "and makes no last attempt" bash -c "! grep -q 'telling root@cs to end the session' '$log11'"
check "and says how long the codespace keeps the session" grep -q "root@cs keeps its routes and DNS hook for up to 180 s" "$log11"
check "the agent does keep it" kill -0 "$holder"
for pid in "${frozen[@]}"; do kill -KILL "$pid" 2>/dev/null || true; done
kill -TERM "$holder" 2>/dev/null
wait_no_agent 10 || true

echo "- a second Ctrl-C while the transport is slow to exit after the goodbye: gh-net ends at once"
log12=$WORK/slow-exit.log
slow_ssh=$WORK/slow-exit-ssh
printf '#!/bin/sh\nssh -F %s "$@"\nexec sleep 30 <&- >&- 2>&-\n' "$GHNET_SSH_CONFIG" >"$slow_ssh"
chmod 755 "$slow_ssh"
BRIDGE_SSH=$slow_ssh bridge_start "$log12" --ssh root@cs
wait_for_line "$log12" "remote: agent: routes: installed" 60 || fail "handshake over the slow-to-exit transport"
kill -INT "$BRIDGE_PID"
wait_for_line "$log12" "remote: agent: .*cleaned up" 10 || fail "the goodbye was answered"
sleep 1
stop_timed INT "$BRIDGE_PID" 10
check "it exits with code 0 (got $EXIT_CODE)" test "$EXIT_CODE" = 0
check "at once ($took ms), not after the transport's 5 s grace" test "$took" -lt 2000
check "no transport process is left" bash -c "! ip netns pids $GHNET_NS_LAPTOP | xargs -r ps -o args= -p | grep -q 'sleep 30'"
wait_no_agent 10 || fail "the agent ended"

echo "- a stop while reconnecting after another laptop took the codespace over: that one is left alone"
log6=$WORK/first-laptop.log
log7=$WORK/other-laptop.log
taken_over_while_away "$log6" "$log7"
kill -CONT "$laptop_a"
# Stopped once it saw the drop, so that the stop comes while reconnecting (one seen first
# would go out as a goodbye on the dead link, unanswered, and lead to the same last attempt).
wait_for_line "$log6" "reconnecting in 1 s" 30 || fail "the first laptop noticed the drop"
kill -TERM "$laptop_a"
wait_exit "$laptop_a" 20 || true
check "the first laptop's stop ends it with exit code 0 (got $EXIT_CODE)" test "$EXIT_CODE" = 0
check "its last attempt found nothing to end" grep -q "local: root@cs no longer held the session, so nothing was left to end" "$log6"
check "and no word about the codespace keeping the session" bash -c "! grep -q 'keeps its routes and DNS hook' '$log6'"
other_laptop_unharmed "$log7"

echo "- a reconnect after another laptop took the codespace over: it leaves that one alone and ends"
log9=$WORK/away-laptop.log
log10=$WORK/new-laptop.log
taken_over_while_away "$log9" "$log10"
new_agent=$(lock_holder)
kill -CONT "$laptop_a"
wait_exit "$laptop_a" 30 || true
check "the first laptop's reconnect ends it with exit code 0 (got $EXIT_CODE)" test "$EXIT_CODE" = 0
check "and says why" grep -q "root@cs: another gh-net took this codespace over while the link was down" "$log9"
check "it tried once, and not again" test "$(count_lines "$log9" "reconnecting in")" = 1
check "the other laptop's agent still serves ($new_agent)" test "$(lock_holder)" = "$new_agent"
other_laptop_unharmed "$log10"

echo "- the codespace cannot be reached for longer than --resume-grace"
log4=$WORK/grace.log
bridge_start "$log4" --ssh root@cs --resume-grace 2
wait_for_line "$log4" "$CONNECTED" 60 || fail "grace handshake"
in_cs python3 "$CLIENTS" held "$GHNET_CORP_IP4" 15 "$WORK/grace.held" &
grace_holder=$!
STARTED_PIDS+=("$grace_holder")
sleep 1
old_agent=$(lock_holder)
ip netns exec "$GHNET_NS_LAPTOP" ip route add unreachable "$GHNET_CS_IP4/32"
drop_ssh_sessions
check "the agent gives the session up after its grace" bash -c "for i in \$(seq 100); do kill -0 $old_agent 2>/dev/null || exit 0; sleep 0.1; done; exit 1"
ip netns exec "$GHNET_NS_LAPTOP" ip route del unreachable "$GHNET_CS_IP4/32"
check "the reconnect then starts a fresh session" wait_for_line "$log4" "the agent no longer held the session: its connections were reset" 60
check "which is up" wait_for_count "$log4" "$CONNECTED" 2 30
wait "$grace_holder" 2>/dev/null || true
echo "    held connection: $(cat "$WORK/grace.held" 2>/dev/null)"
check "the connection open across the drop was reset, not left hanging" grep -q "^ended: " "$WORK/grace.held"
check "curl to corp works again" curl_corp
kill -INT "$BRIDGE_PID"
wait_exit "$BRIDGE_PID" 20 || true
wait_no_agent 10 || true

echo "- --reconnect false"
log3=$WORK/third.log
bridge_start "$log3" --ssh root@cs --reconnect false
wait_for_line "$log3" "$CONNECTED" 60 || fail "third handshake"
drop_ssh_sessions
wait_exit "$BRIDGE_PID" 30 || true
check "a lost link ends gh-net with exit code 1 (got $EXIT_CODE)" test "$EXIT_CODE" = 1
check "with the reason as its last line" bash -c "tail -n 1 '$log3' | grep -q '^gh-net: the connection to root@cs was lost: '"
wait_no_agent 10 || true
check "without reconnecting nothing resumes: the agent cleaned up at once" test -z "$(agents_in_cs)"

finish
