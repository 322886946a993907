// token_logprobs v1 (shipped: src/token_logprobs_kernels.cuh): validate against a float64 CPU reference
// and time forward (logsumexp + picked logit, one read) and backward (gradient in place, one read + one
// write) on the shapes of a Gemma-3 log-prob chunk: rows = 16 sequences × chunk positions, V = 262,144.
// build + run: nvcc -O3 -std=c++17 -arch=sm_90 --default-stream legacy -I../src token_logprobs_v1.cu -o /tmp/tlp && /tmp/tlp
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "../src/token_logprobs_kernels.cuh"

#define CK(x) do { cudaError_t e = (x); if (e != cudaSuccess) { std::printf("CUDA error %s at %s:%d\n", cudaGetErrorString(e), __FILE__, __LINE__); std::exit(2); } } while (0)

using dtn::bf16_bits_to_float;
using dtn::float_to_bf16_rne;

template <typename T> float host_value(T x);
template <> float host_value<float>(float x) { return x; }
template <> float host_value<uint16_t>(uint16_t x) { return bf16_bits_to_float(x); }
template <typename T> T host_store(float x);
template <> float host_store<float>(float x) { return x; }
template <> uint16_t host_store<uint16_t>(float x) { return float_to_bf16_rne(x); }

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

static int sm_count() { int d = 0, n = 0; CK(cudaGetDevice(&d)); CK(cudaDeviceGetAttribute(&n, cudaDevAttrMultiProcessorCount, d)); return n; }

template <typename T>
static bool validate(int64_t rows, int64_t vocab, int64_t ld, unsigned seed) {
    Rng rng(seed);
    std::vector<T> h(rows * ld);
    for (auto& x : h) x = host_store<T>(rng.normal(4.0f));
    std::vector<int64_t> targets(rows);
    std::vector<float> weight(rows);
    for (int64_t r = 0; r < rows; ++r) { targets[r] = (int64_t)(rng.next() % (uint64_t)vocab); weight[r] = r == 0 ? 0.0f : rng.normal(1.0f); }
    T* d; int64_t* dt; float *dlp, *dlse, *dw;
    CK(cudaMalloc(&d, h.size() * sizeof(T))); CK(cudaMalloc(&dt, rows * 8)); CK(cudaMalloc(&dlp, rows * 4)); CK(cudaMalloc(&dlse, rows * 4)); CK(cudaMalloc(&dw, rows * 4));
    CK(cudaMemcpy(d, h.data(), h.size() * sizeof(T), cudaMemcpyHostToDevice));
    CK(cudaMemcpy(dt, targets.data(), rows * 8, cudaMemcpyHostToDevice));
    CK(cudaMemcpy(dw, weight.data(), rows * 4, cudaMemcpyHostToDevice));
    CK(cudaMemset(dlp, 0xff, rows * 4)); CK(cudaMemset(dlse, 0xff, rows * 4));  // poisoned: NaN unless written
    dtn::tlp::launch_forward<T>(d, rows, vocab, ld, dt, dlp, dlse);
    CK(cudaGetLastError());
    std::vector<float> lp(rows), lse(rows);
    CK(cudaMemcpy(lp.data(), dlp, rows * 4, cudaMemcpyDeviceToHost)); CK(cudaMemcpy(lse.data(), dlse, rows * 4, cudaMemcpyDeviceToHost));
    double e_lse = 0, n_lse = 0, e_lp = 0, n_lp = 0, e_g = 0, n_g = 0;
    std::vector<double> ref_lse(rows);
    for (int64_t r = 0; r < rows; ++r) {
        double m = -INFINITY, s = 0;
        for (int64_t v = 0; v < vocab; ++v) m = std::fmax(m, host_value(h[r * ld + v]));
        for (int64_t v = 0; v < vocab; ++v) s += std::exp(host_value(h[r * ld + v]) - m);
        ref_lse[r] = m + std::log(s);
        const double ref_lp = host_value(h[r * ld + targets[r]]) - ref_lse[r];
        e_lse += (lse[r] - ref_lse[r]) * (lse[r] - ref_lse[r]); n_lse += ref_lse[r] * ref_lse[r];
        e_lp += (lp[r] - ref_lp) * (lp[r] - ref_lp); n_lp += ref_lp * ref_lp;
    }
    dtn::tlp::launch_backward<T>(d, rows, vocab, ld, dt, dlse, dw, sm_count());
    CK(cudaGetLastError());
    std::vector<T> g(h.size());
    CK(cudaMemcpy(g.data(), d, g.size() * sizeof(T), cudaMemcpyDeviceToHost));
    bool beyond_ok = true;
    for (int64_t r = 0; r < rows; ++r) {
        for (int64_t v = 0; v < vocab; ++v) {
            const double ref = weight[r] * ((v == targets[r] ? 1.0 : 0.0) - std::exp(host_value(h[r * ld + v]) - ref_lse[r]));
            const double got = host_value(g[r * ld + v]);
            e_g += (got - ref) * (got - ref); n_g += ref * ref;
        }
        for (int64_t v = vocab; v < ld; ++v) beyond_ok &= std::memcmp(&g[r * ld + v], &h[r * ld + v], sizeof(T)) == 0;
    }
    const double rl = std::sqrt(e_lse / n_lse), rp = std::sqrt(e_lp / n_lp), rg = std::sqrt(e_g / n_g);
    const double tol_g = sizeof(T) == 2 ? 4e-3 : 1e-5;
    const bool ok = rl <= 1e-6 && rp <= 1e-5 && rg <= tol_g && beyond_ok;
    std::printf("validate %-5s rows %5lld vocab %7lld ld %7lld: lse %.2e, logprob %.2e, grad %.2e%s  %s\n", sizeof(T) == 2 ? "bf16" : "fp32",
                (long long)rows, (long long)vocab, (long long)ld, rl, rp, rg, beyond_ok ? "" : " (wrote past a row)", ok ? "ok" : "FAILED");
    cudaFree(d); cudaFree(dt); cudaFree(dlp); cudaFree(dlse); cudaFree(dw);
    return ok;
}

