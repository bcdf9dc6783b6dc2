// Shared fixtures for the escrow tests: fixed party keys, SHA-256 (OpenSSL,
// standing in for crypto::sha256 so the core tests need no other module) and
// event builders.
#pragma once

#include <openssl/sha.h>

#include <cstdint>
#include <string>

#include "escrow/escrow.h"

namespace pactum::escrow::testing {

inline Sha256Digest test_sha256(ByteSpan data) {
  Sha256Digest out{};
  SHA256(data.data(), data.size(), out.data());
  return out;
}

inline PartyKey key(std::uint8_t tag) {
  PartyKey k{};
  k.fill(tag);
  return k;
}
inline const PartyKey kBuyer = key(0xB1);
inline const PartyKey kSeller = key(0x5E);
inline const PartyKey kArbiter = key(0xA7);
inline const PartyKey kStranger = key(0x66);
inline PartyKey approver(std::uint8_t i) { return key(static_cast<std::uint8_t>(0x10 + i)); }

inline ContractId contract(std::uint8_t tag = 0xC0) {
  ContractId c{};
  c.fill(tag);
  return c;
}

inline Milestone milestone(std::string invoice, std::int64_t amount, ConditionKind kind) {
  Milestone m;
  m.invoice_id = std::move(invoice);
  m.amount = amount;
  m.condition = kind;
  return m;
}

// Terms with buyer, seller, arbiter and the given milestones; approvers are
// added (three, two required) when any milestone needs approvals.
inline EscrowTerms terms(std::vector<Milestone> ms) {
  EscrowTerms t;
  t.currency = "EUR";
  t.buyer = kBuyer;
  t.seller = kSeller;
  t.arbiter = kArbiter;
  for (const Milestone& m : ms) {
    if (m.condition == ConditionKind::kApprovals) {
      t.approvers = {approver(0), approver(1), approver(2)};
      t.approvals_required = 2;
    }
  }
  t.milestones = std::move(ms);
  return t;
}

// Builds events with fresh ids and non-decreasing timestamps.
class EventMaker {
 public:
  explicit EventMaker(ContractId c = contract()) : contract_(c) {}

  EscrowEvent make(EventKind kind, const PartyKey& signer, std::int64_t at_ms = 0) {
    EscrowEvent e;
    e.contract_id = contract_;
    ++counter_;
    for (std::size_t i = 0; i < 8; ++i) e.id[i] = static_cast<std::uint8_t>(counter_ >> (8 * i));
    e.timestamp_ms = at_ms != 0 ? at_ms : 1'700'000'000'000 + static_cast<std::int64_t>(counter_);
    e.signer = signer;
    e.kind = kind;
    return e;
  }
  EscrowEvent fund(std::int64_t amount, const PartyKey& signer = kBuyer) {
    EscrowEvent e = make(EventKind::kFund, signer);
    e.amount = amount;
    return e;
  }
  EscrowEvent on(EventKind kind, std::uint32_t milestone, const PartyKey& signer,
                 std::int64_t at_ms = 0) {
    EscrowEvent e = make(kind, signer, at_ms);
    e.milestone = milestone;
    return e;
  }
  EscrowEvent reveal(std::uint32_t milestone, std::string preimage, const PartyKey& signer = kSeller) {
    EscrowEvent e = on(EventKind::kRevealPreimage, milestone, signer);
    e.preimage = to_bytes(preimage);
    return e;
  }
  EscrowEvent exact_ruling(std::int64_t seller, std::int64_t buyer, const PartyKey& signer = kArbiter) {
    EscrowEvent e = make(EventKind::kRuling, signer);
    e.seller_amount = seller;
    e.buyer_amount = buyer;
    return e;
  }
  EscrowEvent bps_ruling(std::uint32_t bps, const PartyKey& signer = kArbiter) {
    EscrowEvent e = make(EventKind::kRuling, signer);
    e.split = SplitKind::kBasisPoints;
    e.seller_bps = bps;
    return e;
  }

 private:
  ContractId contract_;
  std::uint64_t counter_ = 0;
};

inline Escrow open_escrow(EscrowTerms t) {
  auto e = Escrow::open(contract(), std::move(t), &test_sha256);
  PACTUM_ASSERT(e.has_value());
  return std::move(*e);
}

}  // namespace pactum::escrow::testing
