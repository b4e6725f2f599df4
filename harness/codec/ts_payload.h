// SPDX-License-Identifier: Apache-2.0
// Traffic Selector payloads TSi and TSr, RFC 7296 3.13.
//
//  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
// | Next Payload  |C|  RESERVED   |         Payload Length        |
// | Number of TSs |                 RESERVED                      |
// ~                       <Traffic Selectors>                     ~
//
// Traffic selector (3.13.1):
// |   TS Type     |IP Protocol ID*|       Selector Length         |
// |           Start Port*         |           End Port*           |
// ~                         Starting Address*                     ~
// ~                         Ending Address*                       ~
//
// (*) for TS_IPV4_ADDR_RANGE and TS_IPV6_ADDR_RANGE. Selectors of other types
// keep the octet after the type and their body as raw bytes.
#pragma once

#include <optional>
#include <vector>

#include "harness/codec/fields.h"

namespace ikeh::codec {

struct TrafficSelector {
  TsType ts_type = TsType::TS_IPV4_ADDR_RANGE;
  uint8_t ip_protocol_id = 0;  // the reserved octet for types without one
  std::optional<uint16_t> length;
  uint16_t start_port = 0;
  uint16_t end_port = 65535;
  Bytes start_address;
  Bytes end_address;
  Bytes data;  // body of selectors of other types

  bool is_ip() const { return ts_type == TsType::TS_IPV4_ADDR_RANGE || ts_type == TsType::TS_IPV6_ADDR_RANGE; }
  std::size_t address_size() const { return ts_type == TsType::TS_IPV6_ADDR_RANGE ? 16 : 4; }

  template <class Io>
  void fields(Io& io, ListPos) {
    auto start = io.mark();
    io.num("ts_type", ts_type);
    io.num(is_ip() ? "ip_protocol_id" : "reserved", ip_protocol_id);
    auto len = io.slot("selector_length", length);
    std::size_t saved = 0;
    if (!io.open(len, start, "TS payload", saved, is_ip() ? 8 + 2 * address_size() : 4)) return;
    if (is_ip()) {
      Show show = ts_type == TsType::TS_IPV6_ADDR_RANGE ? Show::Ipv6 : Show::Ipv4;
      io.num("start_port", start_port);
      io.num("end_port", end_port);
      io.bytes_n("starting_address", start_address, address_size(), show);
      io.bytes_n("ending_address", end_address, address_size(), show);
      if constexpr (Io::kDecoding) data.clear();
    } else {
      io.bytes("selector_data", data);
      if constexpr (Io::kDecoding) {
        start_port = 0;
        end_port = 0;
        start_address.clear();
        end_address.clear();
      }
    }
    io.close(len, start, saved);
  }
};

struct TsPayload {
  std::optional<uint8_t> num_ts;
  uint32_t reserved = 0;  // 24 bits
  std::vector<TrafficSelector> selectors;

  template <class Io>
  void fields(Io& io) {
    auto count = io.slot("number_of_ts", num_ts);
    io.u24("reserved", reserved);
    io.list("traffic_selector", selectors);
    io.fill(count, selectors.size());
  }
};

}  // namespace ikeh::codec
