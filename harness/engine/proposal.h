// SPDX-License-Identifier: Apache-2.0
// SA proposal negotiation (RFC 7296 2.7, 3.3, 3.3.3, 3.3.6; RFC 5282 8 for
// AEAD; RFC 9370 2.2 for the additional key exchange types): a local policy
// of acceptable suites, the SA payload an initiator offers from it, the
// responder's choice among the peer's proposals, the initiator's check of the
// responder's answer, and the KE group decision behind INVALID_KE_PAYLOAD.
// Pure functions over codec values: no I/O, no state, no exceptions.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "harness/codec/registry.h"
#include "harness/codec/sa_payload.h"
#include "harness/core/bytes.h"
#include "harness/core/result.h"
#include "harness/crypto/kdf.h"
#include "harness/crypto/transforms.h"

namespace ikeh::engine {

using core::Bytes;
using core::BytesView;
using codec::DhGroup;
using codec::EncrId;
using codec::EsnId;
using codec::IntegId;
using codec::PrfId;
using codec::ProtocolId;
using codec::TransformType;

// Whether a proposal for a protocol must carry a transform type (RFC 7296
// 3.3.3). MandatoryUnlessAead is IKE's INTEG: mandatory for the RFC 7296
// Encrypted payload, absent (or NONE) with an AEAD cipher (RFC 5282 8).
enum class TransformNeed : uint8_t { Mandatory, MandatoryUnlessAead, Optional };

struct TransformTypeRule {
  ProtocolId protocol;
  TransformType type;
  TransformNeed need;
};

// The table rows, grouped by protocol, in the order transforms are offered
// and compared (ENCR, PRF, INTEG, DH, ESN, ADDKE1..7). A transform type
// without a row for the proposal's protocol is one "the responder does not
// understand" (RFC 7296 3.3.6). ADDKE1..7 are optional and only their NONE
// transform is ever accepted: local policies carry no additional key
// exchanges (RFC 9370 2.2 lets an initiator make them optional with NONE).
std::span<const TransformTypeRule> transform_type_rules();

// The rule for (protocol, type), or nullopt when the type is not used with
// that protocol.
std::optional<TransformNeed> transform_need(ProtocolId protocol, TransformType type);

// One acceptable combination of IANA transform ids. Fields a protocol does
// not use are ignored:
//   IKE: encr (+ key_bits), integ (AUTH_NONE with AEAD), prf, dh (not NONE).
//   ESP: encr (+ key_bits), integ (AUTH_NONE with AEAD, a real one
//        otherwise: the crypto layer keys no confidentiality-only SA), esn,
//        dh (NONE unless PFS is wanted in CREATE_CHILD_SA).
//   AH:  integ (not NONE), esn, dh (as for ESP).
struct Suite {
  EncrId encr = EncrId::ENCR_AES_GCM_16;
  std::optional<uint16_t> key_bits;  // the KEY_LENGTH attribute, bits
  IntegId integ = IntegId::AUTH_NONE;
  PrfId prf = PrfId::PRF_HMAC_SHA2_256;
  DhGroup dh = DhGroup::NONE;
  EsnId esn = EsnId::NO_ESN;

  // The transform id this suite wants for a type; 0 (NONE) for INTEG
  // without integrity, DH without a group, and ADDKE1..7.
  uint16_t id_for(TransformType type) const;
  // "ENCR_AES_CBC 256 / AUTH_HMAC_SHA2_256_128 / PRF_HMAC_SHA2_256 / ECP_256"
  std::string to_string(ProtocolId protocol) const;

