// SPDX-License-Identifier: Apache-2.0
#include "harness/engine/events.h"

#include <cstdio>

#include "harness/codec/message.h"
#include "harness/codec/notify_payload.h"

namespace ikeh::engine {

const char* state_name(IkeSaState s) {
  switch (s) {
#define IKEH_X(name) \
  case IkeSaState::name: return #name;
    IKEH_IKE_SA_STATES(IKEH_X)
#undef IKEH_X
  }
  return "?";
}

const char* state_name(ChildSaState s) {
  switch (s) {
#define IKEH_X(name) \
  case ChildSaState::name: return #name;
    IKEH_CHILD_SA_STATES(IKEH_X)
#undef IKEH_X
  }
  return "?";
}

const char* event_kind_name(EventKind k) {
  switch (k) {
    case EventKind::IkeSaState: return "ike-sa";
    case EventKind::ChildSaState: return "child-sa";
    case EventKind::MessageSent: return "sent";
    case EventKind::MessageReceived: return "received";
    case EventKind::Retransmit: return "retransmit";
    case EventKind::Decision: return "decision";
    case EventKind::Error: return "error";
  }
  return "?";
}

namespace {

std::string payload_list(const std::vector<codec::Payload>& payloads) {
  std::string out;
  for (const auto& p : payloads) {
    if (!out.empty()) out += ' ';
    out += codec::label(p.type);
    if (const auto* n = p.as<codec::NotifyPayload>(); n && p.type == codec::PayloadType::N)
      out += "(" + codec::label(n->type) + ")";
  }
  return out;
}

}  // namespace

std::string format_event(const Event& e) {
  char when[32];
  std::snprintf(when, sizeof when, "%10.3f", static_cast<double>(e.time.count()) / 1e9);
  std::string out = std::string(when) + " " + event_kind_name(e.kind);
  if (e.ike_sa) out += " [IKE SA " + std::to_string(e.ike_sa) + "]";
  if (e.kind == EventKind::MessageSent || e.kind == EventKind::MessageReceived) {
    out += std::string(" ") + codec::label(e.exchange) + (e.response ? " response" : " request") + " #" +
           std::to_string(e.message_id);
    if (e.kind == EventKind::MessageSent && e.retransmission) out += " again";
    if (e.datagrams.size() > 1) out += " (" + std::to_string(e.datagrams.size()) + " fragments)";
    out += " [" + payload_list(e.payloads) + "]";
  }
  if (!e.detail.empty()) out += " " + e.detail;
  return out;
}

}  // namespace ikeh::engine
