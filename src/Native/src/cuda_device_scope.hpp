// For the CUDA entry points that take a device index: errors as dtn::Error, and the caller's current device
// given back when the call returns.
#pragma once
#include <cuda_runtime.h>

#include <string>

#include "../include/deltatui_native.h"
#include "plan.hpp"

namespace dtn {

inline void cuda_check(cudaError_t e, const char* what) {
    if (e != cudaSuccess) throw Error{DTN_ERR_CUDA, std::string(what) + ": " + cudaGetErrorString(e)};
}

class DeviceScope {
public:
    explicit DeviceScope(int device) : device_(device) {
        cuda_check(cudaGetDevice(&previous_), "cudaGetDevice");
        if (previous_ != device) cuda_check(cudaSetDevice(device), "cudaSetDevice");
    }
    ~DeviceScope() {
        if (previous_ != device_) cudaSetDevice(previous_);
    }
    DeviceScope(const DeviceScope&) = delete;
    DeviceScope& operator=(const DeviceScope&) = delete;
    int sm_count() const {
        int sms = 0;
        cuda_check(cudaDeviceGetAttribute(&sms, cudaDevAttrMultiProcessorCount, device_), "cudaDeviceGetAttribute");
        return sms;
    }

private:
    int device_ = 0;
    int previous_ = 0;
};

}  // namespace dtn
