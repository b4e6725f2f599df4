// SPDX-License-Identifier: Apache-2.0
#include <algorithm>
#include <utility>

#include "harness/codec/rules.h"
#include "harness/engine/address_pool.h"
#include "harness/engine/sa_internal.h"
#include "harness/engine/task_support.h"

namespace ikeh::engine {

using codec::CfgAttribute;
using codec::CpPayload;
using codec::DeletePayload;
using codec::ExchangeType;
using codec::Message;
using codec::NotifyPayload;
using codec::NotifyType;
using codec::Payload;
using codec::PayloadType;
using codec::ProtocolId;
using core::make_error;

namespace {

// The PSK for a peer identity from the configured table: an exact identity
// match first, then an entry without identity.
std::optional<crypto::Secret> lookup_psk(const EngineConfig& config, const codec::IdPayload& id) {
  const PskEntry* any = nullptr;
  for (const auto& e : config.psks) {
    if (!e.id) {
      if (!any) any = &e;
      continue;
    }
    if (e.id->id_type == id.id_type && e.id->data == id.data) return e.psk;
  }
  if (any) return any->psk;
  return std::nullopt;
}

}  // namespace

IkeSaInitConfig sa_init_config(const EngineConfig& c, const Endpoint& local, const Endpoint& remote) {
  IkeSaInitConfig s;
  s.policy = c.ike_policy;
  s.local = local;
  s.remote = remote;
  s.nonce_size = c.nonce_size;
  s.nat_detection = c.nat_detection;
  s.fragmentation = c.fragmentation;
  s.signature_hashes = c.signature_hashes;
  s.redirect_supported = c.redirect_supported;
  s.vendor_ids = c.vendor_ids_init;
  if (c.send_certreq) s.certreq = certreq_for(c.remote_auth.trusted);
  return s;
}

IkeAuthInitiatorConfig auth_initiator_config(const EngineConfig& c) {
  IkeAuthInitiatorConfig a;
  a.vendor_ids = c.vendor_ids_auth;
  a.idi = c.local_id;
  a.idr = c.remote_id;
  a.local_auth = c.local_auth;
  a.remote_auth = c.remote_auth;
  a.psk_lookup = [&c](const codec::IdPayload& id) { return lookup_psk(c, id); };
  a.send_certreq = c.send_certreq;
  a.first_child = c.first_child;
  a.child_policy = c.child_policy;
  a.tsi = c.local_ts;
  a.tsr = c.remote_ts;
  a.cp_request = c.cp_request;
  a.initial_contact = c.initial_contact;
  a.transport_mode = c.transport_mode;
  a.esp_tfc_padding_not_supported = c.esp_tfc_padding_not_supported;
  a.non_first_fragments_also = c.non_first_fragments_also;
  a.window_size = c.window_size;
  return a;
}

IkeAuthResponderConfig auth_responder_config(const EngineConfig& c) {
  IkeAuthResponderConfig rc;
  rc.vendor_ids = c.vendor_ids_auth;
  rc.idr = c.local_id;
  rc.local_auth = c.local_auth;
  rc.remote_auth = c.remote_auth;
  rc.psk_lookup = [&c](const codec::IdPayload& id) { return lookup_psk(c, id); };
  rc.child_policy = c.child_policy;
  rc.tsi = c.remote_ts;
  rc.tsr = c.local_ts;
  rc.cp_required = c.cp_required;
  rc.narrow_tsi_to_assigned_address = !c.pool || c.pool->narrow_tsi;
  rc.transport_mode = c.transport_mode;
  rc.esp_tfc_padding_not_supported = c.esp_tfc_padding_not_supported;
  rc.non_first_fragments_also = c.non_first_fragments_also;
  rc.window_size = c.window_size;
  return rc;
}

IkeSa::IkeSa(Engine& e, uint64_t serial_, bool original_initiator_, Route route_)
    : engine(e), serial(serial_), original_initiator(original_initiator_), route(std::move(route_)) {
  Timers timers = timers_on(*engine.env_.clock);
  auto rtx = Retransmitter::create(
      timers, engine.config_.retransmit,
      [this](uint32_t message_id, const std::vector<Bytes>& fragments, uint32_t attempt) {
        if (attempt > 0) {
          ++retransmissions;
          Event ev;
          ev.kind = EventKind::Retransmit;
          ev.ike_sa = serial;
          ev.message_id = message_id;
          ev.spi_i = spi_i;
          ev.spi_r = spi_r;
          ev.datagrams = fragments;
          ev.detail = "request #" + std::to_string(message_id) + " sent again (attempt " + std::to_string(attempt) +
                      ")";
          engine.emit(std::move(ev));
          // The exchange type when nothing was remembered (no observer at
          // the first send): the active exchange's, or IKE_SA_INIT's.
          auto active = active_.find(message_id);
          resent_event(false, message_id, active != active_.end() ? active->second.type : ExchangeType::IKE_SA_INIT,
                       fragments);
        }
        transmit(fragments, route);
      },
      [this](uint32_t message_id) { give_up(message_id); });
  // validate(EngineConfig) checked the retransmit settings, so this holds.
  if (rtx) rtx_ = std::move(rtx).value();
}

IkeSa::~IkeSa() { cancel_timers(); }

void IkeSa::cancel_timers() {
  for (auto id : timers_) engine.env_.clock->cancel(id);
  timers_.clear();
}

void IkeSa::transmit(const std::vector<Bytes>& fragments, const Route& to) {
  for (const auto& f : fragments) engine.env_.send(to, f);
}

void IkeSa::set_state(IkeSaState s, const std::string& why) {
  if (s == state) return;
  IkeSaState old = state;
  state = s;
  if (s == IkeSaState::Deleted || s == IkeSaState::Failed) {
    if (rtx_) rtx_->cancel_all();
    sent_requests_.clear();
    queue_.clear();
    active_.clear();
    cancel_timers();
    for (auto& c : children)
      if (c.state != ChildSaState::Deleted) set_child_state(c, ChildSaState::Deleted, "its IKE SA is gone");
    engine.reap(*this);
  }
  if (!engine.observed()) return;
  Event e = spi_event(EventKind::IkeSaState);
  e.ike_state = s;
  e.detail = "IKE SA " + std::to_string(serial) + " " + state_name(old) + " -> " + state_name(s);
  if (!why.empty()) e.detail += " (" + why + ")";
  engine.emit(std::move(e));
}

void IkeSa::drop(const std::string& why) { set_state(IkeSaState::Deleted, why); }

Event IkeSa::event(EventKind kind) const {
  Event e;
  e.kind = kind;
  e.ike_sa = serial;
  return e;
}

Event IkeSa::spi_event(EventKind kind) const {
  Event e = event(kind);
  e.spi_i = spi_i;
  e.spi_r = spi_r;
  return e;
}

void IkeSa::error_event(const std::string& detail, const Message* m) {
  Event e = spi_event(EventKind::Error);
  if (m) {
    e.exchange = m->header.exchange_type;
    e.response = m->header.is_response();
    e.message_id = m->header.message_id;
  }
  e.detail = detail;
  engine.emit(std::move(e));
}

void IkeSa::decision(const std::string& detail, uint32_t child) {
  if (!engine.observed()) return;
  Event e = event(EventKind::Decision);
  e.child = child;
  e.detail = detail;
  engine.emit(std::move(e));
}

void IkeSa::message_event(EventKind kind, ExchangeType type, bool response, uint32_t message_id,
                          const std::vector<Payload>& payloads, const std::vector<Bytes>& datagrams,
                          const codec::Header* header) {
  if (engine.observers_.empty()) return;
  Event e = event(kind);
  e.exchange = type;
  e.response = response;
  e.message_id = message_id;
  // IKE_SA_INIT messages carry other SPIs than the SA's final pair (SPIr 0
  // in the request): report what the header says.
  e.spi_i = header ? header->spi_i : spi_i;
  e.spi_r = header ? header->spi_r : spi_r;
  e.payloads = payloads;
  e.datagrams = datagrams;
  engine.emit(std::move(e));
}

void IkeSa::remember_sent(bool response, uint32_t message_id, ExchangeType type, const std::vector<Payload>& payloads,
                          const codec::Header* header) {
  // Only to describe retransmissions to observers: nothing kept otherwise.
  if (!engine.observed()) return;
  SentMessage& sent = (response ? sent_responses_ : sent_requests_)[message_id];
  sent.type = type;
  sent.payloads = payloads;
  if (header) {
    sent.header = *header;
  } else {
    sent.header.reset();
  }
  // Responses are kept as long as their bytes are cached (RFC 7296 2.3
  // decides when those go), not longer.
  if (response)
    std::erase_if(sent_responses_, [this](const auto& kv) { return !window_.cache().contains(kv.first); });
}

void IkeSa::resent_event(bool response, uint32_t message_id, ExchangeType type, const std::vector<Bytes>& datagrams) {
  // Nothing left when a wire hook removed every datagram: nothing to report.
  if (!engine.observed() || datagrams.empty()) return;
  Event e = spi_event(EventKind::MessageSent);
  e.response = response;
  e.message_id = message_id;
  e.exchange = type;
  e.retransmission = true;
  const auto& remembered = response ? sent_responses_ : sent_requests_;
  if (auto it = remembered.find(message_id); it != remembered.end()) {
    e.exchange = it->second.type;
    e.payloads = it->second.payloads;
    if (it->second.header) {
      e.spi_i = it->second.header->spi_i;
      e.spi_r = it->second.header->spi_r;
    }
  } else if (auto d = codec::decode_message(datagrams.front());
             d && (d->payloads.empty() || (d->payloads.back().type != PayloadType::SK &&
                                           d->payloads.back().type != PayloadType::SKF))) {
    // An unprotected message (the IKE_SA_INIT response): described from its
    // bytes, as its first MessageSent was.
    e.spi_i = d->header.spi_i;
    e.spi_r = d->header.spi_r;
    e.payloads = std::move(d->payloads);
  }
  e.datagrams = datagrams;
  engine.emit(std::move(e));
}

// ----- IKE_SA_INIT -----

core::Status IkeSa::start_initiator() {
  IkeSaInitConfig cfg = sa_init_config(engine.config_, engine.env_.local, route.remote);
  cfg.encode = engine.init_encoder(serial);
  init_task_.emplace(std::move(cfg), borrow(engine.env_.random));
  engine.init_wire_.reset();
  auto req = init_task_->build_request();
  if (!req) return req.error();
  std::vector<Bytes> datagrams = engine.take_init_wire(*req);
  spi_i = init_task_->spi_i();
  engine.register_spi(*this, spi_i);
  auto id = window_.begin_request();
  if (!id) return id.error();
  if (!rtx_) return make_error("engine", "no retransmitter");
  send_init_request(std::move(datagrams));
  return {};
}

void IkeSa::unprotected_sent_event(bool response, const std::vector<Bytes>& datagrams, bool remember) {
  if (!engine.observed()) return;
  codec::Header header;
  std::vector<Payload> payloads;
  if (!datagrams.empty())
    if (auto d = codec::decode_message(datagrams.front())) {
      header = d->header;
      payloads = std::move(d->payloads);
    }
  message_event(EventKind::MessageSent, ExchangeType::IKE_SA_INIT, response, 0, payloads, datagrams,
                datagrams.empty() ? nullptr : &header);
  if (remember && !datagrams.empty()) remember_sent(response, 0, ExchangeType::IKE_SA_INIT, payloads, &header);
}

void IkeSa::send_init_request(std::vector<Bytes> datagrams) {
  unprotected_sent_event(false, datagrams, true);
  // A wire hook that removed every datagram leaves nothing to send or
  // retransmit: the exchange then waits until the SA is given up or dropped.
  if (!rtx_ || datagrams.empty()) return;
  if (auto st = rtx_->send(0, std::move(datagrams)); !st)
    error_event("IKE_SA_INIT request not sent: " + st.error().to_string());
}

void IkeSa::on_init_response(const Message& m, core::BytesView wire) {
  if (!original_initiator || !init_task_ || state != IkeSaState::Connecting) {
    error_event("unexpected IKE_SA_INIT response dropped", &m);
    return;
  }
  if (window_.on_response(m.header.message_id) != ResponseMatch::Matched) {
    error_event("IKE_SA_INIT response to no outstanding request dropped", &m);
    return;
  }
  rtx_->on_response(m.header.message_id);
  sent_requests_.erase(m.header.message_id);
  if (engine.observed())
    message_event(EventKind::MessageReceived, ExchangeType::IKE_SA_INIT, true, m.header.message_id, m.payloads,
                  {Bytes(wire.begin(), wire.end())}, &m.header);
  engine.init_wire_.reset();
  auto step = init_task_->process_response(wire);
  if (!step) {
    set_state(IkeSaState::Failed, "IKE_SA_INIT: " + codec::describe(step.error()));
    return;
  }
  if (step->outcome == InitiatorOutcome::Retry) {
    decision("IKE_SA_INIT retried: " + step->reason);
    auto id = window_.begin_init_retry();
    if (!id) {
      set_state(IkeSaState::Failed, id.error().to_string());
      return;
    }
    send_init_request(engine.take_init_wire(step->request));
    return;
  }
  if (auto st = keys_ready(std::move(*init_task_->take_result())); !st) {
    set_state(IkeSaState::Failed, st.error().to_string());
    return;
  }
  // RFC 7296 2.23: behind a NAT (or when told to), move to the NAT-T port;
  // the non-ESP marker is the transport's business.
  if (init->nat_detected() || engine.config_.force_natt) {
    route.natt = true;
    route.remote.port = peer_natt_port;
  }
  set_state(IkeSaState::Authenticating, "");
  // The task borrows `init`, which is set once and lives as long as this SA,
  // and the engine's config, which outlives its SAs.
  auth_task_.emplace(&*init, &engine.auth_initiator_config_, borrow(engine.env_.random));
  Exchange ex;
  ex.type = ExchangeType::IKE_AUTH;
  ex.what = "IKE_AUTH";
  ex.build = [this] { return auth_task_->build_inner(); };
  ex.on_response = [this](const std::vector<Payload>& inner) { on_auth_response(inner); };
  queue(std::move(ex));
}

core::Status IkeSa::keys_ready(IkeSaInitResult result) {
  const IkeSaInitResult& r = init.emplace(std::move(result));
  spi_i = r.spi_i;
  spi_r = r.spi_r;
  if (!r.selection.key_suite) return make_error("engine", "the IKE SA has no key suite");
  auto out = crypto::SkContext::create(*r.selection.key_suite, crypto::keys_for(r.keys, original_initiator));
  if (!out) return out.error();
  auto in = crypto::SkContext::create(*r.selection.key_suite, crypto::keys_for(r.keys, !original_initiator));
  if (!in) return in.error();
  ctx_out_.emplace(std::move(out).value());
  ctx_in_.emplace(std::move(in).value());
  if (!engine.observed()) return {};
  Event e = spi_event(EventKind::Decision);
  e.detail = "IKE SA keys derived: " + r.selection.suite.to_string(ProtocolId::IKE);
  if (r.nat_detected()) e.detail += "; NAT detected";
  if (r.fragmentation) e.detail += "; fragmentation negotiated";
  engine.emit(std::move(e));
  return {};
}

void IkeSa::accept_init(const Message& m, core::BytesView wire, IkeSaInitResult result,
                        std::vector<Bytes> datagrams) {
  if (engine.observed())
    message_event(EventKind::MessageReceived, ExchangeType::IKE_SA_INIT, false, 0, m.payloads,
                  {Bytes(wire.begin(), wire.end())}, &m.header);
  // keys_ready() keeps `result` in `init` even when it fails, so the exact
  // request and response stay there for retransmissions.
  auto st = keys_ready(std::move(result));
  init_response_ = std::move(datagrams);
  if (!st) {
    set_state(IkeSaState::Failed, st.error().to_string());
    return;
  }
  engine.register_spi(*this, spi_r);
  window_.on_request(0);
  window_.store_response(0, init_response_);
  unprotected_sent_event(true, init_response_, false);
  set_state(IkeSaState::Authenticating, "IKE_SA_INIT answered");
  transmit(init_response_, route);
}

bool IkeSa::answered_init_request(core::BytesView wire) const {
  return !original_initiator && init && std::equal(init->request.begin(), init->request.end(), wire.begin(), wire.end());
}

void IkeSa::resend_init_response(const Route& to) {
  Event e = event(EventKind::Retransmit);
  e.exchange = ExchangeType::IKE_SA_INIT;
  e.response = true;
  e.detail = "retransmitted IKE_SA_INIT request answered again";
  engine.emit(std::move(e));
  // Decoded again from the bytes rather than kept: the response is
  // unprotected, and this path is rare.
  resent_event(true, 0, ExchangeType::IKE_SA_INIT, init_response_);
  transmit(init_response_, to);
}

// ----- Protection -----

core::Result<std::vector<Bytes>> IkeSa::seal(ExchangeType type, bool response, uint32_t message_id,
                                             std::vector<Payload>& inner) {
  if (!ctx_out_) return make_error("engine", "no keys to protect the message with");
  const OutgoingHooks& hooks = engine.hooks_;
  OutgoingContext hook_ctx;
  hook_ctx.ike_sa = serial;
  hook_ctx.exchange = type;
  hook_ctx.response = response;
  hook_ctx.message_id = message_id;
  hook_ctx.encrypted = true;
  uint8_t flags = static_cast<uint8_t>((original_initiator ? codec::flags::kInitiator : 0) |
                                       (response ? codec::flags::kResponse : 0));
  Message m = codec::make_message(type, flags, message_id, spi_i, spi_r, {});
  if (hooks.plain) {
    // The hook sees the header to send and the inner chain; what it leaves
    // in the chain is what the MessageSent event reports.
    m.payloads = std::move(inner);
    hooks.plain(hook_ctx, m);
    inner = std::move(m.payloads);
    m.payloads.clear();
  }
  m.payloads.emplace_back(PayloadType::SK, codec::SkPayload{});
  PayloadType first = PayloadType::NONE;
  Bytes chain = codec::encode_payloads(inner, &first);
  if (hooks.encoded) hooks.encoded(hook_ctx, chain, first);
  const auto& suite = ctx_out_->suite();
  std::vector<Bytes> out;
  // RFC 7383 2.5: fragment only once both sides announced support, and only
  // messages that would not fit.
  std::size_t estimate = 28 + 4 + suite.encr.iv_size + chain.size() + suite.encr.block_size + 16 + 64;
  const std::optional<std::size_t> forced = hooks.fragment ? hooks.fragment(hook_ctx) : std::nullopt;
  if (forced || (init && init->fragmentation && estimate > engine.config_.fragment_size)) {
    auto frags = crypto::protect_fragments(*ctx_out_, m, first, chain, forced.value_or(engine.config_.fragment_size),
                                           engine.env_.random);
    if (!frags) return frags.error();
    // One fragment: a plain SK message is what RFC 7383 2.5.2 expects then.
    if (frags->size() > 1 || forced) out = std::move(frags).value();
  }
  if (out.empty()) {
    crypto::ProtectFaults faults;
    faults.iv = Bytes(suite.encr.iv_size);
    if (!faults.iv->empty()) engine.env_.random(faults.iv->data(), faults.iv->size());
    if (hooks.protect) hooks.protect(hook_ctx, faults);
    auto wire = crypto::protect(*ctx_out_, std::move(m), first, chain, faults);
    if (!wire) return wire.error();
    // Not a braced list: its elements are const and would be copied.
    out.push_back(std::move(wire).value());
  }
  if (hooks.wire) hooks.wire(hook_ctx, out);
  return out;
}

// ----- Incoming -----

void IkeSa::on_message(const Message& m, core::BytesView wire, const Route& from) {
  const auto& h = m.header;
  if (h.exchange_type == ExchangeType::IKE_SA_INIT) {
    if (h.is_response()) {
      on_init_response(m, wire);
    } else {
      error_event("IKE_SA_INIT request for an existing IKE SA dropped", &m);
    }
    return;
  }
  if (state == IkeSaState::Deleted || state == IkeSaState::Failed) {
    // Keep answering retransmissions of the last requests (RFC 7296 2.1).
    if (!h.is_response())
      if (const auto* cached = window_.cached_response(h.message_id)) {
        resent_event(true, h.message_id, h.exchange_type, *cached);
        transmit(*cached, from);
      }
    return;
  }
  if (!ctx_in_) {
    error_event("message before the keys are derived dropped", &m);
    return;
  }
  if (m.payloads.empty() ||
      (m.payloads.back().type != PayloadType::SK && m.payloads.back().type != PayloadType::SKF)) {
    // RFC 7296 3.14: after IKE_SA_INIT everything is protected.
    error_event("unprotected message dropped", &m);
    return;
  }
  PayloadType first = PayloadType::NONE;
  Bytes plain;
  if (m.payloads.back().type == PayloadType::SKF) {
    const auto* skf = m.payloads.back().as<codec::SkfPayload>();
    if (!init->fragmentation || !skf) {
      // RFC 7383 2.5: fragments are only allowed once negotiated.
      error_event("SKF fragment without negotiated fragmentation dropped", &m);
      return;
    }
    if (!h.is_response()) {
      if (const auto* cached = window_.cached_response(h.message_id)) {
        // RFC 7383 2.6.1: a retransmitted fragmented request is answered
        // once, on its first fragment.
        if (skf->fragment_number == 1) {
          resent_event(true, h.message_id, h.exchange_type, *cached);
          transmit(*cached, from);
        }
        return;
      }
    }
    auto opened = crypto::unprotect(*ctx_in_, m, wire);
    if (!opened) {
      error_event("SKF fragment dropped: " + codec::describe(opened.error()), &m);
      return;
    }
    auto& reasm = reassembly_[{h.message_id, h.is_response()}];
    auto added = reasm.add(skf->fragment_number, skf->total_fragments, opened->first_inner, std::move(opened->inner));
    if (!added) {
      error_event("SKF fragment dropped: " + added.error().to_string(), &m);
      return;
    }
    if (*added != crypto::FragmentReassembler::State::Complete) return;
    first = reasm.first_inner();
    plain = reasm.assembled();
    reassembly_.erase({h.message_id, h.is_response()});
  } else {
    auto opened = crypto::unprotect(*ctx_in_, m, wire);
    if (!opened) {
      // RFC 7296 2.21.1: an integrity failure is dropped silently (logged).
      error_event("message dropped: " + codec::describe(opened.error()), &m);
      return;
    }
    first = opened->first_inner;
    plain = std::move(opened->inner);
  }
  auto inner = codec::decode_payloads(first, plain);
  if (!inner) {
    error_event("inner payloads do not decode: " + codec::describe(inner.error()), &m);
    return;
  }
  if (auto st = codec::verify_inner(h.exchange_type, h.is_response(), *inner); !st) {
    error_event("message breaks the exchange rules: " + codec::describe(st.error()), &m);
    if (!h.is_response() && window_.on_request(h.message_id) == RequestClass::New) {
      // RFC 7296 2.21.2: an authenticated request with a syntax error is
      // answered with INVALID_SYNTAX. RFC 7296 2.5: one with an unrecognised
      // critical payload is rejected whole with UNSUPPORTED_CRITICAL_PAYLOAD,
      // whose data is that payload's one-octet type (3.10.1).
      Payload answer = codec::make_notify(NotifyType::INVALID_SYNTAX);
      if (st.error().notify == static_cast<uint16_t>(NotifyType::UNSUPPORTED_CRITICAL_PAYLOAD)) {
        for (const auto& p : *inner)
          if (p.critical && !codec::is_understood(p.type)) {
            answer = codec::make_notify(NotifyType::UNSUPPORTED_CRITICAL_PAYLOAD, {static_cast<uint8_t>(p.type)});
            break;
          }
      }
      send_response(h.exchange_type, h.message_id, {std::move(answer)}, from);
    }
    return;
  }
  if (h.is_response()) {
    on_response(m, *inner);
  } else {
    on_request(m, std::move(inner).value(), from);
  }
}

void IkeSa::on_response(const Message& m, const std::vector<Payload>& inner) {
  uint32_t id = m.header.message_id;
  if (window_.on_response(id) != ResponseMatch::Matched) {
    error_event("response to no outstanding request dropped", &m);
    return;
  }
  rtx_->on_response(id);
  sent_requests_.erase(id);
  message_event(EventKind::MessageReceived, m.header.exchange_type, true, id, inner, {});
  auto it = active_.find(id);
  if (it == active_.end()) return;
  Exchange ex = std::move(it->second);
  active_.erase(it);
  if (ex.on_response) ex.on_response(inner);
  pump();
}

void IkeSa::on_request(const Message& m, std::vector<Payload> inner, const Route& from) {
  uint32_t id = m.header.message_id;
  switch (window_.on_request(id)) {
    case RequestClass::New:
      break;
    case RequestClass::Retransmit:
      if (const auto* cached = window_.cached_response(id)) {
        Event e = event(EventKind::Retransmit);
        e.exchange = m.header.exchange_type;
        e.response = true;
        e.message_id = id;
        e.detail = "retransmitted request #" + std::to_string(id) + " answered from the cache";
        engine.emit(std::move(e));
        resent_event(true, id, m.header.exchange_type, *cached);
        transmit(*cached, from);
      }
      return;
    case RequestClass::Old:
      error_event("request older than the window dropped", &m);
      return;
    case RequestClass::Ahead:
      error_event("request beyond the window dropped", &m);
      // RFC 7296 2.3: the peer may be told with INVALID_MESSAGE_ID, once.
      if (state == IkeSaState::Established &&
          std::find(invalid_id_reported_.begin(), invalid_id_reported_.end(), id) == invalid_id_reported_.end()) {
        invalid_id_reported_.push_back(id);
        queue_informational("INVALID_MESSAGE_ID",
                            {codec::make_notify(NotifyType::INVALID_MESSAGE_ID, encode_invalid_message_id(id))}, nullptr);
      }
      return;
  }
  // RFC 7296 2.23: answer where the request came from; a peer behind a NAT
  // may have moved (and moves to port 4500 after IKE_SA_INIT).
  route = from;
  message_event(EventKind::MessageReceived, m.header.exchange_type, false, id, inner, {});
  std::vector<Payload> out;
  bool delete_ike = false;
  switch (m.header.exchange_type) {
    case ExchangeType::IKE_AUTH:
      if (original_initiator || state != IkeSaState::Authenticating) {
        error_event("IKE_AUTH request in state " + std::string(state_name(state)) + " dropped", &m);
        return;
      }
      out = answer_auth(inner);
      break;
    case ExchangeType::CREATE_CHILD_SA:
      out = answer_create_child(inner);
      break;
    case ExchangeType::INFORMATIONAL:
      out = answer_informational(inner, delete_ike);
      break;
    default:
      error_event("request of an unknown exchange type dropped", &m);
      return;
  }
  send_response(m.header.exchange_type, id, std::move(out), from);
  if (delete_ike) set_state(IkeSaState::Deleted, "deleted by the peer");
  if (m.header.exchange_type == ExchangeType::IKE_AUTH && state == IkeSaState::Established) {
    // The first exchanges are over: the announced windows apply (2.3).
    window_.complete_initial_exchanges();
    pump();
  }
}

void IkeSa::send_response(ExchangeType type, uint32_t message_id, std::vector<Payload> inner, const Route& to) {
  auto frags = seal(type, true, message_id, inner);
  if (!frags) {
    error_event("response not sent: " + frags.error().to_string());
    return;
  }
  window_.store_response(message_id, *frags);
  message_event(EventKind::MessageSent, type, true, message_id, inner, *frags);
  remember_sent(true, message_id, type, inner);
  transmit(*frags, to);
}

// ----- IKE_AUTH -----

std::vector<Payload> IkeSa::answer_auth(const std::vector<Payload>& inner) {
  const ResponderPolicy& policy = engine.responder_policy_;
  CpHook cp_hook;
  if (policy.cp) {
    cp_hook = [&policy, sa = serial](const codec::IdPayload& id, const codec::CpPayload& request) {
      return policy.cp(sa, id, request);
    };
  } else if (engine.pool_) {
    uint64_t owner = pool_owner;
    cp_hook = make_cp_hook(engine.pool_, [owner] { return owner; });
  }
  PskLookup psk_lookup;
  if (policy.psk)
    psk_lookup = [&policy, sa = serial](const codec::IdPayload& id) { return policy.psk(sa, id); };
  IkeAuthResponder responder(&*init, &engine.auth_responder_config_, borrow(engine.env_.random), std::move(cp_hook),
                             std::move(psk_lookup));
  auto step = responder.process_inner(inner);
  if (!step) {
    uint16_t n = step.error().notify ? step.error().notify : static_cast<uint16_t>(NotifyType::INVALID_SYNTAX);
    set_state(IkeSaState::Failed, "IKE_AUTH: " + codec::describe(step.error()));
    NotifyPayload np;
    np.type = static_cast<NotifyType>(n);
    return {Payload(PayloadType::N, std::move(np))};
  }
  IkeAuthResult& r = step->result;
  if (r.outcome == IkeAuthOutcome::AuthenticationFailed) {
    set_state(IkeSaState::Failed, "AUTHENTICATION_FAILED sent");
    return std::move(step->inner);
  }
  const bool initial_contact = r.peer_initial_contact;
  established(std::move(r));
  if (policy.cp) {
    for (const auto& a : cp_attributes)
      if ((a.type == codec::CfgAttributeType::INTERNAL_IP4_ADDRESS ||
           a.type == codec::CfgAttributeType::INTERNAL_IP6_ADDRESS) && !a.value.empty()) {
        assigned_address = a.value;
        break;
      }
  } else if (engine.pool_) {
    assigned_address = engine.pool_->address_of(pool_owner);
  }
  if (initial_contact) engine.replace_for_initial_contact(*this);
  return std::move(step->inner);
}

void IkeSa::on_auth_response(const std::vector<Payload>& inner) {
  auto r = auth_task_->process_inner(inner);
  if (!r) {
    // RFC 7296 2.21.2: a responder whose AUTH does not verify is not
    // trusted; the IKE SA is closed.
    set_state(IkeSaState::Failed, "IKE_AUTH: " + codec::describe(r.error()));
    return;
  }
  if (r->outcome == IkeAuthOutcome::AuthenticationFailed) {
    set_state(IkeSaState::Failed, "the peer answered AUTHENTICATION_FAILED");
    return;
  }
  established(std::move(r).value());
  window_.complete_initial_exchanges();
}

void IkeSa::established(IkeAuthResult r) {
  peer_id = std::move(r.peer_id);
  cp_attributes = std::move(r.cp_attributes);
  if (auto st = window_.set_peer_window(r.peer_window_size); !st) error_event(st.error().to_string());
  if (engine.config_.window_size > 1) window_.announce_our_window(engine.config_.window_size);
  set_state(IkeSaState::Established, r.outcome == IkeAuthOutcome::ChildSaFailed
                                         ? std::string("without Child SA: ") +
                                               codec::label(static_cast<NotifyType>(r.notify))
                                         : std::string());
  if (r.child) add_child(std::move(*r.child), r.transport_mode, original_initiator);
  arm_lifetimes();
}

// ----- Child SAs -----

void IkeSa::add_child(ChildSa child, bool transport_mode, bool we_initiated) {
  ChildSaInfo& c = children.emplace_back();
  c.id = engine.next_child_id();
  c.sa = std::move(child);
  c.transport_mode = transport_mode;
  c.we_initiated = we_initiated;
  c.state = ChildSaState::Installed;
  if (!engine.observed()) return;
  Event e = event(EventKind::ChildSaState);
  e.child = c.id;
  e.child_state = ChildSaState::Installed;
  e.detail = "Child SA " + std::to_string(c.id) + " installed: " + c.sa.selection.suite.to_string(ProtocolId::ESP) +
             ", SPIs " + core::to_hex(c.inbound_spi()) + " in / " + core::to_hex(c.outbound_spi()) + " out" +
             (transport_mode ? ", transport mode" : "");
  engine.emit(std::move(e));
}

ChildSaInfo* IkeSa::child_by_id(uint32_t id) {
  for (auto& c : children)
    if (c.id == id) return &c;
  return nullptr;
}

void IkeSa::set_child_state(ChildSaInfo& c, ChildSaState s, const std::string& why) {
  if (c.state == s) return;
  ChildSaState old = c.state;
  c.state = s;
  Event e = event(EventKind::ChildSaState);
  e.child = c.id;
  e.child_state = s;
  e.detail = "Child SA " + std::to_string(c.id) + " " + state_name(old) + " -> " + state_name(s);
  if (!why.empty()) e.detail += " (" + why + ")";
  engine.emit(std::move(e));
}

// ----- Our requests -----

void IkeSa::queue(Exchange ex) {
  queue_.push_back(std::move(ex));
  pump();
}

void IkeSa::pump() {
  while (!queue_.empty() && window_.can_send()) {
    // IKE_AUTH goes first and alone (RFC 7296 2.3: window 1 until the
    // initial exchanges complete).
    if (state == IkeSaState::Connecting || state == IkeSaState::Deleted || state == IkeSaState::Failed) return;
    if (state == IkeSaState::Authenticating && queue_.front().type != ExchangeType::IKE_AUTH) return;
    Exchange ex = std::move(queue_.front());
    queue_.pop_front();
    auto inner = ex.build();
    if (!inner) {
      error_event(ex.what + " not started: " + inner.error().to_string());
      if (ex.type == ExchangeType::IKE_AUTH) set_state(IkeSaState::Failed, inner.error().to_string());
      continue;
    }
    auto id = window_.begin_request();
    if (!id) {
      error_event(ex.what + " not started: " + id.error().to_string());
      return;
    }
    auto frags = seal(ex.type, false, *id, *inner);
    if (!frags) {
      error_event(ex.what + " not sent: " + frags.error().to_string());
      window_.on_response(*id);
      continue;
    }
    message_event(EventKind::MessageSent, ex.type, false, *id, *inner, *frags);
    if (!frags->empty()) remember_sent(false, *id, ex.type, *inner);
    active_.emplace(*id, std::move(ex));
    // A wire hook that removed every datagram leaves nothing to send or
    // retransmit: the exchange waits until the SA is given up or dropped.
    if (frags->empty()) continue;
    if (auto st = rtx_->send(*id, std::move(frags).value()); !st)
      error_event(std::string("request not sent: ") + st.error().to_string());
  }
}

void IkeSa::give_up(uint32_t message_id) {
  error_event("no response to request #" + std::to_string(message_id) + " after " +
              std::to_string(rtx_->schedule().sends()) + " transmissions");
  // RFC 7296 2.1: the IKE SA is considered dead.
  set_state(state == IkeSaState::Connecting || state == IkeSaState::Authenticating ? IkeSaState::Failed
                                                                                     : IkeSaState::Deleted,
            "peer not responding");
}

core::Status IkeSa::queue_informational(std::string what, std::vector<Payload> payloads,
                                        std::function<void(const std::vector<Payload>&)> done) {
  Exchange ex;
  ex.type = ExchangeType::INFORMATIONAL;
  ex.what = std::move(what);
  ex.build = [payloads = std::move(payloads)]() -> core::Result<std::vector<Payload>> { return payloads; };
  ex.on_response = std::move(done);
  queue(std::move(ex));
  return {};
}

core::Status IkeSa::queue_delete_child(uint32_t id) {
  ChildSaInfo* c = child_by_id(id);
  if (!c || c->state == ChildSaState::Deleted || c->state == ChildSaState::Deleting)
    return make_error("engine", "no live Child SA " + std::to_string(id) + " on IKE SA " + std::to_string(serial));
  set_child_state(*c, ChildSaState::Deleting, "");
  DeletePayload d;
  d.protocol_id = ProtocolId::ESP;
  d.spis = {c->inbound_spi()};
  return queue_informational("Delete Child SA " + std::to_string(id), {Payload(PayloadType::D, std::move(d))},
                             [this, id](const std::vector<Payload>&) {
                               // RFC 7296 1.4.1: the answer's Delete names the
                               // peer's half; either way both halves go.
                               if (auto* c = child_by_id(id)) set_child_state(*c, ChildSaState::Deleted, "");
                             });
}

core::Status IkeSa::queue_delete_ike() {
  if (state != IkeSaState::Rekeyed) set_state(IkeSaState::Deleting, "");
  DeletePayload d;
  d.protocol_id = ProtocolId::IKE;
  return queue_informational("Delete IKE SA", {Payload(PayloadType::D, std::move(d))},
                             [this](const std::vector<Payload>&) { set_state(IkeSaState::Deleted, "Delete answered"); });
}

core::Status IkeSa::queue_cfg_set(std::vector<CfgAttribute> attributes) {
  CpPayload cp;
  cp.cfg_type = codec::CfgType::CFG_SET;
  cp.attributes = std::move(attributes);
  return queue_informational("CFG_SET", {Payload(PayloadType::CP, std::move(cp))},
                             [this](const std::vector<Payload>& inner) {
                               last_cfg_ack.reset();
                               for (const auto& p : inner)
                                 if (const auto* cp = p.as<CpPayload>();
                                     cp && p.type == PayloadType::CP && cp->cfg_type == codec::CfgType::CFG_ACK)
                                   last_cfg_ack = cp->attributes;
                               decision(last_cfg_ack ? "CFG_ACK received with " +
                                                           std::to_string(last_cfg_ack->size()) + " attribute(s)"
                                                     : std::string("CFG_SET answered without CP"));
                             });
}

// ----- INFORMATIONAL requests from the peer -----

std::vector<Payload> IkeSa::answer_informational(const std::vector<Payload>& inner, bool& delete_ike) {
  std::vector<Payload> out;
  std::vector<Bytes> deleted;
  for (const auto& p : inner) {
    if (const auto* d = p.as<DeletePayload>(); d && p.type == PayloadType::D) {
      if (d->protocol_id == ProtocolId::IKE) {
        delete_ike = true;  // RFC 7296 1.4.1: answered with an empty INFORMATIONAL
        continue;
      }
      for (const auto& spi : d->spis) {
        for (auto& c : children) {
          if (c.state == ChildSaState::Deleted || c.outbound_spi() != spi) continue;
          // RFC 7296 1.4.1: a Delete crossing ours is not echoed back.
          if (c.state != ChildSaState::Deleting) deleted.push_back(c.inbound_spi());
          set_child_state(c, ChildSaState::Deleted, "deleted by the peer");
        }
      }
    } else if (const auto* cp = p.as<CpPayload>(); cp && p.type == PayloadType::CP) {
      if (cp->cfg_type != codec::CfgType::CFG_SET) continue;
      auto accepted = engine.cfg_set_hook_(serial, peer_id, cp->attributes);
      Event e = event(EventKind::Decision);
      if (accepted) {
        // RFC 7296 3.15.1: CFG_ACK attributes are zero-length.
        CpPayload ack;
        ack.cfg_type = codec::CfgType::CFG_ACK;
        for (auto a : *accepted) {
          a.value.clear();
          a.length.reset();
          ack.attributes.push_back(std::move(a));
        }
        e.detail = "CFG_SET with " + std::to_string(cp->attributes.size()) + " attribute(s): CFG_ACK with " +
                   std::to_string(ack.attributes.size());
        out.emplace_back(PayloadType::CP, std::move(ack));
      } else {
        e.detail = "CFG_SET ignored (answered without CP)";
      }
      engine.emit(std::move(e));
    }
  }
  if (!deleted.empty()) {
    DeletePayload d;
    d.protocol_id = ProtocolId::ESP;
    d.spis = std::move(deleted);
    out.emplace(out.begin(), PayloadType::D, std::move(d));
  }
  return out;
}

IkeSaInfo IkeSa::info() const {
  IkeSaInfo i;
  i.serial = serial;
  i.state = state;
  i.original_initiator = original_initiator;
  i.spi_i = spi_i;
  i.spi_r = spi_r;
  i.route = route;
  if (init) {
    i.suite = init->selection.suite;
    i.group = init->group;
    i.fragmentation = init->fragmentation;
    i.nat_detected = init->nat_detected();
    i.peer_redirect_supported = init->peer_redirect_supported;
  }
  i.peer_id = peer_id;
  i.children = children;
  i.cp_attributes = cp_attributes;
  i.assigned_address = assigned_address;
  i.replaced_by = replaced_by;
  i.peer_window = window_.peer_window();
  i.retransmissions = retransmissions;
  return i;
}

}  // namespace ikeh::engine
