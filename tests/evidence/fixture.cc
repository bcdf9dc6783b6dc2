// The evidence test world (fixture.h): every part of a bundle made the way
// the nodes make it, from real keys, envelopes, engine decisions and ledgers.
#include "tests/evidence/fixture.h"

#include <capnp/message.h>
#include <unistd.h>

#include "ledger/ledger.h"
#include "protocol/canonical.h"
#include "protocol/escrow_codec.h"
#include "protocol/evidence.capnp.h"
#include "protocol/settlement_codec.h"
#include "tests/negotiation/fixture.h"

namespace pactum::evidence_test {

using protocol::NegEvent;
using protocol::Role;

crypto::SecretKey seeded(std::uint8_t tag) {
  PACTUM_ASSERT(crypto::init().has_value());
  std::array<std::uint8_t, 32> seed{};
  seed.fill(tag);
  return *crypto::SecretKey::from_seed(seed);
}

TempDir::TempDir() {
  static int counter = 0;
  path_ = std::filesystem::temp_directory_path() /
          ("pactum-evidence-test-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
  std::filesystem::remove_all(path_);
  std::filesystem::create_directories(path_);
}
TempDir::~TempDir() { std::filesystem::remove_all(path_); }

namespace {

template <class T>
T must(Result<T> r) {
  if (!r) std::fprintf(stderr, "fixture step failed: %s\n", r.error().to_string().c_str());
  PACTUM_ASSERT(r.has_value());
  return std::move(*r);
}

std::int32_t day(int y, unsigned m, unsigned d) {
  return static_cast<std::int32_t>(settlement::day_number(must(settlement::make_date(y, m, d))));
}

ByteSpan contract_id_of(const crypto::Digest& negotiation_id) { return ByteSpan(negotiation_id.data(), 16); }

}  // namespace

World::World()
    : buyer{"Acme Buying GmbH", seeded(0x11), seeded(0x12), seeded(0x13), "buyer.example/ledger", {}, {}},
      seller{"Widget Works AG", seeded(0x21), seeded(0x22), seeded(0x23), "seller.example/ledger", {}, {}} {
  tax_table.version = 3;
  tax_table.rates = {{"DE", "*", 190'000}};
  for (Org* o : {&buyer, &seller}) {
    const Org& other = o == &buyer ? seller : buyer;
    o->mandate = protocol::negtest::mandate(o->root.public_key(), o->agent.public_key(),
                                            o == &buyer ? Role::kBuyer : Role::kSeller, other.root.public_key());
    o->mandate_envelope = must(protocol::build_mandate(o->mandate, o->root, 1, kT0 - 86'400'000));
    o->mandate.id = must(protocol::open_envelope(o->mandate_envelope)).info.message_hash;
  }
  parts.mandates = {buyer.mandate_envelope, seller.mandate_envelope};
  parts.tax_table = tax_table;
  negotiate();
  run_escrow();
  parts.transcript = transcript;
  parts.escrow_events = escrow_events;
  parts.escrow_state_digest = escrow_digest();
  const crypto::Digest sd = settlement_digest();
  parts.settlement_receipts = {settlement_receipt(buyer, sd, *parts.escrow_state_digest),
                               settlement_receipt(seller, sd, *parts.escrow_state_digest)};
  fill_ledger(buyer, buyer_dir, parts.buyer, seller);
  fill_ledger(seller, seller_dir, parts.seller, buyer);
}

Bytes World::bundle() const { return must(ledger::build_evidence(parts)); }

namespace {

// Completes the engine-built terms with what settlement and escrow need.
void complete_terms(wire::ContractTerms::Builder t, const World& w, const crypto::Digest& tax_hash) {
  t.getBuyer().setName(w.buyer.name);
  t.getSeller().setName(w.seller.name);
  // The engine's terms carry only the guardrail figures; settlement needs
  // conventions and a term too.
  auto conv = t.getPricing().initConventions();
  conv.setDayCount(wire::settlement::DayCount::ACTUAL);
  conv.setRounding(wire::settlement::RoundingMode::HALF_EVEN);
  conv.setRoundingPoint(wire::settlement::RoundingPoint::EXACT_PRODUCT);
  conv.setFractionDecimals(9);
  conv.setTaxRounding(wire::settlement::TaxRounding::PER_LINE);
  conv.setCurrencyTable(1);
  t.getPricing().getCharges()[0].setTaxCode("goods");
  t.getPricing().getCharges()[0].setDescription("Widgets, monthly");
  t.setStartDay(day(2027, 2, 1));
  t.setEndDay(day(2027, 5, 1));
  t.setTaxJurisdiction("DE");
  t.setTaxTableHash(protocol::as_data(tax_hash));
  t.setArbiterKey(protocol::as_data(w.arbiter.public_key()));
  t.setListPriceMinor(360'000);
  t.setNote("Widgets <monthly> & support");
  escrow::EscrowTerms et;
  et.currency = "EUR";
  et.buyer = w.buyer.agent.public_key();
  et.seller = w.seller.agent.public_key();
  et.arbiter = w.arbiter.public_key();
  et.milestones = {{"invoice 1", 100'000, escrow::ConditionKind::kAcceptance, 0, {}},
                   {"invoice 2", 50'000, escrow::ConditionKind::kAcceptance, 0, {}}};
  protocol::escrow_terms_to_wire(et, t.initEscrow());
}

// Re-seals an engine-built offer with completed terms (same signer, sequence, time).
Bytes complete_offer(const Bytes& built, const World& w, const crypto::SecretKey& key, std::uint64_t seq,
                     std::int64_t ts, const crypto::Digest& tax_hash) {
  auto dec = must(protocol::decode<wire::Envelope>(built));
  auto payload = dec.root().getBody().getPayload();
  protocol::EnvelopeBuilder b;
  if (payload.which() == protocol::PayloadKind::PROPOSE) {
    b.payload().setPropose(payload.getPropose());
    complete_terms(b.payload().getPropose().getTerms(), w, tax_hash);
  } else {
    b.payload().setCounter(payload.getCounter());
    complete_terms(b.payload().getCounter().getTerms(), w, tax_hash);
  }
  return must(b.seal(key, seq, ts));
}

}  // namespace

void World::negotiate() {
  using protocol::negtest::policy_text;
  protocol::NegotiationEngine engine(buyer.root.public_key(), must(protocol::load_policy(policy_text(seller.root.public_key()))));
  protocol::MandateBook book;
  negotiation_id = protocol::negtest::digest_of("evidence-negotiation");
  std::fill(negotiation_id.begin() + 16, negotiation_id.end(), 0);
  const crypto::Digest tax_hash = must(protocol::tax_table_hash(tax_table));
  crypto::Digest head{};
  std::int64_t now = kT0;
  std::uint32_t round = 1;
  struct Step { NegEvent kind; Org* by; std::int64_t price; };
  const Step steps[] = {{NegEvent::kPropose, &buyer, 900}, {NegEvent::kCounter, &seller, 1200},
                        {NegEvent::kCounter, &buyer, 990}, {NegEvent::kAccept, &seller, 0}};
  for (const Step& s : steps) {
    protocol::MessageSpec spec;
    spec.kind = s.kind;
    spec.negotiation_id = negotiation_id;
    spec.prev_hash = head;
    spec.round = round;
    spec.mandate_id = s.by->mandate.id;
    spec.mandate_envelope = s.by->seq == 0 ? &s.by->mandate_envelope : nullptr;
    spec.buyer_org = buyer.root.public_key();
    spec.seller_org = seller.root.public_key();
    spec.offer = protocol::Offer{"widget", "EUR", s.price, 100, s.price * 100};
    spec.expires_ms = kT0 + 86'400'000;
    if (const protocol::Negotiation* n = engine.find(negotiation_id)) spec.terms_hash = n->offer_terms_hash;
    now += 60'000;
    const std::uint64_t seq = ++s.by->seq;
    Bytes wire_bytes = must(protocol::build_negotiation_message(spec, s.by->agent, seq, now));
    if (s.kind != NegEvent::kAccept) wire_bytes = complete_offer(wire_bytes, *this, s.by->agent, seq, now, tax_hash);
    protocol::Decision d = protocol::decide_envelope(engine, book, wire_bytes, now);
    if (d.outcome != protocol::Outcome::kApplied) std::fprintf(stderr, "engine: %s: %s\n", d.rule.c_str(), d.values.c_str());
    PACTUM_ASSERT(d.outcome == protocol::Outcome::kApplied);
    head = must(protocol::open_envelope(wire_bytes)).info.message_hash;
    transcript.push_back(wire_bytes);
    ++round;
    if (s.kind == NegEvent::kCounter && s.by == &buyer) {
      auto dec = must(protocol::decode<wire::Envelope>(wire_bytes));
      auto terms = dec.root().getBody().getPayload().getCounter().getTerms();
      terms_bytes = must(protocol::canonical_bytes(terms));
      terms_hash = must(protocol::terms_hash(terms));
    }
  }
  PACTUM_ASSERT(engine.find(negotiation_id)->state == protocol::NegState::kAccepted);
}

void World::run_escrow() {
  escrow::ContractId cid{};
  std::copy_n(negotiation_id.begin(), 16, cid.begin());
  auto et = must(protocol::escrow_terms_from_wire(
      must(protocol::decode<wire::ContractTerms>(terms_bytes)).root().getEscrow(), "EUR",
      protocol::as_data(arbiter.public_key())));
  escrow::Escrow e = must(escrow::Escrow::open(cid, et, &crypto::sha256));
  std::uint64_t seq = 100;
  auto add = [&](const crypto::SecretKey& key, escrow::EscrowEvent ev) {
    ev.contract_id = cid;
    ev.id.fill(static_cast<std::uint8_t>(escrow_events.size() + 1));
    ev.timestamp_ms = kT0 + 40 * 86'400'000LL + static_cast<std::int64_t>(escrow_events.size()) * 3'600'000;
    ev.signer = key.public_key();
    PACTUM_ASSERT(e.apply(ev).has_value());
    escrow_events.push_back(must(protocol::seal_escrow_event(key, ++seq, ev, terms_hash)));
  };
  escrow::EscrowEvent fund;
  fund.kind = escrow::EventKind::kFund;
  fund.amount = 150'000;
  add(buyer.agent, fund);
  escrow::EscrowEvent accept;
  accept.kind = escrow::EventKind::kAcceptDelivery;
  accept.milestone = 0;
  add(buyer.agent, accept);
  escrow::EscrowEvent dispute;
  dispute.kind = escrow::EventKind::kOpenDispute;
  dispute.reason = "second delivery incomplete";
  add(buyer.agent, dispute);
  escrow::EscrowEvent ruling;
  ruling.kind = escrow::EventKind::kRuling;
  ruling.split = escrow::SplitKind::kExact;
  ruling.seller_amount = 20'000;
  ruling.buyer_amount = 30'000;
  add(arbiter, ruling);
  PACTUM_ASSERT(e.status() == escrow::Status::kResolved);
}

crypto::Digest World::settlement_digest() const {
  auto c = must(ledger::contract_from_terms(terms_bytes, tax_table));
  return must(protocol::settlement_digest(must(settlement::settle(c))));
}

crypto::Digest World::escrow_digest() const {
  escrow::ContractId cid{};
  std::copy_n(negotiation_id.begin(), 16, cid.begin());
  auto terms = must(protocol::decode<wire::ContractTerms>(terms_bytes));
  escrow::Escrow e = must(escrow::Escrow::open(cid, must(protocol::escrow_terms_from_contract(terms.root())),
                                               &crypto::sha256));
  for (const Bytes& b : escrow_events) PACTUM_ASSERT(e.apply(must(protocol::open_escrow_event(b, cid, terms_hash))).has_value());
  return must(protocol::escrow_state_digest(e));
}

Bytes World::settlement_receipt(const Org& o, const crypto::Digest& sd, const crypto::Digest& ed) const {
  protocol::EnvelopeBuilder b;
  auto r = b.payload().initSettlementReceipt();
  r.setContractId(capnp::Data::Reader(negotiation_id.data(), 16));
  r.setSettlementDigest(protocol::as_data(sd));
  r.setEscrowDigest(protocol::as_data(ed));
  r.setNodeKey(protocol::as_data(o.node.public_key()));
  r.setTermsHash(protocol::as_data(terms_hash));
  return must(b.seal(o.node, 7, kT0 + 50 * 86'400'000LL));
}

Bytes World::org_certificate(const crypto::SecretKey& signer, const crypto::PublicKey& root,
                             const std::string& name) const {
  protocol::EnvelopeBuilder b;
  auto c = b.payload().initOrgCertificate();
  c.setOrgRootKey(protocol::as_data(root));
  c.setOrgName(name);
  return must(b.seal(signer, 1, kT0 - 90 * 86'400'000LL));
}

Bytes World::node_certificate(const crypto::SecretKey& signer, const crypto::PublicKey& root,
                              const crypto::SecretKey& node) const {
  const std::int64_t nb = kT0 - 30 * 86'400'000LL, na = kT0 + 365 * 86'400'000LL;
  auto der = must(crypto::make_certificate(signer, "org", node.public_key(), "node", false, nb / 1000, na / 1000));
  protocol::EnvelopeBuilder b;
  auto c = b.payload().initNodeCertificate();
  c.setOrgRootKey(protocol::as_data(root));
  c.setNodeKey(protocol::as_data(node.public_key()));
  c.setNodeName("node.example");
  c.setTlsCertificateDer(capnp::Data::Reader(der.der.data(), der.der.size()));
  c.setNotBeforeMs(nb);
  c.setNotAfterMs(na);
  return must(b.seal(signer, 2, kT0 - 30 * 86'400'000LL));
}

namespace {
// The node core's anchor (docs/node.md) of our contract, or (other >= 0) of
// another contract in the same ledger.
Bytes anchor_payload(const World& w, int other = -1) {
  capnp::MallocMessageBuilder m;
  auto a = m.initRoot<wire::evidence::ContractAnchor>();
  crypto::Digest id = w.negotiation_id;
  if (other >= 0) id[0] ^= static_cast<std::uint8_t>(0x80 | other);
  a.setContractId(capnp::Data::Reader(id.data(), 16));
  a.setNegotiationId(capnp::Data::Reader(id.data(), 16));
  if (other >= 0) return must(protocol::canonical_bytes(a.asReader()));
  auto terms = must(protocol::decode<wire::ContractTerms>(w.terms_bytes));
  a.setTermsHash(protocol::as_data(w.terms_hash));
  a.setTerms(terms.root());
  auto t = a.initTranscript(static_cast<unsigned>(w.transcript.size()));
  for (unsigned i = 0; i < w.transcript.size(); ++i)
    t.set(i, protocol::as_data(must(protocol::open_envelope(w.transcript[i])).info.message_hash));
  a.setBuyerOrg(protocol::as_data(w.buyer.root.public_key()));
  a.setSellerOrg(protocol::as_data(w.seller.root.public_key()));
  return must(protocol::canonical_bytes(a.asReader()));
}

ledger::AppendRequest request(ledger::EntryKind kind, Bytes payload) {
  ledger::AppendRequest r;
  r.kind = kind;
  r.id = crypto::sha256(payload);
  r.payload = std::move(payload);
  return r;
}
}  // namespace

void World::fill_ledger(Org& o, const TempDir& dir, ledger::PartyParts& out, const Org& other) {
  ledger::Options opt;
  opt.durability = ledger::Durability::kUnsafeNoSyncForTests;
  opt.clock_ms = [] { return kT0 + 3'600'000; };
  auto lg = must(ledger::Ledger::open(dir.str(), opt));
  std::vector<ledger::AppendRequest> reqs;
  // Other contracts' anchors around ours, as in a busy ledger.
  for (int i = 0; i < 3; ++i) reqs.push_back(request(ledger::EntryKind::kContractAnchor, anchor_payload(*this, i)));
  for (const Bytes& t : transcript) reqs.push_back(request(ledger::EntryKind::kNegotiationMessage, t));
  reqs.push_back(request(ledger::EntryKind::kContractAnchor, anchor_payload(*this)));
  for (const Bytes& e : escrow_events) reqs.push_back(request(ledger::EntryKind::kEscrowEvent, e));
  reqs.push_back(request(ledger::EntryKind::kSettlementReceipt, parts.settlement_receipts[&o == &buyer ? 0 : 1]));
  for (int i = 3; i < 5; ++i) reqs.push_back(request(ledger::EntryKind::kContractAnchor, anchor_payload(*this, i)));
  PACTUM_ASSERT(lg->append_batch(std::move(reqs)).has_value());
  auto cp = must(lg->checkpoint(o.node, o.origin));
  auto collected = must(ledger::collect_party_ledger(*lg, contract_id_of(negotiation_id)));
  out.checkpoints = {collected.checkpoint};
  out.entries = collected.entries;
  // The other party's node cosigns after checking consistency.
  const std::uint64_t ts = static_cast<std::uint64_t>(kT0 / 1000 + 7200);
  std::string msg = "cosignature/v1\ntime " + std::to_string(ts) + "\n" + ledger::checkpoint_body(cp.checkpoint);
  out.checkpoints[0].cosignatures = {{other.node.public_key(), other.origin, ts, other.node.sign_raw(as_bytes(msg))}};
  // The anchor receipt names the anchor entry (collected first) and its proof.
  auto anchor = must(ledger::decode_entry(out.entries[0].entry));
  protocol::EnvelopeBuilder b;
  auto r = b.payload().initAnchorReceipt();
  r.setContractId(capnp::Data::Reader(negotiation_id.data(), 16));
  r.setTermsHash(protocol::as_data(terms_hash));
  r.setLedgerIndex(anchor.index);
  r.setCheckpoint(cp.note);
  r.setNodeKey(protocol::as_data(o.node.public_key()));
  r.setEntryHash(protocol::as_data(ledger::leaf_hash(out.entries[0].entry)));
  auto path = r.initInclusionPath(static_cast<unsigned>(out.entries[0].path.size()));
  for (unsigned i = 0; i < out.entries[0].path.size(); ++i) path.set(i, protocol::as_data(out.entries[0].path[i]));
  out.anchor_receipt = must(b.seal(o.node, 5, kT0 + 3'600'000));
  out.org_certificate = org_certificate(o.root, o.root.public_key(), o.name);
  out.node_certificate = node_certificate(o.root, o.root.public_key(), o.node);
}

std::string failed_checks(const ledger::Report& r) {
  std::string out;
  for (const auto& c : r.checks)
    if (!c.ok) out += c.name + ": " + c.detail + "\n";
  return out.empty() ? "(none failed)" : out;
}

}  // namespace pactum::evidence_test
