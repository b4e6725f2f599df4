// SPDX-License-Identifier: Apache-2.0
#include "harness/codec/payload.h"

#include <cstring>

#include "harness/codec/message_io.h"

namespace ikeh::codec {

bool is_understood(PayloadType t) {
  switch (t) {
#define IKEH_UNDERSTOOD_CASE(T, Body) case PayloadType::T:
    IKEH_PAYLOAD_BODIES(IKEH_UNDERSTOOD_CASE)
#undef IKEH_UNDERSTOOD_CASE
    return true;
    default:
      return false;
  }
}

PayloadBody empty_body(PayloadType t) {
  PayloadBody b;
  with_body_for(t, b, [](auto&) {});
  return b;
}

core::Result<PayloadBody> decode_body(PayloadType type, BytesView data) {
  Decoder<> io(data);
  PayloadBody b;
  io.enter(nullptr, 0, type);
  with_body_for(type, b, [&](auto& body) { body.fields(io); });
  if (io.ok() && !io.at_end()) io.fail("payload_length", std::to_string(io.remaining()) + " bytes after the last field");
  if (!io.ok()) return io.error();
  return b;
}

Bytes encode_body(const PayloadBody& cb) {
  auto& b = const_cast<PayloadBody&>(cb);  // the encoder only reads
  Bytes out;
  Encoder io(out);
  std::visit([&](auto& body) { body.fields(io); }, b);
  io.finish();
  return out;
}

Payload make_notify(NotifyType type, Bytes data, ProtocolId protocol, Bytes spi) {
  NotifyPayload n(type, std::move(data));
  n.protocol_id = protocol;
  n.spi = std::move(spi);
  return Payload(PayloadType::N, std::move(n));
}

Payload make_nonce(Bytes data) { return Payload(PayloadType::NONCE, NoncePayload{std::move(data)}); }

Payload make_vendor_id(Bytes data) { return Payload(PayloadType::V, VendorIdPayload{std::move(data)}); }

Show notify_data_show(NotifyType t) {
  switch (t) {
    case NotifyType::UNSUPPORTED_CRITICAL_PAYLOAD:
    case NotifyType::INVALID_KE_PAYLOAD:
    case NotifyType::INVALID_MESSAGE_ID:
    case NotifyType::SET_WINDOW_SIZE:
    case NotifyType::AUTH_LIFETIME:
      return Show::Uint;
    case NotifyType::SIGNATURE_HASH_ALGORITHMS:
      return Show::U16List;
    default:
      return Show::Hex;
  }
}

Show cfg_attribute_show(CfgAttributeType t) {
  switch (t) {
    case CfgAttributeType::INTERNAL_IP4_ADDRESS:
    case CfgAttributeType::INTERNAL_IP4_NETMASK:
    case CfgAttributeType::INTERNAL_IP4_DNS:
    case CfgAttributeType::INTERNAL_IP4_NBNS:
    case CfgAttributeType::INTERNAL_IP4_DHCP:
    case CfgAttributeType::P_CSCF_IP4_ADDRESS:
      return Show::Ipv4;
    case CfgAttributeType::INTERNAL_IP4_SUBNET:
      return Show::Ipv4Subnet;
    case CfgAttributeType::INTERNAL_IP6_ADDRESS:
    case CfgAttributeType::INTERNAL_IP6_SUBNET:
      return Show::Ipv6Prefix;
    case CfgAttributeType::INTERNAL_IP6_DNS:
    case CfgAttributeType::INTERNAL_IP6_DHCP:
    case CfgAttributeType::P_CSCF_IP6_ADDRESS:
      return Show::Ipv6;
    case CfgAttributeType::APPLICATION_VERSION:
    case CfgAttributeType::INTERNAL_DNS_DOMAIN:
      return Show::Text;
    case CfgAttributeType::SUPPORTED_ATTRIBUTES:
      return Show::U16List;
    default:
      return Show::Hex;
  }
}

namespace {

struct KnownVid {
  const char* name;
  const char* bytes;
  std::size_t size;
  bool prefix;  // vendors append version or flag bytes
};

// Public, well-known vendor IDs (ASCII strings or MD5 hashes).
constexpr KnownVid kVids[] = {
    {"strongSwan", "\x88\x2f\xe5\x6d\x6f\xd2\x0d\xbc\x22\x75\xa5\xa1\x8e\x7f\x4f\x4e", 16, false},
    {"RFC 3706 DPD", "\xaf\xca\xd7\x13\x68\xa1\xf1\xc9\x6b\x86\x96\xfc\x77\x57\x01\x00", 16, false},
    {"Cisco fragmentation (FRAGMENTATION)", "\x40\x48\xb7\xd5\x6e\xbc\xe8\x85\x25\xe7\xde\x7f\x00\xd6\xc2\xd3", 16, true},
    {"Cisco Delete Reason", "CISCO-DELETE-REASON", 19, false},
    {"Cisco FlexVPN supported", "FLEXVPN-SUPPORTED", 17, false},
    {"Cisco copyright", "CISCO(COPYRIGHT)&Copyright (c) 2009 Cisco Systems, Inc.", 55, false},
    {"Cisco GRE mode", "CISCO-GRE-MODE", 14, false},
    {"Cisco dynamic route", "CISCO-DYNAMIC-ROUTE", 19, false},
    {"Cisco VPN rev 02", "CISCOVPN-REV-02", 15, false},
    {"MS NT5 ISAKMPOAKLEY", "\x1e\x2b\x51\x69\x05\x99\x1c\x7d\x7c\x96\xfc\xbf\xb5\x87\xe4\x61", 16, true},
};

}  // namespace

std::string_view known_vendor_id(BytesView vid) {
  for (const auto& k : kVids) {
    if (vid.size() < k.size || (!k.prefix && vid.size() != k.size)) continue;
    if (std::memcmp(vid.data(), k.bytes, k.size) == 0) return k.name;
  }
  return {};
}

}  // namespace ikeh::codec
