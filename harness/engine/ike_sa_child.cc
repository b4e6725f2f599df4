// SPDX-License-Identifier: Apache-2.0
// The CREATE_CHILD_SA side of the IKE SA state machine: new Child SAs, Child
// SA and IKE SA rekeys with their collisions (RFC 7296 1.3, 2.8, 2.18,
// 2.25), and the lifetimes that start rekeys and liveness checks.
#include <utility>

#include "harness/engine/sa_internal.h"
#include "harness/engine/task_support.h"

namespace ikeh::engine {

using codec::ExchangeType;
using codec::NotifyType;
using codec::Payload;
using codec::ProtocolId;
using core::make_error;

namespace {

bool live(ChildSaState s) { return s != ChildSaState::Deleted; }

}  // namespace

core::Status IkeSa::queue_create_child(uint32_t rekey_child) {
  const EngineConfig& c = engine.config_;
  CreateChildRequestConfig cfg;
  cfg.policy = c.child_policy;
  cfg.nonce_size = c.nonce_size;
  cfg.esp_tfc_padding_not_supported = c.esp_tfc_padding_not_supported;
  cfg.non_first_fragments_also = c.non_first_fragments_also;
  if (rekey_child) {
    ChildSaInfo* child = child_by_id(rekey_child);
    if (!child || child->state != ChildSaState::Installed)
      return make_error("engine", "no installed Child SA " + std::to_string(rekey_child) + " on IKE SA " +
                                      std::to_string(serial));
    cfg.kind = CreateChildKind::RekeyChild;
    // RFC 7296 2.9.2: a rekey keeps the selectors; from this side's view,
    // tsi is ours.
    cfg.tsi = child->we_initiated ? child->sa.tsi : child->sa.tsr;
    cfg.tsr = child->we_initiated ? child->sa.tsr : child->sa.tsi;
    cfg.rekey_spi = child->inbound_spi();
    cfg.transport_mode = child->transport_mode;
    set_child_state(*child, ChildSaState::Rekeying, "");
  } else {
    cfg.kind = CreateChildKind::NewChild;
    cfg.tsi = c.local_ts;
    cfg.tsr = c.remote_ts;
    cfg.transport_mode = c.transport_mode;
  }
  start_create_child(std::move(cfg), rekey_child);
  return {};
}

core::Status IkeSa::queue_rekey_ike() {
  CreateChildRequestConfig cfg;
  cfg.kind = CreateChildKind::RekeyIke;
  cfg.policy = engine.config_.ike_policy;
  cfg.nonce_size = engine.config_.nonce_size;
  set_state(IkeSaState::Rekeying, "");
  start_create_child(std::move(cfg), 0);
  return {};
}

void IkeSa::start_create_child(CreateChildRequestConfig cfg, uint32_t rekey_child) {
  auto task = std::make_shared<CreateChildInitiator>(parent_sa(*init), cfg, borrow(engine.env_.random));
  Exchange ex;
  ex.type = ExchangeType::CREATE_CHILD_SA;
  ex.what = std::string("CREATE_CHILD_SA (") + create_child_kind_name(cfg.kind) + ")";
  ex.build = [task] { return task->build_inner(); };
  ex.on_response = [this, task, cfg, rekey_child](const std::vector<Payload>& inner) {
    on_create_child_response(task, cfg, rekey_child, inner);
  };
  queue(std::move(ex));
}

void IkeSa::on_create_child_response(const std::shared_ptr<CreateChildInitiator>& task, CreateChildRequestConfig cfg,
                                     uint32_t rekey_child, const std::vector<Payload>& inner) {
  auto r = task->process_inner(inner);
  auto back_to_normal = [&](const std::string& why) {
    if (rekey_child)
      if (auto* c = child_by_id(rekey_child); c && c->state == ChildSaState::Rekeying)
        set_child_state(*c, ChildSaState::Installed, why);
    if (cfg.kind == CreateChildKind::RekeyIke && state == IkeSaState::Rekeying)
      set_state(IkeSaState::Established, why);
  };
  if (!r) {
    error_event("CREATE_CHILD_SA response rejected: " + codec::describe(r.error()));
    back_to_normal("rekey failed");
    return;
  }
  if (r->outcome == CreateChildOutcome::InvalidKe) {
    // RFC 7296 1.3: a new exchange with the group the responder wants.
    decision("CREATE_CHILD_SA retried with " + codec::label(r->retry_group) + " after INVALID_KE_PAYLOAD");
    cfg.ke_group = r->retry_group;
    start_create_child(std::move(cfg), rekey_child);
    return;
  }
  if (r->outcome == CreateChildOutcome::Refused) {
    error_event(std::string("CREATE_CHILD_SA refused: ") + codec::label(static_cast<NotifyType>(r->notify)));
    back_to_normal("refused");
    return;
  }
  if (cfg.kind == CreateChildKind::RekeyIke) {
    IkeSa* fresh = adopt_rekeyed_ike(*r->new_ike, true);
    our_ike_rekey_ = RekeyRecord{r->ni, r->nr, 0, fresh->serial};
    if (peer_ike_rekey_) {
      resolve_ike_collision();
    } else {
      move_children_to(*fresh);
      // RFC 7296 2.18: the side that started the rekey deletes the old SA.
      set_state(IkeSaState::Rekeyed, "replaced by IKE SA " + std::to_string(fresh->serial));
      queue_delete_ike();
    }
    return;
  }
  add_child(*r->child, r->child->transport_mode, true);
  uint32_t fresh = children.back().id;
  arm_child_rekey(fresh);
  if (!rekey_child) return;
  our_child_rekeys_[rekey_child] = RekeyRecord{r->ni, r->nr, fresh, 0};
  if (peer_child_rekeys_.count(rekey_child)) {
    resolve_child_collision(rekey_child);
    return;
  }
  if (auto* old = child_by_id(rekey_child); old && live(old->state)) {
    set_child_state(*old, ChildSaState::Rekeyed, "replaced by Child SA " + std::to_string(fresh));
    queue_delete_child(rekey_child);
  }
}

// RFC 7296 2.8.1: both sides rekeyed the same Child SA. The SA made with the
// lowest of the four nonces is redundant and its creator deletes it; the
// creator of the survivor deletes the old SA.
void IkeSa::resolve_child_collision(uint32_t old_child) {
  const RekeyRecord& ours = our_child_rekeys_[old_child];
  const RekeyRecord& peers = peer_child_rekeys_[old_child];
  auto verdict = resolve_rekey_collision(ours.ni, ours.nr, peers.ni, peers.nr, original_initiator);
  decision("Child SA rekey collision on " + std::to_string(old_child) + ": " + rekey_collision_name(verdict),
           old_child);
  if (verdict == RekeyCollision::OursRedundant) {
    if (auto* c = child_by_id(ours.new_child); c && c->state == ChildSaState::Installed)
      queue_delete_child(ours.new_child);
    if (auto* old = child_by_id(old_child); old && old->state == ChildSaState::Rekeying)
      set_child_state(*old, ChildSaState::Rekeyed, "the peer's rekey won");
  } else if (auto* old = child_by_id(old_child); old && (old->state == ChildSaState::Rekeying ||
                                                          old->state == ChildSaState::Installed)) {
    set_child_state(*old, ChildSaState::Rekeyed, "our rekey won");
    queue_delete_child(old_child);
  }
  our_child_rekeys_.erase(old_child);
  peer_child_rekeys_.erase(old_child);
}

// RFC 7296 2.8.2: both sides rekeyed this IKE SA. The redundant new IKE SA
// is deleted by its creator; the Child SAs live on in the survivor, whose
// creator deletes the old IKE SA.
void IkeSa::resolve_ike_collision() {
  auto verdict =
      resolve_rekey_collision(our_ike_rekey_->ni, our_ike_rekey_->nr, peer_ike_rekey_->ni, peer_ike_rekey_->nr,
                              original_initiator);
  IkeSa* ours = engine.find(our_ike_rekey_->new_ike);
  IkeSa* peers = engine.find(peer_ike_rekey_->new_ike);
  decision(std::string("IKE SA rekey collision: ") + rekey_collision_name(verdict));
  IkeSa* survivor = verdict == RekeyCollision::OursRedundant ? peers : ours;
  IkeSa* redundant = verdict == RekeyCollision::OursRedundant ? ours : peers;
  if (survivor) {
    move_children_to(*survivor);
    if (redundant) redundant->move_children_to(*survivor);
    replaced_by = survivor->serial;
  }
  if (verdict == RekeyCollision::OursRedundant) {
    if (ours) ours->queue_delete_ike();
    set_state(IkeSaState::Rekeyed, "the peer's rekey won");
  } else {
    set_state(IkeSaState::Rekeyed, "our rekey won");
    queue_delete_ike();
  }
  our_ike_rekey_.reset();
  peer_ike_rekey_.reset();
}

IkeSa* IkeSa::adopt_rekeyed_ike(const IkeSaInitResult& keys, bool we_initiated) {
  IkeSa* fresh = engine.new_sa(we_initiated, route);
  fresh->peer_natt_port = peer_natt_port;
  fresh->pool_owner = pool_owner;
  fresh->peer_id = peer_id;
  fresh->cp_attributes = cp_attributes;
  fresh->assigned_address = assigned_address;
  IkeSaInitResult k = keys;
  // RFC 7296 2.18 / RFC 7383 2.3: what IKE_SA_INIT negotiated carries over.
  k.fragmentation = init->fragmentation;
  k.peer_signature_hashes = init->peer_signature_hashes;
  k.peer_sent_nat_detection = init->peer_sent_nat_detection;
  k.local_behind_nat = init->local_behind_nat;
  k.remote_behind_nat = init->remote_behind_nat;
  if (auto st = fresh->keys_ready(std::move(k)); !st) {
    fresh->set_state(IkeSaState::Failed, st.error().to_string());
    return fresh;
  }
  engine.register_spi(*fresh, we_initiated ? fresh->spi_i : fresh->spi_r);
  fresh->window_.reset_for_rekey();
  fresh->window_.complete_initial_exchanges();
  replaced_by = fresh->serial;
  fresh->set_state(IkeSaState::Established, "rekeyed from IKE SA " + std::to_string(serial));
  fresh->arm_lifetimes();
  return fresh;
}

void IkeSa::move_children_to(IkeSa& to) {
  if (&to == this) return;
  for (auto& c : children) {
    if (!live(c.state)) continue;
    Event e;
    e.kind = EventKind::Decision;
    e.ike_sa = to.serial;
    e.child = c.id;
    e.detail = "Child SA " + std::to_string(c.id) + " moved from IKE SA " + std::to_string(serial);
    engine.emit(std::move(e));
    to.children.push_back(c);
    to.arm_child_rekey(c.id);
  }
  std::erase_if(children, [](const ChildSaInfo& c) { return live(c.state); });
}

std::vector<Payload> IkeSa::answer_create_child(const std::vector<Payload>& inner) {
  const EngineConfig& c = engine.config_;
  if (state != IkeSaState::Established && state != IkeSaState::Rekeying) {
    // RFC 7296 2.25.2: nothing new on an IKE SA that is going away.
    codec::NotifyPayload n;
    n.type = NotifyType::TEMPORARY_FAILURE;
    return {Payload(codec::PayloadType::N, std::move(n))};
  }
  CreateChildResponderConfig rc;
  rc.child_policy = c.child_policy;
  rc.ike_policy = c.ike_policy;
  rc.tsi = c.remote_ts;
  rc.tsr = c.local_ts;
  rc.allow_transport_mode = c.transport_mode;
  rc.esp_tfc_padding_not_supported = c.esp_tfc_padding_not_supported;
  rc.non_first_fragments_also = c.non_first_fragments_also;
  rc.nonce_size = c.nonce_size;
  rc.child_sa_exists = [this](ProtocolId, BytesView spi) {
    for (const auto& ch : children)
      if (live(ch.state) && ch.outbound_spi() == Bytes(spi.begin(), spi.end())) return true;
    return false;
  };
  rc.admit = [this](CreateChildKind kind, BytesView spi) -> std::optional<NotifyType> {
    if (kind == CreateChildKind::RekeyChild) {
      for (const auto& ch : children)
        if (ch.outbound_spi() == Bytes(spi.begin(), spi.end()) && ch.state == ChildSaState::Deleting &&
            !our_child_rekeys_.count(ch.id))
          return NotifyType::TEMPORARY_FAILURE;  // RFC 7296 2.25.1: being closed
    }
    if (kind == CreateChildKind::RekeyIke) {
      // RFC 7296 2.25.2: not while a Child SA exchange of ours is in flight.
      for (const auto& [id, ex] : active_)
        if (ex.type == ExchangeType::CREATE_CHILD_SA && state != IkeSaState::Rekeying)
          return NotifyType::TEMPORARY_FAILURE;
    }
    return std::nullopt;
  };
  CreateChildResponder responder(parent_sa(*init), std::move(rc), borrow(engine.env_.random));
  auto step = responder.process_inner(inner);
  if (!step) {
    error_event("CREATE_CHILD_SA request not answered: " + step.error().to_string());
    codec::NotifyPayload n;
    n.type = NotifyType::INVALID_SYNTAX;
    return {Payload(codec::PayloadType::N, std::move(n))};
  }
  const CreateChildResult& r = step->result;
  if (r.outcome != CreateChildOutcome::Created) {
    decision(std::string("CREATE_CHILD_SA (") + create_child_kind_name(r.kind) +
             ") refused: " + codec::label(static_cast<NotifyType>(r.notify)));
    return step->inner;
  }
  if (r.kind == CreateChildKind::RekeyIke) {
    IkeSa* fresh = adopt_rekeyed_ike(*r.new_ike, false);
    peer_ike_rekey_ = RekeyRecord{r.ni, r.nr, 0, fresh->serial};
    if (state == IkeSaState::Rekeying && !our_ike_rekey_) {
      // Our own rekey is still in flight: decide when its answer comes.
      move_children_to(*fresh);
    } else if (our_ike_rekey_) {
      resolve_ike_collision();
    } else {
      move_children_to(*fresh);
      set_state(IkeSaState::Rekeyed, "replaced by IKE SA " + std::to_string(fresh->serial));
      peer_ike_rekey_.reset();
    }
    return step->inner;
  }
  add_child(*r.child, r.child->transport_mode, false);
  uint32_t fresh = children.back().id;
  arm_child_rekey(fresh);
  if (r.kind == CreateChildKind::RekeyChild) {
    for (auto& old : children) {
      if (old.id == fresh || !live(old.state) || old.outbound_spi() != r.rekeyed_spi) continue;
      peer_child_rekeys_[old.id] = RekeyRecord{r.ni, r.nr, fresh, 0};
      if (our_child_rekeys_.count(old.id)) {
        resolve_child_collision(old.id);  // ours was answered first
      } else if (old.state == ChildSaState::Installed) {
        // RFC 7296 2.8: the rekey initiator deletes the old SA.
        set_child_state(old, ChildSaState::Rekeyed, "replaced by Child SA " + std::to_string(fresh));
        peer_child_rekeys_.erase(old.id);
      }
      break;
    }
  }
  return step->inner;
}

// ----- Lifetimes -----

void IkeSa::arm_lifetimes() {
  auto& clock = *engine.env_.clock;
  const Lifetimes& l = engine.config_.lifetimes;
  if (l.ike_rekey_s) {
    timers_.push_back(clock.schedule_after(std::chrono::seconds(l.ike_rekey_s), [this] {
      if (state == IkeSaState::Established) queue_rekey_ike();
    }));
  }
  if (l.dpd_s) arm_dpd();
  for (const auto& c : children)
    if (c.state == ChildSaState::Installed) arm_child_rekey(c.id);
}

void IkeSa::arm_dpd() {
  uint32_t s = engine.config_.lifetimes.dpd_s;
  timers_.push_back(engine.env_.clock->schedule_after(std::chrono::seconds(s), [this] {
    if (state != IkeSaState::Established) return;
    queue_informational("liveness check", {}, nullptr);
    arm_dpd();
  }));
}

void IkeSa::arm_child_rekey(uint32_t child) {
  uint32_t s = engine.config_.lifetimes.child_rekey_s;
  if (!s) return;
  timers_.push_back(engine.env_.clock->schedule_after(std::chrono::seconds(s), [this, child] {
    auto* c = child_by_id(child);
    if (c && c->state == ChildSaState::Installed && state == IkeSaState::Established) queue_create_child(child);
  }));
}

}  // namespace ikeh::engine
