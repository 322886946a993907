// The C ABI: validation, error capture and plan bookkeeping. Backends do the arithmetic.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <exception>
#include <new>
#include <string>

#ifdef _OPENMP
#include <omp.h>
#endif

#include "plan.hpp"
#include "rmsnorm.hpp"
#include "token_logprobs.hpp"

namespace {

thread_local std::string g_last_error;

[[noreturn]] void fail(int status, const std::string& message) { throw dtn::Error{status, message}; }

template <typename F>
int guarded(F&& body) noexcept {
    try {
        body();
        return DTN_OK;
    } catch (const dtn::Error& e) {
        g_last_error = e.message;
        return e.status;
    } catch (const std::bad_alloc&) {
        g_last_error = "out of host memory";
        return DTN_ERR_OUT_OF_MEMORY;
    } catch (const std::exception& e) {
        g_last_error = std::string("internal error: ") + e.what();
        return DTN_ERR_INTERNAL;
    } catch (...) {
        g_last_error = "internal error";
        return DTN_ERR_INTERNAL;
    }
}

std::string where(int32_t index) { return "tensor " + std::to_string(index) + ": "; }

void validate_blocks(int32_t index, const dtn::TensorEntry& t, const int32_t* row_ptr, const int32_t* col_idx,
                     int64_t nnz_expected) {
    const int64_t nbr = t.block_rows(), nbc = t.block_cols();
    if (!row_ptr) fail(DTN_ERR_INVALID_ARGUMENT, where(index) + "row_ptr is null");
    if (row_ptr[0] != 0) fail(DTN_ERR_INVALID_ARGUMENT, where(index) + "row_ptr[0] must be 0");
    for (int64_t r = 0; r < nbr; ++r) {
        if (row_ptr[r + 1] < row_ptr[r])
            fail(DTN_ERR_INVALID_ARGUMENT, where(index) + "row_ptr decreases at block row " + std::to_string(r));
    }
    const int64_t nnz = row_ptr[nbr];
    if (nnz_expected >= 0 && nnz != nnz_expected)
        fail(DTN_ERR_INVALID_ARGUMENT, where(index) + "row_ptr ends at " + std::to_string(nnz) + " but nnz_blocks is " +
                                           std::to_string(nnz_expected));
    if (nnz > 0 && !col_idx) fail(DTN_ERR_INVALID_ARGUMENT, where(index) + "col_idx is null");
    for (int64_t r = 0; r < nbr; ++r) {
        for (int64_t k = row_ptr[r]; k < row_ptr[r + 1]; ++k) {
            if (col_idx[k] < 0 || col_idx[k] >= nbc)
                fail(DTN_ERR_INVALID_ARGUMENT, where(index) + "col_idx[" + std::to_string(k) + "] = " +
                                                   std::to_string(col_idx[k]) + " is outside 0.." + std::to_string(nbc - 1));
            if (k > row_ptr[r] && col_idx[k] <= col_idx[k - 1])
                fail(DTN_ERR_INVALID_ARGUMENT, where(index) + "col_idx of block row " + std::to_string(r) +
                                                   " is not strictly increasing");
        }
    }
}

dtn::TensorEntry make_entry(int32_t index, const dtn_tensor_desc& d) {
    dtn::TensorEntry t;
    if (d.kind != DTN_KIND_BLOCKED && d.kind != DTN_KIND_DENSE)
        fail(DTN_ERR_INVALID_ARGUMENT, where(index) + "unknown kind " + std::to_string(d.kind));
    if (d.dtype != DTN_FLOAT32 && d.dtype != DTN_BFLOAT16)
        fail(DTN_ERR_UNSUPPORTED, where(index) + "dtype " + std::to_string(d.dtype) + " is neither float32 nor bfloat16");
    if (d.rows <= 0 || d.cols <= 0) fail(DTN_ERR_INVALID_ARGUMENT, where(index) + "rows and cols must be positive");
    // grad may still be null here (gradients usually appear after the plan); steps then pass pointers.
    if (!d.param) fail(DTN_ERR_INVALID_ARGUMENT, where(index) + "param pointer is null");
    t.kind = d.kind;
    t.dtype = d.dtype;
    t.rows = d.rows;
    t.cols = d.cols;
    t.param = d.param;
    t.grad = d.grad;
    if (d.kind == DTN_KIND_DENSE) {
        t.param_ld = t.grad_ld = d.cols;
        return t;
    }
    if (d.param_ld < d.cols || d.grad_ld < d.cols)
        fail(DTN_ERR_INVALID_ARGUMENT, where(index) + "leading dimensions must be at least cols");
    if (d.block_size != 16 && d.block_size != 32 && d.block_size != 64 && d.block_size != 128)
        fail(DTN_ERR_INVALID_ARGUMENT, where(index) + "block_size " + std::to_string(d.block_size) + " is not 16, 32, 64 or 128");
    if ((d.rows + d.block_size - 1) / d.block_size > INT32_MAX || (d.cols + d.block_size - 1) / d.block_size > INT32_MAX)
        fail(DTN_ERR_INVALID_ARGUMENT, where(index) + "too many blocks");
    t.param_ld = d.param_ld;
    t.grad_ld = d.grad_ld;
    t.block_size = d.block_size;
    validate_blocks(index, t, d.row_ptr, d.col_idx, -1);
    const int64_t nbr = t.block_rows();
    t.row_ptr.assign(d.row_ptr, d.row_ptr + nbr + 1);
    t.nnz_blocks = t.row_ptr[nbr];
    t.col_idx.assign(d.col_idx, d.col_idx + t.nnz_blocks);
    return t;
}

// Allocates and fills the state of `t` for the active set it now holds, taking kept blocks
// from `old` (which may be empty).
void allocate_state(dtn::Plan& plan, dtn::TensorEntry& t, const dtn::TensorEntry* old) {
    std::vector<dtn::BlockSource> sources;
    if (t.kind == DTN_KIND_BLOCKED) {
        sources.reserve((size_t)t.nnz_blocks);
        for (int64_t r = 0; r < t.block_rows(); ++r) {
            int64_t ok = old ? old->row_ptr[r] : 0;
            const int64_t oend = old ? old->row_ptr[r + 1] : 0;
            for (int64_t k = t.row_ptr[r]; k < t.row_ptr[r + 1]; ++k) {
                const int32_t c = t.col_idx[k];
                while (ok < oend && old->col_idx[ok] < c) ++ok;
                const int32_t src = (ok < oend && old->col_idx[ok] == c) ? (int32_t)ok : -1;
                sources.push_back({(int32_t)r, c, src});
            }
        }
    }
    const int64_t n = t.state_elements();
    float* m = nullptr;
    float* v = nullptr;
    float* master = nullptr;
    try {
        if (n > 0) {
            m = plan.backend->alloc_floats(n);
            v = plan.backend->alloc_floats(n);
            if (t.has_master()) master = plan.backend->alloc_floats(n);
            plan.backend->fill_state(t, sources, old ? old->exp_avg : nullptr, old ? old->exp_avg_sq : nullptr,
                                     old ? old->master : nullptr, m, v, master);
        }
    } catch (...) {
        plan.backend->free_floats(m);
        plan.backend->free_floats(v);
        plan.backend->free_floats(master);
        throw;
    }
    t.exp_avg = m;
    t.exp_avg_sq = v;
    t.master = master;
}

void free_state(dtn::Plan& plan, dtn::TensorEntry& t) {
    plan.backend->free_floats(t.exp_avg);
    plan.backend->free_floats(t.exp_avg_sq);
    plan.backend->free_floats(t.master);
    t.exp_avg = t.exp_avg_sq = t.master = nullptr;
}

dtn::TensorEntry& tensor_at(dtn::Plan* plan, int32_t index) {
    if (!plan) fail(DTN_ERR_INVALID_ARGUMENT, "plan is null");
    if (index < 0 || index >= (int32_t)plan->tensors.size())
        fail(DTN_ERR_INVALID_ARGUMENT, "tensor index " + std::to_string(index) + " is outside 0.." +
                                           std::to_string((int)plan->tensors.size() - 1));
    return plan->tensors[(size_t)index];
}

}  // namespace

