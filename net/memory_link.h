// SPDX-License-Identifier: Apache-2.0
// An in-memory link between the initiator side and the responder side of a
// self-mode run, driven by a VirtualClock: each datagram sent passes through
// the link's FaultInjector for its direction and is delivered by a clock
// timer, so loss, duplication, delay and reordering happen on virtual time
// and repeat exactly for a given seed. Every datagram sent and delivered is
// recorded with its time, direction and bytes, for the pcap writer.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <optional>
#include <vector>

#include "harness/core/bytes.h"
#include "harness/core/clock.h"
#include "net/fault.h"

namespace ikeh::net {

enum class Side : uint8_t { Initiator, Responder };

// The direction of a datagram sent by `from`.
inline Direction direction_from(Side from) {
  return from == Side::Initiator ? Direction::InitiatorToResponder : Direction::ResponderToInitiator;
}

struct LinkRecord {
  enum class Event : uint8_t {
    Sent,       // handed to send(), before any fault
    Delivered,  // handed to the receiving side (after faults)
  };
  Event event = Event::Sent;
  core::TimePoint time{0};
  Direction direction = Direction::InitiatorToResponder;
  uint64_t packet_index = 0;    // n-th datagram sent in that direction, 1-based
  bool non_esp_marker = false;  // the bytes start with the RFC 3948 marker (port 4500)
  core::Bytes bytes;
};

// One delivered datagram, as a receiver or poll() sees it.
struct LinkDatagram {
  core::Bytes bytes;
  bool non_esp_marker = false;
  uint64_t packet_index = 0;
  core::TimePoint time{0};
};

class MemoryLink {
 public:
  // Called at delivery time on the receiving side. May call send() (an
  // answer is scheduled like any other datagram, never delivered re-entrantly).
  using Receiver = std::function<void(const LinkDatagram&)>;

  // `clock` must outlive the link; the link cancels its pending deliveries
  // when destroyed. `latency` is added to every delivery (zero: delivered at
  // the instant of sending, on the next run of the clock).
  explicit MemoryLink(core::VirtualClock& clock, std::vector<FaultRule> rules = {}, uint64_t seed = 0,
                      core::Duration latency = core::Duration{0});
  ~MemoryLink();
  MemoryLink(const MemoryLink&) = delete;
  MemoryLink& operator=(const MemoryLink&) = delete;

  void set_latency(core::Duration latency) { latency_ = latency; }
  core::Duration latency() const { return latency_; }

  // Sets the callback for datagrams arriving at `side`. Without one (or with
  // an empty function) datagrams wait in that side's queue for poll().
  void set_receiver(Side side, Receiver receiver);

  // Sends a datagram from `from` to the other side: records it, passes it
  // through the fault injector and schedules each resulting copy on the
  // clock at now() + latency + its fault delay. Never fails.
  void send(Side from, core::BytesView datagram, bool non_esp_marker = false);

  // Releases datagrams still held by reorder rules in both directions and
  // schedules them like fresh deliveries.
  void flush_held();

  // Oldest datagram waiting at `side`, removed from the queue; nullopt when
  // the queue is empty.
  std::optional<LinkDatagram> poll(Side side);
  // Datagrams waiting at `side`.
  std::size_t queued(Side side) const { return queue_[index(side)].size(); }
  // Deliveries scheduled on the clock and not yet made.
  std::size_t in_flight() const { return pending_.size(); }

  // Every datagram sent and delivered, in time order.
  const std::vector<LinkRecord>& records() const { return records_; }
  FaultInjector& faults() { return faults_; }
  const FaultInjector& faults() const { return faults_; }

 private:
  static std::size_t index(Side s) { return s == Side::Initiator ? 0 : 1; }
  void schedule(Direction direction, std::vector<Delivery> deliveries);
  void deliver(Direction direction, Delivery delivery);

  core::VirtualClock& clock_;
  FaultInjector faults_;
  core::Duration latency_;
  Receiver receiver_[2];
  std::deque<LinkDatagram> queue_[2];
  std::vector<LinkRecord> records_;
  // Few at a time: a vector is cheaper than a set.
  std::vector<core::VirtualClock::TimerId> pending_;
};

}  // namespace ikeh::net
