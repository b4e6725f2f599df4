// SPDX-License-Identifier: Apache-2.0
#include "harness/engine/task_support.h"

#include "harness/codec/vendor_id_payload.h"

namespace ikeh::engine {

using codec::NotifyPayload;
using codec::Payload;
using codec::PayloadType;

const Payload* find_payload(std::span<const Payload> chain, PayloadType t) {
  for (const auto& p : chain)
    if (p.type == t) return &p;
  return nullptr;
}

void add_vendor_ids(std::vector<Payload>& payloads, const std::vector<core::Bytes>& vendor_ids) {
  for (const auto& v : vendor_ids) payloads.emplace_back(codec::PayloadType::V, codec::VendorIdPayload{v});
}

const NotifyPayload* find_notify(std::span<const Payload> chain, codec::NotifyType t) {
  for (const auto& p : chain) {
    const auto* n = p.as<NotifyPayload>();
    if (p.type == PayloadType::N && n && n->type == t) return n;
  }
  return nullptr;
}

const NotifyPayload* first_error_notify(std::span<const Payload> chain) {
  for (const auto& p : chain) {
    const auto* n = p.as<NotifyPayload>();
    if (p.type == PayloadType::N && n && codec::is_error(n->type)) return n;
  }
  return nullptr;
}

RandomSource borrow(const RandomSource& random) {
  return [r = &random](uint8_t* out, std::size_t n) { (*r)(out, n); };
}

core::Bytes draw_spi(const RandomSource& random, bool ike) {
  for (;;) {
    core::Bytes b(ike ? 8 : 4);
    random(b.data(), b.size());
    uint64_t v = 0;
    for (uint8_t x : b) v = v << 8 | x;
    if (ike ? v != 0 : v >= 256) return b;
  }
}

core::Result<crypto::KeyExchange> draw_key_exchange(const RandomSource& random, codec::DhGroup group) {
  auto info = crypto::dh_group_info(group);
  if (!info) return info.error();
  core::Error last = core::make_error("KE", "no private value drawn");
  for (int i = 0; i < 64; ++i) {
    crypto::Secret priv(info->private_size);
    if (info->private_size) random(priv.data(), info->private_size);
    auto ke = crypto::KeyExchange::from_private(group, priv.view());
    if (ke) return std::move(ke).value();
    last = ke.error();
  }
  return last;
}

}  // namespace ikeh::engine
