// SPDX-License-Identifier: Apache-2.0
// The CREATE_CHILD_SA exchange (RFC 7296 1.3) as a role-split task (DESIGN
// rule 5): a new Child SA with or without PFS (1.3.1), the rekey of a Child
// SA (1.3.3, 2.8) and the rekey of the IKE SA (1.3.2, 2.18), with the
// INVALID_KE_PAYLOAD round trip (1.3, 2.7), the refusals of 1.3.1, 2.9, 2.25
// and 3.10.1, and the collision rules of 2.8.1 and 2.8.2 as pure functions.
//
// The tasks see only the plaintext inner payload chain of one request and
// its response. The engine owns everything around it: Message IDs, SK
// protection, fragmentation, retransmission, the SA tables, installing and
// deleting SAs, and copying the old IKE SA's fragmentation and NAT state to
// a rekeyed one. Every random byte (SPIs, nonces, DH private values) comes
// from the injected RandomSource, so a seeded run repeats byte for byte. No
// exceptions, no I/O.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <vector>

#include "harness/codec/payload.h"
#include "harness/codec/registry.h"
#include "harness/codec/ts_payload.h"
#include "harness/core/bytes.h"
#include "harness/core/result.h"
#include "harness/crypto/dh.h"
#include "harness/crypto/secret.h"
#include "harness/engine/ike_auth.h"
#include "harness/engine/ike_sa_init.h"
#include "harness/engine/proposal.h"

