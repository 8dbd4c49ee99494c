// expect.h: entry checks at the kernels' and the math layer's boundaries. A caller's mistake (a
// negative size, a leading dimension shorter than the row, a null pointer with work to do) stops a
// test build at the call that made it, naming the check, where the kernel would otherwise read or
// write out of bounds and fail far away. Active where ATTN_CHECKS is defined (the sanitizer build
// that make test runs); compiled out elsewhere, so the shipped kernels pay nothing.
#pragma once
#include <cstdio>
#include <cstdlib>

#if defined(ATTN_CHECKS)
#define ATTN_EXPECT(cond)                                                                      \
  do {                                                                                         \
    if (!(cond)) {                                                                             \
      std::fprintf(stderr, "%s:%d: %s: expected %s\n", __FILE__, __LINE__, __func__, #cond); \
      std::abort();                                                                            \
    }                                                                                          \
  } while (0)
#else
#define ATTN_EXPECT(cond) ((void)0)
#endif
