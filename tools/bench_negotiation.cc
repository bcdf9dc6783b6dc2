// `pactum bench negotiation`: negotiation messages decided per second from
// signed wire bytes (decode, canonical check, one Ed25519 verification,
// hashes, mandate, policy, budget and state machine), beside raw libsodium
// Ed25519 verifications per second measured in the same run: a message costs
// one signature check, so that is its physical limit.
#include <sodium.h>

#include <string>
#include <vector>

#include "protocol/negotiation_wire.h"
#include "tools/bench.h"

namespace pactum::tools {
namespace {

using protocol::NegEvent;

constexpr std::int64_t kT0 = 1'800'000'000'000;
constexpr std::int64_t kDay = 86'400'000;
// Negotiations prepared per measurement: three messages each, more than a
// measurement decides, so no message is decided twice.
constexpr int kNegotiations = 8000;

crypto::SecretKey seeded(std::uint8_t tag) {
  std::array<std::uint8_t, 32> seed{};
  seed.fill(tag);
  return *crypto::SecretKey::from_seed(seed);
}

struct Org {
  crypto::SecretKey root;
  crypto::SecretKey agent;
  protocol::Mandate mandate;
  Bytes envelope;
};

protocol::Policy bench_policy(const crypto::PublicKey& counterparty, const crypto::PublicKey& approver) {
  std::string text =
      "version = 1\ncurrency = \"EUR\"\nmax_rounds = 10\nmax_concession_per_round_ppm = 100000\n"
      "approval_threshold_minor = 1000000000000\nmax_open_exposure_minor = 4000000000000000000\n"
      "allowed_counterparties = [\"" + crypto::public_key_to_text(counterparty) + "\"]\n"
      "approvers = [\"" + crypto::public_key_to_text(approver) + "\"]\n"
      "[products.widget]\nfloor_minor = 100\nceiling_minor = 100000\nlist_minor = 1000\n"
      "max_discount_ppm = 500000\n";
  return *protocol::load_policy(text);
}

void make_org(Org& o, protocol::Role role, const crypto::PublicKey& counterparty) {
  protocol::Mandate& m = o.mandate;
  m.org_key = o.root.public_key();
  m.agent_key = o.agent.public_key();
  m.role = role;
  m.counterparties = {counterparty};
  m.products = {"widget"};
  m.currency = "EUR";
  m.per_contract_limit_minor = 1'000'000'000;
  m.cumulative_limit_minor = 4'000'000'000'000'000'000;
  m.period_ms = 365 * kDay;
  m.max_concession_ppm = 200'000;
  m.max_concession_total_ppm = 500'000;
  m.approval_threshold_minor = 1'000'000'000'000;
  m.valid_from_ms = kT0 - kDay;
  m.valid_until_ms = kT0 + 365 * kDay;
  o.envelope = *protocol::build_mandate(m, o.root, 1, kT0 - kDay);
  m.id = protocol::open_envelope(o.envelope)->info.message_hash;
}

// Propose (buyer), counter (seller), accept (buyer) for each negotiation, as
// wire bytes in the order the buyer's node decides them.
std::vector<Bytes> make_messages(Org& buyer, Org& seller) {
  std::vector<Bytes> out;
  std::uint64_t seq = 1;
  std::int64_t now = kT0;
  for (int i = 0; i < kNegotiations; ++i) {
    protocol::MessageSpec s;
    s.negotiation_id = crypto::sha256(as_bytes("bench-" + std::to_string(i)));
    std::fill(s.negotiation_id.begin() + 16, s.negotiation_id.end(), 0);
    s.buyer_org = buyer.root.public_key();
    s.seller_org = seller.root.public_key();
    s.expires_ms = kT0 + kDay;
    s.kind = NegEvent::kPropose;
    s.mandate_id = buyer.mandate.id;
    s.mandate_envelope = &buyer.envelope;
    s.offer = protocol::Offer{"widget", "EUR", 900, 10, 9000};
    Bytes p = *protocol::build_negotiation_message(s, buyer.agent, seq++, ++now);
    s.prev_hash = protocol::open_envelope(p)->info.message_hash;
    s.kind = NegEvent::kCounter;
    s.round = 2;
    s.mandate_id = seller.mandate.id;
    s.mandate_envelope = &seller.envelope;
    s.offer = protocol::Offer{"widget", "EUR", 950, 10, 9500};
    Bytes c = *protocol::build_negotiation_message(s, seller.agent, seq++, ++now);
    auto opened = protocol::open_envelope(c);
    s.prev_hash = opened->info.message_hash;
    s.terms_hash = *protocol::terms_hash(opened->body().getPayload().getCounter().getTerms());
    s.kind = NegEvent::kAccept;
    s.round = 3;
    s.mandate_id = buyer.mandate.id;
    s.mandate_envelope = nullptr;
    Bytes a = *protocol::build_negotiation_message(s, buyer.agent, seq++, ++now);
    out.push_back(std::move(p));
    out.push_back(std::move(c));
    out.push_back(std::move(a));
  }
  return out;
}

}  // namespace

std::vector<BenchRow> bench_negotiation(const BenchOptions& opt) {
  Org buyer{seeded(11), seeded(12), {}, {}};
  Org seller{seeded(13), seeded(14), {}, {}};
  make_org(buyer, protocol::Role::kBuyer, seller.root.public_key());
  make_org(seller, protocol::Role::kSeller, buyer.root.public_key());
  const crypto::PublicKey approver = seeded(15).public_key();
  const std::vector<Bytes> messages = make_messages(buyer, seller);
  const std::int64_t now = kT0 + 3 * static_cast<std::int64_t>(messages.size());

  std::size_t refused = 0;
  const double decided = measure_rate(
      "negotiation/decide",
      [&](benchmark::State& st) {
        protocol::NegotiationEngine engine(buyer.root.public_key(), bench_policy(seller.root.public_key(), approver));
        protocol::MandateBook book;
        std::size_t i = 0;
        for (auto _ : st) {
          if (i == messages.size()) {
            st.PauseTiming();
            engine = protocol::NegotiationEngine(buyer.root.public_key(),
                                                 bench_policy(seller.root.public_key(), approver));
            book = protocol::MandateBook();
            i = 0;
            st.ResumeTiming();
          }
          protocol::Decision d = protocol::decide_envelope(engine, book, messages[i++], now);
          if (d.outcome != protocol::Outcome::kApplied) ++refused;
          benchmark::DoNotOptimize(d);
        }
        st.SetItemsProcessed(static_cast<std::int64_t>(st.iterations()));
      },
      opt);

  // The engine alone, on inputs already decoded and verified: its share.
  std::vector<protocol::NegInput> inputs;
  {
    protocol::NegotiationEngine scratch(buyer.root.public_key(), bench_policy(seller.root.public_key(), approver));
    protocol::MandateBook book;
    for (const Bytes& m : messages) {
      auto in = protocol::open_negotiation_message(m, scratch, book);
      PACTUM_ASSERT(in.has_value());
      (void)scratch.on_message(in->msg, *in->mandate, now);
      inputs.push_back(*in);
    }
    static protocol::MandateBook keep;  // Inputs point into a book; keep one alive.
    keep = std::move(book);
    for (auto& in : inputs) in.mandate = keep.find(in.mandate->id);
  }
  const double engine_only = measure_rate(
      "negotiation/engine",
      [&](benchmark::State& st) {
        protocol::NegotiationEngine engine(buyer.root.public_key(), bench_policy(seller.root.public_key(), approver));
        std::size_t i = 0;
        for (auto _ : st) {
          if (i == inputs.size()) {
            st.PauseTiming();
            engine = protocol::NegotiationEngine(buyer.root.public_key(),
                                                 bench_policy(seller.root.public_key(), approver));
            i = 0;
            st.ResumeTiming();
          }
          const protocol::NegInput& in = inputs[i++];
          benchmark::DoNotOptimize(engine.on_message(in.msg, *in.mandate, now));
        }
        st.SetItemsProcessed(static_cast<std::int64_t>(st.iterations()));
      },
      opt);

  // The share of decode + signature check alone (protocol/envelope.h).
  const double opened = measure_rate(
      "negotiation/open",
      [&](benchmark::State& st) {
        std::size_t i = 0;
        for (auto _ : st) {
          auto env = protocol::open_envelope(messages[i++ % messages.size()]);
          benchmark::DoNotOptimize(env);
        }
        st.SetItemsProcessed(static_cast<std::int64_t>(st.iterations()));
      },
      opt);

  // The limit: raw libsodium verification of a body-sized message.
  const Bytes& sample = messages[1];
  std::array<std::uint8_t, crypto_sign_PUBLICKEYBYTES> pk{};
  std::array<std::uint8_t, crypto_sign_SECRETKEYBYTES> sk{};
  crypto_sign_keypair(pk.data(), sk.data());
  std::array<std::uint8_t, crypto_sign_BYTES> sig{};
  crypto_sign_detached(sig.data(), nullptr, sample.data(), sample.size(), sk.data());
  const double raw = measure_rate(
      "negotiation/raw-verify",
      [&](benchmark::State& st) {
        for (auto _ : st) {
          int rc = crypto_sign_verify_detached(sig.data(), sample.data(), sample.size(), pk.data());
          benchmark::DoNotOptimize(rc);
        }
        st.SetItemsProcessed(static_cast<std::int64_t>(st.iterations()));
      },
      opt);

  std::vector<BenchRow> rows;
  rows.push_back(BenchRow{"messages decided (verify + engine)", decided, "msg/s",
                          "raw crypto_sign_verify_detached", raw, true});
  rows.push_back(BenchRow{"envelopes opened (decode + verify only)", opened, "msg/s",
                          "raw crypto_sign_verify_detached", raw, true});
  rows.push_back(BenchRow{"engine decisions (pre-verified inputs)", engine_only, "msg/s", "", 0, true});
  rows.push_back(BenchRow{"messages refused in the run (expect 0)", static_cast<double>(refused), "msgs",
                          "", 0, false});
  return rows;
}

}  // namespace pactum::tools
