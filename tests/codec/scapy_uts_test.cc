// SPDX-License-Identifier: Apache-2.0
// Decodes the IKEv2 byte strings of scapy's test file (test/contrib/ikev2.uts,
// see reference/ikev2-notes.md 3.3) and checks the fields scapy asserts, then
// that re-encoding gives the same bytes. The file is GPL test data: it is read
// from IKEH_SHARED_DIR at test time, never copied here.
#include <gtest/gtest.h>

#include <memory>

#include "harness/codec/message.h"
#include "harness/codec/rules.h"
#include "tests/codec/test_util.h"
#include "tests/codec/uts_reader.h"

namespace ikeh::codec {
namespace {

using test::hex;
using test::ike_of_frame;
using testing::bytes_literal;
using testing::hex_literal;

class ScapyUts : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    file_ = new std::optional<testing::UtsFile>(testing::UtsFile::load(path()));
  }
  static void TearDownTestSuite() {
    delete file_;
    file_ = nullptr;
  }
  static std::string path() { return test::shared_dir() + "/testdata/scapy/ikev2.uts"; }

  void SetUp() override {
    if (!file_->has_value()) GTEST_SKIP() << "scapy test data not found at " << path() << " (IKEH_SHARED_DIR)";
  }

  // The code of a test block; fails the test when the title is missing.
  std::string block(std::string_view title) {
    auto b = (*file_)->block(title);
    EXPECT_TRUE(b.has_value()) << "no test \"= " << title << "\" in " << path();
    return b.value_or("");
  }

  static std::optional<testing::UtsFile>* file_;
};
std::optional<testing::UtsFile>* ScapyUts::file_ = nullptr;

// Decodes, checks the exact bytes come back and returns the message.
Message decode_exact(const Bytes& ike) {
  auto m = decode_message(ike);
  EXPECT_TRUE(m.ok()) << describe(m.error());
  if (!m.ok()) return {};
  EXPECT_EQ(encode_message(*m), ike);
  return std::move(*m);
}

// The scapy test bodies keep the header of the encrypted frame (its Length
// counts the ciphertext) in front of the decrypted payload chain. The chain
// is decoded inside that header with Length set to what it frames, and the
// remaining bytes must be untouched by the round trip.
Message decode_decrypted(const Bytes& ike, uint32_t stale_length) {
  EXPECT_GE(ike.size(), kHeaderSize);
  if (ike.size() < kHeaderSize) return {};
  uint32_t wire = uint32_t{ike[24]} << 24 | uint32_t{ike[25]} << 16 | uint32_t{ike[26]} << 8 | ike[27];
  EXPECT_EQ(wire, stale_length);
  // Unpatched, the length disagreement is reported.
  auto stale = decode_message(ike);
  if (wire != ike.size()) {
    EXPECT_FALSE(stale.ok());
    if (!stale.ok()) {
      EXPECT_EQ(stale.error().field, "length");
    }
  }
  Bytes fixed = ike;
  auto n = static_cast<uint32_t>(ike.size());
  fixed[24] = static_cast<uint8_t>(n >> 24);
  fixed[25] = static_cast<uint8_t>(n >> 16);
  fixed[26] = static_cast<uint8_t>(n >> 8);
  fixed[27] = static_cast<uint8_t>(n);
  return decode_exact(fixed);
}

Bytes ipv4(uint8_t a, uint8_t b, uint8_t c, uint8_t d) { return Bytes{a, b, c, d}; }

// ------------------------------------------------------------ basic tests

TEST_F(ScapyUts, HeaderBuild) {
  auto expected = bytes_literal(block("Ikev2 build"), 0);
  ASSERT_TRUE(expected);
  ASSERT_EQ(expected->size(), 28u);
  Message m;
  m.header.exchange_type = static_cast<ExchangeType>(0);  // scapy's default
  EXPECT_EQ(encode_message(m), *expected);
  auto d = decode_exact(*expected);
  EXPECT_EQ(d.header.version, 0x20);
  EXPECT_TRUE(d.payloads.empty());
}

TEST_F(ScapyUts, Dissection) {
  auto data = bytes_literal(block("Ikev2 dissection"), 0);
  ASSERT_TRUE(data);
  auto m = decode_exact(*data);
  ASSERT_EQ(m.payloads.size(), 1u);
  EXPECT_EQ(m.payloads[0].type, PayloadType::SA);  // a.next_payload == 33
  auto* sa = m.payloads[0].as<SaPayload>();
  ASSERT_NE(sa, nullptr);
  ASSERT_EQ(sa->proposals.size(), 1u);
  EXPECT_FALSE(sa->proposals[0].number.has_value());  // proposal == 1, the computed value
  EXPECT_FALSE(sa->proposals[0].last_substruc.has_value());
  ASSERT_EQ(sa->proposals[0].transforms.size(), 1u);
  EXPECT_EQ(sa->proposals[0].transforms[0].type, TransformType::PRF);
  EXPECT_EQ(sa->proposals[0].transforms[0].id, 3);
  EXPECT_FALSE(sa->proposals[0].transforms[0].last_substruc.has_value());
}

