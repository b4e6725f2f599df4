// SPDX-License-Identifier: Apache-2.0
#include "net/memory_link.h"

#include <algorithm>
#include <utility>

namespace ikeh::net {

MemoryLink::MemoryLink(core::VirtualClock& clock, std::vector<FaultRule> rules, uint64_t seed,
                       core::Duration latency)
    : clock_(clock), faults_(std::move(rules), seed), latency_(latency) {}

MemoryLink::~MemoryLink() {
  // The timers capture `this`; none may fire after the link is gone.
  for (auto id : pending_) clock_.cancel(id);
}

void MemoryLink::set_receiver(Side side, Receiver receiver) { receiver_[index(side)] = std::move(receiver); }

void MemoryLink::send(Side from, core::BytesView datagram, bool non_esp_marker) {
  Direction dir = direction_from(from);
  records_.push_back({LinkRecord::Event::Sent, clock_.now(), dir, faults_.offered(dir) + 1, non_esp_marker,
                      core::Bytes(datagram.begin(), datagram.end())});
  schedule(dir, faults_.apply(dir, datagram, non_esp_marker));
}

void MemoryLink::flush_held() {
  for (Direction dir : {Direction::InitiatorToResponder, Direction::ResponderToInitiator})
    schedule(dir, faults_.flush(dir));
}

void MemoryLink::schedule(Direction direction, std::vector<Delivery> deliveries) {
  for (Delivery& d : deliveries) {
    core::Duration after = std::max(latency_ + d.delay, core::Duration{0});
    // The callback drops its own id from pending_.
    const core::VirtualClock::TimerId id = clock_.next_id();
    clock_.schedule_after(after, [this, direction, id, d = std::move(d)]() mutable {
      if (auto it = std::find(pending_.begin(), pending_.end(), id); it != pending_.end()) {
        *it = pending_.back();
        pending_.pop_back();
      }
      deliver(direction, std::move(d));
    });
    pending_.push_back(id);
  }
}

void MemoryLink::deliver(Direction direction, Delivery delivery) {
  Side to = direction == Direction::InitiatorToResponder ? Side::Responder : Side::Initiator;
  records_.push_back({LinkRecord::Event::Delivered, clock_.now(), direction, delivery.packet_index,
                      delivery.non_esp_marker, delivery.datagram});
  LinkDatagram dg{std::move(delivery.datagram), delivery.non_esp_marker, delivery.packet_index, clock_.now()};
  if (receiver_[index(to)]) {
    receiver_[index(to)](dg);
  } else {
    queue_[index(to)].push_back(std::move(dg));
  }
}

std::optional<LinkDatagram> MemoryLink::poll(Side side) {
  auto& q = queue_[index(side)];
  if (q.empty()) return std::nullopt;
  LinkDatagram dg = std::move(q.front());
  q.pop_front();
  return dg;
}

}  // namespace ikeh::net
