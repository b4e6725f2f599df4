// SPDX-License-Identifier: Apache-2.0
// The IKE_AUTH exchange (RFC 7296 1.2) as a role-split task continuing from
// IKE_SA_INIT (ike_sa_init.h): the initiator builds the request and processes
// the response, the responder processes the request and builds the response.
// Each side works on the inner (plaintext) payload chain, which the engine
// protects, numbers and fragments; thin byte-level wrappers do that
// themselves with Message ID 1 for tests and simple drivers. Covered here:
// the identities (3.5), PSK AUTH (2.15), signature AUTH with certificates
// (method 1 of 3.8, ECDSA methods 9-11 of RFC 4754, method 14 of RFC 7427),
// CERT and CERTREQ (3.6, 3.7), the first Child SA (ESP, 2.17 keys), traffic
// selector narrowing (2.9), the CP request/reply (2.19) with a policy hook,
// INITIAL_CONTACT, SET_WINDOW_SIZE, USE_TRANSPORT_MODE,
// ESP_TFC_PADDING_NOT_SUPPORTED and NON_FIRST_FRAGMENTS_ALSO (3.10.1), and the
// error cases of 2.21.2 (AUTHENTICATION_FAILED: the IKE SA fails) and
// 1.2/2.21.3 (NO_PROPOSAL_CHOSEN, TS_UNACCEPTABLE, INTERNAL_ADDRESS_FAILURE,
// FAILED_CP_REQUIRED: the IKE SA is established without the Child SA). Pure:
// no sockets, and no clock except that certificate validity dates are
// checked against the current time (verify_chain); the Child SA SPIs and
// the SK IVs come from the injected RandomSource, so a seeded run is
// byte-for-byte reproducible with PSK and RSA PKCS#1 v1.5 AUTH (ECDSA and
// RSA-PSS signatures draw their own randomness inside OpenSSL). No
// exceptions.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <vector>

#include "harness/codec/payload.h"
#include "harness/codec/registry.h"
#include "harness/core/bytes.h"
#include "harness/core/result.h"
#include "harness/crypto/auth.h"
#include "harness/crypto/kdf.h"
#include "harness/crypto/secret.h"
#include "harness/engine/config.h"
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

// ----- Authentication helpers -----

// The identity an ID payload names, checked against a certificate (RFC 4945
// 3.1, RFC 7296 3.5) by crypto::Certificate's OpenSSL-backed matchers:
// ID_DER_ASN1_DN is the subject Name (subject_matches: X509_NAME_cmp, so
// string type, ASCII case and extra white space in attribute values do not
// matter); ID_FQDN matches a dNSName (ASCII case ignored, no wildcards) and
// ID_RFC822_ADDR an rfc822Name (domain part case ignored, local part exact)
// of the subjectAltName extension; ID_IPV4_ADDR/ID_IPV6_ADDR (4/16 octets)
// match an iPAddress entry. The subject's CN and emailAddress are never used
// as a fallback. Every other type (ID_KEY_ID included) matches no
// certificate.
bool id_matches_certificate(const codec::IdPayload& id, const crypto::Certificate& cert);

// Checks that `end_entity` chains to one of `trusted` (RFC 7296 3.6) through
// `intermediates`, by crypto::verify_certificate_chain (OpenSSL's RFC 5280
// path validation): issuer names and signatures, basicConstraints cA (and
// keyCertSign when keyUsage is present) for every issuer, path length and
// name constraints, at most crypto::kMaxChainIntermediates intermediates,
// and the validity dates of every certificate against the current time. A
// certificate listed in `trusted` (a CA or the end entity itself) is an
// anchor as is. Not checked: revocation. Error, where "CERT payload", notify
// AUTHENTICATION_FAILED, reason as crypto::verify_certificate_chain
// (OpenSSL's reason and the refused certificate's subject).
core::Status verify_chain(const crypto::Certificate& end_entity, const std::vector<crypto::Certificate>& intermediates,
                          const std::vector<crypto::Certificate>& trusted);