namespace ikeh::engine {

// What the parent IKE SA lends a CREATE_CHILD_SA: its PRF and SK_d, the
// inputs of KEYMAT (RFC 7296 2.17) and of a rekeyed SKEYSEED (2.18). Nothing
// else of the parent is needed: within this exchange "initiator" is the side
// that sends the request, whichever side started the IKE SA.
struct ParentSa {
  PrfId prf = PrfId::PRF_HMAC_SHA2_256;
  crypto::Secret sk_d;
};

// The parent material of an established (or rekeyed) IKE SA.
ParentSa parent_sa(const IkeSaInitResult& sa);

enum class CreateChildKind : uint8_t {
  NewChild,    // RFC 7296 1.3.1
  RekeyChild,  // RFC 7296 1.3.3: N(REKEY_SA) names the SA being replaced
  RekeyIke,    // RFC 7296 1.3.2: IKE proposals, KE mandatory, no TS
};

// "NewChild", "RekeyChild", "RekeyIke".
const char* create_child_kind_name(CreateChildKind k);

// ----- Collisions (RFC 7296 2.8.1, 2.8.2) -----

// The nonce order of RFC 7296 2.8.1: octet by octet from the first, and a
// nonce that ends first (a proper prefix of the other) is the lower. <0 when
// a is lower, 0 when equal, >0 when b is lower. strongSwan compares only the
// common length and treats a prefix tie as "not lower"; the two agree except
// when one nonce is a prefix of the other, where this follows the RFC text.
int compare_nonces(BytesView a, BytesView b);

// The lower of one exchange's two nonces.
BytesView lowest_nonce(BytesView ni, BytesView nr);

// Which of two new SAs created by colliding rekeys of the same SA is
// redundant, seen from one side.
//   OursRedundant:  the SA from the exchange this side initiated is
//                   redundant: this side deletes it; the peer, who
//                   initiated the surviving SA, deletes the old SA.
//   PeersRedundant: the peer deletes its new SA; this side initiated the
//                   surviving SA and deletes the old one (and, for an IKE SA,
//                   moves the Child SAs to the surviving new IKE SA, 2.8.2).
enum class RekeyCollision : uint8_t { OursRedundant, PeersRedundant };

// "OursRedundant", "PeersRedundant".
const char* rekey_collision_name(RekeyCollision c);

// RFC 7296 2.8.1 (Child SAs) and 2.8.2 (IKE SAs): the SA created with the
// lowest of the four nonces is redundant and is closed by the side that
// created it (the initiator of its exchange). our_ni/our_nr are the nonces of
// the exchange this side initiated (our Ni, the peer's Nr), peer_ni/peer_nr
// those of the exchange the peer initiated (its Ni, our Nr). The RFC leaves
// equal lowest nonces open; then the higher nonces of each exchange decide
// the same way, and when all of them are equal (a peer echoing our nonces)
// the exchange the original responder initiated is taken as redundant. Each
// step is symmetric, so both sides reach the same verdict.
RekeyCollision resolve_rekey_collision(BytesView our_ni, BytesView our_nr, BytesView peer_ni, BytesView peer_nr,
                                       bool we_are_original_initiator);

// ----- Result (both roles) -----

enum class CreateChildOutcome : uint8_t {
  // The SA is negotiated and keyed: child (NewChild, RekeyChild) or new_ike
  // (RekeyIke) is set.
  Created,
  // INVALID_KE_PAYLOAD (RFC 7296 1.3, 2.7): retry_group is the group the
  // responder wants. The initiator retries with a new CreateChildInitiator
  // whose config has ke_group = retry_group (a new exchange with fresh SPI,
  // nonce and KE).
  InvalidKe,
  // The responder refused with the error notify in `notify`:
  // NO_PROPOSAL_CHOSEN, TS_UNACCEPTABLE, CHILD_SA_NOT_FOUND,
  // TEMPORARY_FAILURE (2.25), NO_ADDITIONAL_SAS, INVALID_SYNTAX, or any other
  // error notify an initiator received.
  Refused,
};

// "Created", "InvalidKe", "Refused".
const char* create_child_outcome_name(CreateChildOutcome o);

struct CreateChildResult {
  CreateChildOutcome outcome = CreateChildOutcome::Created;
  CreateChildKind kind = CreateChildKind::NewChild;
  // InvalidKe: INVALID_KE_PAYLOAD; Refused: the error notify; 0 when Created.
  uint16_t notify = 0;
  DhGroup retry_group = DhGroup::NONE;  // InvalidKe only
  // RekeyChild: the protocol and SPI from N(REKEY_SA), the exchange
  // initiator's inbound SPI of the SA being replaced (RFC 7296 1.3.3).
  ProtocolId rekeyed_protocol = ProtocolId::NONE;
  Bytes rekeyed_spi;
  // NewChild/RekeyChild when Created. spi_i is the exchange initiator's
  // inbound SPI, spi_r the responder's; tsi/tsr as narrowed by the
  // responder; keys = prf+(SK_d, [g^ir (new) |] Ni | Nr) with the parent's
  // PRF, encr_i/integ_i protecting exchange-initiator-to-responder traffic
  // (RFC 7296 2.17). child->selection.peer_spi is the peer's inbound SPI.
  // child->transport_mode: both sides sent N(USE_TRANSPORT_MODE) (1.3.1);
  // an initiator that asked for it and finds it false got tunnel mode and
  // deletes the SA if that is unacceptable.
  std::optional<ChildSa> child;
  // RekeyIke when Created: the new IKE SA. spi_i is the rekey initiator's new
  // SPI and spi_r the responder's (the side that started the rekey is the new
  // SA's original initiator, RFC 7296 2.18); SKEYSEED = prf(SK_d (old),
  // g^ir (new) | Ni | Nr) with the old PRF and the SK_* keys from it with the
  // new suite (2.18, 2.14). request/response stay empty (no AUTH signs a
  // rekey), the fragmentation and NAT fields are false: the engine copies
  // them from the old SA.
  std::optional<IkeSaInitResult> new_ike;
  // The KE group used; NONE for a Child SA without PFS.
  DhGroup group = DhGroup::NONE;
  Bytes ni;  // the exchange initiator's nonce (for 2.8 collisions)
  Bytes nr;  // the responder's nonce
  // The peer's RFC 7296 3.10.1 status notifies for the Child SA.
  bool peer_esp_tfc_padding_not_supported = false;
  bool peer_non_first_fragments_also = false;
};

// ----- Initiator -----

struct CreateChildRequestConfig {
  CreateChildKind kind = CreateChildKind::NewChild;
  // NewChild/RekeyChild: an ESP policy; the KE payload (PFS) is sent when
  // the first suite has a dh group. RekeyIke: an IKE policy (each suite has a
  // group; the KE uses the first suite's).
  Policy policy;
  // NewChild/RekeyChild: the selectors offered (both non-empty).
  std::vector<codec::TrafficSelector> tsi;
  std::vector<codec::TrafficSelector> tsr;
  // RekeyChild: the 4-byte SPI of the SA being rekeyed as this side expects
  // it in inbound packets (RFC 7296 1.3.3), sent in N(REKEY_SA).
  Bytes rekey_spi;
  bool transport_mode = false;                 // N(USE_TRANSPORT_MODE) (1.3.1)
  bool esp_tfc_padding_not_supported = false;  // N(ESP_TFC_PADDING_NOT_SUPPORTED) (3.10.1)
  bool non_first_fragments_also = false;       // N(NON_FIRST_FRAGMENTS_ALSO) (3.10.1)
  // After InvalidKe: the group the responder asked for. It must be the dh
  // of some policy suite; the KE payload uses it instead of the first
  // suite's group.
  std::optional<DhGroup> ke_group;
  std::size_t nonce_size = 32;  // RFC 7296 2.10: 16..256
};

class CreateChildInitiator {
 public:
  CreateChildInitiator(ParentSa parent, CreateChildRequestConfig config, RandomSource random);

