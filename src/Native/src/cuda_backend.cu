// CUDA backend: one launch updates every tile of every tensor through device-side tables.
// Launches go to the legacy default stream (0), which libtorch uses when no stream is set;
// the library must never be compiled with per-thread default streams.
#include <cuda_runtime.h>

#include <algorithm>
#include <string>
#include <vector>

#include "bsr_adamw_tile.cuh"
#include "elements.hpp"
#include "plan.hpp"

namespace dtn {
namespace {

void check(cudaError_t e, const char* what) {
    if (e != cudaSuccess) throw Error{DTN_ERR_CUDA, std::string(what) + ": " + cudaGetErrorString(e)};
}

struct DevTensor {
    void* param;
    const void* grad;
    float* exp_avg;
    float* exp_avg_sq;
    float* master;
    int64_t rows, cols, param_ld, grad_ld;
    int32_t kind, dtype, block_size, vec_ok;  // vec_ok: 16-byte (fp32) / 8-byte (bf16) rows are aligned
};

struct StepScalars {
    AdamScalars adam;
    double max_norm;  // <= 0: no clipping
    float clip;       // the coefficient when the host already knows it (a caller's norm); else 1
    int32_t stochastic;
    uint64_t seed;
    uint64_t step;
};

constexpr int kThreads = 256;
constexpr int kWarps = kThreads / 32;

// Where this thread's warp starts in a list of work items and how far it strides: one warp per item, the grid
// striding over the list (a persistent grid).
struct WarpSlots {
    int lane;
    int64_t first, stride;
};
__device__ __forceinline__ WarpSlots warp_slots() {
    return {(int)(threadIdx.x & 31), (int64_t)blockIdx.x * kWarps + (threadIdx.x >> 5), (int64_t)gridDim.x * kWarps};
}

__device__ __forceinline__ int64_t min64(int64_t a, int64_t b) { return a < b ? a : b; }

struct TileGeom {
    int64_t r0, c0, nr, nc, state_offset;
    int b;
};

__device__ __forceinline__ TileGeom geom(const DevTensor& t, const Tile& tile) {
    TileGeom g;
    if (t.kind == DTN_KIND_BLOCKED && tile.block_row != kFlatChunk) {
        g.b = t.block_size;
        g.r0 = (int64_t)tile.block_row * g.b;
        g.c0 = (int64_t)tile.block_col * g.b;
        g.nr = min64(g.b, t.rows - g.r0);
        g.nc = min64(g.b, t.cols - g.c0);
        g.state_offset = (int64_t)tile.local * g.b * g.b;
    } else {
        g.b = 0;
        g.r0 = 0;
        g.c0 = (int64_t)tile.local * kDenseChunk;
        g.nr = 1;
        g.nc = min64(kDenseChunk, t.rows * t.cols - g.c0);
        g.state_offset = g.c0;
    }
    return g;
}

__device__ __forceinline__ float load_elem(const void* base, int32_t dtype, int64_t i) {
    return dtype == DTN_FLOAT32 ? static_cast<const float*>(base)[i]
                                : bf16_bits_to_float(static_cast<const uint16_t*>(base)[i]);
}

// The norm as one float where the caller wants it, without a round trip through the host.
__global__ void sqrt_to_float_kernel(const double* __restrict__ sum, float* __restrict__ out) { *out = (float)sqrt(*sum); }

// A dense tensor's chunk is contiguous: 16-byte loads (8 bf16 or 4 float32 per lane) where the chunk is aligned,
// with no index arithmetic per element; the tail and unaligned chunks element by element.
__device__ __forceinline__ double dense_chunk_sum_sq(const DevTensor& t, int64_t start, int64_t count, int lane) {
    double acc = 0.0;
    const int per_vec = t.dtype == DTN_FLOAT32 ? 4 : 8;
    const int64_t elem = element_bytes(t.dtype);
    const char* base = static_cast<const char*>(t.grad) + start * elem;
    int64_t vectors = ((reinterpret_cast<uintptr_t>(base) & 15) == 0) ? count / per_vec : 0;
    const uint4* v = reinterpret_cast<const uint4*>(base);
    for (int64_t q = lane; q < vectors; q += 32) {
        const uint4 raw = __ldg(v + q);
        const uint32_t words[4] = {raw.x, raw.y, raw.z, raw.w};
        if (t.dtype == DTN_FLOAT32) {
#pragma unroll
            for (int k = 0; k < 4; ++k) {
                const double x = __uint_as_float(words[k]);
                acc += x * x;
            }
        } else {
#pragma unroll
            for (int k = 0; k < 4; ++k) {
                const float lo = bf16_bits_to_float((uint16_t)(words[k] & 0xffffu)), hi = bf16_bits_to_float((uint16_t)(words[k] >> 16));
                acc += (double)lo * lo + (double)hi * hi;
            }
        }
    }
    for (int64_t e = vectors * per_vec + lane; e < count; e += 32) {
        const double x = load_elem(t.grad, t.dtype, start + e);
        acc += x * x;
    }
    return acc;
}

// Pass 1: sum of squares of the gradients over all tiles (NaN/Inf propagate into the sum).
__global__ void __launch_bounds__(kThreads) norm_kernel(const DevTensor* __restrict__ tensors,
                                                        const Tile* __restrict__ tiles, int64_t ntiles,
                                                        double* __restrict__ sum_out) {
    const WarpSlots ws = warp_slots();
    const int lane = ws.lane;
    double acc = 0.0;
    for (int64_t w = ws.first; w < ntiles; w += ws.stride) {
        const Tile tile = tiles[w];
        const DevTensor& t = tensors[tile.tensor];
        const TileGeom g = geom(t, tile);
        if (t.kind == DTN_KIND_BLOCKED && g.nr == g.b && g.nc == g.b && t.vec_ok && t.dtype == DTN_FLOAT32) {
            const int q_per_row = g.b / 4, nq = g.b * q_per_row;
            for (int q = lane; q < nq; q += 32) {
                const int r = q / q_per_row, c = (q % q_per_row) * 4;
                const float4 x = *reinterpret_cast<const float4*>(static_cast<const float*>(t.grad) + (g.r0 + r) * t.grad_ld + g.c0 + c);
                acc += (double)x.x * x.x + (double)x.y * x.y + (double)x.z * x.z + (double)x.w * x.w;
            }
        } else if (g.b == 0) {  // a dense tensor's chunk, or a flat chunk of a blocked one
            acc += dense_chunk_sum_sq(t, g.c0, g.nc, lane);
        } else {
            const int64_t n = g.nr * g.nc;
            for (int64_t e = lane; e < n; e += 32) {
                const int64_t r = e / g.nc, c = e % g.nc;
                const double x = load_elem(t.grad, t.dtype, (g.r0 + r) * t.grad_ld + g.c0 + c);
                acc += x * x;
            }
        }
    }
    for (int o = 16; o > 0; o >>= 1) acc += __shfl_xor_sync(0xffffffffu, acc, o);
    __shared__ double warp_sums[kWarps];
    if (lane == 0) warp_sums[threadIdx.x >> 5] = acc;
    __syncthreads();
    if (threadIdx.x == 0) {
        double s = 0;
        for (int i = 0; i < kWarps; ++i) s += warp_sums[i];
        atomicAdd(sum_out, s);
    }
}

// Pass 2: the AdamW update. One warp per tile, grid-stride over tiles (persistent grid);
// full aligned tiles take the batched vector path (bsr::full_tile, bsr_adamw_tile.cuh: the body the lab's v3 runs),
// edge tiles and dense chunks go element by element.
// With pass 1 (sum_sq) the clip coefficient is formed here; otherwise the host's s.clip holds.
__global__ void __launch_bounds__(kThreads) adamw_kernel(const DevTensor* __restrict__ tensors,
                                                         const Tile* __restrict__ tiles, int64_t ntiles,
                                                         StepScalars s, const double* __restrict__ sum_sq) {
    float clip = s.clip;
    if (sum_sq) {
        const double norm = sqrt(*sum_sq);
        if (!isfinite(norm)) return;  // the host reports it; nothing may change
        if (s.max_norm > 0) clip = (float)fmin(1.0, s.max_norm / (norm + 1e-6));
    }
    const bool scale = clip != 1.0f;
    const WarpSlots ws = warp_slots();
    const int lane = ws.lane;
    for (int64_t w = ws.first; w < ntiles; w += ws.stride) {
        const Tile tile = tiles[w];
        const DevTensor& t = tensors[tile.tensor];
        const TileGeom g = geom(t, tile);
        const bsr::Bf16Rounding rounding{s.stochastic, s.seed, s.step, tile.tensor};
        if (t.kind == DTN_KIND_BLOCKED && g.nr == g.b && g.nc == g.b && t.vec_ok) {
            const bsr::TileView view{t.param, t.grad, t.exp_avg, t.exp_avg_sq, t.master, g.state_offset,
                                     g.r0, g.c0, t.param_ld, t.grad_ld, g.b};
            if (t.dtype == DTN_FLOAT32) bsr::full_tile<false>(view, s.adam, clip, scale, rounding, lane);
            else bsr::full_tile<true>(view, s.adam, clip, scale, rounding, lane);
            continue;
        }
        float* __restrict__ m = t.exp_avg + g.state_offset;
        float* __restrict__ v = t.exp_avg_sq + g.state_offset;
        const int64_t n = g.nr * g.nc;
        const int64_t sld = t.kind == DTN_KIND_BLOCKED ? g.b : 0;
        for (int64_t e = lane; e < n; e += 32) {
            const int64_t r = e / g.nc, c = e % g.nc;
            const int64_t pi = (g.r0 + r) * t.param_ld + g.c0 + c;
            const int64_t si = r * sld + c;
            float gv = load_elem(t.grad, t.dtype, (g.r0 + r) * t.grad_ld + g.c0 + c);
            if (scale) gv *= clip;
            if (t.dtype == DTN_FLOAT32) {
                float* p = static_cast<float*>(t.param);
                p[pi] = adamw_element(p[pi], gv, m[si], v[si], s.adam);
            } else {
                float* ms = t.master + g.state_offset;
                ms[si] = adamw_element(ms[si], gv, m[si], v[si], s.adam);
                bsr::store_bf16(static_cast<uint16_t*>(t.param), pi, ms[si], rounding);
            }
        }
    }
}

// Zeroes every gradient element: one warp per tile of Plan::every_element_tiles; contiguous chunks with 16-byte
// stores where aligned.
__global__ void __launch_bounds__(kThreads) zero_grads_kernel(const DevTensor* __restrict__ tensors,
                                                              const Tile* __restrict__ tiles, int64_t ntiles) {
    const WarpSlots ws = warp_slots();
    const int lane = ws.lane;
    for (int64_t w = ws.first; w < ntiles; w += ws.stride) {
        const Tile tile = tiles[w];
        const DevTensor& t = tensors[tile.tensor];
        const TileGeom g = geom(t, tile);
        void* grad = const_cast<void*>(t.grad);
        const int64_t esz = element_bytes(t.dtype);
        if (g.b == 0) {
            char* base = static_cast<char*>(grad) + g.c0 * esz;
            const int64_t vectors = ((reinterpret_cast<uintptr_t>(base) & 15) == 0) ? g.nc * esz / 16 : 0;
            for (int64_t q = lane; q < vectors; q += 32) reinterpret_cast<uint4*>(base)[q] = make_uint4(0, 0, 0, 0);
            for (int64_t e = vectors * 16 / esz + lane; e < g.nc; e += 32) {
                if (t.dtype == DTN_FLOAT32) static_cast<float*>(grad)[g.c0 + e] = 0.0f;
                else static_cast<uint16_t*>(grad)[g.c0 + e] = 0;
            }
        } else {
            const int64_t n = g.nr * g.nc;
            for (int64_t e = lane; e < n; e += 32) {
                const int64_t i = (g.r0 + e / g.nc) * t.grad_ld + g.c0 + e % g.nc;
                if (t.dtype == DTN_FLOAT32) static_cast<float*>(grad)[i] = 0.0f;
                else static_cast<uint16_t*>(grad)[i] = 0;
            }
        }
    }
}

// acc = keep · acc + weight · g² over every gradient element of the tensors that have an accumulator (contiguous
// fp32 in the gradient's row-major order): one warp per tile of Plan::every_element_tiles, 16-byte accumulator
// vectors where a chunk's accumulator and gradient are aligned.
__global__ void __launch_bounds__(kThreads) accumulate_squares_kernel(const DevTensor* __restrict__ tensors,
                                                                      float* const* __restrict__ accumulators,
                                                                      const Tile* __restrict__ tiles, int64_t ntiles,
                                                                      float keep, float weight) {
    const WarpSlots ws = warp_slots();
    const int lane = ws.lane;
    for (int64_t w = ws.first; w < ntiles; w += ws.stride) {
        const Tile tile = tiles[w];
        float* acc = accumulators[tile.tensor];
        if (!acc) continue;
        const DevTensor& t = tensors[tile.tensor];
        const TileGeom g = geom(t, tile);
        if (g.b == 0) {
            float* a = acc + g.c0;
            const bool fp32 = t.dtype == DTN_FLOAT32;
            const char* gbase = static_cast<const char*>(t.grad) + g.c0 * element_bytes(t.dtype);
            const bool aligned = (reinterpret_cast<uintptr_t>(a) & 15) == 0 && (reinterpret_cast<uintptr_t>(gbase) & (fp32 ? 15 : 7)) == 0;
            const int64_t vectors = aligned ? g.nc / 4 : 0;
            for (int64_t q = lane; q < vectors; q += 32) {
                float4 x;
                if (fp32) x = __ldg(reinterpret_cast<const float4*>(gbase) + q);
                else x = bf16x4_to_float4(__ldg(reinterpret_cast<const uint2*>(gbase) + q));
                float4 v = reinterpret_cast<float4*>(a)[q];
                v.x = square_step(v.x, x.x, keep, weight);
                v.y = square_step(v.y, x.y, keep, weight);
                v.z = square_step(v.z, x.z, keep, weight);
                v.w = square_step(v.w, x.w, keep, weight);
                reinterpret_cast<float4*>(a)[q] = v;
            }
            for (int64_t e = vectors * 4 + lane; e < g.nc; e += 32)
                a[e] = square_step(a[e], load_elem(t.grad, t.dtype, g.c0 + e), keep, weight);
        } else {
            const int64_t n = g.nr * g.nc;
            for (int64_t e = lane; e < n; e += 32) {
                const int64_t r = g.r0 + e / g.nc, c = g.c0 + e % g.nc;
                float& a = acc[r * t.cols + c];
                a = square_step(a, load_elem(t.grad, t.dtype, r * t.grad_ld + c), keep, weight);
            }
        }
    }
}

// Builds state for a new active set: kept blocks copied, fresh blocks zero moments and master
// from the weights. One warp per block.
__global__ void fill_kernel(DevTensor t, const BlockSource* __restrict__ sources, int64_t count, const float* old_m,
                            const float* old_v, const float* old_master, float* new_m, float* new_v, float* new_master) {
    const WarpSlots ws = warp_slots();
    const int lane = ws.lane;
    const int b = t.block_size, bb = b * b;
    for (int64_t k = ws.first; k < count; k += ws.stride) {
        const BlockSource src = sources[k];
        const int64_t dst = k * bb;
        const int64_t r0 = (int64_t)src.block_row * b, c0 = (int64_t)src.block_col * b;
        for (int e = lane; e < bb; e += 32) {
            const int r = e / b, c = e % b;
            const bool kept = src.old_local >= 0;
            const int64_t so = (int64_t)src.old_local * bb + e;
            if (new_m) new_m[dst + e] = kept ? old_m[so] : 0.0f;
            if (new_v) new_v[dst + e] = kept ? old_v[so] : 0.0f;
            if (new_master) {
                float x = 0.0f;
                if (kept && old_master) x = old_master[so];
                else if (r0 + r < t.rows && c0 + c < t.cols) x = load_elem(t.param, t.dtype, (r0 + r) * t.param_ld + c0 + c);
                new_master[dst + e] = x;
            }
        }
    }
}

__global__ void dense_fill_kernel(DevTensor t, int64_t n, float* new_m, float* new_v, float* new_master) {
    for (int64_t i = (int64_t)blockIdx.x * blockDim.x + threadIdx.x; i < n; i += (int64_t)gridDim.x * blockDim.x) {
        if (new_m) new_m[i] = 0.0f;
        if (new_v) new_v[i] = 0.0f;
        if (new_master) new_master[i] = load_elem(t.param, t.dtype, i);
    }
}

DevTensor to_dev(const TensorEntry& t) {
    DevTensor d{};
    d.param = t.param;
    d.grad = t.grad;
    d.exp_avg = t.exp_avg;
    d.exp_avg_sq = t.exp_avg_sq;
    d.master = t.master;
    d.rows = t.rows;
    d.cols = t.cols;
    d.param_ld = t.param_ld;
    d.grad_ld = t.grad_ld;
    d.kind = t.kind;
    d.dtype = t.dtype;
    d.block_size = t.block_size;
    // 16-byte fp32 vectors (4 elements) or 8-byte bf16 vectors need every row start aligned.
    const int64_t align = t.dtype == DTN_FLOAT32 ? 16 : 8;
    const int64_t esz = element_bytes(t.dtype);
    d.vec_ok = ((uintptr_t)t.param % align == 0) && ((uintptr_t)t.grad % align == 0) && (t.param_ld % 4 == 0) &&
               (t.grad_ld % 4 == 0) && (t.master == nullptr || (uintptr_t)t.master % 16 == 0) && esz > 0;
    return d;
}

class CudaBackend final : public Backend {
public:
    explicit CudaBackend(int device) : device_(device) {
        int count = 0;
        check(cudaGetDeviceCount(&count), "cudaGetDeviceCount");
        if (device < 0 || device >= count)
            throw Error{DTN_ERR_INVALID_ARGUMENT, "CUDA device " + std::to_string(device) + " does not exist (" + std::to_string(count) + " visible)"};
        select();
        cudaDeviceProp prop{};
        check(cudaGetDeviceProperties(&prop, device), "cudaGetDeviceProperties");
        sm_count_ = prop.multiProcessorCount;
        check(cudaOccupancyMaxActiveBlocksPerMultiprocessor(&blocks_per_sm_, adamw_kernel, kThreads, 0), "occupancy query");
        blocks_per_sm_ = std::max(blocks_per_sm_, 1);
        check(cudaMalloc(&sum_, sizeof(double)), "cudaMalloc(norm)");
        // Pinned, so that reading the norm back is one direct copy rather than a staged one.
        const cudaError_t e = cudaMallocHost(reinterpret_cast<void**>(&readback_), sizeof(Readback));
        if (e != cudaSuccess) {
            cudaFree(sum_);
            check(e, "cudaMallocHost(norm readback)");
        }
    }
    ~CudaBackend() override {
        cudaSetDevice(device_);
        cudaFree(d_tensors_);
        cudaFree(d_tiles_);
        cudaFree(d_all_tiles_);
        cudaFree(d_accumulators_);
        cudaFree(sum_);
        cudaFreeHost(readback_);
    }

