// SPDX-License-Identifier: Apache-2.0
#include "tests/support/temp_dir.h"
#include "harness/scenario/scenario_loader.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

namespace ikeh::scenario {
namespace {

using codec::CfgAttributeType;
using codec::CfgType;
using codec::ExchangeType;
using codec::NotifyType;
using codec::PayloadType;
using core::Bytes;
using json = nlohmann::json;
using std::chrono::hours;
using std::chrono::milliseconds;
using std::chrono::minutes;
using std::chrono::seconds;
using ::testing::MatchesRegex;
namespace fs = std::filesystem;

constexpr const char* kPskVariable = "IKEH_SCENARIO_LOADER_TEST_PSK";

json side_config(const std::string& id, const std::string& peer_id) {
  return json{{"local", {{"auth", "psk"}, {"id", id}, {"psk", {{"env", kPskVariable}}}}},
              {"remote", {{"id", peer_id}}}};
}

// A minimal valid scenario; tests change one thing in it.
json base_document() {
  return json{{"title", "IKE_SA_INIT is answered"},
              {"reference", "RFC 7296 1.2"},
              {"requirement", "A responder answers IKE_SA_INIT with SA, KE and Nr."},
              {"role", "initiator"},
              {"harness", side_config("initiator.test", "responder.test")},
              {"peer", side_config("responder.test", "initiator.test")},
              {"steps", json::array({json{{"start", "ike_sa"}},
                                     json{{"expect", {{"exchange", "IKE_SA_INIT"}, {"response", true}}}}})}};
}

class ScenarioLoader : public ::testing::Test {
 protected:
  void SetUp() override { ::setenv(kPskVariable, "0x00112233445566778899aabbccddeeff", 1); }

