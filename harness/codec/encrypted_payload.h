// SPDX-License-Identifier: Apache-2.0
// Encrypted payload SK, RFC 7296 3.14, and Encrypted Fragment payload SKF,
// RFC 7383 2.5.
//
//  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
// | Next Payload  |C|  RESERVED   |         Payload Length        |
// |        Fragment Number        |        Total Fragments        |  (SKF only)
// |                     Initialization Vector                     |
// ~                    Encrypted IKE Payloads                     ~
// |               |             Padding (0-255 octets)            |
// |                                               |  Pad Length   |
// ~                    Integrity Checksum Data                    ~
//
// The Next Payload field of SK (and of the first SKF) names the first inner
// payload; the chain ends here. The codec keeps IV | ciphertext | ICV as one
// opaque block: splitting it needs the negotiated transforms (crypto/).
#pragma once

#include "harness/codec/fields.h"

namespace ikeh::codec {

struct SkPayload {
  PayloadType inner_next = PayloadType::NONE;  // the header's Next Payload
  Bytes data;                                   // IV | ciphertext | ICV

  template <class Io>
  void fields(Io& io) {
    io.bytes("encrypted_data", data);
  }
};

struct SkfPayload {
  PayloadType inner_next = PayloadType::NONE;  // first fragment only; 0 in later ones
  uint16_t fragment_number = 1;
  uint16_t total_fragments = 1;
  Bytes data;  // IV | ciphertext | ICV

  template <class Io>
  void fields(Io& io) {
    io.num("fragment_number", fragment_number);
    io.num("total_fragments", total_fragments);
    io.bytes("encrypted_data", data);
  }
};

}  // namespace ikeh::codec
