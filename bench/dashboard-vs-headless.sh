#!/usr/bin/env bash
# Telemetry and dashboard cost: the same run with the dashboard and with --headless, both in a tmux terminal (160x48,
# xterm-256color) with their standard output on it, so that the dashboard is the only difference; alternating (and
# alternating which goes first), PAIRS times; median tokens/s after warm-up of each run (bench/summarize_run.py) and
# the difference. Works on a CPU (default: the embedded demo) and on a GPU (pass the 270m config and data as
# arguments). Beside the throughputs, what the dashboard can cost training at all: the process's CPU use (cores) and
# the share of wall time its GC paused threads, over the same window. Each run's screen is kept (its .screen file): a
# pair counts only when the dashboard run showed the dashboard and the headless run its progress lines.
# usage: bash bench/dashboard-vs-headless.sh [train args...]     env: PAIRS (3), STEPS (300), APP, OUT, PIN
#   e.g. on a GPU: bash bench/dashboard-vs-headless.sh --config configs/gemma-3-270m-it.json --model.path M --data.path D ...
set -uo pipefail
out=${OUT:-/tmp/dashboard-vs-headless}; mkdir -p "$out"
app=${APP:-src/DeltaTui/bin/Release/net10.0/DeltaTui.dll}
work=$(mktemp -d /tmp/dvh.XXXXXX)
# Stopped from outside (a timeout), nothing may keep running: a training run would compete with whatever is measured
# next. The runs are killed outright: they take TERM as "stop and save a checkpoint" (gigabytes, while $work goes) and
# the hang-up a closing tmux session sends as "go on headless".
cleanup() {
  [ -n "${run_pid:-}" ] && kill -KILL "$run_pid" 2>/dev/null
  local pane; pane=$(tmux list-panes -t dvh -F '#{pane_pid}' 2>/dev/null) && [ -n "$pane" ] && pkill -KILL -P "$pane" 2>/dev/null
  tmux kill-session -t dvh 2>/dev/null; pkill -P $$ 2>/dev/null; wait 2>/dev/null; rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 143' TERM INT
args=("$@"); [ ${#args[@]} -gt 0 ] || args=(--config configs/demo.json)
common=("${args[@]}" --training.steps "${STEPS:-300}" --training.eval_every 100000 --run.output_root "$work/runs"
        --masks.output_dir "$work/masks")
# PIN (e.g. 0-7): both variants run on the same CPU cores (taskset), which takes the scheduler's placement out of
# the spread between runs; the dashboard's threads then share those cores with training.
pin=(); [ -n "${PIN:-}" ] && pin=(taskset -c "$PIN")
: > "$out/pairs.txt"
echo "| pair | first | headless tokens/s | dashboard tokens/s | difference | headless steps/s (wall) | dashboard steps/s (wall) | difference | process CPU, cores (headless / dashboard) | GC pauses, % of wall (headless / dashboard) | SM clock, MHz (headless / dashboard) | GPU busy, % (headless / dashboard) | both shown |" | tee "$out/table.md"
echo "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |" | tee -a "$out/table.md"
# One run in the tmux session, its standard output on the session's terminal (a redirected one would make the app
# fall back to headless). The dashboard stays up after its run until the user leaves: once the run has written
# RunFinished (or RunFailed), q is sent every second until the process is gone (a q that comes before the dashboard
# has seen the end opens the stop question, which the next q closes). The screen is captured once 20 steps (half of
# a shorter run) are done.
capture_at=$(( ${STEPS:-300} / 2 < 20 ? ${STEPS:-300} / 2 : 20 )); (( capture_at > 0 )) || capture_at=1
in_tmux() {  # label, extra train args...
  local label=$1; shift
  local metrics="$work/runs/$label/metrics.jsonl" captured=""
  tmux kill-session -t dvh 2>/dev/null
  printf -v cmd '%q ' "${pin[@]}" dotnet "$app" train --run.name "$label" "${common[@]}" "$@"
  printf -v err '%q' "$out/$label.err"
  tmux new-session -d -s dvh -x 160 -y 48 "TERM=xterm-256color $cmd 2> $err; tmux wait-for -S dvh-done"
  tmux wait-for dvh-done &
  run_pid=$!
  local steps
  while kill -0 "$run_pid" 2>/dev/null; do
    steps=$(grep -c '"StepCompleted"' "$metrics" 2>/dev/null)
    if [ -z "$captured" ] && [ "${steps:-0}" -ge "$capture_at" ]; then
      tmux capture-pane -p -t dvh > "$out/$label.screen" 2>/dev/null; captured=1
    fi
    grep -qE '"type":"Run(Finished|Failed)"' "$metrics" 2>/dev/null && tmux send-keys -t dvh q 2>/dev/null
    sleep 1
  done
  wait "$run_pid" 2>/dev/null
  run_pid=
}
headless() { in_tmux "headless-$1" --headless; }
dashboard() { in_tmux "dashboard-$1"; }
# What the screens show: the dashboard its header ("run NAME") and panels; the headless run prints
# "step N/M" lines.
shown() {  # pair number -> "yes" when both runs showed what they are
  grep -q "run dashboard-$1 " "$out/dashboard-$1.screen" 2>/dev/null && grep -q "Training├" "$out/dashboard-$1.screen" 2>/dev/null \
    && grep -q "step [0-9]*/" "$out/headless-$1.screen" 2>/dev/null && ! grep -q "Training├" "$out/headless-$1.screen" 2>/dev/null \
    && ! grep -q "headless (" "$out/dashboard-$1.screen" 2>/dev/null && echo yes || echo no
}
for i in $(seq 1 "${PAIRS:-3}"); do
  # The order alternates (headless first in odd pairs, the dashboard first in even ones), and each run's saves reach
  # the disk before the next run starts: the second run of a pair must not pay for the first one's writeback or
  # for being second.
  if (( i % 2 )); then first=headless; headless "$i"; sync; dashboard "$i"; else first=dashboard; dashboard "$i"; sync; headless "$i"; fi
  sync
  for run in "headless-$i" "dashboard-$i"; do
    python3 bench/summarize_run.py "$work/runs/$run/metrics.jsonl" 0 "$run" --json "$work/$run.json" > /dev/null 2>> "$out/errors.log"
  done
  # One table row and one pairs.txt line (appended after every pair, so that a call cut short keeps its pairs).
  python3 - "$work/headless-$i.json" "$work/dashboard-$i.json" "$i" "$first" "$out/pairs.txt" "$(shown "$i")" <<'PY' | tee -a "$out/table.md"
import json, math, sys
def load(path):
    try: return json.load(open(path))
    except (OSError, ValueError): return {}
h, d = load(sys.argv[1]), load(sys.argv[2])
get = lambda s, k: float(s.get(k, math.nan))
diff = lambda k: f"{100 * (get(d, k) - get(h, k)) / get(h, k):+.1f} %"
both = lambda k, f: f"{f(get(h, k))} / {f(get(d, k))}"
print(f"| {sys.argv[3]} | {sys.argv[4]} | {get(h, 'tokens_per_s'):.0f} | {get(d, 'tokens_per_s'):.0f} | {diff('tokens_per_s')} | "
      f"{get(h, 'wall_steps_per_s'):.4f} | {get(d, 'wall_steps_per_s'):.4f} | {diff('wall_steps_per_s')} | "
      f"{both('process_cpu_cores', lambda v: f'{v:.4f}')} | {both('gc_pause_share', lambda v: f'{100 * v:.3f}')} | "
      f"{both('sm_clock_mhz', lambda v: f'{v:.0f}')} | {both('gpu_utilization_percent', lambda v: f'{v:.1f}')} | {sys.argv[6]} |")
# A pair whose runs did not show what they are measures nothing: it is kept as nan, which the pooling skips.
shown = sys.argv[6] == "yes"
with open(sys.argv[5], "a") as pairs:
    values = [get(h, "tokens_per_s"), get(d, "tokens_per_s"), get(h, "wall_steps_per_s"), get(d, "wall_steps_per_s")]
    print(*(values if shown else [math.nan] * 4), file=pairs)
PY
  # The metrics of each run stay (compressed, a few hundred kB) for a look at step times; its checkpoint,
  # optimizer state and masks (gigabytes on the 270m shapes) do not.
  mkdir -p "$out/metrics"; for run in "headless-$i" "dashboard-$i"; do gzip -c "$work/runs/$run/metrics.jsonl" > "$out/metrics/$run.jsonl.gz" 2>/dev/null; done
  rm -rf "$work/runs/headless-$i" "$work/runs/dashboard-$i" "$work/final_checkpoint" "$work/masks"
done
# A difference is only a finding when it is larger than the spread between runs of the same kind; pairs.txt stays
# so that the pairs of several calls can be pooled (bench/dashboard_pairs.py a/pairs.txt b/pairs.txt).
python3 bench/dashboard_pairs.py "$out/pairs.txt" | sed 's/^/\n/' | tee -a "$out/table.md"
