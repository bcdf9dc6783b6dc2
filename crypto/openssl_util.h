// crypto (internal): move-only owners for OpenSSL handles, and OpenSSL error
// text for Error details.
#pragma once

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <memory>
#include <string>

#include "crypto/crypto.h"

namespace pactum::crypto {

template <class T, void (*Free)(T*)>
struct OpensslDeleter {
  void operator()(T* p) const { Free(p); }
};
template <class T, void (*Free)(T*)>
using OpensslPtr = std::unique_ptr<T, OpensslDeleter<T, Free>>;

inline void bio_free(BIO* b) { BIO_free_all(b); }

using EvpPkeyPtr = OpensslPtr<EVP_PKEY, EVP_PKEY_free>;
using X509Ptr = OpensslPtr<X509, X509_free>;
using BioPtr = OpensslPtr<BIO, bio_free>;
using BignumPtr = OpensslPtr<BIGNUM, BN_free>;
using Asn1IntegerPtr = OpensslPtr<ASN1_INTEGER, ASN1_INTEGER_free>;
using Asn1OctetStringPtr = OpensslPtr<ASN1_OCTET_STRING, ASN1_OCTET_STRING_free>;
using AuthorityKeyIdPtr = OpensslPtr<AUTHORITY_KEYID, AUTHORITY_KEYID_free>;
using X509ExtensionPtr = OpensslPtr<X509_EXTENSION, X509_EXTENSION_free>;
using SslCtxPtr = OpensslPtr<SSL_CTX, SSL_CTX_free>;

// The oldest queued OpenSSL error as text, clearing the queue, so one
// failure's reason does not leak into the next call's detail.
inline std::string openssl_error() {
  unsigned long code = ERR_get_error();
  std::string out = code == 0 ? "no OpenSSL error queued" : ERR_error_string(code, nullptr);
  ERR_clear_error();
  return out;
}

// The private key as an OpenSSL object; the seed is copied into OpenSSL memory.
inline Result<EvpPkeyPtr> evp_private_key(const SecretKey& key) {
  EvpPkeyPtr pkey(EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, nullptr, key.seed().data(),
                                               key.seed().size()));
  if (!pkey) return Fail(Errc::kBadKey, "EVP_PKEY_new_raw_private_key: " + openssl_error());
  return pkey;
}

inline Result<EvpPkeyPtr> evp_public_key(const PublicKey& key) {
  EvpPkeyPtr pkey(EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr, key.data(), key.size()));
  if (!pkey) return Fail(Errc::kBadKey, "EVP_PKEY_new_raw_public_key: " + openssl_error());
  return pkey;
}

// The Ed25519 key of a parsed certificate.
Result<PublicKey> x509_ed25519_key(const X509* cert);
// Parses DER, refusing trailing bytes and oversized input.
Result<X509Ptr> parse_der(ByteSpan der);

}  // namespace pactum::crypto
