// Reads and writes of float32 / bfloat16 elements in fp32, for the CPU backends and the CUDA kernels alike: bf16
// widened exactly, written with round-to-nearest-even as torch's cast does.
#pragma once
#include <cstdint>

#include "../include/deltatui_native.h"
#include "adamw_math.hpp"

namespace dtn {

DTN_HD int64_t element_bytes(int32_t dtype) { return dtype == DTN_FLOAT32 ? 4 : 2; }

DTN_HD float load(const float* p, int64_t i) { return p[i]; }
DTN_HD float load(const uint16_t* p, int64_t i) { return bf16_bits_to_float(p[i]); }
DTN_HD void store(float* p, int64_t i, float v) { p[i] = v; }
DTN_HD void store(uint16_t* p, int64_t i, float v) { p[i] = float_to_bf16_rne(v); }

}  // namespace dtn
