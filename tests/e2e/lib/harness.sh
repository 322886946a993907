# Sourced by the end-to-end scripts in tests/e2e (not run on its own): the shared set-up and check helpers.
#   . "$(dirname "$0")/lib/harness.sh" NAME [tmux]
# gives repo, work (a temp folder removed on exit), passed/failed, check NAME EXPR, wait_for SECONDS EXPR, and with
# "tmux": sock, tm (tmux on a server of this script's own), and a check that tmux is installed. Scripts may add to
# the clean-up through the on_exit array (commands run before the folder is removed).
set -uo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)"
work=$(mktemp -d "${TMPDIR:-/tmp}/deltatui-$1.XXXXXX")
passed=0; failed=0
on_exit=()
check() { if eval "$2"; then echo "PASS $1"; passed=$((passed+1)); else echo "FAIL $1"; failed=$((failed+1)); fi; }
wait_for() { # wait_for SECONDS COMMAND...
  local until=$((SECONDS + $1)); shift
  while [ $SECONDS -lt $until ]; do eval "$*" && return 0; sleep 0.2; done; return 1
}
_harness_cleanup() { local c; for c in "${on_exit[@]}"; do eval "$c"; done; rm -rf "$work"; }
trap _harness_cleanup EXIT
if [ "${2:-}" = tmux ]; then
  sock="$work/tmux.sock"
  tm() { tmux -S "$sock" "$@"; }
  on_exit+=("tm kill-server 2>/dev/null")
  command -v tmux >/dev/null || { echo "FAIL tmux is installed"; echo "0 passed, 1 failed"; exit 1; }
fi
