// CUDA kernels of Gemma's RMSNorm (see rmsnorm_cpu.cpp for the arithmetic they follow). Header-only, so that
// the kernel lab (dev/rmsnorm_v1.cu) times exactly what the library ships.
#pragma once
#include <cuda_runtime.h>

#include <cstdint>

#include "adamw_math.hpp"
#include "elements.hpp"
#include "rmsnorm.hpp"

namespace dtn {
namespace rms {

constexpr int kForwardThreads = 256;  // 8 rows per block, a warp per row
constexpr int kBackwardThreads = 256;

__device__ __forceinline__ float warp_sum(float v) {
    for (int o = 16; o > 0; o >>= 1) v += __shfl_xor_sync(0xffffffffu, v, o);
    return v;
}

template <typename T>
__global__ void __launch_bounds__(kForwardThreads) forward_kernel(const T* __restrict__ x, const T* __restrict__ w, int64_t rows,
                                                                  int64_t cols, float eps, T* __restrict__ y,
                                                                  float* __restrict__ rstd) {
    const int lane = threadIdx.x & 31;
    const int64_t row = (int64_t)blockIdx.x * (kForwardThreads / 32) + (threadIdx.x >> 5);
    if (row >= rows) return;
    const T* xr = x + row * cols;
    T* yr = y + row * cols;
    float sum = 0.0f;
    for (int64_t c = lane; c < cols; c += 32) {
        const float v = load(xr, c);
        sum += v * v;
    }
    sum = warp_sum(sum);
    // The mean as a product with 1/cols and rstd by rsqrtf, as torch's CUDA mean and rsqrt compute them for
    // transformers' Gemma3RMSNorm: bf16 outputs then round as theirs do except where the summation order differs.
    const float s = rsqrtf(sum * (1.0f / (float)cols) + eps);
    if (lane == 0 && rstd) rstd[row] = s;
    for (int64_t c = lane; c < cols; c += 32) store(yr, c, (load(xr, c) * s) * (1.0f + load(w, c)));
}

// A block per kRmsNormRowsPerBlock rows: dx of those rows, and their share of dw as one row of the workspace.
// Each thread owns the columns tid, tid + blockDim, ...: its running dw lives in shared memory no other thread touches.
template <typename T>
__global__ void __launch_bounds__(kBackwardThreads) backward_kernel(const T* __restrict__ x, const T* __restrict__ w,
                                                                    const float* __restrict__ rstd, const T* __restrict__ dy,
                                                                    int64_t rows, int64_t cols, T* __restrict__ dx,
                                                                    float* __restrict__ workspace) {
    extern __shared__ float smem[];
    float* part = smem;            // cols
    float* reduce = smem + cols;   // kBackwardThreads / 32 warps + the total
    const int tid = threadIdx.x, lane = tid & 31, warp = tid >> 5;
    for (int64_t c = tid; c < cols; c += kBackwardThreads) part[c] = 0.0f;
    const int64_t r0 = (int64_t)blockIdx.x * kRmsNormRowsPerBlock;
    const int64_t r1 = r0 + kRmsNormRowsPerBlock < rows ? r0 + kRmsNormRowsPerBlock : rows;
    for (int64_t row = r0; row < r1; ++row) {
        const int64_t base = row * cols;
        const float s = rstd[row];
        float dot = 0.0f;
        for (int64_t c = tid; c < cols; c += kBackwardThreads) {
            const float normalized = load(x, base + c) * s;
            const float d = load(dy, base + c);
            dot += (d * (1.0f + load(w, c))) * normalized;
            part[c] += d * normalized;
        }
        dot = warp_sum(dot);
        if (lane == 0) reduce[warp] = dot;
        __syncthreads();
        if (warp == 0) {
            float total = lane < kBackwardThreads / 32 ? reduce[lane] : 0.0f;
            total = warp_sum(total);
            if (lane == 0) reduce[kBackwardThreads / 32] = total;
        }
        __syncthreads();
        const float mean = reduce[kBackwardThreads / 32] / (float)cols;
        for (int64_t c = tid; c < cols; c += kBackwardThreads) {
            const float normalized = load(x, base + c) * s;
            const float g = load(dy, base + c) * (1.0f + load(w, c));
            store(dx, base + c, s * (g - normalized * mean));
        }
    }
    for (int64_t c = tid; c < cols; c += kBackwardThreads) workspace[(int64_t)blockIdx.x * cols + c] = part[c];
}

// dw[c] = Σ over the blocks' partial rows, in a fixed order (the result does not depend on scheduling).
__global__ void dweight_kernel(const float* __restrict__ workspace, int64_t parts, int64_t cols, float* __restrict__ dweight) {
    const int64_t c = (int64_t)blockIdx.x * blockDim.x + threadIdx.x;
    if (c >= cols) return;
    double acc = 0.0;
    for (int64_t p = 0; p < parts; ++p) acc += workspace[p * cols + c];
    dweight[c] = (float)acc;
}

inline size_t backward_shared_bytes(int64_t cols) { return (size_t)(cols + kBackwardThreads / 32 + 1) * sizeof(float); }

template <typename T>
void launch_forward(const T* x, const T* w, int64_t rows, int64_t cols, float eps, T* y, float* rstd) {
    if (rows == 0) return;
    const int64_t rows_per_block = kForwardThreads / 32;
    forward_kernel<T><<<(unsigned)((rows + rows_per_block - 1) / rows_per_block), kForwardThreads, 0, 0>>>(x, w, rows, cols, eps, y, rstd);
}

template <typename T>
void launch_backward(const T* x, const T* w, const float* rstd, const T* dy, int64_t rows, int64_t cols, T* dx, float* dweight,
                     float* workspace) {
    const int64_t parts = (rows + kRmsNormRowsPerBlock - 1) / kRmsNormRowsPerBlock;
    if (parts > 0)
        backward_kernel<T><<<(unsigned)parts, kBackwardThreads, backward_shared_bytes(cols), 0>>>(x, w, rstd, dy, rows, cols, dx, workspace);
    dweight_kernel<<<(unsigned)((cols + 255) / 256), 256, 0, 0>>>(workspace, parts, cols, dweight);
}

}  // namespace rms
}  // namespace dtn
