// SPDX-License-Identifier: Apache-2.0
// Peer profiles: `scenarios/peers/<name>.json` describes the peer a scenario
// run talks to (DESIGN rule 7) — where it is, which identities and PSK to use
// with it, what it can do, and what it is known to do differently (the
// expectations list of BoringSSL's test runner):
//
//   {
//     "description": "free text",
//     "kind": "external",                          // or "self"; required
//     "address": "192.0.2.1:500",                  // external only, required then
//     "natt_port": 4500,                           // external only
//     "local": {"address": "0.0.0.0", "port": 500, "natt_port": 4500},  // external only
//     "adapter": "strongswan_adapter.py",          // external only: see PeerProfile::adapter
//     "identities": {"peer": "hub.example", "harness": "spoke.example"},
//     "credentials": {"psk": {"env": "IKEH_PEER_PSK"}},   // or {"file": "psk.txt"}
//     "capabilities": ["initiator", "responder", "cookie"],
//     "deviations": {"rfc7296/2.5-unsupported-critical-payload":
//                      {"verdict": "fail", "reason": "drops the request silently"}},
//     "disabled": {"rfc7296/3.15-cfg-set-*": "does not act on CFG_SET"}
//   }
//
// The format is strict, as docs/config.md: an unknown key, a key given twice,
// an unknown capability or verdict is an error, with a "did you mean" when a
// known spelling is close. Every error is one line, Error::to_string():
//   "<source>: line L, column C: <parser message>"        JSON syntax
//   "<source>: /capabilitys: unknown key (did you mean "capabilities"?)"
//   "<source>: /capabilities/2: unknown capability "fragmentaton" (did you mean
//        "fragmentation"?); one of "initiator", ...
//   "<source>: /credentials/psk/value: a secret is not written into a
//        profile; use file or env ..."
// A secret is never read here, and never appears in an error: the profile
// records where it is (a variable name or a file path); the caller reads it
// when it is needed.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "harness/core/result.h"

namespace ikeh::scenario {

// The documented capability names. A scenario that needs one the peer lacks
// is skipped.
//   initiator      the peer starts IKE SAs (the harness responds)
//   responder      the peer answers IKE SAs (the harness initiates)
//   cookie         it demands and/or honours COOKIE (RFC 7296 2.6)
//   fragmentation  IKE fragmentation (RFC 7383)
//   cfg_request    CP(CFG_REQUEST)/CFG_REPLY in IKE_AUTH (RFC 7296 2.19)
//   cfg_set        it acts on CP(CFG_SET) and answers CFG_ACK (RFC 7296 3.15.1)
//   certificates   certificate authentication (CERT, CERTREQ)
//   childless      IKE SA without a Child SA (RFC 6023)
//   ipv6           reachable over IPv6
//   natt           NAT traversal, UDP 4500 with the non-ESP marker (RFC 7296 2.23)
//   redirect       gateway redirect (RFC 5685)
//   eap            EAP authentication (RFC 7296 2.16)
inline constexpr std::array<std::string_view, 12> kPeerCapabilities = {
    "initiator", "responder", "cookie", "fragmentation", "cfg_request", "cfg_set",
    "certificates", "childless", "ipv6", "natt", "redirect", "eap",
};

enum class PeerKind { Self, External };

// Where a secret is: exactly one of the two is set. `file` is already
// resolved against the profile's folder (or absolute as written).
struct SecretRef {
  std::string env;
  std::string file;
};

// The verdict a peer is known to produce for a scenario.
enum class ExpectedVerdict { Pass, Fail, Skip, Error };

// "pass", "fail", "skip", "error".
const char* expected_verdict_name(ExpectedVerdict v);

struct PeerDeviation {
  ExpectedVerdict verdict = ExpectedVerdict::Fail;
  std::string reason;  // never empty
};

// A numeric address with its port: "192.0.2.1", "192.0.2.1:500",
// "[2001:db8::1]:500", "2001:db8::1" (a bare IPv6 address has no port).
// `address` is without brackets; a scope ("fe80::1%eth0") is kept.
struct PeerAddress {
  std::string address;
  uint16_t port = 500;
};

// Parses the forms above; `default_port` applies when none is written. Host
// names are not looked up. Errors quote the text and say what is wrong (not
// a numeric address, a port outside 1..65535, a missing "]").
core::Result<PeerAddress> parse_peer_address(std::string_view text, uint16_t default_port = 500);

struct PeerProfile {
  std::string name;  // the file stem, "self" for the built-in default, or the address given to resolve_peer
  std::string description;
  PeerKind kind = PeerKind::Self;
  std::optional<std::string> address;  // set for External (without brackets)
  uint16_t port = 500;
  uint16_t natt_port = 4500;
  std::string local_address = "0.0.0.0";
  uint16_t local_port = 500;       // 0: a free port
  uint16_t local_natt_port = 4500; // 0: a free port
  // External only: a program that configures the peer for each scenario and
  // makes it start exchanges (docs/scenarios.md, "Peer adapters"); resolved
  // against the profile's folder. Empty: the peer is configured by hand and
  // cannot be made to start anything.
  std::string adapter;
  // Checked with parse_identity() (engine_config.h) and kept as text; the
  // peer identity may also be "%any".
  std::optional<std::string> peer_identity, harness_identity;
  std::optional<SecretRef> psk;
  std::set<std::string, std::less<>> capabilities;
  std::map<std::string, PeerDeviation, std::less<>> deviations;  // exact scenario id -> deviation
  std::vector<std::pair<std::string, std::string>> disabled;      // glob, reason, in file order

