// SPDX-License-Identifier: Apache-2.0
#include "harness/engine/ike_auth.h"

#include <algorithm>
#include <utility>

#include "harness/codec/message.h"
#include "harness/codec/rules.h"
#include "harness/crypto/auth.h"
#include "harness/crypto/sk.h"

namespace ikeh::engine {
namespace {

using codec::AuthPayload;
using codec::CfgType;
using codec::CpPayload;
using codec::IdPayload;
using codec::Message;
using codec::NotifyPayload;
using codec::NotifyType;
using codec::Payload;
using codec::PayloadType;
using codec::SaPayload;
using codec::TrafficSelector;
using codec::TsPayload;

constexpr uint16_t kNotifyInvalidSyntax = static_cast<uint16_t>(NotifyType::INVALID_SYNTAX);
constexpr uint16_t kNotifyAuthenticationFailed = static_cast<uint16_t>(NotifyType::AUTHENTICATION_FAILED);
constexpr uint32_t kMessageId = 1;

using core::make_error;

// A Child SA SPI of 4 bytes outside 0..255 (RFC 4303 2.1 reserves them).
Bytes draw_child_spi(const RandomSource& random) {
  for (;;) {
    Bytes b(4);
    random(b.data(), b.size());
    if (b[0] | b[1] | b[2]) return b;
  }
}

// Addresses of one family as big-endian numbers: a <= b.
bool less_eq(const Bytes& a, const Bytes& b) {
  return !std::lexicographical_compare(b.begin(), b.end(), a.begin(), a.end());
}

const Payload* find_inner(const std::vector<Payload>& inner, PayloadType t) {
  for (const auto& p : inner)
    if (p.type == t) return &p;
  return nullptr;
}

const NotifyPayload* find_notify(const std::vector<Payload>& inner, NotifyType t) {
  for (const auto& p : inner) {
    const auto* n = p.as<NotifyPayload>();
    if (p.type == PayloadType::N && n && n->type == t) return n;
  }
  return nullptr;
}

const NotifyPayload* first_error_notify(const std::vector<Payload>& inner) {
  for (const auto& p : inner) {
    const auto* n = p.as<NotifyPayload>();
    if (p.type == PayloadType::N && n && codec::is_error(n->type)) return n;  // RFC 7296 3.10.1
  }
  return nullptr;
}

Payload ts_payload(PayloadType type, const std::vector<TrafficSelector>& selectors) {
  TsPayload ts;
  ts.selectors = selectors;
  return Payload(type, std::move(ts));
}

// Decrypts and checks the SK payload of an IKE_AUTH message (RFC 7296 3.14)
// and its inner chain against the exchange's rules.
core::Result<std::vector<Payload>> open_inner(const Message& m, BytesView wire, const IkeSaInitResult& sa,
                                              bool sender_is_initiator) {
  if (m.payloads.empty() || m.payloads.back().type != PayloadType::SK)
    return make_error("IKE_AUTH", "the last payload is not SK", kNotifyInvalidSyntax);
  if (!sa.selection.key_suite) return make_error("IKE_AUTH", "the IKE SA has no key suite");
  auto ctx = crypto::SkContext::create(*sa.selection.key_suite, crypto::keys_for(sa.keys, sender_is_initiator));
  if (!ctx) return ctx.error();
  auto plain = crypto::unprotect(*ctx, m, wire);
  if (!plain) return plain.error();
  auto inner = codec::decode_payloads(plain->first_inner, plain->inner);
  if (!inner) return inner.error();
  if (auto st = codec::verify_inner(codec::ExchangeType::IKE_AUTH, !sender_is_initiator, *inner); !st)
    return st.error();
  return std::move(inner).value();
}

// Protects the inner chain as the whole SK payload (RFC 7296 3.14). The IV
// comes from the injected source too, so a seeded run repeats byte for byte;
// with system_random() it is as unpredictable as protect()'s own draw.
core::Result<Bytes> seal(const IkeSaInitResult& sa, bool initiator, const std::vector<Payload>& inner,
                         const RandomSource& random) {
  if (!sa.selection.key_suite) return make_error("IKE_AUTH", "the IKE SA has no key suite");
  auto ctx = crypto::SkContext::create(*sa.selection.key_suite, crypto::keys_for(sa.keys, initiator));
  if (!ctx) return ctx.error();
  PayloadType first = PayloadType::NONE;
  Bytes chain = codec::encode_payloads(inner, &first);
  Message m = codec::make_message(codec::ExchangeType::IKE_AUTH,
                                  initiator ? codec::flags::kInitiator : codec::flags::kResponse, kMessageId,
                                  sa.spi_i, sa.spi_r, {Payload(PayloadType::SK, codec::SkPayload{})});
  crypto::ProtectFaults iv;
  iv.iv = Bytes(sa.selection.key_suite->encr.iv_size);
  if (!iv.iv->empty()) random(iv.iv->data(), iv.iv->size());
  return crypto::protect(*ctx, std::move(m), first, chain, iv);
}

// AUTH for one side (RFC 7296 2.15): the signer's own IKE_SA_INIT message,
// the peer's nonce, its SK_p and its own ID payload body.
core::Result<Bytes> compute_auth(const IkeSaInitResult& sa, bool initiator, const crypto::Secret& psk,
                                 const IdPayload& id) {
  PrfId prf = sa.selection.suite.prf;
  auto octets = crypto::signed_octets(prf, initiator ? sa.request : sa.response, initiator ? sa.nr : sa.ni,
                                      initiator ? sa.keys.sk_pi.view() : sa.keys.sk_pr.view(),
                                      crypto::id_payload_body(id));
  if (!octets) return octets.error();
  return crypto::psk_auth(prf, psk, *octets);
}

core::Status check_auth(const IkeSaInitResult& sa, bool signer_is_initiator, const crypto::Secret& psk,
                        const IdPayload& id, const AuthPayload& auth) {
  if (auth.method != codec::AuthMethod::SHARED_KEY_MIC)
    return make_error("AUTH payload", "auth method is not SHARED_KEY_MIC", kNotifyAuthenticationFailed);
  PrfId prf = sa.selection.suite.prf;
  auto octets = crypto::signed_octets(prf, signer_is_initiator ? sa.request : sa.response,
                                      signer_is_initiator ? sa.nr : sa.ni,
                                      signer_is_initiator ? sa.keys.sk_pi.view() : sa.keys.sk_pr.view(),
                                      crypto::id_payload_body(id));
  if (!octets) return octets.error();
  return crypto::verify_psk_auth(prf, psk, *octets, auth.data);
}

core::Result<crypto::ChildSaKeys> child_keys(const IkeSaInitResult& sa, const Selection& sel) {
  if (!sel.encr) return make_error("SA payload", "the Child SA selection has no encryption transform");
  return crypto::derive_child_sa_keys(sa.selection.suite.prf, sa.keys.sk_d.view(), *sel.encr, sel.integ, sa.ni,
                                      sa.nr);
}

}  // namespace

// ----- Traffic selectors -----

std::optional<TrafficSelector> intersect(const TrafficSelector& a, const TrafficSelector& b) {
  if (!a.is_ip() || a.ts_type != b.ts_type) return std::nullopt;
  std::size_t n = a.address_size();
  if (a.start_address.size() != n || a.end_address.size() != n || b.start_address.size() != n ||
      b.end_address.size() != n)
    return std::nullopt;
  TrafficSelector out;
  out.ts_type = a.ts_type;
  if (a.ip_protocol_id == 0 || a.ip_protocol_id == b.ip_protocol_id) {
    out.ip_protocol_id = b.ip_protocol_id;
  } else if (b.ip_protocol_id == 0) {
    out.ip_protocol_id = a.ip_protocol_id;
  } else {
    return std::nullopt;
  }
  out.start_port = std::max(a.start_port, b.start_port);
  out.end_port = std::min(a.end_port, b.end_port);
  if (out.start_port > out.end_port) return std::nullopt;
  out.start_address = less_eq(a.start_address, b.start_address) ? b.start_address : a.start_address;
  out.end_address = less_eq(a.end_address, b.end_address) ? a.end_address : b.end_address;
  if (!less_eq(out.start_address, out.end_address)) return std::nullopt;
  return out;
}

std::vector<TrafficSelector> narrow(const std::vector<TrafficSelector>& offered,
                                    const std::vector<TrafficSelector>& local) {
  std::vector<TrafficSelector> out;
  for (const auto& o : offered)
    for (const auto& l : local)
      if (auto ts = intersect(o, l)) out.push_back(std::move(*ts));
  return out;
}

bool covers(const TrafficSelector& outer, const TrafficSelector& inner) {
  auto common = intersect(outer, inner);
  if (!common) return false;
  return common->ip_protocol_id == inner.ip_protocol_id && common->start_port == inner.start_port &&
         common->end_port == inner.end_port && common->start_address == inner.start_address &&
         common->end_address == inner.end_address;
}

TrafficSelector prefix_selector(BytesView address, unsigned prefix_len) {
  TrafficSelector ts;
  ts.ts_type = address.size() == 16 ? codec::TsType::TS_IPV6_ADDR_RANGE : codec::TsType::TS_IPV4_ADDR_RANGE;
  ts.start_address.assign(address.begin(), address.end());
  ts.end_address = ts.start_address;
  for (std::size_t i = 0; i < address.size(); ++i) {
    unsigned bit = static_cast<unsigned>(i) * 8;
    uint8_t mask = 0;
    if (prefix_len >= bit + 8) {
      mask = 0xff;
    } else if (prefix_len > bit) {
      mask = static_cast<uint8_t>(0xff << (8 - (prefix_len - bit)));
    }
    ts.start_address[i] &= mask;
    ts.end_address[i] |= static_cast<uint8_t>(~mask);
  }
  return ts;
}

const char* ike_auth_outcome_name(IkeAuthOutcome o) {
  switch (o) {
    case IkeAuthOutcome::Established: return "Established";
    case IkeAuthOutcome::AuthenticationFailed: return "AuthenticationFailed";
    case IkeAuthOutcome::ChildSaFailed: return "ChildSaFailed";
  }
  return "?";
}

// ----- Initiator -----

IkeAuthInitiator::IkeAuthInitiator(IkeSaInitResult sa, IkeAuthInitiatorConfig config, RandomSource random)
    : sa_(std::move(sa)), config_(std::move(config)), random_(std::move(random)) {}

core::Result<Bytes> IkeAuthInitiator::build_request() {
  if (!request_.empty()) return make_error("IKE_AUTH", "build_request() called twice");
  if (config_.child_policy.protocol != ProtocolId::ESP) return make_error("child policy", "protocol is not ESP");
  if (auto st = validate(config_.child_policy); !st) return st.error();
  if (config_.tsi.empty() || config_.tsr.empty()) return make_error("TS", "TSi and TSr need at least one selector");
  auto auth = compute_auth(sa_, true, config_.psk, config_.idi);
  if (!auth) return auth.error();
  spi_ = draw_child_spi(random_);
  offered_ = build_offer(config_.child_policy, spi_);

  std::vector<Payload> inner;
  inner.emplace_back(PayloadType::IDi, config_.idi);
  if (config_.idr) inner.emplace_back(PayloadType::IDr, *config_.idr);
  inner.emplace_back(PayloadType::AUTH, AuthPayload{codec::AuthMethod::SHARED_KEY_MIC, 0, std::move(auth).value()});
  // RFC 7296 2.19 shows CP(CFG_REQUEST) ahead of SAi2.
  if (config_.cp_request) {
    CpPayload cp;
    cp.cfg_type = CfgType::CFG_REQUEST;
    cp.attributes = *config_.cp_request;
    inner.emplace_back(PayloadType::CP, std::move(cp));
  }
  inner.emplace_back(PayloadType::SA, offered_);
  inner.push_back(ts_payload(PayloadType::TSi, config_.tsi));
  inner.push_back(ts_payload(PayloadType::TSr, config_.tsr));
  if (config_.initial_contact) inner.push_back(codec::make_notify(NotifyType::INITIAL_CONTACT));
  auto wire = seal(sa_, true, inner, random_);
  if (!wire) return wire.error();
  request_ = *wire;
  return wire;
}

core::Result<IkeAuthResult> IkeAuthInitiator::process_response(BytesView response) {
  if (request_.empty()) return make_error("IKE_AUTH", "process_response() before build_request()");
  auto decoded = codec::decode_message(response);
  if (!decoded) return decoded.error();
  const Message& m = *decoded;
  const auto& h = m.header;
  if (h.exchange_type != codec::ExchangeType::IKE_AUTH || !h.is_response() || h.is_initiator() ||
      h.message_id != kMessageId || h.spi_i != sa_.spi_i || h.spi_r != sa_.spi_r)
    return make_error("IKE header", "not the IKE_AUTH response for our SPIs with Message ID 1 (R set, I clear)");
  if (auto st = codec::verify_message(m); !st) return st.error();
  auto inner = open_inner(m, response, sa_, false);
  if (!inner) return inner.error();

  IkeAuthResult result;
  if (find_notify(*inner, NotifyType::AUTHENTICATION_FAILED)) {
    result.outcome = IkeAuthOutcome::AuthenticationFailed;
    result.notify = kNotifyAuthenticationFailed;
    return result;
  }
  const auto* idr_p = find_inner(*inner, PayloadType::IDr);
  const auto* auth_p = find_inner(*inner, PayloadType::AUTH);
  const auto* idr = idr_p ? idr_p->as<IdPayload>() : nullptr;
  const auto* auth = auth_p ? auth_p->as<AuthPayload>() : nullptr;
  if (!idr || !auth) {
    if (const auto* err = first_error_notify(*inner))
      return make_error("IKE_AUTH response", "error notify without AUTH", static_cast<uint16_t>(err->type));
    return make_error("IKE_AUTH response", "missing IDr or AUTH", kNotifyInvalidSyntax);
  }
  // RFC 7296 2.21.2: an invalid responder AUTH fails the IKE SA.
  if (auto st = check_auth(sa_, false, config_.psk, *idr, *auth); !st) return st.error();
  result.peer_id = *idr;

  if (const auto* err = first_error_notify(*inner)) {
    result.outcome = IkeAuthOutcome::ChildSaFailed;
    result.notify = static_cast<uint16_t>(err->type);
    return result;
  }
  if (const auto* cp_p = find_inner(*inner, PayloadType::CP)) {
    const auto* cp = cp_p->as<CpPayload>();
    if (cp && cp->cfg_type == CfgType::CFG_REPLY) result.cp_attributes = cp->attributes;
  }
  const auto* sa_p = find_inner(*inner, PayloadType::SA);
  const auto* tsi_p = find_inner(*inner, PayloadType::TSi);
  const auto* tsr_p = find_inner(*inner, PayloadType::TSr);
  const auto* sa = sa_p ? sa_p->as<SaPayload>() : nullptr;
  const auto* tsi = tsi_p ? tsi_p->as<TsPayload>() : nullptr;
  const auto* tsr = tsr_p ? tsr_p->as<TsPayload>() : nullptr;
  if (!sa || !tsi || !tsr) return make_error("IKE_AUTH response", "missing SA, TSi or TSr for the Child SA");
  auto sel = check_response(offered_, *sa);
  if (!sel) return sel.error();
  // RFC 7296 2.9: the responder may narrow but never widen the offer.
  auto within = [](const std::vector<TrafficSelector>& got, const std::vector<TrafficSelector>& offered) {
    if (got.empty()) return false;
    return std::all_of(got.begin(), got.end(), [&](const TrafficSelector& g) {
      return std::any_of(offered.begin(), offered.end(), [&](const TrafficSelector& o) { return covers(o, g); });
    });
  };
  if (!within(tsi->selectors, config_.tsi) || !within(tsr->selectors, config_.tsr))
    return make_error("TS payload", "the responder's selectors are not within the offer");
  auto keys = child_keys(sa_, *sel);
  if (!keys) return keys.error();
  ChildSa child;
  child.spi_i = spi_;
  child.spi_r = sel->peer_spi;
  child.selection = std::move(sel).value();
  child.tsi = tsi->selectors;
  child.tsr = tsr->selectors;
  child.keys = std::move(keys).value();
  result.child = std::move(child);
  return result;
}

// ----- Responder -----

IkeAuthResponder::IkeAuthResponder(IkeSaInitResult sa, IkeAuthResponderConfig config, RandomSource random)
    : sa_(std::move(sa)), config_(std::move(config)), random_(std::move(random)) {}

core::Result<IkeAuthResponderStep> IkeAuthResponder::process_request(BytesView request) {
  auto decoded = codec::decode_message(request);
  if (!decoded) return decoded.error();
  const Message& m = *decoded;
  const auto& h = m.header;
  if (h.exchange_type != codec::ExchangeType::IKE_AUTH || h.is_response() || !h.is_initiator() ||
      h.message_id != kMessageId || h.spi_i != sa_.spi_i || h.spi_r != sa_.spi_r)
    return make_error("IKE header", "not the IKE_AUTH request for our SPIs with Message ID 1 (I set, R clear)");
  if (auto st = codec::verify_message(m); !st) return st.error();
  auto inner = open_inner(m, request, sa_, true);
  if (!inner) return inner.error();

  const auto* idi_p = find_inner(*inner, PayloadType::IDi);
  const auto* auth_p = find_inner(*inner, PayloadType::AUTH);
  const auto* idi = idi_p ? idi_p->as<IdPayload>() : nullptr;
  const auto* auth = auth_p ? auth_p->as<AuthPayload>() : nullptr;
  if (!idi || !auth) return make_error("IKE_AUTH request", "missing IDi or AUTH", kNotifyInvalidSyntax);

  IkeAuthResponderStep step;
  step.result.peer_id = *idi;
  std::optional<crypto::Secret> psk;
  if (config_.psk_lookup) psk = config_.psk_lookup(*idi);
  if (!psk || !check_auth(sa_, true, *psk, *idi, *auth)) {
    // RFC 7296 2.21.2: the response carries the notify alone.
    step.result.outcome = IkeAuthOutcome::AuthenticationFailed;
    step.result.notify = kNotifyAuthenticationFailed;
    auto wire = seal(sa_, false, {codec::make_notify(NotifyType::AUTHENTICATION_FAILED)}, random_);
    if (!wire) return wire.error();
    step.response = std::move(wire).value();
    return step;
  }

  const auto* sa_p = find_inner(*inner, PayloadType::SA);
  const auto* tsi_p = find_inner(*inner, PayloadType::TSi);
  const auto* tsr_p = find_inner(*inner, PayloadType::TSr);
  const auto* peer_sa = sa_p ? sa_p->as<SaPayload>() : nullptr;
  const auto* tsi = tsi_p ? tsi_p->as<TsPayload>() : nullptr;
  const auto* tsr = tsr_p ? tsr_p->as<TsPayload>() : nullptr;
  bool wants_child = peer_sa || tsi || tsr;
  if (wants_child && (!peer_sa || !tsi || !tsr))
    return make_error("IKE_AUTH request", "SA, TSi and TSr must come together", kNotifyInvalidSyntax);

  auto auth_data = compute_auth(sa_, false, *psk, config_.idr);
  if (!auth_data) return auth_data.error();
  std::vector<Payload> out;
  out.emplace_back(PayloadType::IDr, config_.idr);
  out.emplace_back(PayloadType::AUTH,
                   AuthPayload{codec::AuthMethod::SHARED_KEY_MIC, 0, std::move(auth_data).value()});

  if (wants_child) {
    Bytes spi = draw_child_spi(random_);
    SelectResult chosen = select(config_.child_policy, *peer_sa, spi);
    std::vector<TrafficSelector> ntsi, ntsr;
    if (chosen.ok()) {
      ntsi = narrow(tsi->selectors, config_.tsi);
      ntsr = narrow(tsr->selectors, config_.tsr);
    }
    // 1.2, 2.21.3: a refused Child SA keeps the IKE SA; the response then
    // has the notify instead of SA, TSi and TSr.
    if (!chosen.ok() || ntsi.empty() || ntsr.empty()) {
      NotifyType why = chosen.ok() ? NotifyType::TS_UNACCEPTABLE : NotifyType::NO_PROPOSAL_CHOSEN;
      out.push_back(codec::make_notify(why));
      step.result.outcome = IkeAuthOutcome::ChildSaFailed;
      step.result.notify = static_cast<uint16_t>(why);
    } else {
      const Selection& sel = *chosen.selection;
      auto keys = child_keys(sa_, sel);
      if (!keys) return keys.error();
      if (const auto* cp_p = find_inner(*inner, PayloadType::CP); cp_p && config_.cp_hook) {
        const auto* cp = cp_p->as<CpPayload>();
        if (cp && cp->cfg_type == CfgType::CFG_REQUEST) {
          if (auto attrs = config_.cp_hook(*cp)) {
            CpPayload reply;
            reply.cfg_type = CfgType::CFG_REPLY;
            reply.attributes = *attrs;
            step.result.cp_attributes = std::move(*attrs);
            out.emplace_back(PayloadType::CP, std::move(reply));
          }
        }
      }
      out.emplace_back(PayloadType::SA, sel.sa);
      out.push_back(ts_payload(PayloadType::TSi, ntsi));
      out.push_back(ts_payload(PayloadType::TSr, ntsr));
      ChildSa child;
      child.spi_i = sel.peer_spi;
      child.spi_r = spi;
      child.selection = sel;
      child.tsi = std::move(ntsi);
      child.tsr = std::move(ntsr);
      child.keys = std::move(keys).value();
      step.result.child = std::move(child);
    }
  }
  auto wire = seal(sa_, false, out, random_);
  if (!wire) return wire.error();
  step.response = std::move(wire).value();
  return step;
}

}  // namespace ikeh::engine
