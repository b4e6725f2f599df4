// SPDX-License-Identifier: Apache-2.0
// Crypto cost of one IKE exchange step: SK protect and unprotect of a
// 300-byte IKE_AUTH body (RFC 7296 3.14) with AES-CBC-256 + HMAC-SHA2-256-128
// and with AES-GCM-16-256, the raw primitives underneath on 256-byte inputs
// (the sizes bench/compare_crypto.sh asks `openssl speed` for), and one key
// pair plus shared secret per Diffie-Hellman group (RFC 7296 2.14 g^ir).
//
// The `_keyed` figures key once and then only change the IV per message
// (KeyedCipher, KeyedMac, SkContext), as an SA does over its lifetime and as
// `openssl speed` does; the `_per_call` figures go through the free functions
// (aead_seal, protect(suite, keys, ...)), which key a context every call.
#include <benchmark/benchmark.h>

#include <cstdlib>

#include "harness/codec/message.h"
#include "harness/crypto/cipher.h"
#include "harness/crypto/dh.h"
#include "harness/crypto/kdf.h"
#include "harness/crypto/sk.h"

namespace {

using namespace ikeh;
using namespace ikeh::crypto;
using core::Bytes;

Bytes pattern(std::size_t n, uint8_t seed) {
  Bytes b(n);
  for (std::size_t i = 0; i < n; ++i) b[i] = static_cast<uint8_t>(seed + i * 37);
  return b;
}

struct Setup {
  KeySuite suite;
  SkKeys keys;
  codec::Message message;  // header + empty SK, as the engine hands it over
  codec::PayloadType first = codec::PayloadType::NONE;
  Bytes inner;  // 300 bytes of IKE_AUTH payloads
};

// The suites are fixed and valid: a failure here is a broken build.
Setup make_setup(codec::EncrId encr, codec::IntegId integ) {
  Setup s;
  auto suite = make_suite(encr, 256, integ, codec::PrfId::PRF_HMAC_SHA2_256);
  if (!suite) std::abort();
  s.suite = std::move(*suite);
  s.keys.encr = Secret(pattern(s.suite.encr.keymat_size(), 1));
  if (s.suite.integ) s.keys.integ = Secret(pattern(s.suite.integ->key_size, 2));
  // N(INITIAL_CONTACT) 8 + V 12 + NONCE 36 + V 244 = 300 bytes, the size of a
  // PSK IKE_AUTH request body with one proposal (the shared captures: 180-188).
  std::vector<codec::Payload> chain{codec::make_notify(codec::NotifyType::INITIAL_CONTACT),
                                    codec::make_vendor_id(pattern(8, 3)), codec::make_nonce(pattern(32, 4)),
                                    codec::make_vendor_id(pattern(240, 5))};
  s.inner = codec::encode_payloads(chain, &s.first);
  if (s.inner.size() != 300) std::abort();
  s.message = codec::make_message(codec::ExchangeType::IKE_AUTH, codec::flags::kInitiator, 1, 0x0102030405060708ull,
                                  0x1112131415161718ull, {codec::Payload(codec::PayloadType::SK, codec::SkPayload{})});
  return s;
}

void sk_protect_per_call(benchmark::State& state, codec::EncrId encr, codec::IntegId integ) {
  Setup s = make_setup(encr, integ);
  for (auto _ : state) {
    auto wire = protect(s.suite, s.keys, s.message, s.first, s.inner);
    benchmark::DoNotOptimize(wire);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * s.inner.size()));
}

void sk_protect_keyed(benchmark::State& state, codec::EncrId encr, codec::IntegId integ) {
  Setup s = make_setup(encr, integ);
  auto ctx = SkContext::create(s.suite, s.keys);
  if (!ctx) std::abort();
  for (auto _ : state) {
    auto wire = protect(*ctx, s.message, s.first, s.inner);
    benchmark::DoNotOptimize(wire);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * s.inner.size()));
}

void sk_unprotect_per_call(benchmark::State& state, codec::EncrId encr, codec::IntegId integ) {
  Setup s = make_setup(encr, integ);
  auto wire = protect(s.suite, s.keys, s.message, s.first, s.inner);
  if (!wire) std::abort();
  auto m = codec::decode_message(*wire);
  if (!m) std::abort();
  for (auto _ : state) {
    auto opened = unprotect(s.suite, s.keys, *m, *wire);
    if (!opened) state.SkipWithError("unprotect failed");
    benchmark::DoNotOptimize(opened);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * s.inner.size()));
}

void sk_unprotect_keyed(benchmark::State& state, codec::EncrId encr, codec::IntegId integ) {
  Setup s = make_setup(encr, integ);
  auto ctx = SkContext::create(s.suite, s.keys);
  if (!ctx) std::abort();
  auto wire = protect(*ctx, s.message, s.first, s.inner);
  if (!wire) std::abort();
  auto m = codec::decode_message(*wire);
  if (!m) std::abort();
  for (auto _ : state) {
    auto opened = unprotect(*ctx, *m, *wire);
    if (!opened) state.SkipWithError("unprotect failed");
    benchmark::DoNotOptimize(opened);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * s.inner.size()));
}

#define SK_BENCH(fn)                                                                                      \
  BENCHMARK_CAPTURE(fn, aes_cbc_256_hmac_sha2_256_128, codec::EncrId::ENCR_AES_CBC,                       \
                    codec::IntegId::AUTH_HMAC_SHA2_256_128);                                              \
  BENCHMARK_CAPTURE(fn, aes_gcm_16_256, codec::EncrId::ENCR_AES_GCM_16, codec::IntegId::AUTH_NONE)
