// v3: v2 with explicit memory-level parallelism: each lane issues the loads of up to four
// 16-byte vectors of every array (param, grad, m, v) before computing any of them, so a warp
// has 16 independent loads in flight per lane instead of relying on the compiler to hoist
// loads across stores it cannot prove independent.
//
// The tile body is the shipped one: dtn::bsr::full_tile in ../src/bsr_adamw_tile.cuh, which
// src/cuda_backend.cu's update kernel includes too. This file keeps only the lab's launch
// (a warp per tile, persistent grid; lab_tile_scalar from lab.cuh for partial edge tiles and
// row strides not a multiple of 4). The lab runs the body without clipping (clip 1, scale off) and
// with round-to-nearest bf16 (no stochastic rounding), the shipped defaults.
// Until the header, the lab had its own copy of the body, which had drifted from the shipped
// one (the shipped one was kept): one row stride for param and grad (the shipped body has
// param_ld and grad_ld), no clip coefficient, no stochastic rounding, state pointers formed
// from the tile's index inside the body. Same arithmetic and load/store order otherwise.
// v4 includes this file with LAB_DEPTH 2 and LAB_LOAD_GRAD __ldcs.
#include "lab.cuh"
#include "../src/bsr_adamw_tile.cuh"

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

#ifdef LAB_LOAD_GRAD
// A version's own gradient load (v4: __ldcs) in the form the shared body takes.
struct LabLoadGrad {
    template <typename T>
    __device__ __forceinline__ T operator()(const T* p) const { return LAB_LOAD_GRAD(p); }
};
#else
using LabLoadGrad = dtn::bsr::LoadGradLdg;  // the shipped kernel's
#endif

template <bool BF16>
__device__ __forceinline__ void v3_tile(const LabTensor& t, const LabTile& tile, const dtn::AdamScalars& s, int lane) {
    const int b = t.b;
    const dtn::bsr::TileView view{t.param, t.grad, t.m, t.v, t.master, (int64_t)tile.local * b * b,
                                  (int64_t)tile.br * b, (int64_t)tile.bc * b, t.ld, t.ld, b};
    const dtn::bsr::Bf16Rounding rne{0, 0, 0, tile.tensor};
    dtn::bsr::full_tile<BF16, kDepth, LabLoadGrad>(view, s, 1.0f, false, rne, lane);
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
