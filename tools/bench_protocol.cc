// `pactum bench protocol`: envelope sealing, decoding and verification
// through our API, each beside the raw libsodium Ed25519 call that bounds it,
// measured in the same run. An envelope open should cost about one raw
// verification per signature: everything else (decode, canonical checks, one
// body canonicalization, the message hash) is meant to be small beside it.
#include <sodium.h>

#include <string>
#include <vector>

#include "crypto/crypto.h"
#include "protocol/protocol.h"
#include "tools/bench.h"

namespace pactum::tools {
namespace {

BenchRow ops_row(std::string figure, double value, std::string limit, double limit_value) {
  return BenchRow{std::move(figure), value, "ops/s", std::move(limit), limit_value, true};
}

// A typical negotiation message: an Accept with its context.
Bytes sample_accept(const crypto::SecretKey& key, const crypto::SecretKey* countersigner) {
  protocol::EnvelopeBuilder b;
  auto accept = b.payload().initAccept();
  auto ctx = accept.initContext();
  std::array<std::uint8_t, 32> h{};
  h.fill(0x22);
  ctx.setNegotiationId(capnp::Data::Reader(h.data(), 16));
  ctx.setRound(3);
  ctx.setPreviousHash(protocol::as_data(h));
  ctx.initMandate().setMandateId(protocol::as_data(h));
  accept.setTermsHash(protocol::as_data(h));
  auto sealed = b.seal(key, 1, 1'790'000'000'000);
  PACTUM_ASSERT(sealed.has_value());
  if (countersigner == nullptr) return *sealed;
  auto opened = protocol::open_envelope(*sealed);
  PACTUM_ASSERT(opened.has_value());
  auto both = protocol::countersign(opened->envelope(), *countersigner);
  PACTUM_ASSERT(both.has_value());
  return *both;
}

double raw_verify_rate(const BenchOptions& opt, std::size_t message_bytes) {
  std::array<std::uint8_t, crypto_sign_PUBLICKEYBYTES> pk{};
  std::array<std::uint8_t, crypto_sign_SECRETKEYBYTES> sk{};
  crypto_sign_keypair(pk.data(), sk.data());
  const Bytes message(message_bytes, 0x42);
  std::array<std::uint8_t, crypto_sign_BYTES> sig{};
  crypto_sign_detached(sig.data(), nullptr, message.data(), message.size(), sk.data());
  return measure_rate(
      "protocol/raw-verify",
      [&](benchmark::State& st) {
        for (auto _ : st) {
          benchmark::DoNotOptimize(
              crypto_sign_verify_detached(sig.data(), message.data(), message.size(), pk.data()));
        }
        st.SetItemsProcessed(static_cast<std::int64_t>(st.iterations()));
      },
      opt);
}

double raw_sign_rate(const BenchOptions& opt, std::size_t message_bytes) {
  std::array<std::uint8_t, crypto_sign_PUBLICKEYBYTES> pk{};
  std::array<std::uint8_t, crypto_sign_SECRETKEYBYTES> sk{};
  crypto_sign_keypair(pk.data(), sk.data());
  const Bytes message(message_bytes, 0x42);
  return measure_rate(
      "protocol/raw-sign",
      [&](benchmark::State& st) {
        std::array<std::uint8_t, crypto_sign_BYTES> sig{};
        for (auto _ : st) {
          crypto_sign_detached(sig.data(), nullptr, message.data(), message.size(), sk.data());
          benchmark::DoNotOptimize(sig);
        }
        st.SetItemsProcessed(static_cast<std::int64_t>(st.iterations()));
      },
      opt);
}

double open_rate(const BenchOptions& opt, const Bytes& wire_bytes, const char* name) {
  return measure_rate(
      name,
      [&](benchmark::State& st) {
        for (auto _ : st) {
          auto opened = protocol::open_envelope(wire_bytes);
          PACTUM_ASSERT(opened.has_value());
          benchmark::DoNotOptimize(opened->info.message_hash);
        }
        st.SetItemsProcessed(static_cast<std::int64_t>(st.iterations()));
      },
      opt);
}

}  // namespace

std::vector<BenchRow> bench_protocol(const BenchOptions& opt) {
  auto agent = crypto::SecretKey::generate();
  auto node = crypto::SecretKey::generate();
  const Bytes one = sample_accept(agent, nullptr);
  const Bytes two = sample_accept(agent, &node);
  auto body = protocol::open_envelope(one);
  PACTUM_ASSERT(body.has_value());
  auto body_bytes = protocol::canonical_bytes(body->body());
  PACTUM_ASSERT(body_bytes.has_value());
  const std::size_t signed_bytes = body_bytes->size() + 17;  // domain || 0x00 || body

  std::vector<BenchRow> rows;
  const double raw_verify = raw_verify_rate(opt, signed_bytes);
  rows.push_back(ops_row("envelope open, 1 signature (decode+verify+hash)",
                         open_rate(opt, one, "protocol/open-1"),
                         "raw crypto_sign_verify_detached", raw_verify));
  rows.push_back(ops_row("envelope open, 2 signatures", open_rate(opt, two, "protocol/open-2"),
                         "raw verify / 2", raw_verify / 2));
  const double decode = measure_rate(
      "protocol/decode",
      [&](benchmark::State& st) {
        for (auto _ : st) {
          auto d = protocol::decode<wire::Envelope>(one);
          PACTUM_ASSERT(d.has_value());
          benchmark::DoNotOptimize(d->root());
        }
        st.SetItemsProcessed(static_cast<std::int64_t>(st.iterations()));
      },
      opt);
  rows.push_back(ops_row("envelope decode only (validated, canonical)", decode,
                         "raw crypto_sign_verify_detached", raw_verify));
  protocol::EnvelopeBuilder builder;
  builder.payload().setAccept(body->body().getPayload().getAccept());
  const double seal = measure_rate(
      "protocol/seal",
      [&](benchmark::State& st) {
        for (auto _ : st) {
          auto sealed = builder.seal(agent, 1, 1'790'000'000'000);
          PACTUM_ASSERT(sealed.has_value());
          benchmark::DoNotOptimize(sealed->data());
        }
        st.SetItemsProcessed(static_cast<std::int64_t>(st.iterations()));
      },
      opt);
  rows.push_back(ops_row("envelope seal (nonce+canonicalize+sign+encode)", seal,
                         "raw crypto_sign_detached", raw_sign_rate(opt, signed_bytes)));
  return rows;
}

}  // namespace pactum::tools
