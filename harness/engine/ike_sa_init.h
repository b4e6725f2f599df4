// SPDX-License-Identifier: Apache-2.0
// The IKE_SA_INIT exchange (RFC 7296 1.2) as a role-split task (DESIGN rule
// 5): the initiator builds the request and processes the response, the
// responder processes the request and builds the response. Covered here: the
// SA negotiation (proposal.h), the KE and nonces, the COOKIE round trip
// (RFC 7296 2.6), the INVALID_KE_PAYLOAD round trip (1.2, 2.6.1), NAT
// detection (2.23), the RFC 7383 fragmentation and RFC 7427 signature hash
// notifies, SKEYSEED and the SK_* keys (2.14). Pure: no sockets, no clock;
// every random byte comes from an injected source so a seeded run is
// byte-for-byte reproducible. No exceptions.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "harness/codec/cert_payload.h"
#include "harness/codec/message.h"
#include "harness/core/bytes.h"
#include "harness/core/result.h"
#include "harness/crypto/dh.h"
#include "harness/crypto/kdf.h"
#include "harness/crypto/secret.h"
#include "harness/engine/proposal.h"

namespace ikeh::engine {

// Fills out[0..n) with random bytes. Production code passes system_random();
// tests pass a seeded generator so SPIs, nonces and DH private values repeat.
using RandomSource = std::function<void(uint8_t* out, std::size_t n)>;

// OpenSSL's DRBG (crypto::random_bytes).
RandomSource system_random();

// One side's transport address: the IP address in network order (4 bytes
// for IPv4, 16 for IPv6) and the UDP port.
struct Endpoint {
  Bytes address;
  uint16_t port = 500;
};

// The NAT_DETECTION_*_IP notification data (RFC 7296 2.23):
// SHA-1(SPIi | SPIr | IP address | port), SPIs as in the header (SPIr is 0
// in the request), the port in network order.
core::Result<Bytes> nat_detection_hash(uint64_t spi_i, uint64_t spi_r, const Endpoint& endpoint);

// Settings both roles share.
struct IkeSaInitConfig {
  Policy policy;  // protocol IKE; the initiator's KE uses the first suite's group
  // This side's address and the peer's, as this side sees them: the
  // initiator's remote is where it sends, the responder's remote is the
  // request's source address.
  Endpoint local;
  Endpoint remote;
  std::size_t nonce_size = 32;  // RFC 7296 2.10: at least 16, at most 256, >= half the PRF key size
  bool nat_detection = true;    // send NAT_DETECTION_SOURCE_IP / _DESTINATION_IP
  bool fragmentation = false;   // send IKEV2_FRAGMENTATION_SUPPORTED (RFC 7383 2.3)
  // RFC 7427 4 hash algorithm ids for SIGNATURE_HASH_ALGORITHMS; not sent
  // when empty. The responder sends it only when the request carried one.
  std::vector<uint16_t> signature_hashes;
  // Initiator: send REDIRECT_SUPPORTED (RFC 5685 3); the engine never
  // redirects, but a gateway may check that its peers announce it.
  bool redirect_supported = false;
  // Vendor ID payloads (RFC 7296 3.12) sent last in the request or response.
  std::vector<Bytes> vendor_ids;
  // Responder: a CERTREQ to put in the response (RFC 7296 1.2, 3.7) naming
  // the trust anchors, so a peer that sends certificates only on request
  // sends its own in IKE_AUTH.
  std::optional<codec::CertReqPayload> certreq;
  // Turns each message this task sends into its bytes; codec::encode_message
  // when empty. The engine's outgoing hooks run here, so the request and
  // response kept in IkeSaInitResult (and signed by AUTH) are the bytes
  // sent.
  std::function<Bytes(codec::Message m)> encode;
};

// Responder-only settings: the cookie mode of RFC 7296 2.6.
struct CookieConfig {
  // Answer every request that does not start with the right N(COOKIE) with
  // N(COOKIE) instead of doing any DH work.
  bool require = false;
  // The responder's secret: cookie = prf-HMAC-SHA2-256(secret, Ni | IPi |
  // SPIi), 32 bytes (RFC 7296 2.6 suggests a hash of Ni, IPi, SPIi and a
  // secret; 1 to 64 bytes are allowed).
  Bytes secret;
};

// What the exchange established, the same on both sides except for the
// NAT flags (each side reports its own view).
struct IkeSaInitResult {
  uint64_t spi_i = 0;
  uint64_t spi_r = 0;
  Selection selection;  // the chosen suite and the responder's SA payload
  DhGroup group = DhGroup::NONE;
  Bytes ni;
  Bytes nr;
  crypto::Secret skeyseed;
  crypto::IkeSaKeys keys;
  // The exact bytes of the final request and response: the AUTH payloads of
  // IKE_AUTH sign them (RFC 7296 2.15).
  Bytes request;
  Bytes response;
  // Both sides sent IKEV2_FRAGMENTATION_SUPPORTED (RFC 7383 2.3).
  bool fragmentation = false;
  // The peer sent REDIRECT_SUPPORTED (RFC 5685 3; meaningful in a request).
  bool peer_redirect_supported = false;
  // The peer's SIGNATURE_HASH_ALGORITHMS list (empty when it sent none).
  std::vector<uint16_t> peer_signature_hashes;
  // NAT detection (RFC 7296 2.23): the peer's NAT-D hashes disagree with the
  // addresses this side sees. local_behind_nat: no
  // NAT_DETECTION_DESTINATION_IP matched our address; remote_behind_nat: no
  // NAT_DETECTION_SOURCE_IP matched the peer's address. Both false when the
  // peer sent no NAT-D notifies.
  bool peer_sent_nat_detection = false;
  bool local_behind_nat = false;
  bool remote_behind_nat = false;
  bool nat_detected() const { return local_behind_nat || remote_behind_nat; }
};

// ----- Initiator -----

enum class InitiatorOutcome : uint8_t {
  // The responder asked for something else: send InitiatorStep::request
  // (same SPIi, Message ID 0) and wait for the new response.
  Retry,
  // The IKE SA keys are derived: result() holds them.
  Established,
};

struct InitiatorStep {
  InitiatorOutcome outcome = InitiatorOutcome::Established;
  Bytes request;       // Retry: the request to send next
  std::string reason;  // "COOKIE", "INVALID_KE_PAYLOAD requested MODP_2048", ...
};

class IkeSaInitInitiator {
 public:
  // Retries (COOKIE and INVALID_KE_PAYLOAD answers together) before giving
  // up: a responder that never settles must not keep us looping.
  static constexpr int kMaxRetries = 4;

