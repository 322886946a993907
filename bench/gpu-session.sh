#!/usr/bin/env bash
# Everything measured on a GPU machine, in one go, from the project root, inside the environment that
# shared GPU tooling prepares (.NET runtime, the machine's libtorch, src/Native built with nvcc):
#   the peer DPO step (PyTorch + transformers), our DPO step on the same shapes (headless, from metrics.jsonl),
#   the dashboard in tmux with screen captures, the telemetry sampler's cost and `deltatui doctor`.
# Results go to $OUT (or /tmp/gpu-session): *.txt captures and summary.md.
set -uo pipefail
out=${OUT:-/tmp/gpu-session}; mkdir -p "$out"
app=.gpu/app/DeltaTui.dll
steps=${STEPS:-30}
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader | tee "$out/env.txt"
dotnet "$app" doctor >> "$out/env.txt" 2>&1; echo "doctor exit $?" >> "$out/env.txt"
python3 bench/make_random_gemma3.py /tmp/g270 /tmp/pairs.jsonl 256 2>&1 | tail -1
if [ -z "${SKIP_PEER:-}" ]; then
  (cd bench && PYTHONUNBUFFERED=1 timeout 240 python3 dpo_peer.py) > "$out/peer.txt" 2>&1; tail -2 "$out/peer.txt" | tee -a "$out/summary.md"
fi

common=(--model.path /tmp/g270 --tokenizer.path byte --data.path /tmp/pairs.jsonl --data.max_length 512
        --run.output_root /tmp/runs --masks.output_dir /tmp/masks --telemetry.interval_ms 500
        --training.eval_every 100000 --masks.mask_interval 100000 --delta.delta_interval 100000)
for opt in adamw bsr-adamw; do
  start=$(date +%s.%N)
  timeout 300 dotnet "$app" train --config configs/gemma-3-270m-it.json --headless --run.name "ours-$opt" "${common[@]}" \
    --optimizer.type "$opt" --training.steps "$steps" > "/tmp/ours-$opt.txt" 2>&1
  echo "exit $?" >> "/tmp/ours-$opt.txt"
  { echo "== $opt"; head -3 "/tmp/ours-$opt.txt"; tail -12 "/tmp/ours-$opt.txt"; } >> "$out/ours-logs.txt"
  python3 bench/summarize_run.py /tmp/runs/ours-$opt/metrics.jsonl "$start" "$opt" >> "$out/summary.md" 2>&1
done

tmux new-session -d -s g -x 160 -y 48 "TERM=xterm-256color dotnet $app train --config configs/gemma-3-270m-it.json --run.name dash ${common[*]} --optimizer.type adamw --training.steps 2000 --masks.mask_interval 20 --delta.delta_interval 10 --debug.jaccard true; sleep 120"
sleep "${DASH_SECONDS:-50}"
tmux capture-pane -p -t g > "$out/dashboard-running.txt"
tmux send-keys -t g j; sleep 3; tmux capture-pane -p -t g > "$out/dashboard-jaccard.txt"
tmux send-keys -t g q; sleep 1; tmux send-keys -t g y; sleep 25; tmux capture-pane -p -t g > "$out/dashboard-stopped.txt"
tmux kill-server 2>/dev/null

timeout 60 dotnet "$app" bench telemetry --seconds 20 --nvml native > "$out/telemetry.txt" 2>&1
cat "$out/summary.md"
