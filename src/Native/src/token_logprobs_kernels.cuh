// CUDA kernels of the token log-probabilities (dev/token_logprobs_v1.cu validates and times them).
// Forward: one block per row, each thread an online (max, Σexp) over 16-byte vectors, merged by warp
// shuffles; the logits are read once. Backward: a grid-stride pass that overwrites each logit with
// w·(onehot − exp(x − lse)) in the logits' dtype: one read and one write, nothing else allocated.
#pragma once
#include <cstdint>
#include <math_constants.h>

#include "adamw_math.hpp"

namespace dtn {
namespace tlp {

constexpr int kThreads = 256;

template <typename T> struct Pack;
template <> struct Pack<float> { static constexpr int N = 4; };      // float4
template <> struct Pack<uint16_t> { static constexpr int N = 8; };   // 8 bf16 in a uint4

__device__ __forceinline__ float to_float(float x) { return x; }
__device__ __forceinline__ float to_float(uint16_t x) { return bf16_bits_to_float(x); }
__device__ __forceinline__ void from_float(float& d, float v) { d = v; }
__device__ __forceinline__ void from_float(uint16_t& d, float v) { d = float_to_bf16_rne(v); }

// READ_ONLY: through the non-coherent (read-only) cache, which is defined only for data no thread of the
// kernel writes: the forward. The in-place backward uses a plain load.
template <typename T, bool READ_ONLY>
__device__ __forceinline__ void load_pack(const T* p, float (&out)[Pack<T>::N]) {
    const uint4 raw = READ_ONLY ? __ldg(reinterpret_cast<const uint4*>(p)) : *reinterpret_cast<const uint4*>(p);
    const T* e = reinterpret_cast<const T*>(&raw);
#pragma unroll
    for (int k = 0; k < Pack<T>::N; ++k) out[k] = to_float(e[k]);
}

template <typename T>
__device__ __forceinline__ void store_pack(T* p, const float (&in)[Pack<T>::N]) {
    uint4 raw;
    T* e = reinterpret_cast<T*>(&raw);
#pragma unroll
    for (int k = 0; k < Pack<T>::N; ++k) from_float(e[k], in[k]);
    *reinterpret_cast<uint4*>(p) = raw;
}

// (m, s) represents s·exp(m); −inf max means an empty sum. NaN logits are flagged apart (`bad`).
__device__ __forceinline__ void merge(float& m, float& s, float m2, float s2) {
    const float top = fmaxf(m, m2);
    if (top == -CUDART_INF_F) { s = s + s2; return; }
    const float a = m == -CUDART_INF_F ? 0.0f : s * expf(m - top);
    const float b = m2 == -CUDART_INF_F ? 0.0f : s2 * expf(m2 - top);
    s = a + b;
    m = top;
}

__device__ __forceinline__ void add_value(float& m, float& s, int& bad, float x) {
    if (x != x) { bad = 1; return; }
    if (x > m) { s = (m == -CUDART_INF_F ? 0.0f : s * expf(m - x)) + 1.0f; m = x; }
    else if (x != -CUDART_INF_F) s += expf(x - m);
}

template <typename T, bool VEC>
__global__ void __launch_bounds__(kThreads) forward_kernel(const T* __restrict__ logits, int64_t rows, int64_t vocab, int64_t ld,
                                                           const int64_t* __restrict__ targets, float* __restrict__ out_logprob,
                                                           float* __restrict__ out_lse) {
    constexpr int N = Pack<T>::N;
    __shared__ float sm[kThreads / 32], ss[kThreads / 32];
    for (int64_t row = blockIdx.x; row < rows; row += gridDim.x) {
        const T* x = logits + row * ld;
        float m = -CUDART_INF_F, s = 0.0f;
        int bad = 0;
        int64_t scalar_from = 0;
        if (VEC) {
            const int64_t packs = vocab / N;
            for (int64_t q = threadIdx.x; q < packs; q += kThreads) {
                float v[N];
                load_pack<T, true>(x + q * N, v);
                float local = v[0];
#pragma unroll
                for (int k = 1; k < N; ++k) local = fmaxf(local, v[k]);
                bool nan = false;
#pragma unroll
                for (int k = 0; k < N; ++k) nan |= (v[k] != v[k]);
                if (nan) { bad = 1; continue; }
                if (local == -CUDART_INF_F) continue;
                float part = 0.0f;
#pragma unroll
                for (int k = 0; k < N; ++k) part += expf(v[k] - local);
                merge(m, s, local, part);
            }
            scalar_from = packs * N;
        }
        for (int64_t i = scalar_from + threadIdx.x; i < vocab; i += kThreads) add_value(m, s, bad, to_float(x[i]));
#pragma unroll
        for (int off = 16; off > 0; off >>= 1) {
            const float m2 = __shfl_xor_sync(0xffffffffu, m, off), s2 = __shfl_xor_sync(0xffffffffu, s, off);
            merge(m, s, m2, s2);
        }
        const int warp = threadIdx.x / 32, lane = threadIdx.x % 32;
        if (lane == 0) { sm[warp] = m; ss[warp] = s; }
        bad = __syncthreads_or(bad);
        if (threadIdx.x == 0) {
            float M = sm[0], S = ss[0];
            for (int w = 1; w < kThreads / 32; ++w) merge(M, S, sm[w], ss[w]);
            // As the CPU backend: NaN logits give NaN; a +inf logit gives +inf (its Σexp is inf − inf = NaN here).
            const float lse = bad ? CUDART_NAN_F : (M == CUDART_INF_F || M == -CUDART_INF_F ? M : M + logf(S));
            const int64_t t = targets[row];
            out_lse[row] = lse;
            out_logprob[row] = (t >= 0 && t < vocab) ? to_float(x[t]) - lse : CUDART_NAN_F;
        }
        __syncthreads();
    }
}

__device__ __forceinline__ float gradient(float x, int64_t v, int64_t t, float w, float l) {
    return w == 0.0f ? 0.0f : (v == t ? w : 0.0f) - w * expf(x - l);
}

// Packs of N elements from column `first` on (first is a multiple of N; ld too when VEC).
template <typename T, bool VEC>
__global__ void __launch_bounds__(kThreads) backward_kernel(T* __restrict__ logits, int64_t rows, int64_t vocab, int64_t ld,
                                                            const int64_t* __restrict__ targets, const float* __restrict__ lse,
                                                            const float* __restrict__ weight) {
    constexpr int N = VEC ? Pack<T>::N : 1;
    const int64_t per_row = vocab / N;
    const int64_t total = rows * per_row;
    for (int64_t i = (int64_t)blockIdx.x * kThreads + threadIdx.x; i < total; i += (int64_t)gridDim.x * kThreads) {
        const int64_t row = i / per_row, col = (i - row * per_row) * N;
        T* x = logits + row * ld + col;
        const float w = weight[row], l = lse[row];
        const int64_t t = targets[row];
        if (VEC) {
            float v[Pack<T>::N];
            load_pack<T, false>(x, v);
#pragma unroll
            for (int k = 0; k < Pack<T>::N; ++k) v[k] = gradient(v[k], col + k, t, w, l);
            store_pack(x, v);
        } else {
            from_float(*x, gradient(to_float(*x), col, t, w, l));
        }
    }
}

// The columns past the last whole pack of a vectorised row.
template <typename T>
__global__ void __launch_bounds__(kThreads) backward_tail_kernel(T* __restrict__ logits, int64_t rows, int64_t first, int64_t vocab,
                                                                 int64_t ld, const int64_t* __restrict__ targets,
                                                                 const float* __restrict__ lse, const float* __restrict__ weight) {
    const int64_t width = vocab - first, total = rows * width;
    for (int64_t i = (int64_t)blockIdx.x * kThreads + threadIdx.x; i < total; i += (int64_t)gridDim.x * kThreads) {
        const int64_t row = i / width, col = first + (i - row * width);
        T* x = logits + row * ld + col;
        from_float(*x, gradient(to_float(*x), col, targets[row], weight[row], lse[row]));
    }
}

inline bool vectorisable(const void* p, int64_t ld, int element_bytes) {
    return reinterpret_cast<uintptr_t>(p) % 16 == 0 && (ld * element_bytes) % 16 == 0;
}

template <typename T>
void launch_forward(const T* logits, int64_t rows, int64_t vocab, int64_t ld, const int64_t* targets, float* logprob, float* lse) {
    if (rows == 0) return;
    const unsigned grid = (unsigned)(rows < 1048576 ? rows : 1048576);
    if (vectorisable(logits, ld, sizeof(T)))
        forward_kernel<T, true><<<grid, kThreads>>>(logits, rows, vocab, ld, targets, logprob, lse);
    else
        forward_kernel<T, false><<<grid, kThreads>>>(logits, rows, vocab, ld, targets, logprob, lse);
}

template <typename T>
void launch_backward(T* logits, int64_t rows, int64_t vocab, int64_t ld, const int64_t* targets, const float* lse, const float* weight,
                     int sm_count) {
    if (rows == 0) return;
    const unsigned cap = (unsigned)sm_count * 16;
    auto grid_for = [&](int64_t work) { int64_t g = (work + kThreads - 1) / kThreads; return (unsigned)(g < cap ? (g > 0 ? g : 1) : cap); };
    if (vectorisable(logits, ld, sizeof(T))) {
        constexpr int N = Pack<T>::N;
        const int64_t whole = vocab / N * N;
        if (whole > 0) backward_kernel<T, true><<<grid_for(rows * (whole / N)), kThreads>>>(logits, rows, whole, ld, targets, lse, weight);
        if (whole < vocab) backward_tail_kernel<T><<<grid_for(rows * (vocab - whole)), kThreads>>>(logits, rows, whole, vocab, ld, targets, lse, weight);
    } else {
        backward_kernel<T, false><<<grid_for(rows * vocab), kThreads>>>(logits, rows, vocab, ld, targets, lse, weight);
    }
}

}  // namespace tlp
}  // namespace dtn
