// SPDX-License-Identifier: Apache-2.0
// A payload in a message chain: the generic payload header (RFC 7296 3.2) and
// a body. Which body a payload type has is the one table below; adding a
// payload type is one line there plus its header.
//
//  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
// | Next Payload  |C|  RESERVED   |         Payload Length        |
#pragma once

#include <memory>
#include <optional>
#include <variant>

#include "harness/codec/auth_payload.h"
#include "harness/codec/cert_payload.h"
#include "harness/codec/cp_payload.h"
#include "harness/codec/delete_payload.h"
#include "harness/codec/eap_payload.h"
#include "harness/codec/encrypted_payload.h"
#include "harness/codec/id_payload.h"
#include "harness/codec/ke_payload.h"
#include "harness/codec/nonce_payload.h"
#include "harness/codec/notify_payload.h"
#include "harness/codec/sa_payload.h"
#include "harness/codec/ts_payload.h"
#include "harness/codec/vendor_id_payload.h"

namespace ikeh::codec {

// Payload type -> body. Types not listed decode as UnknownPayload.
#define IKEH_PAYLOAD_BODIES(X) \
  X(SA, SaPayload)             \
  X(KE, KePayload)             \
  X(IDi, IdPayload)            \
  X(IDr, IdPayload)            \
  X(CERT, CertPayload)         \
  X(CERTREQ, CertReqPayload)   \
  X(AUTH, AuthPayload)         \
  X(NONCE, NoncePayload)       \
  X(N, NotifyPayload)          \
  X(D, DeletePayload)          \
  X(V, VendorIdPayload)        \
  X(TSi, TsPayload)            \
  X(TSr, TsPayload)            \
  X(SK, SkPayload)             \
  X(CP, CpPayload)             \
  X(EAP, EapPayload)           \
  X(SKF, SkfPayload)

using PayloadBody = std::variant<UnknownPayload, SaPayload, KePayload, IdPayload, CertPayload, CertReqPayload,
                                 AuthPayload, NoncePayload, NotifyPayload, DeletePayload, VendorIdPayload,
                                 TsPayload, SkPayload, CpPayload, EapPayload, SkfPayload>;

// True for the payload types with a structured body (the ones in the table);
// an unknown type with the critical bit set makes a message unacceptable
// (RFC 7296 2.5).
bool is_understood(PayloadType t);

// The body a payload of this type decodes into, default-constructed.
PayloadBody empty_body(PayloadType t);

struct Payload {
  PayloadType type = PayloadType::NONE;
  std::optional<uint8_t> next_payload;  // override of Next Payload
  bool critical = false;
  uint8_t reserved = 0;                 // the 7 bits after C
  std::optional<uint16_t> length;       // override of Payload Length
  PayloadBody body;

  // Exact bytes (generic header included) this payload was decoded from;
  // empty for a payload built in code.
  BytesView raw() const { return raw_buf_ ? BytesView(raw_buf_.get() + raw_off_, raw_len_) : BytesView{}; }
  std::size_t raw_offset() const { return raw_off_; }

  template <class T>
  T* as() {
    return std::get_if<T>(&body);
  }
  template <class T>
  const T* as() const {
    return std::get_if<T>(&body);
  }

  Payload() = default;
  // The body is forwarded into place: an lvalue is copied once, an rvalue
  // moved once.
  template <class Body>
  Payload(PayloadType t, Body&& b) : type(t), body(std::forward<Body>(b)) {}

  // Points raw() at len bytes at off in buf (shared with the message).
  void set_raw(std::shared_ptr<const uint8_t[]> buf, std::size_t off, std::size_t len) {
    raw_buf_ = std::move(buf);
    raw_off_ = static_cast<uint32_t>(off);
    raw_len_ = static_cast<uint32_t>(len);
  }

 private:
  std::shared_ptr<const uint8_t[]> raw_buf_;
  uint32_t raw_off_ = 0;
  uint32_t raw_len_ = 0;
};

// Decodes one payload body (the bytes after the generic header) of the given
// type. Used by the message decoder and by the narrow fuzz targets.
core::Result<PayloadBody> decode_body(PayloadType type, BytesView body);
// Encodes a body alone (no generic header).
Bytes encode_body(const PayloadBody& body);

// Builders for the common payloads.
Payload make_notify(NotifyType type, Bytes data = {}, ProtocolId protocol = ProtocolId::NONE, Bytes spi = {});
Payload make_nonce(Bytes data);
Payload make_vendor_id(Bytes data);

}  // namespace ikeh::codec
