// SPDX-License-Identifier: Apache-2.0
// The suite the handshake benchmarks run (bench/handshake_bench.cc against
// our own responder, bench/strongswan_rate.cc against charon): PSK auth,
// AES-GCM-16-256 with PRF_HMAC_SHA2_256 for the IKE SA, AES-GCM-16-256 for
// the Child SA, the given DH group, FQDN identities.
#pragma once

#include <optional>
#include <string>

#include "harness/core/bytes.h"
#include "harness/engine/config.h"
#include "harness/engine/proposal.h"

namespace ikeh::bench {

inline codec::IdPayload fqdn(const std::string& name) {
  codec::IdPayload id;
  id.id_type = codec::IdType::ID_FQDN;
  id.data.assign(name.begin(), name.end());
  return id;
}

// A side of the benchmark suite with identity `local` and pre-shared key
// `psk`; selectors, remote identity and notifies are left to the caller.
inline engine::EngineConfig psk_gcm_config(const std::string& local, codec::DhGroup group, core::BytesView psk) {
  engine::EngineConfig c;
  c.ike_policy.protocol = codec::ProtocolId::IKE;
  c.ike_policy.suites = {engine::ike_suite(codec::EncrId::ENCR_AES_GCM_16, 256, codec::IntegId::AUTH_NONE,
                                           codec::PrfId::PRF_HMAC_SHA2_256, group)};
  c.child_policy.protocol = codec::ProtocolId::ESP;
  c.child_policy.suites = {
      engine::esp_suite(codec::EncrId::ENCR_AES_GCM_16, 256, codec::IntegId::AUTH_NONE, codec::EsnId::NO_ESN)};
  c.local_id = fqdn(local);
  c.local_auth.kind = engine::AuthKind::Psk;
  c.local_auth.psk = crypto::Secret(psk);
  c.psks = {engine::PskEntry{std::nullopt, crypto::Secret(psk)}};
  return c;
}

}  // namespace ikeh::bench