namespace dtn {

void Plan::rebuild_tiles() {
    tiles.clear();
    for (size_t i = 0; i < tensors.size(); ++i) {
        const TensorEntry& t = tensors[i];
        if (t.kind == DTN_KIND_BLOCKED) {
            for (int64_t r = 0; r < t.block_rows(); ++r)
                for (int64_t k = t.row_ptr[r]; k < t.row_ptr[r + 1]; ++k)
                    tiles.push_back({(int32_t)i, (int32_t)r, t.col_idx[k], (int32_t)k});
        } else {
            const int64_t chunks = (t.rows * t.cols + kDenseChunk - 1) / kDenseChunk;
            for (int64_t c = 0; c < chunks; ++c) tiles.push_back({(int32_t)i, 0, 0, (int32_t)c});
        }
    }
    backend->tables_changed();
}

const std::vector<Tile>& Plan::every_element_tiles() {
    if (!every_element_tiles_.empty() || tensors.empty()) return every_element_tiles_;
    for (size_t i = 0; i < tensors.size(); ++i) {
        const TensorEntry& t = tensors[i];
        if (t.kind == DTN_KIND_BLOCKED && t.grad_ld != t.cols) {
            for (int64_t r = 0; r < t.block_rows(); ++r)
                for (int64_t c = 0; c < t.block_cols(); ++c) every_element_tiles_.push_back({(int32_t)i, (int32_t)r, (int32_t)c, -1});
        } else {
            const int64_t chunks = (t.rows * t.cols + kDenseChunk - 1) / kDenseChunk;
            for (int64_t c = 0; c < chunks; ++c) every_element_tiles_.push_back({(int32_t)i, kFlatChunk, 0, (int32_t)c});
        }
    }
    return every_element_tiles_;
}

Plan::~Plan() {
    if (!backend) return;
    for (auto& t : tensors) {
        backend->free_floats(t.exp_avg);
        backend->free_floats(t.exp_avg_sq);
        backend->free_floats(t.master);
    }
}

}  // namespace dtn

