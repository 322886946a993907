// Element-wise AdamW math shared by the CPU and CUDA backends, so both compute the same
// function in the same operation order as PyTorch's single-tensor AdamW.
#pragma once
#include <cmath>
#include <cstdint>
#include <cstring>

#if defined(__CUDACC__)
#define DTN_HD __host__ __device__ __forceinline__
#else
#define DTN_HD inline
#endif

namespace dtn {

// Scalars formed once per step on the host, in double, then rounded to fp32.
struct AdamScalars {
    float beta1;
    float one_minus_beta1;
    float beta2;
    float one_minus_beta2;
    float decay;          // 1 - lr * weight_decay
    float neg_step_size;  // -lr / bias_correction1
    float bias_correction2_sqrt;
    float eps;
};

inline AdamScalars make_scalars(double lr, double beta1, double beta2, double eps, double weight_decay,
                                double bias_correction1, double bias_correction2) {
    AdamScalars s;
    s.beta1 = (float)beta1;
    s.one_minus_beta1 = (float)(1.0 - beta1);
    s.beta2 = (float)beta2;
    s.one_minus_beta2 = (float)(1.0 - beta2);
    s.decay = (float)(1.0 - lr * weight_decay);
    s.neg_step_size = (float)(-lr / bias_correction1);
    s.bias_correction2_sqrt = (float)std::sqrt(bias_correction2);
    s.eps = (float)eps;
    return s;
}

// m = b1 m + (1-b1) g; v = b2 v + (1-b2) g g; p = p (1 - lr wd) - (lr/bc1) m / (sqrt(v)/sqrt(bc2) + eps)
DTN_HD float adamw_element(float p, float g, float& m, float& v, const AdamScalars& s) {
    m = s.beta1 * m + s.one_minus_beta1 * g;
    v = s.beta2 * v + (s.one_minus_beta2 * g) * g;
    const float denom = sqrtf(v) / s.bias_correction2_sqrt + s.eps;
    p = p * s.decay;
    return p + (s.neg_step_size * m) / denom;
}

// One update of a running mean of squares (Fisher): keep · a rounded to fp32 first, then weight · x · x added, in
// the order of torch's mul_(keep) followed by addcmul_(x, x, weight). Every operation rounded on its own on the
// device too (nvcc would otherwise fuse keep · a into an FMA), so both backends give the same bits.
DTN_HD float square_step(float a, float x, float keep, float weight) {
#if defined(__CUDA_ARCH__)
    return __fadd_rn(__fmul_rn(a, keep), __fmul_rn(__fmul_rn(weight, x), x));
#else
    const float kept = a * keep;
    return kept + (weight * x) * x;
#endif
}

DTN_HD float bf16_bits_to_float(uint16_t b) {
    uint32_t u = (uint32_t)b << 16;
    float f;
#if defined(__CUDA_ARCH__)
    f = __uint_as_float(u);
#else
    std::memcpy(&f, &u, 4);
#endif
    return f;
}

DTN_HD uint32_t float_bits(float f) {
#if defined(__CUDA_ARCH__)
    return __float_as_uint(f);
#else
    uint32_t u;
    std::memcpy(&u, &f, 4);
    return u;
#endif
}

// Round to nearest even, NaN kept quiet: the rounding torch's float -> bfloat16 cast does.
DTN_HD uint16_t float_to_bf16_rne(float f) {
    uint32_t u = float_bits(f);
    if ((u & 0x7fffffffu) > 0x7f800000u) return (uint16_t)((u >> 16) | 0x0040u);
    u += 0x7fffu + ((u >> 16) & 1u);
    return (uint16_t)(u >> 16);
}

// Counter-based hash (splitmix64 finaliser): independent random bits per element and step
// without any generator state.
DTN_HD uint32_t hash_bits(uint64_t seed, uint64_t step, uint64_t tensor, uint64_t element) {
    uint64_t z = seed ^ (step * 0x9e3779b97f4a7c15ull) ^ (tensor * 0xbf58476d1ce4e5b9ull) ^ (element * 0x94d049bb133111ebull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    z = z ^ (z >> 31);
    return (uint32_t)z;
}

// Stochastic rounding: rounds up with probability equal to the dropped fraction, so the
// expected bf16 value equals the fp32 master.
DTN_HD uint16_t float_to_bf16_stochastic(float f, uint32_t random) {
    uint32_t u = float_bits(f);
    if ((u & 0x7f800000u) == 0x7f800000u) return float_to_bf16_rne(f);
    u += (random & 0xffffu);
    return (uint16_t)(u >> 16);
}

}  // namespace dtn
