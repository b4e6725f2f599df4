// SPDX-License-Identifier: Apache-2.0
// How Cisco IOS writes IKEv2 things in its `debug crypto ikev2` lines
// (../shared/reference/flexvpn-ikev2-trace.txt), shared by the hub's and the
// spoke's event logs. Values only: none of these ever prints a secret (the
// group password attribute is shown by its length alone).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "harness/codec/cp_payload.h"
#include "harness/codec/payload.h"
#include "harness/core/bytes.h"

namespace ikeh::flexvpn {

// "10.150.3.1" for 4 octets, the RFC 5952 form for 16, hex otherwise.
std::string ip_text(core::BytesView address);
// "192.168.1.1 255.255.255.255" for an 8-octet INTERNAL_IP4_SUBNET value,
// hex otherwise.
std::string subnet_text(core::BytesView value);
// "Attrib type: ipv4-addr, length: 4, data: 192.168.1.13"; a zero-length
// attribute has no data part ("Attrib type: ipv4-subnet, length: 0"); a type
// IOS has no name for is its number; the data of the group password and of
// attributes of unknown meaning is not shown.
std::string attribute_text(const codec::CfgAttribute& a);
// A 64-bit SPI as 16 upper-case hex digits ("98DB5FD5979EAC12").
std::string spi_text(uint64_t spi);
// "VID IDi AUTH CFG SA TSi TSr NOTIFY(INITIAL_CONTACT) NOTIFY(SET_WINDOW_SIZE)
// NOTIFY(ESP_TFC_NO_SUPPORT) NOTIFY(NON_FIRST_FRAGS)": IOS's payload names.
std::string payload_list(const std::vector<codec::Payload>& payloads);

}  // namespace ikeh::flexvpn
