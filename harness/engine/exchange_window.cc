// SPDX-License-Identifier: Apache-2.0
#include "harness/engine/exchange_window.h"

#include <string>
#include <utility>

namespace ikeh::engine {
namespace {

// Malformed notification data is a syntax error (RFC 7296 3.10.1).
constexpr uint16_t kNotifyInvalidSyntax = 7;

core::Error window_error(std::string field, std::string reason, uint16_t notify = 0) {
  core::Error e;
  e.where = "message ID window";
  e.field = std::move(field);
  e.notify = notify;
  e.reason = std::move(reason);
  return e;
}

core::Bytes be32(uint32_t v) {
  return core::Bytes{static_cast<uint8_t>(v >> 24), static_cast<uint8_t>(v >> 16), static_cast<uint8_t>(v >> 8),
                     static_cast<uint8_t>(v)};
}

// RFC 7296 2.3: a window can grow but there is no defined way to shrink it.
core::Status check_window(uint32_t current, uint32_t size, const char* which) {
  if (size == 0) return window_error(which, "window size 0 (must be at least 1)");
  if (size < current) {
    return window_error(which, "window size " + std::to_string(size) + " is below the announced " +
                                   std::to_string(current) + " (RFC 7296 2.3: a window cannot shrink)");
  }
  return {};
}

}  // namespace

const char* request_class_name(RequestClass c) {
  switch (c) {
    case RequestClass::New: return "New";
    case RequestClass::Retransmit: return "Retransmit";
    case RequestClass::Old: return "Old";
    case RequestClass::Ahead: return "Ahead";
  }
  return "?";
}

const char* response_match_name(ResponseMatch m) {
  switch (m) {
    case ResponseMatch::Matched: return "Matched";
    case ResponseMatch::NotOutstanding: return "NotOutstanding";
  }
  return "?";
}

// ----- ResponseCache -----

void ResponseCache::store(uint32_t message_id, std::vector<core::Bytes> fragments) {
  entries_[message_id] = std::move(fragments);
}

const std::vector<core::Bytes>* ResponseCache::lookup(uint32_t message_id) const {
  auto it = entries_.find(message_id);
  return it == entries_.end() ? nullptr : &it->second;
}

std::size_t ResponseCache::evict_for_request(uint32_t request_id, uint32_t window) {
  if (window == 0) window = 1;
  // m + window <= request_id, computed without overflow as m <= request_id - window.
  if (request_id < window) return 0;
  const uint32_t last_dropped = request_id - window;
  std::size_t dropped = 0;
  for (auto it = entries_.begin(); it != entries_.end() && it->first <= last_dropped;) {
    it = entries_.erase(it);
    ++dropped;
  }
  return dropped;
}

bool ResponseCache::erase(uint32_t message_id) { return entries_.erase(message_id) != 0; }

std::vector<uint32_t> ResponseCache::ids() const {
  std::vector<uint32_t> out;
  out.reserve(entries_.size());
  for (const auto& [id, fragments] : entries_) out.push_back(id);
  return out;
}

// ----- ExchangeWindow: our requests -----

uint32_t ExchangeWindow::next_request_id() const {
  // After the last ID is used the counter sits at 2^32; report the last ID
  // then, can_send() is false anyway.
  return next_request_ > kMaxMessageId ? kMaxMessageId : static_cast<uint32_t>(next_request_);
}

bool ExchangeWindow::can_send() const {
  if (next_request_ > kMaxMessageId) return false;
  if (outstanding_.empty()) return true;
  // RFC 7296 2.3: with window W, request m may be sent only once the response
  // to m - W has arrived, i.e. all outstanding IDs lie within W of each other.
  return next_request_ < static_cast<uint64_t>(*outstanding_.begin()) + peer_window();
}

core::Result<uint32_t> ExchangeWindow::begin_request() {
  if (next_request_ > kMaxMessageId) {
    return window_error("message_id", "Message IDs used up (RFC 7296 2.2: rekey or close the IKE SA first)");
  }
  if (!can_send()) {
    return window_error("message_id", "peer window of " + std::to_string(peer_window()) + " is full (oldest request " +
                                          std::to_string(*outstanding_.begin()) + " unanswered)");
  }
  const auto id = static_cast<uint32_t>(next_request_++);
  outstanding_.insert(id);
  return id;
}

core::Result<uint32_t> ExchangeWindow::begin_init_retry() {
  if (initial_complete_ || next_request_ != 1 || !outstanding_.empty()) {
    return window_error("message_id",
                        "an IKE_SA_INIT retry needs exactly one answered request (ID 0) before the initial "
                        "exchanges complete");
  }
  // RFC 7296 2.2: the retry after COOKIE or INVALID_KE_PAYLOAD is still ID 0;
  // the counter stays at 1 for the IKE_AUTH that follows.
  outstanding_.insert(0);
  return uint32_t{0};
}

ResponseMatch ExchangeWindow::on_response(uint32_t message_id) {
  return outstanding_.erase(message_id) != 0 ? ResponseMatch::Matched : ResponseMatch::NotOutstanding;
}

bool ExchangeWindow::is_outstanding(uint32_t message_id) const { return outstanding_.count(message_id) != 0; }

std::vector<uint32_t> ExchangeWindow::outstanding() const { return {outstanding_.begin(), outstanding_.end()}; }

// ----- ExchangeWindow: the peer's requests -----

RequestClass ExchangeWindow::on_request(uint32_t message_id) {
  const uint64_t id = message_id;
  const uint64_t w = our_window();
  const bool received = id < lowest_unreceived_ || received_ahead_.count(message_id) != 0;
  if (received) {
    // RFC 7296 2.3: the response to m is kept until a request >= m + W has
    // arrived; once one has, the peer holds the response and m is stale.
    return id + w > highest_received_ ? RequestClass::Retransmit : RequestClass::Old;
  }
  // The peer may have at most W requests outstanding, and none of them can be
  // older than our oldest unreceived one, so anything at or past
  // lowest_unreceived_ + W breaks the window (RFC 7296 2.3).
  if (id >= lowest_unreceived_ + w) return RequestClass::Ahead;

  if (id == lowest_unreceived_) {
    ++lowest_unreceived_;
    while (!received_ahead_.empty() && *received_ahead_.begin() == lowest_unreceived_) {
      received_ahead_.erase(received_ahead_.begin());
      ++lowest_unreceived_;
    }
  } else {
    received_ahead_.insert(message_id);
  }
  if (!any_received_ || message_id > highest_received_) highest_received_ = message_id;
  any_received_ = true;
  cache_.evict_for_request(message_id, our_window());
  return RequestClass::New;
}

uint32_t ExchangeWindow::next_expected_id() const {
  return lowest_unreceived_ > kMaxMessageId ? kMaxMessageId : static_cast<uint32_t>(lowest_unreceived_);
}

core::Status ExchangeWindow::store_response(uint32_t message_id, std::vector<core::Bytes> fragments) {
  const uint64_t id = message_id;
  const bool received = id < lowest_unreceived_ || received_ahead_.count(message_id) != 0;
  if (!received) {
    return window_error("message_id", "no request " + std::to_string(message_id) + " was received to answer");
  }
  if (id + our_window() <= highest_received_) {
    return window_error("message_id", "request " + std::to_string(message_id) + " is older than the window of " +
                                          std::to_string(our_window()) + "; its response would be dropped at once");
  }
  cache_.store(message_id, std::move(fragments));
  return {};
}

const std::vector<core::Bytes>* ExchangeWindow::cached_response(uint32_t message_id) const {
  return cache_.lookup(message_id);
}

core::Status ExchangeWindow::accept_init_retry() {
  if (initial_complete_ || !any_received_ || highest_received_ != 0) {
    return window_error("message_id",
                        "an IKE_SA_INIT retry is accepted only when request 0 is the only one received and the "
                        "initial exchanges are not complete");
  }
  lowest_unreceived_ = 0;
  received_ahead_.clear();
  any_received_ = false;
  cache_.erase(0);
  return {};
}

// ----- Windows -----

core::Status ExchangeWindow::announce_our_window(uint32_t size) {
  auto s = check_window(our_window_, size, "our_window");
  if (s) our_window_ = size;
  return s;
}

core::Status ExchangeWindow::set_peer_window(uint32_t size) {
  auto s = check_window(peer_window_, size, "peer_window");
  if (s) peer_window_ = size;
  return s;
}

void ExchangeWindow::reset_for_rekey() {
  *this = ExchangeWindow{};
  // RFC 7296 2.18: the new IKE SA exists once the rekey exchange completes;
  // there are no initial exchanges left to wait for.
  initial_complete_ = true;
}

// ----- Notification data -----

core::Bytes encode_window_size(uint32_t size) { return be32(size); }

core::Result<uint32_t> decode_window_size(core::BytesView data) {
  if (data.size() != 4) {
    return window_error("notification data",
                        "SET_WINDOW_SIZE data is " + std::to_string(data.size()) + " octets (must be 4)",
                        kNotifyInvalidSyntax);
  }
  const uint32_t v = (uint32_t{data[0]} << 24) | (uint32_t{data[1]} << 16) | (uint32_t{data[2]} << 8) | data[3];
  if (v == 0) return window_error("notification data", "SET_WINDOW_SIZE of 0", kNotifyInvalidSyntax);
  return v;
}

core::Bytes encode_invalid_message_id(uint32_t message_id) { return be32(message_id); }

}  // namespace ikeh::engine
