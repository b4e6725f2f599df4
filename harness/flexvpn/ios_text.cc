// SPDX-License-Identifier: Apache-2.0
#include "harness/flexvpn/ios_text.h"

#include <arpa/inet.h>

#include <cstdio>

#include "harness/codec/notify_payload.h"
#include "harness/codec/registry.h"
#include "harness/flexvpn/hub.h"

namespace ikeh::flexvpn {

using codec::CfgAttributeType;

std::string ip_text(core::BytesView address) {
  char buf[INET6_ADDRSTRLEN] = {};
  if (address.size() == 4 && inet_ntop(AF_INET, address.data(), buf, sizeof buf)) return buf;
  if (address.size() == 16 && inet_ntop(AF_INET6, address.data(), buf, sizeof buf)) return buf;
  return core::to_hex(address);
}

std::string subnet_text(core::BytesView value) {
  if (value.size() != 8) return core::to_hex(value);
  return ip_text(value.first(4)) + " " + ip_text(value.subspan(4));
}

std::string attribute_text(const codec::CfgAttribute& a) {
  const auto type = static_cast<uint16_t>(a.type);
  std::string name;
  enum { Address, Subnet, Text, Hidden } shown = Hidden;
  switch (a.type) {
    case CfgAttributeType::INTERNAL_IP4_ADDRESS: name = "ipv4-addr", shown = Address; break;
    case CfgAttributeType::INTERNAL_IP4_NETMASK: name = "ipv4-netmask", shown = Address; break;
    case CfgAttributeType::INTERNAL_IP4_DNS: name = "ipv4-dns", shown = Address; break;
    case CfgAttributeType::INTERNAL_IP4_NBNS: name = "ipv4-nbns", shown = Address; break;
    case CfgAttributeType::INTERNAL_IP4_SUBNET: name = "ipv4-subnet", shown = Subnet; break;
    case CfgAttributeType::INTERNAL_IP6_ADDRESS: name = "ipv6-addr"; break;
    case CfgAttributeType::INTERNAL_IP6_DNS: name = "ipv6-dns", shown = Address; break;
    case CfgAttributeType::INTERNAL_IP6_SUBNET: name = "ipv6-subnet"; break;
    case CfgAttributeType::APPLICATION_VERSION: name = "app-version", shown = Text; break;
    default:
      if (type == kGroupNameAttribute) {
        name = "username", shown = Text;
      } else if (type == kGroupPasswordAttribute) {
        name = "password";  // never its value
      } else {
        name = std::to_string(type);
      }
  }
  std::string out = "Attrib type: " + name + ", length: " + std::to_string(a.value.size());
  if (a.value.empty() || shown == Hidden) return out;
  if (shown == Address && (a.value.size() == 4 || a.value.size() == 16)) return out + ", data: " + ip_text(a.value);
  if (shown == Subnet) return out + ", data: " + subnet_text(a.value);
  if (shown == Text) return out + ", data: " + std::string(a.value.begin(), a.value.end());
  return out;
}

std::string spi_text(uint64_t spi) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llX", static_cast<unsigned long long>(spi));
  return buf;
}

std::string payload_list(const std::vector<codec::Payload>& payloads) {
  std::string out;
  for (const auto& p : payloads) {
    std::string token;
    switch (p.type) {
      case codec::PayloadType::V: token = "VID"; break;
      case codec::PayloadType::CP: token = "CFG"; break;
      case codec::PayloadType::D: token = "DELETE"; break;
      case codec::PayloadType::N: {
        const auto* n = p.as<codec::NotifyPayload>();
        std::string what = n ? codec::label(n->type) : "?";
        if (n && n->type == codec::NotifyType::ESP_TFC_PADDING_NOT_SUPPORTED) what = "ESP_TFC_NO_SUPPORT";
        if (n && n->type == codec::NotifyType::NON_FIRST_FRAGMENTS_ALSO) what = "NON_FIRST_FRAGS";
        token = "NOTIFY(" + what + ")";
        break;
      }
      default: token = codec::label(p.type);
    }
    if (!out.empty()) out += ' ';
    out += token;
  }
  return out;
}

}  // namespace ikeh::flexvpn
