// SPDX-License-Identifier: Apache-2.0
// Configuration payload, RFC 7296 3.15.
//
//  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
// | Next Payload  |C|  RESERVED   |         Payload Length        |
// |   CFG Type    |                    RESERVED                   |
// ~                   Configuration Attributes                    ~
//
// Configuration attribute (3.15.1):
// |R|         Attribute Type      |            Length             |
// ~                             Value                             ~
//
// The R bit is kept apart from the 15-bit type, so 0x8001 reads as type 1
// with R set. Zero-length values ("please assign one") and private-use types
// (16384-32767) are kept as they are.
#pragma once

#include <optional>
#include <vector>

#include "harness/codec/fields.h"

namespace ikeh::codec {

// How a configuration attribute value is shown (by RFC 7296 3.15.1 type).
Show cfg_attribute_show(CfgAttributeType t);

struct CfgAttribute {
  bool r_bit = false;
  CfgAttributeType type = CfgAttributeType::INTERNAL_IP4_ADDRESS;
  std::optional<uint16_t> length;
  Bytes value;

  CfgAttribute() = default;
  CfgAttribute(CfgAttributeType t, Bytes v = {}) : type(t), value(std::move(v)) {}

  template <class Io>
  void fields(Io& io, ListPos) {
    io.flag16("reserved_bit", r_bit, "attribute_type", type);
    auto len = io.slot("length", length);
    io.bytes_n("value", value, len.wire, cfg_attribute_show(type));
    io.fill(len, value.size());
  }
};

struct CpPayload {
  CfgType cfg_type = CfgType::CFG_REQUEST;
  uint32_t reserved = 0;  // 24 bits
  std::vector<CfgAttribute> attributes;

  template <class Io>
  void fields(Io& io) {
    io.num("cfg_type", cfg_type);
    io.u24("reserved", reserved);
    io.list("attribute", attributes);
  }
};

}  // namespace ikeh::codec
