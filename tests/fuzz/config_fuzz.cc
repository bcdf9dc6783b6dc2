// Fuzz bodies: configuration and policy parsing. pactumd's config
// (node/daemon parse_config) and the guardrail policy (protocol load_policy)
// take operator-written TOML. Checks: no exception escapes; refusals carry the
// documented codes; an accepted policy satisfies its own documented bounds and
// hashes the same when parsed twice.
#include <string_view>

#include "node/daemon/config.h"
#include "protocol/policy.h"
#include "tests/fuzz/targets.h"

namespace pactum::fuzz {
namespace {

bool init_crypto() { return crypto::init().has_value(); }

void config_one(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  Result<node::daemon::DaemonConfig> c = Fail(Errc::kInternal, "not run");
  try {
    c = node::daemon::parse_config(text, "/nonexistent/pactum-fuzz");
  } catch (...) {
    PACTUM_ASSERT(false && "parse_config threw");
  }
  if (!c) {
    PACTUM_ASSERT(c.error().code == Errc::kBadConfig || c.error().code == Errc::kParse);
    return;
  }
  // Accepted: the same text parses to the same partners again (no hidden state).
  auto again = node::daemon::parse_config(text, "/nonexistent/pactum-fuzz");
  PACTUM_ASSERT(again.has_value());
  PACTUM_ASSERT(again->partners.size() == c->partners.size());
}

void policy_one(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  Result<protocol::Policy> p = Fail(Errc::kInternal, "not run");
  try {
    p = protocol::load_policy(text);
  } catch (...) {
    PACTUM_ASSERT(false && "load_policy threw");
  }
  if (!p) {
    PACTUM_ASSERT(p.error().code == Errc::kBadPolicy || p.error().code == Errc::kParse);
    return;
  }
  PACTUM_ASSERT(p->version >= 1);
  PACTUM_ASSERT(!p->currency.empty());
  for (const auto& [name, rule] : p->products) {
    PACTUM_ASSERT(rule.floor_minor <= rule.ceiling_minor);
  }
  auto again = protocol::load_policy(text);
  PACTUM_ASSERT(again.has_value());
  PACTUM_ASSERT(protocol::policy_hash(*again) == protocol::policy_hash(*p));
}

}  // namespace

const Target& config_target() {
  static const Target t{"config", init_crypto, config_one};
  return t;
}

const Target& policy_target() {
  static const Target t{"policy", init_crypto, policy_one};
  return t;
}

}  // namespace pactum::fuzz
