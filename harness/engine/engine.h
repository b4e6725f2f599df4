// SPDX-License-Identifier: Apache-2.0
// One IKEv2 endpoint (RFC 7296): the table of its IKE SAs and their Child
// SAs, and the state machine that drives the exchange tasks (ike_sa_init.h,
// ike_auth.h, create_child_sa.h, and the INFORMATIONAL exchanges here) over
// Message IDs and windows (exchange_window.h), retransmission
// (retransmit.h), SK protection and RFC 7383 fragmentation (crypto/sk.h).
//
// The engine does no I/O and reads no clock of its own: datagrams go out
// through a send callback and come in through receive(); time and timers
// come from a VirtualClock (self mode moves it by hand; a network driver
// keeps it at real time), and every random byte from an injected source, so
// a seeded self-mode run repeats byte for byte. Both roles live in one
// engine: any endpoint may initiate IKE SAs and answer them. Single-threaded;
// nothing throws.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "harness/codec/cp_payload.h"
#include "harness/codec/id_payload.h"
#include "harness/core/bytes.h"
#include "harness/core/clock.h"
#include "harness/core/result.h"
#include "harness/crypto/key_table.h"
#include "harness/crypto/sk.h"
#include "harness/engine/config.h"
#include "harness/engine/events.h"
#include "harness/engine/ike_auth.h"
#include "harness/engine/ike_sa_init.h"

