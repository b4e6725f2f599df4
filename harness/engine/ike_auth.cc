// SPDX-License-Identifier: Apache-2.0
#include "harness/engine/ike_auth.h"

#include <algorithm>
#include <string>
#include <string_view>
#include <utility>

#include "harness/codec/message.h"
#include "harness/codec/rules.h"
#include "harness/crypto/sk.h"
#include "harness/engine/task_support.h"
#include "harness/engine/exchange_window.h"

namespace ikeh::engine {
namespace {

// RFC 7296 1.2: IKE_AUTH carries no KE payload, so the first Child SA's
// proposals hold no key exchange other than NONE and the transform is better
// left out; a PFS group in the policy applies to later CREATE_CHILD_SA
// exchanges only. Suites that become equal are offered once. Returns
// `policy` itself when it has no group, else `scratch` filled.
const Policy& without_key_exchange(const Policy& policy, Policy& scratch) {
  if (std::none_of(policy.suites.begin(), policy.suites.end(), [](const Suite& s) { return s.dh != DhGroup::NONE; }))
    return policy;
  Policy& out = scratch;
  out = policy;
  out.suites.clear();
  for (Suite s : policy.suites) {
    s.dh = DhGroup::NONE;
    if (std::find(out.suites.begin(), out.suites.end(), s) == out.suites.end()) out.suites.push_back(s);
  }
  return out;
}


using codec::AuthMethod;
using codec::AuthPayload;
using codec::CertEncoding;
using codec::CfgType;
using codec::CpPayload;
using codec::IdPayload;
using codec::IdType;
using codec::Message;
using codec::NotifyPayload;
using codec::NotifyType;
using codec::Payload;
using codec::PayloadType;
using codec::SaPayload;
using codec::TrafficSelector;
using codec::TsPayload;

constexpr uint16_t kNotifyInvalidSyntax = static_cast<uint16_t>(NotifyType::INVALID_SYNTAX);
constexpr uint16_t kNotifyAuthenticationFailed = static_cast<uint16_t>(NotifyType::AUTHENTICATION_FAILED);
constexpr uint32_t kMessageId = 1;

using core::make_error;

// Addresses of one family as big-endian numbers: a <= b.
bool less_eq(const Bytes& a, const Bytes& b) {
  return !std::lexicographical_compare(b.begin(), b.end(), a.begin(), a.end());
}

Payload ts_payload(PayloadType type, const std::vector<TrafficSelector>& selectors) {
  TsPayload ts;
  ts.selectors = selectors;
  return Payload(type, std::move(ts));
}

// Decrypts and checks the SK payload of an IKE_AUTH message (RFC 7296 3.14)
// and its inner chain against the exchange's rules.
core::Result<std::vector<Payload>> open_inner(const Message& m, BytesView wire, const IkeSaInitResult& sa,
                                              bool sender_is_initiator) {
  if (m.payloads.empty() || m.payloads.back().type != PayloadType::SK)
    return make_error("IKE_AUTH", "the last payload is not SK", kNotifyInvalidSyntax);
  if (!sa.selection.key_suite) return make_error("IKE_AUTH", "the IKE SA has no key suite");
  auto ctx = crypto::SkContext::create(*sa.selection.key_suite, crypto::keys_for(sa.keys, sender_is_initiator));
  if (!ctx) return ctx.error();
  auto plain = crypto::unprotect(*ctx, m, wire);
  if (!plain) return plain.error();
  auto inner = codec::decode_payloads(plain->first_inner, plain->inner);
  if (!inner) return inner.error();
  if (auto st = codec::verify_inner(codec::ExchangeType::IKE_AUTH, !sender_is_initiator, *inner); !st)
    return st.error();
  return std::move(inner).value();
}

// Protects the inner chain as the whole SK payload (RFC 7296 3.14). The IV
// comes from the injected source too, so a seeded run repeats byte for byte;
// with system_random() it is as unpredictable as protect()'s own draw.
core::Result<Bytes> seal(const IkeSaInitResult& sa, bool initiator, const std::vector<Payload>& inner,
                         const RandomSource& random) {
  if (!sa.selection.key_suite) return make_error("IKE_AUTH", "the IKE SA has no key suite");
  auto ctx = crypto::SkContext::create(*sa.selection.key_suite, crypto::keys_for(sa.keys, initiator));
  if (!ctx) return ctx.error();
  PayloadType first = PayloadType::NONE;
  Bytes chain = codec::encode_payloads(inner, &first);
  Message m = codec::make_message(codec::ExchangeType::IKE_AUTH,
                                  initiator ? codec::flags::kInitiator : codec::flags::kResponse, kMessageId,
                                  sa.spi_i, sa.spi_r, {Payload(PayloadType::SK, codec::SkPayload{})});
  crypto::ProtectFaults iv;
  iv.iv = Bytes(sa.selection.key_suite->encr.iv_size);
  if (!iv.iv->empty()) random(iv.iv->data(), iv.iv->size());
  return crypto::protect(*ctx, std::move(m), first, chain, iv);
}

core::Result<crypto::ChildSaKeys> child_keys(const IkeSaInitResult& sa, const Selection& sel) {
  if (!sel.encr) return make_error("SA payload", "the Child SA selection has no encryption transform");
  return crypto::derive_child_sa_keys(sa.selection.suite.prf, sa.keys.sk_d.view(), *sel.encr, sel.integ, sa.ni,
                                      sa.nr);
}

// ----- Authentication (RFC 7296 2.15) -----

core::Error auth_failed(std::string where, std::string reason) {
  return make_error(std::move(where), std::move(reason), kNotifyAuthenticationFailed);
}

bool same_id(const IdPayload& a, const IdPayload& b) { return a.id_type == b.id_type && a.data == b.data; }

std::string describe_id(const IdPayload& id) {
  std::string type = codec::label(id.id_type);
  switch (id.id_type) {
    case IdType::ID_FQDN:
    case IdType::ID_RFC822_ADDR: return type + " " + std::string(id.data.begin(), id.data.end());
    default: return type + " (" + std::to_string(id.data.size()) + " bytes)";
  }
}

// "O=Example, CN=gw (subjectAltName DNS:gw.example, IP Address:192.0.2.1)":
// what a certificate names, for errors about identities.
std::string describe_names(const crypto::Certificate& cert) {
  std::string s = cert.subject();
  const auto alt = cert.subject_alt_names();
  for (std::size_t i = 0; i < alt.size(); ++i) s += (i == 0 ? " (subjectAltName " : ", ") + alt[i].text;
  if (!alt.empty()) s += ")";
  return s;
}

// The signed octets of one side (RFC 7296 2.15): the signer's own
// IKE_SA_INIT message, the peer's nonce, its SK_p and its own ID payload
// body.
core::Result<Bytes> octets_of(const IkeSaInitResult& sa, bool signer_is_initiator, const IdPayload& id) {
  return crypto::signed_octets(sa.selection.suite.prf, signer_is_initiator ? sa.request : sa.response,
                               signer_is_initiator ? sa.nr : sa.ni,
                               signer_is_initiator ? sa.keys.sk_pi.view() : sa.keys.sk_pr.view(),
                               crypto::id_payload_body(id));
}

bool is_signature_method(AuthMethod m) {
  switch (m) {
    case AuthMethod::RSA_DIGITAL_SIGNATURE:
    case AuthMethod::ECDSA_SHA256_P256:
    case AuthMethod::ECDSA_SHA384_P384:
    case AuthMethod::ECDSA_SHA512_P521:
    case AuthMethod::DIGITAL_SIGNATURE: return true;
    default: return false;
  }
}

// The method for a key without RFC 7427: RSA PKCS#1 v1.5 SHA-1 (RFC 7296
// 3.8) or the ECDSA method of the curve (RFC 4754 3).
std::optional<AuthMethod> classic_method(const crypto::PrivateKey& key) {
  struct Row {
    crypto::KeyType type;
    const char* curve;
    AuthMethod method;
  };
  static constexpr Row kRows[] = {
      {crypto::KeyType::Rsa, "", AuthMethod::RSA_DIGITAL_SIGNATURE},
      {crypto::KeyType::Ec, "P-256", AuthMethod::ECDSA_SHA256_P256},
      {crypto::KeyType::Ec, "P-384", AuthMethod::ECDSA_SHA384_P384},
      {crypto::KeyType::Ec, "P-521", AuthMethod::ECDSA_SHA512_P521},
  };
  for (const auto& r : kRows)
    if (r.type == key.type() && (r.type != crypto::KeyType::Ec || key.curve() == r.curve)) return r.method;
  return std::nullopt;
}

// This side's AUTH payload and the CERT payloads that go before it.
struct LocalProof {
  AuthPayload auth;
  std::vector<Payload> certs;
};

core::Result<LocalProof> prove(const IkeSaInitResult& sa, bool initiator, const LocalAuth& local, const IdPayload& id,
                               const std::optional<crypto::Secret>& looked_up_psk) {
  auto octets = octets_of(sa, initiator, id);
  if (!octets) return octets.error();
  LocalProof out;
  if (local.kind == AuthKind::Psk) {
    const crypto::Secret* psk = !local.psk.empty() ? &local.psk : (looked_up_psk ? &*looked_up_psk : nullptr);
    if (!psk) return make_error("local auth", "no pre-shared key for this side");
    auto data = crypto::psk_auth(sa.selection.suite.prf, *psk, *octets);
    if (!data) return data.error();
    out.auth = AuthPayload{AuthMethod::SHARED_KEY_MIC, 0, std::move(data).value()};
    return out;
  }
  if (!local.private_key) return make_error("local auth", "signature authentication without a private key");
  const crypto::PrivateKey& key = *local.private_key;
  std::optional<Bytes> data;
  AuthMethod method = AuthMethod::DIGITAL_SIGNATURE;
  // RFC 7427 4: method 14 only towards a peer that announced its hashes;
  // without a common hash the classic method of the key still works.
  if (local.rfc7427 && !sa.peer_signature_hashes.empty()) {
    std::vector<codec::HashAlgorithm> peer;
    for (uint16_t h : sa.peer_signature_hashes) peer.push_back(static_cast<codec::HashAlgorithm>(h));
    if (auto scheme = crypto::choose_scheme(key, peer)) {
      auto signed_data = crypto::sign_auth(AuthMethod::DIGITAL_SIGNATURE, key, *octets, *scheme);
      if (!signed_data) return signed_data.error();
      data = std::move(signed_data).value();
    }
  }
  if (!data) {
    auto classic = classic_method(key);
    if (!classic)
      return make_error("local auth", "a " + key.describe() +
                                          " key needs DIGITAL_SIGNATURE (RFC 7427), which needs the peer's "
                                          "SIGNATURE_HASH_ALGORITHMS with a hash the key can use");
    auto signed_data = crypto::sign_auth(*classic, key, *octets);
    if (!signed_data) return signed_data.error();
    method = *classic;
    data = std::move(signed_data).value();
  }
  out.auth = AuthPayload{method, 0, std::move(*data)};
  // RFC 7296 3.6: the first CERT holds the key that verifies AUTH.
  if (local.certificate) out.certs.emplace_back(PayloadType::CERT, local.certificate->cert_payload());
  for (const auto& c : local.intermediates) out.certs.emplace_back(PayloadType::CERT, c.cert_payload());
  return out;
}

struct PeerProof {
  AuthMethod method = AuthMethod::SHARED_KEY_MIC;
  std::optional<crypto::Certificate> certificate;
};

// Verifies the peer's identity and AUTH payload. Every refusal carries
// AUTHENTICATION_FAILED (RFC 7296 2.21.2); crypto failures on our side keep
// their own error.
core::Result<PeerProof> verify_peer(const IkeSaInitResult& sa, bool signer_is_initiator, const RemoteAuth& remote,
                                    const PskLookup& lookup, const crypto::Secret& own_psk, const IdPayload& id,
                                    const AuthPayload& auth, const std::vector<Payload>& inner) {
  const char* who = signer_is_initiator ? "IDi" : "IDr";
  if (remote.id && !same_id(*remote.id, id))
    return auth_failed(who, "the peer is " + describe_id(id) + ", not the configured " + describe_id(*remote.id));
  auto octets = octets_of(sa, signer_is_initiator, id);
  if (!octets) return octets.error();
  PeerProof proof;
  proof.method = auth.method;
  if (auth.method == AuthMethod::SHARED_KEY_MIC) {
    if (!remote.accept_psk) return auth_failed("AUTH payload", "pre-shared key authentication is not accepted");
    std::optional<crypto::Secret> psk;
    if (lookup) psk = lookup(id);
    if (!psk && !own_psk.empty()) psk = own_psk;  // one key both ways, as strongSwan does
    if (!psk) return auth_failed("AUTH payload", "no pre-shared key for " + describe_id(id));
    if (auto st = crypto::verify_psk_auth(sa.selection.suite.prf, *psk, *octets, auth.data); !st) return st.error();
    return proof;
  }
  if (!is_signature_method(auth.method))
    return auth_failed("AUTH payload", "auth method " + codec::label(auth.method) + " is not accepted");
  if (remote.trusted.empty()) return auth_failed("AUTH payload", "signature authentication without trust anchors");

  std::vector<crypto::Certificate> received;
  for (const auto& p : inner) {
    const auto* cert = p.as<codec::CertPayload>();
    if (p.type != PayloadType::CERT || !cert) continue;
    if (cert->encoding != CertEncoding::X509_SIGNATURE) continue;  // 3.6: other encodings are not used here
    auto loaded = crypto::load_certificate(cert->data, "CERT payload");
    if (!loaded) return auth_failed("CERT payload", loaded.error().reason);
    received.push_back(std::move(loaded).value());
  }
  auto check = [&](const crypto::Certificate& ee) -> core::Status {
    if (!id_matches_certificate(id, ee))
      return auth_failed(who, describe_id(id) + " is not named by the certificate " + describe_names(ee));
    auto st = crypto::verify_auth(auth.method, ee.public_key(), *octets, auth.data);
    if (!st) return st.error();
    return {};
  };
  if (!received.empty()) {
    const crypto::Certificate& ee = received.front();
    std::vector<crypto::Certificate> rest(received.begin() + 1, received.end());
    if (auto st = verify_chain(ee, rest, remote.trusted); !st) return st.error();
    if (auto st = check(ee); !st) return st.error();
    proof.certificate = ee;
    return proof;
  }
  // No CERT: a trusted end-entity certificate naming the peer (configured
  // out of band, RFC 7296 3.6 makes CERT optional). It is its own anchor,
  // so verify_chain checks only its validity dates, as it would had the
  // peer sent it.
  std::optional<core::Error> refused;
  for (const auto& t : remote.trusted) {
    if (!id_matches_certificate(id, t)) continue;
    if (auto st = verify_chain(t, {}, remote.trusted); !st) {
      if (!refused) refused = st.error();
      continue;
    }
    if (check(t)) {
      proof.certificate = t;
      return proof;
    }
  }
  if (refused) return *refused;
  return auth_failed("AUTH payload", "no CERT payload and no trusted certificate for " + describe_id(id) +
                                         " verifies the signature");
}

// What the peer announced in its notifies (RFC 7296 3.10.1).
struct PeerNotifies {
  uint32_t window_size = 1;
  bool initial_contact = false;
  bool transport_mode = false;
  bool esp_tfc_padding_not_supported = false;
  bool non_first_fragments_also = false;
};

core::Result<PeerNotifies> read_notifies(const std::vector<Payload>& inner) {
  PeerNotifies out;
  for (const auto& p : inner) {
    const auto* n = p.as<NotifyPayload>();
    if (p.type != PayloadType::N || !n) continue;
    switch (n->type) {
      case NotifyType::SET_WINDOW_SIZE: {
        auto size = decode_window_size(n->data);
        if (!size) return make_error("N(SET_WINDOW_SIZE)", size.error().reason, kNotifyInvalidSyntax);
        out.window_size = *size;
        break;
      }
      case NotifyType::INITIAL_CONTACT: out.initial_contact = true; break;
      case NotifyType::USE_TRANSPORT_MODE: out.transport_mode = true; break;
      case NotifyType::ESP_TFC_PADDING_NOT_SUPPORTED: out.esp_tfc_padding_not_supported = true; break;
      case NotifyType::NON_FIRST_FRAGMENTS_ALSO: out.non_first_fragments_also = true; break;
      default: break;
    }
  }
  return out;
}

void apply(const PeerNotifies& n, IkeAuthResult& r) {
  r.peer_window_size = n.window_size;
  r.peer_initial_contact = n.initial_contact;
  r.peer_esp_tfc_padding_not_supported = n.esp_tfc_padding_not_supported;
  r.peer_non_first_fragments_also = n.non_first_fragments_also;
}

}  // namespace

std::optional<codec::CertReqPayload> certreq_for(const std::vector<crypto::Certificate>& trusted) {
  if (trusted.empty()) return std::nullopt;
  codec::CertReqPayload req;
  req.encoding = CertEncoding::X509_SIGNATURE;
  for (const auto& t : trusted) {
    Bytes h = t.spki_sha1();
    req.data.insert(req.data.end(), h.begin(), h.end());
  }
  return req;
}

// ----- Traffic selectors -----

std::optional<TrafficSelector> intersect(const TrafficSelector& a, const TrafficSelector& b) {
  if (!a.is_ip() || a.ts_type != b.ts_type) return std::nullopt;
  std::size_t n = a.address_size();
  if (a.start_address.size() != n || a.end_address.size() != n || b.start_address.size() != n ||
      b.end_address.size() != n)
    return std::nullopt;
  TrafficSelector out;
  out.ts_type = a.ts_type;
  if (a.ip_protocol_id == 0 || a.ip_protocol_id == b.ip_protocol_id) {
    out.ip_protocol_id = b.ip_protocol_id;
  } else if (b.ip_protocol_id == 0) {
    out.ip_protocol_id = a.ip_protocol_id;
  } else {
    return std::nullopt;
  }
  out.start_port = std::max(a.start_port, b.start_port);
  out.end_port = std::min(a.end_port, b.end_port);
  if (out.start_port > out.end_port) return std::nullopt;
  out.start_address = less_eq(a.start_address, b.start_address) ? b.start_address : a.start_address;
  out.end_address = less_eq(a.end_address, b.end_address) ? a.end_address : b.end_address;
  if (!less_eq(out.start_address, out.end_address)) return std::nullopt;
  return out;
}

std::vector<TrafficSelector> narrow(const std::vector<TrafficSelector>& offered,
                                    const std::vector<TrafficSelector>& local) {
  std::vector<TrafficSelector> out;
  for (const auto& o : offered)
    for (const auto& l : local)
      if (auto ts = intersect(o, l)) out.push_back(std::move(*ts));
  return out;
}

bool covers(const TrafficSelector& outer, const TrafficSelector& inner) {
  // Whether intersect(outer, inner) exists and equals inner, worked out
  // field by field instead of building the intersection.
  if (!outer.is_ip() || outer.ts_type != inner.ts_type) return false;
  std::size_t n = outer.address_size();
  if (outer.start_address.size() != n || outer.end_address.size() != n || inner.start_address.size() != n ||
      inner.end_address.size() != n)
    return false;
  if (outer.ip_protocol_id != 0 && outer.ip_protocol_id != inner.ip_protocol_id) return false;
  if (outer.start_port > inner.start_port || inner.end_port > outer.end_port || inner.start_port > inner.end_port)
    return false;
  return less_eq(outer.start_address, inner.start_address) && less_eq(inner.end_address, outer.end_address) &&
         less_eq(inner.start_address, inner.end_address);
}

TrafficSelector prefix_selector(BytesView address, unsigned prefix_len) {
  TrafficSelector ts;
  ts.ts_type = address.size() == 16 ? codec::TsType::TS_IPV6_ADDR_RANGE : codec::TsType::TS_IPV4_ADDR_RANGE;
  ts.start_address.assign(address.begin(), address.end());
  ts.end_address = ts.start_address;
  for (std::size_t i = 0; i < address.size(); ++i) {
    unsigned bit = static_cast<unsigned>(i) * 8;
    uint8_t mask = 0;
    if (prefix_len >= bit + 8) {
      mask = 0xff;
    } else if (prefix_len > bit) {
      mask = static_cast<uint8_t>(0xff << (8 - (prefix_len - bit)));
    }
    ts.start_address[i] &= mask;
    ts.end_address[i] |= static_cast<uint8_t>(~mask);
  }
  return ts;
}

const char* ike_auth_outcome_name(IkeAuthOutcome o) {
  switch (o) {
    case IkeAuthOutcome::Established: return "Established";
    case IkeAuthOutcome::AuthenticationFailed: return "AuthenticationFailed";
    case IkeAuthOutcome::ChildSaFailed: return "ChildSaFailed";
  }
  return "?";
}


// ----- Certificates -----

bool id_matches_certificate(const IdPayload& id, const crypto::Certificate& cert) {
  const std::string_view text(reinterpret_cast<const char*>(id.data.data()), id.data.size());
  switch (id.id_type) {
    case IdType::ID_DER_ASN1_DN: return cert.subject_matches(id.data);
    case IdType::ID_FQDN: return cert.names_dns(text);
    case IdType::ID_RFC822_ADDR: return cert.names_email(text);
    case IdType::ID_IPV4_ADDR: return id.data.size() == 4 && cert.names_ip(id.data);
    case IdType::ID_IPV6_ADDR: return id.data.size() == 16 && cert.names_ip(id.data);
    default: return false;  // RFC 4945 3.1.8: ID_KEY_ID names no certificate
  }
}

core::Status verify_chain(const crypto::Certificate& end_entity, const std::vector<crypto::Certificate>& intermediates,
                          const std::vector<crypto::Certificate>& trusted) {
  if (auto st = crypto::verify_certificate_chain(end_entity, intermediates, trusted); !st)
    return auth_failed("CERT payload", st.error().reason);
  return {};
}

// ----- Initiator -----

IkeAuthInitiator::IkeAuthInitiator(IkeSaInitResult sa, IkeAuthInitiatorConfig config, RandomSource random)
    : owned_(std::make_shared<const IkeSaInitResult>(std::move(sa))),
      sa_(owned_.get()),
      owned_config_(std::make_shared<const IkeAuthInitiatorConfig>(std::move(config))),
      config_(owned_config_.get()),
      random_(std::move(random)) {}

IkeAuthInitiator::IkeAuthInitiator(const IkeSaInitResult* sa, IkeAuthInitiatorConfig config, RandomSource random)
    : sa_(sa),
      owned_config_(std::make_shared<const IkeAuthInitiatorConfig>(std::move(config))),
      config_(owned_config_.get()),
      random_(std::move(random)) {}

IkeAuthInitiator::IkeAuthInitiator(const IkeSaInitResult* sa, const IkeAuthInitiatorConfig* config,
                                   RandomSource random)
    : sa_(sa), config_(config), random_(std::move(random)) {}

core::Result<std::vector<Payload>> IkeAuthInitiator::build_inner() {
  if (built_) return make_error("IKE_AUTH", "the request was already built");
  if (config_->first_child) {
    if (config_->child_policy.protocol != ProtocolId::ESP) return make_error("child policy", "protocol is not ESP");
    if (auto st = validate(config_->child_policy); !st) return st.error();
    if (config_->tsi.empty() || config_->tsr.empty())
      return make_error("TS", "TSi and TSr need at least one selector");
  }
  std::optional<crypto::Secret> looked_up;
  if (config_->local_auth.kind == AuthKind::Psk && config_->local_auth.psk.empty() && config_->psk_lookup) {
    const auto& peer = config_->idr ? config_->idr : config_->remote_auth.id;
    if (peer) looked_up = config_->psk_lookup(*peer);
  }
  auto proof = prove(*sa_, true, config_->local_auth, config_->idi, looked_up);
  if (!proof) return proof.error();

  std::vector<Payload> inner;
  // IDi, AUTH, SA, TSi, TSr, the five notifies and the optional ones: the
  // common requests need no growth.
  inner.reserve(12 + config_->vendor_ids.size() + proof->certs.size());
  add_vendor_ids(inner, config_->vendor_ids);
  inner.emplace_back(PayloadType::IDi, config_->idi);
  for (auto& c : proof->certs) inner.push_back(std::move(c));
  // RFC 7296 3.7: one CERTREQ listing the SHA-1 of each anchor's SPKI.
  if (config_->send_certreq)
    if (auto req = certreq_for(config_->remote_auth.trusted)) inner.emplace_back(PayloadType::CERTREQ, std::move(*req));
  if (config_->idr) inner.emplace_back(PayloadType::IDr, *config_->idr);
  inner.emplace_back(PayloadType::AUTH, std::move(proof->auth));
  if (config_->first_child) {
    spi_ = draw_spi(random_, false);
    Policy scratch;
    offered_ = build_offer(without_key_exchange(config_->child_policy, scratch), spi_);
    // RFC 7296 2.19: CP(CFG_REQUEST) goes before SAi2.
    if (config_->cp_request) {
      CpPayload cp;
      cp.cfg_type = CfgType::CFG_REQUEST;
      cp.attributes = *config_->cp_request;
      inner.emplace_back(PayloadType::CP, std::move(cp));
    }
    inner.emplace_back(PayloadType::SA, offered_);
    inner.push_back(ts_payload(PayloadType::TSi, config_->tsi));
    inner.push_back(ts_payload(PayloadType::TSr, config_->tsr));
  }
  // The notifies in the order of a FlexVPN spoke's request.
  if (config_->initial_contact) inner.push_back(codec::make_notify(NotifyType::INITIAL_CONTACT));
  if (config_->window_size > 1)
    inner.push_back(codec::make_notify(NotifyType::SET_WINDOW_SIZE, encode_window_size(config_->window_size)));
  if (config_->first_child) {
    if (config_->transport_mode) inner.push_back(codec::make_notify(NotifyType::USE_TRANSPORT_MODE));
    if (config_->esp_tfc_padding_not_supported)
      inner.push_back(codec::make_notify(NotifyType::ESP_TFC_PADDING_NOT_SUPPORTED));
    if (config_->non_first_fragments_also) inner.push_back(codec::make_notify(NotifyType::NON_FIRST_FRAGMENTS_ALSO));
  }
  built_ = true;
  return inner;
}

core::Result<Bytes> IkeAuthInitiator::build_request() {
  auto inner = build_inner();
  if (!inner) return inner.error();
  auto wire = seal(*sa_, true, *inner, random_);
  if (!wire) return wire.error();
  request_ = *wire;
  return wire;
}

core::Result<IkeAuthResult> IkeAuthInitiator::process_response(BytesView response) {
  if (!built_) return make_error("IKE_AUTH", "process_response() before build_request()");
  auto decoded = codec::decode_message(response);
  if (!decoded) return decoded.error();
  const Message& m = *decoded;
  const auto& h = m.header;
  if (h.exchange_type != codec::ExchangeType::IKE_AUTH || !h.is_response() || h.is_initiator() ||
      h.message_id != kMessageId || h.spi_i != sa_->spi_i || h.spi_r != sa_->spi_r)
    return make_error("IKE header", "not the IKE_AUTH response for our SPIs with Message ID 1 (R set, I clear)");
  if (auto st = codec::verify_message(m); !st) return st.error();
  auto inner = open_inner(m, response, *sa_, false);
  if (!inner) return inner.error();
  return process_inner(*inner);
}

core::Result<IkeAuthResult> IkeAuthInitiator::process_inner(const std::vector<Payload>& inner) {
  if (!built_) return make_error("IKE_AUTH", "process_inner() before build_inner()");
  IkeAuthResult result;
  if (find_notify(inner, NotifyType::AUTHENTICATION_FAILED)) {
    result.outcome = IkeAuthOutcome::AuthenticationFailed;
    result.notify = kNotifyAuthenticationFailed;
    return result;
  }
  auto notifies = read_notifies(inner);
  if (!notifies) return notifies.error();
  const auto* idr_p = find_payload(inner, PayloadType::IDr);
  const auto* auth_p = find_payload(inner, PayloadType::AUTH);
  const auto* idr = idr_p ? idr_p->as<IdPayload>() : nullptr;
  const auto* auth = auth_p ? auth_p->as<AuthPayload>() : nullptr;
  if (!idr || !auth) {
    if (const auto* err = first_error_notify(inner))
      return make_error("IKE_AUTH response", "error notify without AUTH", static_cast<uint16_t>(err->type));
    return make_error("IKE_AUTH response", "missing IDr or AUTH", kNotifyInvalidSyntax);
  }
  // RFC 7296 2.21.2: a responder that does not authenticate fails the IKE SA.
  auto proof = verify_peer(*sa_, false, config_->remote_auth, config_->psk_lookup, config_->local_auth.psk, *idr, *auth,
                           inner);
  if (!proof) return proof.error();
  result.peer_id = *idr;
  result.peer_auth_method = proof->method;
  result.peer_certificate = std::move(proof->certificate);
  apply(*notifies, result);

  if (const auto* cp_p = find_payload(inner, PayloadType::CP)) {
    const auto* cp = cp_p->as<CpPayload>();
    if (cp && cp->cfg_type == CfgType::CFG_REPLY) {
      // RFC 7296 2.19: no CFG_REPLY without a CFG_REQUEST.
      if (!config_->cp_request || !config_->first_child)
        return make_error("CP payload", "CFG_REPLY although no CFG_REQUEST was sent", kNotifyInvalidSyntax);
      result.cp_attributes = cp->attributes;
    }
  }
  if (const auto* err = first_error_notify(inner)) {
    result.outcome = IkeAuthOutcome::ChildSaFailed;
    result.notify = static_cast<uint16_t>(err->type);
    return result;
  }
  const auto* sa_p = find_payload(inner, PayloadType::SA);
  const auto* tsi_p = find_payload(inner, PayloadType::TSi);
  const auto* tsr_p = find_payload(inner, PayloadType::TSr);
  if (!config_->first_child) {
    if (sa_p || tsi_p || tsr_p)
      return make_error("IKE_AUTH response", "SA or TS for a Child SA that was not requested");
    return result;
  }
  const auto* sa = sa_p ? sa_p->as<SaPayload>() : nullptr;
  const auto* tsi = tsi_p ? tsi_p->as<TsPayload>() : nullptr;
  const auto* tsr = tsr_p ? tsr_p->as<TsPayload>() : nullptr;
  if (!sa || !tsi || !tsr) return make_error("IKE_AUTH response", "missing SA, TSi or TSr for the Child SA");
  auto sel = check_response(offered_, *sa);
  if (!sel) return sel.error();
  // RFC 7296 2.9: the responder may narrow but never widen the offer.
  auto within = [](const std::vector<TrafficSelector>& got, const std::vector<TrafficSelector>& offered) {
    if (got.empty()) return false;
    return std::all_of(got.begin(), got.end(), [&](const TrafficSelector& g) {
      return std::any_of(offered.begin(), offered.end(), [&](const TrafficSelector& o) { return covers(o, g); });
    });
  };
  if (!within(tsi->selectors, config_->tsi) || !within(tsr->selectors, config_->tsr))
    return make_error("TS payload", "the responder's selectors are not within the offer");
  auto keys = child_keys(*sa_, *sel);
  if (!keys) return keys.error();
  ChildSa child;
  child.spi_i = spi_;
  child.spi_r = sel->peer_spi;
  child.selection = std::move(sel).value();
  child.tsi = tsi->selectors;
  child.tsr = tsr->selectors;
  child.keys = std::move(keys).value();
  // RFC 7296 1.3.1: transport mode only when both asked for it.
  child.transport_mode = config_->transport_mode && notifies->transport_mode;
  result.transport_mode = child.transport_mode;
  result.child = std::move(child);
  return result;
}

// ----- Responder -----

IkeAuthResponder::IkeAuthResponder(IkeSaInitResult sa, IkeAuthResponderConfig config, RandomSource random)
    : owned_(std::make_shared<const IkeSaInitResult>(std::move(sa))),
      sa_(owned_.get()),
      owned_config_(std::make_shared<const IkeAuthResponderConfig>(std::move(config))),
      config_(owned_config_.get()),
      random_(std::move(random)) {}

IkeAuthResponder::IkeAuthResponder(const IkeSaInitResult* sa, IkeAuthResponderConfig config, RandomSource random)
    : sa_(sa),
      owned_config_(std::make_shared<const IkeAuthResponderConfig>(std::move(config))),
      config_(owned_config_.get()),
      random_(std::move(random)) {}

IkeAuthResponder::IkeAuthResponder(const IkeSaInitResult* sa, const IkeAuthResponderConfig* config,
                                   RandomSource random, CpHook cp_hook, PskLookup psk_lookup)
    : sa_(sa),
      config_(config),
      cp_hook_(std::move(cp_hook)),
      psk_lookup_(std::move(psk_lookup)),
      random_(std::move(random)) {}

core::Result<IkeAuthResponderStep> IkeAuthResponder::process_request(BytesView request) {
  auto decoded = codec::decode_message(request);
  if (!decoded) return decoded.error();
  const Message& m = *decoded;
  const auto& h = m.header;
  if (h.exchange_type != codec::ExchangeType::IKE_AUTH || h.is_response() || !h.is_initiator() ||
      h.message_id != kMessageId || h.spi_i != sa_->spi_i || h.spi_r != sa_->spi_r)
    return make_error("IKE header", "not the IKE_AUTH request for our SPIs with Message ID 1 (I set, R clear)");
  if (auto st = codec::verify_message(m); !st) return st.error();
  auto inner = open_inner(m, request, *sa_, true);
  if (!inner) return inner.error();
  auto step = process_inner(*inner);
  if (!step) return step.error();
  auto wire = seal(*sa_, false, step->inner, random_);
  if (!wire) return wire.error();
  step->response = std::move(wire).value();
  return step;
}

core::Result<IkeAuthResponderStep> IkeAuthResponder::process_inner(const std::vector<Payload>& inner) {
  const auto* idi_p = find_payload(inner, PayloadType::IDi);
  const auto* auth_p = find_payload(inner, PayloadType::AUTH);
  const auto* idi = idi_p ? idi_p->as<IdPayload>() : nullptr;
  const auto* auth = auth_p ? auth_p->as<AuthPayload>() : nullptr;
  if (!idi || !auth) return make_error("IKE_AUTH request", "missing IDi or AUTH", kNotifyInvalidSyntax);
  auto notifies = read_notifies(inner);
  if (!notifies) return notifies.error();

  IkeAuthResponderStep step;
  step.result.peer_id = *idi;
  apply(*notifies, step.result);
  const PskLookup& lookup = psk_lookup_ ? psk_lookup_ : config_->psk_lookup;
  auto proof = verify_peer(*sa_, true, config_->remote_auth, lookup, config_->local_auth.psk, *idi, *auth,
                           inner);
  if (!proof) {
    if (proof.error().notify != kNotifyAuthenticationFailed) return proof.error();
    // RFC 7296 2.21.2: the response carries the notify alone.
    step.result.outcome = IkeAuthOutcome::AuthenticationFailed;
    step.result.notify = kNotifyAuthenticationFailed;
    step.inner = {codec::make_notify(NotifyType::AUTHENTICATION_FAILED)};
    return step;
  }
  step.result.peer_auth_method = proof->method;
  step.result.peer_certificate = std::move(proof->certificate);

  const auto* sa_p = find_payload(inner, PayloadType::SA);
  const auto* tsi_p = find_payload(inner, PayloadType::TSi);
  const auto* tsr_p = find_payload(inner, PayloadType::TSr);
  const auto* peer_sa = sa_p ? sa_p->as<SaPayload>() : nullptr;
  const auto* tsi = tsi_p ? tsi_p->as<TsPayload>() : nullptr;
  const auto* tsr = tsr_p ? tsr_p->as<TsPayload>() : nullptr;
  bool wants_child = peer_sa || tsi || tsr;
  if (wants_child && (!peer_sa || !tsi || !tsr))
    return make_error("IKE_AUTH request", "SA, TSi and TSr must come together", kNotifyInvalidSyntax);

  std::optional<crypto::Secret> looked_up;
  if (config_->local_auth.kind == AuthKind::Psk && config_->local_auth.psk.empty() && lookup)
    looked_up = lookup(*idi);
  auto own = prove(*sa_, false, config_->local_auth, config_->idr, looked_up);
  if (!own) return own.error();
  std::vector<Payload> out;
  out.reserve(10 + config_->vendor_ids.size() + own->certs.size());  // as build_inner()
  add_vendor_ids(out, config_->vendor_ids);
  out.emplace_back(PayloadType::IDr, config_->idr);
  for (auto& c : own->certs) out.push_back(std::move(c));
  out.emplace_back(PayloadType::AUTH, std::move(own->auth));

  auto window_notify = [&] {
    if (config_->window_size > 1)
      out.push_back(codec::make_notify(NotifyType::SET_WINDOW_SIZE, encode_window_size(config_->window_size)));
  };
  if (!wants_child) {
    window_notify();
    step.inner = std::move(out);
    return step;
  }

  Bytes spi = draw_spi(random_, false);
  Policy scratch;
  SelectResult chosen = select(without_key_exchange(config_->child_policy, scratch), *peer_sa, spi);
  std::optional<NotifyType> refusal;
  std::vector<TrafficSelector> ntsi, ntsr;
  if (!chosen.ok()) {
    refusal = NotifyType::NO_PROPOSAL_CHOSEN;
  } else {
    ntsi = narrow(tsi->selectors, config_->tsi);
    ntsr = narrow(tsr->selectors, config_->tsr);
    if (ntsi.empty() || ntsr.empty()) refusal = NotifyType::TS_UNACCEPTABLE;
  }
  // RFC 7296 2.19: the CP is answered once the Child SA itself is agreed, so
  // a refused Child SA never holds an address.
  std::optional<CpPayload> reply;
  if (!refusal) {
    const auto* cp_p = find_payload(inner, PayloadType::CP);
    const auto* cp = cp_p ? cp_p->as<CpPayload>() : nullptr;
    bool cfg_request = cp && cp->cfg_type == CfgType::CFG_REQUEST;
    if (!cfg_request && config_->cp_required) {
      refusal = NotifyType::FAILED_CP_REQUIRED;  // RFC 7296 3.10.1
    } else if (const CpHook& hook = cp_hook_ ? cp_hook_ : config_->cp_hook; cfg_request && hook) {
      auto attrs = hook(*idi, *cp);
      if (!attrs) {
        auto why = static_cast<NotifyType>(attrs.error().notify);
        if (why != NotifyType::INTERNAL_ADDRESS_FAILURE && why != NotifyType::FAILED_CP_REQUIRED)
          return attrs.error();
        refusal = why;  // RFC 7296 3.15.4: the IKE SA stays
      } else if (*attrs) {
        reply = CpPayload{};
        reply->cfg_type = CfgType::CFG_REPLY;
        reply->attributes = std::move(**attrs);
      }
    }
  }
  // 1.2, 2.21.3: a refused Child SA keeps the IKE SA; the response then
  // has the notify instead of SA, TSi and TSr.
  if (refusal) {
    out.push_back(codec::make_notify(*refusal));
    window_notify();
    step.result.outcome = IkeAuthOutcome::ChildSaFailed;
    step.result.notify = static_cast<uint16_t>(*refusal);
    step.inner = std::move(out);
    return step;
  }
  Selection& sel = *chosen.selection;
  auto keys = child_keys(*sa_, sel);
  if (!keys) return keys.error();
  if (reply) {
    // RFC 7296 2.19: with an address handed out, the initiator's selectors
    // are narrowed to that address (as in the RFC's example and strongSwan).
    if (config_->narrow_tsi_to_assigned_address) {
      for (const auto& a : reply->attributes) {
        bool v4 = a.type == codec::CfgAttributeType::INTERNAL_IP4_ADDRESS && a.value.size() == 4;
        bool v6 = a.type == codec::CfgAttributeType::INTERNAL_IP6_ADDRESS && a.value.size() == 17;
        if (!v4 && !v6) continue;
        auto own = narrow(ntsi, {prefix_selector(BytesView(a.value).first(v4 ? 4 : 16), v4 ? 32 : 128)});
        if (!own.empty()) ntsi = std::move(own);
      }
    }
    step.result.cp_attributes = reply->attributes;
    out.emplace_back(PayloadType::CP, std::move(*reply));
  }
  out.emplace_back(PayloadType::SA, sel.sa);
  out.push_back(ts_payload(PayloadType::TSi, ntsi));
  out.push_back(ts_payload(PayloadType::TSr, ntsr));
  // The notifies in the order of a FlexVPN hub's response.
  window_notify();
  bool transport = notifies->transport_mode && config_->transport_mode;
  if (transport) out.push_back(codec::make_notify(NotifyType::USE_TRANSPORT_MODE));
  if (config_->esp_tfc_padding_not_supported)
    out.push_back(codec::make_notify(NotifyType::ESP_TFC_PADDING_NOT_SUPPORTED));
  if (config_->non_first_fragments_also) out.push_back(codec::make_notify(NotifyType::NON_FIRST_FRAGMENTS_ALSO));

  ChildSa child;
  child.spi_i = sel.peer_spi;
  child.spi_r = std::move(spi);
  child.selection = std::move(sel);
  child.tsi = std::move(ntsi);
  child.tsr = std::move(ntsr);
  child.keys = std::move(keys).value();
  child.transport_mode = transport;
  step.result.transport_mode = transport;
  step.result.child = std::move(child);
  step.inner = std::move(out);
  return step;
}

}  // namespace ikeh::engine
