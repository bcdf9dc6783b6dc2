// crypto: Ed25519 X.509 v3 certificates (OpenSSL 3). Profile (docs/crypto.md):
//   version 3; serial 16 random bytes (positive, never zero); signature
//   Ed25519 (no digest: X509_sign with a NULL md); issuer and subject each one
//   CN (UTF-8, 1..64 bytes); validity as given (UTCTime until 2049, then
//   GeneralizedTime, RFC 5280); extensions:
//     basicConstraints   critical  CA:TRUE, pathlen:0 (root) | CA:FALSE (node)
//     keyUsage           critical  keyCertSign, cRLSign (root) | digitalSignature (node)
//     extendedKeyUsage             serverAuth, clientAuth (node only)
//     subjectKeyIdentifier         SHA-1 of the subject's 32-byte key (RFC 5280 4.2.1.2 (1))
//     authorityKeyIdentifier       keyid = SHA-1 of the issuer's 32-byte key
#include <openssl/pem.h>

#include <algorithm>
#include <ctime>

#include "crypto/crypto_limits.h"
#include "crypto/openssl_util.h"

namespace pactum::crypto {
namespace {

// RFC 5280 allows any time up to 9999-12-31T23:59:59Z.
constexpr std::int64_t kTimeMax = 253402300799;
constexpr std::size_t kSha1Bytes = 20;

Result<void> check_name(std::string_view name, const char* which) {
  if (name.empty() || name.size() > kCommonNameBytesMax ||
      name.find('\0') != std::string_view::npos) {
    return Fail(Errc::kInvalidArgument, std::string(which) + " name must be 1.." +
                                            std::to_string(kCommonNameBytesMax) +
                                            " bytes without NUL");
  }
  return Ok();
}

Result<void> set_name(X509_NAME* name, std::string_view cn) {
  if (X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
                                 reinterpret_cast<const unsigned char*>(cn.data()),
                                 static_cast<int>(cn.size()), -1, 0) != 1) {
    return Fail(Errc::kInvalidArgument,
                "bad common name '" + std::string(cn) + "': " + openssl_error());
  }
  return Ok();
}

Result<void> set_serial(X509* cert) {
  std::array<std::uint8_t, kSerialBytes> raw{};
  random_bytes(raw);
  raw[0] = static_cast<std::uint8_t>((raw[0] & 0x7f) | 0x40);  // Positive, full length, never zero.
  BignumPtr bn(BN_bin2bn(raw.data(), static_cast<int>(raw.size()), nullptr));
  Asn1IntegerPtr serial(bn ? BN_to_ASN1_INTEGER(bn.get(), nullptr) : nullptr);
  if (!serial || X509_set_serialNumber(cert, serial.get()) != 1) {
    return Fail(Errc::kBadCertificate, "serial: " + openssl_error());
  }
  return Ok();
}

Result<Asn1OctetStringPtr> key_identifier(const PublicKey& key) {
  std::array<std::uint8_t, kSha1Bytes> id{};
  unsigned int len = 0;
  Asn1OctetStringPtr out(ASN1_OCTET_STRING_new());
  if (!out || EVP_Digest(key.data(), key.size(), id.data(), &len, EVP_sha1(), nullptr) != 1 ||
      len != kSha1Bytes ||
      ASN1_OCTET_STRING_set(out.get(), id.data(), static_cast<int>(len)) != 1) {
    return Fail(Errc::kBadCertificate, "key identifier: " + openssl_error());
  }
  return out;
}

Result<void> add_conf_ext(X509* cert, int nid, const char* value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, cert, cert, nullptr, nullptr, 0);
  X509ExtensionPtr ext(X509V3_EXT_conf_nid(nullptr, &ctx, nid, value));
  if (!ext || X509_add_ext(cert, ext.get(), -1) != 1) {
    return Fail(Errc::kBadCertificate, std::string("extension ") + value + ": " + openssl_error());
  }
  return Ok();
}

Result<void> add_extensions(X509* cert, bool is_ca, const PublicKey& subject,
                            const PublicKey& issuer) {
  PACTUM_CHECK(add_conf_ext(cert, NID_basic_constraints,
                            is_ca ? "critical,CA:TRUE,pathlen:0" : "critical,CA:FALSE"));
  PACTUM_CHECK(add_conf_ext(cert, NID_key_usage,
                            is_ca ? "critical,keyCertSign,cRLSign" : "critical,digitalSignature"));
  if (!is_ca) PACTUM_CHECK(add_conf_ext(cert, NID_ext_key_usage, "serverAuth,clientAuth"));
  PACTUM_TRY(Asn1OctetStringPtr ski, key_identifier(subject));
  if (X509_add1_ext_i2d(cert, NID_subject_key_identifier, ski.get(), 0, X509V3_ADD_DEFAULT) != 1) {
    return Fail(Errc::kBadCertificate, "subjectKeyIdentifier: " + openssl_error());
  }
  PACTUM_TRY(Asn1OctetStringPtr aki_id, key_identifier(issuer));
  AuthorityKeyIdPtr aki(AUTHORITY_KEYID_new());
  if (!aki) return Fail(Errc::kBadCertificate, "AUTHORITY_KEYID_new: " + openssl_error());
  aki->keyid = aki_id.release();  // Now owned by aki.
  if (X509_add1_ext_i2d(cert, NID_authority_key_identifier, aki.get(), 0, X509V3_ADD_DEFAULT) !=
      1) {
    return Fail(Errc::kBadCertificate, "authorityKeyIdentifier: " + openssl_error());
  }
  return Ok();
}

