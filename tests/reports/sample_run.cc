// SPDX-License-Identifier: Apache-2.0
#include "tests/reports/sample_run.h"

#include "harness/codec/message.h"

namespace ikeh::test {

namespace {

using namespace ikeh::codec;
using core::Bytes;
using reports::ScenarioResult;
using reports::TranscriptMessage;
using reports::Verdict;

constexpr uint64_t kSpiI = 0x0123456789abcdefULL;
constexpr uint64_t kSpiR = 0xfedcba9876543210ULL;

Bytes filled(std::size_t n, uint8_t seed) {
  Bytes b(n);
  for (std::size_t i = 0; i < n; ++i) b[i] = static_cast<uint8_t>(seed + 7 * i);
  return b;
}

Payload sa_payload() {
  Proposal p;
  p.protocol_id = ProtocolId::IKE;
  p.transforms = {Transform(TransformType::ENCR, static_cast<uint16_t>(EncrId::ENCR_AES_CBC), 256),
                  Transform(TransformType::PRF, static_cast<uint16_t>(PrfId::PRF_HMAC_SHA2_256)),
                  Transform(TransformType::INTEG, static_cast<uint16_t>(IntegId::AUTH_HMAC_SHA2_256_128)),
                  Transform(TransformType::DH, static_cast<uint16_t>(DhGroup::ECP_256))};
  SaPayload sa;
  sa.proposals.push_back(p);
  return Payload(PayloadType::SA, sa);
}

Payload ke_payload(uint8_t seed) {
  KePayload ke;
  ke.group = DhGroup::ECP_256;
  ke.data = filled(64, seed);
  return Payload(PayloadType::KE, ke);
}

Payload id_payload(PayloadType t, const char* fqdn) {
  IdPayload id;
  id.id_type = IdType::ID_FQDN;
  id.data = core::to_bytes(fqdn);
  return Payload(t, id);
}

Payload auth_payload(uint8_t seed) {
  AuthPayload a;
  a.method = AuthMethod::SHARED_KEY_MIC;
  a.data = filled(32, seed);
  return Payload(PayloadType::AUTH, a);
}

// A transcript entry whose datagram is the encoded message. For an encrypted
// message the datagram carries an SK payload of stand-in ciphertext and the
// entry holds the inner chain, as the runner records a decrypted message.
TranscriptMessage message(double time, bool from_harness, ExchangeType x, bool response, uint32_t id,
                          std::vector<Payload> payloads, bool encrypted = false) {
  TranscriptMessage t;
  t.time = time;
  t.from_harness = from_harness;
  t.exchange = x;
  t.response = response;
  t.message_id = id;
  t.spi_i = kSpiI;
  t.spi_r = x == ExchangeType::IKE_SA_INIT && !response ? 0 : kSpiR;
  // The harness is the original initiator in every sample scenario.
  uint8_t flags = (from_harness ? flags::kInitiator : 0) | (response ? flags::kResponse : 0);
  std::vector<Payload> outer = payloads;
  if (encrypted) {
    SkPayload sk;
    sk.inner_next = payloads.empty() ? PayloadType::NONE : payloads.front().type;
    sk.data = filled(96, static_cast<uint8_t>(id + 3));
    outer = {Payload(PayloadType::SK, sk)};
    t.decrypted = true;
  }
  t.datagrams.push_back(encode_message(make_message(x, flags, id, t.spi_i, t.spi_r, std::move(outer))));
  t.payloads = std::move(payloads);
  return t;
}

ScenarioResult initial_exchange() {
  ScenarioResult s;
  s.id = "rfc7296/1.2-initial-exchange";
  s.title = "IKE_SA_INIT and IKE_AUTH with a pre-shared key";
  s.reference = "RFC 7296 1.2";
  s.requirement = "The responder answers a well-formed IKE_SA_INIT and IKE_AUTH and the SA comes up.";
  s.role = "initiator";
  s.tags = {"sanity", "psk"};
  s.verdict = Verdict::Pass;
  s.duration = 0.012;
  s.transcript.push_back(message(0.0, true, ExchangeType::IKE_SA_INIT, false, 0,
                                 {sa_payload(), ke_payload(1), make_nonce(filled(32, 9)),
                                  make_notify(NotifyType::NAT_DETECTION_SOURCE_IP, filled(20, 4)),
                                  make_notify(NotifyType::NAT_DETECTION_DESTINATION_IP, filled(20, 5))}));
  s.transcript.push_back(message(0.003, false, ExchangeType::IKE_SA_INIT, true, 0,
                                 {sa_payload(), ke_payload(2), make_nonce(filled(32, 10))}));
  s.transcript.push_back(message(0.005, true, ExchangeType::IKE_AUTH, false, 1,
                                 {id_payload(PayloadType::IDi, "harness.example"), auth_payload(11),
                                  make_notify(NotifyType::INITIAL_CONTACT)},
                                 true));
  s.transcript.push_back(message(0.009, false, ExchangeType::IKE_AUTH, true, 1,
                                 {id_payload(PayloadType::IDr, "peer.example"), auth_payload(12)}, true));
  s.events = {"IKE_SA 0123456789abcdef established", "child SA installed"};
  s.pcap_file = "rfc7296/1.2-initial-exchange.pcap";
  s.key_table_file = "rfc7296/1.2-initial-exchange.keys";
  return s;
}

ScenarioResult cookie_required() {
  ScenarioResult s;
  s.id = "rfc7296/2.6-cookie-required";
  s.title = "Responder under load asks for a cookie";
  s.reference = "RFC 7296 2.6";
  s.requirement = "An IKE_SA_INIT without KE is refused with INVALID_SYNTAX.";
  s.role = "initiator";
  s.tags = {"cookie", "malformed"};
  s.verdict = Verdict::Fail;
  s.reason = "step 1: the response carries N(NO_PROPOSAL_CHOSEN), not N(INVALID_SYNTAX)";
  s.expected = "IKE_SA_INIT response with N(INVALID_SYNTAX)";
  s.got = "IKE_SA_INIT response with N(NO_PROPOSAL_CHOSEN)";
  s.failed_step = 1;
  s.failed_message = 1;
  s.duration = 0.004;
  auto req = message(0.0, true, ExchangeType::IKE_SA_INIT, false, 0, {sa_payload(), make_nonce(filled(32, 1))});
  req.mutations = {"plain: removed payload KE"};
  s.transcript.push_back(std::move(req));
  s.transcript.push_back(
      message(0.002, false, ExchangeType::IKE_SA_INIT, true, 0, {make_notify(NotifyType::NO_PROPOSAL_CHOSEN)}));
  s.events = {"sent IKE_SA_INIT request without KE", "received N(NO_PROPOSAL_CHOSEN)"};
  return s;
}

ScenarioResult retransmit() {
  ScenarioResult s;
  s.id = "rfc7296/2.1-retransmit-request";
  s.title = "A lost request is retransmitted and answered";
  s.reference = "RFC 7296 2.1";
  s.requirement = "The responder answers a retransmitted request once.";
  s.role = "initiator";
  s.tags = {"retransmit"};
  s.verdict = Verdict::KnownDeviation;
  s.reason = "profile peers/example.json: the peer answers after 2 s instead of at once";
  s.duration = 2.5;
  auto first = message(0.0, true, ExchangeType::IKE_SA_INIT, false, 0,
                       {sa_payload(), ke_payload(3), make_nonce(filled(32, 2))});
  first.fault = "dropped";
  first.note = "lost on the link; retransmitted after 1 s";
  s.transcript.push_back(first);
  auto again = first;
  again.time = 1.0;
  again.fault.clear();
  again.note = "retransmission";
  s.transcript.push_back(std::move(again));
  s.transcript.push_back(message(2.0, false, ExchangeType::IKE_SA_INIT, true, 0,
                                 {sa_payload(), ke_payload(4), make_nonce(filled(32, 6))}));
  return s;
}

ScenarioResult harness_error() {
  ScenarioResult s;
  s.id = "rfc7296/3.3-proposal-order";
  s.title = kSampleEvilTitle;
  s.reference = "RFC 7296 3.3";
  s.requirement = "Proposals are answered in the initiator's order of preference.";
  s.role = "responder";
  s.tags = {"sa", "malformed"};
  s.verdict = Verdict::Error;
  s.reason = std::string("cannot bind UDP 500: address in use \x01 (bell \x07)");
  return s;
}

ScenarioResult skipped() {
  ScenarioResult s;
  s.id = "flexvpn/fragmentation";
  s.title = "IKE_AUTH split into fragments";
  s.reference = "RFC 7383 2.5";
  s.requirement = "A fragmented IKE_AUTH is reassembled.";
  s.role = "initiator";
  s.tags = {"fragmentation"};
  s.verdict = Verdict::Skip;
  s.reason = "the peer lacks the capability ike_fragmentation";
  return s;
}

}  // namespace

reports::RunResult sample_run() {
  reports::RunResult run;
  run.peer = "self";
  run.seed = 42;
  run.started = "2026-11-27T10:00:00Z";
  run.duration = 2.6;
  run.scenarios = {initial_exchange(), cookie_required(), retransmit(), harness_error(), skipped()};
  return run;
}

}  // namespace ikeh::test
