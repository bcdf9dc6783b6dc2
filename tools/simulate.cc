// The simulated federation behind `pactum simulate` (simulate.h). One
// NegotiationEngine and MandateBook per organization; every message is a
// signed envelope decided first by the sender's node (guardrails, approval
// threshold) and then by the receiver's; escalations go to the org's
// approver key. Integer math and a seeded mt19937_64 only: draws use
// `rng() % n`, never std::uniform_int_distribution, whose output the
// standard leaves to the library.
#include <algorithm>
#include <chrono>
#include <memory>
#include <random>

#include "protocol/canonical.h"
#include "protocol/negotiation_wire.h"
#include "protocol/strategy.h"
#include "tools/simulate.h"

namespace pactum::tools {
namespace {

using protocol::NegEvent;
using protocol::Role;

constexpr std::int64_t kStartMs = 1'800'000'000'000;   // Simulated clock origin (2027-01-15).
constexpr std::int64_t kDay = 86'400'000;
constexpr std::int64_t kDealSpacingMs = 15 * 60'000;  // Deals start a quarter hour apart.
constexpr std::int64_t kDeadlineMs = 20 * 60'000;     // Each negotiation's deadline.
constexpr std::uint32_t kMaxRounds = 10;              // Offers per negotiation (policy).
constexpr std::int64_t kPpm = 1'000'000;

enum class Kind : std::uint8_t { kBoulware = 0, kLinear = 1, kConceder = 2, kTitForTat = 3 };
const char* kind_name(Kind k) {
  switch (k) {
    case Kind::kBoulware: return "boulware";
    case Kind::kLinear: return "linear";
    case Kind::kConceder: return "conceder";
    case Kind::kTitForTat: return "tit-for-tat";
  }
  return "unknown";
}

struct Org {
  crypto::SecretKey root;
  crypto::SecretKey approver;
  std::unique_ptr<protocol::NegotiationEngine> engine;
  protocol::MandateBook book;
};

struct Agent {
  std::uint32_t org = 0;
  Role role = Role::kBuyer;
  Kind kind = Kind::kLinear;
  crypto::SecretKey key;
  protocol::Mandate mandate;
  Bytes mandate_envelope;
  std::uint64_t seq = 0;
};

struct Sim {
  std::mt19937_64 rng;
  std::vector<Org> orgs;
  std::vector<Agent> agents;
  SimResult out;

