// SPDX-License-Identifier: Apache-2.0
// IKEv2 authentication (RFC 7296 2.15, 3.8): the signed octets, pre-shared
// key AUTH, and signatures for auth methods 1 (RSA PKCS#1 v1.5 with SHA-1),
// 9-11 (ECDSA, RFC 4754), 14 (Digital Signature, RFC 7427; Ed25519/Ed448 per
// RFC 8420); the SIGNATURE_HASH_ALGORITHMS notify data (RFC 7427 4); loading
// private keys and X.509 certificates, the CERT payload data and the CERTREQ
// CA hash (RFC 7296 3.6, 3.7); certificate path validation and the names a
// certificate carries (RFC 5280 6, 4.2.1.6), done by OpenSSL's X509_STORE
// and X509_check_* functions.
//
// Private keys stay inside OpenSSL (EVP_PKEY) and are never printed; errors
// say what was wrong with a key, never its bytes.
#pragma once

#include <cstdint>
#include <ctime>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "harness/codec/cert_payload.h"
#include "harness/codec/id_payload.h"
#include "harness/codec/registry.h"
#include "harness/core/result.h"
#include "harness/crypto/secret.h"
#include "harness/crypto/transforms.h"

struct evp_pkey_st;  // OpenSSL's EVP_PKEY
struct x509_st;      // OpenSSL's X509

namespace ikeh::crypto {

using codec::AuthMethod;
using codec::HashAlgorithm;

// ---------------------------------------------------------------------------
// Signed octets (RFC 7296 2.15)

// RestOfIDPayload: ID Type | RESERVED (3 octets, as set in `id`) |
// Identification Data -- the IDi/IDr payload body without its generic header.
Bytes id_payload_body(const codec::IdPayload& id);

// MACedIDForI/R = prf(SK_pi/SK_pr, RestOfIDPayload). Errors: those of prf()
// (an unsupported PRF).
core::Result<Bytes> maced_id(PrfId prf, BytesView sk_p, BytesView id_body);

// InitiatorSignedOctets = RealMessage1 | NonceRData | MACedIDForI, and
// ResponderSignedOctets = RealMessage2 | NonceIData | MACedIDForR:
//   real_message  the signer's own IKE_SA_INIT message, from the first octet
//                 of the IKE header (no UDP header, no non-ESP marker); after
//                 a COOKIE or INVALID_KE retry, the final one;
//   peer_nonce    the other side's Nonce Data;
//   sk_p          SK_pi for the initiator, SK_pr for the responder;
//   id_body       id_payload_body() of the signer's own IDi/IDr.
// Errors: those of prf().
core::Result<Bytes> signed_octets(PrfId prf, BytesView real_message, BytesView peer_nonce, BytesView sk_p,
                                  BytesView id_body);

// ---------------------------------------------------------------------------
// Shared Key Message Integrity Code (auth method 2, RFC 7296 2.15)

// "Key Pad for IKEv2": 17 ASCII octets, no terminating NUL.
inline constexpr std::string_view kIkev2KeyPad = "Key Pad for IKEv2";

// AUTH = prf(prf(Shared Secret, "Key Pad for IKEv2"), <SignedOctets>). The
// shared secret is the PSK, or the EAP MSK (RFC 7296 2.16). Errors: those of
// prf().
core::Result<Bytes> psk_auth(PrfId prf, const Secret& shared_secret, BytesView signed_octets);

// Recomputes the AUTH value and compares in constant time. Error on mismatch:
// field "authentication_data", notify AUTHENTICATION_FAILED, reason
// "AUTH value does not match (wrong pre-shared key or different signed
// octets)"; other errors as psk_auth().
core::Status verify_psk_auth(PrfId prf, const Secret& shared_secret, BytesView signed_octets, BytesView auth_data);

// ---------------------------------------------------------------------------
// SIGNATURE_HASH_ALGORITHMS notify data (RFC 7427 4)

// Each value as 2 octets big-endian, in the given order.
Bytes encode_hash_algorithms(std::span<const HashAlgorithm> hashes);

// The inverse; unknown values are kept (the registry enum is open). Error: an
// odd length ("SIGNATURE_HASH_ALGORITHMS data length 5 is odd").
core::Result<std::vector<HashAlgorithm>> parse_hash_algorithms(BytesView data);

// ---------------------------------------------------------------------------
// Keys and certificates

enum class KeyType : uint8_t { Rsa, RsaPss, Ec, Ed25519, Ed448, Dsa, Other };

// "RSA", "RSA-PSS", "EC", "Ed25519", "Ed448", "DSA", "unknown".
std::string_view key_type_name(KeyType t);

// A public key (from a certificate, a SubjectPublicKeyInfo, or a private
// key). Copies share the same OpenSSL object.
class PublicKey {
 public:
  KeyType type() const { return type_; }
  int bits() const;
  // The curve of an EC key ("P-256", "P-384", "P-521", "brainpoolP256r1", ...),
  // empty for other keys.
  std::string curve() const;
  // DER SubjectPublicKeyInfo.
  Bytes spki_der() const;
  // SHA-1 of the DER SubjectPublicKeyInfo: the 20-octet CA value of a CERTREQ
  // payload for X.509 (RFC 7296 3.7).
  Bytes spki_sha1() const;
  // "RSA 2048", "EC P-256", "Ed25519".
  std::string describe() const;
  evp_pkey_st* native() const { return key_.get(); }

