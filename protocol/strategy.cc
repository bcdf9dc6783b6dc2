// Integer implementations of the concession curves.
#include "protocol/strategy.h"

#include <algorithm>
#include <vector>

namespace pactum::protocol {
namespace {

// A little unsigned big integer (base 2^32, little-endian) for exact
// comparisons of fixed-point powers, which overflow 128 bits for beta parts up
// to 16: (1e9)^32 has ~1000 bits.
using Big = std::vector<std::uint32_t>;

Big big_pow(std::uint64_t base, std::uint32_t exp, Big acc) {
  PACTUM_ASSERT(base <= 0xffffffffu);
  for (std::uint32_t e = 0; e < exp; ++e) {
    std::uint64_t carry = 0;
    for (std::uint32_t& limb : acc) {
      std::uint64_t v = std::uint64_t{limb} * base + carry;
      limb = static_cast<std::uint32_t>(v);
      carry = v >> 32;
    }
    if (carry != 0) acc.push_back(static_cast<std::uint32_t>(carry));
  }
  return acc;
}

int big_cmp(Big a, Big b) {
  while (!a.empty() && a.back() == 0) a.pop_back();
  while (!b.empty() && b.back() == 0) b.pop_back();
  if (a.size() != b.size()) return a.size() < b.size() ? -1 : 1;
  for (std::size_t i = a.size(); i-- > 0;) {
    if (a[i] != b[i]) return a[i] < b[i] ? -1 : 1;
  }
  return 0;
}

Int128 div_ceil(Int128 a, Int128 b) { return (a + b - 1) / b; }  // a >= 0, b > 0.

}  // namespace

Result<void> validate(const TimeStrategy& s) {
  if (s.min_minor < 0 || s.min_minor > s.max_minor) {
    return Fail(Errc::kInvalidArgument, "strategy range [" + std::to_string(s.min_minor) + ", " +
                                            std::to_string(s.max_minor) + "] is empty or negative");
  }
  if (s.k_ppb < 0 || s.k_ppb > kPpbOne) {
    return Fail(Errc::kInvalidArgument, "strategy k " + std::to_string(s.k_ppb) + " ppb outside [0, 1e9]");
  }
  if (s.beta.num < 1 || s.beta.den < 1 || s.beta.num > kBetaPartMax || s.beta.den > kBetaPartMax) {
    return Fail(Errc::kInvalidArgument, "strategy beta " + std::to_string(s.beta.num) + "/" +
                                            std::to_string(s.beta.den) + " parts outside [1, 16]");
  }
  return Ok();
}

std::int64_t pow_ratio_ppb(std::int64_t x_ppb, std::uint32_t num, std::uint32_t den) {
  PACTUM_ASSERT(x_ppb >= 0 && x_ppb <= kPpbOne);
  PACTUM_ASSERT(num >= 1 && den >= 1 && num <= kBetaPartMax && den <= kBetaPartMax);
  // y = floor(ONE * (x/ONE)^(num/den)): the largest y with
  // (y/ONE)^den <= (x/ONE)^num, i.e. y^den * ONE^num <= x^num * ONE^den,
  // compared exactly.
  const auto one = static_cast<std::uint64_t>(kPpbOne);
  Big rhs = big_pow(one, den, big_pow(static_cast<std::uint64_t>(x_ppb), num, Big{1}));
  Big one_num = big_pow(one, num, Big{1});
  std::int64_t lo = 0;
  std::int64_t hi = kPpbOne;
  while (lo < hi) {
    std::int64_t mid = lo + (hi - lo + 1) / 2;
    if (big_cmp(big_pow(static_cast<std::uint64_t>(mid), den, one_num), rhs) <= 0) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

std::int64_t alpha_ppb(const TimeStrategy& s, std::int64_t t_ms, std::int64_t deadline_ms) {
  PACTUM_ASSERT(deadline_ms > 0);
  std::int64_t t = std::clamp<std::int64_t>(t_ms, 0, deadline_ms);
  auto x = static_cast<std::int64_t>(Int128{t} * kPpbOne / deadline_ms);
  // The exponent is 1/beta = den/num.
  std::int64_t curve = pow_ratio_ppb(x, s.beta.den, s.beta.num);
  Int128 alpha = Int128{s.k_ppb} + Int128{kPpbOne - s.k_ppb} * curve / kPpbOne;
  PACTUM_ASSERT(alpha >= 0 && alpha <= kPpbOne);
  return static_cast<std::int64_t>(alpha);
}

std::int64_t time_offer(const TimeStrategy& s, std::int64_t t_ms, std::int64_t deadline_ms) {
  Int128 alpha = alpha_ppb(s, t_ms, deadline_ms);
  Int128 span = Int128{s.max_minor} - s.min_minor;
  Int128 out = 0;
  switch (s.role) {
    case Role::kSeller: out = s.min_minor + div_ceil((kPpbOne - alpha) * span, kPpbOne); break;
    case Role::kBuyer: out = s.min_minor + alpha * span / kPpbOne; break;
  }
  PACTUM_ASSERT(out >= s.min_minor && out <= s.max_minor);
  return static_cast<std::int64_t>(out);
}

Result<std::int64_t> tit_for_tat_offer(const TimeStrategy& s, std::int64_t our_last_minor,
                                       std::int64_t opp_older_minor, std::int64_t opp_newer_minor) {
  if (our_last_minor <= 0 || opp_older_minor <= 0 || opp_newer_minor <= 0) {
    return Fail(Errc::kInvalidArgument, "tit-for-tat needs positive prices, got our_last " +
                                            std::to_string(our_last_minor) + ", opponent " +
                                            std::to_string(opp_older_minor) + " -> " +
                                            std::to_string(opp_newer_minor));
  }
  Int128 num = Int128{our_last_minor} * opp_older_minor;
  Int128 out = 0;
  switch (s.role) {
    case Role::kSeller: out = div_ceil(num, opp_newer_minor); break;
    case Role::kBuyer: out = num / opp_newer_minor; break;
  }
  out = std::clamp<Int128>(out, s.min_minor, s.max_minor);
  return static_cast<std::int64_t>(out);
}

bool should_accept(Role role, std::int64_t their_price_minor, std::int64_t our_next_minor) {
  switch (role) {
    case Role::kBuyer: return their_price_minor <= our_next_minor;
    case Role::kSeller: return their_price_minor >= our_next_minor;
  }
  PACTUM_UNREACHABLE();
}

}  // namespace pactum::protocol
