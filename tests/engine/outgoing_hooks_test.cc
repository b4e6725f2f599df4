// SPDX-License-Identifier: Apache-2.0
// Engine::set_outgoing_hooks: each stage (plain, encoded, protect, wire)
// changes what leaves, once per message built; what the engine keeps as sent
// (AUTH's IKE_SA_INIT bytes, events, the response cache) is the result.
#include <gtest/gtest.h>

#include <algorithm>
#include <utility>

#include "harness/codec/message.h"
#include "tests/engine/engine_pair.h"

namespace ikeh::engine::test {
namespace {

using codec::ExchangeType;
using codec::NotifyType;
using codec::Payload;
using codec::PayloadType;

bool is(const OutgoingContext& c, ExchangeType t, bool response) { return c.exchange == t && c.response == response; }

void erase_type(std::vector<Payload>& chain, PayloadType t) {
  std::erase_if(chain, [t](const Payload& p) { return p.type == t; });
}

Payload vendor_id(const std::string& s) {
  codec::VendorIdPayload v;
  v.data = text(s);
  return Payload(PayloadType::V, std::move(v));
}

IkeSaState state_of(const Engine& e, uint64_t serial) {
  auto info = e.ike_sa(serial);
  EXPECT_TRUE(info.has_value());
  return info ? info->state : IkeSaState::Deleted;
}

TEST(OutgoingHooks, NoHooksEstablishes) {
  EnginePair p;
  uint64_t sa = p.connect();
  EXPECT_EQ(state_of(*p.i, sa), IkeSaState::Established);
  EXPECT_EQ(p.r->ike_sas_in(IkeSaState::Established).size(), 1u);
}

TEST(OutgoingHooks, HooksThatChangeNothingLeaveTheBytesAlone) {
  // Same seeds, with and without hooks that only look: byte-identical runs.
  auto run = [](bool hooked) {
    EnginePair p;
    if (hooked) {
      OutgoingHooks h;
      h.plain = [](const OutgoingContext&, codec::Message&) {};
      h.encoded = [](const OutgoingContext&, Bytes&, PayloadType&) {};
      h.protect = [](const OutgoingContext&, crypto::ProtectFaults&) {};
      h.wire = [](const OutgoingContext&, std::vector<Bytes>&) {};
      p.i->set_outgoing_hooks(h);
      p.r->set_outgoing_hooks(h);
    }
    uint64_t sa = p.connect();
    EXPECT_TRUE(p.i->liveness_check(sa).ok());
    EXPECT_TRUE(p.i->create_child(sa).ok());
    p.deliver_all();
    EXPECT_EQ(state_of(*p.i, sa), IkeSaState::Established);
    return std::make_pair(p.sent_i, p.sent_r);
  };
  auto plain = run(false);
  auto hooked = run(true);
  EXPECT_EQ(plain.first.size(), 4u);
  EXPECT_EQ(plain, hooked);
}

TEST(OutgoingHooks, PlainRemovesKeFromInitRequest) {
  EnginePair p;
  OutgoingHooks h;
  h.plain = [](const OutgoingContext& c, codec::Message& m) {
    EXPECT_FALSE(c.encrypted);
    if (is(c, ExchangeType::IKE_SA_INIT, false)) erase_type(m.payloads, PayloadType::KE);
  };
  p.i->set_outgoing_hooks(h);
  uint64_t sa = p.connect();
  // RFC 7296 2.21.1: answered with INVALID_SYNTAX, no state on the responder.
  EXPECT_TRUE(p.r->ike_sas().empty());
  ASSERT_EQ(p.sent_r.size(), 1u);
  EXPECT_EQ(outer_notifies(p.sent_r[0]), std::vector<NotifyType>{NotifyType::INVALID_SYNTAX});
  EXPECT_EQ(state_of(*p.i, sa), IkeSaState::Failed);
  // The event shows the request as sent: no KE.
  auto sent = of_kind(p.events_i, EventKind::MessageSent);
  ASSERT_FALSE(sent.empty());
  EXPECT_FALSE(has_payload(sent[0]->payloads, PayloadType::KE));
  EXPECT_TRUE(has_payload(sent[0]->payloads, PayloadType::SA));
  EXPECT_EQ(sent[0]->datagrams, std::vector<Bytes>{p.sent_i[0]});
}

TEST(OutgoingHooks, PlainRemovesAuthFromIkeAuthRequest) {
  EnginePair p;
  OutgoingHooks h;
  int calls = 0;
  h.plain = [&](const OutgoingContext& c, codec::Message& m) {
    if (!is(c, ExchangeType::IKE_AUTH, false)) return;
    ++calls;
    EXPECT_TRUE(c.encrypted);
    EXPECT_EQ(c.message_id, 1u);
    EXPECT_EQ(m.header.message_id, 1u);
    EXPECT_EQ(m.header.exchange_type, ExchangeType::IKE_AUTH);
    erase_type(m.payloads, PayloadType::AUTH);
  };
  p.i->set_outgoing_hooks(h);
  uint64_t sa = p.connect();
  EXPECT_EQ(calls, 1);
  EXPECT_TRUE(p.r->ike_sas_in(IkeSaState::Established).empty());
  // The responder's protected answer is INVALID_SYNTAX (RFC 7296 2.21.2).
  auto sent_r = of_kind(p.events_r, EventKind::MessageSent);
  ASSERT_EQ(sent_r.size(), 2u);
  EXPECT_EQ(notifies_of(sent_r[1]->payloads), std::vector<NotifyType>{NotifyType::INVALID_SYNTAX});
  EXPECT_EQ(state_of(*p.i, sa), IkeSaState::Failed);
  auto sent_i = of_kind(p.events_i, EventKind::MessageSent);
  ASSERT_EQ(sent_i.size(), 2u);
  EXPECT_FALSE(has_payload(sent_i[1]->payloads, PayloadType::AUTH));
  EXPECT_TRUE(has_payload(sent_i[1]->payloads, PayloadType::IDi));
}

TEST(OutgoingHooks, EncodedFlipsInnerPlaintextOfIkeAuth) {
  EnginePair p;
  OutgoingHooks h;
  h.encoded = [](const OutgoingContext& c, Bytes& encoded, PayloadType& first) {
    if (!is(c, ExchangeType::IKE_AUTH, false)) return;
    EXPECT_EQ(first, PayloadType::IDi);
    ASSERT_GT(encoded.size(), 4u);
    encoded[4] ^= 0x40;  // the IDi's ID Type: no PSK for that identity, AUTH does not verify
  };
  p.i->set_outgoing_hooks(h);
  uint64_t sa = p.connect();
  // Re-protected after the change: the responder decrypts it and refuses the
  // content.
  auto got = of_kind(p.events_r, EventKind::MessageReceived);
  ASSERT_EQ(got.size(), 2u);
  const auto* idi = find(got[1]->payloads, PayloadType::IDi);
  ASSERT_NE(idi, nullptr);
  EXPECT_NE(idi->as<codec::IdPayload>()->id_type, codec::IdType::ID_FQDN);
  EXPECT_TRUE(p.r->ike_sas_in(IkeSaState::Established).empty());
  EXPECT_EQ(state_of(*p.i, sa), IkeSaState::Failed);
}

TEST(OutgoingHooks, ProtectCorruptsIcvAndRetransmissionsResendTheSameBytes) {
  EnginePair p;
  OutgoingHooks h;
  int calls = 0;
  h.protect = [&](const OutgoingContext& c, crypto::ProtectFaults& f) {
    if (!is(c, ExchangeType::IKE_AUTH, false)) return;
    ++calls;
    f.corrupt_icv = true;
  };
  p.i->set_outgoing_hooks(h);
  uint64_t sa = p.connect();
  auto errors = of_kind(p.events_r, EventKind::Error);
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_NE(errors[0]->detail.find("ICV"), std::string::npos) << errors[0]->detail;
  ASSERT_EQ(p.sent_i.size(), 2u);
  const Bytes first = p.sent_i[1];
  ASSERT_TRUE(p.tick());
  // The retransmission is the same (corrupted) bytes; the hook ran once.
  ASSERT_EQ(of_kind(p.events_i, EventKind::Retransmit).size(), 1u);
  ASSERT_EQ(p.sent_i.size(), 3u);
  EXPECT_EQ(p.sent_i[2], first);
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(of_kind(p.events_r, EventKind::Error).size(), 2u);
  EXPECT_EQ(state_of(*p.i, sa), IkeSaState::Authenticating);
}

TEST(OutgoingHooks, WireTruncatesEncryptedRequest) {
  EnginePair p;
  OutgoingHooks h;
  h.wire = [](const OutgoingContext& c, std::vector<Bytes>& d) {
    if (is(c, ExchangeType::IKE_AUTH, false)) d[0].resize(d[0].size() - 10);
  };
  p.i->set_outgoing_hooks(h);
  p.connect();
  // The responder drops it without an answer.
  EXPECT_EQ(p.sent_r.size(), 1u);
  EXPECT_FALSE(of_kind(p.events_r, EventKind::Error).empty());
  auto sent = of_kind(p.events_i, EventKind::MessageSent);
  ASSERT_EQ(sent.size(), 2u);
  EXPECT_EQ(sent[1]->datagrams, std::vector<Bytes>{p.sent_i[1]});
}

TEST(OutgoingHooks, MessageSentShowsWhatWasSent) {
  EnginePair p;
  OutgoingHooks h;
  h.plain = [](const OutgoingContext& c, codec::Message& m) {
    if (c.encrypted) m.payloads.push_back(vendor_id("plain stage"));
  };
  h.wire = [](const OutgoingContext& c, std::vector<Bytes>& d) {
    // Duplicate the IKE_AUTH request: the copy is dropped as a
    // retransmission by the responder.
    if (is(c, ExchangeType::IKE_AUTH, false)) d.push_back(d[0]);
  };
  p.i->set_outgoing_hooks(h);
  uint64_t sa = p.connect();
  EXPECT_EQ(state_of(*p.i, sa), IkeSaState::Established);
  auto sent = of_kind(p.events_i, EventKind::MessageSent);
  ASSERT_EQ(sent.size(), 2u);
  EXPECT_TRUE(has_payload(sent[1]->payloads, PayloadType::V));
  ASSERT_EQ(sent[1]->datagrams.size(), 2u);
  EXPECT_EQ(sent[1]->datagrams[0], p.sent_i[1]);
  EXPECT_EQ(sent[1]->datagrams[1], p.sent_i[2]);
  // The responder received the Vendor ID inside SK.
  auto got = of_kind(p.events_r, EventKind::MessageReceived);
  ASSERT_GE(got.size(), 2u);
  EXPECT_TRUE(has_payload(got[1]->payloads, PayloadType::V));
}

TEST(OutgoingHooks, MutatedIkeSaInitStillAuthenticates) {
  // Both sides add a Vendor ID to their IKE_SA_INIT message: AUTH must sign
  // the bytes sent (RFC 7296 2.15), or the peer's check fails.
  EnginePair p;
  OutgoingHooks h;
  h.plain = [](const OutgoingContext& c, codec::Message& m) {
    if (c.exchange == ExchangeType::IKE_SA_INIT) m.payloads.push_back(vendor_id("mutated"));
  };
  p.i->set_outgoing_hooks(h);
  p.r->set_outgoing_hooks(h);
  uint64_t sa = p.connect();
  EXPECT_EQ(state_of(*p.i, sa), IkeSaState::Established);
  EXPECT_EQ(p.r->ike_sas_in(IkeSaState::Established).size(), 1u);
  auto m = codec::decode_message(p.sent_i[0]);
  ASSERT_TRUE(m.ok());
  EXPECT_TRUE(has_payload(m->payloads, PayloadType::V));
  auto sent_r = of_kind(p.events_r, EventKind::MessageSent);
  ASSERT_FALSE(sent_r.empty());
  EXPECT_TRUE(has_payload(sent_r[0]->payloads, PayloadType::V));
}

TEST(OutgoingHooks, WireChangeOfIkeSaInitIsSigned) {
  // A Vendor ID spliced into the encoded IKE_SA_INIT request at the wire
  // stage: both sides sign and check the bytes as sent.
  EnginePair p;
  OutgoingHooks h;
  h.wire = [](const OutgoingContext& c, std::vector<Bytes>& d) {
    if (c.exchange == ExchangeType::IKE_SA_INIT && !c.response) {
      auto m = codec::decode_message(d[0]);
      ASSERT_TRUE(m.ok());
      // A Vendor ID appended by hand, lengths patched.
      Bytes v = {0, 0, 0, 8, 'w', 'i', 'r', 'e'};
      Bytes& b = d[0];
      // The last payload's Next Payload (first byte of its generic header).
      std::size_t off = codec::kHeaderSize;
      for (std::size_t k = 0; k + 1 < m->payloads.size(); ++k) off += m->payloads[k].raw().size();
      b[off] = static_cast<uint8_t>(PayloadType::V);
      b.insert(b.end(), v.begin(), v.end());
      uint32_t len = static_cast<uint32_t>(b.size());
      b[24] = static_cast<uint8_t>(len >> 24);
      b[25] = static_cast<uint8_t>(len >> 16);
      b[26] = static_cast<uint8_t>(len >> 8);
      b[27] = static_cast<uint8_t>(len);
    }
  };
  p.i->set_outgoing_hooks(h);
  uint64_t sa = p.connect();
  EXPECT_EQ(state_of(*p.i, sa), IkeSaState::Established);
  EXPECT_EQ(p.r->ike_sas_in(IkeSaState::Established).size(), 1u);
}

TEST(OutgoingHooks, CachedResponseIsResentAsMutated) {
  EnginePair p;
  OutgoingHooks h;
  int calls = 0;
  h.plain = [&](const OutgoingContext& c, codec::Message& m) {
    if (!is(c, ExchangeType::IKE_AUTH, true)) return;
    ++calls;
    m.payloads.push_back(vendor_id("response"));
  };
  p.r->set_outgoing_hooks(h);
  auto serial = p.i->initiate(kResponderAddr);
  ASSERT_TRUE(serial.ok());
  // IKE_SA_INIT both ways, then the IKE_AUTH request; its response is lost.
  for (int k = 0; k < 3 && !p.in_flight.empty(); ++k) {
    auto d = std::move(p.in_flight.front());
    p.in_flight.pop_front();
    (d.to_responder ? p.r : p.i)->receive(d.bytes, d.from);
  }
  ASSERT_EQ(p.sent_r.size(), 2u);
  p.drop_all();
  ASSERT_TRUE(p.tick());  // the initiator retransmits; the cache answers
  EXPECT_EQ(calls, 1);
  ASSERT_EQ(p.sent_r.size(), 3u);
  EXPECT_EQ(p.sent_r[2], p.sent_r[1]);
  EXPECT_EQ(state_of(*p.i, *serial), IkeSaState::Established);
}

TEST(OutgoingHooks, WireSeesEveryFragment) {
  // A plain-stage payload large enough to need RFC 7383 fragments: the wire
  // hook gets them all, the protect hook is not asked for SKF.
  EnginePair p;
  OutgoingHooks h;
  std::size_t fragments = 0;
  int protect_calls = 0;
  h.plain = [](const OutgoingContext& c, codec::Message& m) {
    if (is(c, ExchangeType::IKE_AUTH, false)) m.payloads.push_back(vendor_id(std::string(3000, 'x')));
  };
  h.protect = [&](const OutgoingContext& c, crypto::ProtectFaults&) {
    if (is(c, ExchangeType::IKE_AUTH, false)) ++protect_calls;
  };
  h.wire = [&](const OutgoingContext& c, std::vector<Bytes>& d) {
    if (is(c, ExchangeType::IKE_AUTH, false)) fragments = d.size();
  };
  p.i->set_outgoing_hooks(h);
  uint64_t sa = p.connect();
  EXPECT_EQ(state_of(*p.i, sa), IkeSaState::Established);
  EXPECT_GT(fragments, 1u);
  EXPECT_EQ(protect_calls, 0);
  auto sent = of_kind(p.events_i, EventKind::MessageSent);
  ASSERT_EQ(sent.size(), 2u);
  EXPECT_EQ(sent[1]->datagrams.size(), fragments);
  EXPECT_TRUE(has_payload(sent[1]->payloads, PayloadType::V));
}

TEST(OutgoingHooks, ContextNamesEachMessage) {
  EnginePair p;
  std::vector<OutgoingContext> seen;
  OutgoingHooks h;
  h.wire = [&](const OutgoingContext& c, std::vector<Bytes>&) { seen.push_back(c); };
  p.i->set_outgoing_hooks(h);
  uint64_t sa = p.connect();
  ASSERT_TRUE(p.i->liveness_check(sa).ok());
  p.deliver_all();
  ASSERT_EQ(seen.size(), 3u);
  EXPECT_EQ(seen[0].exchange, ExchangeType::IKE_SA_INIT);
  EXPECT_EQ(seen[0].ike_sa, sa);
  EXPECT_FALSE(seen[0].encrypted);
  EXPECT_EQ(seen[1].exchange, ExchangeType::IKE_AUTH);
  EXPECT_EQ(seen[1].message_id, 1u);
  EXPECT_TRUE(seen[1].encrypted);
  EXPECT_EQ(seen[2].exchange, ExchangeType::INFORMATIONAL);
  EXPECT_EQ(seen[2].message_id, 2u);
  EXPECT_FALSE(seen[2].response);
}

}  // namespace
}  // namespace ikeh::engine::test