TEST_F(ScapyUts, SaRequestWithCriticalFlagBuildsScapysBytes) {
  auto expected = bytes_literal(block("Build Ikev2 SA request packet"), 0);
  ASSERT_TRUE(expected);
  Proposal p;  // scapy's default proposal: number 1, IKE, no transforms
  SaPayload sa;
  sa.proposals.push_back(p);
  Payload sp(PayloadType::SA, sa);
  sp.critical = true;
  auto m = make_message(ExchangeType::IKE_SA_INIT, 0, 0, 0x4d79535049000000ULL /* "MySPI" */, 0, {sp});
  EXPECT_EQ(encode_message(m), *expected);
  auto d = decode_exact(*expected);
  ASSERT_EQ(d.payloads.size(), 1u);
  EXPECT_TRUE(d.payloads[0].critical);
  // SA is understood, so the critical bit is ignored (RFC 7296 3.2); the
  // request is still rejected for lacking KE and Ni.
  auto v = verify_message(d);
  ASSERT_FALSE(v.ok());
  EXPECT_NE(v.error().reason.find("lacks KE"), std::string::npos) << describe(v.error());
  EXPECT_EQ(v.error().notify, static_cast<uint16_t>(NotifyType::INVALID_SYNTAX));
}

TEST_F(ScapyUts, AdvancedSaInitBuildsScapysBytes) {
  std::string code = block("Build advanced IKEv2");
  auto ke = hex_literal(code, 0);
  auto nonce = hex_literal(code, 1);
  auto nat_src = hex_literal(code, 2);
  auto nat_dst = hex_literal(code, 3);
  // The last bytes literal is the expected IP / UDP / IKEv2 packet (the
  // first is the SPI).
  auto packet = bytes_literal(code, testing::count_bytes_literals(code) - 1);
  ASSERT_TRUE(ke && nonce && nat_src && nat_dst && packet);
  auto expected = ike_of_frame(*packet, /*ethernet=*/false);
  ASSERT_TRUE(expected);

  Proposal p;
  p.transforms = {Transform(TransformType::ENCR, 12, 128), Transform(TransformType::PRF, 2),
                  Transform(TransformType::INTEG, 2), Transform(TransformType::DH, 2)};
  SaPayload sa;
  sa.proposals = {p};
  KePayload kep;
  kep.group = DhGroup::MODP_1024;
  kep.data = *ke;
  auto m = make_message(ExchangeType::IKE_SA_INIT, flags::kInitiator, 0, 0x4b5764784d686a41ULL /* "KWdxMhjA" */, 0,
                        {Payload(PayloadType::SA, sa), Payload(PayloadType::KE, kep), make_nonce(*nonce),
                         make_notify(NotifyType::NAT_DETECTION_SOURCE_IP, *nat_src),
                         make_notify(NotifyType::NAT_DETECTION_DESTINATION_IP, *nat_dst)});
  EXPECT_EQ(encode_message(m), *expected);
  auto d = decode_exact(*expected);
  EXPECT_TRUE(verify_message(d).ok());
  EXPECT_EQ(d.header.length, std::nullopt);
}

// Frames 1, 2, 5 and 6 of wireshark's ikev2-decrypt-aes128ccm12.pcap.
TEST_F(ScapyUts, WiresharkInitiatorRequest) {
  std::string code = block("Dissect Initiator Request");
  auto frame = bytes_literal(code, 0);
  ASSERT_TRUE(frame);
  auto ike = ike_of_frame(*frame);
  ASSERT_TRUE(ike);
  auto m = decode_exact(*ike);
  ASSERT_TRUE(verify_message(m).ok());
  auto* sa = m.payloads.at(0).as<SaPayload>();
  ASSERT_NE(sa, nullptr);
  const auto& t0 = sa->proposals.at(0).transforms.at(0);
  EXPECT_EQ(t0.type, TransformType::ENCR);
  EXPECT_EQ(t0.id, 15);  // ENCR_AES_CCM_12
  EXPECT_EQ(transform_id_name(t0.type, t0.id), "ENCR_AES_CCM_12");
  EXPECT_EQ(t0.key_length(), 128);
  // The first Notify's Next Payload is 41 (another Notify).
  auto types = m.payload_types();
  ASSERT_EQ(types, (std::vector<PayloadType>{PayloadType::SA, PayloadType::KE, PayloadType::NONCE, PayloadType::N,
                                             PayloadType::N, PayloadType::N}));
  EXPECT_EQ(m.payloads[3].raw()[0], 41);
  // Scapy reads the NAT-D hashes as IP headers (src 70.24.54.155 at bytes
  // 12-15, dst 32.198.7.46 at 16-19): the same bytes, read our way.
  const auto* src = m.payloads[3].as<NotifyPayload>();
  const auto* dst = m.payloads[4].as<NotifyPayload>();
  EXPECT_EQ(src->type, NotifyType::NAT_DETECTION_SOURCE_IP);
  EXPECT_EQ(dst->type, NotifyType::NAT_DETECTION_DESTINATION_IP);
  ASSERT_EQ(src->data.size(), 20u);
  EXPECT_EQ(Bytes(src->data.begin() + 12, src->data.begin() + 16), ipv4(70, 24, 54, 155));
  EXPECT_EQ(Bytes(dst->data.begin() + 16, dst->data.end()), ipv4(32, 198, 7, 46));
}

