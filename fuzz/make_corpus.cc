// SPDX-License-Identifier: Apache-2.0
// Builds the seed corpora in fuzz/corpus/<target>/ from messages our own
// encoder produces, so seeds never come from GPL captures and regenerate
// byte for byte. Every payload type appears, with the variants a parser
// branches on (TV and TLV attributes, every ID type, IPv4 and IPv6 selectors,
// zero-length and private configuration attributes, critical unknown payloads).
//
//   make_corpus OUT_DIR     writes OUT_DIR/<target>/<seed name>
//   make_corpus --check DIR exits 1 unless DIR holds exactly these seeds, apart
//                           from regress-* files (minimised fuzzer findings,
//                           added by hand and kept as regression inputs)
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "harness/codec/message.h"

namespace fs = std::filesystem;
using namespace ikeh::codec;

namespace {

using E = ExchangeType;
using P = PayloadType;
using N = NotifyType;

constexpr uint64_t kSpiI = 0x1122334455667788ULL;
constexpr uint64_t kSpiR = 0x99aabbccddeeff00ULL;

// Deterministic filler: distinct, recognisable bytes without any randomness.
Bytes pattern(std::size_t n, uint8_t seed) {
  Bytes b(n);
  for (std::size_t i = 0; i < n; ++i) b[i] = static_cast<uint8_t>(seed + i * 7);
  return b;
}
Bytes text(std::string_view s) { return Bytes(s.begin(), s.end()); }
Bytes be16(uint16_t v) { return Bytes{static_cast<uint8_t>(v >> 8), static_cast<uint8_t>(v)}; }
Bytes be32(uint32_t v) {
  return Bytes{static_cast<uint8_t>(v >> 24), static_cast<uint8_t>(v >> 16), static_cast<uint8_t>(v >> 8),
               static_cast<uint8_t>(v)};
}
Bytes cat(std::initializer_list<Bytes> parts) {
  Bytes out;
  for (const auto& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

Transform tf(TransformType t, uint16_t id) { return Transform(t, id); }
Transform tf_key(TransformType t, uint16_t id, uint16_t bits) { return Transform(t, id, bits); }
TransformAttribute tlv(uint16_t type, Bytes data) {
  TransformAttribute a;
  a.tv = false;
  a.type = type;
  a.data = std::move(data);
  return a;
}

Proposal proposal(ProtocolId proto, Bytes spi, std::vector<Transform> ts) {
  Proposal p;
  p.protocol_id = proto;
  p.spi = std::move(spi);
  p.transforms = std::move(ts);
  return p;
}

uint16_t u(auto v) { return static_cast<uint16_t>(v); }

Payload sa_ike() {
  using T = TransformType;
  SaPayload sa;
  sa.proposals.push_back(proposal(ProtocolId::IKE, {},
                                  {tf_key(T::ENCR, u(EncrId::ENCR_AES_CBC), 256),
                                   tf_key(T::ENCR, u(EncrId::ENCR_AES_CBC), 128), tf(T::PRF, u(PrfId::PRF_HMAC_SHA2_256)),
                                   tf(T::INTEG, u(IntegId::AUTH_HMAC_SHA2_256_128)), tf(T::DH, u(DhGroup::ECP_256)),
                                   tf(T::DH, u(DhGroup::MODP_2048))}));
  sa.proposals.push_back(proposal(ProtocolId::IKE, {},
                                  {tf_key(T::ENCR, u(EncrId::ENCR_AES_GCM_16), 256),
                                   tf(T::PRF, u(PrfId::PRF_HMAC_SHA2_384)), tf(T::DH, u(DhGroup::CURVE25519)),
                                   tf(T::ADDKE1, u(DhGroup::ML_KEM_768))}));
  // A transform with a TLV attribute (AF=0) and an unknown TV attribute.
  Transform odd = tf(T::ENCR, u(EncrId::ENCR_CHACHA20_POLY1305));
  odd.attributes.push_back(tlv(0x4001, pattern(6, 0x31)));
  odd.attributes.push_back(TransformAttribute{true, 0x4002, 0x0102, {}, {}});
  odd.attributes.push_back(tlv(0x4003, {}));
  sa.proposals.push_back(proposal(ProtocolId::IKE, {}, {odd, tf(T::PRF, u(PrfId::PRF_HMAC_SHA2_512)),
                                                        tf(T::DH, u(DhGroup::ECP_384))}));
  return Payload(P::SA, sa);
}

Payload sa_esp(Bytes spi) {
  using T = TransformType;
  SaPayload sa;
  sa.proposals.push_back(proposal(ProtocolId::ESP, spi,
                                  {tf_key(T::ENCR, u(EncrId::ENCR_AES_GCM_16), 128), tf(T::ESN, u(EsnId::NO_ESN)),
                                   tf(T::ESN, u(EsnId::ESN))}));
  sa.proposals.push_back(proposal(ProtocolId::ESP, spi,
                                  {tf_key(T::ENCR, u(EncrId::ENCR_AES_CBC), 256),
                                   tf(T::INTEG, u(IntegId::AUTH_HMAC_SHA1_96)), tf(T::DH, u(DhGroup::MODP_2048)),
                                   tf(T::ESN, u(EsnId::NO_ESN))}));
  sa.proposals.push_back(proposal(ProtocolId::AH, spi, {tf(T::INTEG, u(IntegId::AUTH_HMAC_SHA2_512_256))}));
  return Payload(P::SA, sa);
}

Payload ke(DhGroup g, std::size_t n) {
  KePayload k;
  k.group = g;
  k.data = pattern(n, static_cast<uint8_t>(g));
  return Payload(P::KE, k);
}

Payload id(P which, IdType t, Bytes data) {
  IdPayload i;
  i.id_type = t;
  i.data = std::move(data);
  return Payload(which, i);
}

Payload cert(CertEncoding e, Bytes data) {
  CertPayload c;
  c.encoding = e;
  c.data = std::move(data);
  return Payload(P::CERT, c);
}

Payload certreq(CertEncoding e, Bytes data) {
  CertReqPayload c;
  c.encoding = e;
  c.data = std::move(data);
  return Payload(P::CERTREQ, c);
}

Payload auth(AuthMethod m, Bytes data) {
  AuthPayload a;
  a.method = m;
  a.data = std::move(data);
  return Payload(P::AUTH, a);
}

Payload notify(N t, Bytes data = {}) { return make_notify(t, std::move(data)); }

TrafficSelector ts4(uint8_t proto, uint16_t p0, uint16_t p1, Bytes a0, Bytes a1) {
  TrafficSelector s;
  s.ts_type = TsType::TS_IPV4_ADDR_RANGE;
  s.ip_protocol_id = proto;
  s.start_port = p0;
  s.end_port = p1;
  s.start_address = std::move(a0);
  s.end_address = std::move(a1);
  return s;
}
TrafficSelector ts6(uint8_t proto, uint16_t p0, uint16_t p1, uint8_t last0, uint8_t last1) {
  TrafficSelector s;
  s.ts_type = TsType::TS_IPV6_ADDR_RANGE;
  s.ip_protocol_id = proto;
  s.start_port = p0;
  s.end_port = p1;
  s.start_address = cat({Bytes{0x20, 0x01, 0x0d, 0xb8}, Bytes(11, 0), Bytes{last0}});
  s.end_address = cat({Bytes{0x20, 0x01, 0x0d, 0xb8}, Bytes(11, 0), Bytes{last1}});
  return s;
}

Payload ts(P which, std::vector<TrafficSelector> sel) {
  TsPayload t;
  t.selectors = std::move(sel);
  return Payload(which, t);
}

CfgAttribute attr(CfgAttributeType t, Bytes v = {}) { return CfgAttribute(t, std::move(v)); }

Payload cp(CfgType type, std::vector<CfgAttribute> attrs) {
  CpPayload c;
  c.cfg_type = type;
  c.attributes = std::move(attrs);
  return Payload(P::CP, c);
}

Payload del(ProtocolId proto, std::vector<Bytes> spis) {
  DeletePayload d;
  d.protocol_id = proto;
  d.spis = std::move(spis);
  return Payload(P::D, d);
}

Payload eap(Bytes msg) { return Payload(P::EAP, EapPayload{std::move(msg)}); }

Payload sk(P inner, std::size_t n) {
  SkPayload s;
  s.inner_next = inner;
  s.data = pattern(n, 0x5a);
  return Payload(P::SK, s);
}

Payload skf(P inner, uint16_t number, uint16_t total, std::size_t n) {
  SkfPayload s;
  s.inner_next = inner;
  s.fragment_number = number;
  s.total_fragments = total;
  s.data = pattern(n, static_cast<uint8_t>(0x60 + number));
  return Payload(P::SKF, s);
}

Payload unknown(uint8_t type, bool critical, Bytes data) {
  Payload p(static_cast<P>(type), UnknownPayload{std::move(data)});
  p.critical = critical;
  return p;
}

const Bytes kIp4a{192, 0, 2, 10};
const Bytes kIp4b{198, 51, 100, 20};

struct Seed {
  std::string name;
  Message message;
};

// The messages every corpus is derived from. Messages of the protected
// exchanges appear twice: as sent (SK last) and as the plaintext chain after
// decryption, which the codec decodes and verify_inner() checks.
std::vector<Seed> messages() {
  std::vector<Seed> s;
  const uint8_t I = flags::kInitiator, R = flags::kResponse;
  auto add = [&](std::string name, E x, uint8_t f, uint32_t mid, uint64_t spi_r, std::vector<Payload> ps) {
    s.push_back({std::move(name), make_message(x, f, mid, kSpiI, spi_r, std::move(ps))});
  };

  add("ike_sa_init-request", E::IKE_SA_INIT, I, 0, 0,
      {sa_ike(), ke(DhGroup::ECP_256, 64), make_nonce(pattern(32, 1)),
       notify(N::NAT_DETECTION_SOURCE_IP, pattern(20, 2)), notify(N::NAT_DETECTION_DESTINATION_IP, pattern(20, 3)),
       notify(N::IKEV2_FRAGMENTATION_SUPPORTED), notify(N::SIGNATURE_HASH_ALGORITHMS, cat({be16(2), be16(3), be16(4)})),
       notify(N::REDIRECT_SUPPORTED), notify(N::INTERMEDIATE_EXCHANGE_SUPPORTED),
       make_vendor_id(text("\x88\x2f\xe5\x6d\x6f\xd2\x0d\xbc\x22\x75\xa5\xa1\x8e\x7f\x4f\x4e")),
       make_vendor_id(text("FLEXVPN-SUPPORTED"))});
  add("ike_sa_init-response", E::IKE_SA_INIT, R, 0, kSpiR,
      {sa_ike(), ke(DhGroup::ECP_256, 64), make_nonce(pattern(32, 4)),
       notify(N::NAT_DETECTION_SOURCE_IP, pattern(20, 5)), notify(N::NAT_DETECTION_DESTINATION_IP, pattern(20, 6)),
       certreq(CertEncoding::X509_SIGNATURE, cat({pattern(20, 7), pattern(20, 8)})),
       notify(N::MULTIPLE_AUTH_SUPPORTED), notify(N::CHILDLESS_IKEV2_SUPPORTED)});
  add("ike_sa_init-cookie-response", E::IKE_SA_INIT, R, 0, 0, {notify(N::COOKIE, pattern(24, 9))});
  add("ike_sa_init-cookie-request", E::IKE_SA_INIT, I, 0, 0,
      {notify(N::COOKIE, pattern(24, 9)), sa_ike(), ke(DhGroup::MODP_2048, 256), make_nonce(pattern(16, 10))});
  add("ike_sa_init-invalid-ke", E::IKE_SA_INIT, R, 0, 0, {notify(N::INVALID_KE_PAYLOAD, be16(19))});
  add("ike_sa_init-no-proposal", E::IKE_SA_INIT, R, 0, 0, {notify(N::NO_PROPOSAL_CHOSEN)});
  add("ike_sa_init-redirect", E::IKE_SA_INIT, R, 0, 0,
      {notify(N::REDIRECT, cat({Bytes{1, 4}, kIp4b, pattern(8, 11)}))});
  add("ike_sa_init-unknown-payloads", E::IKE_SA_INIT, I, 0, 0,
      {sa_ike(), ke(DhGroup::CURVE25519, 32), make_nonce(pattern(32, 12)), unknown(0x37, false, pattern(5, 13)),
       unknown(0xc8, false, {})});
  add("ike_sa_init-unknown-critical", E::IKE_SA_INIT, I, 0, 0,
      {sa_ike(), unknown(0x37, true, pattern(9, 14)), ke(DhGroup::CURVE25519, 32), make_nonce(pattern(32, 15))});

  // IKE_AUTH as sent, then in the clear.
  add("ike_auth-request-sk", E::IKE_AUTH, I, 1, kSpiR, {sk(P::IDi, 16 + 96 + 16)});
  add("ike_auth-response-sk", E::IKE_AUTH, R, 1, kSpiR, {sk(P::IDr, 16 + 80 + 16)});
  add("ike_auth-request-skf-1of3", E::IKE_AUTH, I, 1, kSpiR, {skf(P::IDi, 1, 3, 64)});
  add("ike_auth-request-skf-2of3", E::IKE_AUTH, I, 1, kSpiR, {skf(P::NONE, 2, 3, 64)});
  add("ike_auth-request-skf-3of3", E::IKE_AUTH, I, 1, kSpiR,
      {make_vendor_id(text("CISCO-DELETE-REASON")), skf(P::NONE, 3, 3, 24)});
  add("ike_auth-request-plain-psk", E::IKE_AUTH, I, 1, kSpiR,
      {id(P::IDi, IdType::ID_FQDN, text("client.example.org")), notify(N::INITIAL_CONTACT),
       id(P::IDr, IdType::ID_IPV4_ADDR, kIp4b), auth(AuthMethod::SHARED_KEY_MIC, pattern(32, 16)),
       cp(CfgType::CFG_REQUEST,
          {attr(CfgAttributeType::INTERNAL_IP4_ADDRESS), attr(CfgAttributeType::INTERNAL_IP4_DNS),
           attr(CfgAttributeType::INTERNAL_IP6_ADDRESS), attr(CfgAttributeType::INTERNAL_IP6_DNS),
           attr(CfgAttributeType::APPLICATION_VERSION, text("ikeharness 0.1")),
           attr(static_cast<CfgAttributeType>(16384 + 5), pattern(3, 17)),
           attr(static_cast<CfgAttributeType>(28681))}),
       sa_esp(be32(0xc0ffee01)), ts(P::TSi, {ts4(0, 0, 65535, Bytes{0, 0, 0, 0}, Bytes{255, 255, 255, 255})}),
       ts(P::TSr, {ts4(0, 0, 65535, Bytes{10, 0, 0, 0}, Bytes{10, 255, 255, 255}), ts6(0, 0, 65535, 0, 0xff)}),
       notify(N::USE_TRANSPORT_MODE), notify(N::ESP_TFC_PADDING_NOT_SUPPORTED), notify(N::NON_FIRST_FRAGMENTS_ALSO),
       notify(N::MOBIKE_SUPPORTED), notify(N::SET_WINDOW_SIZE, be32(4))});
  add("ike_auth-response-plain-psk", E::IKE_AUTH, R, 1, kSpiR,
      {id(P::IDr, IdType::ID_IPV4_ADDR, kIp4b), auth(AuthMethod::SHARED_KEY_MIC, pattern(32, 18)),
       cp(CfgType::CFG_REPLY,
          {attr(CfgAttributeType::INTERNAL_IP4_ADDRESS, Bytes{10, 1, 0, 2}),
           attr(CfgAttributeType::INTERNAL_IP4_NETMASK, Bytes{255, 255, 255, 0}),
           attr(CfgAttributeType::INTERNAL_IP4_DNS, Bytes{10, 1, 0, 1}),
           attr(CfgAttributeType::INTERNAL_IP4_SUBNET, Bytes{10, 1, 0, 0, 255, 255, 0, 0}),
           attr(CfgAttributeType::INTERNAL_IP6_ADDRESS, cat({ts6(0, 0, 0, 5, 5).start_address, Bytes{64}})),
           attr(CfgAttributeType::INTERNAL_DNS_DOMAIN, text("example.org")),
           attr(CfgAttributeType::SUPPORTED_ATTRIBUTES, cat({be16(1), be16(3), be16(25)})),
           attr(static_cast<CfgAttributeType>(16384 + 5), pattern(12, 19))}),
       sa_esp(be32(0xc0ffee02)), ts(P::TSi, {ts4(17, 500, 500, kIp4a, kIp4a), ts4(6, 1024, 65535, kIp4a, kIp4a)}),
       ts(P::TSr, {ts4(0, 0, 65535, Bytes{10, 0, 0, 0}, Bytes{10, 255, 255, 255})}),
       notify(N::AUTH_LIFETIME, be32(86400)), notify(N::ADDITIONAL_TS_POSSIBLE),
       notify(N::IPCOMP_SUPPORTED, Bytes{0x12, 0x34, 2})});
  add("ike_auth-request-plain-certs", E::IKE_AUTH, I, 1, kSpiR,
      {id(P::IDi, IdType::ID_DER_ASN1_DN, cat({Bytes{0x30, 0x1a, 0x31, 0x18, 0x30, 0x16, 0x06, 0x03, 0x55, 0x04, 0x03, 0x0c, 0x0f},
                                               text("ikeharness test")})),
       cert(CertEncoding::X509_SIGNATURE, cat({Bytes{0x30, 0x82, 0x00, 0x40}, pattern(64, 20)})),
       cert(CertEncoding::HASH_URL_X509_CERT, cat({pattern(20, 21), text("http://ca.example.org/c.der")})),
       certreq(CertEncoding::X509_SIGNATURE, pattern(20, 22)), notify(N::HTTP_CERT_LOOKUP_SUPPORTED),
       id(P::IDr, IdType::ID_DER_ASN1_GN, Bytes{0x82, 0x0b, 'e', 'x', 'a', 'm', 'p', 'l', 'e', '.', 'o', 'r', 'g'}),
       auth(AuthMethod::DIGITAL_SIGNATURE,
            cat({Bytes{0x0f, 0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0b, 0x05, 0x00},
                 pattern(64, 23)})),
       sa_esp(be32(0xc0ffee03)), ts(P::TSi, {ts6(58, 0, 65535, 1, 1)}), ts(P::TSr, {ts6(0, 0, 65535, 0, 0xff)})});
  add("ike_auth-response-plain-rsa", E::IKE_AUTH, R, 1, kSpiR,
      {id(P::IDr, IdType::ID_RFC822_ADDR, text("gw@example.org")), cert(CertEncoding::PKCS7_WRAPPED_X509, pattern(40, 24)),
       auth(AuthMethod::RSA_DIGITAL_SIGNATURE, pattern(128, 25)), sa_esp(be32(0xc0ffee04)),
       ts(P::TSi, {ts4(0, 0, 65535, kIp4a, kIp4a)}), ts(P::TSr, {ts4(0, 0, 65535, kIp4b, kIp4b)})});
  add("ike_auth-request-plain-eap", E::IKE_AUTH, I, 1, kSpiR,
      {id(P::IDi, IdType::ID_KEY_ID, pattern(8, 26)), id(P::IDr, IdType::ID_IPV6_ADDR, ts6(0, 0, 0, 1, 1).start_address),
       cp(CfgType::CFG_REQUEST, {attr(CfgAttributeType::INTERNAL_IP6_ADDRESS), attr(CfgAttributeType::P_CSCF_IP6_ADDRESS)}),
       sa_esp(be32(0xc0ffee05)), ts(P::TSi, {ts6(0, 0, 65535, 0, 0xff)}), ts(P::TSr, {ts6(0, 0, 65535, 0, 0xff)}),
       notify(N::EAP_ONLY_AUTHENTICATION)});
  add("ike_auth-response-plain-eap-request", E::IKE_AUTH, R, 1, kSpiR,
      {id(P::IDr, IdType::ID_FQDN, text("vpn.example.org")), auth(AuthMethod::ECDSA_SHA256_P256, pattern(64, 27)),
       eap(Bytes{0x01, 0x01, 0x00, 0x05, 0x01})});
  add("ike_auth-request-plain-eap-response", E::IKE_AUTH, I, 2, kSpiR,
      {eap(cat({Bytes{0x02, 0x01, 0x00, 0x15, 0x01}, text("user@example.org")}))});
  add("ike_auth-request-plain-null", E::IKE_AUTH, I, 1, kSpiR,
      {id(P::IDi, IdType::ID_NULL, {}), auth(AuthMethod::NULL_AUTH, {}), id(P::IDr, IdType::ID_FC_NAME, pattern(8, 28)),
       sa_esp(be32(0xc0ffee06)), ts(P::TSi, {ts4(0, 0, 65535, kIp4a, kIp4a)}),
       ts(P::TSr, {ts4(0, 0, 65535, kIp4b, kIp4b)})});
  add("ike_auth-response-plain-errors", E::IKE_AUTH, R, 1, kSpiR,
      {notify(N::AUTHENTICATION_FAILED)});
  add("ike_auth-response-plain-child-errors", E::IKE_AUTH, R, 1, kSpiR,
      {id(P::IDr, IdType::ID_IPV4_ADDR, kIp4b), auth(AuthMethod::SHARED_KEY_MIC, pattern(32, 29)),
       notify(N::TS_UNACCEPTABLE), notify(N::INTERNAL_ADDRESS_FAILURE), notify(N::FAILED_CP_REQUIRED)});

  // CREATE_CHILD_SA: a Child SA rekey with PFS, and an IKE SA rekey.
  add("create_child_sa-request-sk", E::CREATE_CHILD_SA, I, 2, kSpiR, {sk(P::N, 16 + 200 + 16)});
  add("create_child_sa-request-plain-rekey-child", E::CREATE_CHILD_SA, I, 2, kSpiR,
      {make_notify(N::REKEY_SA, {}, ProtocolId::ESP, be32(0xc0ffee01)), sa_esp(be32(0xc0ffee11)),
       make_nonce(pattern(32, 30)), ke(DhGroup::MODP_2048, 256), ts(P::TSi, {ts4(0, 0, 65535, kIp4a, kIp4a)}),
       ts(P::TSr, {ts4(0, 0, 65535, kIp4b, kIp4b)})});
  add("create_child_sa-response-plain-rekey-ike", E::CREATE_CHILD_SA, R, 2, kSpiR,
      {sa_ike(), make_nonce(pattern(32, 31)), ke(DhGroup::ECP_384, 96)});
  add("create_child_sa-response-plain-errors", E::CREATE_CHILD_SA, R, 2, kSpiR,
      {notify(N::NO_ADDITIONAL_SAS), notify(N::CHILD_SA_NOT_FOUND), notify(N::TEMPORARY_FAILURE)});

  // INFORMATIONAL: deletes, MOBIKE, configuration set/ack, liveness.
  add("informational-request-sk", E::INFORMATIONAL, I, 3, kSpiR, {sk(P::D, 16 + 16 + 16)});
  add("informational-request-plain-delete-ike", E::INFORMATIONAL, I, 3, kSpiR, {del(ProtocolId::IKE, {})});
  add("informational-request-plain-delete-esp", E::INFORMATIONAL, I, 3, kSpiR,
      {del(ProtocolId::ESP, {be32(0xc0ffee01), be32(0xc0ffee02), be32(0xc0ffee03)}), del(ProtocolId::AH, {be32(7)})});
  add("informational-response-plain-empty", E::INFORMATIONAL, R, 3, kSpiR, {});
  add("informational-request-plain-mobike", E::INFORMATIONAL, I, 4, kSpiR,
      {notify(N::UPDATE_SA_ADDRESSES), notify(N::NAT_DETECTION_SOURCE_IP, pattern(20, 32)),
       notify(N::NAT_DETECTION_DESTINATION_IP, pattern(20, 33)), notify(N::COOKIE2, pattern(16, 34)),
       notify(N::ADDITIONAL_IP4_ADDRESS, kIp4a), notify(N::ADDITIONAL_IP6_ADDRESS, ts6(0, 0, 0, 9, 9).start_address),
       notify(N::NO_ADDITIONAL_ADDRESSES)});
  add("informational-request-plain-cp-set", E::INFORMATIONAL, I, 5, kSpiR,
      {cp(CfgType::CFG_SET, {attr(CfgAttributeType::INTERNAL_IP4_ADDRESS, Bytes{10, 1, 0, 3}),
                             attr(static_cast<CfgAttributeType>(16390), {})})});
  add("informational-response-plain-cp-ack", E::INFORMATIONAL, R, 5, kSpiR,
      {cp(CfgType::CFG_ACK, {attr(CfgAttributeType::INTERNAL_IP4_ADDRESS), attr(static_cast<CfgAttributeType>(16390))})});
  add("informational-response-plain-misc-notifies", E::INFORMATIONAL, R, 6, kSpiR,
      {notify(N::INVALID_SYNTAX), notify(N::UNSUPPORTED_CRITICAL_PAYLOAD, Bytes{0x37}),
       notify(N::INVALID_MESSAGE_ID, be32(9)), make_notify(N::INVALID_SPI, {}, ProtocolId::ESP, be32(0xdeadbeef)),
       notify(N::PPK_IDENTITY, pattern(8, 35)), notify(N::USE_PPK), notify(N::QUICK_CRASH_DETECTION, pattern(16, 36)),
       notify(static_cast<N>(40000), pattern(4, 37)), notify(static_cast<N>(8000), {})});
  add("ike_intermediate-request-plain", E::IKE_INTERMEDIATE, I, 1, kSpiR, {ke(DhGroup::ML_KEM_768, 1184)});
  add("unknown-exchange", static_cast<E>(240), I, 7, kSpiR, {make_nonce(pattern(8, 38)), unknown(0x80, false, {})});

  // Header variants: IKEv2.1 minor version, overridden length and next payload.
  Message minor = make_message(E::INFORMATIONAL, I | R, 9, kSpiI, kSpiR, {notify(N::INITIAL_CONTACT)});
  minor.header.version = 0x21;
  s.push_back({"header-minor-version", minor});
  Message v1 = make_message(E::IKE_SA_INIT, I, 0, kSpiI, 0, {make_nonce(pattern(16, 39))});
  v1.header.version = 0x10;
  s.push_back({"header-ikev1-version", v1});
  Message overrides = make_message(E::IKE_SA_INIT, I, 0, kSpiI, 0, {make_nonce(pattern(16, 40))});
  overrides.payloads[0].length = 8;
  overrides.header.length = 40;
  s.push_back({"header-wrong-lengths", overrides});
  return s;
}

// Walks a message's payload chain over its encoding, yielding (type, body
// bytes) for each payload, including those decoded only by encode_message's
// overrides (the wrong-length seed simply yields what the bytes say).
std::vector<std::pair<PayloadType, Bytes>> bodies(const Message& m, const Bytes& wire) {
  std::vector<std::pair<PayloadType, Bytes>> out;
  std::size_t off = kHeaderSize;
  for (const auto& p : m.payloads) {
    if (off + 4 > wire.size()) break;
    std::size_t len = std::size_t{wire[off + 2]} << 8 | wire[off + 3];
    if (len < 4 || off + len > wire.size()) break;
    out.emplace_back(p.type, Bytes(wire.begin() + static_cast<std::ptrdiff_t>(off + 4),
                                   wire.begin() + static_cast<std::ptrdiff_t>(off + len)));
    off += len;
  }
  return out;
}

using Corpus = std::map<std::string, std::map<std::string, Bytes>>;  // target -> name -> bytes

Corpus build() {
  Corpus c;
  // No duplicate seeds within a target. Keyed by string: ordering vectors of
  // bytes trips a GCC 12 -Wstringop-overread false positive.
  std::map<std::string, std::set<std::string>> seen;
  auto put = [&](const std::string& target, const std::string& name, Bytes b) {
    if (!seen[target].insert(std::string(b.begin(), b.end())).second) return;
    c[target][name] = std::move(b);
  };
  for (const auto& [name, m] : messages()) {
    Bytes wire = encode_message(m);
    put("message", name, wire);
    put("roundtrip", name, wire);
    if (name.rfind("ike_sa_init", 0) == 0 || name.rfind("header", 0) == 0) put("header", name, wire);
    put("datagram", name + "-port500", cat({Bytes{0}, wire}));
    if (name.find("plain") == std::string::npos) put("datagram", name + "-port4500", cat({Bytes{1}, Bytes(4, 0), wire}));
    int index = 0;
    for (auto& [type, body] : bodies(m, wire)) {
      std::string pname = name + "-" + std::to_string(++index) + "-" + label(type);
      put("payload", pname, cat({Bytes{static_cast<uint8_t>(type)}, body}));
      if (type == P::SA) put("sa", pname, body);
      if (type == P::CP) put("cp", pname, body);
      if (type == P::TSi || type == P::TSr) put("ts", pname, body);
      if (type == P::N) put("notify", pname, body);
    }
  }
  // Datagrams on port 4500 that are not IKE.
  put("datagram", "esp-port4500", cat({Bytes{1}, be32(0xc0ffee01), be32(1), pattern(40, 41)}));
  put("datagram", "nat-keepalive-port4500", Bytes{1, 0xff});
  put("datagram", "short-port4500", Bytes{1, 0, 0});
  return c;
}

bool read_file(const fs::path& p, Bytes& out) {
  std::ifstream f(p, std::ios::binary);
  if (!f) return false;
  out.assign(std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>());
  return true;
}

int write(const fs::path& dir, const Corpus& c) {
  std::size_t n = 0, total = 0;
  for (const auto& [target, seeds] : c) {
    fs::create_directories(dir / target);
    for (const auto& [name, bytes] : seeds) {
      std::ofstream f(dir / target / name, std::ios::binary | std::ios::trunc);
      f.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
      if (!f) {
        std::fprintf(stderr, "%s: cannot write\n", (dir / target / name).c_str());
        return 1;
      }
      ++n;
      total += bytes.size();
    }
  }
  std::printf("wrote %zu seeds (%zu bytes) for %zu targets under %s\n", n, total, c.size(), dir.c_str());
  return 0;
}

int check(const fs::path& dir, const Corpus& c) {
  int problems = 0;
  for (const auto& [target, seeds] : c) {
    for (const auto& [name, bytes] : seeds) {
      Bytes have;
      if (!read_file(dir / target / name, have)) {
        std::printf("missing: %s/%s\n", target.c_str(), name.c_str());
        ++problems;
      } else if (have != bytes) {
        std::printf("differs: %s/%s\n", target.c_str(), name.c_str());
        ++problems;
      }
    }
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(dir / target, ec)) {
      std::string name = e.path().filename().string();
      if (name.rfind("regress-", 0) == 0 || seeds.count(name)) continue;
      std::printf("not generated (stale or misnamed; fuzzer findings are named regress-*): %s/%s\n", target.c_str(),
                  name.c_str());
      ++problems;
    }
  }
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    if (e.is_directory() && !c.count(e.path().filename().string())) {
      std::printf("corpus folder without a generator entry: %s\n", e.path().c_str());
      ++problems;
    }
  }
  if (problems) {
    std::printf("%d corpus file(s) out of date; regenerate with: make_corpus %s\n", problems, dir.c_str());
    return 1;
  }
  std::printf("corpus under %s matches the generator\n", dir.c_str());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc == 2 && std::string(argv[1]).rfind("-", 0) != 0) return write(argv[1], build());
  if (argc == 3 && std::string(argv[1]) == "--check") return check(argv[2], build());
  std::fprintf(stderr, "usage: %s OUT_DIR | --check CORPUS_DIR\n", argv[0]);
  return 2;
}
