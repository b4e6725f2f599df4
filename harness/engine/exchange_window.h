// SPDX-License-Identifier: Apache-2.0
// Message ID bookkeeping for one IKE SA (RFC 7296 2.2, 2.3) and the cache of
// responses it sent (RFC 7296 2.1, 2.3). Pure logic: no clock, no I/O. The
// engine asks this object which Message ID to put on a request, whether it may
// send one now, what to do with each request that arrives, and which response
// to resend for a retransmitted request.
//
// Each endpoint keeps two independent counters (RFC 7296 2.2): the next ID for
// the requests it sends and the next ID it expects in the peer's requests.
// They do not depend on who initiated the IKE SA: the original responder's
// first request carries Message ID 0, counted by its own request counter.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <set>
#include <vector>

#include "harness/core/bytes.h"
#include "harness/core/result.h"

namespace ikeh::engine {

// Notify numbers this file encodes data for (IANA "IKEv2 Notify Message
// Types"; the codec's NotifyType carries the same values).
inline constexpr uint16_t kNotifyInvalidMessageId = 9;
inline constexpr uint16_t kNotifySetWindowSize = 16385;

// The largest Message ID (RFC 7296 2.2: 32 bits). An IKE SA that has used it
// must be rekeyed or closed; the counter never wraps to 0.
inline constexpr uint32_t kMaxMessageId = 0xffffffffu;

// What the engine must do with an incoming request, decided from its Message
// ID alone.
enum class RequestClass : uint8_t {
  // Not seen before and inside our window: process it, then store_response().
  New,
  // Seen before and its response may still be cached: resend the cached bytes
  // (cached_response()) and never process it again (RFC 7296 2.1). When no
  // response is cached yet (still being built), ignore it.
  Retransmit,
  // Seen before and older than our window: the peer has already received the
  // response (it could not have sent a newer request otherwise), so ignore it
  // (RFC 7296 2.3).
  Old,
  // Beyond our window: the peer broke the window rule or the ID is forged.
  // Do not process it and do not answer it with a response; the engine may
  // send a rate-limited INFORMATIONAL request carrying INVALID_MESSAGE_ID with
  // this ID as data (RFC 7296 2.3, 3.10.1).
  Ahead,
};

// "New", "Retransmit", "Old", "Ahead".
const char* request_class_name(RequestClass c);

// How an incoming response relates to the requests this side has outstanding.
enum class ResponseMatch : uint8_t {
  // It answers an outstanding request, which is now complete.
  Matched,
  // No request with that ID is outstanding: a duplicate of a response already
  // taken, or a response to a request never sent. Drop it (RFC 7296 2.3).
  NotOutstanding,
};

// "Matched", "NotOutstanding".
const char* response_match_name(ResponseMatch m);

// The exact bytes of each response sent, all fragments of it (RFC 7383
// 2.6.1: a retransmitted fragmented request is answered with every fragment),
// keyed by Message ID. The window rule of RFC 7296 2.3 decides when an entry
// may go: a response with ID m is kept until a request with ID >= m + window
// arrives, because until then the peer may still be waiting for it.
class ResponseCache {
 public:
  // Stores (or replaces) the fragments sent as the response to `message_id`.
  // An unfragmented response is one element.
  void store(uint32_t message_id, std::vector<core::Bytes> fragments);
  // The fragments stored for `message_id`, in sending order; nullptr when none
  // is stored. The pointer stays valid until the next non-const call.
  const std::vector<core::Bytes>* lookup(uint32_t message_id) const;
  // Applies the RFC 7296 2.3 rule for a request with ID `request_id` that has
  // arrived: drops every response with ID m where m + window <= request_id.
  // Returns how many were dropped. A window of 0 is treated as 1.
  std::size_t evict_for_request(uint32_t request_id, uint32_t window);
  // Drops the response for `message_id`. Returns false when none was stored.
  bool erase(uint32_t message_id);
  void clear() { entries_.clear(); }

  std::size_t size() const { return entries_.size(); }
  bool contains(uint32_t message_id) const { return entries_.count(message_id) != 0; }
  // Stored Message IDs, ascending.
  std::vector<uint32_t> ids() const;

 private:
  std::map<uint32_t, std::vector<core::Bytes>> entries_;
};

// Message IDs, windows and the response cache of one IKE SA.
//
// Windows (RFC 7296 2.3): "ours" is the number of requests we accept at once
// and the number of responses we keep, as we announce it in SET_WINDOW_SIZE;
// "the peer's" limits how many of our requests may be outstanding. Both are 1
// until the initial exchanges complete, whatever was announced.
class ExchangeWindow {
 public:
  ExchangeWindow() = default;

  // ----- Requests this side sends -----

