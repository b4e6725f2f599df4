// SPDX-License-Identifier: Apache-2.0
// IKEv2 over UDP (RFC 7296 2.23, RFC 3948 2.2) with plain POSIX sockets, for
// runs against an external peer. One local address, IPv4 or IPv6, with an IKE
// socket and optionally a NAT-T socket on any port pair (500/4500 by default;
// high ports let peers run without root). Messages sent on the NAT-T socket
// carry the four-zero non-ESP marker; received datagrams are classified with
// classify_udp. Outgoing datagrams pass through the same FaultInjector as the
// in-memory link, with delays measured on an injected Clock, so a scenario's
// network faults mean the same over UDP as in self mode. Every datagram is
// recorded for the pcap writer. Single-threaded; nothing throws.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include <sys/socket.h>

#include "harness/core/bytes.h"
#include "harness/core/clock.h"
#include "harness/core/result.h"
#include "net/fault.h"
#include "net/memory_link.h"
#include "net/udp_framing.h"

namespace ikeh::net {

// Which of the transport's two sockets.
enum class LocalSocket : uint8_t { Ike, NatT };

// "IKE", "NAT-T".
std::string_view name_of(LocalSocket s);

struct UdpConfig {
  // Numeric IPv4 or IPv6 address ("127.0.0.1", "::1", "0.0.0.0", "::",
  // "fe80::1%eth0"). Host names are refused: a test names its addresses.
  std::string local_address = "0.0.0.0";
  // 0 lets the system pick a free port; local_port() reports it.
  uint16_t ike_port = kIkePort;
  // Empty: no NAT-T socket. 0: a free port picked by the system.
  std::optional<uint16_t> natt_port = kNatTPort;
  // The side this transport plays; it fixes the FaultInjector direction of
  // what it sends (an initiator sends InitiatorToResponder) and the
  // direction recorded for what it receives.
  Side role = Side::Initiator;
  std::vector<FaultRule> faults;
  uint64_t seed = 0;
};

// One datagram taken from a socket.
struct UdpDatagram {
  std::string from_address;  // numeric, without brackets
  uint16_t from_port = 0;
  LocalSocket socket = LocalSocket::Ike;
  uint16_t local_port = 0;
  core::Bytes bytes;  // the UDP payload as received, marker included
  Datagram kind;      // classify_udp(bytes, socket == NatT)
  core::TimePoint time{0};
  uint64_t packet_index = 0;  // n-th datagram received by this transport, 1-based

  // The IKE message with any non-ESP marker stripped; empty unless kind.kind
  // is DatagramKind::Ike.
  core::BytesView ike_message() const;
};

struct UdpRecord {
  enum class Event : uint8_t {
    Offered,   // handed to send(), before any fault; bytes as they would go out
    Sent,      // written to the socket (after faults, at its delayed time)
    Received,  // read from a socket
  };
  Event event = Event::Offered;
  core::TimePoint time{0};
  Direction direction = Direction::InitiatorToResponder;
  LocalSocket socket = LocalSocket::Ike;
  std::string local_address;
  uint16_t local_port = 0;
  std::string remote_address;
  uint16_t remote_port = 0;
  uint64_t packet_index = 0;    // Offered/Sent: the injector's index; Received: UdpDatagram's
  bool non_esp_marker = false;  // the bytes start with the RFC 3948 marker
  core::Bytes bytes;            // the UDP payload
};

class UdpTransport {
 public:
  // Opens and binds the sockets. Errors are one line naming the step and the
  // address: "bind 127.0.0.1:500: Permission denied", "bind [::1]:4500:
  // Address already in use", "bind host:500: not a numeric IPv4 or IPv6
  // address". `clock` must outlive the transport.
  static core::Result<UdpTransport> open(const UdpConfig& config, const core::Clock& clock);

  UdpTransport(UdpTransport&& other) noexcept;
  UdpTransport& operator=(UdpTransport&& other) noexcept;
  UdpTransport(const UdpTransport&) = delete;
  UdpTransport& operator=(const UdpTransport&) = delete;
  ~UdpTransport();

  // The local address as configured, and the bound port of a socket (the
  // picked one when configured as 0); 0 for NatT when there is no NAT-T socket.
  const std::string& local_address() const { return local_address_; }
  uint16_t local_port(LocalSocket s = LocalSocket::Ike) const;
  bool has_natt() const { return fd_[1] >= 0; }
  Side role() const { return role_; }

