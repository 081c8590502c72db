#!/usr/bin/env bash
# Issue 6 end to end, as a person uses it: tmux runs `gh-net start` in the laptop with a
# stand-in `gh` first on PATH (recorded `gh codespace list` output; `gh codespace ssh` goes to
# the cs test host), keys pick the codespace, traffic from cs shows in the NAT and DNS panels,
# a resize re-lays the view, and `q` ends it with the terminal restored and nothing left running.
# Then the picker's error paths, the non-terminal path, and `gh extension install .`.
source "$(dirname "$0")/lib.sh"
hosts_up
FAKE_GH_DIR="$E2E_DIR/fake-gh"
TMUX_SOCKET="ghnet-e2e-$$"
tmx() { tmux -L "$TMUX_SOCKET" "$@"; }
trap 'tmx kill-server 2>/dev/null || true; cleanup' EXIT
screen() { tmx capture-pane -p -t ui; }
show() { screen | sed 's/^/    | /'; }
screen_has() { screen | grep -Eq -- "$1"; }
widest_line() { screen | wc -L; }
screen_has_all() { local p; for p; do screen_has "$p" || return 1; done; }
one_line_with() { [ "$(wc -l <<<"$1")" = 1 ] && grep -q -- "$2" <<<"$1"; }
env_prefix=(env "PATH=$FAKE_GH_DIR:$PATH" "FAKE_GH_SSH_CONFIG=$GHNET_SSH_CONFIG" "FAKE_GH_LOG=$WORK/gh.log"
            "XDG_STATE_HOME=$WORK/state" TERM=xterm-256color)

echo "- picking a codespace"
tmx new-session -d -s ui -x 132 -y 40 \
  "ip netns exec $GHNET_NS_LAPTOP ${env_prefix[*]} $GHNET_BIN start --dns-domain corp.example; echo EXITED \$?; sleep 600"
tmx set-option -t ui remain-on-exit on >/dev/null
check "the picker comes up" wait_screen 'Choose a codespace' 20
check "it names each codespace by display name, repository and state" \
  screen_has_all "legendary space bassoon" "octo-org/web-frontend" "Shutdown"
show
tmx send-keys -t ui Down
sleep 0.3
check "gh was asked for the list" grep -q "codespace list --json name,displayName,repository,state" "$WORK/gh.log"
tmx send-keys -t ui Enter
if ! wait_screen "connected" 60; then
  fail "the connected view comes up"; show; cat "$WORK/state/gh-net/gh-net.log" 2>/dev/null | tail -20; finish; exit 1
fi
pass "the connected view comes up after Enter"
check "gh was asked to ssh into the chosen codespace" grep -q "codespace ssh -c octocat-fuzzy-potato-g4q5r6wxj3h7q" "$WORK/gh.log"
# The first frame may still be on its way to the pane: wait (bounded) for each part of it.
check "the header names the codespace" wait_screen 'octocat-fuzzy-potato' 5
check "the view says where the log goes" wait_screen 'gh-net\.log' 5


echo "- traffic shows in the panels"
check "curl by name from the codespace" bash -c "ip netns exec $GHNET_NS_CS curl -4 -sf --max-time 10 http://db.corp.example/ | grep -q 'corp intranet'"
check "ping from the codespace" ip netns exec "$GHNET_NS_CS" ping -c 2 -W 3 "$GHNET_CORP_IP4"
check "a lookup from the codespace" bash -c "ip netns exec $GHNET_NS_CS getent hosts mail.corp.example | grep -q ."
sleep 1.5
show
check "the NAT panel shows the TCP connection to corp:80" screen_has 'TCP.*198\.18\.2\.10:80'
check "the NAT panel shows the ping" screen_has 'ICMP.*198\.18\.2\.10'
check "the DNS panel shows db.corp.example with its address" screen_has 'db\.corp\.example.*198\.18\.2\.10'
check "the DNS panel shows mail.corp.example" screen_has 'mail\.corp\.example'
check "the header counts the bytes" screen_has '[0-9.]+ (B|KiB|MiB)'
check "the log goes to the file, not the screen" grep -q "nat: dns db.corp.example A NOERROR" "$WORK/state/gh-net/gh-net.log"
check "no log line on the screen" bash -c "! tmux -L $TMUX_SOCKET capture-pane -p -t ui | grep -q ' info '"