    float* alloc_floats(int64_t count) override {
        select();
        void* p = nullptr;
        const cudaError_t e = cudaMalloc(&p, (size_t)count * sizeof(float));
        if (e == cudaErrorMemoryAllocation) {
            cudaGetLastError();
            throw Error{DTN_ERR_OUT_OF_MEMORY, "out of GPU memory for optimizer state (" + std::to_string(count * 4) + " bytes)"};
        }
        check(e, "cudaMalloc(state)");
        return static_cast<float*>(p);
    }
    void free_floats(float* p) noexcept override {
        if (!p) return;
        cudaSetDevice(device_);
        cudaFree(p);
    }
    void copy_bytes(void* dst, const void* src, int64_t bytes) override {
        select();
        check(cudaMemcpy(dst, src, (size_t)bytes, cudaMemcpyDefault), "cudaMemcpy(state)");
    }
    void tables_changed() override { dirty_ = true; }
    int64_t table_bytes() const override {
        return (tile_capacity_ + all_tile_count_) * (int64_t)sizeof(Tile) + tensor_capacity_ * (int64_t)sizeof(DevTensor) +
               accumulator_capacity_ * (int64_t)sizeof(float*);
    }

    void fill_state(const TensorEntry& t, const std::vector<BlockSource>& sources, const float* old_m, const float* old_v,
                    const float* old_master, float* new_m, float* new_v, float* new_master) override {
        select();
        const DevTensor d = to_dev(t);
        if (t.kind == DTN_KIND_DENSE) {
            const int64_t n = t.rows * t.cols;
            const int blocks = (int)std::min<int64_t>((n + 255) / 256, (int64_t)sm_count_ * 8);
            dense_fill_kernel<<<std::max(blocks, 1), 256>>>(d, n, new_m, new_v, new_master);
        } else if (!sources.empty()) {
            BlockSource* d_src = nullptr;
            check(cudaMalloc(&d_src, sources.size() * sizeof(BlockSource)), "cudaMalloc(sources)");
            cudaError_t e = cudaMemcpy(d_src, sources.data(), sources.size() * sizeof(BlockSource), cudaMemcpyHostToDevice);
            if (e == cudaSuccess) {
                const int64_t warps_needed = (int64_t)sources.size();
                const int blocks = (int)std::min<int64_t>((warps_needed + kWarps - 1) / kWarps, (int64_t)sm_count_ * 16);
                fill_kernel<<<std::max(blocks, 1), kThreads>>>(d, d_src, (int64_t)sources.size(), old_m, old_v, old_master,
                                                              new_m, new_v, new_master);
                e = cudaGetLastError();
                if (e == cudaSuccess) e = cudaDeviceSynchronize();
            }
            cudaFree(d_src);
            check(e, "fill_kernel");
            return;
        }
        check(cudaGetLastError(), "dense_fill_kernel");
        check(cudaDeviceSynchronize(), "dense_fill_kernel");
    }