  friend bool operator==(const Suite&, const Suite&) = default;
};

Suite ike_suite(EncrId encr, std::optional<uint16_t> key_bits, IntegId integ, PrfId prf, DhGroup dh);
Suite esp_suite(EncrId encr, std::optional<uint16_t> key_bits, IntegId integ, EsnId esn,
                DhGroup pfs = DhGroup::NONE);
Suite ah_suite(IntegId integ, EsnId esn, DhGroup pfs = DhGroup::NONE);

// How a responder ranks acceptable choices.
//   Local: the first local suite (in policy order) that some peer proposal
//          accepts, the earliest such peer proposal. This is strongSwan's
//          default (charon.prefer_configured_proposals = yes).
//   Peer:  the first peer proposal (in the peer's order) that some local
//          suite accepts; within it the peer's transform order decides,
//          type by type in table order (strongSwan with
//          prefer_configured_proposals = no).
// RFC 7296 2.7 and 3.3.6 leave the choice to the responder.
enum class SelectionOrder : uint8_t { Local, Peer };

struct Policy {
  ProtocolId protocol = ProtocolId::IKE;
  std::vector<Suite> suites;  // most preferred first
  SelectionOrder order = SelectionOrder::Local;
  // When select() is given the KE payload's group, rank choices that use it
  // first, so an acceptable guess never costs an INVALID_KE_PAYLOAD round
  // trip (RFC 7296 1.2). Off: the order alone decides.
  bool prefer_ke_group = false;
};

// Checks that every suite of the policy resolves to transforms the crypto
// layer implements for the policy's protocol. The error names the suite
// index and the reason. select() skips unusable suites on its own.
core::Status validate(const Policy& policy);

// The SA payload an initiator sends: one proposal per suite, in policy order
// (at most 255; later suites are not offered). One proposal per suite, not
// all transforms combined in one proposal, because a combined proposal
// lets the responder pick cross products the policy never listed (RFC 7296
// 3.3: transforms of different types in a proposal are ANDed, those of one
// type ORed). Each proposal carries spi (empty in IKE_SA_INIT, the 8-byte
// IKE SPI when rekeying, the 4-byte inbound SPI for ESP/AH). An AEAD suite
// carries no INTEG transform (RFC 5282 8), a suite with dh NONE no DH
// transform. Proposal numbers and lengths are left to the codec.
codec::SaPayload build_offer(const Policy& policy, BytesView spi = {});

// The negotiated result, on either side.
struct Selection {
  uint8_t proposal_number = 0;  // the initiator's number for the proposal
  ProtocolId protocol = ProtocolId::IKE;
  Bytes peer_spi;  // SPI from the peer's proposal
  Suite suite;     // the chosen ids (ignored fields as documented on Suite)
  // Responder: the SA payload to send (one proposal, the peer's number, the
  // chosen transforms copied unmodified, attributes included, and the
  // responder's SPI). Initiator: the responder's proposal as received.
  codec::SaPayload sa;
  // IKE only: the keying sizes (crypto::make_suite).
  std::optional<crypto::KeySuite> key_suite;
  // ESP/AH: the Child SA's transforms (encr absent for AH, integ absent
  // with AEAD or when no integrity was chosen).
  std::optional<crypto::EncrInfo> encr;
  std::optional<crypto::IntegInfo> integ;
};

// Why one peer proposal was not acceptable.
struct ProposalRejection {
  uint8_t proposal_number = 0;
  std::optional<TransformType> transform_type;  // the type that failed, if one did
  std::string reason;  // "no acceptable INTEG transform (offered AUTH_HMAC_MD5_96)"
};

// select()'s outcome: a selection, or NO_PROPOSAL_CHOSEN with one rejection
// per peer proposal (none when the SA payload had no proposals). On success,
// rejections lists the peer proposals that were not acceptable.
struct SelectResult {
  std::optional<Selection> selection;
  std::vector<ProposalRejection> rejections;

  bool ok() const { return selection.has_value(); }
  // For a failed selection: notify NO_PROPOSAL_CHOSEN, where "SA payload",
  // reason listing every rejection ("proposal 1: INTEG: ...; proposal 2:
  // ...").
  core::Error error() const;
};

// Responder selection (RFC 7296 2.7, 3.3.6). For each peer proposal:
//  - a protocol other than the policy's, or an SPI size other than 4 for
//    ESP/AH and 0 or 8 for IKE (RFC 7296 3.3.1), rejects the proposal;
//  - a transform type without a table row for the protocol (unknown to us,
//    or not used with the protocol) rejects the proposal, and so does a
//    missing mandatory type (3.3.6, 3.3.3);
//  - a transform with an unknown id, an attribute other than one TV
//    KEY_LENGTH, or KEY_LENGTH on a type other than ENCR is skipped: other
//    transforms of its type are still considered (3.3.6);
//  - one transform of each type present is chosen so that the ids (and the
//    ENCR key length) equal one usable local suite; an AEAD suite matches
//    only when the proposal has no INTEG or offers AUTH_NONE, never a real
//    INTEG alone (RFC 5282 8); an optional type the proposal omits matches
//    only a suite whose id for it is NONE.
// Ranked by policy.order (and ke_group, see Policy::prefer_ke_group).
// spi_r is put into the answer's proposal (empty for IKE_SA_INIT).
SelectResult select(const Policy& policy, const codec::SaPayload& peer_sa, BytesView spi_r = {},
                    std::optional<DhGroup> ke_group = std::nullopt);

// Initiator check of the responder's SA payload against what it offered
// (RFC 7296 2.7, 3.3.6): exactly one proposal, whose number is one offered,
// same protocol and SPI size as that offered proposal, a non-empty SPI for
// ESP/AH, each transform equal (type, id, attributes) to one offered in that
// proposal, at most one per type, one for every type offered there (INTEG may
// be absent when the chosen ENCR is AEAD), the mandatory types present, no
// real INTEG with an AEAD cipher (RFC 5282 8), and transforms the crypto
// layer implements. The error (notify 0: the initiator sends nothing, the
// exchange fails) says which rule was broken, where "SA payload".
core::Result<Selection> check_response(const codec::SaPayload& offered, const codec::SaPayload& response);

// What to do with a KE payload once a proposal is chosen (RFC 7296 1.2, 3.4,
// 3.3.6).
enum class KeVerdict : uint8_t {
  Accept,     // the KE payload's group is the chosen one
  InvalidKe,  // answer INVALID_KE_PAYLOAD carrying `group`
  Ignore,     // the chosen group is NONE: ignore KE and send none (3.3.6)
};
struct KeDecision {
  KeVerdict verdict = KeVerdict::Accept;
  DhGroup group = DhGroup::NONE;  // Accept: the KE group; InvalidKe: the group to request
  std::string reason;
};

// ke_group is the KE payload's group, nullopt when the request had no KE
// payload. A chosen group other than NONE with a different or missing KE is
// InvalidKe with the chosen group: the responder's preferred group among the
// initiator's proposals, since the selection only picks offered groups
// (RFC 7296 1.2; 3.4: "If the selected proposal uses a different
// Diffie-Hellman group (other than NONE), the message MUST be rejected with
// a Notify payload of type INVALID_KE_PAYLOAD").
KeDecision decide_ke(const Selection& selection, std::optional<DhGroup> ke_group);

}  // namespace ikeh::engine
