// SPDX-License-Identifier: Apache-2.0
// Writes examples/flexvpn-sample.pcap: a FlexVPN spoke (10.150.3.1) bringing
// up an IKE SA with its hub (10.150.1.1), modelled on
// ../shared/reference/flexvpn-ikev2-trace.txt (its SPIs, payload chains and
// addresses). The crypto is real: ECP-256 key exchange, SKEYSEED and SK_*
// keys (PRF-HMAC-SHA2-256), PSK AUTH, SK protection with AES-CBC-256 and
// HMAC-SHA2-256-128. Private values, nonces, IVs and SPIs come from a fixed
// pseudo-random generator, so the output is identical on every run; CTest
// checks that the committed files are what this program writes.
//
//   make_sample OUT.pcap [--keys TABLE]    the sample flow (8 datagrams), and
//                                          its Wireshark key table on request
//   make_sample --packets N OUT.pcap       N datagrams: the flow repeated with
//                                          new SPIs, nonces and keys (benchmarks)
#include <CLI/CLI.hpp>
#include <cstdint>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

#include "harness/codec/message.h"
#include "harness/crypto/auth.h"
#include "harness/crypto/dh.h"
#include "harness/crypto/kdf.h"
#include "harness/crypto/key_table.h"
#include "harness/crypto/sk.h"
#include "reports/pcap_writer.h"