    void grad_norm(Plan& plan, float* out, bool every_element) override {
        select();
        if (dirty_) upload(plan);
        const Tile* tiles = d_tiles_;
        int64_t ntiles = (int64_t)plan.tiles.size();
        if (every_element) {
            tiles = all_tiles(plan);
            ntiles = all_tile_count_;
        }
        launch_norm(tiles, ntiles);
        sqrt_to_float_kernel<<<1, 1, 0, 0>>>(sum_, out);
        check(cudaGetLastError(), "sqrt_to_float_kernel launch");
    }

    void zero_grads(Plan& plan) override {
        select();
        if (dirty_) upload(plan);
        const Tile* tiles = all_tiles(plan);
        if (all_tile_count_ > 0) zero_grads_kernel<<<persistent_blocks(all_tile_count_), kThreads, 0, 0>>>(d_tensors_, tiles, all_tile_count_);
        check(cudaGetLastError(), "zero_grads_kernel launch");
    }

    void accumulate_squares(Plan& plan, float* const* accumulators, float keep, float weight) override {
        select();
        if (dirty_) upload(plan);
        const Tile* tiles = all_tiles(plan);
        // The accumulators (a run's Fisher buffers) stay where they are from step to step: their table is uploaded
        // (a synchronous copy) on the first call and when one moved, and read from device memory otherwise.
        const size_t n = plan.tensors.size();
        if (accumulators_.size() != n || !std::equal(accumulators, accumulators + n, accumulators_.begin())) {
            accumulators_.clear();  // until the new table is on the device
            ensure(d_accumulators_, accumulator_capacity_, (int64_t)n);
            check(cudaMemcpy(d_accumulators_, accumulators, n * sizeof(float*), cudaMemcpyHostToDevice), "upload accumulators");
            accumulators_.assign(accumulators, accumulators + n);
        }
        if (all_tile_count_ > 0)
            accumulate_squares_kernel<<<persistent_blocks(all_tile_count_), kThreads, 0, 0>>>(d_tensors_, d_accumulators_, tiles,
                                                                                           all_tile_count_, keep, weight);
        check(cudaGetLastError(), "accumulate_squares_kernel launch");
    }

