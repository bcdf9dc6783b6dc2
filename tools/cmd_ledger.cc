// `pactum ledger verify|checkpoint|verifier-key|proof|consistency|append`.
// Proof JSON formats: docs/ledger.md.
#include <unistd.h>

#include <boost/json.hpp>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <iterator>
#include <memory>
#include <mutex>
#include <thread>

#include "crypto/crypto.h"
#include "ledger/ledger.h"
#include "tools/cli.h"

namespace pactum::tools {
namespace {

namespace lg = ::pactum::ledger;

Result<crypto::SecretKey> read_key(const std::string& path, bool no_passphrase) {
  if (no_passphrase) return crypto::read_key_file(path, std::nullopt);
  const char* env = std::getenv(std::string(crypto::kPassphraseEnv).c_str());
  if (env == nullptr) {
    PACTUM_TRY(bool encrypted, crypto::key_file_encrypted(path));
    if (encrypted)
      return Fail(Errc::kBadPassphrase, path + " is encrypted: set " +
                                            std::string(crypto::kPassphraseEnv));
    return crypto::read_key_file(path, std::nullopt);
  }
  return crypto::read_key_file(path, std::string_view(env));
}

std::string b64(const lg::Hash& h) { return crypto::base64_encode(h); }

boost::json::array b64_list(const std::vector<lg::Hash>& hashes) {
  boost::json::array out;
  for (const lg::Hash& h : hashes) out.push_back(boost::json::string(b64(h)));
  return out;
}

Result<boost::json::value> checkpoint_json(lg::Ledger& ledger, std::uint64_t size) {
  PACTUM_TRY(auto cp, ledger.checkpoint_at(size));
  if (!cp) return boost::json::value(nullptr);
  return boost::json::value(boost::json::string(cp->note));
}

// Draws "[#####.....]  52%  520000/1000000" on stderr, at most once per percent.
class ProgressBar {
 public:
  void update(std::uint64_t done, std::uint64_t total) {
    if (total == 0) return;
    int pct = static_cast<int>(done * 100 / total);
    std::lock_guard lock(mu_);
    if (pct == last_pct_) return;
    last_pct_ = pct;
    std::string bar(40, '.');
    for (int i = 0; i < pct * 40 / 100; ++i) bar[static_cast<std::size_t>(i)] = '#';
    std::fprintf(stderr, "\r[%s] %3d%%  %llu/%llu", bar.c_str(), pct,
                 static_cast<unsigned long long>(done), static_cast<unsigned long long>(total));
    if (done == total) std::fprintf(stderr, "\n");
    std::fflush(stderr);
  }

