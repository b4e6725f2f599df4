// SPDX-License-Identifier: Apache-2.0
// The responder's address pool (RFC 7296 2.19, 3.15): leases in order, one
// per owner, release and reuse, suggested addresses, exhaustion with
// INTERNAL_ADDRESS_FAILURE, the attributes of a CFG_REPLY and their encodings
// (3.15.1), and the configuration checks.
#include "harness/engine/address_pool.h"

#include <gtest/gtest.h>

#include <memory>
#include <vector>

namespace ikeh::engine {
namespace {

using codec::CfgAttribute;
using codec::CfgAttributeType;
using codec::CpPayload;
using codec::NotifyType;

CpPayload request(std::vector<CfgAttribute> attrs) {
  CpPayload cp;
  cp.cfg_type = codec::CfgType::CFG_REQUEST;
  cp.attributes = std::move(attrs);
  return cp;
}

CpPayload ask_v4() { return request({CfgAttribute(CfgAttributeType::INTERNAL_IP4_ADDRESS)}); }
CpPayload ask_v6() { return request({CfgAttribute(CfgAttributeType::INTERNAL_IP6_ADDRESS)}); }

AddressPoolConfig v4_pool(uint8_t first, uint8_t last) {
  AddressPoolConfig c;
  c.first = {10, 1, 0, first};
  c.last = {10, 1, 0, last};
  return c;
}

AddressPool make(const AddressPoolConfig& c) {
  auto p = AddressPool::create(c);
  EXPECT_TRUE(p.ok()) << p.error().to_string();
  return std::move(p).value();
}

const CfgAttribute* find(const std::vector<CfgAttribute>& attrs, CfgAttributeType t) {
  for (const auto& a : attrs)
    if (a.type == t) return &a;
  return nullptr;
}

std::size_t count(const std::vector<CfgAttribute>& attrs, CfgAttributeType t) {
  std::size_t n = 0;
  for (const auto& a : attrs) n += a.type == t;
  return n;
}

TEST(AddressPool, HandsOutAddressesInOrderOnePerOwner) {
  AddressPool pool = make(v4_pool(10, 20));
  EXPECT_EQ(pool.capacity(), 11u);
  for (uint8_t i = 0; i < 5; ++i) {
    auto r = pool.reply(100 + i, ask_v4());
    ASSERT_TRUE(r.ok()) << r.error().to_string();
    ASSERT_EQ(r->size(), 1u);
    EXPECT_EQ((*r)[0].type, CfgAttributeType::INTERNAL_IP4_ADDRESS);
    EXPECT_EQ((*r)[0].value, (Bytes{10, 1, 0, static_cast<uint8_t>(10 + i)}));
  }
  EXPECT_EQ(pool.in_use(), 5u);
  // The same owner asking again keeps its address.
  auto again = pool.reply(102, ask_v4());
  ASSERT_TRUE(again.ok());
  EXPECT_EQ((*again)[0].value, (Bytes{10, 1, 0, 12}));
  EXPECT_EQ(pool.in_use(), 5u);
  EXPECT_EQ(pool.address_of(102), (Bytes{10, 1, 0, 12}));
  EXPECT_FALSE(pool.address_of(999));
}

TEST(AddressPool, ReleaseAndReuseTheLowestFree) {
  AddressPool pool = make(v4_pool(1, 4));
  for (uint64_t o = 1; o <= 4; ++o) ASSERT_TRUE(pool.reply(o, ask_v4()).ok());
  pool.release(2);
  pool.release(3);
  pool.release(42);  // unknown owner: no-op
  EXPECT_EQ(pool.in_use(), 2u);
  EXPECT_FALSE(pool.address_of(2));
  auto r = pool.reply(5, ask_v4());
  ASSERT_TRUE(r.ok());
  EXPECT_EQ((*r)[0].value, (Bytes{10, 1, 0, 2}));
  auto s = pool.reply(6, ask_v4());
  ASSERT_TRUE(s.ok());
  EXPECT_EQ((*s)[0].value, (Bytes{10, 1, 0, 3}));
}

TEST(AddressPool, ExhaustionIsInternalAddressFailure) {
  AddressPool pool = make(v4_pool(1, 2));
  ASSERT_TRUE(pool.reply(1, ask_v4()).ok());
  ASSERT_TRUE(pool.reply(2, ask_v4()).ok());
  auto r = pool.reply(3, ask_v4());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().notify, static_cast<uint16_t>(NotifyType::INTERNAL_ADDRESS_FAILURE));
  EXPECT_EQ(pool.in_use(), 2u);
  EXPECT_FALSE(pool.address_of(3));
  // Owners that hold an address still get it.
  EXPECT_TRUE(pool.reply(1, ask_v4()).ok());
}

TEST(AddressPool, SuggestedAddressIsHonouredWhenFree) {
  AddressPool pool = make(v4_pool(1, 9));
  auto r = pool.reply(1, request({CfgAttribute(CfgAttributeType::INTERNAL_IP4_ADDRESS, Bytes{10, 1, 0, 7})}));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ((*r)[0].value, (Bytes{10, 1, 0, 7}));
  // Taken: the lowest free one instead.
  auto taken = pool.reply(2, request({CfgAttribute(CfgAttributeType::INTERNAL_IP4_ADDRESS, Bytes{10, 1, 0, 7})}));
  ASSERT_TRUE(taken.ok());
  EXPECT_EQ((*taken)[0].value, (Bytes{10, 1, 0, 1}));
  // Outside the pool (0.0.0.0 as "any", as some clients send it).
  auto outside = pool.reply(3, request({CfgAttribute(CfgAttributeType::INTERNAL_IP4_ADDRESS, Bytes{0, 0, 0, 0})}));
  ASSERT_TRUE(outside.ok());
  EXPECT_EQ((*outside)[0].value, (Bytes{10, 1, 0, 2}));
}

TEST(AddressPool, ReplyCarriesNetmaskSubnetsAlwaysAndDnsWhenAsked) {
  AddressPoolConfig c = v4_pool(1, 9);
  c.netmask = Bytes{255, 255, 255, 0};
  c.dns = {Bytes{10, 1, 0, 53}, Bytes(16, 0x11)};
  c.subnets = {prefix_selector(Bytes{192, 168, 10, 0}, 24),
               prefix_selector(Bytes{0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}, 48)};
  AddressPool pool = make(c);

  auto plain = pool.reply(1, ask_v4());
  ASSERT_TRUE(plain.ok());
  EXPECT_EQ(count(*plain, CfgAttributeType::INTERNAL_IP4_DNS), 0u);
  EXPECT_EQ(count(*plain, CfgAttributeType::INTERNAL_IP6_DNS), 0u);
  ASSERT_NE(find(*plain, CfgAttributeType::INTERNAL_IP4_NETMASK), nullptr);
  EXPECT_EQ(find(*plain, CfgAttributeType::INTERNAL_IP4_NETMASK)->value, (Bytes{255, 255, 255, 0}));
  // RFC 7296 3.15.1: IP4_SUBNET is address and netmask (8 octets), IP6_SUBNET
  // address and prefix length (17 octets).
  ASSERT_NE(find(*plain, CfgAttributeType::INTERNAL_IP4_SUBNET), nullptr);
  EXPECT_EQ(find(*plain, CfgAttributeType::INTERNAL_IP4_SUBNET)->value,
            (Bytes{192, 168, 10, 0, 255, 255, 255, 0}));
  ASSERT_NE(find(*plain, CfgAttributeType::INTERNAL_IP6_SUBNET), nullptr);
  Bytes v6_subnet = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 48};
  EXPECT_EQ(find(*plain, CfgAttributeType::INTERNAL_IP6_SUBNET)->value, v6_subnet);

