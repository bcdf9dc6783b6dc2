// Rating: the exact amount of a quantity under a charge model, proration by
// day count, and tax. Every function returns an exact rational or rounds once.
#include <algorithm>

#include "settlement/settlement.h"

namespace pactum::settlement {
namespace {

// `d` as an integer count of 10^-scale units. REQUIRES d.scale <= scale.
Result<Int128> scaled(const Decimal& d, int scale) {
  return checked_mul(Int128{d.mantissa}, pow10_i128(scale - d.scale));
}

int max_scale(const Charge& charge, const Decimal& quantity, bool prices) {
  int s = prices ? charge.unit_price.scale : quantity.scale;
  for (const Tier& t : charge.tiers) {
    if (prices) s = std::max({s, int{t.unit_price.scale}, int{t.flat_fee.scale}});
    else if (t.up_to) s = std::max(s, int{t.up_to->scale});
  }
  return s;
}

// Graduated and volume tiers over a common quantity scale qs and price scale ps:
// num counts 10^-(qs+ps) major units before the currency exponent is applied.
Result<Int128> tiered_num(const Charge& charge, const Decimal& quantity, int qs, int ps) {
  PACTUM_TRY(Int128 q, scaled(quantity, qs));
  Int128 num = 0;
  Int128 prev = 0;
  for (std::size_t i = 0; i < charge.tiers.size() && q > 0; ++i) {
    const Tier& t = charge.tiers[i];
    Int128 bound = 0;
    bool last = !t.up_to.has_value();
    if (!last) {
      PACTUM_TRY(Int128 b, scaled(*t.up_to, qs));
      bound = b;
    }
    PACTUM_TRY(Int128 price, scaled(t.unit_price, ps));
    PACTUM_TRY(Int128 fee_ps, scaled(t.flat_fee, ps));
    PACTUM_TRY(Int128 fee, checked_mul(fee_ps, pow10_i128(qs)));
    if (charge.model == ChargeModel::kVolume) {
      if (!last && q > bound) {
        prev = bound;
        continue;
      }
      PACTUM_TRY(Int128 units, checked_mul(q, price));
      return checked_add(units, fee);
    }
    // Graduated: only the units above the previous bound and up to this one.
    if (q <= prev) break;
    Int128 units = (last || q < bound) ? q - prev : bound - prev;
    PACTUM_TRY(Int128 part, checked_mul(units, price));
    PACTUM_TRY(Int128 with_fee, checked_add(part, fee));
    PACTUM_TRY(Int128 sum, checked_add(num, with_fee));
    num = sum;
    prev = bound;
    if (last) break;
  }
  return num;
}

}  // namespace

Result<Exact> rate_exact(const Charge& charge, const Decimal& unit_price, const Decimal& quantity,
                         Currency currency) {
  if (quantity.mantissa < 0) {
    return Fail(Errc::kBadRatePlan, "charge '" + charge.id + "': negative quantity " + format_decimal(quantity));
  }
  const Int128 minor_per_major = pow10_i128(currency.exponent);
  switch (charge.model) {
    case ChargeModel::kFlat: {
      PACTUM_TRY(Int128 p, checked_mul(Int128{quantity.mantissa}, Int128{unit_price.mantissa}));
      PACTUM_TRY(Int128 num, checked_mul(p, minor_per_major));
      return Exact{num, pow10_i128(quantity.scale + unit_price.scale)};
    }
    case ChargeModel::kPackage: {
      // Blocks = ceil(quantity / package_size), compared at a common scale.
      int s = std::max({quantity.scale, charge.package_size.scale, charge.free_units.scale});
      PACTUM_TRY(Int128 q_all, scaled(quantity, s));
      PACTUM_TRY(Int128 free, scaled(charge.free_units, s));
      Int128 q = q_all > free ? q_all - free : 0;
      PACTUM_TRY(Int128 size, scaled(charge.package_size, s));
      if (size <= 0) return Fail(Errc::kBadRatePlan, "charge '" + charge.id + "': package_size must be > 0");
      Int128 blocks = (q + size - 1) / size;
      PACTUM_TRY(Int128 p, checked_mul(blocks, Int128{unit_price.mantissa}));
      PACTUM_TRY(Int128 num, checked_mul(p, minor_per_major));
      return Exact{num, pow10_i128(unit_price.scale)};
    }
    case ChargeModel::kGraduated:
    case ChargeModel::kVolume: {
      if (charge.tiers.empty()) return Fail(Errc::kBadRatePlan, "charge '" + charge.id + "': no tiers");
      int qs = max_scale(charge, quantity, false);
      int ps = max_scale(charge, quantity, true);
      PACTUM_TRY(Int128 n, tiered_num(charge, quantity, qs, ps));
      PACTUM_TRY(Int128 num, checked_mul(n, minor_per_major));
      return Exact{num, pow10_i128(qs + ps)};
    }
  }
  PACTUM_UNREACHABLE();
}

Result<std::int64_t> prorate(const Exact& full, const Period& service, const Period& period,
                             BillingCycle cycle, const Conventions& conv) {
  PACTUM_ASSERT(full.den > 0);
  // A whole period is exactly the full price under every convention.
  if (service == period) return round_ratio(full.num, full.den, conv.rounding);
  std::int64_t den_days = period_day_count(period, cycle, conv.day_count);
  std::int64_t num_days = day_count(service.start, service.end, conv.day_count);
  PACTUM_ASSERT(den_days > 0);
  num_days = std::clamp<std::int64_t>(num_days, 0, den_days);
  switch (conv.rounding_point) {
    case RoundingPoint::kExactProduct: {
      PACTUM_TRY(Int128 num, checked_mul(full.num, Int128{num_days}));
      PACTUM_TRY(Int128 den, checked_mul(full.den, Int128{den_days}));
      return round_ratio(num, den, conv.rounding);
    }
    case RoundingPoint::kDayFractionFirst: {
      // Kill Bill: the day fraction is rounded half-up to N decimals first.
      Int128 scale = pow10_i128(conv.fraction_decimals);
      Int128 fraction = round_ratio_i128(Int128{num_days} * scale, den_days, RoundingMode::kHalfUp);
      PACTUM_TRY(Int128 num, checked_mul(full.num, fraction));
      PACTUM_TRY(Int128 den, checked_mul(full.den, scale));
      return round_ratio(num, den, conv.rounding);
    }
  }
  PACTUM_UNREACHABLE();
}

Result<std::int64_t> tax_of(std::int64_t amount_minor, std::int64_t rate_ppm, RoundingMode mode) {
  return round_ratio(Int128{amount_minor} * rate_ppm, kPpmOne, mode);
}

}  // namespace pactum::settlement
