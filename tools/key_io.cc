#include "tools/key_io.h"

#include <termios.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace pactum::tools {
namespace {

// Longest passphrase accepted from a prompt; longer input is a typing accident.
constexpr std::size_t kPassphraseBytesMax = 1024;

Result<std::string> prompt(const char* question) {
  FILE* tty = std::fopen("/dev/tty", "r+");
  if (tty == nullptr) {
    return Fail(Errc::kInvalidArgument,
                "no terminal to ask for a passphrase: set PACTUM_PASSPHRASE or use --no-passphrase");
  }
  std::fputs(question, tty);
  std::fflush(tty);
  termios old{};
  bool echo_off = tcgetattr(fileno(tty), &old) == 0;
  if (echo_off) {
    termios quiet = old;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    tcsetattr(fileno(tty), TCSAFLUSH, &quiet);
  }
  std::string line;
  for (int c = std::fgetc(tty); c != EOF && c != '\n'; c = std::fgetc(tty)) {
    if (line.size() >= kPassphraseBytesMax) break;
    line.push_back(static_cast<char>(c));
  }
  if (echo_off) tcsetattr(fileno(tty), TCSAFLUSH, &old);
  std::fputs("\n", tty);
  std::fclose(tty);
  return line;
}

std::optional<std::string> passphrase_from_env() {
  const char* v = std::getenv(std::string(crypto::kPassphraseEnv).c_str());
  if (v == nullptr) return std::nullopt;
  return std::string(v);
}

}  // namespace

Result<crypto::SecretKey> load_secret_key(const std::string& path) {
  PACTUM_TRY(bool encrypted, crypto::key_file_encrypted(path));
  if (!encrypted) return crypto::read_key_file(path, std::nullopt);
  std::optional<std::string> pass = passphrase_from_env();
  if (!pass) {
    PACTUM_TRY(std::string typed, prompt(("passphrase for " + path + ": ").c_str()));
    pass = std::move(typed);
  }
  return crypto::read_key_file(path, *pass);
}

Result<void> save_secret_key(const std::string& path, const crypto::SecretKey& key,
                             bool no_passphrase) {
  if (no_passphrase) return crypto::write_key_file(path, key, std::nullopt);
  std::optional<std::string> pass = passphrase_from_env();
  if (!pass) {
    PACTUM_TRY(std::string first, prompt(("new passphrase for " + path + ": ").c_str()));
    PACTUM_TRY(std::string second, prompt("repeat passphrase: "));
    if (first != second) return Fail(Errc::kBadPassphrase, "the two passphrases differ");
    pass = std::move(first);
  }
  if (pass->empty()) {
    return Fail(Errc::kBadPassphrase, "empty passphrase: use --no-passphrase to store the key unencrypted");
  }
  return crypto::write_key_file(path, key, *pass);
}

Result<crypto::PublicKey> load_public_key(const std::string& text_or_path) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(text_or_path, ec)) {
    return crypto::public_key_from_text(text_or_path);
  }
  // A public key file holds the base64 key on its first line (`pactum key show --public-out`).
  std::ifstream in(text_or_path);
  std::string first;
  std::getline(in, first);
  if (auto k = crypto::public_key_from_text(first); k) return k;
  PACTUM_TRY(crypto::SecretKey sk, load_secret_key(text_or_path));
  return sk.public_key();
}

}  // namespace pactum::tools
