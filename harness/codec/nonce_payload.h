// SPDX-License-Identifier: Apache-2.0
// Nonce payload (Ni, Nr), RFC 7296 3.9.
//
//  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
// | Next Payload  |C|  RESERVED   |         Payload Length        |
// ~                            Nonce Data                         ~
#pragma once

#include "harness/codec/fields.h"

namespace ikeh::codec {

struct NoncePayload {
  Bytes data;

  template <class Io>
  void fields(Io& io) {
    io.bytes("nonce_data", data);
  }
};

}  // namespace ikeh::codec