// The CERTREQ naming `trusted` (RFC 7296 3.7: X.509 signature encoding, the
// SHA-1 of each anchor's SubjectPublicKeyInfo); nullopt when there is none.
std::optional<codec::CertReqPayload> certreq_for(const std::vector<crypto::Certificate>& trusted);

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
  // why (NO_PROPOSAL_CHOSEN, TS_UNACCEPTABLE, INTERNAL_ADDRESS_FAILURE,
  // FAILED_CP_REQUIRED, or another error notify the responder sent after a
  // valid AUTH, RFC 7296 1.2, 2.21.3).
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
  // Both sides sent N(USE_TRANSPORT_MODE) (RFC 7296 1.3.1); tunnel mode
  // otherwise.
  bool transport_mode = false;
};

struct IkeAuthResult {
  IkeAuthOutcome outcome = IkeAuthOutcome::Established;
  // AuthenticationFailed: AUTHENTICATION_FAILED; ChildSaFailed: the notify
  // received or sent; 0 when Established.
  uint16_t notify = 0;
  // The peer's IDi/IDr (empty body for an AuthenticationFailed initiator).
  codec::IdPayload peer_id;
  // How the peer authenticated (unset when its AUTH was not verified), and
  // its end-entity certificate when it used a signature with one.
  std::optional<codec::AuthMethod> peer_auth_method;
  std::optional<crypto::Certificate> peer_certificate;
  // Set when outcome is Established and a Child SA was negotiated (a
  // request without SA/TSi/TSr creates none).
  std::optional<ChildSa> child;
  // Initiator: the CFG_REPLY attributes received. Responder: the attributes
  // it sent (empty when no CP was exchanged).
  std::vector<codec::CfgAttribute> cp_attributes;
  // What the peer's message carried (RFC 7296 3.10.1): its SET_WINDOW_SIZE
  // (1 when absent), INITIAL_CONTACT, ESP_TFC_PADDING_NOT_SUPPORTED and
  // NON_FIRST_FRAGMENTS_ALSO.
  uint32_t peer_window_size = 1;
  bool peer_initial_contact = false;
  bool peer_esp_tfc_padding_not_supported = false;
  bool peer_non_first_fragments_also = false;
  // The Child SA is in transport mode: both sides sent USE_TRANSPORT_MODE
  // (the same as child->transport_mode when there is a child).
  bool transport_mode = false;
};

// The PSK shared with the peer named by its IDi/IDr, or nullopt for an
// unknown identity (answered with AUTHENTICATION_FAILED).
using PskLookup = std::function<std::optional<crypto::Secret>(const codec::IdPayload& peer_id)>;

// ----- Initiator -----

struct IkeAuthInitiatorConfig {
  // Vendor ID payloads (RFC 7296 3.12) first in the request, as a FlexVPN
  // spoke sends them.
  std::vector<Bytes> vendor_ids;
  codec::IdPayload idi;
  std::optional<codec::IdPayload> idr;  // the identity wanted from the responder (RFC 7296 3.5)
  // How this side proves its identity: Psk signs with local_auth.psk (or,
  // when that is empty, with psk_lookup's key for idr / remote_auth.id);
  // Signature with local_auth.private_key, sending local_auth.certificate
  // then local_auth.intermediates as CERT payloads.
  LocalAuth local_auth;
  // What is accepted from the responder; remote_auth.id, when set, must be
  // the responder's IDr.
  RemoteAuth remote_auth;
  // The responder's PSK by its IDr; when it is empty or knows no key for
  // IDr, local_auth.psk (the same key both ways) when that is set.
  PskLookup psk_lookup;
  // CERTREQ with the SHA-1 of each remote_auth.trusted SPKI (RFC 7296 3.7),
  // when that list is not empty.
  bool send_certreq = true;
  Policy child_policy;  // protocol ESP
  std::vector<codec::TrafficSelector> tsi;
  std::vector<codec::TrafficSelector> tsr;
  // false: no SA, TSi, TSr (no Child SA; RFC 6023 childless IKE SAs are out
  // of scope, so a responder may refuse this), and no CP or Child SA
  // notifies either.
  bool first_child = true;
  // Sent as CP(CFG_REQUEST) when set (an empty list sends an empty request);
  // typically INTERNAL_IP4_ADDRESS with an empty value (RFC 7296 2.19).
  std::optional<std::vector<codec::CfgAttribute>> cp_request;
  bool initial_contact = false;  // RFC 7296 2.4
  // RFC 7296 2.3: announced in SET_WINDOW_SIZE when greater than 1.
  uint32_t window_size = 1;
  // Child SA notifies (RFC 7296 1.3.1, 3.10.1).
  bool transport_mode = false;
  bool esp_tfc_padding_not_supported = false;
  bool non_first_fragments_also = false;
};