  auto with_dns = pool.reply(2, request({CfgAttribute(CfgAttributeType::INTERNAL_IP4_ADDRESS),
                                         CfgAttribute(CfgAttributeType::INTERNAL_IP4_DNS),
                                         CfgAttribute(CfgAttributeType::INTERNAL_IP6_DNS)}));
  ASSERT_TRUE(with_dns.ok());
  ASSERT_EQ(count(*with_dns, CfgAttributeType::INTERNAL_IP4_DNS), 1u);
  EXPECT_EQ(find(*with_dns, CfgAttributeType::INTERNAL_IP4_DNS)->value, (Bytes{10, 1, 0, 53}));
  ASSERT_EQ(count(*with_dns, CfgAttributeType::INTERNAL_IP6_DNS), 1u);
  EXPECT_EQ(find(*with_dns, CfgAttributeType::INTERNAL_IP6_DNS)->value, Bytes(16, 0x11));
  // The address comes first, the netmask right after it.
  EXPECT_EQ((*with_dns)[0].type, CfgAttributeType::INTERNAL_IP4_ADDRESS);
  EXPECT_EQ((*with_dns)[1].type, CfgAttributeType::INTERNAL_IP4_NETMASK);
}

TEST(AddressPool, UnknownPrivateAndReservedAttributesAreIgnored) {
  AddressPool pool = make(v4_pool(1, 9));
  // Like the remote-access client in ikev2.uts: reserved 9, Cisco Unity
  // private types, a zero-length NBNS and a duplicate.
  std::vector<CfgAttribute> attrs = {CfgAttribute(CfgAttributeType::INTERNAL_IP4_ADDRESS),
                                     CfgAttribute(static_cast<CfgAttributeType>(9)),
                                     CfgAttribute(static_cast<CfgAttributeType>(28672)),
                                     CfgAttribute(static_cast<CfgAttributeType>(28682), core::to_bytes("debian")),
                                     CfgAttribute(static_cast<CfgAttributeType>(28682), core::to_bytes("debian")),
                                     CfgAttribute(CfgAttributeType::INTERNAL_IP4_NBNS)};
  auto r = pool.reply(1, request(attrs));
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->size(), 1u);
  EXPECT_EQ((*r)[0].type, CfgAttributeType::INTERNAL_IP4_ADDRESS);
}

