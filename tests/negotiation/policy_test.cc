// Goal: policy files load exactly, every malformed file is refused naming the
// key, the canonical encoding and hash are pinned, and each rule fires with its values.
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "protocol/policy.h"
#include "tests/negotiation/fixture.h"

namespace pactum::protocol {
namespace {

using negtest::kOrgB;
using negtest::policy_text;

TEST(PolicyLoad, ReadsEveryField) {
  auto p = load_policy(policy_text(kOrgB));
  ASSERT_TRUE(p) << p.error().to_string();
  EXPECT_EQ(p->version, 7);
  EXPECT_EQ(p->currency, "EUR");
  EXPECT_EQ(p->max_rounds, 6u);
  EXPECT_EQ(p->max_concession_ppm, 100000);
  EXPECT_EQ(p->approval_threshold_minor, 500000);
  EXPECT_EQ(p->max_open_exposure_minor, 2000000);
  EXPECT_TRUE(p->counterparty_allowed(kOrgB));
  EXPECT_FALSE(p->counterparty_allowed(negtest::kOrgA));
  EXPECT_TRUE(p->is_approver(negtest::kApprover));
  ASSERT_EQ(p->products.size(), 1u);
  const ProductRule& w = p->products.at("widget");
  EXPECT_EQ(w.floor_minor, 800);
  EXPECT_EQ(w.ceiling_minor, 1500);
  EXPECT_EQ(w.list_minor, 1200);
  EXPECT_EQ(w.max_discount_ppm, 250000);
}

struct BadCase {
  std::string from;     // Text replaced in the good policy...
  std::string to;       // ...by this.
  Errc code;
  std::string key;      // Must appear in the error.
};

TEST(PolicyLoad, RefusesBadFilesNamingTheKey) {
  const std::vector<BadCase> cases = {
      {"version = 7", "version = 7\ncolour = 1", Errc::kBadPolicy, "'colour'"},
      {"version = 7", "version = \"7\"", Errc::kBadPolicy, "'version'"},
      {"version = 7", "version = 0", Errc::kBadPolicy, "'version'"},
      {"version = 7\n", "", Errc::kBadPolicy, "'version'"},
      {"currency = \"EUR\"", "currency = \"eur\"", Errc::kBadPolicy, "'currency'"},
      {"max_rounds = 6", "max_rounds = 0", Errc::kBadPolicy, "'max_rounds'"},
      {"max_rounds = 6", "max_rounds = 257", Errc::kBadPolicy, "'max_rounds'"},
      {"max_concession_per_round_ppm = 100000", "max_concession_per_round_ppm = 1000001",
       Errc::kBadPolicy, "'max_concession_per_round_ppm'"},
      {"approval_threshold_minor = 500000", "approval_threshold_minor = -1", Errc::kBadPolicy,
       "'approval_threshold_minor'"},
      {"max_open_exposure_minor = 2000000", "max_open_exposure_minor = 2.5", Errc::kBadPolicy,
       "'max_open_exposure_minor'"},
      {"allowed_counterparties = [", "allowed_counterparties = [\"notakey\", ", Errc::kBadPolicy,
       "'allowed_counterparties[0]'"},
      {"floor_minor = 800", "floor_minor = 1600", Errc::kBadPolicy, "'products.widget.floor_minor'"},
      {"list_minor = 1200", "list_minor = 1600", Errc::kBadPolicy, "'products.widget.list_minor'"},
      {"list_minor = 1200", "list_minor = 1200\ncolour = 3", Errc::kBadPolicy,
       "'products.widget.colour'"},
      {"max_discount_ppm = 250000\n", "", Errc::kBadPolicy, "'products.widget.max_discount_ppm'"},
      {"max_discount_ppm = 250000", "max_discount_ppm = 2000000", Errc::kBadPolicy,
       "'products.widget.max_discount_ppm'"},
      {"[products.widget]", "[products.\"wid get\"]", Errc::kBadPolicy, "'products.wid get'"},
      {"version = 7", "version = = 7", Errc::kParse, "line 1"},
  };
  for (const BadCase& c : cases) {
    std::string text = policy_text(kOrgB);
    auto pos = text.find(c.from);
    ASSERT_NE(pos, std::string::npos) << c.from;
    text.replace(pos, c.from.size(), c.to);
    auto p = load_policy(text);
    ASSERT_FALSE(p) << c.to;
    EXPECT_EQ(p.error().code, c.code) << c.to << ": " << p.error().to_string();
    EXPECT_NE(p.error().detail.find(c.key), std::string::npos) << p.error().to_string();
  }
}

TEST(PolicyLoad, DuplicateKeysInAListAreRefused) {
  std::string k = crypto::public_key_to_text(kOrgB);
  std::string text = policy_text(kOrgB);
  std::string from = "[\"" + k + "\"]";
  text.replace(text.find(from), from.size(), "[\"" + k + "\", \"" + k + "\"]");
  auto p = load_policy(text);
  ASSERT_FALSE(p);
  EXPECT_NE(p.error().detail.find("'allowed_counterparties'"), std::string::npos);
}

TEST(PolicyHash, CanonicalBytesArePinned) {
  Policy p;
  p.version = 1;
  p.currency = "EUR";
  p.max_rounds = 2;
  p.max_concession_ppm = 3;
  p.approval_threshold_minor = 4;
  p.max_open_exposure_minor = 5;
  p.approvers = {negtest::key(0x11)};
  p.products["a"] = ProductRule{6, 7, 7, 8};
  EXPECT_EQ(to_hex(policy_canonical_bytes(p)),
            "0000000000000001" "00000003" "455552" "00000002" "0000000000000003"
            "0000000000000004" "0000000000000005" "00000000"
            "00000001" "1111111111111111111111111111111111111111111111111111111111111111"
            "00000001" "00000001" "61" "0000000000000006" "0000000000000007" "0000000000000007"
            "0000000000000008");
  std::string domain("pactum/policy/v1");
  domain.push_back('\0');
  Bytes pre = to_bytes(domain);
  append(pre, policy_canonical_bytes(p));
  EXPECT_EQ(policy_hash(p), crypto::sha256(pre));
  EXPECT_EQ(to_hex(policy_hash(p)), "23f90404c156fd105dc51d4076b270ad002edacefb607d761b9af5edba18223d");
}

TEST(PolicyHash, OrderOfTheFileDoesNotMatterButContentDoes) {
  auto a = load_policy(policy_text(kOrgB));
  std::string reordered = policy_text(kOrgB);
  std::string line = "max_rounds = 6\n";
  reordered.erase(reordered.find(line), line.size());
  reordered = line + reordered;
  auto b = load_policy(reordered);
  ASSERT_TRUE(a && b);
  EXPECT_EQ(policy_hash(*a), policy_hash(*b));
  std::string changed = policy_text(kOrgB);
  changed.replace(changed.find("ceiling_minor = 1500"), 20, "ceiling_minor = 1501");
  auto c = load_policy(changed);
  ASSERT_TRUE(c);
  EXPECT_NE(policy_hash(*a), policy_hash(*c));
}

TEST(PolicyRules, EachRuleFiresWithItsValues) {
  Policy p = negtest::policy_for(kOrgB);
  Offer ok{"widget", "EUR", 1000, 10, 10000};
  EXPECT_FALSE(check_policy_offer(p, Role::kBuyer, kOrgB, ok, std::nullopt));
  struct Case {
    Offer offer;
    Role role;
    crypto::PublicKey cp;
    std::optional<std::int64_t> last;
    std::string rule;
    std::string values;
  };
  const std::vector<Case> cases = {
      {{"widget", "USD", 1000, 10, 10000}, Role::kBuyer, kOrgB, {}, "policy.currency", "currency USD, policy EUR"},
      {ok, Role::kBuyer, negtest::kStranger, {}, "policy.allowed_counterparties", ""},
      {{"gadget", "EUR", 1000, 10, 10000}, Role::kBuyer, kOrgB, {}, "policy.products", "product 'gadget' not in policy"},
      {{"widget", "EUR", 799, 10, 7990}, Role::kBuyer, kOrgB, {}, "policy.price_floor", "unit price 799 < floor 800"},
      {{"widget", "EUR", 1501, 10, 15010}, Role::kBuyer, kOrgB, {}, "policy.price_ceiling", "unit price 1501 > ceiling 1500"},
      // Seller: list 1200, 25% max discount -> 900 is the lowest allowed.
      {{"widget", "EUR", 899, 10, 8990}, Role::kSeller, kOrgB, {}, "policy.max_discount",
       "unit price 899 is more than 250000 ppm below list 1200"},
      // Buyer concession 10%: from 1000 up to 1100 is fine, 1101 is not.
      {{"widget", "EUR", 1101, 10, 11010}, Role::kBuyer, kOrgB, 1000, "policy.max_concession_per_round",
       "price 1000 -> 1101 concedes more than 100000 ppm"},
      {{"widget", "EUR", 1079, 10, 10790}, Role::kSeller, kOrgB, 1200, "policy.max_concession_per_round",
       "price 1200 -> 1079 concedes more than 100000 ppm"},
  };
  for (const Case& c : cases) {
    auto r = check_policy_offer(p, c.role, c.cp, c.offer, c.last);
    ASSERT_TRUE(r) << c.rule;
    EXPECT_EQ(r->code, Errc::kPolicyViolation);
    EXPECT_EQ(r->rule, c.rule);
    if (!c.values.empty()) {
      EXPECT_EQ(r->values, c.values);
    }
  }
  // The boundaries themselves pass.
  EXPECT_FALSE(check_policy_offer(p, Role::kSeller, kOrgB, {"widget", "EUR", 900, 1, 900}, std::nullopt));
  EXPECT_FALSE(check_policy_offer(p, Role::kBuyer, kOrgB, {"widget", "EUR", 1100, 1, 1100}, 1000));
  EXPECT_FALSE(check_policy_offer(p, Role::kSeller, kOrgB, {"widget", "EUR", 1080, 1, 1080}, 1200));
  // Moving away from the other side is never a concession.
  EXPECT_FALSE(check_policy_offer(p, Role::kBuyer, kOrgB, {"widget", "EUR", 800, 1, 800}, 1500));
}

}  // namespace
}  // namespace pactum::protocol

namespace pactum::protocol {
namespace {

// The documented example (docs/examples/policy.toml) loads and keeps its figures.
TEST(PolicyExample, DocumentedExampleLoads) {
  const char* root = std::getenv("PACTUM_SOURCE_ROOT");
  ASSERT_NE(root, nullptr) << "run through meson test";
  std::ifstream f(std::string(root) + "/docs/examples/policy.toml");
  ASSERT_TRUE(f.good());
  std::stringstream text;
  text << f.rdbuf();
  auto p = load_policy(text.str());
  ASSERT_TRUE(p) << p.error().to_string();
  EXPECT_EQ(p->version, 3);
  EXPECT_EQ(p->approval_threshold_minor, 2'500'000);
  EXPECT_EQ(p->products.size(), 2u);
  EXPECT_EQ(p->products.at("support-hours").list_minor, 12'000);
  EXPECT_EQ(p->allowed_counterparties.size(), 1u);
  EXPECT_EQ(p->approvers.size(), 1u);
}

}  // namespace
}  // namespace pactum::protocol
