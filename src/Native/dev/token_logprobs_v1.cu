// token_logprobs v1 (shipped: src/token_logprobs_kernels.cuh): validate against a float64 CPU reference
// and time forward (logsumexp + picked logit, one read) and backward (gradient in place, one read + one
// write) on the shapes of a Gemma-3 log-prob chunk: rows = 16 sequences × chunk positions, V = 262,144.
// build + run: nvcc -O3 -std=c++17 -arch=sm_90 --default-stream legacy -I../src token_logprobs_v1.cu -o /tmp/tlp && /tmp/tlp
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <utility>
#include <vector>

#include "../src/token_logprobs_kernels.cuh"
#include "lab_host.cuh"

using dtn::bf16_bits_to_float;
using dtn::float_to_bf16_rne;

static int sm_count() { int d = 0, n = 0; CK(cudaGetDevice(&d)); CK(cudaDeviceGetAttribute(&n, cudaDevAttrMultiProcessorCount, d)); return n; }

struct Case {
    int64_t rows, vocab, ld;
    int offset;  // elements between an aligned allocation and the first logit (1: a misaligned base)
};

static uint16_t bits(uint16_t x) { return x; }
static uint32_t bits(float x) { uint32_t u; std::memcpy(&u, &x, 4); return u; }
template <typename T> T nan_value() { return host_store<T>(NAN); }

// Row lse and log-prob as the CPU backend defines them (NaN logits: NaN; a ±inf max: that inf), in float64.
template <typename T>
static void reference_row(const T* x, int64_t vocab, int64_t t, double& lse, double& lp) {
    double m = -INFINITY;
    bool nan = false;
    for (int64_t v = 0; v < vocab; ++v) { const double xv = host_value(x[v]); nan |= std::isnan(xv); if (xv > m) m = xv; }
    if (nan) lse = NAN;
    else if (std::isinf(m)) lse = m;
    else { double s = 0; for (int64_t v = 0; v < vocab; ++v) s += std::exp(host_value(x[v]) - m); lse = m + std::log(s); }
    lp = (t >= 0 && t < vocab) ? host_value(x[t]) - lse : NAN;
}

static bool same_special(double ref, float got) {
    if (std::isnan(ref)) return std::isnan(got);
    if (std::isinf(ref)) return got == (float)ref;
    return false;
}

// Fresh N(0,1) logits, the row maximum planted where vector and tail code meet, NaN in the padding past
// vocab (an over-read turns the row NaN), NaN-poisoned outputs; rows 1..7 carry special values when present.
template <typename T>
static bool validate(const Case& c, unsigned seed) {
    constexpr int N = dtn::tlp::Pack<T>::N;
    const int64_t rows = c.rows, vocab = c.vocab, ld = c.ld;
    Rng rng(seed);
    std::vector<T> h((size_t)(rows * ld + c.offset));
    T* x = h.data() + c.offset;
    std::vector<int64_t> targets(rows);
    std::vector<float> weight(rows);
    const int64_t tail_col = vocab / N * N < vocab ? vocab / N * N : vocab - 1;
    const int64_t plant[] = {0, vocab - 1, tail_col, std::min<int64_t>(N - 1, vocab - 1), std::min<int64_t>(N, vocab - 1)};
    for (int64_t r = 0; r < rows; ++r) {
        for (int64_t v = 0; v < ld; ++v) x[r * ld + v] = v < vocab ? host_store<T>(rng.normal(1.0f)) : nan_value<T>();
        x[r * ld + plant[r % 5]] = host_store<T>(6.0f);
        targets[r] = (int64_t)(rng.next() % (uint64_t)vocab);
        weight[r] = rng.normal(1.0f);
    }
    const bool special = rows >= 8 && vocab >= 16;
    if (special) {
        x[1 * ld + 3] = nan_value<T>();                      // NaN in the body
        x[2 * ld + vocab - 1] = nan_value<T>();              // NaN in the last column
        x[3 * ld + 5] = host_store<T>(INFINITY);             // a +inf logit
        for (int64_t v = 0; v < vocab; ++v) x[4 * ld + v] = host_store<T>(-INFINITY);
        targets[5] = -1;                                     // targets outside the vocabulary
        targets[6] = vocab;
        x[7 * ld + 2] = nan_value<T>();                      // weight 0 on a NaN row: gradient 0
        weight[7] = 0.0f;
    }
    weight[0] = 0.0f;
    T* d; int64_t* dt; float *dlp, *dlse, *dw;
    CK(cudaMalloc(&d, h.size() * sizeof(T))); CK(cudaMalloc(&dt, rows * 8)); CK(cudaMalloc(&dlp, rows * 4)); CK(cudaMalloc(&dlse, rows * 4)); CK(cudaMalloc(&dw, rows * 4));
    CK(cudaMemcpy(d, h.data(), h.size() * sizeof(T), cudaMemcpyHostToDevice));
    CK(cudaMemcpy(dt, targets.data(), rows * 8, cudaMemcpyHostToDevice));
    CK(cudaMemcpy(dw, weight.data(), rows * 4, cudaMemcpyHostToDevice));
    CK(cudaMemset(dlp, 0xff, rows * 4)); CK(cudaMemset(dlse, 0xff, rows * 4));  // poisoned: NaN unless written
    dtn::tlp::launch_forward<T>(d + c.offset, rows, vocab, ld, dt, dlp, dlse);
    CK(cudaGetLastError());
    std::vector<float> lp(rows), lse(rows);
    CK(cudaMemcpy(lp.data(), dlp, rows * 4, cudaMemcpyDeviceToHost)); CK(cudaMemcpy(lse.data(), dlse, rows * 4, cudaMemcpyDeviceToHost));
    std::vector<double> ref_lse(rows);
    int64_t bad_rows = 0;
    double worst = 0;
    for (int64_t r = 0; r < rows; ++r) {
        double rl, rp;
        reference_row(x + r * ld, vocab, targets[r], rl, rp);
        ref_lse[r] = rl;
        for (auto [ref, got] : {std::pair<double, float>{rl, lse[r]}, std::pair<double, float>{rp, lp[r]}}) {
            if (std::isnan(ref) || std::isinf(ref)) { bad_rows += !same_special(ref, got); continue; }
            const double err = std::fabs(got - ref), tol = 5e-6 + 5e-7 * std::fabs(ref);
            worst = std::max(worst, err / tol);
            bad_rows += !(err <= tol);  // NaN fails too
        }
    }
    dtn::tlp::launch_backward<T>(d + c.offset, rows, vocab, ld, dt, dlse, dw, sm_count());
    CK(cudaGetLastError());
    std::vector<T> g(h.size());
    CK(cudaMemcpy(g.data(), d, g.size() * sizeof(T), cudaMemcpyDeviceToHost));
    const T* gx = g.data() + c.offset;
    int64_t bad_elements = 0, off_rne = 0, checked = 0, padding_changed = 0;
    for (int64_t r = 0; r < rows; ++r) {
        const double w = weight[r];
        for (int64_t v = 0; v < vocab; ++v) {
            const double ref = w == 0 ? 0.0 : (v == targets[r] ? w : 0.0) - w * std::exp(host_value(x[r * ld + v]) - ref_lse[r]);
            const float got = host_value(gx[r * ld + v]);
            ++checked;
            if (std::isnan(ref)) { bad_elements += !std::isnan(got); continue; }
            if (sizeof(T) == 2) {
                const uint16_t want = float_to_bf16_rne((float)ref), have = (uint16_t)bits(gx[r * ld + v]);
                const int ulps = std::abs((int)(int16_t)want - (int)(int16_t)have);
                off_rne += want != have;
                bad_elements += ulps > 1;
            } else {
                bad_elements += !(std::fabs(got - ref) <= 1e-5 * std::fabs(ref) + 1e-5 * std::fabs(w) + 1e-30);
            }
        }
        for (int64_t v = vocab; v < ld; ++v) padding_changed += bits(gx[r * ld + v]) != bits(x[r * ld + v]);
    }
    const bool rne_ok = sizeof(T) == 4 || off_rne * 100 <= checked;  // truncation would leave about half off
    const bool ok = bad_rows == 0 && bad_elements == 0 && padding_changed == 0 && rne_ok;
    std::printf("validate %-4s rows %8lld vocab %7lld ld %7lld base+%d%s: rows off %lld (worst %.2f of tolerance), gradient elements off %lld of %lld, "
                "not round-to-nearest %lld, padding changed %lld  %s\n",
                sizeof(T) == 2 ? "bf16" : "fp32", (long long)rows, (long long)vocab, (long long)ld, c.offset, special ? " +special rows" : "",
                (long long)bad_rows, worst, (long long)bad_elements, (long long)checked, (long long)off_rne, (long long)padding_changed,
                ok ? "ok" : "FAILED");
    cudaFree(d); cudaFree(dt); cudaFree(dlp); cudaFree(dlse); cudaFree(dw);
    return ok;
}

