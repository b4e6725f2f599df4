// SPDX-License-Identifier: Apache-2.0
#include "harness/engine/ike_sa_init.h"

#include <algorithm>
#include <utility>

#include "harness/codec/payload.h"
#include "harness/codec/rules.h"
#include "harness/crypto/cipher.h"
#include "harness/crypto/digest.h"
#include "harness/crypto/prf.h"
#include "harness/engine/task_support.h"

namespace ikeh::engine {
namespace {

using codec::KePayload;
using codec::Message;
using codec::NotifyPayload;
using codec::NotifyType;
using codec::Payload;
using codec::PayloadType;
using codec::SaPayload;

constexpr uint16_t kNotifyInvalidSyntax = static_cast<uint16_t>(NotifyType::INVALID_SYNTAX);
constexpr uint16_t kNotifyNoProposalChosen = static_cast<uint16_t>(NotifyType::NO_PROPOSAL_CHOSEN);
// RFC 7296 3.10.1 COOKIE data bounds.
constexpr std::size_t kMaxCookie = 64;

using core::make_error;

void put_be(Bytes& out, uint64_t v, int bytes) {
  for (int i = bytes - 1; i >= 0; --i) out.push_back(static_cast<uint8_t>(v >> (8 * i)));
}

Bytes be16(uint16_t v) { return Bytes{static_cast<uint8_t>(v >> 8), static_cast<uint8_t>(v)}; }

Bytes draw(const RandomSource& random, std::size_t n) {
  Bytes b(n);
  if (n) random(b.data(), n);
  return b;
}

Bytes encode(const IkeSaInitConfig& config, Message m) {
  return config.encode ? config.encode(std::move(m)) : codec::encode_message(m);
}

// IKE SPIs are non-zero (RFC 7296 3.1: zero marks "not yet known").
uint64_t draw_spi(const RandomSource& random) {
  for (;;) {
    uint8_t b[8];
    random(b, sizeof b);
    uint64_t v = 0;
    for (uint8_t x : b) v = v << 8 | x;
    if (v != 0) return v;
  }
}


std::vector<uint16_t> decode_hash_list(BytesView data) {
  std::vector<uint16_t> out;
  out.reserve(data.size() / 2);
  for (std::size_t i = 0; i + 1 < data.size(); i += 2) out.push_back(static_cast<uint16_t>(data[i] << 8 | data[i + 1]));
  return out;
}

Bytes encode_hash_list(const std::vector<uint16_t>& ids) {
  Bytes b;
  b.reserve(2 * ids.size());
  for (uint16_t id : ids) put_be(b, id, 2);
  return b;
}

bool has_notify(const Message& m, NotifyType t) { return m.find_notify(t) != nullptr; }

// The NAT-D notifies this side adds: source = own address, destination = the
// peer's address (RFC 7296 2.23).
core::Status add_nat_detection(std::vector<Payload>& payloads, uint64_t spi_i, uint64_t spi_r,
                               const IkeSaInitConfig& config) {
  auto src = nat_detection_hash(spi_i, spi_r, config.local);
  if (!src) return src.error();
  auto dst = nat_detection_hash(spi_i, spi_r, config.remote);
  if (!dst) return dst.error();
  payloads.push_back(codec::make_notify(NotifyType::NAT_DETECTION_SOURCE_IP, std::move(src).value()));
  payloads.push_back(codec::make_notify(NotifyType::NAT_DETECTION_DESTINATION_IP, std::move(dst).value()));
  return {};
}

// Compares the peer's NAT-D hashes with the addresses this side sees. A
// sender may include several SOURCE_IP notifies (one per address it might
// use); one match is enough (RFC 7296 2.23).
core::Status check_nat_detection(const Message& m, uint64_t spi_i, uint64_t spi_r, const IkeSaInitConfig& config,
                                 IkeSaInitResult& result) {
  auto remote_hash = nat_detection_hash(spi_i, spi_r, config.remote);
  if (!remote_hash) return remote_hash.error();
  auto local_hash = nat_detection_hash(spi_i, spi_r, config.local);
  if (!local_hash) return local_hash.error();
  bool any_src = false, src_match = false, any_dst = false, dst_match = false;
  for (const auto& p : m.payloads) {
    const auto* n = p.as<NotifyPayload>();
    if (p.type != PayloadType::N || !n) continue;
    if (n->type == NotifyType::NAT_DETECTION_SOURCE_IP) {
      any_src = true;
      src_match = src_match || n->data == *remote_hash;
    } else if (n->type == NotifyType::NAT_DETECTION_DESTINATION_IP) {
      any_dst = true;
      dst_match = dst_match || n->data == *local_hash;
    }
  }
  result.peer_sent_nat_detection = any_src || any_dst;
  result.remote_behind_nat = any_src && !src_match;
  result.local_behind_nat = any_dst && !dst_match;
  return {};
}

core::Status check_nonce(const Message& m, const char* name) {
  const auto* p = m.find(PayloadType::NONCE);
  const auto* n = p ? p->as<codec::NoncePayload>() : nullptr;
  if (!n) return make_error(name, "missing", kNotifyInvalidSyntax);
  if (n->data.size() < kMinNonce || n->data.size() > kMaxNonce)
    return make_error(name, std::to_string(n->data.size()) + " bytes, RFC 7296 2.10 allows 16 to 256",
                kNotifyInvalidSyntax);
  return {};
}

const Bytes& nonce_of(const Message& m) { return m.find(PayloadType::NONCE)->as<codec::NoncePayload>()->data; }

// SKEYSEED and SK_* (RFC 7296 2.14) into result.
core::Status derive_keys(const Selection& selection, const crypto::Secret& g_ir, IkeSaInitResult& result) {
  if (!selection.key_suite) return make_error("SA payload", "the selection has no IKE key suite");
  auto seed = crypto::skeyseed(selection.suite.prf, result.ni, result.nr, g_ir.view());
  if (!seed) return seed.error();
  auto keys = crypto::derive_ike_sa_keys(*selection.key_suite, seed->view(), result.ni, result.nr, result.spi_i,
                                         result.spi_r);
  if (!keys) return keys.error();
  result.skeyseed = std::move(seed).value();
  result.keys = std::move(keys).value();
  return {};
}

bool policy_offers_group(const Policy& policy, DhGroup group) {
  return std::any_of(policy.suites.begin(), policy.suites.end(), [&](const Suite& s) { return s.dh == group; });
}

}  // namespace

RandomSource system_random() {
  return [](uint8_t* out, std::size_t n) { crypto::random_bytes(out, n); };
}

core::Result<Bytes> nat_detection_hash(uint64_t spi_i, uint64_t spi_r, const Endpoint& endpoint) {
  if (endpoint.address.size() != 4 && endpoint.address.size() != 16)
    return make_error("NAT detection", "address of " + std::to_string(endpoint.address.size()) +
                                     " bytes, expected 4 (IPv4) or 16 (IPv6)");
  // SPIi (8) | SPIr (8) | address (at most 16) | port (2), on the stack.
  uint8_t input[8 + 8 + 16 + 2];
  std::size_t n = 0;
  for (int i = 7; i >= 0; --i) input[n++] = static_cast<uint8_t>(spi_i >> (8 * i));
  for (int i = 7; i >= 0; --i) input[n++] = static_cast<uint8_t>(spi_r >> (8 * i));
  n = static_cast<std::size_t>(std::copy(endpoint.address.begin(), endpoint.address.end(), input + n) - input);
  input[n++] = static_cast<uint8_t>(endpoint.port >> 8);
  input[n++] = static_cast<uint8_t>(endpoint.port);
  return crypto::sha1(BytesView(input, n));
}

// ----- Initiator -----

IkeSaInitInitiator::IkeSaInitInitiator(IkeSaInitConfig config, RandomSource random)
    : config_(std::move(config)), random_(std::move(random)) {}

core::Status IkeSaInitInitiator::new_key_exchange(DhGroup group) {
  auto ke = draw_key_exchange(random_, group);
  if (!ke) return ke.error();
  ke_.emplace(std::move(ke).value());
  return {};
}

core::Result<Bytes> IkeSaInitInitiator::encode_request() {
  std::vector<Payload> payloads;
  payloads.reserve(9);  // every payload below, so none is moved on growth
  // RFC 7296 2.6: the cookie is the first payload of the retry.
  if (!cookie_.empty()) payloads.push_back(codec::make_notify(NotifyType::COOKIE, cookie_));
  payloads.emplace_back(PayloadType::SA, offered_);
  KePayload ke;
  ke.group = ke_->group();
  ke.data = ke_->public_value();
  payloads.emplace_back(PayloadType::KE, std::move(ke));
  payloads.push_back(codec::make_nonce(ni_));
  if (config_.nat_detection) {
    auto st = add_nat_detection(payloads, spi_i_, 0, config_);
    if (!st) return st.error();
  }
  if (config_.fragmentation) payloads.push_back(codec::make_notify(NotifyType::IKEV2_FRAGMENTATION_SUPPORTED));
  // RFC 5685 3: an initiator able to follow a redirect says so.
  if (config_.redirect_supported) payloads.push_back(codec::make_notify(NotifyType::REDIRECT_SUPPORTED));
  if (!config_.signature_hashes.empty())
    payloads.push_back(
        codec::make_notify(NotifyType::SIGNATURE_HASH_ALGORITHMS, encode_hash_list(config_.signature_hashes)));
  add_vendor_ids(payloads, config_.vendor_ids);
  request_ = encode(config_, codec::make_message(codec::ExchangeType::IKE_SA_INIT, codec::flags::kInitiator, 0,
                                                       spi_i_, 0, std::move(payloads)));
  return request_;
}

core::Result<Bytes> IkeSaInitInitiator::build_request() {
  if (config_.policy.protocol != ProtocolId::IKE || config_.policy.suites.empty())
    return make_error("IKE_SA_INIT", "the policy must be an IKE policy with at least one suite");
  if (auto st = validate(config_.policy); !st) return st.error();
  if (config_.nonce_size < kMinNonce || config_.nonce_size > kMaxNonce)
    return make_error("IKE_SA_INIT", "nonce size " + std::to_string(config_.nonce_size) + " outside 16..256 (RFC 7296 2.10)");
  spi_i_ = draw_spi(random_);
  ni_ = draw(random_, config_.nonce_size);
  if (auto st = new_key_exchange(config_.policy.suites.front().dh); !st) return st.error();
  offered_ = build_offer(config_.policy);
  return encode_request();
}

core::Result<InitiatorStep> IkeSaInitInitiator::process_response(BytesView response) {
  if (!ke_) return make_error("IKE_SA_INIT", "process_response() before build_request()");
  if (result_) return make_error("IKE_SA_INIT", "the exchange is already established");
  auto decoded = codec::decode_message(response);
  if (!decoded) return decoded.error();
  const Message& m = *decoded;
  const auto& h = m.header;
  if (h.exchange_type != codec::ExchangeType::IKE_SA_INIT || !h.is_response() || h.is_initiator() ||
      h.message_id != 0 || h.spi_i != spi_i_)
    return make_error("IKE header", "not the IKE_SA_INIT response to our SPIi with Message ID 0 (R set, I clear)");
  if (auto st = codec::verify_message(m); !st) return st.error();

  if (const auto* cookie = m.find_notify(NotifyType::COOKIE)) {
    if (cookie->data.empty() || cookie->data.size() > kMaxCookie)
      return make_error("N(COOKIE)", std::to_string(cookie->data.size()) + " bytes, RFC 7296 3.10.1 allows 1 to 64");
    if (++retries_ > kMaxRetries) return make_error("IKE_SA_INIT", "too many retries");
    cookie_ = cookie->data;
    auto req = encode_request();
    if (!req) return req.error();
    return InitiatorStep{InitiatorOutcome::Retry, std::move(req).value(), "COOKIE"};
  }
  if (const auto* invalid_ke = m.find_notify(NotifyType::INVALID_KE_PAYLOAD)) {
    if (invalid_ke->data.size() != 2)
      return make_error("N(INVALID_KE_PAYLOAD)", "data of " + std::to_string(invalid_ke->data.size()) +
                                               " bytes, RFC 7296 3.10.1 requires the 2-byte group");
    auto group = static_cast<DhGroup>(invalid_ke->data[0] << 8 | invalid_ke->data[1]);
    // Only a group we offered, and not the one we already sent: anything
    // else is a responder error or an attack on the unauthenticated refusal.
    if (!policy_offers_group(config_.policy, group) || group == ke_->group())
      return make_error("N(INVALID_KE_PAYLOAD)",
                  "group " + std::to_string(static_cast<uint16_t>(group)) + " is not an acceptable retry group",
                  kNotifyInvalidSyntax);
    if (++retries_ > kMaxRetries) return make_error("IKE_SA_INIT", "too many retries");
    if (auto st = new_key_exchange(group); !st) return st.error();
    auto req = encode_request();
    if (!req) return req.error();
    return InitiatorStep{InitiatorOutcome::Retry, std::move(req).value(),
                         "INVALID_KE_PAYLOAD requested " + ke_->info().name};
  }
  for (const auto& p : m.payloads) {
    const auto* n = p.as<NotifyPayload>();
    if (p.type == PayloadType::N && n && codec::is_error(n->type))
      return make_error("IKE_SA_INIT response", "the responder refused with " +
                                              std::string(codec::name_of(n->type)),
                  static_cast<uint16_t>(n->type));
  }

  if (h.spi_r == 0) return make_error("IKE header", "SPIr is 0 in an accepting response", kNotifyInvalidSyntax);
  const auto* sa_p = m.find(PayloadType::SA);
  const auto* ke_p = m.find(PayloadType::KE);
  const auto* sa = sa_p ? sa_p->as<SaPayload>() : nullptr;
  const auto* ke = ke_p ? ke_p->as<KePayload>() : nullptr;
  if (!sa || !ke) return make_error("IKE_SA_INIT response", "SA or KE payload missing", kNotifyInvalidSyntax);
  if (auto st = check_nonce(m, "Nr"); !st) return st.error();
  auto selection = check_response(offered_, *sa);
  if (!selection) return selection.error();
  // RFC 7296 1.2: the responder's KE is for the group of the chosen
  // proposal, which must be the group we sent a KE for.
  if (selection->suite.dh != ke_->group() || ke->group != ke_->group())
    return make_error("KE payload",
                "the responder chose group " + std::to_string(static_cast<uint16_t>(selection->suite.dh)) +
                    " / sent KE group " + std::to_string(static_cast<uint16_t>(ke->group)) + ", our KE is " +
                    ke_->info().name,
                kNotifyInvalidSyntax);
  auto g_ir = ke_->shared_secret(ke->data);
  if (!g_ir) return g_ir.error();

  IkeSaInitResult r;
  r.spi_i = spi_i_;
  r.spi_r = h.spi_r;
  r.group = ke_->group();
  r.ni = ni_;
  r.nr = nonce_of(m);
  r.selection = std::move(selection).value();
  if (auto st = derive_keys(r.selection, *g_ir, r); !st) return st.error();
  r.request = request_;
  r.response.assign(response.begin(), response.end());
  r.fragmentation = config_.fragmentation && has_notify(m, NotifyType::IKEV2_FRAGMENTATION_SUPPORTED);
  r.peer_redirect_supported = has_notify(m, NotifyType::REDIRECT_SUPPORTED);
  if (const auto* sig = m.find_notify(NotifyType::SIGNATURE_HASH_ALGORITHMS))
    r.peer_signature_hashes = decode_hash_list(sig->data);
  if (auto st = check_nat_detection(m, spi_i_, h.spi_r, config_, r); !st) return st.error();
  result_ = std::move(r);
  return InitiatorStep{InitiatorOutcome::Established, {}, "established"};
}

// ----- Responder -----

const char* responder_outcome_name(ResponderOutcome o) {
  switch (o) {
    case ResponderOutcome::CookieRequired: return "CookieRequired";
    case ResponderOutcome::InvalidKe: return "InvalidKe";
    case ResponderOutcome::NoProposalChosen: return "NoProposalChosen";
    case ResponderOutcome::Established: return "Established";
  }
  return "?";
}

IkeSaInitResponder::IkeSaInitResponder(IkeSaInitConfig config, CookieConfig cookie, RandomSource random)
    : config_(std::move(config)), cookie_(std::move(cookie)), random_(std::move(random)) {}

core::Result<Bytes> IkeSaInitResponder::expected_cookie(uint64_t spi_i, BytesView ni) const {
  if (cookie_.secret.empty()) return make_error("COOKIE", "no cookie secret configured");
  Bytes input;
  input.reserve(ni.size() + config_.remote.address.size() + 8);
  input.assign(ni.begin(), ni.end());
  input.insert(input.end(), config_.remote.address.begin(), config_.remote.address.end());
  put_be(input, spi_i, 8);
  auto mac = crypto::prf(PrfId::PRF_HMAC_SHA2_256, cookie_.secret, input);
  if (!mac) return mac.error();
  return mac->reveal();
}

core::Result<ResponderStep> IkeSaInitResponder::process_request(BytesView request) {
  auto decoded = codec::decode_message(request);
  if (!decoded) return decoded.error();
  const Message& m = *decoded;
  const auto& h = m.header;
  if (h.exchange_type != codec::ExchangeType::IKE_SA_INIT || h.is_response() || !h.is_initiator() ||
      h.message_id != 0 || h.spi_r != 0 || h.spi_i == 0)
    return make_error("IKE header", "not an initiator's IKE_SA_INIT request (Message ID 0, SPIi set, SPIr 0)",
                kNotifyInvalidSyntax);
  if (auto st = codec::verify_message(m); !st) return st.error();
  if (auto st = check_nonce(m, "Ni"); !st) return st.error();
  const Bytes& ni = nonce_of(m);

  // A refusal: SPIr stays 0 (RFC 7296 2.6), nothing is remembered.
  auto refuse = [&](ResponderOutcome outcome, NotifyType type, Bytes data) {
    std::vector<Payload> payloads;
    payloads.push_back(codec::make_notify(type, std::move(data)));
    return ResponderStep{outcome, encode(config_, codec::make_message(
                                      codec::ExchangeType::IKE_SA_INIT, codec::flags::kResponse, 0, h.spi_i, 0,
                                      std::move(payloads)))};
  };

  if (cookie_.require) {
    // RFC 7296 2.6: the cookie must be the first payload; a missing or
    // stale one is answered with a fresh cookie before any DH work.
    auto expected = expected_cookie(h.spi_i, ni);
    if (!expected) return expected.error();
    const NotifyPayload* first = nullptr;
    if (!m.payloads.empty() && m.payloads.front().type == PayloadType::N)
      first = m.payloads.front().as<NotifyPayload>();
    if (!first || first->type != NotifyType::COOKIE || first->data != *expected)
      return refuse(ResponderOutcome::CookieRequired, NotifyType::COOKIE, std::move(expected).value());
  }

  const auto* sa_p = m.find(PayloadType::SA);
  const auto* ke_p = m.find(PayloadType::KE);
  const auto* sa = sa_p ? sa_p->as<SaPayload>() : nullptr;
  const auto* ke = ke_p ? ke_p->as<KePayload>() : nullptr;
  if (!sa || !ke) return make_error("IKE_SA_INIT request", "SA or KE payload does not decode", kNotifyInvalidSyntax);
  auto chosen = select(config_.policy, *sa, {}, ke->group);
  if (!chosen.ok()) return refuse(ResponderOutcome::NoProposalChosen, NotifyType::NO_PROPOSAL_CHOSEN, {});
  Selection& selection = *chosen.selection;
  auto decision = decide_ke(selection, ke->group);
  if (decision.verdict == KeVerdict::InvalidKe)
    return refuse(ResponderOutcome::InvalidKe, NotifyType::INVALID_KE_PAYLOAD,
                  be16(static_cast<uint16_t>(decision.group)));
  if (decision.verdict != KeVerdict::Accept)
    return make_error("SA payload", "an IKE SA needs a Diffie-Hellman group (" + decision.reason + ")",
                kNotifyNoProposalChosen);

  IkeSaInitResult r;
  r.spi_i = h.spi_i;
  r.spi_r = draw_spi(random_);
  r.ni = ni;
  r.nr = draw(random_, config_.nonce_size);
  r.group = decision.group;
  auto own = draw_key_exchange(random_, decision.group);
  if (!own) return own.error();
  auto g_ir = own->shared_secret(ke->data);
  if (!g_ir) return make_error("KE payload", g_ir.error().reason, kNotifyInvalidSyntax);
  r.selection = std::move(selection);
  if (auto st = derive_keys(r.selection, *g_ir, r); !st) return st.error();

  bool peer_nat_d = has_notify(m, NotifyType::NAT_DETECTION_SOURCE_IP) ||
                    has_notify(m, NotifyType::NAT_DETECTION_DESTINATION_IP);
  // The request's NAT-D hashes use SPIr 0, as its header does (RFC 7296 2.23).
  if (auto st = check_nat_detection(m, h.spi_i, 0, config_, r); !st) return st.error();
  r.fragmentation = config_.fragmentation && has_notify(m, NotifyType::IKEV2_FRAGMENTATION_SUPPORTED);
  r.peer_redirect_supported = has_notify(m, NotifyType::REDIRECT_SUPPORTED);
  const auto* peer_sig = m.find_notify(NotifyType::SIGNATURE_HASH_ALGORITHMS);
  if (peer_sig) r.peer_signature_hashes = decode_hash_list(peer_sig->data);

  std::vector<Payload> payloads;
  payloads.reserve(9);  // every payload below, so none is moved on growth
  payloads.emplace_back(PayloadType::SA, r.selection.sa);
  KePayload ke_r;
  ke_r.group = decision.group;
  ke_r.data = own->public_value();
  payloads.emplace_back(PayloadType::KE, std::move(ke_r));
  payloads.push_back(codec::make_nonce(r.nr));
  if (config_.certreq) payloads.emplace_back(PayloadType::CERTREQ, *config_.certreq);
  // NAT-D only in answer to NAT-D (RFC 7296 2.23), fragmentation only when
  // both sides support it (RFC 7383 2.3), signature hashes only when asked
  // (RFC 7427 4).
  if (config_.nat_detection && peer_nat_d) {
    if (auto st = add_nat_detection(payloads, r.spi_i, r.spi_r, config_); !st) return st.error();
  }
  if (r.fragmentation) payloads.push_back(codec::make_notify(NotifyType::IKEV2_FRAGMENTATION_SUPPORTED));
  if (peer_sig && !config_.signature_hashes.empty())
    payloads.push_back(
        codec::make_notify(NotifyType::SIGNATURE_HASH_ALGORITHMS, encode_hash_list(config_.signature_hashes)));
  add_vendor_ids(payloads, config_.vendor_ids);

  r.request.assign(request.begin(), request.end());
  r.response = encode(config_, codec::make_message(codec::ExchangeType::IKE_SA_INIT, codec::flags::kResponse,
                                                         0, r.spi_i, r.spi_r, std::move(payloads)));
  ResponderStep step{ResponderOutcome::Established, r.response};
  result_ = std::move(r);
  return step;
}

}  // namespace ikeh::engine
