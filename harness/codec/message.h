// SPDX-License-Identifier: Apache-2.0
// IKE header (RFC 7296 3.1) and whole messages: decode, encode and a traced
// decode that reports every field to a printer.
//
//  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
// |                       IKE SA Initiator's SPI                  |
// |                                                               |
// |                       IKE SA Responder's SPI                  |
// |                                                               |
// |  Next Payload | MjVer | MnVer | Exchange Type |     Flags     |
// |                          Message ID                           |
// |                            Length                             |
#pragma once

#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "harness/codec/payload.h"

namespace ikeh::codec {

inline constexpr std::size_t kHeaderSize = 28;

namespace flags {
inline constexpr uint8_t kInitiator = 0x08;
inline constexpr uint8_t kVersion = 0x10;
inline constexpr uint8_t kResponse = 0x20;
}  // namespace flags

struct Header {
  uint64_t spi_i = 0;
  uint64_t spi_r = 0;
  std::optional<uint8_t> next_payload;  // override; computed from the first payload
  uint8_t version = 0x20;               // major << 4 | minor
  ExchangeType exchange_type = ExchangeType::IKE_SA_INIT;
  uint8_t flags = 0;
  uint32_t message_id = 0;
  std::optional<uint32_t> length;  // override; computed from the encoded size

  uint8_t major_version() const { return version >> 4; }
  uint8_t minor_version() const { return version & 0x0f; }
  bool is_initiator() const { return flags & flags::kInitiator; }
  bool is_response() const { return flags & flags::kResponse; }
};

struct Message {
  Header header;
  std::vector<Payload> payloads;

  // Exact bytes this message was decoded from; empty for a built message.
  BytesView raw() const { return raw_ ? BytesView(raw_.get(), raw_size_) : BytesView{}; }
  // The buffer behind raw(), shared with the payloads' raw().
  const std::shared_ptr<const uint8_t[]>& raw_buffer() const { return raw_; }
  void set_raw(std::shared_ptr<const uint8_t[]> raw, std::size_t size) {
    raw_ = std::move(raw);
    raw_size_ = size;
  }

  // First payload of a type, or null.
  const Payload* find(PayloadType t) const;
  Payload* find(PayloadType t);
  // First Notify of a type, or null.
  const NotifyPayload* find_notify(NotifyType t) const;
  // Payload types in chain order.
  std::vector<PayloadType> payload_types() const;

 private:
  std::shared_ptr<const uint8_t[]> raw_;
  std::size_t raw_size_ = 0;
};

// Decodes the 28-byte header only. Fails on fewer than 28 bytes.
core::Result<Header> decode_header(BytesView data);

// Decodes a whole message: header, then the payload chain. The message length
// must equal data.size(); a major version other than 2 is refused with
// INVALID_MAJOR_VERSION (the payload layout would be IKEv1's). Never throws,
// never reads outside data; the error names the payload, field, offset and the
// notify a responder would answer with.
core::Result<Message> decode_message(BytesView data);
// The same without copying: the message's raw bytes share `data`.
core::Result<Message> decode_message(std::shared_ptr<const Bytes> data);
// The same into an existing message, reusing its storage (vectors keep their
// capacity when the payload chain has the same shape), for hot loops. On
// failure `m` holds what was decoded up to the error.
core::Status decode_message_into(BytesView data, Message& m);

// Encodes a message: every computed field not overridden is computed. Never
// fails; overridden fields are emitted exactly as set.
Bytes encode_message(const Message& m);

// Encodes a bare payload chain (no IKE header), as carried inside SK: each
// Next Payload names the following payload, the last one's is 0 (or its
// override). first_type receives the type of the first payload (NONE when
// empty), which the SK payload's own Next Payload must carry.
Bytes encode_payloads(std::span<const Payload> payloads, PayloadType* first_type = nullptr);

// Decodes a bare payload chain starting with a payload of type `first`, as
// found inside SK after decryption. Errors name the payload and offset within
// `data` like decode_message(). Payload raw() bytes share one buffer.
core::Result<std::vector<Payload>> decode_payloads(PayloadType first, BytesView data);

// A built message's header and payloads, handy for tests and the CLI's
// sample generator.
Message make_message(ExchangeType exchange, uint8_t flags, uint32_t message_id, uint64_t spi_i, uint64_t spi_r,
                     std::vector<Payload> payloads);

// One line: "IKE_SA_INIT request I spi_i=... msgid=0: SA KE NONCE N(NAT_DETECTION_SOURCE_IP)".
std::string summary(const Message& m);

// Error text with the notify name appended: "... [INVALID_SYNTAX]".
std::string describe(const core::Error& e);

}  // namespace ikeh::codec