extern "C" {

const char* dtn_last_error(void) { return g_last_error.c_str(); }

int dtn_backend_info_get(dtn_backend_info* out) {
    return guarded([&] {
        if (!out) fail(DTN_ERR_INVALID_ARGUMENT, "out is null");
        out->abi_version = DTN_ABI_VERSION;
#ifdef DTN_HAVE_CUDA
        out->cuda_compiled = 1;
        out->cuda_device_count = dtn::cuda_device_count();
#else
        out->cuda_compiled = 0;
        out->cuda_device_count = 0;
#endif
#ifdef _OPENMP
        out->openmp_threads = omp_get_max_threads();
#else
        out->openmp_threads = 1;
#endif
#ifdef DTN_HAVE_TOKEN_LOGPROBS_CUDA
        out->token_logprobs_cuda = 1;
#else
        out->token_logprobs_cuda = 0;
#endif
    });
}

int dtn_plan_create(int32_t device_type, int32_t device_index, const dtn_tensor_desc* tensors, int32_t tensor_count,
                    int32_t flags, uint64_t seed, dtn_plan** out_plan) {
    return guarded([&] {
        if (!out_plan) fail(DTN_ERR_INVALID_ARGUMENT, "out_plan is null");
        *out_plan = nullptr;
        if (tensor_count < 0 || (tensor_count > 0 && !tensors))
            fail(DTN_ERR_INVALID_ARGUMENT, "tensors is null or tensor_count is negative");
        if ((flags & ~DTN_FLAG_STOCHASTIC_ROUNDING) != 0) fail(DTN_ERR_INVALID_ARGUMENT, "unknown flags");
        auto plan = std::make_unique<dtn::Plan>();
        plan->device_type = device_type;
        plan->device_index = device_index;
        plan->flags = flags;
        plan->seed = seed;
        if (device_type == DTN_DEVICE_CPU) {
            plan->backend = dtn::make_cpu_backend();
        } else if (device_type == DTN_DEVICE_CUDA) {
#ifdef DTN_HAVE_CUDA
            plan->backend = dtn::make_cuda_backend(device_index);
#else
            fail(DTN_ERR_UNSUPPORTED, "this build of deltatui_native has no CUDA backend");
#endif
        } else {
            fail(DTN_ERR_INVALID_ARGUMENT, "unknown device type " + std::to_string(device_type));
        }
        plan->tensors.reserve((size_t)tensor_count);
        for (int32_t i = 0; i < tensor_count; ++i) plan->tensors.push_back(make_entry(i, tensors[i]));
        for (auto& t : plan->tensors) allocate_state(*plan, t, nullptr);
        plan->rebuild_tiles();
        *out_plan = reinterpret_cast<dtn_plan*>(plan.release());
    });
}

int dtn_plan_destroy(dtn_plan* plan) {
    return guarded([&] { delete reinterpret_cast<dtn::Plan*>(plan); });
}

namespace {
// The pointers of this call (both given) or of the last one (neither); the device tables follow a change.
void use_pointers(dtn::Plan* plan, void* const* params, const void* const* grads) {
    if (params || grads) {
        if (!params || !grads) fail(DTN_ERR_INVALID_ARGUMENT, "pass both params and grads, or neither");
        for (size_t i = 0; i < plan->tensors.size(); ++i) {
            if (!params[i] || !grads[i]) fail(DTN_ERR_INVALID_ARGUMENT, where((int32_t)i) + "null param or grad");
        }
        bool changed = false;
        for (size_t i = 0; i < plan->tensors.size(); ++i) {
            auto& t = plan->tensors[i];
            changed |= t.param != params[i] || t.grad != grads[i];
            t.param = params[i];
            t.grad = grads[i];
        }
        if (changed) plan->backend->tables_changed();
    } else {
        for (size_t i = 0; i < plan->tensors.size(); ++i) {
            if (!plan->tensors[i].grad) fail(DTN_ERR_INVALID_ARGUMENT, where((int32_t)i) + "has no gradient pointer yet");
        }
    }
}
}  // namespace

int dtn_plan_step(dtn_plan* handle, const dtn_step_args* args, void* const* params, const void* const* grads,
                  dtn_step_result* out_result) {
    return guarded([&] {
        auto* plan = reinterpret_cast<dtn::Plan*>(handle);
        if (!plan || !args || !out_result) fail(DTN_ERR_INVALID_ARGUMENT, "plan, args or out_result is null");
        if (!(args->bias_correction1 > 0) || !(args->bias_correction2 > 0))
            fail(DTN_ERR_INVALID_ARGUMENT, "bias corrections must be positive (step numbers start at 1)");
        if (!(args->eps > 0)) fail(DTN_ERR_INVALID_ARGUMENT, "eps must be positive");
        use_pointers(plan, params, grads);
        out_result->grad_norm = -1;
        out_result->finite = 1;
        out_result->applied = 0;
        plan->backend->step(*plan, *args, *out_result);
    });
}

namespace {
int plan_grad_norm(dtn_plan* handle, void* const* params, const void* const* grads, float* out_norm, bool every_element) {
    return guarded([&] {
        auto* plan = reinterpret_cast<dtn::Plan*>(handle);
        if (!plan || !out_norm) fail(DTN_ERR_INVALID_ARGUMENT, "plan or out_norm is null");
        use_pointers(plan, params, grads);
        plan->backend->grad_norm(*plan, out_norm, every_element);
    });
}
}  // namespace

int dtn_plan_grad_norm(dtn_plan* handle, void* const* params, const void* const* grads, float* out_norm) {
    return plan_grad_norm(handle, params, grads, out_norm, false);
}

int dtn_plan_global_grad_norm(dtn_plan* handle, void* const* params, const void* const* grads, float* out_norm) {
    return plan_grad_norm(handle, params, grads, out_norm, true);
}

int dtn_plan_zero_grads(dtn_plan* handle, void* const* params, const void* const* grads) {
    return guarded([&] {
        auto* plan = reinterpret_cast<dtn::Plan*>(handle);
        if (!plan) fail(DTN_ERR_INVALID_ARGUMENT, "plan is null");
        use_pointers(plan, params, grads);
        plan->backend->zero_grads(*plan);
    });
}

int dtn_plan_accumulate_squares(dtn_plan* handle, void* const* params, const void* const* grads, float* const* accumulators,
                                double keep, double weight) {
    return guarded([&] {
        auto* plan = reinterpret_cast<dtn::Plan*>(handle);
        if (!plan || !accumulators) fail(DTN_ERR_INVALID_ARGUMENT, "plan or accumulators is null");
        if (!std::isfinite(keep) || !std::isfinite(weight)) fail(DTN_ERR_INVALID_ARGUMENT, "keep and weight must be finite");
        use_pointers(plan, params, grads);
        plan->backend->accumulate_squares(*plan, accumulators, (float)keep, (float)weight);
    });
}

int dtn_plan_set_active(dtn_plan* handle, int32_t tensor_index, const int32_t* row_ptr, const int32_t* col_idx,
                        int64_t nnz_blocks) {
    return guarded([&] {
        auto* plan = reinterpret_cast<dtn::Plan*>(handle);
        dtn::TensorEntry& t = tensor_at(plan, tensor_index);
        if (t.kind != DTN_KIND_BLOCKED) fail(DTN_ERR_INVALID_ARGUMENT, where(tensor_index) + "is dense, it has no blocks");
        validate_blocks(tensor_index, t, row_ptr, col_idx, nnz_blocks);
        dtn::TensorEntry next = t;
        next.row_ptr.assign(row_ptr, row_ptr + t.block_rows() + 1);
        next.nnz_blocks = nnz_blocks;
        next.col_idx.assign(col_idx, col_idx + nnz_blocks);
        allocate_state(*plan, next, &t);
        free_state(*plan, t);
        t = std::move(next);
        plan->rebuild_tiles();
    });
}

int dtn_plan_state_size(const dtn_plan* handle, int32_t tensor_index, int64_t* out_nnz_blocks, int64_t* out_elements,
                        int32_t* out_has_master) {
    return guarded([&] {
        auto* plan = const_cast<dtn::Plan*>(reinterpret_cast<const dtn::Plan*>(handle));
        const dtn::TensorEntry& t = tensor_at(plan, tensor_index);
        if (out_nnz_blocks) *out_nnz_blocks = t.nnz_blocks;
        if (out_elements) *out_elements = t.state_elements();
        if (out_has_master) *out_has_master = t.has_master() ? 1 : 0;
    });
}

int dtn_plan_get_state(const dtn_plan* handle, int32_t tensor_index, float* exp_avg, float* exp_avg_sq, float* master) {
    return guarded([&] {
        auto* plan = const_cast<dtn::Plan*>(reinterpret_cast<const dtn::Plan*>(handle));
        const dtn::TensorEntry& t = tensor_at(plan, tensor_index);
        const int64_t bytes = t.state_elements() * 4;
        if (bytes == 0) return;
        if (exp_avg) plan->backend->copy_bytes(exp_avg, t.exp_avg, bytes);
        if (exp_avg_sq) plan->backend->copy_bytes(exp_avg_sq, t.exp_avg_sq, bytes);
        if (master) {
            if (!t.master) fail(DTN_ERR_INVALID_ARGUMENT, where(tensor_index) + "has no master copy (float32 weights)");
            plan->backend->copy_bytes(master, t.master, bytes);
        }
    });
}

int dtn_plan_set_state(dtn_plan* handle, int32_t tensor_index, const float* exp_avg, const float* exp_avg_sq,
                       const float* master) {
    return guarded([&] {
        auto* plan = reinterpret_cast<dtn::Plan*>(handle);
        dtn::TensorEntry& t = tensor_at(plan, tensor_index);
        const int64_t bytes = t.state_elements() * 4;
        if (bytes == 0) return;
        if (exp_avg) plan->backend->copy_bytes(t.exp_avg, exp_avg, bytes);
        if (exp_avg_sq) plan->backend->copy_bytes(t.exp_avg_sq, exp_avg_sq, bytes);
        if (master) {
            if (!t.master) fail(DTN_ERR_INVALID_ARGUMENT, where(tensor_index) + "has no master copy (float32 weights)");
            plan->backend->copy_bytes(t.master, master, bytes);
        }
    });
}

int dtn_plan_sync_master(dtn_plan* handle, void* const* params) {
    return guarded([&] {
        auto* plan = reinterpret_cast<dtn::Plan*>(handle);
        if (!plan) fail(DTN_ERR_INVALID_ARGUMENT, "plan is null");
        for (size_t i = 0; i < plan->tensors.size(); ++i) {
            auto& t = plan->tensors[i];
            if (params) {
                if (!params[i]) fail(DTN_ERR_INVALID_ARGUMENT, where((int32_t)i) + "null param");
                t.param = params[i];
            }
            if (!t.has_master() || t.state_elements() == 0) continue;
            // Every block is marked fresh with no moment targets: only the master is rewritten.
            std::vector<dtn::BlockSource> sources;
            for (int64_t r = 0; r < t.block_rows(); ++r)
                for (int64_t k = t.row_ptr[r]; k < t.row_ptr[r + 1]; ++k) sources.push_back({(int32_t)r, t.col_idx[k], -1});
            plan->backend->fill_state(t, sources, nullptr, nullptr, nullptr, nullptr, nullptr, t.master);
        }
        plan->backend->tables_changed();
    });
}

int dtn_plan_state_bytes(const dtn_plan* handle, int64_t* out_bytes) {
    return guarded([&] {
        auto* plan = reinterpret_cast<const dtn::Plan*>(handle);
        if (!plan || !out_bytes) fail(DTN_ERR_INVALID_ARGUMENT, "plan or out_bytes is null");
        int64_t total = 0;
        for (const auto& t : plan->tensors) total += t.state_elements() * 4 * (t.has_master() ? 3 : 2);
        *out_bytes = total + plan->backend->table_bytes();
    });
}

}  // extern "C"

