// SPDX-License-Identifier: Apache-2.0
// Requests the engine cannot process are answered with the RFC 7296 error
// notifies: INVALID_MAJOR_VERSION (2.5), UNSUPPORTED_CRITICAL_PAYLOAD (2.5,
// 3.10.1), INVALID_SYNTAX (2.21.1); unknown non-critical payloads are
// ignored; responses are never answered.
#include <gtest/gtest.h>

#include "harness/codec/message.h"
#include "tests/engine/engine_pair.h"

namespace ikeh::engine::test {
namespace {

using codec::ExchangeType;
using codec::NotifyType;
using codec::Payload;
using codec::PayloadType;

constexpr auto kUnknownType = static_cast<PayloadType>(200);

bool is(const OutgoingContext& c, ExchangeType t, bool response) { return c.exchange == t && c.response == response; }

Payload unknown_payload(bool critical) {
  codec::UnknownPayload u;
  u.data = {1, 2, 3, 4};
  Payload p(kUnknownType, std::move(u));
  p.critical = critical;
  return p;
}

IkeSaState state_of(const Engine& e, uint64_t serial) {
  auto info = e.ike_sa(serial);
  EXPECT_TRUE(info.has_value());
  return info ? info->state : IkeSaState::Deleted;
}

// The one unprotected answer the responder sent, decoded.
codec::Message only_answer(const EnginePair& p) {
  EXPECT_EQ(p.sent_r.size(), 1u);
  if (p.sent_r.empty()) return {};
  auto m = codec::decode_message(p.sent_r[0]);
  EXPECT_TRUE(m.ok()) << m.error().to_string();
  return m ? std::move(m).value() : codec::Message{};
}

TEST(ErrorResponses, HigherMajorVersionInInitRequest) {
  EnginePair p;
  OutgoingHooks h;
  h.wire = [](const OutgoingContext& c, std::vector<Bytes>& d) {
    if (is(c, ExchangeType::IKE_SA_INIT, false)) d[0][17] = 0x30;  // version 3.0
  };
  p.i->set_outgoing_hooks(h);
  uint64_t sa = p.connect();
  EXPECT_TRUE(p.r->ike_sas().empty());
  auto request = codec::decode_header(p.sent_i[0]);
  ASSERT_TRUE(request.ok());
  codec::Message a = only_answer(p);
  // RFC 7296 2.5: version 2.0 in the answer, SPIs and Message ID copied.
  EXPECT_EQ(a.header.version, 0x20);
  EXPECT_EQ(a.header.exchange_type, ExchangeType::IKE_SA_INIT);
  EXPECT_TRUE(a.header.is_response());
  EXPECT_FALSE(a.header.is_initiator());
  EXPECT_EQ(a.header.spi_i, request->spi_i);
  EXPECT_EQ(a.header.spi_r, 0u);
  EXPECT_EQ(a.header.message_id, 0u);
  EXPECT_EQ(notifies_of(a.payloads), std::vector<NotifyType>{NotifyType::INVALID_MAJOR_VERSION});
  EXPECT_EQ(state_of(*p.i, sa), IkeSaState::Failed);
}

TEST(ErrorResponses, HigherMajorVersionInOtherRequestIsOnlyDropped) {
  EnginePair p;
  OutgoingHooks h;
  h.wire = [](const OutgoingContext& c, std::vector<Bytes>& d) {
    if (is(c, ExchangeType::IKE_AUTH, false)) d[0][17] = 0x30;
  };
  p.i->set_outgoing_hooks(h);
  p.connect();
  EXPECT_EQ(p.sent_r.size(), 1u);  // the IKE_SA_INIT response only
  EXPECT_FALSE(of_kind(p.events_r, EventKind::Error).empty());
}

TEST(ErrorResponses, CriticalUnknownPayloadInInitRequest) {
  EnginePair p;
  OutgoingHooks h;
  h.plain = [](const OutgoingContext& c, codec::Message& m) {
    if (is(c, ExchangeType::IKE_SA_INIT, false)) m.payloads.push_back(unknown_payload(true));
  };
  p.i->set_outgoing_hooks(h);
  uint64_t sa = p.connect();
  EXPECT_TRUE(p.r->ike_sas().empty());
  codec::Message a = only_answer(p);
  ASSERT_EQ(notifies_of(a.payloads), std::vector<NotifyType>{NotifyType::UNSUPPORTED_CRITICAL_PAYLOAD});
  // RFC 7296 3.10.1: the data is the one-octet payload type.
  EXPECT_EQ(a.find_notify(NotifyType::UNSUPPORTED_CRITICAL_PAYLOAD)->data, Bytes{200});
  EXPECT_EQ(a.header.spi_r, 0u);
  EXPECT_EQ(state_of(*p.i, sa), IkeSaState::Failed);
}

TEST(ErrorResponses, NonCriticalUnknownPayloadsAreIgnored) {
  EnginePair p;
  OutgoingHooks h;
  h.plain = [](const OutgoingContext& c, codec::Message& m) {
    if (!c.response) m.payloads.push_back(unknown_payload(false));
  };
  p.i->set_outgoing_hooks(h);
  uint64_t sa = p.connect();
  EXPECT_EQ(state_of(*p.i, sa), IkeSaState::Established);
  EXPECT_EQ(p.r->ike_sas_in(IkeSaState::Established).size(), 1u);
  ASSERT_TRUE(p.i->liveness_check(sa).ok());
  p.deliver_all();
  EXPECT_EQ(state_of(*p.i, sa), IkeSaState::Established);
  auto got = of_kind(p.events_r, EventKind::MessageReceived);
  ASSERT_EQ(got.size(), 3u);
  EXPECT_TRUE(has_payload(got[1]->payloads, kUnknownType));
  EXPECT_TRUE(has_payload(got[2]->payloads, kUnknownType));
}

TEST(ErrorResponses, CriticalUnknownPayloadInIkeAuthIsAnsweredProtected) {
  EnginePair p;
  OutgoingHooks h;
  h.plain = [](const OutgoingContext& c, codec::Message& m) {
    if (is(c, ExchangeType::IKE_AUTH, false)) m.payloads.push_back(unknown_payload(true));
  };
  p.i->set_outgoing_hooks(h);
  uint64_t sa = p.connect();
  EXPECT_TRUE(p.r->ike_sas_in(IkeSaState::Established).empty());
  auto sent = of_kind(p.events_r, EventKind::MessageSent);
  ASSERT_EQ(sent.size(), 2u);
  EXPECT_EQ(sent[1]->exchange, ExchangeType::IKE_AUTH);
  ASSERT_EQ(notifies_of(sent[1]->payloads), std::vector<NotifyType>{NotifyType::UNSUPPORTED_CRITICAL_PAYLOAD});
  auto chain = sent[1]->payloads;
  EXPECT_EQ(find_notify(chain, NotifyType::UNSUPPORTED_CRITICAL_PAYLOAD)->data, Bytes{200});
  // Protected: the datagram is an SK message.
  auto m = codec::decode_message(sent[1]->datagrams.at(0));
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(m->payloads.back().type, PayloadType::SK);
  EXPECT_EQ(state_of(*p.i, sa), IkeSaState::Failed);
}

TEST(ErrorResponses, CriticalUnknownPayloadOnEstablishedSa) {
  EnginePair p;
  uint64_t sa = p.connect();
  ASSERT_EQ(state_of(*p.i, sa), IkeSaState::Established);
  OutgoingHooks h;
  h.plain = [](const OutgoingContext& c, codec::Message& m) {
    if (is(c, ExchangeType::INFORMATIONAL, false)) m.payloads.push_back(unknown_payload(true));
  };
  p.i->set_outgoing_hooks(h);
  ASSERT_TRUE(p.i->liveness_check(sa).ok());
  p.deliver_all();
  auto sent = of_kind(p.events_r, EventKind::MessageSent);
  ASSERT_EQ(sent.size(), 3u);
  EXPECT_EQ(sent[2]->exchange, ExchangeType::INFORMATIONAL);
  EXPECT_EQ(sent[2]->message_id, 2u);
  auto chain = sent[2]->payloads;
  const auto* n = find_notify(chain, NotifyType::UNSUPPORTED_CRITICAL_PAYLOAD);
  ASSERT_NE(n, nullptr);
  EXPECT_EQ(n->data, Bytes{200});
  auto got = of_kind(p.events_i, EventKind::MessageReceived);
  ASSERT_FALSE(got.empty());
  EXPECT_EQ(notifies_of(got.back()->payloads), std::vector<NotifyType>{NotifyType::UNSUPPORTED_CRITICAL_PAYLOAD});
}

TEST(ErrorResponses, InitRequestThatDoesNotParseIsInvalidSyntax) {
  EnginePair p;
  OutgoingHooks h;
  h.wire = [](const OutgoingContext& c, std::vector<Bytes>& d) {
    // The first payload's length runs past the end of the message.
    if (is(c, ExchangeType::IKE_SA_INIT, false)) {
      d[0][codec::kHeaderSize + 2] = 0xff;
      d[0][codec::kHeaderSize + 3] = 0xff;
    }
  };
  p.i->set_outgoing_hooks(h);
  uint64_t sa = p.connect();
  EXPECT_TRUE(p.r->ike_sas().empty());
  codec::Message a = only_answer(p);
  EXPECT_EQ(notifies_of(a.payloads), std::vector<NotifyType>{NotifyType::INVALID_SYNTAX});
  EXPECT_TRUE(a.header.is_response());
  EXPECT_EQ(a.header.spi_r, 0u);
  EXPECT_EQ(state_of(*p.i, sa), IkeSaState::Failed);
  auto sent = of_kind(p.events_r, EventKind::MessageSent);
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0]->datagrams, std::vector<Bytes>{p.sent_r[0]});
}

