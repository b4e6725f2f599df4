// SPDX-License-Identifier: Apache-2.0
// A conformance scenario as data (DESIGN rule 7; the JSON language is
// documented in docs/scenarios.md): what it tests, the role the harness
// plays, the configuration of both sides, and the steps — exchanges started,
// messages expected from the peer, assertions on engine state, link faults
// and waits. scenario_loader.h reads it from JSON; runner.h executes it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "harness/codec/cp_payload.h"
#include "harness/codec/payload.h"
#include "harness/codec/registry.h"
#include "harness/core/bytes.h"
#include "harness/core/clock.h"
#include "harness/engine/events.h"
#include "harness/flexvpn/hub_policy.h"
#include "harness/scenario/engine_config.h"
#include "net/fault.h"

namespace ikeh::scenario {

enum class Role : uint8_t { Initiator, Responder };
// "initiator", "responder".
const char* role_name(Role r);

// Which side of the run acts or is looked at.
enum class Side : uint8_t { Harness, Peer };

// One entry of an expected payload list, as written: "SA", "KE", "Ni",
// "N(COOKIE)", "N(16390)", "CP(CFG_REPLY)", "V". A notify or CP entry
// without parentheses matches any notify / CP payload.
struct PayloadSpec {
  codec::PayloadType type = codec::PayloadType::NONE;
  std::optional<uint16_t> notify;      // N(...): the notify message type
  std::optional<codec::CfgType> cfg;   // CP(...): the configuration type
  std::string text;                    // as written, for messages
};

// Variables. An expect's `capture` copies values of the matched message
// into named variables; a later step may write "$NAME" wherever it takes
// bytes or a number a capture could supply. The loader keeps the NAME (in the
// `*_var` fields below, beside the literal they replace) and refuses a NAME no
// earlier step captures; the runner resolves it when the step runs, and a
// variable whose capture found nothing is an error verdict then. Values are
// bytes: SPIs 8 bytes and the message ID 4 bytes, big-endian; a number field
// reads the bytes as a big-endian number.
using VarName = std::optional<std::string>;  // the NAME of "$NAME", without "$"

struct NotifyExpect {
  uint16_t type = 0;
  std::optional<core::Bytes> data;          // exact notification data
  VarName data_var;                         // or: exactly the variable's bytes
  std::optional<std::size_t> data_length;   // or only its length
};

struct CpAttributeExpect {
  uint16_t type = 0;
  std::optional<core::Bytes> value;     // exact value (addresses given as text are converted)
  VarName value_var;                    // or: exactly the variable's bytes
  std::optional<std::size_t> length;    // or only its length (0: an empty attribute)
};

struct CpExpect {
  std::optional<codec::CfgType> type;
  std::vector<CpAttributeExpect> attributes;  // each must be present
  bool only = false;                          // no attributes besides these
};

// Transforms the peer chose (SA payload of a response: one proposal).
struct SaExpect {
  std::optional<uint16_t> encr;
  std::optional<uint16_t> key_length;
  std::optional<uint16_t> prf;
  std::optional<uint16_t> integ;
  std::optional<uint16_t> dh;
};

// A value copied from a matched message into a named variable:
// "spi_i", "spi_r", "message_id" (header), "nonce" (Nonce data), "ke" (KE
// data), "cookie" (N(COOKIE) data), "address" (the first CP internal address).
// Names are letters, digits and "_", not starting with a digit, so "$NAME"
// can refer to them.
struct Capture {
  std::string name;
  std::string from;
};

// A value of the matched message (a capture source) compared with a variable
// an earlier step captured: "equals" {"NAME": source} needs the same bytes,
// "differs" other bytes (a message without the value fails either way).
struct Compare {
  std::string name;
  std::string from;
  bool equal = true;  // equals; false: differs
};

// Traffic selectors the TSi / TSr payload must carry: each list given must
// equal that payload's selectors exactly, in order (type, protocol, ports and
// address range). Either may be absent; the loader refuses an empty one.
struct TsExpect {
  std::optional<std::vector<codec::TrafficSelector>> tsi;
  std::optional<std::vector<codec::TrafficSelector>> tsr;
};

// A Vendor ID the message must carry: a V payload whose data is exactly
// `data`, or with `prefix` (written "hex*") starts with it. Matched order-free,
// each V payload used for one entry at most.
struct VendorIdExpect {
  core::Bytes data;
  bool prefix = false;
  std::string text;  // as written, for messages
};

enum class PayloadOrder : uint8_t {
  Exact,     // exactly these payloads in this order
  Set,       // exactly these payloads in any order
  Includes,  // at least these, in any order, others allowed
};

// Selects messages by header fields; an empty field matches anything.
struct MessageMatch {
  std::optional<codec::ExchangeType> exchange;
  std::optional<bool> response;
  std::optional<uint32_t> message_id;
};

// The next message from the peer must match (or, with `nothing`, no message
// may arrive within `within`).
struct ExpectStep {
  bool nothing = false;
  // Messages the peer sends again (a retransmitted request, a cached
  // response) are in the transcript but skipped by an expect, unless it asks
  // for one: then only a message sent again matches. `nothing` is broken by
  // any message, sent again or not.
  bool retransmission = false;
  MessageMatch match;
  std::optional<std::vector<PayloadSpec>> payloads;
  PayloadOrder order = PayloadOrder::Exact;
  std::vector<PayloadSpec> absent;
  std::vector<NotifyExpect> notifies;
  std::optional<CpExpect> cp;
  std::optional<SaExpect> sa;
  // The identity in IDi (a request) or IDr (a response): ID type and data
  // (parse_identity, strongSwan notation).
  std::optional<codec::IdPayload> id;
  std::optional<TsExpect> ts;
  std::vector<VendorIdExpect> vendor_ids;
  core::Duration within = std::chrono::seconds(30);
  std::vector<Compare> compares;  // checked after the conditions above
  std::vector<Capture> captures;  // taken once every check held
};

// What a side starts.
enum class StartKind : uint8_t {
  IkeSa,        // IKE_SA_INIT, then IKE_AUTH (the engine continues on its own)
  ChildSa,      // CREATE_CHILD_SA for a new Child SA
  RekeyChild,   // CREATE_CHILD_SA rekeying the first Child SA
  RekeyIke,     // CREATE_CHILD_SA rekeying the IKE SA
  DeleteChild,  // INFORMATIONAL with Delete of the first Child SA
  DeleteIke,    // INFORMATIONAL with Delete of the IKE SA
  Liveness,     // an empty INFORMATIONAL
  CfgSet,       // INFORMATIONAL with CP(CFG_SET)
};

struct StartStep {
  Side by = Side::Harness;
  StartKind kind = StartKind::IkeSa;
  // "ike_sa": "$NAME": the exchange runs on the IKE SA whose SPIi is the
  // variable's 8 bytes (an spi_i capture), not on the newest one; not for
  // ike_sa starts, nor for starts by an external peer.
  VarName ike_sa_var;
  std::vector<codec::CfgAttribute> attributes;  // CfgSet
  std::vector<VarName> attribute_vars;          // per attribute: its value from a variable
};

// Checks on a side's engine. Every field set must hold.
struct AssertStep {
  Side side = Side::Harness;
  // "ike_sa": "$NAME": ike_sa_state and child_sas look at the IKE SA whose
  // SPIi is the variable's 8 bytes instead of the newest one.
  VarName ike_sa_var;
  std::optional<engine::IkeSaState> ike_sa_state;   // of the newest IKE SA
  std::optional<std::size_t> ike_sas;               // IKE SAs in `count_state` (default Established)
  engine::IkeSaState count_state = engine::IkeSaState::Established;
  std::optional<std::string> identity;              // count only SAs whose peer has this identity
  std::optional<std::size_t> child_sas;             // installed Child SAs of the newest IKE SA
  std::optional<std::string> event;                 // an event line containing this text was logged
  std::optional<std::string> no_event;              // no event line contains this text
};

struct WaitStep {
  core::Duration duration{0};
};

// A link fault from this step on (net::FaultRule); `from` names the side
// whose datagrams it hits ("from": "harness" or "peer"), empty for both.
struct FaultStep {
  net::FaultRule rule;
  std::optional<Side> from;  // empty: both directions
};

// Where a mutation acts on an outgoing harness message (DESIGN rule 6):
// plain, the payload objects before encoding (for encrypted messages the
// inner chain, protected afterwards as usual); encoded, the bytes before SK
// protection (the inner plaintext of an encrypted message, the whole message
// otherwise), protected afterwards; wire, the datagrams after protection,
// so changes there are not re-protected (an ICV then fails on purpose).
enum class MutationStage : uint8_t { Plain, Encoded, Wire };

// The smallest datagram `{"fragment": N}` takes: the IKE header (28), the SKF
// header (8), the largest IV (16, AES-CBC) and ICV (32, HMAC-SHA2-512-256) and
// one cipher block (16) leave no room below it (crypto::protect_fragments).
inline constexpr std::size_t kMinFragmentDatagram = 101;

struct MutationOp {
  enum class Kind : uint8_t {
    Remove,        // plain: drop the first payload matching `target`
    Add,           // plain: insert `payload` at `at` (default: the end)
    Move,          // plain: move the first payload matching `target` to index `at`
    SetHeader,     // plain: an IKE header field (`field`: spi_i, spi_r, next_payload, major_version,
                   // minor_version, exchange_type, flags, message_id, length) to `number`
    SetPayload,    // plain: a field of the first payload matching `target` by path
                   // (codec::set_field: generic header or body, e.g. "proposal/0/transform/1/transform_id")
    Xor,           // encoded/wire: bytes at `offset` ^= `data`
    SetBytes,      // encoded/wire: overwrite at `offset` with `data`
    Truncate,      // encoded/wire: keep the first `length` bytes
    Append,        // encoded/wire: add `data` at the end
    CorruptIcv,    // protection: flip a bit of the ICV
    Padding,       // protection: `data` as the SK padding
    PadLength,     // protection: `number` as the Pad Length octet
    Fragment,      // plain/encoded, encrypted messages: send as RFC 7383 SKF fragments of
                   // datagrams of at most `length` bytes (engine OutgoingHooks::fragment),
                   // negotiated or not; a message that fits is SKF 1 of 1
  };
  Kind kind = Kind::Remove;
  std::optional<PayloadSpec> target;
  std::optional<codec::Payload> payload;
  std::optional<std::size_t> at;
  std::string field;
  uint64_t number = 0;
  bool number_is_flag = false;             // SetPayload: the value was true/false
  std::optional<core::Bytes> bytes_value;  // SetPayload with a bytes field
  std::size_t offset = 0;
  std::size_t length = 0;
  core::Bytes data;
  // "$NAME" given instead of the literal: for SetHeader `number`, for
  // SetPayload `bytes_value` (a number field takes the bytes as a number),
  // for Xor, SetBytes, Append and Padding `data`, for Add the payload's data.
  VarName variable;
  std::string text;  // one line for the transcript: "remove KE", "xor 0xff at 17"
};

// Changes the next `count` outgoing harness messages that match.
struct MutateStep {
  MessageMatch match;
  uint32_t count = 1;
  MutationStage stage = MutationStage::Plain;
  std::vector<MutationOp> ops;
};

using Step = std::variant<StartStep, ExpectStep, AssertStep, WaitStep, FaultStep, MutateStep>;

struct Scenario {
  std::string id;           // path under scenarios/ without .json
  std::string source;       // the file it was read from
  std::string title;
  std::string reference;
  std::string requirement;
  Role role = Role::Initiator;  // the role the harness plays
  std::optional<std::string> sanity;
  std::vector<std::string> tags;
  // Capabilities the peer must have (peer profile names); a peer without one
  // skips the scenario.
  std::vector<std::string> requires_capabilities;
  engine::EngineConfig harness;  // the harness's engine
  engine::EngineConfig peer;     // what the peer is configured with (self mode: the built-in peer)
  // A side given as {"hub": ...}: a FlexVPN hub (flexvpn::Hub) runs on that
  // side's engine, whose configuration is the hub's endpoint (made a hub's
  // by flexvpn::hub_engine_config); its event lines join the side's events.
  std::optional<flexvpn::HubPolicy> harness_hub, peer_hub;
  // Self mode only: the addresses the two engines see ("addresses":
  // {"harness": "10.150.3.1", "peer": "10.150.1.1"}), for scenarios whose
  // configuration names them (a hub's policy matching its local address).
  std::optional<core::Bytes> harness_address, peer_address;
  std::vector<Step> steps;
  std::vector<std::string> step_pointers;  // "/steps/3", for messages
};

// One line naming a step for people: "expect IKE_SA_INIT response".
std::string describe(const Step& step);

}  // namespace ikeh::scenario
