// SPDX-License-Identifier: Apache-2.0
// Reads pcap and pcapng captures (through libtins and libpcap) and yields,
// frame by frame, the UDP datagrams on the IKE ports, classified with
// classify_udp(). Link types: Ethernet, Linux cooked (SLL), raw IP and
// loopback/null; IPv4 and IPv6; IPv4 fragments are reassembled so large IKE
// messages decode (the datagram is reported at the frame that completed it).
//
// Nothing here throws: a frame libtins cannot parse becomes a frame with an
// error, a damaged capture ends the read with ReadStatus::Failed.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "harness/core/bytes.h"
#include "harness/core/result.h"
#include "net/udp_framing.h"

namespace ikeh::net {

struct CaptureOptions {
  // A UDP datagram is picked when its source or destination port is listed.
  std::vector<uint16_t> ports{kIkePort, kNatTPort};
  // Of those, datagrams with either port listed here use the RFC 3948 framing
  // (non-ESP marker, ESP, keepalive); the others carry bare IKE messages.
  std::vector<uint16_t> natt_ports{kNatTPort};
};

enum class FrameKind : uint8_t {
  Datagram,  // a UDP datagram on an IKE port: payload and datagram are set
  Other,     // anything else (other traffic, non-UDP, other ports)
  Fragment,  // an IPv4 fragment held until its datagram is complete
  Error,     // the frame could not be parsed; error says why
};

struct CaptureFrame {
  uint64_t number = 0;  // 1-based, counting every frame in the file
  int64_t seconds = 0;  // capture timestamp, seconds since the epoch
  uint32_t microseconds = 0;
  FrameKind kind = FrameKind::Other;
  std::string src;  // dotted IPv4 or RFC 5952 IPv6 text; empty when unknown
  std::string dst;
  uint16_t sport = 0;
  uint16_t dport = 0;
  bool snapped = false;  // the frame was cut by the capture's snap length
  core::Bytes payload;   // UDP payload (Datagram only)
  Datagram datagram;     // classification of payload (Datagram only)
  std::string error;     // Error only: one line, no file name or frame number

  double time() const { return static_cast<double>(seconds) + microseconds / 1e6; }
};

enum class ReadStatus : uint8_t { Frame, End, Failed };

class CaptureReader {
 public:
  // Opens a pcap or pcapng file. Fails (error.reason holds the libpcap or
  // system text, error.where is empty) when the file is missing, unreadable,
  // not a capture, or uses a link type other than the four supported.
  static core::Result<CaptureReader> open(const std::string& path, CaptureOptions options = {});

  CaptureReader(CaptureReader&&) noexcept;
  CaptureReader& operator=(CaptureReader&&) noexcept;
  ~CaptureReader();

  // Reads the next frame into `out`. Returns Frame, End at a clean end of
  // file, or Failed when the file is damaged (truncated record, bad block):
  // failure() then says why and every later call returns Failed again.
  ReadStatus next(CaptureFrame& out);

  // Why next() returned Failed: "truncated capture: <libpcap reason>" for a
  // file cut short, else "damaged capture: <libpcap reason>".
  const std::string& failure() const;

  // The libpcap link type (DLT_*) of the capture.
  int link_type() const;

 private:
  struct Impl;
  explicit CaptureReader(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace ikeh::net