namespace ikeh::engine {

class IkeSa;

// Where a datagram goes or came from: the peer's transport address, and
// whether it travels on the NAT-T port with the non-ESP marker (RFC 3948
// 2.2; the marker itself is the transport's business).
struct Route {
  Endpoint remote;
  bool natt = false;
};

struct EngineEnv {
  // Timers and time. Must outlive the engine.
  core::VirtualClock* clock = nullptr;
  // SPIs, nonces, DH private values, IVs, cookie secret, jitter.
  RandomSource random;
  // Hands one datagram (an IKE message without marker) to the transport.
  std::function<void(const Route& to, core::BytesView message)> send;
  // This endpoint's address as peers see it: the NAT-D hashes and the
  // cookie use it. Its port is the IKE port; natt_port the NAT-T one.
  Endpoint local;
  uint16_t natt_port = 4500;
  // Names the engine in events ("initiator", "hub").
  std::string name = "engine";
  // Keep the key table rows of forgotten IKE SAs for key_table() (the user
  // asked for key export). Off: rows exist only for SAs still in the table.
  bool export_keys = false;
};

// A read-only view of one Child SA.
struct ChildSaInfo {
  uint32_t id = 0;
  ChildSaState state = ChildSaState::Installed;
  ChildSa sa;  // suite, SPIs (spi_i: the creating exchange's initiator), selectors, keys
  bool transport_mode = false;
  // True when this side created it as the exchange initiator (its inbound SPI
  // is sa.spi_i then, sa.spi_r otherwise).
  bool we_initiated = false;
  // The SPI this side receives ESP with, and the one it sends with.
  Bytes inbound_spi() const { return we_initiated ? sa.spi_i : sa.spi_r; }
  Bytes outbound_spi() const { return we_initiated ? sa.spi_r : sa.spi_i; }
};

// A read-only view of one IKE SA.
struct IkeSaInfo {
  uint64_t serial = 0;
  IkeSaState state = IkeSaState::Connecting;
  bool original_initiator = false;
  uint64_t spi_i = 0;
  uint64_t spi_r = 0;
  Route route;
  std::optional<Suite> suite;
  DhGroup group = DhGroup::NONE;
  codec::IdPayload peer_id;  // empty until authenticated
  std::vector<ChildSaInfo> children;  // every Child SA, deleted ones included
  // CFG_REPLY attributes received (initiator) or sent (responder), and the
  // address assigned from the pool (responder).
  std::vector<codec::CfgAttribute> cp_attributes;
  std::optional<Bytes> assigned_address;
  // The serial of the IKE SA that replaced this one in a rekey (0: none).
  uint64_t replaced_by = 0;
  uint32_t peer_window = 1;
  bool fragmentation = false;
  bool nat_detected = false;
  bool peer_redirect_supported = false;  // the peer sent REDIRECT_SUPPORTED (RFC 5685)
  uint32_t retransmissions = 0;  // requests of this SA sent again, in total
};

// What the CFG_SET hook answers (RFC 7296 3.15.1): the attributes accepted
// into the CFG_ACK (values left empty by the engine), or nullopt to answer
// without a CP payload (the CFG_SET ignored).
using CfgSetHook = std::function<std::optional<std::vector<codec::CfgAttribute>>(
    uint64_t ike_sa, const codec::IdPayload& peer_id, const std::vector<codec::CfgAttribute>& set)>;

// A responder's per-peer policy for the IKE_AUTH of IKE SAs this engine
// answers (a FlexVPN hub's IKEv2 profiles, keyrings and AAA authorization),
// consulted instead of the configuration's `psks` and `pool`. Each function
// gets the IKE SA's serial and the initiator's IDi; an empty one leaves the
// configuration in charge. Called synchronously while the request is
// processed, possibly more than once for one request.
struct ResponderPolicy {
  // The initiator's PSK (also the one this side's AUTH is computed with);
  // nullopt: none, answered with AUTHENTICATION_FAILED.
  std::function<std::optional<crypto::Secret>(uint64_t ike_sa, const codec::IdPayload& peer_id)> psk;
  // The CFG_REPLY attributes for a CFG_REQUEST, or nullopt to answer no CP;
  // an error with notify INTERNAL_ADDRESS_FAILURE or FAILED_CP_REQUIRED
  // fails the Child SA with it and keeps the IKE SA (RFC 7296 3.15.4). An
  // INTERNAL_IP4/6_ADDRESS in the reply becomes the SA's assigned address.
  std::function<core::Result<std::optional<std::vector<codec::CfgAttribute>>>(
      uint64_t ike_sa, const codec::IdPayload& peer_id, const codec::CpPayload& request)>
      cp;
  // The IKE proposals to answer an IKE_SA_INIT request from `from` with
  // (a FlexVPN hub's IKEv2 policy, chosen by the local address and VRF);
  // nullopt: the configuration's ike_policy. A policy without suites
  // refuses the request (NO_PROPOSAL_CHOSEN).
  std::function<std::optional<Policy>(const Route& from)> ike_proposals;
  // Whether INITIAL_CONTACT on the new IKE SA `fresh` replaces the existing
  // one `existing` of the same peer identity (RFC 7296 2.4 lets a responder
  // decide); asked once per existing SA after `fresh` is established.
  // Empty: always.
  std::function<bool(uint64_t fresh, uint64_t existing)> initial_contact;
};

// Which outgoing message a hook is looking at, as the engine built it
// (before any hook changed it).
struct OutgoingContext {
  // The IKE SA's serial; 0 for IKE_SA_INIT responses and other answers
  // sent before (or without) an IKE SA of this engine.
  uint64_t ike_sa = 0;
  codec::ExchangeType exchange = codec::ExchangeType::IKE_SA_INIT;
  bool response = false;
  uint32_t message_id = 0;
  // Protected with SK/SKF: every message but IKE_SA_INIT and the
  // unprotected error answers.
  bool encrypted = false;
};

// Deviations on purpose (DESIGN rule 6), per outgoing message, at the
// stages a message is built in. Each hook runs once per message built, in
// the order below; retransmissions and answers from the response cache
// resend the bytes built, hooks included, without calling them again. What
// the engine keeps as sent (the IKE_SA_INIT bytes AUTH signs, RFC 7296 2.15;
// the MessageSent event; the cached response) is what the hooks left; a
// resend is reported by a MessageSent with retransmission set, carrying those
// same bytes. An empty hook costs nothing.
struct OutgoingHooks {
  // The message before encoding. For IKE_SA_INIT (and the unprotected error
  // answers) the whole message; for encrypted messages m.header is the
  // header that will be sent and m.payloads the inner chain, wrapped in SK
  // afterwards. Anything may change: header fields (SPIs, version, flags,
  // Message ID, exchange type, length and next payload overrides), payloads
  // added, removed, reordered, their fields and generic header overrides.
  std::function<void(const OutgoingContext&, codec::Message& m)> plain;
  // The encoded bytes before protection: for encrypted messages the inner
  // chain plaintext and the type of its first payload (the SK payload's Next
  // Payload); for unprotected messages the whole message (first_inner is
  // NONE and ignored).
  std::function<void(const OutgoingContext&, Bytes& encoded, codec::PayloadType& first_inner)> encoded;
  // The SK protection faults (IV, padding, pad length, ICV) of an encrypted
  // message sent unfragmented; not called for SKF fragments (RFC 7383).
  std::function<void(const OutgoingContext&, crypto::ProtectFaults& faults)> protect;
  // Encrypted messages: a datagram size to fragment this message to (RFC
  // 7383 SKF), whether or not fragmentation was negotiated and whatever the
  // message's size (a single fragment is sent as SKF 1 of 1); nothing: the
  // usual rule. Called before protection; `protect` is then not called.
  std::function<std::optional<std::size_t>(const OutgoingContext&)> fragment;
  // The datagrams after protection and fragmentation (IKE messages without
  // non-ESP marker), just before they are handed to EngineEnv::send. May
  // change, drop, add or duplicate datagrams. For IKE_SA_INIT the first
  // datagram left is the message AUTH signs. A request left without any
  // datagram is not sent nor retransmitted: its exchange waits until the SA
  // is given up or dropped.
  std::function<void(const OutgoingContext&, std::vector<Bytes>& datagrams)> wire;