TEST_F(ScapyUts, WiresharkResponderResponse) {
  std::string code = block("Dissect Responder Response");
  auto frame = bytes_literal(code, 0);
  auto ke = bytes_literal(code, 1);
  ASSERT_TRUE(frame && ke);
  auto ike = ike_of_frame(*frame);
  ASSERT_TRUE(ike);
  auto m = decode_exact(*ike);
  EXPECT_TRUE(m.header.is_response());
  ASSERT_TRUE(verify_message(m).ok());
  const auto* kep = m.find(PayloadType::KE)->as<KePayload>();
  EXPECT_EQ(kep->data, *ke);
  // The payload after the Nonce is N(NAT_DETECTION_SOURCE_IP) and the chain
  // ends two payloads later.
  auto types = m.payload_types();
  ASSERT_GE(types.size(), 6u);
  EXPECT_EQ(types[2], PayloadType::NONCE);
  EXPECT_EQ(m.payloads[3].as<NotifyPayload>()->type, NotifyType::NAT_DETECTION_SOURCE_IP);
  EXPECT_EQ(types.size(), 6u);
  EXPECT_EQ(m.payloads.back().raw()[0], 0);  // last Next Payload
}

TEST_F(ScapyUts, WiresharkEncryptedInformationalRequest) {
  std::string code = block("Dissect Encrypted Initiator Request");
  auto frame = bytes_literal(code, 0);
  auto load = bytes_literal(code, 1);
  ASSERT_TRUE(frame && load);
  auto ike = ike_of_frame(*frame);
  ASSERT_TRUE(ike);
  auto m = decode_exact(*ike);
  EXPECT_EQ(m.header.exchange_type, ExchangeType::INFORMATIONAL);
  ASSERT_EQ(m.payloads.size(), 1u);
  const auto* sk = m.payloads[0].as<SkPayload>();
  ASSERT_NE(sk, nullptr);
  EXPECT_EQ(sk->inner_next, PayloadType::D);  // 42
  EXPECT_EQ(sk->data, *load);
  EXPECT_TRUE(verify_message(m).ok());
}

TEST_F(ScapyUts, WiresharkEncryptedInformationalResponse) {
  std::string code = block("Dissect Encrypted Responder Response");
  auto frame = bytes_literal(code, 0);
  auto spi_i = bytes_literal(code, 1);
  auto spi_r = bytes_literal(code, 2);
  auto load = bytes_literal(code, 3);
  ASSERT_TRUE(frame && spi_i && spi_r && load);
  auto ike = ike_of_frame(*frame);
  ASSERT_TRUE(ike);
  auto m = decode_exact(*ike);
  EXPECT_EQ(Bytes(ike->begin(), ike->begin() + 8), *spi_i);
  EXPECT_EQ(Bytes(ike->begin() + 8, ike->begin() + 16), *spi_r);
  EXPECT_EQ(m.header.spi_i, 0xea684d21597afd36ULL);
  EXPECT_EQ(m.header.spi_r, 0xd9fe2ab22dac23acULL);
  ASSERT_EQ(m.payloads.size(), 1u);
  EXPECT_EQ(m.payloads[0].type, PayloadType::SK);  // header next payload 46
  const auto* sk = m.payloads[0].as<SkPayload>();
  EXPECT_EQ(sk->inner_next, PayloadType::NONE);  // an empty INFORMATIONAL response
  EXPECT_EQ(sk->data, *load);
  EXPECT_TRUE(verify_message(m).ok());
}

