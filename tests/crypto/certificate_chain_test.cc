// SPDX-License-Identifier: Apache-2.0
// Certificate path validation (verify_certificate_chain) and the names a
// certificate carries (subjectAltName, subject matching). The PKI is made at
// test time by the openssl command line tool: a root CA and an intermediate
// CA (EC P-256), end entities with and without subjectAltName, a rogue root
// with the root's very name, a certificate signed by an end entity, a CA
// whose keyUsage forbids certificate signing, and a ladder of eight
// intermediates for the depth limit.
#include <gtest/gtest.h>
#include <openssl/asn1.h>
#include <openssl/x509.h>
#include <unistd.h>

#include <cstdlib>
#include <ctime>
#include <fstream>
#include <iterator>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "harness/crypto/auth.h"
#include "tests/support/openssl_pki.h"

namespace ikeh::crypto {
namespace {

constexpr uint16_t kAuthenticationFailed = static_cast<uint16_t>(codec::NotifyType::AUTHENTICATION_FAILED);
constexpr std::time_t kDay = 24 * 3600;

constexpr const char* kConfig = R"([req]
distinguished_name = dn
prompt = no
[dn]
CN = unused
[v3_ca]
basicConstraints = critical,CA:TRUE
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
[v3_ca_no_sign]
basicConstraints = critical,CA:TRUE
keyUsage = critical,digitalSignature
[v3_ee]
basicConstraints = CA:FALSE
subjectAltName = DNS:gw.example,DNS:*.wild.example,email:Alice@Example.org,IP:192.0.2.7,IP:2001:db8::7,URI:https://gw.example/
[v3_plain]
basicConstraints = CA:FALSE
)";

bool contains(const std::string& s, std::string_view part) { return s.find(part) != std::string::npos; }

// Everything the openssl tool made, by file stem, loaded once for the suite.
struct Pki : testing_support::OpenSslPki {
  std::map<std::string, Certificate> certs;

  // An EC P-256 key and a certificate with the extensions of `section`,
  // self-signed when `ca` is empty, else signed by `ca`; valid from now for
  // `days`.
  bool make(const std::string& name, const std::string& subject, const std::string& ca, const std::string& section,
            int days = 30) {
    if (!issue(name, "P-256", subject, ca, section, "-days " + std::to_string(days))) return false;
    auto c = load_certificate_file(dir + "/" + name + ".pem");
    if (!c) {
      error = c.error().to_string();
      return false;
    }
    certs.emplace(name, std::move(c).value());
    return true;
  }
};

Pki* g_pki = nullptr;

class CertificateChain : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (g_pki) return;
    g_pki = new Pki;
    Pki& p = *g_pki;
    p.create("ikeh-chain", kConfig);
    const std::string o = "/O=ikeharness test";
    p.make("root", o + "/CN=Root CA", "", "v3_ca");
    p.make("int", o + "/CN=Intermediate CA", "root", "v3_ca");
    p.make("gw", o + "/CN=gw", "int", "v3_ee");
    p.make("short", o + "/CN=short-lived", "int", "v3_ee", 1);
    p.make("plain", o + "/CN=plain.example", "root", "v3_plain");
    p.make("rogue", o + "/CN=Root CA", "", "v3_ca");
    p.make("under_ee", o + "/CN=under an end entity", "gw", "v3_plain");
    p.make("no_sign", o + "/CN=CA without keyCertSign", "root", "v3_ca_no_sign");
    p.make("under_no_sign", o + "/CN=under a CA without keyCertSign", "no_sign", "v3_plain");
    // root <- step1 <- ... <- step8, each a CA.
    std::string up = "root";
    for (int i = 1; i <= 8; ++i) {
      const std::string name = "step" + std::to_string(i);
      p.make(name, o + "/CN=step " + std::to_string(i), up, "v3_ca");
      up = name;
    }
    p.make("deep7", o + "/CN=under step 7", "step7", "v3_plain");
    p.make("deep8", o + "/CN=under step 8", "step8", "v3_plain");
  }
  static void TearDownTestSuite() {
    if (g_pki && !g_pki->dir.empty()) std::system(("rm -rf '" + g_pki->dir + "'").c_str());
    delete g_pki;
    g_pki = nullptr;
  }
  void SetUp() override {
    if (!g_pki->error.empty()) GTEST_SKIP() << g_pki->error;
  }
  static const Certificate& c(const std::string& name) { return g_pki->certs.at(name); }
  static std::vector<Certificate> list(std::initializer_list<const char*> names) {
    std::vector<Certificate> out;
    for (const char* n : names) out.push_back(c(n));
    return out;
  }
  static core::Status verify(const std::string& ee, std::initializer_list<const char*> intermediates,
                             std::initializer_list<const char*> trusted, std::optional<std::time_t> at = {}) {
    return verify_certificate_chain(c(ee), list(intermediates), list(trusted), at);
  }
};

