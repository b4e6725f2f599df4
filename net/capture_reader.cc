// SPDX-License-Identifier: Apache-2.0
#include "net/capture_reader.h"

#include <pcap/pcap.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <tins/ethernetII.h>
#include <tins/exceptions.h>
#include <tins/ip.h>
#include <tins/ip_reassembler.h>
#include <tins/ipv6.h>
#include <tins/rawpdu.h>
#include <tins/sll.h>
#include <tins/sniffer.h>
#include <tins/udp.h>

namespace ikeh::net {

// Link types libpcap reports for raw IP captures: DLT_RAW is 12 on Linux and
// 14 on OpenBSD; 228/229 are the IPv4-only and IPv6-only variants.
namespace {
constexpr int kDltRawOpenBsd = 14;
constexpr int kDltIpv4 = 228;
constexpr int kDltIpv6 = 229;

bool supported_link_type(int dlt) {
  switch (dlt) {
    case DLT_EN10MB:
    case DLT_LINUX_SLL:
    case DLT_RAW:
    case kDltRawOpenBsd:
    case kDltIpv4:
    case kDltIpv6:
    case DLT_NULL:
    case DLT_LOOP:
      return true;
    default:
      return false;
  }
}

bool listed(const std::vector<uint16_t>& ports, uint16_t a, uint16_t b) {
  return std::find(ports.begin(), ports.end(), a) != ports.end() ||
         std::find(ports.begin(), ports.end(), b) != ports.end();
}

// Parses an IP packet by its version nibble; null when it is neither version.
std::unique_ptr<Tins::PDU> parse_ip(const uint8_t* data, uint32_t size) {
  if (size == 0) throw Tins::malformed_packet();
  switch (data[0] >> 4) {
    case 4: return std::make_unique<Tins::IP>(data, size);
    case 6: return std::make_unique<Tins::IPv6>(data, size);
    default: return nullptr;
  }
}

}  // namespace

struct CaptureReader::Impl {
  std::string path;
  CaptureOptions options;
  std::unique_ptr<Tins::FileSniffer> sniffer;
  Tins::IPv4Reassembler reassembler;
  uint64_t count = 0;
  bool failed = false;
  std::string failure;
  int dlt = 0;

  std::unique_ptr<Tins::PDU> parse_link(const uint8_t* data, uint32_t size) {
    switch (dlt) {
      case DLT_EN10MB: return std::make_unique<Tins::EthernetII>(data, size);
      case DLT_LINUX_SLL: return std::make_unique<Tins::SLL>(data, size);
      case DLT_NULL:
      case DLT_LOOP:
        // The 4-byte family is in the capturing host's byte order (DLT_NULL)
        // and BSDs disagree on the IPv6 value, so the IP version nibble
        // after it is the reliable signal.
        if (size < 4) throw Tins::malformed_packet();
        return parse_ip(data + 4, size - 4);
      default: return parse_ip(data, size);
    }
  }

  void fill(const pcap_pkthdr& hdr, const uint8_t* data, CaptureFrame& out) {
    out.snapped = hdr.caplen < hdr.len;
    std::unique_ptr<Tins::PDU> pdu = parse_link(data, hdr.caplen);
    if (!pdu) return;
    if (auto* ip = pdu->find_pdu<Tins::IP>()) {
      out.src = ip->src_addr().to_string();
      out.dst = ip->dst_addr().to_string();
      auto status = reassembler.process(*pdu);
      if (status == Tins::IPv4Reassembler::FRAGMENTED) {
        out.kind = FrameKind::Fragment;
        return;
      }
    } else if (auto* ip6 = pdu->find_pdu<Tins::IPv6>()) {
      out.src = ip6->src_addr().to_string();
      out.dst = ip6->dst_addr().to_string();
    } else {
      return;
    }
    auto* udp = pdu->find_pdu<Tins::UDP>();
    if (!udp) return;
    out.sport = udp->sport();
    out.dport = udp->dport();
    if (!listed(options.ports, out.sport, out.dport)) return;
    if (Tins::PDU* inner = udp->inner_pdu()) {
      auto bytes = inner->serialize();
      out.payload.assign(bytes.begin(), bytes.end());
    }
    // Trim link-layer padding (Ethernet pads short frames to 60 bytes) by
    // the UDP length; a shorter capture keeps what is there.
    if (udp->length() >= 8 && udp->length() - 8u < out.payload.size()) out.payload.resize(udp->length() - 8u);
    out.kind = FrameKind::Datagram;
    out.datagram = classify_udp(out.payload, listed(options.natt_ports, out.sport, out.dport));
  }
};

CaptureReader::CaptureReader(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
CaptureReader::CaptureReader(CaptureReader&&) noexcept = default;
CaptureReader& CaptureReader::operator=(CaptureReader&&) noexcept = default;
CaptureReader::~CaptureReader() = default;

core::Result<CaptureReader> CaptureReader::open(const std::string& path, CaptureOptions options) {
  auto fail = [](std::string reason) {
    core::Error e;
    e.reason = std::move(reason);
    return e;
  };
  // libpcap's own message for a missing file repeats the path; check first
  // so the caller can prefix the path once.
  if (std::FILE* f = std::fopen(path.c_str(), "rb")) {
    std::fclose(f);
  } else {
    return fail(std::string("cannot open: ") + std::strerror(errno));
  }
  auto impl = std::make_unique<Impl>();
  impl->path = path;
  impl->options = std::move(options);
  try {
    impl->sniffer = std::make_unique<Tins::FileSniffer>(path, Tins::SnifferConfiguration());
  } catch (const std::exception& e) {
    return fail(std::string("not a pcap or pcapng capture (") + e.what() + ")");
  }
  impl->dlt = pcap_datalink(impl->sniffer->get_pcap_handle());
  if (!supported_link_type(impl->dlt)) {
    const char* name = pcap_datalink_val_to_name(impl->dlt);
    return fail("unsupported link type " + std::to_string(impl->dlt) + (name ? std::string(" (") + name + ")" : "") +
                "; supported: Ethernet, Linux cooked, raw IP, loopback/null");
  }
  return CaptureReader(std::move(impl));
}

ReadStatus CaptureReader::next(CaptureFrame& out) {
  Impl& s = *impl_;
  if (s.failed) return ReadStatus::Failed;
  pcap_pkthdr* hdr = nullptr;
  const u_char* data = nullptr;
  int rc = pcap_next_ex(s.sniffer->get_pcap_handle(), &hdr, &data);
  if (rc == PCAP_ERROR_BREAK) return ReadStatus::End;
  if (rc != 1) {
    std::string reason = pcap_geterr(s.sniffer->get_pcap_handle());
    s.failed = true;
    s.failure = (reason.find("truncated") != std::string::npos ? "truncated capture: " : "damaged capture: ") + reason;
    return ReadStatus::Failed;
  }
  out = CaptureFrame{};
  out.number = ++s.count;
  out.seconds = hdr->ts.tv_sec;
  out.microseconds = static_cast<uint32_t>(hdr->ts.tv_usec);
  try {
    s.fill(*hdr, data, out);
  } catch (const std::exception& e) {
    out.kind = FrameKind::Error;
    out.payload.clear();
    out.error = std::string("cannot parse the frame (") + e.what() + ")";
    if (out.snapped) out.error += "; it was cut by the capture's snap length";
  }
  return ReadStatus::Frame;
}

const std::string& CaptureReader::failure() const { return impl_->failure; }

int CaptureReader::link_type() const { return impl_->dlt; }

}  // namespace ikeh::net