TEST_F(ScapyUts, EncryptedFragmentDefaultBytes) {
  auto s = bytes_literal(block("IKEv2_Encrypted_Fragment, simple tests"), 0);
  ASSERT_TRUE(s);
  ASSERT_EQ(*s, hex("0000000800010001"));
  // Scapy's default SKF: generic header of length 8, fragment 1 of 1.
  auto m = make_message(ExchangeType::IKE_AUTH, flags::kInitiator, 1, 1, 2, {Payload(PayloadType::SKF, SkfPayload{})});
  auto bytes = encode_message(m);
  ASSERT_EQ(bytes.size(), kHeaderSize + 8);
  EXPECT_EQ(Bytes(bytes.begin() + kHeaderSize, bytes.end()), *s);
  EXPECT_EQ(bytes[16], 53);  // SKF
  auto body = decode_body(PayloadType::SKF, BytesView(*s).subspan(4));
  ASSERT_TRUE(body.ok()) << describe(body.error());
  const auto& skf = std::get<SkfPayload>(*body);
  EXPECT_EQ(skf.fragment_number, 1);
  EXPECT_EQ(skf.total_fragments, 1);
  EXPECT_TRUE(skf.data.empty());
  auto d = decode_exact(bytes);
  EXPECT_TRUE(verify_message(d).ok());
}

TEST_F(ScapyUts, NatKeepaliveIsNotAnIkeMessage) {
  auto frame = bytes_literal(block("Build and dissect UDP encapsulated NAT-keepalive packets"), 0);
  ASSERT_TRUE(frame);
  // The keep-alive carries one 0xFF octet and no non-ESP marker.
  EXPECT_FALSE(ike_of_frame(*frame).has_value());
  Bytes payload(frame->end() - 1, frame->end());
  EXPECT_EQ(payload, Bytes{0xff});
  auto m = decode_message(payload);
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(describe(m.error()),
            "IKE header at offset 1: field length: truncated: an IKE header needs 28 bytes, the datagram has 1 "
            "[INVALID_SYNTAX]");
}

// ------------------------------------------------- NAT-traversal capture

class ScapyNatT : public ScapyUts {
 protected:
  void SetUp() override {
    ScapyUts::SetUp();
    if (IsSkipped()) return;
    code_ = block("IKEv2 key exchange with NAT-traversal");
    ASSERT_EQ(testing::count_hex_literals(code_), 9u) << "the block's layout changed";
  }
  Bytes hex_at(std::size_t n) {
    auto b = hex_literal(code_, n);
    EXPECT_TRUE(b.has_value()) << "hex string " << n;
    return b.value_or(Bytes{});
  }
  Bytes ike(std::size_t n, const Bytes& tail = {}) {
    auto frame = test::concat({hex_at(n), tail});
    auto b = ike_of_frame(frame);
    EXPECT_TRUE(b.has_value()) << "frame " << n << " is not Ether/IPv4/UDP 4500";
    return b.value_or(Bytes{});
  }
  std::string code_;
};

TEST_F(ScapyNatT, SaInitRequest) {
  auto m = decode_exact(ike(2));
  EXPECT_EQ(m.header.spi_i, 0x89922c915f35570eULL);
  EXPECT_EQ(m.header.spi_r, 0u);
  EXPECT_EQ(m.header.flags, flags::kInitiator);
  EXPECT_EQ(m.header.message_id, 0u);
  EXPECT_EQ(m.raw().size(), 300u);
  ASSERT_TRUE(verify_message(m).ok()) << describe(verify_message(m).error());
  const auto& pr = m.payloads.at(0).as<SaPayload>()->proposals.at(0);
  ASSERT_EQ(pr.transforms.size(), 3u);
  EXPECT_EQ(pr.transforms[0].id, static_cast<uint16_t>(EncrId::ENCR_AES_GCM_16));
  EXPECT_EQ(pr.transforms[0].key_length(), 256);
  EXPECT_EQ(pr.transforms[1].id, static_cast<uint16_t>(PrfId::PRF_HMAC_SHA2_256));
  EXPECT_EQ(pr.transforms[2].id, static_cast<uint16_t>(DhGroup::ECP_256));
  const auto* ke = m.find(PayloadType::KE)->as<KePayload>();
  EXPECT_EQ(ke->group, DhGroup::ECP_256);
  EXPECT_EQ(ke->data.size(), 64u);
  EXPECT_EQ(m.find(PayloadType::NONCE)->as<NoncePayload>()->data.size(), 40u);
  int vids = 0;
  for (const auto& p : m.payloads)
    if (p.type == PayloadType::V) ++vids;
  EXPECT_EQ(vids, 4);
  EXPECT_EQ(known_vendor_id(m.payloads[5].as<VendorIdPayload>()->data), "Cisco fragmentation (FRAGMENTATION)");
  EXPECT_NE(m.find_notify(NotifyType::IKEV2_FRAGMENTATION_SUPPORTED), nullptr);
  EXPECT_NE(m.find_notify(NotifyType::REDIRECT_SUPPORTED), nullptr);
  const auto* sha = m.find_notify(NotifyType::SIGNATURE_HASH_ALGORITHMS);
  ASSERT_NE(sha, nullptr);
  EXPECT_EQ(sha->data, hex("0001000200030004"));
}

