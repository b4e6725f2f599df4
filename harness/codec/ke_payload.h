// SPDX-License-Identifier: Apache-2.0
// Key Exchange payload, RFC 7296 3.4.
//
//  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
// | Next Payload  |C|  RESERVED   |         Payload Length        |
// |   Diffie-Hellman Group Num    |           RESERVED            |
// ~                       Key Exchange Data                       ~
#pragma once

#include "harness/codec/fields.h"

namespace ikeh::codec {

struct KePayload {
  DhGroup group = DhGroup::NONE;
  uint16_t reserved = 0;
  Bytes data;

  template <class Io>
  void fields(Io& io) {
    io.num("dh_group", group);
    io.num("reserved", reserved);
    io.bytes("key_exchange_data", data);
  }
};

}  // namespace ikeh::codec
