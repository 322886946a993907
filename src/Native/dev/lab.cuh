// Kernel lab harness for BSR-AdamW versions: each bsr_adamw_vN.cu defines the kernel and
// lab_launch(), includes this file, and becomes a standalone program that
//   1. measures device-to-device copy bandwidth (bytes read + written),
//   2. validates the kernel against a float64 CPU reference on shapes with partial edge
//      blocks: fresh random non-zero inputs, NaN-poisoned gradients in frozen blocks (which
//      must be neither read nor written), frozen weights bit-identical,
//   3. times one step over the Gemma-3-270M 2-D weights (127 tensors, 268M parameters) for
//      B in {16,32,64,128}, densities {1,.5,.25,.1,.05,.01}, fp32 and bf16 + fp32 master.
// Usage: ./bsr_adamw_vN [--quick] [--csv FILE]
#pragma once
#include <cuda_runtime.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "../src/adamw_math.hpp"
#include "lab_host.cuh"

struct LabTensor {
    void* param;
    const void* grad;
    float* m;
    float* v;
    float* master;  // bf16 only
    int64_t rows, cols, ld;
    int32_t b, bf16;
};
struct LabTile {
    int32_t tensor, br, bc, local;
};

// Provided by each version.
void lab_launch(const LabTensor* d_tensors, const LabTile* d_tiles, int64_t ntiles, dtn::AdamScalars s, int sm_count);
extern const char* kVersion;
extern const char* kNotes;

// Element-by-element update of one tile by `lanes` cooperating threads: the fallback every
// version uses for partial edge tiles. Optionally only the tile rows [first_row, first_row + row_count)
// (v5's work items are slabs of a tile).
__device__ __forceinline__ void lab_tile_scalar(const LabTensor& t, const LabTile& tile, const dtn::AdamScalars& s, int lane,
                                                int lanes, int64_t first_row = 0, int64_t row_count = 1LL << 40) {
    const int64_t b = t.b, r0 = tile.br * b, c0 = tile.bc * b;
    const int64_t nr = t.rows - r0 < b ? t.rows - r0 : b, nc = t.cols - c0 < b ? t.cols - c0 : b;
    if (first_row >= nr) return;  // rows below the weight's last row
    const int64_t snr = nr - first_row < row_count ? nr - first_row : row_count;
    float* m = t.m + (int64_t)tile.local * b * b;
    float* v = t.v + (int64_t)tile.local * b * b;
    for (int64_t e = lane; e < snr * nc; e += lanes) {
        const int64_t r = first_row + e / nc, c = e % nc, pi = (r0 + r) * t.ld + c0 + c, si = r * b + c;
        if (!t.bf16) {
            float* p = (float*)t.param;
            p[pi] = dtn::adamw_element(p[pi], ((const float*)t.grad)[pi], m[si], v[si], s);
        } else {
            float* ms = t.master + (int64_t)tile.local * b * b;
            const float g = dtn::bf16_bits_to_float(((const uint16_t*)t.grad)[pi]);
            ms[si] = dtn::adamw_element(ms[si], g, m[si], v[si], s);
            ((uint16_t*)t.param)[pi] = dtn::float_to_bf16_rne(ms[si]);
        }
    }
}

