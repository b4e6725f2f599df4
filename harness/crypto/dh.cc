// SPDX-License-Identifier: Apache-2.0
#include "harness/crypto/dh.h"
#include "harness/crypto/ossl_error.h"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/obj_mac.h>
#include <openssl/objects.h>
#include <openssl/param_build.h>
#include <openssl/rand.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <iterator>
#include <mutex>
#include <optional>
#include <vector>

namespace ikeh::crypto {

namespace {

// RFC 2409 6.1 and 6.2: the first and second Oakley groups, g = 2. OpenSSL 3
// has no name for them, so they are built from the prime.
constexpr const char* kOakley768 =
    "FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74020BBEA63B139B22514A08798E3404DD"
    "EF9519B3CD3A431B302B0A6DF25F14374FE1356D6D51C245E485B576625E7EC6F44C42E9A63A3620FFFFFFFFFFFFFFFF";
constexpr const char* kOakley1024 =
    "FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74020BBEA63B139B22514A08798E3404DD"
    "EF9519B3CD3A431B302B0A6DF25F14374FE1356D6D51C245E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7ED"
    "EE386BFB5A899FA5AE9F24117C4B1FE649286651ECE65381FFFFFFFFFFFFFFFF";

// One row per supported method. `ossl` is the OpenSSL group, curve or
// algorithm name; `prime` is set for the groups OpenSSL does not name.
// `priv` is the private value length generate() uses: for safe-prime MODP
// groups at least twice the group's security strength (NIST SP 800-56A
// 5.6.1.1.1), for RFC 5114 groups the subgroup order length.
struct GroupDef {
  DhGroup id;
  DhKind kind;
  const char* ossl;
  const char* prime;
  std::size_t priv;
};

constexpr GroupDef kGroups[] = {
    {DhGroup::MODP_768, DhKind::Modp, nullptr, kOakley768, 32},
    {DhGroup::MODP_1024, DhKind::Modp, nullptr, kOakley1024, 32},
    {DhGroup::MODP_1536, DhKind::Modp, "modp_1536", nullptr, 32},
    {DhGroup::MODP_2048, DhKind::Modp, "modp_2048", nullptr, 32},
    {DhGroup::MODP_3072, DhKind::Modp, "modp_3072", nullptr, 32},
    {DhGroup::MODP_4096, DhKind::Modp, "modp_4096", nullptr, 48},
    {DhGroup::MODP_6144, DhKind::Modp, "modp_6144", nullptr, 48},
    {DhGroup::MODP_8192, DhKind::Modp, "modp_8192", nullptr, 64},
    {DhGroup::ECP_256, DhKind::Ecp, "prime256v1", nullptr, 0},
    {DhGroup::ECP_384, DhKind::Ecp, "secp384r1", nullptr, 0},
    {DhGroup::ECP_521, DhKind::Ecp, "secp521r1", nullptr, 0},
    {DhGroup::MODP_1024_160, DhKind::Modp, "dh_1024_160", nullptr, 20},
    {DhGroup::MODP_2048_224, DhKind::Modp, "dh_2048_224", nullptr, 28},
    {DhGroup::MODP_2048_256, DhKind::Modp, "dh_2048_256", nullptr, 32},
    {DhGroup::ECP_192, DhKind::Ecp, "prime192v1", nullptr, 0},
    {DhGroup::ECP_224, DhKind::Ecp, "secp224r1", nullptr, 0},
    {DhGroup::BRAINPOOLP224R1, DhKind::Ecp, "brainpoolP224r1", nullptr, 0},
    {DhGroup::BRAINPOOLP256R1, DhKind::Ecp, "brainpoolP256r1", nullptr, 0},
    {DhGroup::BRAINPOOLP384R1, DhKind::Ecp, "brainpoolP384r1", nullptr, 0},
    {DhGroup::BRAINPOOLP512R1, DhKind::Ecp, "brainpoolP512r1", nullptr, 0},
    {DhGroup::CURVE25519, DhKind::Montgomery, "X25519", nullptr, 32},
    {DhGroup::CURVE448, DhKind::Montgomery, "X448", nullptr, 56},
};

struct BnFree {
  void operator()(BIGNUM* b) const { BN_clear_free(b); }
};
using Bn = std::unique_ptr<BIGNUM, BnFree>;
struct BnCtxFree {
  void operator()(BN_CTX* c) const { BN_CTX_free(c); }
};
using BnCtx = std::unique_ptr<BN_CTX, BnCtxFree>;
struct PkeyFree {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
};
using Pkey = std::unique_ptr<EVP_PKEY, PkeyFree>;
struct PkeyCtxFree {
  void operator()(EVP_PKEY_CTX* c) const { EVP_PKEY_CTX_free(c); }
};
using PkeyCtx = std::unique_ptr<EVP_PKEY_CTX, PkeyCtxFree>;
struct GroupFree {
  void operator()(EC_GROUP* g) const { EC_GROUP_free(g); }
};
using EcGroup = std::unique_ptr<EC_GROUP, GroupFree>;
struct PointFree {
  void operator()(EC_POINT* p) const { EC_POINT_clear_free(p); }
};
using EcPoint = std::unique_ptr<EC_POINT, PointFree>;
struct BldFree {
  void operator()(OSSL_PARAM_BLD* b) const { OSSL_PARAM_BLD_free(b); }
};
using ParamBld = std::unique_ptr<OSSL_PARAM_BLD, BldFree>;
struct ParamFree {
  void operator()(OSSL_PARAM* p) const { OSSL_PARAM_free(p); }
};
using Params = std::unique_ptr<OSSL_PARAM, ParamFree>;

const GroupDef* find_def(DhGroup g) {
  for (const auto& d : kGroups)
    if (d.id == g) return &d;
  return nullptr;
}

std::string group_label(DhGroup g) {
  return codec::label(g) + " (" + std::to_string(static_cast<unsigned>(g)) + ")";
}

using detail::ossl_reason;

core::Error fail(const std::string& where, const std::string& field, const std::string& reason) {
  core::Error e;
  e.where = where;
  e.field = field;
  e.reason = reason;
  return e;
}

core::Error ossl_fail(const DhGroupInfo& info, const std::string& step) {
  return fail(info.name + " key exchange", "", step + " failed: " + ossl_reason());
}

// The prime, generator and (RFC 5114 groups only) subgroup order, pointing
// into the per-group cache below (never freed while the process runs).
struct ModpParams {
  const BIGNUM* p = nullptr;
  const BIGNUM* g = nullptr;
  const BIGNUM* q = nullptr;
  const BIGNUM* pm1 = nullptr;  // p-1
};

// Everything about a group that does not depend on a key, built once per
// group: the MODP numbers, the ECP curve, and for both the domain parameters
// as an EVP_PKEY that peer keys are copied from (so no call rebuilds them).
// Read-only after construction, so shared by all threads.
struct GroupCache {
  bool ok = false;
  std::string error;  // why the group is unusable, when !ok
  ModpParams modp;
  const EC_GROUP* curve = nullptr;
  const BIGNUM* field = nullptr;  // ECP field prime
  Bytes field_bytes;              // the same, big-endian, field length
  EVP_PKEY* domain = nullptr;     // MODP and ECP domain parameters
};

core::Result<ModpParams> build_modp(const GroupDef& def, GroupCache& c) {
  Bn p, g, q;
  if (def.prime) {
    BIGNUM* raw = nullptr;
    if (!BN_hex2bn(&raw, def.prime)) return fail("", "", "prime setup failed: " + ossl_reason());
    p.reset(raw);
    g.reset(BN_new());
    if (!g || !BN_set_word(g.get(), 2)) return fail("", "", "generator setup failed");
  } else {
    // The named group's parameters as OpenSSL holds them (RFC 3526 / RFC 5114).
    PkeyCtx ctx(EVP_PKEY_CTX_new_from_name(nullptr, "DH", nullptr));
    OSSL_PARAM in[] = {OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, const_cast<char*>(def.ossl), 0),
                       OSSL_PARAM_construct_end()};
    EVP_PKEY* raw = nullptr;
    if (!ctx || EVP_PKEY_fromdata_init(ctx.get()) <= 0 ||
        EVP_PKEY_fromdata(ctx.get(), &raw, EVP_PKEY_KEY_PARAMETERS, in) <= 0)
      return fail("", "", std::string("OpenSSL has no group ") + def.ossl + ": " + ossl_reason());
    Pkey params(raw);
    BIGNUM *rp = nullptr, *rg = nullptr, *rq = nullptr;
    if (!EVP_PKEY_get_bn_param(params.get(), OSSL_PKEY_PARAM_FFC_P, &rp) ||
        !EVP_PKEY_get_bn_param(params.get(), OSSL_PKEY_PARAM_FFC_G, &rg)) {
      BN_free(rp);
      BN_free(rg);
      return fail("", "", "reading group parameters failed: " + ossl_reason());
    }
    p.reset(rp);
    g.reset(rg);
    // Only the RFC 5114 groups have a subgroup smaller than (p-1)/2 that a
    // peer's value must be checked against (RFC 6989 2.2); for the safe primes
    // the range check is all that is required (RFC 6989 2.1).
    if (def.id == DhGroup::MODP_1024_160 || def.id == DhGroup::MODP_2048_224 || def.id == DhGroup::MODP_2048_256) {
      if (!EVP_PKEY_get_bn_param(params.get(), OSSL_PKEY_PARAM_FFC_Q, &rq))
        return fail("", "", "reading subgroup order failed: " + ossl_reason());
      q.reset(rq);
    }
  }
  Bn pm1(BN_dup(p.get()));
  if (!pm1 || !BN_sub_word(pm1.get(), 1)) return fail("", "", "prime setup failed: " + ossl_reason());
  // The domain parameters peer public keys are copied from.
  ParamBld bld(OSSL_PARAM_BLD_new());
  if (!bld || !OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_FFC_P, p.get()) ||
      !OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_FFC_G, g.get()) ||
      (q && !OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_FFC_Q, q.get())))
    return fail("", "", "domain parameters failed: " + ossl_reason());
  Params params(OSSL_PARAM_BLD_to_param(bld.get()));
  PkeyCtx ctx(EVP_PKEY_CTX_new_from_name(nullptr, "DH", nullptr));
  EVP_PKEY* dom = nullptr;
  if (!params || !ctx || EVP_PKEY_fromdata_init(ctx.get()) <= 0 ||
      EVP_PKEY_fromdata(ctx.get(), &dom, EVP_PKEY_KEY_PARAMETERS, params.get()) <= 0)
    return fail("", "", "domain parameters failed: " + ossl_reason());
  c.domain = dom;
  ModpParams mp;
  mp.p = p.release();
  mp.g = g.release();
  mp.q = q.release();
  mp.pm1 = pm1.release();
  ERR_clear_error();
  return mp;
}