  // Draws the new SPI (ESP: 4 bytes, >= 256 since RFC 4303 2.1 reserves
  // 0..255; IKE: 8 bytes, non-zero), then Ni, then the DH private value, and
  // returns the request's inner chain (RFC 7296 1.3.1, 1.3.2, 1.3.3):
  //   [N(REKEY_SA)] [N(USE_TRANSPORT_MODE)] [N(ESP_TFC_PADDING_NOT_SUPPORTED)]
  //   [N(NON_FIRST_FRAGMENTS_ALSO)] SA Ni [KEi] [TSi TSr]
  // KE is sent for RekeyIke always, for a Child SA when the first suite has
  // a group or ke_group is set; TS only for a Child SA. Errors: an invalid
  // policy or one of the wrong protocol (ESP for a Child SA, IKE for
  // RekeyIke), empty TSi/TSr, a rekey_spi that is not 4 bytes, a ke_group
  // the policy does not offer, a nonce size outside 16..256, crypto
  // failures, a second call.
  core::Result<std::vector<codec::Payload>> build_inner();

  // Processes the response's inner chain:
  //  - N(INVALID_KE_PAYLOAD) with a 2-byte group the policy offers and that
  //    is not the group just sent: InvalidKe;
  //  - any other error notify (RFC 7296 3.10.1, type < 16384): Refused with
  //    that notify;
  //  - otherwise Created after these checks, each failing with an error
  //    (the engine then abandons the attempt and deletes what the
  //    responder may have installed): the chain passes
  //    codec::verify_inner; SA and Nr (16..256 bytes) present;
  //    check_response accepts the SA (one proposal out of the offer, an SPI
  //    of the offered size: 4 for ESP, 8 for IKE); the responder's SPI is
  //    >= 256 (ESP) or non-zero (IKE); a KE whose group is the chosen one
  //    and the one sent when the chosen proposal has a group, no KE when it
  //    has none; for a Child SA, TSi and TSr present, non-empty and each
  //    selector within the offer (2.9: narrowing only), no
  //    N(USE_TRANSPORT_MODE) unless asked; for RekeyIke, no TS.
  // A call before build_inner() or a second call is an error.
  core::Result<CreateChildResult> process_inner(const std::vector<codec::Payload>& response);

  // Ni, set by build_inner(): for collision resolution.
  const Bytes& nonce() const { return ni_; }
  // This side's new SPI (4 or 8 bytes), set by build_inner(): the inbound
  // SPI of the new Child SA, or this side's SPI of the new IKE SA.
  const Bytes& spi() const { return spi_; }
  // The SA payload offered.
  const codec::SaPayload& offered() const { return offered_; }

 private:
  core::Result<CreateChildResult> created(const std::vector<codec::Payload>& response, CreateChildResult r);

