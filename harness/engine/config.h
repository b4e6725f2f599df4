// SPDX-License-Identifier: Apache-2.0
// Everything one endpoint of the engine needs to know: the IKE and Child SA
// policies, identities and credentials, traffic selectors, configuration
// payload settings, windows, retransmission, fragmentation and lifetimes.
// Plain data with defaults that interoperate with strongSwan's; the JSON
// loader (harness/scenario/engine_config.h) fills it from a file and
// validate() checks what the types cannot.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "harness/codec/cp_payload.h"
#include "harness/codec/id_payload.h"
#include "harness/codec/registry.h"
#include "harness/codec/ts_payload.h"
#include "harness/core/result.h"
#include "harness/crypto/auth.h"
#include "harness/crypto/secret.h"
#include "harness/engine/proposal.h"
#include "harness/engine/retransmit.h"

namespace ikeh::engine {

// How this side proves its identity (RFC 7296 2.15).
enum class AuthKind : uint8_t {
  Psk,        // SHARED_KEY_MIC (2)
  Signature,  // RSA_DIGITAL_SIGNATURE (1) / ECDSA (9-11) / DIGITAL_SIGNATURE (14, RFC 7427), by key type
};

// "psk", "signature".
const char* auth_kind_name(AuthKind k);

struct LocalAuth {
  AuthKind kind = AuthKind::Psk;
  // Psk: the key this side uses to compute its own AUTH.
  crypto::Secret psk;
  // Signature: the private key, the end-entity certificate sent in CERT, and
  // intermediate certificates sent after it.
  std::optional<crypto::PrivateKey> private_key;
  std::optional<crypto::Certificate> certificate;
  std::vector<crypto::Certificate> intermediates;
  // Signature: use AUTH method 14 (RFC 7427) instead of the classic method
  // for the key type (RSA 1, ECDSA 9/10/11), when the peer announced
  // SIGNATURE_HASH_ALGORITHMS.
  bool rfc7427 = true;
};

// What this side accepts from a peer.
struct RemoteAuth {
  // Accept PSK AUTH payloads verified with the PSK of the peer's identity
  // (psks below).
  bool accept_psk = true;
  // Accept signature AUTH payloads from a certificate that chains to one of
  // these trust anchors (an end-entity certificate listed here is trusted as
  // is).
  std::vector<crypto::Certificate> trusted;
  // The identity the peer must present; any identity when unset.
  std::optional<codec::IdPayload> id;
};

// A pre-shared key for one peer identity, or for every peer (id unset).
struct PskEntry {
  std::optional<codec::IdPayload> id;
  crypto::Secret psk;
};

// The simple address pool behind the CP policy hook (RFC 7296 2.19): hands
// out addresses first..last in order, one per IKE SA, and takes them back
// when the IKE SA goes.
struct AddressPoolConfig {
  Bytes first;  // 4 bytes (IPv4) or 16 (IPv6), network order
  Bytes last;   // same family, >= first
  std::optional<Bytes> netmask;         // INTERNAL_IP4_NETMASK
  std::vector<Bytes> dns;               // INTERNAL_IP4_DNS / INTERNAL_IP6_DNS
  std::vector<codec::TrafficSelector> subnets;  // INTERNAL_IP4_SUBNET / INTERNAL_IP6_SUBNET (protected networks)
  // Narrow the TSi answered in IKE_AUTH to the assigned address (RFC 7296
  // 2.19's example; strongSwan does it).
  bool narrow_tsi = true;
};

// Lifetimes and periodic checks, in seconds; 0 disables. Rekeying is started
// by the side whose timer fires first (with strongSwan-style jitter taken
// from the seeded random source).
struct Lifetimes {
  uint32_t ike_rekey_s = 0;
  uint32_t child_rekey_s = 0;
  uint32_t dpd_s = 0;  // liveness check (empty INFORMATIONAL) after this much inbound silence
};

struct EngineConfig {
  // ----- IKE SA -----
  Policy ike_policy;                  // protocol IKE, most preferred first
  std::size_t nonce_size = 32;        // RFC 7296 2.10
  bool nat_detection = true;          // NAT_DETECTION_*_IP notifies (2.23)
  bool force_natt = false;            // move to port 4500 even without a NAT (like strongSwan's encap=yes)
  // RFC 7383: announce IKEV2_FRAGMENTATION_SUPPORTED and, once both sides
  // did, fragment encrypted messages whose datagram would exceed
  // fragment_size bytes (IKE header included, non-ESP marker excluded).
  bool fragmentation = true;
  std::size_t fragment_size = 1280;
  std::vector<uint16_t> signature_hashes = {2, 3, 4};  // RFC 7427: SHA2-256, SHA2-384, SHA2-512
  bool redirect_supported = false;  // send REDIRECT_SUPPORTED (RFC 5685 3) as an initiator
  // Vendor ID payloads (RFC 7296 3.12): last in IKE_SA_INIT, first in
  // IKE_AUTH (a FlexVPN spoke and hub send FLEXVPN-SUPPORTED and Cisco's
  // other VIDs there). Sent in both roles.
  std::vector<core::Bytes> vendor_ids_init;
  std::vector<core::Bytes> vendor_ids_auth;
  // Responder: answer with N(COOKIE) once this many half-open IKE SAs exist
  // (0: always; unset: never) (RFC 7296 2.6).
  std::optional<uint32_t> cookie_threshold;
  uint32_t window_size = 1;           // announced in SET_WINDOW_SIZE when > 1
  RetransmitConfig retransmit;
  Lifetimes lifetimes;

