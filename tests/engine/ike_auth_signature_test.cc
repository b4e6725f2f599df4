// SPDX-License-Identifier: Apache-2.0
// IKE_AUTH with certificates and signatures (RFC 7296 2.15, 3.6, 3.7, 3.8;
// RFC 4754; RFC 7427). The PKI is made at test time by the openssl command
// line tool, an implementation independent of the code under test: a root
// CA (EC P-256), an intermediate CA (RSA 2048) under it, end-entity
// certificates with subjectAltName entries, a rogue CA with the root's very
// subject name, a certificate signed by an end entity, and end entities
// whose validity lies wholly in the past or in the future (`openssl ca`
// with -startdate/-enddate). The same tool checks the AUTH signatures and
// the CERTREQ hashes.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "harness/crypto/auth.h"
#include "harness/engine/ike_auth.h"
#include "tests/engine/ike_auth_fixture.h"
#include "tests/support/openssl_pki.h"

namespace ikeh::engine {
namespace {

using codec::AuthMethod;
using codec::AuthPayload;
using codec::IdPayload;
using codec::IdType;
using codec::NotifyType;
using codec::Payload;
using codec::PayloadType;
using namespace test;  // NOLINT(google-build-using-namespace)

constexpr const char* kOpensslConfig = R"([req]
distinguished_name = dn
prompt = no
[dn]
CN = unused
[v3_ca]
basicConstraints = critical,CA:TRUE
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
[v3_ee_i]
basicConstraints = CA:FALSE
subjectAltName = DNS:initiator.example,IP:192.0.2.1,email:alice@example.org
[v3_ee_r]
basicConstraints = CA:FALSE
subjectAltName = DNS:responder.example,IP:198.51.100.1
[ca]
default_ca = test_ca
[test_ca]
database = index.txt
new_certs_dir = .
serial = ca.serial
default_md = sha256
policy = policy_any
unique_subject = no
copy_extensions = none
[policy_any]
organizationName = optional
commonName = supplied
)";

struct KeyCert {
  std::string name;  // file stem in the PKI directory
  std::optional<crypto::PrivateKey> key;
  std::optional<crypto::Certificate> cert;
};

// Everything the openssl tool made, loaded once for the whole suite.
struct Pki : testing_support::OpenSslPki {
  KeyCert root, intermediate, init_rsa, init_ec, init_p384, resp_ec, rogue_root, rogue_init, under_ee;
  KeyCert init_expired, init_not_yet;  // valid 2020-01-01..2020-02-01, 2099-01-01..2099-12-31

  void write(const std::string& file, BytesView data) const {
    std::ofstream out(dir + "/" + file, std::ios::binary);
    out.write(reinterpret_cast<const char*>(data.data()), static_cast<std::streamsize>(data.size()));
  }

  // A key (RSA 2048, or an EC curve) and a certificate signed by `ca`
  // (self-signed when ca is empty) with the extensions of `section`, valid
  // from now for 30 days; with `dates` ("-startdate ... -enddate ..."),
  // signed by `openssl ca` for exactly that period instead.
  bool make(KeyCert& out, const std::string& name, const std::string& key, const std::string& subject,
            const std::string& ca, const std::string& section, const std::string& dates = "") {
    out.name = name;
    if (!issue(name, key, subject, ca, section, dates.empty() ? "-days 30" : dates)) return false;
    auto k = crypto::load_private_key_file(dir + "/" + name + ".key");
    auto c = crypto::load_certificate_file(dir + "/" + name + ".pem");
    if (!k || !c) {
      error = "cannot load " + name;
      return false;
    }
    out.key = std::move(k).value();
    out.cert = std::move(c).value();
    return true;
  }

  // SHA-1 of the certificate's DER SubjectPublicKeyInfo, by the tool.
  std::optional<Bytes> spki_sha1(const KeyCert& kc) const {
    std::string out = kc.name + ".spki.sha1";
    if (sh("openssl x509 -in " + kc.name + ".pem -noout -pubkey | openssl pkey -pubin -outform DER | "
           "openssl dgst -sha1 -r > " + out) != 0)
      return std::nullopt;
    return core::from_hex(read(out).substr(0, 40));
  }