    void step(Plan& plan, const dtn_step_args& args, dtn_step_result& result) override {
        select();
        if (dirty_) upload(plan);
        const int64_t ntiles = (int64_t)plan.tiles.size();
        const bool want_norm = args.max_grad_norm > 0 || args.compute_norm;
        StepScalars s{};
        s.adam = make_scalars(args.lr, args.beta1, args.beta2, args.eps, args.weight_decay, args.bias_correction1,
                              args.bias_correction2);
        s.max_norm = args.max_grad_norm;
        s.clip = 1.0f;
        s.stochastic = (plan.flags & DTN_FLAG_STOCHASTIC_ROUNDING) ? 1 : 0;
        s.seed = plan.seed;
        s.step = args.step;
        const float* given = want_norm ? args.grad_norm : nullptr;
        if (given) {
            // A caller's norm is read before the update is launched: the copy waits only for the work
            // that produced it (nothing, when the caller already read it itself), and the step then
            // returns without waiting for the update. A non-finite norm launches nothing.
            check(cudaMemcpyAsync(&readback_->given, given, sizeof(float), cudaMemcpyDeviceToHost, 0), "reading the gradient norm");
            check(cudaStreamSynchronize(0), "reading the gradient norm");
            result.grad_norm = (double)readback_->given;
            if (!std::isfinite(result.grad_norm)) {
                result.finite = 0;
                return;
            }
            if (args.max_grad_norm > 0) s.clip = (float)std::min(1.0, args.max_grad_norm / (result.grad_norm + 1e-6));
        }
        const bool own_norm = want_norm && !given;
        if (own_norm) launch_norm(d_tiles_, ntiles);
        if (ntiles > 0) adamw_kernel<<<persistent_blocks(ntiles), kThreads, 0, 0>>>(d_tensors_, d_tiles_, ntiles, s, own_norm ? sum_ : nullptr);
        check(cudaGetLastError(), "adamw_kernel launch");
        if (own_norm) {
            // The only wait of such a step: one copy into pinned memory after the update is queued,
            // so that the device never idles for it.
            check(cudaMemcpyAsync(&readback_->sum, sum_, sizeof(double), cudaMemcpyDeviceToHost, 0), "reading the gradient norm");
            check(cudaStreamSynchronize(0), "reading the gradient norm");
            result.grad_norm = std::sqrt(readback_->sum);
            if (!std::isfinite(result.grad_norm)) {
                result.finite = 0;
                return;
            }
        }
        result.applied = 1;
    }

private:
    void select() { check(cudaSetDevice(device_), "cudaSetDevice"); }

