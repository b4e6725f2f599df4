// SPDX-License-Identifier: Apache-2.0
#include "harness/codec/rules.h"

#include <array>
#include <iterator>

namespace ikeh::codec {

namespace {

using E = ExchangeType;
using P = PayloadType;
constexpr auto Plain = Placement::Plain;
constexpr auto Inner = Placement::Inner;
constexpr bool Req = false;
constexpr bool Resp = true;

// RFC 7296 1.2 (IKE_SA_INIT, IKE_AUTH), 1.3 (CREATE_CHILD_SA), 1.4
// (INFORMATIONAL), 2.6 (COOKIE), 2.16 (EAP: AUTH optional in the first
// IKE_AUTH request, several rounds), 3.7 (CERTREQ). Vendor IDs and Notifies may
// appear anywhere.
//   exchange             dir   payload     min max    placement
constexpr PayloadRule kRules[] = {
    {E::IKE_SA_INIT,      Req,  P::SA,      1, 1,      Plain},
    {E::IKE_SA_INIT,      Req,  P::KE,      1, 1,      Plain},
    {E::IKE_SA_INIT,      Req,  P::NONCE,   1, 1,      Plain},
    {E::IKE_SA_INIT,      Req,  P::N,       0, kMany,  Plain},
    {E::IKE_SA_INIT,      Req,  P::V,       0, kMany,  Plain},
    {E::IKE_SA_INIT,      Resp, P::SA,      1, 1,      Plain},
    {E::IKE_SA_INIT,      Resp, P::KE,      1, 1,      Plain},
    {E::IKE_SA_INIT,      Resp, P::NONCE,   1, 1,      Plain},
    {E::IKE_SA_INIT,      Resp, P::CERTREQ, 0, kMany,  Plain},
    {E::IKE_SA_INIT,      Resp, P::N,       0, kMany,  Plain},
    {E::IKE_SA_INIT,      Resp, P::V,       0, kMany,  Plain},

    {E::IKE_AUTH,         Req,  P::IDi,     0, 1,      Inner},
    {E::IKE_AUTH,         Req,  P::CERT,    0, kMany,  Inner},
    {E::IKE_AUTH,         Req,  P::CERTREQ, 0, kMany,  Inner},
    {E::IKE_AUTH,         Req,  P::IDr,     0, 1,      Inner},
    {E::IKE_AUTH,         Req,  P::AUTH,    0, 1,      Inner},
    {E::IKE_AUTH,         Req,  P::CP,      0, 1,      Inner},
    {E::IKE_AUTH,         Req,  P::SA,      0, 1,      Inner},
    {E::IKE_AUTH,         Req,  P::TSi,     0, 1,      Inner},
    {E::IKE_AUTH,         Req,  P::TSr,     0, 1,      Inner},
    {E::IKE_AUTH,         Req,  P::EAP,     0, 1,      Inner},
    {E::IKE_AUTH,         Req,  P::N,       0, kMany,  Inner},
    {E::IKE_AUTH,         Req,  P::V,       0, kMany,  Inner},
    {E::IKE_AUTH,         Resp, P::IDr,     0, 1,      Inner},
    {E::IKE_AUTH,         Resp, P::CERT,    0, kMany,  Inner},
    {E::IKE_AUTH,         Resp, P::AUTH,    0, 1,      Inner},
    {E::IKE_AUTH,         Resp, P::CP,      0, 1,      Inner},
    {E::IKE_AUTH,         Resp, P::SA,      0, 1,      Inner},
    {E::IKE_AUTH,         Resp, P::TSi,     0, 1,      Inner},
    {E::IKE_AUTH,         Resp, P::TSr,     0, 1,      Inner},
    {E::IKE_AUTH,         Resp, P::EAP,     0, 1,      Inner},
    {E::IKE_AUTH,         Resp, P::N,       0, kMany,  Inner},
    {E::IKE_AUTH,         Resp, P::V,       0, kMany,  Inner},

    {E::CREATE_CHILD_SA,  Req,  P::SA,      1, 1,      Inner},
    {E::CREATE_CHILD_SA,  Req,  P::NONCE,   1, 1,      Inner},
    {E::CREATE_CHILD_SA,  Req,  P::KE,      0, 1,      Inner},
    {E::CREATE_CHILD_SA,  Req,  P::TSi,     0, 1,      Inner},
    {E::CREATE_CHILD_SA,  Req,  P::TSr,     0, 1,      Inner},
    {E::CREATE_CHILD_SA,  Req,  P::N,       0, kMany,  Inner},
    {E::CREATE_CHILD_SA,  Req,  P::V,       0, kMany,  Inner},
    {E::CREATE_CHILD_SA,  Resp, P::SA,      1, 1,      Inner},
    {E::CREATE_CHILD_SA,  Resp, P::NONCE,   1, 1,      Inner},
    {E::CREATE_CHILD_SA,  Resp, P::KE,      0, 1,      Inner},
    {E::CREATE_CHILD_SA,  Resp, P::TSi,     0, 1,      Inner},
    {E::CREATE_CHILD_SA,  Resp, P::TSr,     0, 1,      Inner},
    {E::CREATE_CHILD_SA,  Resp, P::N,       0, kMany,  Inner},
    {E::CREATE_CHILD_SA,  Resp, P::V,       0, kMany,  Inner},

    {E::INFORMATIONAL,    Req,  P::N,       0, kMany,  Inner},
    {E::INFORMATIONAL,    Req,  P::D,       0, kMany,  Inner},
    {E::INFORMATIONAL,    Req,  P::CP,      0, kMany,  Inner},
    {E::INFORMATIONAL,    Req,  P::V,       0, kMany,  Inner},
    {E::INFORMATIONAL,    Resp, P::N,       0, kMany,  Inner},
    {E::INFORMATIONAL,    Resp, P::D,       0, kMany,  Inner},
    {E::INFORMATIONAL,    Resp, P::CP,      0, kMany,  Inner},
    {E::INFORMATIONAL,    Resp, P::V,       0, kMany,  Inner},
};

bool has_rules(ExchangeType e) {
  for (const auto& r : kRules)
    if (r.exchange == e) return true;
  return false;
}

core::Error violation(std::string reason, NotifyType notify = NotifyType::INVALID_SYNTAX, std::string where = "",
                      std::size_t offset = 0, bool has_offset = false) {
  core::Error e;
  e.where = std::move(where);
  e.reason = std::move(reason);
  e.notify = static_cast<uint16_t>(notify);
  e.offset = offset;
  e.has_offset = has_offset;
  return e;
}

std::string direction(bool response) { return response ? "response" : "request"; }

// Status notifies that make up a whole response on their own, like error
// notifies do: RFC 7296 2.6 (IKE_SA_INIT answered with N(COOKIE)) and RFC 5685
// 5 (IKE_SA_INIT answered with N(REDIRECT)).
constexpr NotifyType kStandaloneStatus[] = {NotifyType::COOKIE, NotifyType::REDIRECT};

bool answers_with_notify(std::span<const Payload> payloads) {
  for (const auto& p : payloads) {
    auto* n = p.as<NotifyPayload>();
    if (!n || p.type != PayloadType::N) continue;
    if (is_error(n->type)) return true;
    for (auto t : kStandaloneStatus)
      if (n->type == t) return true;
  }
  return false;
}

// The message context of count errors: "IKE_AUTH response".
std::string context(ExchangeType exchange, bool response) { return label(exchange) + " " + direction(response); }

// Checks counts of the payloads in `payloads` against the rows for
// (exchange, response, placement).
core::Status check_counts(ExchangeType exchange, bool response, Placement placement,
                          std::span<const Payload> payloads) {
  // The table is walked once; payloads are then checked against these rows
  // by type instead of scanning the whole table per payload.
  std::array<const PayloadRule*, std::size(kRules)> rows;
  std::size_t row_count = 0;
  std::array<bool, 256> allowed{};
  for (const auto& r : kRules) {
    if (r.exchange != exchange || r.response != response || r.placement != placement) continue;
    rows[row_count++] = &r;
    allowed[static_cast<uint8_t>(r.type)] = true;
  }
  std::array<uint16_t, 256> counts{};
  for (const auto& p : payloads) {
    ++counts[static_cast<uint8_t>(p.type)];
    if (!allowed[static_cast<uint8_t>(p.type)] && is_understood(p.type) && p.type != PayloadType::SK &&
        p.type != PayloadType::SKF) {
      return violation(label(p.type) + " payload is not allowed " +
                           (placement == Placement::Inner ? "inside SK of " : "in ") + context(exchange, response),
                       NotifyType::INVALID_SYNTAX, "", p.raw_offset(), !p.raw().empty());
    }
  }
  for (std::size_t i = 0; i < row_count; ++i) {
    const auto& r = *rows[i];
    auto n = counts[static_cast<uint8_t>(r.type)];
    if (n < r.min && !(response && answers_with_notify(payloads)))
      return violation(context(exchange, response) + " lacks " + label(r.type) + " payload (needs " +
                       std::to_string(r.min) + ")");
    if (r.max != kMany && n > r.max)
      return violation(context(exchange, response) + " carries " + std::to_string(n) + " " + label(r.type) +
                       " payloads (at most " + std::to_string(r.max) + ")");
  }
  return {};
}

// Error locations of check_structure(), built only when there is an error.
std::string payload_where(const Payload& p) { return label(p.type) + " payload"; }
std::string proposal_where(const Payload& p, std::size_t i) {
  return payload_where(p) + " / proposal " + std::to_string(i + 1);
}
core::Error structure_error(const Payload& p, std::string where, std::string reason) {
  return violation(std::move(reason), NotifyType::INVALID_SYNTAX, std::move(where), p.raw_offset(),
                   !p.raw().empty());
}

// Decoded computed fields that disagree with the structure (the decoder kept
// them as overrides for lossless re-encoding).
core::Status check_structure(const Payload& p, bool response) {
  if (auto* sa = p.as<SaPayload>()) {
    for (std::size_t i = 0; i < sa->proposals.size(); ++i) {
      const auto& pr = sa->proposals[i];
      // RFC 7296 3.3.1: an accepted proposal keeps the number it was offered
      // under, so a response's single proposal may carry any number but 0.
      const bool accepted_number = response && sa->proposals.size() == 1 && pr.number && *pr.number != 0;
      if (pr.number && !accepted_number) {
        // RFC 7296 3.3.1: the first proposal is 1, each next one is one more
        // (IKEv1-style equal numbers are not IKEv2).
        return structure_error(p, proposal_where(p, i),
                               "proposal_num is " + std::to_string(*pr.number) + ", expected " +
                                   std::to_string(i + 1));
      }
      if (pr.last_substruc)
        return structure_error(p, proposal_where(p, i),
                               "last_substruc is " + std::to_string(*pr.last_substruc) + ", expected " +
                                   (i + 1 == sa->proposals.size() ? "0" : "2"));
      if (pr.num_transforms)
        return structure_error(p, proposal_where(p, i),
                               "num_transforms is " + std::to_string(*pr.num_transforms) + " but " +
                                   std::to_string(pr.transforms.size()) + " transforms follow");
      for (std::size_t t = 0; t < pr.transforms.size(); ++t)
        if (pr.transforms[t].last_substruc)
          return structure_error(p, proposal_where(p, i) + " / transform " + std::to_string(t + 1),
                                 "last_substruc is " + std::to_string(*pr.transforms[t].last_substruc) +
                                     ", expected " + (t + 1 == pr.transforms.size() ? "0" : "3"));
    }
  }
  if (auto* ts = p.as<TsPayload>(); ts && ts->num_ts)
    return structure_error(p, payload_where(p),
                           "number_of_ts is " + std::to_string(*ts->num_ts) + " but " +
                               std::to_string(ts->selectors.size()) + " selectors follow");
  if (auto* d = p.as<DeletePayload>()) {
    // RFC 7296 3.11: SPI Size is 0 for IKE (the SPIs are in the header) and 4
    // for AH and ESP, whether or not SPIs are listed.
    const std::size_t size = d->spi_size ? *d->spi_size : d->computed_spi_size();
    const bool ipsec = d->protocol_id == ProtocolId::AH || d->protocol_id == ProtocolId::ESP;
    const bool fits = d->protocol_id == ProtocolId::IKE ? size == 0 : !ipsec || size == 4;
    if (!fits)
      return structure_error(p, payload_where(p),
                             "spi_size " + std::to_string(size) + " does not fit protocol " + label(d->protocol_id));
  }
  return {};
}

core::Status check_payloads(std::span<const Payload> payloads, bool response) {
  for (const auto& p : payloads) {
    if (p.critical && !is_understood(p.type)) {
      // RFC 7296 2.5: reject the whole message; the notify data is the type.
      return violation("unsupported payload type " + std::to_string(static_cast<unsigned>(p.type)) +
                           " has the critical bit set",
                       NotifyType::UNSUPPORTED_CRITICAL_PAYLOAD, label(p.type) + " payload", p.raw_offset(),
                       !p.raw().empty());
    }
    if (auto s = check_structure(p, response); !s) return s;
  }
  return {};
}

}  // namespace

std::span<const PayloadRule> payload_rules() { return kRules; }

core::Status verify_message(const Message& m) {
  const auto exchange = m.header.exchange_type;
  const bool response = m.header.is_response();
  if (auto s = check_payloads(m.payloads, response); !s) return s;
  if (!has_rules(exchange)) return {};
  if (exchange == ExchangeType::IKE_SA_INIT) return check_counts(exchange, response, Placement::Plain, m.payloads);
  // Every other exchange is protected: RFC 7296 1.2-1.4 put all payloads in SK.
  if (m.payloads.empty() ||
      (m.payloads.back().type != PayloadType::SK && m.payloads.back().type != PayloadType::SKF))
    return violation(label(exchange) + " " + direction(response) + " is not protected by an SK or SKF payload");
  for (std::size_t i = 0; i + 1 < m.payloads.size(); ++i)
    if (is_understood(m.payloads[i].type))
      return violation(label(m.payloads[i].type) + " payload outside SK in " + label(exchange) + " " +
                       direction(response));
  return {};
}

core::Status verify_inner(ExchangeType exchange, bool response, std::span<const Payload> inner) {
  if (auto s = check_payloads(inner, response); !s) return s;
  if (!has_rules(exchange)) return {};
  return check_counts(exchange, response, Placement::Inner, inner);
}

}  // namespace ikeh::codec