// ---------------------------------------------------------------------------
// Path validation

TEST_F(CertificateChain, ChainsThroughAnIntermediate) {
  EXPECT_TRUE(verify("gw", {"int"}, {"root"}).ok());
  EXPECT_TRUE(verify("plain", {}, {"root"}).ok());
  EXPECT_TRUE(verify("root", {}, {"root"}).ok());
  // Intermediates in any order, unused ones ignored, a rogue root among them
  // does not get in the way.
  EXPECT_TRUE(verify("gw", {"rogue", "plain", "step3", "int"}, {"root"}).ok());
  // Several anchors; the right one is found.
  EXPECT_TRUE(verify("gw", {"int"}, {"rogue", "step1", "root"}).ok());
}

TEST_F(CertificateChain, MissingIntermediateNamesTheReasonAndTheCertificate) {
  auto st = verify("gw", {}, {"root"});
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().where, "certificate chain");
  EXPECT_EQ(st.error().notify, kAuthenticationFailed);
  EXPECT_EQ(st.error().reason,
            "the certificate CN=gw,O=ikeharness test (depth 0, the end entity) is refused: unable to get local "
            "issuer certificate");
  EXPECT_EQ(st.error().reason, std::string("the certificate ") + c("gw").subject() +
                                   " (depth 0, the end entity) is refused: " +
                                   X509_verify_cert_error_string(X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY));
  // No anchors at all.
  EXPECT_FALSE(verify("gw", {"int"}, {}).ok());
}

TEST_F(CertificateChain, PartialChainAcceptsAnIntermediateOrTheEndEntityAsAnchor) {
  EXPECT_TRUE(verify("gw", {}, {"int"}).ok());
  EXPECT_TRUE(verify("gw", {}, {"gw"}).ok());
  EXPECT_TRUE(verify("plain", {}, {"plain"}).ok());
  // Among the intermediates a root is no anchor.
  auto st = verify("gw", {"int", "root"}, {"plain"});
  ASSERT_FALSE(st.ok());
  EXPECT_TRUE(contains(st.error().reason, X509_verify_cert_error_string(X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN)))
      << st.error().reason;
}

TEST_F(CertificateChain, RogueRootWithTheSameNameIsRefused) {
  ASSERT_EQ(c("rogue").subject_der(), c("root").subject_der());
  auto st = verify("gw", {"int"}, {"rogue"});
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().notify, kAuthenticationFailed);
  EXPECT_TRUE(contains(st.error().reason, "CN=Intermediate CA")) << st.error().reason;
  EXPECT_FALSE(verify("plain", {}, {"rogue"}).ok());
}

TEST_F(CertificateChain, OnlyACaMaySign) {
  auto st = verify("under_ee", {"gw", "int"}, {"root"});
  ASSERT_FALSE(st.ok());
  EXPECT_TRUE(contains(st.error().reason, X509_verify_cert_error_string(X509_V_ERR_INVALID_CA)))
      << st.error().reason;
  EXPECT_TRUE(contains(st.error().reason, "CN=gw,O=ikeharness test (depth 1 in the chain of CN=under an end entity"))
      << st.error().reason;
  // RFC 5280 4.2.1.3: a CA whose keyUsage lacks keyCertSign cannot sign
  // certificates either (a check the old hand-written walk did not make).
  EXPECT_FALSE(verify("under_no_sign", {"no_sign"}, {"root"}).ok());
}