namespace lab {

struct Shape {
    int64_t rows, cols;
};

inline std::vector<Shape> gemma270m() {
    std::vector<Shape> s{{262144, 640}};
    for (int l = 0; l < 18; ++l) {
        s.push_back({1024, 640});  // q
        s.push_back({256, 640});   // k
        s.push_back({256, 640});   // v
        s.push_back({640, 1024});  // o
        s.push_back({2048, 640});  // gate
        s.push_back({2048, 640});  // up
        s.push_back({640, 2048});  // down
    }
    return s;
}

__global__ void fill_uniform(float* p, int64_t n, uint64_t seed, float lo, float hi) {
    for (int64_t i = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; i < n; i += (int64_t)gridDim.x * blockDim.x) {
        const float u = (dtn::hash_bits(seed, 0, 0, (uint64_t)i) >> 8) * (1.0f / 16777216.0f);
        p[i] = lo + (hi - lo) * u;
    }
}
__global__ void fill_uniform_bf16(uint16_t* p, int64_t n, uint64_t seed, float lo, float hi) {
    for (int64_t i = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; i < n; i += (int64_t)gridDim.x * blockDim.x) {
        const float u = (dtn::hash_bits(seed, 0, 0, (uint64_t)i) >> 8) * (1.0f / 16777216.0f);
        p[i] = dtn::float_to_bf16_rne(lo + (hi - lo) * u);
    }
}

inline void fill(float* p, int64_t n, uint64_t seed, float lo, float hi) {
    if (n > 0) fill_uniform<<<1024, 256>>>(p, n, seed, lo, hi);
    CK(cudaGetLastError());
}
inline void fill_bf16(uint16_t* p, int64_t n, uint64_t seed, float lo, float hi) {
    if (n > 0) fill_uniform_bf16<<<1024, 256>>>(p, n, seed, lo, hi);
    CK(cudaGetLastError());
}

// Exactly round(density x blocks) random active blocks (at least one), as (br, bc) sorted row-major.
inline std::vector<std::pair<int32_t, int32_t>> random_blocks(int64_t rows, int64_t cols, int b, double density, std::mt19937_64& rng) {
    const int64_t nbr = (rows + b - 1) / b, nbc = (cols + b - 1) / b, total = nbr * nbc;
    int64_t k = std::max<int64_t>(1, (int64_t)std::llround(density * total));
    std::vector<int64_t> ids;
    if (k >= total) {
        ids.resize(total);
        for (int64_t i = 0; i < total; ++i) ids[i] = i;
    } else {
        // Floyd's sampling keeps this O(k) for the 16x16 embedding (655k blocks).
        std::vector<char> taken(total, 0);
        for (int64_t j = total - k; j < total; ++j) {
            int64_t t = std::uniform_int_distribution<int64_t>(0, j)(rng);
            if (taken[t]) t = j;
            taken[t] = 1;
        }
        for (int64_t i = 0; i < total; ++i)
            if (taken[i]) ids.push_back(i);
    }
    std::vector<std::pair<int32_t, int32_t>> out;
    out.reserve(ids.size());
    for (int64_t id : ids) out.push_back({(int32_t)(id / nbc), (int32_t)(id % nbc)});
    return out;
}

struct Problem {
    bool bf16;
    int b;
    std::vector<Shape> shapes;
    std::vector<std::vector<std::pair<int32_t, int32_t>>> blocks;
    std::vector<LabTensor> tensors;  // device pointers
    std::vector<LabTile> tiles;
    LabTensor* d_tensors = nullptr;
    LabTile* d_tiles = nullptr;
    int64_t active_elements = 0;
    int64_t state_bytes = 0;