  // A PEM "PUBLIC KEY" block or a DER SubjectPublicKeyInfo. Error: "<source>:
  // neither a PEM nor a DER public key".
  static core::Result<PublicKey> load(BytesView data, std::string_view source = "public key");

 private:
  friend struct KeyAccess;  // auth.cc builds these from OpenSSL objects
  std::shared_ptr<evp_pkey_st> key_;
  KeyType type_ = KeyType::Other;
};

class PrivateKey {
 public:
  KeyType type() const { return type_; }
  int bits() const;
  std::string curve() const;
  std::string describe() const;
  // The public half as its own object (empty only if OpenSSL cannot encode
  // the key, which does not happen for the types generate_private_key makes).
  PublicKey public_key() const;
  // True when `pub` is this key's public half.
  bool matches(const PublicKey& pub) const;
  evp_pkey_st* native() const { return key_.get(); }

 private:
  friend struct KeyAccess;
  std::shared_ptr<evp_pkey_st> key_;
  KeyType type_ = KeyType::Other;
};

// One subjectAltName entry of the forms IKE identities name (RFC 5280
// 4.2.1.6, RFC 4945 3.1): dNSName, rfc822Name, iPAddress.
struct SubjectAltName {
  enum class Type : uint8_t { Dns, Email, Ip };
  Type type = Type::Dns;
  // Dns and Email: the IA5String octets as encoded; Ip: the address octets
  // (4 or 16 in a well-formed certificate, kept as encoded otherwise).
  Bytes value;
  // OpenSSL's printed form: "DNS:gw.example", "email:a@example.org",
  // "IP Address:192.0.2.1".
  std::string text;
  bool operator==(const SubjectAltName&) const = default;
};

class Certificate {
 public:
  // The X.509 DER encoding: the Certificate Data of a CERT payload with
  // encoding X509_SIGNATURE (4) (RFC 7296 3.6).
  const Bytes& der() const { return der_; }
  PublicKey public_key() const { return public_; }
  // DER of the subject Name (for ID_DER_ASN1_DN identities) and a one-line
  // text form ("CN=gw.example, O=Example").
  Bytes subject_der() const;
  std::string subject() const;
  // The dNSName, rfc822Name and iPAddress entries of the subjectAltName
  // extension (through X509_get_ext_d2i), in certificate order; other
  // GeneralName forms are left out. Empty when the extension is absent,
  // repeated or does not decode.
  std::vector<SubjectAltName> subject_alt_names() const;
  // Whether `name_der`, a DER Name such as the data of an ID_DER_ASN1_DN
  // identity (RFC 7296 3.5), is this certificate's subject. It must decode
  // as a Name with nothing after it; the comparison is X509_NAME_cmp, which
  // is more tolerant than byte equality on purpose (RFC 5280 7.1 in spirit,
  // as strongSwan matches DNs): each attribute value is compared in OpenSSL's
  // canonical form (string types converted to UTF-8, ASCII case folded,
  // leading, trailing and repeated white space dropped), so a peer that
  // re-encodes its DN as PrintableString or in another case still matches,
  // while the attributes, their order and their grouping into RDNs must be
  // the same.
  bool subject_matches(BytesView name_der) const;
  // Whether the subjectAltName names this identity, decided by OpenSSL's
  // X509_check_host / X509_check_email / X509_check_ip; the subject Name is
  // never consulted (no CN or emailAddress fallback):
  //   names_dns    a dNSName equal to `name`, ASCII case ignored, with no
  //                wildcard expansion (an entry "*.example" names only the
  //                literal "*.example"). False for an empty name, one holding
  //                a NUL, or one starting with "." (OpenSSL would read that
  //                as "any subdomain of").
  //   names_email  an rfc822Name equal to `address`: the domain part with
  //                ASCII case ignored, the local part exactly (RFC 5280
  //                4.2.1.6). False for an empty address or one with a NUL.
  //   names_ip     an iPAddress entry of exactly these octets (4 or 16).
  bool names_dns(std::string_view name) const;
  bool names_email(std::string_view address) const;
  bool names_ip(BytesView address) const;
  // SHA-1 of the certificate's SubjectPublicKeyInfo (the CERTREQ CA hash when
  // this certificate is a CA, RFC 7296 3.7).
  Bytes spki_sha1() const { return public_.spki_sha1(); }
  // CERT payload carrying this certificate (encoding X509_SIGNATURE).
  codec::CertPayload cert_payload() const;
  x509_st* native() const { return cert_.get(); }

