// SPDX-License-Identifier: Apache-2.0
// A Cisco FlexVPN hub (IOS/IOS-XE) run on an engine from its policy model
// (hub_policy.h): the IKEv2 profile, keyring and policy lookup that gives
// each IKE SA its pre-shared key, the AAA authorization that answers the
// spoke's CFG_REQUEST from a local group and its address pool, one
// Virtual-Access interface per session, the routes a spoke pushes with
// CFG_SET, and the INITIAL_CONTACT replacement of a duplicate SA. Everything
// it does is written to an event log whose lines read like the router's
// `debug crypto ikev2` trace (../shared/reference/flexvpn-ikev2-trace.txt):
//
//   IKEv2:(SESSION ID = 1,SA ID = 1):Searching policy based on peer's identity '10.150.3.1' of type 'IPv4 address'
//   IKEv2:found matching IKEv2 profile 'prof-01'
//   ...
//   IKEv2:(SESSION ID = 1,SA ID = 1):Use preshared key for id 10.150.3.1, key len 8
//   %LINK-3-UPDOWN: Interface Virtual-Access1, changed state to up
//
// Ids. SA ID is the engine's IKE SA serial. SESSION ID counts the hub's
// sessions (Options::first_session_id, then +1 for each new IKE SA the hub
// authenticates), as IOS numbers its IKE sessions: the trace's replaced SA
// is session 22, the new one session 23. A rekeyed IKE SA (RFC 7296 2.18)
// stays in its predecessor's session, with its interface, routes and lease.
//
// Authorization attributes. Cisco's own CFG_REQUEST attributes for the
// group name and password are not public (ikev2-notes 2.2). The hub reads,
// and flexvpn/spoke.h sends, the XAUTH numbers of draft-beaulieu-ike-xauth:
// 16521 XAUTH_USER_NAME (the group name) and 16522 XAUTH_USER_PASSWORD (the
// group password). Both lie in the IKEv2 private-use range 16384-32767
// (RFC 7296 3.15.1), are published, mean exactly this, and collide neither
// with the Cisco Unity range 28672-28682 nor with the 2000x attributes real
// clients send (notes 1.7). Every other private-use, reserved (5, 9, 11) or
// zero-length attribute of a CFG_REQUEST is ignored (3.15.1). The password's
// value is never logged, only its length.
//
// AAA outcomes. Authorization (the group named by the profile, else by the
// spoke's username attribute; its password checked only in the latter case)
// happens while the engine builds the IKE_AUTH response. An unknown group, a
// wrong or missing group password, or an exhausted pool fail the first
// Child SA with INTERNAL_ADDRESS_FAILURE and keep the IKE SA (RFC 7296
// 3.15.4: the responder could not assign an address; 3.10.1 keeps
// FAILED_CP_REQUIRED for a CFG_REQUEST that was expected and not received,
// which is not the case here). The log says "authorization failed" and why.
// A profile without `aaa authorization` answers no CP. The reply: the
// leased INTERNAL_IP4_ADDRESS (when the request asks for one; a suggested
// address in the pool is honoured), INTERNAL_IP4_NETMASK with it, each
// INTERNAL_IP4_DNS, `route set interface` as the virtual template's address
// /32 and each `route set access-list` prefix, as INTERNAL_IP4_SUBNET.
//
// CFG_SET. With `config-exchange set accept` (the default), each 8-octet
// INTERNAL_IP4_SUBNET becomes a route via the session's Virtual-Access
// interface and is listed, zero-length, in the CFG_ACK (RFC 7296 3.15.1);
// other attributes, and routes of a session without an interface, are left
// out (an empty CFG_ACK when nothing is accepted). With it off, the CFG_SET
// is answered without CP. Routes, the interface (LINEPROTO down, then LINK
// down) and the lease go when the session's IKE SA is deleted, fails, or
// is replaced after INITIAL_CONTACT.
//
// Order against the trace. The engine calls the hub back while it processes
// the IKE_AUTH request (PSK lookup, then AUTH verified, then the CP) and
// replaces a duplicate SA after the new SA is established, so the duplicate
// SA's "Check for existing active SA" / "Deleting SA" and its interface
// going down come after the new SA's Config-reply, where IOS logs them
// between the AAA request and response.
//
// Profile::honour_initial_contact = false keeps the existing SA (the
// responder policy's initial_contact answer). The IKEv2 policy matching the
// local address and VRF gives the proposals IKE_SA_INIT is answered with
// (Policy::suites; none matching refuses with NO_PROPOSAL_CHOSEN; no
// policies, or one without parsed suites: the endpoint's own proposals).
//
// The hub's own AUTH is computed with the keyring's key (IOS uses the peer
// block's key in both directions), so the hub's engine must be configured
// with an empty local PSK (hub_engine_config() does that). Single-threaded,
// like the engine; nothing throws.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "harness/codec/cp_payload.h"
#include "harness/codec/id_payload.h"
#include "harness/core/bytes.h"
#include "harness/core/result.h"
#include "harness/engine/address_pool.h"
#include "harness/engine/config.h"
#include "harness/engine/engine.h"
#include "harness/flexvpn/hub_policy.h"

