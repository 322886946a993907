// v1, the naive baseline: one thread block of 256 threads per tile, element by element.
#include "lab.cuh"

const char* kVersion = "v1";
const char* kNotes = "one 256-thread block per tile, scalar loads";

__global__ void v1_kernel(const LabTensor* tensors, const LabTile* tiles, dtn::AdamScalars s) {
    const LabTile tile = tiles[blockIdx.x];
    lab_tile_scalar(tensors[tile.tensor], tile, s, threadIdx.x, blockDim.x);
}

void lab_launch(const LabTensor* d_tensors, const LabTile* d_tiles, int64_t ntiles, dtn::AdamScalars s, int) {
    if (ntiles > 0) v1_kernel<<<(unsigned)ntiles, 256>>>(d_tensors, d_tiles, s);
}