  // ----- Authentication -----
  codec::IdPayload local_id;
  // Initiator: sent as IDr (RFC 7296 3.5: the identity wanted from the
  // responder); responder and initiator: the identity the peer must present.
  std::optional<codec::IdPayload> remote_id;
  LocalAuth local_auth;
  RemoteAuth remote_auth;
  // PSKs by peer identity (responder lookup, and the initiator's check of
  // the responder's PSK AUTH). An entry without id matches every peer.
  std::vector<PskEntry> psks;
  bool send_certreq = true;  // CERTREQ for the trust anchors (RFC 7296 3.7)
  bool initial_contact = true;  // N(INITIAL_CONTACT) in the first IKE_AUTH (2.4)

  // ----- First and later Child SAs -----
  // A suite's dh is the PFS group for CREATE_CHILD_SA.
  Policy child_policy = {codec::ProtocolId::ESP, {}};
  std::vector<codec::TrafficSelector> local_ts;   // TSi for an initiator, TSr for a responder
  std::vector<codec::TrafficSelector> remote_ts;
  bool transport_mode = false;  // N(USE_TRANSPORT_MODE) (RFC 7296 1.3.1)
  bool esp_tfc_padding_not_supported = true;  // N(ESP_TFC_PADDING_NOT_SUPPORTED) (3.10.1)
  bool non_first_fragments_also = true;       // N(NON_FIRST_FRAGMENTS_ALSO) (3.10.1)
  // Whether IKE_AUTH creates a Child SA at all (RFC 6023 childless IKE SAs
  // are out of scope; false sends no SA/TSi/TSr).
  bool first_child = true;

  // ----- Configuration payload -----
  // Initiator: attributes sent in CP(CFG_REQUEST) in IKE_AUTH; unset sends
  // no CP. Typically INTERNAL_IP4_ADDRESS with an empty value.
  std::optional<std::vector<codec::CfgAttribute>> cp_request;
  // Responder: the pool behind the default CP hook; unset answers no CP.
  std::optional<AddressPoolConfig> pool;
  // Responder: fail the IKE_AUTH Child SA with FAILED_CP_REQUIRED when the
  // initiator sends no CFG_REQUEST (RFC 7296 3.10.1).
  bool cp_required = false;
};

// Checks what the types cannot: a policy that validate(Policy) accepts, a
// fragment size of at least 576 (RFC 7383 2.5.1 minimum for IPv4), a nonce
// size in 16..256, credentials present for the auth kind, a private key that
// matches the certificate, pool bounds of one family in order, a window of at
// least 1. The error names the field ("child_policy: suite 2: ...").
core::Status validate(const EngineConfig& config);

}  // namespace ikeh::engine
