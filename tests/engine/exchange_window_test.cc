// SPDX-License-Identifier: Apache-2.0
#include "harness/engine/exchange_window.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

#include "harness/core/bytes.h"

namespace ikeh::engine {
namespace {

using core::Bytes;

std::vector<Bytes> response_bytes(uint8_t tag, std::size_t fragments = 1) {
  std::vector<Bytes> out;
  for (std::size_t i = 0; i < fragments; ++i) out.push_back(Bytes{0x2e, 0x20, tag, static_cast<uint8_t>(i)});
  return out;
}

// Both endpoints of one IKE SA, each with its own two counters.
struct Pair {
  ExchangeWindow initiator;
  ExchangeWindow responder;

  // One exchange from `from` to `to`: request, response. Returns the ID used.
  static uint32_t exchange(ExchangeWindow& from, ExchangeWindow& to) {
    auto id = from.begin_request();
    EXPECT_TRUE(id.ok());
    EXPECT_EQ(to.on_request(*id), RequestClass::New);
    EXPECT_TRUE(to.store_response(*id, response_bytes(static_cast<uint8_t>(*id))).ok());
    EXPECT_EQ(from.on_response(*id), ResponseMatch::Matched);
    return *id;
  }
};

TEST(ExchangeWindow, InitialExchangesUseZeroThenOne) {
  Pair p;
  // RFC 7296 2.2: IKE_SA_INIT is 0, the first IKE_AUTH is 1, EAP rounds 2, 3.
  EXPECT_EQ(Pair::exchange(p.initiator, p.responder), 0u);
  EXPECT_EQ(Pair::exchange(p.initiator, p.responder), 1u);
  EXPECT_EQ(Pair::exchange(p.initiator, p.responder), 2u);
  EXPECT_EQ(p.initiator.next_request_id(), 3u);
  EXPECT_EQ(p.responder.next_expected_id(), 3u);
  // The other direction has not been used: both still at 0.
  EXPECT_EQ(p.responder.next_request_id(), 0u);
  EXPECT_EQ(p.initiator.next_expected_id(), 0u);
}

TEST(ExchangeWindow, OriginalResponderFirstRequestUsesItsOwnCounterFromZero) {
  Pair p;
  Pair::exchange(p.initiator, p.responder);  // IKE_SA_INIT, 0
  Pair::exchange(p.initiator, p.responder);  // IKE_AUTH, 1
  p.initiator.complete_initial_exchanges();
  p.responder.complete_initial_exchanges();
  // ikev2-notes 1.1: the hub's INFORMATIONAL (CFG_SET) carries ID 0.
  EXPECT_EQ(Pair::exchange(p.responder, p.initiator), 0u);
  EXPECT_EQ(Pair::exchange(p.responder, p.initiator), 1u);
  // Interleaved with the initiator's own requests, which continue at 2.
  EXPECT_EQ(Pair::exchange(p.initiator, p.responder), 2u);
  EXPECT_EQ(Pair::exchange(p.responder, p.initiator), 2u);
  EXPECT_EQ(p.initiator.next_request_id(), 3u);
  EXPECT_EQ(p.initiator.next_expected_id(), 3u);
  EXPECT_EQ(p.responder.next_request_id(), 3u);
  EXPECT_EQ(p.responder.next_expected_id(), 3u);
}

TEST(ExchangeWindow, WindowIsOneUntilInitialExchangesComplete) {
  ExchangeWindow w;
  ASSERT_TRUE(w.set_peer_window(5).ok());
  EXPECT_EQ(w.announced_peer_window(), 5u);
  EXPECT_EQ(w.peer_window(), 1u);
  ASSERT_TRUE(w.begin_request().ok());
  EXPECT_FALSE(w.can_send());
  auto refused = w.begin_request();
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.error().reason.find("window of 1 is full"), std::string::npos) << refused.error().reason;
  EXPECT_EQ(w.next_request_id(), 1u);  // a refused request uses no ID
  EXPECT_EQ(w.on_response(0), ResponseMatch::Matched);
  EXPECT_TRUE(w.can_send());
}

TEST(ExchangeWindow, CiscoWindowOfFiveAllowsFiveOutstanding) {
  ExchangeWindow w;
  for (int i = 0; i < 2; ++i) {
    auto id = w.begin_request();
    ASSERT_TRUE(id.ok());
    EXPECT_EQ(w.on_response(*id), ResponseMatch::Matched);
  }
  // IOS announces 5 in IKE_AUTH (ikev2-notes 1.3).
  ASSERT_TRUE(w.set_peer_window(5).ok());
  w.complete_initial_exchanges();
  EXPECT_EQ(w.peer_window(), 5u);
  for (uint32_t expect = 2; expect < 7; ++expect) {
    auto id = w.begin_request();
    ASSERT_TRUE(id.ok()) << expect;
    EXPECT_EQ(*id, expect);
  }
  EXPECT_EQ(w.outstanding_count(), 5u);
  EXPECT_FALSE(w.can_send());
  // Answering a newer one does not open the window: 2 is still unanswered,
  // and 7 would be outside [2, 2 + 5) (RFC 7296 2.3).
  EXPECT_EQ(w.on_response(4), ResponseMatch::Matched);
  EXPECT_FALSE(w.can_send());
  EXPECT_EQ(w.on_response(2), ResponseMatch::Matched);
  EXPECT_TRUE(w.can_send());
  EXPECT_EQ(*w.begin_request(), 7u);
  EXPECT_FALSE(w.can_send());  // 3 is the oldest now: [3, 8)
  EXPECT_EQ(w.outstanding(), (std::vector<uint32_t>{3, 5, 6, 7}));
}

TEST(ExchangeWindow, ResponseWithoutOutstandingRequest) {
  ExchangeWindow w;
  EXPECT_EQ(w.on_response(0), ResponseMatch::NotOutstanding);
  ASSERT_EQ(*w.begin_request(), 0u);
  EXPECT_EQ(w.on_response(1), ResponseMatch::NotOutstanding);
  EXPECT_TRUE(w.is_outstanding(0));
  EXPECT_EQ(w.on_response(0), ResponseMatch::Matched);
  // A duplicated response is not matched twice.
  EXPECT_EQ(w.on_response(0), ResponseMatch::NotOutstanding);
  EXPECT_STREQ(response_match_name(ResponseMatch::NotOutstanding), "NotOutstanding");
}

TEST(ExchangeWindow, RetransmittedRequestIsAnsweredFromCacheNotReprocessed) {
  ExchangeWindow r;
  ASSERT_EQ(r.on_request(0), RequestClass::New);
  const auto sent = response_bytes(0xa0, 3);  // a fragmented response
  ASSERT_TRUE(r.store_response(0, sent).ok());
  // The same request again: never New, so the engine never processes it
  // twice (RFC 7296 2.1); the cache has every fragment, byte for byte.
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(r.on_request(0), RequestClass::Retransmit);
    const auto* cached = r.cached_response(0);
    ASSERT_NE(cached, nullptr);
    EXPECT_EQ(*cached, sent);
  }
  EXPECT_EQ(r.next_expected_id(), 1u);
}

