// SPDX-License-Identifier: Apache-2.0
// Identification payloads IDi and IDr, RFC 7296 3.5.
//
//  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
// | Next Payload  |C|  RESERVED   |         Payload Length        |
// |   ID Type     |                 RESERVED                      |
// ~                   Identification Data                         ~
//
// The data is kept as bytes whatever the type; the type only picks how it is
// shown (address, name or hex).
#pragma once

#include "harness/codec/fields.h"

namespace ikeh::codec {

inline Show id_data_show(IdType t) {
  switch (t) {
    case IdType::ID_IPV4_ADDR: return Show::Ipv4;
    case IdType::ID_IPV6_ADDR: return Show::Ipv6;
    case IdType::ID_FQDN:
    case IdType::ID_RFC822_ADDR: return Show::Text;
    default: return Show::Hex;
  }
}

struct IdPayload {
  IdType id_type = IdType::ID_IPV4_ADDR;
  uint32_t reserved = 0;  // 24 bits
  Bytes data;

  template <class Io>
  void fields(Io& io) {
    io.num("id_type", id_type);
    io.u24("reserved", reserved);
    io.bytes("identification_data", data, id_data_show(id_type));
  }
};

}  // namespace ikeh::codec