TEST(AddressPool, RequestWithoutAddressLeasesNothing) {
  AddressPoolConfig c = v4_pool(1, 9);
  c.dns = {Bytes{10, 1, 0, 53}};
  AddressPool pool = make(c);
  auto r = pool.reply(1, request({CfgAttribute(CfgAttributeType::INTERNAL_IP4_DNS)}));
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->size(), 1u);
  EXPECT_EQ((*r)[0].type, CfgAttributeType::INTERNAL_IP4_DNS);
  EXPECT_EQ(pool.in_use(), 0u);
}

TEST(AddressPool, OtherFamilyOnlyIsInternalAddressFailure) {
  AddressPool pool = make(v4_pool(1, 9));
  auto r = pool.reply(1, ask_v6());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().notify, static_cast<uint16_t>(NotifyType::INTERNAL_ADDRESS_FAILURE));
  // Both families asked: the pool's one is served, the other ignored
  // (RFC 7296 3.15.4).
  auto both = pool.reply(1, request({CfgAttribute(CfgAttributeType::INTERNAL_IP6_ADDRESS),
                                     CfgAttribute(CfgAttributeType::INTERNAL_IP4_ADDRESS)}));
  ASSERT_TRUE(both.ok());
  ASSERT_EQ(both->size(), 1u);
  EXPECT_EQ((*both)[0].value, (Bytes{10, 1, 0, 1}));
}

TEST(AddressPool, Ipv6Pool) {
  AddressPoolConfig c;
  c.first = {0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x00, 0xfe};
  c.last = {0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01, 0x01};
  AddressPool pool = make(c);
  EXPECT_TRUE(pool.ipv6());
  EXPECT_EQ(pool.capacity(), 4u);
  std::vector<Bytes> got;
  for (uint64_t o = 1; o <= 4; ++o) {
    auto r = pool.reply(o, ask_v6());
    ASSERT_TRUE(r.ok()) << r.error().to_string();
    ASSERT_EQ(r->size(), 1u);
    EXPECT_EQ((*r)[0].type, CfgAttributeType::INTERNAL_IP6_ADDRESS);
    // RFC 7296 3.15.1: 16 octets of address, then the prefix length.
    ASSERT_EQ((*r)[0].value.size(), 17u);
    EXPECT_EQ((*r)[0].value[16], 64);
    got.emplace_back((*r)[0].value.begin(), (*r)[0].value.begin() + 16);
  }
  // The carry crosses an octet boundary: ..00fe, ..00ff, ..0100, ..0101.
  EXPECT_EQ(got[0][14], 0x00);
  EXPECT_EQ(got[0][15], 0xfe);
  EXPECT_EQ(got[1][15], 0xff);
  EXPECT_EQ(got[2][14], 0x01);
  EXPECT_EQ(got[2][15], 0x00);
  EXPECT_EQ(got[3][15], 0x01);
  EXPECT_EQ(pool.address_of(3), got[2]);
  auto full = pool.reply(5, ask_v6());
  ASSERT_FALSE(full.ok());
  EXPECT_EQ(full.error().notify, static_cast<uint16_t>(NotifyType::INTERNAL_ADDRESS_FAILURE));
  // A suggestion in the 17-octet form is honoured once free.
  pool.release(2);
  Bytes wanted = got[1];
  wanted.push_back(128);
  auto r = pool.reply(6, request({CfgAttribute(CfgAttributeType::INTERNAL_IP6_ADDRESS, wanted)}));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(Bytes((*r)[0].value.begin(), (*r)[0].value.begin() + 16), got[1]);
}

TEST(AddressPool, HugeIpv6RangeCapacitySaturates) {
  AddressPoolConfig c;
  c.first = Bytes(16, 0);
  c.last = Bytes(16, 0xff);
  AddressPool pool = make(c);
  EXPECT_EQ(pool.capacity(), SIZE_MAX);
  auto r = pool.reply(1, ask_v6());
  ASSERT_TRUE(r.ok());
}

