// SPDX-License-Identifier: Apache-2.0
#include "harness/crypto/auth.h"

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/decoder.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <iterator>

#include "harness/crypto/prf.h"
#include "harness/crypto/ossl_error.h"

namespace ikeh::crypto {

// Builds the key and certificate classes around OpenSSL objects (they keep
// their members private so nothing else can put a half-made key in them).
struct KeyAccess {
  static KeyType type_of(const EVP_PKEY* k) {
    if (EVP_PKEY_is_a(k, "RSA")) return KeyType::Rsa;
    if (EVP_PKEY_is_a(k, "RSA-PSS")) return KeyType::RsaPss;
    if (EVP_PKEY_is_a(k, "EC")) return KeyType::Ec;
    if (EVP_PKEY_is_a(k, "ED25519")) return KeyType::Ed25519;
    if (EVP_PKEY_is_a(k, "ED448")) return KeyType::Ed448;
    if (EVP_PKEY_is_a(k, "DSA")) return KeyType::Dsa;
    return KeyType::Other;
  }
  static std::shared_ptr<evp_pkey_st> share(EVP_PKEY* k) { return {k, EVP_PKEY_free}; }
  static PublicKey public_key(std::shared_ptr<evp_pkey_st> k) {
    PublicKey p;
    p.type_ = type_of(k.get());
    p.key_ = std::move(k);
    return p;
  }
  static PrivateKey private_key(EVP_PKEY* k) {
    PrivateKey p;
    p.type_ = type_of(k);
    p.key_ = share(k);
    return p;
  }
  static core::Result<Certificate> certificate(X509* x, std::string_view source);
};

namespace {

struct BioFree {
  void operator()(BIO* b) const { BIO_free(b); }
};
using Bio = std::unique_ptr<BIO, BioFree>;
struct MdCtxFree {
  void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
};
using MdCtx = std::unique_ptr<EVP_MD_CTX, MdCtxFree>;
struct DecoderFree {
  void operator()(OSSL_DECODER_CTX* c) const { OSSL_DECODER_CTX_free(c); }
};
using Decoder = std::unique_ptr<OSSL_DECODER_CTX, DecoderFree>;
struct SigFree {
  void operator()(ECDSA_SIG* s) const { ECDSA_SIG_free(s); }
};
using EcdsaSig = std::unique_ptr<ECDSA_SIG, SigFree>;

constexpr uint16_t kAuthenticationFailed = static_cast<uint16_t>(codec::NotifyType::AUTHENTICATION_FAILED);

using detail::ossl_reason;

core::Error fail(std::string where, std::string field, std::string reason, uint16_t notify = 0) {
  core::Error e;
  e.where = std::move(where);
  e.field = std::move(field);
  e.reason = std::move(reason);
  e.notify = notify;
  return e;
}

core::Error auth_fail(std::string field, std::string reason) {
  return fail("AUTH", std::move(field), std::move(reason), kAuthenticationFailed);
}

bool looks_like_pem(BytesView data) {
  static constexpr std::string_view kBegin = "-----BEGIN ";
  std::string_view s(reinterpret_cast<const char*>(data.data()), data.size());
  auto pos = s.find(kBegin);
  if (pos == std::string_view::npos) return false;
  // Allow leading text (e.g. "Bag Attributes" from openssl pkcs12) but not
  // binary DER that happens to contain the marker far in.
  return std::all_of(s.begin(), s.begin() + pos, [](char c) {
    auto u = static_cast<unsigned char>(c);
    return u == '\n' || u == '\r' || u == '\t' || (u >= 0x20 && u < 0x7f);
  });
}

std::string nist_curve_name(const std::string& group) {
  if (group == "prime256v1" || group == "P-256") return "P-256";
  if (group == "secp384r1" || group == "P-384") return "P-384";
  if (group == "secp521r1" || group == "P-521") return "P-521";
  if (group == "secp224r1" || group == "P-224") return "P-224";
  if (group == "prime192v1" || group == "P-192") return "P-192";
  return group;
}

std::string curve_of(const EVP_PKEY* k) {
  if (!k || !EVP_PKEY_is_a(k, "EC")) return {};
  char name[80] = {0};
  std::size_t len = 0;
  if (EVP_PKEY_get_utf8_string_param(k, OSSL_PKEY_PARAM_GROUP_NAME, name, sizeof(name), &len) != 1) {
    ERR_clear_error();
    return {};
  }
  return nist_curve_name(std::string(name, len));
}

std::string describe_key(const EVP_PKEY* k, KeyType t) {
  std::string s(key_type_name(t));
  if (t == KeyType::Ec) return s + " " + curve_of(k);
  if (t == KeyType::Rsa || t == KeyType::RsaPss || t == KeyType::Dsa)
    return s + " " + std::to_string(EVP_PKEY_get_bits(k));
  return s;
}

Bytes sha1(BytesView data) {
  Bytes out(20);
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), out.data(), &len, EVP_sha1(), nullptr);
  return out;
}

