// CPU backend: OpenMP over tiles, inner loops over contiguous block rows that the compiler vectorises.
#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <new>

#include "elements.hpp"
#include "plan.hpp"

namespace dtn {
namespace {

struct TileView {
    int64_t r0, c0, nr, nc;  // first row/col and extent of the valid part
    int64_t state_offset;    // first state element of the tile
    int64_t state_ld;        // state elements between rows (B for blocks)
};

inline TileView view_of(const TensorEntry& t, const Tile& tile) {
    TileView v;
    if (t.kind == DTN_KIND_BLOCKED && tile.block_row != kFlatChunk) {
        const int64_t b = t.block_size;
        v.r0 = (int64_t)tile.block_row * b;
        v.c0 = (int64_t)tile.block_col * b;
        v.nr = std::min<int64_t>(b, t.rows - v.r0);
        v.nc = std::min<int64_t>(b, t.cols - v.c0);
        v.state_offset = (int64_t)tile.local * b * b;
        v.state_ld = b;
    } else {
        // A dense chunk is one "row" of up to kDenseChunk contiguous elements.
        const int64_t n = t.rows * t.cols;
        v.r0 = 0;
        v.c0 = (int64_t)tile.local * kDenseChunk;
        v.nr = 1;
        v.nc = std::min<int64_t>(kDenseChunk, n - v.c0);
        v.state_offset = v.c0;
        v.state_ld = 0;
    }
    return v;
}

inline float load(const void* base, int32_t dtype, int64_t i) {
    return dtype == DTN_FLOAT32 ? static_cast<const float*>(base)[i]
                                : bf16_bits_to_float(static_cast<const uint16_t*>(base)[i]);
}

class CpuBackend final : public Backend {
public:
    float* alloc_floats(int64_t count) override {
        void* p = nullptr;
        if (posix_memalign(&p, 64, (size_t)count * sizeof(float)) != 0) throw Error{DTN_ERR_OUT_OF_MEMORY, "out of host memory for optimizer state"};
        return static_cast<float*>(p);
    }
    void free_floats(float* p) noexcept override { std::free(p); }
    void copy_bytes(void* dst, const void* src, int64_t bytes) override { std::memcpy(dst, src, (size_t)bytes); }
    void tables_changed() override {}
    int64_t table_bytes() const override { return 0; }

    void fill_state(const TensorEntry& t, const std::vector<BlockSource>& sources, const float* old_m,
                    const float* old_v, const float* old_master, float* new_m, float* new_v, float* new_master) override {
        if (t.kind == DTN_KIND_DENSE) {
            const int64_t n = t.rows * t.cols;
            if (new_m) std::memset(new_m, 0, (size_t)n * 4);
            if (new_v) std::memset(new_v, 0, (size_t)n * 4);
            if (new_master)
                for (int64_t i = 0; i < n; ++i) new_master[i] = load(t.param, t.dtype, i);
            return;
        }
        const int64_t b = t.block_size, bb = b * b;
        const int64_t count = (int64_t)sources.size();
#pragma omp parallel for schedule(static)
        for (int64_t k = 0; k < count; ++k) {
            const BlockSource& s = sources[(size_t)k];
            const int64_t dst = k * bb;
            if (s.old_local >= 0) {
                const int64_t src = (int64_t)s.old_local * bb;
                if (new_m) std::memcpy(new_m + dst, old_m + src, (size_t)bb * 4);
                if (new_v) std::memcpy(new_v + dst, old_v + src, (size_t)bb * 4);
                if (new_master && old_master) {
                    std::memcpy(new_master + dst, old_master + src, (size_t)bb * 4);
                    continue;
                }
            } else {
                if (new_m) std::memset(new_m + dst, 0, (size_t)bb * 4);
                if (new_v) std::memset(new_v + dst, 0, (size_t)bb * 4);
            }
            if (!new_master) continue;
            std::memset(new_master + dst, 0, (size_t)bb * 4);
            const int64_t r0 = (int64_t)s.block_row * b, c0 = (int64_t)s.block_col * b;
            const int64_t nr = std::min<int64_t>(b, t.rows - r0), nc = std::min<int64_t>(b, t.cols - c0);
            for (int64_t r = 0; r < nr; ++r)
                for (int64_t c = 0; c < nc; ++c) new_master[dst + r * b + c] = load(t.param, t.dtype, (r0 + r) * t.param_ld + c0 + c);
        }
    }