  explicit Sim(std::uint64_t seed) : rng(seed) {}
  std::uint64_t draw(std::uint64_t n) { return rng() % n; }
  crypto::SecretKey key() {
    std::array<std::uint8_t, 32> seed{};
    for (std::size_t i = 0; i < seed.size(); i += 8) {
      std::uint64_t v = rng();
      for (std::size_t j = 0; j < 8; ++j) seed[i + j] = static_cast<std::uint8_t>(v >> (8 * j));
    }
    return *crypto::SecretKey::from_seed(seed);
  }
};

std::string policy_text(const Sim& s, std::uint32_t org) {
  std::string cps, sep;
  std::vector<crypto::PublicKey> keys;
  for (std::uint32_t o = 0; o < s.orgs.size(); ++o)
    if (o != org) keys.push_back(s.orgs[o].root.public_key());
  std::sort(keys.begin(), keys.end());
  for (const auto& k : keys) cps += std::exchange(sep, ", ") + "\"" + crypto::public_key_to_text(k) + "\"";
  return "version = 1\ncurrency = \"EUR\"\nmax_rounds = " + std::to_string(kMaxRounds) +
         "\nmax_concession_per_round_ppm = 150000\napproval_threshold_minor = 400000\n"
         "max_open_exposure_minor = 50000000\nallowed_counterparties = [" + cps + "]\napprovers = [\"" +
         crypto::public_key_to_text(s.orgs[org].approver.public_key()) + "\"]\n"
         "[products.widget]\nfloor_minor = 4000\nceiling_minor = 16000\nlist_minor = 10000\nmax_discount_ppm = 350000\n";
}

Result<void> setup(Sim& s, const SimConfig& c) {
  for (std::uint32_t o = 0; o < c.orgs; ++o) s.orgs.push_back(Org{s.key(), s.key(), nullptr, {}});
  for (std::uint32_t o = 0; o < c.orgs; ++o) {
    PACTUM_TRY(protocol::Policy p, protocol::load_policy(policy_text(s, o)));
    s.orgs[o].engine = std::make_unique<protocol::NegotiationEngine>(s.orgs[o].root.public_key(), std::move(p));
  }
  for (std::uint32_t a = 0; a < c.agents; ++a) {
    Agent ag{a % c.orgs, (a / c.orgs) % 2 == 0 ? Role::kBuyer : Role::kSeller, static_cast<Kind>(a % 4), s.key(), {}, {}};
    protocol::Mandate& m = ag.mandate;
    m.org_key = s.orgs[ag.org].root.public_key();
    m.agent_key = ag.key.public_key();
    m.role = ag.role;
    for (std::uint32_t o = 0; o < c.orgs; ++o)
      if (o != ag.org) m.counterparties.push_back(s.orgs[o].root.public_key());
    std::sort(m.counterparties.begin(), m.counterparties.end());
    m.products = {"widget"};
    m.currency = "EUR";
    m.per_contract_limit_minor = 1'000'000;
    m.cumulative_limit_minor = 15'000'000;
    m.period_ms = 30 * kDay;
    m.max_concession_ppm = 300'000;
    m.max_concession_total_ppm = 900'000;
    m.approval_threshold_minor = 800'000;
    m.approvers = {s.orgs[ag.org].approver.public_key()};
    m.valid_from_ms = kStartMs - kDay;
    m.valid_until_ms = kStartMs + 365 * kDay;
    PACTUM_TRY(ag.mandate_envelope, protocol::build_mandate(m, s.orgs[ag.org].root, a + 1, kStartMs - kDay));
    PACTUM_TRY(auto dec, protocol::decode<wire::Envelope>(ag.mandate_envelope));
    PACTUM_TRY(m.id, protocol::message_hash(dec.root().getBody()));
    s.agents.push_back(std::move(ag));
  }
  return Ok();
}

// One deal's negotiation state, from the simulation's side.
struct Deal {
  crypto::Digest id{};
  std::uint32_t buyer = 0, seller = 0;      // Agent indexes.
  std::int64_t list = 0, qty = 0;
  std::int64_t buyer_res = 0, seller_res = 0;
  protocol::TimeStrategy bs, ss;
  std::int64_t start = 0, now = 0;
  crypto::Digest head{};
  std::uint32_t round = 1;
  bool buyer_spoke = false, seller_spoke = false;
  std::vector<std::int64_t> buyer_prices, seller_prices;
};

enum class Sent : std::uint8_t { kOk, kRefused, kDenied };

// The approver's decision on an escalated message: approve 85 % of the time.
Result<Sent> approve(Sim& s, Deal& d, Org& org, const crypto::Digest& hash) {
  const protocol::Negotiation* n = org.engine->find(d.id);
  if (n == nullptr || !n->pending) return Fail(Errc::kInternal, "escalation without a pending message");
  const bool ok = s.draw(100) < 85;
  protocol::MessageSpec a;
  a.kind = ok ? NegEvent::kApprove : NegEvent::kDeny;
  a.negotiation_id = d.id;
  a.prev_hash = hash;
  a.terms_hash = n->pending->terms_hash;
  a.round = d.round;
  PACTUM_TRY(Bytes w, protocol::build_negotiation_message(a, org.approver, d.round, d.now + 1));
  protocol::Decision dec = protocol::decide_envelope(*org.engine, org.book, w, d.now + 1);
  if (dec.outcome != protocol::Outcome::kApplied) return Fail(Errc::kInternal, "approval refused: " + dec.rule);
  ++(ok ? s.out.approvals : s.out.denied);
  return ok ? Sent::kOk : Sent::kDenied;
}

// Signs, decides at the sender's node, then at the receiver's.
Result<Sent> send(Sim& s, Deal& d, NegEvent kind, bool from_buyer, std::int64_t price) {
  Agent& ag = s.agents[from_buyer ? d.buyer : d.seller];
  Org& own = s.orgs[ag.org];
  Org& other = s.orgs[s.agents[from_buyer ? d.seller : d.buyer].org];
  bool& spoke = from_buyer ? d.buyer_spoke : d.seller_spoke;
  d.now += 5'000 + static_cast<std::int64_t>(s.draw(115'000));  // Think time 5 s .. 2 min.
  protocol::MessageSpec m;
  m.kind = kind;
  m.negotiation_id = d.id;
  m.prev_hash = d.head;
  m.round = d.round;
  m.mandate_id = ag.mandate.id;
  m.mandate_envelope = spoke ? nullptr : &ag.mandate_envelope;
  m.buyer_org = s.orgs[s.agents[d.buyer].org].root.public_key();
  m.seller_org = s.orgs[s.agents[d.seller].org].root.public_key();
  m.offer = protocol::Offer{"widget", "EUR", price, d.qty, price * d.qty};
  m.expires_ms = d.start + kDeadlineMs;
  if (const protocol::Negotiation* n = own.engine->find(d.id)) m.terms_hash = n->offer_terms_hash;
  PACTUM_TRY(Bytes w, protocol::build_negotiation_message(m, ag.key, ++ag.seq, d.now));
  PACTUM_TRY(auto dec, protocol::decode<wire::Envelope>(w));
  PACTUM_TRY(crypto::Digest hash, protocol::message_hash(dec.root().getBody()));
  protocol::Decision d1 = protocol::decide_envelope(*own.engine, own.book, w, d.now);
  if (d1.outcome == protocol::Outcome::kRefused) {
    ++s.out.guardrail_hits[d1.rule];
    return Sent::kRefused;
  }
  if (d1.outcome == protocol::Outcome::kEscalated) {
    ++s.out.escalations;
    PACTUM_TRY(Sent a, approve(s, d, own, hash));
    if (a != Sent::kOk) return a;
  }
  protocol::Decision d2 = protocol::decide_envelope(*other.engine, other.book, w, d.now);
  if (d2.outcome != protocol::Outcome::kApplied) {
    ++s.out.counterparty_refusals;
    return Sent::kRefused;
  }
  s.out.messages += 1;
  spoke = true;
  d.head = hash;
  ++d.round;
  return Sent::kOk;
}