core::Result<Bytes> read_file(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) return fail(path, "", std::string("cannot read: ") + std::strerror(errno));
  Bytes data((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  if (f.bad()) return fail(path, "", std::string("cannot read: ") + std::strerror(errno));
  return data;
}

// RFC 7427 Appendix A AlgorithmIdentifiers (A.1 RSA PKCS#1 v1.5, A.3 ECDSA,
// A.4.3 RSASSA-PSS with SHA-256 and explicit trailerField); the RSASSA-PSS
// SHA-384/512 strings follow A.4.3 with the hash OIDs of RFC 4055 and salt
// lengths 48/64 (RFC 8247: salt = hash length); EdDSA from RFC 8420.
constexpr uint8_t kSha1Rsa[] = {0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86,
                                 0xf7, 0x0d, 0x01, 0x01, 0x05, 0x05, 0x00};
constexpr uint8_t kSha256Rsa[] = {0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86,
                                 0xf7, 0x0d, 0x01, 0x01, 0x0b, 0x05, 0x00};
constexpr uint8_t kSha384Rsa[] = {0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86,
                                 0xf7, 0x0d, 0x01, 0x01, 0x0c, 0x05, 0x00};
constexpr uint8_t kSha512Rsa[] = {0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86,
                                 0xf7, 0x0d, 0x01, 0x01, 0x0d, 0x05, 0x00};
constexpr uint8_t kEcdsaSha1[] = {0x30, 0x09, 0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x01};
constexpr uint8_t kEcdsaSha256[] = {0x30, 0x0a, 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x02};
constexpr uint8_t kEcdsaSha384[] = {0x30, 0x0a, 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x03};
constexpr uint8_t kEcdsaSha512[] = {0x30, 0x0a, 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x04};
constexpr uint8_t kEd25519[] = {0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70};
constexpr uint8_t kEd448[] = {0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x71};

// RSASSA-PSS-params { hashAlgorithm [0], maskGenAlgorithm [1] mgf1(hash),
// saltLength [2], trailerField [3] = 1 }, `h` the last octet of the
// id-sha256/384/512 OID (2.16.840.1.101.3.4.2.{1,2,3}).
#define IKEH_PSS_ALGID(h, salt)                                                                               \
  {0x30, 0x46, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0a, 0x30, 0x39, 0xa0, 0x0f, 0x30, \
   0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, h,    0x05, 0x00, 0xa1, 0x1c, 0x30, 0x1a, \
   0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x08, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, \
   0x01, 0x65, 0x03, 0x04, 0x02, h,    0x05, 0x00, 0xa2, 0x03, 0x02, 0x01, salt, 0xa3, 0x03, 0x02, 0x01, 0x01}
constexpr uint8_t kPssSha256[] = IKEH_PSS_ALGID(0x01, 0x20);
constexpr uint8_t kPssSha384[] = IKEH_PSS_ALGID(0x02, 0x30);
constexpr uint8_t kPssSha512[] = IKEH_PSS_ALGID(0x03, 0x40);
#undef IKEH_PSS_ALGID

constexpr SchemeInfo kSchemes[] = {
    {SignatureScheme::RSA_PKCS1_SHA1, "sha1WithRSAEncryption", HashAlgorithm::SHA1, kSha1Rsa},
    {SignatureScheme::RSA_PKCS1_SHA256, "sha256WithRSAEncryption", HashAlgorithm::SHA2_256, kSha256Rsa},
    {SignatureScheme::RSA_PKCS1_SHA384, "sha384WithRSAEncryption", HashAlgorithm::SHA2_384, kSha384Rsa},
    {SignatureScheme::RSA_PKCS1_SHA512, "sha512WithRSAEncryption", HashAlgorithm::SHA2_512, kSha512Rsa},
    {SignatureScheme::RSA_PSS_SHA256, "RSASSA-PSS-SHA256", HashAlgorithm::SHA2_256, kPssSha256},
    {SignatureScheme::RSA_PSS_SHA384, "RSASSA-PSS-SHA384", HashAlgorithm::SHA2_384, kPssSha384},
    {SignatureScheme::RSA_PSS_SHA512, "RSASSA-PSS-SHA512", HashAlgorithm::SHA2_512, kPssSha512},
    {SignatureScheme::ECDSA_SHA1, "ecdsa-with-SHA1", HashAlgorithm::SHA1, kEcdsaSha1},
    {SignatureScheme::ECDSA_SHA256, "ecdsa-with-SHA256", HashAlgorithm::SHA2_256, kEcdsaSha256},
    {SignatureScheme::ECDSA_SHA384, "ecdsa-with-SHA384", HashAlgorithm::SHA2_384, kEcdsaSha384},
    {SignatureScheme::ECDSA_SHA512, "ecdsa-with-SHA512", HashAlgorithm::SHA2_512, kEcdsaSha512},
    {SignatureScheme::ED25519, "Ed25519", HashAlgorithm::IDENTITY, kEd25519},
    {SignatureScheme::ED448, "Ed448", HashAlgorithm::IDENTITY, kEd448},
};

bool is_pss(SignatureScheme s) {
  return s == SignatureScheme::RSA_PSS_SHA256 || s == SignatureScheme::RSA_PSS_SHA384 ||
         s == SignatureScheme::RSA_PSS_SHA512;
}

// The OpenSSL digest name of a scheme; nullptr for EdDSA (no pre-hash).
const char* digest_of(SignatureScheme s) {
  switch (s) {
    case SignatureScheme::RSA_PKCS1_SHA1:
    case SignatureScheme::ECDSA_SHA1: return "SHA1";
    case SignatureScheme::RSA_PKCS1_SHA256:
    case SignatureScheme::RSA_PSS_SHA256:
    case SignatureScheme::ECDSA_SHA256: return "SHA256";
    case SignatureScheme::RSA_PKCS1_SHA384:
    case SignatureScheme::RSA_PSS_SHA384:
    case SignatureScheme::ECDSA_SHA384: return "SHA384";
    case SignatureScheme::RSA_PKCS1_SHA512:
    case SignatureScheme::RSA_PSS_SHA512:
    case SignatureScheme::ECDSA_SHA512: return "SHA512";
    case SignatureScheme::ED25519:
    case SignatureScheme::ED448: return nullptr;
  }
  return nullptr;
}

bool key_fits(SignatureScheme s, KeyType t) {
  switch (s) {
    case SignatureScheme::RSA_PKCS1_SHA1:
    case SignatureScheme::RSA_PKCS1_SHA256:
    case SignatureScheme::RSA_PKCS1_SHA384:
    case SignatureScheme::RSA_PKCS1_SHA512: return t == KeyType::Rsa;  // RSA-PSS keys are PSS-only (RFC 4055 1.2)
    case SignatureScheme::RSA_PSS_SHA256:
    case SignatureScheme::RSA_PSS_SHA384:
    case SignatureScheme::RSA_PSS_SHA512: return t == KeyType::Rsa || t == KeyType::RsaPss;
    case SignatureScheme::ECDSA_SHA1:
    case SignatureScheme::ECDSA_SHA256:
    case SignatureScheme::ECDSA_SHA384:
    case SignatureScheme::ECDSA_SHA512: return t == KeyType::Ec;
    case SignatureScheme::ED25519: return t == KeyType::Ed25519;
    case SignatureScheme::ED448: return t == KeyType::Ed448;
  }
  return false;
}

std::string a_key(std::string_view desc) {
  bool vowel = !desc.empty() && std::strchr("AEFHILMNORSXaeiou", desc[0]) != nullptr;
  return std::string(vowel ? "an " : "a ") + std::string(desc);
}

// The ECDSA methods of RFC 4754: curve, hash scheme, width of r and s.
struct EcdsaMethod {
  AuthMethod method;
  const char* curve;
  SignatureScheme scheme;
  std::size_t width;
};
constexpr EcdsaMethod kEcdsaMethods[] = {
    {AuthMethod::ECDSA_SHA256_P256, "P-256", SignatureScheme::ECDSA_SHA256, 32},
    {AuthMethod::ECDSA_SHA384_P384, "P-384", SignatureScheme::ECDSA_SHA384, 48},
    {AuthMethod::ECDSA_SHA512_P521, "P-521", SignatureScheme::ECDSA_SHA512, 66},
};

const EcdsaMethod* ecdsa_method(AuthMethod m) {
  for (const auto& e : kEcdsaMethods)
    if (e.method == m) return &e;
  return nullptr;
}

core::Result<Bytes> der_to_raw(BytesView der, std::size_t width) {
  const unsigned char* p = der.data();
  EcdsaSig sig(d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(der.size())));
  if (!sig) return fail("ECDSA", "", "cannot parse the DER signature: " + ossl_reason());
  const BIGNUM *r = nullptr, *s = nullptr;
  ECDSA_SIG_get0(sig.get(), &r, &s);
  Bytes out(2 * width);
  if (BN_bn2binpad(r, out.data(), static_cast<int>(width)) < 0 ||
      BN_bn2binpad(s, out.data() + width, static_cast<int>(width)) < 0)
    return fail("ECDSA", "", "r or s wider than the curve order");
  return out;
}