  bool empty() const { return !plain && !encoded && !protect && !fragment && !wire; }
};

class Engine {
 public:
  // Errors: validate(config) fails, the environment lacks a clock, random
  // source or send callback.
  static core::Result<std::unique_ptr<Engine>> create(EngineConfig config, EngineEnv env);
  ~Engine();
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  void add_observer(Observer observer);
  // Replaces the CFG_SET policy (default: accept every attribute).
  void set_cfg_set_hook(CfgSetHook hook);
  // Replaces the responder policy (default: none, the configuration rules).
  void set_responder_policy(ResponderPolicy policy);
  // Replaces the outgoing hooks (default: none). Applies to messages built
  // from now on; bytes already built (in flight, cached) stay as they are.
  void set_outgoing_hooks(OutgoingHooks hooks);

  // ----- Starting exchanges (this side is the exchange initiator) -----

  // Starts a new IKE SA with the peer at `peer` (IKE_SA_INIT then IKE_AUTH,
  // creating the first Child SA as configured). `peer_natt_port` is where
  // the peer listens for NAT-T (RFC 7296 2.23: the exchange moves there when
  // a NAT is detected or force_natt is set). Returns its serial.
  core::Result<uint64_t> initiate(const Endpoint& peer, uint16_t peer_natt_port = 4500);
  // On an established IKE SA. Each queues one exchange, started when the
  // peer's window allows (RFC 7296 2.3). Errors: no such SA, not
  // established, no such Child SA.
  core::Status create_child(uint64_t ike_sa);
  core::Status rekey_child(uint64_t ike_sa, uint32_t child);
  core::Status rekey_ike(uint64_t ike_sa);
  core::Status delete_child(uint64_t ike_sa, uint32_t child);
  core::Status delete_ike(uint64_t ike_sa);
  core::Status liveness_check(uint64_t ike_sa);  // an empty INFORMATIONAL (RFC 7296 1.4)
  // INFORMATIONAL with CP(CFG_SET) (RFC 7296 3.15); the CFG_ACK arrives as
  // an event and in last_cfg_ack().
  core::Status send_cfg_set(uint64_t ike_sa, std::vector<codec::CfgAttribute> attributes);

  // ----- Input -----

  // One IKE message (non-ESP marker already stripped) from `from`. Never
  // fails: what cannot be used is dropped with an Error event, and answered
  // where RFC 7296 says so: INVALID_IKE_SPI / INVALID_MESSAGE_ID (2.21);
  // for IKE_SA_INIT requests, unprotected and without state,
  // INVALID_MAJOR_VERSION for a higher major version (2.5),
  // UNSUPPORTED_CRITICAL_PAYLOAD (data: the payload type) for an
  // unrecognised critical payload (2.5, 3.10.1), INVALID_SYNTAX or the
  // task's error notify for a request that does not parse or is refused
  // (2.21.1); for requests on an IKE SA, protected, INVALID_SYNTAX (2.21.2)
  // or UNSUPPORTED_CRITICAL_PAYLOAD. Unknown non-critical payloads are
  // ignored. Responses are never answered.
  void receive(core::BytesView message, const Route& from);

  // ----- State -----

  std::vector<IkeSaInfo> ike_sas() const;
  std::optional<IkeSaInfo> ike_sa(uint64_t serial) const;
  // The IKE SAs in a state, in serial order.
  std::vector<uint64_t> ike_sas_in(IkeSaState state) const;
  // The CFG_ACK attributes of the last CFG_SET exchange on `ike_sa`; nullopt
  // when the answer carried no CP or none was sent.
  std::optional<std::vector<codec::CfgAttribute>> last_cfg_ack(uint64_t ike_sa) const;
  // How long an IKE SA that is Deleted or Failed stays in the table (and
  // answers retransmissions of its last requests from the cache) before it
  // is forgotten; ike_sa() and ike_sas() no longer list it then.
  static constexpr core::Duration kForgetAfter = std::chrono::seconds(300);