int curve_nid(const GroupDef& def) { return OBJ_sn2nid(def.ossl); }

void build_ecp(const GroupDef& def, GroupCache& c) {
  int nid = curve_nid(def);
  if (nid == NID_undef) return;
  EcGroup g(EC_GROUP_new_by_curve_name_ex(nullptr, nullptr, nid));
  Bn p(BN_new());
  BnCtx bctx(BN_CTX_new());
  if (!g || !p || !bctx || !EC_GROUP_get_curve(g.get(), p.get(), nullptr, nullptr, bctx.get())) {
    ERR_clear_error();
    return;
  }
  PkeyCtx ctx(EVP_PKEY_CTX_new_from_name(nullptr, "EC", nullptr));
  OSSL_PARAM in[] = {OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, const_cast<char*>(def.ossl), 0),
                     OSSL_PARAM_construct_end()};
  EVP_PKEY* dom = nullptr;
  if (!ctx || EVP_PKEY_fromdata_init(ctx.get()) <= 0 ||
      EVP_PKEY_fromdata(ctx.get(), &dom, EVP_PKEY_KEY_PARAMETERS, in) <= 0) {
    ERR_clear_error();
    return;
  }
  c.domain = dom;
  c.field_bytes = Bytes((static_cast<std::size_t>(EC_GROUP_get_degree(g.get())) + 7) / 8);
  BN_bn2binpad(p.get(), c.field_bytes.data(), static_cast<int>(c.field_bytes.size()));
  c.curve = g.release();
  c.field = p.release();
  c.ok = true;
}

