// SPDX-License-Identifier: Apache-2.0
#include "net/udp_transport.h"

#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <string>

#include "harness/codec/message.h"

namespace ikeh::net {
namespace {

using namespace std::chrono_literals;
using codec::ExchangeType;
using core::Bytes;

// Long enough for loopback delivery on a loaded machine; a test that waits
// the full time is one that expects nothing to arrive.
constexpr core::Duration kArrive = 1s;
constexpr core::Duration kNothing = 30ms;

Bytes ike(ExchangeType x, uint32_t mid, bool response = false) {
  uint8_t fl = response ? codec::flags::kResponse : codec::flags::kInitiator;
  return codec::encode_message(codec::make_message(x, fl, mid, 0x0102030405060708, 0, {}));
}

uint32_t mid_of(core::BytesView b) { return codec::decode_header(b)->message_id; }

FaultRule rule(FaultAction a) {
  FaultRule r;
  r.action = a;
  return r;
}

UdpConfig config(const std::string& address, Side role, std::vector<FaultRule> faults = {}) {
  UdpConfig c;
  c.local_address = address;
  c.ike_port = 0;
  c.natt_port = 0;
  c.role = role;
  c.faults = std::move(faults);
  return c;
}

// ::1 can be missing (IPv6 disabled in a container); tests on it skip then.
bool ipv6_loopback_available() {
  int fd = ::socket(AF_INET6, SOCK_DGRAM, 0);
  if (fd < 0) return false;
  sockaddr_in6 a{};
  a.sin6_family = AF_INET6;
  a.sin6_addr = in6addr_loopback;
  bool ok = ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
  ::close(fd);
  return ok;
}

UdpDatagram expect_datagram(UdpTransport& t) {
  auto r = t.receive(kArrive);
  EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().to_string());
  if (!r.ok() || !*r) {
    ADD_FAILURE() << "no datagram within the timeout";
    return {};
  }
  return std::move(**r);
}

void expect_silence(UdpTransport& t) {
  auto r = t.receive(kNothing);
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  EXPECT_FALSE(*r) << "unexpected datagram of " << (*r)->bytes.size() << " bytes";
}

void exchange_on_both_sockets(const std::string& address) {
  core::SystemClock clock;
  auto i = UdpTransport::open(config(address, Side::Initiator), clock);
  ASSERT_TRUE(i.ok()) << i.error().to_string();
  auto r = UdpTransport::open(config(address, Side::Responder), clock);
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  ASSERT_NE(i->local_port(), 0);
  ASSERT_NE(i->local_port(LocalSocket::NatT), 0);
  ASSERT_NE(i->local_port(), i->local_port(LocalSocket::NatT));

  // Port 500 analogue: the message as is.
  Bytes req = ike(ExchangeType::IKE_SA_INIT, 0);
  ASSERT_TRUE(i->send(address, r->local_port(), req).ok());
  UdpDatagram d = expect_datagram(*r);
  EXPECT_EQ(d.socket, LocalSocket::Ike);
  EXPECT_EQ(d.local_port, r->local_port());
  EXPECT_EQ(d.from_address, address);
  EXPECT_EQ(d.from_port, i->local_port());
  EXPECT_EQ(d.kind.kind, DatagramKind::Ike);
  EXPECT_EQ(d.bytes, req);
  EXPECT_EQ(Bytes(d.ike_message().begin(), d.ike_message().end()), req);

  // Port 4500 analogue: the marker goes on the wire and comes off on receipt.
  Bytes resp = ike(ExchangeType::IKE_AUTH, 1, true);
  ASSERT_TRUE(r->send(address, i->local_port(LocalSocket::NatT), resp, true).ok());
  d = expect_datagram(*i);
  EXPECT_EQ(d.socket, LocalSocket::NatT);
  EXPECT_EQ(d.from_port, r->local_port(LocalSocket::NatT));
  EXPECT_EQ(d.kind.kind, DatagramKind::Ike);
  ASSERT_EQ(d.bytes.size(), resp.size() + 4);
  EXPECT_EQ(Bytes(d.bytes.begin(), d.bytes.begin() + 4), Bytes(4, 0));
  EXPECT_EQ(Bytes(d.ike_message().begin(), d.ike_message().end()), resp);

  // ESP and a keepalive on the NAT-T socket.
  Bytes esp = {0x00, 0x00, 0x12, 0x34, 0, 0, 0, 1, 0xaa, 0xbb};
  ASSERT_TRUE(i->send_raw(address, r->local_port(LocalSocket::NatT), esp, true).ok());
  d = expect_datagram(*r);
  EXPECT_EQ(d.kind.kind, DatagramKind::Esp);
  EXPECT_EQ(d.kind.esp_spi, 0x1234u);
  EXPECT_TRUE(d.ike_message().empty());
  ASSERT_TRUE(i->send_raw(address, r->local_port(LocalSocket::NatT), Bytes{0xff}, true).ok());
  d = expect_datagram(*r);
  EXPECT_EQ(d.kind.kind, DatagramKind::NatKeepalive);
  ASSERT_TRUE(i->send_raw(address, r->local_port(LocalSocket::NatT), Bytes{1, 2}, true).ok());
  d = expect_datagram(*r);
  EXPECT_EQ(d.kind.kind, DatagramKind::Malformed);

  // Records: what each side offered, sent and received, with its framing.
  const auto& recs = i->records();
  ASSERT_EQ(recs.size(), 2u * 4 + 1);  // 4 offered + 4 sent, 1 received
  EXPECT_EQ(recs[0].event, UdpRecord::Event::Offered);
  EXPECT_EQ(recs[1].event, UdpRecord::Event::Sent);
  EXPECT_EQ(recs[1].direction, Direction::InitiatorToResponder);
  EXPECT_EQ(recs[1].remote_port, r->local_port());
  EXPECT_EQ(recs[1].bytes, req);
  EXPECT_FALSE(recs[1].non_esp_marker);
  EXPECT_EQ(recs[2].event, UdpRecord::Event::Received);
  EXPECT_EQ(recs[2].direction, Direction::ResponderToInitiator);
  EXPECT_EQ(recs[2].socket, LocalSocket::NatT);
  EXPECT_TRUE(recs[2].non_esp_marker);
  const auto& rrecs = r->records();
  ASSERT_GE(rrecs.size(), 3u);
  EXPECT_EQ(rrecs[0].event, UdpRecord::Event::Received);
  EXPECT_EQ(rrecs[2].event, UdpRecord::Event::Sent);
  EXPECT_TRUE(rrecs[2].non_esp_marker);
  EXPECT_EQ(rrecs[2].bytes.size(), resp.size() + 4);
}

TEST(UdpTransport, ExchangesOnBothSocketsIpv4) { exchange_on_both_sockets("127.0.0.1"); }

TEST(UdpTransport, ExchangesOnBothSocketsIpv6) {
  if (!ipv6_loopback_available()) GTEST_SKIP() << "::1 cannot be bound here (IPv6 disabled or no loopback address)";
  exchange_on_both_sockets("::1");
}

TEST(UdpTransport, DropDuplicateAndCorruptAreSeenByTheReceiver) {
  core::SystemClock clock;
  FaultRule drop = rule(FaultAction::Drop);
  drop.match.message_id = 1;
  FaultRule dup = rule(FaultAction::Duplicate);
  dup.match.message_id = 2;
  dup.extra_copies = 2;
  FaultRule corrupt = rule(FaultAction::Corrupt);
  corrupt.match.message_id = 3;
  corrupt.corruption.offset = 17;  // the IKE version octet, counted after the marker
  corrupt.corruption.mask = 0x01;
  auto i = UdpTransport::open(config("127.0.0.1", Side::Initiator, {drop, dup, corrupt}), clock);
  ASSERT_TRUE(i.ok()) << i.error().to_string();
  auto r = UdpTransport::open(config("127.0.0.1", Side::Responder), clock);
  ASSERT_TRUE(r.ok()) << r.error().to_string();

  for (uint32_t mid = 0; mid < 5; ++mid)
    ASSERT_TRUE(i->send("127.0.0.1", r->local_port(LocalSocket::NatT), ike(ExchangeType::INFORMATIONAL, mid), true)
                    .ok());

  // Loopback keeps the order of one socket pair: 0, (1 dropped), 2 x3, 3 corrupted, 4.
  std::vector<uint32_t> mids;
  Bytes corrupted;
  for (int n = 0; n < 6; ++n) {
    UdpDatagram d = expect_datagram(*r);
    ASSERT_EQ(d.kind.kind, DatagramKind::Ike);
    auto msg = d.ike_message();
    mids.push_back(mid_of(msg));
    if (mids.back() == 3) corrupted.assign(msg.begin(), msg.end());
  }
  EXPECT_EQ(mids, (std::vector<uint32_t>{0, 2, 2, 2, 3, 4}));
  Bytes original = ike(ExchangeType::INFORMATIONAL, 3);
  ASSERT_EQ(corrupted.size(), original.size());
  EXPECT_EQ(corrupted[17], original[17] ^ 0x01);
  corrupted[17] ^= 0x01;
  EXPECT_EQ(corrupted, original);
  expect_silence(*r);
  EXPECT_EQ(i->faults().fired(0), 1u);
  EXPECT_EQ(i->faults().fired(1), 1u);
  EXPECT_EQ(i->faults().fired(2), 1u);
}

TEST(UdpTransport, DelayedDatagramLeavesOnlyWhenTheClockPassesItsTime) {
  core::VirtualClock clock;
  FaultRule delay = rule(FaultAction::Delay);
  delay.match.message_id = 7;
  delay.delay = 50ms;
  auto i = UdpTransport::open(config("127.0.0.1", Side::Initiator, {delay}), clock);
  ASSERT_TRUE(i.ok()) << i.error().to_string();
  auto r = UdpTransport::open(config("127.0.0.1", Side::Responder), clock);
  ASSERT_TRUE(r.ok()) << r.error().to_string();

  ASSERT_TRUE(i->send("127.0.0.1", r->local_port(), ike(ExchangeType::INFORMATIONAL, 7)).ok());
  ASSERT_TRUE(i->send("127.0.0.1", r->local_port(), ike(ExchangeType::INFORMATIONAL, 8)).ok());
  EXPECT_EQ(i->queued(), 1u);
  ASSERT_TRUE(i->next_due());
  EXPECT_EQ(*i->next_due(), core::TimePoint{50ms});

  // The undelayed one overtakes it.
  EXPECT_EQ(mid_of(expect_datagram(*r).bytes), 8u);
  expect_silence(*r);

  clock.advance(49ms);
  auto sent = i->service();
  ASSERT_TRUE(sent.ok());
  EXPECT_EQ(*sent, 0u);
  expect_silence(*r);

  clock.advance(1ms);
  sent = i->service();
  ASSERT_TRUE(sent.ok());
  EXPECT_EQ(*sent, 1u);
  EXPECT_EQ(i->queued(), 0u);
  UdpDatagram d = expect_datagram(*r);
  EXPECT_EQ(mid_of(d.bytes), 7u);
  EXPECT_EQ(d.time, core::TimePoint{50ms});

  // Sent records carry the virtual time the copy actually left.
  std::vector<core::TimePoint> sent_times;
  for (const auto& rec : i->records())
    if (rec.event == UdpRecord::Event::Sent) sent_times.push_back(rec.time);
  EXPECT_EQ(sent_times, (std::vector<core::TimePoint>{core::TimePoint{0}, core::TimePoint{50ms}}));
}

TEST(UdpTransport, HeldDatagramGoesToItsOwnDestination) {
  core::SystemClock clock;
  FaultRule hold = rule(FaultAction::Reorder);
  hold.match.packet_index = 1;
  auto i = UdpTransport::open(config("127.0.0.1", Side::Initiator, {hold}), clock);
  ASSERT_TRUE(i.ok()) << i.error().to_string();
  auto a = UdpTransport::open(config("127.0.0.1", Side::Responder), clock);
  ASSERT_TRUE(a.ok());
  auto b = UdpTransport::open(config("127.0.0.1", Side::Responder), clock);
  ASSERT_TRUE(b.ok());

  ASSERT_TRUE(i->send("127.0.0.1", a->local_port(), ike(ExchangeType::INFORMATIONAL, 1)).ok());
  expect_silence(*a);
  // The second send releases the first, which must still reach `a`.
  ASSERT_TRUE(i->send("127.0.0.1", b->local_port(), ike(ExchangeType::INFORMATIONAL, 2)).ok());
  EXPECT_EQ(mid_of(expect_datagram(*a).bytes), 1u);
  EXPECT_EQ(mid_of(expect_datagram(*b).bytes), 2u);
}

TEST(UdpTransport, BindErrorsAreOneLine) {
  core::SystemClock clock;
  // 192.0.2.1 is TEST-NET-1 (RFC 5737): never a local address.
  UdpConfig c = config("192.0.2.1", Side::Initiator);
  c.ike_port = 40500;
  auto r = UdpTransport::open(c, clock);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().to_string(), "bind 192.0.2.1:40500: Cannot assign requested address");

