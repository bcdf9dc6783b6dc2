// Goal: certificates follow the documented profile, chain-verify with OpenSSL
// (X509_verify_cert and the `openssl verify` tool) only under the right root,
// round-trip through PEM, and malformed input is refused.
#include <gtest/gtest.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <unistd.h>

#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>

#include "crypto/openssl_util.h"
#include "tests/crypto/test_env.h"

namespace pactum::crypto {
namespace {

std::int64_t now_s() { return static_cast<std::int64_t>(std::time(nullptr)); }
constexpr std::int64_t kYear = 365 * 24 * 3600;

struct Org {
  SecretKey root = SecretKey::generate();
  X509Der root_cert = *make_certificate(root, "Acme Root", root.public_key(), "Acme Root", true,
                                        now_s() - 3600, now_s() + kYear);
  SecretKey node = SecretKey::generate();
  X509Der node_cert = *make_certificate(root, "Acme Root", node.public_key(), "node-1.acme", false,
                                        now_s() - 3600, now_s() + kYear);
};

// X509_verify_cert of `leaf` against a store holding only `root`, for `purpose`.
bool chain_verifies(const X509Der& root, const X509Der& leaf, int purpose) {
  X509Ptr root_x = std::move(*parse_der(root.der));
  X509Ptr leaf_x = std::move(*parse_der(leaf.der));
  OpensslPtr<X509_STORE, X509_STORE_free> store(X509_STORE_new());
  OpensslPtr<X509_STORE_CTX, X509_STORE_CTX_free> ctx(X509_STORE_CTX_new());
  EXPECT_EQ(X509_STORE_add_cert(store.get(), root_x.get()), 1);
  EXPECT_EQ(X509_STORE_CTX_init(ctx.get(), store.get(), leaf_x.get(), nullptr), 1);
  if (purpose != 0) {
    EXPECT_EQ(X509_STORE_CTX_set_purpose(ctx.get(), purpose), 1);
  }
  const bool ok = X509_verify_cert(ctx.get()) == 1;
  ERR_clear_error();
  return ok;
}

TEST(X509, NodeCertificateVerifiesUnderItsRootForTlsBothWays) {
  Org org;
  EXPECT_TRUE(chain_verifies(org.root_cert, org.node_cert, 0));
  EXPECT_TRUE(chain_verifies(org.root_cert, org.node_cert, X509_PURPOSE_SSL_SERVER));
  EXPECT_TRUE(chain_verifies(org.root_cert, org.node_cert, X509_PURPOSE_SSL_CLIENT));
  EXPECT_TRUE(chain_verifies(org.root_cert, org.root_cert, 0));  // Self-signed root.
}

TEST(X509, NodeCertificateFailsUnderAnotherRoot) {
  Org org;
  Org other;
  EXPECT_FALSE(chain_verifies(other.root_cert, org.node_cert, 0));
  // A node certificate cannot act as a CA: its child does not verify.
  X509Der grandchild =
      *make_certificate(org.node, "node-1.acme", SecretKey::generate().public_key(), "rogue", false,
                        now_s() - 60, now_s() + kYear);
  EXPECT_FALSE(chain_verifies(org.root_cert, grandchild, 0));
}

TEST(X509, ExpiredOrNotYetValidFailsChainVerification) {
  Org org;
  X509Der expired = *make_certificate(org.root, "Acme Root", org.node.public_key(), "n", false,
                                      now_s() - 2 * kYear, now_s() - kYear);
  X509Der future = *make_certificate(org.root, "Acme Root", org.node.public_key(), "n", false,
                                     now_s() + kYear, now_s() + 2 * kYear);
  EXPECT_FALSE(chain_verifies(org.root_cert, expired, 0));
  EXPECT_FALSE(chain_verifies(org.root_cert, future, 0));
}

TEST(X509, ProfileFields) {
  Org org;
  const std::int64_t nb = 1700000000, na = 1800000000;
  X509Der der =
      *make_certificate(org.root, "Acme Root", org.node.public_key(), "node-1.acme", false, nb, na);
  X509Ptr node = std::move(*parse_der(der.der));
  X509Ptr root = std::move(*parse_der(org.root_cert.der));
  EXPECT_EQ(X509_get_version(node.get()), X509_VERSION_3);
  EXPECT_EQ(X509_get_signature_nid(node.get()), NID_ED25519);
  EXPECT_EQ(X509_check_ca(root.get()), 1);
  EXPECT_EQ(X509_check_ca(node.get()), 0);
  EXPECT_EQ(X509_get_key_usage(root.get()),
            static_cast<std::uint32_t>(KU_KEY_CERT_SIGN | KU_CRL_SIGN));
  EXPECT_EQ(X509_get_key_usage(node.get()), static_cast<std::uint32_t>(KU_DIGITAL_SIGNATURE));
  EXPECT_EQ(X509_get_extended_key_usage(node.get()),
            static_cast<std::uint32_t>(XKU_SSL_SERVER | XKU_SSL_CLIENT));
  EXPECT_EQ(X509_get_pathlen(root.get()), 0);
  // AKI of the node is the SKI of the root.
  const ASN1_OCTET_STRING* ski = X509_get0_subject_key_id(root.get());
  const ASN1_OCTET_STRING* aki = X509_get0_authority_key_id(node.get());
  ASSERT_NE(ski, nullptr);
  ASSERT_NE(aki, nullptr);
  EXPECT_EQ(ASN1_OCTET_STRING_cmp(ski, aki), 0);
  EXPECT_EQ(ASN1_STRING_length(ski), 20);
  char cn[80] = {};
  X509_NAME_get_text_by_NID(X509_get_subject_name(node.get()), NID_commonName, cn, sizeof cn);
  EXPECT_STREQ(cn, "node-1.acme");
  X509_NAME_get_text_by_NID(X509_get_issuer_name(node.get()), NID_commonName, cn, sizeof cn);
  EXPECT_STREQ(cn, "Acme Root");
  // X509_cmp_time is -1 when the certificate time is <= the given time: this
  // pins notBefore == nb and notAfter == na to the second.
  time_t t[4] = {static_cast<time_t>(nb - 1), static_cast<time_t>(nb), static_cast<time_t>(na - 1),
                 static_cast<time_t>(na)};
  EXPECT_EQ(X509_cmp_time(X509_get0_notBefore(node.get()), &t[0]), 1);
  EXPECT_EQ(X509_cmp_time(X509_get0_notBefore(node.get()), &t[1]), -1);
  EXPECT_EQ(X509_cmp_time(X509_get0_notAfter(node.get()), &t[2]), 1);
  EXPECT_EQ(X509_cmp_time(X509_get0_notAfter(node.get()), &t[3]), -1);
  // Serials are random and positive.
  X509Der again =
      *make_certificate(org.root, "Acme Root", org.node.public_key(), "node-1.acme", false, nb, na);
  X509Ptr node2 = std::move(*parse_der(again.der));
  EXPECT_NE(
      ASN1_INTEGER_cmp(X509_get0_serialNumber(node.get()), X509_get0_serialNumber(node2.get())), 0);
  EXPECT_EQ(ASN1_STRING_type(X509_get0_serialNumber(node.get())), V_ASN1_INTEGER);
  EXPECT_EQ(*certificate_public_key(der), org.node.public_key());
  EXPECT_EQ(*certificate_public_key(org.root_cert), org.root.public_key());
}

TEST(X509, PemRoundTrip) {
  Org org;
  const std::string pem = certificate_to_pem(org.node_cert);
  EXPECT_EQ(pem.rfind("-----BEGIN CERTIFICATE-----\n", 0), 0u);
  EXPECT_NE(pem.find("\n-----END CERTIFICATE-----\n"), std::string::npos);
  Result<X509Der> back = certificate_from_pem(pem);
  ASSERT_TRUE(back);
  EXPECT_EQ(back->der, org.node_cert.der);
  // OpenSSL's own PEM writer agrees byte for byte.
  X509Ptr x = std::move(*parse_der(org.node_cert.der));
  BioPtr bio(BIO_new(BIO_s_mem()));
  ASSERT_EQ(PEM_write_bio_X509(bio.get(), x.get()), 1);
  char* data = nullptr;
  const long len = BIO_get_mem_data(bio.get(), &data);
  EXPECT_EQ(std::string(data, static_cast<std::size_t>(len)), pem);
}

TEST(X509, PemSkipsOtherBlocksAndKeepsTheExactBytes) {
  Org org;
  const std::string pem = "-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEAGb9ECWmEzf6FQbrBZ9w7lshQhqowtrbLDFw4rXAxZuE=\n"
                          "-----END PUBLIC KEY-----\n" +
                          certificate_to_pem(org.node_cert) + certificate_to_pem(org.root_cert);
  Result<X509Der> first = certificate_from_pem(pem);
  ASSERT_TRUE(first);
  EXPECT_EQ(first->der, org.node_cert.der);
}

TEST(X509, RefusesBadArguments) {
  SecretKey k = SecretKey::generate();
  for (auto [issuer, subject] : std::vector<std::pair<std::string, std::string>>{
           {"", "x"}, {"x", ""}, {std::string(65, 'a'), "x"}, {"x", std::string("a\0b", 3)}}) {
    Result<X509Der> r = make_certificate(k, issuer, k.public_key(), subject, true, 0, 100);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, Errc::kInvalidArgument);
  }
  EXPECT_TRUE(make_certificate(k, std::string(64, 'a'), k.public_key(), "x", true, 0, 100));
  for (auto [nb, na] : std::vector<std::pair<std::int64_t, std::int64_t>>{
           {100, 100}, {101, 100}, {-1, 100}, {0, 253402300800}}) {
    Result<X509Der> r = make_certificate(k, "x", k.public_key(), "x", true, nb, na);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, Errc::kInvalidArgument);
  }
}