namespace ikeh::flexvpn {

// The private-use CFG attributes carrying the authorization group name and
// password (see the file comment for why these numbers).
inline constexpr uint16_t kGroupNameAttribute = 16521;      // XAUTH_USER_NAME
inline constexpr uint16_t kGroupPasswordAttribute = 16522;  // XAUTH_USER_PASSWORD

// "FLEXVPN-SUPPORTED" as ASCII (notes 2.1), the Vendor ID both ends put
// first in IKE_AUTH.
core::Bytes flexvpn_supported_vid();

// One line of the hub's log. `session` and `sa` are set on every event (0
// only before the hub knows the SA); `style` says how line() prints them,
// the way the trace prints that line.
struct HubEvent {
  enum class Style : uint8_t {
    SessionAndSa,  // "IKEv2:(SESSION ID = 1,SA ID = 1):text"
    SaOnly,        // "IKEv2:(SA ID = 1):text" (the AAA lines)
    NoIds,         // "IKEv2:text" (profile, keyring, policy and route lines)
    Syslog,        // "text" ("%LINK-3-UPDOWN: ...")
  };
  core::TimePoint time{0};
  uint64_t session = 0;
  uint64_t sa = 0;
  Style style = Style::SessionAndSa;
  std::string text;

  std::string line() const;
};

// A route of the hub's table, installed from a spoke's CFG_SET.
struct HubRoute {
  core::Bytes prefix;  // 4 octets
  core::Bytes mask;    // 4 octets
  std::string interface;  // "Virtual-Access1"
  std::string vrf;        // "global"
  uint64_t sa = 0;        // the IKE SA that pushed it
};

// A Virtual-Access interface cloned from a virtual template.
struct HubInterface {
  std::string name;  // "Virtual-Access1"
  uint32_t virtual_template = 0;
  bool up = false;
  uint64_t sa = 0;  // the IKE SA it serves (its last one, once down)
};

// One session: an IKE SA the hub authenticated (and its rekeyed successors).
struct HubSession {
  uint64_t id = 0;           // SESSION ID
  uint64_t sa = 0;           // its current IKE SA serial
  std::string profile;       // "" when no profile matched
  std::string keyring_peer;  // the matched peer block
  std::string group;         // the AAA group authorized ("" before / without)
  std::optional<core::Bytes> address;  // leased from the group's pool
  std::optional<std::string> interface;  // its Virtual-Access interface
  bool active = true;        // false once its IKE SA is gone
};

// Fills the engine configuration of a FlexVPN hub as IOS behaves: the
// FLEXVPN-SUPPORTED Vendor ID first in IKE_AUTH, SET_WINDOW_SIZE 5 (notes
// 2.4), ESP_TFC_PADDING_NOT_SUPPORTED and NON_FIRST_FRAGMENTS_ALSO, no
// engine pool, an empty local PSK (the keyring's key is used) and, when
// `psks` is empty, a placeholder entry for an identity no peer has (validate()
// wants a key; the hub's responder policy answers every lookup). Identity,
// proposals and selectors are left as given.
engine::EngineConfig hub_engine_config(engine::EngineConfig base);

class Hub {
 public:
  struct Options {
    // The hub's address as the spokes reach it ("Searching Policy with
    // fvrf 0, local address ..."); unset: the engine's env().local address.
    std::optional<core::Bytes> local_address;
    // The front-door VRF the requests arrive in ("global" is fvrf 0).
    std::string fvrf = "global";
    // The VRF the pushed routes go into.
    std::string route_vrf = "global";
    uint64_t first_session_id = 1;
    // Whether events() keeps every line (the default, for tests and
    // reports); false: lines only go to the event hook, so a hub with
    // thousands of sessions holds no log (as a router with debugging off).
    bool keep_events = true;
  };