  // Sends an IKE message to `to_address`:`to_port` from the IKE socket, or
  // from the NAT-T socket with the non-ESP marker prepended (RFC 3948 2.2).
  // The datagram passes through the fault injector: copies without delay go
  // out now, delayed ones wait for service(), held ones for a later send or
  // flush_held(). Errors: an address that is not numeric or not of the local
  // address's family, via_natt without a NAT-T socket, or a failed sendto for
  // a copy sent now ("send to 192.0.2.1:500: Network is unreachable"); the
  // datagram is not offered to the injector when the destination is invalid.
  core::Status send(std::string_view to_address, uint16_t to_port, core::BytesView ike_message, bool via_natt = false);
  // As send(), but the bytes go out exactly as given, without a marker: ESP
  // packets, NAT-keepalives (0xFF), or deliberately wrong framing.
  core::Status send_raw(std::string_view to_address, uint16_t to_port, core::BytesView payload, bool via_natt = false);

  // Sends every queued copy due at or before clock.now(), in due order (ties
  // in the order queued). Returns how many were sent, or the first sendto
  // error (the copies after it are still attempted and the failed one is
  // dropped, so one unreachable destination cannot wedge the queue).
  core::Result<std::size_t> service();
  // Releases datagrams held by reorder rules (end of a run) and sends or
  // queues them like fresh copies. Same result as service().
  core::Result<std::size_t> flush_held();
  // Copies queued for a later time.
  std::size_t queued() const { return queue_.size(); }
  // Due time of the earliest queued copy; nullopt when none is queued.
  std::optional<core::TimePoint> next_due() const;

  // Takes one waiting datagram from either socket without blocking (the
  // sockets are read in turn, so a busy one cannot starve the other).
  // nullopt when none is waiting; an error when recvfrom fails.
  core::Result<std::optional<UdpDatagram>> receive();
  // Waits up to `timeout` of real time (poll(2) against a steady-clock
  // deadline) for a datagram. Queued copies are sent by service() before
  // each wait, and each wait ends no later than the next copy is due on the
  // transport's clock, so with a SystemClock delayed sends leave on time
  // while the caller waits (a send error from service() is returned as this
  // call's error). nullopt once the deadline passes.
  core::Result<std::optional<UdpDatagram>> receive(core::Duration timeout);

  // Every datagram offered, sent and received, in the order it happened.
  const std::vector<UdpRecord>& records() const { return records_; }
  FaultInjector& faults() { return faults_; }
  const FaultInjector& faults() const { return faults_; }

 private:
  // A parsed peer address and the local socket to send from.
  struct Destination {
    sockaddr_storage addr{};
    socklen_t len = 0;
    std::string address;
    uint16_t port = 0;
    int slot = 0;  // 0: IKE socket, 1: NAT-T socket
  };
  struct Pending {
    Destination dest;
    Delivery delivery;
  };

  UdpTransport(const core::Clock& clock, const UdpConfig& config);
  void close_all();
  core::Status offer(std::string_view to_address, uint16_t to_port, core::BytesView payload, bool marker,
                     bool via_natt);
  core::Result<std::size_t> dispatch(const Destination& dest, std::vector<Delivery> deliveries);
  core::Status transmit(const Destination& dest, const Delivery& d);
  core::Result<std::optional<UdpDatagram>> read_from(int slot);

  const core::Clock* clock_;
  std::string local_address_;
  int family_ = 0;
  int fd_[2] = {-1, -1};
  uint16_t port_[2] = {0, 0};
  Side role_ = Side::Initiator;
  FaultInjector faults_;
  // Key (due time, sequence): map order is due order, ties in queueing order.
  std::map<std::pair<core::TimePoint, uint64_t>, Pending> queue_;
  uint64_t next_seq_ = 0;
  // Where each datagram offered while a reorder rule holds something was
  // going, by packet index: a held copy leaves on a later send() and must
  // still go to its own destination.
  std::unordered_map<uint64_t, Destination> held_dest_;
  uint64_t received_ = 0;
  int next_read_ = 0;
  std::vector<UdpRecord> records_;
};

}  // namespace ikeh::net
