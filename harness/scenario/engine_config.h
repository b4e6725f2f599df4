// SPDX-License-Identifier: Apache-2.0
// The JSON configuration of one engine endpoint (`ikeharness initiate
// --config FILE`, `ikeharness respond --config FILE`), and the strongSwan-style
// text forms it is written in: proposals ("aes256gcm16-prfsha256-ecp256"),
// identities ("hub.example", "user@example.com", "10.0.0.1") and traffic
// selectors ("10.0.0.0/24[tcp/80]"). docs/config.md is the reference of the
// format; examples/configs/ holds working pairs.
//
// Every error is one line that says where and what: "<source>: <JSON
// pointer>: <reason>", with a "did you mean" for a misspelt key or value.
// Secrets (pre-shared keys, key passwords) are read only from files or
// environment variables, never from the document, and no error ever shows
// one: errors name the variable or the file.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "harness/codec/id_payload.h"
#include "harness/codec/registry.h"
#include "harness/codec/ts_payload.h"
#include "harness/core/result.h"
#include "harness/engine/config.h"
#include "harness/engine/proposal.h"

namespace ikeh::scenario {

// The optional "network" section: where this endpoint's UDP sockets bind and
// where its peer is. The engine itself has no addresses; the command line
// hands these to the transport (net::UdpConfig). Addresses are numeric.
struct NetworkConfig {
  std::string local_address = "0.0.0.0";
  uint16_t local_port = 500;                        // 0: a free port
  std::optional<uint16_t> local_natt_port = 4500;   // unset: no NAT-T socket
  std::optional<std::string> remote_address;        // needed to initiate
  uint16_t remote_port = 500;
  uint16_t remote_natt_port = 4500;
};

// A whole configuration file: the engine's settings and the network section.
struct EndpointConfig {
  engine::EngineConfig engine;
  NetworkConfig network;
};

// Parses a JSON configuration document. `source` names it in errors (the
// file path); `base_dir` resolves relative file paths (keys, certificates,
// PSK files). The result has passed engine::validate(). Errors, as
// Error::to_string():
//   "<source>: line L, column C: <parser message>"   JSON syntax
//   "<source>: /ike/proposal: unknown key (did you mean "proposals"?)"
//   "<source>: /ike/nonce_size: expected an integer, got a string"
//   "<source>: /ike/proposals/0: unknown algorithm "aes256gcm61" in
//        "aes256gcm61-prfsha256-ecp256" (did you mean "aes256gcm16"?)"
//   "<source>: /local/psk/env: environment variable IKEH_PSK is not set"
//   "<source>: /local/psk/value: ..." (a PSK written into the document is refused)
//   "<source>: /local/key: private key (EC P-256) does not match ..."
// A check of engine::validate() is reported at the key it concerns.
core::Result<EndpointConfig> parse_endpoint_config(std::string_view json_text, std::string_view source,
                                                   const std::string& base_dir);
// The same for a configuration inside a larger document (a scenario's
// "harness" or "peer" object): `node` is that object and `pointer` its JSON
// pointer there, so errors read "<source>: <pointer>/ike/proposals/0: ...".
core::Result<EndpointConfig> parse_endpoint_config_at(const nlohmann::json& node, std::string_view source,
                                                      const std::string& pointer, const std::string& base_dir);

// Reads `path` and parses it with relative paths resolved against the file's
// directory. An unreadable file is "<path>: cannot read: <why>".
core::Result<EndpointConfig> load_endpoint_config(const std::string& path);

// The same, for callers that need only the engine's part.
core::Result<engine::EngineConfig> parse_engine_config(std::string_view json_text, std::string_view source,
                                                       const std::string& base_dir);
core::Result<engine::EngineConfig> load_engine_config(const std::string& path);

// strongSwan proposal syntax: algorithm keywords joined by '-', e.g.
// "aes256gcm16-prfsha256-ecp256", "aes128-sha256-modp2048",
// "aes256-sha384-x25519"; for ESP "aes256gcm16-ecp256" (ecp256 is the PFS
// group), "aes128-sha256-esn". Keywords are those of strongSwan's
// proposal_keywords for algorithms with an IANA number; case is ignored.
// Several algorithms of one kind expand to every combination, in the order
// of nested loops with encryption outermost, then integrity, PRF, key
// exchange and ESN innermost ("aes128-aes256-sha256-ecp256-modp2048" gives
// aes128/ecp256, aes128/modp2048, aes256/ecp256, aes256/modp2048). As in
// strongSwan: an IKE proposal without a PRF takes the PRFs matching its
// integrity algorithms; with AEAD ciphers integrity keywords only serve
// that, and are otherwise dropped; AEAD and classic ciphers cannot share one
// string; ESP/AH without an ESN keyword use NO_ESN; "none" as key exchange
// means no PFS (ESP/AH). Duplicate suites are dropped. Every suite must pass
// engine::validate(Policy). Errors name the token or the suite: "unknown
// algorithm "aes256gcm61" in "..." (did you mean "aes256gcm16"?)".
core::Result<std::vector<engine::Suite>> parse_proposal(std::string_view text, codec::ProtocolId protocol);

// The default proposals when a configuration names none (docs/config.md),
// accepted by a strongSwan peer with its own defaults.
const std::vector<std::string>& default_ike_proposals();
const std::vector<std::string>& default_esp_proposals();

// A secret given by environment variable `env` or, when that is empty, by
// `file` (as written; a relative path is taken from the working folder),
// read as the configuration's secrets are ("0x" hex, trailing line break
// removed). Errors name `source`, `what` and the variable or file, never the
// value.
core::Result<crypto::Secret> read_secret_ref(const std::string& env, const std::string& file, std::string_view what,
                                             std::string_view source);

// An identity in strongSwan's notation:
//   "10.0.0.1"                     ID_IPV4_ADDR
//   "2001:db8::1"                  ID_IPV6_ADDR
//   "user@example.com"             ID_RFC822_ADDR ("@@user@example.com" too)
//   "hub.example", "@hub.example"  ID_FQDN (the '@' keeps it from being read
//                                  as an address)
//   "@#0a0b"                       ID_KEY_ID from hex
//   prefixes (any case): "ipv4:", "ipv6:" (an address), "fqdn:", "dns:",
//   "email:", "rfc822:", "keyid:" (text), "dn:", "asn1dn:"; after any of
//   them "#<hex>" gives the raw identification data; "{N}:" sets the
//   numeric ID type.
// Distinguished names in text form ("CN=gw,O=Example", "dn:CN=gw") are
// refused: the crypto layer has no text-to-DER encoder yet; "dn:#<hex DER>"
// works, and a certificate's subject is the default local identity.
// Errors: an empty identity, bad hex, an address that does not parse after
// "ipv4:"/"ipv6:", an unknown prefix (with a suggestion).
core::Result<codec::IdPayload> parse_identity(std::string_view text);

// A traffic selector in strongSwan's notation: "10.0.0.0/24", "0.0.0.0/0",
// "::/0", a host "10.0.0.1", a range "10.0.0.1-10.0.0.9", each optionally
// followed by "[proto]" or "[proto/port]": proto a name (tcp, udp, icmp,
// icmpv6, sctp, gre, esp, ah, any) or a number 0..255, port a number, a
// range "500-600", "any"/"%any", or "opaque" (start 65535, end 0, RFC 7296
// 3.13.1). Host bits under the prefix are cleared, as strongSwan does.
// Errors quote the text and say what did not parse.
core::Result<codec::TrafficSelector> parse_traffic_selector(std::string_view text);

}  // namespace ikeh::scenario
