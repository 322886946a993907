// v3: v2 with explicit memory-level parallelism: each lane issues the loads of up to four
// 16-byte vectors of every array (param, grad, m, v) before computing any of them, so a warp
// has 16 independent loads in flight per lane instead of relying on the compiler to hoist
// loads across stores it cannot prove independent.
#include "lab.cuh"

#ifndef LAB_LOAD_GRAD
#define LAB_LOAD_GRAD __ldg
#endif

#ifndef LAB_NAME
#define LAB_NAME "v3"
#define LAB_NOTES "v2 + loads batched 4 vectors deep per lane before compute"
#endif
const char* kVersion = LAB_NAME;
const char* kNotes = LAB_NOTES;

constexpr int kThreads = 256;
#ifndef LAB_DEPTH
#define LAB_DEPTH 4
#endif
constexpr int kDepth = LAB_DEPTH;

template <bool BF16>
__device__ __forceinline__ void v3_tile(const LabTensor& t, const LabTile& tile, const dtn::AdamScalars& s, int lane) {
    const int b = t.b;
    const int64_t r0 = (int64_t)tile.br * b, c0 = (int64_t)tile.bc * b;
    const int qpr = b / 4, nq = b * qpr;
    float4* m = reinterpret_cast<float4*>(t.m + (int64_t)tile.local * b * b);
    float4* v = reinterpret_cast<float4*>(t.v + (int64_t)tile.local * b * b);
    float4* ms = BF16 ? reinterpret_cast<float4*>(t.master + (int64_t)tile.local * b * b) : nullptr;
    for (int q0 = 0; q0 < nq; q0 += 32 * kDepth) {
        float4 p[kDepth], g[kDepth], mm[kDepth], vv[kDepth];
        int64_t pi[kDepth];
        bool on[kDepth];
#pragma unroll
        for (int k = 0; k < kDepth; ++k) {
            const int q = q0 + k * 32 + lane;
            on[k] = q < nq;
            const int qq = on[k] ? q : 0;
            pi[k] = (r0 + qq / qpr) * t.ld + c0 + (qq % qpr) * 4;
            if (on[k]) {
                if (BF16) {
                    const uint2 gr = LAB_LOAD_GRAD(reinterpret_cast<const uint2*>((const uint16_t*)t.grad + pi[k]));
                    g[k] = make_float4(dtn::bf16_bits_to_float(gr.x & 0xffff), dtn::bf16_bits_to_float(gr.x >> 16),
                                       dtn::bf16_bits_to_float(gr.y & 0xffff), dtn::bf16_bits_to_float(gr.y >> 16));
                    p[k] = ms[qq];
                } else {
                    g[k] = LAB_LOAD_GRAD(reinterpret_cast<const float4*>((const float*)t.grad + pi[k]));
                    p[k] = *reinterpret_cast<const float4*>((const float*)t.param + pi[k]);
                }
                mm[k] = m[qq];
                vv[k] = v[qq];
            }
        }
#pragma unroll
        for (int k = 0; k < kDepth; ++k) {
            if (!on[k]) continue;
            const int q = q0 + k * 32 + lane;
            p[k].x = dtn::adamw_element(p[k].x, g[k].x, mm[k].x, vv[k].x, s);
            p[k].y = dtn::adamw_element(p[k].y, g[k].y, mm[k].y, vv[k].y, s);
            p[k].z = dtn::adamw_element(p[k].z, g[k].z, mm[k].z, vv[k].z, s);
            p[k].w = dtn::adamw_element(p[k].w, g[k].w, mm[k].w, vv[k].w, s);
            m[q] = mm[k];
            v[q] = vv[k];
            if (BF16) {
                ms[q] = p[k];
                uint2 o;
                o.x = dtn::float_to_bf16_rne(p[k].x) | ((uint32_t)dtn::float_to_bf16_rne(p[k].y) << 16);
                o.y = dtn::float_to_bf16_rne(p[k].z) | ((uint32_t)dtn::float_to_bf16_rne(p[k].w) << 16);
                *reinterpret_cast<uint2*>((uint16_t*)t.param + pi[k]) = o;
            } else {
                *reinterpret_cast<float4*>((float*)t.param + pi[k]) = p[k];
            }
        }
    }
}

__global__ void __launch_bounds__(kThreads) v3_kernel(const LabTensor* __restrict__ tensors, const LabTile* __restrict__ tiles,
                                                      int64_t ntiles, dtn::AdamScalars s) {
    const int lane = threadIdx.x & 31;
    const int64_t nwarps = (int64_t)gridDim.x * (kThreads / 32);
    for (int64_t w = blockIdx.x * (int64_t)(kThreads / 32) + (threadIdx.x >> 5); w < ntiles; w += nwarps) {
        const LabTile tile = tiles[w];
        const LabTensor& t = tensors[tile.tensor];
        if ((int64_t)(tile.br + 1) * t.b > t.rows || (int64_t)(tile.bc + 1) * t.b > t.cols || (t.ld & 3)) {
            lab_tile_scalar(t, tile, s, lane, 32);
        } else if (t.bf16) {
            v3_tile<true>(t, tile, s, lane);
        } else {
            v3_tile<false>(t, tile, s, lane);
        }
    }
}

void lab_launch(const LabTensor* d_tensors, const LabTile* d_tiles, int64_t ntiles, dtn::AdamScalars s, int sm_count) {
    static int per_sm = 0;
    if (!per_sm) CK(cudaOccupancyMaxActiveBlocksPerMultiprocessor(&per_sm, v3_kernel, kThreads, 0));
    const int64_t want = (ntiles + kThreads / 32 - 1) / (kThreads / 32);
    const int blocks = (int)std::max<int64_t>(1, std::min<int64_t>(want, (int64_t)sm_count * per_sm));
    if (ntiles > 0) v3_kernel<<<blocks, kThreads>>>(d_tensors, d_tiles, ntiles, s);
}