  // Whether the tool verifies `signature` over `data` with the certificate's
  // public key and digest `md` (sha1, sha256, ...).
  bool tool_verifies(const KeyCert& kc, const std::string& md, BytesView data, BytesView signature) const {
    write("data.bin", data);
    write("sig.bin", signature);
    if (sh("openssl x509 -in " + kc.name + ".pem -noout -pubkey > " + kc.name + ".pub") != 0) return false;
    return sh("openssl dgst -" + md + " -verify " + kc.name + ".pub -signature sig.bin data.bin") == 0;
  }
};

Pki* g_pki = nullptr;

class IkeAuthSignature : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (g_pki) return;
    g_pki = new Pki;
    Pki& p = *g_pki;
    p.create("ikeh-pki", kOpensslConfig);
    const std::string o = "/O=ikeharness test";
    p.make(p.root, "root", "P-256", o + "/CN=Root CA", "", "v3_ca") &&
        p.make(p.intermediate, "int", "rsa", o + "/CN=Intermediate CA", "root", "v3_ca") &&
        p.make(p.init_rsa, "init_rsa", "rsa", o + "/CN=initiator RSA", "int", "v3_ee_i") &&
        p.make(p.init_ec, "init_ec", "P-256", o + "/CN=initiator EC", "int", "v3_ee_i") &&
        p.make(p.init_p384, "init_p384", "P-384", o + "/CN=initiator P-384", "root", "v3_ee_i") &&
        p.make(p.resp_ec, "resp_ec", "P-256", o + "/CN=responder", "root", "v3_ee_r") &&
        p.make(p.rogue_root, "rogue", "P-256", o + "/CN=Root CA", "", "v3_ca") &&
        p.make(p.rogue_init, "rogue_init", "P-256", o + "/CN=initiator RSA", "rogue", "v3_ee_i") &&
        p.make(p.under_ee, "under_ee", "P-256", o + "/CN=initiator under an end entity", "resp_ec", "v3_ee_i") &&
        p.make(p.init_expired, "init_expired", "P-256", o + "/CN=initiator expired", "root", "v3_ee_i",
               "-startdate 20200101000000Z -enddate 20200201000000Z") &&
        p.make(p.init_not_yet, "init_not_yet", "P-256", o + "/CN=initiator not yet valid", "root", "v3_ee_i",
               "-startdate 20990101000000Z -enddate 20991231000000Z");
  }
  static void TearDownTestSuite() {
    if (g_pki && !g_pki->dir.empty()) std::system(("rm -rf '" + g_pki->dir + "'").c_str());
    delete g_pki;
    g_pki = nullptr;
  }
  void SetUp() override {
    if (!g_pki->error.empty()) GTEST_SKIP() << g_pki->error;
  }
  const Pki& pki() const { return *g_pki; }
};

InitOptions with_hashes() { return InitOptions{ike_gcm(), {2, 3, 4}, {2, 3, 4}}; }

LocalAuth signer(const KeyCert& kc, std::vector<crypto::Certificate> intermediates = {}, bool rfc7427 = true) {
  LocalAuth a;
  a.kind = AuthKind::Signature;
  a.private_key = kc.key;
  a.certificate = kc.cert;
  a.intermediates = std::move(intermediates);
  a.rfc7427 = rfc7427;
  return a;
}

RemoteAuth trusting(std::vector<crypto::Certificate> anchors) {
  RemoteAuth r;
  r.accept_psk = false;
  r.trusted = std::move(anchors);
  return r;
}

IkeAuthInitiatorConfig sig_initiator(const Pki& p, const KeyCert& kc, bool with_intermediate = true) {
  IkeAuthInitiatorConfig c = psk_initiator_config();
  c.local_auth = signer(kc, with_intermediate ? std::vector<crypto::Certificate>{*p.intermediate.cert}
                                              : std::vector<crypto::Certificate>{});
  c.remote_auth = trusting({*p.root.cert});
  return c;
}

IkeAuthResponderConfig sig_responder(const Pki& p) {
  IkeAuthResponderConfig c = psk_responder_config();
  c.psk_lookup = nullptr;
  c.local_auth = signer(p.resp_ec);
  c.remote_auth = trusting({*p.root.cert});
  return c;
}