TEST(ExchangeWindow, RetransmitBeforeResponseIsBuiltHasNothingCached) {
  ExchangeWindow r;
  ASSERT_EQ(r.on_request(0), RequestClass::New);
  EXPECT_EQ(r.on_request(0), RequestClass::Retransmit);
  EXPECT_EQ(r.cached_response(0), nullptr);
}

TEST(ExchangeWindow, WindowOneKeepsOnlyTheLatestResponse) {
  ExchangeWindow r;
  for (uint32_t id = 0; id < 3; ++id) {
    ASSERT_EQ(r.on_request(id), RequestClass::New);
    ASSERT_TRUE(r.store_response(id, response_bytes(static_cast<uint8_t>(id))).ok());
    // RFC 7296 2.3: response m goes once request m + 1 arrives.
    EXPECT_EQ(r.cache().ids(), (std::vector<uint32_t>{id}));
  }
  EXPECT_EQ(r.on_request(2), RequestClass::Retransmit);
  EXPECT_EQ(r.on_request(1), RequestClass::Old);
  EXPECT_EQ(r.on_request(0), RequestClass::Old);
  EXPECT_EQ(r.cached_response(1), nullptr);
  // Ahead: 3 is the only acceptable new ID with window 1.
  EXPECT_EQ(r.on_request(4), RequestClass::Ahead);
  EXPECT_EQ(r.on_request(0xffffffffu), RequestClass::Ahead);
  EXPECT_EQ(r.on_request(3), RequestClass::New);
}