  IkeSaInitInitiator(IkeSaInitConfig config, RandomSource random);

  // Draws SPIi, Ni and the private value for the first suite's group and
  // builds the first request: HDR(SPIi, 0, I) SA KE Ni [N(NAT-D src)
  // N(NAT-D dst)] [N(IKEV2_FRAGMENTATION_SUPPORTED)]
  // [N(SIGNATURE_HASH_ALGORITHMS)]. Fails on an invalid policy or a crypto
  // failure. Call once.
  core::Result<Bytes> build_request();

  // Processes the response to the last request:
  //  - N(COOKIE) (1 to 64 bytes): Retry, the same request with the cookie as
  //    the first payload (RFC 7296 2.6);
  //  - N(INVALID_KE_PAYLOAD) with a 2-byte group the policy offers: Retry
  //    with a KE of that group and the full proposal list again (RFC 7296
  //    1.2: the refusal is unauthenticated); a kept cookie stays first
  //    (2.6.1);
  //  - any other error notify: an error carrying that notify number;
  //  - otherwise the SA answer is checked (check_response), the KE must use
  //    the chosen group, and SKEYSEED and the SK_* keys are derived.
  // Errors for a response that is not an IKE_SA_INIT response to our SPIi
  // with Message ID 0, for a malformed one, and after kMaxRetries retries.
  core::Result<InitiatorStep> process_response(BytesView response);

  // The bytes of the last request built.
  const Bytes& request() const { return request_; }
  uint64_t spi_i() const { return spi_i_; }
  // Set once process_response() returned Established.
  const std::optional<IkeSaInitResult>& result() const { return result_; }
  // Moves the result out (nullopt before Established); result() is empty
  // afterwards.
  std::optional<IkeSaInitResult> take_result() { return std::exchange(result_, std::nullopt); }

 private:
  core::Status new_key_exchange(DhGroup group);
  core::Result<Bytes> encode_request();

  IkeSaInitConfig config_;
  RandomSource random_;
  uint64_t spi_i_ = 0;
  Bytes ni_;
  Bytes cookie_;
  std::optional<crypto::KeyExchange> ke_;
  codec::SaPayload offered_;
  Bytes request_;
  int retries_ = 0;
  std::optional<IkeSaInitResult> result_;
};

// ----- Responder -----

enum class ResponderOutcome : uint8_t {
  CookieRequired,    // answered N(COOKIE); no state kept
  InvalidKe,         // answered N(INVALID_KE_PAYLOAD) with the group wanted
  NoProposalChosen,  // answered N(NO_PROPOSAL_CHOSEN)
  Established,       // answered SA KE Nr ...; result() holds the keys
};

// "CookieRequired", "InvalidKe", "NoProposalChosen", "Established".
const char* responder_outcome_name(ResponderOutcome o);

struct ResponderStep {
  ResponderOutcome outcome = ResponderOutcome::Established;
  Bytes response;  // the bytes to send back
};

class IkeSaInitResponder {
 public:
  IkeSaInitResponder(IkeSaInitConfig config, CookieConfig cookie, RandomSource random);

  // Processes one IKE_SA_INIT request (the first one or a retry) and builds
  // the response. Refusals (COOKIE, INVALID_KE_PAYLOAD, NO_PROPOSAL_CHOSEN)
  // carry SPIr 0 (RFC 7296 2.6). An error, with nothing to send, for bytes
  // that do not decode, fail verify_message(), are not an initiator's
  // Message ID 0 request with SPIr 0, carry a nonce outside 16..256 bytes,
  // or a KE value the group rejects; the error's notify says which one a
  // strict peer would send.
  core::Result<ResponderStep> process_request(BytesView request);

  // Set once process_request() returned Established.
  const std::optional<IkeSaInitResult>& result() const { return result_; }
  // Moves the result out (nullopt before Established); result() is empty
  // afterwards.
  std::optional<IkeSaInitResult> take_result() { return std::exchange(result_, std::nullopt); }

  // The cookie this responder expects from an initiator with this SPIi and
  // Ni arriving from config.remote.
  core::Result<Bytes> expected_cookie(uint64_t spi_i, BytesView ni) const;

 private:
  IkeSaInitConfig config_;
  CookieConfig cookie_;
  RandomSource random_;
  std::optional<IkeSaInitResult> result_;
};

}  // namespace ikeh::engine
