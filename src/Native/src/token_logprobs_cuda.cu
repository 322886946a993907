// CUDA backend of the token log-probabilities: selects the device, launches on the legacy default
// stream (ordered with libtorch's matmul that produced the logits), reports launch errors.
#include <cuda_runtime.h>

#include "../include/deltatui_native.h"
#include "cuda_device_scope.hpp"
#include "plan.hpp"
#include "token_logprobs.hpp"
#include "token_logprobs_kernels.cuh"

namespace dtn {

void token_logprobs_cuda(int device, const TokenRows& r, float* out_logprob, float* out_lse) {
    DeviceScope scope(device);
    if (r.dtype == DTN_BFLOAT16)
        tlp::launch_forward(static_cast<const uint16_t*>(r.logits), r.rows, r.vocab, r.ld, r.targets, out_logprob, out_lse);
    else
        tlp::launch_forward(static_cast<const float*>(r.logits), r.rows, r.vocab, r.ld, r.targets, out_logprob, out_lse);
    cuda_check(cudaGetLastError(), "token log-probs launch");
}

void token_logprobs_backward_cuda(int device, const TokenRows& r, const float* lse, const float* weight) {
    DeviceScope scope(device);
    const int sms = scope.sm_count();
    if (r.dtype == DTN_BFLOAT16)
        tlp::launch_backward(static_cast<uint16_t*>(r.logits), r.rows, r.vocab, r.ld, r.targets, lse, weight, sms);
    else
        tlp::launch_backward(static_cast<float*>(r.logits), r.rows, r.vocab, r.ld, r.targets, lse, weight, sms);
    cuda_check(cudaGetLastError(), "token log-probs backward launch");
}

}  // namespace dtn
