// Gemma's RMSNorm, forward and backward, with only the input and one fp32 rstd per row kept for the
// backward: the CPU and CUDA backends of dtn_rmsnorm*.
#pragma once
#include <cstdint>

namespace dtn {

// rows × cols, contiguous rows, float32 or bfloat16 (x, weight, y, dy and dx share the dtype).
struct NormRows {
    int32_t dtype;
    int64_t rows;
    int64_t cols;
};

// Rows of the backward handled by one CUDA block: its partial weight gradient is one row of the workspace.
constexpr int64_t kRmsNormRowsPerBlock = 16;

inline int64_t rmsnorm_workspace_floats(int64_t rows, int64_t cols) {
    return ((rows + kRmsNormRowsPerBlock - 1) / kRmsNormRowsPerBlock) * cols;
}

void rmsnorm_cpu(const NormRows& n, const void* x, const void* weight, double eps, void* y, float* rstd);
void rmsnorm_backward_cpu(const NormRows& n, const void* x, const void* weight, const float* rstd, const void* dy, void* dx,
                          float* dweight);
#ifdef DTN_HAVE_CUDA
void rmsnorm_cuda(int device, const NormRows& n, const void* x, const void* weight, double eps, void* y, float* rstd);
void rmsnorm_backward_cuda(int device, const NormRows& n, const void* x, const void* weight, const float* rstd, const void* dy,
                           void* dx, float* dweight, float* workspace);
#endif

}  // namespace dtn