  auto first = UdpTransport::open(config("127.0.0.1", Side::Initiator), clock);
  ASSERT_TRUE(first.ok()) << first.error().to_string();
  UdpConfig taken = config("127.0.0.1", Side::Responder);
  taken.ike_port = first->local_port();
  r = UdpTransport::open(taken, clock);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().to_string(),
            "bind 127.0.0.1:" + std::to_string(first->local_port()) + ": Address already in use");

  // The NAT-T port in use fails after the IKE socket was bound; that socket
  // is closed again, so its port can be bound right after.
  UdpConfig natt_taken = config("127.0.0.1", Side::Responder);
  natt_taken.natt_port = first->local_port(LocalSocket::NatT);
  r = UdpTransport::open(natt_taken, clock);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().to_string(), "bind 127.0.0.1:" + std::to_string(first->local_port(LocalSocket::NatT)) +
                                       ": Address already in use");

  c = config("localhost", Side::Initiator);
  c.ike_port = 500;
  r = UdpTransport::open(c, clock);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().to_string(), "bind localhost:500: not a numeric IPv4 or IPv6 address");
}

TEST(UdpTransport, SendErrorsAreOneLine) {
  core::SystemClock clock;
  UdpConfig c = config("127.0.0.1", Side::Initiator);
  c.natt_port.reset();
  auto t = UdpTransport::open(c, clock);
  ASSERT_TRUE(t.ok()) << t.error().to_string();
  EXPECT_FALSE(t->has_natt());
  EXPECT_EQ(t->local_port(LocalSocket::NatT), 0);
  Bytes m = ike(ExchangeType::IKE_SA_INIT, 0);
  auto st = t->send("127.0.0.1", 4500, m, true);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().to_string(), "send to 127.0.0.1:4500: this transport has no NAT-T socket");
  st = t->send("::1", 500, m);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().to_string(), "send to [::1]:500: address family differs from the local address 127.0.0.1");
  st = t->send("peer", 500, m);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().to_string(), "send to peer:500: not a numeric IPv4 or IPv6 address");
  // Refused destinations reach neither the injector nor the records.
  EXPECT_EQ(t->faults().offered(Direction::InitiatorToResponder), 0u);
  EXPECT_TRUE(t->records().empty());
}

