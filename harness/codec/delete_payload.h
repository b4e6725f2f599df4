// SPDX-License-Identifier: Apache-2.0
// Delete payload, RFC 7296 3.11.
//
//  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
// | Next Payload  |C|  RESERVED   |         Payload Length        |
// | Protocol ID   |   SPI Size    |          Num of SPIs          |
// ~               Security Parameter Index(es) (SPI)              ~
//
// SPI Size defaults to 0 for IKE and 4 for AH/ESP when no SPI is listed.
#pragma once

#include <optional>
#include <vector>

#include "harness/codec/fields.h"

namespace ikeh::codec {

struct DeletePayload {
  ProtocolId protocol_id = ProtocolId::IKE;
  std::optional<uint8_t> spi_size;
  std::optional<uint16_t> num_spis;
  std::vector<Bytes> spis;

  std::size_t computed_spi_size() const {
    if (!spis.empty()) return spis.front().size();
    return protocol_id == ProtocolId::AH || protocol_id == ProtocolId::ESP ? 4 : 0;
  }

  template <class Io>
  void fields(Io& io) {
    io.num("protocol_id", protocol_id);
    auto size = io.slot("spi_size", spi_size);
    auto count = io.slot("num_spis", num_spis);
    io.bytes_list("spi", spis, size.wire, count.wire);
    io.fill(size, computed_spi_size());
    io.fill(count, spis.size());
  }
};

}  // namespace ikeh::codec
