// SPDX-License-Identifier: Apache-2.0
// The policy model of a Cisco FlexVPN hub (IOS/IOS-XE), as data: IKEv2
// profiles matched by the peer's identity, keyrings whose peer blocks hold
// the pre-shared keys, IKEv2 policies matched by local address and front-door
// VRF, AAA authorization (method lists and local groups whose attributes give
// the pool, netmask, DNS and pushed routes), address pools and virtual
// templates. It mirrors the router configuration of
// ../shared/reference/flexvpn-ikev2-trace.txt:
//
//   crypto ikev2 keyring kr-01
//    peer all
//     address 0.0.0.0 0.0.0.0
//     pre-shared-key <secret>
//   crypto ikev2 profile prof-01
//    match identity remote address 0.0.0.0
//    authentication local pre-share
//    authentication remote pre-share
//    keyring local kr-01
//    aaa authorization group psk list flex flex
//    virtual-template 2
//   crypto ikev2 policy pol-01
//    match fvrf any
//    match address local 10.150.1.1
//    proposal prop-01
//   crypto ikev2 authorization policy flex
//    pool flex-pool
//    route set interface
//   ip local pool flex-pool 192.168.1.13 192.168.1.50
//   interface Virtual-Template2 type tunnel
//    ip unnumbered Loopback0          (Loopback0 192.168.1.1)
//
// harness/scenario/flexvpn_config.h reads it from JSON; flexvpn/hub.h runs
// it on an engine. Plain data; secrets are crypto::Secret, never printed.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "harness/codec/id_payload.h"
#include "harness/codec/ts_payload.h"
#include "harness/core/bytes.h"
#include "harness/crypto/secret.h"
#include "harness/engine/proposal.h"

namespace ikeh::flexvpn {

// `match identity remote ...`: what the peer's IKE identity must be. An
// address matches ID_IPV4_ADDR / ID_IPV6_ADDR within prefix (0.0.0.0/0 with
// prefix 0 matches every address identity, as "match identity remote address
// 0.0.0.0" does); fqdn and email match exactly, or by domain when written
// "domain example.com"; key_id matches ID_KEY_ID data exactly.
struct IdentityMatch {
  enum class Kind : uint8_t { Address, Fqdn, FqdnDomain, Email, EmailDomain, KeyId };
  Kind kind = Kind::Address;
  core::Bytes address;  // Address: 4 or 16 bytes
  uint8_t prefix = 0;   // Address: prefix length
  std::string text;     // Fqdn, FqdnDomain, Email, EmailDomain, KeyId (raw data as text)
};

// `peer NAME` in a keyring: which peers its key is for.
struct KeyringPeer {
  std::string name;                  // "all", "spoke1"
  std::optional<IdentityMatch> identity;  // `identity ...`; checked first
  std::optional<IdentityMatch> address;   // `address A M` (the peer's IP address, not its identity)
  crypto::Secret psk;                // `pre-shared-key`
};

struct Keyring {
  std::string name;
  std::vector<KeyringPeer> peers;  // in configuration order; the most specific match wins (see hub.h)
};

// `aaa authorization group psk list LIST [NAME]`: the method list, and the
// group name; without a name, the username the spoke sends in its
// CFG_REQUEST (Cisco's private attribute) names the group.
struct AuthorizationRef {
  std::string method_list;
  std::optional<std::string> group;
};

struct Profile {
  std::string name;
  std::vector<IdentityMatch> match_identity;  // any one matches
  std::string keyring;
  std::optional<AuthorizationRef> authorization;
  std::optional<uint32_t> virtual_template;   // the template number; sessions get Virtual-Access interfaces
  // `config-exchange set accept` / `set send` (on by default).
  bool config_exchange_set_accept = true;
  // INITIAL_CONTACT replaces an existing SA of the same identity (RFC 7296 2.4).
  bool honour_initial_contact = true;
};

// `crypto ikev2 policy`: chosen by the local address the request came to and
// the front-door VRF; it names the IKE proposals offered.
struct Policy {
  std::string name;
  std::optional<core::Bytes> match_address_local;  // empty: any
  std::optional<std::string> match_fvrf;           // empty or "any": any; "global" or a VRF name
  std::vector<std::string> proposals;              // strongSwan proposal strings
  // The same, expanded (the configuration loader fills it): what the hub
  // offers in IKE_SA_INIT to a request this policy matches.
  std::vector<engine::Suite> suites;
};

// `crypto ikev2 authorization policy NAME` (a local AAA group).
struct AuthorizationGroup {
  std::string name;
  std::string pool;                            // `pool NAME`
  std::optional<core::Bytes> netmask;          // INTERNAL_IP4_NETMASK
  std::vector<core::Bytes> dns;                // INTERNAL_IP4_DNS
  // `route set interface`: the virtual template's own address as a /32
  // INTERNAL_IP4_SUBNET.
  bool route_set_interface = false;
  std::vector<codec::TrafficSelector> route_set_access_list;  // INTERNAL_IP4_SUBNET each
  // The group password a spoke must send when the group is named by its
  // username (unset: none checked).
  std::optional<crypto::Secret> password;
};

struct MethodList {
  std::string name;  // "flex"
  // Only "local" (the router's own groups) is modelled; a RADIUS list is
  // refused when loading.
  std::string method = "local";
};

struct Pool {
  std::string name;
  core::Bytes first, last;  // IPv4, first <= last
};

struct VirtualTemplate {
  uint32_t number = 0;
  core::Bytes address;  // the unnumbered interface's address (route set interface pushes it)
};

struct HubPolicy {
  std::vector<Keyring> keyrings;
  std::vector<Profile> profiles;
  std::vector<Policy> policies;
  std::vector<MethodList> method_lists;
  std::vector<AuthorizationGroup> groups;
  std::vector<Pool> pools;
  std::vector<VirtualTemplate> virtual_templates;
};

}  // namespace ikeh::flexvpn