const AuthPayload* auth_of(const std::vector<Payload>& inner) {
  const Payload* p = find(inner, PayloadType::AUTH);
  return p ? p->as<AuthPayload>() : nullptr;
}

Bytes initiator_octets(const IkeSaInitResult& sa, const IdPayload& idi) {
  auto o = crypto::signed_octets(sa.selection.suite.prf, sa.request, sa.nr, sa.keys.sk_pi.view(),
                                 crypto::id_payload_body(idi));
  EXPECT_TRUE(o.ok());
  return o ? *o : Bytes{};
}

Bytes responder_octets(const IkeSaInitResult& sa, const IdPayload& idr) {
  auto o = crypto::signed_octets(sa.selection.suite.prf, sa.response, sa.ni, sa.keys.sk_pr.view(),
                                 crypto::id_payload_body(idr));
  EXPECT_TRUE(o.ok());
  return o ? *o : Bytes{};
}

void expect_established(const AuthRun& r) {
  ASSERT_TRUE(r.responder && r.initiator);
  ASSERT_TRUE(r.initiator->ok()) << r.initiator->error().to_string();
  EXPECT_EQ(r.responder->result.outcome, IkeAuthOutcome::Established);
  EXPECT_EQ(r.initiator->value().outcome, IkeAuthOutcome::Established);
  ASSERT_TRUE(r.initiator->value().child && r.responder->result.child);
  expect_same_child(*r.initiator->value().child, *r.responder->result.child);
}

void expect_refused_by_responder(const AuthRun& r) {
  ASSERT_TRUE(r.responder && r.initiator);
  EXPECT_EQ(r.responder->result.outcome, IkeAuthOutcome::AuthenticationFailed);
  EXPECT_FALSE(r.responder->result.child);
  ASSERT_TRUE(r.initiator->ok()) << r.initiator->error().to_string();
  EXPECT_EQ(r.initiator->value().outcome, IkeAuthOutcome::AuthenticationFailed);
}

TEST_F(IkeAuthSignature, ClassicRsaAndEcdsaMethodsWithoutRfc7427) {
  // No SIGNATURE_HASH_ALGORITHMS in IKE_SA_INIT: RSA method 1 and ECDSA 9.
  auto ic = sig_initiator(pki(), pki().init_rsa);
  auto rc = sig_responder(pki());
  AuthRun r = run(ic, rc);
  expect_established(r);
  const IkeAuthResult& ir = r.initiator->value();
  const IkeAuthResult& rr = r.responder->result;
  EXPECT_EQ(rr.peer_auth_method, AuthMethod::RSA_DIGITAL_SIGNATURE);
  EXPECT_EQ(ir.peer_auth_method, AuthMethod::ECDSA_SHA256_P256);
  ASSERT_TRUE(rr.peer_certificate && ir.peer_certificate);
  EXPECT_EQ(rr.peer_certificate->der(), pki().init_rsa.cert->der());
  EXPECT_EQ(ir.peer_certificate->der(), pki().resp_ec.cert->der());

  // RFC 7296 3.8: PKCS#1 v1.5 over SHA-1 of the signed octets, checked by
  // the openssl tool.
  const IkeSaInitResult& sa = r.init->initiator;
  auto req = inner_of(r.request, sa, true);
  const AuthPayload* auth_i = auth_of(req);
  ASSERT_NE(auth_i, nullptr);
  EXPECT_EQ(auth_i->method, AuthMethod::RSA_DIGITAL_SIGNATURE);
  EXPECT_EQ(auth_i->data.size(), 256u);
  EXPECT_TRUE(pki().tool_verifies(pki().init_rsa, "sha1", initiator_octets(sa, ic.idi), auth_i->data));
  EXPECT_FALSE(pki().tool_verifies(pki().init_rsa, "sha1", responder_octets(sa, rc.idr), auth_i->data));
  // RFC 4754 7: r | s, 32 octets each for P-256.
  auto resp = inner_of(r.response, sa, false);
  const AuthPayload* auth_r = auth_of(resp);
  ASSERT_NE(auth_r, nullptr);
  EXPECT_EQ(auth_r->method, AuthMethod::ECDSA_SHA256_P256);
  EXPECT_EQ(auth_r->data.size(), 64u);
}

