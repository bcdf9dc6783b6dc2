// Internal to ledger/evidence*.cc: the state one verification carries from
// check to check. Not part of the module's contract.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "ledger/evidence.h"
#include "protocol/decode.h"
#include "protocol/evidence.capnp.h"
#include "protocol/negotiation_wire.h"

namespace pactum::ledger::evidence_detail {

namespace ew = ::pactum::wire::evidence;

// One party as established by the identity checks.
struct PartyState {
  std::string side;                     // "buyer" or "seller".
  crypto::PublicKey org{};              // From the terms.
  std::string org_name;
  bool node_ok = false;                 // The node certificate verified.
  crypto::PublicKey node{};
  std::int64_t node_not_before_ms = 0;
  std::int64_t node_not_after_ms = 0;
  std::string origin;                   // Origin of its first checkpoint.
  std::vector<std::optional<Checkpoint>> checkpoints;  // Verified ones; nullopt if bad.
  std::optional<std::uint64_t> anchor_index;           // Ledger index of the anchor entry.
  Hash anchor_leaf{};
};

struct Ctx {
  Report& report;
  const std::vector<crypto::PublicKey>& trusted;
  ew::EvidenceBundle::Reader bundle;
  std::array<std::uint8_t, 16> contract_id{};
  crypto::Digest terms_hash{};
  PartyState buyer;
  PartyState seller;
  protocol::MandateBook mandates;
  std::set<crypto::Digest> listed_mandates;           // Ids of the bundle's mandate list.
  std::map<crypto::Digest, protocol::NegMessage> transcript;  // By message hash.
  std::vector<crypto::Digest> transcript_order;
  std::optional<crypto::Digest> settlement_digest;    // Recomputed.
  bool has_escrow = false;
  std::vector<crypto::Digest> escrow_digests;         // After 0, 1, ... n events.

  void pass(std::string name, std::string detail) {
    report.checks.push_back({std::move(name), true, std::move(detail)});
  }
  void fail(std::string name, std::string detail) {
    report.checks.push_back({std::move(name), false, std::move(detail)});
  }
  void result(std::string name, const Result<std::string>& r) {
    if (r) pass(std::move(name), *r);
    else fail(std::move(name), r.error().to_string());
  }
  bool trusted_root(const crypto::PublicKey& k) const;
  PartyState& party(bool buyer_side) { return buyer_side ? buyer : seller; }
};

// The parts a bundle was built from (evidence_build.cc). Errors: fixed-size
// fields of the wrong size, a tax table that does not decode.
Result<EvidenceParts> parts_from_bundle(ew::EvidenceBundle::Reader bundle);

using ::pactum::ledger::escrow_terms_for;  // Public in evidence.h: shared with the node core.

// Short, readable key id for reports.
std::string short_key(const crypto::PublicKey& k);

// The checks, in the order verify_evidence() runs them (one file each group).
void check_identity(Ctx& ctx);        // evidence_verify.cc: org and node certificates, mandates.
void check_transcript(Ctx& ctx);      // evidence_transcript.cc: signatures, machine, approvals.
void check_ledgers(Ctx& ctx);         // evidence_ledger.cc: checkpoints, entries, anchor receipts.
void check_settlement(Ctx& ctx);      // evidence_settle.cc: tax table, settlement, escrow, receipts.
void describe_terms(Ctx& ctx);        // evidence_describe.cc: Report::terms for people.

}  // namespace pactum::ledger::evidence_detail
