// SPDX-License-Identifier: Apache-2.0
#include "harness/engine/create_child_sa.h"

#include <algorithm>
#include <string>
#include <utility>

#include "harness/codec/rules.h"
#include "harness/crypto/kdf.h"
#include "harness/engine/task_support.h"

namespace ikeh::engine {
namespace {

using codec::KePayload;
using codec::NoncePayload;
using codec::NotifyPayload;
using codec::NotifyType;
using codec::Payload;
using codec::PayloadType;
using codec::SaPayload;
using codec::TrafficSelector;
using codec::TsPayload;
using core::make_error;

constexpr uint16_t kNotifyInvalidSyntax = static_cast<uint16_t>(NotifyType::INVALID_SYNTAX);
constexpr uint16_t kNotifyInvalidKe = static_cast<uint16_t>(NotifyType::INVALID_KE_PAYLOAD);
constexpr std::size_t kChildSpiSize = 4;
constexpr std::size_t kIkeSpiSize = 8;
constexpr const char* kWhere = "CREATE_CHILD_SA";

Bytes draw(const RandomSource& random, std::size_t n) {
  Bytes b(n);
  if (n) random(b.data(), n);
  return b;
}

uint64_t be_value(BytesView b) {
  uint64_t v = 0;
  for (uint8_t x : b) v = v << 8 | x;
  return v;
}

// RFC 4303 2.1: SPI 0 is never sent and 1..255 are reserved; RFC 7296 3.1:
// an IKE SPI of zero means "not yet known".
bool spi_usable(BytesView spi, bool ike) {
  uint64_t v = be_value(spi);
  return ike ? v != 0 : v >= 256;
}


std::string group_name(DhGroup g) {
  auto n = codec::name_of(g);
  return n.empty() ? std::to_string(static_cast<uint16_t>(g)) : std::string(n);
}

Bytes be16(uint16_t v) { return Bytes{static_cast<uint8_t>(v >> 8), static_cast<uint8_t>(v)}; }

bool nonce_size_ok(std::size_t n) { return n >= kMinNonce && n <= kMaxNonce; }

bool policy_offers_group(const Policy& policy, DhGroup group) {
  return std::any_of(policy.suites.begin(), policy.suites.end(), [&](const Suite& s) { return s.dh == group; });
}

// RFC 7296 2.9: every selector the responder returns lies within one offered.
bool within(const std::vector<TrafficSelector>& got, const std::vector<TrafficSelector>& offered) {
  if (got.empty()) return false;
  return std::all_of(got.begin(), got.end(), [&](const TrafficSelector& g) {
    return std::any_of(offered.begin(), offered.end(), [&](const TrafficSelector& o) { return covers(o, g); });
  });
}

Payload ts_payload(PayloadType type, const std::vector<TrafficSelector>& selectors) {
  TsPayload ts;
  ts.selectors = selectors;
  return Payload(type, std::move(ts));
}

Payload ke_payload(const crypto::KeyExchange& ke) {
  KePayload p;
  p.group = ke.group();
  p.data = ke.public_value();
  return Payload(PayloadType::KE, std::move(p));
}

// The Child SA notifies both roles may send, in this order.
void add_child_notifies(std::vector<Payload>& out, bool transport, bool tfc, bool non_first) {
  if (transport) out.push_back(codec::make_notify(NotifyType::USE_TRANSPORT_MODE));
  if (tfc) out.push_back(codec::make_notify(NotifyType::ESP_TFC_PADDING_NOT_SUPPORTED));
  if (non_first) out.push_back(codec::make_notify(NotifyType::NON_FIRST_FRAGMENTS_ALSO));
}

void read_peer_notifies(const std::vector<Payload>& chain, CreateChildResult& r) {
  r.peer_esp_tfc_padding_not_supported = find_notify(chain, NotifyType::ESP_TFC_PADDING_NOT_SUPPORTED) != nullptr;
  r.peer_non_first_fragments_also = find_notify(chain, NotifyType::NON_FIRST_FRAGMENTS_ALSO) != nullptr;
}

core::Result<crypto::ChildSaKeys> child_keys(const ParentSa& parent, const Selection& sel, BytesView ni, BytesView nr,
                                             BytesView g_ir) {
  if (!sel.encr) return make_error("SA payload", "the Child SA selection has no encryption transform");
  return crypto::derive_child_sa_keys(parent.prf, parent.sk_d.view(), *sel.encr, sel.integ, ni, nr, g_ir);
}

// RFC 7296 2.18: SKEYSEED = prf(SK_d (old), g^ir (new) | Ni | Nr) with the
// old PRF; the SK_* keys follow 2.14 with the new suite and the new SPIs.
core::Status derive_new_ike(const ParentSa& parent, const crypto::Secret& g_ir, IkeSaInitResult& sa) {
  if (!sa.selection.key_suite) return make_error("SA payload", "the IKE selection has no key suite");
  auto seed = crypto::skeyseed_rekey(parent.prf, parent.sk_d.view(), g_ir.view(), sa.ni, sa.nr);
  if (!seed) return seed.error();
  auto keys = crypto::derive_ike_sa_keys(*sa.selection.key_suite, seed->view(), sa.ni, sa.nr, sa.spi_i, sa.spi_r);
  if (!keys) return keys.error();
  sa.skeyseed = std::move(seed).value();
  sa.keys = std::move(keys).value();
  return {};
}

}  // namespace

ParentSa parent_sa(const IkeSaInitResult& sa) { return ParentSa{sa.selection.suite.prf, sa.keys.sk_d}; }

const char* create_child_kind_name(CreateChildKind k) {
  switch (k) {
    case CreateChildKind::NewChild: return "NewChild";
    case CreateChildKind::RekeyChild: return "RekeyChild";
    case CreateChildKind::RekeyIke: return "RekeyIke";
  }
  return "?";
}

const char* create_child_outcome_name(CreateChildOutcome o) {
  switch (o) {
    case CreateChildOutcome::Created: return "Created";
    case CreateChildOutcome::InvalidKe: return "InvalidKe";
    case CreateChildOutcome::Refused: return "Refused";
  }
  return "?";
}

const char* rekey_collision_name(RekeyCollision c) {
  switch (c) {
    case RekeyCollision::OursRedundant: return "OursRedundant";
    case RekeyCollision::PeersRedundant: return "PeersRedundant";
  }
  return "?";
}

// ----- Collisions -----

int compare_nonces(BytesView a, BytesView b) {
  // RFC 7296 2.8.1: "If you reach the end of one nonce, that nonce is the
  // lower one."
  const std::size_t n = std::min(a.size(), b.size());
  for (std::size_t i = 0; i < n; ++i)
    if (a[i] != b[i]) return a[i] < b[i] ? -1 : 1;
  if (a.size() == b.size()) return 0;
  return a.size() < b.size() ? -1 : 1;
}

BytesView lowest_nonce(BytesView ni, BytesView nr) { return compare_nonces(ni, nr) <= 0 ? ni : nr; }

RekeyCollision resolve_rekey_collision(BytesView our_ni, BytesView our_nr, BytesView peer_ni, BytesView peer_nr,
                                       bool we_are_original_initiator) {
  BytesView our_low = lowest_nonce(our_ni, our_nr);
  BytesView our_high = our_low.data() == our_ni.data() && our_low.size() == our_ni.size() ? our_nr : our_ni;
  BytesView peer_low = lowest_nonce(peer_ni, peer_nr);
  BytesView peer_high = peer_low.data() == peer_ni.data() && peer_low.size() == peer_ni.size() ? peer_nr : peer_ni;
  // RFC 7296 2.8.1/2.8.2: the SA created with the lowest of the four nonces
  // is the redundant one.
  int c = compare_nonces(our_low, peer_low);
  if (c == 0) c = compare_nonces(our_high, peer_high);
  if (c == 0) return we_are_original_initiator ? RekeyCollision::PeersRedundant : RekeyCollision::OursRedundant;
  return c < 0 ? RekeyCollision::OursRedundant : RekeyCollision::PeersRedundant;
}

// ----- Initiator -----

CreateChildInitiator::CreateChildInitiator(ParentSa parent, CreateChildRequestConfig config, RandomSource random)
    : parent_(std::move(parent)), config_(std::move(config)), random_(std::move(random)) {}

core::Result<std::vector<Payload>> CreateChildInitiator::build_inner() {
  if (built_) return make_error(kWhere, "build_inner() called twice");
  const bool ike = config_.kind == CreateChildKind::RekeyIke;
  const ProtocolId want = ike ? ProtocolId::IKE : ProtocolId::ESP;
  if (config_.policy.protocol != want)
    return make_error(kWhere, std::string(create_child_kind_name(config_.kind)) + " needs an " +
                                  (ike ? "IKE" : "ESP") + " policy");
  if (auto st = validate(config_.policy); !st) return st.error();
  if (!nonce_size_ok(config_.nonce_size))
    return make_error(kWhere, "nonce size " + std::to_string(config_.nonce_size) + " outside 16..256 (RFC 7296 2.10)");
  if (!ike && (config_.tsi.empty() || config_.tsr.empty()))
    return make_error(kWhere, "a Child SA needs TSi and TSr selectors");
  if (config_.kind == CreateChildKind::RekeyChild && config_.rekey_spi.size() != kChildSpiSize)
    return make_error(kWhere, "the SPI of the Child SA to rekey has " + std::to_string(config_.rekey_spi.size()) +
                                  " bytes, expected 4");
  DhGroup group = config_.policy.suites.front().dh;
  if (config_.ke_group) {
    if (*config_.ke_group == DhGroup::NONE || !policy_offers_group(config_.policy, *config_.ke_group))
      return make_error(kWhere, "ke_group " + group_name(*config_.ke_group) + " is not offered by the policy");
    group = *config_.ke_group;
  }
  built_ = true;

  spi_ = draw_spi(random_, ike);
  ni_ = draw(random_, config_.nonce_size);
  if (group != DhGroup::NONE) {
    auto ke = draw_key_exchange(random_, group);
    if (!ke) return ke.error();
    ke_.emplace(std::move(ke).value());
  }
  offered_ = build_offer(config_.policy, spi_);

  // RFC 7296 1.3.1-1.3.3: SK {[N], SA, Ni, [KEi], [TSi, TSr]}.
  std::vector<Payload> out;
  if (config_.kind == CreateChildKind::RekeyChild)
    out.push_back(codec::make_notify(NotifyType::REKEY_SA, {}, config_.policy.protocol, config_.rekey_spi));
  if (!ike)
    add_child_notifies(out, config_.transport_mode, config_.esp_tfc_padding_not_supported,
                       config_.non_first_fragments_also);
  out.emplace_back(PayloadType::SA, offered_);
  out.push_back(codec::make_nonce(ni_));
  if (ke_) out.push_back(ke_payload(*ke_));
  if (!ike) {
    out.push_back(ts_payload(PayloadType::TSi, config_.tsi));
    out.push_back(ts_payload(PayloadType::TSr, config_.tsr));
  }
  return out;
}

core::Result<CreateChildResult> CreateChildInitiator::process_inner(const std::vector<Payload>& response) {
  if (!built_) return make_error(kWhere, "process_inner() before build_inner()");
  if (done_) return make_error(kWhere, "the response was already processed");
  done_ = true;

  CreateChildResult r;
  r.kind = config_.kind;
  r.ni = ni_;
  if (config_.kind == CreateChildKind::RekeyChild) {
    r.rekeyed_protocol = config_.policy.protocol;
    r.rekeyed_spi = config_.rekey_spi;
  }

  if (const auto* err = first_error_notify(response)) {
    if (err->type == NotifyType::INVALID_KE_PAYLOAD) {
      if (err->data.size() != 2)
        return make_error("N(INVALID_KE_PAYLOAD)", "data of " + std::to_string(err->data.size()) +
                                                       " bytes, RFC 7296 3.10.1 requires the 2-byte group");
      auto group = static_cast<DhGroup>(be_value(err->data));
      // Only a group we offered and did not just send: anything else is a
      // responder error that a retry would not fix.
      const bool sent = ke_ && ke_->group() == group;
      if (group == DhGroup::NONE || !policy_offers_group(config_.policy, group) || sent)
        return make_error("N(INVALID_KE_PAYLOAD)", "group " + group_name(group) + " is not an acceptable retry group");
      r.outcome = CreateChildOutcome::InvalidKe;
      r.notify = kNotifyInvalidKe;
      r.retry_group = group;
      return r;
    }
    r.outcome = CreateChildOutcome::Refused;
    r.notify = static_cast<uint16_t>(err->type);
    return r;
  }
  return created(response, std::move(r));
}

core::Result<CreateChildResult> CreateChildInitiator::created(const std::vector<Payload>& response,
                                                              CreateChildResult r) {
  const bool ike = config_.kind == CreateChildKind::RekeyIke;
  if (auto st = codec::verify_inner(codec::ExchangeType::CREATE_CHILD_SA, true, response); !st) return st.error();
  const auto* sa = find_body<SaPayload>(response, PayloadType::SA);
  const auto* nr = find_body<NoncePayload>(response, PayloadType::NONCE);
  const auto* ke = find_body<KePayload>(response, PayloadType::KE);
  const auto* tsi = find_body<TsPayload>(response, PayloadType::TSi);
  const auto* tsr = find_body<TsPayload>(response, PayloadType::TSr);
  if (!sa) return make_error("CREATE_CHILD_SA response", "SA payload missing");
  if (!nr) return make_error("CREATE_CHILD_SA response", "Nr missing");
  if (!nonce_size_ok(nr->data.size()))
    return make_error("Nr", std::to_string(nr->data.size()) + " bytes, RFC 7296 2.10 allows 16 to 256");
  auto sel = check_response(offered_, *sa);
  if (!sel) return sel.error();
  const std::size_t spi_size = ike ? kIkeSpiSize : kChildSpiSize;
  if (sel->peer_spi.size() != spi_size)
    return make_error("SA payload", "responder SPI of " + std::to_string(sel->peer_spi.size()) + " bytes, expected " +
                                        std::to_string(spi_size));
  if (!spi_usable(sel->peer_spi, ike))
    return make_error("SA payload", ike ? "responder IKE SPI is zero (RFC 7296 3.1)"
                                        : "responder SPI below 256 (RFC 4303 2.1 reserves 0..255)");

  // RFC 7296 1.3: the responder's KE uses the chosen proposal's group, which
  // must be the group of our KE; a proposal without a group has no KE.
  const DhGroup chosen = sel->suite.dh;
  std::optional<crypto::Secret> g_ir;
  if (chosen != DhGroup::NONE) {
    if (!ke) return make_error("CREATE_CHILD_SA response", "KE payload missing for group " + group_name(chosen));
    if (!ke_ || ke_->group() != chosen || ke->group != chosen)
      return make_error("KE payload", "the responder chose group " + group_name(chosen) + " and sent KE group " +
                                          group_name(ke->group) + ", our KE is " +
                                          (ke_ ? group_name(ke_->group()) : std::string("absent")));
    auto secret = ke_->shared_secret(ke->data);
    if (!secret) return make_error("KE payload", secret.error().reason);
    g_ir = std::move(secret).value();
  } else if (ke) {
    return make_error("KE payload", "sent for a proposal without a Diffie-Hellman group");
  }
  r.group = chosen;
  r.nr = nr->data;
  if (ike && !g_ir) return make_error("SA payload", "the chosen IKE proposal has no Diffie-Hellman group");

  if (ike) {
    if (tsi || tsr) return make_error("CREATE_CHILD_SA response", "TS payloads in an IKE SA rekey (RFC 7296 1.3.2)");
    IkeSaInitResult n;
    n.spi_i = be_value(spi_);
    n.spi_r = be_value(sel->peer_spi);
    n.group = chosen;
    n.ni = r.ni;
    n.nr = r.nr;
    n.selection = std::move(sel).value();
    if (auto st = derive_new_ike(parent_, *g_ir, n); !st) return st.error();
    r.new_ike = std::move(n);
    r.outcome = CreateChildOutcome::Created;
    return r;
  }

  if (!tsi || !tsr) return make_error("CREATE_CHILD_SA response", "TSi or TSr missing for the Child SA");
  if (!within(tsi->selectors, config_.tsi) || !within(tsr->selectors, config_.tsr))
    return make_error("TS payload", "the responder's selectors are not within the offer (RFC 7296 2.9)");
  const bool peer_transport = find_notify(response, NotifyType::USE_TRANSPORT_MODE) != nullptr;
  if (peer_transport && !config_.transport_mode)
    return make_error("N(USE_TRANSPORT_MODE)", "in the response to a request that did not ask for it");
  auto keys = child_keys(parent_, *sel, r.ni, r.nr, g_ir ? g_ir->view() : BytesView{});
  if (!keys) return keys.error();
  ChildSa child;
  child.spi_i = spi_;
  child.spi_r = sel->peer_spi;
  child.selection = std::move(sel).value();
  child.tsi = tsi->selectors;
  child.tsr = tsr->selectors;
  child.keys = std::move(keys).value();
  child.transport_mode = peer_transport;
  r.child = std::move(child);
  read_peer_notifies(response, r);
  r.outcome = CreateChildOutcome::Created;
  return r;
}

// ----- Responder -----

CreateChildResponder::CreateChildResponder(ParentSa parent, CreateChildResponderConfig config, RandomSource random)
    : parent_(std::move(parent)), config_(std::move(config)), random_(std::move(random)) {}

core::Result<CreateChildResponderStep> CreateChildResponder::process_inner(const std::vector<Payload>& request) {
  if (!nonce_size_ok(config_.nonce_size))
    return make_error(kWhere, "nonce size " + std::to_string(config_.nonce_size) + " outside 16..256 (RFC 7296 2.10)");

  CreateChildResponderStep step;
  CreateChildResult& r = step.result;
  // RFC 7296 1.3, 2.21.3: a refusal is the error notify alone.
  auto refuse = [&](NotifyType why, Bytes data = {}, ProtocolId protocol = ProtocolId::NONE, Bytes spi = {}) {
    r.outcome = why == NotifyType::INVALID_KE_PAYLOAD ? CreateChildOutcome::InvalidKe : CreateChildOutcome::Refused;
    r.notify = static_cast<uint16_t>(why);
    step.inner.clear();
    step.inner.push_back(codec::make_notify(why, std::move(data), protocol, std::move(spi)));
    return step;
  };

  const auto* sa = find_body<SaPayload>(request, PayloadType::SA);
  const auto* ni = find_body<NoncePayload>(request, PayloadType::NONCE);
  const auto* ke = find_body<KePayload>(request, PayloadType::KE);
  const auto* tsi = find_body<TsPayload>(request, PayloadType::TSi);
  const auto* tsr = find_body<TsPayload>(request, PayloadType::TSr);
  const auto* rekey = find_notify(request, NotifyType::REKEY_SA);
  const bool ike = sa && !sa->proposals.empty() && sa->proposals.front().protocol_id == ProtocolId::IKE;
  r.kind = ike ? CreateChildKind::RekeyIke : rekey ? CreateChildKind::RekeyChild : CreateChildKind::NewChild;

  // 1. Syntax.
  if (!codec::verify_inner(codec::ExchangeType::CREATE_CHILD_SA, false, request) || !sa || !ni ||
      !nonce_size_ok(ni->data.size()))
    return refuse(NotifyType::INVALID_SYNTAX);
  r.ni = ni->data;
  if (ike && (rekey || tsi || tsr)) return refuse(NotifyType::INVALID_SYNTAX);  // RFC 7296 1.3.2
  if (!ike && (!tsi || !tsr)) return refuse(NotifyType::INVALID_SYNTAX);
  if (rekey) {
    // RFC 7296 3.10.1: REKEY_SA names an ESP or AH SA by its 4-byte SPI.
    if ((rekey->protocol_id != ProtocolId::ESP && rekey->protocol_id != ProtocolId::AH) ||
        rekey->spi.size() != kChildSpiSize ||
        (!sa->proposals.empty() && rekey->protocol_id != sa->proposals.front().protocol_id))
      return refuse(NotifyType::INVALID_SYNTAX);
    r.rekeyed_protocol = rekey->protocol_id;
    r.rekeyed_spi = rekey->spi;
    // 2. RFC 7296 2.25: the notify copies the REKEY_SA protocol and SPI.
    if (!config_.child_sa_exists || !config_.child_sa_exists(rekey->protocol_id, rekey->spi))
      return refuse(NotifyType::CHILD_SA_NOT_FOUND, {}, rekey->protocol_id, rekey->spi);
  }
  // 3. The engine's state.
  if (config_.admit) {
    if (auto veto = config_.admit(r.kind, r.rekeyed_spi)) return refuse(*veto);
  }

  // 4. Proposal.
  const Policy& policy = ike ? config_.ike_policy : config_.child_policy;
  if (auto st = validate(policy); !st) return st.error();
  if (policy.protocol != (ike ? ProtocolId::IKE : ProtocolId::ESP))
    return make_error(kWhere, ike ? "ike_policy must be an IKE policy" : "child_policy must be an ESP policy");
  std::optional<DhGroup> ke_group;
  if (ke) ke_group = ke->group;
  SelectResult chosen = select(policy, *sa, {}, ke_group);
  if (!chosen.ok()) return refuse(NotifyType::NO_PROPOSAL_CHOSEN);
  Selection sel = std::move(*chosen.selection);
  if (sel.peer_spi.size() != (ike ? kIkeSpiSize : kChildSpiSize) || !spi_usable(sel.peer_spi, ike))
    return refuse(NotifyType::NO_PROPOSAL_CHOSEN);

  // 5. KE (RFC 7296 1.3, 3.3.6).
  KeDecision decision = decide_ke(sel, ke_group);
  if (decision.verdict == KeVerdict::InvalidKe)
    return refuse(NotifyType::INVALID_KE_PAYLOAD, be16(static_cast<uint16_t>(decision.group)));
  const bool use_ke = decision.verdict == KeVerdict::Accept;
  if (ike && !use_ke) return refuse(NotifyType::NO_PROPOSAL_CHOSEN);  // an IKE SA always has a group

  // 6. Traffic selectors (RFC 7296 2.9).
  std::vector<TrafficSelector> ntsi, ntsr;
  if (!ike) {
    ntsi = narrow(tsi->selectors, config_.tsi);
    ntsr = narrow(tsr->selectors, config_.tsr);
    if (ntsi.empty() || ntsr.empty()) return refuse(NotifyType::TS_UNACCEPTABLE);
  }

  // 7./8. Own values, drawn only for an answer that creates the SA.
  Bytes spi = draw_spi(random_, ike);
  sel.sa.proposals.front().spi = spi;
  r.nr = draw(random_, config_.nonce_size);
  std::optional<crypto::KeyExchange> own;
  std::optional<crypto::Secret> g_ir;
  if (use_ke) {
    auto k = draw_key_exchange(random_, decision.group);
    if (!k) return k.error();
    own.emplace(std::move(k).value());
    auto secret = own->shared_secret(ke->data);
    if (!secret) return refuse(NotifyType::INVALID_SYNTAX);
    g_ir = std::move(secret).value();
    r.group = decision.group;
  }

  std::vector<Payload> out;
  if (ike) {
    IkeSaInitResult n;
    n.spi_i = be_value(sel.peer_spi);
    n.spi_r = be_value(spi);
    n.group = decision.group;
    n.ni = r.ni;
    n.nr = r.nr;
    n.selection = sel;
    if (auto st = derive_new_ike(parent_, *g_ir, n); !st) return st.error();
    r.new_ike = std::move(n);
  } else {
    auto keys = child_keys(parent_, sel, r.ni, r.nr, g_ir ? g_ir->view() : BytesView{});
    if (!keys) return keys.error();
    // RFC 7296 1.3.1: transport mode only when asked for and acceptable.
    const bool transport = config_.allow_transport_mode && find_notify(request, NotifyType::USE_TRANSPORT_MODE);
    read_peer_notifies(request, r);
    add_child_notifies(out, transport, config_.esp_tfc_padding_not_supported,
                       config_.non_first_fragments_also);
    ChildSa child;
    child.spi_i = sel.peer_spi;
    child.spi_r = spi;
    child.selection = sel;
    child.tsi = ntsi;
    child.tsr = ntsr;
    child.keys = std::move(keys).value();
    child.transport_mode = transport;
    r.child = std::move(child);
  }
  // RFC 7296 1.3.1-1.3.3: SK {[N], SA, Nr, [KEr], [TSi, TSr]}.
  out.emplace_back(PayloadType::SA, std::move(sel.sa));
  out.push_back(codec::make_nonce(r.nr));
  if (own) out.push_back(ke_payload(*own));
  if (!ike) {
    out.push_back(ts_payload(PayloadType::TSi, ntsi));
    out.push_back(ts_payload(PayloadType::TSr, ntsr));
  }
  r.outcome = CreateChildOutcome::Created;
  step.inner = std::move(out);
  return step;
}

}  // namespace ikeh::engine
