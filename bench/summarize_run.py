"""One markdown table row from a run's metrics.jsonl: time from process start to the first finished step,
median step time and tokens/s after warm-up, peak GPU memory of our process (NVML, which includes the
CUDA context and the caching allocator's reserve), model FLOPs utilisation, final loss. --json adds, for the same
window after warm-up, wall steps/s, the process's CPU use in cores, the share of wall time GC paused it, and the
card's mean SM clock, utilisation and power.

usage: python3 bench/summarize_run.py metrics.jsonl START_EPOCH_SECONDS LABEL [--peak-tflops X]
       [--parameters N] [--reference frozen|precomputed] [--json OUT.json]
MFU counts 6N FLOPs per token for the policy's forward + backward and 2N more for a frozen reference's
forward (attention left out), as the peer does.
"""
import argparse, json, statistics
from datetime import datetime

p = argparse.ArgumentParser()
p.add_argument("metrics"); p.add_argument("start", type=float); p.add_argument("label")
p.add_argument("--peak-tflops", type=float, default=0); p.add_argument("--parameters", type=float, default=268_098_176)
p.add_argument("--reference", choices=["frozen", "precomputed"], default="frozen"); p.add_argument("--json")
a = p.parse_args()

steps, samples, hosts, clocks, first, nan = [], [], [], [], None, False
for line in open(a.metrics):
    e = json.loads(line)
    if e["type"] == "StepCompleted":
        t = datetime.fromisoformat(e["time"]).timestamp()
        first = first or t
        steps.append((t, e["metrics"]))
        nan = nan or any(isinstance(v, float) and v != v for v in e["metrics"].values())
    elif e["type"] == "HostSnapshot" and e.get("process_cpu_seconds") is not None:
        hosts.append((datetime.fromisoformat(e["time"]).timestamp(), e["process_cpu_seconds"], e.get("gc_pause_milliseconds") or 0.0))
    elif e["type"] == "GpuSnapshot":
        t = datetime.fromisoformat(e["time"]).timestamp()
        for g in e.get("gpus", []):
            for proc in g.get("processes", []):
                if proc.get("is_self"):
                    samples.append((t, proc.get("used_memory_bytes", 0)))
                    clock = g.get("sm_clock_m_hz")  # SmClockMHz in the event log's snake case
                    if clock is not None: clocks.append((t, clock, g.get("utilization_gpu_percent"), g.get("power_watts")))
if not steps:
    raise SystemExit(f"{a.metrics}: no StepCompleted events")
last_step = steps[-1][0]
peak = max((m for t, m in samples if t <= last_step), default=0)  # while training steps ran
peak_all = max((m for _, m in samples), default=0)  # incl. the final masks, scores and checkpoint
# The steady window: every step after the first five (CUDA start-up, the allocator's first growth), when there are more.
warmup = 5 if len(steps) > 6 else 0
window = steps[warmup:]
inside_window = lambda t: window[0][0] <= t <= window[-1][0]
gaps = [b[0] - a_[0] for a_, b in zip(steps, steps[1:])]
times = gaps[max(warmup - 1, 0):] or [float("nan")]  # each window step's time, from the step before it
tps = [m["tokens_per_second"] for _, m in window if "tokens_per_second" in m]
step_s = statistics.median(times)
tok_s = statistics.median(tps) if tps else float("nan")
# Steps per second of wall time over the same window: includes whatever happens between steps (events, sinks,
# a dashboard's share of the process), which the per-step tokens/s leaves out.
wall_steps_s = (len(window) - 1) / (window[-1][0] - window[0][0]) if len(window) > 1 and window[-1][0] > window[0][0] else float("nan")
# Over the same window, from the telemetry's host snapshots: the process's CPU use in cores and the share of wall
# time its garbage collections paused its threads (the ways a dashboard in the same process can cost training).
inside = [h for h in hosts if inside_window(h[0])]
if len(inside) >= 2 and inside[-1][0] > inside[0][0]:
    span = inside[-1][0] - inside[0][0]
    cpu_cores = (inside[-1][1] - inside[0][1]) / span
    gc_share = (inside[-1][2] - inside[0][2]) / 1000 / span
else:
    cpu_cores = gc_share = float("nan")
# The card's SM clock, utilisation and power over the window: runs of the same build differ by a few per cent, and
# the clock the card chose (boost, power, temperature) is the first suspect.
def window_mean(column):
    values = [c[column] for c in clocks if inside_window(c[0]) and c[column] is not None]
    return statistics.fmean(values) if values else float("nan")
sm_clock, gpu_util, power = window_mean(1), window_mean(2), window_mean(3)
per_token = 6 if a.reference == "precomputed" else 8
mfu = f"{per_token * a.parameters * tok_s / 1e12:.0f} of {a.peak_tflops:.0f} TFLOP/s ({100 * per_token * a.parameters * tok_s / 1e12 / a.peak_tflops:.1f}%)" if a.peak_tflops else "-"
print(f"| ours ({a.label}) | {step_s * 1e3:.1f} ms | {tok_s:,.0f} | {peak / 2**30:.1f} GiB (NVML, process; {peak_all / 2**30:.1f} incl. final saves) | {mfu} | "
      f"loss {steps[-1][1]['loss']:.4f}{' NaN seen' if nan else ''} | first step {first - a.start:.1f} s after start, {len(steps)} steps |")
if a.json:
    json.dump({"label": a.label, "step_ms": step_s * 1e3, "tokens_per_s": tok_s, "wall_steps_per_s": wall_steps_s, "process_cpu_cores": cpu_cores, "gc_pause_share": gc_share, "sm_clock_mhz": sm_clock, "gpu_utilization_percent": gpu_util, "power_watts": power, "peak_nvml_gib": peak / 2**30, "peak_nvml_with_saves_gib": peak_all / 2**30,
               "first_step_s": first - a.start, "steps": len(steps), "nan": nan}, open(a.json, "w"))
