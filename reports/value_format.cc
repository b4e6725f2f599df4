// SPDX-License-Identifier: Apache-2.0
#include "reports/value_format.h"

#include <arpa/inet.h>

#include "harness/core/bytes.h"
#include "reports/datagram_record.h"

namespace ikeh::reports {

namespace {

std::string ip_text(const uint8_t* p, int family) {
  char buf[INET6_ADDRSTRLEN] = {};
  if (!inet_ntop(family, p, buf, sizeof buf)) return {};
  return buf;
}

}  // namespace

std::optional<std::string> render_bytes(core::BytesView d, codec::Show show, codec::Namer u16_namer) {
  using codec::Show;
  if (d.empty()) return std::nullopt;
  switch (show) {
    case Show::Hex:
      return std::nullopt;
    case Show::Text:
      for (uint8_t c : d)
        if (c < 0x20 || c > 0x7e) return std::nullopt;
      return std::string(d.begin(), d.end());
    case Show::Ipv4:
      if (d.size() != 4) return std::nullopt;
      return ip_text(d.data(), AF_INET);
    case Show::Ipv6:
      if (d.size() != 16) return std::nullopt;
      return ip_text(d.data(), AF_INET6);
    case Show::Ipv4Subnet:
      if (d.size() != 8) return std::nullopt;
      return ip_text(d.data(), AF_INET) + "/" + ip_text(d.data() + 4, AF_INET);
    case Show::Ipv6Prefix:
      if (d.size() != 17) return std::nullopt;
      return ip_text(d.data(), AF_INET6) + "/" + std::to_string(d[16]);
    case Show::Uint: {
      if (d.size() > 8) return std::nullopt;
      uint64_t v = 0;
      for (uint8_t b : d) v = v << 8 | b;
      return std::to_string(v);
    }
    case Show::U16List: {
      if (d.size() % 2 != 0) return std::nullopt;
      std::string s;
      for (std::size_t i = 0; i < d.size(); i += 2) {
        uint32_t v = uint32_t{d[i]} << 8 | d[i + 1];
        if (!s.empty()) s += ", ";
        std::string_view name = u16_namer ? u16_namer(v) : std::string_view{};
        s += name.empty() ? std::to_string(v) : std::string(name);
      }
      return s;
    }
  }
  return std::nullopt;
}

std::string short_hex(core::BytesView d, std::size_t max_bytes) {
  if (d.empty()) return "(empty)";
  if (d.size() <= max_bytes) return core::to_hex(d);
  return core::to_hex(d.first(16)) + "... (" + std::to_string(d.size()) + " bytes)";
}

std::string hex64(uint64_t v) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string s(16, '0');
  for (int i = 15; i >= 0; --i, v >>= 4) s[i] = kDigits[v & 0xf];
  return s;
}

std::string format_number(uint64_t v, unsigned width, codec::NumFmt fmt) {
  if (!fmt.hex) return std::to_string(v);
  std::string h = hex64(v);
  return "0x" + h.substr(16 - 2 * std::min(width, 8u));
}

codec::Namer u16_namer_for(codec::PayloadType t) {
  if (t == codec::PayloadType::N) return &codec::name_raw<codec::HashAlgorithm>;
  if (t == codec::PayloadType::CP) return &codec::name_raw<codec::CfgAttributeType>;
  return nullptr;
}

std::string_view name_for(codec::NumFmt fmt, uint64_t v) {
  if (!fmt.namer || v > 0xffffffffu) return {};
  return fmt.namer(static_cast<uint32_t>(v));
}

const char* kind_name(DatagramKind k) {
  switch (k) {
    case DatagramKind::Ike: return "IKE";
    case DatagramKind::Esp: return "ESP";
    case DatagramKind::NatKeepalive: return "NAT-keepalive";
    case DatagramKind::Malformed: return "malformed";
  }
  return "malformed";
}

}  // namespace ikeh::reports