const GroupCache& group_cache(const GroupDef& def) {
  constexpr std::size_t kCount = std::size(kGroups);
  static std::array<GroupCache, kCount> caches;
  static std::array<std::once_flag, kCount> once;
  const auto i = static_cast<std::size_t>(&def - kGroups);
  std::call_once(once[i], [&def, &c = caches[i]] {
    switch (def.kind) {
      case DhKind::Modp: {
        auto mp = build_modp(def, c);
        if (mp) {
          c.modp = *mp;
          c.ok = true;
        } else {
          c.error = mp.error().reason;
        }
        break;
      }
      case DhKind::Ecp: build_ecp(def, c); break;
      case DhKind::Montgomery: c.ok = true; break;
    }
  });
  return caches[i];
}

core::Result<ModpParams> modp_params(const GroupDef& def, const std::string& name) {
  const GroupCache& c = group_cache(def);
  if (!c.ok) return fail(name + " key exchange", "", c.error);
  return c.modp;
}

// The cached curve of an ECP group, or null when OpenSSL lacks it.
const EC_GROUP* cached_curve(const GroupDef& def) { return group_cache(def).curve; }

bool curve_available(const GroupDef& def) { return cached_curve(def) != nullptr; }

// Both coordinates of an x | y peer value are field elements (< p), as a
// canonical encoding needs. The length was checked before.
bool coordinates_below_field(const GroupCache& c, BytesView peer) {
  const std::size_t n = c.field_bytes.size();
  return std::memcmp(peer.data(), c.field_bytes.data(), n) < 0 &&
         std::memcmp(peer.data() + n, c.field_bytes.data(), n) < 0;
}

