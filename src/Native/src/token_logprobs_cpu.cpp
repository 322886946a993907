// CPU backend of the token log-probabilities, and the reference the CUDA kernels are checked against:
// lse = max + log Σ exp(x − max) with a double sum; gradient w·(onehot − exp(x − lse)) rounded once.
#include <cmath>
#include <limits>

#include "../include/deltatui_native.h"
#include "adamw_math.hpp"
#include "elements.hpp"
#include "token_logprobs.hpp"

namespace dtn {
namespace {

template <typename T>
void forward(const TokenRows& r, float* out_logprob, float* out_lse) {
    const T* base = static_cast<const T*>(r.logits);
#pragma omp parallel for schedule(static)
    for (int64_t row = 0; row < r.rows; ++row) {
        const T* x = base + row * r.ld;
        float m = -std::numeric_limits<float>::infinity();
        bool nan = false;
        for (int64_t v = 0; v < r.vocab; ++v) {
            const float xv = load(x, v);
            nan |= std::isnan(xv);
            m = xv > m ? xv : m;
        }
        float lse;
        if (nan) {
            lse = std::numeric_limits<float>::quiet_NaN();
        } else if (std::isinf(m)) {
            lse = m;  // all −inf, or a +inf logit
        } else {
            double s = 0;
            for (int64_t v = 0; v < r.vocab; ++v) s += std::exp((double)(load(x, v) - m));
            lse = m + (float)std::log(s);
        }
        const int64_t t = r.targets[row];
        out_lse[row] = lse;
        out_logprob[row] = (t >= 0 && t < r.vocab) ? load(x, t) - lse : std::numeric_limits<float>::quiet_NaN();
    }
}

template <typename T>
void backward(const TokenRows& r, const float* lse, const float* weight) {
    T* base = static_cast<T*>(r.logits);
#pragma omp parallel for schedule(static)
    for (int64_t row = 0; row < r.rows; ++row) {
        T* x = base + row * r.ld;
        const float w = weight[row], l = lse[row];
        const int64_t t = r.targets[row];
        for (int64_t v = 0; v < r.vocab; ++v) {
            const float g = w == 0.0f ? 0.0f : (v == t ? w : 0.0f) - w * std::exp(load(x, v) - l);
            store(x, v, g);
        }
    }
}

}  // namespace

void token_logprobs_cpu(const TokenRows& r, float* out_logprob, float* out_lse) {
    if (r.dtype == DTN_BFLOAT16) forward<uint16_t>(r, out_logprob, out_lse);
    else forward<float>(r, out_logprob, out_lse);
}

void token_logprobs_backward_cpu(const TokenRows& r, const float* lse, const float* weight) {
    if (r.dtype == DTN_BFLOAT16) backward<uint16_t>(r, lse, weight);
    else backward<float>(r, lse, weight);
}

}  // namespace dtn
