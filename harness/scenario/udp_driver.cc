// SPDX-License-Identifier: Apache-2.0
#include "harness/scenario/udp_driver.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <utility>

#include "harness/core/bytes.h"

namespace ikeh::scenario {

using core::Bytes;
using core::make_error;

namespace {

// Stateless: one instance serves every driver and transport.
const core::SystemClock& system_clock() {
  static const core::SystemClock clock;
  return clock;
}

// A signal must stop a wait promptly: poll(2) inside the transport resumes
// after EINTR, so waits are cut into slices.
constexpr core::Duration kWaitSlice = std::chrono::milliseconds(250);

std::string_view strip_zone(std::string_view text) { return text.substr(0, text.find('%')); }

bool is_link_local(core::BytesView a) { return a.size() == 16 && a[0] == 0xfe && (a[1] & 0xc0) == 0x80; }

// Any port: connecting a UDP socket sends nothing.
constexpr uint16_t kProbePort = 500;

// The source address the system picks for datagrams to `peer` (a connected
// UDP socket); nullopt when there is no route.
std::optional<std::string> source_toward(const std::string& peer, int family) {
  auto bytes = address_bytes(peer);
  if (!bytes) return std::nullopt;
  sockaddr_storage to{};
  socklen_t len = 0;
  if (bytes->size() == 4 && family == AF_INET) {
    auto& a = reinterpret_cast<sockaddr_in&>(to);
    a.sin_family = AF_INET;
    a.sin_port = htons(kProbePort);
    std::memcpy(&a.sin_addr, bytes->data(), 4);
    len = sizeof a;
  } else if (bytes->size() == 16 && family == AF_INET6) {
    auto& a = reinterpret_cast<sockaddr_in6&>(to);
    a.sin6_family = AF_INET6;
    a.sin6_port = htons(kProbePort);
    std::memcpy(&a.sin6_addr, bytes->data(), 16);
    len = sizeof a;
  } else {
    return std::nullopt;
  }
  int fd = ::socket(family, SOCK_DGRAM, 0);
  if (fd < 0) return std::nullopt;
  std::optional<std::string> out;
  sockaddr_storage self{};
  socklen_t slen = sizeof self;
  if (::connect(fd, reinterpret_cast<sockaddr*>(&to), len) == 0 &&
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&self), &slen) == 0) {
    char buf[INET6_ADDRSTRLEN] = {};
    const void* src = family == AF_INET ? static_cast<const void*>(&reinterpret_cast<sockaddr_in&>(self).sin_addr)
                                        : static_cast<const void*>(&reinterpret_cast<sockaddr_in6&>(self).sin6_addr);
    if (inet_ntop(family, src, buf, sizeof buf)) out = buf;
  }
  ::close(fd);
  return out;
}

}  // namespace

// ----- Addresses as text -----

core::Result<Bytes> address_bytes(std::string_view text) {
  std::string bare(strip_zone(text));
  Bytes out(16);
  if (inet_pton(AF_INET, bare.c_str(), out.data()) == 1) {
    out.resize(4);
    return out;
  }
  if (inet_pton(AF_INET6, bare.c_str(), out.data()) == 1) return out;
  return make_error("address", "\"" + std::string(text) + "\" is not a numeric IPv4 or IPv6 address");
}

std::string address_text(core::BytesView address) {
  char buf[INET6_ADDRSTRLEN] = {};
  if (address.size() == 4 && inet_ntop(AF_INET, address.data(), buf, sizeof buf)) return buf;
  if (address.size() == 16 && inet_ntop(AF_INET6, address.data(), buf, sizeof buf)) return buf;
  return core::to_hex(address);
}

std::string host_port_text(std::string_view address, uint16_t port) {
  std::string a(address);
  if (a.find(':') != std::string::npos) a = "[" + a + "]";
  return a + ":" + std::to_string(port);
}

std::string endpoint_text(const engine::Endpoint& endpoint) {
  return host_port_text(address_text(endpoint.address), endpoint.port);
}

