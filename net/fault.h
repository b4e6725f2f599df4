// SPDX-License-Identifier: Apache-2.0
// Datagram fault injection as data: an ordered list of rules, each a match
// (direction, IKE header fields, packet index, probability) and an action
// (drop, duplicate, delay, reorder, corrupt). The same injector serves the
// in-memory link and the UDP transport, so a scenario's network faults mean
// the same thing in self mode and against an external peer. Every decision is
// logged as an event for the reports.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "harness/codec/registry.h"
#include "harness/core/bytes.h"
#include "harness/core/clock.h"

namespace ikeh::net {

enum class Direction : uint8_t {
  InitiatorToResponder,
  ResponderToInitiator,
};

// "i->r", "r->i".
std::string_view name_of(Direction d);

enum class DirectionMatch : uint8_t { Both, InitiatorToResponder, ResponderToInitiator };

// Every field left empty matches anything. The IKE fields (exchange_type,
// message_id, response) are read from the IKE header; a datagram that is not
// an IKE message (too short, or flagged as carrying a non-ESP marker that is
// not there) never matches a rule that sets one of them.
struct FaultMatch {
  DirectionMatch direction = DirectionMatch::Both;
  std::optional<codec::ExchangeType> exchange_type;
  std::optional<uint32_t> message_id;
  std::optional<bool> response;           // true: responses only; false: requests only
  std::optional<uint64_t> packet_index;   // n-th datagram offered in that direction, 1-based
  // Chance in [0, 1] that the rule fires once everything else matched, drawn
  // from the injector's seeded generator (only when everything else matched,
  // so adding a rule elsewhere does not shift the draws of this one's
  // non-matching datagrams).
  std::optional<double> probability;
};

enum class FaultAction : uint8_t {
  Drop,       // deliver nothing
  Duplicate,  // deliver `extra_copies` more copies
  Delay,      // deliver `delay` later
  Reorder,    // hold, release after the next `hold_for` datagrams in that direction
  Corrupt,    // change bytes as `corruption` says
};

// "drop", "duplicate", "delay", "reorder", "corrupt".
std::string_view name_of(FaultAction a);

struct Corruption {
  enum class Mode : uint8_t {
    XorByte,     // byte at `offset` ^= `mask`
    RandomBits,  // flip `bits` bits chosen by the seeded generator
  };
  Mode mode = Mode::XorByte;
  // Offsets count from the start of the IKE message, after a non-ESP marker
  // when the datagram is flagged as carrying one, so rules name IKE header
  // offsets the same way on port 500 and 4500. An offset past the end
  // changes nothing (the event says so).
  std::size_t offset = 0;
  uint8_t mask = 0xff;
  uint32_t bits = 1;
};

struct FaultRule {
  FaultMatch match;
  FaultAction action = FaultAction::Drop;
  uint32_t extra_copies = 1;  // Duplicate
  core::Duration delay{0};    // Delay; a negative delay counts as zero
  uint32_t hold_for = 1;      // Reorder
  Corruption corruption;      // Corrupt
  // How many times the rule may fire; empty: no limit. A rule at its limit
  // no longer matches (and draws nothing from the generator).
  std::optional<uint64_t> limit;
};

// One copy to deliver, `delay` after the moment it leaves the injector.
struct Delivery {
  core::Bytes datagram;
  core::Duration delay{0};
  uint64_t packet_index = 0;    // of the datagram this copy came from
  bool non_esp_marker = false;  // as flagged when the datagram was offered
};

// One decision, for the reports.
struct FaultEvent {
  Direction direction = Direction::InitiatorToResponder;
  uint64_t packet_index = 0;  // n-th datagram in that direction, 1-based
  std::size_t rule_index = 0;
  FaultAction action = FaultAction::Drop;
  bool released = false;  // Reorder: the held datagram left the injector now
  std::string detail;     // "2 extra copies", "xor 0x80 at offset 17", ...
};

// Applies rules in order to each outgoing datagram. Each matching rule acts
// on the copies left by the rules before it: a drop ends the pass and
// discards the copies, a duplicate multiplies them, a delay adds to each, a
// corrupt changes each, and a reorder holds the result (after the remaining
// rules ran) until `hold_for` further datagrams in that direction have been
// offered. The injector keeps per-direction packet counters and held
// datagrams; it is deterministic for a given seed and input sequence.
class FaultInjector {
 public:
  explicit FaultInjector(std::vector<FaultRule> rules = {}, uint64_t seed = 0);

  // Offers one outgoing datagram. `non_esp_marker`: the datagram starts with
  // the four zero octets of RFC 3948 before the IKE message. Returns what to
  // deliver now, in order: this datagram's copies (none when dropped or held)
  // followed by any held datagrams released by it. Never fails: bytes that
  // are not IKE only miss the rules with IKE fields.
  std::vector<Delivery> apply(Direction direction, core::BytesView datagram, bool non_esp_marker = false);

  // Releases every datagram still held by a reorder rule in `direction`, in
  // the order they were held (for the end of a run).
  std::vector<Delivery> flush(Direction direction);
  // Number of datagrams held in `direction`.
  std::size_t held(Direction direction) const;

  // Datagrams offered so far in `direction`.
  uint64_t offered(Direction direction) const { return offered_[index(direction)]; }
  // How many times rule `rule_index` fired; 0 for an index out of range.
  uint64_t fired(std::size_t rule_index) const;
  const std::vector<FaultRule>& rules() const { return rules_; }
  // Appends a rule after the existing ones; it sees only datagrams offered
  // from now on (packet_index still counts from the first datagram).
  // Returns its index for fired().
  std::size_t add_rule(FaultRule rule);
  // Every decision so far, in the order taken.
  const std::vector<FaultEvent>& events() const { return events_; }

 private:
  struct Held {
    std::vector<Delivery> copies;
    uint32_t remaining = 0;
    std::size_t rule_index = 0;
    uint64_t packet_index = 0;
  };
  struct IkeFields;

  static std::size_t index(Direction d) { return d == Direction::InitiatorToResponder ? 0 : 1; }
  bool matches(const FaultRule& rule, Direction direction, uint64_t packet_index, const IkeFields* ike);
  std::string corrupt(const Corruption& c, core::Bytes& bytes, std::size_t ike_offset);
  void release(Direction direction, std::vector<Delivery>& out);

  std::vector<FaultRule> rules_;
  std::vector<uint64_t> fired_;
  // mt19937_64's output sequence is fixed by the standard; the draws below
  // use it directly (no std distributions, whose output varies between
  // standard libraries) so a seed gives the same faults on every platform.
  std::mt19937_64 rng_;
  uint64_t offered_[2] = {0, 0};
  std::vector<Held> held_[2];
  std::vector<FaultEvent> events_;
};

}  // namespace ikeh::net