TEST_F(CertificateChain, ValidityIsCheckedAtTheGivenTime) {
  const std::time_t now = std::time(nullptr);
  EXPECT_TRUE(verify("short", {"int"}, {"root"}).ok());
  EXPECT_TRUE(verify("short", {"int"}, {"root"}, now + kDay / 2).ok());
  // The end entity lives one day, the CAs thirty.
  auto expired = verify("short", {"int"}, {"root"}, now + 7 * kDay);
  ASSERT_FALSE(expired.ok());
  EXPECT_EQ(expired.error().reason, "the certificate CN=short-lived,O=ikeharness test (depth 0, the end entity) is "
                                    "refused: certificate has expired");
  EXPECT_EQ(expired.error().notify, kAuthenticationFailed);
  // A trusted end entity is still checked for dates.
  EXPECT_FALSE(verify("short", {}, {"short"}, now + 7 * kDay).ok());
  // Later everything has expired; OpenSSL reports the anchor first.
  auto all = verify("gw", {"int"}, {"root"}, now + 60 * kDay);
  ASSERT_FALSE(all.ok());
  EXPECT_TRUE(contains(all.error().reason, "certificate has expired")) << all.error().reason;
  EXPECT_TRUE(contains(all.error().reason, "(depth 2 in the chain of CN=gw,O=ikeharness test)"))
      << all.error().reason;
  auto early = verify("gw", {"int"}, {"root"}, now - kDay);
  ASSERT_FALSE(early.ok());
  EXPECT_TRUE(contains(early.error().reason, "certificate is not yet valid")) << early.error().reason;
}

TEST_F(CertificateChain, AtMostSevenIntermediates) {
  static_assert(kMaxChainIntermediates == 7);
  EXPECT_TRUE(verify("deep7", {"step7", "step6", "step5", "step4", "step3", "step2", "step1"}, {"root"}).ok());
  auto st = verify("deep8", {"step8", "step7", "step6", "step5", "step4", "step3", "step2", "step1"}, {"root"});
  ASSERT_FALSE(st.ok());
  EXPECT_TRUE(contains(st.error().reason, X509_verify_cert_error_string(X509_V_ERR_CERT_CHAIN_TOO_LONG)))
      << st.error().reason;
  // The same certificate is fine when a closer CA is the anchor.
  EXPECT_TRUE(verify("deep8", {"step8", "step7"}, {"step6"}).ok());
}

TEST_F(CertificateChain, EmptyCertificatesAreRefusedOrSkipped) {
  auto st = verify_certificate_chain(Certificate{}, {}, list({"root"}));
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().reason, "no certificate to verify");
  std::vector<Certificate> with_empty = {Certificate{}, c("int")};
  std::vector<Certificate> anchors = {Certificate{}, c("root")};
  EXPECT_TRUE(verify_certificate_chain(c("gw"), with_empty, anchors).ok());
}

// ---------------------------------------------------------------------------
// Names

Bytes ascii(std::string_view s) { return Bytes(s.begin(), s.end()); }

TEST_F(CertificateChain, SubjectAltNamesInCertificateOrder) {
  using T = SubjectAltName::Type;
  const auto names = c("gw").subject_alt_names();
  ASSERT_EQ(names.size(), 5u);  // the URI entry is left out
  EXPECT_EQ(names[0], (SubjectAltName{T::Dns, ascii("gw.example"), "DNS:gw.example"}));
  EXPECT_EQ(names[1], (SubjectAltName{T::Dns, ascii("*.wild.example"), "DNS:*.wild.example"}));
  EXPECT_EQ(names[2], (SubjectAltName{T::Email, ascii("Alice@Example.org"), "email:Alice@Example.org"}));
  EXPECT_EQ(names[3], (SubjectAltName{T::Ip, Bytes{192, 0, 2, 7}, "IP Address:192.0.2.7"}));
  EXPECT_EQ(names[4].type, T::Ip);
  EXPECT_EQ(names[4].value, (Bytes{0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 7}));
  EXPECT_TRUE(contains(names[4].text, "IP Address:2001:DB8:")) << names[4].text;

  EXPECT_TRUE(c("plain").subject_alt_names().empty());
  EXPECT_TRUE(Certificate{}.subject_alt_names().empty());
}

TEST_F(CertificateChain, DnsNamesMatchWithoutCaseOrWildcards) {
  const Certificate& gw = c("gw");
  EXPECT_TRUE(gw.names_dns("gw.example"));
  EXPECT_TRUE(gw.names_dns("GW.Example"));
  EXPECT_FALSE(gw.names_dns("other.example"));
  EXPECT_FALSE(gw.names_dns("host.wild.example"));  // no wildcard expansion
  EXPECT_TRUE(gw.names_dns("*.wild.example"));      // the literal entry
  EXPECT_FALSE(gw.names_dns(".example"));           // OpenSSL's "any subdomain"
  EXPECT_FALSE(gw.names_dns(""));
  EXPECT_FALSE(gw.names_dns(std::string_view("gw.example\0", 11)));
  EXPECT_FALSE(gw.names_dns("gw"));  // the subject CN is never consulted
  EXPECT_FALSE(c("plain").names_dns("plain.example"));
}