core::Result<HostPort> parse_host_port(std::string_view text, std::string_view what) {
  auto fail = [&](const std::string& why) {
    return make_error(std::string(what) + " \"" + std::string(text) + "\"", why);
  };
  HostPort out;
  std::string_view port_text;
  bool has_port = false;
  if (!text.empty() && text.front() == '[') {
    auto close = text.find(']');
    if (close == std::string_view::npos) return fail("no closing ']'");
    out.address = std::string(text.substr(1, close - 1));
    std::string_view rest = text.substr(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':') return fail("expected ':PORT' after ']'");
      port_text = rest.substr(1);
      has_port = true;
    }
  } else if (std::count(text.begin(), text.end(), ':') == 1) {
    auto colon = text.find(':');
    out.address = std::string(text.substr(0, colon));
    port_text = text.substr(colon + 1);
    has_port = true;
  } else {
    // No colon (IPv4) or several (a bare IPv6 address, which takes no port).
    out.address = std::string(text);
  }
  if (out.address.empty()) return fail("no address");
  if (!address_bytes(out.address)) return fail("not a numeric IPv4 or IPv6 address (host names are not looked up)");
  if (has_port) {
    if (port_text.empty() || port_text.size() > 5 ||
        !std::all_of(port_text.begin(), port_text.end(), [](char c) { return c >= '0' && c <= '9'; }))
      return fail("the port must be a number in 0..65535");
    unsigned long v = std::stoul(std::string(port_text));
    if (v > 65535) return fail("the port must be a number in 0..65535");
    out.port = static_cast<uint16_t>(v);
  }
  return out;
}

bool is_wildcard(std::string_view address) {
  auto b = address_bytes(address);
  return b && std::all_of(b->begin(), b->end(), [](uint8_t x) { return x == 0; });
}

// ----- The driver -----

UdpDriver::UdpDriver(net::UdpTransport transport, std::string local_scope)
    : clock_(system_clock().now()),
      start_(clock_.now()),
      transport_(std::move(transport)),
      local_scope_(std::move(local_scope)) {
  using namespace std::chrono;
  auto wall = duration_cast<microseconds>(system_clock::now().time_since_epoch()).count();
  wall_offset_us_ = wall - duration_cast<microseconds>(start_).count();
}

UdpDriver::~UdpDriver() = default;

core::Result<std::unique_ptr<UdpDriver>> UdpDriver::create(UdpDriverOptions options) {
  auto transport = net::UdpTransport::open(options.udp, system_clock());
  if (!transport) return transport.error();
  std::string configured = options.udp.local_address;
  std::string scope;
  if (auto pct = configured.find('%'); pct != std::string::npos) scope = configured.substr(pct + 1);
  // A wildcard bind has no zone; a link-local peer's own ("fe80::1%eth0")
  // tells where to send.
  if (auto pct = options.peer ? options.peer->find('%') : std::string::npos; scope.empty() && pct != std::string::npos)
    scope = options.peer->substr(pct + 1);
  std::unique_ptr<UdpDriver> d(new UdpDriver(std::move(transport).value(), scope));

  std::string local = std::string(strip_zone(configured));
  if (is_wildcard(local) && options.peer) {
    int family = address_bytes(local)->size() == 4 ? AF_INET : AF_INET6;
    if (auto src = source_toward(*options.peer, family)) local = *src;
  }
  auto bytes = address_bytes(local);
  if (!bytes) return bytes.error();
  d->local_ = engine::Endpoint{std::move(bytes).value(), d->ike_port()};

  engine::EngineEnv env;
  env.clock = &d->clock_;
  env.random = options.random ? std::move(options.random) : engine::system_random();
  UdpDriver* self = d.get();
  env.send = [self](const engine::Route& to, core::BytesView message) { self->send(to, message); };
  env.local = d->local_;
  // Without a NAT-T socket the engine still needs a port for its NAT-T
  // route; 4500 keeps the RFC's default, and a send there fails visibly.
  env.natt_port = d->natt_port() ? d->natt_port() : net::kNatTPort;
  env.name = options.name;
  env.export_keys = options.export_keys;
  auto e = engine::Engine::create(std::move(options.config), std::move(env));
  if (!e) return e.error();
  d->engine_ = std::move(e).value();
  return d;
}

uint16_t UdpDriver::natt_port() const {
  return transport_.has_natt() ? transport_.local_port(net::LocalSocket::NatT) : 0;
}

std::string UdpDriver::local_address_text() const { return address_text(local_.address); }