TEST_F(IkeAuthSignature, RequestCarriesCertsThenCertreqInOrder) {
  auto ic = sig_initiator(pki(), pki().init_rsa);
  ic.idr = fqdn("responder.example");
  AuthRun r = run(ic, sig_responder(pki()), with_hashes());
  expect_established(r);
  auto req = inner_of(r.request, r.init->initiator, true);
  EXPECT_EQ(types_of(req), (std::vector<PayloadType>{PayloadType::IDi, PayloadType::CERT, PayloadType::CERT,
                                                      PayloadType::CERTREQ, PayloadType::IDr, PayloadType::AUTH,
                                                      PayloadType::SA, PayloadType::TSi, PayloadType::TSr,
                                                      PayloadType::N}));
  // RFC 7296 3.6: end entity first, then the intermediate, X.509 DER.
  EXPECT_EQ(req[1].as<codec::CertPayload>()->encoding, codec::CertEncoding::X509_SIGNATURE);
  EXPECT_EQ(req[1].as<codec::CertPayload>()->data, pki().init_rsa.cert->der());
  EXPECT_EQ(req[2].as<codec::CertPayload>()->data, pki().intermediate.cert->der());
  // RFC 7296 3.7: SHA-1 of the anchor's SubjectPublicKeyInfo.
  auto expected = pki().spki_sha1(pki().root);
  ASSERT_TRUE(expected);
  EXPECT_EQ(req[3].as<codec::CertReqPayload>()->encoding, codec::CertEncoding::X509_SIGNATURE);
  EXPECT_EQ(req[3].as<codec::CertReqPayload>()->data, *expected);

  auto resp = inner_of(r.response, r.init->initiator, false);
  EXPECT_EQ(types_of(resp), (std::vector<PayloadType>{PayloadType::IDr, PayloadType::CERT, PayloadType::AUTH,
                                                       PayloadType::SA, PayloadType::TSi, PayloadType::TSr}));
  EXPECT_EQ(resp[1].as<codec::CertPayload>()->data, pki().resp_ec.cert->der());
}

TEST_F(IkeAuthSignature, CertreqListsEveryAnchorAndCanBeOff) {
  auto ic = sig_initiator(pki(), pki().init_rsa);
  ic.remote_auth.trusted = {*pki().rogue_root.cert, *pki().root.cert};
  AuthRun r = run(ic, sig_responder(pki()));
  expect_established(r);
  auto req = inner_of(r.request, r.init->initiator, true);
  const Payload* cr = find(req, PayloadType::CERTREQ);
  ASSERT_NE(cr, nullptr);
  auto a = pki().spki_sha1(pki().rogue_root);
  auto b = pki().spki_sha1(pki().root);
  ASSERT_TRUE(a && b);
  Bytes both = *a;
  both.insert(both.end(), b->begin(), b->end());
  EXPECT_EQ(cr->as<codec::CertReqPayload>()->data, both);

  ic.send_certreq = false;
  AuthRun quiet = run(ic, sig_responder(pki()));
  expect_established(quiet);
  EXPECT_EQ(find(inner_of(quiet.request, quiet.init->initiator, true), PayloadType::CERTREQ), nullptr);
}

