// SPDX-License-Identifier: Apache-2.0
#include "harness/flexvpn/spoke.h"

#include <algorithm>
#include <map>

#include "harness/flexvpn/hub.h"
#include "harness/flexvpn/ios_text.h"

namespace ikeh::flexvpn {

using codec::CfgAttribute;
using codec::CfgAttributeType;
using core::Bytes;
using engine::EventKind;
using engine::IkeSaState;

engine::EngineConfig spoke_engine_config(engine::EngineConfig base, const SpokeOptions& options) {
  // The trace's request starts with one VID: FLEXVPN-SUPPORTED (notes 2.1).
  // Once: a configuration that already lists it keeps its own order.
  if (std::find(base.vendor_ids_auth.begin(), base.vendor_ids_auth.end(), flexvpn_supported_vid()) ==
      base.vendor_ids_auth.end())
    base.vendor_ids_auth.insert(base.vendor_ids_auth.begin(), flexvpn_supported_vid());
  std::vector<CfgAttribute> request{CfgAttribute(CfgAttributeType::INTERNAL_IP4_ADDRESS)};
  if (options.group)
    request.emplace_back(static_cast<CfgAttributeType>(kGroupNameAttribute),
                         Bytes(options.group->begin(), options.group->end()));
  if (options.group_password)
    request.emplace_back(static_cast<CfgAttributeType>(kGroupPasswordAttribute), options.group_password->reveal());
  base.cp_request = std::move(request);
  base.initial_contact = options.initial_contact;
  base.window_size = options.window_size;
  base.esp_tfc_padding_not_supported = true;
  base.non_first_fragments_also = true;
  base.first_child = true;
  if (base.psks.empty() && base.local_auth.kind == engine::AuthKind::Psk && !base.local_auth.psk.empty())
    base.psks.push_back(engine::PskEntry{std::nullopt, base.local_auth.psk});
  return base;
}

const char* cfg_set_outcome_name(CfgSetOutcome o) {
  switch (o) {
#define IKEH_X(name) \
  case CfgSetOutcome::name: return #name;
    IKEH_CFG_SET_OUTCOMES(IKEH_X)
#undef IKEH_X
  }
  return "?";
}

CfgSetOutcome classify_cfg_ack(const std::vector<CfgAttribute>& sent, const std::optional<std::vector<CfgAttribute>>& ack) {
  // RFC 7296 3.15.1: no CP at all is a conforming "nothing accepted".
  if (!ack) return CfgSetOutcome::NoCp;
  std::map<uint16_t, int> left;
  for (const auto& a : sent) ++left[static_cast<uint16_t>(a.type)];
  for (const auto& a : *ack) {
    // Accepted attributes are listed with zero-length values; an echo
    // never counts (notes 2.5), nor an attribute that was not sent.
    if (!a.value.empty()) return CfgSetOutcome::Invalid;
    auto it = left.find(static_cast<uint16_t>(a.type));
    if (it == left.end() || it->second == 0) return CfgSetOutcome::Invalid;
    --it->second;
  }
  if (ack->empty()) return CfgSetOutcome::EmptyAck;
  return ack->size() == sent.size() ? CfgSetOutcome::Acknowledged : CfgSetOutcome::PartiallyAcknowledged;
}

std::unique_ptr<Spoke> Spoke::attach(engine::Engine& engine, Options options) {
  std::unique_ptr<Spoke> spoke(new Spoke(engine, std::move(options)));
  std::weak_ptr<Spoke*> alive = spoke->alive_;
  engine.add_observer([alive](const engine::Event& e) {
    auto s = alive.lock();
    if (s && *s) (*s)->on_engine_event(e);
  });
  return spoke;
}

Spoke::Spoke(engine::Engine& engine, Options options)
    : engine_(engine), options_(std::move(options)), alive_(std::make_shared<Spoke*>(this)) {}

Spoke::~Spoke() {
  *alive_ = nullptr;
  for (auto id : timers_) engine_.env().clock->cancel(id);
}

std::optional<SpokeSession> Spoke::session(uint64_t sa) const {
  auto it = sessions_.find(sa);
  if (it == sessions_.end()) return std::nullopt;
  return it->second;
}

std::vector<SpokeSession> Spoke::sessions() const {
  std::vector<SpokeSession> out;
  for (const auto& [sa, s] : sessions_) out.push_back(s);
  return out;
}

void Spoke::log(uint64_t sa, std::string text) {
  SpokeEvent e;
  e.time = engine_.env().clock->now();
  e.sa = sa;
  e.text = std::move(text);
  events_.push_back(e);
  if (hook_) hook_(events_.back());
}

void Spoke::on_engine_event(const engine::Event& e) {
  if (e.kind == EventKind::Decision && e.ike_sa) {
    // The engine's words for a finished CFG_SET exchange (IkeSa::queue_cfg_set).
    bool ack = e.detail.starts_with("CFG_ACK received");
    bool no_cp = e.detail.starts_with("CFG_SET answered without CP");
    auto it = sessions_.find(e.ike_sa);
    if ((!ack && !no_cp) || it == sessions_.end() || it->second.cfg_set != CfgSetOutcome::Pending) return;
    SpokeSession& s = it->second;
    s.cfg_ack = engine_.last_cfg_ack(e.ike_sa);
    s.cfg_set = classify_cfg_ack(s.cfg_set_sent, s.cfg_ack);
    if (s.cfg_ack) {
      log(e.ike_sa, "Config-type: Config-ack");
      for (const auto& a : *s.cfg_ack) log(e.ike_sa, attribute_text(a));
    } else {
      log(e.ike_sa, "Info exch config resp without config mode data");
    }
    log(e.ike_sa, std::string("CFG_SET outcome: ") + cfg_set_outcome_name(s.cfg_set));
    return;
  }
  if (e.kind != EventKind::IkeSaState) return;
  if (e.ike_state == IkeSaState::Failed && e.detail.find("CFG_REPLY although no CFG_REQUEST") != std::string::npos) {
    // The engine refuses the whole IKE_AUTH response (RFC 7296 2.19).
    SpokeSession& s = sessions_[e.ike_sa];
    s.sa = e.ike_sa;
    s.cfg_reply_rejected = true;
    log(e.ike_sa, "CFG_REPLY received without a CFG_REQUEST sent: rejected, not applied (RFC 7296 2.19)");
    return;
  }
  if (e.ike_state != IkeSaState::Established || sessions_.count(e.ike_sa)) return;
  auto info = engine_.ike_sa(e.ike_sa);
  if (!info || !info->original_initiator) return;
  SpokeSession& s = sessions_[e.ike_sa];
  s.sa = e.ike_sa;
  apply(s, *info);
}

void Spoke::apply(SpokeSession& s, const engine::IkeSaInfo& info) {
  if (info.cp_attributes.empty()) return;
  if (!engine_.config().cp_request) {
    // Unreachable while the engine refuses such a response itself; kept so
    // the spoke never applies what it did not ask for.
    s.cfg_reply_rejected = true;
    log(s.sa, "CFG_REPLY received without a CFG_REQUEST sent: rejected, not applied (RFC 7296 2.19)");
    return;
  }
  log(s.sa, "Config-type: Config-reply");
  for (const auto& a : info.cp_attributes) {
    log(s.sa, attribute_text(a));
    switch (a.type) {
      case CfgAttributeType::INTERNAL_IP4_ADDRESS:
        if (a.value.size() == 4 && !s.address) s.address = a.value;
        break;
      case CfgAttributeType::INTERNAL_IP4_NETMASK:
        if (a.value.size() == 4) s.netmask = a.value;
        break;
      case CfgAttributeType::INTERNAL_IP4_DNS:
        if (a.value.size() == 4) s.dns.push_back(a.value);
        break;
      case CfgAttributeType::INTERNAL_IP4_SUBNET:
        if (a.value.size() == 8)
          s.routes.push_back(SpokeRoute{Bytes(a.value.begin(), a.value.begin() + 4), Bytes(a.value.begin() + 4, a.value.end())});
        break;
      default: break;  // RFC 7296 3.15.1: unsupported attributes are ignored
    }
  }
  s.applied = true;
  if (s.address) log(s.sa, "Applied config mode data: address " + ip_text(*s.address));
  for (const auto& r : s.routes) {
    Bytes v = r.prefix;
    v.insert(v.end(), r.mask.begin(), r.mask.end());
    log(s.sa, "Route added " + subnet_text(v) + " via the tunnel");
  }
  if (!options_.send_cfg_set || !s.address) return;
  // Queued from a timer: the engine is still inside its IKE_AUTH handling.
  std::weak_ptr<Spoke*> alive = alive_;
  uint64_t sa = s.sa;
  timers_.push_back(engine_.env().clock->schedule_after(options_.cfg_set_delay, [alive, sa] {
    auto p = alive.lock();
    if (p && *p) (*p)->send_cfg_set(sa);
  }));
}

void Spoke::send_cfg_set(uint64_t sa) {
  SpokeSession& s = sessions_[sa];
  if (!s.address) return;
  // `route set interface`: our tunnel address as a host route.
  Bytes subnet = *s.address;
  subnet.insert(subnet.end(), {255, 255, 255, 255});
  s.cfg_set_sent = {CfgAttribute(CfgAttributeType::INTERNAL_IP4_SUBNET, subnet)};
  log(sa, "Config-type: Config-set");
  for (const auto& a : s.cfg_set_sent) log(sa, attribute_text(a));
  if (auto st = engine_.send_cfg_set(sa, s.cfg_set_sent); !st) {
    log(sa, "CFG_SET not sent: " + st.error().to_string());
    return;
  }
  s.cfg_set = CfgSetOutcome::Pending;
  log(sa, "Sending info exch config set");
}

}  // namespace ikeh::flexvpn