core::Error ecp_not_on_curve(const std::string& where) {
  return fail(where, "key_exchange_data", "peer point is not on the curve (RFC 6989 2.3)");
}

core::Error ecp_not_canonical(const std::string& where) {
  return fail(where, "key_exchange_data", "peer point has a coordinate not below the field prime");
}

bool montgomery_available(const GroupDef& def) {
  PkeyCtx ctx(EVP_PKEY_CTX_new_from_name(nullptr, def.ossl, nullptr));
  ERR_clear_error();
  return ctx != nullptr;
}

core::Result<DhGroupInfo> build_info(DhGroup group) {
  const GroupDef* def = find_def(group);
  if (!def) {
    core::Error e = fail("key exchange", "group", "key exchange method " + group_label(group) + " is not supported");
    return e;
  }
  DhGroupInfo info;
  info.id = group;
  info.kind = def->kind;
  info.name = codec::label(group);
  switch (def->kind) {
    case DhKind::Modp: {
      auto mp = modp_params(*def, info.name);
      if (!mp) return mp.error();
      std::size_t plen = static_cast<std::size_t>(BN_num_bytes(mp->p));
      info.public_size = info.shared_size = plen;
      info.private_size = def->priv;
      break;
    }
    case DhKind::Ecp: {
      if (!curve_available(*def))
        return fail("key exchange", "group",
                    "key exchange method " + group_label(group) + " (curve " + def->ossl +
                        ") is not available in this OpenSSL build");
      const EC_GROUP* g = cached_curve(*def);
      std::size_t field = (static_cast<std::size_t>(EC_GROUP_get_degree(g)) + 7) / 8;
      info.public_size = 2 * field;
      info.shared_size = field;
      info.private_size = (static_cast<std::size_t>(EC_GROUP_order_bits(g)) + 7) / 8;
      break;
    }
    case DhKind::Montgomery:
      if (!montgomery_available(*def))
        return fail("key exchange", "group",
                    "key exchange method " + group_label(group) + " is not available in this OpenSSL build");
      info.public_size = info.shared_size = info.private_size = def->priv;
      break;
  }
  return info;
}

// build_info() once per group: every key pair, peer check and policy
// check asks for the sizes, and the Montgomery availability test behind
// them creates an OpenSSL context by name.
core::Result<DhGroupInfo> make_info(DhGroup group) {
  const GroupDef* def = find_def(group);
  if (!def) return build_info(group);
  constexpr std::size_t kCount = std::size(kGroups);
  static std::array<std::optional<core::Result<DhGroupInfo>>, kCount> infos;
  static std::array<std::once_flag, kCount> once;
  const auto i = static_cast<std::size_t>(def - kGroups);
  std::call_once(once[i], [&] { infos[i].emplace(build_info(group)); });
  return *infos[i];
}

Bytes bn_bytes(const BIGNUM* b, std::size_t len) {
  Bytes out(len);
  BN_bn2binpad(b, out.data(), static_cast<int>(len));
  return out;
}

}  // namespace

core::Result<DhGroupInfo> dh_group_info(DhGroup group) { return make_info(group); }

std::span<const DhGroup> supported_dh_groups() {
  // Computed once: which rows this OpenSSL build can run.
  static const std::vector<DhGroup> groups = [] {
    std::vector<DhGroup> v;
    for (const auto& d : kGroups)
      if (make_info(d.id)) v.push_back(d.id);
    std::sort(v.begin(), v.end());
    return v;
  }();
  return groups;
}

void KeyExchange::PkeyFree::operator()(evp_pkey_st* p) const { EVP_PKEY_free(p); }