TEST(AddressPool, LastAddressOfTheWholeSpaceCanBeLeased) {
  AddressPoolConfig c;
  c.first = {255, 255, 255, 254};
  c.last = {255, 255, 255, 255};
  AddressPool pool = make(c);
  ASSERT_TRUE(pool.reply(1, ask_v4()).ok());
  auto r = pool.reply(2, ask_v4());
  ASSERT_TRUE(r.ok());
  EXPECT_EQ((*r)[0].value, (Bytes{255, 255, 255, 255}));
  // Incrementing past all-ones must not wrap to 0.0.0.0.
  auto full = pool.reply(3, ask_v4());
  ASSERT_FALSE(full.ok());
  EXPECT_EQ(full.error().notify, static_cast<uint16_t>(NotifyType::INTERNAL_ADDRESS_FAILURE));
}

TEST(AddressPool, CreateRejectsBadConfigurations) {
  auto bad = [](AddressPoolConfig c) { return !AddressPool::create(c).ok(); };
  AddressPoolConfig c = v4_pool(1, 9);
  EXPECT_FALSE(bad(c));
  AddressPoolConfig mixed = c;
  mixed.last = Bytes(16, 0);
  EXPECT_TRUE(bad(mixed));
  AddressPoolConfig reversed = v4_pool(9, 1);
  EXPECT_TRUE(bad(reversed));
  AddressPoolConfig short_addr = c;
  short_addr.first = {10, 1, 0};
  EXPECT_TRUE(bad(short_addr));
  AddressPoolConfig mask = c;
  mask.netmask = Bytes{255, 255, 255};
  EXPECT_TRUE(bad(mask));
  AddressPoolConfig v6_mask;
  v6_mask.first = Bytes(16, 0);
  v6_mask.last = Bytes(16, 1);
  v6_mask.netmask = Bytes{255, 255, 255, 0};
  EXPECT_TRUE(bad(v6_mask));
  AddressPoolConfig dns = c;
  dns.dns = {Bytes{1, 2, 3}};
  EXPECT_TRUE(bad(dns));
  AddressPoolConfig subnet = c;
  codec::TrafficSelector range = prefix_selector(Bytes{10, 0, 0, 0}, 24);
  range.end_address = {10, 0, 0, 5};  // 10.0.0.0-10.0.0.5 is no prefix
  subnet.subnets = {range};
  auto err = AddressPool::create(subnet);
  ASSERT_FALSE(err.ok());
  EXPECT_NE(err.error().to_string().find("10.0.0.0-10.0.0.5"), std::string::npos) << err.error().to_string();
  subnet.subnets = {prefix_selector(Bytes{10, 0, 0, 0}, 31), prefix_selector(Bytes{10, 0, 0, 0}, 0),
                    prefix_selector(Bytes{10, 0, 0, 7}, 32)};
  EXPECT_FALSE(bad(subnet));
}

TEST(AddressPool, NotARequestIsInvalidSyntax) {
  AddressPool pool = make(v4_pool(1, 9));
  CpPayload set = ask_v4();
  set.cfg_type = codec::CfgType::CFG_SET;
  auto r = pool.reply(1, set);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().notify, static_cast<uint16_t>(NotifyType::INVALID_SYNTAX));
  EXPECT_EQ(pool.in_use(), 0u);
}

TEST(AddressPool, CpHookUsesTheOwnerAtCallTime) {
  auto pool = std::make_shared<AddressPool>(make(v4_pool(1, 1)));
  auto owner = std::make_shared<uint64_t>(5);
  CpHook hook = make_cp_hook(pool, [owner] { return *owner; });
  codec::IdPayload peer;
  auto a = hook(peer, ask_v4());
  ASSERT_TRUE(a.ok());
  ASSERT_TRUE(a->has_value());
  EXPECT_EQ((**a)[0].value, (Bytes{10, 1, 0, 1}));
  EXPECT_EQ(pool->address_of(5), (Bytes{10, 1, 0, 1}));
  *owner = 6;
  auto b = hook(peer, ask_v4());
  ASSERT_FALSE(b.ok());
  EXPECT_EQ(b.error().notify, static_cast<uint16_t>(NotifyType::INTERNAL_ADDRESS_FAILURE));
  // A CFG_SET is not the pool's business: no CP.
  CpPayload set = ask_v4();
  set.cfg_type = codec::CfgType::CFG_SET;
  auto c = hook(peer, set);
  ASSERT_TRUE(c.ok());
  EXPECT_FALSE(c->has_value());
}

}  // namespace
}  // namespace ikeh::engine