TEST_F(ScapyNatT, SaInitResponse) {
  auto m = decode_exact(ike(3));
  EXPECT_EQ(m.header.spi_r, 0x98d56d32e2a04742ULL);
  EXPECT_EQ(m.header.flags, flags::kResponse);
  EXPECT_EQ(m.raw().size(), 305u);
  ASSERT_TRUE(verify_message(m).ok()) << describe(verify_message(m).error());
  const Payload* creq = m.find(PayloadType::CERTREQ);
  ASSERT_NE(creq, nullptr);
  EXPECT_EQ(creq->raw().size(), 5u);
  EXPECT_EQ(creq->as<CertReqPayload>()->encoding, CertEncoding::X509_SIGNATURE);
  EXPECT_TRUE(creq->as<CertReqPayload>()->data.empty());
  EXPECT_NE(m.find_notify(NotifyType::MULTIPLE_AUTH_SUPPORTED), nullptr);
  EXPECT_EQ(m.payloads.back().as<NotifyPayload>()->type, NotifyType::MULTIPLE_AUTH_SUPPORTED);
}

TEST_F(ScapyNatT, EncryptedAuthPair) {
  Bytes enc_req = hex_at(0), enc_resp = hex_at(1);
  auto req = decode_exact(ike(4, enc_req));
  EXPECT_EQ(req.header.exchange_type, ExchangeType::IKE_AUTH);
  EXPECT_EQ(req.header.message_id, 1u);
  EXPECT_EQ(req.raw().size(), 1280u);
  ASSERT_EQ(req.payloads.size(), 1u);
  EXPECT_EQ(req.payloads[0].raw().size(), 1252u);
  EXPECT_EQ(req.payloads[0].as<SkPayload>()->inner_next, PayloadType::IDi);
  EXPECT_EQ(req.payloads[0].as<SkPayload>()->data, enc_req);
  EXPECT_TRUE(verify_message(req).ok());

  auto resp = decode_exact(ike(5, enc_resp));
  EXPECT_TRUE(resp.header.is_response());
  EXPECT_EQ(resp.raw().size(), 1272u);
  EXPECT_EQ(resp.payloads.at(0).raw().size(), 1244u);
  EXPECT_EQ(resp.payloads[0].as<SkPayload>()->inner_next, PayloadType::IDr);
  EXPECT_TRUE(verify_message(resp).ok());
}