 private:
  friend struct KeyAccess;
  std::shared_ptr<x509_st> cert_;
  Bytes der_;
  PublicKey public_;
};

// A private key in PEM (PKCS#8, traditional, or encrypted PKCS#8 /
// traditional PEM encryption) or DER (PKCS#8, encrypted PKCS#8, traditional
// RSA/EC). `source` names the input in errors (a path, "private key").
// Errors, each prefixed with "<source>: ":
//   "the private key is encrypted and no password was given"
//   "wrong password for the encrypted private key"
//   "PEM data holds no private key" (e.g. a certificate or public key)
//   "neither a PEM nor a DER private key"
core::Result<PrivateKey> load_private_key(BytesView data, const std::optional<Secret>& password = std::nullopt,
                                          std::string_view source = "private key");
// The same from a file; an unreadable file is "<path>: cannot read: <why>".
core::Result<PrivateKey> load_private_key_file(const std::string& path,
                                               const std::optional<Secret>& password = std::nullopt);

// One X.509 certificate, PEM ("CERTIFICATE" block; the first one if there are
// several) or DER. Errors: "<source>: neither a PEM nor a DER X.509
// certificate", "<source>: PEM data holds no CERTIFICATE block".
core::Result<Certificate> load_certificate(BytesView data, std::string_view source = "certificate");
core::Result<Certificate> load_certificate_file(const std::string& path);

// Error "private key does not match the certificate's public key" unless the
// key is the certificate's.
core::Status check_key_matches(const PrivateKey& key, const Certificate& cert);

// The longest path verify_certificate_chain() accepts below the trust
// anchor: the end entity and this many intermediate CA certificates (RFC
// 7296 3.6 puts no bound on a chain; seven intermediates cover every real
// PKI and stop a peer from making us walk a long list).
inline constexpr int kMaxChainIntermediates = 7;

// RFC 5280 6 path validation by OpenSSL (X509_STORE, X509_verify_cert):
// `ee` must chain to one of `trusted` (the trust anchors) through
// `intermediates` (untrusted, in any order, unused ones ignored). OpenSSL
// checks each issuer's name and signature, that every issuer is a CA
// (basicConstraints cA, keyUsage keyCertSign when present), path length
// constraints, name constraints, the validity dates of every certificate at
// `at` (now when unset), and at most kMaxChainIntermediates intermediates.
// X509_V_FLAG_PARTIAL_CHAIN is set, so a trust anchor need not be
// self-signed: an intermediate CA, or the end-entity certificate itself,
// listed in `trusted` is accepted as is (its dates are still checked). Not
// checked: revocation, certificate policies, extended key usage. Error,
// where "certificate chain", notify AUTHENTICATION_FAILED, with OpenSSL's
// reason (X509_verify_cert_error_string) and the failing certificate:
// "the certificate O=Example, CN=gw (depth 0, the end entity) is refused:
// certificate has expired", "the certificate CN=Sub CA (depth 1 in the chain
// of CN=gw) is refused: unable to get local issuer certificate"; an empty
// `ee` is "no certificate to verify".
core::Status verify_certificate_chain(const Certificate& ee, std::span<const Certificate> intermediates,
                                      std::span<const Certificate> trusted,
                                      std::optional<std::time_t> at = std::nullopt);

// Fresh keys and self-signed certificates, for self mode and tests.
struct KeySpec {
  KeyType type = KeyType::Ec;
  int rsa_bits = 2048;          // Rsa, RsaPss
  std::string curve = "P-256";  // Ec: P-256, P-384, P-521 or an OpenSSL curve name
};
// Errors: an unsupported type or curve, OpenSSL failures.
core::Result<PrivateKey> generate_private_key(const KeySpec& spec);
// A v3 certificate for `key` with subject and issuer CN=<common_name>, valid
// from now for `days`, signed by itself (SHA-256, or the key's own scheme for
// Ed25519/Ed448).
core::Result<Certificate> self_signed_certificate(const PrivateKey& key, std::string_view common_name,
                                                  int days = 365);

// ---------------------------------------------------------------------------
// Signatures

// The signature algorithms of auth method 14 (RFC 7427 Appendix A; RSA-PSS
// with SHA-384/512 and salt = hash length per RFC 8247; EdDSA per
// RFC 8420). Methods 1 and 9-11 use RSA_PKCS1_SHA1 and ECDSA_SHA256/384/512
// with their own encodings.
enum class SignatureScheme : uint8_t {
  RSA_PKCS1_SHA1,
  RSA_PKCS1_SHA256,
  RSA_PKCS1_SHA384,
  RSA_PKCS1_SHA512,
  RSA_PSS_SHA256,
  RSA_PSS_SHA384,
  RSA_PSS_SHA512,
  ECDSA_SHA1,
  ECDSA_SHA256,
  ECDSA_SHA384,
  ECDSA_SHA512,
  ED25519,
  ED448,
};

struct SchemeInfo {
  SignatureScheme scheme;
  std::string_view name;  // "sha256WithRSAEncryption", "RSASSA-PSS-SHA256", ...
  HashAlgorithm hash;     // the RFC 7427 4 value to look for in the peer's list
  // The DER AlgorithmIdentifier sent in AUTH data (RFC 7427 A; for RSA-PSS
  // with the explicit trailerField as printed in A.4.3).
  BytesView algorithm_identifier;
};

const SchemeInfo& scheme_info(SignatureScheme s);
std::span<const SchemeInfo> all_schemes();

// The scheme of a received AlgorithmIdentifier, by exact DER bytes. RSA-PSS is
// recognised with or without the default trailerField. nullopt when unknown.
std::optional<SignatureScheme> scheme_from_algorithm_identifier(BytesView der);

// A scheme for method 14 that the key can produce and the peer allows
// (`peer_hashes`: its SIGNATURE_HASH_ALGORITHMS). RSA uses PKCS#1 v1.5 unless
// prefer_pss (RSA-PSS keys always use PSS); EC prefers the hash matching the
// curve size; Ed25519/Ed448 need IDENTITY. Errors: an empty peer list (RFC
// 7427 4: method 14 needs the notify), no common hash, an unsupported key.
core::Result<SignatureScheme> choose_scheme(const PrivateKey& key, std::span<const HashAlgorithm> peer_hashes,
                                            bool prefer_pss = false);

// Plain signature over `data` (ECDSA as DER Ecdsa-Sig-Value). Errors: the
// key type does not fit the scheme ("RSA_PSS_SHA256 cannot use an EC key"),
// OpenSSL failures.
core::Result<Bytes> sign(SignatureScheme scheme, const PrivateKey& key, BytesView data);
// Error "bad signature" (field "signature") when it does not verify; key
// mismatch errors as sign().
core::Status verify(SignatureScheme scheme, const PublicKey& key, BytesView data, BytesView signature);

// Whether `method` can sign with this key. Errors:
//   "RSA_DIGITAL_SIGNATURE needs an RSA key, got Ed25519"
//   "ECDSA_SHA256_P256 needs an EC P-256 key, got EC P-384"
//   "DIGITAL_SIGNATURE cannot use a DSA key"
//   "SHARED_KEY_MIC is not a signature method" (also NULL_AUTH and the like)
//   "DSS_DIGITAL_SIGNATURE is not supported"
core::Status check_key_for_method(AuthMethod method, KeyType type, std::string_view curve);

// Authentication Data of the AUTH payload for a signature method:
//   RSA_DIGITAL_SIGNATURE   PKCS#1 v1.5 over SHA-1 (RFC 7296 3.8)
//   ECDSA_SHA*_P*           r | s, each padded to the curve's order length
//                           (RFC 4754 7), with the method's hash and curve
//   DIGITAL_SIGNATURE       length of the AlgorithmIdentifier (1 octet) |
//                           AlgorithmIdentifier | signature (RFC 7427 3);
//                           `scheme` picks the algorithm and is required
// Errors: as check_key_for_method(), a missing or unfitting scheme, OpenSSL.
core::Result<Bytes> sign_auth(AuthMethod method, const PrivateKey& key, BytesView signed_octets,
                              std::optional<SignatureScheme> scheme = std::nullopt);

// Verifies AUTH data for a signature method with the peer's public key.
// allowed_hashes: for method 14, the hashes this side announced in its
// SIGNATURE_HASH_ALGORITHMS (empty: any). On success the scheme used. Errors
// carry notify AUTHENTICATION_FAILED and name the failing step in `field`:
//   "auth_data"             malformed (too short, length octet beyond data,
//                           r|s of the wrong length)
//   "algorithm_identifier"  unknown AlgorithmIdentifier (reason shows its hex)
//   "hash_algorithm"        hash not in allowed_hashes
//   "key"                   the method or scheme does not fit the key
//   "signature"             the signature does not verify (reason "bad
//                           signature (<scheme or method>)")
//   "auth_method"           not a signature method, or DSS (unsupported)
core::Result<SignatureScheme> verify_auth(AuthMethod method, const PublicKey& key, BytesView signed_octets,
                                          BytesView auth_data, std::span<const HashAlgorithm> allowed_hashes = {});

}  // namespace ikeh::crypto