echo "- resize"
tmx resize-window -t ui -x 70 -y 30
sleep 1
show
check "after a resize the view is re-laid to 70 columns" test "$(widest_line)" -le 70
check "after a resize both panels are still shown" screen_has_all NAT DNS

echo "- the SSH connection drops: the view says so, and comes back by itself"
drop_ssh_sessions
check "the header says reconnecting" wait_screen 'gh net · reconnecting' 15
show
check "the status line says why" screen_has 'the connection to codespace'
check "then connected again" wait_screen 'gh net · connected' 30
check "curl by name works again" bash -c "ip netns exec $GHNET_NS_CS curl -4 -sf --max-time 10 http://db.corp.example/ | grep -q 'corp intranet'"

echo "- q quits"
tmx send-keys -t ui q
check "gh-net exits 0 after q" wait_screen "EXITED 0" 20
check "the terminal is back on the main screen" test "$(tmx display-message -p -t ui '#{alternate_on}')" = 0
check "the disconnect is logged" grep -q "disconnected from codespace" "$WORK/state/gh-net/gh-net.log"
check "no gh-net left in the laptop" bash -c "! ip netns pids $GHNET_NS_LAPTOP | xargs -r ps -o comm= -p | grep -q gh-net"
sleep 1
check "no agent left in the codespace" test -z "$(agents_in_cs)"
tmx kill-session -t ui

echo "- q while the codespace cannot answer: the view says q again quits without waiting, and it does"
tmx new-session -d -s ui -x 132 -y 40 \
  "ip netns exec $GHNET_NS_LAPTOP ${env_prefix[*]} $GHNET_BIN start -c octocat-fuzzy-potato-g4q5r6wxj3h7q; echo EXITED \$?; sleep 600"
tmx set-option -t ui remain-on-exit on >/dev/null
check "the connected view comes up" wait_screen 'gh net · connected' 60
check "the key help says q quits" screen_has '^q quit'
holder=$(agents_in_cs)
frozen=($(ssh_session_pids))
kill -STOP "${frozen[@]}"   # the link is dead and nothing has noticed yet
tmx send-keys -t ui q
check "after q the header says stopping" wait_screen 'gh net · stopping' 3
check "and the key help says q again quits without waiting" wait_screen '^q again: quit without waiting' 3
show
sleep 1
tmx send-keys -t ui q
started=$(date +%s%N)
check "q again: gh-net exits 0" wait_screen "EXITED 0" 5
took=$(( ($(date +%s%N) - started) / 1000000 ))
check "without waiting for the codespace's answer (${took} ms)" test "$took" -lt 3000
check "the log says it did not wait" grep -q "stopping at once: not waiting for codespace" "$WORK/state/gh-net/gh-net.log"
check "the terminal is back on the main screen" test "$(tmx display-message -p -t ui '#{alternate_on}')" = 0
check "the agent keeps the session for its grace" kill -0 $holder
for pid in "${frozen[@]}"; do kill -KILL "$pid" 2>/dev/null || true; done
kill -TERM $holder 2>/dev/null || true
check "the agent ends when told to" wait_no_agent 10
tmx kill-session -t ui