TEST(ErrorResponses, ErrorAnswersPassThroughTheHooks) {
  EnginePair p;
  OutgoingHooks ri;
  ri.plain = [](const OutgoingContext& c, codec::Message& m) {
    if (is(c, ExchangeType::IKE_SA_INIT, false)) m.payloads.push_back(unknown_payload(true));
  };
  p.i->set_outgoing_hooks(ri);
  OutgoingHooks rr;
  std::vector<OutgoingContext> seen;
  rr.plain = [&](const OutgoingContext& c, codec::Message&) { seen.push_back(c); };
  p.r->set_outgoing_hooks(rr);
  p.connect();
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].exchange, ExchangeType::IKE_SA_INIT);
  EXPECT_TRUE(seen[0].response);
  EXPECT_FALSE(seen[0].encrypted);
}

TEST(ErrorResponses, ResponsesAreNeverAnswered) {
  struct Case {
    const char* name;
    std::function<void(const OutgoingContext&, codec::Message&)> plain;
    std::function<void(const OutgoingContext&, std::vector<Bytes>&)> wire;
  };
  const Case cases[] = {
      {"critical payload in IKE_SA_INIT response",
       [](const OutgoingContext& c, codec::Message& m) {
         if (is(c, ExchangeType::IKE_SA_INIT, true)) m.payloads.push_back(unknown_payload(true));
       },
       nullptr},
      {"IKE_SA_INIT response of version 3", nullptr,
       [](const OutgoingContext& c, std::vector<Bytes>& d) {
         if (is(c, ExchangeType::IKE_SA_INIT, true)) d[0][17] = 0x30;
       }},
      {"IKE_SA_INIT response that does not parse", nullptr,
       [](const OutgoingContext& c, std::vector<Bytes>& d) {
         if (is(c, ExchangeType::IKE_SA_INIT, true)) d[0][codec::kHeaderSize + 3] = 0xff;
       }},
      {"critical payload in IKE_AUTH response",
       [](const OutgoingContext& c, codec::Message& m) {
         if (is(c, ExchangeType::IKE_AUTH, true)) m.payloads.push_back(unknown_payload(true));
       },
       nullptr},
  };
  for (const auto& k : cases) {
    SCOPED_TRACE(k.name);
    EnginePair p;
    OutgoingHooks h;
    h.plain = k.plain;
    h.wire = k.wire;
    p.r->set_outgoing_hooks(h);
    p.connect();
    // The initiator's requests only: one IKE_SA_INIT, and an IKE_AUTH when
    // the IKE_SA_INIT response was usable.
    const bool init_ok = std::string(k.name).find("IKE_AUTH") != std::string::npos;
    EXPECT_EQ(p.sent_i.size(), init_ok ? 2u : 1u);
    // Dropped with an event (or, for IKE_SA_INIT, the attempt failed).
    EXPECT_FALSE(of_kind(p.events_i, EventKind::Error).empty() && p.i->ike_sas_in(IkeSaState::Failed).empty());
    EXPECT_TRUE(p.i->ike_sas_in(IkeSaState::Established).empty());
  }
}

}  // namespace
}  // namespace ikeh::engine::test
