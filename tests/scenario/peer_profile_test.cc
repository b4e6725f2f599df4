// SPDX-License-Identifier: Apache-2.0
#include "tests/support/temp_dir.h"
#include "harness/scenario/peer_profile.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

namespace ikeh::scenario {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

namespace fs = std::filesystem;

const std::string kPeersDir = std::string(IKEH_SOURCE_DIR) + "/scenarios/peers";

// A value no error message may ever contain.
constexpr const char* kPsk = "Zq9-distinctive-psk-7731";

// A scratch folder for this file's tests.
class TempDir : public ikeh::testing_support::TempDir {
 public:
  TempDir() : ikeh::testing_support::TempDir("ikeh-peer") {}
};

core::Result<PeerProfile> parse(const std::string& text, const std::string& base_dir = "/base") {
  return parse_peer_profile(text, "t.json", "t", base_dir);
}

// The one-line error of a document that must be refused.
std::string error_of(const std::string& text) {
  auto r = parse(text);
  EXPECT_FALSE(r.ok()) << text;
  return r.ok() ? std::string() : r.error().to_string();
}

// An external profile with `extra` members added at the top level.
std::string external(const std::string& extra = "") {
  return R"({"kind": "external", "address": "192.0.2.1")" + (extra.empty() ? "" : ", " + extra) + "}";
}

// ---------------------------------------------------------------------------
// Bundled profiles

TEST(PeerProfile, BundledSelf) {
  auto p = load_peer_profile(kPeersDir + "/self.json");
  ASSERT_TRUE(p.ok()) << p.error().to_string();
  EXPECT_EQ(p->name, "self");
  EXPECT_EQ(p->kind, PeerKind::Self);
  EXPECT_FALSE(p->address.has_value());
  EXPECT_EQ(p->capabilities.size(), kPeerCapabilities.size());
  for (auto c : kPeerCapabilities) EXPECT_TRUE(p->has(c)) << c;
  EXPECT_TRUE(p->deviations.empty());
  EXPECT_TRUE(p->disabled.empty());
  EXPECT_THAT(p->description, HasSubstr("virtual time"));
  // The file and the built-in agree on what matters.
  PeerProfile builtin = self_profile();
  EXPECT_EQ(builtin.kind, p->kind);
  EXPECT_EQ(builtin.capabilities, p->capabilities);
}

TEST(PeerProfile, BundledStrongswan) {
  auto p = load_peer_profile(kPeersDir + "/strongswan.json");
  ASSERT_TRUE(p.ok()) << p.error().to_string();
  EXPECT_EQ(p->name, "strongswan");
  EXPECT_EQ(p->kind, PeerKind::External);
  EXPECT_EQ(p->address, "198.51.100.2");
  EXPECT_EQ(p->port, 500);
  EXPECT_EQ(p->natt_port, 4500);
  EXPECT_EQ(p->local_address, "198.51.100.1");
  // The adapter configures charon from each scenario: no identities or PSK here.
  EXPECT_FALSE(p->psk.has_value());
  EXPECT_FALSE(p->peer_identity.has_value());
  EXPECT_FALSE(p->harness_identity.has_value());
  EXPECT_EQ(p->adapter, kPeersDir + "/strongswan_adapter.py");
  EXPECT_EQ(::access(p->adapter.c_str(), X_OK), 0) << p->adapter << " is not executable";
  for (auto c : {"initiator", "responder", "cookie", "fragmentation", "cfg_request", "certificates", "childless",
                 "natt", "ipv6", "redirect", "eap"})
    EXPECT_TRUE(p->has(c)) << c;
  EXPECT_FALSE(p->has("cfg_set"));
  EXPECT_THAT(p->description, HasSubstr("strongswan_adapter.py"));
}

TEST(PeerProfile, AdapterIsResolvedAgainstTheProfilesFolderAndExternalOnly) {
  auto p = parse_peer_profile(R"({"kind": "external", "address": "192.0.2.1", "adapter": "tools/run.sh"})", "x.json",
                              "x", "/etc/peers");
  ASSERT_TRUE(p.ok()) << p.error().to_string();
  EXPECT_EQ(p->adapter, "/etc/peers/tools/run.sh");
  auto abs = parse_peer_profile(R"({"kind": "external", "address": "192.0.2.1", "adapter": "/opt/a"})", "x.json",
                                "x", "/etc/peers");
  ASSERT_TRUE(abs.ok());
  EXPECT_EQ(abs->adapter, "/opt/a");
  auto self = parse_peer_profile(R"({"kind": "self", "adapter": "a.sh"})", "x.json", "x", "/etc/peers");
  ASSERT_FALSE(self.ok());
  EXPECT_THAT(self.error().to_string(), HasSubstr("/adapter: a self peer runs in this process"));
  auto empty = parse_peer_profile(R"({"kind": "external", "address": "192.0.2.1", "adapter": ""})", "x.json", "x",
                                  "/etc/peers");
  ASSERT_FALSE(empty.ok());
  EXPECT_THAT(empty.error().to_string(), HasSubstr("/adapter: empty"));
}

TEST(PeerProfile, BundledCiscoFlexvpnHubTemplate) {
  auto p = load_peer_profile(kPeersDir + "/cisco-flexvpn-hub.json");
  ASSERT_TRUE(p.ok()) << p.error().to_string();
  EXPECT_EQ(p->kind, PeerKind::External);
  ASSERT_TRUE(p->psk.has_value());
  EXPECT_FALSE(p->psk->env.empty());  // never the key itself
  EXPECT_TRUE(p->has("cfg_set"));
  // One fixed router configuration: the scenarios that need another hub
  // configuration are disabled with their reason.
  EXPECT_TRUE(p->disabled_reason("flexvpn/4-pool-exhausted").has_value());
  EXPECT_FALSE(p->disabled_reason("flexvpn/1-cfg-request-reply").has_value());
}

TEST(PeerProfile, BundledCiscoTemplate) {
  auto p = load_peer_profile(kPeersDir + "/cisco-ios-hub.json");
  ASSERT_TRUE(p.ok()) << p.error().to_string();
  EXPECT_EQ(p->name, "cisco-ios-hub");
  EXPECT_EQ(p->kind, PeerKind::External);
  EXPECT_EQ(p->address, "192.0.2.1");
  EXPECT_EQ(p->port, 500);
  EXPECT_EQ(p->peer_identity, "10.150.1.1");
  EXPECT_EQ(p->harness_identity, "10.150.3.1");
  ASSERT_TRUE(p->psk.has_value());
  EXPECT_EQ(p->psk->env, "IKEH_CISCO_PSK");
  EXPECT_EQ(p->local_address, "0.0.0.0");
  EXPECT_EQ(p->local_port, 500);
  EXPECT_EQ(p->local_natt_port, 4500);
  for (auto c : {"responder", "initiator", "cfg_request", "cfg_set", "fragmentation", "natt", "cookie"})
    EXPECT_TRUE(p->has(c)) << c;
  EXPECT_EQ(p->capabilities.size(), 7u);
  EXPECT_THAT(p->description, HasSubstr("IKEH_CISCO_PSK"));
  EXPECT_THAT(p->description, HasSubstr("TEMPLATE"));
}

TEST(PeerProfile, EveryBundledProfileLoads) {
  int n = 0;
  for (const auto& e : fs::directory_iterator(kPeersDir)) {
    if (e.path().extension() != ".json") continue;
    ++n;
    auto p = load_peer_profile(e.path().string());
    EXPECT_TRUE(p.ok()) << p.error().to_string();
  }
  EXPECT_GE(n, 3);
}

// ---------------------------------------------------------------------------
// Strictness

TEST(PeerProfile, UnknownKeyWithSuggestion) {
  EXPECT_EQ(error_of(R"({"kind": "self", "capabilitys": []})"),
            R"(t.json: /capabilitys: unknown key (did you mean "capabilities"?))");
  EXPECT_EQ(error_of(external(R"("local": {"adress": "0.0.0.0"})")),
            R"(t.json: /local/adress: unknown key (did you mean "address"?))");
  EXPECT_EQ(error_of(R"({"kind": "self", "deviations": {"rfc7296/x": {"verdict": "fail", "reasn": "r"}}})"),
            R"(t.json: /deviations/rfc7296~1x/reasn: unknown key (did you mean "reason"?))");
  EXPECT_EQ(error_of(R"({"kind": "self", "identities": {"harnes": "a.example"}})"),
            R"(t.json: /identities/harnes: unknown key (did you mean "harness"?))");
  EXPECT_EQ(error_of(R"({"kind": "self", "zzzzzz": 1})"), "t.json: /zzzzzz: unknown key");
}

TEST(PeerProfile, KindRequiredAndChecked) {
  EXPECT_EQ(error_of(R"({"description": "x"})"), R"(t.json: /kind: missing: "self" or "external")");
  EXPECT_THAT(error_of(R"({"kind": "externl"})"),
              HasSubstr(R"(t.json: /kind: unknown value "externl" (did you mean "external"?))"));
  EXPECT_EQ(error_of(R"({"kind": "self", "description": 3})"), "t.json: /description: expected a string, got an integer");
}

TEST(PeerProfile, DuplicateKeyRefused) {
  EXPECT_EQ(error_of(R"({"kind": "self", "kind": "external"})"),
            "t.json: /kind: duplicate key (each key may appear once in an object)");
  EXPECT_EQ(error_of(R"({"kind": "self", "disabled": {"a/b": "x", "a/b": "y"}})"),
            "t.json: /disabled/a~1b: duplicate key (each key may appear once in an object)");
}

TEST(PeerProfile, SyntaxError) {
  EXPECT_THAT(error_of(R"({"kind": "self",})"), HasSubstr("t.json: line 1, column "));
}

// ---------------------------------------------------------------------------
// Secrets

TEST(PeerProfile, InlinePskRefusedWithoutShowingIt) {
  const std::string e =
      error_of(external(R"("credentials": {"psk": {"value": ")" + std::string(kPsk) + R"("}})"));
  EXPECT_THAT(e, HasSubstr("t.json: /credentials/psk/value: a secret is not written into a profile; use file or env"));
  EXPECT_THAT(e, Not(HasSubstr(kPsk)));

  const std::string plain = error_of(external(R"("credentials": {"psk": ")" + std::string(kPsk) + R"("})"));
  EXPECT_THAT(plain, HasSubstr("t.json: /credentials/psk: expected an object, got a string: a secret is not written"));
  EXPECT_THAT(plain, Not(HasSubstr(kPsk)));
}

TEST(PeerProfile, PskIsARecordedReferenceNotRead) {
  ::unsetenv("IKEH_PEER_TEST_UNSET_PSK");
  auto env = parse(external(R"("credentials": {"psk": {"env": "IKEH_PEER_TEST_UNSET_PSK"}})"));
  ASSERT_TRUE(env.ok()) << env.error().to_string();
  ASSERT_TRUE(env->psk.has_value());
  EXPECT_EQ(env->psk->env, "IKEH_PEER_TEST_UNSET_PSK");
  EXPECT_TRUE(env->psk->file.empty());

  // The file does not exist: the loader only records where it is.
  auto rel = parse(external(R"("credentials": {"psk": {"file": "keys/hub.psk"}})"), "/profiles");
  ASSERT_TRUE(rel.ok()) << rel.error().to_string();
  EXPECT_EQ(rel->psk->file, "/profiles/keys/hub.psk");
  EXPECT_TRUE(rel->psk->env.empty());

  auto abs = parse(external(R"("credentials": {"psk": {"file": "/etc/ikeh/hub.psk"}})"), "/profiles");
  ASSERT_TRUE(abs.ok());
  EXPECT_EQ(abs->psk->file, "/etc/ikeh/hub.psk");

  // load_peer_profile resolves against the profile's own folder.
  TempDir dir;
  auto loaded = load_peer_profile(dir.file("hub.json", external(R"("credentials": {"psk": {"file": "hub.psk"}})")));
  ASSERT_TRUE(loaded.ok()) << loaded.error().to_string();
  EXPECT_EQ(loaded->name, "hub");
  EXPECT_EQ(loaded->psk->file, dir.path() + "/hub.psk");
}

TEST(PeerProfile, PskNeedsExactlyOneSource) {
  EXPECT_EQ(error_of(external(R"("credentials": {"psk": {"env": "A", "file": "b"}})")),
            R"(t.json: /credentials/psk: give exactly one of "env" and "file")");
  EXPECT_EQ(error_of(external(R"("credentials": {"psk": {}})")),
            R"(t.json: /credentials/psk: give exactly one of "env" and "file")");
  EXPECT_EQ(error_of(external(R"("credentials": {"psk": {"env": ""}})")),
            "t.json: /credentials/psk/env: empty variable name");
  EXPECT_EQ(error_of(external(R"("credentials": {"pks": {"env": "A"}})")),
            R"(t.json: /credentials/pks: unknown key (did you mean "psk"?))");
}

// ---------------------------------------------------------------------------
// Capabilities, deviations, disabled

TEST(PeerProfile, UnknownCapabilityWithSuggestion) {
  const std::string e = error_of(R"({"kind": "self", "capabilities": ["initiator", "fragmentaton"]})");
  EXPECT_THAT(e, HasSubstr(R"(t.json: /capabilities/1: unknown capability "fragmentaton" (did you mean "fragmentation"?); one of "initiator", )"));
  EXPECT_EQ(error_of(R"({"kind": "self", "capabilities": ["natt", "natt"]})"),
            R"(t.json: /capabilities/1: capability "natt" is listed twice)");
  EXPECT_EQ(error_of(R"({"kind": "self", "capabilities": "natt"})"),
            "t.json: /capabilities: expected an array of capability names, got a string");
}

TEST(PeerProfile, Deviations) {
  auto p = parse(R"({"kind": "self", "deviations": {
      "rfc7296/2.5-unsupported-critical-payload": {"verdict": "fail", "reason": "drops the request silently"},
      "rfc7296/2.6-cookie-required": {"verdict": "skip", "reason": "no cookie threshold"}}})");
  ASSERT_TRUE(p.ok()) << p.error().to_string();
  const PeerDeviation* d = p->deviation_for("rfc7296/2.5-unsupported-critical-payload");
  ASSERT_NE(d, nullptr);
  EXPECT_EQ(d->verdict, ExpectedVerdict::Fail);
  EXPECT_EQ(d->reason, "drops the request silently");
  ASSERT_NE(p->deviation_for("rfc7296/2.6-cookie-required"), nullptr);
  EXPECT_EQ(p->deviation_for("rfc7296/2.6-cookie-required")->verdict, ExpectedVerdict::Skip);
  EXPECT_EQ(p->deviation_for("rfc7296/2.6-cookie"), nullptr);
  EXPECT_EQ(p->deviation_for("rfc7296/2.5-unsupported-critical-payload-x"), nullptr);
  EXPECT_STREQ(expected_verdict_name(ExpectedVerdict::Error), "error");
}