core::Result<Bytes> raw_to_der(BytesView raw) {
  std::size_t w = raw.size() / 2;
  EcdsaSig sig(ECDSA_SIG_new());
  BIGNUM* r = BN_bin2bn(raw.data(), static_cast<int>(w), nullptr);
  BIGNUM* s = BN_bin2bn(raw.data() + w, static_cast<int>(w), nullptr);
  if (!sig || !r || !s || !ECDSA_SIG_set0(sig.get(), r, s)) {
    BN_free(r);
    BN_free(s);
    return fail("ECDSA", "", "cannot build the signature: " + ossl_reason());
  }
  int len = i2d_ECDSA_SIG(sig.get(), nullptr);
  if (len <= 0) return fail("ECDSA", "", "cannot encode the signature: " + ossl_reason());
  Bytes out(static_cast<std::size_t>(len));
  unsigned char* p = out.data();
  i2d_ECDSA_SIG(sig.get(), &p);
  return out;
}

// Parameters for EVP_DigestSign/VerifyInit_ex: PKCS#1 v1.5 for RSA keys,
// PSS with MGF1 on the same hash and salt = hash length (RFC 8247).
struct SigParams {
  char pad_pkcs1[8] = "pkcs1";
  char pad_pss[4] = "pss";
  char salt_digest[8] = "digest";
  char mgf[8] = {0};
  OSSL_PARAM list[4];
  const OSSL_PARAM* get(SignatureScheme s, KeyType t) {
    std::size_t n = 0;
    if (is_pss(s)) {
      std::strncpy(mgf, digest_of(s), sizeof(mgf) - 1);
      list[n++] = OSSL_PARAM_construct_utf8_string(OSSL_SIGNATURE_PARAM_PAD_MODE, pad_pss, 0);
      list[n++] = OSSL_PARAM_construct_utf8_string(OSSL_SIGNATURE_PARAM_MGF1_DIGEST, mgf, 0);
      list[n++] = OSSL_PARAM_construct_utf8_string(OSSL_SIGNATURE_PARAM_PSS_SALTLEN, salt_digest, 0);
    } else if (t == KeyType::Rsa) {
      list[n++] = OSSL_PARAM_construct_utf8_string(OSSL_SIGNATURE_PARAM_PAD_MODE, pad_pkcs1, 0);
    }
    list[n] = OSSL_PARAM_construct_end();
    return list;
  }
};

}  // namespace

core::Result<Certificate> KeyAccess::certificate(X509* x, std::string_view source) {
  std::shared_ptr<x509_st> cert(x, X509_free);
  int len = i2d_X509(x, nullptr);
  if (len <= 0) return fail(std::string(source), "", "cannot encode the certificate: " + ossl_reason());
  Certificate c;
  c.der_.resize(static_cast<std::size_t>(len));
  unsigned char* p = c.der_.data();
  i2d_X509(x, &p);
  EVP_PKEY* pub = X509_get_pubkey(x);  // a new reference
  if (!pub) return fail(std::string(source), "", "certificate has an unsupported public key: " + ossl_reason());
  c.public_ = public_key(share(pub));
  c.cert_ = std::move(cert);
  return c;
}

// ---------------------------------------------------------------------------
// Signed octets and PSK

Bytes id_payload_body(const codec::IdPayload& id) {
  Bytes out;
  out.reserve(4 + id.data.size());
  out.push_back(static_cast<uint8_t>(id.id_type));
  out.push_back(static_cast<uint8_t>(id.reserved >> 16));
  out.push_back(static_cast<uint8_t>(id.reserved >> 8));
  out.push_back(static_cast<uint8_t>(id.reserved));
  out.insert(out.end(), id.data.begin(), id.data.end());
  return out;
}

core::Result<Bytes> maced_id(PrfId prf_id, BytesView sk_p, BytesView id_body) {
  auto mac = prf(prf_id, sk_p, id_body);
  if (!mac) return mac.error();
  return mac->reveal();  // a MAC that goes into the signed octets, not a key
}

core::Result<Bytes> signed_octets(PrfId prf_id, BytesView real_message, BytesView peer_nonce, BytesView sk_p,
                                  BytesView id_body) {
  auto mac = maced_id(prf_id, sk_p, id_body);
  if (!mac) return mac.error();
  Bytes out;
  out.reserve(real_message.size() + peer_nonce.size() + mac->size());
  out.insert(out.end(), real_message.begin(), real_message.end());
  out.insert(out.end(), peer_nonce.begin(), peer_nonce.end());
  out.insert(out.end(), mac->begin(), mac->end());
  return out;
}

core::Result<Bytes> psk_auth(PrfId prf_id, const Secret& shared_secret, BytesView octets) {
  auto pad = core::to_bytes(kIkev2KeyPad);
  auto auth = prf_prf(prf_id, shared_secret.view(), pad, octets);
  if (!auth) return auth.error();
  return auth->reveal();  // AUTH is sent on the wire
}

core::Status verify_psk_auth(PrfId prf_id, const Secret& shared_secret, BytesView octets, BytesView auth_data) {
  auto expect = psk_auth(prf_id, shared_secret, octets);
  if (!expect) return expect.error();
  if (expect->size() != auth_data.size() || CRYPTO_memcmp(expect->data(), auth_data.data(), auth_data.size()) != 0)
    return fail("AUTH", "authentication_data",
                "AUTH value does not match (wrong pre-shared key or different signed octets)", kAuthenticationFailed);
  return {};
}

