// rmsnorm v1 (shipped: src/rmsnorm_kernels.cuh): validate against a float64 CPU reference and time forward
// (one read of x, one write of y) and backward (reads x, dy, one write of dx; the weight gradient through a
// per-block workspace and a fixed-order reduction) on Gemma-3 shapes: the 270m hidden norms (8,192 tokens ×
// 640), its q-norm (8,192 × 4 heads × 256) and a wider model's hidden size.
// build + run: nvcc -O3 -std=c++17 -arch=sm_90 --default-stream legacy rmsnorm_v1.cu -o /tmp/rms && /tmp/rms
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "../src/rmsnorm_kernels.cuh"
#include "lab_host.cuh"

static double rel(const std::vector<double>& a, const std::vector<double>& b) {
    double num = 0, den = 0;
    for (size_t i = 0; i < a.size(); ++i) { if (std::isnan(a[i])) return INFINITY; num += (a[i] - b[i]) * (a[i] - b[i]); den += b[i] * b[i]; }
    return std::sqrt(num / den);
}

template <typename T>
static bool run_case(int64_t rows, int64_t cols, bool time_it, const char* name, double copy_gbs) {
    const float eps = 1e-6f;
    Rng rng((uint64_t)(rows * 131 + cols));
    std::vector<T> x(rows * cols), w(cols), dy(rows * cols);
    for (int64_t r = 0; r < rows; ++r) { const float scale = 0.1f + 3.0f * (float)rng.uniform(); for (int64_t c = 0; c < cols; ++c) x[r * cols + c] = host_store<T>(rng.normal(scale)); }
    for (auto& v : w) v = host_store<T>(rng.normal(0.5f));
    for (auto& v : dy) v = host_store<T>(rng.normal(1.0f));
    // float64 reference of the formula the kernels follow (rmsnorm_cpu.cpp)
    std::vector<double> ry(rows * cols), rdx(rows * cols), rdw(cols, 0.0), rrs(rows);
    for (int64_t r = 0; r < rows; ++r) {
        double ss = 0; for (int64_t c = 0; c < cols; ++c) { const double v = host_value(x[r * cols + c]); ss += v * v; }
        const double s = 1.0 / std::sqrt(ss / cols + eps); rrs[r] = s;
        double dot = 0;
        for (int64_t c = 0; c < cols; ++c) {
            const double n = host_value(x[r * cols + c]) * s, w1 = 1.0 + host_value(w[c]), d = host_value(dy[r * cols + c]);
            ry[r * cols + c] = n * w1; dot += d * w1 * n; rdw[c] += d * n;
        }
        for (int64_t c = 0; c < cols; ++c) {
            const double n = host_value(x[r * cols + c]) * s, g = host_value(dy[r * cols + c]) * (1.0 + host_value(w[c]));
            rdx[r * cols + c] = s * (g - n * dot / cols);
        }
    }
    T *dxp, *dwp, *dyp, *dyo, *ddx; float *drs, *ddw, *ws;
    const int64_t parts = (rows + dtn::kRmsNormRowsPerBlock - 1) / dtn::kRmsNormRowsPerBlock;
    CK(cudaMalloc(&dxp, rows * cols * sizeof(T))); CK(cudaMalloc(&dwp, cols * sizeof(T))); CK(cudaMalloc(&dyp, rows * cols * sizeof(T)));
    CK(cudaMalloc(&dyo, rows * cols * sizeof(T))); CK(cudaMalloc(&ddx, rows * cols * sizeof(T)));
    CK(cudaMalloc(&drs, rows * sizeof(float))); CK(cudaMalloc(&ddw, cols * sizeof(float))); CK(cudaMalloc(&ws, parts * cols * sizeof(float)));
    CK(cudaMemcpy(dxp, x.data(), rows * cols * sizeof(T), cudaMemcpyHostToDevice));
    CK(cudaMemcpy(dwp, w.data(), cols * sizeof(T), cudaMemcpyHostToDevice));
    CK(cudaMemcpy(dyp, dy.data(), rows * cols * sizeof(T), cudaMemcpyHostToDevice));
    // Poison every output, so that an unwritten element shows as NaN.
    CK(cudaMemset(dyo, 0xff, rows * cols * sizeof(T))); CK(cudaMemset(ddx, 0xff, rows * cols * sizeof(T)));
    CK(cudaMemset(drs, 0xff, rows * sizeof(float))); CK(cudaMemset(ddw, 0xff, cols * sizeof(float))); CK(cudaMemset(ws, 0xff, parts * cols * sizeof(float)));
    dtn::rms::launch_forward(dxp, dwp, rows, cols, eps, dyo, drs); CK(cudaGetLastError());
    dtn::rms::launch_backward(dxp, dwp, drs, dyp, rows, cols, ddx, ddw, ws); CK(cudaGetLastError());
    CK(cudaDeviceSynchronize());
    std::vector<T> y(rows * cols), dx(rows * cols); std::vector<float> rs(rows), dwv(cols);
    CK(cudaMemcpy(y.data(), dyo, rows * cols * sizeof(T), cudaMemcpyDeviceToHost));
    CK(cudaMemcpy(dx.data(), ddx, rows * cols * sizeof(T), cudaMemcpyDeviceToHost));
    CK(cudaMemcpy(rs.data(), drs, rows * sizeof(float), cudaMemcpyDeviceToHost));
    CK(cudaMemcpy(dwv.data(), ddw, cols * sizeof(float), cudaMemcpyDeviceToHost));
    std::vector<double> gy(rows * cols), gdx(rows * cols), grs(rows), gdw(cols);
    for (int64_t i = 0; i < rows * cols; ++i) { gy[i] = host_value(y[i]); gdx[i] = host_value(dx[i]); }
    for (int64_t r = 0; r < rows; ++r) grs[r] = rs[r];
    for (int64_t c = 0; c < cols; ++c) gdw[c] = dwv[c];
    const bool bf16 = sizeof(T) == 2;
    const double ty = bf16 ? 4e-3 : 1e-6, tdw = 1e-5;
    const double ey = rel(gy, ry), edx = rel(gdx, rdx), ers = rel(grs, rrs), edw = rel(gdw, rdw);
    const bool ok = ey <= ty && edx <= ty && ers <= 1e-6 && edw <= tdw;
    std::printf("validate %s %-5s rows %6lld cols %5lld: y %.1e, dx %.1e, rstd %.1e, dw %.1e  %s\n", name, bf16 ? "bf16" : "fp32",
                (long long)rows, (long long)cols, ey, edx, ers, edw, ok ? "ok" : "FAILED");
    if (time_it && ok) {
        cudaEvent_t a, b; CK(cudaEventCreate(&a)); CK(cudaEventCreate(&b));
        auto median = [&](auto&& launch) {
            std::vector<float> ms;
            for (int i = 0; i < 5; ++i) launch();
            for (int i = 0; i < 50; ++i) { CK(cudaEventRecord(a)); launch(); CK(cudaEventRecord(b)); CK(cudaEventSynchronize(b)); float t; CK(cudaEventElapsedTime(&t, a, b)); ms.push_back(t); }
            std::sort(ms.begin(), ms.end()); return ms[ms.size() / 2];
        };
        const float fwd = median([&] { dtn::rms::launch_forward(dxp, dwp, rows, cols, eps, dyo, drs); });
        const float bwd = median([&] { dtn::rms::launch_backward(dxp, dwp, drs, dyp, rows, cols, ddx, ddw, ws); });
        CK(cudaGetLastError());
        const double bytes_f = 2.0 * rows * cols * sizeof(T), bytes_b = 3.0 * rows * cols * sizeof(T);
        std::printf("| %s | %s | %lld × %lld | %.1f µs | %.0f GB/s (%.0f%% of copy) | %.1f µs | %.0f GB/s (%.0f%%) |\n", name, bf16 ? "bf16" : "fp32",
                    (long long)rows, (long long)cols, fwd * 1e3, bytes_f / fwd / 1e6, 100 * bytes_f / fwd / 1e6 / copy_gbs, bwd * 1e3,
                    bytes_b / bwd / 1e6, 100 * bytes_b / bwd / 1e6 / copy_gbs);
    }
    cudaFree(dxp); cudaFree(dwp); cudaFree(dyp); cudaFree(dyo); cudaFree(ddx); cudaFree(drs); cudaFree(ddw); cudaFree(ws);
    return ok;
}

int main() {
    const double copy = copy_gbps();
    bool ok = true;
    // Odd widths, a single row, a partial last backward block, and the shapes the model runs.
    ok &= run_case<float>(1, 33, false, "edge", copy);
    ok &= run_case<uint16_t>(37, 1003, false, "edge", copy);
    ok &= run_case<float>(70, 96, false, "edge", copy);
    ok &= run_case<uint16_t>(5, 11999, false, "edge", copy);
    std::printf("device-to-device copy: %.0f GB/s (read + write)\n", copy);
    std::printf("| shape | dtype | rows × cols | forward | forward bandwidth | backward | backward bandwidth |\n| --- | --- | --- | --- | --- | --- | --- |\n");
    ok &= run_case<uint16_t>(8192, 640, true, "270m hidden", copy);
    ok &= run_case<uint16_t>(32768, 256, true, "270m q-norm", copy);
    ok &= run_case<uint16_t>(8192, 2560, true, "4b hidden", copy);
    ok &= run_case<float>(8192, 640, true, "270m hidden", copy);
    std::printf(ok ? "VALIDATION PASSED\n" : "VALIDATION FAILED\n");
    return ok ? 0 : 1;
}
