// SPDX-License-Identifier: Apache-2.0
// Writes UDP datagrams into a pcap file through libtins (PacketWriter with
// EthernetII / IP / UDP / RawPDU), for the sample generator, tests and
// reports that hand traffic to Wireshark. Output is deterministic: fixed MAC
// addresses, IP IDs counting from 1, timestamps as given.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "harness/core/bytes.h"
#include "harness/core/result.h"

namespace ikeh::reports {

enum class LinkType : uint8_t {
  Ethernet,     // DLT_EN10MB
  LinuxCooked,  // DLT_LINUX_SLL
  RawIp,        // DLT_RAW
  Null,         // DLT_NULL (BSD loopback, host-order family)
};

struct Endpoint {
  std::string address;  // IPv4 dotted or IPv6 text; both ends the same family
  uint16_t port = 0;
};

class PcapWriter {
 public:
  // Creates (truncates) the file. Fails with the libpcap reason when the file
  // cannot be created.
  static core::Result<PcapWriter> open(const std::string& path, LinkType link = LinkType::Ethernet);

  PcapWriter(PcapWriter&&) noexcept;
  PcapWriter& operator=(PcapWriter&&) noexcept;
  ~PcapWriter();

  // Writes one UDP datagram at the given time. An IPv4 packet longer than
  // mtu is split into fragments (one frame each) the way a host would.
  // Fails when an address does not parse or the families differ.
  core::Status write_udp(const Endpoint& src, const Endpoint& dst, core::BytesView payload, int64_t seconds,
                         uint32_t microseconds, std::size_t mtu = 1500);

  // Writes one IKE message as a real host sends it: UDP between the given
  // addresses and ports, and, when either port is 4500, after the 4-byte
  // non-ESP marker (RFC 3948 2.2, RFC 7296 2.23) so readers tell it from ESP.
  // Same errors as write_udp().
  core::Status write_ike(const Endpoint& src, const Endpoint& dst, core::BytesView ike, int64_t seconds,
                         uint32_t microseconds, std::size_t mtu = 1500);

  // Frames written so far (fragments count one each).
  uint64_t frames() const;

 private:
  struct Impl;
  explicit PcapWriter(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace ikeh::reports
