// Assertions for programmer errors. They stay on in release builds: a broken
// invariant in a system that moves money must stop the process, not continue.
// Never use them for bad input; bad input gets a Result error.
#pragma once

#include <cstdio>
#include <cstdlib>

namespace pactum::detail {
[[noreturn]] inline void assert_failed(const char* expr, const char* file, int line) {
  std::fprintf(stderr, "pactum: assertion failed: %s at %s:%d\n", expr, file, line);
  std::abort();
}
}  // namespace pactum::detail

#define PACTUM_ASSERT(cond)                                                  \
  do {                                                                       \
    if (!(cond)) [[unlikely]]                                                \
      ::pactum::detail::assert_failed(#cond, __FILE__, __LINE__);            \
  } while (0)

#define PACTUM_UNREACHABLE() ::pactum::detail::assert_failed("unreachable", __FILE__, __LINE__)
