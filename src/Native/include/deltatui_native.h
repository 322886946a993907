/*
 * deltatui_native: block-sparse AdamW (BSR-AdamW) for DeltaTui.
 *
 * A plain C ABI so that .NET can call it through P/Invoke on TorchSharp tensors' memory:
 * every function returns an int status (DTN_OK = 0), errors leave a message readable with
 * dtn_last_error() on the same thread, and no C++ exception ever crosses this boundary.
 * The library does not depend on libtorch; the CUDA backend depends on the CUDA runtime only
 * and launches on the legacy default stream, the stream libtorch uses when nobody sets one.
 */
#ifndef DELTATUI_NATIVE_H
#define DELTATUI_NATIVE_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define DTN_API __attribute__((visibility("default")))
#define DTN_ABI_VERSION 6

enum dtn_status {
    DTN_OK = 0,
    DTN_ERR_INVALID_ARGUMENT = 1,
    DTN_ERR_OUT_OF_MEMORY = 2,
    DTN_ERR_CUDA = 3,
    DTN_ERR_UNSUPPORTED = 4,
    DTN_ERR_INTERNAL = 5
};

enum dtn_device_type { DTN_DEVICE_CPU = 0, DTN_DEVICE_CUDA = 1 };

/* Values match TorchSharp's ScalarType codes so the C# side can pass them through unchanged. */
enum dtn_dtype { DTN_FLOAT32 = 6, DTN_BFLOAT16 = 15 };

enum dtn_tensor_kind {
    DTN_KIND_BLOCKED = 0, /* 2-D weight tiled into block_size x block_size blocks, BSR active set */
    DTN_KIND_DENSE = 1    /* any tensor updated element-wise in full (1-D norms, biases) */
};

enum dtn_plan_flags { DTN_FLAG_STOCHASTIC_ROUNDING = 1 };

typedef struct dtn_backend_info {
    int32_t abi_version;
    int32_t cuda_compiled;     /* 1 when the library was built with the CUDA backend */
    int32_t cuda_device_count; /* devices the CUDA runtime sees (0 without CUDA) */
    int32_t openmp_threads;    /* threads the CPU backend uses */
    int32_t token_logprobs_cuda; /* 1 when built with the CUDA token log-prob kernels (-DDTN_TOKEN_LOGPROBS_CUDA=ON) */
} dtn_backend_info;

/* One tensor of a plan. For DTN_KIND_DENSE, rows x cols is the element count (rows = 1 for
 * 1-D) and the tensor must be contiguous; block fields are ignored. For DTN_KIND_BLOCKED,
 * row_ptr has ceil(rows / block_size) + 1 entries and col_idx row_ptr[last] entries, the
 * block columns of each block row in increasing order (BSR). Arrays are host memory and are
 * copied; param and grad are pointers on the plan's device, of dtype `dtype`. */
typedef struct dtn_tensor_desc {
    void* param;
    const void* grad;
    int64_t rows;
    int64_t cols;
    int64_t param_ld; /* elements between rows of param */
    int64_t grad_ld;  /* elements between rows of grad */
    int32_t kind;
    int32_t dtype;
    int32_t block_size;
    int32_t reserved;
    const int32_t* row_ptr;
    const int32_t* col_idx;
} dtn_tensor_desc;

/* Doubles, so that derived scalars (1 - beta1, lr / bias_correction1, ...) are formed in double
 * and rounded to fp32 once, exactly as PyTorch does with its double Python scalars. */
typedef struct dtn_step_args {
    double lr;
    double beta1;
    double beta2;
    double eps;
    double weight_decay;
    double bias_correction1; /* 1 - beta1^t, computed by the caller for step t */
    double bias_correction2; /* 1 - beta2^t */
    double max_grad_norm;    /* <= 0: no clipping */
    int32_t compute_norm;    /* 1: compute the global norm even without clipping */
    int32_t reserved;
    uint64_t step;           /* only seeds stochastic rounding */
    /* Optional: a float32 scalar on the plan's device holding the global gradient L2 norm the
     * caller already computed. When clipping or the norm is asked for, it replaces the plan's own
     * norm pass (which covers active blocks only, so pass it only when that is the same set of
     * gradients, e.g. every block active). NULL: the plan computes the norm. */
    const float* grad_norm;
} dtn_step_args;

