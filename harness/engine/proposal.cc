// SPDX-License-Identifier: Apache-2.0
#include "harness/engine/proposal.h"

#include <algorithm>
#include <iterator>
#include <limits>
#include <memory>
#include <span>
#include <tuple>
#include <utility>

#include "harness/crypto/dh.h"

namespace ikeh::engine {
namespace {

using codec::Proposal;
using codec::SaPayload;
using codec::Transform;
using codec::TransformAttribute;
using codec::TransformAttributeType;

constexpr std::size_t kNone = std::numeric_limits<std::size_t>::max();

#define IKEH_ADDKE_ROWS(P)                                             \
  {ProtocolId::P, TransformType::ADDKE1, TransformNeed::Optional},     \
      {ProtocolId::P, TransformType::ADDKE2, TransformNeed::Optional}, \
      {ProtocolId::P, TransformType::ADDKE3, TransformNeed::Optional}, \
      {ProtocolId::P, TransformType::ADDKE4, TransformNeed::Optional}, \
      {ProtocolId::P, TransformType::ADDKE5, TransformNeed::Optional}, \
      {ProtocolId::P, TransformType::ADDKE6, TransformNeed::Optional}, \
      {ProtocolId::P, TransformType::ADDKE7, TransformNeed::Optional}

// RFC 7296 3.3.3 "Mandatory Types / Optional Types" per protocol, plus the
// RFC 9370 additional key exchanges (optional wherever DH may appear).
//  protocol          type                  need
constexpr TransformTypeRule kTransformTypeRules[] = {
    {ProtocolId::IKE, TransformType::ENCR, TransformNeed::Mandatory},
    {ProtocolId::IKE, TransformType::PRF, TransformNeed::Mandatory},
    {ProtocolId::IKE, TransformType::INTEG, TransformNeed::MandatoryUnlessAead},
    {ProtocolId::IKE, TransformType::DH, TransformNeed::Mandatory},
    IKEH_ADDKE_ROWS(IKE),
    {ProtocolId::ESP, TransformType::ENCR, TransformNeed::Mandatory},
    {ProtocolId::ESP, TransformType::INTEG, TransformNeed::Optional},
    {ProtocolId::ESP, TransformType::DH, TransformNeed::Optional},
    {ProtocolId::ESP, TransformType::ESN, TransformNeed::Mandatory},
    IKEH_ADDKE_ROWS(ESP),
    {ProtocolId::AH, TransformType::INTEG, TransformNeed::Mandatory},
    {ProtocolId::AH, TransformType::DH, TransformNeed::Optional},
    {ProtocolId::AH, TransformType::ESN, TransformNeed::Mandatory},
    IKEH_ADDKE_ROWS(AH),
};

#undef IKEH_ADDKE_ROWS

// The table's rows for one protocol, which are adjacent in it.
std::span<const TransformTypeRule> rows_for(ProtocolId protocol) {
  const auto* first = std::find_if(std::begin(kTransformTypeRules), std::end(kTransformTypeRules),
                                   [&](const TransformTypeRule& r) { return r.protocol == protocol; });
  const auto* last = std::find_if(first, std::end(kTransformTypeRules),
                                  [&](const TransformTypeRule& r) { return r.protocol != protocol; });
  return {first, last};
}

std::string type_name(TransformType t) { return codec::label(t); }

std::string transform_name(const Transform& t) {
  std::string s;
  auto namer = codec::transform_id_namer(t.type);
  std::string_view n = namer ? namer(t.id) : std::string_view{};
  s = n.empty() ? "UNKNOWN(" + std::to_string(t.id) + ")" : std::string(n);
  if (auto kl = t.key_length()) s += " " + std::to_string(*kl);
  return s;
}

// A suite checked against the crypto layer once per call.
struct Resolved {
  Suite suite;
  bool usable = false;
  bool aead = false;
  std::string error;
  std::optional<crypto::KeySuite> key_suite;
  std::optional<crypto::EncrInfo> encr;
  std::optional<crypto::IntegInfo> integ;
};

Resolved resolve_uncached(ProtocolId protocol, const Suite& s) {
  Resolved r;
  r.suite = s;
  auto fail = [&r](std::string e) {
    r.error = std::move(e);
    return r;
  };
  if (s.dh != DhGroup::NONE) {
    auto g = crypto::dh_group_info(s.dh);
    if (!g) return fail(g.error().reason);
  }
  switch (protocol) {
    case ProtocolId::IKE: {
      if (s.dh == DhGroup::NONE) return fail("IKE needs a DH group (RFC 7296 3.3.3)");
      auto e = crypto::encr_info(s.encr, s.key_bits);
      if (!e) return fail(e.error().reason);
      if (e->aead && s.integ != IntegId::AUTH_NONE)
        return fail(e->name + " is AEAD and takes no integrity algorithm (RFC 5282 8)");
      auto ks = crypto::make_suite(s.encr, s.key_bits, s.integ, s.prf);
      if (!ks) return fail(ks.error().reason);
      r.aead = ks->encr.aead;
      r.encr = ks->encr;
      r.integ = ks->integ;
      r.key_suite = std::move(*ks);
      break;
    }
    case ProtocolId::ESP: {
      auto e = crypto::encr_info(s.encr, s.key_bits);
      if (!e) return fail(e.error().reason);
      r.aead = e->aead;
      if (s.integ != IntegId::AUTH_NONE) {
        if (e->aead) return fail(e->name + " is AEAD and takes no integrity algorithm (RFC 5282 8)");
        auto i = crypto::integ_info(s.integ);
        if (!i) return fail(i.error().reason);
        r.integ = *i;
      } else if (!e->aead) {
        // RFC 7296 3.3.3 makes ESP's INTEG optional, but the crypto layer
        // keys no confidentiality-only Child SA (derive_child_sa_keys), and
        // RFC 4303 3.2 forbids NULL encryption without integrity anyway.
        return fail(e->name + " is not AEAD and needs an integrity algorithm");
      }
      r.encr = *e;
      break;
    }
    case ProtocolId::AH: {
      auto i = crypto::integ_info(s.integ);
      if (!i) return fail(i.error().reason);
      r.integ = *i;
      break;
    }
    default:
      return fail("protocol " + codec::label(protocol) + " has no negotiable transforms");
  }
  r.usable = true;
  return r;
}

// resolve_uncached() remembered per (protocol, suite): the answer depends on
// nothing else, and validate(), select() and check_response() ask for the
// same few suites in every exchange. A small per-thread table, emptied when
// a scenario with many suites fills it. Entries are shared, immutable and
// outlive the table, so callers hold them without copying their strings.
std::shared_ptr<const Resolved> resolve(ProtocolId protocol, const Suite& s) {
  struct Entry {
    ProtocolId protocol;
    std::shared_ptr<const Resolved> resolved;
  };
  constexpr std::size_t kMaxEntries = 64;
  thread_local std::vector<Entry> cache;
  for (const auto& e : cache)
    if (e.protocol == protocol && e.resolved->suite == s) return e.resolved;
  if (cache.size() == kMaxEntries) cache.clear();
  cache.push_back({protocol, std::make_shared<const Resolved>(resolve_uncached(protocol, s))});
  return cache.back().resolved;
}

// RFC 7296 3.3.5: KEY_LENGTH (TV form) is the only attribute defined, and
// only for ENCR; a transform carrying anything else is one "that contains a
// Transform Attribute it does not understand" and is unacceptable (3.3.6).
bool attributes_understood(const Transform& t) {
  int key_lengths = 0;
  for (const auto& a : t.attributes) {
    if (!a.tv || a.attribute_type() != TransformAttributeType::KEY_LENGTH) return false;
    ++key_lengths;
  }
  return key_lengths == 0 || (key_lengths == 1 && t.type == TransformType::ENCR);
}

bool transform_matches(const Transform& t, const Suite& s) {
  if (!attributes_understood(t) || t.id != s.id_for(t.type)) return false;
  if (t.type == TransformType::ENCR) return t.key_length() == s.key_bits;
  return true;
}

bool has_type(const Proposal& p, TransformType type) {
  return std::any_of(p.transforms.begin(), p.transforms.end(), [type](const Transform& t) { return t.type == type; });
}

bool type_needed(TransformNeed need, bool aead) {
  return need == TransformNeed::Mandatory || (need == TransformNeed::MandatoryUnlessAead && !aead);
}

// Proposal-level rules that do not depend on the local suites.
std::optional<ProposalRejection> check_shape(ProtocolId want, const Proposal& p, uint8_t number) {
  auto reject = [number](std::optional<TransformType> type, std::string reason) {
    return ProposalRejection{number, type, std::move(reason)};
  };
  if (p.protocol_id != want)
    return reject(std::nullopt, "protocol " + codec::label(p.protocol_id) + ", expected " + codec::label(want));
  // RFC 7296 3.3.1: ESP and AH SPIs are 4 bytes; IKE's is empty in
  // IKE_SA_INIT and 8 bytes when rekeying the IKE SA.
  const std::size_t spi = p.spi.size();
  const bool spi_ok = want == ProtocolId::IKE ? (spi == 0 || spi == 8) : spi == 4;
  if (!spi_ok)
    return reject(std::nullopt, "SPI of " + std::to_string(spi) + " bytes is not valid for " + codec::label(want) +
                                    " (RFC 7296 3.3.1)");
  // RFC 7296 3.3.6: "a proposal that contains a Transform Type it does not
  // understand ... MUST consider this proposal unacceptable".
  for (const auto& t : p.transforms)
    if (!transform_need(want, t.type))
      return reject(t.type, "transform type " + type_name(t.type) + " is not understood for " + codec::label(want) +
                                " (RFC 7296 3.3.6)");
  // RFC 7296 3.3.6: "... or a proposal that is missing a mandatory Transform
  // Type". IKE's INTEG depends on the cipher and is judged per suite.
  for (const auto& row : rows_for(want))
    if (row.need == TransformNeed::Mandatory && !has_type(p, row.type))
      return reject(row.type, "mandatory transform type " + type_name(row.type) + " is missing (RFC 7296 3.3.3)");
  return std::nullopt;
}

// One transform index per row (kNone where the proposal has no transform of
// that type) when the proposal can be answered with exactly this suite.
std::optional<std::vector<std::size_t>> match(const Proposal& p, std::span<const TransformTypeRule> rows,
                                              const Resolved& r) {
  std::vector<std::size_t> picks;
  picks.reserve(rows.size());
  for (const auto& row : rows) {
    bool present = false;
    std::size_t pick = kNone;
    for (std::size_t i = 0; i < p.transforms.size(); ++i) {
      const Transform& t = p.transforms[i];
      if (t.type != row.type) continue;
      present = true;
      if (pick == kNone && transform_matches(t, r.suite)) pick = i;
    }
    if (!present) {
      // An omitted optional type means NONE (no PFS, no integrity).
      if (type_needed(row.need, r.aead) || r.suite.id_for(row.type) != 0) return std::nullopt;
    } else if (pick == kNone) {
      // With an AEAD suite the wanted INTEG is AUTH_NONE, so a proposal
      // offering only real integrity algorithms ends here (RFC 5282 8).
      return std::nullopt;
    }
    picks.push_back(pick);
  }
  return picks;
}

// Names the first transform type no usable suite can satisfy.
ProposalRejection diagnose(const Proposal& p, uint8_t number, std::span<const TransformTypeRule> rows,
                           const std::vector<const Resolved*>& suites) {
  const bool any_usable = std::any_of(suites.begin(), suites.end(), [](const Resolved* r) { return r->usable; });
  if (!any_usable) return {number, std::nullopt, "the local policy has no usable suite"};
  for (const auto& row : rows) {
    if (has_type(p, row.type)) {
      bool ok = false;
      std::string offered;
      for (const auto& t : p.transforms) {
        if (t.type != row.type) continue;
        if (!offered.empty()) offered += ", ";
        offered += transform_name(t);
        if (!attributes_understood(t)) offered += " (unknown attribute)";
        for (const Resolved* r : suites)
          if (r->usable && transform_matches(t, r->suite)) ok = true;
      }
      if (!ok)
        return {number, row.type, "no acceptable " + type_name(row.type) + " transform (offered " + offered + ")"};
    } else {
      bool ok = false;
      for (const Resolved* r : suites)
        if (r->usable && !type_needed(row.need, r->aead) && r->suite.id_for(row.type) == 0) ok = true;
      if (!ok)
        return {number, row.type, "no " + type_name(row.type) + " transform offered, the local policy needs one"};
    }
  }
  return {number, std::nullopt, "each transform type has an acceptable transform, but no local suite accepts this "
                                "combination"};
}

void fill_crypto(Selection& s, const Resolved& r) {
  s.suite = r.suite;
  s.key_suite = r.key_suite;
  s.encr = r.encr;
  s.integ = r.integ;
}

core::Error sa_error(std::string reason) {
  core::Error e;
  e.where = "SA payload";
  e.reason = std::move(reason);
  return e;
}

bool same_attributes(const Transform& a, const Transform& b) {
  if (a.attributes.size() != b.attributes.size()) return false;
  for (std::size_t i = 0; i < a.attributes.size(); ++i) {
    const TransformAttribute& x = a.attributes[i];
    const TransformAttribute& y = b.attributes[i];
    if (x.tv != y.tv || x.type != y.type || x.value != y.value || x.data != y.data) return false;
  }
  return true;
}

}  // namespace

std::span<const TransformTypeRule> transform_type_rules() { return kTransformTypeRules; }

std::optional<TransformNeed> transform_need(ProtocolId protocol, TransformType type) {
  for (const auto& r : kTransformTypeRules)
    if (r.protocol == protocol && r.type == type) return r.need;
  return std::nullopt;
}

uint16_t Suite::id_for(TransformType type) const {
  switch (type) {
    case TransformType::ENCR: return static_cast<uint16_t>(encr);
    case TransformType::PRF: return static_cast<uint16_t>(prf);
    case TransformType::INTEG: return static_cast<uint16_t>(integ);
    case TransformType::DH: return static_cast<uint16_t>(dh);
    case TransformType::ESN: return static_cast<uint16_t>(esn);
    default: return 0;
  }
}

std::string Suite::to_string(ProtocolId protocol) const {
  std::string s;
  for (const auto& row : rows_for(protocol)) {
    const uint16_t id = id_for(row.type);
    // NONE of an optional type is left out, as on the wire.
    if (id == 0 && row.type != TransformType::ESN && row.type != TransformType::ENCR) continue;
    Transform t = row.type == TransformType::ENCR && key_bits ? Transform(row.type, id, *key_bits)
                                                              : Transform(row.type, id);
    if (!s.empty()) s += " / ";
    s += transform_name(t);
  }
  return s;
}

Suite ike_suite(EncrId encr, std::optional<uint16_t> key_bits, IntegId integ, PrfId prf, DhGroup dh) {
  Suite s;
  s.encr = encr;
  s.key_bits = key_bits;
  s.integ = integ;
  s.prf = prf;
  s.dh = dh;
  return s;
}

Suite esp_suite(EncrId encr, std::optional<uint16_t> key_bits, IntegId integ, EsnId esn, DhGroup pfs) {
  Suite s;
  s.encr = encr;
  s.key_bits = key_bits;
  s.integ = integ;
  s.esn = esn;
  s.dh = pfs;
  return s;
}

Suite ah_suite(IntegId integ, EsnId esn, DhGroup pfs) {
  Suite s;
  s.integ = integ;
  s.esn = esn;
  s.dh = pfs;
  return s;
}

core::Status validate(const Policy& policy) {
  if (policy.suites.empty()) {
    core::Error e;
    e.where = "policy";
    e.field = "suites";
    e.reason = "no suites";
    return e;
  }
  for (std::size_t i = 0; i < policy.suites.size(); ++i) {
    const auto r = resolve(policy.protocol, policy.suites[i]);
    if (!r->usable) {
      core::Error e;
      e.where = "policy";
      e.field = "suites/" + std::to_string(i);
      e.reason = policy.suites[i].to_string(policy.protocol) + ": " + r->error;
      return e;
    }
  }
  return {};
}

codec::SaPayload build_offer(const Policy& policy, BytesView spi) {
  SaPayload sa;
  const auto rows = rows_for(policy.protocol);
  const std::size_t n = std::min<std::size_t>(policy.suites.size(), 255);
  sa.proposals.reserve(n);
  for (std::size_t i = 0; i < n; ++i) {
    const Suite& s = policy.suites[i];
    Proposal p;
    p.protocol_id = policy.protocol;
    p.spi.assign(spi.begin(), spi.end());
    p.transforms.reserve(rows.size());
    for (const auto& row : rows) {
      const uint16_t id = s.id_for(row.type);
      switch (row.type) {
        case TransformType::ENCR:
          p.transforms.push_back(s.key_bits ? Transform(row.type, id, *s.key_bits) : Transform(row.type, id));
          break;
        case TransformType::PRF:
        case TransformType::ESN: p.transforms.emplace_back(row.type, id); break;
        case TransformType::INTEG:
        case TransformType::DH:
          // RFC 5282 8: an AEAD proposal omits INTEG; no DH means no PFS.
          if (id != 0) p.transforms.emplace_back(row.type, id);
          break;
        default: break;  // ADDKE1..7: policies carry no additional key exchanges
      }
    }
    sa.proposals.push_back(std::move(p));
  }
  return sa;
}

core::Error SelectResult::error() const {
  core::Error e;
  e.where = "SA payload";
  e.notify = static_cast<uint16_t>(codec::NotifyType::NO_PROPOSAL_CHOSEN);
  std::string reason = "no proposal chosen";
  if (rejections.empty()) reason += ": the SA payload has no proposals";
  for (std::size_t i = 0; i < rejections.size(); ++i) {
    const auto& r = rejections[i];
    reason += i == 0 ? ": " : "; ";
    reason += "proposal " + std::to_string(r.proposal_number) + ": ";
    if (r.transform_type) reason += type_name(*r.transform_type) + ": ";
    reason += r.reason;
  }
  e.reason = std::move(reason);
  return e;
}

SelectResult select(const Policy& policy, const codec::SaPayload& peer_sa, BytesView spi_r,
                    std::optional<DhGroup> ke_group) {
  SelectResult out;
  const auto rows = rows_for(policy.protocol);
  std::vector<std::shared_ptr<const Resolved>> held;
  held.reserve(policy.suites.size());
  for (const auto& s : policy.suites) held.push_back(resolve(policy.protocol, s));
  std::vector<const Resolved*> suites;
  suites.reserve(held.size());
  for (const auto& r : held) suites.push_back(r.get());

  struct Candidate {
    std::size_t proposal;
    std::size_t suite;
    std::vector<std::size_t> picks;
  };
  std::vector<Candidate> candidates;
  for (std::size_t pi = 0; pi < peer_sa.proposals.size(); ++pi) {
    const Proposal& p = peer_sa.proposals[pi];
    const uint8_t number = p.number.value_or(static_cast<uint8_t>(pi + 1));
    if (auto rejection = check_shape(policy.protocol, p, number)) {
      out.rejections.push_back(std::move(*rejection));
      continue;
    }
    bool any = false;
    for (std::size_t si = 0; si < suites.size(); ++si) {
      if (!suites[si]->usable) continue;
      if (auto picks = match(p, rows, *suites[si])) {
        candidates.push_back({pi, si, std::move(*picks)});
        any = true;
      }
    }
    if (!any) out.rejections.push_back(diagnose(p, number, rows, suites));
  }
  if (candidates.empty()) return out;

  auto before = [&](const Candidate& a, const Candidate& b) {
    if (policy.prefer_ke_group && ke_group) {
      const bool am = suites[a.suite]->suite.dh == *ke_group;
      const bool bm = suites[b.suite]->suite.dh == *ke_group;
      if (am != bm) return am;
    }
    if (policy.order == SelectionOrder::Local) return std::tie(a.suite, a.proposal) < std::tie(b.suite, b.proposal);
    // Peer order: proposal first, then the position of each chosen transform
    // in the peer's list, type by type in table order.
    return std::tie(a.proposal, a.picks, a.suite) < std::tie(b.proposal, b.picks, b.suite);
  };
  const Candidate& best = *std::min_element(candidates.begin(), candidates.end(), before);
  const Proposal& p = peer_sa.proposals[best.proposal];

  Selection s;
  s.proposal_number = p.number.value_or(static_cast<uint8_t>(best.proposal + 1));
  s.protocol = policy.protocol;
  s.peer_spi = p.spi;
  fill_crypto(s, *suites[best.suite]);

  // RFC 7296 3.3.6: one proposal carrying the initiator's number, one
  // transform per type, attributes returned unmodified; the transforms keep
  // the peer's order. The codec computes the number from the position, so
  // only a number other than 1 is set.
  Proposal answer;
  if (s.proposal_number != 1) answer.number = s.proposal_number;
  answer.protocol_id = p.protocol_id;
  answer.spi.assign(spi_r.begin(), spi_r.end());
  std::vector<std::size_t> picks;
  picks.reserve(best.picks.size());
  for (std::size_t i : best.picks)
    if (i != kNone) picks.push_back(i);
  std::sort(picks.begin(), picks.end());
  answer.transforms.reserve(picks.size());
  for (std::size_t i : picks) {
    const Transform& src = p.transforms[i];
    Transform t(src.type, src.id);
    t.attributes = src.attributes;
    answer.transforms.push_back(std::move(t));
  }
  s.sa.proposals.push_back(std::move(answer));
  out.selection = std::move(s);
  return out;
}

core::Result<Selection> check_response(const codec::SaPayload& offered, const codec::SaPayload& response) {
  // RFC 7296 3.3.6: "The initiator of an exchange MUST check that the
  // accepted offer is consistent with one of its proposals, and if not MUST
  // reject the response."
  if (response.proposals.size() != 1)
    return sa_error("the response carries " + std::to_string(response.proposals.size()) +
                    " proposals, exactly one is allowed (RFC 7296 3.3.6)");
  const Proposal& rp = response.proposals[0];
  const uint8_t number = rp.number.value_or(1);
  const Proposal* op = nullptr;
  for (std::size_t i = 0; i < offered.proposals.size(); ++i)
    if (offered.proposals[i].number.value_or(static_cast<uint8_t>(i + 1)) == number) op = &offered.proposals[i];
  if (!op) return sa_error("proposal number " + std::to_string(number) + " was not offered");
  const std::string where = "proposal " + std::to_string(number) + ": ";
  if (rp.protocol_id != op->protocol_id)
    return sa_error(where + "protocol " + codec::label(rp.protocol_id) + ", offered " + codec::label(op->protocol_id));
  const ProtocolId protocol = op->protocol_id;
  if (rp.spi.size() != op->spi.size())
    return sa_error(where + "SPI of " + std::to_string(rp.spi.size()) + " bytes, offered " +
                    std::to_string(op->spi.size()));
  if (protocol != ProtocolId::IKE && rp.spi.size() != 4)
    return sa_error(where + "SPI of " + std::to_string(rp.spi.size()) + " bytes, " + codec::label(protocol) +
                    " needs 4 (RFC 7296 3.3.1)");

  Suite suite;
  suite.integ = IntegId::AUTH_NONE;
  suite.dh = DhGroup::NONE;
  for (std::size_t i = 0; i < rp.transforms.size(); ++i) {
    const Transform& t = rp.transforms[i];
    if (!transform_need(protocol, t.type))
      return sa_error(where + "transform type " + type_name(t.type) + " is not used with " + codec::label(protocol));
    for (std::size_t j = 0; j < i; ++j)
      if (rp.transforms[j].type == t.type)
        return sa_error(where + "more than one " + type_name(t.type) + " transform (RFC 7296 3.3.6)");
    const bool was_offered = std::any_of(op->transforms.begin(), op->transforms.end(), [&t](const Transform& o) {
      return o.type == t.type && o.id == t.id && same_attributes(o, t);
    });
    if (!was_offered) return sa_error(where + type_name(t.type) + " " + transform_name(t) + " was not offered");
    switch (t.type) {
      case TransformType::ENCR:
        suite.encr = static_cast<EncrId>(t.id);
        suite.key_bits = t.key_length();
        break;
      case TransformType::PRF: suite.prf = static_cast<PrfId>(t.id); break;
      case TransformType::INTEG: suite.integ = static_cast<IntegId>(t.id); break;
      case TransformType::DH: suite.dh = static_cast<DhGroup>(t.id); break;
      case TransformType::ESN: suite.esn = static_cast<EsnId>(t.id); break;
      default:
        // RFC 9370 2.2: only NONE keeps an additional key exchange out.
        if (t.id != 0)
          return sa_error(where + type_name(t.type) + " " + transform_name(t) +
                          ": additional key exchanges are not supported");
        break;
    }
  }

  const auto resolved = resolve(protocol, suite);
  const Resolved& r = *resolved;
  if (!r.usable) return sa_error(where + r.error);
  for (const auto& row : rows_for(protocol)) {
    const bool in_offer = has_type(*op, row.type);
    const bool in_answer = has_type(rp, row.type);
    if (in_answer) continue;
    if (type_needed(row.need, r.aead))
      return sa_error(where + "mandatory transform type " + type_name(row.type) + " is missing (RFC 7296 3.3.3)");
    // RFC 7296 3.3.6: one transform of each offered type is chosen; an AEAD
    // choice may drop INTEG altogether (RFC 5282 8).
    if (in_offer && !(row.type == TransformType::INTEG && r.aead))
      return sa_error(where + "no " + type_name(row.type) + " transform chosen, though one was offered");
  }

  Selection s;
  s.proposal_number = number;
  s.protocol = protocol;
  s.peer_spi = rp.spi;
  s.sa = response;
  fill_crypto(s, r);
  return s;
}

KeDecision decide_ke(const Selection& selection, std::optional<DhGroup> ke_group) {
  const DhGroup chosen = selection.suite.dh;
  if (chosen == DhGroup::NONE)
    // RFC 7296 3.3.6: with group NONE the responder "MUST ignore the
    // initiator's KE payload and omit the KE payload from the response".
    return {KeVerdict::Ignore, DhGroup::NONE, "the chosen proposal has no key exchange"};
  if (!ke_group)
    return {KeVerdict::InvalidKe, chosen, "no KE payload, the chosen proposal uses " + codec::label(chosen)};
  if (*ke_group == chosen)
    return {KeVerdict::Accept, chosen, "KE group " + codec::label(chosen) + " is the chosen one"};
  return {KeVerdict::InvalidKe, chosen,
          "KE group " + codec::label(*ke_group) + ", the chosen proposal uses " + codec::label(chosen) +
              " (RFC 7296 3.4)"};
}

}  // namespace ikeh::engine
