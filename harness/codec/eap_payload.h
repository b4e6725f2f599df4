// SPDX-License-Identifier: Apache-2.0
// EAP payload, RFC 7296 3.16. The EAP message (RFC 3748: Code, Identifier,
// Length, Type, Data) is kept opaque.
//
//  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
// | Next Payload  |C|  RESERVED   |         Payload Length        |
// ~                       EAP Message                             ~
#pragma once

#include "harness/codec/fields.h"

namespace ikeh::codec {

struct EapPayload {
  Bytes message;

  template <class Io>
  void fields(Io& io) {
    io.bytes("eap_message", message);
  }
};

// A payload whose type this codec does not understand (or does not model,
// such as the G-IKEv2 payloads): the body is kept as raw bytes.
struct UnknownPayload {
  Bytes data;

  template <class Io>
  void fields(Io& io) {
    io.bytes("data", data);
  }
};

}  // namespace ikeh::codec
