// SPDX-License-Identifier: Apache-2.0
// Network mode: one engine on a real UDP transport (net/udp_transport.h), for
// runs against an external peer (`ikeharness initiate`, `ikeharness
// respond`). The engine's VirtualClock is kept at real time: it starts at the
// SystemClock's now and the run loop moves it forward to the SystemClock
// before every step, so retransmissions and lifetimes fire when they are due
// while the loop waits on the sockets for the rest of the time.
//
// Received IKE messages (non-ESP marker stripped) go to Engine::receive with
// the sender's address and whether they came on the NAT-T socket; what the
// engine sends leaves from the NAT-T socket when its route says so. ESP and
// NAT-keepalive datagrams are recorded but not handed to the engine.
// Single-threaded; nothing throws.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "harness/core/bytes.h"
#include "harness/core/clock.h"
#include "harness/core/result.h"
#include "harness/engine/config.h"
#include "harness/engine/engine.h"
#include "net/udp_transport.h"
#include "reports/pcap_writer.h"

namespace ikeh::scenario {

// ----- Addresses as text -----

// The engine's form of a numeric address: 4 bytes for IPv4, 16 for IPv6. An
// IPv6 zone ("fe80::1%eth0") is accepted and dropped. Error: the text is not
// a numeric IPv4 or IPv6 address ("\"gw.example\" is not a numeric IPv4 or
// IPv6 address").
core::Result<core::Bytes> address_bytes(std::string_view text);
// The text of 4- or 16-byte address bytes ("10.0.0.1", "2001:db8::1");
// other sizes come back as hex.
std::string address_text(core::BytesView address);
// An address and port for people: "10.0.0.1:500", "[2001:db8::1]:500".
std::string host_port_text(std::string_view address, uint16_t port);
std::string endpoint_text(const engine::Endpoint& endpoint);

// "ADDR", "ADDR:PORT", "[V6ADDR]", "[V6ADDR]:PORT" or a bare IPv6 address
// ("::1", "fe80::1%eth0"), split. Errors (as "<what> \"<text>\": <why>"): an
// empty address, an unclosed bracket, a port that is not a number in 0..65535,
// an address that is not numeric.
struct HostPort {
  std::string address;
  std::optional<uint16_t> port;
};
core::Result<HostPort> parse_host_port(std::string_view text, std::string_view what = "address");

// True for "0.0.0.0" and "::" (and any other unspecified address).
bool is_wildcard(std::string_view address);

// ----- The driver -----

struct UdpDriverOptions {
  engine::EngineConfig config;
  // Where to bind, the role (fault direction, recorded direction) and any
  // faults to inject on what is sent.
  net::UdpConfig udp;
  // Empty: engine::system_random().
  engine::RandomSource random;
  // Names the engine in events.
  std::string name = "harness";
  // EngineEnv::export_keys: keep key rows of forgotten IKE SAs (--keys-out).
  bool export_keys = false;
  // When the bound address is a wildcard, the engine still needs the address
  // peers see for its NAT_DETECTION hashes and cookies: with `peer` set, it is
  // the source address the system routes toward the peer. Without it the
  // wildcard stays, and peers will think this side is behind a NAT. A zone
  // in it ("fe80::1%eth0") is used for link-local destinations when the
  // local address has none.
  std::optional<std::string> peer;
};

class UdpDriver {
 public:
  // Opens the sockets (errors: net::UdpTransport::open's, e.g. "bind
  // 127.0.0.1:500: Permission denied") and creates the engine (errors:
  // Engine::create's).
  static core::Result<std::unique_ptr<UdpDriver>> create(UdpDriverOptions options);
  ~UdpDriver();
  UdpDriver(const UdpDriver&) = delete;
  UdpDriver& operator=(const UdpDriver&) = delete;

  engine::Engine& engine() { return *engine_; }
  const engine::Engine& engine() const { return *engine_; }
  net::UdpTransport& transport() { return transport_; }
  const net::UdpTransport& transport() const { return transport_; }
  core::VirtualClock& clock() { return clock_; }

  // The address and IKE port the engine believes its own (the bound ones,
  // the wildcard resolved as UdpDriverOptions::peer explains).
  const engine::Endpoint& local() const { return local_; }
  // The bound ports (the system's pick for a configured 0); 0 for NAT-T when
  // no NAT-T socket is open.
  uint16_t ike_port() const { return transport_.local_port(net::LocalSocket::Ike); }
  uint16_t natt_port() const;
  // The local address as text for people and the pcap: the resolved one, or
  // the bound one when it stayed a wildcard.
  std::string local_address_text() const;

  // Called for every IKE datagram received, before the incoming faults and
  // before the engine sees it (the scenario runner's transcript of what the
  // peer sent). Default: none.
  void set_receive_observer(std::function<void(const net::UdpDatagram&)> observer) {
    receive_observer_ = std::move(observer);
  }
  // Faults on what the peer sends, applied after the receive observer and
  // before the engine (the transport's own injector covers what is sent).
  // Delayed copies reach the engine when the run loop's timers fire. Seeded
  // with 0 until replaced.
  net::FaultInjector& incoming_faults() { return incoming_faults_; }

  // Problems the engine cannot see (a failed sendto, a receive error, a
  // datagram that is neither IKE nor ESP), one line each. Default: dropped.
  void set_log(std::function<void(const std::string& line)> log) { log_ = std::move(log); }

  // The engine's timer time when the driver was created: event times minus
  // this are seconds into the run.
  core::TimePoint start_time() const { return start_; }
  // A time of the engine's clock or of a transport record as microseconds
  // since the Unix epoch (the SystemClock is steady, not wall time).
  int64_t wall_micros(core::TimePoint t) const;

  enum class RunEnd : uint8_t {
    Stopped,      // `stop` returned true
    Deadline,     // `limit` of real time passed
    Interrupted,  // *interrupt became non-zero
  };
  // Serves the sockets and the timers until `stop` holds (checked at the
  // start and after every datagram and every batch of timers), `limit` of
  // real time passes, or `interrupt` (a flag a signal handler sets; null:
  // none) is non-zero. A signal is noticed within a quarter of a second.
  RunEnd run(const std::function<bool()>& stop, core::Duration limit,
             const std::atomic<int>* interrupt = nullptr);

  // Writes every datagram sent and received, as it was on the wire (the
  // non-ESP marker kept on the NAT-T socket), with the real addresses, ports
  // and times. Errors: the first write error of the writer.
  core::Status write_pcap(reports::PcapWriter& writer) const;

 private:
  UdpDriver(net::UdpTransport transport, std::string local_scope);
  void deliver(const net::UdpDatagram& d);
  void hand_to_engine(const net::UdpDatagram& d, core::BytesView ike_message);
  void send(const engine::Route& to, core::BytesView message);
  void log(const std::string& line) const;

  core::VirtualClock clock_;
  core::TimePoint start_;
  int64_t wall_offset_us_ = 0;
  net::UdpTransport transport_;
  // The zone of a link-local local address ("eth0"): engine addresses are
  // bare bytes, and link-local destinations need it back.
  std::string local_scope_;
  engine::Endpoint local_;
  std::unique_ptr<engine::Engine> engine_;
  std::function<void(const std::string&)> log_;
  std::function<void(const net::UdpDatagram&)> receive_observer_;
  net::FaultInjector incoming_faults_;
};

}  // namespace ikeh::scenario
