// SPDX-License-Identifier: Apache-2.0
// Codec throughput: decode and encode of the two messages a FlexVPN spoke sends
// first (RFC 7296 1.2): a 372-byte IKE_SA_INIT request and an IKE_AUTH request,
// the latter both as a plaintext payload chain (what the engine builds and
// parses around SK) and as it travels (header + one opaque SK payload).
//
// Extra options, handled before Google Benchmark sees the command line:
//   --sa-init-hex          print the 372-byte IKE_SA_INIT as one hex line and exit
//   --write-sa-init=FILE   write its bytes to FILE and exit
// bench/compare_codec.sh uses them so every tool decodes exactly these bytes.
#include <benchmark/benchmark.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "harness/codec/message.h"
#include "harness/codec/rules.h"

namespace {

using namespace ikeh::codec;
using ikeh::core::Bytes;
using ikeh::core::BytesView;

constexpr std::size_t kSaInitSize = 372;

Bytes pattern(std::size_t n, uint8_t seed) {
  Bytes b(n);
  for (std::size_t i = 0; i < n; ++i) b[i] = static_cast<uint8_t>(seed + i * 37);
  return b;
}

// HDR, SA{1 proposal: ENCR_3DES, PRF_HMAC_SHA2_256, AUTH_HMAC_SHA2_256_128,
// MODP_2048}, KE(group 14, 256 bytes), Ni(32 bytes): 28 + 44 + 264 + 36 bytes.
Message sa_init_request() {
  Proposal p;
  p.protocol_id = ProtocolId::IKE;
  p.transforms = {Transform(TransformType::ENCR, static_cast<uint16_t>(EncrId::ENCR_3DES)),
                  Transform(TransformType::PRF, static_cast<uint16_t>(PrfId::PRF_HMAC_SHA2_256)),
                  Transform(TransformType::INTEG, static_cast<uint16_t>(IntegId::AUTH_HMAC_SHA2_256_128)),
                  Transform(TransformType::DH, static_cast<uint16_t>(DhGroup::MODP_2048))};
  SaPayload sa;
  sa.proposals.push_back(std::move(p));
  KePayload ke;
  ke.group = DhGroup::MODP_2048;
  ke.data = pattern(256, 0x5a);
  return make_message(ExchangeType::IKE_SA_INIT, flags::kInitiator, 0, 0x98db5fd5979eac12ULL, 0,
                      {Payload(PayloadType::SA, std::move(sa)), Payload(PayloadType::KE, std::move(ke)),
                       make_nonce(pattern(32, 0x11))});
}

// The spoke's IKE_AUTH request of reference/flexvpn-ikev2-trace.txt:
// VID IDi AUTH CFG SA TSi TSr N(INITIAL_CONTACT) N(SET_WINDOW_SIZE)
// N(ESP_TFC_PADDING_NOT_SUPPORTED) N(NON_FIRST_FRAGMENTS_ALSO).
std::vector<Payload> ike_auth_payloads() {
  IdPayload idi;
  idi.id_type = IdType::ID_IPV4_ADDR;
  idi.data = {10, 150, 3, 1};
  AuthPayload auth;
  auth.method = AuthMethod::SHARED_KEY_MIC;
  auth.data = pattern(32, 0x21);  // PRF_HMAC_SHA2_256 output
  CpPayload cp;
  cp.cfg_type = CfgType::CFG_REQUEST;
  cp.attributes = {CfgAttribute(CfgAttributeType::INTERNAL_IP4_ADDRESS),
                   CfgAttribute(CfgAttributeType::INTERNAL_IP4_NETMASK),
                   CfgAttribute(CfgAttributeType::INTERNAL_IP4_DNS),
                   CfgAttribute(CfgAttributeType::INTERNAL_IP4_SUBNET),
                   CfgAttribute(CfgAttributeType::APPLICATION_VERSION, ikeh::core::to_bytes("Cisco IOS 15.4"))};
  Proposal p;
  p.protocol_id = ProtocolId::ESP;
  p.spi = {0xc4, 0x5d, 0x2a, 0x01};
  p.transforms = {Transform(TransformType::ENCR, static_cast<uint16_t>(EncrId::ENCR_AES_CBC), 256),
                  Transform(TransformType::INTEG, static_cast<uint16_t>(IntegId::AUTH_HMAC_SHA1_96)),
                  Transform(TransformType::ESN, static_cast<uint16_t>(EsnId::NO_ESN))};
  SaPayload sa;
  sa.proposals.push_back(std::move(p));
  auto any_v4 = [] {
    TrafficSelector ts;
    ts.ts_type = TsType::TS_IPV4_ADDR_RANGE;
    ts.start_address = {0, 0, 0, 0};
    ts.end_address = {255, 255, 255, 255};
    TsPayload t;
    t.selectors.push_back(ts);
    return t;
  };
  Bytes window = {0, 0, 0, 5};
  return {make_vendor_id(ikeh::core::to_bytes("FLEXVPN-SUPPORTED")),
          Payload(PayloadType::IDi, std::move(idi)),
          Payload(PayloadType::AUTH, std::move(auth)),
          Payload(PayloadType::CP, std::move(cp)),
          Payload(PayloadType::SA, std::move(sa)),
          Payload(PayloadType::TSi, any_v4()),
          Payload(PayloadType::TSr, any_v4()),
          make_notify(NotifyType::INITIAL_CONTACT),
          make_notify(NotifyType::SET_WINDOW_SIZE, window),
          make_notify(NotifyType::ESP_TFC_PADDING_NOT_SUPPORTED),
          make_notify(NotifyType::NON_FIRST_FRAGMENTS_ALSO)};
}

constexpr uint64_t kSpiI = 0x98db5fd5979eac12ULL;
constexpr uint64_t kSpiR = 0x1398f140044abc30ULL;

// The plaintext chain as a message, so decode/encode run the same entry points
// as for IKE_SA_INIT.
Message ike_auth_plain() {
  return make_message(ExchangeType::IKE_AUTH, flags::kInitiator, 1, kSpiI, kSpiR, ike_auth_payloads());
}

// What travels: HDR, SK{...} with an opaque block of the chain's size plus a
// 16-byte IV and a 12-byte ICV (AES-CBC / HMAC-SHA1-96 as proposed above).
Message ike_auth_wire() {
  std::size_t inner = encode_message(ike_auth_plain()).size() - kHeaderSize;
  SkPayload sk;
  sk.inner_next = PayloadType::V;
  sk.data = pattern(16 + inner + 12, 0x77);
  return make_message(ExchangeType::IKE_AUTH, flags::kInitiator, 1, kSpiI, kSpiR,
                      {Payload(PayloadType::SK, std::move(sk))});
}

Bytes must_encode(const Message& m, const char* what) {
  Bytes b = encode_message(m);
  auto d = decode_message(b);
  if (!d.ok()) {
    std::fprintf(stderr, "%s does not decode: %s\n", what, describe(d.error()).c_str());
    std::exit(1);
  }
  return b;
}

void decode_bench(benchmark::State& state, const Bytes& wire) {
  for (auto _ : state) {
    auto m = decode_message(BytesView(wire));
    if (!m.ok()) {
      state.SkipWithError("decode failed");
      break;
    }
    benchmark::DoNotOptimize(m);
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(wire.size()));
  state.counters["bytes"] = static_cast<double>(wire.size());
}

// The same decode into one message kept across iterations
// (decode_message_into): what a loop over a capture or a receive path does.
void decode_reuse_bench(benchmark::State& state, const Bytes& wire) {
  Message m;
  for (auto _ : state) {
    if (!decode_message_into(BytesView(wire), m).ok()) {
      state.SkipWithError("decode failed");
      break;
    }
    benchmark::DoNotOptimize(m);
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(wire.size()));
}

void encode_bench(benchmark::State& state, const Message& m) {
  std::size_t size = 0;
  for (auto _ : state) {
    Bytes b = encode_message(m);
    size = b.size();
    benchmark::DoNotOptimize(b.data());
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(size));
  state.counters["bytes"] = static_cast<double>(size);
}

// Built once; the benchmarks only read them.
const Bytes& sa_init_bytes() {
  static const Bytes b = must_encode(sa_init_request(), "IKE_SA_INIT request");
  return b;
}

void BM_DecodeSaInit(benchmark::State& s) { decode_bench(s, sa_init_bytes()); }
void BM_DecodeSaInitReuse(benchmark::State& s) { decode_reuse_bench(s, sa_init_bytes()); }
void BM_EncodeSaInit(benchmark::State& s) {
  static const Message m = sa_init_request();
  encode_bench(s, m);
}
void BM_DecodeIkeAuthPlain(benchmark::State& s) {
  static const Bytes b = must_encode(ike_auth_plain(), "IKE_AUTH plaintext chain");
  decode_bench(s, b);
}
void BM_EncodeIkeAuthPlain(benchmark::State& s) {
  static const Message m = ike_auth_plain();
  encode_bench(s, m);
}
void BM_DecodeIkeAuthWire(benchmark::State& s) {
  static const Bytes b = must_encode(ike_auth_wire(), "IKE_AUTH wire form");
  decode_bench(s, b);
}
void BM_EncodeIkeAuthWire(benchmark::State& s) {
  static const Message m = ike_auth_wire();
  encode_bench(s, m);
}
// Decode then encode of the received bytes: what a relay or a mutating
// scenario step does with every message.
void BM_RoundTripSaInit(benchmark::State& s) {
  const Bytes& wire = sa_init_bytes();
  for (auto _ : s) {
    auto m = decode_message(BytesView(wire));
    Bytes out = encode_message(*m);
    benchmark::DoNotOptimize(out.data());
  }
  s.SetItemsProcessed(s.iterations());
}

// What the engine does around SK for every IKE_AUTH: encode the inner chain
// before encryption, decode it after decryption, then check it against the
// exchange's payload rules.
void BM_EncodeIkeAuthInner(benchmark::State& s) {
  static const std::vector<Payload> inner = ike_auth_payloads();
  for (auto _ : s) {
    Bytes b = encode_payloads(inner);
    benchmark::DoNotOptimize(b.data());
  }
  s.SetItemsProcessed(s.iterations());
}
void BM_DecodeIkeAuthInner(benchmark::State& s) {
  static const Bytes chain = encode_payloads(ike_auth_payloads());
  for (auto _ : s) {
    auto p = decode_payloads(PayloadType::V, chain);
    if (!p.ok()) {
      s.SkipWithError("decode failed");
      break;
    }
    benchmark::DoNotOptimize(p);
  }
  s.SetItemsProcessed(s.iterations());
}
void BM_VerifyIkeAuthInner(benchmark::State& s) {
  static const auto inner = decode_payloads(PayloadType::V, encode_payloads(ike_auth_payloads()));
  if (!inner.ok()) {
    s.SkipWithError("decode failed");
    return;
  }
  for (auto _ : s) {
    auto st = verify_inner(ExchangeType::IKE_AUTH, false, *inner);
    if (!st.ok()) {
      s.SkipWithError("verify failed");
      break;
    }
    benchmark::DoNotOptimize(st);
  }
  s.SetItemsProcessed(s.iterations());
}

BENCHMARK(BM_DecodeSaInit);
BENCHMARK(BM_DecodeSaInitReuse);
BENCHMARK(BM_EncodeSaInit);
BENCHMARK(BM_DecodeIkeAuthPlain);
BENCHMARK(BM_EncodeIkeAuthPlain);
BENCHMARK(BM_DecodeIkeAuthWire);
BENCHMARK(BM_EncodeIkeAuthWire);
BENCHMARK(BM_RoundTripSaInit);
BENCHMARK(BM_EncodeIkeAuthInner);
BENCHMARK(BM_DecodeIkeAuthInner);
BENCHMARK(BM_VerifyIkeAuthInner);

}  // namespace

