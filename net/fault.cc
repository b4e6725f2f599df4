// SPDX-License-Identifier: Apache-2.0
#include "net/fault.h"

#include <algorithm>
#include <cstdio>
#include <utility>

#include "harness/codec/message.h"

namespace ikeh::net {

std::string_view name_of(Direction d) {
  return d == Direction::InitiatorToResponder ? "i->r" : "r->i";
}

std::string_view name_of(FaultAction a) {
  switch (a) {
    case FaultAction::Drop: return "drop";
    case FaultAction::Duplicate: return "duplicate";
    case FaultAction::Delay: return "delay";
    case FaultAction::Reorder: return "reorder";
    case FaultAction::Corrupt: return "corrupt";
  }
  return "unknown";
}

struct FaultInjector::IkeFields {
  codec::ExchangeType exchange_type;
  uint32_t message_id;
  bool response;
};

FaultInjector::FaultInjector(std::vector<FaultRule> rules, uint64_t seed)
    : rules_(std::move(rules)), fired_(rules_.size(), 0), rng_(seed) {}

uint64_t FaultInjector::fired(std::size_t rule_index) const {
  return rule_index < fired_.size() ? fired_[rule_index] : 0;
}

std::size_t FaultInjector::add_rule(FaultRule rule) {
  rules_.push_back(std::move(rule));
  fired_.push_back(0);
  return rules_.size() - 1;
}

std::size_t FaultInjector::held(Direction direction) const { return held_[index(direction)].size(); }

bool FaultInjector::matches(const FaultRule& rule, Direction direction, uint64_t packet_index,
                            const IkeFields* ike) {
  const FaultMatch& m = rule.match;
  if (m.direction == DirectionMatch::InitiatorToResponder && direction != Direction::InitiatorToResponder)
    return false;
  if (m.direction == DirectionMatch::ResponderToInitiator && direction != Direction::ResponderToInitiator)
    return false;
  std::size_t i = static_cast<std::size_t>(&rule - rules_.data());
  if (rule.limit && fired_[i] >= *rule.limit) return false;
  bool wants_ike = m.exchange_type || m.message_id || m.response;
  if (wants_ike && !ike) return false;
  if (m.exchange_type && ike->exchange_type != *m.exchange_type) return false;
  if (m.message_id && ike->message_id != *m.message_id) return false;
  if (m.response && ike->response != *m.response) return false;
  if (m.packet_index && packet_index != *m.packet_index) return false;
  if (m.probability) {
    // 53 random bits as a double in [0, 1): exact, and the same everywhere.
    double u = static_cast<double>(rng_() >> 11) * 0x1.0p-53;
    if (!(u < *m.probability)) return false;
  }
  return true;
}

std::string FaultInjector::corrupt(const Corruption& c, core::Bytes& bytes, std::size_t ike_offset) {
  char buf[96];
  if (c.mode == Corruption::Mode::XorByte) {
    std::size_t pos = ike_offset + c.offset;
    if (pos >= bytes.size()) {
      std::snprintf(buf, sizeof buf, "offset %zu past the end (%zu bytes): unchanged", c.offset,
                    bytes.size() - std::min(ike_offset, bytes.size()));
      return buf;
    }
    bytes[pos] ^= c.mask;
    std::snprintf(buf, sizeof buf, "xor 0x%02x at offset %zu", c.mask, c.offset);
    return buf;
  }
  if (bytes.size() <= ike_offset) return "no bytes to corrupt: unchanged";
  uint64_t span_bits = uint64_t{bytes.size() - ike_offset} * 8;
  for (uint32_t n = 0; n < c.bits; ++n) {
    uint64_t bit = rng_() % span_bits;
    bytes[ike_offset + bit / 8] ^= static_cast<uint8_t>(0x80u >> (bit % 8));
  }
  std::snprintf(buf, sizeof buf, "flipped %u random bit%s", c.bits, c.bits == 1 ? "" : "s");
  return buf;
}

void FaultInjector::release(Direction direction, std::vector<Delivery>& out) {
  auto& held = held_[index(direction)];
  std::vector<Held> kept;
  for (Held& h : held) {
    if (h.remaining > 0) --h.remaining;
    if (h.remaining > 0) {
      kept.push_back(std::move(h));
      continue;
    }
    events_.push_back({direction, h.packet_index, h.rule_index, FaultAction::Reorder, true,
                       "released after packet " + std::to_string(offered_[index(direction)])});
    for (Delivery& d : h.copies) out.push_back(std::move(d));
  }
  held = std::move(kept);
}

std::vector<Delivery> FaultInjector::apply(Direction direction, core::BytesView datagram, bool non_esp_marker) {
  uint64_t packet_index = ++offered_[index(direction)];

  // RFC 3948 2.2: on port 4500 an IKE message follows four zero octets.
  std::size_t ike_offset = non_esp_marker && datagram.size() >= 4 ? 4 : 0;
  bool marker_ok = !non_esp_marker ||
                   (datagram.size() >= 4 && datagram[0] == 0 && datagram[1] == 0 && datagram[2] == 0 &&
                    datagram[3] == 0);
  std::optional<IkeFields> ike;
  if (marker_ok) {
    auto h = codec::decode_header(datagram.subspan(ike_offset));
    if (h.ok()) ike = IkeFields{h->exchange_type, h->message_id, h->is_response()};
  }

  std::vector<Delivery> copies;
  copies.push_back({core::Bytes(datagram.begin(), datagram.end()), core::Duration{0}, packet_index, non_esp_marker});
  std::optional<std::size_t> hold_rule;
  uint32_t hold_for = 0;

  for (std::size_t i = 0; i < rules_.size(); ++i) {
    const FaultRule& rule = rules_[i];
    if (!matches(rule, direction, packet_index, ike ? &*ike : nullptr)) continue;
    ++fired_[i];
    FaultEvent ev{direction, packet_index, i, rule.action, false, {}};
    bool stop = false;
    switch (rule.action) {
      case FaultAction::Drop:
        copies.clear();
        hold_rule.reset();
        stop = true;
        break;
      case FaultAction::Duplicate: {
        std::vector<Delivery> more;
        for (Delivery& d : copies) {
          more.push_back(d);
          for (uint32_t n = 0; n < rule.extra_copies; ++n) more.push_back(d);
        }
        copies = std::move(more);
        ev.detail = std::to_string(rule.extra_copies) + " extra cop" + (rule.extra_copies == 1 ? "y" : "ies");
        break;
      }
      case FaultAction::Delay:
        for (Delivery& d : copies) d.delay += std::max(rule.delay, core::Duration{0});
        ev.detail = "delayed " + std::to_string(std::max(rule.delay, core::Duration{0}).count()) + " ns";
        break;
      case FaultAction::Reorder:
        hold_rule = i;
        hold_for = rule.hold_for;
        ev.detail = "held for " + std::to_string(rule.hold_for) + " datagram" + (rule.hold_for == 1 ? "" : "s");
        break;
      case FaultAction::Corrupt:
        for (Delivery& d : copies) ev.detail = corrupt(rule.corruption, d.datagram, ike_offset);
        break;
    }
    events_.push_back(std::move(ev));
    if (stop) break;
  }

  std::vector<Delivery> out;
  bool holding = hold_rule && hold_for > 0 && !copies.empty();
  if (!holding) out = std::move(copies);
  // This datagram counts as one of the "next k" for those held before it,
  // never for itself, so release runs before it joins the held list.
  release(direction, out);
  if (holding) held_[index(direction)].push_back({std::move(copies), hold_for, *hold_rule, packet_index});
  return out;
}

std::vector<Delivery> FaultInjector::flush(Direction direction) {
  std::vector<Delivery> out;
  auto& held = held_[index(direction)];
  for (Held& h : held) {
    events_.push_back({direction, h.packet_index, h.rule_index, FaultAction::Reorder, true, "released by flush"});
    for (Delivery& d : h.copies) out.push_back(std::move(d));
  }
  held.clear();
  return out;
}

}  // namespace ikeh::net