TEST(X509, RefusesMalformedCertificates) {
  Org org;
  for (const std::string& pem :
       {std::string(""), std::string("garbage"),
        std::string("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"),
        std::string(70 * 1024, 'A')}) {
    Result<X509Der> r = certificate_from_pem(pem);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, Errc::kBadCertificate);
  }
  X509Der truncated{Bytes(org.node_cert.der.begin(), org.node_cert.der.end() - 1)};
  X509Der trailing = org.node_cert;
  trailing.der.push_back(0);
  for (const X509Der& bad : {truncated, trailing, X509Der{}, X509Der{Bytes(10, 0x30)}}) {
    Result<PublicKey> r = certificate_public_key(bad);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, Errc::kBadCertificate);
  }
}

TEST(X509, NonEd25519CertificateKeyIsRefused) {
  EvpPkeyPtr ec(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"));
  ASSERT_TRUE(ec);
  X509Ptr x(X509_new());
  ASSERT_EQ(X509_set_pubkey(x.get(), ec.get()), 1);
  ASN1_TIME_set(X509_getm_notBefore(x.get()), 0);
  ASN1_TIME_set(X509_getm_notAfter(x.get()), 100);
  ASSERT_GT(X509_sign(x.get(), ec.get(), EVP_sha256()), 0);
  X509Der der{Bytes(static_cast<std::size_t>(i2d_X509(x.get(), nullptr)))};
  unsigned char* p = der.der.data();
  i2d_X509(x.get(), &p);
  Result<PublicKey> r = certificate_public_key(der);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::kBadCertificate);
}

// The acceptance test the operator runs by hand: `openssl verify -CAfile root.pem node.pem`.
TEST(X509, OpensslVerifyToolAccepts) {
  if (::access("/usr/bin/openssl", X_OK) != 0) GTEST_SKIP() << "no /usr/bin/openssl";
  Org org;
  Org other;
  std::string tmpl = ::testing::TempDir() + "pactum-x509-XXXXXX";
  ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
  const std::filesystem::path dir = tmpl;
  auto write = [&dir](const char* name, const X509Der& c) {
    std::ofstream(dir / name) << certificate_to_pem(c);
  };
  write("root.pem", org.root_cert);
  write("node.pem", org.node_cert);
  write("other.pem", other.root_cert);
  const std::string quiet = " > /dev/null 2>&1";
  EXPECT_EQ(std::system(("openssl verify -CAfile " + (dir / "root.pem").string() + " " +
                         (dir / "node.pem").string() + quiet)
                            .c_str()),
            0);
  EXPECT_NE(std::system(("openssl verify -CAfile " + (dir / "other.pem").string() + " " +
                         (dir / "node.pem").string() + quiet)
                            .c_str()),
            0);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace pactum::crypto
