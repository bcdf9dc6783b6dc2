// Checked integer arithmetic: overflow is a typed error, never a wrap.
#pragma once

#include <cstdint>
#include <limits>
#include <string>
#include <type_traits>

#include "base/result.h"

namespace pactum {

// 128-bit integers for exact intermediate products (GCC and Clang extension;
// __extension__ keeps -Wpedantic quiet).
__extension__ typedef __int128 Int128;
__extension__ typedef unsigned __int128 UInt128;

template <class T>
concept CheckedInteger =
    std::is_integral_v<T> || std::is_same_v<T, Int128> || std::is_same_v<T, UInt128>;

template <CheckedInteger T>
Result<T> checked_add(T a, T b) {
  T out;
  if (__builtin_add_overflow(a, b, &out)) return Fail(Errc::kOverflow, "addition overflows");
  return out;
}

template <CheckedInteger T>
Result<T> checked_sub(T a, T b) {
  T out;
  if (__builtin_sub_overflow(a, b, &out)) return Fail(Errc::kOverflow, "subtraction overflows");
  return out;
}

template <CheckedInteger T>
Result<T> checked_mul(T a, T b) {
  T out;
  if (__builtin_mul_overflow(a, b, &out)) return Fail(Errc::kOverflow, "multiplication overflows");
  return out;
}

// Narrows a wider integer, failing when the value does not fit.
template <CheckedInteger To, CheckedInteger From>
Result<To> checked_cast(From v) {
  To out;
  if (__builtin_add_overflow(v, From{0}, &out)) return Fail(Errc::kOverflow, "value out of range");
  return out;
}

}  // namespace pactum
