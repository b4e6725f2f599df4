// SPDX-License-Identifier: Apache-2.0
// Event::retransmission: every time bytes already sent leave again (a
// request retransmitted, RFC 7296 2.1; a cached response answered again;
// the IKE_SA_INIT response answered again; every fragment, RFC 7383 2.6.1)
// the engine reports a MessageSent with retransmission set and the bytes
// first built, so a transcript built from MessageSent events holds every
// datagram that went over the wire.
#include <gtest/gtest.h>

#include <functional>
#include <string>
#include <vector>

#include "harness/codec/message.h"
#include "tests/engine/engine_pair.h"

namespace ikeh::engine::test {
namespace {

using codec::ExchangeType;
using codec::Payload;
using codec::PayloadType;

// Delivers everything in flight like EnginePair::deliver_all(), except the
// first datagram `drop` picks, which is lost.
void deliver_dropping_once(EnginePair& p, const std::function<bool(const EnginePair::Datagram&)>& drop) {
  bool dropped = false;
  for (int n = 0; !p.in_flight.empty() && n < 1000; ++n) {
    EnginePair::Datagram d = std::move(p.in_flight.front());
    p.in_flight.pop_front();
    if (!dropped && drop(d)) {
      dropped = true;
      continue;
    }
    (d.to_responder ? p.r : p.i)->receive(d.bytes, d.from);
  }
  EXPECT_TRUE(dropped) << "no datagram matched the drop";
}

// A datagram from the responder (to the initiator) that is a response of
// exchange `t`.
std::function<bool(const EnginePair::Datagram&)> response_to_initiator(ExchangeType t) {
  return [t](const EnginePair::Datagram& d) {
    if (d.to_responder) return false;
    auto h = codec::decode_header(d.bytes);
    return h && h->exchange_type == t && h->is_response();
  };
}

// The MessageSent events of one message, in order.
std::vector<const Event*> sends_of(const std::vector<Event>& events, ExchangeType t, bool response, uint32_t id) {
  std::vector<const Event*> out;
  for (const auto& e : events)
    if (e.kind == EventKind::MessageSent && e.exchange == t && e.response == response && e.message_id == id)
      out.push_back(&e);
  return out;
}

std::vector<PayloadType> types_of(const std::vector<Payload>& chain) {
  std::vector<PayloadType> out;
  for (const auto& p : chain) out.push_back(p.type);
  return out;
}

// Every datagram the MessageSent events report, in order: with nothing
// missed, exactly what the side handed to its send callback.
std::vector<Bytes> transcript(const std::vector<Event>& events) {
  std::vector<Bytes> out;
  for (const auto& e : events)
    if (e.kind == EventKind::MessageSent) out.insert(out.end(), e.datagrams.begin(), e.datagrams.end());
  return out;
}

std::size_t retransmissions_reported(const std::vector<Event>& events) {
  std::size_t n = 0;
  for (const auto& e : events) n += e.kind == EventKind::MessageSent && e.retransmission;
  return n;
}

// The event right before `e` in `events` (e points into it).
const Event* before(const std::vector<Event>& events, const Event* e) {
  if (e == &events.front()) return nullptr;
  return e - 1;
}

// The first send and the resend of one message: same bytes, same
// description, only the flag differs.
void expect_resend_of(const Event& first, const Event& again, bool empty_chain = false) {
  EXPECT_FALSE(first.retransmission);
  EXPECT_TRUE(again.retransmission);
  EXPECT_FALSE(again.datagrams.empty());
  EXPECT_EQ(again.datagrams, first.datagrams);
  EXPECT_EQ(again.exchange, first.exchange);
  EXPECT_EQ(again.response, first.response);
  EXPECT_EQ(again.message_id, first.message_id);
  EXPECT_EQ(again.spi_i, first.spi_i);
  EXPECT_EQ(again.spi_r, first.spi_r);
  EXPECT_EQ(again.ike_sa, first.ike_sa);
  EXPECT_EQ(again.payloads.empty(), empty_chain);
  EXPECT_EQ(types_of(again.payloads), types_of(first.payloads));
}

TEST(RetransmissionEvents, LostIkeAuthResponse) {
  EnginePair p;
  auto serial = p.i->initiate(kResponderAddr);
  ASSERT_TRUE(serial.ok());
  deliver_dropping_once(p, response_to_initiator(ExchangeType::IKE_AUTH));
  ASSERT_EQ(p.i->ike_sa(*serial)->state, IkeSaState::Authenticating);
  ASSERT_TRUE(p.tick());  // the IKE_AUTH request's retransmission timer
  ASSERT_EQ(p.i->ike_sa(*serial)->state, IkeSaState::Established);

  // The initiator's request, sent twice.
  auto req = sends_of(p.events_i, ExchangeType::IKE_AUTH, false, 1);
  ASSERT_EQ(req.size(), 2u);
  expect_resend_of(*req[0], *req[1]);
  ASSERT_EQ(p.sent_i.size(), 3u);  // IKE_SA_INIT, IKE_AUTH, IKE_AUTH again
  EXPECT_EQ(req[1]->datagrams, std::vector<Bytes>{p.sent_i[2]});
  EXPECT_EQ(p.sent_i[2], p.sent_i[1]);
  // The Retransmit event stays, and the MessageSent comes right after it.
  const Event* prev = before(p.events_i, req[1]);
  ASSERT_NE(prev, nullptr);
  EXPECT_EQ(prev->kind, EventKind::Retransmit);
  EXPECT_EQ(prev->message_id, 1u);
  EXPECT_EQ(of_kind(p.events_i, EventKind::Retransmit).size(), 1u);
  EXPECT_EQ(p.i->ike_sa(*serial)->retransmissions, 1u);

  // The responder's answer from its cache, sent twice.
  auto resp = sends_of(p.events_r, ExchangeType::IKE_AUTH, true, 1);
  ASSERT_EQ(resp.size(), 2u);
  expect_resend_of(*resp[0], *resp[1]);
  ASSERT_EQ(p.sent_r.size(), 3u);  // IKE_SA_INIT, IKE_AUTH, IKE_AUTH again
  EXPECT_EQ(resp[1]->datagrams, std::vector<Bytes>{p.sent_r[2]});
  EXPECT_EQ(p.sent_r[2], p.sent_r[1]);
  prev = before(p.events_r, resp[1]);
  ASSERT_NE(prev, nullptr);
  EXPECT_EQ(prev->kind, EventKind::Retransmit);
  EXPECT_NE(prev->detail.find("answered from the cache"), std::string::npos) << prev->detail;

  // Nothing that went over the wire is missing from either transcript.
  EXPECT_EQ(transcript(p.events_i), p.sent_i);
  EXPECT_EQ(transcript(p.events_r), p.sent_r);
  EXPECT_EQ(retransmissions_reported(p.events_i), 1u);
  EXPECT_EQ(retransmissions_reported(p.events_r), 1u);

  // The log line says "again"; the first send's wording is unchanged.
  std::string first = format_event(*req[0]);
  std::string again = format_event(*req[1]);
  EXPECT_NE(first.find("sent [IKE SA 1] IKE_AUTH request #1 ["), std::string::npos) << first;
  EXPECT_EQ(first.find("again"), std::string::npos) << first;
  EXPECT_NE(again.find("sent [IKE SA 1] IKE_AUTH request #1 again ["), std::string::npos) << again;
  // Apart from the time and the word, the same line.
  std::string stripped = again;
  stripped.erase(stripped.find(" again"), 6);
  EXPECT_EQ(stripped.substr(stripped.find(" sent")), first.substr(first.find(" sent")));
  EXPECT_NE(format_event(*resp[1]).find("IKE_AUTH response #1 again ["), std::string::npos)
      << format_event(*resp[1]);
}

TEST(RetransmissionEvents, LostIkeSaInitResponseIsAnsweredAgain) {
  EnginePair p;
  auto serial = p.i->initiate(kResponderAddr);
  ASSERT_TRUE(serial.ok());
  deliver_dropping_once(p, response_to_initiator(ExchangeType::IKE_SA_INIT));
  ASSERT_EQ(p.i->ike_sa(*serial)->state, IkeSaState::Connecting);
  ASSERT_TRUE(p.tick());  // the IKE_SA_INIT request's retransmission timer
  ASSERT_EQ(p.i->ike_sa(*serial)->state, IkeSaState::Established);

  auto req = sends_of(p.events_i, ExchangeType::IKE_SA_INIT, false, 0);
  ASSERT_EQ(req.size(), 2u);
  expect_resend_of(*req[0], *req[1]);
  EXPECT_EQ(req[1]->spi_r, 0u);  // the header sent: no responder SPI yet
  EXPECT_EQ(req[1]->datagrams, std::vector<Bytes>{p.sent_i[1]});
  EXPECT_EQ(p.sent_i[1], p.sent_i[0]);

  // RFC 7296 2.1: the same response, byte for byte, with the SPIs of its
  // header.
  auto resp = sends_of(p.events_r, ExchangeType::IKE_SA_INIT, true, 0);
  ASSERT_EQ(resp.size(), 2u);
  expect_resend_of(*resp[0], *resp[1]);
  EXPECT_NE(resp[1]->spi_r, 0u);
  EXPECT_EQ(resp[1]->datagrams, std::vector<Bytes>{p.sent_r[1]});
  EXPECT_EQ(p.sent_r[1], p.sent_r[0]);
  const Event* prev = before(p.events_r, resp[1]);
  ASSERT_NE(prev, nullptr);
  EXPECT_EQ(prev->kind, EventKind::Retransmit);
  EXPECT_NE(prev->detail.find("IKE_SA_INIT request answered again"), std::string::npos) << prev->detail;

  EXPECT_EQ(transcript(p.events_i), p.sent_i);
  EXPECT_EQ(transcript(p.events_r), p.sent_r);
  EXPECT_EQ(retransmissions_reported(p.events_i), 1u);
  EXPECT_EQ(retransmissions_reported(p.events_r), 1u);
  EXPECT_NE(format_event(*resp[1]).find("IKE_SA_INIT response #0 again [SA KE"), std::string::npos)
      << format_event(*resp[1]);
}

TEST(RetransmissionEvents, FragmentedResendKeepsEveryFragmentAndHookChanges) {
  // A large Vendor ID added by the plain hook makes both IKE_AUTH messages
  // exceed the fragment size (RFC 7383): the resends are every fragment, as
  // first built, hook change included, and the hook runs once per message.
  EngineConfig ci = pair_config("initiator.example", "responder.example");
  EngineConfig cr = pair_config("responder.example", "initiator.example");
  ci.fragment_size = cr.fragment_size = 576;
  EnginePair p(ci, cr);
  int built = 0;
  OutgoingHooks h;
  h.plain = [&built](const OutgoingContext& c, codec::Message& m) {
    if (c.exchange != ExchangeType::IKE_AUTH) return;
    ++built;
    codec::VendorIdPayload v;
    v.data = Bytes(1200, 0x5a);
    m.payloads.emplace_back(PayloadType::V, std::move(v));
  };
  p.i->set_outgoing_hooks(h);
  p.r->set_outgoing_hooks(h);
  auto serial = p.i->initiate(kResponderAddr);
  ASSERT_TRUE(serial.ok());
  deliver_dropping_once(p, response_to_initiator(ExchangeType::IKE_AUTH));
  ASSERT_TRUE(p.tick());
  p.deliver_all();
  EXPECT_EQ(built, 2);

  auto req = sends_of(p.events_i, ExchangeType::IKE_AUTH, false, 1);
  ASSERT_EQ(req.size(), 2u);
  EXPECT_GT(req[0]->datagrams.size(), 1u);
  expect_resend_of(*req[0], *req[1]);
  ASSERT_FALSE(req[1]->payloads.empty());
  EXPECT_EQ(req[1]->payloads.back().type, PayloadType::V);
  auto resp = sends_of(p.events_r, ExchangeType::IKE_AUTH, true, 1);
  ASSERT_EQ(resp.size(), 2u);
  EXPECT_GT(resp[0]->datagrams.size(), 1u);
  expect_resend_of(*resp[0], *resp[1]);
  ASSERT_FALSE(resp[1]->payloads.empty());
  EXPECT_EQ(resp[1]->payloads.back().type, PayloadType::V);
  EXPECT_NE(format_event(*req[1]).find("IKE_AUTH request #1 again (" + std::to_string(req[0]->datagrams.size()) +
                                       " fragments) ["),
            std::string::npos)
      << format_event(*req[1]);

  EXPECT_EQ(transcript(p.events_i), p.sent_i);
  EXPECT_EQ(transcript(p.events_r), p.sent_r);
}

TEST(RetransmissionEvents, DeletedSaAnswersFromItsCache) {
  // RFC 7296 2.1: a responder that has deleted the IKE SA still answers a
  // retransmitted Delete from its cache; the resend is reported too.
  EnginePair p;
  uint64_t sa = p.connect();
  ASSERT_EQ(p.i->ike_sa(sa)->state, IkeSaState::Established);
  ASSERT_TRUE(p.i->delete_ike(sa).ok());
  deliver_dropping_once(p, response_to_initiator(ExchangeType::INFORMATIONAL));
  ASSERT_EQ(p.r->ike_sas_in(IkeSaState::Deleted).size(), 1u);
  ASSERT_TRUE(p.tick());
  EXPECT_EQ(p.i->ike_sa(sa)->state, IkeSaState::Deleted);

  auto resp = sends_of(p.events_r, ExchangeType::INFORMATIONAL, true, 2);
  ASSERT_EQ(resp.size(), 2u);
  // RFC 7296 1.4.1: the response to an IKE SA's Delete is empty.
  expect_resend_of(*resp[0], *resp[1], true);
  EXPECT_EQ(resp[1]->datagrams, std::vector<Bytes>{p.sent_r.back()});
  const Event* prev = before(p.events_r, resp[1]);
  ASSERT_NE(prev, nullptr);
  EXPECT_EQ(prev->kind, EventKind::IkeSaState);  // no Retransmit event on this path
  EXPECT_EQ(transcript(p.events_i), p.sent_i);
  EXPECT_EQ(transcript(p.events_r), p.sent_r);
}

TEST(RetransmissionEvents, NoneWithoutLoss) {
  EnginePair p;
  uint64_t sa = p.connect();
  ASSERT_EQ(p.i->ike_sa(sa)->state, IkeSaState::Established);
  ASSERT_TRUE(p.i->liveness_check(sa).ok());
  ASSERT_TRUE(p.i->create_child(sa).ok());
  p.deliver_all();
  ASSERT_TRUE(p.i->delete_ike(sa).ok());
  p.deliver_all();
  EXPECT_EQ(retransmissions_reported(p.events_i), 0u);
  EXPECT_EQ(retransmissions_reported(p.events_r), 0u);
  EXPECT_TRUE(of_kind(p.events_i, EventKind::Retransmit).empty());
  EXPECT_TRUE(of_kind(p.events_r, EventKind::Retransmit).empty());
  EXPECT_EQ(transcript(p.events_i), p.sent_i);
  EXPECT_EQ(transcript(p.events_r), p.sent_r);
  EXPECT_EQ(p.sent_i.size(), 5u);  // IKE_SA_INIT, IKE_AUTH, 2 INFORMATIONAL, CREATE_CHILD_SA
}

}  // namespace
}  // namespace ikeh::engine::test