    // A persistent grid of as many blocks as fit on the device at once (one warp per tile, grid-stride beyond).
    int persistent_blocks(int64_t ntiles) const {
        return (int)std::max<int64_t>(1, std::min<int64_t>((ntiles + kWarps - 1) / kWarps, (int64_t)sm_count_ * blocks_per_sm_));
    }

    // Plan::every_element_tiles on the device. Shapes never change, so neither does this list: uploaded once, and
    // kept only once it is complete (a half-made list would sum nothing and report a norm of 0).
    const Tile* all_tiles(Plan& plan) {
        const std::vector<Tile>& all = plan.every_element_tiles();
        if (!d_all_tiles_ && !all.empty()) {
            Tile* uploaded = nullptr;
            check(cudaMalloc(&uploaded, all.size() * sizeof(Tile)), "cudaMalloc(tables)");
            const cudaError_t e = cudaMemcpy(uploaded, all.data(), all.size() * sizeof(Tile), cudaMemcpyHostToDevice);
            if (e != cudaSuccess) cudaFree(uploaded);
            check(e, "upload tiles");
            d_all_tiles_ = uploaded;
            all_tile_count_ = (int64_t)all.size();
        }
        return d_all_tiles_;
    }

    // Σg² over the tiles into sum_ (zeroed first), queued on the default stream.
    void launch_norm(const Tile* tiles, int64_t ntiles) {
        check(cudaMemsetAsync(sum_, 0, sizeof(double), 0), "cudaMemsetAsync(norm)");
        if (ntiles > 0) norm_kernel<<<persistent_blocks(ntiles), kThreads, 0, 0>>>(d_tensors_, tiles, ntiles, sum_);
        check(cudaGetLastError(), "norm_kernel launch");
    }