TEST_F(ScapyNatT, DecryptedAuthRequestWithConfigurationRequest) {
  auto m = decode_decrypted(ike(6), 1280);
  using P = PayloadType;
  ASSERT_EQ(m.payload_types(), (std::vector<P>{P::IDi, P::CERT, P::N, P::N, P::CERTREQ, P::AUTH, P::CP, P::SA,
                                               P::TSi, P::TSr, P::V, P::V, P::V, P::N, P::N}));
  const auto* idi = m.payloads[0].as<IdPayload>();
  EXPECT_EQ(idi->id_type, IdType::ID_RFC822_ADDR);
  EXPECT_EQ(idi->data, core::to_bytes("ikev2-cert"));
  EXPECT_EQ(m.payloads[0].raw().size(), 18u);
  EXPECT_EQ(m.payloads[1].as<CertPayload>()->encoding, CertEncoding::X509_SIGNATURE);
  EXPECT_EQ(m.payloads[1].as<CertPayload>()->data.size() + 5, m.payloads[1].raw().size());
  EXPECT_EQ(m.payloads[2].as<NotifyPayload>()->type, NotifyType::INITIAL_CONTACT);
  EXPECT_EQ(m.payloads[2].as<NotifyPayload>()->protocol_id, ProtocolId::IKE);
  EXPECT_EQ(m.payloads[3].as<NotifyPayload>()->type, NotifyType::HTTP_CERT_LOOKUP_SUPPORTED);
  EXPECT_EQ(m.payloads[4].raw().size(), 65u);
  EXPECT_EQ(m.payloads[4].as<CertReqPayload>()->data.size(), 60u);  // three SHA-1 hashes
  EXPECT_EQ(m.payloads[5].as<AuthPayload>()->method, AuthMethod::DIGITAL_SIGNATURE);
  EXPECT_EQ(m.payloads[5].raw().size(), 92u);

  // The CP(CFG_REQUEST) of reference/ikev2-notes.md 1.7.
  const Payload& cpp = m.payloads[6];
  EXPECT_EQ(cpp.raw().size(), 128u);
  const auto* cp = cpp.as<CpPayload>();
  EXPECT_EQ(cp->cfg_type, CfgType::CFG_REQUEST);
  ASSERT_EQ(cp->attributes.size(), 27u);
  const uint16_t zero_len[] = {1,     2,     3,     4,     20002, 8,     9,     10,    25,
                               7,     28672, 28673, 28674, 20006, 20007, 28675, 28676, 28677,
                               28678, 28679, 28680, 28681, 20003, 20004, 28682};
  for (std::size_t i = 0; i < std::size(zero_len); ++i) {
    EXPECT_EQ(static_cast<uint16_t>(cp->attributes[i].type), zero_len[i]) << "attribute " << i + 1;
    EXPECT_TRUE(cp->attributes[i].value.empty()) << "attribute " << i + 1;
    EXPECT_FALSE(cp->attributes[i].r_bit);
    EXPECT_FALSE(cp->attributes[i].length.has_value());
  }
  EXPECT_EQ(static_cast<uint16_t>(cp->attributes[25].type), 20005);
  EXPECT_EQ(cp->attributes[25].value, core::to_bytes("debian"));
  EXPECT_EQ(static_cast<uint16_t>(cp->attributes[26].type), 28682);  // 28682 appears twice
  EXPECT_EQ(cp->attributes[26].value, core::to_bytes("debian"));
  EXPECT_EQ(label(cp->attributes[6].type), "UNKNOWN(9)");  // reserved type 9
  EXPECT_EQ(label(cp->attributes[10].type), "PRIVATE_USE(28672)");
  EXPECT_EQ(cp->attributes[8].type, CfgAttributeType::INTERNAL_DNS_DOMAIN);

  const auto& pr = m.payloads[7].as<SaPayload>()->proposals.at(0);
  EXPECT_EQ(pr.protocol_id, ProtocolId::ESP);
  EXPECT_EQ(pr.spi, hex("c1a9656b"));
  ASSERT_EQ(pr.transforms.size(), 2u);
  EXPECT_EQ(pr.transforms[0].id, static_cast<uint16_t>(EncrId::ENCR_AES_GCM_16));
  EXPECT_EQ(pr.transforms[0].key_length(), 128);
  EXPECT_EQ(pr.transforms[1].type, TransformType::ESN);
  EXPECT_EQ(pr.transforms[1].id, 0);
  const auto& tsi = m.payloads[8].as<TsPayload>()->selectors.at(0);
  EXPECT_EQ(tsi.start_address, ipv4(0, 0, 0, 0));
  EXPECT_EQ(tsi.end_address, ipv4(255, 255, 255, 255));
  EXPECT_EQ(tsi.end_port, 65535);
  const auto& tsr = m.payloads[9].as<TsPayload>()->selectors.at(0);
  EXPECT_EQ(tsr.start_address, ipv4(192, 168, 225, 0));
  EXPECT_EQ(tsr.end_address, ipv4(192, 168, 225, 255));
  EXPECT_EQ(m.payloads[10].as<VendorIdPayload>()->data, hex("afcad71368a1f1c96b8696fc77570100"));
  EXPECT_EQ(known_vendor_id(m.payloads[10].as<VendorIdPayload>()->data), "RFC 3706 DPD");
  EXPECT_EQ(m.payloads[13].as<NotifyPayload>()->type, NotifyType::MOBIKE_SUPPORTED);
  EXPECT_EQ(m.payloads[14].as<NotifyPayload>()->type, NotifyType::MULTIPLE_AUTH_SUPPORTED);

  auto v = verify_inner(ExchangeType::IKE_AUTH, false, m.payloads);
  EXPECT_TRUE(v.ok()) << describe(v.error());
}

