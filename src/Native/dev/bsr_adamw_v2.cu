// v2: one warp per tile in a persistent grid (grid-stride over tiles, sized by occupancy);
// full tiles move 16-byte vectors (float4 of p, g, m, v; 8-byte bf16 quads); edge tiles scalar.
#include "lab.cuh"

const char* kVersion = "v2";
const char* kNotes = "warp per tile, persistent grid, 16-byte vector loads";

constexpr int kThreads = 256;

__global__ void __launch_bounds__(kThreads) v2_kernel(const LabTensor* __restrict__ tensors, const LabTile* __restrict__ tiles,
                                                      int64_t ntiles, dtn::AdamScalars s) {
    const int lane = threadIdx.x & 31;
    const int64_t nwarps = (int64_t)gridDim.x * (kThreads / 32);
    for (int64_t w = blockIdx.x * (int64_t)(kThreads / 32) + (threadIdx.x >> 5); w < ntiles; w += nwarps) {
        const LabTile tile = tiles[w];
        const LabTensor& t = tensors[tile.tensor];
        const int b = t.b;
        const int64_t r0 = (int64_t)tile.br * b, c0 = (int64_t)tile.bc * b;
        // Edge tiles and rows not 16-byte aligned (cols % 4 != 0) take the scalar path.
        if (r0 + b > t.rows || c0 + b > t.cols || (t.ld & 3)) {
            lab_tile_scalar(t, tile, s, lane, 32);
            continue;
        }
        const int qpr = b / 4, nq = b * qpr;
        float* m = t.m + (int64_t)tile.local * b * b;
        float* v = t.v + (int64_t)tile.local * b * b;
        if (!t.bf16) {
#pragma unroll 4
            for (int q = lane; q < nq; q += 32) {
                const int64_t pi = (r0 + q / qpr) * t.ld + c0 + (q % qpr) * 4;
                float4* pp = reinterpret_cast<float4*>((float*)t.param + pi);
                const float4 g = __ldg(reinterpret_cast<const float4*>((const float*)t.grad + pi));
                float4 p = *pp, mm = reinterpret_cast<float4*>(m)[q], vv = reinterpret_cast<float4*>(v)[q];
                p.x = dtn::adamw_element(p.x, g.x, mm.x, vv.x, s);
                p.y = dtn::adamw_element(p.y, g.y, mm.y, vv.y, s);
                p.z = dtn::adamw_element(p.z, g.z, mm.z, vv.z, s);
                p.w = dtn::adamw_element(p.w, g.w, mm.w, vv.w, s);
                *pp = p;
                reinterpret_cast<float4*>(m)[q] = mm;
                reinterpret_cast<float4*>(v)[q] = vv;
            }
        } else {
            float* ms = t.master + (int64_t)tile.local * b * b;
#pragma unroll 4
            for (int q = lane; q < nq; q += 32) {
                const int64_t pi = (r0 + q / qpr) * t.ld + c0 + (q % qpr) * 4;
                const uint2 gr = __ldg(reinterpret_cast<const uint2*>((const uint16_t*)t.grad + pi));
                float4 p = reinterpret_cast<float4*>(ms)[q], mm = reinterpret_cast<float4*>(m)[q], vv = reinterpret_cast<float4*>(v)[q];
                p.x = dtn::adamw_element(p.x, dtn::bf16_bits_to_float(gr.x & 0xffff), mm.x, vv.x, s);
                p.y = dtn::adamw_element(p.y, dtn::bf16_bits_to_float(gr.x >> 16), mm.y, vv.y, s);
                p.z = dtn::adamw_element(p.z, dtn::bf16_bits_to_float(gr.y & 0xffff), mm.z, vv.z, s);
                p.w = dtn::adamw_element(p.w, dtn::bf16_bits_to_float(gr.y >> 16), mm.w, vv.w, s);
                reinterpret_cast<float4*>(ms)[q] = p;
                reinterpret_cast<float4*>(m)[q] = mm;
                reinterpret_cast<float4*>(v)[q] = vv;
                uint2 o;
                o.x = dtn::float_to_bf16_rne(p.x) | ((uint32_t)dtn::float_to_bf16_rne(p.y) << 16);
                o.y = dtn::float_to_bf16_rne(p.z) | ((uint32_t)dtn::float_to_bf16_rne(p.w) << 16);
                *reinterpret_cast<uint2*>((uint16_t*)t.param + pi) = o;
            }
        }
    }
}

void lab_launch(const LabTensor* d_tensors, const LabTile* d_tiles, int64_t ntiles, dtn::AdamScalars s, int sm_count) {
    static int per_sm = 0;
    if (!per_sm) CK(cudaOccupancyMaxActiveBlocksPerMultiprocessor(&per_sm, v2_kernel, kThreads, 0));
    const int64_t want = (ntiles + kThreads / 32 - 1) / (kThreads / 32);
    const int blocks = (int)std::max<int64_t>(1, std::min<int64_t>(want, (int64_t)sm_count * per_sm));
    if (ntiles > 0) v2_kernel<<<blocks, kThreads>>>(d_tensors, d_tiles, ntiles, s);
}