class IkeAuthInitiator {
 public:
  // `sa` is the initiator's IkeSaInitResult (keys, nonces, exact bytes,
  // the responder's SIGNATURE_HASH_ALGORITHMS).
  IkeAuthInitiator(IkeSaInitResult sa, IkeAuthInitiatorConfig config, RandomSource random);
  // The same, borrowing *sa instead of keeping a copy: *sa must stay
  // unchanged and outlive the task (the engine's IKE SA owns both).
  IkeAuthInitiator(const IkeSaInitResult* sa, IkeAuthInitiatorConfig config, RandomSource random);
  // The same, borrowing *sa and *config: both must stay unchanged and
  // outlive the task (the engine builds one config for all its IKE SAs).
  IkeAuthInitiator(const IkeSaInitResult* sa, const IkeAuthInitiatorConfig* config, RandomSource random);

  // The request's inner chain, the plaintext that build_request() protects
  // (the engine protects, numbers and fragments it itself). Draws the ESP
  // SPI. In the order a Cisco FlexVPN spoke sends:
  //   IDi, [CERT (end entity), CERT (intermediates)...], [CERTREQ], [IDr],
  //   AUTH, [CP(CFG_REQUEST)], SA, TSi, TSr, [N(INITIAL_CONTACT)],
  //   [N(SET_WINDOW_SIZE)], [N(USE_TRANSPORT_MODE)],
  //   [N(ESP_TFC_PADDING_NOT_SUPPORTED)], [N(NON_FIRST_FRAGMENTS_ALSO)]
  // (RFC 7296 2.19: CP before SA). AUTH is over InitiatorSignedOctets (the
  // exact IKE_SA_INIT request, Nr, SK_pi, IDi): SHARED_KEY_MIC for Psk; for
  // Signature, DIGITAL_SIGNATURE (RFC 7427) when local_auth.rfc7427 and the
  // responder sent SIGNATURE_HASH_ALGORITHMS, else RSA_DIGITAL_SIGNATURE
  // (PKCS#1 v1.5 SHA-1) for RSA keys and ECDSA_SHA256_P256 / 384_P384 /
  // 512_P521 by curve for EC keys. Errors: an invalid child policy, empty
  // TSi/TSr with first_child, no PSK or no private key for the auth kind, a
  // key no method fits, crypto failures, a second call.
  core::Result<std::vector<codec::Payload>> build_inner();

  // Processes the response's inner chain, already decrypted and checked by
  // codec::verify_inner. Error when build_inner() was not called; otherwise
  // outcomes and errors as process_response() minus the header and
  // protection checks.
  core::Result<IkeAuthResult> process_inner(const std::vector<codec::Payload>& inner);

  // build_inner() protected as HDR(SPIi, SPIr, IKE_AUTH, I, Message ID 1),
  // SK{...}, the IV from the RandomSource.
  core::Result<Bytes> build_request();

