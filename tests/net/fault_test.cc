// SPDX-License-Identifier: Apache-2.0
#include "net/fault.h"

#include <gtest/gtest.h>

#include <chrono>

#include "harness/codec/message.h"

namespace ikeh::net {
namespace {

using namespace std::chrono_literals;
using codec::ExchangeType;
using core::Bytes;

constexpr auto kIR = Direction::InitiatorToResponder;
constexpr auto kRI = Direction::ResponderToInitiator;

Bytes ike(ExchangeType x, uint32_t mid, bool response) {
  uint8_t fl = response ? codec::flags::kResponse : codec::flags::kInitiator;
  return codec::encode_message(codec::make_message(x, fl, mid, 0x1122334455667788, response ? 0x99 : 0, {}));
}

Bytes with_marker(const Bytes& b) {
  Bytes out{0, 0, 0, 0};
  out.insert(out.end(), b.begin(), b.end());
  return out;
}

FaultRule rule(FaultAction a) {
  FaultRule r;
  r.action = a;
  return r;
}

TEST(FaultInjector, NoRulesDeliversOnceUnchanged) {
  FaultInjector f;
  Bytes d = ike(ExchangeType::IKE_SA_INIT, 0, false);
  auto out = f.apply(kIR, d);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].datagram, d);
  EXPECT_EQ(out[0].delay, 0ns);
  EXPECT_EQ(out[0].packet_index, 1u);
  EXPECT_TRUE(f.events().empty());
}

TEST(FaultInjector, DropLogsAnEvent) {
  FaultInjector f({rule(FaultAction::Drop)});
  EXPECT_TRUE(f.apply(kIR, ike(ExchangeType::IKE_AUTH, 1, false)).empty());
  ASSERT_EQ(f.events().size(), 1u);
  const FaultEvent& e = f.events()[0];
  EXPECT_EQ(e.rule_index, 0u);
  EXPECT_EQ(e.action, FaultAction::Drop);
  EXPECT_EQ(e.packet_index, 1u);
  EXPECT_EQ(e.direction, kIR);
  EXPECT_EQ(f.fired(0), 1u);
  EXPECT_EQ(f.fired(7), 0u);
}

TEST(FaultInjector, DuplicateDeliversExtraCopies) {
  FaultRule r = rule(FaultAction::Duplicate);
  r.extra_copies = 2;
  FaultInjector f({r});
  Bytes d = ike(ExchangeType::IKE_AUTH, 1, false);
  auto out = f.apply(kIR, d);
  ASSERT_EQ(out.size(), 3u);
  for (auto& c : out) EXPECT_EQ(c.datagram, d);
  EXPECT_EQ(f.events()[0].detail, "2 extra copies");
}

TEST(FaultInjector, DelayAddsToEveryCopy) {
  FaultRule dup = rule(FaultAction::Duplicate);
  FaultRule del = rule(FaultAction::Delay);
  del.delay = 1500ms;
  FaultInjector f({dup, del, del});
  auto out = f.apply(kRI, ike(ExchangeType::IKE_AUTH, 1, true));
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].delay, 3s);
  EXPECT_EQ(out[1].delay, 3s);
  EXPECT_EQ(f.events().size(), 3u);
}