TEST_F(ScapyNatT, DecryptedAuthResponseWithConfigurationReply) {
  auto m = decode_decrypted(ike(7), 1272);
  using P = PayloadType;
  // The gateway also sends a Nonce, which RFC 7296 1.2 does not list for
  // IKE_AUTH.
  ASSERT_EQ(m.payload_types(),
            (std::vector<P>{P::IDr, P::CERT, P::AUTH, P::CP, P::SA, P::NONCE, P::TSi, P::TSr, P::V, P::N}));
  EXPECT_EQ(m.payloads[0].as<IdPayload>()->id_type, IdType::ID_DER_ASN1_DN);
  EXPECT_EQ(m.payloads[0].raw().size(), 126u);
  EXPECT_EQ(m.payloads[1].raw().size(), 742u);

  const Payload& cpp = m.payloads[3];
  EXPECT_EQ(cpp.raw().size(), 92u);
  const auto* cp = cpp.as<CpPayload>();
  EXPECT_EQ(cp->cfg_type, CfgType::CFG_REPLY);
  struct Want {
    uint16_t type;
    Bytes value;
  };
  const Want want[] = {
      {1, ipv4(192, 168, 225, 10)}, {2, ipv4(255, 255, 255, 0)}, {20004, ipv4(192, 168, 225, 1)},
      {3, ipv4(0, 0, 0, 0)},        {3, ipv4(0, 0, 0, 0)},       {20002, ipv4(172, 16, 15, 92)},
      {20002, ipv4(0, 0, 0, 0)},    {4, ipv4(0, 0, 0, 0)},       {4, ipv4(0, 0, 0, 0)},
      {20003, ipv4(0, 0, 0, 0)},    {28674, {}},
  };
  ASSERT_EQ(cp->attributes.size(), std::size(want));
  for (std::size_t i = 0; i < std::size(want); ++i) {
    EXPECT_EQ(static_cast<uint16_t>(cp->attributes[i].type), want[i].type) << "attribute " << i + 1;
    EXPECT_EQ(cp->attributes[i].value, want[i].value) << "attribute " << i + 1;
  }
  const auto& pr = m.payloads[4].as<SaPayload>()->proposals.at(0);
  EXPECT_EQ(pr.spi, hex("ac0faf03"));
  EXPECT_EQ(m.payloads[6].as<TsPayload>()->selectors.at(0).start_address, ipv4(192, 168, 225, 10));
  EXPECT_EQ(m.payloads[6].as<TsPayload>()->selectors.at(0).end_address, ipv4(192, 168, 225, 10));
  EXPECT_EQ(m.payloads[9].as<NotifyPayload>()->type, NotifyType::MOBIKE_SUPPORTED);

  auto v = verify_inner(ExchangeType::IKE_AUTH, true, m.payloads);
  ASSERT_FALSE(v.ok());
  EXPECT_EQ(describe(v.error()),
            "offset 1116: NONCE payload is not allowed inside SK of IKE_AUTH response [INVALID_SYNTAX]");
}

TEST_F(ScapyNatT, DecryptedCreateChildSaFromResponder) {
  auto m = decode_decrypted(ike(8), 280);
  EXPECT_EQ(m.header.exchange_type, ExchangeType::CREATE_CHILD_SA);
  EXPECT_EQ(m.header.flags, 0);  // original responder, request
  EXPECT_EQ(m.header.message_id, 0u);
  using P = PayloadType;
  ASSERT_EQ(m.payload_types(), (std::vector<P>{P::N, P::SA, P::NONCE, P::KE, P::TSi, P::TSr}));
  const auto* rekey = m.payloads[0].as<NotifyPayload>();
  EXPECT_EQ(rekey->type, NotifyType::REKEY_SA);
  EXPECT_EQ(rekey->protocol_id, ProtocolId::ESP);
  EXPECT_EQ(rekey->spi, hex("5fc7ff5a"));
  EXPECT_FALSE(rekey->spi_size.has_value());
  EXPECT_TRUE(rekey->data.empty());
  const auto& pr = m.payloads[1].as<SaPayload>()->proposals.at(0);
  ASSERT_EQ(pr.transforms.size(), 3u);
  EXPECT_EQ(pr.transforms[1].type, TransformType::DH);
  EXPECT_EQ(pr.transforms[1].id, static_cast<uint16_t>(DhGroup::BRAINPOOLP256R1));
  EXPECT_EQ(m.payloads[3].as<KePayload>()->group, DhGroup::BRAINPOOLP256R1);
  EXPECT_EQ(m.payloads[4].as<TsPayload>()->selectors.at(0).start_address, ipv4(192, 168, 225, 11));
  auto v = verify_inner(ExchangeType::CREATE_CHILD_SA, false, m.payloads);
  EXPECT_TRUE(v.ok()) << describe(v.error());
}

// ------------------------------------------------------ REDIRECT capture

class ScapyRedirect : public ScapyUts {
 protected:
  void SetUp() override {
    ScapyUts::SetUp();
    if (IsSkipped()) return;
    code_ = block("IKEv2 key exchange with REDIRECT");
    ASSERT_EQ(testing::count_hex_literals(code_), 4u) << "the block's layout changed";
  }
  Bytes ike(std::size_t n) {
    auto frame = hex_literal(code_, n);
    EXPECT_TRUE(frame.has_value());
    auto b = ike_of_frame(frame.value_or(Bytes{}));
    EXPECT_TRUE(b.has_value()) << "frame " << n << " is not Ether/IPv4/UDP 500";
    return b.value_or(Bytes{});
  }
  std::string code_;
};

