// SPDX-License-Identifier: Apache-2.0
#include "harness/crypto/sk_decryptor.h"

namespace ikeh::crypto {

namespace {

using crypto::IcvCheck;

core::Error fail(std::string reason) {
  core::Error e;
  e.reason = std::move(reason);
  return e;
}

core::BytesView encrypted_data(const codec::Payload& p) {
  if (auto* sk = p.as<codec::SkPayload>()) return sk->data;
  if (auto* skf = p.as<codec::SkfPayload>()) return skf->data;
  return {};
}

// Decrypts without an integrity check: only for table rows that name no
// integrity algorithm ("ANY n-bits ... [No Checking]", or NULL/NONE), where
// the n-bit ICV is skipped the way Wireshark skips it.
core::Result<crypto::Unprotected> open_unchecked(const crypto::KeySuite& suite, const crypto::Secret& key,
                                                 const codec::Payload& p, std::size_t icv_size) {
  core::BytesView data = encrypted_data(p);
  const std::size_t iv_size = suite.encr.iv_size;
  if (data.size() < iv_size + icv_size) {
    return fail("encrypted data of " + std::to_string(data.size()) + " bytes is shorter than IV (" +
                std::to_string(iv_size) + ") + ICV (" + std::to_string(icv_size) + ")");
  }
  crypto::Unprotected u;
  u.iv.assign(data.begin(), data.begin() + static_cast<std::ptrdiff_t>(iv_size));
  core::BytesView ct = data.subspan(iv_size, data.size() - iv_size - icv_size);
  auto pt = crypto::decrypt(suite.encr, key.view(), u.iv, ct);
  if (!pt) return pt.error();
  if (pt->empty()) return fail("no Pad Length octet: the plaintext is empty");
  u.pad_length = pt->back();
  if (std::size_t{u.pad_length} + 1 > pt->size()) {
    return fail("pad length " + std::to_string(u.pad_length) + " exceeds the plaintext (" +
                std::to_string(pt->size()) + " bytes)");
  }
  std::size_t inner_size = pt->size() - u.pad_length - 1;
  u.padding.assign(pt->begin() + static_cast<std::ptrdiff_t>(inner_size), pt->end() - 1);
  pt->resize(inner_size);
  u.inner = std::move(*pt);
  if (auto* sk = p.as<codec::SkPayload>()) u.first_inner = sk->inner_next;
  if (auto* skf = p.as<codec::SkfPayload>()) u.first_inner = skf->inner_next;
  return u;
}

}  // namespace

OpenedSk SkDecryptor::open(const codec::Message& m, core::BytesView wire) {
  OpenedSk out;
  const codec::Header& h = m.header;
  const crypto::KeyTableEntry* entry = table_.find(h.spi_i, h.spi_r);
  if (!entry) {
    out.state = OpenedSk::State::NoKeys;
    out.first_without_keys = warned_.insert({h.spi_i, h.spi_r}).second;
    return out;
  }
  const codec::Payload& last = m.payloads.back();
  const auto* skf = last.as<codec::SkfPayload>();
  if (skf) {
    out.fragment = true;
    out.fragment_number = skf->fragment_number;
    out.total_fragments = skf->total_fragments;
  }
  auto failed = [&](std::string why) {
    out.state = OpenedSk::State::Failed;
    out.error = std::move(why);
    return out;
  };
  auto suite = entry->suite();
  if (!suite) return failed(suite.error().to_string());
  // RFC 7296 3.1: the I flag names the sender's original role.
  crypto::SkKeys keys = crypto::keys_for(entry->ike_sa_keys(), h.is_initiator());

  core::Result<crypto::Unprotected> opened = fail("");
  if (entry->integ->check == IcvCheck::Unchecked ||
      (entry->integ->check == IcvCheck::Aead && !suite->encr.aead)) {
    opened = open_unchecked(*suite, keys.encr, last, entry->icv_size());
    out.icv_verified = false;
  } else {
    opened = crypto::unprotect(*suite, keys, m, wire);
    out.icv_verified = true;
  }
  // An ICV mismatch is said as just that; other failures keep their place.
  if (!opened) {
    const core::Error& e = opened.error();
    return failed(e.reason == "ICV mismatch" ? e.reason : e.to_string());
  }

  if (!skf) {
    out.first = opened->first_inner;
    out.inner = std::move(opened->inner);
    return out;
  }
  // RFC 7383 2.6: each fragment was verified on its own above; now collect.
  MessageKey key{h.spi_i, h.spi_r, h.message_id, static_cast<uint8_t>(h.flags & 0x28)};
  auto& reassembler = fragments_[key];
  auto added = reassembler.add(skf->fragment_number, skf->total_fragments, opened->first_inner,
                               std::move(opened->inner));
  if (!added) return failed(added.error().to_string());
  if (*added != crypto::FragmentReassembler::State::Duplicate) ++received_[key];
  out.fragments_received = received_[key];
  if (*added == crypto::FragmentReassembler::State::Complete) {
    out.first = reassembler.first_inner();
    out.inner = reassembler.assembled();
    return out;
  }
  out.state = OpenedSk::State::FragmentPending;
  return out;
}

}  // namespace ikeh::crypto