// The next price of a side: tit-for-tat once it has history, else its time curve.
std::int64_t next_price(const Deal& d, bool buyer, const Agent& ag) {
  const protocol::TimeStrategy& st = buyer ? d.bs : d.ss;
  const auto& mine = buyer ? d.buyer_prices : d.seller_prices;
  const auto& theirs = buyer ? d.seller_prices : d.buyer_prices;
  if (ag.kind == Kind::kTitForTat && !mine.empty() && theirs.size() >= 2) {
    auto p = protocol::tit_for_tat_offer(st, mine.back(), theirs[theirs.size() - 2], theirs.back());
    if (p) return *p;
  }
  // Time is counted in offers made (Faratin et al. allow either clock): the
  // curve reaches the reservation price at the last offer the policy allows.
  const auto made = static_cast<std::int64_t>(d.buyer_prices.size() + d.seller_prices.size());
  return protocol::time_offer(st, made, kMaxRounds - 1);
}

protocol::TimeStrategy strategy(Role role, Kind kind, std::int64_t lo, std::int64_t hi) {
  protocol::TimeStrategy st;
  st.role = role;
  st.min_minor = lo;
  st.max_minor = hi;
  st.k_ppb = 50'000'000;  // 5 % of the range conceded at once.
  st.beta = kind == Kind::kBoulware ? protocol::kBoulware : kind == Kind::kConceder ? protocol::kConceder : protocol::kLinear;
  return st;
}