struct KeyExchange::DeriveCtx {
  PkeyCtx ctx;
};
void KeyExchange::DeriveCtxFree::operator()(DeriveCtx* c) const { delete c; }

KeyExchange::KeyExchange(KeyExchange&&) noexcept = default;
KeyExchange& KeyExchange::operator=(KeyExchange&&) noexcept = default;
KeyExchange::~KeyExchange() = default;

core::Result<KeyExchange> KeyExchange::generate(DhGroup group) {
  auto info = make_info(group);
  if (!info) return info.error();
  const GroupDef& def = *find_def(group);
  // One construction path for random and given values: draw the private
  // value from OpenSSL's private DRBG and hand it to from_private().
  Secret priv(info->private_size);
  switch (def.kind) {
    case DhKind::Modp:
    case DhKind::Montgomery:
      if (RAND_priv_bytes(priv.data(), static_cast<int>(priv.size())) != 1)
        return ossl_fail(*info, "random private value");
      if (def.kind == DhKind::Modp) {
        // Keep the top bit set so the exponent has its full strength; for
        // RFC 5114 groups stay below q by clearing the top bit instead.
        bool subgroup = group == DhGroup::MODP_1024_160 || group == DhGroup::MODP_2048_224 ||
                        group == DhGroup::MODP_2048_256;
        if (subgroup)
          priv.data()[0] &= 0x7f;
        else
          priv.data()[0] |= 0x80;
      }
      break;
    case DhKind::Ecp: {
      // A uniform scalar in [1, n-1] (FIPS 186-4 B.4.2 style, via the DRBG).
      const EC_GROUP* g = cached_curve(def);
      Bn d(BN_secure_new());
      if (!g || !d) return ossl_fail(*info, "curve setup");
      const BIGNUM* order = EC_GROUP_get0_order(g);
      do {
        if (!BN_priv_rand_range_ex(d.get(), order, 0, nullptr)) return ossl_fail(*info, "random scalar");
      } while (BN_is_zero(d.get()));
      BN_bn2binpad(d.get(), priv.data(), static_cast<int>(priv.size()));
      break;
    }
  }
  return from_private(group, priv.view());
}

