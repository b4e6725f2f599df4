// SPDX-License-Identifier: Apache-2.0
// The message-level description shared by decode_message(), encode_message()
// and traced decoding (printers). Internal to the codec and its printers.
#pragma once

#include <memory>

#include "harness/codec/message.h"

namespace ikeh::codec {

// The body of the alternative `Body`, reused when `body` already holds one
// (a decoder overwrites every field, and reuse keeps vector capacity).
template <class Body>
Body& body_as(PayloadBody& body) {
  if (auto* b = std::get_if<Body>(&body)) return *b;
  return body.template emplace<Body>();
}

// Calls f(body) with the body of `p`, of the alternative `type` requires.
template <class F>
void with_body_for(PayloadType type, PayloadBody& body, F&& f) {
  switch (type) {
#define IKEH_BODY_CASE(T, Body)     \
  case PayloadType::T:              \
    f(body_as<Body>(body));         \
    return;
    IKEH_PAYLOAD_BODIES(IKEH_BODY_CASE)
#undef IKEH_BODY_CASE
    default:
      f(body_as<UnknownPayload>(body));
  }
}

inline PayloadType encrypted_inner_next(const PayloadBody& b, bool& is_encrypted) {
  if (auto* sk = std::get_if<SkPayload>(&b)) {
    is_encrypted = true;
    return sk->inner_next;
  }
  if (auto* skf = std::get_if<SkfPayload>(&b)) {
    is_encrypted = true;
    return skf->inner_next;
  }
  is_encrypted = false;
  return PayloadType::NONE;
}

template <class Io>
void header_fields(Io& io, Header& h, Slot<uint8_t>& next, Slot<uint32_t>& len) {
  io.num("initiator_spi", h.spi_i, NumFmt{nullptr, true});
  io.num("responder_spi", h.spi_r, NumFmt{nullptr, true});
  next = io.slot("next_payload", h.next_payload, NumFmt{&name_raw<PayloadType>});
  io.num("version", h.version, NumFmt{nullptr, true});
  io.num("exchange_type", h.exchange_type);
  io.num("flags", h.flags, NumFmt{nullptr, true});
  io.num("message_id", h.message_id);
  len = io.slot("length", h.length);
}

// How many payloads the chain starting with `type` at data[pos, end) holds,
// read from the generic headers alone and stopping at the first one that does
// not fit. It only sizes the payload vector; decode_chain() does the checking.
inline std::size_t count_chain(const uint8_t* data, std::size_t pos, std::size_t end, PayloadType type) {
  std::size_t n = 0;
  while (type != PayloadType::NONE && end - pos >= 4) {
    ++n;
    std::size_t len = std::size_t{data[pos + 2]} << 8 | data[pos + 3];
    if (len < 4 || len > end - pos || type == PayloadType::SK || type == PayloadType::SKF) break;
    type = static_cast<PayloadType>(data[pos]);
    pos += len;
  }
  return n;
}

// Decodes a payload chain starting with `type` to the end of the decoder's
// current scope into `payloads` (whose slots are reused). SK and SKF end the
// chain: their Next Payload names the first inner payload.
template <class Io>
void decode_chain(Io& io, PayloadType type, std::vector<Payload>& payloads,
                  const std::shared_ptr<const uint8_t[]>& buf) {
  auto& m = payloads;
  auto* trace = io.trace();
  // Payload slots already there are reused (and reset) before new ones are
  // added, so decoding into the same message again allocates nothing new.
  std::size_t count = 0;
  // Sized once: growing moves every Payload (a variant) decoded so far.
  const auto& r = io.reader();
  m.reserve(count_chain(r.data(), r.pos(), r.limit(), type));
  int index = 0;
  while (type != PayloadType::NONE && io.ok()) {
    std::size_t start = io.mark();
    io.enter(nullptr, index++, type);
    if (trace) trace->begin_payload(type, start);
    Payload& p = count < m.size() ? m[count] : m.emplace_back();
    ++count;
    p.type = type;
    p.next_payload.reset();
    p.length.reset();
    auto pnext = io.slot("next_payload", p.next_payload, NumFmt{&name_raw<PayloadType>});
    io.flag8("critical", p.critical, "reserved", p.reserved);
    auto plen = io.slot("payload_length", p.length);
    std::size_t psaved = 0;
    if (!io.open(plen, start, "message", psaved)) break;
    if (trace) trace->begin("body", -1, io.mark());
    with_body_for(type, p.body, [&](auto& body) { body.fields(io); });
    if (trace) trace->end(io.mark());
    io.close(plen, start, psaved);
    if (trace) trace->end(io.mark());
    if (!io.ok()) break;
    p.set_raw(buf, start, buf ? plen.wire : 0);
    if (type == PayloadType::SK || type == PayloadType::SKF) {
      // RFC 7296 3.14: SK is the last payload; its Next Payload names the first inner one.
      auto inner = static_cast<PayloadType>(pnext.wire);
      if (auto* sk = p.as<SkPayload>()) sk->inner_next = inner;
      if (auto* skf = p.as<SkfPayload>()) skf->inner_next = inner;
      if (!io.at_end()) {
        // Reported while the path still names the encrypted payload.
        io.fail("payload_length",
                std::to_string(io.remaining()) + " bytes follow the encrypted payload, which must be last");
      }
      io.leave();
      break;
    }
    io.leave();
    type = static_cast<PayloadType>(pnext.wire);
  }
  m.resize(count);
  if (io.ok() && !io.at_end()) {
    io.fail("next_payload", std::to_string(io.remaining()) +
                                " bytes follow the last payload (its Next Payload is 0)");
  }
}

// Decodes data into m. buf, when given, is the buffer data points into; it is
// shared by the message and its payloads as their raw bytes.
template <class Trace>
core::Status decode_into(BytesView data, Message& m, const std::shared_ptr<const uint8_t[]>& buf, Trace* trace) {
  Decoder<Trace> io(data, trace);
  if (data.size() < kHeaderSize) {
    io.enter("IKE header");
    // Same offset as decode_header(): where the datagram ends.
    io.fail_at(data.size(), "length",
               "truncated: an IKE header needs 28 bytes, the datagram has " + std::to_string(data.size()));
    return io.error();
  }
  Slot<uint8_t> next;
  Slot<uint32_t> len;
  io.enter("IKE header");
  if (trace) trace->begin("header", -1, 0);
  header_fields(io, m.header, next, len);
  if (trace) trace->end(kHeaderSize);
  if (m.header.major_version() != 2) {
    io.fail_at(17, "version",
               "major version " + std::to_string(m.header.major_version()) + " is not 2 (IKEv2)",
               static_cast<uint16_t>(NotifyType::INVALID_MAJOR_VERSION));
    return io.error();
  }
  std::size_t saved = 0;
  if (!io.open(len, 0, "the datagram", saved)) return io.error();
  io.leave();

  decode_chain(io, static_cast<PayloadType>(next.wire), m.payloads, buf);
  if (!io.ok()) return io.error();
  io.enter("IKE header");
  io.close(len, 0, saved);
  if (io.ok() && !io.at_end()) {
    io.fail_at(24, "length",
               std::to_string(len.wire) + " is shorter than the datagram (" + std::to_string(data.size()) +
                   " bytes)");
  }
  if (!io.ok()) return io.error();
  return {};
}


}  // namespace ikeh::codec

namespace ikeh::codec {

// Decodes `data` reporting every field to `trace` in wire order (see NoTrace
// in fields.h for the hooks). Payload events nest as: begin_payload, the four
// generic header fields, begin("body"), body fields, end, end. On an error the
// trace stops where decoding stopped (begin/end may be unbalanced) and the
// error is returned.
template <class Trace>
core::Status trace_message(BytesView data, Trace& trace, Message* out = nullptr) {
  Message scratch;
  return decode_into<Trace>(data, out ? *out : scratch, nullptr, &trace);
}

}  // namespace ikeh::codec
