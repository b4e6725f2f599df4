// SPDX-License-Identifier: Apache-2.0
#include "net/udp_transport.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>

namespace ikeh::net {
namespace {

// RFC 3948 2.2: the non-ESP marker before an IKE message on the NAT-T port.
constexpr uint8_t kNonEspMarker[4] = {0, 0, 0, 0};
// The largest UDP payload over IPv6 without jumbograms (65535 - 8); IPv4's
// limit is lower, so one buffer fits either family.
constexpr std::size_t kMaxDatagram = 65527;

// "127.0.0.1:500", "[::1]:500".
std::string endpoint(std::string_view address, uint16_t port) {
  std::string s;
  if (address.find(':') != std::string_view::npos) {
    s = "[" + std::string(address) + "]";
  } else {
    s = std::string(address);
  }
  return s + ":" + std::to_string(port);
}

core::Error error(std::string where, std::string reason) {
  core::Error e;
  e.where = std::move(where);
  e.reason = std::move(reason);
  return e;
}

core::Error errno_error(std::string where, int err) { return error(std::move(where), std::strerror(err)); }

// Parses a numeric address (with an optional %scope for IPv6 link-local).
bool parse_address(std::string_view address, uint16_t port, sockaddr_storage& out, socklen_t& len) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_DGRAM;
  hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV;
  addrinfo* res = nullptr;
  std::string host(address);
  std::string service = std::to_string(port);
  if (getaddrinfo(host.c_str(), service.c_str(), &hints, &res) != 0 || res == nullptr) return false;
  std::memcpy(&out, res->ai_addr, res->ai_addrlen);
  len = static_cast<socklen_t>(res->ai_addrlen);
  freeaddrinfo(res);
  return true;
}

// Numeric text and port of a socket address.
std::pair<std::string, uint16_t> unparse(const sockaddr_storage& addr) {
  char buf[INET6_ADDRSTRLEN] = {};
  if (addr.ss_family == AF_INET6) {
    const auto& a = reinterpret_cast<const sockaddr_in6&>(addr);
    inet_ntop(AF_INET6, &a.sin6_addr, buf, sizeof buf);
    return {buf, ntohs(a.sin6_port)};
  }
  const auto& a = reinterpret_cast<const sockaddr_in&>(addr);
  inet_ntop(AF_INET, &a.sin_addr, buf, sizeof buf);
  return {buf, ntohs(a.sin_port)};
}

// Opens a non-blocking UDP socket bound to `address`:`port`; returns the fd
// and the bound port.
core::Result<std::pair<int, uint16_t>> bind_socket(const std::string& address, uint16_t port) {
  std::string where = "bind " + endpoint(address, port);
  sockaddr_storage addr{};
  socklen_t len = 0;
  if (!parse_address(address, port, addr, len)) return error(where, "not a numeric IPv4 or IPv6 address");
  int fd = ::socket(addr.ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_UDP);
  if (fd < 0) return errno_error("socket for " + endpoint(address, port), errno);
  if (addr.ss_family == AF_INET6) {
    // An IPv6 transport speaks IPv6 only: a port picked for "::" must not
    // collide with, or shadow, an IPv4 transport on the same port.
    int on = 1;
    ::setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof on);
  }
  // No SO_REUSEADDR: for UDP it would let two transports share a port
  // silently, and a port in use must be reported.
  if (::bind(fd, reinterpret_cast<const sockaddr*>(&addr), len) != 0) {
    int err = errno;
    ::close(fd);
    return errno_error(where, err);
  }
  sockaddr_storage bound{};
  socklen_t blen = sizeof bound;
  if (::getsockname(fd, reinterpret_cast<sockaddr*>(&bound), &blen) != 0) {
    int err = errno;
    ::close(fd);
    return errno_error("getsockname " + endpoint(address, port), err);
  }
  return std::pair<int, uint16_t>{fd, unparse(bound).second};
}

bool starts_with_marker(core::BytesView b) {
  return b.size() >= 4 && std::equal(b.begin(), b.begin() + 4, std::begin(kNonEspMarker));
}

}  // namespace

std::string_view name_of(LocalSocket s) { return s == LocalSocket::Ike ? "IKE" : "NAT-T"; }

core::BytesView UdpDatagram::ike_message() const {
  if (kind.kind != DatagramKind::Ike) return {};
  return core::BytesView(bytes).subspan(std::min(kind.ike_offset, bytes.size()));
}

UdpTransport::UdpTransport(const core::Clock& clock, const UdpConfig& config)
    : clock_(&clock),
      local_address_(config.local_address),
      role_(config.role),
      faults_(config.faults, config.seed) {}

core::Result<UdpTransport> UdpTransport::open(const UdpConfig& config, const core::Clock& clock) {
  UdpTransport t(clock, config);
  auto ike = bind_socket(config.local_address, config.ike_port);
  if (!ike) return ike.error();
  t.fd_[0] = ike->first;
  t.port_[0] = ike->second;
  if (config.natt_port) {
    auto natt = bind_socket(config.local_address, *config.natt_port);
    if (!natt) return natt.error();  // t's destructor closes the IKE socket
    t.fd_[1] = natt->first;
    t.port_[1] = natt->second;
  }
  sockaddr_storage addr{};
  socklen_t len = 0;
  parse_address(config.local_address, 0, addr, len);
  t.family_ = addr.ss_family;
  return core::Result<UdpTransport>(std::move(t));
}