TEST(FaultInjector, ReorderHoldsUntilTheNextKDatagrams) {
  FaultRule r = rule(FaultAction::Reorder);
  r.match.direction = DirectionMatch::InitiatorToResponder;
  r.match.packet_index = 1;
  r.hold_for = 2;
  FaultInjector f({r});
  Bytes p1 = ike(ExchangeType::INFORMATIONAL, 1, false);
  Bytes p2 = ike(ExchangeType::INFORMATIONAL, 2, false);
  Bytes p3 = ike(ExchangeType::INFORMATIONAL, 3, false);
  EXPECT_TRUE(f.apply(kIR, p1).empty());
  EXPECT_EQ(f.held(kIR), 1u);
  // The other direction does not count.
  EXPECT_EQ(f.apply(kRI, ike(ExchangeType::INFORMATIONAL, 1, true)).size(), 1u);
  auto o2 = f.apply(kIR, p2);
  ASSERT_EQ(o2.size(), 1u);
  EXPECT_EQ(o2[0].datagram, p2);
  auto o3 = f.apply(kIR, p3);
  ASSERT_EQ(o3.size(), 2u);
  EXPECT_EQ(o3[0].datagram, p3);
  EXPECT_EQ(o3[1].datagram, p1);
  EXPECT_EQ(o3[1].packet_index, 1u);
  EXPECT_EQ(f.held(kIR), 0u);
  ASSERT_EQ(f.events().size(), 2u);
  EXPECT_FALSE(f.events()[0].released);
  EXPECT_TRUE(f.events()[1].released);
  EXPECT_EQ(f.events()[1].packet_index, 1u);
  EXPECT_EQ(f.events()[1].detail, "released after packet 3");
}

TEST(FaultInjector, FlushReleasesHeldInOrder) {
  FaultRule r = rule(FaultAction::Reorder);
  r.hold_for = 10;
  r.limit = 2;
  FaultInjector f({r});
  Bytes p1 = ike(ExchangeType::INFORMATIONAL, 1, false);
  Bytes p2 = ike(ExchangeType::INFORMATIONAL, 2, false);
  EXPECT_TRUE(f.apply(kIR, p1).empty());
  EXPECT_TRUE(f.apply(kIR, p2).empty());
  EXPECT_EQ(f.apply(kIR, p1).size(), 1u);  // limit reached
  auto out = f.flush(kIR);
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].datagram, p1);
  EXPECT_EQ(out[1].datagram, p2);
  EXPECT_TRUE(f.flush(kIR).empty());
}

TEST(FaultInjector, CorruptXorsAByteAtAnIkeOffset) {
  FaultRule r = rule(FaultAction::Corrupt);
  r.corruption.offset = 18;  // exchange type
  r.corruption.mask = 0x80;
  FaultInjector f({r});
  Bytes d = ike(ExchangeType::IKE_SA_INIT, 0, false);
  auto out = f.apply(kIR, d);
  ASSERT_EQ(out.size(), 1u);
  Bytes want = d;
  want[18] ^= 0x80;
  EXPECT_EQ(out[0].datagram, want);
  EXPECT_EQ(f.events()[0].detail, "xor 0x80 at offset 18");

  // With a non-ESP marker the offset still names the IKE byte.
  auto m = f.apply(kIR, with_marker(d), true);
  ASSERT_EQ(m.size(), 1u);
  EXPECT_EQ(m[0].datagram, with_marker(want));
  EXPECT_TRUE(m[0].non_esp_marker);
}

TEST(FaultInjector, CorruptPastTheEndChangesNothing) {
  FaultRule r = rule(FaultAction::Corrupt);
  r.corruption.offset = 1000;
  FaultInjector f({r});
  Bytes d = ike(ExchangeType::IKE_SA_INIT, 0, false);
  auto out = f.apply(kIR, d);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].datagram, d);
  EXPECT_NE(f.events()[0].detail.find("past the end"), std::string::npos);
}

int bit_distance(const Bytes& a, const Bytes& b) {
  int n = 0;
  for (std::size_t i = 0; i < a.size(); ++i) n += __builtin_popcount(a[i] ^ b[i]);
  return n;
}

TEST(FaultInjector, CorruptRandomBitsIsSeededAndSparesTheMarker) {
  FaultRule r = rule(FaultAction::Corrupt);
  r.corruption.mode = Corruption::Mode::RandomBits;
  r.corruption.bits = 3;
  Bytes d = with_marker(ike(ExchangeType::IKE_AUTH, 1, false));
  FaultInjector a({r}, 7), b({r}, 7), c({r}, 8);
  Bytes oa = a.apply(kIR, d, true).at(0).datagram;
  Bytes ob = b.apply(kIR, d, true).at(0).datagram;
  Bytes oc = c.apply(kIR, d, true).at(0).datagram;
  EXPECT_EQ(oa, ob);
  EXPECT_NE(oa, oc);
  EXPECT_GE(bit_distance(oa, d), 1);  // the same bit drawn twice cancels out
  EXPECT_LE(bit_distance(oa, d), 3);
  EXPECT_EQ(Bytes(oa.begin(), oa.begin() + 4), (Bytes{0, 0, 0, 0}));
}

