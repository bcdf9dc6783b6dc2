// A realistic evidence bundle built in-process: two organizations with root,
// node and agent keys, certificates, mandates, a negotiation of signed
// envelopes decided by the engine, a temporary ledger per party with the
// entries appended, a signed and cosigned checkpoint, settlement receipts
// from both nodes and an escrow taken through a dispute to a ruling.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "ledger/evidence.h"
#include "protocol/negotiation_wire.h"

namespace pactum::evidence_test {

crypto::SecretKey seeded(std::uint8_t tag);

// A fresh directory, removed on destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  std::string str() const { return path_.string(); }

 private:
  std::filesystem::path path_;
};

struct Org {
  std::string name;
  crypto::SecretKey root;
  crypto::SecretKey node;
  crypto::SecretKey agent;
  std::string origin;             // Ledger origin (checkpoint key name).
  protocol::Mandate mandate;
  Bytes mandate_envelope;
  std::uint64_t seq = 0;
};

inline constexpr std::int64_t kT0 = 1'800'000'000'000;  // Signed timestamps start here (2027-01-15).

struct World {
  Org buyer;
  Org seller;
  crypto::SecretKey arbiter = seeded(0x31);
  crypto::SecretKey stranger = seeded(0x66);
  settlement::TaxTable tax_table;
  crypto::Digest negotiation_id{};
  crypto::Digest terms_hash{};
  Bytes terms_bytes;                  // Canonical accepted ContractTerms.
  std::vector<Bytes> transcript;
  std::vector<Bytes> escrow_events;
  ledger::EvidenceParts parts;
  TempDir buyer_dir;
  TempDir seller_dir;

  // Builds everything above; PACTUM_ASSERTs that each step succeeds.
  World();
  std::vector<crypto::PublicKey> roots() const {
    return {buyer.root.public_key(), seller.root.public_key()};
  }
  // The bundle of the current `parts`.
  Bytes bundle() const;

  // Helpers for tamper tests.
  Bytes org_certificate(const crypto::SecretKey& signer, const crypto::PublicKey& root, const std::string& name) const;
  Bytes node_certificate(const crypto::SecretKey& signer, const crypto::PublicKey& root,
                         const crypto::SecretKey& node) const;
  Bytes settlement_receipt(const Org& o, const crypto::Digest& settlement, const crypto::Digest& escrow) const;
  crypto::Digest settlement_digest() const;
  crypto::Digest escrow_digest() const;

 private:
  void negotiate();
  void run_escrow();
  void fill_ledger(Org& o, const TempDir& dir, ledger::PartyParts& out, const Org& other);
};

// The checks of a report that failed, by name, for test messages.
std::string failed_checks(const ledger::Report& r);

}  // namespace pactum::evidence_test