  // Processes the response. Errors (the IKE SA fails, nothing to send):
  //  - not the IKE_AUTH response for these SPIs with Message ID 1; a message
  //    that does not decode, unprotect or pass verify_inner;
  //  - a malformed SET_WINDOW_SIZE (INVALID_SYNTAX);
  //  - a missing IDr or AUTH (INVALID_SYNTAX, or the first error notify's
  //    number when the response carries one);
  //  - a responder that does not authenticate (notify AUTHENTICATION_FAILED;
  //    RFC 7296 2.21.2 says the initiator then deletes the IKE SA): an IDr
  //    other than remote_auth.id, a PSK AUTH when remote_auth.accept_psk is
  //    false or no PSK is known, a signature AUTH without a certificate that
  //    chains to remote_auth.trusted and names IDr (verify_chain,
  //    id_matches_certificate), an AUTH value that does not verify;
  //  - a CFG_REPLY although no CFG_REQUEST was sent (INVALID_SYNTAX, RFC 7296
  //    2.19); an SA answer check_response refuses; returned selectors
  //    outside the offer.
  // Typed outcomes: AuthenticationFailed for a response carrying
  // N(AUTHENTICATION_FAILED); ChildSaFailed for any other error notify after
  // a valid AUTH (INTERNAL_ADDRESS_FAILURE and FAILED_CP_REQUIRED for a
  // refused CP request); Established otherwise.
  core::Result<IkeAuthResult> process_response(BytesView response);

  // The protected request (build_request() only).
  const Bytes& request() const { return request_; }
  // The SA payload offered for the Child SA.
  const codec::SaPayload& offered() const { return offered_; }

 private:
  // The result the task works with: *owned_ when it was handed over by
  // value (on the heap, so moving the task keeps sa_ valid), else borrowed.
  std::shared_ptr<const IkeSaInitResult> owned_;
  const IkeSaInitResult* sa_ = nullptr;
  // The same for the config.
  std::shared_ptr<const IkeAuthInitiatorConfig> owned_config_;
  const IkeAuthInitiatorConfig* config_ = nullptr;
  RandomSource random_;
  Bytes spi_;
  codec::SaPayload offered_;
  Bytes request_;
  bool built_ = false;
};

// ----- Responder -----

// The CFG_REPLY attributes for a CFG_REQUEST from the (authenticated) peer,
// or nullopt to send no CP (RFC 7296 2.19 lets a responder ignore the
// request). An error whose notify is INTERNAL_ADDRESS_FAILURE or
// FAILED_CP_REQUIRED fails the Child SA with that notify (the IKE SA stays);
// any other error is returned by the responder task.
using CpHook = std::function<core::Result<std::optional<std::vector<codec::CfgAttribute>>>(
    const codec::IdPayload& peer_id, const codec::CpPayload& request)>;

struct IkeAuthResponderConfig {
  // Vendor ID payloads first in the response, as a FlexVPN hub sends them.
  std::vector<Bytes> vendor_ids;
  codec::IdPayload idr;
  // As for the initiator; Psk signs with local_auth.psk, or with the key
  // psk_lookup returns for IDi when that is empty.
  LocalAuth local_auth;
  // What is accepted from the initiator; remote_auth.id, when set, must be
  // its IDi.
  RemoteAuth remote_auth;
  // The initiator's PSK by its IDi; when it is empty or knows no key for
  // IDi, local_auth.psk when that is set (so a responder with neither
  // answers an unknown IDi with AUTHENTICATION_FAILED).
  PskLookup psk_lookup;
  Policy child_policy;  // protocol ESP
  // The selectors this side allows for the initiator's and its own side;
  // the offer is narrowed to their intersection.
  std::vector<codec::TrafficSelector> tsi;
  std::vector<codec::TrafficSelector> tsr;
  CpHook cp_hook;  // empty: never answer a CP request
  // RFC 7296 3.10.1: a Child SA request without CP(CFG_REQUEST) fails with
  // FAILED_CP_REQUIRED.
  bool cp_required = false;
  uint32_t window_size = 1;  // RFC 7296 2.3: SET_WINDOW_SIZE when > 1
  // USE_TRANSPORT_MODE is answered only when requested and this is true.
  bool transport_mode = false;
  bool esp_tfc_padding_not_supported = false;
  bool non_first_fragments_also = false;
  // RFC 7296 2.19: narrow the returned TSi to the address the CP hook
  // assigned (when it lies within them).
  bool narrow_tsi_to_assigned_address = true;
};