core::Result<KeyExchange> KeyExchange::from_private(DhGroup group, BytesView private_value) {
  auto info_r = make_info(group);
  if (!info_r) return info_r.error();
  const GroupDef& def = *find_def(group);
  KeyExchange kx;
  kx.info_ = std::move(*info_r);
  const DhGroupInfo& info = kx.info_;
  const std::string where = info.name + " key exchange";
  PkeyCtx ctx;
  EVP_PKEY* raw = nullptr;

  switch (def.kind) {
    case DhKind::Modp: {
      auto mp = modp_params(def, info.name);
      if (!mp) return mp.error();
      if (private_value.empty() || private_value.size() > info.public_size)
        return fail(where, "private_value",
                    "length " + std::to_string(private_value.size()) + " must be 1.." +
                        std::to_string(info.public_size) + " bytes");
      Bn x(BN_secure_new());
      BN_bin2bn(private_value.data(), static_cast<int>(private_value.size()), x.get());
      const BIGNUM* limit = mp->q ? mp->q : mp->pm1;
      if (BN_cmp(x.get(), BN_value_one()) <= 0 || BN_cmp(x.get(), limit) >= 0)
        return fail(where, "private_value", mp->q ? "must satisfy 1 < x < q" : "must satisfy 1 < x < p-1");
      BnCtx bctx(BN_CTX_secure_new());
      Bn y(BN_new());
      BN_set_flags(x.get(), BN_FLG_CONSTTIME);
      if (!bctx || !y || !BN_mod_exp_mont_consttime(y.get(), mp->g, x.get(), mp->p, bctx.get(), nullptr))
        return ossl_fail(info, "g^x mod p");
      ParamBld bld(OSSL_PARAM_BLD_new());
      if (!bld || !OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_FFC_P, mp->p) ||
          !OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_FFC_G, mp->g) ||
          (mp->q && !OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_FFC_Q, mp->q)) ||
          !OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_PRIV_KEY, x.get()) ||
          !OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_PUB_KEY, y.get()))
        return ossl_fail(info, "key parameters");
      Params params(OSSL_PARAM_BLD_to_param(bld.get()));
      ctx.reset(EVP_PKEY_CTX_new_from_name(nullptr, "DH", nullptr));
      if (!params || !ctx || EVP_PKEY_fromdata_init(ctx.get()) <= 0 ||
          EVP_PKEY_fromdata(ctx.get(), &raw, EVP_PKEY_KEYPAIR, params.get()) <= 0)
        return ossl_fail(info, "key import");
      kx.public_ = bn_bytes(y.get(), info.public_size);
      break;
    }
    case DhKind::Ecp: {
      if (private_value.empty() || private_value.size() > info.private_size)
        return fail(where, "private_value",
                    "length " + std::to_string(private_value.size()) + " must be 1.." +
                        std::to_string(info.private_size) + " bytes");
      const EC_GROUP* g = cached_curve(def);
      Bn d(BN_secure_new());
      BnCtx bctx(BN_CTX_secure_new());
      if (!g || !d || !bctx) return ossl_fail(info, "curve setup");
      BN_bin2bn(private_value.data(), static_cast<int>(private_value.size()), d.get());
      if (BN_is_zero(d.get()) || BN_cmp(d.get(), EC_GROUP_get0_order(g)) >= 0)
        return fail(where, "private_value", "must satisfy 1 <= d < n (the curve order)");
      EcPoint q(EC_POINT_new(g));
      if (!q || !EC_POINT_mul(g, q.get(), d.get(), nullptr, nullptr, bctx.get()))
        return ossl_fail(info, "d * G");
      Bytes enc(1 + info.public_size);
      if (EC_POINT_point2oct(g, q.get(), POINT_CONVERSION_UNCOMPRESSED, enc.data(), enc.size(),
                             bctx.get()) != enc.size())
        return ossl_fail(info, "public point encoding");
      ParamBld bld(OSSL_PARAM_BLD_new());
      if (!bld ||
          !OSSL_PARAM_BLD_push_utf8_string(bld.get(), OSSL_PKEY_PARAM_GROUP_NAME, def.ossl, 0) ||
          !OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_PRIV_KEY, d.get()) ||
          !OSSL_PARAM_BLD_push_octet_string(bld.get(), OSSL_PKEY_PARAM_PUB_KEY, enc.data(), enc.size()))
        return ossl_fail(info, "key parameters");
      Params params(OSSL_PARAM_BLD_to_param(bld.get()));
      ctx.reset(EVP_PKEY_CTX_new_from_name(nullptr, "EC", nullptr));
      if (!params || !ctx || EVP_PKEY_fromdata_init(ctx.get()) <= 0 ||
          EVP_PKEY_fromdata(ctx.get(), &raw, EVP_PKEY_KEYPAIR, params.get()) <= 0)
        return ossl_fail(info, "key import");
      // RFC 5903 7: the KE data is x | y without the SEC1 0x04 prefix.
      kx.public_.assign(enc.begin() + 1, enc.end());
      break;
    }
    case DhKind::Montgomery: {
      if (private_value.size() != info.private_size)
        return fail(where, "private_value",
                    "length " + std::to_string(private_value.size()) + " must be " +
                        std::to_string(info.private_size) + " bytes");
      raw = EVP_PKEY_new_raw_private_key_ex(nullptr, def.ossl, nullptr, private_value.data(), private_value.size());
      if (!raw) return ossl_fail(info, "key import");
      kx.public_.resize(info.public_size);
      std::size_t len = kx.public_.size();
      if (EVP_PKEY_get_raw_public_key(raw, kx.public_.data(), &len) != 1 || len != info.public_size) {
        EVP_PKEY_free(raw);
        return ossl_fail(info, "public value");
      }
      break;
    }
  }
  kx.key_.reset(raw);
  PkeyCtx dctx(EVP_PKEY_CTX_new_from_pkey(nullptr, raw, nullptr));
  if (!dctx || EVP_PKEY_derive_init(dctx.get()) <= 0) return ossl_fail(info, "derive setup");
  if (def.kind == DhKind::Modp) {
    // g^ir keeps its leading zero octets: RFC 7296 2.14 uses it padded to
    // the prime length.
    unsigned int pad = 1;
    OSSL_PARAM p[] = {OSSL_PARAM_construct_uint(OSSL_EXCHANGE_PARAM_PAD, &pad), OSSL_PARAM_construct_end()};
    if (EVP_PKEY_CTX_set_params(dctx.get(), p) <= 0) return ossl_fail(info, "derive padding");
  }
  kx.derive_.reset(new DeriveCtx{std::move(dctx)});
  return kx;
}

