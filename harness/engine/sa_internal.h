// SPDX-License-Identifier: Apache-2.0
// The engine's per-IKE-SA state machine. Internal to harness/engine: callers
// see IkeSaInfo through Engine. One IkeSa owns its Message ID window, its
// retransmitter, its SK contexts, its fragment reassembly and its Child SAs,
// and queues the exchanges this side starts on it (RFC 7296 2.3: as many at
// once as the peer's window allows).
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "harness/codec/message.h"
#include "harness/crypto/sk.h"
#include "harness/engine/create_child_sa.h"
#include "harness/engine/engine.h"
#include "harness/engine/exchange_window.h"
#include "harness/engine/retransmit.h"

namespace ikeh::engine {

// The IKE_SA_INIT settings of an endpoint talking to `remote`.
IkeSaInitConfig sa_init_config(const EngineConfig& config, const Endpoint& local, const Endpoint& remote);
// The IKE_AUTH task configs for `config`; their PSK lookups keep a reference
// to it. The responder's has no CP hook (the address pool's names each SA).
IkeAuthInitiatorConfig auth_initiator_config(const EngineConfig& config);
IkeAuthResponderConfig auth_responder_config(const EngineConfig& config);

// One exchange this side starts: how to build its request's inner payloads
// (called when the window lets it go) and what to do with the response's.
struct Exchange {
  codec::ExchangeType type = codec::ExchangeType::INFORMATIONAL;
  std::string what;
  std::function<core::Result<std::vector<codec::Payload>>()> build;
  std::function<void(const std::vector<codec::Payload>& response)> on_response;
};

class IkeSa {
 public:
  IkeSa(Engine& engine, uint64_t serial, bool original_initiator, Route route);
  ~IkeSa();
  IkeSa(const IkeSa&) = delete;
  IkeSa& operator=(const IkeSa&) = delete;

  // Initiator: builds and sends the first IKE_SA_INIT request.
  core::Status start_initiator();
  // Responder: the IKE_SA_INIT request `m` (bytes `wire`) was answered with
  // result.response and the keys are derived; registers the SA and sends the
  // response.
  // `datagrams` are the response as sent (outgoing hooks applied).
  void accept_init(const codec::Message& m, core::BytesView wire, IkeSaInitResult result,
                   std::vector<Bytes> datagrams);
  // Responder: whether `wire` is the IKE_SA_INIT request this SA answered.
  bool answered_init_request(core::BytesView wire) const;
  void resend_init_response(const Route& to);
  // Any message for this SA except a new IKE_SA_INIT request.
  void on_message(const codec::Message& m, core::BytesView wire, const Route& from);

  core::Status queue_create_child(uint32_t rekey_child);  // 0: a new Child SA
  core::Status queue_rekey_ike();
  core::Status queue_delete_child(uint32_t child);
  core::Status queue_delete_ike();
  core::Status queue_cfg_set(std::vector<codec::CfgAttribute> attributes);
  core::Status queue_informational(std::string what, std::vector<codec::Payload> payloads,
                                   std::function<void(const std::vector<codec::Payload>&)> done);

  void set_state(IkeSaState s, const std::string& why);
  // Gone without an exchange (replaced, given up): state Deleted, Child SAs
  // Deleted, retransmissions stopped.
  void drop(const std::string& why);
  IkeSaInfo info() const;

  Engine& engine;
  const uint64_t serial;
  const bool original_initiator;
  Route route;
  uint16_t peer_natt_port = 4500;
  IkeSaState state = IkeSaState::Connecting;
  uint64_t spi_i = 0;
  uint64_t spi_r = 0;
  std::optional<IkeSaInitResult> init;  // keys, nonces, exact IKE_SA_INIT bytes
  codec::IdPayload peer_id;
  std::vector<codec::CfgAttribute> cp_attributes;
  std::optional<Bytes> assigned_address;
  std::optional<std::vector<codec::CfgAttribute>> last_cfg_ack;
  std::vector<ChildSaInfo> children;
  uint64_t replaced_by = 0;
  uint32_t retransmissions = 0;
  // The serial the pool address was handed out under: the first IKE SA of a
  // chain of rekeys.
  uint64_t pool_owner = 0;

