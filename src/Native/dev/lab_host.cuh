// Host helpers shared by the kernel labs (lab.cuh of the BSR-AdamW versions, token_logprobs_v1.cu, rmsnorm_v1.cu): checked CUDA calls,
// float32 / bf16 element conversion on the host, a small generator and the device-to-device copy ceiling.
#pragma once
#include <cuda_runtime.h>

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>

#include "../src/adamw_math.hpp"

#define CK(x) do { cudaError_t e_ = (x); if (e_ != cudaSuccess) { std::fprintf(stderr, "%s:%d %s: %s\n", __FILE__, __LINE__, #x, cudaGetErrorString(e_)); std::exit(1); } } while (0)

template <typename T> float host_value(T x);
template <> inline float host_value<float>(float x) { return x; }
template <> inline float host_value<uint16_t>(uint16_t x) { return dtn::bf16_bits_to_float(x); }
template <typename T> T host_store(float x);
template <> inline float host_store<float>(float x) { return x; }
template <> inline uint16_t host_store<uint16_t>(float x) { return dtn::float_to_bf16_rne(x); }

// A small generator of our own (splitmix64 + Box-Muller): fresh non-zero inputs without <random>.
struct Rng {
    uint64_t state;
    explicit Rng(uint64_t seed) : state(seed * 0x9E3779B97F4A7C15ull + 1) {}
    uint64_t next() {
        uint64_t z = (state += 0x9E3779B97F4A7C15ull);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
        return z ^ (z >> 31);
    }
    double uniform() { return ((next() >> 11) + 0.5) * (1.0 / 9007199254740992.0); }
    float normal(float sigma) { return (float)(sigma * std::sqrt(-2.0 * std::log(uniform())) * std::cos(6.283185307179586 * uniform())); }
};

// Bytes read plus bytes written per second of a 1 GiB device-to-device copy: the bandwidth ceiling the labs report against.
inline double copy_gbps() {
    const size_t bytes = size_t(1) << 30;
    void *a, *b; CK(cudaMalloc(&a, bytes)); CK(cudaMalloc(&b, bytes));
    cudaEvent_t start, stop; CK(cudaEventCreate(&start)); CK(cudaEventCreate(&stop));
    for (int i = 0; i < 3; ++i) CK(cudaMemcpy(b, a, bytes, cudaMemcpyDeviceToDevice));
    CK(cudaEventRecord(start)); for (int i = 0; i < 20; ++i) CK(cudaMemcpy(b, a, bytes, cudaMemcpyDeviceToDevice)); CK(cudaEventRecord(stop)); CK(cudaEventSynchronize(stop));
    float ms; CK(cudaEventElapsedTime(&ms, start, stop)); cudaFree(a); cudaFree(b);
    return 2.0 * bytes * 20 / (ms / 1e3) / 1e9;
}