  ParentSa parent_;
  CreateChildRequestConfig config_;
  RandomSource random_;
  Bytes spi_;
  Bytes ni_;
  std::optional<crypto::KeyExchange> ke_;
  codec::SaPayload offered_;
  bool built_ = false;
  bool done_ = false;
};

// ----- Responder -----

// Whether a Child SA of `protocol` exists whose inbound SPI at the peer is
// `spi` (the SPI the peer put in N(REKEY_SA): this side's outbound SPI).
using ChildSaLookup = std::function<bool(ProtocolId protocol, BytesView spi)>;

// The engine's veto, asked after the REKEY_SA lookup and before any
// negotiation: an error notify to answer with, or nullopt to go on. Meant
// for RFC 7296 2.25.1/2.25.2 TEMPORARY_FAILURE (a rekey of a Child SA this
// side is closing; an IKE SA rekey while this side is creating, rekeying or
// closing a Child SA of it, or closing the IKE SA) and NO_ADDITIONAL_SAS
// (3.10.1). A rekey of an SA this side is rekeying itself is not refused:
// RFC 7296 2.25.1 says to answer as usual and resolve the collision later
// with resolve_rekey_collision(). rekey_spi is empty unless RekeyChild.
using CreateChildAdmission =
    std::function<std::optional<codec::NotifyType>(CreateChildKind kind, BytesView rekey_spi)>;

struct CreateChildResponderConfig {
  Policy child_policy;  // protocol ESP; a suite with a dh group requires PFS
  Policy ike_policy;    // protocol IKE, for RekeyIke
  // The selectors this side allows for the exchange initiator's side (tsi,
  // the peer's: EngineConfig::remote_ts) and for its own (tsr:
  // EngineConfig::local_ts); the offer is narrowed to the intersections.
  std::vector<codec::TrafficSelector> tsi;
  std::vector<codec::TrafficSelector> tsr;
  bool allow_transport_mode = false;           // accept N(USE_TRANSPORT_MODE)
  bool esp_tfc_padding_not_supported = false;  // send N(ESP_TFC_PADDING_NOT_SUPPORTED)
  bool non_first_fragments_also = false;       // send N(NON_FIRST_FRAGMENTS_ALSO)
  std::size_t nonce_size = 32;                 // RFC 7296 2.10: 16..256
  ChildSaLookup child_sa_exists;  // unset: no Child SA exists (every rekey is CHILD_SA_NOT_FOUND)
  CreateChildAdmission admit;     // unset: admit everything
};

struct CreateChildResponderStep {
  CreateChildResult result;
  // The response's inner chain: on Created
  //   [N(USE_TRANSPORT_MODE)] [N(ESP_TFC_PADDING_NOT_SUPPORTED)]
  //   [N(NON_FIRST_FRAGMENTS_ALSO)] SA Nr [KEr] [TSi TSr]
  // otherwise the error notify alone (RFC 7296 1.3, 2.21.3).
  std::vector<codec::Payload> inner;
};

class CreateChildResponder {
 public:
  CreateChildResponder(ParentSa parent, CreateChildResponderConfig config, RandomSource random);

  // Processes one request's inner chain and builds the answer. The kind is
  // RekeyIke when the SA's first proposal is for IKE, RekeyChild with
  // N(REKEY_SA), NewChild otherwise. In order:
  //  1. a chain failing codec::verify_inner, a Ni outside 16..256 bytes, a
  //     malformed N(REKEY_SA) (protocol not ESP/AH or not the proposals',
  //     SPI not 4 bytes), IKE
  //     proposals with TS or REKEY_SA, a Child SA request without TSi and
  //     TSr: Refused, N(INVALID_SYNTAX);
  //  2. RekeyChild with an SPI child_sa_exists does not know: Refused,
  //     N(CHILD_SA_NOT_FOUND) carrying the REKEY_SA protocol and SPI (2.25);
  //  3. admit() returned a notify: Refused with it;
  //  4. select() finds nothing acceptable: Refused, N(NO_PROPOSAL_CHOSEN);
  //     so does an IKE proposal whose chosen suite has no group, and a peer
  //     SPI that is zero (IKE), below 256 (ESP) or not 8 bytes for IKE;
  //  5. decide_ke() wants another group: InvalidKe, N(INVALID_KE_PAYLOAD)
  //     with the 2-byte group; a chosen group of NONE ignores any KE (3.3.6);
  //  6. a Child SA whose narrowed TSi or TSr is empty: Refused,
  //     N(TS_UNACCEPTABLE) (2.9);
  //  7. the SPI (4 or 8 bytes), Nr and the DH private value are drawn, in
  //     that order (the refusals above draw nothing); a KE value the group
  //     then rejects: Refused, N(INVALID_SYNTAX);
  //  8. otherwise Created, the keys derived as in CreateChildResult.
  // Errors, with nothing to send, only for local failures: an invalid local
  // policy, a nonce size outside 16..256, a crypto failure on own values.
  core::Result<CreateChildResponderStep> process_inner(const std::vector<codec::Payload>& request);

 private:
  ParentSa parent_;
  CreateChildResponderConfig config_;
  RandomSource random_;
};

}  // namespace ikeh::engine
