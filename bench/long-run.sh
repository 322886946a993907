#!/usr/bin/env bash
# The 1,000-step run on a GPU machine (inside the prepared environment; see bench/dpo-compare.sh): the
# Gemma-3-270m shapes with the shipped config (BSR-AdamW d=0.1, masks every 100 steps, deltas every 50, eval
# every 100, a checkpoint at 500), headless. Prints GPU memory of the process over the run (NVML), whether any
# metric was NaN, and the masks saved at the end.   usage: bash bench/long-run.sh   env: STEPS (1000)
set -uo pipefail
out=${OUT:-/tmp/long-run}; mkdir -p "$out"
app=${APP:-.gpu/app/DeltaTui.dll}
work=/tmp/long-run-work; rm -rf "$work"; mkdir -p "$work"
python3 bench/make_random_gemma3.py "$work/g270" "$work/pairs.jsonl" 2048 > /dev/null 2>&1
start=$(date +%s.%N)
timeout 540 dotnet "$app" train --config configs/gemma-3-270m-it.json --headless --run.name long --model.path "$work/g270" \
  --tokenizer.path byte --data.path "$work/pairs.jsonl" --data.max_length 512 --run.output_root "$work/runs" \
  --masks.output_dir "$work/masks" --training.steps "${STEPS:-1000}" > "$out/long.log" 2>&1
echo "exit $?" >> "$out/long.log"
python3 - "$work/runs/long/metrics.jsonl" "$start" <<'PY' | tee "$out/long.md"
import json, math, sys
from datetime import datetime
steps, mem, nan, skipped = [], [], 0, 0
for line in open(sys.argv[1]):
    e = json.loads(line)
    if e["type"] == "StepCompleted":
        steps.append((datetime.fromisoformat(e["time"]).timestamp(), e["step"], e["metrics"]))
        nan += any(isinstance(v, float) and math.isnan(v) for v in e["metrics"].values())
    elif e["type"] == "StepSkipped": skipped += 1
    elif e["type"] == "GpuSnapshot":
        for g in e.get("gpus", []):
            for p in g.get("processes", []):
                if p.get("is_self"): mem.append((datetime.fromisoformat(e["time"]).timestamp(), p.get("used_memory_bytes", 0)))
def at(step):
    t = next(t for t, s, _ in steps if s >= step)
    return max((m for tm, m in mem if tm <= t), default=0) / 2**30
print(f"steps {steps[-1][1]}, NaN metrics in {nan} steps, {skipped} skipped, loss {steps[0][2]['loss']:.4f} -> {steps[-1][2]['loss']:.4f}, "
      f"{(steps[-1][0] - float(sys.argv[2])):.0f} s from start")
print("process GPU memory (NVML, running max) at step: " + ", ".join(f"{s}: {at(s):.1f} GiB" for s in (10, 100, 250, 500, 750, steps[-1][1])))
PY
ls -la "$work/masks"/* >> "$out/long.md" 2>&1; tail -8 "$out/long.log" >> "$out/long.md"
cat "$out/long.md"