static double copy_gbps() {
    const size_t bytes = size_t(1) << 30;
    void *a, *b; CK(cudaMalloc(&a, bytes)); CK(cudaMalloc(&b, bytes));
    cudaEvent_t s, e; cudaEventCreate(&s); cudaEventCreate(&e);
    for (int i = 0; i < 3; ++i) CK(cudaMemcpy(b, a, bytes, cudaMemcpyDeviceToDevice));
    cudaEventRecord(s); for (int i = 0; i < 20; ++i) cudaMemcpy(b, a, bytes, cudaMemcpyDeviceToDevice); cudaEventRecord(e); cudaEventSynchronize(e);
    float ms; cudaEventElapsedTime(&ms, s, e); cudaFree(a); cudaFree(b);
    return 2.0 * bytes * 20 / (ms / 1e3) / 1e9;
}

template <typename T>
static void bench(int64_t rows, int64_t vocab, double copy) {
    T* d; int64_t* dt; float *dlp, *dlse, *dw;
    CK(cudaMalloc(&d, rows * vocab * sizeof(T))); CK(cudaMalloc(&dt, rows * 8)); CK(cudaMalloc(&dlp, rows * 4)); CK(cudaMalloc(&dlse, rows * 4)); CK(cudaMalloc(&dw, rows * 4));
    CK(cudaMemset(d, 0x3c, rows * vocab * sizeof(T))); CK(cudaMemset(dt, 0, rows * 8)); CK(cudaMemset(dw, 0, rows * 4)); CK(cudaMemset(dlse, 0, rows * 4));
    cudaEvent_t s, e; cudaEventCreate(&s); cudaEventCreate(&e);
    float fwd, bwd;
    for (int i = 0; i < 3; ++i) dtn::tlp::launch_forward<T>(d, rows, vocab, vocab, dt, dlp, dlse);
    cudaEventRecord(s); for (int i = 0; i < 20; ++i) dtn::tlp::launch_forward<T>(d, rows, vocab, vocab, dt, dlp, dlse); cudaEventRecord(e); cudaEventSynchronize(e);
    cudaEventElapsedTime(&fwd, s, e); fwd /= 20;
    const int sms = sm_count();
    for (int i = 0; i < 3; ++i) dtn::tlp::launch_backward<T>(d, rows, vocab, vocab, dt, dlse, dw, sms);
    cudaEventRecord(s); for (int i = 0; i < 20; ++i) dtn::tlp::launch_backward<T>(d, rows, vocab, vocab, dt, dlse, dw, sms); cudaEventRecord(e); cudaEventSynchronize(e);
    cudaEventElapsedTime(&bwd, s, e); bwd /= 20;
    CK(cudaGetLastError());
    const double bytes = (double)rows * vocab * sizeof(T);
    std::printf("| %s | %lld | %lld | %.3f ms | %.0f GB/s (%.1f%% of copy) | %.3f ms | %.0f GB/s (%.1f%%) |\n", sizeof(T) == 2 ? "bf16" : "fp32",
                (long long)rows, (long long)vocab, fwd, bytes / (fwd / 1e3) / 1e9, 100 * bytes / (fwd / 1e3) / 1e9 / copy, bwd,
                2 * bytes / (bwd / 1e3) / 1e9, 100 * 2 * bytes / (bwd / 1e3) / 1e9 / copy);
    cudaFree(d); cudaFree(dt); cudaFree(dlp); cudaFree(dlse); cudaFree(dw);
}

int main() {
    cudaDeviceProp p; CK(cudaGetDeviceProperties(&p, 0));
    std::printf("token_logprobs v1 on %s (%d SMs)\n", p.name, p.multiProcessorCount);
    bool ok = true;
    ok &= validate<float>(7, 1024, 1024, 1); ok &= validate<uint16_t>(7, 1024, 1024, 2);
    ok &= validate<float>(5, 1003, 1003, 3); ok &= validate<uint16_t>(5, 1003, 1003, 4);
    ok &= validate<float>(6, 517, 533, 5); ok &= validate<uint16_t>(6, 517, 533, 6);
    ok &= validate<uint16_t>(32, 262144, 262144, 7);
    const double copy = copy_gbps();
    std::printf("device-to-device copy: %.0f GB/s (read + write)\n", copy);
    std::printf("| dtype | rows | vocab | forward | forward bandwidth | backward (in place) | backward bandwidth |\n| --- | --- | --- | --- | --- | --- | --- |\n");
    for (int64_t rows : {512, 2048}) { bench<uint16_t>(rows, 262144, copy); bench<float>(rows, 262144, copy); }
    std::printf(ok ? "VALIDATION PASSED\n" : "VALIDATION FAILED\n");
    return ok ? 0 : 1;
}
