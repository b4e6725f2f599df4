// SPDX-License-Identifier: Apache-2.0
#include "harness/engine/config.h"

#include <algorithm>
#include <string>
#include <utility>

namespace ikeh::engine {
namespace {

// `where` is the EngineConfig member path ("local_auth.private_key"), so the
// JSON loader can map the error back to the key it came from.
core::Error config_error(std::string where, std::string reason) {
  return core::make_error(std::move(where), std::move(reason));
}

core::Status validate_policy(const char* name, const Policy& policy) {
  auto s = validate(policy);
  if (s) return {};
  const core::Error& e = s.error();
  std::string reason = e.reason;
  // validate(Policy) names the suite as field "suites/N".
  if (e.field.rfind("suites/", 0) == 0) reason = "suite " + e.field.substr(7) + ": " + reason;
  return config_error(name, reason);
}

core::Status validate_pool(const AddressPoolConfig& pool) {
  auto family_ok = [](const Bytes& a) { return a.size() == 4 || a.size() == 16; };
  if (!family_ok(pool.first))
    return config_error("pool.first", "must be 4 (IPv4) or 16 (IPv6) bytes, got " + std::to_string(pool.first.size()));
  if (!family_ok(pool.last))
    return config_error("pool.last", "must be 4 (IPv4) or 16 (IPv6) bytes, got " + std::to_string(pool.last.size()));
  if (pool.first.size() != pool.last.size())
    return config_error("pool.last", "first and last address are of different families (IPv4 and IPv6)");
  // Same length, network order: byte-wise comparison is numeric order.
  if (std::lexicographical_compare(pool.last.begin(), pool.last.end(), pool.first.begin(), pool.first.end()))
    return config_error("pool.last", "last address is below the first");
  return {};
}

// `per_peer_keys`: psks has entries, which key this side's AUTH per peer.
core::Status validate_local_auth(const LocalAuth& auth, bool per_peer_keys) {
  switch (auth.kind) {
    case AuthKind::Psk:
      if (auth.psk.empty() && !per_peer_keys)
        return config_error("local_auth.psk", "empty (psk authentication needs a pre-shared key, here or in psks)");
      return {};
    case AuthKind::Signature:
      if (!auth.private_key)
        return config_error("local_auth.private_key", "missing (signature authentication needs a private key)");
      if (!auth.certificate)
        return config_error("local_auth.certificate", "missing (signature authentication needs a certificate)");
      if (!auth.private_key->matches(auth.certificate->public_key()))
        return config_error("local_auth.private_key", "private key (" + auth.private_key->describe() +
                                                          ") does not match the certificate's public key (" +
                                                          auth.certificate->public_key().describe() + ", subject " +
                                                          auth.certificate->subject() + ")");
      return {};
  }
  return config_error("local_auth.kind", "unknown authentication kind " + std::to_string(static_cast<int>(auth.kind)));
}

}  // namespace

const char* auth_kind_name(AuthKind k) {
  switch (k) {
    case AuthKind::Psk: return "psk";
    case AuthKind::Signature: return "signature";
  }
  return "unknown";
}

core::Status validate(const EngineConfig& config) {
  if (config.ike_policy.protocol != ProtocolId::IKE)
    return config_error("ike_policy", "protocol must be IKE, got " + codec::label(config.ike_policy.protocol));
  if (auto s = validate_policy("ike_policy", config.ike_policy); !s) return s;
  if (config.child_policy.protocol != ProtocolId::ESP && config.child_policy.protocol != ProtocolId::AH)
    return config_error("child_policy",
                        "protocol must be ESP or AH, got " + codec::label(config.child_policy.protocol));
  if (auto s = validate_policy("child_policy", config.child_policy); !s) return s;

  // RFC 7296 2.10: nonces are at least 128 bits and at most 256 octets.
  if (config.nonce_size < 16 || config.nonce_size > 256)
    return config_error("nonce_size", std::to_string(config.nonce_size) + " is outside 16..256 (RFC 7296 2.10)");
  // RFC 7383 2.5.1: 576 octets is the IPv4 minimum every host must accept.
  if (config.fragment_size < 576)
    return config_error("fragment_size",
                        std::to_string(config.fragment_size) + " is below the minimum of 576 (RFC 7383 2.5.1)");
  if (config.window_size < 1) return config_error("window_size", "must be at least 1 (RFC 7296 2.3)");
  if (auto s = validate(config.retransmit); !s) {
    const core::Error& e = s.error();
    return config_error("retransmit." + e.field, e.reason);
  }

  if (auto s = validate_local_auth(config.local_auth, !config.psks.empty()); !s) return s;
  for (std::size_t i = 0; i < config.psks.size(); ++i)
    if (config.psks[i].psk.empty()) return config_error("psks." + std::to_string(i) + ".psk", "empty pre-shared key");

  if (config.pool) {
    if (auto s = validate_pool(*config.pool); !s) return s;
  }
  return {};
}

}  // namespace ikeh::engine