// Picks the agents and draws the deal's list price, quantity and reservation prices.
Deal draw_deal(Sim& s, std::uint32_t i, const std::vector<std::uint32_t>& buyers,
               const std::vector<std::uint32_t>& sellers) {
  Deal d;
  d.buyer = buyers[s.draw(buyers.size())];
  do d.seller = sellers[s.draw(sellers.size())];
  while (s.agents[d.seller].org == s.agents[d.buyer].org);
  for (std::size_t k = 0; k < 16; ++k) d.id[k] = static_cast<std::uint8_t>(s.rng() >> 56);
  d.list = 8'000 + static_cast<std::int64_t>(s.draw(4'001));
  d.qty = 5 + static_cast<std::int64_t>(s.draw(36));
  d.buyer_res = d.list * (800'000 + static_cast<std::int64_t>(s.draw(300'001))) / kPpm;
  d.seller_res = d.list * (600'000 + static_cast<std::int64_t>(s.draw(350'001))) / kPpm;
  d.bs = strategy(Role::kBuyer, s.agents[d.buyer].kind, std::min(d.list * 7 / 10, d.buyer_res), d.buyer_res);
  d.ss = strategy(Role::kSeller, s.agents[d.seller].kind, d.seller_res, std::max(d.seller_res, d.list * 13 / 10));
  d.start = d.now = kStartMs + static_cast<std::int64_t>(i) * kDealSpacingMs;
  return d;
}

struct Outcome {
  bool agreed = false;
  std::int64_t price = 0;
  std::uint32_t messages = 0;
  std::int64_t duration_ms = 0;
};

Result<Outcome> negotiate(Sim& s, Deal& d) {
  Outcome o;
  std::int64_t p = next_price(d, true, s.agents[d.buyer]);
  PACTUM_TRY(Sent r, send(s, d, NegEvent::kPropose, true, p));
  if (r == Sent::kRefused) ++s.out.refused;
  if (r != Sent::kOk) return o;
  d.buyer_prices.push_back(p);
  bool buyer_turn = false;
  for (std::uint32_t offers = 1;; buyer_turn = !buyer_turn) {
    const Agent& ag = s.agents[buyer_turn ? d.buyer : d.seller];
    const std::int64_t table = buyer_turn ? d.seller_prices.back() : d.buyer_prices.back();
    const std::int64_t next = next_price(d, buyer_turn, ag);
    if (protocol::should_accept(ag.role, table, next)) {
      PACTUM_TRY(Sent a, send(s, d, NegEvent::kAccept, buyer_turn, table));
      if (a == Sent::kRefused) ++s.out.refused;
      if (a != Sent::kOk) return o;
      return Outcome{true, table, d.round - 1, d.now - d.start};
    }
    if (d.now - d.start >= kDeadlineMs) {  // Both nodes expire it; nothing more is signed.
      for (std::uint32_t a : {d.buyer, d.seller}) (void)s.orgs[s.agents[a].org].engine->expire(d.id, d.now);
      ++s.out.no_agreement;
      return o;
    }
    if (offers >= kMaxRounds) {
      PACTUM_TRY(Sent j, send(s, d, NegEvent::kReject, buyer_turn, 0));
      (void)j;
      ++s.out.no_agreement;
      return o;
    }
    PACTUM_TRY(Sent c, send(s, d, NegEvent::kCounter, buyer_turn, next));
    if (c == Sent::kRefused) ++s.out.refused;
    if (c != Sent::kOk) return o;
    (buyer_turn ? d.buyer_prices : d.seller_prices).push_back(next);
    ++offers;
  }
}

}  // namespace

