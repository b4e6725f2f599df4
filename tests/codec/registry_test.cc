// SPDX-License-Identifier: Apache-2.0
#include "harness/codec/registry.h"

#include <gtest/gtest.h>

namespace ikeh::codec {
namespace {

TEST(Registry, NamesBothWays) {
  EXPECT_EQ(name_of(ExchangeType::IKE_AUTH), "IKE_AUTH");
  EXPECT_EQ(parse_name<ExchangeType>("IKE_AUTH"), ExchangeType::IKE_AUTH);
  EXPECT_EQ(parse_name<NotifyType>("invalid_ke_payload"), NotifyType::INVALID_KE_PAYLOAD);
  EXPECT_EQ(static_cast<uint16_t>(NotifyType::SET_WINDOW_SIZE), 16385);
  EXPECT_FALSE(parse_name<NotifyType>("NO_SUCH_NOTIFY").has_value());
}

TEST(Registry, UnknownAndPrivateValuesAreLabelledByNumber) {
  EXPECT_EQ(label(static_cast<NotifyType>(5000)), "UNKNOWN(5000)");
  EXPECT_EQ(label(static_cast<NotifyType>(12345)), "PRIVATE_USE(12345)");
  EXPECT_EQ(label(static_cast<NotifyType>(40961)), "PRIVATE_USE(40961)");
  EXPECT_EQ(label(static_cast<CfgAttributeType>(28672)), "PRIVATE_USE(28672)");
  EXPECT_EQ(label(static_cast<PayloadType>(200)), "PRIVATE_USE(200)");
}

TEST(Registry, TransformIdsDependOnTransformType) {
  EXPECT_EQ(transform_id_name(TransformType::ENCR, 12), "ENCR_AES_CBC");
  EXPECT_EQ(transform_id_name(TransformType::PRF, 5), "PRF_HMAC_SHA2_256");
  EXPECT_EQ(transform_id_name(TransformType::INTEG, 12), "AUTH_HMAC_SHA2_256_128");
  EXPECT_EQ(transform_id_name(TransformType::DH, 31), "CURVE25519");
  EXPECT_EQ(transform_id_name(TransformType::ESN, 0), "NO_ESN");
  EXPECT_EQ(transform_id_name(static_cast<TransformType>(99), 1), "");
}

TEST(Registry, EveryEntryRoundTrips) {
  for (const auto& e : RegistryOf<NotifyType>::entries()) {
    EXPECT_EQ(name_of(static_cast<NotifyType>(e.value)), e.name);
    EXPECT_EQ(parse_name<NotifyType>(e.name), static_cast<NotifyType>(e.value));
  }
}

}  // namespace
}  // namespace ikeh::codec