// ---------------------------------------------------------------------------
// SIGNATURE_HASH_ALGORITHMS

Bytes encode_hash_algorithms(std::span<const HashAlgorithm> hashes) {
  Bytes out;
  out.reserve(2 * hashes.size());
  for (HashAlgorithm h : hashes) {
    auto v = static_cast<uint16_t>(h);
    out.push_back(static_cast<uint8_t>(v >> 8));
    out.push_back(static_cast<uint8_t>(v));
  }
  return out;
}

core::Result<std::vector<HashAlgorithm>> parse_hash_algorithms(BytesView data) {
  if (data.size() % 2 != 0)
    return fail("N(SIGNATURE_HASH_ALGORITHMS)", "notification_data",
                "SIGNATURE_HASH_ALGORITHMS data length " + std::to_string(data.size()) + " is odd",
                static_cast<uint16_t>(codec::NotifyType::INVALID_SYNTAX));
  std::vector<HashAlgorithm> out;
  for (std::size_t i = 0; i < data.size(); i += 2)
    out.push_back(static_cast<HashAlgorithm>(static_cast<uint16_t>((data[i] << 8) | data[i + 1])));
  return out;
}

// ---------------------------------------------------------------------------
// Keys

std::string_view key_type_name(KeyType t) {
  switch (t) {
    case KeyType::Rsa: return "RSA";
    case KeyType::RsaPss: return "RSA-PSS";
    case KeyType::Ec: return "EC";
    case KeyType::Ed25519: return "Ed25519";
    case KeyType::Ed448: return "Ed448";
    case KeyType::Dsa: return "DSA";
    case KeyType::Other: return "unknown";
  }
  return "unknown";
}

int PublicKey::bits() const { return key_ ? EVP_PKEY_get_bits(key_.get()) : 0; }
std::string PublicKey::curve() const { return curve_of(key_.get()); }
std::string PublicKey::describe() const { return key_ ? describe_key(key_.get(), type_) : "no key"; }

// The DER SubjectPublicKeyInfo of a key (public half only); empty on failure.
static Bytes spki_of(EVP_PKEY* key) {
  if (!key) return {};
  int len = i2d_PUBKEY(key, nullptr);
  if (len <= 0) {
    ERR_clear_error();
    return {};
  }
  Bytes out(static_cast<std::size_t>(len));
  unsigned char* p = out.data();
  i2d_PUBKEY(key, &p);
  return out;
}

Bytes PublicKey::spki_der() const { return spki_of(key_.get()); }

Bytes PublicKey::spki_sha1() const { return sha1(spki_der()); }

core::Result<PublicKey> PublicKey::load(BytesView data, std::string_view source) {
  EVP_PKEY* pk = nullptr;
  Decoder dctx(OSSL_DECODER_CTX_new_for_pkey(&pk, nullptr, "SubjectPublicKeyInfo", nullptr, EVP_PKEY_PUBLIC_KEY,
                                             nullptr, nullptr));
  const unsigned char* p = data.data();
  std::size_t len = data.size();
  if (!dctx || !OSSL_DECODER_from_data(dctx.get(), &p, &len) || !pk) {
    ERR_clear_error();
    EVP_PKEY_free(pk);
    return fail(std::string(source), "", "neither a PEM nor a DER public key");
  }
  return KeyAccess::public_key(KeyAccess::share(pk));
}

int PrivateKey::bits() const { return key_ ? EVP_PKEY_get_bits(key_.get()) : 0; }
std::string PrivateKey::curve() const { return curve_of(key_.get()); }
std::string PrivateKey::describe() const { return key_ ? describe_key(key_.get(), type_) : "no key"; }

PublicKey PrivateKey::public_key() const {
  // A separate public-only object (through SubjectPublicKeyInfo), so a
  // PublicKey handed to a peer model never carries the private half.
  Bytes der = spki_of(key_.get());
  if (der.empty()) return {};
  const unsigned char* r = der.data();
  EVP_PKEY* pub = d2i_PUBKEY_ex(nullptr, &r, static_cast<long>(der.size()), nullptr, nullptr);
  if (!pub) {
    ERR_clear_error();
    return {};
  }
  return KeyAccess::public_key(KeyAccess::share(pub));
}

bool PrivateKey::matches(const PublicKey& pub) const {
  if (!key_ || !pub.native()) return false;
  int r = EVP_PKEY_eq(key_.get(), pub.native());
  ERR_clear_error();
  return r == 1;
}

Bytes Certificate::subject_der() const {
  const X509_NAME* name = X509_get_subject_name(cert_.get());
  int len = i2d_X509_NAME(name, nullptr);
  if (len <= 0) return {};
  Bytes out(static_cast<std::size_t>(len));
  unsigned char* p = out.data();
  i2d_X509_NAME(name, &p);
  return out;
}

namespace {

std::string bio_text(BIO* bio) {
  char* text = nullptr;
  long n = BIO_get_mem_data(bio, &text);
  return n > 0 ? std::string(text, static_cast<std::size_t>(n)) : std::string();
}

// The one-line text form of a certificate's subject (RFC 2253 order).
std::string subject_text(const X509* x) {
  if (!x) return {};
  Bio bio(BIO_new(BIO_s_mem()));
  if (!bio) return {};
  X509_NAME_print_ex(bio.get(), X509_get_subject_name(x), 0, XN_FLAG_RFC2253);
  return bio_text(bio.get());
}

struct GeneralNamesFree {
  void operator()(GENERAL_NAMES* g) const { GENERAL_NAMES_free(g); }
};
struct NameFree {
  void operator()(X509_NAME* n) const { X509_NAME_free(n); }
};
struct StoreFree {
  void operator()(X509_STORE* s) const { X509_STORE_free(s); }
};
struct StoreCtxFree {
  void operator()(X509_STORE_CTX* c) const { X509_STORE_CTX_free(c); }
};
struct StackFree {
  // The stack does not own its certificates (sk_X509_push takes no reference).
  void operator()(STACK_OF(X509) * s) const { sk_X509_free(s); }
};

// A string for X509_check_host/email: those read an empty length as "use
// strlen" and tolerate a trailing NUL, so the caller refuses empty input and
// any NUL before OpenSSL sees it.
bool usable_name(std::string_view s) { return !s.empty() && s.find('\0') == std::string_view::npos; }

}  // namespace

