// SPDX-License-Identifier: Apache-2.0
#include "harness/engine/engine.h"

#include <algorithm>
#include <deque>
#include <string>
#include <string_view>
#include <utility>

#include "harness/codec/message.h"
#include "harness/codec/rules.h"
#include "harness/crypto/sk.h"
#include "harness/engine/address_pool.h"
#include "harness/engine/exchange_window.h"
#include "harness/engine/retransmit.h"
#include "harness/engine/sa_internal.h"
#include "harness/engine/task_support.h"

namespace ikeh::engine {

using codec::ExchangeType;
using codec::Message;
using codec::NotifyPayload;
using codec::NotifyType;
using codec::Payload;
using codec::PayloadType;
using core::make_error;

namespace {

constexpr uint16_t notify_number(NotifyType t) { return static_cast<uint16_t>(t); }

bool same_identity(const codec::IdPayload& a, const codec::IdPayload& b) {
  return a.id_type == b.id_type && a.data == b.data;
}

}  // namespace

// ----- Engine -----

core::Result<std::unique_ptr<Engine>> Engine::create(EngineConfig config, EngineEnv env) {
  if (!env.clock) return make_error("engine", "no clock");
  if (!env.random) return make_error("engine", "no random source");
  if (!env.send) return make_error("engine", "no send callback");
  if (auto st = validate(config); !st) return st.error();
  std::unique_ptr<Engine> e(new Engine(std::move(config), std::move(env)));
  if (e->config_.pool) {
    auto pool = AddressPool::create(*e->config_.pool);
    if (!pool) return pool.error();
    e->pool_ = std::make_shared<AddressPool>(std::move(pool).value());
  }
  e->cookie_secret_ = Bytes(32);
  e->env_.random(e->cookie_secret_.data(), e->cookie_secret_.size());
  return e;
}

Engine::Engine(EngineConfig config, EngineEnv env)
    : config_(std::move(config)),
      auth_initiator_config_(auth_initiator_config(config_)),
      auth_responder_config_(auth_responder_config(config_)),
      env_(std::move(env)) {
  // RFC 7296 3.15.1: a CFG_ACK lists the attributes accepted; by default
  // this endpoint accepts every CFG_SET attribute.
  cfg_set_hook_ = [](uint64_t, const codec::IdPayload&, const std::vector<codec::CfgAttribute>& set) {
    return std::optional<std::vector<codec::CfgAttribute>>(set);
  };
}

Engine::~Engine() {
  // The SAs cancel their own timers; these belong to the engine.
  for (const auto& [serial, id] : forget_timers_) env_.clock->cancel(id);
}

void Engine::add_observer(Observer observer) { observers_.push_back(std::move(observer)); }
void Engine::set_cfg_set_hook(CfgSetHook hook) { cfg_set_hook_ = std::move(hook); }

void Engine::set_responder_policy(ResponderPolicy policy) { responder_policy_ = std::move(policy); }
void Engine::set_outgoing_hooks(OutgoingHooks hooks) { hooks_ = std::move(hooks); }

std::vector<Bytes> Engine::build_unprotected(const OutgoingContext& ctx, Message m) {
  if (hooks_.plain) hooks_.plain(ctx, m);
  std::vector<Bytes> out;
  out.push_back(codec::encode_message(m));
  if (hooks_.encoded) {
    PayloadType first = PayloadType::NONE;
    hooks_.encoded(ctx, out.front(), first);
  }
  if (hooks_.wire) hooks_.wire(ctx, out);
  return out;
}

std::function<Bytes(Message)> Engine::init_encoder(uint64_t serial) {
  return [this, serial](Message m) -> Bytes {
    if (hooks_.empty()) return codec::encode_message(m);
    OutgoingContext ctx;
    ctx.ike_sa = serial;
    ctx.exchange = m.header.exchange_type;
    ctx.response = m.header.is_response();
    ctx.message_id = m.header.message_id;
    auto datagrams = build_unprotected(ctx, std::move(m));
    Bytes first = datagrams.empty() ? Bytes{} : datagrams.front();
    init_wire_ = std::move(datagrams);
    return first;
  };
}

std::vector<Bytes> Engine::take_init_wire(const Bytes& message) {
  if (init_wire_) return std::exchange(init_wire_, std::nullopt).value();
  return {message};
}

void Engine::emit(Event e) const {
  if (observers_.empty()) return;
  e.time = env_.clock->now();
  for (const auto& o : observers_) o(e);
}

uint64_t Engine::draw_spi() {
  for (;;) {
    uint8_t b[8];
    env_.random(b, sizeof b);
    uint64_t v = 0;
    for (uint8_t x : b) v = v << 8 | x;
    // RFC 7296 3.1: SPIs are never zero; ours must also be unique here.
    if (v != 0 && !by_spi_.count(v)) return v;
  }
}

IkeSa* Engine::find(uint64_t serial) const {
  auto it = sas_.find(serial);
  return it == sas_.end() ? nullptr : it->second.get();
}

IkeSa* Engine::find_by_spi(uint64_t our_spi) const {
  auto it = by_spi_.find(our_spi);
  return it == by_spi_.end() ? nullptr : find(it->second);
}

IkeSa* Engine::new_sa(bool original_initiator, const Route& route) {
  uint64_t serial = next_serial_++;
  auto sa = std::make_unique<IkeSa>(*this, serial, original_initiator, route);
  IkeSa* p = sa.get();
  p->pool_owner = serial;
  sas_.emplace(serial, std::move(sa));
  return p;
}

void Engine::register_spi(IkeSa& sa, uint64_t our_spi) { by_spi_[our_spi] = sa.serial; }

std::size_t Engine::half_open() const {
  std::size_t n = 0;
  for (const auto& [serial, sa] : sas_)
    if (!sa->original_initiator && sa->state == IkeSaState::Authenticating) ++n;
  return n;
}

core::Result<uint64_t> Engine::initiate(const Endpoint& peer, uint16_t peer_natt_port) {
  IkeSa* sa = new_sa(true, Route{peer, false});
  sa->peer_natt_port = peer_natt_port;
  if (auto st = sa->start_initiator(); !st) {
    sa->set_state(IkeSaState::Failed, st.error().to_string());
    return st.error();
  }
  return sa->serial;
}

namespace {

core::Status established_or_error(const IkeSa* sa, uint64_t serial) {
  if (!sa) return make_error("engine", "no IKE SA " + std::to_string(serial));
  if (sa->state != IkeSaState::Established)
    return make_error("engine", "IKE SA " + std::to_string(serial) + " is " + state_name(sa->state) +
                                    ", not Established");
  return {};
}

}  // namespace

core::Status Engine::create_child(uint64_t serial) {
  IkeSa* sa = find(serial);
  if (auto st = established_or_error(sa, serial); !st) return st;
  return sa->queue_create_child(0);
}

core::Status Engine::rekey_child(uint64_t serial, uint32_t child) {
  IkeSa* sa = find(serial);
  if (auto st = established_or_error(sa, serial); !st) return st;
  return sa->queue_create_child(child);
}

core::Status Engine::rekey_ike(uint64_t serial) {
  IkeSa* sa = find(serial);
  if (auto st = established_or_error(sa, serial); !st) return st;
  return sa->queue_rekey_ike();
}

core::Status Engine::delete_child(uint64_t serial, uint32_t child) {
  IkeSa* sa = find(serial);
  if (auto st = established_or_error(sa, serial); !st) return st;
  return sa->queue_delete_child(child);
}

core::Status Engine::delete_ike(uint64_t serial) {
  IkeSa* sa = find(serial);
  if (!sa) return make_error("engine", "no IKE SA " + std::to_string(serial));
  if (sa->state != IkeSaState::Established && sa->state != IkeSaState::Rekeyed &&
      sa->state != IkeSaState::Rekeying)
    return make_error("engine", "IKE SA " + std::to_string(serial) + " is " + state_name(sa->state));
  return sa->queue_delete_ike();
}

core::Status Engine::liveness_check(uint64_t serial) {
  IkeSa* sa = find(serial);
  if (auto st = established_or_error(sa, serial); !st) return st;
  return sa->queue_informational("liveness check", {}, nullptr);
}

core::Status Engine::send_cfg_set(uint64_t serial, std::vector<codec::CfgAttribute> attributes) {
  IkeSa* sa = find(serial);
  if (auto st = established_or_error(sa, serial); !st) return st;
  return sa->queue_cfg_set(std::move(attributes));
}

void Engine::receive(core::BytesView wire, const Route& from) {
  auto m = codec::decode_message(wire);
  if (!m) {
    reject_undecodable(wire, m.error(), from);
    return;
  }
  const auto& h = m->header;
  if (h.major_version() != 2) {
    // decode_message() refuses other major versions; kept for safety.
    Event e;
    e.kind = EventKind::Error;
    e.detail = "dropped a message of major version " + std::to_string(h.major_version());
    emit(std::move(e));
    return;
  }
  if (h.exchange_type == ExchangeType::IKE_SA_INIT && !h.is_response() && h.spi_r == 0) {
    handle_init_request(*m, wire, from);
    return;
  }
  // The I flag says whether the sender is the SA's original initiator; our
  // own SPI is the other one (RFC 7296 3.1).
  uint64_t ours = h.is_initiator() ? h.spi_r : h.spi_i;
  IkeSa* sa = find_by_spi(ours);
  if (!sa || (h.is_initiator() ? sa->spi_i != h.spi_i : (sa->spi_r != 0 && sa->spi_r != h.spi_r &&
                                                         h.exchange_type != ExchangeType::IKE_SA_INIT))) {
    answer_unknown_spi(*m, from);
    return;
  }
  sa->on_message(*m, wire, from);
}

void Engine::reject_undecodable(core::BytesView wire, const core::Error& error, const Route& from) {
  Event e;
  e.kind = EventKind::Error;
  e.detail = "dropped a datagram that does not decode: " + codec::describe(error);
  auto h = codec::decode_header(wire);
  if (!h) {
    emit(std::move(e));
    return;
  }
  e.exchange = h->exchange_type;
  e.response = h->is_response();
  e.message_id = h->message_id;
  e.spi_i = h->spi_i;
  e.spi_r = h->spi_r;
  emit(std::move(e));
  // RFC 7296 2.21: errors are never answered with errors. Only a request to
  // start an IKE SA is answered here: any other request would need an SA's
  // keys, and one that does not decode cannot be authenticated (2.21.1).
  const bool init_request = h->exchange_type == ExchangeType::IKE_SA_INIT && !h->is_response() &&
                            h->is_initiator() && h->message_id == 0 && h->spi_r == 0 && h->spi_i != 0;
  if (!init_request) return;
  if (h->major_version() > 2) {
    // RFC 7296 2.5: drop it, answer INVALID_MAJOR_VERSION unauthenticated;
    // the answer's header carries the closest version supported (2.0).
    answer_unprotected(*h, NotifyType::INVALID_MAJOR_VERSION, {}, from,
                       "major version " + std::to_string(h->major_version()));
    return;
  }
  if (h->major_version() == 2 && error.notify == notify_number(NotifyType::INVALID_SYNTAX)) {
    // RFC 7296 2.21.1: a badly formatted IKE_SA_INIT request is answered
    // with a notify naming the error; no state is created.
    answer_unprotected(*h, NotifyType::INVALID_SYNTAX, {}, from, "the request does not decode");
  }
}

void Engine::answer_unprotected(const codec::Header& request, NotifyType type, Bytes data, const Route& from,
                                const std::string& why) {
  if (request.is_response()) return;  // RFC 7296 2.21: never answer a response
  Message out = codec::make_message(request.exchange_type,
                                    static_cast<uint8_t>(codec::flags::kResponse |
                                                         (request.is_initiator() ? 0 : codec::flags::kInitiator)),
                                    request.message_id, request.spi_i, request.spi_r,
                                    {codec::make_notify(type, std::move(data))});
  OutgoingContext ctx;
  ctx.exchange = request.exchange_type;
  ctx.response = true;
  ctx.message_id = request.message_id;
  auto datagrams = build_unprotected(ctx, std::move(out));
  if (observed()) {
    Event s;
    s.kind = EventKind::MessageSent;
    s.exchange = request.exchange_type;
    s.response = true;
    s.message_id = request.message_id;
    s.spi_i = request.spi_i;
    s.spi_r = request.spi_r;
    if (!datagrams.empty())
      if (auto d = codec::decode_message(datagrams.front())) s.payloads = d->payloads;
    s.datagrams = datagrams;
    s.detail = "answered " + codec::label(type) + " (" + why + ")";
    emit(std::move(s));
  }
  for (const auto& d : datagrams) env_.send(from, d);
}

void Engine::answer_unknown_spi(const Message& m, const Route& from) {
  Event e;
  e.kind = EventKind::Error;
  e.exchange = m.header.exchange_type;
  e.response = m.header.is_response();
  e.message_id = m.header.message_id;
  e.spi_i = m.header.spi_i;
  e.spi_r = m.header.spi_r;
  e.detail = "message for an unknown IKE SA";
  // RFC 7296 2.21.4: never answer a response; a request may get an
  // unprotected INVALID_IKE_SPI with the SPIs and Message ID copied.
  if (!m.header.is_response()) e.detail += "; answered INVALID_IKE_SPI";
  emit(std::move(e));
  if (!m.header.is_response()) answer_unprotected(m.header, NotifyType::INVALID_IKE_SPI, {}, from, "unknown IKE SA");
}

void Engine::handle_init_request(const Message& m, core::BytesView wire, const Route& from) {
  // RFC 7296 2.1: a retransmitted IKE_SA_INIT request gets the same answer.
  auto [first, last] = init_by_spi_i_.equal_range(m.header.spi_i);
  for (auto at = first; at != last; ++at) {
    auto found = sas_.find(at->second);
    if (found == sas_.end()) continue;
    IkeSa* sa = found->second.get();
    if (sa->route.remote.address != from.remote.address || sa->route.remote.port != from.remote.port) continue;
    if (sa->answered_init_request(wire)) {
      sa->resend_init_response(from);
      return;
    }
  }
  IkeSaInitConfig cfg = sa_init_config(config_, env_.local, from.remote);
  if (responder_policy_.ike_proposals)
    if (auto chosen = responder_policy_.ike_proposals(from)) cfg.policy = std::move(*chosen);
  CookieConfig cookie;
  // RFC 7296 2.6: ask for a cookie once half-open SAs reach the threshold.
  cookie.require = config_.cookie_threshold && half_open() >= *config_.cookie_threshold;
  cookie.secret = cookie_secret_;
  cfg.encode = init_encoder(0);
  IkeSaInitResponder responder(std::move(cfg), std::move(cookie), borrow(env_.random));
  init_wire_.reset();
  auto step = responder.process_request(wire);
  if (!step) {
    init_wire_.reset();
    Event e;
    e.kind = EventKind::Error;
    e.exchange = ExchangeType::IKE_SA_INIT;
    e.spi_i = m.header.spi_i;
    e.detail = "IKE_SA_INIT request rejected: " + codec::describe(step.error());
    emit(std::move(e));
    reject_init_request(m, step.error(), from);
    return;
  }
  std::vector<Bytes> datagrams = take_init_wire(step->response);
  if (step->outcome != ResponderOutcome::Established) {
    Event e;
    e.kind = EventKind::Decision;
    e.exchange = ExchangeType::IKE_SA_INIT;
    e.spi_i = m.header.spi_i;
    e.detail = std::string("IKE_SA_INIT answered without state: ") + responder_outcome_name(step->outcome);
    emit(std::move(e));
    Event r;
    r.kind = EventKind::MessageReceived;
    r.exchange = ExchangeType::IKE_SA_INIT;
    r.spi_i = m.header.spi_i;
    r.payloads = m.payloads;
    r.datagrams = {Bytes(wire.begin(), wire.end())};
    emit(std::move(r));
    Event s;
    s.kind = EventKind::MessageSent;
    s.exchange = ExchangeType::IKE_SA_INIT;
    s.response = true;
    s.spi_i = m.header.spi_i;
    if (auto d = codec::decode_message(step->response)) s.payloads = d->payloads;
    s.datagrams = datagrams;
    emit(std::move(s));
    for (const auto& d : datagrams) env_.send(from, d);
    return;
  }
  IkeSa* sa = new_sa(false, from);
  init_by_spi_i_.emplace(m.header.spi_i, sa->serial);
  // The result holds the response bytes too (step->response is a copy).
  sa->accept_init(m, wire, std::move(*responder.take_result()), std::move(datagrams));
}

void Engine::reject_init_request(const Message& m, const core::Error& error, const Route& from) {
  // RFC 7296 2.5: an unrecognised payload with the critical bit set rejects
  // the whole message; the notify data is that payload's one-octet type
  // (3.10.1).
  if (error.notify == notify_number(NotifyType::UNSUPPORTED_CRITICAL_PAYLOAD)) {
    for (const auto& p : m.payloads)
      if (p.critical && !codec::is_understood(p.type)) {
        answer_unprotected(m.header, NotifyType::UNSUPPORTED_CRITICAL_PAYLOAD, {static_cast<uint8_t>(p.type)}, from,
                           "critical payload of type " + std::to_string(static_cast<unsigned>(p.type)));
        return;
      }
    return;
  }
  // RFC 7296 2.21.1: a badly formatted or unacceptable IKE_SA_INIT request
  // is answered with a notify naming the error, without state. Errors that
  // name no notify (a crypto failure on our side) are only dropped.
  if (error.notify == 0 || !codec::is_error(static_cast<NotifyType>(error.notify))) return;
  answer_unprotected(m.header, static_cast<NotifyType>(error.notify), {}, from, error.reason);
}

void Engine::replace_for_initial_contact(IkeSa& fresh) {
  // The Decision event for an existing IKE SA `old`: "kept (...)" or "deleted".
  auto decided = [this, &fresh](const IkeSa& old, std::string_view outcome) {
    Event e;
    e.kind = EventKind::Decision;
    e.ike_sa = old.serial;
    e.detail = "INITIAL_CONTACT on IKE SA " + std::to_string(fresh.serial) + ": existing IKE SA " +
               std::to_string(old.serial) + " with the same peer identity " + std::string(outcome);
    emit(std::move(e));
  };
  for (auto& [serial, sa] : sas_) {
    if (sa.get() == &fresh || sa->state != IkeSaState::Established) continue;
    if (!same_identity(sa->peer_id, fresh.peer_id)) continue;
    if (responder_policy_.initial_contact && !responder_policy_.initial_contact(fresh.serial, sa->serial)) {
      decided(*sa, "kept (responder policy)");
      continue;
    }
    decided(*sa, "deleted");
    sa->drop("replaced after INITIAL_CONTACT");
  }
}

void Engine::reap(IkeSa& sa) {
  // Forgotten later, from a timer of its own: never while one of its
  // methods is on the stack.
  uint64_t serial = sa.serial;
  if (!forget_timers_.count(serial))
    forget_timers_[serial] = env_.clock->schedule_after(kForgetAfter, [this, serial] { forget(serial); });
  if (!pool_) return;
  // A rekeyed IKE SA keeps its predecessor's address: release it only when
  // the last live SA of the chain goes.
  for (const auto& [serial, other] : sas_)
    if (other.get() != &sa && other->pool_owner == sa.pool_owner && other->state != IkeSaState::Deleted &&
        other->state != IkeSaState::Failed)
      return;
  pool_->release(sa.pool_owner);
}

std::vector<IkeSaInfo> Engine::ike_sas() const {
  std::vector<IkeSaInfo> out;
  for (const auto& [serial, sa] : sas_) out.push_back(sa->info());
  return out;
}

std::optional<IkeSaInfo> Engine::ike_sa(uint64_t serial) const {
  const IkeSa* sa = find(serial);
  if (!sa) return std::nullopt;
  return sa->info();
}

std::vector<uint64_t> Engine::ike_sas_in(IkeSaState state) const {
  std::vector<uint64_t> out;
  for (const auto& [serial, sa] : sas_)
    if (sa->state == state) out.push_back(serial);
  return out;
}

std::optional<std::vector<codec::CfgAttribute>> Engine::last_cfg_ack(uint64_t serial) const {
  const IkeSa* sa = find(serial);
  if (!sa) return std::nullopt;
  return sa->last_cfg_ack;
}

namespace {

std::optional<crypto::KeyTableEntry> key_row(const IkeSa& sa) {
  if (!sa.init || !sa.init->selection.key_suite) return std::nullopt;
  auto row = crypto::make_key_table_entry(sa.spi_i, sa.spi_r, *sa.init->selection.key_suite, sa.init->keys);
  if (!row) return std::nullopt;
  return std::move(row).value();
}

}  // namespace

std::vector<crypto::KeyTableEntry> Engine::key_table() const {
  std::vector<crypto::KeyTableEntry> out = forgotten_keys_;
  for (const auto& [serial, sa] : sas_)
    if (auto row = key_row(*sa)) out.push_back(std::move(*row));
  return out;
}

void Engine::forget(uint64_t serial) {
  forget_timers_.erase(serial);
  auto it = sas_.find(serial);
  if (it == sas_.end()) return;
  if (env_.export_keys)
    if (auto row = key_row(*it->second)) forgotten_keys_.push_back(std::move(*row));
  std::erase_if(by_spi_, [serial](const auto& kv) { return kv.second == serial; });
  std::erase_if(init_by_spi_i_, [serial](const auto& kv) { return kv.second == serial; });
  sas_.erase(it);
}

}  // namespace ikeh::engine