typedef struct dtn_step_result {
    double grad_norm;  /* global L2 norm over active blocks and dense tensors (or args.grad_norm), before clipping; -1 when not computed */
    int32_t finite;    /* 0: a gradient was NaN or infinite and nothing was changed */
    int32_t applied;   /* 1: parameters and moments were updated */
} dtn_step_result;

typedef struct dtn_plan dtn_plan;

DTN_API const char* dtn_last_error(void);
DTN_API int dtn_backend_info_get(dtn_backend_info* out);

DTN_API int dtn_plan_create(int32_t device_type, int32_t device_index, const dtn_tensor_desc* tensors,
                            int32_t tensor_count, int32_t flags, uint64_t seed, dtn_plan** out_plan);
DTN_API int dtn_plan_destroy(dtn_plan* plan);

/* params/grads: the current pointers of every tensor, in plan order (grads can be reallocated
 * between steps); the device tables are re-uploaded only when a pointer changed.
 * CUDA: one launch without the norm. With clipping or compute_norm, so that out_result can say
 * whether the gradients were finite, one small device-to-host copy is the only wait of a step:
 * with args.grad_norm it reads that norm before the update is launched (waiting only for the work
 * that produced it; a non-finite norm launches nothing) and the step returns without waiting for
 * the update; without it a norm launch precedes the update and the copy follows it. */
DTN_API int dtn_plan_step(dtn_plan* plan, const dtn_step_args* args, void* const* params,
                          const void* const* grads, dtn_step_result* out_result);

/* The L2 norm of the gradients the plan covers (dense tensors whole, blocked tensors over their active
 * blocks: for a plan with every block active, the global norm of all its gradients), summed in double
 * and written as one float to out_norm: plan-device memory (a CUDA plan's device, host memory for a
 * CPU plan). CUDA: queued on the legacy default stream, nothing waits; NaN and Inf propagate. params
 * and grads as in dtn_plan_step (both NULL: the pointers of the last call). */
DTN_API int dtn_plan_grad_norm(dtn_plan* plan, void* const* params, const void* const* grads, float* out_norm);

/* As dtn_plan_grad_norm, over every element of every gradient the plan knows, frozen blocks included: the
 * global norm a training loop reports and checks for NaN while only some blocks train (the update's own
 * clipping norm stays the active blocks' one). Same memory, stream and pointer rules. */
DTN_API int dtn_plan_global_grad_norm(dtn_plan* plan, void* const* params, const void* const* grads, float* out_norm);

/* Zeroes every element of every gradient the plan knows (frozen blocks included), in place: what a training loop
 * does before each backward, in one launch instead of one per tensor. The gradients are the caller's buffers; the
 * plan only writes zeros into them. Same pointer rules (both NULL: the pointers of the last call); CUDA: queued on
 * the legacy default stream, nothing waits. */
DTN_API int dtn_plan_zero_grads(dtn_plan* plan, void* const* params, const void* const* grads);

/* accumulators[i] = keep * accumulators[i] + weight * grad_i^2, element by element, for every tensor i of the plan
 * whose accumulator is not NULL (float32, rows x cols contiguous on the plan's device, the gradient's elements in
 * row-major order): a running mean of squared gradients (Fisher) in one launch over every gradient element. The
 * product keep * a is rounded to float32 before weight * g * g is added, as two in-place tensor ops would. keep and
 * weight are rounded to float32. Same pointer and stream rules as dtn_plan_zero_grads, except that CUDA uploads the
 * table of accumulator addresses (one synchronous copy) on the first call and whenever one of them changed. */
DTN_API int dtn_plan_accumulate_squares(dtn_plan* plan, void* const* params, const void* const* grads,
                                        float* const* accumulators, double keep, double weight);

/* Replaces the active blocks of one blocked tensor. Blocks kept keep their moments (and master),
 * new blocks start with zero moments (master from the current weights), dropped blocks are freed. */
DTN_API int dtn_plan_set_active(dtn_plan* plan, int32_t tensor_index, const int32_t* row_ptr,
                                const int32_t* col_idx, int64_t nnz_blocks);

/* State of one tensor: elements = nnz_blocks * B * B (blocked) or rows * cols (dense). */
DTN_API int dtn_plan_state_size(const dtn_plan* plan, int32_t tensor_index, int64_t* out_nnz_blocks,
                                int64_t* out_elements, int32_t* out_has_master);
