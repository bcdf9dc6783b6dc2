// Result<T>: a value or a typed Error, in the shape of std::expected.
//
// Errors are values: business logic returns them, never throws. Result is
// [[nodiscard]] so an ignored failure is a compile error under -Werror.
// Value type; thread-compatible.
#pragma once

#include <string>
#include <tl/expected.hpp>
#include <utility>

#include "base/errors.h"

namespace pactum {

struct Error {
  Errc code = Errc::kInternal;
  std::string detail;  // One line for a person: which value, which limit.

  // "bad_signature: envelope signature 1 does not verify"
  std::string to_string() const {
    std::string out(errc_name(code));
    if (!detail.empty()) {
      out += ": ";
      out += detail;
    }
    return out;
  }
};

template <class T>
class [[nodiscard]] Result : public tl::expected<T, Error> {
 public:
  using Base = tl::expected<T, Error>;
  using Base::Base;
  Result(Base b) : Base(std::move(b)) {}  // NOLINT: implicit by design
};

// Returned from a function to fail: `return Fail(Errc::kParse, "line 3")`.
inline tl::unexpected<Error> Fail(Errc code, std::string detail = {}) {
  return tl::unexpected<Error>(Error{code, std::move(detail)});
}
inline tl::unexpected<Error> Fail(Error e) { return tl::unexpected<Error>(std::move(e)); }

// Success of a Result<void>.
inline Result<void> Ok() { return {}; }

}  // namespace pactum

// Propagates a failure: `PACTUM_TRY(x, parse(bytes));` declares x.
#define PACTUM_CONCAT_INNER(a, b) a##b
#define PACTUM_CONCAT(a, b) PACTUM_CONCAT_INNER(a, b)
#define PACTUM_TRY(var, expr) PACTUM_TRY_IMPL(PACTUM_CONCAT(pactum_try_, __LINE__), var, expr)
#define PACTUM_TRY_IMPL(tmp, var, expr)                            \
  auto tmp = (expr);                                               \
  if (!tmp) return ::tl::unexpected<::pactum::Error>(std::move(tmp).error()); \
  var = std::move(*tmp)
// For Result<void>: `PACTUM_CHECK(verify(...));`
#define PACTUM_CHECK(expr)                                                      \
  do {                                                                         \
    auto pactum_check_r = (expr);                                              \
    if (!pactum_check_r)                                                       \
      return ::tl::unexpected<::pactum::Error>(std::move(pactum_check_r).error()); \
  } while (0)