Result<SimResult> run_simulation(const SimConfig& c) {
  if (c.orgs < 2 || c.orgs > kSimOrgsMax || c.agents < 2 * c.orgs || c.agents > kSimAgentsMax || c.deals == 0 ||
      c.deals > kSimDealsMax)
    return Fail(Errc::kInvalidArgument, "need 2.." + std::to_string(kSimOrgsMax) + " orgs, 2*orgs.." +
                                            std::to_string(kSimAgentsMax) + " agents, 1.." +
                                            std::to_string(kSimDealsMax) + " deals");
  const auto t0 = std::chrono::steady_clock::now();
  Sim s(c.seed);
  PACTUM_CHECK(setup(s, c));
  std::vector<std::uint32_t> buyers, sellers;
  for (std::uint32_t a = 0; a < s.agents.size(); ++a) (s.agents[a].role == Role::kBuyer ? buyers : sellers).push_back(a);
  std::vector<std::uint32_t> rounds;
  std::vector<std::int64_t> times;
  Int128 discount_sum = 0, nash_sum = 0, share_sum = 0, surplus_all = 0, surplus_lost = 0;
  std::int64_t nash_n = 0;  // Agreements with a ZOPA of positive width.
  for (std::uint32_t i = 0; i < c.deals; ++i) {
    Deal d = draw_deal(s, i, buyers, sellers);
    PACTUM_TRY(Outcome o, negotiate(s, d));
    const bool zopa = d.buyer_res >= d.seller_res;
    const std::int64_t width = d.buyer_res - d.seller_res;
    if (zopa) {
      ++s.out.zopa_deals;
      surplus_all += static_cast<Int128>(width) * d.qty;
      if (!o.agreed) {
        ++s.out.zopa_missed;
        surplus_lost += static_cast<Int128>(width) * d.qty;
      }
    }
    if (!o.agreed) continue;
    for (const protocol::Decision& x : {s.orgs[s.agents[d.buyer].org].engine->on_anchored(d.id),
                                        s.orgs[s.agents[d.seller].org].engine->on_anchored(d.id)})
      if (!x.ok()) return Fail(Errc::kInternal, "commit refused: " + x.rule);
    ++s.out.agreed;
    ++s.out.agreed_by_pair[std::string(kind_name(s.agents[d.buyer].kind)) + "/" + kind_name(s.agents[d.seller].kind)];
    rounds.push_back(o.messages);
    times.push_back(o.duration_ms);
    discount_sum += static_cast<Int128>(d.list - o.price) * kPpm / d.list;
    if (o.price > d.buyer_res || o.price < d.seller_res) ++s.out.irrational;
    if (zopa && width > 0) {
      const std::int64_t gap = 2 * o.price - d.buyer_res - d.seller_res;
      nash_sum += static_cast<Int128>(gap < 0 ? -gap : gap) * kPpm / (2 * width);
      share_sum += static_cast<Int128>(d.buyer_res - o.price) * kPpm / width;
      ++nash_n;
    }
  }
  SimResult& r = s.out;
  r.deals = c.deals;
  if (!rounds.empty()) {
    std::sort(rounds.begin(), rounds.end());
    std::sort(times.begin(), times.end());
    r.rounds_median = rounds[(rounds.size() - 1) / 2];
    std::uint64_t total = 0;
    for (std::uint32_t x : rounds) total += x;
    r.rounds_mean_milli = total * 1000 / rounds.size();
    r.time_median_ms = times[(times.size() - 1) / 2];
    r.discount_mean_ppm = static_cast<std::int64_t>(discount_sum / r.agreed);
    if (nash_n > 0) {
      r.nash_distance_mean_ppm = static_cast<std::int64_t>(nash_sum / nash_n);
      r.buyer_share_mean_ppm = static_cast<std::int64_t>(share_sum / nash_n);
    }
  }
  if (surplus_all > 0) r.surplus_lost_ppm = static_cast<std::int64_t>(surplus_lost * kPpm / surplus_all);
  r.wall_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return r;
}

}  // namespace pactum::tools
