// SPDX-License-Identifier: Apache-2.0
// Authentication payload, RFC 7296 3.8.
//
//  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
// | Next Payload  |C|  RESERVED   |         Payload Length        |
// | Auth Method   |                RESERVED                       |
// ~                      Authentication Data                      ~
#pragma once

#include "harness/codec/fields.h"

namespace ikeh::codec {

struct AuthPayload {
  AuthMethod method = AuthMethod::SHARED_KEY_MIC;
  uint32_t reserved = 0;  // 24 bits
  Bytes data;

  template <class Io>
  void fields(Io& io) {
    io.num("auth_method", method);
    io.u24("reserved", reserved);
    io.bytes("authentication_data", data);
  }
};

}  // namespace ikeh::codec