 private:
  void on_init_response(const codec::Message& m, core::BytesView wire);
  void on_auth_response(const std::vector<codec::Payload>& inner);
  void on_request(const codec::Message& m, std::vector<codec::Payload> inner, const Route& from);
  void on_response(const codec::Message& m, const std::vector<codec::Payload>& inner);
  std::vector<codec::Payload> answer_auth(const std::vector<codec::Payload>& inner);
  std::vector<codec::Payload> answer_informational(const std::vector<codec::Payload>& inner, bool& delete_ike);
  std::vector<codec::Payload> answer_create_child(const std::vector<codec::Payload>& inner);
  void send_response(codec::ExchangeType type, uint32_t message_id, std::vector<codec::Payload> inner,
                     const Route& to);
  // Runs the outgoing hooks (the plain one may change `inner`, which then
  // holds what was sent), encodes, protects (and fragments) the message.
  core::Result<std::vector<Bytes>> seal(codec::ExchangeType type, bool response, uint32_t message_id,
                                        std::vector<codec::Payload>& inner);
  // Sends (and arms retransmission of) an IKE_SA_INIT request's datagrams.
  void send_init_request(std::vector<Bytes> datagrams);
  // Takes the keys over into `init` (set once) and creates the SK contexts.
  core::Status keys_ready(IkeSaInitResult result);
  void established(IkeAuthResult result);
  void add_child(ChildSa child, bool transport_mode, bool we_initiated);
  ChildSaInfo* child_by_id(uint32_t id);
  void set_child_state(ChildSaInfo& c, ChildSaState s, const std::string& why);
  void queue(Exchange ex);
  void pump();
  void give_up(uint32_t message_id);
  void error_event(const std::string& detail, const codec::Message* m = nullptr);
  // An event of this IKE SA: kind and serial set; spi_event() adds its SPIs.
  Event event(EventKind kind) const;
  Event spi_event(EventKind kind) const;
  // A Decision event about this SA (or one of its Child SAs).
  void decision(const std::string& detail, uint32_t child = 0);
  void message_event(EventKind kind, codec::ExchangeType type, bool response, uint32_t message_id,
                     const std::vector<codec::Payload>& payloads, const std::vector<Bytes>& datagrams,
                     const codec::Header* header = nullptr);
  // The MessageSent event of an unprotected IKE_SA_INIT message, described
  // from the first of its datagrams as sent (hooks may have changed them);
  // with `remember`, also kept for reporting its retransmissions.
  void unprotected_sent_event(bool response, const std::vector<Bytes>& datagrams, bool remember);
  void transmit(const std::vector<Bytes>& fragments, const Route& to);
  // What the first MessageSent of a message carried, kept (only while
  // someone observes) so that sending the same bytes again can be reported
  // alike. `header` is set for unprotected messages (IKE_SA_INIT), whose
  // events report the SPIs of the header sent.
  struct SentMessage {
    codec::ExchangeType type = codec::ExchangeType::INFORMATIONAL;
    std::vector<codec::Payload> payloads;
    std::optional<codec::Header> header;
  };
  void remember_sent(bool response, uint32_t message_id, codec::ExchangeType type,
                     const std::vector<codec::Payload>& payloads, const codec::Header* header = nullptr);
  // The MessageSent{retransmission} of bytes sent once already: a request
  // retransmitted, or a cached response answered again (RFC 7296 2.1).
  // `type` names the exchange when nothing was remembered; unprotected
  // datagrams are then decoded to describe them, as their first send was.
  void resent_event(bool response, uint32_t message_id, codec::ExchangeType type,
                    const std::vector<Bytes>& datagrams);
  void arm_lifetimes();
  void arm_child_rekey(uint32_t child);
  void arm_dpd();
  void cancel_timers();
  void start_create_child(CreateChildRequestConfig cfg, uint32_t rekey_child);
  void on_create_child_response(const std::shared_ptr<CreateChildInitiator>& task, CreateChildRequestConfig cfg,
                                uint32_t rekey_child, const std::vector<codec::Payload>& inner);
  IkeSa* adopt_rekeyed_ike(const IkeSaInitResult& keys, bool we_initiated);
  void move_children_to(IkeSa& to);
  void resolve_child_collision(uint32_t old_child);
  void resolve_ike_collision();

  // RFC 7296 2.8.1: the two sides of a Child SA rekey collision. Ours: the
  // nonces of the exchange we started and the Child SA it created; peer's:
  // those of the exchange the peer started.
  struct RekeyRecord {
    Bytes ni, nr;
    uint32_t new_child = 0;    // Child SA rekeys
    uint64_t new_ike = 0;      // IKE SA rekeys (serial)
  };
  std::map<uint32_t, RekeyRecord> our_child_rekeys_;
  std::map<uint32_t, RekeyRecord> peer_child_rekeys_;
  std::optional<RekeyRecord> our_ike_rekey_;
  std::optional<RekeyRecord> peer_ike_rekey_;

  std::optional<IkeSaInitInitiator> init_task_;
  std::optional<IkeAuthInitiator> auth_task_;
  // Responder: the IKE_SA_INIT response's datagrams as sent.
  std::vector<Bytes> init_response_;
  // Filled only while the engine is observed (Engine::observed()): our
  // requests still in flight, and the responses still in the window's
  // response cache (pruned with it), by Message ID.
  std::map<uint32_t, SentMessage> sent_requests_;
  std::map<uint32_t, SentMessage> sent_responses_;
  std::optional<crypto::SkContext> ctx_out_;
  std::optional<crypto::SkContext> ctx_in_;
  ExchangeWindow window_;
  std::unique_ptr<Retransmitter> rtx_;
  std::deque<Exchange> queue_;
  std::map<uint32_t, Exchange> active_;
  std::map<std::pair<uint32_t, bool>, crypto::FragmentReassembler> reassembly_;
  std::vector<uint32_t> invalid_id_reported_;
  std::vector<core::VirtualClock::TimerId> timers_;
};

}  // namespace ikeh::engine
