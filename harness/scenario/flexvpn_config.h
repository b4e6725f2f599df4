// SPDX-License-Identifier: Apache-2.0
// The JSON configuration of a Cisco FlexVPN hub (`ikeharness respond --config
// hub.json`): the hub's own endpoint settings in the docs/config.md format
// under "endpoint", and the IOS policy objects (keyrings, IKEv2 profiles and
// policies, AAA method lists, authorization policies, local pools, virtual
// templates) read into flexvpn::HubPolicy. Keys read like the IOS commands
// they mirror; docs/flexvpn.md is the reference, and
// scenarios/flexvpn/configs/hub.json the router of
// ../shared/reference/flexvpn-ikev2-trace.txt.
//
// Every error is one line, "<source>: <JSON pointer>: <reason>", with a
// "did you mean" for a misspelt key, value or name:
//   "hub.json: /profiles/prof-01/keyring_local: unknown keyring "kr-1" (did you mean "kr-01"?)"
//   "hub.json: /aaa/method_lists/flex: method "group radius" is not modelled: ..."
//   "hub.json: /pools/flex-pool: first address 192.168.1.50 is above the last 192.168.1.13"
//   "hub.json: /endpoint/local/id: ..." (the endpoint's own errors)
// Secrets (pre-shared keys, group passwords) are read only from {"env"} or
// {"file"}, as docs/config.md says; no error ever shows one.
#pragma once

#include <string>
#include <string_view>

#include <nlohmann/json_fwd.hpp>

#include "harness/core/result.h"
#include "harness/flexvpn/hub_policy.h"
#include "harness/scenario/engine_config.h"

namespace ikeh::scenario {

// A whole hub file: the engine endpoint the hub runs on, and its policy.
struct HubConfig {
  EndpointConfig endpoint;
  flexvpn::HubPolicy policy;
};

// Parses a hub document. `source` names it in errors (the file path);
// `base_dir` resolves relative file names (PSK and password files, and the
// endpoint's keys). Named objects are stored in name order (JSON objects
// have no order); the references between them have been checked. Errors as
// described above; a JSON syntax error is "<source>: line L, column C: ...".
core::Result<HubConfig> parse_hub_config(std::string_view json_text, std::string_view source,
                                         const std::string& base_dir);

// The same for a hub inside a larger document (a scenario): `node` is the hub
// object and `pointer` its JSON pointer there, so errors read
// "<source>: <pointer>/profiles/prof-01/...".
core::Result<HubConfig> parse_hub_config_at(const nlohmann::json& node, std::string_view source,
                                            const std::string& pointer, const std::string& base_dir);

// Reads `path` and parses it with relative file names resolved against the
// file's folder. An unreadable file is "<path>: cannot read: <why>".
core::Result<HubConfig> load_hub_config(const std::string& path);

// One identity match in IOS wording, as `match identity remote` and a keyring
// peer's `identity` take it:
//   "address 0.0.0.0"              any IPv4 identity (prefix 0; "::" likewise for IPv6)
//   "address 10.150.3.1"           that address (a host: /32, /128)
//   "address 10.0.0.0 255.0.0.0", "address 10.0.0.0/8", "address 2001:db8::/32"
//   "fqdn spoke1.example"          ID_FQDN, exactly     "fqdn domain example"  the domain and its hosts
//   "email user@example"           ID_RFC822_ADDR       "email domain example" any user there
//   "key-id spoke1"                ID_KEY_ID data, exactly
// Host bits under the prefix are cleared. Errors quote the text and say what
// did not parse, with a suggestion for a misspelt keyword.
core::Result<flexvpn::IdentityMatch> parse_identity_match(std::string_view text);

}  // namespace ikeh::scenario