std::string Certificate::subject() const { return subject_text(cert_.get()); }

std::vector<SubjectAltName> Certificate::subject_alt_names() const {
  std::vector<SubjectAltName> out;
  if (!cert_) return out;
  int crit = 0;
  std::unique_ptr<GENERAL_NAMES, GeneralNamesFree> names(
      static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(cert_.get(), NID_subject_alt_name, &crit, nullptr)));
  ERR_clear_error();
  if (!names) return out;
  for (int i = 0; i < sk_GENERAL_NAME_num(names.get()); ++i) {
    GENERAL_NAME* gn = sk_GENERAL_NAME_value(names.get(), i);
    int kind = 0;
    const auto* value = static_cast<const ASN1_STRING*>(GENERAL_NAME_get0_value(gn, &kind));
    SubjectAltName n;
    switch (kind) {
      case GEN_DNS: n.type = SubjectAltName::Type::Dns; break;
      case GEN_EMAIL: n.type = SubjectAltName::Type::Email; break;
      case GEN_IPADD: n.type = SubjectAltName::Type::Ip; break;
      default: continue;
    }
    if (!value) continue;
    const unsigned char* data = ASN1_STRING_get0_data(value);
    n.value.assign(data, data + ASN1_STRING_length(value));
    if (Bio bio(BIO_new(BIO_s_mem())); bio && GENERAL_NAME_print(bio.get(), gn) > 0) n.text = bio_text(bio.get());
    out.push_back(std::move(n));
  }
  return out;
}

bool Certificate::subject_matches(BytesView name_der) const {
  if (!cert_ || name_der.empty()) return false;
  const unsigned char* p = name_der.data();
  std::unique_ptr<X509_NAME, NameFree> name(d2i_X509_NAME(nullptr, &p, static_cast<long>(name_der.size())));
  bool whole = name && p == name_der.data() + name_der.size();
  bool same = whole && X509_NAME_cmp(name.get(), X509_get_subject_name(cert_.get())) == 0;
  ERR_clear_error();
  return same;
}

bool Certificate::names_dns(std::string_view name) const {
  if (!cert_ || !usable_name(name) || name.front() == '.') return false;
  const std::string chk(name);
  int r = X509_check_host(cert_.get(), chk.c_str(), chk.size(),
                          X509_CHECK_FLAG_NEVER_CHECK_SUBJECT | X509_CHECK_FLAG_NO_WILDCARDS, nullptr);
  ERR_clear_error();
  return r == 1;
}

bool Certificate::names_email(std::string_view address) const {
  if (!cert_ || !usable_name(address)) return false;
  const std::string chk(address);
  int r = X509_check_email(cert_.get(), chk.c_str(), chk.size(), X509_CHECK_FLAG_NEVER_CHECK_SUBJECT);
  ERR_clear_error();
  return r == 1;
}

bool Certificate::names_ip(BytesView address) const {
  if (!cert_ || (address.size() != 4 && address.size() != 16)) return false;
  int r = X509_check_ip(cert_.get(), address.data(), address.size(), 0);
  ERR_clear_error();
  return r == 1;
}

core::Status verify_certificate_chain(const Certificate& ee, std::span<const Certificate> intermediates,
                                      std::span<const Certificate> trusted, std::optional<std::time_t> at) {
  constexpr const char* kWhere = "certificate chain";
  if (!ee.native()) return fail(kWhere, "", "no certificate to verify", kAuthenticationFailed);
  std::unique_ptr<X509_STORE, StoreFree> store(X509_STORE_new());
  std::unique_ptr<STACK_OF(X509), StackFree> untrusted(sk_X509_new_null());
  std::unique_ptr<X509_STORE_CTX, StoreCtxFree> ctx(X509_STORE_CTX_new());
  bool ok = store && untrusted && ctx;
  for (const auto& t : trusted)
    ok = ok && (!t.native() || X509_STORE_add_cert(store.get(), t.native()) == 1);
  for (const auto& i : intermediates)
    ok = ok && (!i.native() || sk_X509_push(untrusted.get(), i.native()) > 0);
  ok = ok && X509_STORE_CTX_init(ctx.get(), store.get(), ee.native(), untrusted.get()) == 1;
  if (!ok) return fail(kWhere, "", "cannot set up path validation: " + ossl_reason(), kAuthenticationFailed);
  X509_VERIFY_PARAM* param = X509_STORE_CTX_get0_param(ctx.get());
  X509_VERIFY_PARAM_set_flags(param, X509_V_FLAG_PARTIAL_CHAIN);
  X509_VERIFY_PARAM_set_depth(param, kMaxChainIntermediates);
  if (at) X509_VERIFY_PARAM_set_time(param, *at);  // sets X509_V_FLAG_USE_CHECK_TIME
  if (X509_verify_cert(ctx.get()) == 1) {
    ERR_clear_error();
    return {};
  }
  int code = X509_STORE_CTX_get_error(ctx.get());
  int depth = X509_STORE_CTX_get_error_depth(ctx.get());
  const X509* bad = X509_STORE_CTX_get_current_cert(ctx.get());
  if (!bad) bad = ee.native();
  std::string reason = code == X509_V_OK ? ossl_reason() : X509_verify_cert_error_string(code);
  ERR_clear_error();
  std::string position = depth <= 0 ? "depth 0, the end entity"
                                    : "depth " + std::to_string(depth) + " in the chain of " + ee.subject();
  return fail(kWhere, "", "the certificate " + subject_text(bad) + " (" + position + ") is refused: " + reason,
              kAuthenticationFailed);
}

codec::CertPayload Certificate::cert_payload() const {
  codec::CertPayload p;
  p.encoding = codec::CertEncoding::X509_SIGNATURE;
  p.data = der_;
  return p;
}

namespace {

struct PassState {
  const std::optional<Secret>* password;
  bool asked = false;
};

int pass_cb(char* pass, std::size_t pass_size, std::size_t* pass_len, const OSSL_PARAM[], void* arg) {
  auto* st = static_cast<PassState*>(arg);
  st->asked = true;
  if (!st->password->has_value()) return 0;
  const Secret& pw = **st->password;
  if (pw.size() > pass_size) return 0;
  std::memcpy(pass, pw.data(), pw.size());
  *pass_len = pw.size();
  return 1;
}

}  // namespace

