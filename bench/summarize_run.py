"""One markdown table row from a run's metrics.jsonl: time to the first step, median step time and tokens/s
after warm-up, peak GPU memory of our process (NVML), final loss.

usage: python3 bench/summarize_run.py metrics.jsonl START_EPOCH_SECONDS LABEL
"""
import json, statistics, sys
from datetime import datetime

path, start, label = sys.argv[1], float(sys.argv[2]), sys.argv[3]
steps, peak, first = [], 0, None
for line in open(path):
    e = json.loads(line)
    if e["type"] == "StepCompleted":
        t = datetime.fromisoformat(e["time"]).timestamp()
        first = first or t
        steps.append((t, e["metrics"]))
    elif e["type"] == "GpuSnapshot":
        for g in e.get("gpus", []):
            for p in g.get("processes", []):
                if p.get("is_self"): peak = max(peak, p.get("used_memory_bytes", 0))
gaps = [b[0] - a[0] for a, b in zip(steps, steps[1:])]
times = gaps[4:] or gaps
tps = [m["tokens_per_second"] for _, m in (steps[5:] or steps) if "tokens_per_second" in m]
print(f"| ours ({label}) | {statistics.median(times) * 1e3:.1f} ms | {statistics.median(tps):,.0f} | {peak / 2**30:.1f} GiB (NVML) | "
      f"first step {first - start:.1f} s after start | loss {steps[-1][1]['loss']:.4f} | {len(steps)} steps |")
