// protocol: the one public header of pactum's wire protocol core.
//
// - pactum.capnp (namespace pactum::wire): the versioned wire and signing
//   schema: envelopes, identity, mandates, negotiation messages, contract
//   terms, receipts, checkpoints.
// - domains.h: the domain-separation string of every signature and hash.
// - limits.h: every bound applied to untrusted bytes.
// - canonical.h: canonical encoding and domain-separated hashes
//   (message_hash, terms_hash, mandate_id).
// - decode.h: decoding untrusted bytes into validated, owned messages.
// - envelope.h: building, signing, countersigning and verifying envelopes.
//
// Errors are values (Result); no Cap'n Proto exception escapes this module.
// Byte-level formats, domain table and golden vector: docs/protocol.md.
#pragma once

#include "protocol/canonical.h"
#include "protocol/decode.h"
#include "protocol/domains.h"
#include "protocol/envelope.h"
#include "protocol/limits.h"
#include "protocol/pactum.capnp.h"