core::Result<PrivateKey> load_private_key(BytesView data, const std::optional<Secret>& password,
                                          std::string_view source) {
  const std::string where(source);
  EVP_PKEY* pk = nullptr;
  Decoder dctx(OSSL_DECODER_CTX_new_for_pkey(&pk, nullptr, nullptr, nullptr, EVP_PKEY_KEYPAIR, nullptr, nullptr));
  if (!dctx) return fail(where, "", "decoder setup failed: " + ossl_reason());
  PassState st{&password};
  OSSL_DECODER_CTX_set_passphrase_cb(dctx.get(), pass_cb, &st);
  const unsigned char* p = data.data();
  std::size_t len = data.size();
  int ok = OSSL_DECODER_from_data(dctx.get(), &p, &len);
  ERR_clear_error();
  if (!ok || !pk) {
    EVP_PKEY_free(pk);
    if (st.asked && !password) return fail(where, "", "the private key is encrypted and no password was given");
    if (st.asked) return fail(where, "", "wrong password for the encrypted private key");
    if (looks_like_pem(data)) return fail(where, "", "PEM data holds no private key");
    return fail(where, "", "neither a PEM nor a DER private key");
  }
  return KeyAccess::private_key(pk);
}

core::Result<PrivateKey> load_private_key_file(const std::string& path, const std::optional<Secret>& password) {
  auto data = read_file(path);
  if (!data) return data.error();
  auto key = load_private_key(*data, password, path);
  OPENSSL_cleanse(data->data(), data->size());  // the file may hold an unencrypted key
  return key;
}

core::Result<Certificate> load_certificate(BytesView data, std::string_view source) {
  const std::string where(source);
  if (looks_like_pem(data)) {
    Bio bio(BIO_new_mem_buf(data.data(), static_cast<int>(data.size())));
    X509* x = bio ? PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr) : nullptr;
    if (!x) {
      ERR_clear_error();
      return fail(where, "", "PEM data holds no CERTIFICATE block");
    }
    return KeyAccess::certificate(x, source);
  }
  const unsigned char* p = data.data();
  X509* x = d2i_X509(nullptr, &p, static_cast<long>(data.size()));
  if (!x) {
    ERR_clear_error();
    return fail(where, "", "neither a PEM nor a DER X.509 certificate");
  }
  return KeyAccess::certificate(x, source);
}

core::Result<Certificate> load_certificate_file(const std::string& path) {
  auto data = read_file(path);
  if (!data) return data.error();
  return load_certificate(*data, path);
}

core::Status check_key_matches(const PrivateKey& key, const Certificate& cert) {
  if (!key.matches(cert.public_key()))
    return fail("certificate", "", "private key does not match the certificate's public key");
  return {};
}

core::Result<PrivateKey> generate_private_key(const KeySpec& spec) {
  const char* alg = nullptr;
  switch (spec.type) {
    case KeyType::Rsa: alg = "RSA"; break;
    case KeyType::RsaPss: alg = "RSA-PSS"; break;
    case KeyType::Ec: alg = "EC"; break;
    case KeyType::Ed25519: alg = "ED25519"; break;
    case KeyType::Ed448: alg = "ED448"; break;
    default:
      return fail("key generation", "", std::string("cannot generate ") + a_key(key_type_name(spec.type)) + " key");
  }
  std::size_t bits = static_cast<std::size_t>(spec.rsa_bits);
  std::string curve = spec.curve;
  OSSL_PARAM params[2] = {OSSL_PARAM_construct_end(), OSSL_PARAM_construct_end()};
  if (spec.type == KeyType::Rsa || spec.type == KeyType::RsaPss)
    params[0] = OSSL_PARAM_construct_size_t(OSSL_PKEY_PARAM_RSA_BITS, &bits);
  else if (spec.type == KeyType::Ec)
    params[0] = OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, curve.data(), 0);
  EVP_PKEY* pk = nullptr;
  std::unique_ptr<EVP_PKEY_CTX, void (*)(EVP_PKEY_CTX*)> ctx(EVP_PKEY_CTX_new_from_name(nullptr, alg, nullptr),
                                                             EVP_PKEY_CTX_free);
  if (!ctx || EVP_PKEY_keygen_init(ctx.get()) <= 0 || EVP_PKEY_CTX_set_params(ctx.get(), params) <= 0 ||
      EVP_PKEY_keygen(ctx.get(), &pk) <= 0) {
    EVP_PKEY_free(pk);
    pk = nullptr;
  }
  if (!pk)
    return fail("key generation", "",
                std::string(key_type_name(spec.type)) +
                    (spec.type == KeyType::Ec ? " " + spec.curve : std::string()) + " failed: " + ossl_reason());
  return KeyAccess::private_key(pk);
}

core::Result<Certificate> self_signed_certificate(const PrivateKey& key, std::string_view common_name, int days) {
  X509* x = X509_new();
  if (!x) return fail("certificate", "", "X509_new failed");
  std::unique_ptr<X509, void (*)(X509*)> guard(x, X509_free);
  uint8_t serial[8];
  RAND_bytes(serial, sizeof(serial));
  serial[0] &= 0x7f;  // a positive INTEGER
  BIGNUM* sn = BN_bin2bn(serial, sizeof(serial), nullptr);
  bool ok = sn && X509_set_version(x, 2) && BN_to_ASN1_INTEGER(sn, X509_get_serialNumber(x)) &&
            X509_gmtime_adj(X509_getm_notBefore(x), 0) &&
            X509_gmtime_adj(X509_getm_notAfter(x), static_cast<long>(days) * 24 * 3600) &&
            X509_set_pubkey(x, key.native());
  BN_free(sn);
  X509_NAME* name = X509_get_subject_name(x);
  std::string cn(common_name);
  ok = ok && X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8, reinterpret_cast<const unsigned char*>(cn.c_str()),
                                        -1, -1, 0) &&
       X509_set_issuer_name(x, name);
  const EVP_MD* md = (key.type() == KeyType::Ed25519 || key.type() == KeyType::Ed448) ? nullptr : EVP_sha256();
  ok = ok && X509_sign(x, key.native(), md) > 0;
  if (!ok) return fail("certificate", "", "self-signing failed: " + ossl_reason());
  return KeyAccess::certificate(guard.release(), "certificate");
}

// ---------------------------------------------------------------------------
// Signatures

const SchemeInfo& scheme_info(SignatureScheme s) {
  for (const auto& i : kSchemes)
    if (i.scheme == s) return i;
  return kSchemes[0];  // unreachable for valid enum values
}

std::span<const SchemeInfo> all_schemes() { return kSchemes; }