namespace {

dtn::TokenRows token_rows(int32_t device_type, int32_t dtype, const void* logits, int64_t rows, int64_t vocab, int64_t ld,
                          const int64_t* targets) {
    if (device_type != DTN_DEVICE_CPU && device_type != DTN_DEVICE_CUDA)
        fail(DTN_ERR_INVALID_ARGUMENT, "unknown device type " + std::to_string(device_type));
#ifndef DTN_HAVE_TOKEN_LOGPROBS_CUDA
    if (device_type == DTN_DEVICE_CUDA)
        fail(DTN_ERR_UNSUPPORTED, "this build of deltatui_native has no CUDA token log-prob kernels (configure with "
                                  "-DDTN_TOKEN_LOGPROBS_CUDA=ON once src/Native/dev/token_logprobs_v1.cu validates them on the card)");
#endif
    if (dtype != DTN_FLOAT32 && dtype != DTN_BFLOAT16)
        fail(DTN_ERR_UNSUPPORTED, "logits dtype " + std::to_string(dtype) + " is neither float32 nor bfloat16");
    if (rows < 0) fail(DTN_ERR_INVALID_ARGUMENT, "rows must not be negative");
    if (vocab <= 0) fail(DTN_ERR_INVALID_ARGUMENT, "vocab must be positive");
    if (ld < vocab) fail(DTN_ERR_INVALID_ARGUMENT, "ld (" + std::to_string(ld) + ") is smaller than vocab (" + std::to_string(vocab) + ")");
    if (rows > 0 && (!logits || !targets)) fail(DTN_ERR_INVALID_ARGUMENT, "logits or targets is null");
    return dtn::TokenRows{dtype, const_cast<void*>(logits), rows, vocab, ld, targets};
}

}  // namespace

