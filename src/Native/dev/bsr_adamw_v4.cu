// v4: v3 two vectors deep (64 registers instead of 128: twice the resident warps) and the
// gradient, read exactly once, loaded with the evict-first hint (__ldcs) so it does not push
// the moments out of L2.
#define LAB_NAME "v4"
#define LAB_NOTES "v3 with depth 2 (higher occupancy) and evict-first gradient loads"
#define LAB_DEPTH 2
#define LAB_LOAD_GRAD __ldcs
#include "bsr_adamw_v3.cu"