int64_t UdpDriver::wall_micros(core::TimePoint t) const {
  return std::chrono::duration_cast<std::chrono::microseconds>(t).count() + wall_offset_us_;
}

void UdpDriver::log(const std::string& line) const {
  if (log_) log_(line);
}

void UdpDriver::send(const engine::Route& to, core::BytesView message) {
  std::string address = address_text(to.remote.address);
  if (!local_scope_.empty() && is_link_local(to.remote.address)) address += "%" + local_scope_;
  if (auto st = transport_.send(address, to.remote.port, message, to.natt); !st) log(st.error().to_string());
}

void UdpDriver::deliver(const net::UdpDatagram& d) {
  if (d.kind.kind != net::DatagramKind::Ike) {
    std::string what(net::name_of(d.kind.kind));
    if (d.kind.kind == net::DatagramKind::Malformed) what += " (" + d.kind.reason + ")";
    log("ignored " + what + " datagram of " + std::to_string(d.bytes.size()) + " bytes from " +
        host_port_text(d.from_address, d.from_port) + " on the " + std::string(net::name_of(d.socket)) + " socket");
    return;
  }
  if (receive_observer_) receive_observer_(d);
  if (incoming_faults_.rules().empty()) {
    hand_to_engine(d, d.ike_message());
    return;
  }
  const bool marker = d.socket == net::LocalSocket::NatT;
  const net::Direction dir = transport_.role() == net::Side::Initiator ? net::Direction::ResponderToInitiator
                                                                         : net::Direction::InitiatorToResponder;
  for (auto& copy : incoming_faults_.apply(dir, d.bytes, marker)) {
    auto shared = std::make_shared<net::UdpDatagram>(d);
    shared->bytes = std::move(copy.datagram);
    auto give = [this, shared, marker] {
      core::BytesView all(shared->bytes);
      if (marker && all.size() >= 4) all = all.subspan(4);
      hand_to_engine(*shared, all);
    };
    if (copy.delay <= core::Duration{0})
      give();
    else
      clock_.schedule_after(copy.delay, give);
  }
}

void UdpDriver::hand_to_engine(const net::UdpDatagram& d, core::BytesView ike_message) {
  auto from = address_bytes(d.from_address);
  if (!from) {
    log(from.error().to_string());
    return;
  }
  engine_->receive(ike_message, engine::Route{engine::Endpoint{std::move(from).value(), d.from_port},
                                              d.socket == net::LocalSocket::NatT});
}

UdpDriver::RunEnd UdpDriver::run(const std::function<bool()>& stop, core::Duration limit,
                                 const std::atomic<int>* interrupt) {
  const core::TimePoint end = system_clock().now() + std::max(limit, core::Duration{0});
  for (;;) {
    clock_.advance_to(system_clock().now());
    if (stop && stop()) return RunEnd::Stopped;
    if (interrupt && interrupt->load() != 0) return RunEnd::Interrupted;
    core::TimePoint now = system_clock().now();
    if (now >= end) return RunEnd::Deadline;
    core::Duration wait = std::min(end - now, kWaitSlice);
    if (auto due = clock_.next_due()) wait = std::min(wait, std::max(*due - now, core::Duration{0}));
    auto got = transport_.receive(wait);
    if (!got) {
      log(got.error().to_string());
      continue;
    }
    if (!*got) continue;
    // Timers due before the datagram arrived fire first, as they would have
    // had the datagram come a moment later.
    clock_.advance_to(system_clock().now());
    deliver(**got);
  }
}

core::Status UdpDriver::write_pcap(reports::PcapWriter& writer) const {
  const std::string local = local_address_text();
  for (const auto& r : transport_.records()) {
    if (r.event == net::UdpRecord::Event::Offered) continue;
    reports::Endpoint here{local, r.local_port};
    reports::Endpoint there{std::string(strip_zone(r.remote_address)), r.remote_port};
    int64_t us = wall_micros(r.time);
    auto st = r.event == net::UdpRecord::Event::Sent
                  ? writer.write_udp(here, there, r.bytes, us / 1000000, static_cast<uint32_t>(us % 1000000))
                  : writer.write_udp(there, here, r.bytes, us / 1000000, static_cast<uint32_t>(us % 1000000));
    if (!st) return st;
  }
  return {};
}

}  // namespace ikeh::scenario