TEST_F(IkeAuthSignature, Rfc7427WithRsa2048AndEcdsaP256) {
  auto ic = sig_initiator(pki(), pki().init_rsa);
  auto rc = sig_responder(pki());
  AuthRun r = run(ic, rc, with_hashes());
  expect_established(r);
  EXPECT_EQ(r.responder->result.peer_auth_method, AuthMethod::DIGITAL_SIGNATURE);
  EXPECT_EQ(r.initiator->value().peer_auth_method, AuthMethod::DIGITAL_SIGNATURE);

  // RFC 7427 3: length of the AlgorithmIdentifier, the AlgorithmIdentifier,
  // the signature. The tool verifies the signature part.
  const IkeSaInitResult& sa = r.init->initiator;
  auto req = inner_of(r.request, sa, true);
  const AuthPayload* auth_i = auth_of(req);
  ASSERT_NE(auth_i, nullptr);
  EXPECT_EQ(auth_i->method, AuthMethod::DIGITAL_SIGNATURE);
  BytesView rsa_alg = crypto::scheme_info(crypto::SignatureScheme::RSA_PKCS1_SHA256).algorithm_identifier;
  ASSERT_GT(auth_i->data.size(), 1 + rsa_alg.size());
  EXPECT_EQ(auth_i->data[0], rsa_alg.size());
  EXPECT_EQ(Bytes(auth_i->data.begin() + 1, auth_i->data.begin() + 1 + rsa_alg.size()),
            Bytes(rsa_alg.begin(), rsa_alg.end()));
  Bytes sig_i(auth_i->data.begin() + 1 + rsa_alg.size(), auth_i->data.end());
  EXPECT_TRUE(pki().tool_verifies(pki().init_rsa, "sha256", initiator_octets(sa, ic.idi), sig_i));

  auto resp = inner_of(r.response, sa, false);
  const AuthPayload* auth_r = auth_of(resp);
  ASSERT_NE(auth_r, nullptr);
  BytesView ec_alg = crypto::scheme_info(crypto::SignatureScheme::ECDSA_SHA256).algorithm_identifier;
  ASSERT_GT(auth_r->data.size(), 1 + ec_alg.size());
  EXPECT_EQ(Bytes(auth_r->data.begin() + 1, auth_r->data.begin() + 1 + ec_alg.size()),
            Bytes(ec_alg.begin(), ec_alg.end()));
  Bytes sig_r(auth_r->data.begin() + 1 + ec_alg.size(), auth_r->data.end());
  EXPECT_TRUE(pki().tool_verifies(pki().resp_ec, "sha256", responder_octets(sa, rc.idr), sig_r));
}

TEST_F(IkeAuthSignature, EcdsaBothSidesBothMethodFamilies) {
  for (bool hashes : {false, true}) {
    SCOPED_TRACE(hashes ? "RFC 7427" : "RFC 4754");
    auto ic = sig_initiator(pki(), pki().init_ec);
    AuthRun r = run(ic, sig_responder(pki()), hashes ? with_hashes() : InitOptions{});
    expect_established(r);
    AuthMethod want = hashes ? AuthMethod::DIGITAL_SIGNATURE : AuthMethod::ECDSA_SHA256_P256;
    EXPECT_EQ(r.responder->result.peer_auth_method, want);
    EXPECT_EQ(r.initiator->value().peer_auth_method, want);
  }
}

TEST_F(IkeAuthSignature, Rfc7427OffUsesTheClassicMethod) {
  auto ic = sig_initiator(pki(), pki().init_rsa);
  ic.local_auth.rfc7427 = false;
  AuthRun r = run(ic, sig_responder(pki()), with_hashes());
  expect_established(r);
  EXPECT_EQ(r.responder->result.peer_auth_method, AuthMethod::RSA_DIGITAL_SIGNATURE);
  EXPECT_EQ(r.initiator->value().peer_auth_method, AuthMethod::DIGITAL_SIGNATURE);
}

TEST_F(IkeAuthSignature, P384KeyUsesMethod10) {
  auto ic = sig_initiator(pki(), pki().init_p384, false);
  AuthRun r = run(ic, sig_responder(pki()));
  expect_established(r);
  EXPECT_EQ(r.responder->result.peer_auth_method, AuthMethod::ECDSA_SHA384_P384);
  auto req = inner_of(r.request, r.init->initiator, true);
  const AuthPayload* a = auth_of(req);
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(a->data.size(), 96u);  // r | s, 48 octets each (RFC 4754 7)
}

TEST_F(IkeAuthSignature, UntrustedCaIsAuthenticationFailed) {
  auto ic = sig_initiator(pki(), pki().rogue_init, false);
  AuthRun r = run(ic, sig_responder(pki()), with_hashes());
  expect_refused_by_responder(r);
  // Trusting the rogue root makes the same certificate acceptable.
  auto rc = sig_responder(pki());
  rc.remote_auth.trusted = {*pki().rogue_root.cert};
  AuthRun ok = run(ic, rc, with_hashes());
  expect_established(ok);
}