int main(int argc, char** argv) {
  const Bytes& sa_init = sa_init_bytes();
  // The figure the comparison is quoted for; a codec change that alters the
  // size would silently change what is measured.
  if (sa_init.size() != kSaInitSize) {
    std::fprintf(stderr, "IKE_SA_INIT request is %zu bytes, expected %zu\n", sa_init.size(), kSaInitSize);
    return 1;
  }
  std::vector<char*> rest;
  for (int i = 0; i < argc; ++i) {
    if (std::strcmp(argv[i], "--sa-init-hex") == 0) {
      std::printf("%s\n", ikeh::core::to_hex(sa_init).c_str());
      return 0;
    }
    if (std::strncmp(argv[i], "--write-sa-init=", 16) == 0) {
      const char* path = argv[i] + 16;
      std::FILE* f = std::fopen(path, "wb");
      if (f == nullptr || std::fwrite(sa_init.data(), 1, sa_init.size(), f) != sa_init.size() ||
          std::fclose(f) != 0) {
        std::fprintf(stderr, "cannot write %s\n", path);
        return 1;
      }
      return 0;
    }
    rest.push_back(argv[i]);
  }
  int n = static_cast<int>(rest.size());
  benchmark::Initialize(&n, rest.data());
  if (benchmark::ReportUnrecognizedArguments(n, rest.data())) return 2;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