struct IkeAuthResponderStep {
  IkeAuthResult result;
  // The response's inner chain (what `response` protects).
  std::vector<codec::Payload> inner;
  // The protected bytes to send back (process_request() only; empty after
  // process_inner()).
  Bytes response;
};

class IkeAuthResponder {
 public:
  // `sa` is the responder's IkeSaInitResult.
  IkeAuthResponder(IkeSaInitResult sa, IkeAuthResponderConfig config, RandomSource random);
  // The same, borrowing *sa, which must stay unchanged and outlive the task.
  IkeAuthResponder(const IkeSaInitResult* sa, IkeAuthResponderConfig config, RandomSource random);
  // The same, borrowing *sa and *config, which must stay unchanged and
  // outlive the task; `cp_hook` and `psk_lookup`, when set, answer CP
  // requests and look up the initiator's PSK instead of config->cp_hook and
  // config->psk_lookup (the engine shares one config between its IKE SAs,
  // and the address pool's hook and a responder policy name each SA).
  IkeAuthResponder(const IkeSaInitResult* sa, const IkeAuthResponderConfig* config, RandomSource random,
                   CpHook cp_hook = {}, PskLookup psk_lookup = {});

  // Processes the request's inner chain, already decrypted and checked by
  // codec::verify_inner: step.inner is the response's inner chain and
  // step.response stays empty (the engine numbers, protects and fragments
  // it).
  //  - the initiator does not authenticate: IDi other than remote_auth.id,
  //    an AUTH method remote_auth does not accept, no PSK for IDi, a
  //    certificate that does not chain to remote_auth.trusted or does not
  //    name IDi, an AUTH value that does not verify: AuthenticationFailed,
  //    the response is N(AUTHENTICATION_FAILED) alone (RFC 7296 2.21.2);
  //  - otherwise IDr, [CERT...], AUTH (ResponderSignedOctets: the exact
  //    IKE_SA_INIT response, Ni, SK_pr, IDr; the method chosen as for the
  //    initiator), then for the Child SA either
  //      [CP(CFG_REPLY)], SA, TSi, TSr, [N(SET_WINDOW_SIZE)],
  //      [N(USE_TRANSPORT_MODE)], [N(ESP_TFC_PADDING_NOT_SUPPORTED)],
  //      [N(NON_FIRST_FRAGMENTS_ALSO)]  (Established), or
  //      N(NO_PROPOSAL_CHOSEN | TS_UNACCEPTABLE | FAILED_CP_REQUIRED |
  //      INTERNAL_ADDRESS_FAILURE), [N(SET_WINDOW_SIZE)]  (ChildSaFailed,
  //      the IKE SA stays up; 1.2, 2.21.3);
  //    a request without SA, TSi and TSr gets neither (no Child SA) and
  //    ignores CP. The CP hook runs only once SA and selectors are agreed.
  // Errors, with nothing to send: a missing IDi or AUTH, an SA without TSi
  // and TSr (or the reverse), a malformed SET_WINDOW_SIZE (all
  // INVALID_SYNTAX), a CP hook error other than the two above, crypto
  // failures (a local key that cannot sign).
  core::Result<IkeAuthResponderStep> process_inner(const std::vector<codec::Payload>& inner);

  // The same on the protected request; step.response is the protected
  // response. Additional errors: not the IKE_AUTH request for these SPIs
  // with Message ID 1, a message that does not decode, unprotect or pass
  // verify_inner.
  core::Result<IkeAuthResponderStep> process_request(BytesView request);

 private:
  std::shared_ptr<const IkeSaInitResult> owned_;  // as for IkeAuthInitiator
  const IkeSaInitResult* sa_ = nullptr;
  std::shared_ptr<const IkeAuthResponderConfig> owned_config_;
  const IkeAuthResponderConfig* config_ = nullptr;
  CpHook cp_hook_;  // empty: config_->cp_hook
  PskLookup psk_lookup_;  // empty: config_->psk_lookup
  RandomSource random_;
};

}  // namespace ikeh::engine