TEST(UdpTransport, ReceiveTimesOutEmpty) {
  core::SystemClock clock;
  auto t = UdpTransport::open(config("127.0.0.1", Side::Responder), clock);
  ASSERT_TRUE(t.ok()) << t.error().to_string();
  auto now = t->receive();
  ASSERT_TRUE(now.ok());
  EXPECT_FALSE(*now);

  auto start = std::chrono::steady_clock::now();
  auto r = t->receive(40ms);
  auto waited = std::chrono::steady_clock::now() - start;
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  EXPECT_FALSE(*r);
  EXPECT_GE(waited, 40ms);
  EXPECT_LT(waited, 1s);
}

TEST(UdpTransport, MovedTransportKeepsItsSockets) {
  core::SystemClock clock;
  auto i = UdpTransport::open(config("127.0.0.1", Side::Initiator), clock);
  ASSERT_TRUE(i.ok());
  auto r = UdpTransport::open(config("127.0.0.1", Side::Responder), clock);
  ASSERT_TRUE(r.ok());
  UdpTransport moved = std::move(*r);
  ASSERT_TRUE(i->send("127.0.0.1", moved.local_port(), ike(ExchangeType::INFORMATIONAL, 3)).ok());
  EXPECT_EQ(mid_of(expect_datagram(moved).bytes), 3u);
}

}  // namespace
}  // namespace ikeh::net
