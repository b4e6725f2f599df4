// SPDX-License-Identifier: Apache-2.0
// The responder's address pool behind the CP policy hook (RFC 7296 2.19,
// 3.15): one internal address per owner (an IKE SA), handed out from the
// pool's first address upwards, and the CFG_REPLY attributes that go with it.
//
// What a reply carries, for a CFG_REQUEST:
//   INTERNAL_IP4_ADDRESS / INTERNAL_IP6_ADDRESS  the owner's address, when the
//       request asks for the pool's family (3.15.4: a family the pool does
//       not serve is ignored). An IPv6 value is the address and a prefix
//       length of 64, as strongSwan sends it (17 octets, 3.15.1).
//   INTERNAL_IP4_NETMASK  with an IPv4 address, when configured (3.15.1 lets
//       the gateway send it unasked; it never goes without an address).
//   INTERNAL_IP4_DNS / INTERNAL_IP6_DNS  the configured servers of that
//       family, only when the request asks for that type: a client that
//       did not ask may not act on them.
//   INTERNAL_IP4_SUBNET / INTERNAL_IP6_SUBNET  every configured subnet,
//       requested or not: they state the gateway's policy on what lies
//       behind it (3.15.2).
// Other attribute types (NBNS, DHCP, APPLICATION_VERSION, reserved, private
// use such as the Cisco Unity range) are ignored, as 3.15.1 requires for
// unsupported attributes. Not thread-safe; no clock.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <vector>

#include "harness/codec/cp_payload.h"
#include "harness/core/bytes.h"
#include "harness/core/result.h"
#include "harness/engine/config.h"
#include "harness/engine/ike_auth.h"

namespace ikeh::engine {

class AddressPool {
 public:
  // Checks the configuration: first and last of one family (4 or 16 octets)
  // with first <= last; a netmask of 4 octets and only for an IPv4 pool;
  // DNS servers of 4 or 16 octets; subnets that are address range selectors
  // covering exactly one prefix (a.b.c.d/n), since INTERNAL_IP4_SUBNET and
  // INTERNAL_IP6_SUBNET can only express prefixes. The error names the field
  // ("pool: subnets[1]: 10.0.0.1-10.0.0.5 is not a prefix").
  static core::Result<AddressPool> create(const AddressPoolConfig& config);

  // The CFG_REPLY attributes for `request` (see the file comment), leasing
  // an address to `owner` when the request asks for the pool's family: the
  // owner's current address if it has one; else the address the request
  // suggests (a non-empty INTERNAL_IP4_ADDRESS / INTERNAL_IP6_ADDRESS value)
  // when it lies in the pool and is free; else the lowest free address.
  // Errors, with notify INTERNAL_ADDRESS_FAILURE (RFC 7296 3.15.4): the pool
  // is exhausted, or the request asks only for a family the pool does not
  // serve. A request that is not CFG_REQUEST is an error with notify
  // INVALID_SYNTAX. A request asking for no address gets the other
  // attributes and leases nothing.
  core::Result<std::vector<codec::CfgAttribute>> reply(uint64_t owner, const codec::CpPayload& request);

  // Frees the owner's address (no-op when it has none).
  void release(uint64_t owner);
  // The owner's address (4 or 16 octets), nullopt when it has none.
  std::optional<Bytes> address_of(uint64_t owner) const;
  // Addresses currently leased.
  std::size_t in_use() const { return leases_.size(); }
  // Addresses in the pool (saturated at SIZE_MAX for huge IPv6 ranges).
  std::size_t capacity() const;
  bool ipv6() const { return config_.first.size() == 16; }

 private:
  explicit AddressPool(AddressPoolConfig config) : config_(std::move(config)), lowest_maybe_free_(config_.first) {}
  std::optional<Bytes> lease(uint64_t owner, const std::optional<Bytes>& wanted);

  AddressPoolConfig config_;
  std::map<uint64_t, Bytes> leases_;
  std::set<Bytes> used_;
  // Every address below it is leased: the search for the lowest free
  // address starts here instead of at `first`, so leasing stays cheap with
  // thousands of sessions.
  Bytes lowest_maybe_free_;
};

// A CP hook (ike_auth.h) answering from `pool` for the owner `owner()`
// returns at the time of the request (for example the IKE SA's SPI): the
// pool's reply, or its INTERNAL_ADDRESS_FAILURE error (which fails the Child
// SA, the IKE SA stays). A request that is not CFG_REQUEST gets no CP.
CpHook make_cp_hook(std::shared_ptr<AddressPool> pool, std::function<uint64_t()> owner);

}  // namespace ikeh::engine
