// `pactum bench crypto`: Ed25519 and SHA-256 through our API, each beside the
// raw library call it wraps, measured in the same run.
//
// The raw OpenSSL SHA-256 rows use the low-level SHA256_* calls that back our
// Sha256 (deprecated in OpenSSL 3, hence the opt-in below); the libsodium rows
// show the backend we did not choose.
#define OPENSSL_SUPPRESS_DEPRECATED 1

#include <openssl/sha.h>
#include <sodium.h>

#include <string>
#include <vector>

#include "crypto/crypto.h"
#include "tools/bench.h"

namespace pactum::tools {
namespace {

constexpr std::size_t kSignedMessageBytes = 100;  // About one small envelope body.
constexpr std::string_view kBenchDomain = "pactum-bench";

BenchRow ops_row(std::string figure, double value, std::string limit, double limit_value) {
  return BenchRow{std::move(figure), value, "ops/s", std::move(limit), limit_value, true};
}

void add_ed25519_rows(const BenchOptions& opt, std::vector<BenchRow>& rows) {
  crypto::SecretKey key = crypto::SecretKey::generate();
  const Bytes message(kSignedMessageBytes, 0x42);
  // libsodium's own key pair for the raw rows (same work, no wrapper).
  std::array<std::uint8_t, crypto_sign_PUBLICKEYBYTES> pk{};
  std::array<std::uint8_t, crypto_sign_SECRETKEYBYTES> sk{};
  crypto_sign_keypair(pk.data(), sk.data());
  std::array<std::uint8_t, crypto_sign_BYTES> raw_sig{};
  crypto_sign_detached(raw_sig.data(), nullptr, message.data(), message.size(), sk.data());
  const crypto::Signature sig = key.sign(kBenchDomain, message);

  const double ours_sign = measure_rate(
      "sign/ours",
      [&](benchmark::State& st) {
        for (auto _ : st) benchmark::DoNotOptimize(key.sign(kBenchDomain, message));
        st.SetItemsProcessed(static_cast<std::int64_t>(st.iterations()));
      },
      opt);
  const double raw_sign = measure_rate(
      "sign/raw",
      [&](benchmark::State& st) {
        std::array<std::uint8_t, crypto_sign_BYTES> out{};
        for (auto _ : st) {
          crypto_sign_detached(out.data(), nullptr, message.data(), message.size(), sk.data());
          benchmark::DoNotOptimize(out);
        }
        st.SetItemsProcessed(static_cast<std::int64_t>(st.iterations()));
      },
      opt);
  const double ours_verify = measure_rate(
      "verify/ours",
      [&](benchmark::State& st) {
        for (auto _ : st) {
          bool ok = crypto::verify(key.public_key(), kBenchDomain, message, sig).has_value();
          benchmark::DoNotOptimize(ok);
        }
        st.SetItemsProcessed(static_cast<std::int64_t>(st.iterations()));
      },
      opt);
  const double raw_verify = measure_rate(
      "verify/raw",
      [&](benchmark::State& st) {
        for (auto _ : st) {
          int r = crypto_sign_verify_detached(raw_sig.data(), message.data(), message.size(),
                                              pk.data());
          benchmark::DoNotOptimize(r);
        }
        st.SetItemsProcessed(static_cast<std::int64_t>(st.iterations()));
      },
      opt);
  sodium_memzero(sk.data(), sk.size());
  rows.push_back(
      ops_row("Ed25519 sign, 100 B (our API)", ours_sign, "raw crypto_sign_detached", raw_sign));
  rows.push_back(ops_row("Ed25519 verify, 100 B (our API)", ours_verify,
                         "raw crypto_sign_verify_detached", raw_verify));
}

void add_sha256_rows(const BenchOptions& opt, std::size_t size, const std::string& label,
                     std::vector<BenchRow>& rows) {
  const Bytes data(size, 0x5a);
  const double ours = measure_rate(
      "sha256/ours/" + label,
      [&](benchmark::State& st) {
        for (auto _ : st) benchmark::DoNotOptimize(crypto::sha256(data));
        st.SetBytesProcessed(static_cast<std::int64_t>(st.iterations() * size));
      },
      opt, true);
  const double openssl = measure_rate(
      "sha256/openssl/" + label,
      [&](benchmark::State& st) {
        std::array<std::uint8_t, SHA256_DIGEST_LENGTH> out{};
        for (auto _ : st) {
          SHA256_CTX ctx;
          SHA256_Init(&ctx);
          SHA256_Update(&ctx, data.data(), data.size());
          SHA256_Final(out.data(), &ctx);
          benchmark::DoNotOptimize(out);
        }
        st.SetBytesProcessed(static_cast<std::int64_t>(st.iterations() * size));
      },
      opt, true);
  const double sodium = measure_rate(
      "sha256/sodium/" + label,
      [&](benchmark::State& st) {
        std::array<std::uint8_t, crypto_hash_sha256_BYTES> out{};
        for (auto _ : st) {
          crypto_hash_sha256(out.data(), data.data(), data.size());
          benchmark::DoNotOptimize(out);
        }
        st.SetBytesProcessed(static_cast<std::int64_t>(st.iterations() * size));
      },
      opt, true);
  const std::string raw_openssl = "raw OpenSSL SHA256_* " + label;
  rows.push_back(
      {"SHA-256 " + label + " (our API)", ours / 1e6, "MB/s", raw_openssl, openssl / 1e6, true});
  rows.push_back({"SHA-256 " + label + " (raw libsodium)", sodium / 1e6, "MB/s", raw_openssl,
                  openssl / 1e6, true});
}

}  // namespace

std::vector<BenchRow> bench_crypto(const BenchOptions& opt) {
  std::vector<BenchRow> rows;
  add_ed25519_rows(opt, rows);
  add_sha256_rows(opt, 64, "64 B", rows);
  add_sha256_rows(opt, 1024, "1 KiB", rows);
  add_sha256_rows(opt, 1 << 20, "1 MiB", rows);
  return rows;
}

}  // namespace pactum::tools
