#!/usr/bin/env bash
# The side-by-side DPO benchmark on a GPU machine, in one call: the PyTorch + transformers peer
# (bench/dpo_peer.py) and our app on the same Gemma-3-270m shapes (random weights from a seed), bf16,
# 8 pairs x 512 tokens, sigmoid loss; ours with dense AdamW + frozen reference, dense AdamW + precomputed
# reference log-probs, and BSR-AdamW (density 0.1, B = 32) + frozen reference. Then a profiled run of ours
# (CUDA-synchronised phase timers) and a check that our final checkpoint loads in transformers with the
# same logits. Prints one table; everything also goes to $OUT (default /tmp/dpo-compare).
#
# usage, from the project root, with the published app (APP, default .gpu/app/DeltaTui.dll):
#   bash bench/dpo-compare.sh            env: STEPS (30), PEER_STEPS (20), SKIP_PEER, SKIP_CHECK, SKIP_PROFILE, PROFILE="adamw" (also bsr),
#                                        RUNS="adamw precomputed bsr" (also: torch-logprobs torch-rmsnorm chunk32 chunk256 chunk512
#                                        overlap-reference; a kind named again runs again)
set -uo pipefail
out=${OUT:-/tmp/dpo-compare}; mkdir -p "$out"
app=${APP:-.gpu/app/DeltaTui.dll}
steps=${STEPS:-30}
work=${WORK:-/tmp/dpo-compare-work}; rm -rf "$work"; mkdir -p "$work"
card=$(nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader | head -1)
echo "card: $card; $(date -u +%F)" | tee "$out/table.md"
python3 bench/make_random_gemma3.py "$work/g270" "$work/pairs.jsonl" 512 > /dev/null 2>&1 || { echo "could not write the random model"; exit 1; }

peak=0; params=268098176
{ echo; echo "| run | step (median) | tokens/s | peak GPU memory | useful TFLOP/s (MFU) | loss | notes |"; echo "| --- | --- | --- | --- | --- | --- | --- |"; } >> "$out/table.md"
if [ -z "${SKIP_PEER:-}" ]; then
  (cd bench && PYTHONUNBUFFERED=1 timeout 300 python3 dpo_peer.py --steps "${PEER_STEPS:-20}") > "$out/peer.txt" 2>&1
  grep '^| peer' "$out/peer.txt" >> "$out/table.md" || tail -5 "$out/peer.txt" >> "$out/table.md"
  peak=$(sed -n 's/^PEER_JSON //p' "$out/peer.txt" | python3 -c 'import json,sys; print(json.load(sys.stdin)["matmul_tflops"])' 2>/dev/null || echo 0)
fi

common=(--config configs/gemma-3-270m-it.json --headless --model.path "$work/g270" --tokenizer.path byte
        --data.path "$work/pairs.jsonl" --data.max_length 512 --training.batch_size 8 --run.output_root "$work/runs"
        --masks.output_dir "$work/masks" --telemetry.interval_ms 500 --training.eval_every 100000
        --masks.mask_interval 100000 --delta.delta_interval 100000 --checkpoint.save_every 100000)
