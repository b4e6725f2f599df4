// SPDX-License-Identifier: Apache-2.0
// What an engine tells its observers: SA state changes, every message sent
// and received (with its decrypted payloads), and the decisions it takes
// (proposal chosen, retransmission, give-up, INITIAL_CONTACT replacement,
// address assigned, ...). The scenario runner, the CLI log and the report
// writers are observers; tests assert on the event stream. Events never carry
// key material: SK_* keys and PSKs stay in the engine.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "harness/codec/payload.h"
#include "harness/codec/registry.h"
#include "harness/core/bytes.h"
#include "harness/core/clock.h"

namespace ikeh::engine {

// IKE SA states (RFC 7296 has no normative state machine; these are the
// observable stages of strongSwan's ike_sa_t, which test authors know).
#define IKEH_IKE_SA_STATES(X) \
  X(Connecting)     /* IKE_SA_INIT sent or answered, keys not yet derived (initiator) */ \
  X(Authenticating) /* keys derived, IKE_AUTH not yet complete */                         \
  X(Established)    /* IKE_AUTH done */                                                    \
  X(Rekeying)       /* a CREATE_CHILD_SA rekeying this IKE SA is in flight */             \
  X(Rekeyed)        /* replaced by a new IKE SA; waiting for the old one's Delete */      \
  X(Deleting)       /* our Delete of this IKE SA is in flight */                          \
  X(Deleted)        /* gone (deleted by either side, replaced, or given up) */            \
  X(Failed)         /* the initial exchanges failed */

enum class IkeSaState : uint8_t {
#define IKEH_X(name) name,
  IKEH_IKE_SA_STATES(IKEH_X)
#undef IKEH_X
};
const char* state_name(IkeSaState s);

#define IKEH_CHILD_SA_STATES(X) \
  X(Installed)                  \
  X(Rekeying)                   \
  X(Rekeyed)  /* replaced; the old SA waits for its Delete */ \
  X(Deleting)                   \
  X(Deleted)

enum class ChildSaState : uint8_t {
#define IKEH_X(name) name,
  IKEH_CHILD_SA_STATES(IKEH_X)
#undef IKEH_X
};
const char* state_name(ChildSaState s);

enum class EventKind : uint8_t {
  IkeSaState,       // an IKE SA changed state (ike_state)
  ChildSaState,     // a Child SA changed state (child_state, child)
  MessageSent,      // one message left (all its fragments in `datagrams`), first or again
  MessageReceived,  // one whole message arrived (after reassembly and decryption)
  Retransmit,       // a request was sent again (detail: attempt n)
  Decision,         // anything the engine chose or refused, in words
  Error,            // a message was dropped or an exchange failed, with the reason
};
const char* event_kind_name(EventKind k);

struct Event {
  core::TimePoint time{0};
  EventKind kind = EventKind::Decision;
  // The engine-local serial of the IKE SA (1, 2, ...; 0 when none applies).
  uint64_t ike_sa = 0;
  // The Child SA's engine-local id (0 when none applies).
  uint32_t child = 0;
  IkeSaState ike_state = IkeSaState::Connecting;
  ChildSaState child_state = ChildSaState::Installed;
  // Message events.
  codec::ExchangeType exchange = codec::ExchangeType::IKE_SA_INIT;
  bool response = false;
  uint32_t message_id = 0;
  uint64_t spi_i = 0;
  uint64_t spi_r = 0;
  // The payload chain: the outer one for IKE_SA_INIT, the decrypted inner
  // one for encrypted messages.
  std::vector<codec::Payload> payloads;
  // The datagrams as sent or received (each fragment for SKF).
  std::vector<core::Bytes> datagrams;
  // MessageSent only: true when the message went out again unchanged, a
  // retransmitted request (RFC 7296 2.1; every fragment, RFC 7383 2.6.1) or
  // a cached response re-sent for a retransmitted request (the IKE_SA_INIT
  // response included, and the answers of Deleted or Failed SAs). The
  // datagrams are the bytes first built, outgoing-hook mutations included;
  // exchange, response, message_id, SPIs and payloads are those the first
  // MessageSent carried (the inner chain of an encrypted message is kept
  // only while observed, so it is empty when no observer was registered at
  // its first send). A Retransmit event still precedes a request sent
  // again and a cached response answered again (none for the answers of
  // Deleted or Failed SAs); this MessageSent comes right after it. Every
  // send that hands datagrams to the transport thus yields one MessageSent,
  // so a transcript built from them holds every datagram that left.
  bool retransmission = false;
  // One line for people: "IKE SA 1 Connecting -> Authenticating",
  // "chose ENCR_AES_GCM_16 256 / PRF_HMAC_SHA2_256 / ECP_256".
  std::string detail;
};

using Observer = std::function<void(const Event&)>;

// One line describing the event, for logs: time in seconds, kind, SA, detail;
// message events list the payload types ("sent IKE_AUTH request #1 [IDi AUTH
// SA TSi TSr N(INITIAL_CONTACT)]"; a retransmission reads "sent IKE_AUTH
// request #1 again [...]").
std::string format_event(const Event& e);

}  // namespace ikeh::engine