std::optional<SignatureScheme> scheme_from_algorithm_identifier(BytesView der) {
  for (const auto& i : kSchemes)
    if (std::equal(der.begin(), der.end(), i.algorithm_identifier.begin(), i.algorithm_identifier.end()))
      return i.scheme;
  // RSASSA-PSS without the DEFAULT trailerField, as strict DER encoders
  // (OpenSSL, strongSwan) write it: the A.4.3 form minus "a3 03 02 01 01"
  // with both SEQUENCE lengths 5 shorter.
  for (auto s : {SignatureScheme::RSA_PSS_SHA256, SignatureScheme::RSA_PSS_SHA384, SignatureScheme::RSA_PSS_SHA512}) {
    BytesView full = scheme_info(s).algorithm_identifier;
    Bytes bare(full.begin(), full.end() - 5);
    bare[1] = static_cast<uint8_t>(bare[1] - 5);
    bare[14] = static_cast<uint8_t>(bare[14] - 5);
    if (std::equal(der.begin(), der.end(), bare.begin(), bare.end())) return s;
  }
  return std::nullopt;
}

core::Result<SignatureScheme> choose_scheme(const PrivateKey& key, std::span<const HashAlgorithm> peer_hashes,
                                            bool prefer_pss) {
  if (peer_hashes.empty())
    return fail("DIGITAL_SIGNATURE", "",
                "the peer sent no SIGNATURE_HASH_ALGORITHMS, so auth method 14 cannot be used (RFC 7427 4)");
  auto allowed = [&](HashAlgorithm h) {
    return std::find(peer_hashes.begin(), peer_hashes.end(), h) != peer_hashes.end();
  };
  const HashAlgorithm sha2[] = {HashAlgorithm::SHA2_256, HashAlgorithm::SHA2_384, HashAlgorithm::SHA2_512};
  auto pick = [&](std::initializer_list<std::pair<HashAlgorithm, SignatureScheme>> order)
      -> std::optional<SignatureScheme> {
    for (const auto& [h, s] : order)
      if (allowed(h)) return s;
    return std::nullopt;
  };
  std::optional<SignatureScheme> s;
  switch (key.type()) {
    case KeyType::Rsa:
    case KeyType::RsaPss:
      if (prefer_pss || key.type() == KeyType::RsaPss)
        s = pick({{sha2[0], SignatureScheme::RSA_PSS_SHA256},
                  {sha2[1], SignatureScheme::RSA_PSS_SHA384},
                  {sha2[2], SignatureScheme::RSA_PSS_SHA512}});
      else
        s = pick({{sha2[0], SignatureScheme::RSA_PKCS1_SHA256},
                  {sha2[1], SignatureScheme::RSA_PKCS1_SHA384},
                  {sha2[2], SignatureScheme::RSA_PKCS1_SHA512}});
      break;
    case KeyType::Ec: {
      // The hash of the curve's strength first (as RFC 4754 pairs them).
      std::string c = key.curve();
      if (c == "P-384" && allowed(HashAlgorithm::SHA2_384)) s = SignatureScheme::ECDSA_SHA384;
      else if (c == "P-521" && allowed(HashAlgorithm::SHA2_512)) s = SignatureScheme::ECDSA_SHA512;
      else
        s = pick({{sha2[0], SignatureScheme::ECDSA_SHA256},
                  {sha2[1], SignatureScheme::ECDSA_SHA384},
                  {sha2[2], SignatureScheme::ECDSA_SHA512}});
      break;
    }
    case KeyType::Ed25519:
      if (allowed(HashAlgorithm::IDENTITY)) s = SignatureScheme::ED25519;
      break;
    case KeyType::Ed448:
      if (allowed(HashAlgorithm::IDENTITY)) s = SignatureScheme::ED448;
      break;
    default:
      return fail("DIGITAL_SIGNATURE", "", "DIGITAL_SIGNATURE cannot use " + a_key(key_type_name(key.type())) + " key");
  }
  if (!s) {
    std::string list;
    for (HashAlgorithm h : peer_hashes) list += (list.empty() ? "" : ", ") + codec::label(h);
    return fail("DIGITAL_SIGNATURE", "",
                "no hash in the peer's SIGNATURE_HASH_ALGORITHMS (" + list + ") fits " + a_key(key.describe()) +
                    " key");
  }
  return *s;
}

core::Result<Bytes> sign(SignatureScheme scheme, const PrivateKey& key, BytesView data) {
  const SchemeInfo& info = scheme_info(scheme);
  if (!key.native()) return fail(std::string(info.name), "key", "no private key");
  if (!key_fits(scheme, key.type()))
    return fail(std::string(info.name), "key",
                std::string(info.name) + " cannot use " + a_key(key.describe()) + " key");
  MdCtx mctx(EVP_MD_CTX_new());
  SigParams sp;
  if (!mctx ||
      EVP_DigestSignInit_ex(mctx.get(), nullptr, digest_of(scheme), nullptr, nullptr, key.native(),
                            sp.get(scheme, key.type())) != 1)
    return fail(std::string(info.name), "", "signing setup failed: " + ossl_reason());
  std::size_t len = 0;
  if (EVP_DigestSign(mctx.get(), nullptr, &len, data.data(), data.size()) != 1)
    return fail(std::string(info.name), "", "signing failed: " + ossl_reason());
  Bytes sig(len);
  if (EVP_DigestSign(mctx.get(), sig.data(), &len, data.data(), data.size()) != 1)
    return fail(std::string(info.name), "", "signing failed: " + ossl_reason());
  sig.resize(len);
  return sig;
}

core::Status verify(SignatureScheme scheme, const PublicKey& key, BytesView data, BytesView signature) {
  const SchemeInfo& info = scheme_info(scheme);
  if (!key.native()) return fail(std::string(info.name), "key", "no public key");
  if (!key_fits(scheme, key.type()))
    return fail(std::string(info.name), "key",
                std::string(info.name) + " cannot use " + a_key(key.describe()) + " key");
  MdCtx mctx(EVP_MD_CTX_new());
  SigParams sp;
  if (!mctx ||
      EVP_DigestVerifyInit_ex(mctx.get(), nullptr, digest_of(scheme), nullptr, nullptr, key.native(),
                              sp.get(scheme, key.type())) != 1)
    return fail(std::string(info.name), "", "verification setup failed: " + ossl_reason());
  int r = EVP_DigestVerify(mctx.get(), signature.data(), signature.size(), data.data(), data.size());
  ERR_clear_error();
  if (r != 1) return fail(std::string(info.name), "signature", "bad signature");
  return {};
}

