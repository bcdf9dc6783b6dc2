// Helpers shared by the settlement tests: terse builders for dates, decimals
// and contracts. Test-only; asserts on malformed literals.
#pragma once

#include <gtest/gtest.h>

#include <string_view>

#include "settlement/settlement.h"

namespace pactum::settlement::testing {

inline Date D(std::string_view s) {
  auto d = parse_date(s);
  EXPECT_TRUE(d) << s;
  return d.value_or(Date{});
}

inline Decimal Dec(std::string_view s) {
  auto d = parse_decimal(s);
  EXPECT_TRUE(d) << s;
  return d.value_or(Decimal{});
}

inline Currency Cur(std::string_view code) {
  auto c = find_currency(code);
  EXPECT_TRUE(c) << code;
  return c.value_or(Currency{});
}

inline Charge Recurring(std::string id, std::string_view price, std::string_view qty = "1") {
  Charge c;
  c.id = id;
  c.description = id;
  c.tax_code = "saas";
  c.kind = ChargeKind::kRecurring;
  c.model = ChargeModel::kFlat;
  c.unit_price = Dec(price);
  c.quantity = Dec(qty);
  return c;
}

inline Charge Usage(std::string id, ChargeModel model, std::string_view price = "0") {
  Charge c;
  c.id = id;
  c.description = id;
  c.tax_code = "saas";
  c.kind = ChargeKind::kUsage;
  c.model = model;
  c.unit_price = Dec(price);
  return c;
}

inline Tier T(std::string_view up_to, std::string_view price, std::string_view fee = "0") {
  Tier t;
  if (!up_to.empty()) t.up_to = Dec(up_to);
  t.unit_price = Dec(price);
  t.flat_fee = Dec(fee);
  return t;
}

inline Contract Monthly(std::string_view start, std::string_view end, std::string_view currency = "USD") {
  Contract k;
  k.id = "k1";
  k.buyer = "buyer-1";
  k.currency = Cur(currency);
  k.start = D(start);
  k.end = D(end);
  return k;
}

inline Amendment Amend(AmendmentKind kind, std::string_view date, std::string charge_id) {
  Amendment a;
  a.kind = kind;
  a.date = D(date);
  a.charge_id = std::move(charge_id);
  return a;
}

}  // namespace pactum::settlement::testing