 private:
  std::mutex mu_;
  int last_pct_ = -1;
};

Result<void> run_verify(const std::string& dir, unsigned threads,
                        const std::vector<std::string>& keys) {
  lg::VerifyOptions opt;
  opt.threads = threads != 0 ? threads : std::max(1u, std::thread::hardware_concurrency());
  opt.entry_check = lg::envelope_entry_check();
  for (const std::string& k : keys) {
    PACTUM_TRY(lg::VerifierKey vk, lg::parse_verifier_key(k));
    opt.checkpoint_keys.push_back(vk);
  }
  auto bar = std::make_shared<ProgressBar>();
  if (::isatty(STDERR_FILENO) == 1) {
    opt.progress = [bar](std::uint64_t done, std::uint64_t total) { bar->update(done, total); };
  }
  auto start = std::chrono::steady_clock::now();
  PACTUM_TRY(lg::VerifyReport r, lg::verify_ledger(dir, opt));
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (!r.ok) {
    if (r.bad_entry)
      std::printf("ledger %s: TAMPERED: first bad index %llu\n", dir.c_str(),
                  static_cast<unsigned long long>(r.first_bad_index));
    return Fail(r.failure);
  }
  std::printf("ledger %s: OK: %llu entries (%llu signed payloads verified), %llu checkpoints, "
              "root %s; %.2f s, %.0f entries/s on %u threads\n",
              dir.c_str(), static_cast<unsigned long long>(r.entries),
              static_cast<unsigned long long>(r.entries_checked),
              static_cast<unsigned long long>(r.checkpoints), b64(r.root).c_str(), secs,
              secs > 0 ? static_cast<double>(r.entries) / secs : 0.0, opt.threads);
  return Ok();
}

Result<void> run_proof(const std::string& dir, std::uint64_t index, std::optional<std::uint64_t> size) {
  PACTUM_TRY(auto ledger, lg::Ledger::open(dir));
  std::uint64_t n = ledger->size();
  if (!size) {
    PACTUM_TRY(auto latest, ledger->latest_checkpoint());
    size = latest && latest->checkpoint.size > index ? latest->checkpoint.size : n;
  }
  PACTUM_TRY(lg::InclusionProof proof, ledger->prove_inclusion(index, *size));
  PACTUM_TRY(Bytes entry, ledger->entry_bytes(index));
  PACTUM_TRY(lg::Hash root, ledger->root(*size));
  PACTUM_TRY(boost::json::value cp, checkpoint_json(*ledger, *size));
  boost::json::object out;
  out["index"] = index;
  out["tree_size"] = *size;
  out["leaf_hash"] = b64(lg::leaf_hash(entry));
  out["entry"] = crypto::base64_encode(entry);
  out["inclusion_path"] = b64_list(proof.path);
  out["root_hash"] = b64(root);
  out["checkpoint"] = cp;
  std::cout << boost::json::serialize(out) << "\n";
  return Ok();
}

Result<void> run_consistency(const std::string& dir, std::uint64_t from, std::uint64_t to) {
  PACTUM_TRY(auto ledger, lg::Ledger::open(dir));
  PACTUM_TRY(lg::ConsistencyProof proof, ledger->prove_consistency(from, to));
  PACTUM_TRY(lg::Hash r1, ledger->root(from));
  PACTUM_TRY(lg::Hash r2, ledger->root(to));
  PACTUM_TRY(boost::json::value cp1, checkpoint_json(*ledger, from));
  PACTUM_TRY(boost::json::value cp2, checkpoint_json(*ledger, to));
  boost::json::object out;
  out["from_size"] = from;
  out["to_size"] = to;
  out["from_root"] = b64(r1);
  out["to_root"] = b64(r2);
  out["consistency_path"] = b64_list(proof.path);
  out["from_checkpoint"] = cp1;
  out["to_checkpoint"] = cp2;
  std::cout << boost::json::serialize(out) << "\n";
  return Ok();
}

struct AppendArgs {
  std::string dir, kind = "generic", id_hex, payload, payload_file;
  bool stdin_lines = false;
  bool unsafe_no_sync = false;
};

Result<void> run_append(const AppendArgs& a) {
  PACTUM_TRY(lg::EntryKind kind, lg::entry_kind_from_name(a.kind));
  lg::Options opt;
  if (a.unsafe_no_sync) opt.durability = lg::Durability::kUnsafeNoSyncForTests;
  PACTUM_TRY(auto ledger, lg::Ledger::open(a.dir, opt));
  auto append_one = [&](Bytes payload) -> Result<void> {
    lg::AppendRequest req{kind, {}, std::move(payload)};
    if (!a.id_hex.empty()) {
      PACTUM_TRY(Bytes id, crypto::hex_decode(a.id_hex));
      if (id.size() != req.id.size()) return Fail(Errc::kInvalidArgument, "--id must be 32 bytes of hex");
      std::copy(id.begin(), id.end(), req.id.begin());
    } else {
      req.id = crypto::sha256(req.payload);
    }
    PACTUM_TRY(lg::AppendResult r, ledger->append(std::move(req)));
    // Printed only now: the entry is durable.
    std::printf("%llu%s\n", static_cast<unsigned long long>(r.index), r.existed ? " existing" : "");
    std::fflush(stdout);
    return Ok();
  };
  if (a.stdin_lines) {
    std::string line;
    while (std::getline(std::cin, line)) PACTUM_CHECK(append_one(to_bytes(line)));
    return Ok();
  }
  if (!a.payload_file.empty()) {
    std::ifstream f(a.payload_file, std::ios::binary);
    if (!f) return Fail(Errc::kIo, "cannot read " + a.payload_file);
    return append_one(Bytes(std::istreambuf_iterator<char>(f), {}));
  }
  return append_one(to_bytes(a.payload));
}

}  // namespace

void add_ledger_commands(CLI::App& app) {
  auto* ledger = app.add_subcommand("ledger", "Verify, checkpoint, prove and append to a ledger");
  ledger->require_subcommand(1);

  auto* verify = ledger->add_subcommand("verify", "Recompute chain, Merkle tree, checkpoints and signatures");
  auto vdir = std::make_shared<std::string>();
  auto vthreads = std::make_shared<unsigned>(0);
  auto vkeys = std::make_shared<std::vector<std::string>>();
  verify->add_option("dir", *vdir, "Ledger directory")->required();
  verify->add_option("--threads", *vthreads, "Threads (default: every core)");
  verify->add_option("--verifier-key", *vkeys, "Checkpoint verifier key (default: the stored one)");
  verify->callback(command([vdir, vthreads, vkeys] { return run_verify(*vdir, *vthreads, *vkeys); }));

  auto key = std::make_shared<std::string>();
  auto origin = std::make_shared<std::string>();
  auto no_pass = std::make_shared<bool>(false);
  auto* cp = ledger->add_subcommand("checkpoint", "Sign and store a checkpoint of the current size");
  auto cdir = std::make_shared<std::string>();
  cp->add_option("dir", *cdir, "Ledger directory")->required();
  for (CLI::App* c : {cp, ledger->add_subcommand("verifier-key", "Print the note verifier key")}) {
    c->add_option("--key", *key, "Node secret key file")->required();
    c->add_option("--origin", *origin, "Log origin = key name, e.g. node.example.com/ledger")->required();
    c->add_flag("--no-passphrase", *no_pass, "The key file is not encrypted");
  }
  cp->callback(command([cdir, key, origin, no_pass]() -> Result<void> {
    PACTUM_TRY(crypto::SecretKey k, read_key(*key, *no_pass));
    PACTUM_TRY(auto l, lg::Ledger::open(*cdir));
    PACTUM_TRY(lg::SignedCheckpoint s, l->checkpoint(k, *origin));
    std::fputs(s.note.c_str(), stdout);
    return Ok();
  }));
  ledger->get_subcommand("verifier-key")->callback(command([key, origin, no_pass]() -> Result<void> {
    PACTUM_TRY(crypto::SecretKey k, read_key(*key, *no_pass));
    PACTUM_TRY(lg::VerifierKey vk, lg::make_verifier_key(*origin, k.public_key()));
    std::printf("%s\n", lg::verifier_key_text(vk).c_str());
    return Ok();
  }));

  auto* proof = ledger->add_subcommand("proof", "Inclusion proof of one entry, as JSON");
  auto pdir = std::make_shared<std::string>();
  auto pindex = std::make_shared<std::uint64_t>(0);
  auto psize = std::make_shared<std::uint64_t>(0);
  proof->add_option("dir", *pdir, "Ledger directory")->required();
  proof->add_option("--index", *pindex, "Entry index")->required();
  auto* size_opt = proof->add_option("--size", *psize, "Tree size (default: latest checkpoint, else current)");
  proof->callback(command([pdir, pindex, psize, size_opt] {
    return run_proof(*pdir, *pindex, size_opt->count() > 0 ? std::optional(*psize) : std::nullopt);
  }));

  auto* cons = ledger->add_subcommand("consistency", "Consistency proof between two sizes, as JSON");
  auto kdir = std::make_shared<std::string>();
  auto from = std::make_shared<std::uint64_t>(0);
  auto to = std::make_shared<std::uint64_t>(0);
  cons->add_option("dir", *kdir, "Ledger directory")->required();
  cons->add_option("--from", *from, "Older tree size")->required();
  cons->add_option("--to", *to, "Newer tree size")->required();
  cons->callback(command([kdir, from, to] { return run_consistency(*kdir, *from, *to); }));

  auto* app_cmd = ledger->add_subcommand("append", "Append entries; prints each index once durable");
  auto a = std::make_shared<AppendArgs>();
  app_cmd->add_option("dir", a->dir, "Ledger directory")->required();
  app_cmd->add_option("--kind", a->kind, "Entry kind (generic, contract_anchor, ...)");
  app_cmd->add_option("--id", a->id_hex, "32-byte idempotency id in hex (default: SHA-256 of the payload)");
  app_cmd->add_option("--payload", a->payload, "Payload text");
  app_cmd->add_option("--payload-file", a->payload_file, "Payload file");
  app_cmd->add_flag("--stdin-lines", a->stdin_lines, "Append each line of standard input");
  app_cmd->add_flag("--unsafe-no-sync-for-tests", a->unsafe_no_sync, "No fsync (tests only)");
  app_cmd->callback(command([a] { return run_append(*a); }));
}

}  // namespace pactum::tools
