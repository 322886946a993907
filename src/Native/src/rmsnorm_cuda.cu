// CUDA backend of Gemma's RMSNorm: selects the device, launches on the legacy default stream (ordered
// with libtorch's kernels around it), reports launch errors.
#include <cuda_runtime.h>

#include "../include/deltatui_native.h"
#include "cuda_device_scope.hpp"
#include "plan.hpp"
#include "rmsnorm.hpp"
#include "rmsnorm_kernels.cuh"

namespace dtn {

void rmsnorm_cuda(int device, const NormRows& n, const void* x, const void* weight, double eps, void* y, float* rstd) {
    DeviceScope scope(device);
    if (n.dtype == DTN_BFLOAT16)
        rms::launch_forward(static_cast<const uint16_t*>(x), static_cast<const uint16_t*>(weight), n.rows, n.cols, (float)eps,
                            static_cast<uint16_t*>(y), rstd);
    else
        rms::launch_forward(static_cast<const float*>(x), static_cast<const float*>(weight), n.rows, n.cols, (float)eps,
                            static_cast<float*>(y), rstd);
    cuda_check(cudaGetLastError(), "RMSNorm launch");
}

void rmsnorm_backward_cuda(int device, const NormRows& n, const void* x, const void* weight, const float* rstd, const void* dy,
                           void* dx, float* dweight, float* workspace) {
    DeviceScope scope(device);
    if (n.dtype == DTN_BFLOAT16)
        rms::launch_backward(static_cast<const uint16_t*>(x), static_cast<const uint16_t*>(weight), rstd,
                             static_cast<const uint16_t*>(dy), n.rows, n.cols, static_cast<uint16_t*>(dx), dweight, workspace);
    else
        rms::launch_backward(static_cast<const float*>(x), static_cast<const float*>(weight), rstd, static_cast<const float*>(dy),
                             n.rows, n.cols, static_cast<float*>(dx), dweight, workspace);
    cuda_check(cudaGetLastError(), "RMSNorm backward launch");
}

}  // namespace dtn