  using EventHook = std::function<void(const HubEvent&)>;

  // Validates the policy and takes over the engine's responder policy, CFG_SET
  // hook and (as an observer) its SA events. Errors name what is wrong: a
  // profile naming an unknown keyring, method list, group or virtual
  // template ("profile 'prof-01': unknown keyring 'kr-02'"), a group naming
  // an unknown pool, a method list other than "local", a pool whose bounds
  // are not IPv4 in order, a route_set_access_list entry that is not an IPv4
  // prefix, a template address that is not IPv4, duplicate names, and an
  // engine configured with a local PSK. The engine must outlive the hub; the
  // hub may go first (its callbacks then do nothing).
  static core::Result<std::unique_ptr<Hub>> attach(engine::Engine& engine, HubPolicy policy, Options options);
  static core::Result<std::unique_ptr<Hub>> attach(engine::Engine& engine, HubPolicy policy) {
    return attach(engine, std::move(policy), Options{});
  }
  ~Hub();
  Hub(const Hub&) = delete;
  Hub& operator=(const Hub&) = delete;

  // Called with each event as it is logged (the scenario runner's stream).
  void set_event_hook(EventHook hook) { hook_ = std::move(hook); }

  // Every line logged so far (none when Options::keep_events is false).
  const std::vector<HubEvent>& events() const { return events_; }
  // Every event's line(), in order.
  std::vector<std::string> lines() const;
  // The routes currently installed.
  const std::vector<HubRoute>& routes() const { return routes_; }
  // Every Virtual-Access interface created, in creation order (down ones
  // stay listed: their numbers are never reused).
  const std::vector<HubInterface>& interfaces() const { return interfaces_; }
  // Every session, active or not, in creation order.
  std::vector<HubSession> sessions() const;
  // The session of an IKE SA serial (nullopt: not the hub's).
  std::optional<HubSession> session_of(uint64_t sa) const;

 private:
  struct Session;
  Hub(engine::Engine& engine, HubPolicy policy, Options options);

  // ResponderPolicy::psk, ResponderPolicy::cp and the CFG_SET hook.
  std::optional<crypto::Secret> psk(uint64_t sa, const codec::IdPayload& peer_id);
  core::Result<std::optional<std::vector<codec::CfgAttribute>>> cp(uint64_t sa, const codec::IdPayload& peer_id,
                                                                   const codec::CpPayload& request);
  std::optional<std::vector<codec::CfgAttribute>> cfg_set(uint64_t sa, const std::vector<codec::CfgAttribute>& set);
  void on_engine_event(const engine::Event& e);

  Session* session(uint64_t sa);
  Session& new_session(uint64_t sa);
  void log(uint64_t sa, HubEvent::Style style, std::string text);
  void auth_passed(Session& s);
  void session_up(Session& s);
  void session_down(Session& s);
  const Profile* profile_of(const Session& s) const;
  // The first IKEv2 policy matching the hub's local address and front-door
  // VRF; nullptr when none does.
  const Policy* match_policy() const;

  engine::Engine& engine_;
  HubPolicy policy_;
  Options options_;
  core::Bytes local_address_;
  EventHook hook_;
  std::shared_ptr<Hub*> alive_;  // the engine's callbacks hold it; cleared by ~Hub
  std::vector<HubEvent> events_;
  std::vector<HubRoute> routes_;
  std::vector<HubInterface> interfaces_;
  std::vector<std::unique_ptr<Session>> sessions_;  // in creation order
  std::map<uint64_t, Session*> by_sa_;              // every serial a session had
  std::map<std::string, engine::AddressPool> pools_;
  uint64_t next_session_ = 1;
  uint32_t next_vi_ = 1;
};

}  // namespace ikeh::flexvpn
