# Shared helpers for the end-to-end tests (sourced). Each test builds its own test hosts with
# scripts/testhosts.sh and tears them down on exit, also when it fails.
set -euo pipefail
E2E_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$E2E_DIR/../.." && pwd)
: "${GHNET_BIN:?set GHNET_BIN to the gh-net binary}"
PASSES=0
FAILURES=0
STARTED_PIDS=()
WORK=$(mktemp -d /tmp/ghnet-e2e-XXXXXX)

pass() { PASSES=$((PASSES + 1)); echo "  PASS $*"; }
fail() { FAILURES=$((FAILURES + 1)); echo "  FAIL $*"; }
check() { # check "description" command…
  local what=$1; shift
  if "$@"; then pass "$what"; else fail "$what"; fi
}

cleanup() {
  if [ -n "${KEEP_LOGS:-}" ]; then cp -r "$WORK" "$KEEP_LOGS" 2>/dev/null || true; fi
  local pid
  for pid in "${STARTED_PIDS[@]}"; do kill -KILL "$pid" 2>/dev/null || true; done
  [ -n "${GHNET_HOSTS_ENV:-}" ] && "$ROOT/scripts/testhosts.sh" down "$GHNET_HOSTS_ENV" >/dev/null 2>&1 || true
  rm -rf "$WORK"
}
trap cleanup EXIT

hosts_up() {
  local env
  env=$("$ROOT/scripts/testhosts.sh" up) || { echo "testhosts up failed"; exit 1; }
  GHNET_HOSTS_ENV=$env
  # shellcheck disable=SC1090
  source "$env"
}

# in_ns ROLE CMD… — run in a test host (cs, laptop, corp, net).
in_ns() {
  local role=$1; shift
  local var="GHNET_NS_${role^^}"
  ip netns exec "${!var}" "$@"
}

# bridge_start LOG ARGS… — runs gh-net start in the laptop, in the background; sets BRIDGE_PID.
# BRIDGE_SSH, if set, is the ssh command instead of ssh with the test hosts' config.
bridge_start() {
  local log=$1; shift
  # ip netns exec and env both exec, so $! is gh-net itself (signals reach it, not a subshell).
  ip netns exec "$GHNET_NS_LAPTOP" env GHNET_SSH_COMMAND="${BRIDGE_SSH:-ssh -F $GHNET_SSH_CONFIG}" "$GHNET_BIN" start --gui false "$@" >"$log" 2>&1 &
  BRIDGE_PID=$!
  STARTED_PIDS+=("$BRIDGE_PID")
}

# wait_until SECONDS CMD… — runs CMD every 0.1 s until it succeeds (true) or SECONDS pass (false).
wait_until() {
  local limit=$1 i
  shift
  for ((i = 0; i < limit * 10; i++)); do
    "$@" && return 0
    sleep 0.1
  done
  return 1
}

# wait_for_line FILE PATTERN SECONDS — waits (bounded) until an extended regex shows in FILE.
wait_for_line() {
  wait_until "$3" grep -Eq -- "$2" "$1" 2>/dev/null
}

# wait_exit PID SECONDS — waits (bounded) for a child to end; sets EXIT_CODE (124 on timeout).
wait_exit() {
  local pid=$1 limit=$2 i
  for ((i = 0; i < limit * 10; i++)); do
    if ! kill -0 "$pid" 2>/dev/null; then
      wait "$pid" 2>/dev/null && EXIT_CODE=0 || EXIT_CODE=$?
      return 0
    fi
    sleep 0.1
  done
  EXIT_CODE=124
  return 1
}

# agents_in_cs — the gh-net agent processes running in the codespace namespace.
agents_in_cs() {
  local pid
  for pid in $(ip netns pids "$GHNET_NS_CS"); do
    tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q "gh-net.* agent" && echo "$pid"
  done
  return 0
}

# no_agent_in_cs — true when no gh-net agent runs in the codespace namespace.
no_agent_in_cs() { [ -z "$(agents_in_cs)" ]; }

# wait_no_agent SECONDS — waits (bounded) until no agent runs in cs; fails if one still does.
wait_no_agent() { wait_until "$1" no_agent_in_cs; }

# wait_screen PATTERN SECONDS — until the terminal shows an extended regex (bounded); the test
# defines `screen`, which prints what its tmux pane shows.
wait_screen() {
  wait_until "$2" screen_shows "$1"
}

# screen_shows PATTERN — true when the terminal shows an extended regex now.
screen_shows() { screen 2>/dev/null | grep -Eq -- "$1"; }

# drop_ssh_sessions — kills the per-connection sshd processes in cs (the SSH connections drop
# as on a network failure); the listener stays, so new connections work.
drop_ssh_sessions() {
  local pid
  for pid in $(ssh_session_pids); do kill -KILL "$pid" 2>/dev/null; done
  return 0
}

# ssh_session_pids — the codespace's sshd processes that serve sessions (not the listener).
ssh_session_pids() {
  local pid
  for pid in $(ip netns pids "$GHNET_NS_CS"); do
    [ "$pid" = "$GHNET_CS_SSHD_PID" ] && continue
    tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q "^sshd" && echo "$pid"
  done
  return 0
}

finish() {
  echo "  $PASSES passed, $FAILURES failed"
  [ "$FAILURES" -eq 0 ]
}