TEST_F(IkeAuthSignature, InitiatorRefusesAnUntrustedResponder) {
  auto ic = sig_initiator(pki(), pki().init_rsa);
  ic.remote_auth.trusted = {*pki().rogue_root.cert};
  AuthRun r = run(ic, sig_responder(pki()), with_hashes());
  ASSERT_TRUE(r.responder && r.initiator);
  EXPECT_EQ(r.responder->result.outcome, IkeAuthOutcome::Established);
  ASSERT_FALSE(r.initiator->ok());
  EXPECT_EQ(r.initiator->error().notify, static_cast<uint16_t>(NotifyType::AUTHENTICATION_FAILED));
}

TEST_F(IkeAuthSignature, MissingIntermediateBreaksTheChain) {
  AuthRun r = run(sig_initiator(pki(), pki().init_rsa, false), sig_responder(pki()), with_hashes());
  expect_refused_by_responder(r);
  // The responder trusting the intermediate itself needs no chain from the
  // initiator.
  auto rc = sig_responder(pki());
  rc.remote_auth.trusted = {*pki().intermediate.cert};
  AuthRun ok = run(sig_initiator(pki(), pki().init_rsa, false), rc, with_hashes());
  expect_established(ok);
}

TEST_F(IkeAuthSignature, AnEndEntityCannotActAsCa) {
  // under_ee is signed by the responder's end-entity key (CA:FALSE).
  auto ic = sig_initiator(pki(), pki().under_ee, false);
  ic.local_auth.intermediates = {*pki().resp_ec.cert};
  AuthRun r = run(ic, sig_responder(pki()), with_hashes());
  expect_refused_by_responder(r);
}

TEST_F(IkeAuthSignature, ExpiredEndEntityIsAuthenticationFailed) {
  // Everything else is in order: the chain, the identity, the signature.
  AuthRun r = run(sig_initiator(pki(), pki().init_expired, false), sig_responder(pki()), with_hashes());
  expect_refused_by_responder(r);
  AuthRun early = run(sig_initiator(pki(), pki().init_not_yet, false), sig_responder(pki()), with_hashes());
  expect_refused_by_responder(early);
  // The same certificate trusted directly and not sent (RFC 7296 3.6) is
  // refused on its dates as well.
  auto ic = sig_initiator(pki(), pki().init_expired, false);
  ic.local_auth.certificate.reset();
  auto rc = sig_responder(pki());
  rc.remote_auth.trusted = {*pki().root.cert, *pki().init_expired.cert};
  AuthRun bare = run(ic, rc, with_hashes());
  expect_refused_by_responder(bare);
}

TEST_F(IkeAuthSignature, IdentityMustBeNamedByTheCertificate) {
  auto ic = sig_initiator(pki(), pki().init_rsa);
  ic.idi = fqdn("mallory.example");
  AuthRun r = run(ic, sig_responder(pki()), with_hashes());
  expect_refused_by_responder(r);
}

TEST_F(IkeAuthSignature, RemoteIdMustMatch) {
  auto rc = sig_responder(pki());
  rc.remote_auth.id = fqdn("other.example");
  AuthRun r = run(sig_initiator(pki(), pki().init_rsa), rc, with_hashes());
  expect_refused_by_responder(r);
}

