// Writes a fresh unencrypted node key file for the Go interop test:
//   ledger_interop_keygen FILE
#include <cstdio>

#include "crypto/crypto.h"

int main(int argc, char** argv) {
  if (argc != 2 || !pactum::crypto::init()) return 2;
  auto r = pactum::crypto::write_key_file(argv[1], pactum::crypto::SecretKey::generate(), std::nullopt);
  if (!r) {
    std::fprintf(stderr, "%s\n", r.error().to_string().c_str());
    return 1;
  }
  return 0;
}