  // The Message ID the next begin_request() will use.
  uint32_t next_request_id() const;
  // True when a new request may be sent now: the next ID lies within the
  // peer's window counted from our oldest unanswered request (RFC 7296 2.3;
  // with no request outstanding that is always so), and the ID space is not
  // used up.
  bool can_send() const;
  // Takes the next Message ID for a request and marks it outstanding.
  // Fails (nothing changes) when can_send() is false; the error says whether
  // the peer's window is full or the IDs are used up (rekey the IKE SA).
  core::Result<uint32_t> begin_request();
  // An IKE_SA_INIT retry after a COOKIE or INVALID_KE_PAYLOAD answer uses
  // Message ID 0 again (RFC 7296 2.2). Marks 0 outstanding and returns 0.
  // Fails unless the only request so far was the ID-0 one, it has been
  // answered, and the initial exchanges are not complete.
  core::Result<uint32_t> begin_init_retry();
  // Matches an incoming response to an outstanding request and completes it.
  ResponseMatch on_response(uint32_t message_id);
  // True while a request with this ID waits for its response.
  bool is_outstanding(uint32_t message_id) const;
  // Outstanding request IDs, ascending.
  std::vector<uint32_t> outstanding() const;
  std::size_t outstanding_count() const { return outstanding_.size(); }

  // ----- Requests the peer sends -----

  // Classifies an incoming request (see RequestClass). A New request is
  // recorded as received, and responses the RFC 7296 2.3 rule lets go are
  // dropped from the cache; the other classes change nothing.
  RequestClass on_request(uint32_t message_id);
  // The lowest request ID not yet received from the peer: with in-order
  // delivery, the ID the peer's next request carries.
  uint32_t next_expected_id() const;
  // Stores the exact bytes (all fragments) of the response sent to request
  // `message_id`. Fails (nothing stored) when that request was never
  // received as New, or is already older than our window.
  core::Status store_response(uint32_t message_id, std::vector<core::Bytes> fragments);
  // The cached response for a retransmitted request, nullptr when none.
  const std::vector<core::Bytes>* cached_response(uint32_t message_id) const;
  const ResponseCache& cache() const { return cache_; }
  // The responder's side of begin_init_retry(): the engine has seen that a
  // second ID-0 IKE_SA_INIT request is a retry with a COOKIE or another KE
  // rather than a retransmission (RFC 7296 2.1 tells these apart by content,
  // not by ID). Forgets request 0 and its cached response, so on_request(0)
  // returns New. Fails unless request 0 is the only one received and the
  // initial exchanges are not complete.
  core::Status accept_init_retry();

  // ----- Windows -----

  // Records the window we announce in SET_WINDOW_SIZE. It applies once the
  // initial exchanges complete. Fails on 0, and on a value below the one
  // already announced: RFC 7296 2.3 defines no way to shrink a window.
  core::Status announce_our_window(uint32_t size);
  // Records the window the peer announced in SET_WINDOW_SIZE, with the same
  // rules as announce_our_window().
  core::Status set_peer_window(uint32_t size);
  // The initial exchanges (IKE_SA_INIT and every IKE_AUTH round) are done:
  // the announced windows apply from now on.
  void complete_initial_exchanges() { initial_complete_ = true; }
  bool initial_exchanges_complete() const { return initial_complete_; }
  uint32_t announced_our_window() const { return our_window_; }
  uint32_t announced_peer_window() const { return peer_window_; }
  // The windows in force: 1 before the initial exchanges complete.
  uint32_t our_window() const { return initial_complete_ ? our_window_ : 1; }
  uint32_t peer_window() const { return initial_complete_ ? peer_window_ : 1; }

  // The state of the IKE SA that replaces this one in a rekey (RFC 7296
  // 2.18): both counters at 0, both windows back to 1 until new
  // SET_WINDOW_SIZE announcements, nothing outstanding, nothing cached. The
  // new SA is established by the rekey, so later announcements apply at once.
  void reset_for_rekey();

 private:
  // Counters are 64-bit so "one past the last ID" (2^32) has a value.
  uint64_t next_request_ = 0;
  std::set<uint32_t> outstanding_;
  // Every request ID below this one has been received.
  uint64_t lowest_unreceived_ = 0;
  // Received IDs above lowest_unreceived_ (out-of-order arrivals).
  std::set<uint32_t> received_ahead_;
  // Highest ID received, valid when any_received_.
  uint32_t highest_received_ = 0;
  bool any_received_ = false;
  uint32_t our_window_ = 1;
  uint32_t peer_window_ = 1;
  bool initial_complete_ = false;
  ResponseCache cache_;
};

// SET_WINDOW_SIZE notification data (RFC 7296 3.10.1): the window size as 4
// octets, big-endian.
core::Bytes encode_window_size(uint32_t size);
// Reads SET_WINDOW_SIZE data. Fails when it is not exactly 4 octets or the
// size is 0 (a window of 0 would forbid every request).
core::Result<uint32_t> decode_window_size(core::BytesView data);
// INVALID_MESSAGE_ID notification data (RFC 7296 3.10.1): the rejected
// Message ID as 4 octets, big-endian.
core::Bytes encode_invalid_message_id(uint32_t message_id);

}  // namespace ikeh::engine