TEST_F(ScapyRedirect, RequestAnnouncesRedirectSupport) {
  auto m = decode_exact(ike(0));
  EXPECT_TRUE(verify_message(m).ok());
  EXPECT_NE(m.find_notify(NotifyType::REDIRECT_SUPPORTED), nullptr);
  const auto* natd = m.find_notify(NotifyType::NAT_DETECTION_DESTINATION_IP);
  ASSERT_NE(natd, nullptr);
  EXPECT_EQ(natd->protocol_id, ProtocolId::IKE);
  EXPECT_EQ(natd->data.size(), 20u);
}

TEST_F(ScapyRedirect, ResponseRedirects) {
  Bytes request = ike(0);
  auto m = decode_exact(ike(1));
  ASSERT_EQ(m.payloads.size(), 1u);
  EXPECT_EQ(m.payloads[0].raw().size(), 78u);
  const auto* n = m.payloads[0].as<NotifyPayload>();
  EXPECT_EQ(n->type, NotifyType::REDIRECT);
  EXPECT_EQ(n->protocol_id, ProtocolId::IKE);
  // RFC 5685 8.1: GW Ident Type 3 (FQDN), its length, the name, then Ni.
  std::string gw = "moneybin.duckburg.disney.com";
  ASSERT_GE(n->data.size(), 2 + gw.size());
  EXPECT_EQ(n->data[0], 3);
  EXPECT_EQ(n->data[1], gw.size());
  EXPECT_EQ(Bytes(n->data.begin() + 2, n->data.begin() + 2 + gw.size()), core::to_bytes(gw));
  auto req = decode_exact(request);
  EXPECT_EQ(Bytes(n->data.begin() + 2 + gw.size(), n->data.end()),
            req.find(PayloadType::NONCE)->as<NoncePayload>()->data);
  // A redirect answers IKE_SA_INIT with this Notify alone (RFC 5685 5).
  auto v = verify_message(m);
  EXPECT_TRUE(v.ok()) << describe(v.error());
}

TEST_F(ScapyRedirect, RedirectedFrom) {
  auto m = decode_exact(ike(2));
  const auto* n = m.find_notify(NotifyType::REDIRECTED_FROM);
  ASSERT_NE(n, nullptr);
  EXPECT_EQ(n->data, hex("01040a050234"));  // IPv4 10.5.2.52
  EXPECT_TRUE(verify_message(m).ok());
}

TEST_F(ScapyRedirect, NoProposalChosenWithNonZeroResponderSpi) {
  auto m = decode_exact(ike(3));
  EXPECT_EQ(m.header.spi_r, 0x63cc9c1919de33e7ULL);
  EXPECT_TRUE(m.header.is_response());
  ASSERT_EQ(m.payloads.size(), 1u);
  const auto* n = m.payloads[0].as<NotifyPayload>();
  EXPECT_EQ(n->type, NotifyType::NO_PROPOSAL_CHOSEN);
  EXPECT_EQ(n->protocol_id, ProtocolId::IKE);
  EXPECT_TRUE(verify_message(m).ok());
}

// ------------------------------------------------------- the reader itself

TEST(UtsReader, DecodesPythonEscapes) {
  const char* code = R"(x = 'b' # b'\x00' in a comment
a = b'\x41\n\r\t\\\'\"\101' + B"q'\x7f" + rb'\x00'
h = binascii.unhexlify(''.join("""
  0a0B 0c
""".split())) + bytes.fromhex('ff')
)";
  EXPECT_EQ(testing::count_bytes_literals(code), 3u);
  EXPECT_EQ(bytes_literal(code, 0), core::to_bytes(std::string_view("A\n\r\t\\'\"A")));
  EXPECT_EQ(bytes_literal(code, 1), core::to_bytes("q'\x7f"));
  EXPECT_EQ(bytes_literal(code, 2), core::to_bytes("\\x00"));
  EXPECT_FALSE(bytes_literal(code, 3).has_value());
  EXPECT_EQ(hex_literal(code, 0), hex("0a0b0c"));
  EXPECT_EQ(hex_literal(code, 1), hex("ff"));
  EXPECT_FALSE(hex_literal(code, 2).has_value());
  EXPECT_FALSE(bytes_literal("b'\\x4'", 0).has_value());  // \x needs two digits
  EXPECT_FALSE(bytes_literal("b'unterminated", 0).has_value());
}

}  // namespace
}  // namespace ikeh::codec
