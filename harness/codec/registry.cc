// SPDX-License-Identifier: Apache-2.0
#include "harness/codec/registry.h"

#include <algorithm>
#include <cctype>

namespace ikeh::codec {

#define IKEH_CASE_ENTRY(name, value) \
  case value:                        \
    return #name;
#define IKEH_TABLE_ENTRY(name, value) {value, #name},

#define IKEH_DEFINE_REGISTRY(Enum, LIST)                                  \
  std::string_view name_of(Enum v) {                                      \
    switch (static_cast<uint32_t>(v)) {                                   \
      LIST(IKEH_CASE_ENTRY)                                               \
      default:                                                            \
        return {};                                                        \
    }                                                                     \
  }                                                                       \
  static constexpr RegistryEntry k##Enum##Entries[] = {LIST(IKEH_TABLE_ENTRY)}; \
  std::span<const RegistryEntry> RegistryOf<Enum>::entries() { return k##Enum##Entries; }

IKEH_DEFINE_REGISTRY(ExchangeType, IKEH_EXCHANGE_TYPES)
IKEH_DEFINE_REGISTRY(PayloadType, IKEH_PAYLOAD_TYPES)
IKEH_DEFINE_REGISTRY(NotifyType, IKEH_NOTIFY_TYPES)
IKEH_DEFINE_REGISTRY(TransformType, IKEH_TRANSFORM_TYPES)
IKEH_DEFINE_REGISTRY(EncrId, IKEH_ENCR_IDS)
IKEH_DEFINE_REGISTRY(PrfId, IKEH_PRF_IDS)
IKEH_DEFINE_REGISTRY(IntegId, IKEH_INTEG_IDS)
IKEH_DEFINE_REGISTRY(DhGroup, IKEH_DH_GROUPS)
IKEH_DEFINE_REGISTRY(EsnId, IKEH_ESN_IDS)
IKEH_DEFINE_REGISTRY(TransformAttributeType, IKEH_TRANSFORM_ATTRIBUTE_TYPES)
IKEH_DEFINE_REGISTRY(ProtocolId, IKEH_PROTOCOL_IDS)
IKEH_DEFINE_REGISTRY(IdType, IKEH_ID_TYPES)
IKEH_DEFINE_REGISTRY(CertEncoding, IKEH_CERT_ENCODINGS)
IKEH_DEFINE_REGISTRY(AuthMethod, IKEH_AUTH_METHODS)
IKEH_DEFINE_REGISTRY(CfgType, IKEH_CFG_TYPES)
IKEH_DEFINE_REGISTRY(CfgAttributeType, IKEH_CFG_ATTRIBUTE_TYPES)
IKEH_DEFINE_REGISTRY(TsType, IKEH_TS_TYPES)
IKEH_DEFINE_REGISTRY(HashAlgorithm, IKEH_HASH_ALGORITHMS)

namespace {

// Private-use ranges of the registries whose values would otherwise be
// reported as unknown.
bool is_private_use(PayloadType v) { return static_cast<uint8_t>(v) >= 128; }
bool is_private_use(NotifyType v) {
  auto n = static_cast<uint16_t>(v);
  return (n >= 8192 && n <= 16383) || n >= 40960;
}
bool is_private_use(ExchangeType v) { return static_cast<uint8_t>(v) >= 240; }
bool is_private_use(CfgAttributeType v) { return static_cast<uint16_t>(v) >= 16384; }
bool is_private_use(IdType v) { return static_cast<uint8_t>(v) >= 201; }
bool is_private_use(AuthMethod v) { return static_cast<uint8_t>(v) >= 201; }
bool is_private_use(CertEncoding v) { return static_cast<uint8_t>(v) >= 201; }
bool is_private_use(TsType v) { return static_cast<uint8_t>(v) >= 241; }
bool is_private_use(TransformType v) { return static_cast<uint8_t>(v) >= 241; }
bool is_private_use(ProtocolId v) { return static_cast<uint8_t>(v) >= 201; }
template <class E>
bool is_private_use(E v) {
  return static_cast<uint32_t>(v) >= 1024;  // transform IDs and the like
}

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() &&
         std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

}  // namespace

template <class E>
std::string label(E v) {
  auto n = name_of(v);
  if (!n.empty()) return std::string(n);
  auto num = std::to_string(static_cast<uint32_t>(v));
  return (is_private_use(v) ? "PRIVATE_USE(" : "UNKNOWN(") + num + ")";
}

template <class E>
std::optional<E> parse_name(std::string_view name) {
  for (const auto& e : RegistryOf<E>::entries())
    if (e.name == name) return static_cast<E>(e.value);
  for (const auto& e : RegistryOf<E>::entries())
    if (iequals(e.name, name)) return static_cast<E>(e.value);
  return std::nullopt;
}

#define IKEH_INSTANTIATE(Enum)                 \
  template std::string label<Enum>(Enum);      \
  template std::optional<Enum> parse_name<Enum>(std::string_view);
IKEH_INSTANTIATE(ExchangeType)
IKEH_INSTANTIATE(PayloadType)
IKEH_INSTANTIATE(NotifyType)
IKEH_INSTANTIATE(TransformType)
IKEH_INSTANTIATE(EncrId)
IKEH_INSTANTIATE(PrfId)
IKEH_INSTANTIATE(IntegId)
IKEH_INSTANTIATE(DhGroup)
IKEH_INSTANTIATE(EsnId)
IKEH_INSTANTIATE(TransformAttributeType)
IKEH_INSTANTIATE(ProtocolId)
IKEH_INSTANTIATE(IdType)
IKEH_INSTANTIATE(CertEncoding)
IKEH_INSTANTIATE(AuthMethod)
IKEH_INSTANTIATE(CfgType)
IKEH_INSTANTIATE(CfgAttributeType)
IKEH_INSTANTIATE(TsType)
IKEH_INSTANTIATE(HashAlgorithm)

std::string_view transform_id_name(TransformType type, uint16_t id) {
  Namer n = transform_id_namer(type);
  return n ? n(id) : std::string_view{};
}

}  // namespace ikeh::codec