    void upload(Plan& plan) {
        std::vector<DevTensor> tensors;
        tensors.reserve(plan.tensors.size());
        for (const auto& t : plan.tensors) tensors.push_back(to_dev(t));
        ensure(d_tensors_, tensor_capacity_, (int64_t)tensors.size());
        ensure(d_tiles_, tile_capacity_, (int64_t)plan.tiles.size());
        if (!tensors.empty())
            check(cudaMemcpy(d_tensors_, tensors.data(), tensors.size() * sizeof(DevTensor), cudaMemcpyHostToDevice), "upload tensors");
        if (!plan.tiles.empty())
            check(cudaMemcpy(d_tiles_, plan.tiles.data(), plan.tiles.size() * sizeof(Tile), cudaMemcpyHostToDevice), "upload tiles");
        dirty_ = false;
    }

    template <typename T>
    void ensure(T*& ptr, int64_t& capacity, int64_t needed) {
        if (needed <= capacity && ptr) return;
        cudaFree(ptr);
        ptr = nullptr;
        capacity = 0;
        check(cudaMalloc(&ptr, (size_t)std::max<int64_t>(needed, 1) * sizeof(T)), "cudaMalloc(tables)");
        capacity = needed;
    }

    struct Readback {
        double sum;
        float given;
    };

    int device_;
    int sm_count_ = 0;
    int blocks_per_sm_ = 1;
    double* sum_ = nullptr;
    Readback* readback_ = nullptr;
    DevTensor* d_tensors_ = nullptr;
    Tile* d_tiles_ = nullptr;
    Tile* d_all_tiles_ = nullptr;  // Plan::every_element_tiles: the global norm, zeroing, squares
    float** d_accumulators_ = nullptr;
    std::vector<float*> accumulators_;  // what d_accumulators_ holds
    int64_t tensor_capacity_ = 0, tile_capacity_ = 0, all_tile_count_ = 0, accumulator_capacity_ = 0;
    bool dirty_ = true;
};

}  // namespace

std::unique_ptr<Backend> make_cuda_backend(int device_index) { return std::make_unique<CudaBackend>(device_index); }

int cuda_device_count() {
    int count = 0;
    if (cudaGetDeviceCount(&count) != cudaSuccess) {
        cudaGetLastError();
        return 0;
    }
    return count;
}

}  // namespace dtn