namespace {

using namespace ikeh;
using codec::Bytes;
using codec::Payload;
using codec::PayloadType;

// SplitMix64: tiny, fixed, and the same on every platform.
class Prng {
 public:
  explicit Prng(uint64_t seed) : s_(seed) {}
  uint64_t next() {
    uint64_t z = (s_ += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
  }
  Bytes bytes(std::size_t n) {
    Bytes b(n);
    for (auto& x : b) x = static_cast<uint8_t>(next() >> 56);
    return b;
  }

 private:
  uint64_t s_;
};

Bytes text(const char* s) { return core::to_bytes(s); }

// ikev2-notes.md 2.1: the Cisco vendor IDs a FlexVPN router sends.
const char* const kCiscoVids[] = {
    "CISCO-DELETE-REASON",
    "CISCO(COPYRIGHT)&Copyright (c) 2009 Cisco Systems, Inc.",
    "FLEXVPN-SUPPORTED",
};

codec::Transform tf(codec::TransformType t, uint16_t id) { return codec::Transform(t, id); }

codec::SaPayload ike_sa(bool both_proposals) {
  using codec::TransformType;
  codec::SaPayload sa;
  codec::Proposal p1;
  p1.protocol_id = codec::ProtocolId::IKE;
  p1.transforms = {codec::Transform(TransformType::ENCR, static_cast<uint16_t>(codec::EncrId::ENCR_AES_CBC), 256),
                   tf(TransformType::INTEG, static_cast<uint16_t>(codec::IntegId::AUTH_HMAC_SHA2_256_128)),
                   tf(TransformType::PRF, static_cast<uint16_t>(codec::PrfId::PRF_HMAC_SHA2_256)),
                   tf(TransformType::DH, static_cast<uint16_t>(codec::DhGroup::ECP_256))};
  sa.proposals.push_back(p1);
  if (both_proposals) {
    codec::Proposal p2;
    p2.protocol_id = codec::ProtocolId::IKE;
    p2.transforms = {codec::Transform(TransformType::ENCR, static_cast<uint16_t>(codec::EncrId::ENCR_AES_CBC), 128),
                     tf(TransformType::INTEG, static_cast<uint16_t>(codec::IntegId::AUTH_HMAC_SHA1_96)),
                     tf(TransformType::PRF, static_cast<uint16_t>(codec::PrfId::PRF_HMAC_SHA1)),
                     tf(TransformType::DH, static_cast<uint16_t>(codec::DhGroup::MODP_2048))};
    sa.proposals.push_back(p2);
  }
  return sa;
}

std::vector<Payload> sa_init_payloads(Prng& rng, bool request, const Bytes& ke_data, const Bytes& nonce) {
  std::vector<Payload> p;
  p.emplace_back(PayloadType::SA, ike_sa(request));
  codec::KePayload ke;
  ke.group = codec::DhGroup::ECP_256;
  ke.data = ke_data;
  p.emplace_back(PayloadType::KE, ke);
  p.push_back(codec::make_nonce(nonce));
  for (const char* vid : kCiscoVids) p.push_back(codec::make_vendor_id(text(vid)));
  p.push_back(codec::make_notify(codec::NotifyType::NAT_DETECTION_SOURCE_IP, rng.bytes(20)));
  p.push_back(codec::make_notify(codec::NotifyType::NAT_DETECTION_DESTINATION_IP, rng.bytes(20)));
  p.push_back(codec::make_notify(codec::NotifyType::IKEV2_FRAGMENTATION_SUPPORTED));
  p.push_back(codec::make_notify(codec::NotifyType::SIGNATURE_HASH_ALGORITHMS, Bytes{0, 2, 0, 3, 0, 4}));
  return p;
}

// The IKE_AUTH inner chain of the trace ("VID IDi AUTH CFG SA TSi TSr N...");
// the AUTH data is filled in by the caller once the signed octets are known.
std::vector<Payload> auth_inner(Prng& rng, bool request) {
  using codec::CfgAttributeType;
  std::vector<Payload> p;
  p.push_back(codec::make_vendor_id(text("FLEXVPN-SUPPORTED")));
  codec::IdPayload id;
  id.id_type = codec::IdType::ID_IPV4_ADDR;
  id.data = request ? Bytes{10, 150, 3, 1} : Bytes{10, 150, 1, 1};
  p.emplace_back(request ? PayloadType::IDi : PayloadType::IDr, id);
  codec::AuthPayload auth;
  auth.method = codec::AuthMethod::SHARED_KEY_MIC;
  p.emplace_back(PayloadType::AUTH, auth);
  codec::CpPayload cp;
  cp.cfg_type = request ? codec::CfgType::CFG_REQUEST : codec::CfgType::CFG_REPLY;
  cp.attributes.emplace_back(CfgAttributeType::INTERNAL_IP4_ADDRESS, request ? Bytes{} : Bytes{192, 168, 1, 13});
  cp.attributes.emplace_back(CfgAttributeType::INTERNAL_IP4_SUBNET,
                             request ? Bytes{} : Bytes{192, 168, 1, 1, 255, 255, 255, 255});
  p.emplace_back(PayloadType::CP, cp);
  codec::SaPayload sa;
  codec::Proposal esp;
  esp.protocol_id = codec::ProtocolId::ESP;
  esp.spi = rng.bytes(4);
  esp.transforms = {
      codec::Transform(codec::TransformType::ENCR, static_cast<uint16_t>(codec::EncrId::ENCR_AES_CBC), 256),
      tf(codec::TransformType::INTEG, static_cast<uint16_t>(codec::IntegId::AUTH_HMAC_SHA2_256_128)),
      tf(codec::TransformType::ESN, static_cast<uint16_t>(codec::EsnId::NO_ESN))};
  sa.proposals.push_back(esp);
  p.emplace_back(PayloadType::SA, sa);
  codec::TsPayload ts;
  codec::TrafficSelector any;
  any.start_address = {0, 0, 0, 0};
  any.end_address = {255, 255, 255, 255};
  ts.selectors.push_back(any);
  p.emplace_back(PayloadType::TSi, ts);
  p.emplace_back(PayloadType::TSr, ts);
  if (request) p.push_back(codec::make_notify(codec::NotifyType::INITIAL_CONTACT));
  p.push_back(codec::make_notify(codec::NotifyType::SET_WINDOW_SIZE, Bytes{0, 0, 0, 5}));
  p.push_back(codec::make_notify(codec::NotifyType::ESP_TFC_PADDING_NOT_SUPPORTED));
  p.push_back(codec::make_notify(codec::NotifyType::NON_FIRST_FRAGMENTS_ALSO));
  return p;
}

std::vector<Payload> cfg_set_inner(bool request) {
  // Trace: CFG_SET with the route to the spoke's tunnel address, CFG_ACK
  // with the attribute echoed empty.
  codec::CpPayload cp;
  cp.cfg_type = request ? codec::CfgType::CFG_SET : codec::CfgType::CFG_ACK;
  cp.attributes.emplace_back(codec::CfgAttributeType::INTERNAL_IP4_SUBNET,
                             request ? Bytes{192, 168, 1, 13, 255, 255, 255, 255} : Bytes{});
  return {Payload(PayloadType::CP, cp)};
}

struct Flow {
  uint64_t spi_i;
  uint64_t spi_r;
  int64_t start;  // seconds
  uint32_t usec;
};

// The trace's pre-shared key length ("key len 8"); the key itself is a
// sample value, published with the capture's key table.
constexpr std::string_view kSamplePsk = "flexvpn1";

// An ECP-256 key pair from the generator: private values out of range are
// skipped, which keeps the draw deterministic.
core::Result<crypto::KeyExchange> key_pair(Prng& rng) {
  for (;;) {
    auto kx = crypto::KeyExchange::from_private(codec::DhGroup::ECP_256, rng.bytes(32));
    if (kx) return kx;
  }
}

class SampleWriter {
 public:
  SampleWriter(reports::PcapWriter& w, uint64_t limit) : w_(w), limit_(limit) {}
  bool full() const { return written_ >= limit_; }
  // Key table rows of the flows written so far.
  const std::vector<std::string>& key_rows() const { return key_rows_; }