TEST(FaultInjector, MatchesDirection) {
  FaultRule r = rule(FaultAction::Drop);
  r.match.direction = DirectionMatch::ResponderToInitiator;
  FaultInjector f({r});
  Bytes d = ike(ExchangeType::IKE_SA_INIT, 0, false);
  EXPECT_EQ(f.apply(kIR, d).size(), 1u);
  EXPECT_TRUE(f.apply(kRI, d).empty());
}

TEST(FaultInjector, MatchesExchangeTypeMessageIdAndResponse) {
  FaultRule x = rule(FaultAction::Drop);
  x.match.exchange_type = ExchangeType::IKE_AUTH;
  FaultRule m = rule(FaultAction::Drop);
  m.match.message_id = 5;
  FaultRule resp = rule(FaultAction::Drop);
  resp.match.response = true;
  resp.match.exchange_type = ExchangeType::CREATE_CHILD_SA;

  FaultInjector fx({x});
  EXPECT_TRUE(fx.apply(kIR, ike(ExchangeType::IKE_AUTH, 1, false)).empty());
  EXPECT_EQ(fx.apply(kIR, ike(ExchangeType::IKE_SA_INIT, 0, false)).size(), 1u);

  FaultInjector fm({m});
  EXPECT_TRUE(fm.apply(kIR, ike(ExchangeType::INFORMATIONAL, 5, false)).empty());
  EXPECT_EQ(fm.apply(kIR, ike(ExchangeType::INFORMATIONAL, 4, false)).size(), 1u);

  FaultInjector fr({resp});
  EXPECT_EQ(fr.apply(kIR, ike(ExchangeType::CREATE_CHILD_SA, 2, false)).size(), 1u);
  EXPECT_TRUE(fr.apply(kRI, ike(ExchangeType::CREATE_CHILD_SA, 2, true)).empty());
}

TEST(FaultInjector, MatchesPacketIndexPerDirection) {
  FaultRule r = rule(FaultAction::Drop);
  r.match.packet_index = 2;
  FaultInjector f({r});
  Bytes d = ike(ExchangeType::IKE_SA_INIT, 0, false);
  EXPECT_EQ(f.apply(kIR, d).size(), 1u);
  EXPECT_EQ(f.apply(kRI, d).size(), 1u);
  EXPECT_TRUE(f.apply(kIR, d).empty());
  EXPECT_TRUE(f.apply(kRI, d).empty());
  EXPECT_EQ(f.apply(kIR, d).size(), 1u);
  EXPECT_EQ(f.offered(kIR), 3u);
  EXPECT_EQ(f.offered(kRI), 2u);
}

TEST(FaultInjector, LimitStopsARule) {
  FaultRule r = rule(FaultAction::Drop);
  r.limit = 2;
  FaultInjector f({r});
  Bytes d = ike(ExchangeType::IKE_SA_INIT, 0, false);
  EXPECT_TRUE(f.apply(kIR, d).empty());
  EXPECT_TRUE(f.apply(kIR, d).empty());
  EXPECT_EQ(f.apply(kIR, d).size(), 1u);
  EXPECT_EQ(f.fired(0), 2u);
}

