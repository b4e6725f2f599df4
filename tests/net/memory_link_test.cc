// SPDX-License-Identifier: Apache-2.0
#include "net/memory_link.h"

#include <gtest/gtest.h>

#include <chrono>
#include <set>

#include "harness/codec/message.h"

namespace ikeh::net {
namespace {

using namespace std::chrono_literals;
using codec::ExchangeType;
using core::Bytes;
using core::TimePoint;

Bytes ike(ExchangeType x, uint32_t mid, bool response) {
  uint8_t fl = response ? codec::flags::kResponse : codec::flags::kInitiator;
  return codec::encode_message(codec::make_message(x, fl, mid, 0x0102030405060708, 0, {}));
}

uint32_t mid_of(const Bytes& b) { return codec::decode_header(b)->message_id; }

FaultRule rule(FaultAction a) {
  FaultRule r;
  r.action = a;
  return r;
}

TEST(MemoryLink, PreservesOrderWithoutFaults) {
  core::VirtualClock clock;
  MemoryLink link(clock);
  for (uint32_t i = 0; i < 50; ++i) {
    link.send(Side::Initiator, ike(ExchangeType::INFORMATIONAL, i, false));
    // Zero latency still goes through the clock: nothing arrives until it runs.
    if (i == 0) {
      EXPECT_EQ(link.queued(Side::Responder), 0u);
    }
    if (i % 10 == 9) clock.advance(1s);
  }
  EXPECT_EQ(link.in_flight(), 0u);
  ASSERT_EQ(link.queued(Side::Responder), 50u);
  EXPECT_EQ(link.queued(Side::Initiator), 0u);
  for (uint32_t i = 0; i < 50; ++i) {
    auto d = link.poll(Side::Responder);
    ASSERT_TRUE(d);
    EXPECT_EQ(mid_of(d->bytes), i);
    EXPECT_EQ(d->packet_index, i + 1);
    EXPECT_EQ(d->time, TimePoint{std::chrono::seconds(i / 10)});  // sent at i / 10 s, zero latency
  }
  EXPECT_FALSE(link.poll(Side::Responder));
}

TEST(MemoryLink, LatencyDelaysEveryDelivery) {
  core::VirtualClock clock;
  MemoryLink link(clock, {}, 0, 20ms);
  link.send(Side::Responder, ike(ExchangeType::IKE_SA_INIT, 0, true));
  clock.advance(19ms);
  EXPECT_EQ(link.queued(Side::Initiator), 0u);
  clock.advance(1ms);
  ASSERT_EQ(link.queued(Side::Initiator), 1u);
  EXPECT_EQ(link.poll(Side::Initiator)->time, TimePoint{20ms});
}

TEST(MemoryLink, ReceiversCanAnswer) {
  core::VirtualClock clock;
  MemoryLink link(clock, {}, 0, 5ms);
  std::vector<std::pair<uint32_t, TimePoint>> at_initiator;
  link.set_receiver(Side::Responder, [&](const LinkDatagram& d) {
    link.send(Side::Responder, ike(ExchangeType::INFORMATIONAL, mid_of(d.bytes), true));
  });
  link.set_receiver(Side::Initiator, [&](const LinkDatagram& d) {
    at_initiator.emplace_back(mid_of(d.bytes), clock.now());
    if (mid_of(d.bytes) < 2) link.send(Side::Initiator, ike(ExchangeType::INFORMATIONAL, mid_of(d.bytes) + 1, false));
  });
  link.send(Side::Initiator, ike(ExchangeType::INFORMATIONAL, 0, false));
  clock.run_all();
  ASSERT_EQ(at_initiator.size(), 3u);
  EXPECT_EQ(at_initiator[0], std::make_pair(0u, TimePoint{10ms}));
  EXPECT_EQ(at_initiator[2], std::make_pair(2u, TimePoint{30ms}));
  EXPECT_EQ(link.queued(Side::Initiator), 0u);
}

TEST(MemoryLink, DropIsNeverDelivered) {
  core::VirtualClock clock;
  FaultRule r = rule(FaultAction::Drop);
  r.match.message_id = 1;
  MemoryLink link(clock, {r});
  for (uint32_t i = 0; i < 3; ++i) link.send(Side::Initiator, ike(ExchangeType::INFORMATIONAL, i, false));
  clock.run_all();
  ASSERT_EQ(link.queued(Side::Responder), 2u);
  EXPECT_EQ(mid_of(link.poll(Side::Responder)->bytes), 0u);
  EXPECT_EQ(mid_of(link.poll(Side::Responder)->bytes), 2u);
  ASSERT_EQ(link.faults().events().size(), 1u);
  EXPECT_EQ(link.faults().events()[0].packet_index, 2u);
}

TEST(MemoryLink, DuplicateArrivesTwiceAtTheSameTime) {
  core::VirtualClock clock;
  MemoryLink link(clock, {rule(FaultAction::Duplicate)}, 0, 3ms);
  Bytes d = ike(ExchangeType::IKE_AUTH, 1, false);
  link.send(Side::Initiator, d);
  clock.run_all();
  ASSERT_EQ(link.queued(Side::Responder), 2u);
  auto a = link.poll(Side::Responder), b = link.poll(Side::Responder);
  EXPECT_EQ(a->bytes, d);
  EXPECT_EQ(b->bytes, d);
  EXPECT_EQ(a->time, TimePoint{3ms});
  EXPECT_EQ(b->time, TimePoint{3ms});
}

TEST(MemoryLink, DelayLetsLaterDatagramsOvertake) {
  core::VirtualClock clock;
  FaultRule r = rule(FaultAction::Delay);
  r.match.packet_index = 1;
  r.delay = 2s;
  MemoryLink link(clock, {r}, 0, 10ms);
  link.send(Side::Initiator, ike(ExchangeType::IKE_AUTH, 1, false));
  clock.advance(1s);
  link.send(Side::Initiator, ike(ExchangeType::IKE_AUTH, 2, false));
  clock.run_all();
  auto first = link.poll(Side::Responder), second = link.poll(Side::Responder);
  EXPECT_EQ(mid_of(first->bytes), 2u);
  EXPECT_EQ(first->time, TimePoint{1010ms});
  EXPECT_EQ(mid_of(second->bytes), 1u);
  EXPECT_EQ(second->time, TimePoint{2010ms});
}

TEST(MemoryLink, ReorderReleasesAfterTheNextDatagrams) {
  core::VirtualClock clock;
  FaultRule r = rule(FaultAction::Reorder);
  r.match.message_id = 0;
  r.hold_for = 2;
  MemoryLink link(clock, {r});
  for (uint32_t i = 0; i < 4; ++i) {
    link.send(Side::Initiator, ike(ExchangeType::INFORMATIONAL, i, false));
    clock.advance(1s);
  }
  std::vector<std::pair<uint32_t, TimePoint>> got;
  while (auto d = link.poll(Side::Responder)) got.emplace_back(mid_of(d->bytes), d->time);
  std::vector<std::pair<uint32_t, TimePoint>> want{{1, TimePoint{1s}}, {2, TimePoint{2s}}, {0, TimePoint{2s}}, {3, TimePoint{3s}}};
  EXPECT_EQ(got, want);
}

TEST(MemoryLink, FlushHeldDeliversWhatReorderKept) {
  core::VirtualClock clock;
  FaultRule r = rule(FaultAction::Reorder);
  r.hold_for = 5;
  r.limit = 1;
  MemoryLink link(clock, {r});
  link.send(Side::Responder, ike(ExchangeType::INFORMATIONAL, 7, true), false);
  clock.run_all();
  EXPECT_EQ(link.queued(Side::Initiator), 0u);
  EXPECT_EQ(link.faults().held(Direction::ResponderToInitiator), 1u);
  link.flush_held();
  clock.run_all();
  ASSERT_EQ(link.queued(Side::Initiator), 1u);
  EXPECT_EQ(mid_of(link.poll(Side::Initiator)->bytes), 7u);
}

TEST(MemoryLink, CorruptionReachesTheReceiverAndTheRecords) {
  core::VirtualClock clock;
  FaultRule r = rule(FaultAction::Corrupt);
  r.corruption.offset = 27;  // last byte of the length field
  r.corruption.mask = 0x01;
  MemoryLink link(clock, {r});
  Bytes d = ike(ExchangeType::IKE_SA_INIT, 0, false);
  Bytes marked{0, 0, 0, 0};
  marked.insert(marked.end(), d.begin(), d.end());
  link.send(Side::Initiator, marked, true);
  clock.run_all();
  auto got = link.poll(Side::Responder);
  ASSERT_TRUE(got);
  EXPECT_TRUE(got->non_esp_marker);
  Bytes want = marked;
  want[4 + 27] ^= 0x01;
  EXPECT_EQ(got->bytes, want);

  ASSERT_EQ(link.records().size(), 2u);
  const LinkRecord& sent = link.records()[0];
  const LinkRecord& delivered = link.records()[1];
  EXPECT_EQ(sent.event, LinkRecord::Event::Sent);
  EXPECT_EQ(sent.bytes, marked);
  EXPECT_TRUE(sent.non_esp_marker);
  EXPECT_EQ(sent.packet_index, 1u);
  EXPECT_EQ(delivered.event, LinkRecord::Event::Delivered);
  EXPECT_EQ(delivered.bytes, want);
  EXPECT_EQ(delivered.direction, Direction::InitiatorToResponder);
  EXPECT_TRUE(delivered.non_esp_marker);
}

TEST(MemoryLink, DestroyingTheLinkCancelsItsDeliveries) {
  core::VirtualClock clock;
  {
    MemoryLink link(clock, {}, 0, 1s);
    link.send(Side::Initiator, ike(ExchangeType::IKE_SA_INIT, 0, false));
    EXPECT_EQ(clock.pending(), 1u);
  }
  EXPECT_EQ(clock.pending(), 0u);
  EXPECT_EQ(clock.run_all(), 0u);
}

struct LossyRun {
  std::size_t delivered = 0;
  std::size_t distinct = 0;
  std::size_t duplicates = 0;
  std::size_t out_of_order = 0;
  std::vector<uint32_t> sequence;
  TimePoint last{0};
  bool operator==(const LossyRun&) const = default;
};

// 1,000 datagrams each way, 1 ms apart, over a link with 30% loss, 10%
// duplication and 10% reordering, 5 ms latency.
LossyRun lossy_run(uint64_t seed) {
  core::VirtualClock clock;
  FaultRule loss = rule(FaultAction::Drop);
  loss.match.probability = 0.3;
  FaultRule dup = rule(FaultAction::Duplicate);
  dup.match.probability = 0.1;
  FaultRule reorder = rule(FaultAction::Reorder);
  reorder.match.probability = 0.1;
  reorder.hold_for = 3;
  MemoryLink link(clock, {loss, dup, reorder}, seed, 5ms);
  LossyRun run;
  std::set<uint32_t> seen;
  uint32_t highest = 0;
  link.set_receiver(Side::Responder, [&](const LinkDatagram& d) {
    uint32_t mid = mid_of(d.bytes);
    ++run.delivered;
    if (!seen.insert(mid).second) ++run.duplicates;
    if (mid < highest) ++run.out_of_order;
    highest = std::max(highest, mid);
    run.sequence.push_back(mid);
    run.last = clock.now();
  });
  for (uint32_t i = 1; i <= 1000; ++i) {
    link.send(Side::Initiator, ike(ExchangeType::INFORMATIONAL, i, false));
    link.send(Side::Responder, ike(ExchangeType::INFORMATIONAL, i, true));
    clock.advance(1ms);
  }
  link.flush_held();
  clock.run_all();
  run.distinct = seen.size();
  return run;
}

TEST(MemoryLink, LossyLinkIsDeterministicPerSeed) {
  LossyRun a = lossy_run(2026);
  LossyRun b = lossy_run(2026);
  EXPECT_EQ(a, b);
  LossyRun c = lossy_run(2027);
  EXPECT_NE(a.sequence, c.sequence);

  // Plausible for the rates: about 700 survive loss, 10% of them doubled.
  EXPECT_NEAR(static_cast<double>(a.distinct), 700, 60);
  EXPECT_NEAR(static_cast<double>(a.duplicates), 70, 30);
  EXPECT_EQ(a.delivered, a.distinct + a.duplicates);
  EXPECT_GT(a.out_of_order, 20u);
  EXPECT_LT(a.out_of_order, 120u);
  EXPECT_LE(a.last, TimePoint{1005ms});
}

}  // namespace
}  // namespace ikeh::net