    void upload() {
        CK(cudaMalloc(&d_tensors, tensors.size() * sizeof(LabTensor)));
        CK(cudaMemcpy(d_tensors, tensors.data(), tensors.size() * sizeof(LabTensor), cudaMemcpyHostToDevice));
        CK(cudaMalloc(&d_tiles, std::max<size_t>(1, tiles.size()) * sizeof(LabTile)));
        if (!tiles.empty()) CK(cudaMemcpy(d_tiles, tiles.data(), tiles.size() * sizeof(LabTile), cudaMemcpyHostToDevice));
    }
    void free_state() {
        for (auto& t : tensors) {
            cudaFree(t.m);
            cudaFree(t.v);
            cudaFree(t.master);
        }
        cudaFree(d_tensors);
        cudaFree(d_tiles);
    }
};

// Builds state and tables for given weights/grad buffers (one per shape, device memory).
inline Problem make_problem(bool bf16, int b, double density, const std::vector<Shape>& shapes, const std::vector<void*>& params,
                            const std::vector<void*>& grads, std::mt19937_64& rng, uint64_t seed) {
    Problem pr;
    pr.bf16 = bf16;
    pr.b = b;
    pr.shapes = shapes;
    for (size_t i = 0; i < shapes.size(); ++i) {
        auto blocks = random_blocks(shapes[i].rows, shapes[i].cols, b, density, rng);
        LabTensor t{};
        t.param = params[i];
        t.grad = grads[i];
        t.rows = shapes[i].rows;
        t.cols = shapes[i].cols;
        t.ld = shapes[i].cols;
        t.b = b;
        t.bf16 = bf16 ? 1 : 0;
        const int64_t n = (int64_t)blocks.size() * b * b;
        CK(cudaMalloc(&t.m, std::max<int64_t>(n, 1) * 4));
        CK(cudaMalloc(&t.v, std::max<int64_t>(n, 1) * 4));
        fill(t.m, n, seed + 3 * i, -1e-3f, 1e-3f);
        fill(t.v, n, seed + 3 * i + 1, 1e-8f, 1e-6f);
        pr.state_bytes += 2 * n * 4;
        if (bf16) {
            CK(cudaMalloc(&t.master, std::max<int64_t>(n, 1) * 4));
            fill(t.master, n, seed + 3 * i + 2, -1.f, 1.f);
            pr.state_bytes += n * 4;
        }
        for (size_t k = 0; k < blocks.size(); ++k) {
            pr.tiles.push_back({(int32_t)i, blocks[k].first, blocks[k].second, (int32_t)k});
            const int64_t nr = std::min<int64_t>(b, t.rows - (int64_t)blocks[k].first * b);
            const int64_t nc = std::min<int64_t>(b, t.cols - (int64_t)blocks[k].second * b);
            pr.active_elements += nr * nc;
        }
        pr.blocks.push_back(std::move(blocks));
        pr.tensors.push_back(t);
    }
    pr.upload();
    return pr;
}

inline dtn::AdamScalars scalars(int step) {
    return dtn::make_scalars(1e-3, 0.9, 0.999, 1e-8, 0.01, 1 - std::pow(0.9, step), 1 - std::pow(0.999, step));
}

inline double copy_bandwidth() {
    const size_t bytes = (size_t)1 << 30;
    void *a, *b;
    CK(cudaMalloc(&a, bytes));
    CK(cudaMalloc(&b, bytes));
    fill((float*)a, bytes / 4, 7, -1, 1);
    cudaEvent_t e0, e1;
    CK(cudaEventCreate(&e0));
    CK(cudaEventCreate(&e1));
    std::vector<float> ms;
    for (int i = 0; i < 23; ++i) {
        CK(cudaEventRecord(e0));
        CK(cudaMemcpyAsync(b, a, bytes, cudaMemcpyDeviceToDevice));
        CK(cudaEventRecord(e1));
        CK(cudaEventSynchronize(e1));
        float t;
        CK(cudaEventElapsedTime(&t, e0, e1));
        if (i >= 3) ms.push_back(t);
    }
    std::sort(ms.begin(), ms.end());
    cudaFree(a);
    cudaFree(b);
    return 2.0 * bytes / (ms[ms.size() / 2] * 1e-3) / 1e9;  // GB/s, read + write
}

// ---- validation ---------------------------------------------------------------------------
inline double rel(const std::vector<double>& out, const std::vector<double>& ref) {
    double d = 0, r = 0;
    for (size_t i = 0; i < out.size(); ++i) {
        d += (out[i] - ref[i]) * (out[i] - ref[i]);
        r += ref[i] * ref[i];
    }
    return std::isfinite(d) ? std::sqrt(d / std::max(r, 1e-300)) : INFINITY;
}

inline bool validate(int sm_count, uint64_t seed) {
    const std::vector<Shape> shapes{{1000, 640}, {256, 650}, {77, 33}, {130, 257}};
    bool ok = true;
    for (int bf16 = 0; bf16 <= 1; ++bf16) {
        for (int b : {16, 32, 64, 128}) {
            std::mt19937_64 rng(seed + b + 1000 * bf16);
            const size_t esz = bf16 ? 2 : 4;
            std::vector<void*> params, grads;
            std::vector<std::vector<uint8_t>> host_p, host_g;
            for (size_t i = 0; i < shapes.size(); ++i) {
                const int64_t n = shapes[i].rows * shapes[i].cols;
                void *p, *g;
                CK(cudaMalloc(&p, n * esz));
                CK(cudaMalloc(&g, n * esz));
                if (bf16) {
                    fill_bf16((uint16_t*)p, n, seed + 11 * i + b, -1, 1);
                    fill_bf16((uint16_t*)g, n, seed + 11 * i + b + 5, -2, 2);
                } else {
                    fill((float*)p, n, seed + 11 * i + b, -1, 1);
                    fill((float*)g, n, seed + 11 * i + b + 5, -2, 2);
                }
                params.push_back(p);
                grads.push_back(g);
            }
            Problem pr = make_problem(bf16, b, 0.3, shapes, params, grads, rng, seed + b);
            // Poison the gradients of frozen blocks: a kernel that reads them produces NaN.
            for (size_t i = 0; i < shapes.size(); ++i) {
                const int64_t n = shapes[i].rows * shapes[i].cols;
                std::vector<uint8_t> g(n * esz);
                CK(cudaMemcpy(g.data(), grads[i], n * esz, cudaMemcpyDeviceToHost));
                const int64_t nbc = (shapes[i].cols + b - 1) / b;
                std::vector<char> active(((shapes[i].rows + b - 1) / b) * nbc, 0);
                for (auto& bl : pr.blocks[i]) active[bl.first * nbc + bl.second] = 1;
                for (int64_t r = 0; r < shapes[i].rows; ++r)
                    for (int64_t c = 0; c < shapes[i].cols; ++c)
                        if (!active[(r / b) * nbc + c / b]) {
                            if (bf16) ((uint16_t*)g.data())[r * shapes[i].cols + c] = 0x7fc0;
                            else ((float*)g.data())[r * shapes[i].cols + c] = NAN;
                        }
                CK(cudaMemcpy(grads[i], g.data(), n * esz, cudaMemcpyHostToDevice));
                host_g.push_back(g);
                std::vector<uint8_t> p(n * esz);
                CK(cudaMemcpy(p.data(), params[i], n * esz, cudaMemcpyDeviceToHost));
                host_p.push_back(p);
            }
            // Host copies of the state before the step.
            std::vector<std::vector<float>> m0, v0, w0;
            for (auto& t : pr.tensors) {
                const int64_t n = (int64_t)pr.blocks[&t - pr.tensors.data()].size() * b * b;
                std::vector<float> m(n), v(n), w(bf16 ? n : 0);
                if (n) {
                    CK(cudaMemcpy(m.data(), t.m, n * 4, cudaMemcpyDeviceToHost));
                    CK(cudaMemcpy(v.data(), t.v, n * 4, cudaMemcpyDeviceToHost));
                    if (bf16) CK(cudaMemcpy(w.data(), t.master, n * 4, cudaMemcpyDeviceToHost));
                }
                m0.push_back(m);
                v0.push_back(v);
                w0.push_back(w);
            }
            const auto s = scalars(3);
            lab_launch(pr.d_tensors, pr.d_tiles, (int64_t)pr.tiles.size(), s, sm_count);
            CK(cudaGetLastError());
            CK(cudaDeviceSynchronize());
            // float64 reference
            std::vector<double> out_w, ref_w, out_m, ref_m, out_v, ref_v;
            bool frozen_ok = true, rounding_ok = true;
            const double b1 = 0.9, b2 = 0.999, lr = 1e-3, wd = 0.01, bc1 = 1 - std::pow(b1, 3), bc2 = 1 - std::pow(b2, 3);
            for (size_t i = 0; i < shapes.size(); ++i) {
                const auto& t = pr.tensors[i];
                const int64_t n = shapes[i].rows * shapes[i].cols, sn = (int64_t)pr.blocks[i].size() * b * b;
                std::vector<uint8_t> p(n * esz);
                CK(cudaMemcpy(p.data(), params[i], n * esz, cudaMemcpyDeviceToHost));
                std::vector<float> m(sn), v(sn), w(bf16 ? sn : 0);
                if (sn) {
                    CK(cudaMemcpy(m.data(), t.m, sn * 4, cudaMemcpyDeviceToHost));
                    CK(cudaMemcpy(v.data(), t.v, sn * 4, cudaMemcpyDeviceToHost));
                    if (bf16) CK(cudaMemcpy(w.data(), t.master, sn * 4, cudaMemcpyDeviceToHost));
                }
                const int64_t nbc = (shapes[i].cols + b - 1) / b;
                std::vector<int64_t> local(((shapes[i].rows + b - 1) / b) * nbc, -1);
                for (size_t k = 0; k < pr.blocks[i].size(); ++k) local[pr.blocks[i][k].first * nbc + pr.blocks[i][k].second] = (int64_t)k;
                for (int64_t r = 0; r < shapes[i].rows; ++r)
                    for (int64_t c = 0; c < shapes[i].cols; ++c) {
                        const int64_t e = r * shapes[i].cols + c, k = local[(r / b) * nbc + c / b];
                        if (k < 0) {
                            frozen_ok &= std::memcmp(&p[e * esz], &host_p[i][e * esz], esz) == 0;
                            continue;
                        }
                        const int64_t si = k * b * b + (r % b) * b + (c % b);
                        const double g = bf16 ? dtn::bf16_bits_to_float(((uint16_t*)host_g[i].data())[e]) : ((float*)host_g[i].data())[e];
                        const double w_in = bf16 ? w0[i][si] : ((float*)host_p[i].data())[e];
                        const double mm = b1 * m0[i][si] + (1 - b1) * g, vv = b2 * v0[i][si] + (1 - b2) * g * g;
                        const double w_out = w_in * (1 - lr * wd) - (lr / bc1) * mm / (std::sqrt(vv) / std::sqrt(bc2) + 1e-8);
                        ref_m.push_back(mm);
                        ref_v.push_back(vv);
                        ref_w.push_back(w_out);
                        out_m.push_back(m[si]);
                        out_v.push_back(v[si]);
                        if (bf16) {
                            out_w.push_back(w[si]);
                            rounding_ok &= ((uint16_t*)p.data())[e] == dtn::float_to_bf16_rne(w[si]);
                        } else {
                            out_w.push_back(((float*)p.data())[e]);
                        }
                    }
            }
            const double ew = rel(out_w, ref_w), em = rel(out_m, ref_m), ev = rel(out_v, ref_v);
            const bool pass = ew <= 1e-5 && em <= 1e-5 && ev <= 1e-5 && frozen_ok && rounding_ok;
            printf("validate %-4s B=%-3d weights %.2e exp_avg %.2e exp_avg_sq %.2e frozen %s rounding %s -> %s\n", bf16 ? "bf16" : "fp32", b,
                   ew, em, ev, frozen_ok ? "untouched" : "CHANGED", rounding_ok ? "ok" : "WRONG", pass ? "PASS" : "FAIL");
            ok &= pass;
            pr.free_state();
            for (auto p : params) cudaFree(p);
            for (auto g : grads) cudaFree(g);
        }
    }
    return ok;
}

inline int run(int argc, char** argv) {
    bool quick = false;
    const char* csv = nullptr;
    for (int i = 1; i < argc; ++i) {
        if (!strcmp(argv[i], "--quick")) quick = true;
        if (!strcmp(argv[i], "--csv") && i + 1 < argc) csv = argv[++i];
    }
    int dev = 0;
    CK(cudaSetDevice(dev));
    cudaDeviceProp prop{};
    CK(cudaGetDeviceProperties(&prop, dev));
    printf("%s on %s (%d SMs)\n%s\n", kVersion, prop.name, prop.multiProcessorCount, kNotes);
    const double copy_gbs = copy_bandwidth();
    printf("device-to-device copy: %.0f GB/s (read + write)\n", copy_gbs);
    const bool valid = validate(prop.multiProcessorCount, 12345);
    FILE* out = csv ? fopen(csv, "a") : nullptr;

    const auto shapes = gemma270m();
    int64_t total = 0;
    for (auto& s : shapes) total += s.rows * s.cols;
    printf("bench: %zu tensors, %lld parameters\n", shapes.size(), (long long)total);
    printf("%-4s %-4s %-7s %9s %9s %7s %12s\n", "dtype", "B", "density", "ms/step", "GB/s", "%copy", "state/dense");
    for (int bf16 = 0; bf16 <= 1; ++bf16) {
        const size_t esz = bf16 ? 2 : 4;
        std::vector<void*> params, grads;
        for (size_t i = 0; i < shapes.size(); ++i) {
            const int64_t n = shapes[i].rows * shapes[i].cols;
            void *p, *g;
            CK(cudaMalloc(&p, n * esz));
            CK(cudaMalloc(&g, n * esz));
            if (bf16) {
                fill_bf16((uint16_t*)p, n, 100 + i, -1, 1);
                fill_bf16((uint16_t*)g, n, 200 + i, -1e-2f, 1e-2f);
            } else {
                fill((float*)p, n, 100 + i, -1, 1);
                fill((float*)g, n, 200 + i, -1e-2f, 1e-2f);
            }
            params.push_back(p);
            grads.push_back(g);
        }
        const int64_t dense_state = total * 4 * (bf16 ? 3 : 2);
        for (int b : {16, 32, 64, 128}) {
            for (double density : {1.0, 0.5, 0.25, 0.1, 0.05, 0.01}) {
                if (quick && !(b == 32 && (density == 1.0 || density == 0.1))) continue;
                std::mt19937_64 rng(b * 7919 + (int)(density * 1000));
                Problem pr = make_problem(bf16, b, density, shapes, params, grads, rng, 999 + b);
                cudaEvent_t e0, e1;
                CK(cudaEventCreate(&e0));
                CK(cudaEventCreate(&e1));
                std::vector<float> ms;
                for (int it = 0; it < 25; ++it) {
                    const auto s = scalars(it + 1);
                    CK(cudaEventRecord(e0));
                    lab_launch(pr.d_tensors, pr.d_tiles, (int64_t)pr.tiles.size(), s, prop.multiProcessorCount);
                    CK(cudaEventRecord(e1));
                    CK(cudaEventSynchronize(e1));
                    CK(cudaGetLastError());
                    float t;
                    CK(cudaEventElapsedTime(&t, e0, e1));
                    if (it >= 5) ms.push_back(t);
                }
                std::sort(ms.begin(), ms.end());
                const double med = ms[ms.size() / 2];
                // 28 bytes per active element (fp32: read p g m v, write p m v; bf16+master: read g(2) master m v, write p(2) master m v),
                // plus the tile table.
                const double bytes = 28.0 * pr.active_elements + 16.0 * pr.tiles.size();
                const double gbs = bytes / (med * 1e-3) / 1e9;
                printf("%-5s %-4d %-7.2f %9.3f %9.0f %6.1f%% %11.3f\n", bf16 ? "bf16" : "fp32", b, density, med, gbs, 100 * gbs / copy_gbs,
                       (double)pr.state_bytes / dense_state);
                if (out)
                    fprintf(out, "%s,%s,%s,%d,%.2f,%.4f,%.1f,%.1f,%.4f\n", kVersion, prop.name, bf16 ? "bf16" : "fp32", b, density, med, gbs, copy_gbs,
                            (double)pr.state_bytes / dense_state);
                cudaEventDestroy(e0);
                cudaEventDestroy(e1);
                pr.free_state();
            }
        }
        for (auto p : params) cudaFree(p);
        for (auto g : grads) cudaFree(g);
    }
    if (out) fclose(out);
    printf("validation: %s\n", valid ? "PASS" : "FAIL");
    return valid ? 0 : 1;
}

}  // namespace lab

int main(int argc, char** argv) { return lab::run(argc, argv); }