  // Writes one flow; stops early when the packet limit is reached.
  core::Status flow(Prng& rng, const Flow& f) {
    using codec::ExchangeType;
    namespace fl = codec::flags;
    using crypto::PrfId;
    const reports::Endpoint spoke500{"10.150.3.1", 500}, hub500{"10.150.1.1", 500};
    const reports::Endpoint spoke4500{"10.150.3.1", 4500}, hub4500{"10.150.1.1", 4500};
    t_ = f.start * 1000000 + f.usec;
    auto msg = [&](ExchangeType x, uint8_t flags, uint32_t id, uint64_t spi_r, std::vector<Payload> p) {
      return codec::make_message(x, flags, id, f.spi_i, spi_r, std::move(p));
    };

    // IKE_SA_INIT with real ECP-256 public values, on port 500 as in the trace.
    auto kx_i = key_pair(rng);
    auto kx_r = key_pair(rng);
    if (!kx_i || !kx_r) return kx_i ? kx_r.error() : kx_i.error();
    Bytes ni = rng.bytes(32), nr = rng.bytes(32);
    Bytes init_req = codec::encode_message(msg(ExchangeType::IKE_SA_INIT, fl::kInitiator, 0, 0,
                                               sa_init_payloads(rng, true, kx_i->public_value(), ni)));
    Bytes init_resp = codec::encode_message(msg(ExchangeType::IKE_SA_INIT, fl::kResponse, 0, f.spi_r,
                                                sa_init_payloads(rng, false, kx_r->public_value(), nr)));
    if (auto s = send(spoke500, hub500, init_req, 0); !s) return s;
    if (auto s = send(hub500, spoke500, init_resp, 12000); !s) return s;

    // RFC 7296 2.14: the keys of the chosen proposal (AES-CBC-256,
    // HMAC-SHA2-256-128, PRF-HMAC-SHA2-256).
    auto suite = crypto::make_suite(crypto::EncrId::ENCR_AES_CBC, 256, crypto::IntegId::AUTH_HMAC_SHA2_256_128,
                                    PrfId::PRF_HMAC_SHA2_256);
    if (!suite) return suite.error();
    auto g_ir = kx_i->shared_secret(kx_r->public_value());
    if (!g_ir) return g_ir.error();
    auto seed = crypto::skeyseed(PrfId::PRF_HMAC_SHA2_256, ni, nr, g_ir->view());
    if (!seed) return seed.error();
    auto keys = crypto::derive_ike_sa_keys(*suite, seed->view(), ni, nr, f.spi_i, f.spi_r);
    if (!keys) return keys.error();
    auto row = crypto::make_key_table_entry(f.spi_i, f.spi_r, *suite, *keys);
    if (!row) return row.error();
    key_rows_.push_back(crypto::format_key_table_row(*row));

    // IKE_AUTH with PSK AUTH over the real signed octets (RFC 7296 2.15).
    auto auth_req = signed_auth(auth_inner(rng, true), init_req, nr, keys->sk_pi);
    auto auth_resp = signed_auth(auth_inner(rng, false), init_resp, ni, keys->sk_pr);
    if (!auth_req) return auth_req.error();
    if (!auth_resp) return auth_resp.error();
    auto protect = [&](codec::Message m, const std::vector<Payload>& inner) {
      codec::PayloadType first = codec::PayloadType::NONE;
      Bytes plain = codec::encode_payloads(inner, &first);
      m.payloads.emplace_back(PayloadType::SK, codec::SkPayload{});
      crypto::ProtectFaults chosen;
      chosen.iv = rng.bytes(suite->encr.iv_size);  // deterministic IV
      return crypto::protect(*suite, crypto::keys_for(*keys, m.header.is_initiator()), std::move(m), first, plain,
                             chosen);
    };
    auto a1 = protect(msg(ExchangeType::IKE_AUTH, fl::kInitiator, 1, f.spi_r, {}), *auth_req);
    auto a2 = protect(msg(ExchangeType::IKE_AUTH, fl::kResponse, 1, f.spi_r, {}), *auth_resp);
    // The CFG_SET exchange moved to 4500 (RFC 7296 2.23 allows the switch at
    // any time; it exercises the non-ESP marker).
    auto c1 = protect(msg(ExchangeType::INFORMATIONAL, fl::kInitiator, 2, f.spi_r, {}), cfg_set_inner(true));
    auto c2 = protect(msg(ExchangeType::INFORMATIONAL, fl::kResponse, 2, f.spi_r, {}), cfg_set_inner(false));
    for (const auto* r : {&a1, &a2, &c1, &c2})
      if (!*r) return r->error();
    if (auto s = send(spoke500, hub500, *a1, 9000); !s) return s;
    if (auto s = send(hub500, spoke500, *a2, 137000); !s) return s;
    if (auto s = send(spoke4500, hub4500, marker(*c1), 250000); !s) return s;
    if (auto s = send(hub4500, spoke4500, marker(*c2), 13000); !s) return s;
    // ESP in UDP (RFC 3948): SPI, sequence number 1, then opaque IV,
    // ciphertext and ICV (ESP itself is not decoded here).
    Bytes esp = rng.bytes(4);
    // RFC 4303 2.1: SPIs 1-255 are reserved and 0 reads as the non-ESP
    // marker; a non-zero first octet avoids both.
    esp[0] |= 0x01;
    Bytes seq{0, 0, 0, 1};
    esp.insert(esp.end(), seq.begin(), seq.end());
    Bytes body = rng.bytes(16 + 64 + 16);
    esp.insert(esp.end(), body.begin(), body.end());
    if (auto s = send(spoke4500, hub4500, esp, 40000); !s) return s;
    // RFC 3948 2.3: NAT-keepalive, one 0xFF octet.
    return send(spoke4500, hub4500, Bytes{0xff}, 20000000);
  }

