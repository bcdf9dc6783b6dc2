// `pactum bench escrow`: signed escrow events applied per second, signature
// checks included (decode + Ed25519 verify + the core's apply), beside the raw
// libsodium verification rate measured in the same run, which bounds it: each
// event costs one verification plus our work.
#include <sodium.h>

#include <string>
#include <vector>

#include "crypto/crypto.h"
#include "escrow/escrow.h"
#include "protocol/escrow_codec.h"
#include "tools/bench.h"

namespace pactum::tools {
namespace {

namespace es = ::pactum::escrow;

// One escrow of the largest schedule, released by 2-of-2 approvals: one
// funding event and two approvals per milestone, so every event moves money
// or state and none is refused.
constexpr std::size_t kBenchMilestones = es::kMilestonesMax;
constexpr std::int64_t kBenchT0 = 1'704'000'000'000;

es::Sha256Digest sha(ByteSpan b) { return crypto::sha256(b); }

struct Workload {
  crypto::SecretKey buyer = crypto::SecretKey::generate();
  crypto::SecretKey seller = crypto::SecretKey::generate();
  crypto::SecretKey arbiter = crypto::SecretKey::generate();
  crypto::SecretKey approver0 = crypto::SecretKey::generate();
  crypto::SecretKey approver1 = crypto::SecretKey::generate();
  es::ContractId contract{};
  crypto::Digest terms_hash{};
  es::EscrowTerms terms;
  std::vector<Bytes> sealed;             // The signed envelopes, in log order.
  std::vector<es::EscrowEvent> events;   // The same events, already opened.
};

Result<void> build(Workload& w) {
  w.contract.fill(0xBE);
  w.terms_hash.fill(0x7E);
  w.terms.currency = "EUR";
  w.terms.buyer = w.buyer.public_key();
  w.terms.seller = w.seller.public_key();
  w.terms.arbiter = w.arbiter.public_key();
  w.terms.approvers = {w.approver0.public_key(), w.approver1.public_key()};
  w.terms.approvals_required = 2;
  for (std::size_t i = 0; i < kBenchMilestones; ++i) {
    w.terms.milestones.push_back({.invoice_id = "INV-" + std::to_string(i), .amount = 100'000,
                                  .condition = es::ConditionKind::kApprovals});
  }
  std::uint64_t serial = 0;
  auto add = [&](es::EscrowEvent e, const crypto::SecretKey& by) -> Result<void> {
    e.contract_id = w.contract;
    ++serial;
    for (std::size_t i = 0; i < 8; ++i) e.id[i] = static_cast<std::uint8_t>(serial >> (8 * i));
    e.timestamp_ms = kBenchT0 + static_cast<std::int64_t>(serial);
    e.signer = by.public_key();
    PACTUM_TRY(Bytes b, protocol::seal_escrow_event(by, serial, e, w.terms_hash));
    w.sealed.push_back(std::move(b));
    w.events.push_back(std::move(e));
    return Ok();
  };
  PACTUM_CHECK(add({.kind = es::EventKind::kFund, .amount = es::total_amount(w.terms)}, w.buyer));
  for (std::uint32_t i = 0; i < kBenchMilestones; ++i) {
    PACTUM_CHECK(add({.kind = es::EventKind::kApprove, .milestone = i}, w.approver0));
    PACTUM_CHECK(add({.kind = es::EventKind::kApprove, .milestone = i}, w.approver1));
  }
  return Ok();
}

// Applies the workload's log over and over, a fresh escrow each round;
// `verify` decides whether each event is opened from its signed bytes.
double run(const Workload& w, const es::Escrow& fresh, bool verify, const std::string& name,
           const BenchOptions& opt) {
  return measure_rate(name, [&](benchmark::State& st) {
    es::Escrow escrow = fresh;
    std::size_t next = 0;
    for (auto _ : st) {
      if (next == w.events.size()) {
        st.PauseTiming();
        escrow = fresh;
        next = 0;
        st.ResumeTiming();
      }
      bool ok = false;
      if (verify) {
        auto e = protocol::open_escrow_event(w.sealed[next], w.contract, w.terms_hash);
        ok = e.has_value() && escrow.apply(*e).has_value();
      } else {
        ok = escrow.apply(w.events[next]).has_value();
      }
      if (!ok) st.SkipWithError("an escrow event was refused");
      ++next;
    }
    st.SetItemsProcessed(static_cast<std::int64_t>(st.iterations()));
  }, opt);
}

double raw_verify_rate(const Workload& w, const BenchOptions& opt) {
  // The same number of bytes an escrow envelope's signature covers.
  std::array<std::uint8_t, crypto_sign_PUBLICKEYBYTES> pk{};
  std::array<std::uint8_t, crypto_sign_SECRETKEYBYTES> sk{};
  crypto_sign_keypair(pk.data(), sk.data());
  const Bytes message(w.sealed[1].size(), 0x42);
  std::array<std::uint8_t, crypto_sign_BYTES> sig{};
  crypto_sign_detached(sig.data(), nullptr, message.data(), message.size(), sk.data());
  return measure_rate("escrow/raw-verify", [&](benchmark::State& st) {
    for (auto _ : st) {
      int r = crypto_sign_verify_detached(sig.data(), message.data(), message.size(), pk.data());
      benchmark::DoNotOptimize(r);
    }
    st.SetItemsProcessed(static_cast<std::int64_t>(st.iterations()));
  }, opt);
}

}  // namespace

std::vector<BenchRow> bench_escrow(const BenchOptions& opt) {
  Workload w;
  if (auto r = build(w); !r) {
    return {BenchRow{"escrow workload failed: " + r.error().to_string(), 0, "-", "-", 0, true}};
  }
  auto fresh = es::Escrow::open(w.contract, w.terms, &sha);
  if (!fresh) return {BenchRow{"escrow open failed: " + fresh.error().to_string(), 0, "-", "-", 0, true}};
  const double raw = raw_verify_rate(w, opt);
  const double verified = run(w, *fresh, true, "escrow/verify+apply", opt);
  const double apply_only = run(w, *fresh, false, "escrow/apply", opt);
  fresh = es::Escrow::open(w.contract, w.terms, &sha);
  for (const es::EscrowEvent& e : w.events) (void)fresh->apply(e);
  const double digest = measure_rate("escrow/digest", [&](benchmark::State& st) {
    for (auto _ : st) benchmark::DoNotOptimize(protocol::escrow_state_digest(*fresh));
    st.SetItemsProcessed(static_cast<std::int64_t>(st.iterations()));
  }, opt);
  return {
      BenchRow{"escrow events applied (verify + apply)", verified, "ops/s",
               "raw crypto_sign_verify_detached", raw, true},
      BenchRow{"escrow events applied (apply only)", apply_only, "ops/s", "-", 0, true},
      BenchRow{"escrow state digest (64 milestones)", digest, "ops/s", "-", 0, true},
  };
}

}  // namespace pactum::tools
