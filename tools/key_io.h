// Loading and saving key files from the command line: where a passphrase
// comes from (the PACTUM_PASSPHRASE environment variable, else a prompt on the
// terminal) and the explicit --no-passphrase for demos and tests.
#pragma once

#include <optional>
#include <string>

#include "base/base.h"
#include "crypto/crypto.h"

namespace pactum::tools {

// Reads the secret key at `path`. An encrypted file takes its passphrase from
// $PACTUM_PASSPHRASE, else from a prompt on /dev/tty; with no terminal and no
// variable the error says how to supply one.
Result<crypto::SecretKey> load_secret_key(const std::string& path);

// Writes `key` to `path` (mode 0600). Unless `no_passphrase`, the passphrase
// comes from $PACTUM_PASSPHRASE or a prompt asked twice.
Result<void> save_secret_key(const std::string& path, const crypto::SecretKey& key,
                             bool no_passphrase);

// A public key given either as base64 text or as a path to a key file
// (public or secret): what --key, --trust and --org options accept.
Result<crypto::PublicKey> load_public_key(const std::string& text_or_path);

}  // namespace pactum::tools