UdpTransport::UdpTransport(UdpTransport&& other) noexcept
    : clock_(other.clock_),
      local_address_(std::move(other.local_address_)),
      family_(other.family_),
      role_(other.role_),
      faults_(std::move(other.faults_)),
      queue_(std::move(other.queue_)),
      next_seq_(other.next_seq_),
      held_dest_(std::move(other.held_dest_)),
      received_(other.received_),
      next_read_(other.next_read_),
      records_(std::move(other.records_)) {
  for (int i = 0; i < 2; ++i) {
    fd_[i] = std::exchange(other.fd_[i], -1);
    port_[i] = other.port_[i];
  }
}

UdpTransport& UdpTransport::operator=(UdpTransport&& other) noexcept {
  if (this == &other) return *this;
  close_all();
  clock_ = other.clock_;
  local_address_ = std::move(other.local_address_);
  family_ = other.family_;
  role_ = other.role_;
  faults_ = std::move(other.faults_);
  queue_ = std::move(other.queue_);
  next_seq_ = other.next_seq_;
  held_dest_ = std::move(other.held_dest_);
  received_ = other.received_;
  next_read_ = other.next_read_;
  records_ = std::move(other.records_);
  for (int i = 0; i < 2; ++i) {
    fd_[i] = std::exchange(other.fd_[i], -1);
    port_[i] = other.port_[i];
  }
  return *this;
}

UdpTransport::~UdpTransport() { close_all(); }

void UdpTransport::close_all() {
  for (int& fd : fd_) {
    if (fd >= 0) ::close(fd);
    fd = -1;
  }
}

uint16_t UdpTransport::local_port(LocalSocket s) const {
  int slot = s == LocalSocket::Ike ? 0 : 1;
  return fd_[slot] >= 0 ? port_[slot] : 0;
}

core::Status UdpTransport::send(std::string_view to_address, uint16_t to_port, core::BytesView ike_message,
                                bool via_natt) {
  if (!via_natt) return offer(to_address, to_port, ike_message, false, false);
  core::Bytes framed(std::begin(kNonEspMarker), std::end(kNonEspMarker));
  framed.insert(framed.end(), ike_message.begin(), ike_message.end());
  return offer(to_address, to_port, framed, true, true);
}

core::Status UdpTransport::send_raw(std::string_view to_address, uint16_t to_port, core::BytesView payload,
                                    bool via_natt) {
  return offer(to_address, to_port, payload, false, via_natt);
}

core::Status UdpTransport::offer(std::string_view to_address, uint16_t to_port, core::BytesView payload,
                                 bool marker, bool via_natt) {
  std::string where = "send to " + endpoint(to_address, to_port);
  Destination dest;
  if (!parse_address(to_address, to_port, dest.addr, dest.len))
    return error(where, "not a numeric IPv4 or IPv6 address");
  if (dest.addr.ss_family != family_)
    return error(where, "address family differs from the local address " + local_address_);
  if (via_natt && fd_[1] < 0) return error(where, "this transport has no NAT-T socket");
  dest.address = std::string(to_address);
  dest.port = to_port;
  dest.slot = via_natt ? 1 : 0;

  Direction dir = direction_from(role_);
  uint64_t index = faults_.offered(dir) + 1;
  records_.push_back({UdpRecord::Event::Offered, clock_->now(), dir,
                      via_natt ? LocalSocket::NatT : LocalSocket::Ike, local_address_, port_[dest.slot],
                      dest.address, to_port, index, marker, core::Bytes(payload.begin(), payload.end())});
  held_dest_.emplace(index, dest);
  auto sent = dispatch(dest, faults_.apply(dir, payload, marker));
  if (!sent) return sent.error();
  return {};
}

core::Result<std::size_t> UdpTransport::dispatch(const Destination& dest, std::vector<Delivery> deliveries) {
  Direction dir = direction_from(role_);
  std::size_t sent = 0;
  std::optional<core::Error> first_error;
  for (Delivery& d : deliveries) {
    // A copy released from a reorder hold goes where its own send() sent it.
    auto it = held_dest_.find(d.packet_index);
    const Destination& to = it != held_dest_.end() ? it->second : dest;
    if (d.delay > core::Duration{0}) {
      queue_.emplace(std::pair{clock_->now() + d.delay, next_seq_++}, Pending{to, std::move(d)});
      continue;
    }
    auto st = transmit(to, d);
    if (st) {
      ++sent;
    } else if (!first_error) {
      first_error = st.error();
    }
  }
  // The map only has to outlive the holds: entries for datagrams that left
  // are dropped, and all of it once nothing is held.
  if (faults_.held(dir) == 0) {
    held_dest_.clear();
  } else {
    for (const Delivery& d : deliveries) held_dest_.erase(d.packet_index);
  }
  if (first_error) return *first_error;
  return sent;
}