TEST_F(IkeAuthSignature, IdentityTypesMatchSubjectAndAltNames) {
  const crypto::Certificate& cert = *pki().init_rsa.cert;
  Bytes dn_with_trailing_byte = cert.subject_der();
  dn_with_trailing_byte.push_back(0);
  struct Case {
    IdPayload id;
    bool ok;
  };
  const std::vector<Case> cases = {
      {make_id(IdType::ID_DER_ASN1_DN, cert.subject_der()), true},
      {make_id(IdType::ID_FQDN, text("initiator.example")), true},
      {make_id(IdType::ID_FQDN, text("INITIATOR.Example")), true},
      {make_id(IdType::ID_RFC822_ADDR, text("alice@example.org")), true},
      {make_id(IdType::ID_IPV4_ADDR, Bytes{192, 0, 2, 1}), true},
      {make_id(IdType::ID_IPV4_ADDR, Bytes{192, 0, 2, 2}), false},
      {make_id(IdType::ID_FQDN, text("responder.example")), false},
      {make_id(IdType::ID_DER_ASN1_DN, pki().resp_ec.cert->subject_der()), false},
      {make_id(IdType::ID_KEY_ID, text("initiator.example")), false},
      // RFC 5280 4.2.1.6: the domain part ignores case, the local part not.
      {make_id(IdType::ID_RFC822_ADDR, text("alice@EXAMPLE.org")), true},
      {make_id(IdType::ID_RFC822_ADDR, text("Alice@example.org")), false},
      {make_id(IdType::ID_FQDN, text(".example")), false},
      {make_id(IdType::ID_FQDN, text("initiator RSA")), false},  // the CN is no dNSName
      {make_id(IdType::ID_IPV6_ADDR, Bytes(16, 0)), false},
      {make_id(IdType::ID_DER_ASN1_DN, dn_with_trailing_byte), false},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(codec::label(c.id.id_type) + " " + core::to_hex(c.id.data));
    EXPECT_EQ(id_matches_certificate(c.id, cert), c.ok);
    auto ic = sig_initiator(pki(), pki().init_rsa);
    ic.idi = c.id;
    AuthRun r = run(ic, sig_responder(pki()), with_hashes());
    ASSERT_TRUE(r.responder);
    EXPECT_EQ(r.responder->result.outcome,
              c.ok ? IkeAuthOutcome::Established : IkeAuthOutcome::AuthenticationFailed);
  }
}

TEST_F(IkeAuthSignature, TamperedSignatureIsAuthenticationFailed) {
  auto pair = run_ike_sa_init(with_hashes());
  ASSERT_TRUE(pair);
  IkeAuthInitiator init(pair->initiator, sig_initiator(pki(), pki().init_rsa), seeded(21));
  auto req = init.build_inner();
  ASSERT_TRUE(req.ok()) << req.error().to_string();
  for (auto& p : *req)
    if (auto* a = p.as<AuthPayload>()) a->data.back() ^= 0x01;
  IkeAuthResponder resp(pair->responder, sig_responder(pki()), seeded(22));
  auto step = resp.process_inner(*req);
  ASSERT_TRUE(step.ok()) << step.error().to_string();
  EXPECT_EQ(step->result.outcome, IkeAuthOutcome::AuthenticationFailed);
  EXPECT_EQ(notifies_of(step->inner), (std::vector<NotifyType>{NotifyType::AUTHENTICATION_FAILED}));
}

TEST_F(IkeAuthSignature, SignatureNeedsTrustAnchors) {
  auto rc = sig_responder(pki());
  rc.remote_auth.trusted.clear();
  AuthRun r = run(sig_initiator(pki(), pki().init_rsa), rc, with_hashes());
  expect_refused_by_responder(r);
}

TEST_F(IkeAuthSignature, PskInitiatorAndSignatureResponder) {
  auto ic = psk_initiator_config();
  ic.remote_auth = trusting({*pki().root.cert});
  auto rc = sig_responder(pki());
  rc.remote_auth.accept_psk = true;
  rc.psk_lookup = psk_responder_config().psk_lookup;
  AuthRun r = run(ic, rc, with_hashes());
  expect_established(r);
  EXPECT_EQ(r.responder->result.peer_auth_method, AuthMethod::SHARED_KEY_MIC);
  EXPECT_FALSE(r.responder->result.peer_certificate);
  EXPECT_EQ(r.initiator->value().peer_auth_method, AuthMethod::DIGITAL_SIGNATURE);
  // An initiator that accepts only PSK refuses the signature.
  ic.remote_auth = RemoteAuth{};
  AuthRun bad = run(ic, rc, with_hashes());
  ASSERT_TRUE(bad.initiator);
  ASSERT_FALSE(bad.initiator->ok());
  EXPECT_EQ(bad.initiator->error().notify, static_cast<uint16_t>(NotifyType::AUTHENTICATION_FAILED));
}

