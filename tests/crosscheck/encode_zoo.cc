// SPDX-License-Identifier: Apache-2.0
// Prints messages built with our encoder, one per line as "name<TAB>hex", for
// scapy_crosscheck.py to hand to Scapy and tshark. Together they use every
// payload type the codec models, in plaintext, so a dissector that knows IKEv2
// sees every field we emit.
//
// Two constraints come from Scapy 2.5's IKEv2 layer rather than from the RFC:
// a Notify carrying an SPI is always the last payload (Scapy's Notify data
// length ignores the SPI and would swallow the next payload's first bytes), and
// transform attributes are Key Length only (the one attribute Scapy models).
// Every value that tshark interprets (EAP, DER names, hash-and-URL, notify data
// of typed notifies) is well-formed, so any tshark warning means our bytes are
// wrong.
#include <cstdio>
#include <string>
#include <utility>
#include <vector>

#include "harness/codec/message.h"

namespace {

using namespace ikeh::codec;
using ikeh::core::Bytes;
using ikeh::core::to_bytes;

constexpr uint64_t kSpiI = 0x0123456789abcdefULL;
constexpr uint64_t kSpiR = 0xfedcba9876543210ULL;

Bytes pattern(std::size_t n, uint8_t seed) {
  Bytes b(n);
  for (std::size_t i = 0; i < n; ++i) b[i] = static_cast<uint8_t>(seed + i * 13);
  return b;
}

template <class E>
uint16_t id(E v) {
  return static_cast<uint16_t>(v);
}

Proposal ike_proposal_cbc() {
  Proposal p;
  p.protocol_id = ProtocolId::IKE;
  p.transforms = {Transform(TransformType::ENCR, id(EncrId::ENCR_AES_CBC), 256),
                  Transform(TransformType::PRF, id(PrfId::PRF_HMAC_SHA2_256)),
                  Transform(TransformType::INTEG, id(IntegId::AUTH_HMAC_SHA2_256_128)),
                  Transform(TransformType::DH, id(DhGroup::ECP_256)),
                  Transform(TransformType::DH, id(DhGroup::MODP_2048))};
  return p;
}

Proposal ike_proposal_gcm() {
  Proposal p;
  p.protocol_id = ProtocolId::IKE;
  p.transforms = {Transform(TransformType::ENCR, id(EncrId::ENCR_AES_GCM_16), 128),
                  Transform(TransformType::PRF, id(PrfId::PRF_HMAC_SHA2_384)),
                  Transform(TransformType::DH, id(DhGroup::CURVE25519))};
  return p;
}

Proposal esp_proposal(Bytes spi) {
  Proposal p;
  p.protocol_id = ProtocolId::ESP;
  p.spi = std::move(spi);
  p.transforms = {Transform(TransformType::ENCR, id(EncrId::ENCR_AES_CBC), 128),
                  Transform(TransformType::INTEG, id(IntegId::AUTH_HMAC_SHA1_96)),
                  Transform(TransformType::ESN, id(EsnId::NO_ESN))};
  return p;
}

Payload sa(std::vector<Proposal> proposals) {
  SaPayload s;
  s.proposals = std::move(proposals);
  return Payload(PayloadType::SA, std::move(s));
}

Payload ke(DhGroup g, std::size_t n) {
  KePayload k;
  k.group = g;
  k.data = pattern(n, 0x42);
  return Payload(PayloadType::KE, std::move(k));
}

Payload ident(PayloadType t, IdType type, Bytes data) {
  IdPayload i;
  i.id_type = type;
  i.data = std::move(data);
  return Payload(t, std::move(i));
}

Payload auth(AuthMethod m, std::size_t n) {
  AuthPayload a;
  a.method = m;
  a.data = pattern(n, 0x3c);
  return Payload(PayloadType::AUTH, std::move(a));
}

TrafficSelector ts4(uint8_t proto, uint16_t p0, uint16_t p1, Bytes a0, Bytes a1) {
  TrafficSelector t;
  t.ts_type = TsType::TS_IPV4_ADDR_RANGE;
  t.ip_protocol_id = proto;
  t.start_port = p0;
  t.end_port = p1;
  t.start_address = std::move(a0);
  t.end_address = std::move(a1);
  return t;
}

TrafficSelector ts6(uint8_t proto, Bytes a0, Bytes a1) {
  TrafficSelector t;
  t.ts_type = TsType::TS_IPV6_ADDR_RANGE;
  t.ip_protocol_id = proto;
  t.start_address = std::move(a0);
  t.end_address = std::move(a1);
  return t;
}

Payload ts(PayloadType t, std::vector<TrafficSelector> sel) {
  TsPayload p;
  p.selectors = std::move(sel);
  return Payload(t, std::move(p));
}

Bytes v6(std::initializer_list<uint8_t> head, uint8_t last) {
  Bytes b(16, 0);
  std::size_t i = 0;
  for (uint8_t x : head) b[i++] = x;
  b[15] = last;
  return b;
}

Payload cp(CfgType type, std::vector<CfgAttribute> attrs) {
  CpPayload c;
  c.cfg_type = type;
  c.attributes = std::move(attrs);
  return Payload(PayloadType::CP, std::move(c));
}

Payload notify(NotifyType t, Bytes data = {}) { return make_notify(t, std::move(data)); }

Payload del(ProtocolId proto, std::vector<Bytes> spis) {
  DeletePayload d;
  d.protocol_id = proto;
  d.spis = std::move(spis);
  return Payload(PayloadType::D, std::move(d));
}

Payload cert(CertEncoding enc, Bytes data) {
  CertPayload c;
  c.encoding = enc;
  c.data = std::move(data);
  return Payload(PayloadType::CERT, std::move(c));
}

Payload certreq(CertEncoding enc, Bytes data) {
  CertReqPayload c;
  c.encoding = enc;
  c.data = std::move(data);
  return Payload(PayloadType::CERTREQ, std::move(c));
}

// Hash-and-URL (RFC 7296 3.6): 20-byte SHA-1 hash of the certificate, then the URL.
Bytes hash_and_url() {
  Bytes b = pattern(20, 0x99);
  Bytes url = to_bytes("http://ca.example.net/spoke.cer");
  b.insert(b.end(), url.begin(), url.end());
  return b;
}

// DER of the distinguished name CN=foo.
Bytes der_cn_foo() {
  return {0x30, 0x0e, 0x31, 0x0c, 0x30, 0x0a, 0x06, 0x03, 0x55, 0x04, 0x03, 0x0c, 0x03, 'f', 'o', 'o'};
}

// EAP-Response/Identity "spoke" (RFC 3748 5.1).
Bytes eap_identity() { return {0x02, 0x01, 0x00, 0x0a, 0x01, 's', 'p', 'o', 'k', 'e'}; }

Message msg(ExchangeType x, uint8_t fl, uint32_t mid, std::vector<Payload> p, uint64_t spi_r = kSpiR) {
  return make_message(x, fl, mid, kSpiI, spi_r, std::move(p));
}

std::vector<std::pair<std::string, Message>> zoo() {
  using PT = PayloadType;
  using NT = NotifyType;
  const uint8_t I = flags::kInitiator;
  const uint8_t R = flags::kResponse;
  std::vector<std::pair<std::string, Message>> z;
  Bytes esp_spi = {0xc4, 0x5d, 0x2a, 0x01};

  z.emplace_back("sa_init_request",
                 msg(ExchangeType::IKE_SA_INIT, I, 0,
                     {sa({ike_proposal_cbc(), ike_proposal_gcm()}), ke(DhGroup::ECP_256, 64),
                      make_nonce(pattern(32, 1)), notify(NT::NAT_DETECTION_SOURCE_IP, pattern(20, 2)),
                      notify(NT::NAT_DETECTION_DESTINATION_IP, pattern(20, 3)),
                      notify(NT::IKEV2_FRAGMENTATION_SUPPORTED),
                      notify(NT::SIGNATURE_HASH_ALGORITHMS, {0, 2, 0, 3, 0, 4}),
                      make_vendor_id(Bytes(pattern(16, 4)))},
                     0));
  z.emplace_back("sa_init_response",
                 msg(ExchangeType::IKE_SA_INIT, R, 0,
                     {sa({ike_proposal_gcm()}), ke(DhGroup::CURVE25519, 32), make_nonce(pattern(48, 5)),
                      certreq(CertEncoding::X509_SIGNATURE, pattern(40, 6)),
                      notify(NT::MULTIPLE_AUTH_SUPPORTED), notify(NT::CHILDLESS_IKEV2_SUPPORTED)}));
  z.emplace_back("sa_init_cookie", msg(ExchangeType::IKE_SA_INIT, R, 0, {notify(NT::COOKIE, pattern(24, 7))}, 0));
  z.emplace_back("sa_init_invalid_ke",
                 msg(ExchangeType::IKE_SA_INIT, R, 0, {notify(NT::INVALID_KE_PAYLOAD, {0, 14})}, 0));
  z.emplace_back("sa_init_modp2048",
                 msg(ExchangeType::IKE_SA_INIT, I, 0,
                     {sa({ike_proposal_cbc()}), ke(DhGroup::MODP_2048, 256), make_nonce(pattern(32, 8))}, 0));

  z.emplace_back(
      "auth_request_psk",
      msg(ExchangeType::IKE_AUTH, I, 1,
          {make_vendor_id(to_bytes("FLEXVPN-SUPPORTED")), ident(PT::IDi, IdType::ID_IPV4_ADDR, {10, 150, 3, 1}),
           ident(PT::IDr, IdType::ID_FQDN, to_bytes("hub.example.net")), auth(AuthMethod::SHARED_KEY_MIC, 32),
           cp(CfgType::CFG_REQUEST,
              {CfgAttribute(CfgAttributeType::INTERNAL_IP4_ADDRESS), CfgAttribute(CfgAttributeType::INTERNAL_IP4_DNS),
               CfgAttribute(CfgAttributeType::INTERNAL_IP6_ADDRESS),
               CfgAttribute(CfgAttributeType::APPLICATION_VERSION, to_bytes("ikeharness 0.1"))}),
           sa({esp_proposal(esp_spi)}), ts(PT::TSi, {ts4(0, 0, 65535, {0, 0, 0, 0}, {255, 255, 255, 255})}),
           ts(PT::TSr, {ts4(17, 500, 500, {10, 150, 1, 0}, {10, 150, 1, 255}),
                        ts6(6, v6({0x20, 0x01, 0x0d, 0xb8}, 0), v6({0x20, 0x01, 0x0d, 0xb8, 0xff, 0xff}, 0xff))}),
           notify(NT::INITIAL_CONTACT), notify(NT::SET_WINDOW_SIZE, {0, 0, 0, 5}),
           notify(NT::ESP_TFC_PADDING_NOT_SUPPORTED), notify(NT::NON_FIRST_FRAGMENTS_ALSO)}));
  z.emplace_back(
      "auth_response_psk",
      msg(ExchangeType::IKE_AUTH, R, 1,
          {ident(PT::IDr, IdType::ID_IPV6_ADDR, v6({0x20, 0x01, 0x0d, 0xb8}, 1)), auth(AuthMethod::SHARED_KEY_MIC, 32),
           cp(CfgType::CFG_REPLY,
              {CfgAttribute(CfgAttributeType::INTERNAL_IP4_ADDRESS, {192, 168, 1, 13}),
               CfgAttribute(CfgAttributeType::INTERNAL_IP4_NETMASK, {255, 255, 255, 255}),
               CfgAttribute(CfgAttributeType::INTERNAL_IP4_DNS, {192, 168, 1, 1}),
               CfgAttribute(CfgAttributeType::INTERNAL_IP4_SUBNET, {192, 168, 1, 1, 255, 255, 255, 255}),
               CfgAttribute(CfgAttributeType::INTERNAL_IP6_DNS, v6({0x20, 0x01, 0x0d, 0xb8}, 0x53))}),
           sa({esp_proposal({0x0a, 0x0b, 0x0c, 0x0d})}),
           ts(PT::TSi, {ts4(0, 0, 65535, {192, 168, 1, 13}, {192, 168, 1, 13})}),
           ts(PT::TSr, {ts6(0, v6({}, 0), v6({0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
                                              0xff, 0xff, 0xff, 0xff}, 0xff))}),
           notify(NT::SET_WINDOW_SIZE, {0, 0, 0, 5}), notify(NT::ESP_TFC_PADDING_NOT_SUPPORTED)}));
  z.emplace_back("auth_request_certs",
                 msg(ExchangeType::IKE_AUTH, I, 1,
                     {ident(PT::IDi, IdType::ID_DER_ASN1_DN, der_cn_foo()),
                      cert(CertEncoding::HASH_URL_X509_CERT, hash_and_url()),
                      certreq(CertEncoding::X509_SIGNATURE, pattern(20, 9)),
                      auth(AuthMethod::RSA_DIGITAL_SIGNATURE, 128), sa({esp_proposal(esp_spi)}),
                      ts(PT::TSi, {ts4(6, 80, 443, {10, 0, 0, 1}, {10, 0, 0, 1})}),
                      ts(PT::TSr, {ts4(0, 0, 65535, {0, 0, 0, 0}, {255, 255, 255, 255})}),
                      notify(NT::USE_TRANSPORT_MODE)}));
  z.emplace_back("auth_request_ids",
                 msg(ExchangeType::IKE_AUTH, I, 1,
                     {ident(PT::IDi, IdType::ID_RFC822_ADDR, to_bytes("spoke@example.net")),
                      ident(PT::IDr, IdType::ID_KEY_ID, pattern(12, 10)),
                      auth(AuthMethod::ECDSA_SHA256_P256, 64), notify(NT::MOBIKE_SUPPORTED),
                      notify(NT::EAP_ONLY_AUTHENTICATION)}));
  z.emplace_back("auth_request_null_id",
                 msg(ExchangeType::IKE_AUTH, I, 1,
                     {ident(PT::IDi, IdType::ID_NULL, {}), auth(AuthMethod::NULL_AUTH, 32)}));
  z.emplace_back("auth_request_eap",
                 msg(ExchangeType::IKE_AUTH, I, 2, {Payload(PT::EAP, EapPayload{eap_identity()})}));
  z.emplace_back("auth_failed",
                 msg(ExchangeType::IKE_AUTH, R, 1, {notify(NT::AUTHENTICATION_FAILED)}));
  z.emplace_back("auth_ts_unacceptable", msg(ExchangeType::IKE_AUTH, R, 1,
                                             {notify(NT::TS_UNACCEPTABLE), notify(NT::NO_PROPOSAL_CHOSEN)}));

  z.emplace_back("create_child_rekey",
                 msg(ExchangeType::CREATE_CHILD_SA, I, 3,
                     {sa({esp_proposal({1, 2, 3, 4}), esp_proposal({1, 2, 3, 5})}), make_nonce(pattern(32, 11)),
                      ke(DhGroup::ECP_256, 64), ts(PT::TSi, {ts4(0, 0, 65535, {10, 1, 0, 0}, {10, 1, 255, 255})}),
                      ts(PT::TSr, {ts4(0, 0, 65535, {10, 2, 0, 0}, {10, 2, 255, 255})}),
                      make_notify(NT::REKEY_SA, {}, ProtocolId::ESP, {0xc4, 0x5d, 0x2a, 0x01})}));
  z.emplace_back("informational_child_not_found",
                 msg(ExchangeType::INFORMATIONAL, R, 4,
                     {make_notify(NT::CHILD_SA_NOT_FOUND, {}, ProtocolId::ESP, {0xde, 0xad, 0xbe, 0xef})}));
  z.emplace_back("informational_delete_ike", msg(ExchangeType::INFORMATIONAL, I, 5, {del(ProtocolId::IKE, {})}));
  z.emplace_back("informational_delete_esp",
                 msg(ExchangeType::INFORMATIONAL, I, 6,
                     {del(ProtocolId::ESP, {{0xc4, 0x5d, 0x2a, 0x01}, {0x0a, 0x0b, 0x0c, 0x0d}})}));
  z.emplace_back("informational_dpd", msg(ExchangeType::INFORMATIONAL, I, 7, {}));
  z.emplace_back("informational_cfg_set",
                 msg(ExchangeType::INFORMATIONAL, I, 2,
                     {cp(CfgType::CFG_SET,
                         {CfgAttribute(CfgAttributeType::INTERNAL_IP4_SUBNET, {192, 168, 1, 13, 255, 255, 255, 255})})}));
  z.emplace_back("informational_cfg_ack",
                 msg(ExchangeType::INFORMATIONAL, R, 2,
                     {cp(CfgType::CFG_ACK, {CfgAttribute(CfgAttributeType::INTERNAL_IP4_SUBNET)})}));

  SkPayload sk;
  sk.inner_next = PT::IDi;
  sk.data = pattern(16 + 160 + 12, 12);
  z.emplace_back("auth_request_sk", msg(ExchangeType::IKE_AUTH, I, 1, {Payload(PT::SK, std::move(sk))}));
  SkPayload sk2;
  sk2.inner_next = PT::NONE;
  sk2.data = pattern(16 + 16 + 12, 13);
  z.emplace_back("informational_sk_empty",
                 msg(ExchangeType::INFORMATIONAL, R, 7, {Payload(PT::SK, std::move(sk2))}));
  SkfPayload f1;
  f1.inner_next = PT::IDi;
  f1.fragment_number = 1;
  f1.total_fragments = 2;
  f1.data = pattern(16 + 480 + 12, 14);
  z.emplace_back("auth_request_skf_1", msg(ExchangeType::IKE_AUTH, I, 1, {Payload(PT::SKF, std::move(f1))}));
  SkfPayload f2;
  f2.inner_next = PT::NONE;
  f2.fragment_number = 2;
  f2.total_fragments = 2;
  f2.data = pattern(16 + 96 + 12, 15);
  z.emplace_back("auth_request_skf_2", msg(ExchangeType::IKE_AUTH, I, 1, {Payload(PT::SKF, std::move(f2))}));

  // A payload type we do not model, not critical: carried as opaque bytes.
  Payload unknown(PT::GSPM, UnknownPayload{pattern(12, 16)});
  z.emplace_back("informational_unknown_payload",
                 msg(ExchangeType::INFORMATIONAL, I, 8, {std::move(unknown), notify(NT::INITIAL_CONTACT)}));
  // The critical bit on an understood payload (RFC 7296 2.5 allows it).
  Payload crit = make_vendor_id(pattern(16, 17));
  crit.critical = true;
  z.emplace_back("informational_critical_vid", msg(ExchangeType::INFORMATIONAL, I, 9, {std::move(crit)}));
  return z;
}

}  // namespace

int main() {
  for (const auto& [name, m] : zoo()) {
    Bytes b = encode_message(m);
    // The zoo is only useful if our own decoder agrees with what it built.
    auto back = decode_message(b);
    if (!back.ok()) {
      std::fprintf(stderr, "%s: our decoder refuses our encoding: %s\n", name.c_str(), describe(back.error()).c_str());
      return 1;
    }
    std::printf("%s\t%s\n", name.c_str(), ikeh::core::to_hex(b).c_str());
  }
  return 0;
}