core::Status check_key_for_method(AuthMethod method, KeyType type, std::string_view curve) {
  std::string m = codec::label(method);
  std::string got(key_type_name(type));
  if (type == KeyType::Ec && !curve.empty()) got += " " + std::string(curve);
  switch (method) {
    case AuthMethod::RSA_DIGITAL_SIGNATURE:
      // RFC 7296 3.8: RSASSA-PKCS1-v1_5, which an RSA-PSS-only key refuses.
      if (type != KeyType::Rsa) return fail(m, "key", m + " needs an RSA key, got " + got);
      return {};
    case AuthMethod::ECDSA_SHA256_P256:
    case AuthMethod::ECDSA_SHA384_P384:
    case AuthMethod::ECDSA_SHA512_P521: {
      const EcdsaMethod* e = ecdsa_method(method);
      if (type != KeyType::Ec || curve != e->curve)
        return fail(m, "key", m + " needs an EC " + e->curve + " key, got " + got);
      return {};
    }
    case AuthMethod::DIGITAL_SIGNATURE:
      if (type == KeyType::Dsa || type == KeyType::Other)
        return fail(m, "key", m + " cannot use " + a_key(got) + " key");
      return {};
    case AuthMethod::DSS_DIGITAL_SIGNATURE: return fail(m, "", m + " is not supported");
    default: return fail(m, "", m + " is not a signature method");
  }
}

core::Result<Bytes> sign_auth(AuthMethod method, const PrivateKey& key, BytesView octets,
                              std::optional<SignatureScheme> scheme) {
  if (auto st = check_key_for_method(method, key.type(), key.curve()); !st) return st.error();
  switch (method) {
    case AuthMethod::RSA_DIGITAL_SIGNATURE: return sign(SignatureScheme::RSA_PKCS1_SHA1, key, octets);
    case AuthMethod::ECDSA_SHA256_P256:
    case AuthMethod::ECDSA_SHA384_P384:
    case AuthMethod::ECDSA_SHA512_P521: {
      const EcdsaMethod* e = ecdsa_method(method);
      auto der = sign(e->scheme, key, octets);
      if (!der) return der.error();
      return der_to_raw(*der, e->width);  // RFC 4754 7: r | s, fixed width
    }
    case AuthMethod::DIGITAL_SIGNATURE: {
      if (!scheme)
        return fail("DIGITAL_SIGNATURE", "", "a signature scheme is required (see choose_scheme)");
      const SchemeInfo& info = scheme_info(*scheme);
      auto sig = sign(*scheme, key, octets);
      if (!sig) return sig.error();
      // RFC 7427 3: ASN.1 Length (1 octet) | AlgorithmIdentifier | Signature.
      Bytes out;
      out.reserve(1 + info.algorithm_identifier.size() + sig->size());
      out.push_back(static_cast<uint8_t>(info.algorithm_identifier.size()));
      out.insert(out.end(), info.algorithm_identifier.begin(), info.algorithm_identifier.end());
      out.insert(out.end(), sig->begin(), sig->end());
      return out;
    }
    default: return fail(codec::label(method), "", codec::label(method) + " is not a signature method");
  }
}

core::Result<SignatureScheme> verify_auth(AuthMethod method, const PublicKey& key, BytesView octets,
                                          BytesView auth_data, std::span<const HashAlgorithm> allowed_hashes) {
  std::string m = codec::label(method);
  SignatureScheme scheme;
  BytesView signature = auth_data;
  switch (method) {
    case AuthMethod::RSA_DIGITAL_SIGNATURE:
    case AuthMethod::ECDSA_SHA256_P256:
    case AuthMethod::ECDSA_SHA384_P384:
    case AuthMethod::ECDSA_SHA512_P521: {
      if (auto st = check_key_for_method(method, key.type(), key.curve()); !st)
        return auth_fail("key", st.error().reason);
      if (method == AuthMethod::RSA_DIGITAL_SIGNATURE) {
        scheme = SignatureScheme::RSA_PKCS1_SHA1;
        break;
      }
      const EcdsaMethod* e = ecdsa_method(method);
      if (auth_data.size() != 2 * e->width)
        return auth_fail("auth_data", m + " signature is " + std::to_string(auth_data.size()) + " octets, expected " +
                                          std::to_string(2 * e->width) + " (r | s, RFC 4754 7)");
      auto der = raw_to_der(auth_data);
      if (!der) return auth_fail("auth_data", der.error().reason);
      if (auto st = verify(e->scheme, key, octets, *der); !st)
        return auth_fail("signature", "bad signature (" + m + ")");
      return e->scheme;
    }
    case AuthMethod::DIGITAL_SIGNATURE: {
      if (auth_data.empty()) return auth_fail("auth_data", "AUTH data is empty");
      std::size_t n = auth_data[0];
      if (1 + n > auth_data.size())
        return auth_fail("auth_data", "AlgorithmIdentifier length " + std::to_string(n) + " exceeds the AUTH data (" +
                                          std::to_string(auth_data.size()) + " octets)");
      BytesView algid = auth_data.subspan(1, n);
      auto s = scheme_from_algorithm_identifier(algid);
      if (!s) return auth_fail("algorithm_identifier", "unknown AlgorithmIdentifier " + core::to_hex(algid));
      const SchemeInfo& info = scheme_info(*s);
      if (!allowed_hashes.empty() &&
          std::find(allowed_hashes.begin(), allowed_hashes.end(), info.hash) == allowed_hashes.end())
        return auth_fail("hash_algorithm", "hash " + codec::label(info.hash) + " of " + std::string(info.name) +
                                               " is not in our SIGNATURE_HASH_ALGORITHMS");
      if (key.type() == KeyType::Dsa || key.type() == KeyType::Other || !key_fits(*s, key.type()))
        return auth_fail("key", std::string(info.name) + " does not fit the peer's " + key.describe() + " key");
      scheme = *s;
      signature = auth_data.subspan(1 + n);
      break;
    }
    case AuthMethod::DSS_DIGITAL_SIGNATURE: return auth_fail("auth_method", m + " is not supported");
    default: return auth_fail("auth_method", m + " is not a signature method");
  }
  if (auto st = verify(scheme, key, octets, signature); !st) {
    if (st.error().field == "signature")
      return auth_fail("signature", "bad signature (" + std::string(scheme_info(scheme).name) + ")");
    return auth_fail("key", st.error().reason);
  }
  return scheme;
}

}  // namespace ikeh::crypto
