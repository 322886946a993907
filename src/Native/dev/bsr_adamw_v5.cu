// v5: v3's loads (each lane issues 4 vectors of every array before computing) on smaller work
// items. A work item is at most 16 rows of a tile (16·B elements, 4·B float4 vectors):
//   - B = 128 has 8 items per tile, so at low density 8× as many warps find work (v3: one warp
//     walks all 16K elements of a tile, ~150 busy warps at d = 0.01);
//   - B = 16 is one item per tile, taken by half a warp (lanes 0-15 and 16-31 take two tiles per
//     iteration), so each lane still has 4 independent 16-byte loads per array in flight (v3: a
//     whole warp on a 64-vector tile left each lane 2).
// For B = 32..128 a full warp takes an item: 128 vectors per pass, 1/2/4 passes for B = 32/64/128.
// One block size per launch is assumed (the lab's problems, and the app's one optimizer.bsr_block_size).
#include "lab.cuh"

#ifndef LAB_NAME
#define LAB_NAME "v5"
#define LAB_NOTES "v3 on work items of at most 16 rows of a tile; B=16: half a warp per tile, two tiles per warp"
#endif
const char* kVersion = LAB_NAME;
const char* kNotes = LAB_NOTES;

constexpr int kThreads = 256;
constexpr int kDepth = 4;      // vectors per lane and array loaded before any is computed (v3)
constexpr int kSlabRows = 16;  // rows of a tile in one work item

// Rows [slab·16, slab·16 + 16) of a full, aligned tile by `lanes` lanes (sl = this lane's index among them).
template <bool BF16>
__device__ __forceinline__ void v5_slab(const LabTensor& t, const LabTile& tile, int slab, const dtn::AdamScalars& s, int sl,
                                        int lanes) {
    const int b = t.b;
    const int64_t r0 = (int64_t)tile.br * b + (int64_t)slab * kSlabRows, c0 = (int64_t)tile.bc * b;
    const int qpr = b / 4, nq = kSlabRows * qpr;
    // The slab's state is contiguous: 16 rows of B floats inside the tile's B·B (16-byte aligned).
    const int64_t so = (int64_t)tile.local * b * b + (int64_t)slab * kSlabRows * b;
    float4* m = reinterpret_cast<float4*>(t.m + so);
    float4* v = reinterpret_cast<float4*>(t.v + so);
    float4* ms = BF16 ? reinterpret_cast<float4*>(t.master + so) : nullptr;
    for (int q0 = 0; q0 < nq; q0 += lanes * kDepth) {
        float4 p[kDepth], g[kDepth], mm[kDepth], vv[kDepth];
        int64_t pi[kDepth];
        bool on[kDepth];
#pragma unroll
        for (int k = 0; k < kDepth; ++k) {
            const int q = q0 + k * lanes + sl;
            on[k] = q < nq;
            const int qq = on[k] ? q : 0;
            pi[k] = (r0 + qq / qpr) * t.ld + c0 + (qq % qpr) * 4;
            if (on[k]) {
                if (BF16) {
                    const uint2 gr = __ldg(reinterpret_cast<const uint2*>((const uint16_t*)t.grad + pi[k]));
                    g[k] = make_float4(dtn::bf16_bits_to_float(gr.x & 0xffff), dtn::bf16_bits_to_float(gr.x >> 16),
                                       dtn::bf16_bits_to_float(gr.y & 0xffff), dtn::bf16_bits_to_float(gr.y >> 16));
                    p[k] = ms[qq];
                } else {
                    g[k] = __ldg(reinterpret_cast<const float4*>((const float*)t.grad + pi[k]));
                    p[k] = *reinterpret_cast<const float4*>((const float*)t.param + pi[k]);
                }
                mm[k] = m[qq];
                vv[k] = v[qq];
            }
        }
#pragma unroll
        for (int k = 0; k < kDepth; ++k) {
            if (!on[k]) continue;
            const int q = q0 + k * lanes + sl;
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


__global__ void __launch_bounds__(kThreads) v5_kernel(const LabTensor* __restrict__ tensors, const LabTile* __restrict__ tiles,
                                                      int64_t ntiles, dtn::AdamScalars s) {
    const int lane = threadIdx.x & 31;
    const int b = tensors[tiles[0].tensor].b;
    // Work items per tile (a power of two: 1, 2, 4, 8) and lanes per item (16 for B = 16: 16 lanes × 4
    // vectors cover the tile's 64 vectors in one pass).
    const int per_tile = b > kSlabRows ? b / kSlabRows : 1;
    const int shift = __ffs(per_tile) - 1;
    const int lanes = b >= 32 ? 32 : 16;
    const int per_warp = 32 / lanes;
    const int sub = lane / lanes, sl = lane % lanes;
    const int64_t items = ntiles * per_tile;
    const int64_t nwarps = (int64_t)gridDim.x * (kThreads / 32);
    for (int64_t w = blockIdx.x * (int64_t)(kThreads / 32) + (threadIdx.x >> 5); w * per_warp < items; w += nwarps) {
        const int64_t item = w * per_warp + sub;
        if (item >= items) continue;  // an odd count of B = 16 tiles: the last half-warp has none
        const LabTile tile = tiles[item >> shift];
        const int slab = (int)(item & (per_tile - 1));
        const LabTensor& t = tensors[tile.tensor];
        if ((int64_t)(tile.br + 1) * t.b > t.rows || (int64_t)(tile.bc + 1) * t.b > t.cols || (t.ld & 3)) {
            lab_tile_scalar(t, tile, s, sl, lanes, (int64_t)slab * kSlabRows, kSlabRows);
        } else if (t.bf16) {
            v5_slab<true>(t, tile, slab, s, sl, lanes);
        } else {
            v5_slab<false>(t, tile, slab, s, sl, lanes);
        }
    }
}

void lab_launch(const LabTensor* d_tensors, const LabTile* d_tiles, int64_t ntiles, dtn::AdamScalars s, int sm_count) {
    static int per_sm = 0;
    if (!per_sm) CK(cudaOccupancyMaxActiveBlocksPerMultiprocessor(&per_sm, v5_kernel, kThreads, 0));
    // The block size lives on the device; size the grid for the most items a tile can have (8, B = 128),
    // capped at a persistent grid: surplus warps find no item and exit.
    const int64_t want = (ntiles * 8 + kThreads / 32 - 1) / (kThreads / 32);
    const int blocks = (int)std::max<int64_t>(1, std::min<int64_t>(want, (int64_t)sm_count * per_sm));
    if (ntiles > 0) v5_kernel<<<blocks, kThreads>>>(d_tensors, d_tiles, ntiles, s);
}
