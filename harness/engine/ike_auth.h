// SPDX-License-Identifier: Apache-2.0
// The IKE_AUTH exchange (RFC 7296 1.2) with pre-shared key authentication
// (2.15) as a role-split task continuing from IKE_SA_INIT (ike_sa_init.h):
// the initiator builds the request and processes the response, the responder
// processes the request and builds the response. Covered here: the identities
// and PSK AUTH payloads, the first Child SA (ESP, 2.17 keys), traffic
// selector narrowing (2.9), the CP request/reply (2.19), INITIAL_CONTACT
// (3.10.1), and the error cases of 2.21.2 (AUTHENTICATION_FAILED: the IKE SA
// fails) and 1.2/2.21.3 (NO_PROPOSAL_CHOSEN, TS_UNACCEPTABLE: the IKE SA is
// established without the Child SA). Pure: no sockets, no clock; the Child SA
// SPIs and the SK IVs come from the injected RandomSource, so a seeded run is
// byte-for-byte reproducible. No exceptions.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <vector>

#include "harness/codec/payload.h"
#include "harness/codec/registry.h"
#include "harness/core/bytes.h"
#include "harness/core/result.h"
#include "harness/crypto/kdf.h"
#include "harness/crypto/secret.h"
#include "harness/engine/ike_sa_init.h"
#include "harness/engine/proposal.h"

namespace ikeh::engine {

// ----- Traffic selectors (RFC 7296 2.9, 3.13.1) -----

// The intersection of two TS_IPV4_ADDR_RANGE / TS_IPV6_ADDR_RANGE selectors
// of the same type: the overlap of the address and port ranges, and the IP
// protocol when one side says 0 ("any") or both agree. nullopt when they do
// not overlap or either is not an address range selector.
std::optional<codec::TrafficSelector> intersect(const codec::TrafficSelector& a, const codec::TrafficSelector& b);

// The responder's narrowing: every non-empty intersection of an offered
// selector with a local one, in offer order, then local order. Empty means
// TS_UNACCEPTABLE (2.9: the responder may narrow, never widen).
std::vector<codec::TrafficSelector> narrow(const std::vector<codec::TrafficSelector>& offered,
                                           const std::vector<codec::TrafficSelector>& local);

// Whether `inner` lies wholly within `outer` (same type, addresses, ports and
// protocol covered; protocol 0 in outer covers every protocol).
bool covers(const codec::TrafficSelector& outer, const codec::TrafficSelector& inner);

// An address range selector for addr/prefix_len (4 or 16 address bytes), all
// ports, every protocol.
codec::TrafficSelector prefix_selector(BytesView address, unsigned prefix_len);

// ----- Results -----

enum class IkeAuthOutcome : uint8_t {
  // The IKE SA is authenticated and the Child SA (when one was requested)
  // is established.
  Established,
  // RFC 7296 2.21.2: the responder refused the initiator's AUTH (initiator
  // view: the response carried N(AUTHENTICATION_FAILED); responder view: it
  // sent one). The IKE SA is not established.
  AuthenticationFailed,
  // The IKE SA is established but the Child SA was refused; `notify` says
  // why (NO_PROPOSAL_CHOSEN, TS_UNACCEPTABLE, or another error notify the
  // responder sent after a valid AUTH, RFC 7296 1.2, 2.21.3).
  ChildSaFailed,
};

// "Established", "AuthenticationFailed", "ChildSaFailed".
const char* ike_auth_outcome_name(IkeAuthOutcome o);

// The first Child SA (ESP), the same on both sides.
struct ChildSa {
  // The chosen ESP suite; selection.peer_spi is the peer's inbound SPI as
  // seen by this side.
  Selection selection;
  Bytes spi_i;  // the initiator's inbound SPI (from its offer)
  Bytes spi_r;  // the responder's inbound SPI (from its answer)
  std::vector<codec::TrafficSelector> tsi;  // as narrowed by the responder
  std::vector<codec::TrafficSelector> tsr;
  // KEYMAT = prf+(SK_d, Ni | Nr) (RFC 7296 2.17): encr_i/integ_i protect
  // initiator-to-responder traffic.
  crypto::ChildSaKeys keys;
};

struct IkeAuthResult {
  IkeAuthOutcome outcome = IkeAuthOutcome::Established;
  // AuthenticationFailed: AUTHENTICATION_FAILED; ChildSaFailed: the notify
  // received or sent; 0 when Established.
  uint16_t notify = 0;
  // The peer's IDi/IDr (empty body for an AuthenticationFailed initiator).
  codec::IdPayload peer_id;
  // Set when outcome is Established and a Child SA was negotiated (a
  // request without SA/TSi/TSr creates none).
  std::optional<ChildSa> child;
  // Initiator: the CFG_REPLY attributes received. Responder: the attributes
  // it sent (empty when no CP was exchanged).
  std::vector<codec::CfgAttribute> cp_attributes;
};

// ----- Initiator -----

struct IkeAuthInitiatorConfig {
  codec::IdPayload idi;
  std::optional<codec::IdPayload> idr;  // the identity wanted from the responder (RFC 7296 3.5)
  crypto::Secret psk;
  Policy child_policy;  // protocol ESP
  std::vector<codec::TrafficSelector> tsi;
  std::vector<codec::TrafficSelector> tsr;
  // Sent as CP(CFG_REQUEST) when set (an empty list sends an empty request);
  // typically INTERNAL_IP4_ADDRESS with an empty value (RFC 7296 2.19).
  std::optional<std::vector<codec::CfgAttribute>> cp_request;
  bool initial_contact = false;  // RFC 7296 2.4
};

class IkeAuthInitiator {
 public:
  // `sa` is the initiator's IkeSaInitResult (keys, nonces, exact bytes).
  IkeAuthInitiator(IkeSaInitResult sa, IkeAuthInitiatorConfig config, RandomSource random);

