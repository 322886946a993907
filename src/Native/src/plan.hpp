// The plan: per-tensor tables and optimizer state, independent of the backend that runs it.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "../include/deltatui_native.h"
#include "adamw_math.hpp"

namespace dtn {

// Dense tensors are cut into chunks of this many elements so they share the tile work list.
constexpr int64_t kDenseChunk = 4096;
// Marks a tile as a chunk of a tensor's flat gradient whatever the tensor's kind: the global norm reads
// every element of a blocked tensor this way, not only its active blocks.
constexpr int32_t kFlatChunk = -1;

struct TensorEntry {
    int32_t kind = DTN_KIND_DENSE;
    int32_t dtype = DTN_FLOAT32;
    int32_t block_size = 0;
    int64_t rows = 0, cols = 0, param_ld = 0, grad_ld = 0;
    void* param = nullptr;
    const void* grad = nullptr;
    std::vector<int32_t> row_ptr, col_idx;
    int64_t nnz_blocks = 0;
    float* exp_avg = nullptr;
    float* exp_avg_sq = nullptr;
    float* master = nullptr;  // only for bf16 weights

    int64_t block_rows() const { return block_size > 0 ? (rows + block_size - 1) / block_size : 0; }
    int64_t block_cols() const { return block_size > 0 ? (cols + block_size - 1) / block_size : 0; }
    int64_t state_elements() const {
        return kind == DTN_KIND_BLOCKED ? nnz_blocks * (int64_t)block_size * block_size : rows * cols;
    }
    bool has_master() const { return dtype == DTN_BFLOAT16; }
};

// One unit of work: a block of a blocked tensor, or a chunk of a dense one.
struct Tile {
    int32_t tensor;
    int32_t block_row;  // dense: 0; kFlatChunk: a chunk of any tensor's flat gradient (norms over every element)
    int32_t block_col;  // dense: 0
    int32_t local;      // index of the block among the tensor's active blocks, or the chunk index
};

// Where a block of a new active set takes its state from: an index into the old blocks, or -1 (fresh).
struct BlockSource {
    int32_t block_row;
    int32_t block_col;
    int32_t old_local;
};

class Backend {
public:
    virtual ~Backend() = default;
    virtual float* alloc_floats(int64_t count) = 0;
    virtual void free_floats(float* p) noexcept = 0;
    virtual void copy_bytes(void* dst, const void* src, int64_t bytes) = 0;
    // Builds new state arrays for `t` from the old ones: copied for kept blocks, zero moments and
    // master from the weights for fresh ones. Dense tensors: sources empty, everything fresh.
    virtual void fill_state(const TensorEntry& t, const std::vector<BlockSource>& sources, const float* old_m,
                            const float* old_v, const float* old_master, float* new_m, float* new_v,
                            float* new_master) = 0;
    virtual void tables_changed() = 0;
    virtual void step(struct Plan& plan, const dtn_step_args& args, dtn_step_result& result) = 0;
    // sqrt(Σ g²) over the plan's tiles (every_element: over every tile of Plan::every_element_tiles), as one
    // float written to `out` in the backend's memory.
    virtual void grad_norm(struct Plan& plan, float* out, bool every_element) = 0;
    // Zeroes every gradient element (Plan::every_element_tiles). Everything else only reads gradients (they are
    // const in TensorEntry); this is the one write, asked for by the caller who owns them.
    virtual void zero_grads(struct Plan& plan) = 0;
    // acc[i] = keep * acc[i] + weight * g² over every gradient element of each tensor with an accumulator
    // (accumulators: one per tensor, nullptr to skip; contiguous float32 in the gradient's row-major order).
    virtual void accumulate_squares(struct Plan& plan, float* const* accumulators, float keep, float weight) = 0;
    virtual int64_t table_bytes() const = 0;
};

struct Plan {
    int32_t device_type = DTN_DEVICE_CPU;
    int32_t device_index = 0;
    int32_t flags = 0;
    uint64_t seed = 0;
    std::vector<TensorEntry> tensors;
    std::vector<Tile> tiles;
    std::unique_ptr<Backend> backend;

    void rebuild_tiles();
    // Every gradient element once: flat chunks where a tensor's gradient rows are contiguous, all blocks of a
    // blocked tensor whose rows are strided. Built on first use (shapes never change).
    const std::vector<Tile>& every_element_tiles();
    ~Plan();

private:
    std::vector<Tile> every_element_tiles_;
};

std::unique_ptr<Backend> make_cpu_backend();
#ifdef DTN_HAVE_CUDA
std::unique_ptr<Backend> make_cuda_backend(int device_index);
int cuda_device_count();
#endif

// Thrown inside the library only; api.cpp turns it into a status code and the last-error text.
struct Error {
    int status;
    std::string message;
};

}  // namespace dtn
