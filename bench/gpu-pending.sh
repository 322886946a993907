#!/usr/bin/env bash
# The GPU measurements that need no peer, in one call on the GPU machine (inside the prepared environment:
# .NET runtime, the machine's libtorch; see bench/dpo-compare.sh). Sections (env SECTIONS, default all):
#   tokenlab src/Native/dev/token_logprobs_v1.cu: validation against float64 and timings
#   rmslab   src/Native/dev/rmsnorm_v1.cu: validation against float64 and timings
#   tests    the GPU-trait tests (BSR-AdamW CUDA backend, token log-probs on CUDA, telemetry)
#   lab      kernel lab v3 (shipped) beside v5 (B = 16 and B = 128 at low density)
#   dpo      bench/dpo-compare.sh with the token log-prob and chunk-size variants
#   dash     bench/dashboard-vs-headless.sh on the 270m shapes (PIN: pin both variants to those cores)
#   long     bench/long-run.sh: the 1,000-step run with the shipped config (about 130 s plus start)
# Everything goes to $OUT (default /tmp/gpu-pending); summary.md collects the tables.
set -uo pipefail
out=${OUT:-/tmp/gpu-pending}; mkdir -p "$out"
appdir=${APPDIR:-.gpu/app}
sections=${SECTIONS:-tokenlab rmslab tests lab dpo dash long}
has() { [[ " $sections " == *" $1 "* ]]; }
say() { echo "$@" | tee -a "$out/summary.md"; }
say "card: $(nvidia-smi --query-gpu=name,driver_version --format=csv,noheader | head -1); $(date -u +%F)"
if has tokenlab; then
  (cd src/Native/dev && nvcc -O3 -std=c++17 -arch=sm_90 --default-stream legacy token_logprobs_v1.cu -o /tmp/tlp) > "$out/tokenlab.log" 2>&1 \
    && timeout 120 /tmp/tlp >> "$out/tokenlab.log" 2>&1
  { echo; echo "token log-prob lab:"; grep -vE '^\s*$' "$out/tokenlab.log" | tail -14; } >> "$out/summary.md"
fi
if has rmslab; then
  (cd src/Native/dev && nvcc -O3 -std=c++17 -arch=sm_90 --default-stream legacy rmsnorm_v1.cu -o /tmp/rms) > "$out/rmslab.log" 2>&1 \
    && timeout 120 /tmp/rms >> "$out/rmslab.log" 2>&1
  { echo; echo "RMSNorm lab:"; grep -vE '^\s*$' "$out/rmslab.log" | tail -14; } >> "$out/summary.md"
fi
if has tests; then
  timeout 300 dotnet "$appdir/Training.Tests.dll" -noColor -trait gpu=true > "$out/gpu-tests.log" 2>&1
  { echo; echo "GPU-trait tests: $(grep -E 'Total:' "$out/gpu-tests.log" | tail -1)"; grep -E '\[FAIL\]' "$out/gpu-tests.log" | head -20; } >> "$out/summary.md"
fi
if has lab; then
  LAB_VERSIONS="bsr_adamw_v3.cu bsr_adamw_v5.cu" OUT=$out timeout 240 bash src/Native/dev/run-lab.sh > "$out/lab.txt" 2>&1
  { echo; echo "kernel lab (v3 shipped, v5):"; grep -E 'VALID|copy|\| (fp32|bf16)' "$out/lab.txt" | head -60; } >> "$out/summary.md"
fi
if has dpo; then
  OUT=$out/dpo STEPS=${STEPS:-25} PEER_STEPS=15 RUNS="${RUNS:-adamw torch-logprobs chunk32 precomputed bsr}" \
    timeout ${DPO_LIMIT:-420} bash bench/dpo-compare.sh > /dev/null 2>&1
  { echo; cat "$out/dpo/table.md"; } >> "$out/summary.md"
fi
if has dash; then
  work=/tmp/gpu-pending-data; mkdir -p "$work"
  [ -f "$work/pairs.jsonl" ] || python3 bench/make_random_gemma3.py "$work/g270" "$work/pairs.jsonl" 512 > /dev/null 2>&1
  { echo; echo "dashboard vs headless (270m shapes, batches of 8 preference pairs x 512 tokens):"; } >> "$out/summary.md"
  # A pair on an H200: two runs of about 40 s (start, eval, final saves: the checkpoint alone takes 17 s) plus
  # 0.1 s a step (108-119 s at 200 steps, 160-170 s at 450), and up to a few seconds for the dashboard to be quit.
  pairs=${PAIRS:-4} steps=${DASH_STEPS:-300}
  APP=$appdir/DeltaTui.dll OUT=$out/dash PAIRS=$pairs STEPS=$steps timeout $(( pairs * 2 * (45 + steps / 10) + 30 )) bash bench/dashboard-vs-headless.sh \
    --config configs/gemma-3-270m-it.json --model.path "$work/g270" --tokenizer.path byte --data.path "$work/pairs.jsonl" \
    --data.max_length 512 --training.batch_size 8 --optimizer.type adamw --telemetry.interval_ms 500 \
    --masks.mask_interval 100000 --delta.delta_interval 100000 --checkpoint.save_every 100000 > /dev/null 2>&1
  cat "$out/dash/table.md" >> "$out/summary.md" 2>/dev/null
fi
if has long; then
  { echo; echo "1,000-step run (shipped config):"; OUT=$out/long timeout 560 bash bench/long-run.sh 2>&1 | tail -14; } >> "$out/summary.md"
fi
cat "$out/summary.md"
