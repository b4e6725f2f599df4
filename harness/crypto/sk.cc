// SPDX-License-Identifier: Apache-2.0
#include "harness/crypto/sk.h"

#include <openssl/crypto.h>

#include <algorithm>
#include <cstring>

#include "harness/crypto/mac.h"

namespace ikeh::crypto {
namespace {

using codec::Payload;
using codec::PayloadType;
using codec::SkfPayload;
using codec::SkPayload;

core::Error sk_error(const char* where, std::string reason) {
  core::Error e;
  e.where = where;
  e.reason = std::move(reason);
  return e;
}

// The encrypted data of the last payload when it is SK or SKF, with the size
// of its header before the IV (generic header, plus Fragment Number and Total
// Fragments for SKF, RFC 7383 2.5).
struct Encrypted {
  const Bytes* cdata = nullptr;
  std::size_t header = 4;
  PayloadType inner_next = PayloadType::NONE;
  const char* name = "SK payload";
};

core::Result<Encrypted> last_encrypted(const codec::Message& m) {
  if (m.payloads.empty()) return sk_error("SK payload", "the message has no payloads; the last one must be SK or SKF");
  const Payload& p = m.payloads.back();
  Encrypted e;
  if (const auto* sk = p.as<SkPayload>(); sk && p.type == PayloadType::SK) {
    e.cdata = &sk->data;
    e.inner_next = sk->inner_next;
    return e;
  }
  if (const auto* skf = p.as<SkfPayload>(); skf && p.type == PayloadType::SKF) {
    e.cdata = &skf->data;
    e.header = 8;
    e.inner_next = skf->inner_next;
    e.name = "SKF payload";
    return e;
  }
  return sk_error("SK payload", "the last payload is " + codec::label(p.type) + ", not SK or SKF");
}

core::Status check_keys(const KeySuite& suite, const SkKeys& keys, const char* where) {
  if (keys.encr.size() != suite.encr.keymat_size())
    return sk_error(where, suite.encr.name + " needs an SK_e of " + std::to_string(suite.encr.keymat_size()) +
                               " bytes, got " + std::to_string(keys.encr.size()));
  if (!suite.encr.aead) {
    if (!suite.integ) return sk_error(where, suite.encr.name + " needs an integrity algorithm");
    if (keys.integ.size() != suite.integ->key_size)
      return sk_error(where, suite.integ->name + " needs an SK_a of " + std::to_string(suite.integ->key_size) +
                                 " bytes, got " + std::to_string(keys.integ.size()));
  }
  return {};
}

std::size_t icv_size(const KeySuite& suite) {
  return suite.encr.aead ? suite.encr.icv_size : (suite.integ ? suite.integ->icv_size : 0);
}

// Splits `inner` for protect_fragments: replaces m's last payload by an empty
// SKF and returns the plaintext chunk size and the fragment count.
struct FragmentPlan {
  std::size_t chunk = 0;
  std::size_t total = 0;
};

core::Result<FragmentPlan> plan_fragments(const KeySuite& suite, codec::Message& m, BytesView inner,
                                          std::size_t max_datagram) {
  if (!m.payloads.empty() && (m.payloads.back().type == PayloadType::SK || m.payloads.back().type == PayloadType::SKF))
    m.payloads.pop_back();
  m.payloads.emplace_back(PayloadType::SKF, SkfPayload{});
  // Size of everything but the encrypted data: header, leading payloads, SKF
  // header (8).
  std::size_t fixed = codec::encode_message(m).size();
  const EncrInfo& encr = suite.encr;
  std::size_t overhead = fixed + encr.iv_size + icv_size(suite);
  if (max_datagram <= overhead + encr.block_size)
    return sk_error("SKF payload", "a datagram of " + std::to_string(max_datagram) +
                                       " bytes leaves no room for encrypted data (" + std::to_string(overhead) +
                                       " bytes of headers, IV and ICV)");
  // The largest plaintext (chunk | padding | pad length) that fits, in whole
  // blocks; one octet of it is the Pad Length.
  std::size_t room = (max_datagram - overhead) / encr.block_size * encr.block_size;
  if (room < 2)
    return sk_error("SKF payload", "a datagram of " + std::to_string(max_datagram) + " bytes is too small to fragment");
  FragmentPlan plan;
  plan.chunk = room - 1;
  plan.total = inner.empty() ? 1 : (inner.size() + plan.chunk - 1) / plan.chunk;
  // RFC 7383 2.5: Fragment Number and Total Fragments are 16 bits.
  if (plan.total > 0xffff)
    return sk_error("SKF payload", std::to_string(plan.total) + " fragments needed, more than Total Fragments can hold");
  return plan;
}

}  // namespace

core::Result<SkContext> SkContext::create(const KeySuite& suite, const SkKeys& keys) {
  if (auto s = check_keys(suite, keys, "SK payload"); !s) return s.error();
  auto cipher = KeyedCipher::create(suite.encr, keys.encr.view());
  if (!cipher) return cipher.error();
  std::optional<KeyedMac> mac;
  if (!suite.encr.aead) {
    auto m = KeyedMac::create(*suite.integ, keys.integ.view());
    if (!m) return m.error();
    mac.emplace(std::move(m).value());
  }
  return SkContext(suite, std::move(cipher).value(), std::move(mac));
}

SkKeys keys_for(const IkeSaKeys& keys, bool initiator_flag) {
  if (initiator_flag) return SkKeys{keys.sk_ei, keys.sk_ai};
  return SkKeys{keys.sk_er, keys.sk_ar};
}

core::Result<Bytes> protect(const KeySuite& suite, const SkKeys& keys, codec::Message m, PayloadType first_inner,
                            BytesView inner, const ProtectFaults& faults) {
  // The message is checked before the keys, and the key errors name the
  // payload, as they did before SkContext existed.
  auto enc = last_encrypted(m);
  if (!enc) return enc.error();
  if (auto s = check_keys(suite, keys, enc->name); !s) return s.error();
  auto ctx = SkContext::create(suite, keys);
  if (!ctx) return ctx.error();
  return protect(*ctx, std::move(m), first_inner, inner, faults);
}

core::Result<Bytes> protect(const SkContext& ctx, codec::Message m, PayloadType first_inner, BytesView inner,
                            const ProtectFaults& faults) {
  auto enc = last_encrypted(m);
  if (!enc) return enc.error();
  const char* where = enc->name;
  const KeySuite& suite = ctx.suite();
  const EncrInfo& encr = suite.encr;

  Bytes iv(encr.iv_size);
  if (faults.iv) {
    // The IV must fit the cipher to encrypt at all; a wrongly sized IV on the
    // wire is a wire-stage mutation.
    if (faults.iv->size() != encr.iv_size)
      return sk_error(where, encr.name + " needs an IV of " + std::to_string(encr.iv_size) + " bytes, the fault gives " +
                                 std::to_string(faults.iv->size()));
    iv = *faults.iv;
  } else {
    random_bytes(iv.data(), iv.size());
  }

  // RFC 7296 3.14: inner | Padding | Pad Length is a whole number of blocks.
  // By default the padding is the least that aligns (none for block size 1,
  // as AEAD and CTR allow) and its bytes are zero (any value is allowed).
  Bytes padding;
  if (faults.padding) {
    padding = *faults.padding;
  } else {
    std::size_t b = encr.block_size;
    padding.assign((b - (inner.size() + 1) % b) % b, 0);
  }
  if (!faults.pad_length && padding.size() > 255)
    return sk_error(where, std::to_string(padding.size()) +
                               " bytes of padding do not fit the Pad Length octet; give pad_length too");
  uint8_t pad_length = faults.pad_length.value_or(static_cast<uint8_t>(padding.size()));
  Secret plain(inner.size() + padding.size() + 1);
  if (!inner.empty()) std::memcpy(plain.data(), inner.data(), inner.size());
  if (!padding.empty()) std::memcpy(plain.data() + inner.size(), padding.data(), padding.size());
  plain.data()[plain.size() - 1] = pad_length;
  if (plain.size() % encr.block_size != 0)
    return sk_error(where, "inner payloads, padding and pad length make " + std::to_string(plain.size()) +
                               " bytes, not a multiple of the " + std::to_string(encr.block_size) + "-byte block of " +
                               encr.name);

  const std::size_t icv_full = icv_size(suite);
  std::size_t icv_emit = icv_full;
  if (faults.icv) {
    icv_emit = faults.icv->size();
  } else if (faults.icv_length) {
    if (*faults.icv_length > icv_full)
      return sk_error(where, "icv_length " + std::to_string(*faults.icv_length) + " exceeds the " +
                                 std::to_string(icv_full) + "-byte ICV");
    icv_emit = *faults.icv_length;
  }

  // Every cipher here keeps the length (CBC input is block aligned), so the
  // final size is known before encrypting: encode with a placeholder first,
  // then fill IV | ciphertext | ICV into the encoded bytes. The header and SK
  // lengths are thereby computed for the final size, ICV included.
  Bytes& slot = m.payloads.back().as<SkPayload>() ? m.payloads.back().as<SkPayload>()->data
                                                    : m.payloads.back().as<SkfPayload>()->data;
  if (auto* sk = m.payloads.back().as<SkPayload>()) sk->inner_next = first_inner;
  if (auto* skf = m.payloads.back().as<SkfPayload>()) skf->inner_next = first_inner;
  slot.assign(iv.size() + plain.size() + icv_emit, 0);
  Bytes wire = codec::encode_message(m);
  const std::size_t data_off = wire.size() - slot.size();
  std::copy(iv.begin(), iv.end(), wire.begin() + static_cast<std::ptrdiff_t>(data_off));
  const std::size_t ct_off = data_off + iv.size();

  Bytes icv;
  if (encr.aead) {
    // RFC 5282 5.1: the AAD is the message up to the IV (IKE header and the
    // SK generic header); for SKF it includes Fragment Number and Total
    // Fragments (RFC 7383 2.5.3).
    BytesView aad(wire.data(), data_off);
    auto sealed = ctx.cipher().seal(iv, aad, plain.view());
    if (!sealed) return sealed.error();
    std::copy(sealed->begin(), sealed->begin() + static_cast<std::ptrdiff_t>(plain.size()),
              wire.begin() + static_cast<std::ptrdiff_t>(ct_off));
    icv.assign(sealed->begin() + static_cast<std::ptrdiff_t>(plain.size()), sealed->end());
  } else {
    auto ct = ctx.cipher().encrypt(iv, plain.view());
    if (!ct) return ct.error();
    std::copy(ct->begin(), ct->end(), wire.begin() + static_cast<std::ptrdiff_t>(ct_off));
    // RFC 7296 3.14: the ICV covers the message from the IKE header up to
    // the ICV itself.
    auto mac = ctx.mac()->mac(BytesView(wire.data(), wire.size() - icv_emit));
    if (!mac) return mac.error();
    icv = std::move(mac).value();
  }
  if (faults.corrupt_icv && !icv.empty()) icv[0] ^= 0x01;
  if (faults.icv) icv = *faults.icv;
  icv.resize(icv_emit);
  std::copy(icv.begin(), icv.end(), wire.end() - static_cast<std::ptrdiff_t>(icv_emit));
  return wire;
}

core::Result<Unprotected> unprotect(const KeySuite& suite, const SkKeys& keys, const codec::Message& m,
                                    BytesView wire) {
  auto enc = last_encrypted(m);
  if (!enc) return enc.error();
  if (auto s = check_keys(suite, keys, enc->name); !s) return s.error();
  auto ctx = SkContext::create(suite, keys);
  if (!ctx) return ctx.error();
  return unprotect(*ctx, m, wire);
}

core::Result<Unprotected> unprotect(const SkContext& ctx, const codec::Message& m, BytesView wire) {
  auto enc = last_encrypted(m);
  if (!enc) return enc.error();
  const char* where = enc->name;
  const KeySuite& suite = ctx.suite();
  const EncrInfo& encr = suite.encr;
  const std::size_t size = enc->cdata->size();

  // The encrypted data is read from `wire` at the payload's position, so the
  // check covers the bytes as received.
  const Payload& p = m.payloads.back();
  std::size_t data_off = !p.raw().empty() ? p.raw_offset() + enc->header : wire.size() - std::min(size, wire.size());
  if (data_off > wire.size() || wire.size() - data_off < size)
    return sk_error(where, "the encrypted data lies outside the " + std::to_string(wire.size()) + "-byte message");
  BytesView data = wire.subspan(data_off, size);

  const std::size_t icv = icv_size(suite);
  if (size < encr.iv_size + icv)
    return sk_error(where, "encrypted data of " + std::to_string(size) + " bytes is shorter than IV (" +
                               std::to_string(encr.iv_size) + ") + ICV (" + std::to_string(icv) + ")");
  Unprotected out;
  out.first_inner = enc->inner_next;
  out.iv.assign(data.begin(), data.begin() + static_cast<std::ptrdiff_t>(encr.iv_size));
  BytesView body = data.subspan(encr.iv_size);  // ciphertext | ICV

  auto mismatch = [where] { return sk_error(where, "ICV mismatch"); };
  Bytes plain;
  if (encr.aead) {
    auto opened = ctx.cipher().open(out.iv, wire.first(data_off), body);
    if (!opened) return opened.error().reason == "ICV mismatch" ? mismatch() : opened.error();
    plain = std::move(opened).value();
  } else {
    // RFC 7296 3.14: check the ICV over everything before it, then decrypt.
    std::size_t icv_off = data_off + size - icv;
    auto mac = ctx.mac()->mac(wire.first(icv_off));
    if (!mac) return mac.error();
    if (CRYPTO_memcmp(mac->data(), wire.data() + icv_off, icv) != 0) return mismatch();
    BytesView ct = body.first(body.size() - icv);
    if (ct.size() % encr.block_size != 0)
      return sk_error(where, "ciphertext of " + std::to_string(ct.size()) + " bytes is not a multiple of the " +
                                 std::to_string(encr.block_size) + "-byte block of " + encr.name);
    auto dec = ctx.cipher().decrypt(out.iv, ct);
    if (!dec) return dec.error();
    plain = std::move(dec).value();
  }
  if (plain.empty()) {
    return sk_error(where, "the decrypted data is empty: no Pad Length octet");
  }
  out.pad_length = plain.back();
  if (static_cast<std::size_t>(out.pad_length) + 1 > plain.size()) {
    std::size_t n = plain.size();
    OPENSSL_cleanse(plain.data(), plain.size());
    return sk_error(where, "pad length " + std::to_string(out.pad_length) + " exceeds the " + std::to_string(n) +
                               "-byte plaintext");
  }
  std::size_t inner_len = plain.size() - 1 - out.pad_length;
  out.padding.assign(plain.begin() + static_cast<std::ptrdiff_t>(inner_len), plain.end() - 1);
  plain.resize(inner_len);
  out.inner = std::move(plain);
  return out;
}

namespace {

core::Result<std::vector<Bytes>> run_fragments(const SkContext& ctx, codec::Message& m, PayloadType first_inner,
                                               BytesView inner, const FragmentPlan& plan,
                                               const IvSource& iv_source = {}) {
  std::vector<Bytes> out;
  out.reserve(plan.total);
  for (std::size_t i = 0; i < plan.total; ++i) {
    auto* skf = m.payloads.back().as<SkfPayload>();
    skf->fragment_number = static_cast<uint16_t>(i + 1);
    skf->total_fragments = static_cast<uint16_t>(plan.total);
    std::size_t off = std::min(i * plan.chunk, inner.size());
    BytesView piece = inner.subspan(off, std::min(plan.chunk, inner.size() - off));
    // RFC 7383 2.5: only the first fragment names the first inner payload.
    ProtectFaults faults;
    if (iv_source && ctx.suite().encr.iv_size > 0) {
      faults.iv = Bytes(ctx.suite().encr.iv_size);
      iv_source(faults.iv->data(), faults.iv->size());
    }
    auto wire = protect(ctx, m, i == 0 ? first_inner : PayloadType::NONE, piece, faults);
    if (!wire) return wire.error();
    out.push_back(std::move(wire).value());
  }
  return out;
}

}  // namespace

core::Result<std::vector<Bytes>> protect_fragments(const KeySuite& suite, const SkKeys& keys, codec::Message m,
                                                   PayloadType first_inner, BytesView inner,
                                                   std::size_t max_datagram) {
  auto plan = plan_fragments(suite, m, inner, max_datagram);
  if (!plan) return plan.error();
  if (auto s = check_keys(suite, keys, "SKF payload"); !s) return s.error();
  auto ctx = SkContext::create(suite, keys);
  if (!ctx) return ctx.error();
  return run_fragments(*ctx, m, first_inner, inner, *plan);
}

core::Result<std::vector<Bytes>> protect_fragments(const SkContext& ctx, codec::Message m, PayloadType first_inner,
                                                   BytesView inner, std::size_t max_datagram,
                                                   const IvSource& iv_source) {
  auto plan = plan_fragments(ctx.suite(), m, inner, max_datagram);
  if (!plan) return plan.error();
  return run_fragments(ctx, m, first_inner, inner, *plan, iv_source);
}

core::Result<FragmentReassembler::State> FragmentReassembler::add(uint16_t number, uint16_t total,
                                                                  PayloadType first_inner, Bytes plaintext) {
  // RFC 7383 2.5: numbers start at 1 and never exceed Total Fragments, which
  // is never 0.
  if (total == 0) return sk_error("SKF payload", "Total Fragments is 0");
  if (number == 0) return sk_error("SKF payload", "Fragment Number is 0");
  if (number > total)
    return sk_error("SKF payload",
                    "Fragment Number " + std::to_string(number) + " exceeds Total Fragments " + std::to_string(total));
  if (total_ != 0 && total != total_)
    return sk_error("SKF payload", "Total Fragments " + std::to_string(total) + " disagrees with " +
                                       std::to_string(total_) + " in the fragments seen before");
  if (parts_.count(number)) return State::Duplicate;
  total_ = total;
  if (number == 1) first_inner_ = first_inner;
  parts_.emplace(number, std::move(plaintext));
  return parts_.size() == total_ ? State::Complete : State::Incomplete;
}

Bytes FragmentReassembler::assembled() const {
  Bytes out;
  for (const auto& [n, part] : parts_) out.insert(out.end(), part.begin(), part.end());
  return out;
}

}  // namespace ikeh::crypto