int dtn_token_logprobs(int32_t device_type, int32_t device_index, int32_t dtype, const void* logits, int64_t rows, int64_t vocab,
                       int64_t ld, const int64_t* targets, float* out_logprob, float* out_lse) {
    return guarded([&] {
        (void)device_index;  // used by the CUDA backend only
        const auto r = token_rows(device_type, dtype, logits, rows, vocab, ld, targets);
        if (rows > 0 && (!out_logprob || !out_lse)) fail(DTN_ERR_INVALID_ARGUMENT, "out_logprob or out_lse is null");
        if (device_type == DTN_DEVICE_CPU) {
            dtn::token_logprobs_cpu(r, out_logprob, out_lse);
        } else {
#ifdef DTN_HAVE_TOKEN_LOGPROBS_CUDA
            dtn::token_logprobs_cuda(device_index, r, out_logprob, out_lse);
#endif
        }
    });
}

int dtn_token_logprobs_backward(int32_t device_type, int32_t device_index, int32_t dtype, void* logits, int64_t rows,
                                int64_t vocab, int64_t ld, const int64_t* targets, const float* lse, const float* weight) {
    return guarded([&] {
        (void)device_index;  // used by the CUDA backend only
        const auto r = token_rows(device_type, dtype, logits, rows, vocab, ld, targets);
        if (rows > 0 && (!lse || !weight)) fail(DTN_ERR_INVALID_ARGUMENT, "lse or weight is null");
        if (device_type == DTN_DEVICE_CPU) {
            dtn::token_logprobs_backward_cpu(r, lse, weight);
        } else {
#ifdef DTN_HAVE_TOKEN_LOGPROBS_CUDA
            dtn::token_logprobs_backward_cuda(device_index, r, lse, weight);
#endif
        }
    });
}

