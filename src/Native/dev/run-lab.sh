#!/usr/bin/env bash
# Builds and runs every lab version on the GPU machine; logs and a CSV go to ${OUT:-.}.
# usage: bash src/Native/dev/run-lab.sh [--quick]
set -uo pipefail
cd "$(dirname "$0")"
out=${OUT:-.}
arch=${CUDA_ARCH:-90}
mkdir -p /tmp/lab
echo "version,card,dtype,B,density,ms,GBps,copyGBps,state_over_dense" > "$out/lab.csv"
status=0
for src in ${LAB_VERSIONS:-bsr_adamw_v*.cu}; do
  exe=/tmp/lab/${src%.cu}
  if ! nvcc -O3 -std=c++17 -arch=sm_$arch --default-stream legacy -lineinfo -Xptxas -v -o "$exe" "$src" > "$out/${src%.cu}.build.log" 2>&1; then
    echo "BUILD FAILED: $src"; cat "$out/${src%.cu}.build.log"; status=1; continue
  fi
  grep -E 'registers|spill' "$out/${src%.cu}.build.log" | grep -v 'fill_' | head -4
  "$exe" --csv "$out/lab.csv" "$@" 2>&1 | tee "$out/${src%.cu}.log" || status=1
done
exit $status
