// SPDX-License-Identifier: Apache-2.0
#include "harness/codec/message.h"

#include <cstring>

#include "harness/codec/message_io.h"

namespace ikeh::codec {

std::string format_path(const PathEntry* entries, int count) {
  std::string s;
  for (int i = 0; i < count; ++i) {
    const auto& e = entries[i];
    if (!s.empty()) s += " / ";
    if (e.name == nullptr) {
      s += label(e.payload);
      s += " payload";
    } else {
      s += e.name;
      if (e.index >= 0) {
        s += ' ';
        s += std::to_string(e.index + 1);
      }
    }
  }
  return s;
}

const Payload* Message::find(PayloadType t) const {
  for (const auto& p : payloads)
    if (p.type == t) return &p;
  return nullptr;
}

Payload* Message::find(PayloadType t) {
  for (auto& p : payloads)
    if (p.type == t) return &p;
  return nullptr;
}

const NotifyPayload* Message::find_notify(NotifyType t) const {
  for (const auto& p : payloads)
    if (auto* n = p.as<NotifyPayload>(); n && p.type == PayloadType::N && n->type == t) return n;
  return nullptr;
}

std::vector<PayloadType> Message::payload_types() const {
  std::vector<PayloadType> out;
  out.reserve(payloads.size());
  for (const auto& p : payloads) out.push_back(p.type);
  return out;
}

core::Result<Header> decode_header(BytesView data) {
  if (data.size() < kHeaderSize) {
    core::Error e;
    e.where = "IKE header";
    e.field = "length";
    e.has_offset = true;
    e.offset = data.size();
    e.notify = static_cast<uint16_t>(NotifyType::INVALID_SYNTAX);
    e.reason = "truncated: an IKE header needs 28 bytes, the datagram has " + std::to_string(data.size());
    return e;
  }
  Decoder<> io(data.first(kHeaderSize));
  Header h;
  Slot<uint8_t> next;
  Slot<uint32_t> len;
  header_fields(io, h, next, len);
  h.next_payload.reset();
  h.length.reset();
  return h;
}

namespace {

// Generic header and body of each payload; Next Payload names the following
// payload, or for SK/SKF the first inner one.
void encode_chain(Encoder& io, std::span<Payload> payloads) {
  for (std::size_t i = 0; i < payloads.size(); ++i) {
    Payload& p = payloads[i];
    std::size_t start = io.mark();
    auto pnext = io.slot("next_payload", p.next_payload);
    io.flag8("critical", p.critical, "reserved", p.reserved);
    auto plen = io.slot("payload_length", p.length);
    std::visit([&](auto& body) { body.fields(io); }, p.body);
    io.fill(plen, io.mark() - start);
    bool encrypted = false;
    PayloadType inner = encrypted_inner_next(p.body, encrypted);
    PayloadType following = i + 1 < payloads.size() ? payloads[i + 1].type : PayloadType::NONE;
    io.fill(pnext, static_cast<uint8_t>(encrypted ? inner : following));
  }
}

// Room for a chain: a decoded payload's exact size, a guess for a built one,
// so the writer seldom grows.
std::size_t estimated_size(std::span<const Payload> payloads) {
  std::size_t n = 0;
  for (const auto& p : payloads) n += p.raw().empty() ? 64 : p.raw().size();
  return n;
}

std::shared_ptr<const uint8_t[]> copy_of(BytesView data) {
  // One allocation for the count and the bytes.
  auto buf = std::make_shared_for_overwrite<uint8_t[]>(data.size());
  if (!data.empty()) std::memcpy(buf.get(), data.data(), data.size());
  return buf;
}

core::Result<Message> decode_shared(BytesView data, std::shared_ptr<const uint8_t[]> buf) {
  Message m;
  auto status = decode_into<NoTrace>(data, m, buf, nullptr);
  if (!status) return status.error();
  m.set_raw(std::move(buf), data.size());
  return m;
}

}  // namespace

core::Result<Message> decode_message(std::shared_ptr<const Bytes> data) {
  // Aliasing constructor: shares ownership of the vector, points at its bytes.
  std::shared_ptr<const uint8_t[]> buf(data, data->data());
  BytesView view(*data);
  return decode_shared(view, std::move(buf));
}

core::Result<Message> decode_message(BytesView data) {
  auto buf = copy_of(data);
  BytesView view(buf.get(), data.size());
  return decode_shared(view, std::move(buf));
}

core::Status decode_message_into(BytesView data, Message& m) {
  // The raw buffer is new each time: payloads copied out of an earlier
  // decode may still share the old one.
  auto buf = copy_of(data);
  m.header.next_payload.reset();
  auto status = decode_into<NoTrace>(BytesView(buf.get(), data.size()), m, buf, nullptr);
  m.set_raw(std::move(buf), data.size());
  return status;
}

Bytes encode_message(const Message& cm) {
  // The encoder only reads the message; fields() descriptions take non-const
  // references because decoding shares them.
  auto& m = const_cast<Message&>(cm);
  Bytes out;
  out.reserve(kHeaderSize + estimated_size(m.payloads));
  Encoder io(out);
  Slot<uint8_t> next;
  Slot<uint32_t> len;
  header_fields(io, m.header, next, len);
  encode_chain(io, std::span<Payload>(m.payloads));
  io.fill(next, static_cast<uint8_t>(m.payloads.empty() ? PayloadType::NONE : m.payloads.front().type));
  io.fill(len, io.mark());
  io.finish();
  return out;
}

Message make_message(ExchangeType exchange, uint8_t flag_bits, uint32_t message_id, uint64_t spi_i, uint64_t spi_r,
                     std::vector<Payload> payloads) {
  Message m;
  m.header.exchange_type = exchange;
  m.header.flags = flag_bits;
  m.header.message_id = message_id;
  m.header.spi_i = spi_i;
  m.header.spi_r = spi_r;
  m.payloads = std::move(payloads);
  return m;
}

static void append_payload_label(std::string& s, const Payload& p) {
  s.append(label(p.type));
  std::string inner;
  if (auto* n = p.as<NotifyPayload>(); n && p.type == PayloadType::N) inner = label(n->type);
  if (auto* c = p.as<CpPayload>(); c && p.type == PayloadType::CP) inner = label(c->cfg_type);
  if (!inner.empty()) s.append("(").append(inner).append(")");
}

std::string summary(const Message& m) {
  static const char* hex = "0123456789abcdef";
  auto spi = [&](uint64_t v) {
    std::string s(16, '0');
    for (int i = 15; i >= 0; --i, v >>= 4) s[i] = hex[v & 0xf];
    return s;
  };
  std::string s = label(m.header.exchange_type);
  s += m.header.is_response() ? " response" : " request";
  if (m.header.is_initiator()) s += " (I)";
  s += " spi_i=" + spi(m.header.spi_i) + " spi_r=" + spi(m.header.spi_r);
  s += " msgid=" + std::to_string(m.header.message_id) + ":";
  for (const auto& p : m.payloads) {
    s.push_back(' ');
    append_payload_label(s, p);
  }
  return s;
}

std::string describe(const core::Error& e) {
  std::string s = e.to_string();
  if (e.notify != 0) s += " [" + label(static_cast<NotifyType>(e.notify)) + "]";
  return s;
}

}  // namespace ikeh::codec

namespace ikeh::codec {

Bytes encode_payloads(std::span<const Payload> cpayloads, PayloadType* first_type) {
  auto payloads = std::span<Payload>(const_cast<Payload*>(cpayloads.data()), cpayloads.size());
  Bytes out;
  out.reserve(estimated_size(cpayloads));
  Encoder io(out);
  encode_chain(io, payloads);
  io.finish();
  if (first_type) *first_type = payloads.empty() ? PayloadType::NONE : payloads.front().type;
  return out;
}

core::Result<std::vector<Payload>> decode_payloads(PayloadType first, BytesView data) {
  auto buf = copy_of(data);
  Decoder<> io(BytesView(buf.get(), data.size()));
  std::vector<Payload> payloads;
  decode_chain(io, first, payloads, buf);
  if (!io.ok()) return io.error();
  return payloads;
}

}  // namespace ikeh::codec
