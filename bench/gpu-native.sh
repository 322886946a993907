#!/usr/bin/env bash
# Everything the native BSR-AdamW claims, measured in one call on a GPU machine (inside the prepared
# environment: .NET runtime, the machine's libtorch, src/Native built with nvcc; see bench/dpo-compare.sh):
#   the GPU-trait tests against the CUDA backend, `deltatui doctor --validate` timed from a cold start,
#   PyTorch's fused AdamW and our `deltatui bench optimizer` on the same Gemma-3-270M shapes, and the
#   kernel lab (every numbered version). Summary to $OUT/native.md (default /tmp/gpu-native).
set -uo pipefail
out=${OUT:-/tmp/gpu-native}; mkdir -p "$out"
app=${APP:-.gpu/app/DeltaTui.dll}
{ echo "card: $(nvidia-smi --query-gpu=name,driver_version --format=csv,noheader | head -1); $(date -u +%F)"; } > "$out/native.md"
if [ -f .gpu/app/Training.Tests.dll ]; then
  timeout 300 dotnet .gpu/app/Training.Tests.dll -noColor -trait gpu=true > "$out/gpu-tests.log" 2>&1
  { echo; echo "GPU-trait tests: $(grep -E 'Total:' "$out/gpu-tests.log" | tail -1)"; grep -E '\[FAIL\]' "$out/gpu-tests.log" | head -20; } >> "$out/native.md"
fi
start=$(date +%s.%N)
timeout 300 dotnet "$app" doctor --validate > "$out/doctor-validate.txt" 2>&1
rc=$?
{ echo; echo "doctor --validate: exit $rc, $(python3 -c "import time;print(f'{time.time()-$start:.1f}')") s wall from a cold start"; sed -n '/validate/,$p' "$out/doctor-validate.txt" | tail -12; } >> "$out/native.md"
{ echo; echo "PyTorch fused AdamW (same call):"; timeout 120 python3 bench/optimizer_peer.py --steps 30 2>&1 | tail -8; } >> "$out/native.md"
{ echo; echo "deltatui bench optimizer:"; timeout 240 dotnet "$app" bench optimizer 2>&1 | tail -60; } >> "$out/native.md"
if [ -z "${SKIP_LAB:-}" ]; then
  { echo; echo "kernel lab:"; OUT=$out timeout 240 bash src/Native/dev/run-lab.sh 2>&1 | grep -vE '^\s*$' | tail -80; } > "$out/lab.txt"
fi
cat "$out/native.md"