  // Whether the capability is listed.
  bool has(std::string_view capability) const;
  // The deviation listed for exactly this scenario id, or nullptr.
  const PeerDeviation* deviation_for(std::string_view id) const;
  // The reason of the first "disabled" entry whose glob matches the id
  // (fnmatch(3) without flags: "*" also crosses "/"), or nullopt.
  std::optional<std::string> disabled_reason(std::string_view id) const;
};

// Parses a profile document. `source` names it in errors, `name` becomes
// PeerProfile::name, `base_dir` resolves a relative PSK file path. Rules
// beyond the format above: "kind" is required; an external peer needs
// "address", a self peer takes none of "address", "natt_port", "local";
// identities must parse; a secret is {"env": NAME} or {"file": PATH}, an
// inline {"value": ...} or a plain string is refused without quoting it;
// deviation keys are single scenario ids (no glob characters, no ".json");
// "disabled" keys are ids or fnmatch globs; reasons are non-empty strings;
// a capability may be listed once.
core::Result<PeerProfile> parse_peer_profile(std::string_view json_text, std::string_view source, std::string name,
                                             const std::string& base_dir);

// Reads and parses `path`; the name is the file stem, relative paths are
// resolved against the file's folder. An unreadable file is
// "<path>: cannot read: <why>".
core::Result<PeerProfile> load_peer_profile(const std::string& path);

// The peer a `--peer ARG` names:
//   "self"                         self_profile() (the built-in, not a file)
//   a path ending in ".json" or containing "/"   load_peer_profile(path)
//   ADDR, ADDR:PORT, [IPV6]:PORT   an external peer with default settings
//                                  and every capability; name = ARG
//   NAME                           <profiles_dir>/NAME.json
// Errors are "--peer: <reason>", or the loader's error for a file: an
// address that does not parse (when ARG looks like one), an unknown name
// (with the profiles found in profiles_dir and a "did you mean").
core::Result<PeerProfile> resolve_peer(std::string_view arg, const std::string& profiles_dir);

// The built-in default: kind Self, named "self", every capability, no
// deviations, nothing disabled.
PeerProfile self_profile();

}  // namespace ikeh::scenario