SK_BENCH(sk_protect_keyed);
SK_BENCH(sk_unprotect_keyed);
SK_BENCH(sk_protect_per_call);
SK_BENCH(sk_unprotect_per_call);

// Raw primitives on 256 bytes, the block size compare_crypto.sh gives
// `openssl speed -bytes 256`.
constexpr std::size_t kRaw = 256;

void raw_aes_gcm_256_keyed(benchmark::State& state) {
  auto info = encr_info(codec::EncrId::ENCR_AES_GCM_16, 256);
  if (!info) std::abort();
  Bytes key = pattern(info->keymat_size(), 1), iv = pattern(info->iv_size, 2), aad = pattern(32, 3);
  Bytes data = pattern(kRaw, 4);
  auto keyed = KeyedCipher::create(*info, key);
  if (!keyed) std::abort();
  for (auto _ : state) {
    auto out = keyed->seal(iv, aad, data);
    benchmark::DoNotOptimize(out);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * kRaw));
}
BENCHMARK(raw_aes_gcm_256_keyed);

void raw_aes_gcm_256_per_call(benchmark::State& state) {
  auto info = encr_info(codec::EncrId::ENCR_AES_GCM_16, 256);
  if (!info) std::abort();
  Bytes key = pattern(info->keymat_size(), 1), iv = pattern(info->iv_size, 2), aad = pattern(32, 3);
  Bytes data = pattern(kRaw, 4);
  for (auto _ : state) {
    auto out = aead_seal(*info, key, iv, aad, data);
    benchmark::DoNotOptimize(out);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * kRaw));
}
BENCHMARK(raw_aes_gcm_256_per_call);

void raw_aes_cbc_256_keyed(benchmark::State& state) {
  auto info = encr_info(codec::EncrId::ENCR_AES_CBC, 256);
  if (!info) std::abort();
  Bytes key = pattern(info->keymat_size(), 1), iv = pattern(info->iv_size, 2), data = pattern(kRaw, 4);
  auto keyed = KeyedCipher::create(*info, key);
  if (!keyed) std::abort();
  for (auto _ : state) {
    auto out = keyed->encrypt(iv, data);
    benchmark::DoNotOptimize(out);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * kRaw));
}
BENCHMARK(raw_aes_cbc_256_keyed);

void raw_aes_cbc_256_per_call(benchmark::State& state) {
  auto info = encr_info(codec::EncrId::ENCR_AES_CBC, 256);
  if (!info) std::abort();
  Bytes key = pattern(info->keymat_size(), 1), iv = pattern(info->iv_size, 2), data = pattern(kRaw, 4);
  for (auto _ : state) {
    auto out = encrypt(*info, key, iv, data);
    benchmark::DoNotOptimize(out);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * kRaw));
}
BENCHMARK(raw_aes_cbc_256_per_call);

void raw_hmac_sha256_keyed(benchmark::State& state) {
  auto info = integ_info(codec::IntegId::AUTH_HMAC_SHA2_256_128);
  if (!info) std::abort();
  Bytes key = pattern(info->key_size, 1), data = pattern(kRaw, 4);
  auto keyed = KeyedMac::create(*info, key);
  if (!keyed) std::abort();
  for (auto _ : state) {
    auto out = keyed->mac(data);
    benchmark::DoNotOptimize(out);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * kRaw));
}
BENCHMARK(raw_hmac_sha256_keyed);

void raw_hmac_sha256_per_call(benchmark::State& state) {
  auto info = integ_info(codec::IntegId::AUTH_HMAC_SHA2_256_128);
  if (!info) std::abort();
  Bytes key = pattern(info->key_size, 1), data = pattern(kRaw, 4);
  for (auto _ : state) {
    auto out = integ_mac(*info, key, data);
    benchmark::DoNotOptimize(out);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * kRaw));
}
BENCHMARK(raw_hmac_sha256_per_call);

// One side's key pair plus g^ir: what each peer pays per IKE_SA_INIT.
void dh_key_pair_and_shared(benchmark::State& state) {
  auto group = static_cast<codec::DhGroup>(state.range(0));
  auto peer = KeyExchange::generate(group);
  if (!peer) {
    state.SkipWithError(peer.error().reason.c_str());
    return;
  }
  state.SetLabel(peer->info().name);
  for (auto _ : state) {
    auto own = KeyExchange::generate(group);
    if (!own) std::abort();
    auto shared = own->shared_secret(peer->public_value());
    benchmark::DoNotOptimize(shared);
  }
}

// g^ir alone (peer check included): what `openssl speed ecdhp256 ...`
// measures, for the comparison.
void dh_shared_only(benchmark::State& state) {
  auto group = static_cast<codec::DhGroup>(state.range(0));
  auto own = KeyExchange::generate(group);
  auto peer = KeyExchange::generate(group);
  if (!own || !peer) {
    state.SkipWithError("group not available");
    return;
  }
  state.SetLabel(own->info().name);
  for (auto _ : state) {
    auto shared = own->shared_secret(peer->public_value());
    benchmark::DoNotOptimize(shared);
  }
}

void all_groups(benchmark::internal::Benchmark* b) {
  for (auto g : supported_dh_groups()) b->Arg(static_cast<int64_t>(g));
}
BENCHMARK(dh_key_pair_and_shared)->Apply(all_groups)->Unit(benchmark::kMicrosecond);
BENCHMARK(dh_shared_only)->Apply(all_groups)->Unit(benchmark::kMicrosecond);

}  // namespace

BENCHMARK_MAIN();