  // Half-open IKE SAs (responder: IKE_SA_INIT answered, IKE_AUTH not done).
  std::size_t half_open() const;
  // Rows for a Wireshark ikev2_decryption_table: one per IKE SA in the table
  // whose keys are derived, then, with env.export_keys, one per forgotten
  // one. This is key export: only call it when the user asked for keys.
  std::vector<crypto::KeyTableEntry> key_table() const;
  const EngineConfig& config() const { return config_; }
  const EngineEnv& env() const { return env_; }

 private:
  friend class IkeSa;
  Engine(EngineConfig config, EngineEnv env);

  IkeSa* find(uint64_t serial) const;
  IkeSa* find_by_spi(uint64_t our_spi) const;
  IkeSa* new_sa(bool original_initiator, const Route& route);
  uint32_t next_child_id() { return next_child_id_++; }
  void register_spi(IkeSa& sa, uint64_t our_spi);
  void emit(Event e) const;
  // Whether anyone listens: work done only to describe an event (decoding a
  // sent message again, copying datagrams, formatting details) is skipped
  // when not.
  bool observed() const { return !observers_.empty(); }
  uint64_t draw_spi();
  void handle_init_request(const codec::Message& m, core::BytesView wire, const Route& from);
  // Answers a request that cannot be processed with an unprotected notify
  // (RFC 7296 2.21.1), hooks applied; responses are never answered.
  void answer_unprotected(const codec::Header& request, codec::NotifyType type, Bytes data, const Route& from,
                          const std::string& why);
  // Runs the outgoing hooks on an unprotected message and returns its
  // datagrams.
  std::vector<Bytes> build_unprotected(const OutgoingContext& ctx, codec::Message m);
  // The IKE_SA_INIT encoder of an SA (or of the stateless responder, serial
  // 0): hooks run, the datagrams left in init_wire_ for the caller to send,
  // the first one returned for the task to keep. With no hook set it only
  // encodes and leaves init_wire_ alone.
  std::function<Bytes(codec::Message)> init_encoder(uint64_t serial);
  // The datagrams the last init_encoder() call produced, or {message} when
  // no hook ran.
  std::vector<Bytes> take_init_wire(const Bytes& message);
  void answer_unknown_spi(const codec::Message& m, const Route& from);
  // A datagram that does not decode: dropped with an event; an IKE_SA_INIT
  // request among them is answered INVALID_MAJOR_VERSION (RFC 7296 2.5) or
  // INVALID_SYNTAX (2.21.1).
  void reject_undecodable(core::BytesView wire, const core::Error& error, const Route& from);
  // An IKE_SA_INIT request the responder task refused with an error: answered
  // with the error's notify (UNSUPPORTED_CRITICAL_PAYLOAD with the payload
  // type as data), unprotected, no state kept.
  void reject_init_request(const codec::Message& m, const core::Error& error, const Route& from);
  // RFC 7296 2.4: a new IKE SA authenticated with INITIAL_CONTACT replaces
  // every other IKE SA with the same peer identity.
  void replace_for_initial_contact(IkeSa& fresh);
  void reap(IkeSa& sa);
  void forget(uint64_t serial);

  EngineConfig config_;
  // The IKE_AUTH task configs, built once from config_ (their PSK lookups
  // read config_) and borrowed read-only by every IKE SA's tasks.
  IkeAuthInitiatorConfig auth_initiator_config_;
  IkeAuthResponderConfig auth_responder_config_;
  EngineEnv env_;
  std::vector<Observer> observers_;
  CfgSetHook cfg_set_hook_;
  ResponderPolicy responder_policy_;
  OutgoingHooks hooks_;
  std::optional<std::vector<Bytes>> init_wire_;
  std::shared_ptr<class AddressPool> pool_;
  Bytes cookie_secret_;
  uint64_t next_serial_ = 1;
  uint32_t next_child_id_ = 1;
  std::map<uint64_t, std::unique_ptr<IkeSa>> sas_;  // by serial
  std::map<uint64_t, uint64_t> by_spi_;               // our SPI -> serial
  // Responder SAs made by an IKE_SA_INIT request, by its SPIi: finds the SA
  // a retransmitted request belongs to without a walk over every SA.
  std::unordered_multimap<uint64_t, uint64_t> init_by_spi_i_;
  std::vector<crypto::KeyTableEntry> forgotten_keys_;
  std::map<uint64_t, core::VirtualClock::TimerId> forget_timers_;  // by serial
};

}  // namespace ikeh::engine
