#!/usr/bin/env bash
# Does the control socket cost the training anything? The embedded default, headless, N steps (default 400), three
# times: no client; 2 clients that subscribe and read everything; 1 client that subscribes and never reads (the server
# must drop it, never wait for it). Prints steps/s over the steps after the first 20 (from metrics.jsonl's times) per
# condition, REPEATS times each (default 2), interleaved. Usage: bench/control-socket.sh [STEPS] [REPEATS]
set -uo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
steps=${1:-400}; repeats=${2:-2}
work=$(mktemp -d "${TMPDIR:-/tmp}/deltatui-ctlbench.XXXXXX")
trap 'kill $(jobs -p) 2>/dev/null; rm -rf "$work"' EXIT
client() { # client MODE SOCKET: read | stuck
  /usr/bin/python3 - "$1" "$2" <<'PY'
import socket, sys, time
mode, path = sys.argv[1], sys.argv[2]
for _ in range(600):
    try:
        s = socket.socket(socket.AF_UNIX); s.connect(path); break
    except OSError: time.sleep(0.1)
else: sys.exit(1)
s.sendall(b'{"v":1,"id":1,"command":"subscribe"}\n')
if mode == "stuck":
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    time.sleep(3600)
while s.recv(1 << 16): pass
PY
}
rate() { /usr/bin/python3 - "$1" <<'PY'
import json, sys, datetime
t = [json.loads(l)["time"] for l in open(sys.argv[1]) if l.startswith('{"type":"StepCompleted"')]
p = lambda x: datetime.datetime.fromisoformat(x.replace("Z", "+00:00"))
print(f"{(len(t) - 21) / (p(t[-1]) - p(t[20])).total_seconds():.1f}")
PY
}
. "$repo/scripts/torch-runtime.sh"
"$repo/deltatui" --help >/dev/null 2>&1 # build once
declare -A results
for r in $(seq 1 "$repeats"); do
  for cond in none reading2 stuck1; do
    name="$cond-$r"; sockpath="$work/runs/$name/control/control.sock"
    case $cond in
      reading2) client read "$sockpath" & client read "$sockpath" & ;;
      stuck1) client stuck "$sockpath" & ;;
    esac
    "$repo/deltatui" train --headless --config "$repo/configs/demo.json" --run.name "$name" --run.output_root "$work/runs" \
      --masks.output_dir "$work/masks" --training.steps "$steps" >"$work/$name.log" 2>&1
    kill $(jobs -p) 2>/dev/null; wait 2>/dev/null
    results[$cond]+="$(rate "$work/runs/$name/metrics.jsonl") "
  done
done
echo "control socket: embedded default, $steps steps, headless, $(nproc) CPUs, $(uname -m); steps/s after the first 20, per repeat"
printf '%-34s %s\n' "condition" "steps/s"
printf '%-34s %s\n' "no client" "${results[none]}"
printf '%-34s %s\n' "2 clients reading every event" "${results[reading2]}"
printf '%-34s %s\n' "1 client that never reads" "${results[stuck1]}"
