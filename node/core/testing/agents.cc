// Deterministic keys, policies, mandates, certificates and agent messages
// for the harness. Nonces come from seeds, so a run signs the same bytes.
#include "node/core/testing/testing.h"
#include "protocol/canonical.h"
#include "protocol/envelope.h"

namespace pactum::node::testing {
namespace {

using protocol::as_data;

crypto::Nonce seeded_nonce(std::uint64_t& seed) { return SeededNonces(seed++).next(); }

Result<void> set_context(wire::NegotiationContext::Builder c, const protocol::MessageSpec& s,
                         const Bytes* mandate) {
  c.setNegotiationId(capnp::Data::Reader(s.negotiation_id.data(), 16));
  c.setPreviousHash(as_data(s.prev_hash));
  c.setRound(s.round);
  auto ref = c.initMandate();
  ref.setMandateId(as_data(s.mandate_id));
  if (mandate != nullptr) {
    PACTUM_TRY(auto env, protocol::decode<wire::Envelope>(*mandate));
    ref.setEnvelope(env.root());
  }
  return Ok();
}

Result<void> fill(wire::ContractTerms::Builder t, const protocol::MessageSpec& s, const TermsExtras& x) {
  PACTUM_CHECK(protocol::fill_settleable_terms(t, s, x.start_day, x.end_day));
  if (x.escrow) {
    auto e = t.initEscrow();
    e.setBuyerKey(as_data(x.escrow_buyer));
    e.setSellerKey(as_data(x.escrow_seller));
    t.setArbiterKey(as_data(x.arbiter));
  }
  return Ok();
}

Result<Bytes> build(Agent& a, const protocol::MessageSpec& s, bool first, std::int64_t ts, const TermsExtras& x) {
  protocol::EnvelopeBuilder b;
  auto p = b.payload();
  const Bytes* mandate = first ? &a.mandate_envelope : nullptr;
  using E = protocol::NegEvent;
  switch (s.kind) {
    case E::kPropose: {
      auto m = p.initPropose();
      PACTUM_CHECK(set_context(m.initContext(), s, mandate));
      PACTUM_CHECK(fill(m.initTerms(), s, x));
      m.setOfferExpiresMs(s.expires_ms);
      break;
    }
    case E::kCounter: {
      auto m = p.initCounter();
      PACTUM_CHECK(set_context(m.initContext(), s, mandate));
      PACTUM_CHECK(fill(m.initTerms(), s, x));
      m.setOfferExpiresMs(s.expires_ms);
      break;
    }
    case E::kAccept: {
      auto m = p.initAccept();
      PACTUM_CHECK(set_context(m.initContext(), s, mandate));
      m.setTermsHash(as_data(s.terms_hash));
      break;
    }
    case E::kReject: {
      auto m = p.initReject();
      PACTUM_CHECK(set_context(m.initContext(), s, mandate));
      m.setReason(wire::RejectReason::UNACCEPTABLE_TERMS);
      break;
    }
    case E::kWithdraw:
    case E::kApprove:
    case E::kDeny:
    case E::kEscalate:
    case E::kExpire:
    case E::kFail:
    case E::kCommit:
      return Fail(Errc::kInvalidArgument, "harness builds propose, counter, accept and reject only");
  }
  return b.seal_with_nonce(a.key(), ++a.sequence, ts, seeded_nonce(a.nonce_seed));
}

}  // namespace

crypto::SecretKey key_from_name(const std::string& name) {
  // Harness users may build keys before main() sets up libsodium; init is idempotent.
  PACTUM_ASSERT(crypto::init().has_value());
  crypto::Digest seed = crypto::sha256(as_bytes("pactum-test-key:" + name));
  auto key = crypto::SecretKey::from_seed(seed);
  PACTUM_ASSERT(key.has_value());
  return std::move(*key);
}

crypto::PublicKey public_from_name(const std::string& name) { return key_from_name(name).public_key(); }

std::string test_policy(const std::vector<crypto::PublicKey>& counterparties, std::int64_t approval_threshold_minor,
                        std::int64_t floor_minor) {
  std::string list;
  for (const auto& k : counterparties) list += (list.empty() ? "\"" : ", \"") + crypto::public_key_to_text(k) + "\"";
  return "version = 1\n"
         "currency = \"EUR\"\n"
         "max_rounds = 8\n"
         "max_concession_per_round_ppm = 200000\n"
         "approval_threshold_minor = " + std::to_string(approval_threshold_minor) + "\n"
         "max_open_exposure_minor = 1000000000\n"
         "allowed_counterparties = [" + list + "]\n"
         "approvers = [\"" + crypto::public_key_to_text(public_from_name("approver")) + "\"]\n"
         "[products.widget]\n"
         "floor_minor = " + std::to_string(floor_minor) + "\n"
         "ceiling_minor = 1500\n"
         "list_minor = 1200\n"
         "max_discount_ppm = 400000\n";
}

Agent make_agent(const std::string& agent_name, const std::string& org_name, protocol::Role role,
                 const std::vector<crypto::PublicKey>& counterparties, std::int64_t now_ms) {
  Agent a;
  a.name = agent_name;
  a.key_ = std::make_shared<crypto::SecretKey>(key_from_name("agent:" + agent_name));
  a.role = role;
  a.nonce_seed = crypto::sha256(as_bytes(agent_name))[0] * 1'000'003ULL + 7;
  crypto::SecretKey org_key = key_from_name("org:" + org_name);
  a.org = org_key.public_key();
  protocol::EnvelopeBuilder b;
  auto w = b.payload().initMandate();
  w.setAgentKey(as_data(a.key().public_key()));
  w.setOrgRootKey(as_data(a.org));
  w.setRole(role == protocol::Role::kBuyer ? wire::Role::BUYER : wire::Role::SELLER);
  std::vector<crypto::PublicKey> cps = counterparties;
  std::sort(cps.begin(), cps.end());
  auto list = w.initCounterparties(static_cast<unsigned>(cps.size()));
  for (unsigned i = 0; i < list.size(); ++i) list.set(i, as_data(cps[i]));
  w.initProducts(1).set(0, "widget");
  w.setCurrency("EUR");
  w.setPerContractLimitMinor(100'000'000);
  w.setCumulativeLimitMinor(1'000'000'000);
  w.setPeriodMs(365LL * 86'400'000);
  w.setMaxConcessionPerRoundPpm(300'000);
  w.setMaxConcessionTotalPpm(600'000);
  w.setApprovalThresholdMinor(50'000'000);
  w.setNotBeforeMs(now_ms - 86'400'000);
  w.setNotAfterMs(now_ms + 365LL * 86'400'000);
  w.setMaxRounds(0);
  std::uint64_t seed = a.nonce_seed + 999;
  auto sealed = b.seal_with_nonce(org_key, 1, now_ms, seeded_nonce(seed));
  PACTUM_ASSERT(sealed.has_value());
  a.mandate_envelope = std::move(*sealed);
  auto id = protocol::open_envelope(a.mandate_envelope);
  PACTUM_ASSERT(id.has_value());
  a.mandate_id = id->info.message_hash;
  return a;
}

Bytes agent_message(Agent& agent, const protocol::MessageSpec& spec, bool first, std::int64_t timestamp_ms,
                    const TermsExtras& extras) {
  protocol::MessageSpec s = spec;
  s.mandate_id = agent.mandate_id;
  auto out = build(agent, s, first, timestamp_ms, extras);
  PACTUM_ASSERT(out.has_value());
  return std::move(*out);
}

MessageIds ids_of(const Bytes& envelope) {
  MessageIds ids;
  auto env = protocol::decode<wire::Envelope>(envelope);
  PACTUM_ASSERT(env.has_value());
  auto body = env->root().getBody();
  auto h = protocol::message_hash(body);
  PACTUM_ASSERT(h.has_value());
  ids.message_hash = *h;
  auto p = body.getPayload();
  if (p.isPropose() || p.isCounter()) {
    auto t = protocol::terms_hash(p.isPropose() ? p.getPropose().getTerms() : p.getCounter().getTerms());
    PACTUM_ASSERT(t.has_value());
    ids.terms_hash = *t;
  }
  return ids;
}

Bytes node_certificate(const crypto::SecretKey& org_key, const crypto::SecretKey& node_key, const std::string& node_name) {
  protocol::EnvelopeBuilder b;
  auto c = b.payload().initNodeCertificate();
  c.setOrgRootKey(as_data(org_key.public_key()));
  c.setNodeKey(as_data(node_key.public_key()));
  c.setNodeName(node_name);
  c.setNotBeforeMs(0);
  c.setNotAfterMs(4'000'000'000'000);
  std::uint64_t seed = 4242;
  auto sealed = b.seal_with_nonce(org_key, 1, 0, seeded_nonce(seed));
  PACTUM_ASSERT(sealed.has_value());
  return std::move(*sealed);
}

}  // namespace pactum::node::testing
