// BSR-AdamW on CUDA: the work of one warp on one full, aligned B×B tile. One body for the library and the kernel
// lab: the shipped update kernel (cuda_backend.cu, adamw_kernel) and the lab's v3 (dev/bsr_adamw_v3.cu, and v4
// through it) both include this header, so the lab validates and times exactly the body the library ships. The
// element arithmetic is adamw_math.hpp's. Edge tiles, unaligned rows and dense chunks are not here: each kernel
// takes those element by element on its own path.
#pragma once
#include <cuda_runtime.h>

#include <cstdint>

#include "adamw_math.hpp"

namespace dtn {

// Four bf16 values from one 8-byte load, widened exactly.
__device__ __forceinline__ float4 bf16x4_to_float4(uint2 raw) {
    return make_float4(bf16_bits_to_float((uint16_t)(raw.x & 0xffffu)), bf16_bits_to_float((uint16_t)(raw.x >> 16)),
                       bf16_bits_to_float((uint16_t)(raw.y & 0xffffu)), bf16_bits_to_float((uint16_t)(raw.y >> 16)));
}

namespace bsr {

constexpr int kDepth = 4;  // 16-byte vectors per lane and array loaded before any is computed (lab v3)

// One full tile of a blocked weight as the body sees it. The state arrays hold B×B floats per active block,
// row-major, the tile's at state_offset.
struct TileView {
    void* param;        // fp32, or bf16 with an fp32 master
    const void* grad;   // same dtype as param
    float* exp_avg;     // first moments
    float* exp_avg_sq;  // second moments
    float* master;      // bf16 only
    int64_t state_offset;
    int64_t r0, c0;             // the tile's first row and column in the weight
    int64_t param_ld, grad_ld;  // row strides, in elements
    int b;                      // the block size: the tile is b×b, b a multiple of 4, rows 16-byte (fp32) / 8-byte (bf16) aligned
};

// How a bf16 weight is written from its fp32 master: round to nearest even, or stochastic rounding with random bits
// from hash_bits(seed, step, tensor, index of the element in the weight).
struct Bf16Rounding {
    int32_t stochastic;
    uint64_t seed;
    uint64_t step;
    int32_t tensor;
};

__device__ __forceinline__ void store_bf16(uint16_t* p, int64_t i, float master, const Bf16Rounding& r) {
    p[i] = r.stochastic ? float_to_bf16_stochastic(master, hash_bits(r.seed, r.step, (uint64_t)r.tensor, (uint64_t)i))
                        : float_to_bf16_rne(master);
}

// The gradient is read once: through the read-only data cache (the shipped choice; the lab's v4 tries __ldcs).
struct LoadGradLdg {
    template <typename T>
    __device__ __forceinline__ T operator()(const T* p) const { return __ldg(p); }
};

// One full, aligned tile by one warp: every lane issues the loads of up to Depth vectors of
// each array before computing, so enough bytes are in flight to saturate HBM (lab v3).
// scale: multiply the gradient by clip first (clip != 1).
template <bool BF16, int Depth = kDepth, typename LoadGrad = LoadGradLdg>
__device__ __forceinline__ void full_tile(const TileView& t, const AdamScalars& adam, float clip, bool scale,
                                          const Bf16Rounding& rounding, int lane) {
    const LoadGrad load_grad{};
    const int qpr = t.b / 4, nq = t.b * qpr;
    float4* m = reinterpret_cast<float4*>(t.exp_avg + t.state_offset);
    float4* v = reinterpret_cast<float4*>(t.exp_avg_sq + t.state_offset);
    float4* ms = BF16 ? reinterpret_cast<float4*>(t.master + t.state_offset) : nullptr;
    for (int q0 = 0; q0 < nq; q0 += 32 * Depth) {
        float4 p[Depth], gr[Depth], mm[Depth], vv[Depth];
        int64_t pi[Depth], gi[Depth];
        bool on[Depth];
#pragma unroll
        for (int k = 0; k < Depth; ++k) {
            const int q = q0 + k * 32 + lane;
            on[k] = q < nq;
            const int qq = on[k] ? q : 0;
            const int64_t r = t.r0 + qq / qpr, c = t.c0 + (qq % qpr) * 4;
            pi[k] = r * t.param_ld + c;
            gi[k] = r * t.grad_ld + c;
            if (on[k]) {
                if (BF16) {
                    gr[k] = bf16x4_to_float4(load_grad(reinterpret_cast<const uint2*>(static_cast<const uint16_t*>(t.grad) + gi[k])));
                    p[k] = ms[qq];
                } else {
                    gr[k] = load_grad(reinterpret_cast<const float4*>(static_cast<const float*>(t.grad) + gi[k]));
                    p[k] = *reinterpret_cast<const float4*>(static_cast<const float*>(t.param) + pi[k]);
                }
                mm[k] = m[qq];
                vv[k] = v[qq];
            }
        }
#pragma unroll
        for (int k = 0; k < Depth; ++k) {
            if (!on[k]) continue;
            const int q = q0 + k * 32 + lane;
            if (scale) {
                gr[k].x *= clip;
                gr[k].y *= clip;
                gr[k].z *= clip;
                gr[k].w *= clip;
            }
            p[k].x = adamw_element(p[k].x, gr[k].x, mm[k].x, vv[k].x, adam);
            p[k].y = adamw_element(p[k].y, gr[k].y, mm[k].y, vv[k].y, adam);
            p[k].z = adamw_element(p[k].z, gr[k].z, mm[k].z, vv[k].z, adam);
            p[k].w = adamw_element(p[k].w, gr[k].w, mm[k].w, vv[k].w, adam);
            m[q] = mm[k];
            v[q] = vv[k];
            if (BF16) {
                ms[q] = p[k];
                uint16_t* pb = static_cast<uint16_t*>(t.param);
                if (rounding.stochastic) {
                    store_bf16(pb, pi[k], p[k].x, rounding);
                    store_bf16(pb, pi[k] + 1, p[k].y, rounding);
                    store_bf16(pb, pi[k] + 2, p[k].z, rounding);
                    store_bf16(pb, pi[k] + 3, p[k].w, rounding);
                } else {
                    uint2 out;
                    out.x = (uint32_t)float_to_bf16_rne(p[k].x) | ((uint32_t)float_to_bf16_rne(p[k].y) << 16);
                    out.y = (uint32_t)float_to_bf16_rne(p[k].z) | ((uint32_t)float_to_bf16_rne(p[k].w) << 16);
                    *reinterpret_cast<uint2*>(pb + pi[k]) = out;
                }
            } else {
                *reinterpret_cast<float4*>(static_cast<float*>(t.param) + pi[k]) = p[k];
            }
        }
    }
}

}  // namespace bsr
}  // namespace dtn