    void step(Plan& plan, const dtn_step_args& args, dtn_step_result& result) override {
        const int64_t ntiles = (int64_t)plan.tiles.size();
        float clip = 1.0f;
        const bool clipping = args.max_grad_norm > 0;
        if ((clipping || args.compute_norm) && args.grad_norm) {
            // The caller's norm (host memory for a CPU plan) replaces the norm pass.
            const double norm = (double)*args.grad_norm;
            result.grad_norm = norm;
            if (!std::isfinite(norm)) {
                result.finite = 0;
                return;
            }
            if (clipping) clip = (float)std::min(1.0, args.max_grad_norm / (norm + 1e-6));
        } else if (clipping || args.compute_norm) {
            const double sum = sum_of_squares(plan, plan.tiles);
            const double norm = std::sqrt(sum);
            result.grad_norm = norm;
            if (!std::isfinite(norm)) {
                result.finite = 0;
                return;
            }
            if (clipping) clip = (float)std::min(1.0, args.max_grad_norm / (norm + 1e-6));
        }
        const AdamScalars s = make_scalars(args.lr, args.beta1, args.beta2, args.eps, args.weight_decay,
                                           args.bias_correction1, args.bias_correction2);
        const bool stochastic = (plan.flags & DTN_FLAG_STOCHASTIC_ROUNDING) != 0;
        const bool scale = clip != 1.0f;
#pragma omp parallel for schedule(dynamic, 8)
        for (int64_t i = 0; i < ntiles; ++i) {
            const Tile& tile = plan.tiles[(size_t)i];
            const TensorEntry& t = plan.tensors[(size_t)tile.tensor];
            const TileView v = view_of(t, tile);
            for (int64_t r = 0; r < v.nr; ++r) {
                const int64_t p0 = (v.r0 + r) * t.param_ld + v.c0;
                const int64_t g0 = (v.r0 + r) * t.grad_ld + v.c0;
                const int64_t s0 = v.state_offset + r * v.state_ld;
                float* m = t.exp_avg + s0;
                float* vv = t.exp_avg_sq + s0;
                if (t.dtype == DTN_FLOAT32) {
                    float* p = static_cast<float*>(t.param) + p0;
                    const float* g = static_cast<const float*>(t.grad) + g0;
#pragma omp simd
                    for (int64_t c = 0; c < v.nc; ++c) {
                        const float gc = scale ? g[c] * clip : g[c];
                        p[c] = adamw_element(p[c], gc, m[c], vv[c], s);
                    }
                } else {
                    uint16_t* p = static_cast<uint16_t*>(t.param) + p0;
                    const uint16_t* g = static_cast<const uint16_t*>(t.grad) + g0;
                    float* master = t.master + s0;
                    for (int64_t c = 0; c < v.nc; ++c) {
                        const float gf = bf16_bits_to_float(g[c]);
                        const float gc = scale ? gf * clip : gf;
                        master[c] = adamw_element(master[c], gc, m[c], vv[c], s);
                    }
                    if (stochastic) {
                        for (int64_t c = 0; c < v.nc; ++c)
                            p[c] = float_to_bf16_stochastic(master[c], hash_bits(plan.seed, args.step, (uint64_t)tile.tensor,
                                                                                 (uint64_t)(p0 + c)));
                    } else {
#pragma omp simd
                        for (int64_t c = 0; c < v.nc; ++c) p[c] = float_to_bf16_rne(master[c]);
                    }
                }
            }
        }
        result.applied = 1;
    }

    void grad_norm(Plan& plan, float* out, bool every_element) override {
        *out = (float)std::sqrt(sum_of_squares(plan, every_element ? plan.every_element_tiles() : plan.tiles));
    }

    void zero_grads(Plan& plan) override {
        const std::vector<Tile>& tiles = plan.every_element_tiles();
        const int64_t ntiles = (int64_t)tiles.size();
#pragma omp parallel for schedule(dynamic, 8)
        for (int64_t i = 0; i < ntiles; ++i) {
            const Tile& tile = tiles[(size_t)i];
            const TensorEntry& t = plan.tensors[(size_t)tile.tensor];
            const TileView v = view_of(t, tile);
            const int64_t esz = element_bytes(t.dtype);
            char* g = static_cast<char*>(const_cast<void*>(t.grad));
            for (int64_t r = 0; r < v.nr; ++r) std::memset(g + ((v.r0 + r) * t.grad_ld + v.c0) * esz, 0, (size_t)(v.nc * esz));
        }
    }

    void accumulate_squares(Plan& plan, float* const* accumulators, float keep, float weight) override {
        const std::vector<Tile>& tiles = plan.every_element_tiles();
        const int64_t ntiles = (int64_t)tiles.size();
#pragma omp parallel for schedule(dynamic, 8)
        for (int64_t i = 0; i < ntiles; ++i) {
            const Tile& tile = tiles[(size_t)i];
            float* acc = accumulators[tile.tensor];
            if (!acc) continue;
            const TensorEntry& t = plan.tensors[(size_t)tile.tensor];
            const TileView v = view_of(t, tile);
            for (int64_t r = 0; r < v.nr; ++r) {
                float* a = acc + (v.r0 + r) * t.cols + v.c0;
                const int64_t g0 = (v.r0 + r) * t.grad_ld + v.c0;
                for (int64_t c = 0; c < v.nc; ++c) {
                    const float x = load(t.grad, t.dtype, g0 + c);
                    a[c] = square_step(a[c], x, keep, weight);
                }
            }
        }
    }

private:
    // Σ g² over the tiles in double (NaN and Inf propagate).
    static double sum_of_squares(const Plan& plan, const std::vector<Tile>& tiles) {
        const int64_t ntiles = (int64_t)tiles.size();
        double sum = 0.0;
#pragma omp parallel for schedule(dynamic, 8) reduction(+ : sum)
        for (int64_t i = 0; i < ntiles; ++i) {
            const Tile& tile = tiles[(size_t)i];
            const TensorEntry& t = plan.tensors[(size_t)tile.tensor];
            const TileView v = view_of(t, tile);
            double local = 0.0;
            for (int64_t r = 0; r < v.nr; ++r) {
                const int64_t g0 = (v.r0 + r) * t.grad_ld + v.c0;
                if (t.dtype == DTN_FLOAT32) {
                    const float* g = static_cast<const float*>(t.grad) + g0;
#pragma omp simd reduction(+ : local)
                    for (int64_t c = 0; c < v.nc; ++c) local += (double)g[c] * (double)g[c];
                } else {
                    const uint16_t* g = static_cast<const uint16_t*>(t.grad) + g0;
#pragma omp simd reduction(+ : local)
                    for (int64_t c = 0; c < v.nc; ++c) {
                        const double x = bf16_bits_to_float(g[c]);
                        local += x * x;
                    }
                }
            }
            sum += local;
        }
        return sum;
    }
};

}  // namespace

std::unique_ptr<Backend> make_cpu_backend() { return std::make_unique<CpuBackend>(); }

}  // namespace dtn