TEST_F(IkeAuthSignature, SelfSignedTrustedAsIsWithAndWithoutCert) {
  // A certificate made by crypto/auth.h itself, trusted directly.
  auto key = crypto::generate_private_key(crypto::KeySpec{crypto::KeyType::Rsa, 2048, ""});
  ASSERT_TRUE(key.ok());
  auto cert = crypto::self_signed_certificate(*key, "self-signed initiator");
  ASSERT_TRUE(cert.ok());
  auto ic = psk_initiator_config();
  ic.idi = make_id(IdType::ID_DER_ASN1_DN, cert->subject_der());
  ic.local_auth.kind = AuthKind::Signature;
  ic.local_auth.private_key = *key;
  ic.local_auth.certificate = *cert;
  ic.remote_auth = trusting({*pki().root.cert});
  auto rc = sig_responder(pki());
  rc.remote_auth.trusted = {*cert};
  AuthRun r = run(ic, rc, with_hashes());
  expect_established(r);
  ASSERT_TRUE(r.responder->result.peer_certificate);
  EXPECT_EQ(r.responder->result.peer_certificate->subject(), cert->subject());

  // RFC 7296 3.6: CERT is optional when the peer has the key already.
  ic.local_auth.certificate.reset();
  AuthRun bare = run(ic, rc, with_hashes());
  expect_established(bare);
  EXPECT_EQ(find(inner_of(bare.request, bare.init->initiator, true), PayloadType::CERT), nullptr);
  // Without it the responder has nothing to check the signature with.
  rc.remote_auth.trusted = {*pki().root.cert};
  AuthRun none = run(ic, rc, with_hashes());
  expect_refused_by_responder(none);
}

TEST_F(IkeAuthSignature, VerifyChainDirectly) {
  const Pki& p = pki();
  EXPECT_TRUE(verify_chain(*p.init_rsa.cert, {*p.intermediate.cert}, {*p.root.cert}).ok());
  EXPECT_TRUE(verify_chain(*p.resp_ec.cert, {}, {*p.root.cert}).ok());
  EXPECT_TRUE(verify_chain(*p.root.cert, {}, {*p.root.cert}).ok());
  auto no_path = verify_chain(*p.init_rsa.cert, {}, {*p.root.cert});
  ASSERT_FALSE(no_path.ok());
  EXPECT_EQ(no_path.error().notify, static_cast<uint16_t>(NotifyType::AUTHENTICATION_FAILED));
  EXPECT_EQ(no_path.error().where, "CERT payload");
  EXPECT_EQ(no_path.error().reason, "the certificate CN=initiator RSA,O=ikeharness test (depth 0, the end entity) "
                                    "is refused: unable to get local issuer certificate");
  EXPECT_FALSE(verify_chain(*p.rogue_init.cert, {*p.intermediate.cert}, {*p.root.cert}).ok());
  // The rogue root has exactly the real root's subject: the names chain, the
  // signature does not.
  EXPECT_EQ(p.rogue_root.cert->subject_der(), p.root.cert->subject_der());
  EXPECT_FALSE(verify_chain(*p.rogue_init.cert, {}, {*p.root.cert, *p.intermediate.cert}).ok());
  EXPECT_FALSE(verify_chain(*p.under_ee.cert, {*p.resp_ec.cert}, {*p.root.cert}).ok());
  // Validity dates (RFC 5280 4.1.2.5), checked against the current time.
  auto expired = verify_chain(*p.init_expired.cert, {}, {*p.root.cert});
  ASSERT_FALSE(expired.ok());
  EXPECT_EQ(expired.error().notify, static_cast<uint16_t>(NotifyType::AUTHENTICATION_FAILED));
  EXPECT_EQ(expired.error().reason, "the certificate CN=initiator expired,O=ikeharness test (depth 0, the end "
                                    "entity) is refused: certificate has expired");
  auto early = verify_chain(*p.init_not_yet.cert, {}, {*p.root.cert});
  ASSERT_FALSE(early.ok());
  EXPECT_NE(early.error().reason.find("certificate is not yet valid"), std::string::npos) << early.error().reason;
  // Listing it as trusted does not excuse its dates.
  EXPECT_FALSE(verify_chain(*p.init_expired.cert, {}, {*p.init_expired.cert}).ok());
  // Intermediates in any order, extra ones ignored.
  EXPECT_TRUE(
      verify_chain(*p.init_ec.cert, {*p.rogue_root.cert, *p.resp_ec.cert, *p.intermediate.cert}, {*p.root.cert})
          .ok());
}

}  // namespace
}  // namespace ikeh::engine