/* Copies state to/from caller buffers of `elements` floats (host or plan-device memory);
 * any of the pointers may be null to skip that part. */
DTN_API int dtn_plan_get_state(const dtn_plan* plan, int32_t tensor_index, float* exp_avg, float* exp_avg_sq,
                               float* master);
DTN_API int dtn_plan_set_state(dtn_plan* plan, int32_t tensor_index, const float* exp_avg,
                               const float* exp_avg_sq, const float* master);
/* Reloads the fp32 master copies from the (bf16) weights, after they were changed outside. */
DTN_API int dtn_plan_sync_master(dtn_plan* plan, void* const* params);
/* Bytes of optimizer state and tables the plan holds on its device. */
DTN_API int dtn_plan_state_bytes(const dtn_plan* plan, int64_t* out_bytes);

/* Token log-probabilities from logits the caller computed (a chunk of hidden · headᵀ), without an
 * fp32 copy of them: for each of `rows` rows of `vocab` logits (`ld` elements apart, float32 or
 * bfloat16), out_lse[r] = logsumexp(x[r, :]) (fp32 arithmetic) and out_logprob[r] = x[r, target[r]] −
 * out_lse[r]. A target outside 0..vocab−1 gives NaN, as do NaN logits. All pointers are on the given
 * device; CUDA launches on the legacy default stream and does not wait. */
DTN_API int dtn_token_logprobs(int32_t device_type, int32_t device_index, int32_t dtype, const void* logits, int64_t rows,
                               int64_t vocab, int64_t ld, const int64_t* targets, float* out_logprob, float* out_lse);
/* The gradient of Σ_r weight[r]·logprob[r] with respect to the logits, written over them in place:
 * x[r, v] ← weight[r]·(1[v = target[r]] − exp(x[r, v] − lse[r])), rounded to the logits' dtype
 * (rows with weight 0 become 0). lse: out_lse of dtn_token_logprobs on the same logits. */
DTN_API int dtn_token_logprobs_backward(int32_t device_type, int32_t device_index, int32_t dtype, void* logits, int64_t rows,
                                        int64_t vocab, int64_t ld, const int64_t* targets, const float* lse,
                                        const float* weight);

/* Gemma's RMSNorm over the last dimension, as transformers' Gemma3RMSNorm computes it in fp32:
 * rstd[r] = 1 / sqrt(mean_c(x[r, c]²) + eps), y[r, c] = (x[r, c]·rstd[r])·(1 + weight[c]), rounded once to the
 * dtype. x, weight, y: float32 or bfloat16 (one dtype), rows × cols contiguous, 1 ≤ cols ≤ DTN_RMSNORM_MAX_COLS;
 * rstd: rows floats, or NULL when no backward follows. All pointers on the given device; CUDA launches on the
 * legacy default stream and does not wait (the caller's tensors must be ordered with that stream: libtorch's
 * default stream is it, and a caller on another stream must synchronise first). */
#define DTN_RMSNORM_MAX_COLS 12000
DTN_API int dtn_rmsnorm(int32_t device_type, int32_t device_index, int32_t dtype, const void* x, const void* weight, int64_t rows,
                        int64_t cols, double eps, void* y, float* rstd);
/* Floats of scratch dtn_rmsnorm_backward needs on a CUDA device for rows × cols (none on the CPU). */
DTN_API int dtn_rmsnorm_workspace(int64_t rows, int64_t cols, int64_t* out_floats);
/* The backward of dtn_rmsnorm with its rstd, for the upstream gradient dy (rows × cols, the dtype of x):
 * with n = x·rstd and g = dy·(1 + weight), dx = rstd·(g − n·mean_c(g·n)) in the dtype of x, and
 * dweight[c] = Σ_r dy[r, c]·n[r, c] as cols floats (written, not accumulated). workspace: at least
 * dtn_rmsnorm_workspace floats on a CUDA device (may be NULL on the CPU); the result does not depend on
 * thread scheduling. */
DTN_API int dtn_rmsnorm_backward(int32_t device_type, int32_t device_index, int32_t dtype, const void* x, const void* weight,
                                 const float* rstd, const void* dy, int64_t rows, int64_t cols, void* dx, float* dweight,
                                 float* workspace);

#ifdef __cplusplus
}
#endif
#endif
