#!/usr/bin/env bash
# Issue 2 end to end: from the laptop, `gh-net start --ssh root@cs` through a real sshd in the
# codespace: the agent is delivered, the handshake completes and both sides log the version; the
# second start uses the cache; Ctrl-C stops cleanly; ssh failures give one clear line; killing
# sshd mid-session ends the local side with a clear message and leaves no process behind.
source "$(dirname "$0")/lib.sh"
hosts_up
ms() { sed -nE 's/.*agent started in ([0-9]+) ms.*/\1/p' "$1" | head -1; }

echo "- first start: delivery over ssh"
log1=$WORK/first.log
t0=$(date +%s%N)
bridge_start "$log1" --ssh root@cs --trace debug
if wait_for_line "$log1" "local: connected to root@cs: protocol 1" 60; then
  t1=$(date +%s%N)
  pass "handshake completed over ssh"
  echo "    first start: agent running after $(ms "$log1") ms, connected $(( (t1 - t0) / 1000000 )) ms after launch"
else
  fail "handshake completed over ssh"; cat "$log1"
fi
check "the agent was sent and stored" grep -q "build sent and stored" "$log1"
check "the agent logged the negotiated version" wait_for_line "$log1" "remote: agent: connected: protocol 1" 5
check "one agent runs in the codespace" test "$(agents_in_cs | wc -l)" = 1
kill -INT "$BRIDGE_PID"
wait_exit "$BRIDGE_PID" 20 || true
check "Ctrl-C stops with exit code 0 (got $EXIT_CODE)" test "$EXIT_CODE" = 0
check "the agent said it cleaned up" grep -q "remote: agent: .*cleaned up" "$log1"
sleep 0.5
check "no agent left in the codespace" test -z "$(agents_in_cs)"

echo "- second start: the cached build is reused"
log2=$WORK/second.log
t0=$(date +%s%N)
bridge_start "$log2" --ssh root@cs
if wait_for_line "$log2" "local: connected to root@cs: protocol 1" 60; then
  t1=$(date +%s%N)
  pass "second handshake"
  echo "    cached start: agent running after $(ms "$log2") ms, connected $(( (t1 - t0) / 1000000 )) ms after launch"
else
  fail "second handshake"; cat "$log2"
fi
check "the cached build was reused" grep -q "cached build reused" "$log2"
check "nothing was sent the second time" bash -c "! grep -q 'sending the agent' '$log2'"

kill -INT "$BRIDGE_PID"
wait_exit "$BRIDGE_PID" 20 || true
check "the second bridge stops with exit code 0 (got $EXIT_CODE)" test "$EXIT_CODE" = 0

echo "- Ctrl-C at a terminal: SIGINT reaches the whole process group, ssh included"
log3=$WORK/third.log
# setsid gives the bridge its own process group, as a shell gives a foreground job.
setsid ip netns exec "$GHNET_NS_LAPTOP" env GHNET_SSH_COMMAND="ssh -F $GHNET_SSH_CONFIG" "$GHNET_BIN" start --gui false --ssh root@cs >"$log3" 2>&1 &
group=$!
STARTED_PIDS+=("$group")
wait_for_line "$log3" "local: connected to root@cs" 60 || fail "third handshake"
kill -INT -- "-$group"
wait_exit "$group" 20 || true
check "Ctrl-C to the process group stops with exit code 0 (got $EXIT_CODE)" test "$EXIT_CODE" = 0
wait_no_agent 5 || true
check "no agent left after Ctrl-C to the group" test -z "$(agents_in_cs)"