  static core::Result<Scenario> parse(const json& doc) { return parse_text(doc.dump()); }
  static core::Result<Scenario> parse_text(const std::string& text) {
    return parse_scenario(text, "rfc7296/1.2-test", "t.json", ".");
  }
  // The one-line error of a document that must fail.
  static std::string error_of(const json& doc) { return error_of_text(doc.dump()); }
  static std::string error_of_text(const std::string& text) {
    auto r = parse_text(text);
    if (r) return "(loaded without error)";
    return r.error().to_string();
  }
  // A document whose only step is `step` after a start.
  static json with_step(const json& step) {
    json d = base_document();
    d["steps"][1] = step;
    return d;
  }
  static Scenario parse_ok(const json& doc) {
    auto r = parse(doc);
    EXPECT_TRUE(r) << (r ? "" : r.error().to_string());
    return r ? std::move(r).value() : Scenario{};
  }
  template <class T>
  static T step_as(const Scenario& s, std::size_t i) {
    if (i >= s.steps.size() || !std::holds_alternative<T>(s.steps[i])) {
      ADD_FAILURE() << "step " << i << " is missing or of another kind";
      return T{};
    }
    return std::get<T>(s.steps[i]);
  }
};

// ---------------------------------------------------------------------------
// Valid documents

TEST_F(ScenarioLoader, TopLevelFields) {
  json d = base_document();
  d["$schema"] = "../schema/scenario.schema.json";
  d["role"] = "responder";
  d["sanity"] = "rfc7296/1.2-basic";
  d["tags"] = {"smoke", "cookie"};
  d["requires"] = {"cookie", "initiator"};
  d["comment"] = "free text";
  d["harness"]["ike"] = {{"nonce_size", 40}};
  Scenario s = parse_ok(d);
  EXPECT_EQ(s.id, "rfc7296/1.2-test");
  EXPECT_EQ(s.source, "t.json");
  EXPECT_EQ(s.title, "IKE_SA_INIT is answered");
  EXPECT_EQ(s.reference, "RFC 7296 1.2");
  EXPECT_EQ(s.requirement, "A responder answers IKE_SA_INIT with SA, KE and Nr.");
  EXPECT_EQ(s.role, Role::Responder);
  EXPECT_EQ(s.sanity, std::optional<std::string>("rfc7296/1.2-basic"));
  EXPECT_EQ(s.tags, (std::vector<std::string>{"smoke", "cookie"}));
  EXPECT_EQ(s.requires_capabilities, (std::vector<std::string>{"cookie", "initiator"}));
  EXPECT_EQ(s.harness.nonce_size, 40u);
  EXPECT_EQ(s.peer.nonce_size, 32u);
  EXPECT_EQ(s.peer.local_id.data, core::to_bytes("responder.test"));
  ASSERT_EQ(s.steps.size(), 2u);
  EXPECT_EQ(s.step_pointers, (std::vector<std::string>{"/steps/0", "/steps/1"}));
}

TEST_F(ScenarioLoader, RoleInitiatorAndNoSanity) {
  Scenario s = parse_ok(base_document());
  EXPECT_EQ(s.role, Role::Initiator);
  EXPECT_FALSE(s.sanity);
  EXPECT_TRUE(s.tags.empty());
  EXPECT_TRUE(s.requires_capabilities.empty());
}

TEST_F(ScenarioLoader, StartKindsAndSides) {
  json d = base_document();
  d["steps"] = json::array();
  const std::vector<std::pair<std::string, StartKind>> kinds = {
      {"ike_sa", StartKind::IkeSa},           {"child_sa", StartKind::ChildSa},
      {"rekey_child", StartKind::RekeyChild}, {"rekey_ike", StartKind::RekeyIke},
      {"delete_child", StartKind::DeleteChild}, {"delete_ike", StartKind::DeleteIke},
      {"liveness", StartKind::Liveness},      {"cfg_set", StartKind::CfgSet}};
  for (const auto& [name, kind] : kinds) d["steps"].push_back({{"start", name}, {"by", "peer"}});
  d["steps"].push_back({{"start", "ike_sa"}, {"comment", "the harness is the default"}});
  Scenario s = parse_ok(d);
  ASSERT_EQ(s.steps.size(), kinds.size() + 1);
  for (std::size_t i = 0; i < kinds.size(); ++i) {
    auto st = step_as<StartStep>(s, i);
    EXPECT_EQ(st.kind, kinds[i].second) << kinds[i].first;
    EXPECT_EQ(st.by, Side::Peer) << kinds[i].first;
  }
  EXPECT_EQ(step_as<StartStep>(s, kinds.size()).by, Side::Harness);
}

TEST_F(ScenarioLoader, CfgSetAttributesTakeAddressesAndHex) {
  json d = with_step({{"start", "cfg_set"},
                      {"attributes",
                       {{{"type", "INTERNAL_IP4_ADDRESS"}, {"value", "10.0.0.5"}},
                        {{"type", "internal_ip4_subnet"}, {"value", "10.1.0.0/255.255.0.0"}},
                        {{"type", 8}, {"value", "2001:db8::1/64"}},
                        {{"type", "APPLICATION_VERSION"}, {"value", "0x61:62"}},
                        {{"type", "INTERNAL_IP4_DNS"}}}}});
  Scenario s = parse_ok(d);
  auto st = step_as<StartStep>(s, 1);
  ASSERT_EQ(st.attributes.size(), 5u);
  EXPECT_EQ(st.attributes[0].type, CfgAttributeType::INTERNAL_IP4_ADDRESS);
  EXPECT_EQ(st.attributes[0].value, (Bytes{10, 0, 0, 5}));
  EXPECT_EQ(st.attributes[1].type, CfgAttributeType::INTERNAL_IP4_SUBNET);
  EXPECT_EQ(st.attributes[1].value, (Bytes{10, 1, 0, 0, 255, 255, 0, 0}));
  EXPECT_EQ(st.attributes[2].type, CfgAttributeType::INTERNAL_IP6_ADDRESS);
  Bytes v6 = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 64};
  EXPECT_EQ(st.attributes[2].value, v6);
  EXPECT_EQ(st.attributes[3].type, CfgAttributeType::APPLICATION_VERSION);
  EXPECT_EQ(st.attributes[3].value, (Bytes{0x61, 0x62}));
  EXPECT_TRUE(st.attributes[4].value.empty());
}

TEST_F(ScenarioLoader, ExpectMatchFieldsAndPayloadSpecs) {
  json d = with_step({{"expect",
                       {{"exchange", 35},
                        {"response", false},
                        {"message_id", 4294967295u},
                        {"payloads", {"SA", "KE", "Ni", "Nr", "nonce", "N(COOKIE)", "N(16390)", "n(invalid_ke_payload)",
                                      "CP(CFG_REPLY)", "41", "v", "IDi"}},
                        {"order", "includes"},
                        {"absent", {"N", "CP", "CERTREQ"}}}}});
  Scenario s = parse_ok(d);
  auto e = step_as<ExpectStep>(s, 1);
  EXPECT_FALSE(e.nothing);
  EXPECT_EQ(e.match.exchange, ExchangeType::IKE_AUTH);
  EXPECT_EQ(e.match.response, false);
  EXPECT_EQ(e.match.message_id, 4294967295u);
  EXPECT_EQ(e.order, PayloadOrder::Includes);
  ASSERT_TRUE(e.payloads);
  const auto& p = *e.payloads;
  ASSERT_EQ(p.size(), 12u);
  EXPECT_EQ(p[0].type, PayloadType::SA);
  EXPECT_EQ(p[0].text, "SA");
  EXPECT_EQ(p[1].type, PayloadType::KE);
  for (int i : {2, 3, 4}) {
    EXPECT_EQ(p[i].type, PayloadType::NONCE) << p[i].text;
    EXPECT_FALSE(p[i].notify);
  }
  EXPECT_EQ(p[5].type, PayloadType::N);
  EXPECT_EQ(p[5].notify, static_cast<uint16_t>(NotifyType::COOKIE));
  EXPECT_EQ(p[5].text, "N(COOKIE)");
  EXPECT_EQ(p[6].type, PayloadType::N);
  EXPECT_EQ(p[6].notify, 16390);
  EXPECT_EQ(p[7].notify, static_cast<uint16_t>(NotifyType::INVALID_KE_PAYLOAD));
  EXPECT_EQ(p[8].type, PayloadType::CP);
  EXPECT_EQ(p[8].cfg, CfgType::CFG_REPLY);
  EXPECT_FALSE(p[8].notify);
  EXPECT_EQ(p[9].type, PayloadType::N);
  EXPECT_FALSE(p[9].notify);
  EXPECT_EQ(p[10].type, PayloadType::V);
  EXPECT_EQ(p[11].type, PayloadType::IDi);
  ASSERT_EQ(e.absent.size(), 3u);
  EXPECT_EQ(e.absent[0].type, PayloadType::N);
  EXPECT_FALSE(e.absent[0].notify);
  EXPECT_EQ(e.absent[1].type, PayloadType::CP);
  EXPECT_FALSE(e.absent[1].cfg);
  EXPECT_EQ(e.absent[2].type, PayloadType::CERTREQ);
}

TEST_F(ScenarioLoader, ExpectDefaults) {
  Scenario s = parse_ok(base_document());
  auto e = step_as<ExpectStep>(s, 1);
  EXPECT_EQ(e.match.exchange, ExchangeType::IKE_SA_INIT);
  EXPECT_EQ(e.match.response, true);
  EXPECT_FALSE(e.match.message_id);
  EXPECT_FALSE(e.payloads);
  EXPECT_EQ(e.order, PayloadOrder::Exact);
  EXPECT_EQ(e.within, seconds(30));
  EXPECT_TRUE(e.notifies.empty());
  EXPECT_FALSE(e.cp);
  EXPECT_FALSE(e.sa);
  EXPECT_TRUE(e.captures.empty());
}

TEST_F(ScenarioLoader, PayloadOrderSet) {
  Scenario s = parse_ok(with_step({{"expect", {{"payloads", {"SA"}}, {"order", "set"}}}}));
  EXPECT_EQ(step_as<ExpectStep>(s, 1).order, PayloadOrder::Set);
}

TEST_F(ScenarioLoader, ExpectNotifyCpSaCapture) {
  json d = with_step(
      {{"expect",
        {{"notify",
          {{{"type", "COOKIE"}, {"data_length", 32}},
           {{"type", 17}, {"data", "00:13"}},
           {{"type", "nat_detection_source_ip"}, {"data", "0x0A0b"}}}},
         {"cp",
          {{"type", "CFG_REPLY"},
           {"only", true},
           {"attributes",
            {{{"type", "INTERNAL_IP4_ADDRESS"}, {"value", "10.99.0.1"}},
             {{"type", "INTERNAL_IP4_DNS"}, {"length", 4}},
             {{"type", "APPLICATION_VERSION"}, {"value", "6869"}}}}}},
         {"sa", {{"encr", "ENCR_AES_GCM_16"}, {"key_length", 256}, {"prf", 5}, {"integ", "auth_hmac_sha2_256_128"},
                 {"dh", "CURVE25519"}}},
         {"capture", {{"spi", "spi_r"}, {"cookie_data", "cookie"}, {"ni", "nonce"}, {"inner", "address"}}}}}});
  Scenario s = parse_ok(d);
  auto e = step_as<ExpectStep>(s, 1);
  ASSERT_EQ(e.notifies.size(), 3u);
  EXPECT_EQ(e.notifies[0].type, 16390);
  EXPECT_EQ(e.notifies[0].data_length, 32u);
  EXPECT_FALSE(e.notifies[0].data);
  EXPECT_EQ(e.notifies[1].type, 17);
  EXPECT_EQ(e.notifies[1].data, (Bytes{0x00, 0x13}));
  EXPECT_EQ(e.notifies[2].type, static_cast<uint16_t>(NotifyType::NAT_DETECTION_SOURCE_IP));
  EXPECT_EQ(e.notifies[2].data, (Bytes{0x0a, 0x0b}));

  ASSERT_TRUE(e.cp);
  EXPECT_EQ(e.cp->type, CfgType::CFG_REPLY);
  EXPECT_TRUE(e.cp->only);
  ASSERT_EQ(e.cp->attributes.size(), 3u);
  EXPECT_EQ(e.cp->attributes[0].type, static_cast<uint16_t>(CfgAttributeType::INTERNAL_IP4_ADDRESS));
  EXPECT_EQ(e.cp->attributes[0].value, (Bytes{10, 99, 0, 1}));
  EXPECT_EQ(e.cp->attributes[1].type, static_cast<uint16_t>(CfgAttributeType::INTERNAL_IP4_DNS));
  EXPECT_EQ(e.cp->attributes[1].length, 4u);
  EXPECT_FALSE(e.cp->attributes[1].value);
  // Not an address attribute: the value is hex, not text.
  EXPECT_EQ(e.cp->attributes[2].value, (Bytes{0x68, 0x69}));

  ASSERT_TRUE(e.sa);
  EXPECT_EQ(e.sa->encr, 20);
  EXPECT_EQ(e.sa->key_length, 256);
  EXPECT_EQ(e.sa->prf, 5);
  EXPECT_EQ(e.sa->integ, 12);
  EXPECT_EQ(e.sa->dh, 31);

  // Captures come in key order (JSON objects are read sorted).
  ASSERT_EQ(e.captures.size(), 4u);
  std::map<std::string, std::string> got;
  for (const auto& c : e.captures) got[c.name] = c.from;
  EXPECT_EQ(got, (std::map<std::string, std::string>{
                     {"spi", "spi_r"}, {"cookie_data", "cookie"}, {"ni", "nonce"}, {"inner", "address"}}));
}

TEST_F(ScenarioLoader, Durations) {
  json d = base_document();
  d["steps"] = json::array({json{{"expect", {{"within", "250ms"}}}}, json{{"expect", {{"within", 2}}}},
                            json{{"expect_nothing", "2s"}}, json{{"wait", "3m"}}, json{{"wait", "1h"}},
                            json{{"wait", 1.5}}, json{{"wait", "0.5s"}}, json{{"wait", 0}}});
  Scenario s = parse_ok(d);
  EXPECT_EQ(step_as<ExpectStep>(s, 0).within, milliseconds(250));
  EXPECT_EQ(step_as<ExpectStep>(s, 1).within, seconds(2));
  auto nothing = step_as<ExpectStep>(s, 2);
  EXPECT_TRUE(nothing.nothing);
  EXPECT_EQ(nothing.within, seconds(2));
  EXPECT_EQ(step_as<WaitStep>(s, 3).duration, minutes(3));
  EXPECT_EQ(step_as<WaitStep>(s, 4).duration, hours(1));
  EXPECT_EQ(step_as<WaitStep>(s, 5).duration, milliseconds(1500));
  EXPECT_EQ(step_as<WaitStep>(s, 6).duration, milliseconds(500));
  EXPECT_EQ(step_as<WaitStep>(s, 7).duration, seconds(0));
}

TEST_F(ScenarioLoader, Assertions) {
  json d = base_document();
  d["steps"] = json::array(
      {json{{"assert", {{"ike_sa_state", "Established"}, {"child_sas", 1}}}},
       json{{"assert",
             {{"side", "peer"}, {"ike_sas", 2}, {"state", "Deleted"}, {"identity", "initiator.test"}}}},
       json{{"assert", {{"event", "COOKIE"}, {"no_event", "retransmit"}}}}, json{{"assert", {{"ike_sas", 0}}}}});
  Scenario s = parse_ok(d);
  auto a0 = step_as<AssertStep>(s, 0);
  EXPECT_EQ(a0.side, Side::Harness);
  EXPECT_EQ(a0.ike_sa_state, engine::IkeSaState::Established);
  EXPECT_EQ(a0.child_sas, 1u);
  EXPECT_FALSE(a0.ike_sas);
  auto a1 = step_as<AssertStep>(s, 1);
  EXPECT_EQ(a1.side, Side::Peer);
  EXPECT_EQ(a1.ike_sas, 2u);
  EXPECT_EQ(a1.count_state, engine::IkeSaState::Deleted);
  EXPECT_EQ(a1.identity, std::optional<std::string>("initiator.test"));
  auto a2 = step_as<AssertStep>(s, 2);
  EXPECT_EQ(a2.event, std::optional<std::string>("COOKIE"));
  EXPECT_EQ(a2.no_event, std::optional<std::string>("retransmit"));
  auto a3 = step_as<AssertStep>(s, 3);
  EXPECT_EQ(a3.ike_sas, 0u);
  EXPECT_EQ(a3.count_state, engine::IkeSaState::Established);
}

TEST_F(ScenarioLoader, Faults) {
  json d = base_document();
  d["steps"] = json::array(
      {json{{"fault", {{"action", "drop"}, {"from", "peer"}, {"exchange", "IKE_SA_INIT"}, {"response", true},
                       {"count", 2}}}},
       json{{"fault", {{"action", "duplicate"}, {"copies", 3}, {"packet", 1}, {"from", "harness"}}}},
       json{{"fault", {{"action", "delay"}, {"delay", "1500ms"}, {"message_id", 1}}}},
       json{{"fault", {{"action", "reorder"}, {"hold_for", 2}, {"probability", 0.5}}}},
       json{{"fault", {{"action", "corrupt"}, {"offset", 17}, {"mask", 128}}}}});
  Scenario s = parse_ok(d);
  using net::FaultAction;
  auto f0 = step_as<FaultStep>(s, 0);
  EXPECT_EQ(f0.rule.action, FaultAction::Drop);
  EXPECT_EQ(f0.from, Side::Peer);
  EXPECT_EQ(f0.rule.match.exchange_type, ExchangeType::IKE_SA_INIT);
  EXPECT_EQ(f0.rule.match.response, true);
  EXPECT_EQ(f0.rule.limit, 2u);
  auto f1 = step_as<FaultStep>(s, 1);
  EXPECT_EQ(f1.rule.action, FaultAction::Duplicate);
  EXPECT_EQ(f1.rule.extra_copies, 3u);
  EXPECT_EQ(f1.rule.match.packet_index, 1u);
  EXPECT_EQ(f1.from, Side::Harness);
  EXPECT_FALSE(f1.rule.limit);
  auto f2 = step_as<FaultStep>(s, 2);
  EXPECT_EQ(f2.rule.action, FaultAction::Delay);
  EXPECT_EQ(f2.rule.delay, milliseconds(1500));
  EXPECT_EQ(f2.rule.match.message_id, 1u);
  EXPECT_FALSE(f2.from);
  auto f3 = step_as<FaultStep>(s, 3);
  EXPECT_EQ(f3.rule.action, FaultAction::Reorder);
  EXPECT_EQ(f3.rule.hold_for, 2u);
  EXPECT_EQ(f3.rule.match.probability, 0.5);
  auto f4 = step_as<FaultStep>(s, 4);
  EXPECT_EQ(f4.rule.action, FaultAction::Corrupt);
  EXPECT_EQ(f4.rule.corruption.offset, 17u);
  EXPECT_EQ(f4.rule.corruption.mask, 128);
}

// ---------------------------------------------------------------------------
// Errors: one line, exact pointer and message

TEST_F(ScenarioLoader, UnknownTopLevelKeyWithSuggestion) {
  json d = base_document();
  d["requirment"] = d["requirement"];
  EXPECT_EQ(error_of(d), "t.json: /requirment: unknown key (did you mean \"requirement\"?)");
}

TEST_F(ScenarioLoader, MisspeltStepKind) {
  EXPECT_EQ(error_of(with_step({{"expct", {{"exchange", "IKE_SA_INIT"}}}})),
            "t.json: /steps/1/expct: unknown key (did you mean \"expect\"?)");
}

// The list of kinds in these messages may grow (later kinds are appended),
// so the tail is matched as ", kind" repeated.
TEST_F(ScenarioLoader, TwoKindsInOneStep) {
  EXPECT_THAT(error_of(with_step({{"expect", json::object()}, {"wait", "1s"}})),
              MatchesRegex("t\\.json: /steps/1: a step needs exactly one of start, expect, expect_nothing, assert, "
                           "wait, fault(, [a-z_]+)*; this one has several"));
}

TEST_F(ScenarioLoader, StepWithoutKind) {
  EXPECT_THAT(error_of(with_step({{"comment", "nothing else"}})),
              MatchesRegex("t\\.json: /steps/1: a step needs exactly one of start, expect, expect_nothing, assert, "
                           "wait, fault(, [a-z_]+)*"));
}

TEST_F(ScenarioLoader, KeyOfAnotherKind) {
  EXPECT_EQ(error_of(with_step({{"wait", "1s"}, {"by", "peer"}})), "t.json: /steps/1/by: unknown key");
}

TEST_F(ScenarioLoader, UnknownKeyInExpect) {
  EXPECT_EQ(error_of(with_step({{"expect", {{"payload", {"SA"}}}}})),
            "t.json: /steps/1/expect/payload: unknown key (did you mean \"payloads\"?)");
}

TEST_F(ScenarioLoader, UnknownPayloadWithSuggestion) {
  EXPECT_EQ(error_of(with_step({{"expect", {{"payloads", {"SA", "KE", "NONCEE"}}}}})),
            "t.json: /steps/1/expect/payloads/2: unknown payload \"NONCEE\" (did you mean \"NONCE\"?)");
}

TEST_F(ScenarioLoader, UnknownNotifyTypeInPayloadSpec) {
  EXPECT_EQ(error_of(with_step({{"expect", {{"absent", {"N(COOKEI)"}}}}})),
            "t.json: /steps/1/expect/absent/0: unknown notify type \"COOKEI\" (did you mean \"COOKIE\"?)");
}

TEST_F(ScenarioLoader, UnknownNotifyTypeInNotifyList) {
  EXPECT_EQ(error_of(with_step({{"expect", {{"notify", {{{"type", "INVALID_KE_PAYLOD"}}}}}}})),
            "t.json: /steps/1/expect/notify/0/type: unknown notify type \"INVALID_KE_PAYLOD\" (did you mean "
            "\"INVALID_KE_PAYLOAD\"?)");
}

TEST_F(ScenarioLoader, PayloadSpecArgumentErrors) {
  EXPECT_EQ(error_of(with_step({{"expect", {{"payloads", {"SA(1)"}}}}})),
            "t.json: /steps/1/expect/payloads/0: \"SA(1)\": only N(...) and CP(...) take an argument");
  EXPECT_EQ(error_of(with_step({{"expect", {{"payloads", {"N(COOKIE"}}}}})),
            "t.json: /steps/1/expect/payloads/0: \"N(COOKIE\": a \"(\" without its \")\"");
  EXPECT_EQ(error_of(with_step({{"expect", {{"payloads", {"CP(CFG_REPYL)"}}}}})),
            "t.json: /steps/1/expect/payloads/0: unknown configuration type \"CFG_REPYL\" (did you mean "
            "\"CFG_REPLY\"?)");
}

TEST_F(ScenarioLoader, BadDurations) {
  EXPECT_EQ(error_of(with_step({{"wait", "5 sec"}})),
            "t.json: /steps/1/wait: \"5 sec\" is not a duration (seconds, or a number with ms, s, m or h)");
  EXPECT_EQ(error_of(with_step({{"expect", {{"within", "ms"}}}})),
            "t.json: /steps/1/expect/within: \"ms\" is not a duration (seconds, or a number with ms, s, m or h)");
  EXPECT_EQ(error_of(with_step({{"expect_nothing", -1}})),
            "t.json: /steps/1/expect_nothing: a duration must be between 0 and one year");
  EXPECT_EQ(error_of(with_step({{"wait", true}})),
            "t.json: /steps/1/wait: expected a duration (seconds, or a string such as \"500ms\", \"2s\", \"3m\"), "
            "got a boolean");
}

TEST_F(ScenarioLoader, OrderWithoutPayloads) {
  EXPECT_EQ(error_of(with_step({{"expect", {{"order", "set"}}}})),
            "t.json: /steps/1/expect/order: \"order\" applies to \"payloads\", which is missing");
}

TEST_F(ScenarioLoader, UnknownOrderValue) {
  EXPECT_EQ(error_of(with_step({{"expect", {{"payloads", {"SA"}}, {"order", "exactly"}}}})),
            "t.json: /steps/1/expect/order: unknown value \"exactly\" (did you mean \"exact\"?); one of \"exact\", "
            "\"set\", \"includes\"");
}

TEST_F(ScenarioLoader, MissingRequiredTopLevelKeys) {
  for (const char* key : {"title", "reference", "requirement"}) {
    json d = base_document();
    d.erase(key);
    EXPECT_EQ(error_of(d), std::string("t.json: /") + key + ": every scenario states its " + key +
                               " (a non-empty string)");
    d[key] = "";
    EXPECT_EQ(error_of(d), std::string("t.json: /") + key + ": every scenario states its " + key +
                               " (a non-empty string)");
  }
  json d = base_document();
  d.erase("role");
  EXPECT_EQ(error_of(d),
            "t.json: /role: every scenario states the role the harness plays: \"initiator\" or \"responder\"");
  d["role"] = "initator";
  EXPECT_EQ(error_of(d), "t.json: /role: unknown value \"initator\" (did you mean \"initiator\"?); one of "
                         "\"initiator\", \"responder\"");
}

TEST_F(ScenarioLoader, MissingOrEmptySteps) {
  json d = base_document();
  d.erase("steps");
  EXPECT_EQ(error_of(d), "t.json: /steps: a scenario needs \"steps\"");
  d["steps"] = json::array();
  EXPECT_EQ(error_of(d), "t.json: /steps: a scenario needs at least one step");
}

TEST_F(ScenarioLoader, NetworkInsideHarness) {
  json d = base_document();
  d["harness"]["network"] = {{"local_port", 500}};
  EXPECT_EQ(error_of(d),
            "t.json: /harness/network: addresses come from the peer profile (scenarios/peers), not from a scenario");
}

TEST_F(ScenarioLoader, EngineConfigErrorCarriesSidePrefix) {
  json d = base_document();
  d["harness"]["ike"] = {{"proposals", {"aes256gcm61-prfsha256-ecp256"}}};
  EXPECT_EQ(error_of(d),
            "t.json: /harness/ike/proposals/0: unknown algorithm \"aes256gcm61\" in \"aes256gcm61-prfsha256-ecp256\" "
            "(did you mean \"aes256gcm16\"?)");
  json p = base_document();
  p["peer"]["ike"] = {{"nonce_sise", 32}};
  EXPECT_EQ(error_of(p), "t.json: /peer/ike/nonce_sise: unknown key (did you mean \"nonce_size\"?)");
}

TEST_F(ScenarioLoader, MissingSideConfiguration) {
  json d = base_document();
  d.erase("peer");
  EXPECT_EQ(error_of(d), "t.json: /peer/local/auth: missing: say how this side authenticates, \"psk\" or \"pubkey\"");
}

TEST_F(ScenarioLoader, DuplicateKey) {
  std::string text = base_document().dump();
  // Insert a second "title" right after the opening brace.
  text.insert(1, "\"title\":\"again\",");
  EXPECT_EQ(error_of_text(text), "t.json: /title: duplicate key (each key may appear once in an object)");
  std::string nested = with_step({{"expect", {{"exchange", "IKE_AUTH"}}}}).dump();
  auto at = nested.find("{\"exchange\"");
  ASSERT_NE(at, std::string::npos);
  nested.insert(at + 1, "\"exchange\":\"IKE_AUTH\",");
  EXPECT_EQ(error_of_text(nested), "t.json: /steps/1/expect/exchange: duplicate key (each key may appear once in an "
                                   "object)");
}

TEST_F(ScenarioLoader, JsonSyntaxError) {
  std::string e = error_of_text("{\"title\": }");
  EXPECT_EQ(e.rfind("t.json: line 1, column ", 0), 0u) << e;
}

TEST_F(ScenarioLoader, StepValueErrors) {
  EXPECT_EQ(error_of(with_step({{"start", "ike_sas"}})),
            "t.json: /steps/1/start: unknown exchange to start \"ike_sas\" (did you mean \"ike_sa\"?)");
  EXPECT_EQ(error_of(with_step({{"start", "ike_sa"}, {"attributes", json::array()}})),
            "t.json: /steps/1/attributes: \"attributes\" belong to start \"cfg_set\"");
  EXPECT_EQ(error_of(with_step({{"assert", {{"side", "peer"}}}})),
            "t.json: /steps/1/assert: an assertion needs at least one of ike_sa_state, ike_sas, child_sas, event, "
            "no_event");
  EXPECT_EQ(error_of(with_step({{"assert", {{"ike_sa_state", "established"}}}})),
            "t.json: /steps/1/assert/ike_sa_state: unknown IKE SA state \"established\" (did you mean "
            "\"Established\"?)");
  EXPECT_EQ(error_of(with_step({{"assert", {{"state", "Deleted"}, {"child_sas", 0}}}})),
            "t.json: /steps/1/assert/state: \"state\" qualifies \"ike_sas\", which is missing");
  EXPECT_EQ(error_of(with_step({{"fault", {{"action", "drop"}, {"copies", 2}}}})),
            "t.json: /steps/1/fault/copies: \"copies\" applies to action duplicate only");
  EXPECT_EQ(error_of(with_step({{"fault", {{"action", "delay"}}}})),
            "t.json: /steps/1/fault: a delay fault needs \"delay\"");
  EXPECT_EQ(error_of(with_step({{"fault", {{"from", "peer"}}}})),
            "t.json: /steps/1/fault: a fault needs \"action\": drop, duplicate, delay, reorder or corrupt");
  EXPECT_EQ(error_of(with_step({{"fault", {{"action", "drop"}, {"from", "harness->peer"}}}})),
            "t.json: /steps/1/fault/from: unknown value \"harness->peer\"; one of \"harness\", \"peer\"");
  EXPECT_EQ(error_of(with_step({{"expect", {{"capture", {{"x", "spi"}}}}}})),
            "t.json: /steps/1/expect/capture/x: unknown source \"spi\" (did you mean \"spi_i\"?)");
  EXPECT_EQ(error_of(with_step({{"expect", {{"notify", {{{"type", "COOKIE"}, {"data", "abc"}}}}}}})),
            "t.json: /steps/1/expect/notify/0/data: \"abc\" is not hex bytes (an odd number of digits)");
  EXPECT_EQ(error_of(with_step({{"expect", {{"exchange", "IKE_AUHT"}}}})),
            "t.json: /steps/1/expect/exchange: unknown exchange type \"IKE_AUHT\" (did you mean \"IKE_AUTH\"?)");
}

TEST_F(ScenarioLoader, ExpectIdentityTrafficSelectorsAndVendorIds) {
  json d = with_step({{"expect",
                       {{"id", "responder.test"},
                        {"ts", {{"TSi", {"10.99.0.10/32"}}, {"TSr", {"0.0.0.0/0", "10.1.0.1-10.1.0.9[tcp/80-90]", "::/0"}}}},
                        {"vendor_ids", {"0a0b0c", "0x4048:b7d5*", "*"}}}}});
  auto e = step_as<ExpectStep>(parse_ok(d), 1);
  ASSERT_TRUE(e.id);
  EXPECT_EQ(e.id->id_type, codec::IdType::ID_FQDN);
  EXPECT_EQ(e.id->data, core::to_bytes("responder.test"));
  ASSERT_TRUE(e.ts);
  ASSERT_TRUE(e.ts->tsi);
  ASSERT_EQ(e.ts->tsi->size(), 1u);
  EXPECT_EQ((*e.ts->tsi)[0].start_address, (Bytes{10, 99, 0, 10}));
  EXPECT_EQ((*e.ts->tsi)[0].end_address, (Bytes{10, 99, 0, 10}));
  ASSERT_TRUE(e.ts->tsr);
  ASSERT_EQ(e.ts->tsr->size(), 3u);
  EXPECT_EQ((*e.ts->tsr)[0].end_address, (Bytes{255, 255, 255, 255}));
  EXPECT_EQ((*e.ts->tsr)[1].ip_protocol_id, 6);
  EXPECT_EQ((*e.ts->tsr)[1].start_port, 80);
  EXPECT_EQ((*e.ts->tsr)[1].end_port, 90);
  EXPECT_EQ((*e.ts->tsr)[2].ts_type, codec::TsType::TS_IPV6_ADDR_RANGE);
  ASSERT_EQ(e.vendor_ids.size(), 3u);
  EXPECT_EQ(e.vendor_ids[0].data, (Bytes{0x0a, 0x0b, 0x0c}));
  EXPECT_FALSE(e.vendor_ids[0].prefix);
  EXPECT_EQ(e.vendor_ids[1].data, (Bytes{0x40, 0x48, 0xb7, 0xd5}));
  EXPECT_TRUE(e.vendor_ids[1].prefix);
  EXPECT_EQ(e.vendor_ids[1].text, "0x4048:b7d5*");
  EXPECT_TRUE(e.vendor_ids[2].data.empty());
  EXPECT_TRUE(e.vendor_ids[2].prefix);

  // An address is an address identity; TSr alone is enough.
  e = step_as<ExpectStep>(parse_ok(with_step({{"expect", {{"id", "10.0.0.2"}, {"ts", {{"TSr", {"::/0"}}}}}}})), 1);
  EXPECT_EQ(e.id->id_type, codec::IdType::ID_IPV4_ADDR);
  EXPECT_EQ(e.id->data, (Bytes{10, 0, 0, 2}));
  EXPECT_FALSE(e.ts->tsi);
  EXPECT_TRUE(e.ts->tsr);

  // Without the keys nothing is checked.
  e = step_as<ExpectStep>(parse_ok(base_document()), 1);
  EXPECT_FALSE(e.id);
  EXPECT_FALSE(e.ts);
  EXPECT_TRUE(e.vendor_ids.empty());
}

TEST_F(ScenarioLoader, ExpectIdentityTrafficSelectorAndVendorIdErrors) {
  auto expect = [](json body) { return with_step({{"expect", std::move(body)}}); };
  EXPECT_THAT(error_of(expect({{"id", ""}})), MatchesRegex("t\\.json: /steps/1/expect/id: .+"));
  EXPECT_THAT(error_of(expect({{"id", "ipv4:10.0.0.300"}})), MatchesRegex("t\\.json: /steps/1/expect/id: .*10\\.0\\.0\\.300.*"));
  EXPECT_EQ(error_of(expect({{"id", 7}})), "t.json: /steps/1/expect/id: expected a string, got an integer");
  EXPECT_THAT(error_of(expect({{"ts", {{"TSi", {"10.0.0.0/24", "10.0.0.300/32"}}}}})),
              MatchesRegex("t\\.json: /steps/1/expect/ts/TSi/1: \"10\\.0\\.0\\.300/32\": .+"));
  EXPECT_THAT(error_of(expect({{"ts", {{"TSr", {"0.0.0.0/0[tcpp]"}}}}})),
              MatchesRegex("t\\.json: /steps/1/expect/ts/TSr/0: .*unknown protocol \"tcpp\".*"));
  EXPECT_EQ(error_of(expect({{"ts", {{"TSi", json::array()}}}})),
            "t.json: /steps/1/expect/ts/TSi: at least one traffic selector (a TS payload carries one or more)");
  EXPECT_EQ(error_of(expect({{"ts", json::object()}})), "t.json: /steps/1/expect/ts: \"ts\" needs \"TSi\", \"TSr\" or both");
  EXPECT_EQ(error_of(expect({{"ts", {{"tsi", {"10.0.0.0/24"}}}}})),
            "t.json: /steps/1/expect/ts/tsi: unknown key (did you mean \"TSi\"?)");
  EXPECT_EQ(error_of(expect({{"ts", {{"TSi", "10.0.0.0/24"}}}})),
            "t.json: /steps/1/expect/ts/TSi: expected an array of traffic selector strings, got a string");
  EXPECT_EQ(error_of(expect({{"vendor_ids", {"0a0b", "abc*"}}})),
            "t.json: /steps/1/expect/vendor_ids/1: \"abc\" is not hex bytes (an odd number of digits)");
  EXPECT_EQ(error_of(expect({{"vendor_ids", {"0g*"}}})),
            "t.json: /steps/1/expect/vendor_ids/0: \"0g\" is not hex bytes");
  EXPECT_EQ(error_of(expect({{"vendor_ids", "0a0b"}})),
            "t.json: /steps/1/expect/vendor_ids: expected an array of vendor IDs (hex, or hex followed by * for a "
            "prefix), got a string");
  EXPECT_EQ(error_of(expect({{"vendor_id", {"0a0b"}}})),
            "t.json: /steps/1/expect/vendor_id: unknown key (did you mean \"vendor_ids\"?)");
}

TEST_F(ScenarioLoader, FragmentMutation) {
  for (const char* stage : {"plain", "encoded"}) {
    auto m = step_as<MutateStep>(
        parse_ok(with_step({{"mutate", {{"stage", stage}, {"exchange", "IKE_AUTH"}, {"ops", {{{"fragment", 300}}}}}}})),
        1);
    ASSERT_EQ(m.ops.size(), 1u);
    EXPECT_EQ(m.ops[0].kind, MutationOp::Kind::Fragment);
    EXPECT_EQ(m.ops[0].length, 300u);
    EXPECT_EQ(m.ops[0].text, "fragment into datagrams of at most 300 bytes");
  }
  auto m = step_as<MutateStep>(parse_ok(with_step({{"mutate", {{"ops", {{{"fragment", kMinFragmentDatagram}}}}}}})), 1);
  EXPECT_EQ(m.ops[0].length, kMinFragmentDatagram);

  EXPECT_EQ(error_of(with_step({{"mutate", {{"ops", {{{"fragment", 100}}}}}}})),
            "t.json: /steps/1/mutate/ops/0/fragment: 100 bytes leave no room for encrypted data: a fragment datagram "
            "is at least 101 bytes (IKE and SKF headers, IV, ICV, one block)");
  EXPECT_EQ(error_of(with_step({{"mutate", {{"ops", {{{"fragment", 65536}}}}}}})),
            "t.json: /steps/1/mutate/ops/0/fragment: 65536 is outside 0..65535");
  EXPECT_EQ(error_of(with_step({{"mutate", {{"ops", {{{"fragment", "300"}}}}}}})),
            "t.json: /steps/1/mutate/ops/0/fragment: expected an integer in 0..65535, got a string");
  EXPECT_EQ(error_of(with_step({{"mutate", {{"stage", "wire"}, {"ops", {{{"fragment", 300}}}}}}})),
            "t.json: /steps/1/mutate/ops/0/fragment: \"fragment\" works at stage plain or encoded (how that message "
            "is protected)");
  EXPECT_EQ(error_of(with_step({{"mutate", {{"ops", {{{"fragment", 300}, {"offset", 1}}}}}}})),
            "t.json: /steps/1/mutate/ops/0/offset: unknown key");
  EXPECT_EQ(error_of(with_step({{"mutate", {{"ops", {{{"fragmnet", 300}}}}}}})),
            "t.json: /steps/1/mutate/ops/0/fragmnet: unknown mutation (did you mean \"fragment\"?)");
}

// ---------------------------------------------------------------------------
// Variables: "$NAME" where a value is taken, equals and differs

// start, an expect capturing c (cookie), n (nonce), s (spi_r), a (address),
// then `steps` after it.
json with_capture_then(std::vector<json> steps) {
  json d = base_document();
  d["steps"][1] = {{"expect", {{"capture", {{"c", "cookie"}, {"n", "nonce"}, {"s", "spi_r"}, {"a", "address"}}}}}};
  for (auto& st : steps) d["steps"].push_back(std::move(st));
  return d;
}

TEST_F(ScenarioLoader, VariableReferencesWhereValuesAreTaken) {
  Scenario s = parse_ok(with_capture_then(
      {{{"expect",
         {{"notify", {{{"type", "COOKIE"}, {"data", "$c"}}, {{"type", 17}, {"data", "0013"}}}},
          {"cp", {{"attributes", {{{"type", "INTERNAL_IP4_ADDRESS"}, {"value", "$a"}}}}}},
          {"equals", {{"n", "nonce"}}},
          {"differs", {{"s", "spi_r"}, {"c", "cookie"}}}}}},
       {{"mutate",
         {{"ops",
           {{{"set_header", "spi_i"}, {"value", "$s"}},
            {{"set", "nonce_data"}, {"payload", "Ni"}, {"value", "$n"}},
            {{"add", {{"type", "N"}, {"notify", "COOKIE"}, {"data", "$c"}}}}}}}}},
       {{"mutate",
         {{"stage", "encoded"},
          {"ops", {{{"xor", "$s"}, {"offset", 0}}, {{"write", "$s"}, {"offset", 8}}, {{"append", "$c"}},
                   {{"padding", "$c"}}}}}}},
       {{"start", "cfg_set"},
        {"attributes",
         {{{"type", "INTERNAL_IP4_ADDRESS"}, {"value", "$a"}}, {{"type", "INTERNAL_IP4_DNS"}, {"value", "10.0.0.53"}}}}}}));
  ASSERT_EQ(s.steps.size(), 6u);

  auto e = step_as<ExpectStep>(s, 2);
  ASSERT_EQ(e.notifies.size(), 2u);
  EXPECT_EQ(e.notifies[0].data_var, "c");
  EXPECT_FALSE(e.notifies[0].data);
  EXPECT_FALSE(e.notifies[1].data_var);
  EXPECT_EQ(e.notifies[1].data, (Bytes{0x00, 0x13}));
  ASSERT_TRUE(e.cp);
  EXPECT_EQ(e.cp->attributes.at(0).value_var, "a");
  EXPECT_FALSE(e.cp->attributes.at(0).value);
  // equals before differs; names in key order within each.
  ASSERT_EQ(e.compares.size(), 3u);
  EXPECT_EQ(e.compares[0].name, "n");
  EXPECT_EQ(e.compares[0].from, "nonce");
  EXPECT_TRUE(e.compares[0].equal);
  EXPECT_EQ(e.compares[1].name, "c");
  EXPECT_EQ(e.compares[1].from, "cookie");
  EXPECT_FALSE(e.compares[1].equal);
  EXPECT_EQ(e.compares[2].name, "s");
  EXPECT_FALSE(e.compares[2].equal);

  auto plain = step_as<MutateStep>(s, 3);
  ASSERT_EQ(plain.ops.size(), 3u);
  EXPECT_EQ(plain.ops[0].kind, MutationOp::Kind::SetHeader);
  EXPECT_EQ(plain.ops[0].variable, "s");
  EXPECT_EQ(plain.ops[0].text, "set header spi_i = $s");
  EXPECT_EQ(plain.ops[1].kind, MutationOp::Kind::SetPayload);
  EXPECT_EQ(plain.ops[1].variable, "n");
  EXPECT_FALSE(plain.ops[1].bytes_value);
  EXPECT_EQ(plain.ops[2].kind, MutationOp::Kind::Add);
  EXPECT_EQ(plain.ops[2].variable, "c");
  ASSERT_TRUE(plain.ops[2].payload);
  EXPECT_EQ(plain.ops[2].payload->type, PayloadType::N);

  auto encoded = step_as<MutateStep>(s, 4);
  ASSERT_EQ(encoded.ops.size(), 4u);
  for (const auto& op : encoded.ops) EXPECT_TRUE(op.variable) << op.text;
  EXPECT_TRUE(encoded.ops[0].data.empty()) << "the runner fills it";
  EXPECT_EQ(encoded.ops[0].text, "xor $s at 0");
  EXPECT_EQ(encoded.ops[1].offset, 8u);
  EXPECT_EQ(encoded.ops[2].text, "append $c");

  auto start = step_as<StartStep>(s, 5);
  ASSERT_EQ(start.attributes.size(), 2u);
  ASSERT_EQ(start.attribute_vars.size(), 2u);
  EXPECT_EQ(start.attribute_vars[0], "a");
  EXPECT_TRUE(start.attributes[0].value.empty());
  EXPECT_FALSE(start.attribute_vars[1]);
  EXPECT_EQ(start.attributes[1].value, (Bytes{10, 0, 0, 53}));
}

TEST_F(ScenarioLoader, VariableReferenceErrors) {
  // Nothing captures x.
  EXPECT_EQ(error_of(with_step({{"expect", {{"notify", {{{"type", "COOKIE"}, {"data", "$x"}}}}}}})),
            "t.json: /steps/1/expect/notify/0/data: no earlier step captures \"x\"");
  EXPECT_EQ(error_of(with_capture_then({{{"mutate", {{"ops", {{{"set_header", "spi_r"}, {"value", "$spi"}}}}}}}})),
            "t.json: /steps/2/mutate/ops/0/value: no earlier step captures \"spi\"");
  EXPECT_EQ(error_of(with_capture_then({{{"expect", {{"equals", {{"nonce", "nonce"}}}}}}})),
            "t.json: /steps/2/expect/equals/nonce: no earlier step captures \"nonce\"");
  // A step's own captures are taken after its checks: not "earlier".
  EXPECT_EQ(error_of(with_step({{"expect", {{"capture", {{"n1", "nonce"}}}, {"equals", {{"n1", "nonce"}}}}}})),
            "t.json: /steps/1/expect/equals/n1: no earlier step captures \"n1\"");
  // A capture in a later step does not count either.
  json later = with_capture_then({});
  later["steps"].insert(later["steps"].begin() + 1,
                        json{{"mutate", {{"stage", "wire"}, {"ops", {{{"xor", "$c"}, {"offset", 0}}}}}}});
  EXPECT_EQ(error_of(later), "t.json: /steps/1/mutate/ops/0/xor: no earlier step captures \"c\"");

  EXPECT_EQ(error_of(with_capture_then({{{"expect", {{"notify", {{{"type", "COOKIE"}, {"data", "$1c"}}}}}}}})),
            "t.json: /steps/2/expect/notify/0/data: \"$1c\" is not a variable reference (\"$\" and a name of "
            "letters, digits and _, not starting with a digit)");
  EXPECT_EQ(error_of(with_capture_then({{{"expect", {{"differs", {{"$n", "nonce"}}}}}}})),
            "t.json: /steps/2/expect/differs/$n: name the variable without \"$\"");
  EXPECT_EQ(error_of(with_capture_then({{{"expect", {{"equals", {{"n", "nonces"}}}}}}})),
            "t.json: /steps/2/expect/equals/n: unknown source \"nonces\" (did you mean \"nonce\"?)");
  EXPECT_EQ(error_of(with_capture_then({{{"expect", {{"equals", "n"}}}}})),
            "t.json: /steps/2/expect/equals: expected an object of variable names and sources, got a string");
  EXPECT_EQ(error_of(with_step({{"expect", {{"capture", {{"first cookie", "cookie"}}}}}})),
            "t.json: /steps/1/expect/capture/first cookie: \"first cookie\" is not a variable name (letters, "
            "digits and _, not starting with a digit)");
  // Without "$" a value is still a literal, checked as before.
  EXPECT_EQ(error_of(with_capture_then({{{"mutate", {{"ops", {{{"set_header", "spi_r"}, {"value", "s"}}}}}}}})),
            "t.json: /steps/2/mutate/ops/0/value: expected an integer in 0..18446744073709551615 or \"$NAME\", got a "
            "string");
}

// ---------------------------------------------------------------------------
// Files and folders

// A scratch scenarios tree.
class TempTree : public ikeh::testing_support::TempDir {
 public:
  TempTree() : ikeh::testing_support::TempDir("ikeh-scenarios") {}
  const std::string& root() const { return path(); }
  std::string write(const std::string& rel, const std::string& text) const { return file(rel, text); }
};

TEST_F(ScenarioLoader, LoadScenarioTakesIdFromPath) {
  TempTree t;
  std::string f = t.write("rfc7296/2.6-cookie.json", base_document().dump(2));
  auto s = load_scenario(f, t.root());
  ASSERT_TRUE(s) << s.error().to_string();
  EXPECT_EQ(s->id, "rfc7296/2.6-cookie");
  EXPECT_EQ(s->source, f);
  // Outside the root, the stem is the id.
  TempTree other;
  auto s2 = load_scenario(f, other.root());
  ASSERT_TRUE(s2) << s2.error().to_string();
  EXPECT_EQ(s2->id, "2.6-cookie");
}

TEST_F(ScenarioLoader, LoadScenariosSkipsSchemaAndPeersAndSorts) {
  TempTree t;
  const std::string good = base_document().dump(2);
  t.write("rfc7296/2.6-b.json", good);
  t.write("rfc7296/1.2-a.json", good);
  t.write("flexvpn/3-c.json", good);
  t.write("notes.txt", "not json");
  // Neither is a scenario: loading either would fail.
  t.write("schema/scenario.schema.json", "{\"$schema\": \"https://json-schema.org/draft/2020-12/schema\"}");
  t.write("peers/self.json", "{\"kind\": \"self\"}");
  t.write("rfc7296/peers/x.json", "{\"kind\": \"self\"}");
  auto all = load_scenarios({t.root()}, t.root());
  ASSERT_TRUE(all) << all.error().to_string();
  std::vector<std::string> ids;
  for (const auto& s : *all) ids.push_back(s.id);
  EXPECT_EQ(ids, (std::vector<std::string>{"flexvpn/3-c", "rfc7296/1.2-a", "rfc7296/2.6-b"}));
}

TEST_F(ScenarioLoader, LoadScenariosReportsTheFirstBadFile) {
  TempTree t;
  json bad = base_document();
  bad["steps"][1] = {{"expct", json::object()}};
  std::string f = t.write("rfc7296/1.2-bad.json", bad.dump());
  auto all = load_scenarios({t.root()}, t.root());
  ASSERT_FALSE(all);
  EXPECT_EQ(all.error().to_string(), f + ": /steps/1/expct: unknown key (did you mean \"expect\"?)");
}

TEST_F(ScenarioLoader, LoadScenariosRefusesDuplicateIds) {
  TempTree t;
  const std::string good = base_document().dump();
  std::string first = t.write("a/1.2-same.json", good);
  std::string second = t.write("b/1.2-same.json", good);
  // Both are outside this root, so both take their stem as id.
  TempTree elsewhere;
  auto all = load_scenarios({first, second}, elsewhere.root());
  ASSERT_FALSE(all);
  EXPECT_EQ(all.error().to_string(), second + ": scenario id \"1.2-same\" is also the id of " + first);
  // Under the common root they differ.
  auto ok = load_scenarios({first, second}, t.root());
  ASSERT_TRUE(ok) << ok.error().to_string();
  EXPECT_EQ(ok->size(), 2u);
}

TEST_F(ScenarioLoader, LoadScenariosMissingPath) {
  auto all = load_scenarios({"/nonexistent/ikeh-scenarios"}, "");
  ASSERT_FALSE(all);
  EXPECT_EQ(all.error().to_string(), "/nonexistent/ikeh-scenarios: no such file or folder");
}

// Every scenario shipped in the repository loads, and its id is its path.
TEST_F(ScenarioLoader, RepositoryScenariosLoad) {
  const std::string root = std::string(IKEH_SOURCE_DIR) + "/scenarios";
  auto all = load_scenarios({root}, root);
  ASSERT_TRUE(all) << all.error().to_string();
  for (const auto& s : *all) {
    EXPECT_TRUE(fs::exists(root + "/" + s.id + ".json")) << s.id;
    EXPECT_EQ(s.id.find("peers/"), std::string::npos) << s.id;
    EXPECT_EQ(s.id.find("schema/"), std::string::npos) << s.id;
  }
}

TEST_F(ScenarioLoader, IkeSaSelectorOnStartAndAssert) {
  json d = base_document();
  d["steps"][1]["expect"]["capture"] = {{"old", "spi_i"}};
  d["steps"].push_back({{"start", "liveness"}, {"ike_sa", "$old"}});
  d["steps"].push_back({{"assert", {{"ike_sa", "$old"}, {"ike_sa_state", "Deleted"}, {"child_sas", 0}}}});
  Scenario s = parse_ok(d);
  EXPECT_EQ(step_as<StartStep>(s, 2).ike_sa_var, "old");
  EXPECT_EQ(step_as<AssertStep>(s, 3).ike_sa_var, "old");

  json bad = d;
  bad["steps"][2]["ike_sa"] = "old";
  EXPECT_EQ(error_of(bad), "t.json: /steps/2/ike_sa: give \"$NAME\", a variable an earlier expect captured from spi_i");
  bad = d;
  bad["steps"][2]["start"] = "ike_sa";
  EXPECT_EQ(error_of(bad), "t.json: /steps/2/ike_sa: start \"ike_sa\" makes a new IKE SA; \"ike_sa\" chooses an "
                           "existing one for the other starts");
  bad = d;
  bad["steps"][3]["assert"] = {{"ike_sa", "$old"}, {"event", "x"}};
  EXPECT_EQ(error_of(bad),
            "t.json: /steps/3/assert/ike_sa: \"ike_sa\" chooses the SA for ike_sa_state and child_sas; give one of them");
  bad = d;
  bad["steps"][2]["ike_sa"] = "$never";
  EXPECT_THAT(error_of(bad), ::testing::HasSubstr("/steps/2/ike_sa"));
  EXPECT_THAT(error_of(bad), ::testing::HasSubstr("never"));
}

}  // namespace
}  // namespace ikeh::scenario
