// SPDX-License-Identifier: Apache-2.0
#include "reports/pcap_writer.h"

#include <pcap/pcap.h>
#include <sys/time.h>

#include <tins/ethernetII.h>
#include <tins/ip.h>
#include <tins/ipv6.h>
#include <tins/packet.h>
#include <tins/packet_writer.h>
#include <tins/rawpdu.h>
#include <tins/sll.h>
#include <tins/udp.h>

namespace ikeh::reports {
struct RawIpLink;
struct NullLink;
}  // namespace ikeh::reports

// libtins names only the link types it has PDU classes for; raw IP and
// DLT_NULL files are written as prepared bytes under these tags.
namespace Tins {
template <>
struct DataLinkType<ikeh::reports::RawIpLink> {
  static const int type = DLT_RAW;
  int get_type() const { return type; }
};
template <>
struct DataLinkType<ikeh::reports::NullLink> {
  static const int type = DLT_NULL;
  int get_type() const { return type; }
};
}  // namespace Tins

namespace ikeh::reports {

namespace {

const Tins::EthernetII::address_type kMacA("02:00:00:00:0a:01");
const Tins::EthernetII::address_type kMacB("02:00:00:00:0b:01");

}  // namespace

struct PcapWriter::Impl {
  LinkType link = LinkType::Ethernet;
  std::unique_ptr<Tins::PacketWriter> writer;
  uint16_t ip_id = 0;
  uint64_t frames = 0;

  // Wraps a serialized IP packet in the link layer and writes it.
  void emit(const Tins::PDU& ip, bool v6, int64_t sec, uint32_t usec) {
    timeval tv{};
    tv.tv_sec = static_cast<time_t>(sec);
    tv.tv_usec = static_cast<suseconds_t>(usec);
    Tins::Timestamp ts(tv);
    switch (link) {
      case LinkType::Ethernet: {
        Tins::EthernetII eth(kMacB, kMacA);
        eth /= ip;
        Tins::Packet p(eth, ts);
        writer->write(p);
        break;
      }
      case LinkType::LinuxCooked: {
        Tins::SLL sll;
        sll.packet_type(4);  // sent by us
        sll.lladdr_type(1);  // Ethernet
        sll.address(kMacA);
        sll /= ip;
        Tins::Packet p(sll, ts);
        writer->write(p);
        break;
      }
      case LinkType::RawIp: {
        Tins::Packet p(ip, ts);
        writer->write(p);
        break;
      }
      case LinkType::Null: {
        auto bytes = const_cast<Tins::PDU&>(ip).serialize();
        // DLT_NULL carries the address family in the writing host's byte
        // order; write little-endian (AF_INET 2, BSD AF_INET6 24) so the
        // file is the same everywhere.
        uint32_t family = v6 ? 24 : 2;
        Tins::RawPDU::payload_type frame{static_cast<uint8_t>(family), 0, 0, 0};
        frame.insert(frame.end(), bytes.begin(), bytes.end());
        Tins::RawPDU raw(frame.data(), static_cast<uint32_t>(frame.size()));
        Tins::Packet p(raw, ts);
        writer->write(p);
        break;
      }
    }
    ++frames;
  }
};

PcapWriter::PcapWriter(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
PcapWriter::PcapWriter(PcapWriter&&) noexcept = default;
PcapWriter& PcapWriter::operator=(PcapWriter&&) noexcept = default;
PcapWriter::~PcapWriter() = default;

core::Result<PcapWriter> PcapWriter::open(const std::string& path, LinkType link) {
  auto impl = std::make_unique<Impl>();
  impl->link = link;
  try {
    switch (link) {
      case LinkType::Ethernet:
        impl->writer = std::make_unique<Tins::PacketWriter>(path, Tins::DataLinkType<Tins::EthernetII>());
        break;
      case LinkType::LinuxCooked:
        impl->writer = std::make_unique<Tins::PacketWriter>(path, Tins::DataLinkType<Tins::SLL>());
        break;
      case LinkType::RawIp:
        impl->writer = std::make_unique<Tins::PacketWriter>(path, Tins::DataLinkType<RawIpLink>());
        break;
      case LinkType::Null:
        impl->writer = std::make_unique<Tins::PacketWriter>(path, Tins::DataLinkType<NullLink>());
        break;
    }
  } catch (const std::exception& e) {
    core::Error err;
    err.reason = std::string("cannot create the capture: ") + e.what();
    return err;
  }
  return PcapWriter(std::move(impl));
}

core::Status PcapWriter::write_udp(const Endpoint& src, const Endpoint& dst, core::BytesView payload, int64_t sec,
                                   uint32_t usec, std::size_t mtu) {
  auto fail = [](std::string reason) {
    core::Error e;
    e.reason = std::move(reason);
    return e;
  };
  bool v6 = src.address.find(':') != std::string::npos;
  if (v6 != (dst.address.find(':') != std::string::npos)) return fail("source and destination families differ");
  try {
    Tins::UDP udp(dst.port, src.port);
    udp /= Tins::RawPDU(payload.data(), static_cast<uint32_t>(payload.size()));
    if (v6) {
      Tins::IPv6 ip(Tins::IPv6Address(dst.address), Tins::IPv6Address(src.address));
      ip.hop_limit(64);
      ip /= udp;
      impl_->emit(ip, true, sec, usec);
      return {};
    }
    Tins::IP ip(Tins::IPv4Address(dst.address), Tins::IPv4Address(src.address));
    ip.ttl(64);
    ip.id(++impl_->ip_id);
    ip /= udp;
    auto whole = ip.serialize();
    if (whole.size() <= mtu) {
      impl_->emit(ip, false, sec, usec);
      return {};
    }
    // RFC 791: every fragment but the last carries a multiple of 8 bytes.
    const std::size_t header = ip.header_size();
    const std::size_t chunk = (mtu - header) / 8 * 8;
    if (chunk == 0) return fail("mtu " + std::to_string(mtu) + " leaves no room for data");
    for (std::size_t off = header; off < whole.size(); off += chunk) {
      std::size_t n = std::min(chunk, whole.size() - off);
      Tins::IP frag(Tins::IPv4Address(dst.address), Tins::IPv4Address(src.address));
      frag.ttl(64);
      frag.id(impl_->ip_id);
      frag.protocol(17);
      frag.fragment_offset(static_cast<uint16_t>((off - header) / 8));
      frag.flags(off + n < whole.size() ? Tins::IP::MORE_FRAGMENTS : Tins::IP::Flags(0));
      frag /= Tins::RawPDU(whole.data() + off, static_cast<uint32_t>(n));
      impl_->emit(frag, false, sec, usec);
    }
    return {};
  } catch (const std::exception& e) {
    return fail(std::string("cannot write the datagram: ") + e.what());
  }
}

core::Status PcapWriter::write_ike(const Endpoint& src, const Endpoint& dst, core::BytesView ike, int64_t sec,
                                   uint32_t usec, std::size_t mtu) {
  if (src.port != 4500 && dst.port != 4500) return write_udp(src, dst, ike, sec, usec, mtu);
  core::Bytes framed(4, 0);
  framed.insert(framed.end(), ike.begin(), ike.end());
  return write_udp(src, dst, framed, sec, usec, mtu);
}

uint64_t PcapWriter::frames() const { return impl_->frames; }

}  // namespace ikeh::reports