discard() {  # label: a run's outputs (checkpoints, final model, masks)
  rm -rf "$work/runs/$1" "$work/final_checkpoint/$1" "$work/masks/$1"
}
ours() {  # label reference extra-args...
  local label=$1 reference=$2; shift 2
  local start; start=$(date +%s.%N)
  timeout 420 dotnet "$app" train "${common[@]}" --run.name "$label" --training.steps "$steps" "$@" > "$out/$label.log" 2>&1
  echo "exit $?" >> "$out/$label.log"
  python3 bench/summarize_run.py "$work/runs/$label/metrics.jsonl" "$start" "$label" --peak-tflops "$peak" \
    --parameters "$params" --reference "$reference" --json "$out/$label.json" >> "$out/table.md" 2>> "$out/$label.log" \
    || echo "| ours ($label) | failed: see $label.log | | | | | |" >> "$out/table.md"
  # Only the adamw run's checkpoint is checked below; the others' outputs (gigabytes each) go once summarised.
  [ "$label" = adamw ] || discard "$label"
}
# A kind named twice in RUNS runs twice (labels -2, -3, ...): alternating kinds shows the spread between processes.
declare -A seen=()
for run in ${RUNS:-adamw precomputed bsr}; do
  seen[$run]=$(( ${seen[$run]:-0} + 1 )); sfx=""; [ "${seen[$run]}" -gt 1 ] && sfx="-${seen[$run]}"
  case $run in
    adamw) ours adamw$sfx frozen --optimizer.type adamw ;;
    precomputed) ours adamw-precomputed$sfx precomputed --optimizer.type adamw --dpo.reference precomputed --dpo.reference_cache_dir "$work/ref-cache" ;;
    bsr) ours bsr-adamw-d0.1-b32$sfx frozen --optimizer.type bsr-adamw --optimizer.bsr_density 0.1 --optimizer.bsr_block_size 32 ;;
    torch-logprobs) ours adamw-torch-logprobs$sfx frozen --optimizer.type adamw --model.native_logprobs false ;;
    chunk32) ours adamw-chunk32$sfx frozen --optimizer.type adamw --model.logprob_chunk_size 32 ;;
    chunk256) ours adamw-chunk256$sfx frozen --optimizer.type adamw --model.logprob_chunk_size 256 ;;
    chunk512) ours adamw-chunk512$sfx frozen --optimizer.type adamw --model.logprob_chunk_size 512 ;;
    torch-rmsnorm) ours adamw-torch-rmsnorm$sfx frozen --optimizer.type adamw --model.native_rmsnorm false ;;
    overlap-reference) ours adamw-overlap-reference$sfx frozen --optimizer.type adamw --dpo.overlap_reference true ;;
  esac
done

# PROFILE: the optimizers to profile (adamw, bsr); empty with SKIP_PROFILE.
if [ -z "${SKIP_PROFILE:-}" ]; then
  for kind in ${PROFILE:-adamw}; do
    case $kind in
      bsr) opt=(--optimizer.type bsr-adamw --optimizer.bsr_density 0.1 --optimizer.bsr_block_size 32) ;;
      *) opt=(--optimizer.type adamw) ;;
    esac
    timeout 300 dotnet "$app" train "${common[@]}" --run.name "profile-$kind" --training.steps 15 "${opt[@]}" \
      --training.profile true > "$out/profile-$kind.log" 2>&1
    cp "$work/runs/profile-$kind/profile.json" "$out/profile-$kind.json" 2>/dev/null
    { echo; echo "profile ($kind, frozen reference; CUDA-synchronised ms per phase, median after warm-up):"
      cat "$out/profile-$kind.json" 2>/dev/null || tail -20 "$out/profile-$kind.log"; } >> "$out/table.md"
    discard "profile-$kind"
  done
fi

if [ -z "${SKIP_CHECK:-}" ]; then
  final=$work/final_checkpoint/adamw
  { echo; echo "final checkpoint of the adamw run ($final) in transformers vs our logits:"; } >> "$out/table.md"
  python3 bench/check_checkpoint.py ids "$work/ids.safetensors" --batch 2 --length 256
  # Both norm paths: the TorchSharp norms (the logits command's default) and the fused kernels training uses on a GPU.
  for variant in "bfloat16 false" "bfloat16 true" "float32 false" "float32 true"; do
    set -- $variant
    dotnet "$app" logits --model "$final" --input "$work/ids.safetensors" --output "$work/ours-$1-$2.safetensors" --dtype "$1" \
      --native-rmsnorm "$2" >> "$out/check.log" 2>&1 || echo "| $1 | deltatui logits --native-rmsnorm $2 failed: see check.log |" >> "$out/table.md"
    echo -n "native_rmsnorm $2: " >> "$out/table.md"
    python3 bench/check_checkpoint.py compare "$final" "$work/ids.safetensors" "$work/ours-$1-$2.safetensors" --dtype "$1" \
      >> "$out/table.md" 2>> "$out/check.log"
  done
fi
cat "$out/table.md"
