// SPDX-License-Identifier: Apache-2.0
#include "harness/engine/address_pool.h"

#include <algorithm>
#include <limits>
#include <string>
#include <utility>

#include "harness/codec/registry.h"

namespace ikeh::engine {
namespace {

using codec::CfgAttribute;
using codec::CfgAttributeType;
using core::make_error;

constexpr uint16_t kInternalAddressFailure = static_cast<uint16_t>(codec::NotifyType::INTERNAL_ADDRESS_FAILURE);
constexpr uint16_t kInvalidSyntax = static_cast<uint16_t>(codec::NotifyType::INVALID_SYNTAX);
// The prefix length sent with an INTERNAL_IP6_ADDRESS: strongSwan's
// ike_config.c (build_vip) sends 64, and peers are tested against it.
constexpr uint8_t kIp6AddressPrefix = 64;

// Big-endian increment; false when it wrapped past all-ones.
bool increment(Bytes& a) {
  for (std::size_t i = a.size(); i-- > 0;)
    if (++a[i] != 0) return true;
  return false;
}

bool less_eq(const Bytes& a, const Bytes& b) {
  return !std::lexicographical_compare(b.begin(), b.end(), a.begin(), a.end());
}

// The prefix length when [start, end] is exactly one prefix, else nullopt.
std::optional<unsigned> prefix_of(const Bytes& start, const Bytes& end) {
  if (start.size() != end.size()) return std::nullopt;
  unsigned bits = 0;
  std::size_t i = 0;
  while (i < start.size() && start[i] == end[i]) {
    bits += 8;
    ++i;
  }
  if (i == start.size()) return bits;
  // The first differing octet: start has a run of low zero bits, end the same
  // run of ones, and everything after is 0x00 / 0xff.
  uint8_t diff = static_cast<uint8_t>(start[i] ^ end[i]);
  unsigned host = 0;
  while (host < 8 && (diff >> host) & 1) ++host;
  if ((diff >> host) != 0) return std::nullopt;
  uint8_t mask = static_cast<uint8_t>(0xff >> (8 - host));
  if ((start[i] & mask) != 0 || (end[i] & mask) != mask) return std::nullopt;
  for (std::size_t j = i + 1; j < start.size(); ++j)
    if (start[j] != 0 || end[j] != 0xff) return std::nullopt;
  return bits + (8 - host);
}

Bytes ipv4_netmask(unsigned prefix) {
  uint32_t m = prefix == 0 ? 0 : ~uint32_t{0} << (32 - prefix);
  return Bytes{static_cast<uint8_t>(m >> 24), static_cast<uint8_t>(m >> 16), static_cast<uint8_t>(m >> 8),
               static_cast<uint8_t>(m)};
}

std::string show(const Bytes& a) {
  std::string s;
  if (a.size() == 4) {
    for (std::size_t i = 0; i < 4; ++i) s += (i ? "." : "") + std::to_string(a[i]);
    return s;
  }
  return core::to_hex(a);
}

bool has(const codec::CpPayload& request, CfgAttributeType t) {
  return std::any_of(request.attributes.begin(), request.attributes.end(),
                     [&](const CfgAttribute& a) { return a.type == t; });
}

// The first non-empty suggestion of an address attribute (3.15.1: a value in
// a request is a hint the reply may follow). An IPv6 value carries the
// prefix length after the address.
std::optional<Bytes> suggestion(const codec::CpPayload& request, CfgAttributeType t, std::size_t size) {
  for (const auto& a : request.attributes)
    if (a.type == t && a.value.size() >= size) return Bytes(a.value.begin(), a.value.begin() + size);
  return std::nullopt;
}

}  // namespace

core::Result<AddressPool> AddressPool::create(const AddressPoolConfig& config) {
  const std::size_t n = config.first.size();
  if (n != 4 && n != 16) return make_error("pool: first", "an address is 4 (IPv4) or 16 (IPv6) octets");
  if (config.last.size() != n) return make_error("pool: last", "not the same address family as first");
  if (!less_eq(config.first, config.last)) return make_error("pool: last", "lies below first");
  if (config.netmask) {
    if (n != 4) return make_error("pool: netmask", "INTERNAL_IP4_NETMASK goes with an IPv4 pool only");
    if (config.netmask->size() != 4) return make_error("pool: netmask", "a netmask is 4 octets");
  }
  for (std::size_t i = 0; i < config.dns.size(); ++i)
    if (config.dns[i].size() != 4 && config.dns[i].size() != 16)
      return make_error("pool: dns[" + std::to_string(i) + "]", "an address is 4 or 16 octets");
  for (std::size_t i = 0; i < config.subnets.size(); ++i) {
    const auto& ts = config.subnets[i];
    std::string where = "pool: subnets[" + std::to_string(i) + "]";
    if (!ts.is_ip() || ts.start_address.size() != ts.address_size() || ts.end_address.size() != ts.address_size())
      return make_error(where, "not an address range selector");
    if (!prefix_of(ts.start_address, ts.end_address))
      return make_error(where, show(ts.start_address) + "-" + show(ts.end_address) + " is not a prefix");
  }
  return AddressPool(config);
}

std::size_t AddressPool::capacity() const {
  // last - first + 1, saturated.
  const Bytes& a = config_.first;
  const Bytes& b = config_.last;
  std::size_t v = 0;
  int borrow = 0;
  std::size_t shift = 0;
  bool saturated = false;
  for (std::size_t i = a.size(); i-- > 0;) {
    int d = int(b[i]) - int(a[i]) - borrow;
    borrow = d < 0;
    if (d < 0) d += 256;
    if (d != 0) {
      if (shift >= sizeof(std::size_t) * 8) {
        saturated = true;
      } else {
        v |= std::size_t(d) << shift;
      }
    }
    shift += 8;
  }
  if (saturated || v == std::numeric_limits<std::size_t>::max()) return std::numeric_limits<std::size_t>::max();
  return v + 1;
}

std::optional<Bytes> AddressPool::lease(uint64_t owner, const std::optional<Bytes>& wanted) {
  if (auto it = leases_.find(owner); it != leases_.end()) return it->second;
  std::optional<Bytes> pick;
  if (wanted && less_eq(config_.first, *wanted) && less_eq(*wanted, config_.last) && !used_.count(*wanted))
    pick = *wanted;
  if (!pick) {
    // The lowest free address: walk the used set, which is sorted like the
    // addresses, from the lowest one that may be free upwards.
    Bytes candidate = lowest_maybe_free_;
    for (auto it = used_.lower_bound(candidate); it != used_.end() && *it == candidate; ++it)
      if (!increment(candidate)) return std::nullopt;
    if (!less_eq(candidate, config_.last)) return std::nullopt;
    pick = candidate;
    lowest_maybe_free_ = candidate;  // leased below; the next search steps past it
  }
  leases_[owner] = *pick;
  used_.insert(*pick);
  return pick;
}

core::Result<std::vector<CfgAttribute>> AddressPool::reply(uint64_t owner, const codec::CpPayload& request) {
  if (request.cfg_type != codec::CfgType::CFG_REQUEST)
    return make_error("CP payload", "the pool answers CFG_REQUEST only", kInvalidSyntax);
  const bool v6 = ipv6();
  const CfgAttributeType own = v6 ? CfgAttributeType::INTERNAL_IP6_ADDRESS : CfgAttributeType::INTERNAL_IP4_ADDRESS;
  const CfgAttributeType other = v6 ? CfgAttributeType::INTERNAL_IP4_ADDRESS : CfgAttributeType::INTERNAL_IP6_ADDRESS;
  std::vector<CfgAttribute> out;
  if (has(request, own)) {
    auto addr = lease(owner, suggestion(request, own, config_.first.size()));
    if (!addr)
      return make_error("address pool", "no free address left (" + std::to_string(leases_.size()) + " leased)",
                        kInternalAddressFailure);
    Bytes value = *addr;
    if (v6) value.push_back(kIp6AddressPrefix);
    out.emplace_back(own, std::move(value));
    if (!v6 && config_.netmask) out.emplace_back(CfgAttributeType::INTERNAL_IP4_NETMASK, *config_.netmask);
  } else if (has(request, other)) {
    // 3.15.4: the other family is ignored; with nothing else asked for, the
    // assignment failed.
    return make_error("address pool",
                      std::string("the request asks only for an ") + (v6 ? "IPv4" : "IPv6") +
                          " address and the pool is " + (v6 ? "IPv6" : "IPv4"),
                      kInternalAddressFailure);
  }
  for (auto [type, size] : {std::pair{CfgAttributeType::INTERNAL_IP4_DNS, std::size_t{4}},
                            std::pair{CfgAttributeType::INTERNAL_IP6_DNS, std::size_t{16}}}) {
    if (!has(request, type)) continue;
    for (const auto& d : config_.dns)
      if (d.size() == size) out.emplace_back(type, d);
  }
  for (const auto& ts : config_.subnets) {
    unsigned prefix = *prefix_of(ts.start_address, ts.end_address);  // checked by create()
    Bytes value = ts.start_address;
    if (ts.address_size() == 4) {
      Bytes mask = ipv4_netmask(prefix);
      value.insert(value.end(), mask.begin(), mask.end());
      out.emplace_back(CfgAttributeType::INTERNAL_IP4_SUBNET, std::move(value));
    } else {
      value.push_back(static_cast<uint8_t>(prefix));
      out.emplace_back(CfgAttributeType::INTERNAL_IP6_SUBNET, std::move(value));
    }
  }
  return out;
}

void AddressPool::release(uint64_t owner) {
  auto it = leases_.find(owner);
  if (it == leases_.end()) return;
  used_.erase(it->second);
  if (!less_eq(lowest_maybe_free_, it->second)) lowest_maybe_free_ = it->second;
  leases_.erase(it);
}

std::optional<Bytes> AddressPool::address_of(uint64_t owner) const {
  auto it = leases_.find(owner);
  if (it == leases_.end()) return std::nullopt;
  return it->second;
}

CpHook make_cp_hook(std::shared_ptr<AddressPool> pool, std::function<uint64_t()> owner) {
  return [pool = std::move(pool), owner = std::move(owner)](
             const codec::IdPayload&, const codec::CpPayload& request)
             -> core::Result<std::optional<std::vector<CfgAttribute>>> {
    if (request.cfg_type != codec::CfgType::CFG_REQUEST) return std::optional<std::vector<CfgAttribute>>();
    auto attrs = pool->reply(owner(), request);
    if (!attrs) return attrs.error();
    return std::optional<std::vector<CfgAttribute>>(std::move(attrs).value());
  };
}

}  // namespace ikeh::engine
