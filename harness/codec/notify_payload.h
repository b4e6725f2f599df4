// SPDX-License-Identifier: Apache-2.0
// Notify payload, RFC 7296 3.10.
//
//  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
// | Next Payload  |C|  RESERVED   |         Payload Length        |
// |  Protocol ID  |   SPI Size    |      Notify Message Type      |
// ~                Security Parameter Index (SPI)                 ~
// ~                       Notification Data                       ~
#pragma once

#include <optional>

#include "harness/codec/fields.h"

namespace ikeh::codec {

// How the data of well-known notify types is shown.
Show notify_data_show(NotifyType t);

struct NotifyPayload {
  ProtocolId protocol_id = ProtocolId::NONE;
  std::optional<uint8_t> spi_size;
  NotifyType type = NotifyType::INITIAL_CONTACT;
  Bytes spi;
  Bytes data;

  NotifyPayload() = default;
  explicit NotifyPayload(NotifyType t, Bytes d = {}) : type(t), data(std::move(d)) {}

  template <class Io>
  void fields(Io& io) {
    io.num("protocol_id", protocol_id);
    auto size = io.slot("spi_size", spi_size);
    io.num("notify_type", type);
    io.bytes_n("spi", spi, size.wire);
    io.bytes("notification_data", data, notify_data_show(type));
    io.fill(size, spi.size());
  }
};

}  // namespace ikeh::codec
