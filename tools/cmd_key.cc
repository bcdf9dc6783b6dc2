// `pactum key gen` and `pactum key show`.
#include <boost/json.hpp>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>

#include "crypto/crypto.h"
#include "tools/cli.h"
#include "tools/key_io.h"

namespace pactum::tools {
namespace {

struct KeyGenArgs {
  std::string out;
  bool no_passphrase = false;
  bool force = false;
};

struct KeyShowArgs {
  std::string path;
  std::string public_out;
  bool json = false;
};

void print_key(const crypto::PublicKey& pk, bool encrypted, bool json) {
  if (json) {
    boost::json::object o{{"public_key", crypto::public_key_to_text(pk)},
                          {"key_id", crypto::key_id(pk)},
                          {"fingerprint", crypto::fingerprint(pk)},
                          {"encrypted", encrypted}};
    std::printf("%s\n", boost::json::serialize(o).c_str());
    return;
  }
  std::printf("public key:  %s\nkey id:      %s\nfingerprint: %s\nencrypted:   %s\n",
              crypto::public_key_to_text(pk).c_str(), crypto::key_id(pk).c_str(),
              crypto::fingerprint(pk).c_str(), encrypted ? "yes" : "no");
}

Result<void> key_gen(const KeyGenArgs& a) {
  std::error_code ec;
  if (!a.force && std::filesystem::exists(a.out, ec)) {
    return Fail(Errc::kAlreadyExists, a.out + " exists (use --force to replace it)");
  }
  crypto::SecretKey key = crypto::SecretKey::generate();
  PACTUM_CHECK(save_secret_key(a.out, key, a.no_passphrase));
  print_key(key.public_key(), !a.no_passphrase, false);
  return Ok();
}

Result<void> key_show(const KeyShowArgs& a) {
  PACTUM_TRY(crypto::PublicKey pk, load_public_key(a.path));
  bool encrypted = false;
  if (auto e = crypto::key_file_encrypted(a.path); e) encrypted = *e;
  if (!a.public_out.empty()) {
    std::ofstream f(a.public_out);
    f << crypto::public_key_to_text(pk) << "\n";
    if (!f) return Fail(Errc::kIo, "cannot write " + a.public_out);
  }
  print_key(pk, encrypted, a.json);
  return Ok();
}

}  // namespace

void add_key_commands(CLI::App& app) {
  auto* key = app.add_subcommand("key", "Generate and inspect Ed25519 key files");
  key->require_subcommand(1);

  auto gen_args = std::make_shared<KeyGenArgs>();
  auto* gen = key->add_subcommand("gen", "Generate a key pair into an encrypted key file (mode 0600)");
  gen->add_option("--out,-o", gen_args->out, "Key file to write")->required();
  gen->add_flag("--no-passphrase", gen_args->no_passphrase,
                "Store the key unencrypted (demos and tests only)");
  gen->add_flag("--force", gen_args->force, "Replace an existing file");
  gen->callback(command([gen_args] { return key_gen(*gen_args); }));

  auto show_args = std::make_shared<KeyShowArgs>();
  auto* show = key->add_subcommand("show", "Print a key's public key, key id and fingerprint");
  show->add_option("file", show_args->path, "Key file (secret or public)")->required();
  show->add_option("--public-out", show_args->public_out, "Also write the public key to this file");
  show->add_flag("--json", show_args->json, "JSON output");
  show->callback(command([show_args] { return key_show(*show_args); }));

  add_message_commands(app);
}

}  // namespace pactum::tools