TEST(PeerProfile, BadDeviation) {
  EXPECT_THAT(error_of(R"({"kind": "self", "deviations": {"a/b": {"verdict": "fial", "reason": "r"}}})"),
              HasSubstr(R"(t.json: /deviations/a~1b/verdict: unknown value "fial" (did you mean "fail"?))"));
  EXPECT_THAT(error_of(R"({"kind": "self", "deviations": {"a/b": {"verdict": "known_deviation", "reason": "r"}}})"),
              HasSubstr(R"(t.json: /deviations/a~1b/verdict: unknown value "known_deviation")"));
  EXPECT_THAT(error_of(R"({"kind": "self", "deviations": {"a/b": {"verdict": "fail"}}})"),
              HasSubstr("t.json: /deviations/a~1b/reason: missing"));
  EXPECT_EQ(error_of(R"({"kind": "self", "deviations": {"a/b": {"verdict": "fail", "reason": " "}}})"),
            "t.json: /deviations/a~1b/reason: empty reason");
  EXPECT_THAT(error_of(R"({"kind": "self", "deviations": {"a/*": {"verdict": "fail", "reason": "r"}}})"),
              HasSubstr("t.json: /deviations/a~1*: a deviation names one scenario id"));
  EXPECT_THAT(error_of(R"({"kind": "self", "deviations": {"a/b.json": {"verdict": "fail", "reason": "r"}}})"),
              HasSubstr(R"(t.json: /deviations/a~1b.json: a scenario id is the path without ".json")"));
  EXPECT_EQ(error_of(R"({"kind": "self", "deviations": []})"),
            R"(t.json: /deviations: expected an object (scenario id -> {"verdict", "reason"}), got an array)");
}

TEST(PeerProfile, DisabledGlobsInFileOrder) {
  // Keys out of alphabetical order: the first matching entry as written wins.
  auto p = parse(R"({"kind": "self", "disabled": {
      "rfc7296/3.15-cfg-set-*": "does not act on CFG_SET",
      "rfc7296/3.15-cfg-set-ack": "never reached",
      "flexvpn/*": "not a FlexVPN peer",
      "rfc7296/2.6-cookie-required": "exact id"}})");
  ASSERT_TRUE(p.ok()) << p.error().to_string();
  ASSERT_EQ(p->disabled.size(), 4u);
  EXPECT_EQ(p->disabled[0].first, "rfc7296/3.15-cfg-set-*");
  EXPECT_EQ(p->disabled[1].first, "rfc7296/3.15-cfg-set-ack");
  EXPECT_EQ(p->disabled[2].first, "flexvpn/*");
  EXPECT_EQ(p->disabled_reason("rfc7296/3.15-cfg-set-ack"), "does not act on CFG_SET");
  EXPECT_EQ(p->disabled_reason("rfc7296/3.15-cfg-set-reply"), "does not act on CFG_SET");
  EXPECT_EQ(p->disabled_reason("flexvpn/cfg-set"), "not a FlexVPN peer");
  EXPECT_EQ(p->disabled_reason("flexvpn/sub/deeper"), "not a FlexVPN peer");
  EXPECT_EQ(p->disabled_reason("rfc7296/2.6-cookie-required"), "exact id");
  EXPECT_EQ(p->disabled_reason("rfc7296/2.6-cookie-required-x"), std::nullopt);
  EXPECT_EQ(p->disabled_reason("rfc7296/3.15-cfg-request"), std::nullopt);

  // Sorted, "z/*" would come first; as written, the exact id does.
  auto q = parse(R"({"kind": "self", "disabled": {"z/specific": "first", "z/*": "second"}})");
  ASSERT_TRUE(q.ok()) << q.error().to_string();
  EXPECT_EQ(q->disabled_reason("z/specific"), "first");
  EXPECT_EQ(q->disabled_reason("z/other"), "second");

  EXPECT_EQ(error_of(R"({"kind": "self", "disabled": {"a/b": ""}})"), "t.json: /disabled/a~1b: empty reason");
  EXPECT_EQ(error_of(R"({"kind": "self", "disabled": {"a/b": 1}})"),
            "t.json: /disabled/a~1b: expected a string, got an integer");
  EXPECT_EQ(error_of(R"({"kind": "self", "disabled": ["a/b"]})"),
            "t.json: /disabled: expected an object (scenario id or glob -> reason), got an array");
}

// ---------------------------------------------------------------------------
// Addresses and network settings

TEST(PeerProfile, AddressForms) {
  auto v4 = parse(external());
  ASSERT_TRUE(v4.ok()) << v4.error().to_string();
  EXPECT_EQ(v4->address, "192.0.2.1");
  EXPECT_EQ(v4->port, 500);
  EXPECT_EQ(v4->natt_port, 4500);
  EXPECT_EQ(v4->local_address, "0.0.0.0");

  auto v4p = parse(R"({"kind": "external", "address": "192.0.2.1:4501", "natt_port": 4502})");
  ASSERT_TRUE(v4p.ok()) << v4p.error().to_string();
  EXPECT_EQ(v4p->address, "192.0.2.1");
  EXPECT_EQ(v4p->port, 4501);
  EXPECT_EQ(v4p->natt_port, 4502);

  auto v6 = parse(R"({"kind": "external", "address": "[2001:db8::1]:500"})");
  ASSERT_TRUE(v6.ok()) << v6.error().to_string();
  EXPECT_EQ(v6->address, "2001:db8::1");
  EXPECT_EQ(v6->port, 500);

  auto v6p = parse(R"({"kind": "external", "address": "[2001:db8::1]:15500"})");
  ASSERT_TRUE(v6p.ok());
  EXPECT_EQ(v6p->port, 15500);

  auto bare6 = parse_peer_address("2001:db8::2");
  ASSERT_TRUE(bare6.ok());
  EXPECT_EQ(bare6->address, "2001:db8::2");
  EXPECT_EQ(bare6->port, 500);
  auto no_port6 = parse_peer_address("[2001:db8::3]", 4500);
  ASSERT_TRUE(no_port6.ok());
  EXPECT_EQ(no_port6->port, 4500);
}

TEST(PeerProfile, BadAddresses) {
  EXPECT_EQ(error_of(R"({"kind": "external", "address": "192.0.2.1:0"})"),
            R"(t.json: /address: "192.0.2.1:0": port "0" is not a number in 1..65535)");
  EXPECT_EQ(error_of(R"({"kind": "external", "address": "192.0.2.1:70000"})"),
            R"(t.json: /address: "192.0.2.1:70000": port "70000" is not a number in 1..65535)");
  EXPECT_EQ(error_of(R"({"kind": "external", "address": "192.0.2.1:"})"),
            R"(t.json: /address: "192.0.2.1:": port "" is not a number in 1..65535)");
  EXPECT_THAT(error_of(R"({"kind": "external", "address": "[2001:db8::1:500"})"),
              HasSubstr(R"(t.json: /address: "[2001:db8::1:500": missing "]")"));
  EXPECT_THAT(error_of(R"({"kind": "external", "address": "[192.0.2.1]:500"})"),
              HasSubstr("not a numeric IPv6 address"));
  EXPECT_THAT(error_of(R"({"kind": "external", "address": "hub.example:500"})"),
              HasSubstr(R"(t.json: /address: "hub.example:500": not a numeric IPv4 address (host names are not looked up)"));
  EXPECT_THAT(error_of(R"({"kind": "external", "address": "2001:db8::zz"})"), HasSubstr("t.json: /address: "));
  EXPECT_EQ(error_of(R"({"kind": "external", "address": 500})"), "t.json: /address: expected a string, got an integer");
  EXPECT_THAT(error_of(R"({"kind": "external"})"), HasSubstr("t.json: /address: missing: an external peer needs"));
  EXPECT_EQ(error_of(external(R"("natt_port": 0)")), "t.json: /natt_port: 0 is outside 1..65535");
}

TEST(PeerProfile, LocalSettings) {
  auto p = parse(external(R"("local": {"address": "::", "port": 0, "natt_port": 14500})"));
  ASSERT_TRUE(p.ok()) << p.error().to_string();
  EXPECT_EQ(p->local_address, "::");
  EXPECT_EQ(p->local_port, 0);
  EXPECT_EQ(p->local_natt_port, 14500);
  EXPECT_THAT(error_of(external(R"("local": {"address": "any"})")),
              HasSubstr(R"(t.json: /local/address: "any" is not a numeric IPv4 or IPv6 address)"));
  EXPECT_EQ(error_of(external(R"("local": {"port": 65536})")), "t.json: /local/port: 65536 is outside 0..65535");
}

TEST(PeerProfile, SelfTakesNoNetworkSettings) {
  EXPECT_THAT(error_of(R"({"kind": "self", "address": "192.0.2.1"})"),
              HasSubstr("t.json: /address: a self peer runs in this process"));
  EXPECT_THAT(error_of(R"({"kind": "self", "local": {}})"), HasSubstr("t.json: /local: a self peer"));
}

TEST(PeerProfile, Identities) {
  auto p = parse(external(R"("identities": {"peer": "hub.example", "harness": "10.150.3.1"})"));
  ASSERT_TRUE(p.ok()) << p.error().to_string();
  EXPECT_EQ(p->peer_identity, "hub.example");
  EXPECT_EQ(p->harness_identity, "10.150.3.1");
  auto any = parse(external(R"("identities": {"peer": "%any"})"));
  ASSERT_TRUE(any.ok()) << any.error().to_string();
  EXPECT_EQ(any->peer_identity, "%any");
  EXPECT_FALSE(any->harness_identity.has_value());
  EXPECT_THAT(error_of(external(R"("identities": {"harness": "ipv4:10.1"})")), HasSubstr("t.json: /identities/harness: "));
  EXPECT_THAT(error_of(external(R"("identities": {"peer": ""})")), HasSubstr("t.json: /identities/peer: "));
}

// ---------------------------------------------------------------------------
// --peer

TEST(PeerProfile, ResolveSelf) {
  auto p = resolve_peer("self", kPeersDir);
  ASSERT_TRUE(p.ok()) << p.error().to_string();
  EXPECT_EQ(p->name, "self");
  EXPECT_EQ(p->kind, PeerKind::Self);
  for (auto c : kPeerCapabilities) EXPECT_TRUE(p->has(c)) << c;
  // The built-in does not depend on a profiles folder.
  EXPECT_TRUE(resolve_peer("self", "/nonexistent").ok());
}

TEST(PeerProfile, ResolveNameAndPath) {
  auto byname = resolve_peer("strongswan", kPeersDir);
  ASSERT_TRUE(byname.ok()) << byname.error().to_string();
  EXPECT_EQ(byname->name, "strongswan");
  EXPECT_EQ(byname->kind, PeerKind::External);

  auto bypath = resolve_peer(kPeersDir + "/cisco-ios-hub.json", "/nonexistent");
  ASSERT_TRUE(bypath.ok()) << bypath.error().to_string();
  EXPECT_EQ(bypath->name, "cisco-ios-hub");
  EXPECT_EQ(bypath->address, "192.0.2.1");

  TempDir dir;
  dir.file("lab.json", external());
  auto relpath = resolve_peer(dir.path() + "/lab.json", "/nonexistent");
  ASSERT_TRUE(relpath.ok()) << relpath.error().to_string();
  EXPECT_EQ(relpath->name, "lab");

  const std::string e = resolve_peer("strongswam", kPeersDir).error().to_string();
  EXPECT_THAT(e, HasSubstr(R"(--peer: no profile "strongswam" in )"));
  EXPECT_THAT(e, HasSubstr(R"((did you mean "strongswan"?))"));
  EXPECT_THAT(e, HasSubstr("known: cisco-flexvpn-hub, cisco-ios-hub, self, strongswan"));

  auto missing = resolve_peer(dir.path() + "/none.json", kPeersDir);
  ASSERT_FALSE(missing.ok());
  EXPECT_THAT(missing.error().to_string(), HasSubstr("none.json: cannot read: "));

  dir.file("broken.json", R"({"kind": "self", "kind": "self"})");
  auto broken = resolve_peer("broken", dir.path());
  ASSERT_FALSE(broken.ok());
  EXPECT_EQ(broken.error().to_string(),
            dir.path() + "/broken.json: /kind: duplicate key (each key may appear once in an object)");
}

TEST(PeerProfile, ResolveAddress) {
  auto v4 = resolve_peer("192.0.2.7:4500", kPeersDir);
  ASSERT_TRUE(v4.ok()) << v4.error().to_string();
  EXPECT_EQ(v4->kind, PeerKind::External);
  EXPECT_EQ(v4->name, "192.0.2.7:4500");
  EXPECT_EQ(v4->address, "192.0.2.7");
  EXPECT_EQ(v4->port, 4500);
  EXPECT_EQ(v4->capabilities.size(), kPeerCapabilities.size());
  EXPECT_FALSE(v4->psk.has_value());

  auto noport = resolve_peer("192.0.2.8", kPeersDir);
  ASSERT_TRUE(noport.ok());
  EXPECT_EQ(noport->port, 500);

  auto v6 = resolve_peer("[2001:db8::9]:15500", kPeersDir);
  ASSERT_TRUE(v6.ok()) << v6.error().to_string();
  EXPECT_EQ(v6->address, "2001:db8::9");
  EXPECT_EQ(v6->port, 15500);

  EXPECT_EQ(resolve_peer("192.0.2.7:0", kPeersDir).error().to_string(),
            R"(--peer: "192.0.2.7:0": port "0" is not a number in 1..65535)");
  EXPECT_THAT(resolve_peer("192.0.2", kPeersDir).error().to_string(), HasSubstr("--peer: \"192.0.2\": not a numeric"));
  EXPECT_THAT(resolve_peer("", kPeersDir).error().to_string(), HasSubstr("--peer: empty"));
}

}  // namespace
}  // namespace ikeh::scenario
