// Token log-probabilities over a vocabulary from logits the caller computed, forward and gradient,
// without an fp32 copy of the logits: the CPU and CUDA backends of dtn_token_logprobs*.
#pragma once
#include <cstdint>

namespace dtn {

// rows × vocab logits, `ld` elements between rows, float32 or bfloat16; one int64 target per row.
struct TokenRows {
    int32_t dtype;
    void* logits;
    int64_t rows;
    int64_t vocab;
    int64_t ld;
    const int64_t* targets;
};

void token_logprobs_cpu(const TokenRows& r, float* out_logprob, float* out_lse);
void token_logprobs_backward_cpu(const TokenRows& r, const float* lse, const float* weight);
#ifdef DTN_HAVE_TOKEN_LOGPROBS_CUDA
void token_logprobs_cuda(int device, const TokenRows& r, float* out_logprob, float* out_lse);
void token_logprobs_backward_cuda(int device, const TokenRows& r, const float* lse, const float* weight);
#endif

}  // namespace dtn