core::Status KeyExchange::check_peer_length(BytesView peer) const {
  if (peer.size() != info_.public_size)
    return fail(info_.name + " key exchange", "key_exchange_data",
                "length " + std::to_string(peer.size()) + ", expected " + std::to_string(info_.public_size) +
                    " bytes (RFC 7296 3.4)");
  return {};
}

core::Status KeyExchange::check_peer(BytesView peer) const {
  const GroupDef& def = *find_def(info_.id);
  const std::string where = info_.name + " key exchange";
  if (auto st = check_peer_length(peer); !st) return st.error();
  switch (def.kind) {
    case DhKind::Modp: {
      auto mp = modp_params(def, info_.name);
      if (!mp) return mp.error();
      Bn y(BN_bin2bn(peer.data(), static_cast<int>(peer.size()), nullptr));
      if (!y) return ossl_fail(info_, "peer value");
      // RFC 6989 2.1: 1 < y < p-1.
      if (BN_cmp(y.get(), BN_value_one()) <= 0)
        return fail(where, "key_exchange_data", "peer public value is 0 or 1 (RFC 6989 2.1 requires 1 < y < p-1)");
      if (BN_cmp(y.get(), mp->pm1) >= 0)
        return fail(where, "key_exchange_data",
                    "peer public value is p-1 or larger (RFC 6989 2.1 requires 1 < y < p-1)");
      if (mp->q) {
        BnCtx bctx(BN_CTX_new());
        Bn r(BN_new());
        if (!bctx || !r || !BN_mod_exp(r.get(), y.get(), mp->q, mp->p, bctx.get()))
          return ossl_fail(info_, "subgroup check");
        if (!BN_is_one(r.get()))
          return fail(where, "key_exchange_data",
                      "peer public value is not in the prime-order subgroup (RFC 6989 2.2: y^q != 1 mod p)");
      }
      return {};
    }
    case DhKind::Ecp: {
      const GroupCache& c = group_cache(def);
      const EC_GROUP* g = c.curve;
      BnCtx bctx(BN_CTX_new());
      EcPoint pt(g ? EC_POINT_new(g) : nullptr);
      if (!g || !bctx || !pt) return ossl_fail(info_, "curve setup");
      std::size_t field = info_.shared_size;
      Bn x(BN_bin2bn(peer.data(), static_cast<int>(field), nullptr));
      Bn y(BN_bin2bn(peer.data() + field, static_cast<int>(field), nullptr));
      if (!x || !y) return ossl_fail(info_, "curve parameters");
      // EC_POINT_set_affine_coordinates refuses points off the curve; the
      // coordinates must also be field elements (< p) to be canonical.
      if (!coordinates_below_field(c, peer)) return ecp_not_canonical(where);
      if (!EC_POINT_set_affine_coordinates(g, pt.get(), x.get(), y.get(), bctx.get()) ||
          EC_POINT_is_on_curve(g, pt.get(), bctx.get()) != 1) {
        ERR_clear_error();
        return ecp_not_on_curve(where);
      }
      if (EC_POINT_is_at_infinity(g, pt.get()))
        return fail(where, "key_exchange_data", "peer point is the point at infinity (RFC 6989 2.3)");
      return {};
    }
    case DhKind::Montgomery:
      // RFC 8031 2: any 32/56-byte string is a valid input; the low-order
      // case shows as an all-zero result and is refused in shared_secret().
      return {};
  }
  return {};
}

