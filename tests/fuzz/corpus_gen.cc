// Writes the seed corpora of the issue 9 fuzz targets (tests/fuzz/corpus/
// <target>/seed-*) from the real encoders, so the seeds are valid inputs the
// fuzzer mutates from. Regenerate with: fuzz_corpus_gen tests/fuzz/corpus
// (deterministic: seeded keys and nonces). Not a test.
#include <cstdio>
#include <filesystem>
#include <fstream>

#include "node/core/testing/testing.h"
#include "node/net/frame.h"
#include "tests/evidence/fixture.h"

namespace {

using namespace pactum;
namespace fs = std::filesystem;

void put(const fs::path& dir, const std::string& name, ByteSpan bytes) {
  fs::create_directories(dir);
  std::ofstream f(dir / name, std::ios::binary | std::ios::trunc);
  f.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
}

void put(const fs::path& dir, const std::string& name, const std::string& text) { put(dir, name, as_bytes(text)); }

Bytes must(Result<Bytes> r) {
  PACTUM_ASSERT(r.has_value());
  return std::move(*r);
}

// A frame stream input: one chunk-size byte, then length-prefixed frames.
Bytes stream(std::uint8_t chunk, const std::vector<Bytes>& frames) {
  Bytes out{chunk};
  for (const Bytes& f : frames) out.insert(out.end(), f.begin(), f.end());
  return out;
}

std::string http_post(const std::string& type, const std::string& body) {
  return "POST /v1/messages HTTP/1.1\r\nHost: localhost\r\nContent-Type: " + type +
         "\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s CORPUS_ROOT\n", argv[0]);
    return 2;
  }
  PACTUM_ASSERT(crypto::init().has_value());
  const fs::path root(argv[1]);
  // frame: bodies alone (decode_frame) and streams (FrameBuffer).
  const auto cert = node::testing::node_certificate(node::testing::key_from_name("org:a"),
                                                    node::testing::key_from_name("node:a"), "a");
  Bytes hello = must(node::net::encode_hello(cert, as_bytes("origin\n1\nroot\n"), 7));
  Bytes beat = must(node::net::encode_heartbeat(1'767'225'600'000));
  Bytes deliver = must(node::net::encode_deliver(3, cert));
  Bytes ack = must(node::net::encode_ack(7, 3));
  Bytes close = must(node::net::encode_close(node::net::CloseReason{}, "bye"));
  put(root / "frame", "seed-stream-all", stream(13, {hello, beat, deliver, ack, close}));
  put(root / "frame", "seed-stream-bytewise", stream(0, {beat, ack}));
  int i = 0;
  for (const Bytes* f : {&hello, &beat, &deliver, &ack, &close}) {
    put(root / "frame", "seed-body-" + std::to_string(i++), ByteSpan(f->data() + 4, f->size() - 4));
  }
  // policy: the harness policy.
  put(root / "policy", "seed-test-policy",
      node::testing::test_policy({node::testing::public_from_name("org:seller")}, 5'000'000, 700));
  // agent_api: a real propose, as JSON and as octet-stream; a GET; garbage JSON.
  const auto seller = node::testing::public_from_name("org:seller");
  auto agent = node::testing::make_agent("alice", "buyer", pactum::protocol::Role::kBuyer, {seller}, 1'767'225'600'000);
  pactum::protocol::MessageSpec s;
  s.kind = pactum::protocol::NegEvent::kPropose;
  s.negotiation_id = crypto::sha256(as_bytes("corpus"));
  std::fill(s.negotiation_id.begin() + 16, s.negotiation_id.end(), 0);
  s.buyer_org = node::testing::public_from_name("org:buyer");
  s.seller_org = seller;
  s.offer = pactum::protocol::Offer{"widget", "EUR", 1000, 10, 10'000};
  s.expires_ms = 1'767'225'600'000 + 86'400'000;
  Bytes propose = node::testing::agent_message(agent, s, true, 1'767'225'601'000);
  put(root / "agent_api", "seed-json-propose",
      http_post("application/json", "{\"envelope\": \"" + crypto::base64_encode(propose) + "\"}"));
  put(root / "agent_api", "seed-octet-propose",
      http_post("application/octet-stream", std::string(propose.begin(), propose.end())));
  put(root / "agent_api", "seed-get", std::string("GET /v1/contracts HTTP/1.1\r\nHost: x\r\n\r\n"));
  put(root / "agent_api", "seed-bad-json", http_post("application/json", "{\"envelope\": 5}"));
  // evidence: the evidence tests' complete bundle (both orgs, escrow, receipts).
  pactum::evidence_test::World w;
  put(root / "evidence", "seed-bundle", w.bundle());
  std::printf("corpus written under %s\n", argv[1]);
  return 0;
}
