// CUDA backend of the token log-probabilities: selects the device, launches on the legacy default
// stream (ordered with libtorch's matmul that produced the logits), reports launch errors.
#include <cuda_runtime.h>

#include <string>

#include "../include/deltatui_native.h"
#include "plan.hpp"
#include "token_logprobs.hpp"
#include "token_logprobs_kernels.cuh"

namespace dtn {
namespace {

void check(cudaError_t e, const char* what) {
    if (e != cudaSuccess) throw Error{DTN_ERR_CUDA, std::string(what) + ": " + cudaGetErrorString(e)};
}

// Makes `device` current for the call and gives the caller's thread its own current device back.
class DeviceScope {
public:
    explicit DeviceScope(int device) {
        check(cudaGetDevice(&previous_), "cudaGetDevice");
        check(cudaSetDevice(device), "cudaSetDevice");
        check(cudaDeviceGetAttribute(&sms_, cudaDevAttrMultiProcessorCount, device), "cudaDeviceGetAttribute");
    }
    ~DeviceScope() { cudaSetDevice(previous_); }
    DeviceScope(const DeviceScope&) = delete;
    DeviceScope& operator=(const DeviceScope&) = delete;
    int sm_count() const { return sms_; }

private:
    int previous_ = 0;
    int sms_ = 0;
};

}  // namespace

void token_logprobs_cuda(int device, const TokenRows& r, float* out_logprob, float* out_lse) {
    DeviceScope scope(device);
    if (r.dtype == DTN_BFLOAT16)
        tlp::launch_forward(static_cast<const uint16_t*>(r.logits), r.rows, r.vocab, r.ld, r.targets, out_logprob, out_lse);
    else
        tlp::launch_forward(static_cast<const float*>(r.logits), r.rows, r.vocab, r.ld, r.targets, out_logprob, out_lse);
    check(cudaGetLastError(), "token log-probs launch");
}

void token_logprobs_backward_cuda(int device, const TokenRows& r, const float* lse, const float* weight) {
    DeviceScope scope(device);
    const int sms = scope.sm_count();
    if (r.dtype == DTN_BFLOAT16)
        tlp::launch_backward(static_cast<uint16_t*>(r.logits), r.rows, r.vocab, r.ld, r.targets, lse, weight, sms);
    else
        tlp::launch_backward(static_cast<float*>(r.logits), r.rows, r.vocab, r.ld, r.targets, lse, weight, sms);
    check(cudaGetLastError(), "token log-probs backward launch");
}

}  // namespace dtn