TEST(FaultInjector, GarbageMatchesOnlyRulesWithoutIkeFields) {
  FaultRule by_type = rule(FaultAction::Drop);
  by_type.match.exchange_type = ExchangeType::IKE_SA_INIT;
  FaultRule by_resp = rule(FaultAction::Drop);
  by_resp.match.response = false;
  FaultRule dup = rule(FaultAction::Duplicate);
  FaultInjector f({by_type, by_resp, dup});
  for (Bytes g : {Bytes{}, Bytes{0xff}, Bytes(27, 0xab)}) {
    auto out = f.apply(kIR, g);
    ASSERT_EQ(out.size(), 2u);
    EXPECT_EQ(out[0].datagram, g);
  }
  // Flagged as carrying a marker that is not there: not IKE either.
  Bytes d = ike(ExchangeType::IKE_SA_INIT, 0, false);
  Bytes bad = d;
  bad.insert(bad.begin(), {0, 0, 0, 1});
  EXPECT_EQ(f.apply(kIR, bad, true).size(), 2u);
  // The genuine article, with and without the marker, is IKE.
  EXPECT_TRUE(f.apply(kIR, d).empty());
  EXPECT_TRUE(f.apply(kIR, with_marker(d), true).empty());
  // Without the flag, the marker's zeros are read as the SPI: a different
  // header (exchange type from the wrong byte), so the type rule misses.
  FaultInjector g({by_type});
  EXPECT_EQ(g.apply(kIR, with_marker(d), false).size(), 1u);
}

TEST(FaultInjector, RulesComposeInOrderAndDropEndsThePass) {
  FaultRule dup = rule(FaultAction::Duplicate);
  FaultRule corrupt = rule(FaultAction::Corrupt);
  corrupt.corruption.offset = 0;
  FaultRule drop = rule(FaultAction::Drop);
  drop.match.message_id = 9;
  FaultRule after = rule(FaultAction::Delay);
  after.delay = 1s;
  FaultInjector f({dup, corrupt, drop, after});
  Bytes d = ike(ExchangeType::IKE_AUTH, 1, false);
  auto out = f.apply(kIR, d);
  ASSERT_EQ(out.size(), 2u);
  EXPECT_NE(out[0].datagram, d);
  EXPECT_EQ(out[0].datagram, out[1].datagram);
  EXPECT_EQ(out[1].delay, 1s);
  EXPECT_TRUE(f.apply(kIR, ike(ExchangeType::IKE_AUTH, 9, false)).empty());
  EXPECT_EQ(f.fired(3), 1u);  // the delay never saw message 9
}

// The outcome of 1,000 datagrams through probabilistic rules, as a string.
std::string run_probabilistic(uint64_t seed) {
  FaultRule drop = rule(FaultAction::Drop);
  drop.match.probability = 0.3;
  FaultRule dup = rule(FaultAction::Duplicate);
  dup.match.probability = 0.2;
  FaultInjector f({drop, dup}, seed);
  std::string s;
  Bytes d = ike(ExchangeType::INFORMATIONAL, 0, false);
  for (int i = 0; i < 1000; ++i) s += static_cast<char>('0' + f.apply(kIR, d).size());
  return s;
}

TEST(FaultInjector, ProbabilityIsDeterministicPerSeed) {
  std::string a = run_probabilistic(42);
  EXPECT_EQ(a, run_probabilistic(42));
  EXPECT_NE(a, run_probabilistic(43));
  auto drops = std::count(a.begin(), a.end(), '0');
  auto dups = std::count(a.begin(), a.end(), '2');
  EXPECT_NEAR(drops, 300, 60);
  EXPECT_NEAR(dups, 140, 50);  // 20% of the 70% left
}

TEST(FaultInjector, ProbabilityBounds) {
  FaultRule never = rule(FaultAction::Drop);
  never.match.probability = 0.0;
  FaultRule always = rule(FaultAction::Duplicate);
  always.match.probability = 1.0;
  FaultInjector f({never, always}, 1);
  Bytes d = ike(ExchangeType::INFORMATIONAL, 0, false);
  for (int i = 0; i < 200; ++i) EXPECT_EQ(f.apply(kIR, d).size(), 2u);
}

}  // namespace
}  // namespace ikeh::net