  // Draws the ESP SPI (>= 256: RFC 4303 2.1 reserves 0-255) and builds the
  // protected request: HDR(SPIi, SPIr, IKE_AUTH, I, Message ID 1),
  // SK{IDi, [IDr], AUTH, [CP(CFG_REQUEST)], SA, TSi, TSr,
  // [N(INITIAL_CONTACT)]}. AUTH = psk_auth over InitiatorSignedOctets (the
  // exact IKE_SA_INIT request, Nr, SK_pi, IDi). Errors: an invalid child
  // policy, empty TSi/TSr, crypto failures. Call once.
  core::Result<Bytes> build_request();

  // Processes the response. Errors (the IKE SA fails, nothing to send):
  // not the IKE_AUTH response for these SPIs with Message ID 1; a message
  // that does not decode, unprotect or pass verify_inner; a missing IDr or
  // AUTH; a responder AUTH that does not verify (notify
  // AUTHENTICATION_FAILED, RFC 7296 2.21.2 says the initiator then deletes
  // the SA); an SA answer check_response refuses; returned selectors
  // outside the offer. Typed outcomes: AuthenticationFailed for a response
  // carrying N(AUTHENTICATION_FAILED); ChildSaFailed for any other error
  // notify after a valid AUTH; Established otherwise.
  core::Result<IkeAuthResult> process_response(BytesView response);

  const Bytes& request() const { return request_; }
  // The SA payload offered for the Child SA.
  const codec::SaPayload& offered() const { return offered_; }

 private:
  IkeSaInitResult sa_;
  IkeAuthInitiatorConfig config_;
  RandomSource random_;
  Bytes spi_;
  codec::SaPayload offered_;
  Bytes request_;
};

// ----- Responder -----

// The PSK shared with the peer named by its IDi, or nullopt for an unknown
// identity (answered with AUTHENTICATION_FAILED).
using PskLookup = std::function<std::optional<crypto::Secret>(const codec::IdPayload& idi)>;

// The CFG_REPLY attributes for a CFG_REQUEST, or nullopt to send no CP
// (RFC 7296 2.19 lets a responder ignore the request).
using CpHook = std::function<std::optional<std::vector<codec::CfgAttribute>>(const codec::CpPayload& request)>;

struct IkeAuthResponderConfig {
  codec::IdPayload idr;
  PskLookup psk_lookup;
  Policy child_policy;  // protocol ESP
  // The selectors this side allows for the initiator's and its own side;
  // the offer is narrowed to their intersection.
  std::vector<codec::TrafficSelector> tsi;
  std::vector<codec::TrafficSelector> tsr;
  CpHook cp_hook;  // empty: never answer a CP request
};

struct IkeAuthResponderStep {
  IkeAuthResult result;
  Bytes response;  // the protected bytes to send back
};

class IkeAuthResponder {
 public:
  // `sa` is the responder's IkeSaInitResult.
  IkeAuthResponder(IkeSaInitResult sa, IkeAuthResponderConfig config, RandomSource random);

  // Processes the request and builds the response:
  //  - the AUTH does not verify, its method is not SHARED_KEY_MIC, or the
  //    lookup knows no PSK for IDi: AuthenticationFailed, the response
  //    carries only N(AUTHENTICATION_FAILED) (RFC 7296 2.21.2);
  //  - otherwise IDr, AUTH (ResponderSignedOctets: the exact IKE_SA_INIT
  //    response, Ni, SK_pr, IDr), then for the Child SA either
  //    [CP(CFG_REPLY)], SA, TSi, TSr (Established), or N(NO_PROPOSAL_CHOSEN)
  //    / N(TS_UNACCEPTABLE) without SA and TS (ChildSaFailed, the IKE SA
  //    stays up); a request without SA, TSi and TSr gets neither (no Child
  //    SA).
  // Errors, with nothing to send: not the IKE_AUTH request for these SPIs
  // with Message ID 1, a message that does not decode, unprotect or pass
  // verify_inner, a missing IDi or AUTH, an SA without TSi and TSr (or the
  // reverse), crypto failures.
  core::Result<IkeAuthResponderStep> process_request(BytesView request);

 private:
  IkeSaInitResult sa_;
  IkeAuthResponderConfig config_;
  RandomSource random_;
};

}  // namespace ikeh::engine
