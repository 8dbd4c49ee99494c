// allocator.h: keep freed matrices for reuse on the desktop (glibc). Every recompute builds a new
// trace of 256 KB-1 MB matrices and frees the last one; by default glibc serves such blocks with
// mmap or trims them off the heap on free, so each recompute page-faults its whole trace in again
// (n = 256, 8 heads, d_model = 512: 18 ms instead of 7.6). wasm's allocator never returns memory.
#pragma once
#include <cstdlib>  // defines __GLIBC__ on glibc
#if defined(__GLIBC__) && !defined(__EMSCRIPTEN__)
#include <malloc.h>
#endif

namespace attn::platform {

inline void keep_freed_memory() {
#if defined(__GLIBC__) && !defined(__EMSCRIPTEN__)
  mallopt(M_MMAP_THRESHOLD, 32 << 20);  // blocks below 32 MB (glibc's maximum) come from the heap...
  mallopt(M_TRIM_THRESHOLD, 256 << 20); // ...and up to 256 MB of freed heap stays mapped
#endif
}

}  // namespace attn::platform
