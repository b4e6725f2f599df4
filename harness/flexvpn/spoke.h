// SPDX-License-Identifier: Apache-2.0
// The spoke side of FlexVPN on an initiator engine: the engine configuration
// a Cisco spoke's IKE_AUTH request is built from, and a Spoke that watches
// its engine, applies the hub's CFG_REPLY (address, routes) and pushes its
// own host route back with CFG_SET as `route set interface` does (notes
// 2.3), then classifies the hub's answer by RFC 7296 3.15.1.
//
// The IKE_AUTH request the configuration gives, as the trace's:
//   VID IDi AUTH CFG SA TSi TSr N(INITIAL_CONTACT) N(SET_WINDOW_SIZE)
//   N(ESP_TFC_PADDING_NOT_SUPPORTED) N(NON_FIRST_FRAGMENTS_ALSO)
// (no IDr: leave remote_id unset; no CERTREQ: no trust anchors).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "harness/codec/cp_payload.h"
#include "harness/core/bytes.h"
#include "harness/crypto/secret.h"
#include "harness/engine/config.h"
#include "harness/engine/engine.h"

namespace ikeh::flexvpn {

struct SpokeOptions {
  // `aaa authorization group psk list LIST NAME` on the spoke: the group
  // name and password sent in the CFG_REQUEST (attributes 16521 and 16522,
  // hub.h says why those numbers). Unset: not sent.
  std::optional<std::string> group;
  std::optional<crypto::Secret> group_password;
  uint32_t window_size = 5;     // IOS announces 5 (notes 2.4)
  bool initial_contact = true;  // N(INITIAL_CONTACT) in the first IKE_AUTH (RFC 7296 2.4)
};

// Fills a FlexVPN spoke's engine configuration from `base` (identity, local
// PSK, proposals and selectors are kept): FLEXVPN-SUPPORTED first among the
// IKE_AUTH Vendor IDs, a CFG_REQUEST with an empty INTERNAL_IP4_ADDRESS and
// the group attributes, INITIAL_CONTACT, SET_WINDOW_SIZE,
// ESP_TFC_PADDING_NOT_SUPPORTED and NON_FIRST_FRAGMENTS_ALSO. With no
// `psks` given, the local PSK also verifies the hub (IOS keyrings use one
// key both ways).
engine::EngineConfig spoke_engine_config(engine::EngineConfig base, const SpokeOptions& options = {});

// How the peer answered a CFG_SET (RFC 7296 3.15.1, notes 1.7 and 2.5).
#define IKEH_CFG_SET_OUTCOMES(X)                                                                         \
  X(NotSent)               /* no CFG_SET sent (no address was assigned, or sending is off) */           \
  X(Pending)               /* sent, not answered yet */                                                  \
  X(Acknowledged)          /* CFG_ACK listing every attribute sent, zero-length */                       \
  X(PartiallyAcknowledged) /* CFG_ACK listing some of them, zero-length (the others not accepted) */     \
  X(EmptyAck)              /* an empty CFG_ACK: nothing accepted */                                      \
  X(NoCp)                  /* an answer without CP: CFG_SET ignored (strongSwan) */                      \
  X(Invalid)               /* a CFG_ACK echoing values, or listing an attribute that was not sent */

enum class CfgSetOutcome : uint8_t {
#define IKEH_X(name) name,
  IKEH_CFG_SET_OUTCOMES(IKEH_X)
#undef IKEH_X
};
const char* cfg_set_outcome_name(CfgSetOutcome o);

// Classifies the CFG_ACK attributes received for `sent` (nullopt: the
// answer had no CP). Attribute types are compared as multisets; an
// attribute with a value is an echo, never accepted (notes 2.5). Never
// returns NotSent or Pending.
CfgSetOutcome classify_cfg_ack(const std::vector<codec::CfgAttribute>& sent,
                               const std::optional<std::vector<codec::CfgAttribute>>& ack);

struct SpokeEvent {
  core::TimePoint time{0};
  uint64_t sa = 0;
  std::string text;
};

// A route received in INTERNAL_IP4_SUBNET.
struct SpokeRoute {
  core::Bytes prefix;  // 4 octets
  core::Bytes mask;    // 4 octets
};

// What the spoke made of one IKE SA's configuration exchange.
struct SpokeSession {
  uint64_t sa = 0;
  bool applied = false;              // a CFG_REPLY was applied
  bool cfg_reply_rejected = false;   // a CFG_REPLY came without CFG_REQUEST (RFC 7296 2.19)
  std::optional<core::Bytes> address;
  std::optional<core::Bytes> netmask;
  std::vector<core::Bytes> dns;
  std::vector<SpokeRoute> routes;
  std::vector<codec::CfgAttribute> cfg_set_sent;
  std::optional<std::vector<codec::CfgAttribute>> cfg_ack;  // as received (nullopt: no CP)
  CfgSetOutcome cfg_set = CfgSetOutcome::NotSent;
};

class Spoke {
 public:
  struct Options {
    // Push the assigned address as a /32 INTERNAL_IP4_SUBNET with CFG_SET
    // once a CFG_REPLY is applied (`route set interface`).
    bool send_cfg_set = true;
    // When, after the IKE SA is established, the CFG_SET is queued (a timer
    // on the engine's clock: never from inside the engine's own callback).
    core::Duration cfg_set_delay{0};
  };
  using EventHook = std::function<void(const SpokeEvent&)>;

  // Observes `engine` (an initiator configured by spoke_engine_config()).
  // The engine must outlive the spoke; the spoke may go first.
  static std::unique_ptr<Spoke> attach(engine::Engine& engine, Options options);
  static std::unique_ptr<Spoke> attach(engine::Engine& engine) { return attach(engine, Options{}); }
  ~Spoke();
  Spoke(const Spoke&) = delete;
  Spoke& operator=(const Spoke&) = delete;

  void set_event_hook(EventHook hook) { hook_ = std::move(hook); }
  const std::vector<SpokeEvent>& events() const { return events_; }
  // The IKE SAs this spoke initiated that reached Established or failed on
  // a CFG_REPLY, by serial.
  std::optional<SpokeSession> session(uint64_t sa) const;
  std::vector<SpokeSession> sessions() const;

 private:
  Spoke(engine::Engine& engine, Options options);
  void on_engine_event(const engine::Event& e);
  void apply(SpokeSession& s, const engine::IkeSaInfo& info);
  void send_cfg_set(uint64_t sa);
  void log(uint64_t sa, std::string text);

  engine::Engine& engine_;
  Options options_;
  EventHook hook_;
  std::shared_ptr<Spoke*> alive_;
  std::vector<SpokeEvent> events_;
  std::map<uint64_t, SpokeSession> sessions_;
  std::vector<core::VirtualClock::TimerId> timers_;
};

}  // namespace ikeh::flexvpn