Result<void> set_validity(X509* cert, std::int64_t not_before_s, std::int64_t not_after_s) {
  if (not_before_s < 0 || not_after_s > kTimeMax || not_before_s >= not_after_s) {
    return Fail(Errc::kInvalidArgument, "validity [" + std::to_string(not_before_s) + ", " +
                                            std::to_string(not_after_s) +
                                            "] is empty or out of range");
  }
  if (ASN1_TIME_set(X509_getm_notBefore(cert), static_cast<time_t>(not_before_s)) == nullptr ||
      ASN1_TIME_set(X509_getm_notAfter(cert), static_cast<time_t>(not_after_s)) == nullptr) {
    return Fail(Errc::kBadCertificate, "validity: " + openssl_error());
  }
  return Ok();
}

}  // namespace

Result<PublicKey> x509_ed25519_key(const X509* cert) {
  const EVP_PKEY* pkey = X509_get0_pubkey(cert);
  if (pkey == nullptr || EVP_PKEY_get_id(pkey) != EVP_PKEY_ED25519) {
    ERR_clear_error();
    return Fail(Errc::kBadCertificate, "certificate key is not Ed25519");
  }
  PublicKey key{};
  std::size_t len = key.size();
  if (EVP_PKEY_get_raw_public_key(pkey, key.data(), &len) != 1 || len != key.size()) {
    return Fail(Errc::kBadCertificate, "Ed25519 key: " + openssl_error());
  }
  return key;
}

Result<X509Ptr> parse_der(ByteSpan der) {
  if (der.empty() || der.size() > kDerBytesMax) {
    return Fail(Errc::kBadCertificate,
                "certificate DER is " + std::to_string(der.size()) + " bytes");
  }
  const unsigned char* p = der.data();
  X509Ptr cert(d2i_X509(nullptr, &p, static_cast<long>(der.size())));
  if (!cert) return Fail(Errc::kBadCertificate, "certificate DER: " + openssl_error());
  if (p != der.data() + der.size())
    return Fail(Errc::kBadCertificate, "trailing bytes after certificate");
  return cert;
}

Result<X509Der> make_certificate(const SecretKey& issuer_key, std::string_view issuer_name,
                                 const PublicKey& subject_key, std::string_view subject_name,
                                 bool is_ca, std::int64_t not_before_s, std::int64_t not_after_s) {
  PACTUM_CHECK(check_name(issuer_name, "issuer"));
  PACTUM_CHECK(check_name(subject_name, "subject"));
  PACTUM_TRY(EvpPkeyPtr issuer, evp_private_key(issuer_key));
  PACTUM_TRY(EvpPkeyPtr subject, evp_public_key(subject_key));
  X509Ptr cert(X509_new());
  if (!cert || X509_set_version(cert.get(), X509_VERSION_3) != 1) {
    return Fail(Errc::kBadCertificate, "X509_new: " + openssl_error());
  }
  PACTUM_CHECK(set_serial(cert.get()));
  PACTUM_CHECK(set_validity(cert.get(), not_before_s, not_after_s));
  PACTUM_CHECK(set_name(X509_get_subject_name(cert.get()), subject_name));
  PACTUM_CHECK(set_name(X509_get_issuer_name(cert.get()), issuer_name));
  if (X509_set_pubkey(cert.get(), subject.get()) != 1) {
    return Fail(Errc::kBadCertificate, "X509_set_pubkey: " + openssl_error());
  }
  PACTUM_CHECK(add_extensions(cert.get(), is_ca, subject_key, issuer_key.public_key()));
  // Ed25519 hashes internally (PureEdDSA): the digest must be NULL.
  if (X509_sign(cert.get(), issuer.get(), nullptr) <= 0) {
    return Fail(Errc::kBadCertificate, "X509_sign: " + openssl_error());
  }
  const int len = i2d_X509(cert.get(), nullptr);
  if (len <= 0) return Fail(Errc::kBadCertificate, "i2d_X509: " + openssl_error());
  X509Der out{Bytes(static_cast<std::size_t>(len))};
  unsigned char* p = out.der.data();
  PACTUM_ASSERT(i2d_X509(cert.get(), &p) == len);
  return out;
}

std::string certificate_to_pem(const X509Der& cert) {
  // RFC 7468: base64 in lines of 64 characters between the labels.
  const std::string b64 = base64_encode(cert.der);
  std::string out = "-----BEGIN CERTIFICATE-----\n";
  for (std::size_t i = 0; i < b64.size(); i += 64) out += b64.substr(i, 64) + "\n";
  return out + "-----END CERTIFICATE-----\n";
}

Result<X509Der> certificate_from_pem(std::string_view pem) {
  if (pem.size() > kPemBytesMax) {
    return Fail(Errc::kBadCertificate, "PEM is " + std::to_string(pem.size()) + " bytes");
  }
  BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  if (!bio) return Fail(Errc::kBadCertificate, "BIO_new_mem_buf: " + openssl_error());
  // The exact DER bytes of the first CERTIFICATE block (other blocks are
  // skipped), not a re-encoding: a re-encoded certificate could differ from
  // what was signed.
  unsigned char* data = nullptr;
  long len = 0;
  if (PEM_bytes_read_bio(&data, &len, nullptr, PEM_STRING_X509, bio.get(), nullptr, nullptr) != 1) {
    return Fail(Errc::kBadCertificate, "no certificate in PEM: " + openssl_error());
  }
  X509Der out{Bytes(data, data + len)};
  OPENSSL_free(data);
  PACTUM_TRY(X509Ptr parsed, parse_der(out.der));  // Validates; refuses trailing bytes.
  (void)parsed;
  return out;
}

Result<PublicKey> certificate_public_key(const X509Der& cert) {
  PACTUM_TRY(X509Ptr x509, parse_der(cert.der));
  return x509_ed25519_key(x509.get());
}

}  // namespace pactum::crypto