namespace {

dtn::NormRows norm_rows(int32_t device_type, int32_t dtype, int64_t rows, int64_t cols) {
    if (device_type != DTN_DEVICE_CPU && device_type != DTN_DEVICE_CUDA)
        fail(DTN_ERR_INVALID_ARGUMENT, "unknown device type " + std::to_string(device_type));
#ifndef DTN_HAVE_CUDA
    if (device_type == DTN_DEVICE_CUDA) fail(DTN_ERR_UNSUPPORTED, "this build of deltatui_native has no CUDA backend");
#endif
    if (dtype != DTN_FLOAT32 && dtype != DTN_BFLOAT16)
        fail(DTN_ERR_UNSUPPORTED, "RMSNorm dtype " + std::to_string(dtype) + " is neither float32 nor bfloat16");
    if (rows < 0) fail(DTN_ERR_INVALID_ARGUMENT, "rows must not be negative");
    if (cols < 1 || cols > DTN_RMSNORM_MAX_COLS)
        fail(DTN_ERR_UNSUPPORTED, "RMSNorm over " + std::to_string(cols) + " columns (1 to " + std::to_string(DTN_RMSNORM_MAX_COLS) + " are supported)");
    return dtn::NormRows{dtype, rows, cols};
}

}  // namespace

extern "C" {

int dtn_rmsnorm(int32_t device_type, int32_t device_index, int32_t dtype, const void* x, const void* weight, int64_t rows,
                int64_t cols, double eps, void* y, float* rstd) {
    return guarded([&] {
        (void)device_index;  // used by the CUDA backend only
        const auto n = norm_rows(device_type, dtype, rows, cols);
        if (!weight) fail(DTN_ERR_INVALID_ARGUMENT, "weight is null");
        if (rows > 0 && (!x || !y)) fail(DTN_ERR_INVALID_ARGUMENT, "x or y is null");
        if (!(eps >= 0)) fail(DTN_ERR_INVALID_ARGUMENT, "eps must not be negative");
        if (device_type == DTN_DEVICE_CPU) {
            dtn::rmsnorm_cpu(n, x, weight, eps, y, rstd);
        } else {
#ifdef DTN_HAVE_CUDA
            dtn::rmsnorm_cuda(device_index, n, x, weight, eps, y, rstd);
#endif
        }
    });
}

int dtn_rmsnorm_workspace(int64_t rows, int64_t cols, int64_t* out_floats) {
    return guarded([&] {
        if (!out_floats) fail(DTN_ERR_INVALID_ARGUMENT, "out_floats is null");
        if (rows < 0 || cols < 1) fail(DTN_ERR_INVALID_ARGUMENT, "rows must not be negative and cols must be positive");
        *out_floats = dtn::rmsnorm_workspace_floats(rows, cols);
    });
}

int dtn_rmsnorm_backward(int32_t device_type, int32_t device_index, int32_t dtype, const void* x, const void* weight,
                         const float* rstd, const void* dy, int64_t rows, int64_t cols, void* dx, float* dweight,
                         float* workspace) {
    return guarded([&] {
        (void)device_index;  // used by the CUDA backend only
        const auto n = norm_rows(device_type, dtype, rows, cols);
        if (!weight || !dweight) fail(DTN_ERR_INVALID_ARGUMENT, "weight or dweight is null");
        if (rows > 0 && (!x || !rstd || !dy || !dx)) fail(DTN_ERR_INVALID_ARGUMENT, "x, rstd, dy or dx is null");
        if (device_type == DTN_DEVICE_CPU) {
            (void)workspace;  // the CPU backend sums into its own buffers
            dtn::rmsnorm_backward_cpu(n, x, weight, rstd, dy, dx, dweight);
        } else {
#ifdef DTN_HAVE_CUDA
            if (!workspace) fail(DTN_ERR_INVALID_ARGUMENT, "workspace is null (dtn_rmsnorm_workspace says how large it must be)");
            dtn::rmsnorm_backward_cuda(device_index, n, x, weight, rstd, dy, dx, dweight, workspace);
#endif
        }
    });
}

}  // extern "C"
