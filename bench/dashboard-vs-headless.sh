#!/usr/bin/env bash
# Telemetry and dashboard cost: the same run headless and with the dashboard in tmux (160x48,
# xterm-256color), alternating, PAIRS times; median tokens/s after warm-up of each run
# (bench/summarize_run.py) and the difference. Works on a CPU (default: the embedded demo) and on a
# GPU (pass the 270m config and data as arguments).
# usage: bash bench/dashboard-vs-headless.sh [train args...]     env: PAIRS (3), STEPS (300), APP, OUT
#   e.g. on a GPU: bash bench/dashboard-vs-headless.sh --config configs/gemma-3-270m-it.json --model.path M --data.path D ...
set -uo pipefail
out=${OUT:-/tmp/dashboard-vs-headless}; mkdir -p "$out"
app=${APP:-src/DeltaTui/bin/Release/net10.0/DeltaTui.dll}
work=$(mktemp -d /tmp/dvh.XXXXXX)
args=("$@"); [ ${#args[@]} -gt 0 ] || args=(--config configs/demo.json)
common=("${args[@]}" --training.steps "${STEPS:-300}" --training.eval_every 100000 --run.output_root "$work/runs"
        --masks.output_dir "$work/masks")
tps() {  # label -> median tokens/s after warm-up
  python3 bench/summarize_run.py "$work/runs/$1/metrics.jsonl" 0 "$1" --json "$work/$1.json" > /dev/null 2>> "$out/errors.log" \
    && python3 -c "import json,sys; print(round(json.load(open(sys.argv[1]))['tokens_per_s']))" "$work/$1.json" || echo nan
}
echo "| pair | headless tokens/s | dashboard tokens/s | difference |" | tee "$out/table.md"
echo "| --- | --- | --- | --- |" | tee -a "$out/table.md"
for i in $(seq 1 "${PAIRS:-3}"); do
  dotnet "$app" train --headless --run.name "headless-$i" "${common[@]}" > "$out/headless-$i.log" 2>&1
  tmux kill-session -t dvh 2>/dev/null
  printf -v cmd '%q ' dotnet "$app" train --run.name "dashboard-$i" "${common[@]}"
  tmux new-session -d -s dvh -x 160 -y 48 "TERM=xterm-256color $cmd > /dev/null 2> '$out/dashboard-$i.err'; tmux wait-for -S dvh-done"
  tmux wait-for dvh-done
  h=$(tps "headless-$i"); d=$(tps "dashboard-$i")
  diff=$(python3 -c "import sys; h,d=map(float,sys.argv[1:]); print(f'{100*(d-h)/h:+.1f} %')" "$h" "$d" 2>/dev/null || echo "?")
  echo "| $i | $h | $d | $diff |" | tee -a "$out/table.md"
  echo "$h $d" >> "$work/pairs.txt"
done
# A difference is only a finding when it is larger than the spread between runs of the same kind.
python3 - "$work/pairs.txt" <<'PY' | tee -a "$out/table.md"
import statistics, sys
pairs = [tuple(map(float, l.split())) for l in open(sys.argv[1]) if "nan" not in l]
if pairs:
    h = [p[0] for p in pairs]; d = [p[1] for p in pairs]
    diffs = [100 * (b - a) / a for a, b in pairs]
    spread = 100 * (max(h) - min(h)) / statistics.median(h)
    print(f"\nmedian difference {statistics.median(diffs):+.1f} % over {len(pairs)} pairs; headless runs spread {spread:.1f} % "
          f"(median headless {statistics.median(h):,.0f}, dashboard {statistics.median(d):,.0f} tokens/s)")
PY
rm -rf "$work"