core::Status UdpTransport::transmit(const Destination& dest, const Delivery& d) {
  ssize_t n = ::sendto(fd_[dest.slot], d.datagram.data(), d.datagram.size(), 0,
                       reinterpret_cast<const sockaddr*>(&dest.addr), dest.len);
  if (n < 0) return errno_error("send to " + endpoint(dest.address, dest.port), errno);
  records_.push_back({UdpRecord::Event::Sent, clock_->now(), direction_from(role_),
                      dest.slot == 1 ? LocalSocket::NatT : LocalSocket::Ike, local_address_, port_[dest.slot],
                      dest.address, dest.port, d.packet_index, d.non_esp_marker, d.datagram});
  return {};
}

core::Result<std::size_t> UdpTransport::service() {
  std::size_t sent = 0;
  std::optional<core::Error> first_error;
  core::TimePoint now = clock_->now();
  while (!queue_.empty() && queue_.begin()->first.first <= now) {
    auto node = queue_.extract(queue_.begin());
    auto st = transmit(node.mapped().dest, node.mapped().delivery);
    if (st) {
      ++sent;
    } else if (!first_error) {
      first_error = st.error();
    }
  }
  if (first_error) return *first_error;
  return sent;
}

core::Result<std::size_t> UdpTransport::flush_held() {
  Direction dir = direction_from(role_);
  Destination none;
  // Every released copy has its destination in held_dest_, so `none` is
  // never used to send.
  return dispatch(none, faults_.flush(dir));
}

std::optional<core::TimePoint> UdpTransport::next_due() const {
  if (queue_.empty()) return std::nullopt;
  return queue_.begin()->first.first;
}

core::Result<std::optional<UdpDatagram>> UdpTransport::read_from(int slot) {
  UdpDatagram dg;
  dg.bytes.resize(kMaxDatagram);
  sockaddr_storage from{};
  socklen_t flen = sizeof from;
  ssize_t n;
  do {
    n = ::recvfrom(fd_[slot], dg.bytes.data(), dg.bytes.size(), MSG_DONTWAIT, reinterpret_cast<sockaddr*>(&from),
                   &flen);
  } while (n < 0 && errno == EINTR);
  if (n < 0) {
    if (errno == EAGAIN || errno == EWOULDBLOCK) return std::optional<UdpDatagram>{};
    return errno_error("receive on " + endpoint(local_address_, port_[slot]), errno);
  }
  dg.bytes.resize(static_cast<std::size_t>(n));
  dg.bytes.shrink_to_fit();
  auto [address, port] = unparse(from);
  dg.from_address = std::move(address);
  dg.from_port = port;
  dg.socket = slot == 1 ? LocalSocket::NatT : LocalSocket::Ike;
  dg.local_port = port_[slot];
  dg.kind = classify_udp(dg.bytes, slot == 1);
  dg.time = clock_->now();
  dg.packet_index = ++received_;
  Direction dir = role_ == Side::Initiator ? Direction::ResponderToInitiator : Direction::InitiatorToResponder;
  records_.push_back({UdpRecord::Event::Received, dg.time, dir, dg.socket, local_address_, dg.local_port,
                      dg.from_address, dg.from_port, dg.packet_index,
                      slot == 1 && dg.kind.kind == DatagramKind::Ike && starts_with_marker(dg.bytes), dg.bytes});
  return std::optional<UdpDatagram>(std::move(dg));
}

core::Result<std::optional<UdpDatagram>> UdpTransport::receive() {
  // Read the sockets in turn, starting after the one read last.
  for (int i = 0; i < 2; ++i) {
    int slot = (next_read_ + i) % 2;
    if (fd_[slot] < 0) continue;
    auto r = read_from(slot);
    if (!r) return r;
    if (*r) {
      next_read_ = (slot + 1) % 2;
      return r;
    }
  }
  return std::optional<UdpDatagram>{};
}

core::Result<std::optional<UdpDatagram>> UdpTransport::receive(core::Duration timeout) {
  using Steady = std::chrono::steady_clock;
  const Steady::time_point deadline = Steady::now() + std::max(timeout, core::Duration{0});
  for (;;) {
    auto sent = service();
    if (!sent) return sent.error();
    auto r = receive();
    if (!r || *r) return r;

    Steady::time_point now = Steady::now();
    if (now >= deadline) return std::optional<UdpDatagram>{};
    core::Duration wait = deadline - now;
    if (auto due = next_due()) wait = std::min(wait, std::max(*due - clock_->now(), core::Duration{0}));
    // poll(2) counts milliseconds; round up so a wait never ends early and
    // spins on a deadline less than a millisecond away.
    auto ms = std::chrono::ceil<std::chrono::milliseconds>(wait).count();
    pollfd fds[2];
    nfds_t nfds = 0;
    for (int fd : fd_) {
      if (fd >= 0) fds[nfds++] = pollfd{fd, POLLIN, 0};
    }
    int rc = ::poll(fds, nfds, static_cast<int>(std::min<long long>(ms, 1 << 30)));
    if (rc < 0 && errno != EINTR) return errno_error("poll on " + endpoint(local_address_, port_[0]), errno);
  }
}

}  // namespace ikeh::net