echo "- the picker's way out and its errors"
tmx new-session -d -s ui -x 100 -y 30 "ip netns exec $GHNET_NS_LAPTOP ${env_prefix[*]} $GHNET_BIN start; echo EXITED \$?; sleep 600"
wait_screen 'Choose a codespace' 20 || true
tmx send-keys -t ui q
check "q in the picker exits 0 without connecting" wait_screen "EXITED 0" 10
tmx kill-session -t ui
picker_pid() { ip netns pids "$GHNET_NS_LAPTOP" | xargs -r ps -o pid=,args= -p | awk '/gh-net start$/ {print $1}'; }
tmx new-session -d -s ui -x 100 -y 30 "ip netns exec $GHNET_NS_LAPTOP ${env_prefix[*]} $GHNET_BIN start; echo EXITED \$?; sleep 600"
wait_screen 'Choose a codespace' 20 || true
kill -TERM "$(picker_pid)" 2>/dev/null || true
check "SIGTERM in the picker exits 0" wait_screen "EXITED 0" 10
check "with the terminal back on the main screen" test "$(tmx display-message -p -t ui '#{alternate_on}')" = 0
tmx kill-session -t ui
tmx new-session -d -s ui -x 100 -y 30 "ip netns exec $GHNET_NS_LAPTOP ${env_prefix[*]} $GHNET_BIN start"
wait_screen 'Choose a codespace' 20 || true
tmx kill-session -t ui   # the terminal goes away: SIGHUP, and the end of input
check "closing the terminal ends the picker" bash -c "for i in \$(seq 1 50); do [ -z \"\$(ip netns pids $GHNET_NS_LAPTOP | xargs -r ps -o args= -p | grep 'gh-net start')\" ] && exit 0; sleep 0.1; done; exit 1"
run_start() { ip netns exec "$GHNET_NS_LAPTOP" "${env_prefix[@]}" "$@" "$GHNET_BIN" start --gui false </dev/null 2>&1; }
out=$(run_start FAKE_GH_FAIL=auth) || true
echo "    $out"
check "not logged in: one clear line" one_line_with "$out" "gh auth login"
out=$(run_start FAKE_GH_FAIL=old) || true
echo "    $out"
check "gh too old: says so" one_line_with "$out" "too old"
echo '[]' >"$WORK/none.json"
out=$(run_start FAKE_GH_LIST="$WORK/none.json") || true
echo "    $out"
check "no codespaces: says how to make one" one_line_with "$out" "gh codespace create"
out=$(ip netns exec "$GHNET_NS_LAPTOP" env "PATH=/nonexistent" "$GHNET_BIN" start --gui false </dev/null 2>&1) || true
echo "    $out"
check "gh missing: says so" one_line_with "$out" "GitHub CLI (gh) is not installed"
code=0; out=$(run_start) || code=$?
echo "    $out"
check "no terminal and several codespaces: exit 2" test "$code" = 2
check "and the names to choose from" one_line_with "$out" "octocat-fuzzy-potato-g4q5r6wxj3h7q"

echo "- --gui false: plain timestamped lines of the same events"
log=$WORK/plain.log
ip netns exec "$GHNET_NS_LAPTOP" "${env_prefix[@]}" "$GHNET_BIN" start --gui false -c octocat-fuzzy-potato-g4q5r6wxj3h7q >"$log" 2>&1 &
BRIDGE_PID=$!; STARTED_PIDS+=("$BRIDGE_PID")
wait_for_line "$log" "remote: agent: routes: installed" 60 || { fail "bridge up over gh codespace ssh"; cat "$log"; }
ip netns exec "$GHNET_NS_CS" curl -4 -sf --max-time 10 -o /dev/null "http://db.corp.example/" || true
sleep 0.5
check "a connection is one timestamped line when it opens" grep -qE '^[0-9T:.-]+Z info  nat: tcp [0-9.]+:[0-9]+ → 198\.18\.2\.10:80 connecting' "$log"
check "and one when it ends, with its bytes" grep -qE 'nat: tcp [0-9.]+:[0-9]+ → 198\.18\.2\.10:80 closed \(up [0-9.]+ (B|KiB), down [0-9.]+ (B|KiB), [0-9.]+ s\)' "$log"
check "a lookup is one line with its answer" grep -qE 'nat: dns db\.corp\.example A NOERROR: 198\.18\.2\.10' "$log"
kill -INT "$BRIDGE_PID"; wait_exit "$BRIDGE_PID" 15
check "stops with exit 0" test "$EXIT_CODE" = 0

echo "- installed as a GitHub CLI extension"
ext=$WORK/ext
mkdir -p "$ext" "$WORK/ghhome"
ln -s "$ROOT" "$ext/gh-net"
gh_env=(env "HOME=$WORK/ghhome" "XDG_DATA_HOME=$WORK/ghhome/data" "XDG_CONFIG_HOME=$WORK/ghhome/config" GH_TOKEN=e2e-not-a-token
        GH_NO_UPDATE_NOTIFIER=1 GHNET_EXTENSION_BUILD=debug)
check "gh extension install . works" bash -c "cd '$ext/gh-net' && ${gh_env[*]} gh extension install . >/dev/null"
check "gh extension list shows it" bash -c "${gh_env[*]} gh extension list | grep -q 'gh net'"
out=$("${gh_env[@]}" gh net version 2>"$WORK/ext-build.log") || true
echo "    gh net version: $out"
check "gh net runs gh-net (built from this checkout)" grep -q "^gh-net 0" <<<"$out"
check "gh net start --help shows the start options" bash -c "${gh_env[*]} gh net start --help | grep -q -- '--dns-domain'"
check "gh extension remove net removes it" bash -c "${gh_env[*]} gh extension remove net >/dev/null && ! ${gh_env[*]} gh extension list | grep -q 'gh net'"
finish