template <typename T>
static void bench(int64_t rows, int64_t vocab, double copy) {
    T* d; int64_t* dt; float *dlp, *dlse, *dw;
    CK(cudaMalloc(&d, rows * vocab * sizeof(T))); CK(cudaMalloc(&dt, rows * 8)); CK(cudaMalloc(&dlp, rows * 4)); CK(cudaMalloc(&dlse, rows * 4)); CK(cudaMalloc(&dw, rows * 4));
    CK(cudaMemset(d, 0x3c, rows * vocab * sizeof(T))); CK(cudaMemset(dt, 0, rows * 8)); CK(cudaMemset(dlse, 0, rows * 4));
    {   // weight 1 on every row: a zero weight would skip the exp of every element and flatter the backward
        std::vector<float> ones(rows, 1.0f);
        CK(cudaMemcpy(dw, ones.data(), rows * 4, cudaMemcpyHostToDevice));
    }
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
    // Vectorised whole rows, a vectorised row with a tail and rows further apart than the vocabulary, the scalar
    // path (row stride not a multiple of 16 bytes), a misaligned base, the real vocabulary, and more rows than the
    // forward grid has blocks (each block then handles several rows).
    const Case fp32_cases[] = {{7, 1024, 1024, 0}, {6, 517, 520, 0}, {5, 1003, 1003, 0}, {6, 517, 533, 0}, {9, 1000, 1000, 1},
                               {8, 262144, 262144, 0}, {1048576 + 3, 17, 17, 0}};
    const Case bf16_cases[] = {{7, 1024, 1024, 0}, {6, 517, 528, 0}, {5, 1003, 1003, 0}, {6, 517, 533, 0}, {9, 1000, 1000, 1},
                               {32, 262144, 262144, 0}};
    unsigned seed = 1;
    for (const auto& c : fp32_cases) ok &= validate<float>(c, seed++);
    for (const auto& c : bf16_cases) ok &= validate<uint16_t>(c, seed++);
    const double copy = copy_gbps();
    std::printf("device-to-device copy: %.0f GB/s (read + write)\n", copy);
    std::printf("| dtype | rows | vocab | forward | forward bandwidth | backward (in place) | backward bandwidth |\n| --- | --- | --- | --- | --- | --- | --- |\n");
    for (int64_t rows : {512, 2048}) { bench<uint16_t>(rows, 262144, copy); bench<float>(rows, 262144, copy); }
    std::printf(ok ? "VALIDATION PASSED\n" : "VALIDATION FAILED\n");
    return ok ? 0 : 1;
}