core::Result<Secret> KeyExchange::shared_secret(BytesView peer) const {
  const GroupDef& def = *find_def(info_.id);
  const std::string where = info_.name + " key exchange";
  if (def.kind != DhKind::Ecp) {
    if (auto st = check_peer(peer); !st) return st.error();
  } else {
    // The same RFC 6989 2.3 checks as check_peer(), without building the
    // point twice: the length and range here, and the on-curve test in the
    // import below (EC_POINT_oct2point refuses points off the curve, and
    // the 0x04 x | y form cannot encode infinity).
    if (auto st = check_peer_length(peer); !st) return st.error();
    if (!coordinates_below_field(group_cache(def), peer)) return ecp_not_canonical(where);
  }
  EVP_PKEY* raw = nullptr;
  switch (def.kind) {
    case DhKind::Modp:
    case DhKind::Ecp: {
      // The peer's public value set into a key of this group's domain
      // parameters: one such key per thread and group, copied once from the
      // cached parameters and then only given each new public value, so no
      // group is rebuilt or copied per call. It holds public data only. MODP
      // takes the value as is (the prime length, checked above); ECP takes
      // the SEC1 uncompressed point, the 0x04 octet RFC 5903 7 drops.
      const GroupCache& c = group_cache(def);
      if (!c.domain) return ossl_fail(info_, "peer key parameters");
      thread_local std::array<Pkey, std::size(kGroups)> peers;
      Pkey& slot = peers[static_cast<std::size_t>(&def - kGroups)];
      if (!slot) slot.reset(EVP_PKEY_dup(c.domain));
      if (!slot) return ossl_fail(info_, "peer key import");
      raw = slot.get();
      int ok = 0;
      if (def.kind == DhKind::Modp) {
        ok = EVP_PKEY_set1_encoded_public_key(raw, peer.data(), peer.size());
      } else {
        std::array<uint8_t, 1 + 2 * 66> enc{};  // up to P-521
        if (peer.size() + 1 > enc.size()) return ossl_fail(info_, "peer key import");
        enc[0] = 0x04;
        std::copy(peer.begin(), peer.end(), enc.begin() + 1);
        ok = EVP_PKEY_set1_encoded_public_key(raw, enc.data(), peer.size() + 1);
      }
      if (ok != 1) {
        if (def.kind == DhKind::Modp) return ossl_fail(info_, "peer key import");
        ERR_clear_error();
        return ecp_not_on_curve(where);
      }
      // The slot keeps its key; the reference below is the derivation's.
      if (!EVP_PKEY_up_ref(raw)) return ossl_fail(info_, "peer key import");
      break;
    }
    case DhKind::Montgomery: {
      // As above: one public key per thread and group, created from the
      // first peer value and then given each new one (RFC 8031 2: any
      // 32/56-byte string; the length was checked above).
      thread_local std::array<Pkey, std::size(kGroups)> peers;
      Pkey& slot = peers[static_cast<std::size_t>(&def - kGroups)];
      if (!slot) {
        slot.reset(EVP_PKEY_new_raw_public_key_ex(nullptr, def.ossl, nullptr, peer.data(), peer.size()));
        if (!slot) return ossl_fail(info_, "peer key import");
      } else if (EVP_PKEY_set1_encoded_public_key(slot.get(), peer.data(), peer.size()) != 1) {
        return ossl_fail(info_, "peer key import");
      }
      raw = slot.get();
      if (!EVP_PKEY_up_ref(raw)) return ossl_fail(info_, "peer key import");
      break;
    }
  }
  Pkey peer_key(raw);

  // A copy of the context from_private() prepared: no algorithm fetch or
  // key export per call, and the original stays untouched for other callers.
  PkeyCtx dctx(derive_ ? EVP_PKEY_CTX_dup(derive_->ctx.get()) : nullptr);
  if (!dctx) return ossl_fail(info_, "derive setup");
  // The peer was validated above by the RFC rules; OpenSSL's own validation
  // would add a subgroup test for safe primes that RFC 6989 2.1 does not ask.
  if (EVP_PKEY_derive_set_peer_ex(dctx.get(), peer_key.get(), 0) <= 0) return ossl_fail(info_, "derive peer");
  // Every method here yields exactly shared_size bytes (MODP padded, ECP x,
  // X25519/X448 raw), so no length query first.
  std::size_t len = info_.shared_size;
  Secret out(len);
  if (EVP_PKEY_derive(dctx.get(), out.data(), &len) <= 0) {
    if (def.kind == DhKind::Montgomery) {
      ERR_clear_error();
      return fail(where, "key_exchange_data",
                  "shared secret is all zero: the peer sent a low-order point (RFC 7748 6.1, RFC 8031)");
    }
    return ossl_fail(info_, "derive");
  }
  if (len != info_.shared_size) {
    // Defensive: pad on the left to the fixed size if OpenSSL trimmed it.
    Secret padded(info_.shared_size);
    if (len > padded.size()) return fail(where, "", "derived secret longer than expected");
    std::copy(out.data(), out.data() + len, padded.data() + (padded.size() - len));
    out = std::move(padded);
  }
  if (def.kind == DhKind::Montgomery) {
    uint8_t acc = 0;
    for (std::size_t i = 0; i < out.size(); ++i) acc |= out.data()[i];
    if (acc == 0)
      return fail(where, "key_exchange_data",
                  "shared secret is all zero: the peer sent a low-order point (RFC 7748 6.1, RFC 8031)");
  }
  return out;
}

}  // namespace ikeh::crypto