TEST(ExchangeWindow, CacheEvictionFollowsOurWindowOfFive) {
  ExchangeWindow r;
  ASSERT_EQ(r.on_request(0), RequestClass::New);
  ASSERT_TRUE(r.store_response(0, response_bytes(0)).ok());
  ASSERT_EQ(r.on_request(1), RequestClass::New);
  ASSERT_TRUE(r.store_response(1, response_bytes(1)).ok());
  ASSERT_TRUE(r.announce_our_window(5).ok());
  r.complete_initial_exchanges();
  ASSERT_EQ(r.our_window(), 5u);
  EXPECT_EQ(r.cache().ids(), (std::vector<uint32_t>{1}));

  for (uint32_t id = 2; id <= 6; ++id) {
    ASSERT_EQ(r.on_request(id), RequestClass::New) << id;
    ASSERT_TRUE(r.store_response(id, response_bytes(static_cast<uint8_t>(id))).ok());
  }
  // Request 6 arrived: responses with m + 5 <= 6 (m <= 1) are gone.
  EXPECT_EQ(r.cache().ids(), (std::vector<uint32_t>{2, 3, 4, 5, 6}));
  EXPECT_EQ(r.on_request(1), RequestClass::Old);
  EXPECT_EQ(r.on_request(2), RequestClass::Retransmit);
  EXPECT_EQ(*r.cached_response(2), response_bytes(2));
  ASSERT_EQ(r.on_request(7), RequestClass::New);
  EXPECT_EQ(r.cache().ids(), (std::vector<uint32_t>{3, 4, 5, 6}));
  EXPECT_EQ(r.on_request(2), RequestClass::Old);
  // Window [8, 13): 12 is acceptable, 13 is ahead.
  EXPECT_EQ(r.on_request(13), RequestClass::Ahead);
  EXPECT_EQ(r.on_request(12), RequestClass::New);
}

TEST(ExchangeWindow, OutOfOrderRequestsWithinTheWindow) {
  ExchangeWindow r;
  ASSERT_TRUE(r.announce_our_window(3).ok());
  r.complete_initial_exchanges();
  // The peer sent 0, 1, 2 at once; they arrive 2, 0, 1.
  EXPECT_EQ(r.on_request(2), RequestClass::New);
  EXPECT_EQ(r.next_expected_id(), 0u);
  EXPECT_EQ(r.on_request(3), RequestClass::Ahead);  // 0 + 3
  EXPECT_EQ(r.on_request(2), RequestClass::Retransmit);
  EXPECT_EQ(r.on_request(0), RequestClass::New);
  EXPECT_EQ(r.next_expected_id(), 1u);
  EXPECT_EQ(r.on_request(1), RequestClass::New);
  EXPECT_EQ(r.next_expected_id(), 3u);
  EXPECT_EQ(r.on_request(5), RequestClass::New);
  EXPECT_EQ(r.on_request(6), RequestClass::Ahead);
}

TEST(ExchangeWindow, StoreResponseOnlyForReceivedRequests) {
  ExchangeWindow r;
  EXPECT_FALSE(r.store_response(0, response_bytes(0)).ok());
  ASSERT_EQ(r.on_request(0), RequestClass::New);
  ASSERT_EQ(r.on_request(1), RequestClass::New);
  auto s = r.store_response(0, response_bytes(0));  // older than window 1
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.error().reason.find("older than the window"), std::string::npos);
  EXPECT_TRUE(r.store_response(1, response_bytes(1)).ok());
  EXPECT_EQ(r.cache().size(), 1u);
}

TEST(ExchangeWindow, InitRetryAfterCookieReusesZeroOnBothSides) {
  ExchangeWindow i;
  ExchangeWindow r;
  // First IKE_SA_INIT answered with COOKIE (or INVALID_KE_PAYLOAD).
  ASSERT_EQ(*i.begin_request(), 0u);
  ASSERT_EQ(r.on_request(0), RequestClass::New);
  ASSERT_TRUE(r.store_response(0, response_bytes(0xc0)).ok());
  ASSERT_EQ(i.on_response(0), ResponseMatch::Matched);
  // RFC 7296 2.2: the retry is ID 0 again.
  auto retry = i.begin_init_retry();
  ASSERT_TRUE(retry.ok());
  EXPECT_EQ(*retry, 0u);
  EXPECT_TRUE(i.is_outstanding(0));
  EXPECT_EQ(i.next_request_id(), 1u);
  // The responder sees ID 0 again; by ID alone it is a retransmission, so the
  // engine decides from the content and then accepts the retry.
  EXPECT_EQ(r.on_request(0), RequestClass::Retransmit);
  ASSERT_TRUE(r.accept_init_retry().ok());
  EXPECT_EQ(r.cached_response(0), nullptr);
  EXPECT_EQ(r.on_request(0), RequestClass::New);
  ASSERT_TRUE(r.store_response(0, response_bytes(0xc1)).ok());
  EXPECT_EQ(i.on_response(0), ResponseMatch::Matched);
  // IKE_AUTH continues at 1.
  EXPECT_EQ(Pair::exchange(i, r), 1u);
  // No retry once past IKE_SA_INIT.
  EXPECT_FALSE(i.begin_init_retry().ok());
  EXPECT_FALSE(r.accept_init_retry().ok());
}

