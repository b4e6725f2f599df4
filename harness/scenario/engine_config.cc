// SPDX-License-Identifier: Apache-2.0
#include "harness/scenario/engine_config.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <iterator>
#include <limits>
#include <map>
#include <set>
#include <utility>

#include <nlohmann/json.hpp>

#include "harness/core/bytes.h"
#include "harness/crypto/auth.h"
#include "harness/crypto/secret.h"
#include "harness/crypto/transforms.h"
#include "harness/scenario/config_common.h"
#include "harness/scenario/json_walk.h"

namespace ikeh::scenario {
namespace {

using namespace json_walk;
using namespace config_common;

using codec::DhGroup;
using codec::EncrId;
using codec::EsnId;
using codec::IdType;
using codec::IntegId;
using codec::PrfId;
using codec::ProtocolId;
using core::Bytes;
using json = nlohmann::json;

// ===========================================================================
// Addresses

std::optional<Bytes> parse_ip(std::string_view s) {
  s = trim(s);
  if (s.find(':') != std::string_view::npos) return parse_ipv6(s);
  return parse_ipv4(s);
}

// Adds `delta` (+1 or -1) to a big-endian address.
Bytes step(Bytes addr, int delta) {
  for (std::size_t i = addr.size(); i-- > 0;) {
    if (delta > 0) {
      if (++addr[i] != 0) break;
    } else {
      if (addr[i]-- != 0) break;
    }
  }
  return addr;
}

struct Prefix {
  Bytes address;  // as written
  unsigned length = 0;
};

// "10.0.0.0/24", "2001:db8::/32"; the error says what did not parse.
core::Result<Prefix> parse_prefix(std::string_view text) {
  auto slash = text.find('/');
  auto addr = parse_ip(text.substr(0, slash));
  if (!addr) return core::make_error("", in_quotes(trim(text.substr(0, slash))) + " is not an IPv4 or IPv6 address");
  Prefix p{*addr, static_cast<unsigned>(addr->size() * 8)};
  if (slash != std::string_view::npos) {
    auto bits = parse_decimal(trim(text.substr(slash + 1)), addr->size() * 8);
    if (!bits)
      return core::make_error("", "prefix length " + in_quotes(trim(text.substr(slash + 1))) +
                                      " is not a number in 0.." + std::to_string(addr->size() * 8));
    p.length = static_cast<unsigned>(*bits);
  }
  return p;
}

// ===========================================================================
// Proposals

enum class Kind : uint8_t { Encr, Integ, Prf, Ke, Esn };

struct Keyword {
  std::string name;
  Kind kind;
  uint16_t id;
  uint16_t key_bits;  // 0: no KEY_LENGTH attribute
};

// strongSwan's proposal keywords (proposal_keywords_static.txt) for the
// algorithms that have an IANA number.
const std::vector<Keyword>& keywords() {
  static const std::vector<Keyword> table = [] {
    std::vector<Keyword> t;
    auto encr = [&t](std::string n, EncrId id, uint16_t bits) {
      t.push_back({std::move(n), Kind::Encr, static_cast<uint16_t>(id), bits});
    };
    encr("null", EncrId::ENCR_NULL, 0);
    encr("des", EncrId::ENCR_DES, 0);
    encr("3des", EncrId::ENCR_3DES, 0);
    encr("cast128", EncrId::ENCR_CAST, 128);
    encr("aes", EncrId::ENCR_AES_CBC, 128);
    encr("camellia", EncrId::ENCR_CAMELLIA_CBC, 128);
    encr("blowfish", EncrId::ENCR_BLOWFISH, 128);
    encr("chacha20poly1305", EncrId::ENCR_CHACHA20_POLY1305, 0);
    // ICV suffixes in bytes and in bits name the same AEAD; none means 16.
    struct Icv {
      const char* suffix;
      EncrId gcm, ccm, camellia_ccm;
    };
    const Icv icvs[] = {
        {"8", EncrId::ENCR_AES_GCM_8, EncrId::ENCR_AES_CCM_8, EncrId::ENCR_CAMELLIA_CCM_8},
        {"64", EncrId::ENCR_AES_GCM_8, EncrId::ENCR_AES_CCM_8, EncrId::ENCR_CAMELLIA_CCM_8},
        {"12", EncrId::ENCR_AES_GCM_12, EncrId::ENCR_AES_CCM_12, EncrId::ENCR_CAMELLIA_CCM_12},
        {"96", EncrId::ENCR_AES_GCM_12, EncrId::ENCR_AES_CCM_12, EncrId::ENCR_CAMELLIA_CCM_12},
        {"16", EncrId::ENCR_AES_GCM_16, EncrId::ENCR_AES_CCM_16, EncrId::ENCR_CAMELLIA_CCM_16},
        {"128", EncrId::ENCR_AES_GCM_16, EncrId::ENCR_AES_CCM_16, EncrId::ENCR_CAMELLIA_CCM_16},
        {"", EncrId::ENCR_AES_GCM_16, EncrId::ENCR_AES_CCM_16, EncrId::ENCR_CAMELLIA_CCM_16},
    };
    for (uint16_t bits : {128, 192, 256}) {
      const std::string b = std::to_string(bits);
      encr("aes" + b, EncrId::ENCR_AES_CBC, bits);
      encr("aes" + b + "ctr", EncrId::ENCR_AES_CTR, bits);
      encr("aes" + b + "gmac", EncrId::ENCR_NULL_AUTH_AES_GMAC, bits);
      encr("camellia" + b, EncrId::ENCR_CAMELLIA_CBC, bits);
      encr("camellia" + b + "ctr", EncrId::ENCR_CAMELLIA_CTR, bits);
      encr("blowfish" + b, EncrId::ENCR_BLOWFISH, bits);
      for (const Icv& icv : icvs) {
        encr("aes" + b + "gcm" + icv.suffix, icv.gcm, bits);
        encr("aes" + b + "ccm" + icv.suffix, icv.ccm, bits);
        if (*icv.suffix) encr("camellia" + b + "ccm" + icv.suffix, icv.camellia_ccm, bits);
      }
    }
    auto add = [&t](std::string n, Kind k, uint16_t id) { t.push_back({std::move(n), k, id, 0}); };
    auto integ = [&add](std::string n, IntegId id) { add(std::move(n), Kind::Integ, static_cast<uint16_t>(id)); };
    integ("md5", IntegId::AUTH_HMAC_MD5_96);
    integ("md5_128", IntegId::AUTH_HMAC_MD5_128);
    integ("sha", IntegId::AUTH_HMAC_SHA1_96);
    integ("sha1", IntegId::AUTH_HMAC_SHA1_96);
    integ("sha1_160", IntegId::AUTH_HMAC_SHA1_160);
    integ("sha256", IntegId::AUTH_HMAC_SHA2_256_128);
    integ("sha2_256", IntegId::AUTH_HMAC_SHA2_256_128);
    integ("sha384", IntegId::AUTH_HMAC_SHA2_384_192);
    integ("sha2_384", IntegId::AUTH_HMAC_SHA2_384_192);
    integ("sha512", IntegId::AUTH_HMAC_SHA2_512_256);
    integ("sha2_512", IntegId::AUTH_HMAC_SHA2_512_256);
    integ("aesxcbc", IntegId::AUTH_AES_XCBC_96);
    integ("aescmac", IntegId::AUTH_AES_CMAC_96);
    auto prf = [&add](std::string n, PrfId id) { add(std::move(n), Kind::Prf, static_cast<uint16_t>(id)); };
    prf("prfmd5", PrfId::PRF_HMAC_MD5);
    prf("prfsha1", PrfId::PRF_HMAC_SHA1);
    prf("prfsha256", PrfId::PRF_HMAC_SHA2_256);
    prf("prfsha384", PrfId::PRF_HMAC_SHA2_384);
    prf("prfsha512", PrfId::PRF_HMAC_SHA2_512);
    prf("prfaesxcbc", PrfId::PRF_AES128_XCBC);
    prf("prfaescmac", PrfId::PRF_AES128_CMAC);
    auto ke = [&add](std::string n, DhGroup id) { add(std::move(n), Kind::Ke, static_cast<uint16_t>(id)); };
    ke("none", DhGroup::NONE);
    ke("modpnone", DhGroup::NONE);
    ke("modp768", DhGroup::MODP_768);
    ke("modp1024", DhGroup::MODP_1024);
    ke("modp1536", DhGroup::MODP_1536);
    ke("modp2048", DhGroup::MODP_2048);
    ke("modp3072", DhGroup::MODP_3072);
    ke("modp4096", DhGroup::MODP_4096);
    ke("modp6144", DhGroup::MODP_6144);
    ke("modp8192", DhGroup::MODP_8192);
    ke("modp1024s160", DhGroup::MODP_1024_160);
    ke("modp2048s224", DhGroup::MODP_2048_224);
    ke("modp2048s256", DhGroup::MODP_2048_256);
    ke("ecp192", DhGroup::ECP_192);
    ke("ecp224", DhGroup::ECP_224);
    ke("ecp256", DhGroup::ECP_256);
    ke("ecp384", DhGroup::ECP_384);
    ke("ecp521", DhGroup::ECP_521);
    ke("ecp224bp", DhGroup::BRAINPOOLP224R1);
    ke("ecp256bp", DhGroup::BRAINPOOLP256R1);
    ke("ecp384bp", DhGroup::BRAINPOOLP384R1);
    ke("ecp512bp", DhGroup::BRAINPOOLP512R1);
    ke("curve25519", DhGroup::CURVE25519);
    ke("x25519", DhGroup::CURVE25519);
    ke("curve448", DhGroup::CURVE448);
    ke("x448", DhGroup::CURVE448);
    ke("mlkem512", DhGroup::ML_KEM_512);
    ke("mlkem768", DhGroup::ML_KEM_768);
    ke("mlkem1024", DhGroup::ML_KEM_1024);
    add("noesn", Kind::Esn, static_cast<uint16_t>(EsnId::NO_ESN));
    add("esn", Kind::Esn, static_cast<uint16_t>(EsnId::ESN));
    return t;
  }();
  return table;
}

const Keyword* find_keyword(std::string_view name) {
  for (const auto& k : keywords())
    if (k.name == name) return &k;
  return nullptr;
}

// strongSwan's integ_prf_map: the PRF an IKE proposal takes from its
// integrity algorithm when it names no PRF.
std::optional<PrfId> prf_for_integ(IntegId id) {
  switch (id) {
    case IntegId::AUTH_HMAC_MD5_96:
    case IntegId::AUTH_HMAC_MD5_128: return PrfId::PRF_HMAC_MD5;
    case IntegId::AUTH_HMAC_SHA1_96:
    case IntegId::AUTH_HMAC_SHA1_160: return PrfId::PRF_HMAC_SHA1;
    case IntegId::AUTH_HMAC_SHA2_256_128: return PrfId::PRF_HMAC_SHA2_256;
    case IntegId::AUTH_HMAC_SHA2_384_192: return PrfId::PRF_HMAC_SHA2_384;
    case IntegId::AUTH_HMAC_SHA2_512_256: return PrfId::PRF_HMAC_SHA2_512;
    case IntegId::AUTH_AES_XCBC_96: return PrfId::PRF_AES128_XCBC;
    case IntegId::AUTH_AES_CMAC_96: return PrfId::PRF_AES128_CMAC;
    default: return std::nullopt;
  }
}

template <class T>
void push_unique(std::vector<T>& v, const T& x) {
  if (std::find(v.begin(), v.end(), x) == v.end()) v.push_back(x);
}

core::Error proposal_error(std::string reason) { return core::make_error("proposal", std::move(reason)); }

// An SA payload carries at most 255 proposals (one octet numbers them).
constexpr std::size_t kMaxSuites = 255;

// ---------------------------------------------------------------------------
// Files and secrets

// Overwrites a string that held secret text before it is freed.
void wipe(std::string& s) {
  volatile char* p = s.data();
  for (std::size_t i = 0; i < s.size(); ++i) p[i] = 0;
  s.clear();
}


// A secret from {"env": "VARIABLE"} or {"file": "path"}: the text with its
// trailing line break removed; text starting with "0x" is hex. `what` names
// it in errors ("PSK", "key password"); the value never appears in them.
crypto::Secret read_secret(const json& j, const std::string& ptr, const Ctx& ctx, std::string_view what) {
  const Obj o = secret_ref_object(j, ptr, what);

  std::string text;
  std::string from;  // where the text came from, for messages
  std::string src_ptr;
  if (auto env = o.get_string("env")) {
    src_ptr = o.at("env");
    if (env->empty()) fail(src_ptr, "empty variable name");
    const char* v = std::getenv(env->c_str());
    if (!v) fail(src_ptr, "environment variable " + *env + " is not set");
    text = v;
    from = "environment variable " + *env;
  } else {
    src_ptr = o.at("file");
    const std::string path = *o.get_string("file");
    const std::string full = resolve(ctx, path);
    std::string why;
    auto data = read_text_file(full, why);
    if (!data) fail(src_ptr, "cannot read " + in_quotes(full) + ": " + why);
    text = std::move(*data);
    wipe(*data);
    from = "file " + in_quotes(full);
  }
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
  if (text.empty()) fail(src_ptr, from + " holds an empty " + std::string(what));

  crypto::Secret secret;
  if (text.size() >= 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X')) {
    auto bytes = core::from_hex(std::string_view(text).substr(2));
    if (!bytes || bytes->empty()) {
      wipe(text);
      fail(src_ptr, "the " + std::string(what) + " in " + from +
                        " starts with \"0x\" but the rest is not hex digits (an even number of 0-9, a-f)");
    }
    secret = crypto::Secret(*bytes);
    std::fill(bytes->begin(), bytes->end(), 0);
  } else {
    secret = crypto::Secret(core::BytesView(reinterpret_cast<const uint8_t*>(text.data()), text.size()));
  }
  wipe(text);
  return secret;
}

// "%any" (or an absent key) stands for every peer identity.
std::optional<codec::IdPayload> read_peer_identity(const json& j, const std::string& ptr) {
  std::string text = read_string(j, ptr);
  if (text == "%any") return std::nullopt;
  auto id = parse_identity(text);
  if (!id) fail(ptr, id.error().reason);
  return *id;
}

crypto::Certificate read_certificate(const json& j, const std::string& ptr, const Ctx& ctx) {
  auto cert = crypto::load_certificate_file(resolve(ctx, read_string(j, ptr)));
  if (!cert) fail(ptr, cert.error().to_string());
  return *cert;
}

std::vector<crypto::Certificate> read_certificates(const Obj& o, std::string_view key, const Ctx& ctx) {
  std::vector<crypto::Certificate> out;
  const json* v = o.find(key);
  if (!v) return out;
  const json& a = read_array(*v, o.at(key), "certificate file names");
  for (std::size_t i = 0; i < a.size(); ++i) out.push_back(read_certificate(a[i], child_pointer(o.at(key), i), ctx));
  return out;
}

// ---------------------------------------------------------------------------
// Sections

// Where validate() findings point, for what the loader cannot know in advance.
struct Origins {
  std::string pool = "/pool";
  bool psks_implicit = false;
};

engine::Policy read_policy(const Obj& o, ProtocolId protocol, const std::vector<std::string>& defaults) {
  engine::Policy policy;
  policy.protocol = protocol;
  policy.order = o.get_bool("prefer_configured_proposals", true) ? engine::SelectionOrder::Local
                                                                 : engine::SelectionOrder::Peer;
  std::vector<std::string> texts = defaults;
  const json* v = o.find("proposals");
  if (v) {
    texts = read_string_list(*v, o.at("proposals"));
    if (texts.empty()) fail(o.at("proposals"), "empty list (leave the key out for the default proposals)");
  }
  for (std::size_t i = 0; i < texts.size(); ++i) {
    auto suites = parse_proposal(texts[i], protocol);
    if (!suites) fail(v ? child_pointer(o.at("proposals"), i) : o.at("proposals"), suites.error().reason);
    for (const auto& s : *suites) push_unique(policy.suites, s);
  }
  if (policy.suites.size() > kMaxSuites)
    fail(o.at("proposals"), "the proposals expand to " + std::to_string(policy.suites.size()) +
                                " suites; an SA payload carries at most 255");
  return policy;
}

// Vendor IDs: hex ("464c4558...") or {"ascii": "FLEXVPN-SUPPORTED"} for
// the Cisco VIDs that are plain text.
std::vector<Bytes> read_vendor_ids(const Obj& o, const char* key) {
  std::vector<Bytes> out;
  const json* v = o.find(key);
  if (!v) return out;
  const std::string ptr = o.at(key);
  const json& a = read_array(*v, ptr, "vendor IDs (hex, or {\"ascii\": text})");
  for (std::size_t i = 0; i < a.size(); ++i) {
    const std::string p = child_pointer(ptr, i);
    if (a[i].is_object()) {
      Obj e(a[i], p, {"ascii"});
      if (!e.has("ascii")) fail(p, "give {\"ascii\": text} or a hex string");
      std::string text = *e.get_string("ascii");
      if (text.empty()) fail(e.at("ascii"), "empty: a vendor ID has at least one byte");
      out.emplace_back(text.begin(), text.end());
      continue;
    }
    std::string hex = read_string(a[i], p);
    auto bytes = core::from_hex(hex);
    if (!bytes || bytes->empty())
      fail(p, in_quotes(hex) + " is not hex (an even number of 0-9, a-f); write {\"ascii\": " + in_quotes(hex) +
                  "} for a text vendor ID");
    out.push_back(std::move(*bytes));
  }
  return out;
}

void read_ike(const Obj& top, engine::EngineConfig& c) {
  Obj ike = top.section("ike", {"proposals", "prefer_configured_proposals", "prefer_ke_group", "nonce_size",
                                "nat_detection", "force_natt", "fragmentation", "fragment_size", "signature_hashes",
                                "cookie_threshold", "window_size", "retransmit", "rekey_time", "dpd",
                                "initial_contact", "redirect_supported", "vendor_ids"});
  c.ike_policy = read_policy(ike, ProtocolId::IKE, default_ike_proposals());
  c.ike_policy.prefer_ke_group = ike.get_bool("prefer_ke_group", c.ike_policy.prefer_ke_group);
  c.nonce_size = ike.get_uint<std::size_t>("nonce_size", c.nonce_size, 0, 65535);
  c.nat_detection = ike.get_bool("nat_detection", c.nat_detection);
  c.force_natt = ike.get_bool("force_natt", c.force_natt);
  c.redirect_supported = ike.get_bool("redirect_supported", c.redirect_supported);
  Obj vids = ike.section("vendor_ids", {"ike_sa_init", "ike_auth"});
  c.vendor_ids_init = read_vendor_ids(vids, "ike_sa_init");
  c.vendor_ids_auth = read_vendor_ids(vids, "ike_auth");
  c.fragmentation = ike.get_bool("fragmentation", c.fragmentation);
  c.fragment_size = ike.get_uint<std::size_t>("fragment_size", c.fragment_size, 0, 65535);
  if (const json* v = ike.find("signature_hashes")) {
    const std::string ptr = ike.at("signature_hashes");
    const json& a = read_array(*v, ptr, "hash algorithm names");
    c.signature_hashes.clear();
    for (std::size_t i = 0; i < a.size(); ++i) {
      const std::string p = child_pointer(ptr, i);
      if (a[i].is_number()) {
        c.signature_hashes.push_back(static_cast<uint16_t>(read_uint(a[i], p, 0, 65535)));
        continue;
      }
      std::string name = read_string(a[i], p);
      auto h = codec::parse_name<codec::HashAlgorithm>(name);
      if (!h)
        fail(p, "unknown hash algorithm " + in_quotes(name) +
                    did_you_mean(name, registry_names<codec::HashAlgorithm>()));
      c.signature_hashes.push_back(static_cast<uint16_t>(*h));
    }
  }
  if (const json* v = ike.find("cookie_threshold"); v && !v->is_null())
    c.cookie_threshold = static_cast<uint32_t>(read_uint(*v, ike.at("cookie_threshold"), 0, UINT32_MAX));
  c.window_size = ike.get_uint<uint32_t>("window_size", c.window_size);
  Obj rt = ike.section("retransmit", {"timeout", "base", "tries", "jitter", "limit"});
  c.retransmit.timeout_s = rt.get_number("timeout", c.retransmit.timeout_s);
  c.retransmit.base = rt.get_number("base", c.retransmit.base);
  c.retransmit.tries = rt.get_uint<uint32_t>("tries", c.retransmit.tries);
  c.retransmit.jitter_percent = rt.get_number("jitter", c.retransmit.jitter_percent);
  c.retransmit.limit_s = rt.get_number("limit", c.retransmit.limit_s);
  c.lifetimes.ike_rekey_s = ike.get_seconds("rekey_time", c.lifetimes.ike_rekey_s);
  c.lifetimes.dpd_s = ike.get_seconds("dpd", c.lifetimes.dpd_s);
  c.initial_contact = ike.get_bool("initial_contact", c.initial_contact);
}

// Keys that belong to one auth kind only.
void refuse_keys(const Obj& o, std::initializer_list<std::string_view> keys, std::string_view why) {
  for (auto k : keys)
    if (o.has(k)) fail(o.at(k), "not used " + std::string(why));
}

void read_local(const Obj& top, engine::EngineConfig& c, const Ctx& ctx) {
  Obj local = top.section("local", {"id", "auth", "psk", "key", "key_password", "cert", "intermediates", "rfc7427"});
  auto auth = local.get_choice("auth", {"psk", "pubkey"});
  if (!auth) fail(local.at("auth"), "missing: say how this side authenticates, \"psk\" or \"pubkey\"");
  if (*auth == "psk") {
    c.local_auth.kind = engine::AuthKind::Psk;
    refuse_keys(local, {"key", "key_password", "cert", "intermediates"}, "with \"auth\": \"psk\"");
    if (!local.has("psk")) fail(local.at("psk"), "missing: \"auth\": \"psk\" needs {\"env\": ...} or {\"file\": ...}");
    c.local_auth.psk = read_secret(*local.find("psk"), local.at("psk"), ctx, "PSK");
  } else {
    c.local_auth.kind = engine::AuthKind::Signature;
    refuse_keys(local, {"psk"}, "with \"auth\": \"pubkey\"");
    auto key_path = local.get_string("key");
    if (!key_path) fail(local.at("key"), "missing: \"auth\": \"pubkey\" needs a private key file");
    if (!local.has("cert")) fail(local.at("cert"), "missing: \"auth\": \"pubkey\" needs a certificate file");
    std::optional<crypto::Secret> password;
    if (const json* pw = local.find("key_password"))
      password = read_secret(*pw, local.at("key_password"), ctx, "key password");
    auto key = crypto::load_private_key_file(resolve(ctx, *key_path), password);
    if (!key) fail(local.at("key"), key.error().to_string());
    c.local_auth.private_key = *key;
    c.local_auth.certificate = read_certificate(*local.find("cert"), local.at("cert"), ctx);
    c.local_auth.intermediates = read_certificates(local, "intermediates", ctx);
  }
  c.local_auth.rfc7427 = local.get_bool("rfc7427", c.local_auth.rfc7427);

  if (auto id = local.get_string("id")) {
    auto parsed = parse_identity(*id);
    if (!parsed) fail(local.at("id"), parsed.error().reason);
    c.local_id = *parsed;
  } else if (c.local_auth.certificate) {
    // As strongSwan: without an id, the certificate's subject is the identity.
    c.local_id.id_type = IdType::ID_DER_ASN1_DN;
    c.local_id.data = c.local_auth.certificate->subject_der();
  } else {
    fail(local.at("id"), "missing: the identity this side sends, e.g. \"spoke.example\" or \"10.0.0.1\"");
  }
}

// Returns the remote auth mode ("psk", "pubkey", "any").
std::string read_remote(const Obj& top, engine::EngineConfig& c, const Ctx& ctx) {
  Obj remote = top.section("remote", {"id", "auth", "cacerts", "send_certreq"});
  std::string auth = remote.get_choice("auth", {"psk", "pubkey", "any"})
                         .value_or(c.local_auth.kind == engine::AuthKind::Psk ? "psk" : "pubkey");
  if (const json* v = remote.find("id")) c.remote_id = read_peer_identity(*v, remote.at("id"));
  c.remote_auth.id = c.remote_id;
  c.remote_auth.accept_psk = auth != "pubkey";
  if (auth == "psk") {
    refuse_keys(remote, {"cacerts"}, "with \"auth\": \"psk\" (the peer's certificates are not checked)");
  } else {
    c.remote_auth.trusted = read_certificates(remote, "cacerts", ctx);
    if (auth == "pubkey" && c.remote_auth.trusted.empty())
      fail(remote.at("cacerts"), "missing or empty: \"auth\": \"pubkey\" needs the trust anchors that verify the peer");
  }
  c.send_certreq = remote.get_bool("send_certreq", c.send_certreq);
  return auth;
}

void read_psks(const Obj& top, engine::EngineConfig& c, const std::string& remote_auth, const Ctx& ctx,
               Origins& origins) {
  const json* v = top.find("psks");
  if (!v) {
    if (c.local_auth.kind == engine::AuthKind::Psk) {
      // One shared key for both directions, as most PSK set-ups have it.
      c.psks.push_back(engine::PskEntry{std::nullopt, c.local_auth.psk});
      origins.psks_implicit = true;
    } else if (remote_auth == "psk") {
      fail(top.at("psks"), "missing: \"remote\": {\"auth\": \"psk\"} needs the peer's pre-shared key");
    }
    return;
  }
  const json& a = read_array(*v, top.at("psks"), "objects {\"id\": ..., \"psk\": ...}");
  for (std::size_t i = 0; i < a.size(); ++i) {
    Obj e(a[i], child_pointer(top.at("psks"), i), {"id", "psk"});
    engine::PskEntry entry;
    if (const json* id = e.find("id")) entry.id = read_peer_identity(*id, e.at("id"));
    if (!e.has("psk")) fail(e.at("psk"), "missing: {\"env\": ...} or {\"file\": ...}");
    entry.psk = read_secret(*e.find("psk"), e.at("psk"), ctx, "PSK");
    c.psks.push_back(std::move(entry));
  }
}

std::vector<codec::TrafficSelector> read_selectors(const json& j, const std::string& ptr) {
  std::vector<codec::TrafficSelector> out;
  const json& a = read_array(j, ptr, "traffic selector strings");
  for (std::size_t i = 0; i < a.size(); ++i) {
    const std::string p = child_pointer(ptr, i);
    auto ts = parse_traffic_selector(read_string(a[i], p));
    if (!ts) fail(p, ts.error().reason);
    out.push_back(*ts);
  }
  return out;
}

void read_child(const Obj& top, engine::EngineConfig& c) {
  Obj child = top.section("child", {"proposals", "prefer_configured_proposals", "local_ts", "remote_ts", "mode",
                                    "rekey_time", "esp_tfc_padding_not_supported", "non_first_fragments_also",
                                    "start"});
  c.child_policy = read_policy(child, ProtocolId::ESP, default_esp_proposals());
  c.first_child = child.get_bool("start", c.first_child);
  for (auto [key, field] : {std::pair{"local_ts", &c.local_ts}, std::pair{"remote_ts", &c.remote_ts}}) {
    if (const json* v = child.find(key)) {
      *field = read_selectors(*v, child.at(key));
      if (field->empty() && c.first_child)
        fail(child.at(key), "empty: the first Child SA needs at least one traffic selector");
    } else {
      *field = {*parse_traffic_selector("0.0.0.0/0"), *parse_traffic_selector("::/0")};
    }
  }
  c.transport_mode = child.get_choice("mode", {"tunnel", "transport"}).value_or("tunnel") == "transport";
  c.lifetimes.child_rekey_s = child.get_seconds("rekey_time", c.lifetimes.child_rekey_s);
  c.esp_tfc_padding_not_supported = child.get_bool("esp_tfc_padding_not_supported", c.esp_tfc_padding_not_supported);
  c.non_first_fragments_also = child.get_bool("non_first_fragments_also", c.non_first_fragments_also);
}

codec::CfgAttributeType read_cfg_type(const json& j, const std::string& ptr) {
  if (j.is_number()) return static_cast<codec::CfgAttributeType>(read_uint(j, ptr, 0, 32767));
  std::string name = read_string(j, ptr);
  auto t = codec::parse_name<codec::CfgAttributeType>(name);
  if (!t)
    fail(ptr, "unknown configuration attribute " + in_quotes(name) +
                  did_you_mean(name, registry_names<codec::CfgAttributeType>()) +
                  " (a number 0..32767 gives any other)");
  return *t;
}

void read_cp(const Obj& top, engine::EngineConfig& c) {
  Obj cp = top.section("cp", {"request", "required"});
  if (const json* v = cp.find("request")) {
    const std::string ptr = cp.at("request");
    const json& a = read_array(*v, ptr, "attribute names or objects {\"type\": ..., \"value_hex\": ...}");
    std::vector<codec::CfgAttribute> attrs;
    for (std::size_t i = 0; i < a.size(); ++i) {
      const std::string p = child_pointer(ptr, i);
      if (!a[i].is_object()) {
        attrs.emplace_back(read_cfg_type(a[i], p));
        continue;
      }
      Obj item(a[i], p, {"type", "value_hex"});
      if (!item.has("type")) fail(item.at("type"), "missing: the attribute's name or number");
      codec::CfgAttribute attr(read_cfg_type(*item.find("type"), item.at("type")));
      if (auto hex = item.get_string("value_hex")) {
        auto bytes = core::from_hex(*hex);
        if (!bytes) fail(item.at("value_hex"), "not hex (an even number of digits 0-9, a-f)");
        attr.value = std::move(*bytes);
      }
      attrs.push_back(std::move(attr));
    }
    c.cp_request = std::move(attrs);
  }
  c.cp_required = cp.get_bool("required", c.cp_required);
}

Bytes read_address(const json& j, const std::string& ptr) {
  std::string text = read_string(j, ptr);
  auto a = parse_ip(text);
  if (!a) fail(ptr, in_quotes(text) + " is not an IPv4 or IPv6 address");
  return *a;
}

void read_pool(const Obj& top, engine::EngineConfig& c, Origins& origins) {
  if (!top.has("pool")) return;
  Obj pool = top.section("pool", {"range", "cidr", "netmask", "dns", "subnets", "narrow_tsi"});
  if (pool.has("range") == pool.has("cidr")) fail(pool.ptr(), "give exactly one of \"range\" and \"cidr\"");
  engine::AddressPoolConfig p;
  if (auto range = pool.get_string("range")) {
    origins.pool = pool.at("range");
    auto dash = range->find('-');
    if (dash == std::string::npos) fail(origins.pool, in_quotes(*range) + " is not a range FIRST-LAST");
    auto first = parse_ip(range->substr(0, dash));
    auto last = parse_ip(range->substr(dash + 1));
    if (!first) fail(origins.pool, in_quotes(trim(range->substr(0, dash))) + " is not an IPv4 or IPv6 address");
    if (!last) fail(origins.pool, in_quotes(trim(range->substr(dash + 1))) + " is not an IPv4 or IPv6 address");
    p.first = *first;
    p.last = *last;
  } else {
    origins.pool = pool.at("cidr");
    const std::string text = *pool.get_string("cidr");
    auto prefix = parse_prefix(text);
    if (!prefix) fail(origins.pool, prefix.error().reason);
    p.first = apply_prefix(prefix->address, prefix->length, false);
    p.last = apply_prefix(prefix->address, prefix->length, true);
    // As strongSwan's pools: the network and the all-ones address are not
    // handed out when the block has room for others.
    if (prefix->address.size() * 8 - prefix->length >= 2) {
      p.first = step(p.first, +1);
      p.last = step(p.last, -1);
    }
    if (prefix->address.size() == 4) {
      Bytes ones(4, 0xFF);
      p.netmask = apply_prefix(ones, prefix->length, false);
    }
  }
  if (const json* v = pool.find("netmask")) {
    p.netmask = read_address(*v, pool.at("netmask"));
    if (p.netmask->size() != 4) fail(pool.at("netmask"), "INTERNAL_IP4_NETMASK is an IPv4 address");
  }
  if (const json* v = pool.find("dns")) {
    const json& a = read_array(*v, pool.at("dns"), "addresses");
    for (std::size_t i = 0; i < a.size(); ++i) p.dns.push_back(read_address(a[i], child_pointer(pool.at("dns"), i)));
  }
  if (const json* v = pool.find("subnets")) p.subnets = read_selectors(*v, pool.at("subnets"));
  p.narrow_tsi = pool.get_bool("narrow_tsi", p.narrow_tsi);
  c.pool = std::move(p);
}

std::string read_host(const json& j, const std::string& ptr) {
  std::string text = read_string(j, ptr);
  // A scope ("fe80::1%eth0") is the transport's business; the address
  // before it must be numeric.
  if (!parse_ip(text.substr(0, text.find('%'))))
    fail(ptr, in_quotes(text) + " is not a numeric IPv4 or IPv6 address (host names are not looked up)");
  return text;
}

NetworkConfig read_network(const Obj& top) {
  Obj net = top.section("network", {"local_address", "local_port", "local_natt_port", "remote_address", "remote_port",
                                    "remote_natt_port"});
  NetworkConfig n;
  if (const json* v = net.find("local_address")) n.local_address = read_host(*v, net.at("local_address"));
  n.local_port = net.get_uint<uint16_t>("local_port", n.local_port);
  if (const json* v = net.find("local_natt_port"))
    n.local_natt_port = v->is_null() ? std::nullopt
                                     : std::optional<uint16_t>(static_cast<uint16_t>(
                                           read_uint(*v, net.at("local_natt_port"), 0, 65535)));
  if (const json* v = net.find("remote_address")) n.remote_address = read_host(*v, net.at("remote_address"));
  n.remote_port = net.get_uint<uint16_t>("remote_port", n.remote_port, 1);
  n.remote_natt_port = net.get_uint<uint16_t>("remote_natt_port", n.remote_natt_port, 1);
  return n;
}

// The JSON pointer of a validate() finding, from its EngineConfig path.
std::string pointer_for(const std::string& where, const Origins& origins) {
  static const std::map<std::string, std::string> kFixed = {
      {"ike_policy", "/ike/proposals"},
      {"child_policy", "/child/proposals"},
      {"nonce_size", "/ike/nonce_size"},
      {"fragment_size", "/ike/fragment_size"},
      {"window_size", "/ike/window_size"},
      {"retransmit.timeout_s", "/ike/retransmit/timeout"},
      {"retransmit.base", "/ike/retransmit/base"},
      {"retransmit.tries", "/ike/retransmit/tries"},
      {"retransmit.jitter_percent", "/ike/retransmit/jitter"},
      {"retransmit.limit_s", "/ike/retransmit/limit"},
      {"local_auth.psk", "/local/psk"},
      {"local_auth.private_key", "/local/key"},
      {"local_auth.certificate", "/local/cert"},
      {"local_auth.kind", "/local/auth"},
  };
  if (auto it = kFixed.find(where); it != kFixed.end()) return it->second;
  if (where.rfind("pool.", 0) == 0) return origins.pool;
  if (where.rfind("psks.", 0) == 0) {
    if (origins.psks_implicit) return "/local/psk";
    auto dot = where.find('.', 5);
    return "/psks/" + where.substr(5, dot - 5) + "/psk";
  }
  return {};
}

EndpointConfig read_document(const json& root, const Ctx& ctx, const std::string& base = "") {
  Obj top(root, base, {"description", "ike", "local", "remote", "psks", "child", "cp", "pool", "network"});
  if (const json* d = top.find("description")) read_string(*d, top.at("description"));
  EndpointConfig out;
  engine::EngineConfig& c = out.engine;
  Origins origins;
  read_ike(top, c);
  read_local(top, c, ctx);
  const std::string remote_auth = read_remote(top, c, ctx);
  read_psks(top, c, remote_auth, ctx, origins);
  read_child(top, c);
  read_cp(top, c);
  read_pool(top, c, origins);
  out.network = read_network(top);

  if (auto s = engine::validate(c); !s) {
    const core::Error& e = s.error();
    std::string ptr = pointer_for(e.where, origins);
    fail(ptr.empty() ? base : base + ptr, ptr.empty() ? e.to_string() : e.reason);
  }
  return out;
}


}  // namespace

// ===========================================================================
// Public API

const std::vector<std::string>& default_ike_proposals() {
  static const std::vector<std::string> kDefault = {
      "aes256gcm16-aes128gcm16-prfsha256-ecp256-x25519-modp2048",
      "aes256-aes128-sha256-ecp256-x25519-modp2048",
  };
  return kDefault;
}

const std::vector<std::string>& default_esp_proposals() {
  static const std::vector<std::string> kDefault = {
      "aes256gcm16-aes128gcm16",
      "aes256-aes128-sha256",
  };
  return kDefault;
}

core::Result<std::vector<engine::Suite>> parse_proposal(std::string_view text, ProtocolId protocol) {
  if (protocol != ProtocolId::IKE && protocol != ProtocolId::ESP && protocol != ProtocolId::AH)
    return proposal_error("proposals are for IKE, ESP or AH, not " + codec::label(protocol));
  const std::string whole = in_quotes(text);
  const std::string proto = codec::label(protocol);

  struct Encr {
    EncrId id;
    std::optional<uint16_t> bits;
    bool operator==(const Encr&) const = default;
  };
  std::vector<Encr> encrs;
  std::vector<IntegId> integs;
  std::vector<PrfId> prfs;
  std::vector<DhGroup> kes;
  std::vector<EsnId> esns;
  bool any_aead = false, any_classic = false;

  std::string_view rest = text;
  for (;;) {
    auto dash = rest.find('-');
    std::string_view raw = trim(rest.substr(0, dash));
    const std::string token = lower(raw);
    if (token.empty()) return proposal_error("empty algorithm in " + whole + " (two '-' in a row, or one at an end)");
    const Keyword* k = find_keyword(token);
    if (!k) {
      std::vector<std::string_view> names;
      for (const auto& kw : keywords()) names.push_back(kw.name);
      return proposal_error("unknown algorithm " + in_quotes(raw) + " in " + whole + did_you_mean(token, names));
    }
    const std::string in = in_quotes(raw) + " in " + whole + ": ";
    switch (k->kind) {
      case Kind::Encr: {
        if (protocol == ProtocolId::AH) return proposal_error(in + "AH proposals take no encryption algorithm");
        Encr e{static_cast<EncrId>(k->id), k->key_bits ? std::optional<uint16_t>(k->key_bits) : std::nullopt};
        auto info = crypto::encr_info(e.id, e.bits);
        if (!info) return proposal_error(in + info.error().reason);
        (info->aead ? any_aead : any_classic) = true;
        push_unique(encrs, e);
        break;
      }
      case Kind::Integ: push_unique(integs, static_cast<IntegId>(k->id)); break;
      case Kind::Prf:
        if (protocol != ProtocolId::IKE) return proposal_error(in + proto + " proposals take no PRF");
        push_unique(prfs, static_cast<PrfId>(k->id));
        break;
      case Kind::Ke:
        if (k->id == 0 && protocol == ProtocolId::IKE)
          return proposal_error(in + "an IKE SA always needs a key exchange method");
        push_unique(kes, static_cast<DhGroup>(k->id));
        break;
      case Kind::Esn:
        if (protocol == ProtocolId::IKE) return proposal_error(in + "ESN is negotiated for ESP and AH only");
        push_unique(esns, static_cast<EsnId>(k->id));
        break;
    }
    if (dash == std::string_view::npos) break;
    rest = rest.substr(dash + 1);
  }

  const std::string head = whole + ": ";
  if (protocol != ProtocolId::AH && encrs.empty())
    return proposal_error(head + proto + " proposals need an encryption algorithm (e.g. aes256gcm16 or aes256)");
  if (any_aead && any_classic)
    return proposal_error(head + "AEAD and classic ciphers cannot share one proposal (write them as two)");
  if (protocol == ProtocolId::IKE) {
    // strongSwan takes the PRF from the integrity algorithms before it drops
    // those an AEAD cipher does not use.
    if (prfs.empty())
      for (IntegId i : integs)
        if (auto p = prf_for_integ(i)) push_unique(prfs, *p);
    if (prfs.empty())
      return proposal_error(head + "IKE proposals need a PRF (e.g. prfsha256), or an integrity algorithm to take it "
                                   "from");
    if (kes.empty()) return proposal_error(head + "IKE proposals need a key exchange method (e.g. ecp256)");
    if (!any_aead && integs.empty())
      return proposal_error(head + "IKE proposals with a classic cipher need an integrity algorithm (e.g. sha256)");
  }
  if (protocol == ProtocolId::AH && integs.empty())
    return proposal_error(head + "AH proposals need an integrity algorithm (e.g. sha256)");
  // RFC 5282 8: an AEAD suite carries no integrity transform.
  if (any_aead || integs.empty()) integs = {IntegId::AUTH_NONE};
  if (encrs.empty()) encrs.push_back(Encr{EncrId::ENCR_NULL, std::nullopt});  // AH: unused
  if (prfs.empty()) prfs.push_back(PrfId::PRF_HMAC_SHA2_256);                 // ESP/AH: unused
  if (kes.empty()) kes.push_back(DhGroup::NONE);
  if (esns.empty()) esns.push_back(EsnId::NO_ESN);

  const std::size_t count = encrs.size() * integs.size() * prfs.size() * kes.size() * esns.size();
  if (count > kMaxSuites)
    return proposal_error(head + "expands to " + std::to_string(count) + " suites; an SA payload carries at most 255");

  std::vector<engine::Suite> suites;
  for (const Encr& e : encrs)
    for (IntegId i : integs)
      for (PrfId p : prfs)
        for (DhGroup g : kes)
          for (EsnId n : esns) {
            engine::Suite s;
            switch (protocol) {
              case ProtocolId::IKE: s = engine::ike_suite(e.id, e.bits, i, p, g); break;
              case ProtocolId::ESP: s = engine::esp_suite(e.id, e.bits, i, n, g); break;
              default: s = engine::ah_suite(i, n, g); break;
            }
            push_unique(suites, s);
          }

  engine::Policy check;
  check.protocol = protocol;
  check.suites = suites;
  if (auto s = engine::validate(check); !s) return proposal_error(head + s.error().reason);
  return suites;
}

core::Result<codec::IdPayload> parse_identity(std::string_view text) {
  auto error = [text](const std::string& why) { return core::make_error("identity", in_quotes(text) + ": " + why); };
  auto make = [](IdType type, Bytes data) {
    codec::IdPayload id;
    id.id_type = type;
    id.data = std::move(data);
    return id;
  };
  const std::string dn_refusal =
      "distinguished names in text form are not supported yet (no DER encoder); give the DER as \"dn:#<hex>\", or "
      "leave local.id out to use the certificate's subject";
  if (text.empty()) return error("empty identity");
  if (text == "%any") return error("%any matches every peer and is no identity to send; leave the key out");

  // "{N}:" selects the ID type by number.
  std::optional<IdType> numeric;
  std::string_view body;
  if (text.front() == '{') {
    auto close = text.find("}:");
    auto n = close == std::string_view::npos ? std::nullopt : parse_decimal(text.substr(1, close - 1), 255);
    if (!n) return error("a numeric type prefix is \"{N}:\" with N in 0..255");
    numeric = static_cast<IdType>(*n);
    body = text.substr(close + 2);
  }

  struct Prefix {
    std::string_view name;
    IdType type;
  };
  static constexpr Prefix kPrefixes[] = {
      {"ipv4:", IdType::ID_IPV4_ADDR},   {"ipv6:", IdType::ID_IPV6_ADDR},     {"fqdn:", IdType::ID_FQDN},
      {"dns:", IdType::ID_FQDN},         {"email:", IdType::ID_RFC822_ADDR},  {"rfc822:", IdType::ID_RFC822_ADDR},
      {"keyid:", IdType::ID_KEY_ID},     {"dn:", IdType::ID_DER_ASN1_DN},     {"asn1dn:", IdType::ID_DER_ASN1_DN},
  };
  std::optional<IdType> prefixed = numeric;
  if (!prefixed) {
    for (const auto& p : kPrefixes) {
      if (starts_with_nocase(text, p.name)) {
        prefixed = p.type;
        body = text.substr(p.name.size());
        break;
      }
    }
  }
  if (prefixed) {
    if (body.empty()) return error("nothing after the prefix");
    if (body.front() == '#') {
      auto bytes = core::from_hex(body.substr(1));
      if (!bytes || bytes->empty()) return error("\"#\" must be followed by hex digits (an even number of 0-9, a-f)");
      return make(*prefixed, std::move(*bytes));
    }
    if (numeric) return make(*prefixed, core::to_bytes(body));
    switch (*prefixed) {
      case IdType::ID_IPV4_ADDR: {
        auto a = parse_ipv4(body);
        if (!a) return error(in_quotes(body) + " is not an IPv4 address");
        return make(*prefixed, std::move(*a));
      }
      case IdType::ID_IPV6_ADDR: {
        auto a = parse_ipv6(body);
        if (!a) return error(in_quotes(body) + " is not an IPv6 address");
        return make(*prefixed, std::move(*a));
      }
      case IdType::ID_DER_ASN1_DN: return error(dn_refusal);
      default: return make(*prefixed, core::to_bytes(body));
    }
  }

  // strongSwan's auto-detection (identification_create_from_string).
  if (text.find('=') != std::string_view::npos) return error(dn_refusal);
  if (text.find('@') == std::string_view::npos) {
    if (text.find(':') == std::string_view::npos) {
      if (auto a = parse_ipv4(text)) return make(IdType::ID_IPV4_ADDR, std::move(*a));
      return make(IdType::ID_FQDN, core::to_bytes(text));
    }
    if (auto a = parse_ipv6(text)) return make(IdType::ID_IPV6_ADDR, std::move(*a));
    // strongSwan would make this a KEY_ID; a misspelt prefix is likelier.
    std::string given = std::string(text.substr(0, text.find(':') + 1));
    std::vector<std::string_view> names;
    for (const auto& p : kPrefixes) names.push_back(p.name);
    return error("neither an IPv6 address nor a known prefix " + in_quotes(given) + did_you_mean(given, names) +
                 "; write \"keyid:" + std::string(text) + "\" for a key ID");
  }
  if (text.front() == '@') {
    std::string_view rest = text.substr(1);
    if (!rest.empty() && rest.front() == '#') {
      auto bytes = core::from_hex(rest.substr(1));
      if (!bytes || bytes->empty()) return error("\"@#\" must be followed by hex digits (an even number of 0-9, a-f)");
      return make(IdType::ID_KEY_ID, std::move(*bytes));
    }
    if (!rest.empty() && rest.front() == '@') {
      if (rest.size() == 1) return error("nothing after \"@@\"");
      return make(IdType::ID_RFC822_ADDR, core::to_bytes(rest.substr(1)));
    }
    if (rest.empty()) return error("nothing after \"@\"");
    return make(IdType::ID_FQDN, core::to_bytes(rest));
  }
  return make(IdType::ID_RFC822_ADDR, core::to_bytes(text));
}

core::Result<codec::TrafficSelector> parse_traffic_selector(std::string_view text) {
  auto error = [text](const std::string& why) {
    return core::make_error("traffic selector", in_quotes(text) + ": " + why);
  };
  std::string_view s = trim(text);
  std::string_view addr = s;
  std::optional<std::string_view> bracket;
  if (auto open = s.find('['); open != std::string_view::npos) {
    if (s.back() != ']') return error("\"[\" without a closing \"]\" at the end");
    addr = trim(s.substr(0, open));
    bracket = s.substr(open + 1, s.size() - open - 2);
  } else if (s.find(']') != std::string_view::npos) {
    return error("\"]\" without an opening \"[\"");
  }
  if (addr.empty())
    return error("no address before the protocol and port (write \"0.0.0.0/0" + std::string(s) + "\" or \"::/0" +
                 std::string(s) + "\")");

  codec::TrafficSelector ts;
  if (addr.find('/') != std::string_view::npos) {
    auto prefix = parse_prefix(addr);
    if (!prefix) return error(prefix.error().reason);
    ts.start_address = apply_prefix(prefix->address, prefix->length, false);
    ts.end_address = apply_prefix(prefix->address, prefix->length, true);
  } else if (auto dash = addr.find('-'); dash != std::string_view::npos) {
    auto first = parse_ip(addr.substr(0, dash));
    auto last = parse_ip(addr.substr(dash + 1));
    if (!first) return error(in_quotes(trim(addr.substr(0, dash))) + " is not an IPv4 or IPv6 address");
    if (!last) return error(in_quotes(trim(addr.substr(dash + 1))) + " is not an IPv4 or IPv6 address");
    if (first->size() != last->size()) return error("the range mixes IPv4 and IPv6");
    if (*last < *first) return error("the range ends below its start");
    ts.start_address = *first;
    ts.end_address = *last;
  } else {
    auto a = parse_ip(addr);
    if (!a)
      return error(in_quotes(addr) + " is not an address, a prefix (10.0.0.0/24) or a range (10.0.0.1-10.0.0.9)");
    ts.start_address = ts.end_address = *a;
  }
  ts.ts_type = ts.start_address.size() == 4 ? codec::TsType::TS_IPV4_ADDR_RANGE : codec::TsType::TS_IPV6_ADDR_RANGE;

  if (bracket) {
    auto slash = bracket->find('/');
    std::string proto = lower(trim(bracket->substr(0, slash)));
    static const std::map<std::string, uint8_t, std::less<>> kProtocols = {
        {"any", 0},    {"%any", 0},   {"", 0},       {"icmp", 1},  {"tcp", 6},     {"udp", 17},
        {"gre", 47},   {"esp", 50},   {"ah", 51},    {"icmpv6", 58}, {"ipv6-icmp", 58}, {"sctp", 132},
    };
    if (auto it = kProtocols.find(proto); it != kProtocols.end()) {
      ts.ip_protocol_id = it->second;
    } else if (auto n = parse_decimal(proto, 255)) {
      ts.ip_protocol_id = static_cast<uint8_t>(*n);
    } else {
      std::vector<std::string_view> names;
      for (const auto& [name, num] : kProtocols)
        if (!name.empty() && name[0] != '%') names.push_back(name);
      return error("unknown protocol " + in_quotes(proto) + did_you_mean(proto, names) +
                   " (a name or a number 0..255)");
    }
    if (slash != std::string_view::npos) {
      std::string port = lower(trim(bracket->substr(slash + 1)));
      if (port == "opaque") {
        // RFC 7296 3.13.1: start 65535, end 0 means OPAQUE ports.
        ts.start_port = 65535;
        ts.end_port = 0;
      } else if (port != "any" && port != "%any" && !port.empty()) {
        auto dash = port.find('-');
        auto lo = parse_decimal(port.substr(0, dash), 65535);
        auto hi = dash == std::string::npos ? lo : parse_decimal(port.substr(dash + 1), 65535);
        if (!lo || !hi)
          return error("port " + in_quotes(port) + " is not a number, a range such as 500-600, \"any\" or \"opaque\"");
        if (*hi < *lo) return error("port range " + in_quotes(port) + " ends below its start");
        ts.start_port = static_cast<uint16_t>(*lo);
        ts.end_port = static_cast<uint16_t>(*hi);
      }
    }
  }
  return ts;
}

core::Result<EndpointConfig> parse_endpoint_config(std::string_view json_text, std::string_view source,
                                                   const std::string& base_dir) {
  auto parsed = parse_strict(json_text, source);
  if (!parsed) return parsed.error();
  const json& root = *parsed;
  try {
    return read_document(root, Ctx{base_dir});
  } catch (const ConfigError& e) {
    return located(source, e.pointer, e.reason);
  }
}

core::Result<EndpointConfig> parse_endpoint_config_at(const nlohmann::json& node, std::string_view source,
                                                      const std::string& pointer, const std::string& base_dir) {
  try {
    return read_document(node, Ctx{base_dir}, pointer);
  } catch (const ConfigError& e) {
    return located(source, e.pointer, e.reason);
  }
}

core::Result<EndpointConfig> load_endpoint_config(const std::string& path) {
  auto file = read_config_file(path);
  if (!file) return file.error();
  return parse_endpoint_config(file->text, path, file->base_dir);
}

core::Result<engine::EngineConfig> parse_engine_config(std::string_view json_text, std::string_view source,
                                                       const std::string& base_dir) {
  auto r = parse_endpoint_config(json_text, source, base_dir);
  if (!r) return r.error();
  return std::move(r->engine);
}

core::Result<crypto::Secret> read_secret_ref(const std::string& env, const std::string& file, std::string_view what,
                                             std::string_view source) {
  json ref = env.empty() ? json{{"file", file}} : json{{"env", env}};
  try {
    return read_secret(ref, "", Ctx{}, what);
  } catch (const ConfigError& e) {
    return core::make_error(std::string(source), e.reason);
  }
}

core::Result<engine::EngineConfig> load_engine_config(const std::string& path) {
  auto r = load_endpoint_config(path);
  if (!r) return r.error();
  return std::move(r->engine);
}

}  // namespace ikeh::scenario
