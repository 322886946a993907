// CPU backend of Gemma's RMSNorm, and the reference the CUDA kernels are checked against.
// Forward, in fp32 as transformers' Gemma3RMSNorm: ms = mean(x²) (summed in double, rounded once),
// rstd = 1 / sqrt(ms + eps), y = (x·rstd)·(1 + w) rounded once to the dtype.
// Backward, with n = x·rstd and g = dy·(1 + w): dx = rstd·(g − n·mean(g·n)), dw = Σ_rows dy·n (both sums in double).
#include <cmath>
#include <vector>
#ifdef _OPENMP
#include <omp.h>
#endif

#include "../include/deltatui_native.h"
#include "adamw_math.hpp"
#include "elements.hpp"
#include "rmsnorm.hpp"

namespace dtn {
namespace {

template <typename T>
void forward(const NormRows& n, const T* x, const T* w, float eps, T* y, float* rstd) {
#pragma omp parallel for schedule(static)
    for (int64_t r = 0; r < n.rows; ++r) {
        const int64_t base = r * n.cols;
        double sum = 0.0;
        for (int64_t c = 0; c < n.cols; ++c) {
            const double v = load(x, base + c);
            sum += v * v;
        }
        const float s = 1.0f / std::sqrt((float)(sum / (double)n.cols) + eps);
        if (rstd) rstd[r] = s;
        for (int64_t c = 0; c < n.cols; ++c) store(y, base + c, (load(x, base + c) * s) * (1.0f + load(w, c)));
    }
}

template <typename T>
void backward(const NormRows& n, const T* x, const T* w, const float* rstd, const T* dy, T* dx, float* dweight) {
    // One partial weight gradient per thread, added in thread order afterwards: the same bits on every run
    // with the same thread count (an atomic or critical sum would add in arrival order).
    int threads = 1;
#ifdef _OPENMP
    threads = omp_get_max_threads();
#endif
    std::vector<std::vector<double>> partial((size_t)threads, std::vector<double>((size_t)n.cols, 0.0));
#pragma omp parallel num_threads(threads)
    {
        int me = 0;
#ifdef _OPENMP
        me = omp_get_thread_num();
#endif
        std::vector<double>& local = partial[(size_t)me];
#pragma omp for schedule(static)
        for (int64_t r = 0; r < n.rows; ++r) {
            const int64_t base = r * n.cols;
            const float s = rstd[r];
            double dot = 0.0;
            for (int64_t c = 0; c < n.cols; ++c) {
                const float normalized = load(x, base + c) * s;
                const float g = load(dy, base + c) * (1.0f + load(w, c));
                dot += (double)g * (double)normalized;
                local[(size_t)c] += (double)load(dy, base + c) * (double)normalized;
            }
            const float mean = (float)(dot / (double)n.cols);
            for (int64_t c = 0; c < n.cols; ++c) {
                const float normalized = load(x, base + c) * s;
                const float g = load(dy, base + c) * (1.0f + load(w, c));
                store(dx, base + c, s * (g - normalized * mean));
            }
        }
    }
    for (int64_t c = 0; c < n.cols; ++c) {
        double sum = 0.0;
        for (const auto& p : partial) sum += p[(size_t)c];
        dweight[c] = (float)sum;
    }
}

}  // namespace

void rmsnorm_cpu(const NormRows& n, const void* x, const void* weight, double eps, void* y, float* rstd) {
    if (n.dtype == DTN_BFLOAT16)
        forward(n, static_cast<const uint16_t*>(x), static_cast<const uint16_t*>(weight), (float)eps, static_cast<uint16_t*>(y), rstd);
    else
        forward(n, static_cast<const float*>(x), static_cast<const float*>(weight), (float)eps, static_cast<float*>(y), rstd);
}

void rmsnorm_backward_cpu(const NormRows& n, const void* x, const void* weight, const float* rstd, const void* dy, void* dx,
                          float* dweight) {
    if (n.dtype == DTN_BFLOAT16)
        backward(n, static_cast<const uint16_t*>(x), static_cast<const uint16_t*>(weight), rstd, static_cast<const uint16_t*>(dy),
                 static_cast<uint16_t*>(dx), dweight);
    else
        backward(n, static_cast<const float*>(x), static_cast<const float*>(weight), rstd, static_cast<const float*>(dy),
                 static_cast<float*>(dx), dweight);
}

}  // namespace dtn
