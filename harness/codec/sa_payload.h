// SPDX-License-Identifier: Apache-2.0
// Security Association payload, RFC 7296 3.3.
//
//                      1                   2                   3
//  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// | Next Payload  |C|  RESERVED   |         Payload Length        |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// ~                          <Proposals>                          ~
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//
// Proposal substructure (3.3.1):
// | Last Substruc |   RESERVED    |         Proposal Length       |
// | Proposal Num  |  Protocol ID  |    SPI Size   |Num  Transforms|
// ~                        SPI (variable)                         ~
// ~                        <Transforms>                           ~
//
// Transform substructure (3.3.2):
// | Last Substruc |   RESERVED    |        Transform Length       |
// |Transform Type |   RESERVED    |          Transform ID         |
// ~                      Transform Attributes                     ~
//
// Transform attribute (3.3.5):
// |A|       Attribute Type        |    AF=0  Attribute Length     |
// |                               |    AF=1  Attribute Value      |
// ~                   AF=0  Attribute Value                       ~
//
// Lists are parsed to the end of their enclosing length; "last substruc",
// proposal numbers, SPI size and the transform count are computed fields
// (decoded values that differ from the computed ones are kept as overrides
// and reported by verify_message()).
#pragma once

#include <optional>
#include <vector>

#include "harness/codec/fields.h"

namespace ikeh::codec {

struct TransformAttribute {
  bool tv = true;  // AF bit: 1 = type/value (2-byte value), 0 = type/length/value
  uint16_t type = 0;
  uint16_t value = 0;  // TV form
  std::optional<uint16_t> length;  // TLV form: override of Attribute Length
  Bytes data;                      // TLV form

  TransformAttributeType attribute_type() const { return static_cast<TransformAttributeType>(type); }

  template <class Io>
  void fields(Io& io, ListPos) {
    io.flag16("af", tv, "attribute_type", type, NumFmt{&name_raw<TransformAttributeType>});
    if (tv) {
      io.num("attribute_value", value);
      if constexpr (Io::kDecoding) {
        data.clear();
        length.reset();
      }
    } else {
      auto len = io.slot("attribute_length", length);
      io.bytes_n("attribute_value", data, len.wire);
      io.fill(len, data.size());
      if constexpr (Io::kDecoding) value = 0;
    }
  }
};

struct Transform {
  std::optional<uint8_t> last_substruc;  // computed: 0 for the last transform, 3 otherwise
  uint8_t reserved1 = 0;
  std::optional<uint16_t> length;
  TransformType type = TransformType::ENCR;
  uint8_t reserved2 = 0;
  uint16_t id = 0;
  std::vector<TransformAttribute> attributes;

  Transform() = default;
  Transform(TransformType t, uint16_t i) : type(t), id(i) {}
  Transform(TransformType t, uint16_t i, uint16_t key_length) : type(t), id(i) {
    attributes.push_back(TransformAttribute{true, static_cast<uint16_t>(TransformAttributeType::KEY_LENGTH),
                                            key_length, {}, {}});
  }
  // The KEY_LENGTH attribute when present.
  std::optional<uint16_t> key_length() const {
    for (const auto& a : attributes)
      if (a.tv && a.attribute_type() == TransformAttributeType::KEY_LENGTH) return a.value;
    return std::nullopt;
  }

  template <class Io>
  void fields(Io& io, ListPos pos) {
    auto start = io.mark();
    auto last = io.slot("last_substruc", last_substruc);
    io.num("reserved", reserved1);
    auto len = io.slot("transform_length", length);
    std::size_t saved = 0;
    if (!io.open(len, start, "proposal", saved, 8)) return;
    io.num("transform_type", type);
    io.num("reserved2", reserved2);
    io.num("transform_id", id, NumFmt{transform_id_namer(type)});
    io.list("attribute", attributes);
    io.close(len, start, saved);
    io.fill(last, io.is_last(pos) ? 0 : 3);
  }
};

struct Proposal {
  std::optional<uint8_t> last_substruc;  // computed: 0 for the last proposal, 2 otherwise
  uint8_t reserved = 0;
  std::optional<uint16_t> length;
  std::optional<uint8_t> number;  // computed: position + 1
  ProtocolId protocol_id = ProtocolId::IKE;
  std::optional<uint8_t> spi_size;
  std::optional<uint8_t> num_transforms;
  Bytes spi;
  std::vector<Transform> transforms;

  template <class Io>
  void fields(Io& io, ListPos pos) {
    auto start = io.mark();
    auto last = io.slot("last_substruc", last_substruc);
    io.num("reserved", reserved);
    auto len = io.slot("proposal_length", length);
    std::size_t saved = 0;
    if (!io.open(len, start, "SA payload", saved, 8)) return;
    auto num = io.slot("proposal_num", number);
    io.num("protocol_id", protocol_id);
    auto size = io.slot("spi_size", spi_size);
    auto count = io.slot("num_transforms", num_transforms);
    io.bytes_n("spi", spi, size.wire);
    io.list("transform", transforms);
    io.close(len, start, saved);
    io.fill(size, spi.size());
    io.fill(count, transforms.size());
    io.fill(num, pos.index + 1);
    io.fill(last, io.is_last(pos) ? 0 : 2);
  }
};

struct SaPayload {
  std::vector<Proposal> proposals;

  template <class Io>
  void fields(Io& io) {
    io.list("proposal", proposals);
  }
};

}  // namespace ikeh::codec
