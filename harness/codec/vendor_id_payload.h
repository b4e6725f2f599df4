// SPDX-License-Identifier: Apache-2.0
// Vendor ID payload, RFC 7296 3.12.
//
//  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
// | Next Payload  |C|  RESERVED   |         Payload Length        |
// ~                        Vendor ID (VID)                        ~
#pragma once

#include <string_view>

#include "harness/codec/fields.h"

namespace ikeh::codec {

// The name of a well-known vendor ID (strongSwan, Cisco, RFC 3706 DPD, ...),
// matched by exact bytes or by prefix where vendors append version bytes;
// empty when unknown.
std::string_view known_vendor_id(BytesView vid);

struct VendorIdPayload {
  Bytes data;

  template <class Io>
  void fields(Io& io) {
    io.bytes("vendor_id", data);
  }
};

}  // namespace ikeh::codec