echo "- ssh cipher order: AES-GCM first on a CPU with AES instructions, unless the ssh config chose"
# ssh -v prints the negotiated cipher on its stderr, which gh-net logs as remote: lines.
cipher_of() { sed -nE 's/.*kex: client->server cipher: ([^ ]+).*/\1/p' "$1" | head -1; }
flags=$(grep -m1 '^flags' /proc/cpuinfo)
if grep -qw aes <<<"$flags" && grep -qw pclmulqdq <<<"$flags"; then want=aes128-gcm@openssh.com; else want=chacha20-poly1305@openssh.com; fi
# A config that chooses the cipher, then the test hosts' own (a -o on ssh's command line would
# override this line: gh-net must see it and add none).
chosen_config=$WORK/ssh_config_chosen
printf 'Ciphers chacha20-poly1305@openssh.com\nInclude %s\n' "$GHNET_SSH_CONFIG" >"$chosen_config"
for choice in default chosen; do
  log5=$WORK/cipher-$choice.log
  config=$GHNET_SSH_CONFIG
  [ "$choice" = chosen ] && config=$chosen_config
  ip netns exec "$GHNET_NS_LAPTOP" env GHNET_SSH_COMMAND="ssh -F $config -v" "$GHNET_BIN" start --gui false \
    --ssh root@cs >"$log5" 2>&1 &
  BRIDGE_PID=$!
  STARTED_PIDS+=("$BRIDGE_PID")
  wait_for_line "$log5" "local: connected to root@cs" 60 || fail "handshake with the $choice cipher order"
  check "$choice: the request is answered through the bridge" in_ns cs curl -sf -o /dev/null --max-time 10 "http://$GHNET_CORP_IP4/"
  kill -INT "$BRIDGE_PID"
  wait_exit "$BRIDGE_PID" 20 || true
  got=$(cipher_of "$log5")
  if [ "$choice" = default ]; then
    check "with no cipher chosen, ssh negotiated $want (got $got)" test "$got" = "$want"
  else
    check "with a Ciphers line in the ssh config, ssh kept its choice (got $got)" test "$got" = chacha20-poly1305@openssh.com
    check "and gh-net offered no cipher of its own" bash -c "! grep -q 'local: ssh: offering' '$log5'"
  fi
done

echo "- sshd dies mid-session (without --reconnect false gh-net would retry: reconnect_test.sh)"
log2=$WORK/fourth.log
bridge_start "$log2" --ssh root@cs --reconnect false
wait_for_line "$log2" "local: connected to root@cs" 60 || fail "fourth handshake"
for pid in $(ip netns pids "$GHNET_NS_CS"); do
  tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q "sshd" && kill -KILL "$pid"
done
wait_exit "$BRIDGE_PID" 30 || true
check "the local side exits non-zero (got $EXIT_CODE)" test "$EXIT_CODE" != 0 -a "$EXIT_CODE" != 124
last=$(tail -n 1 "$log2")
echo "    last line: $last"
check "with one clear line naming the lost connection" grep -q "^gh-net: the connection to root@cs was lost: " <<<"$last"
wait_no_agent 5 || true
check "no agent left in the codespace" test -z "$(agents_in_cs)"
check "no ssh client left in the laptop" bash -c "! ip netns pids '$GHNET_NS_LAPTOP' | xargs -r ps -o args= -p | grep -q '^ssh '"

echo "- ssh failures"
out=$(in_ns laptop env GHNET_SSH_COMMAND="ssh -F $GHNET_SSH_CONFIG" "$GHNET_BIN" start --gui false --trace none --ssh root@no-such-host.invalid 2>&1) && code=0 || code=$?
echo "    $out"
check "unknown host: exit 1" test "$code" = 1
check "unknown host: one line with ssh's reason" bash -c "[ \$(wc -l <<<'$out') = 1 ] && grep -q 'cannot reach root@no-such-host.invalid: .*Could not resolve hostname' <<<'$out'"
out=$(in_ns laptop env GHNET_SSH_COMMAND="ssh -F $GHNET_SSH_CONFIG" "$GHNET_BIN" start --gui false --trace none --ssh root@cs 2>&1) && code=0 || code=$?
echo "    $out"
check "refused connection (sshd is gone): exit 1 and ssh's reason" bash -c "[ $code = 1 ] && grep -q 'cannot reach root@cs: .*Connection refused' <<<'$out'"

echo "- a transport that never reaches an agent"
out=$(GHNET_BIN="$GHNET_BIN" timeout 40 bash -c '
  "$GHNET_BIN" start --gui false --via "sh -c \"sleep 59.123\" --" >/dev/null 2>&1 &
  pid=$!
  sleep 1
  kill -TERM $pid
  start=$(date +%s%N)
  wait $pid; code=$?
  echo "$code $(( ($(date +%s%N) - start) / 1000000 ))"
  pkill -f "^sleep 59.123$" || true') || true
echo "    exit code and milliseconds after SIGTERM: $out"
check "SIGTERM before the agent answered stops gh-net with exit 0 within 15 s" \
  bash -c "set -- $out; [ \"\$1\" = 0 ] && [ \"\$2\" -lt 15000 ]"

echo "- bad arguments"
for args in "--gui maybe" "--route 198.18.0.1/15" "--ssh root@cs --via x" "--bogus" "--ssh host:99999"; do
  # shellcheck disable=SC2086
  out=$("$GHNET_BIN" $args 2>&1) && code=0 || code=$?
  check "'$args' gives exit 2 and one line ($out)" bash -c "[ $code = 2 ] && [ \$(printf '%s\n' \"\$1\" | wc -l) = 1 ]" _ "$out"
done

finish