TEST_F(CertificateChain, EmailDomainIgnoresCaseLocalPartDoesNot) {
  const Certificate& gw = c("gw");
  EXPECT_TRUE(gw.names_email("Alice@Example.org"));
  EXPECT_TRUE(gw.names_email("Alice@example.ORG"));
  EXPECT_FALSE(gw.names_email("alice@Example.org"));
  EXPECT_FALSE(gw.names_email("bob@Example.org"));
  EXPECT_FALSE(gw.names_email(""));
  EXPECT_FALSE(gw.names_email(std::string_view("Alice@Example.org\0", 18)));
}

TEST_F(CertificateChain, IpAddressesMatchExactly) {
  const Certificate& gw = c("gw");
  EXPECT_TRUE(gw.names_ip(Bytes{192, 0, 2, 7}));
  EXPECT_FALSE(gw.names_ip(Bytes{192, 0, 2, 8}));
  EXPECT_TRUE(gw.names_ip(Bytes{0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 7}));
  EXPECT_FALSE(gw.names_ip(Bytes{192, 0, 2, 7, 0}));
  EXPECT_FALSE(gw.names_ip(Bytes{}));
  EXPECT_FALSE(c("plain").names_ip(Bytes{192, 0, 2, 7}));
}

// A DER Name built attribute by attribute with the given ASN.1 string type.
Bytes name_der(const std::vector<std::pair<const char*, std::string>>& rdns, int string_type) {
  std::unique_ptr<X509_NAME, decltype(&X509_NAME_free)> name(X509_NAME_new(), X509_NAME_free);
  for (const auto& [attr, value] : rdns)
    EXPECT_EQ(X509_NAME_add_entry_by_txt(name.get(), attr, string_type,
                                         reinterpret_cast<const unsigned char*>(value.data()),
                                         static_cast<int>(value.size()), -1, 0),
              1);
  int len = i2d_X509_NAME(name.get(), nullptr);
  Bytes out(static_cast<std::size_t>(len > 0 ? len : 0));
  unsigned char* p = out.data();
  i2d_X509_NAME(name.get(), &p);
  return out;
}

TEST_F(CertificateChain, SubjectMatchesTheDerNameTolerantly) {
  const Certificate& gw = c("gw");
  EXPECT_TRUE(gw.subject_matches(gw.subject_der()));
  // The same attributes as the tool wrote them (UTF8String) match byte for
  // byte; PrintableString, other case and extra spaces match through
  // X509_NAME_cmp's canonical form.
  EXPECT_EQ(name_der({{"O", "ikeharness test"}, {"CN", "gw"}}, MBSTRING_UTF8), gw.subject_der());
  Bytes loose = name_der({{"O", "  IKEharness   TEST "}, {"CN", "GW"}}, V_ASN1_PRINTABLESTRING);
  EXPECT_NE(loose, gw.subject_der());
  EXPECT_TRUE(gw.subject_matches(loose));
  // Order, content and completeness still count.
  EXPECT_FALSE(gw.subject_matches(name_der({{"CN", "gw"}, {"O", "ikeharness test"}}, MBSTRING_UTF8)));
  EXPECT_FALSE(gw.subject_matches(name_der({{"O", "ikeharness test"}, {"CN", "gw2"}}, MBSTRING_UTF8)));
  EXPECT_FALSE(gw.subject_matches(name_der({{"CN", "gw"}}, MBSTRING_UTF8)));
  EXPECT_FALSE(gw.subject_matches(c("plain").subject_der()));
  // Not a Name, or a Name with bytes after it.
  Bytes trailing = gw.subject_der();
  trailing.push_back(0);
  EXPECT_FALSE(gw.subject_matches(trailing));
  Bytes cut = gw.subject_der();
  cut.pop_back();
  EXPECT_FALSE(gw.subject_matches(cut));
  EXPECT_FALSE(gw.subject_matches(ascii("gw")));
  EXPECT_FALSE(gw.subject_matches({}));
  EXPECT_FALSE(Certificate{}.subject_matches(gw.subject_der()));
}

}  // namespace
}  // namespace ikeh::crypto