 private:
  // Fills the AUTH payload of an IKE_AUTH chain with PSK AUTH data.
  static core::Result<std::vector<Payload>> signed_auth(std::vector<Payload> inner, const Bytes& own_init,
                                                        const Bytes& peer_nonce, const crypto::Secret& sk_p) {
    const codec::IdPayload* id = nullptr;
    codec::AuthPayload* auth = nullptr;
    for (auto& p : inner) {
      if (auto* i = p.as<codec::IdPayload>()) id = i;
      if (auto* a = p.as<codec::AuthPayload>()) auth = a;
    }
    auto octets = crypto::signed_octets(crypto::PrfId::PRF_HMAC_SHA2_256, own_init, peer_nonce, sk_p.view(),
                                        crypto::id_payload_body(*id));
    if (!octets) return octets.error();
    auto data = crypto::psk_auth(crypto::PrfId::PRF_HMAC_SHA2_256, crypto::Secret(core::to_bytes(kSamplePsk)),
                                 *octets);
    if (!data) return data.error();
    auth->data = *data;
    return inner;
  }

  static Bytes marker(Bytes m) {
    m.insert(m.begin(), 4, 0);
    return m;
  }
  core::Status send(const reports::Endpoint& a, const reports::Endpoint& b, const Bytes& payload, int64_t delay_us) {
    if (full()) return {};
    t_ += delay_us;
    ++written_;
    return w_.write_udp(a, b, payload, t_ / 1000000, static_cast<uint32_t>(t_ % 1000000));
  }

  reports::PcapWriter& w_;
  uint64_t limit_;
  uint64_t written_ = 0;
  int64_t t_ = 0;
  std::vector<std::string> key_rows_;
};

int run(int argc, char** argv) {
  CLI::App app{"Writes the deterministic FlexVPN sample capture (examples/flexvpn-sample.pcap)"};
  std::string out;
  std::string keys_out;
  uint64_t packets = 0;
  app.add_option("out", out, "Output pcap file")->required();
  app.add_option("--keys", keys_out, "Also write the flows' keys as a Wireshark ikev2_decryption_table");
  app.add_option("--packets", packets, "Write this many datagrams, repeating the flow with new SPIs (0: one flow)");
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::cerr << "make_sample: " << e.what() << "\n";
    return 2;
  }
  auto writer = reports::PcapWriter::open(out);
  if (!writer) {
    std::cerr << out << ": " << writer.error().reason << "\n";
    return 2;
  }
  Prng rng(0x464c455856504e31ull);  // "FLEXVPN1"
  SampleWriter sample(*writer, packets == 0 ? UINT64_MAX : packets);
  // 2023-02-13 03:58:03.389 UTC: the trace's IKE_AUTH, minus the IKE_SA_INIT round trip.
  Flow f{0x98DB5FD5979EAC12ull, 0x1398F140044ABC30ull, 1676260683, 368000};
  for (uint64_t n = 0;; ++n) {
    if (auto s = sample.flow(rng, f); !s) {
      std::cerr << out << ": " << s.error().reason << "\n";
      return 2;
    }
    if (packets == 0 || sample.full()) break;
    f.spi_i = rng.next();
    f.spi_r = rng.next();
    f.start += 1;
  }
  if (!keys_out.empty()) {
    std::ofstream k(keys_out, std::ios::binary);
    k << "# Wireshark ikev2_decryption_table for " << out.substr(out.find_last_of('/') + 1) << " (sample keys)\n";
    for (const auto& r : sample.key_rows()) k << r << "\n";
    if (!k) {
      std::cerr << keys_out << ": cannot write\n";
      return 2;
    }
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return run(argc, argv);
  } catch (const std::exception& e) {
    std::cerr << "make_sample: " << e.what() << "\n";
    return 2;
  }
}