TEST(ExchangeWindow, InitRetryRefusedWhileRequestOutstanding) {
  ExchangeWindow i;
  EXPECT_FALSE(i.begin_init_retry().ok());  // nothing sent yet
  ASSERT_EQ(*i.begin_request(), 0u);
  EXPECT_FALSE(i.begin_init_retry().ok());  // 0 not answered
  ExchangeWindow r;
  EXPECT_FALSE(r.accept_init_retry().ok());  // nothing received
}

TEST(ExchangeWindow, WindowsCannotShrinkOrBeZero) {
  ExchangeWindow w;
  EXPECT_FALSE(w.announce_our_window(0).ok());
  EXPECT_TRUE(w.announce_our_window(4).ok());
  auto s = w.announce_our_window(2);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.error().reason.find("cannot shrink"), std::string::npos);
  EXPECT_EQ(w.announced_our_window(), 4u);
  EXPECT_FALSE(w.set_peer_window(0).ok());
  EXPECT_TRUE(w.set_peer_window(5).ok());
  EXPECT_FALSE(w.set_peer_window(1).ok());
  EXPECT_EQ(w.announced_peer_window(), 5u);
}

TEST(ExchangeWindow, RekeyedSaStartsAtZeroWithWindowOne) {
  Pair p;
  for (int n = 0; n < 4; ++n) Pair::exchange(p.initiator, p.responder);
  ASSERT_TRUE(p.initiator.set_peer_window(5).ok());
  ASSERT_TRUE(p.responder.announce_our_window(5).ok());
  p.initiator.complete_initial_exchanges();
  p.responder.complete_initial_exchanges();
  ASSERT_TRUE(p.initiator.begin_request().ok());  // left outstanding

  p.initiator.reset_for_rekey();
  p.responder.reset_for_rekey();
  EXPECT_EQ(p.initiator.next_request_id(), 0u);
  EXPECT_EQ(p.initiator.outstanding_count(), 0u);
  EXPECT_EQ(p.initiator.peer_window(), 1u);
  EXPECT_EQ(p.responder.next_expected_id(), 0u);
  EXPECT_EQ(p.responder.our_window(), 1u);
  EXPECT_EQ(p.responder.cache().size(), 0u);
  EXPECT_EQ(Pair::exchange(p.initiator, p.responder), 0u);
  // A new announcement on the rekeyed SA applies at once.
  ASSERT_TRUE(p.initiator.set_peer_window(2).ok());
  EXPECT_EQ(p.initiator.peer_window(), 2u);
}

TEST(ResponseCache, EvictionAtTheTopOfTheIdSpace) {
  // The highest ID is an ordinary ID: no wrap, no overflow in m + window.
  ResponseCache c;
  c.store(0xfffffffeu, response_bytes(1));
  c.store(0xffffffffu, response_bytes(2));
  EXPECT_EQ(c.evict_for_request(0xffffffffu, 1), 1u);
  EXPECT_EQ(c.ids(), (std::vector<uint32_t>{0xffffffffu}));
  EXPECT_EQ(c.evict_for_request(0, 5), 0u);
  EXPECT_TRUE(c.erase(0xffffffffu));
  EXPECT_FALSE(c.erase(0xffffffffu));
}

TEST(ExchangeWindow, NotificationData) {
  EXPECT_EQ(encode_window_size(5), (Bytes{0, 0, 0, 5}));
  EXPECT_EQ(encode_invalid_message_id(0x01020304u), (Bytes{1, 2, 3, 4}));
  const Bytes five{0, 0, 0, 5};
  auto w = decode_window_size(five);
  ASSERT_TRUE(w.ok());
  EXPECT_EQ(*w, 5u);
  const Bytes short_data{0, 5};
  EXPECT_FALSE(decode_window_size(short_data).ok());
  const Bytes zero{0, 0, 0, 0};
  EXPECT_FALSE(decode_window_size(zero).ok());
  EXPECT_STREQ(request_class_name(RequestClass::Ahead), "Ahead");
}

}  // namespace
}  // namespace ikeh::engine
