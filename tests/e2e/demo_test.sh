#!/usr/bin/env bash
# The README's first command, as a newcomer runs it: `gh-net demo` in a terminal (tmux) builds
# its own network, prints what to try, starts the bridge with its live view on Enter; the
# printed commands work from the demo's codespace; q ends it and the demo network is gone.
source "$(dirname "$0")/lib.sh"
TMUX_SOCKET="ghnet-e2e-demo-$$"
tmx() { tmux -L "$TMUX_SOCKET" "$@"; }
demo_namespaces() { ip netns list 2>/dev/null | awk '{print $1}' | grep -E "^ghnet-${suffix:-none}-" || true; }
trap 'tmx kill-server 2>/dev/null || true; [ -n "${suffix:-}" ] && "$ROOT/scripts/testhosts.sh" down "$suffix" >/dev/null 2>&1; cleanup' EXIT
screen() { tmx capture-pane -p -t demo -S -100; }

tmx new-session -d -s demo -x 160 -y 50 "$GHNET_BIN demo; echo DEMO-EXITED \$?; sleep 600"
tmx set-option -t demo remain-on-exit on >/dev/null
if ! wait_screen "Press Enter to start the bridge" 60; then
  fail "the demo network comes up and the demo says what to try"; screen | tail -20; finish; exit 1
fi
pass "the demo network comes up and the demo says what to try"
cs=$(screen | sed -nE 's/^ *codespace +(ghnet-[0-9a-f]+-cs) .*/\1/p' | head -1)
suffix=$(cut -d- -f2 <<<"$cs")
check "it names its codespace namespace ($cs)" test -n "$cs"
check "the namespaces exist" test -n "$(demo_namespaces)"
tmx send-keys -t demo Enter
check "Enter starts the bridge and its live view" wait_screen "gh net · connected" 90
# The commands the demo printed, run from its codespace.
in_demo_cs() { ip netns exec "$cs" "$@"; }
check "ping corp" in_demo_cs ping -c 2 -W 3 198.18.2.10
check "curl corp's web server" bash -c "ip netns exec $cs curl -sf --max-time 10 http://198.18.2.10/ | grep -q 'corp intranet'"
check "curl a name only the laptop resolves" bash -c "ip netns exec $cs curl -sf --max-time 10 http://db.corp.example/ | grep -q 'corp intranet'"
check "the NAT panel shows the connection" wait_screen 'TCP .*198\.18\.2\.10:80' 5
tmx send-keys -t demo q
check "q ends the demo with exit code 0" wait_screen "DEMO-EXITED 0" 30
check "it says it removes the demo network" wait_screen "removing the demo network" 5
check "no demo namespace is left" test -z "$(demo_namespaces)"
finish
