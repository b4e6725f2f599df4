// SPDX-License-Identifier: Apache-2.0
// IANA IKEv2 registries (RFC 7296 section 3 and the registries IANA keeps for
// it). Each registry is one X-macro list that generates both the enum and its
// names, so the two can never drift apart. Enums are open: any value of the
// underlying width is representable, and values without a name are kept and
// shown as numbers.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace ikeh::codec {

struct RegistryEntry {
  uint32_t value;
  std::string_view name;
};

// Specialised for every registry enum below: entries() lists the named values
// in numeric order, title is a human name for messages.
template <class E>
struct RegistryOf;

#define IKEH_ENUM_ENTRY(name, value) name = value,

#define IKEH_DECLARE_REGISTRY(Enum, Under, Title, LIST)                 \
  enum class Enum : Under { LIST(IKEH_ENUM_ENTRY) };                    \
  std::string_view name_of(Enum v);                                     \
  template <>                                                           \
  struct RegistryOf<Enum> {                                             \
    static std::span<const RegistryEntry> entries();                    \
    static constexpr std::string_view title = Title;                    \
  };

// RFC 7296 3.1, RFC 5723, RFC 7427 (G)IKEv2 exchange types.
#define IKEH_EXCHANGE_TYPES(X) \
  X(IKE_SA_INIT, 34)           \
  X(IKE_AUTH, 35)              \
  X(CREATE_CHILD_SA, 36)       \
  X(INFORMATIONAL, 37)         \
  X(IKE_SESSION_RESUME, 38)    \
  X(GSA_AUTH, 39)              \
  X(GSA_REGISTRATION, 40)      \
  X(GSA_REKEY, 41)             \
  X(IKE_INTERMEDIATE, 43)      \
  X(IKE_FOLLOWUP_KE, 44)
IKEH_DECLARE_REGISTRY(ExchangeType, uint8_t, "exchange type", IKEH_EXCHANGE_TYPES)

// RFC 7296 3.2 next payload types, RFC 7383 (SKF), RFC 8019 (PS), G-IKEv2.
// Names are the RFC's notation (as in "HDR, SK {IDi, AUTH, ...}").
#define IKEH_PAYLOAD_TYPES(X) \
  X(NONE, 0)                  \
  X(SA, 33)                   \
  X(KE, 34)                   \
  X(IDi, 35)                  \
  X(IDr, 36)                  \
  X(CERT, 37)                 \
  X(CERTREQ, 38)              \
  X(AUTH, 39)                 \
  X(NONCE, 40)                \
  X(N, 41)                    \
  X(D, 42)                    \
  X(V, 43)                    \
  X(TSi, 44)                  \
  X(TSr, 45)                  \
  X(SK, 46)                   \
  X(CP, 47)                   \
  X(EAP, 48)                  \
  X(GSPM, 49)                 \
  X(IDg, 50)                  \
  X(GSA, 51)                  \
  X(KD, 52)                   \
  X(SKF, 53)                  \
  X(PS, 54)
IKEH_DECLARE_REGISTRY(PayloadType, uint8_t, "payload type", IKEH_PAYLOAD_TYPES)

// RFC 7296 3.10.1 and later RFCs: error types (< 16384) and status types.
#define IKEH_NOTIFY_TYPES(X)                   \
  X(UNSUPPORTED_CRITICAL_PAYLOAD, 1)           \
  X(INVALID_IKE_SPI, 4)                        \
  X(INVALID_MAJOR_VERSION, 5)                  \
  X(INVALID_SYNTAX, 7)                         \
  X(INVALID_MESSAGE_ID, 9)                     \
  X(INVALID_SPI, 11)                           \
  X(NO_PROPOSAL_CHOSEN, 14)                    \
  X(INVALID_KE_PAYLOAD, 17)                    \
  X(AUTHENTICATION_FAILED, 24)                 \
  X(SINGLE_PAIR_REQUIRED, 34)                  \
  X(NO_ADDITIONAL_SAS, 35)                     \
  X(INTERNAL_ADDRESS_FAILURE, 36)              \
  X(FAILED_CP_REQUIRED, 37)                    \
  X(TS_UNACCEPTABLE, 38)                       \
  X(INVALID_SELECTORS, 39)                     \
  X(UNACCEPTABLE_ADDRESSES, 40)                \
  X(UNEXPECTED_NAT_DETECTED, 41)               \
  X(USE_ASSIGNED_HoA, 42)                      \
  X(TEMPORARY_FAILURE, 43)                     \
  X(CHILD_SA_NOT_FOUND, 44)                    \
  X(INVALID_GROUP_ID, 45)                      \
  X(AUTHORIZATION_FAILED, 46)                  \
  X(STATE_NOT_FOUND, 47)                       \
  X(TS_MAX_QUEUE, 48)                          \
  X(INITIAL_CONTACT, 16384)                    \
  X(SET_WINDOW_SIZE, 16385)                    \
  X(ADDITIONAL_TS_POSSIBLE, 16386)             \
  X(IPCOMP_SUPPORTED, 16387)                   \
  X(NAT_DETECTION_SOURCE_IP, 16388)            \
  X(NAT_DETECTION_DESTINATION_IP, 16389)       \
  X(COOKIE, 16390)                             \
  X(USE_TRANSPORT_MODE, 16391)                 \
  X(HTTP_CERT_LOOKUP_SUPPORTED, 16392)         \
  X(REKEY_SA, 16393)                           \
  X(ESP_TFC_PADDING_NOT_SUPPORTED, 16394)      \
  X(NON_FIRST_FRAGMENTS_ALSO, 16395)           \
  X(MOBIKE_SUPPORTED, 16396)                   \
  X(ADDITIONAL_IP4_ADDRESS, 16397)             \
  X(ADDITIONAL_IP6_ADDRESS, 16398)             \
  X(NO_ADDITIONAL_ADDRESSES, 16399)            \
  X(UPDATE_SA_ADDRESSES, 16400)                \
  X(COOKIE2, 16401)                            \
  X(NO_NATS_ALLOWED, 16402)                    \
  X(AUTH_LIFETIME, 16403)                      \
  X(MULTIPLE_AUTH_SUPPORTED, 16404)            \
  X(ANOTHER_AUTH_FOLLOWS, 16405)               \
  X(REDIRECT_SUPPORTED, 16406)                 \
  X(REDIRECT, 16407)                           \
  X(REDIRECTED_FROM, 16408)                    \
  X(TICKET_LT_OPAQUE, 16409)                   \
  X(TICKET_REQUEST, 16410)                     \
  X(TICKET_ACK, 16411)                         \
  X(TICKET_NACK, 16412)                        \
  X(TICKET_OPAQUE, 16413)                      \
  X(LINK_ID, 16414)                            \
  X(USE_WESP_MODE, 16415)                      \
  X(ROHC_SUPPORTED, 16416)                     \
  X(EAP_ONLY_AUTHENTICATION, 16417)            \
  X(CHILDLESS_IKEV2_SUPPORTED, 16418)          \
  X(QUICK_CRASH_DETECTION, 16419)              \
  X(IKEV2_MESSAGE_ID_SYNC_SUPPORTED, 16420)    \
  X(IPSEC_REPLAY_COUNTER_SYNC_SUPPORTED, 16421) \
  X(IKEV2_MESSAGE_ID_SYNC, 16422)              \
  X(IPSEC_REPLAY_COUNTER_SYNC, 16423)          \
  X(SECURE_PASSWORD_METHODS, 16424)            \
  X(PSK_PERSIST, 16425)                        \
  X(PSK_CONFIRM, 16426)                        \
  X(ERX_SUPPORTED, 16427)                      \
  X(IFOM_CAPABILITY, 16428)                    \
  X(SENDER_REQUEST_ID, 16429)                  \
  X(IKEV2_FRAGMENTATION_SUPPORTED, 16430)      \
  X(SIGNATURE_HASH_ALGORITHMS, 16431)          \
  X(CLONE_IKE_SA_SUPPORTED, 16432)             \
  X(CLONE_IKE_SA, 16433)                       \
  X(PUZZLE, 16434)                             \
  X(USE_PPK, 16435)                            \
  X(PPK_IDENTITY, 16436)                       \
  X(NO_PPK_AUTH, 16437)                        \
  X(INTERMEDIATE_EXCHANGE_SUPPORTED, 16438)    \
  X(IP4_ALLOWED, 16439)                        \
  X(IP6_ALLOWED, 16440)                        \
  X(ADDITIONAL_KEY_EXCHANGE, 16441)            \
  X(USE_AGGFRAG, 16442)                        \
  X(SUPPORTED_AUTH_METHODS, 16443)             \
  X(SA_RESOURCE_INFO, 16444)                   \
  X(USE_PPK_INT, 16445)                        \
  X(PPK_IDENTITY_KEY, 16446)
IKEH_DECLARE_REGISTRY(NotifyType, uint16_t, "notify type", IKEH_NOTIFY_TYPES)

// RFC 7296 3.3.2 transform types; 6-12 are RFC 9370 additional key exchanges.
#define IKEH_TRANSFORM_TYPES(X) \
  X(ENCR, 1)                    \
  X(PRF, 2)                     \
  X(INTEG, 3)                   \
  X(DH, 4)                      \
  X(ESN, 5)                     \
  X(ADDKE1, 6)                  \
  X(ADDKE2, 7)                  \
  X(ADDKE3, 8)                  \
  X(ADDKE4, 9)                  \
  X(ADDKE5, 10)                 \
  X(ADDKE6, 11)                 \
  X(ADDKE7, 12)
IKEH_DECLARE_REGISTRY(TransformType, uint8_t, "transform type", IKEH_TRANSFORM_TYPES)

// Transform type 1.
#define IKEH_ENCR_IDS(X)               \
  X(ENCR_DES_IV64, 1)                  \
  X(ENCR_DES, 2)                       \
  X(ENCR_3DES, 3)                      \
  X(ENCR_RC5, 4)                       \
  X(ENCR_IDEA, 5)                      \
  X(ENCR_CAST, 6)                      \
  X(ENCR_BLOWFISH, 7)                  \
  X(ENCR_3IDEA, 8)                     \
  X(ENCR_DES_IV32, 9)                  \
  X(ENCR_NULL, 11)                     \
  X(ENCR_AES_CBC, 12)                  \
  X(ENCR_AES_CTR, 13)                  \
  X(ENCR_AES_CCM_8, 14)                \
  X(ENCR_AES_CCM_12, 15)               \
  X(ENCR_AES_CCM_16, 16)               \
  X(ENCR_AES_GCM_8, 18)                \
  X(ENCR_AES_GCM_12, 19)               \
  X(ENCR_AES_GCM_16, 20)               \
  X(ENCR_NULL_AUTH_AES_GMAC, 21)       \
  X(ENCR_CAMELLIA_CBC, 23)             \
  X(ENCR_CAMELLIA_CTR, 24)             \
  X(ENCR_CAMELLIA_CCM_8, 25)           \
  X(ENCR_CAMELLIA_CCM_12, 26)          \
  X(ENCR_CAMELLIA_CCM_16, 27)          \
  X(ENCR_CHACHA20_POLY1305, 28)        \
  X(ENCR_AES_CCM_8_IIV, 29)            \
  X(ENCR_AES_GCM_16_IIV, 30)           \
  X(ENCR_CHACHA20_POLY1305_IIV, 31)    \
  X(ENCR_KUZNYECHIK_MGM_KTREE, 32)     \
  X(ENCR_MAGMA_MGM_KTREE, 33)          \
  X(ENCR_KUZNYECHIK_MGM_MAC_KTREE, 34) \
  X(ENCR_MAGMA_MGM_MAC_KTREE, 35)
IKEH_DECLARE_REGISTRY(EncrId, uint16_t, "encryption algorithm", IKEH_ENCR_IDS)

// Transform type 2.
#define IKEH_PRF_IDS(X)        \
  X(PRF_HMAC_MD5, 1)           \
  X(PRF_HMAC_SHA1, 2)          \
  X(PRF_HMAC_TIGER, 3)         \
  X(PRF_AES128_XCBC, 4)        \
  X(PRF_HMAC_SHA2_256, 5)      \
  X(PRF_HMAC_SHA2_384, 6)      \
  X(PRF_HMAC_SHA2_512, 7)      \
  X(PRF_AES128_CMAC, 8)        \
  X(PRF_HMAC_STREEBOG_512, 9)
IKEH_DECLARE_REGISTRY(PrfId, uint16_t, "pseudorandom function", IKEH_PRF_IDS)

// Transform type 3.
#define IKEH_INTEG_IDS(X)         \
  X(AUTH_NONE, 0)                 \
  X(AUTH_HMAC_MD5_96, 1)          \
  X(AUTH_HMAC_SHA1_96, 2)         \
  X(AUTH_DES_MAC, 3)              \
  X(AUTH_KPDK_MD5, 4)             \
  X(AUTH_AES_XCBC_96, 5)          \
  X(AUTH_HMAC_MD5_128, 6)         \
  X(AUTH_HMAC_SHA1_160, 7)        \
  X(AUTH_AES_CMAC_96, 8)          \
  X(AUTH_AES_128_GMAC, 9)         \
  X(AUTH_AES_192_GMAC, 10)        \
  X(AUTH_AES_256_GMAC, 11)        \
  X(AUTH_HMAC_SHA2_256_128, 12)   \
  X(AUTH_HMAC_SHA2_384_192, 13)   \
  X(AUTH_HMAC_SHA2_512_256, 14)
IKEH_DECLARE_REGISTRY(IntegId, uint16_t, "integrity algorithm", IKEH_INTEG_IDS)

// Transform type 4 (and 6-12): key exchange methods, formerly D-H groups.
#define IKEH_DH_GROUPS(X)      \
  X(NONE, 0)                   \
  X(MODP_768, 1)               \
  X(MODP_1024, 2)              \
  X(MODP_1536, 5)              \
  X(MODP_2048, 14)             \
  X(MODP_3072, 15)             \
  X(MODP_4096, 16)             \
  X(MODP_6144, 17)             \
  X(MODP_8192, 18)             \
  X(ECP_256, 19)               \
  X(ECP_384, 20)               \
  X(ECP_521, 21)               \
  X(MODP_1024_160, 22)         \
  X(MODP_2048_224, 23)         \
  X(MODP_2048_256, 24)         \
  X(ECP_192, 25)               \
  X(ECP_224, 26)               \
  X(BRAINPOOLP224R1, 27)       \
  X(BRAINPOOLP256R1, 28)       \
  X(BRAINPOOLP384R1, 29)       \
  X(BRAINPOOLP512R1, 30)       \
  X(CURVE25519, 31)            \
  X(CURVE448, 32)              \
  X(GOST3410_2012_256, 33)     \
  X(GOST3410_2012_512, 34)     \
  X(ML_KEM_512, 35)            \
  X(ML_KEM_768, 36)            \
  X(ML_KEM_1024, 37)
IKEH_DECLARE_REGISTRY(DhGroup, uint16_t, "key exchange method", IKEH_DH_GROUPS)

// Transform type 5.
#define IKEH_ESN_IDS(X) \
  X(NO_ESN, 0)          \
  X(ESN, 1)
IKEH_DECLARE_REGISTRY(EsnId, uint16_t, "extended sequence numbers", IKEH_ESN_IDS)

// RFC 7296 3.3.5 transform attribute types.
#define IKEH_TRANSFORM_ATTRIBUTE_TYPES(X) X(KEY_LENGTH, 14)
IKEH_DECLARE_REGISTRY(TransformAttributeType, uint16_t, "transform attribute type",
                      IKEH_TRANSFORM_ATTRIBUTE_TYPES)

// RFC 7296 3.3.1 security protocol identifiers (0 is used in Notify).
#define IKEH_PROTOCOL_IDS(X) \
  X(NONE, 0)                 \
  X(IKE, 1)                  \
  X(AH, 2)                   \
  X(ESP, 3)                  \
  X(FC_ESP_HEADER, 4)        \
  X(FC_CT_AUTHENTICATION, 5)
IKEH_DECLARE_REGISTRY(ProtocolId, uint8_t, "protocol id", IKEH_PROTOCOL_IDS)

// RFC 7296 3.5, RFC 4595, RFC 7619 identification types.
#define IKEH_ID_TYPES(X)  \
  X(ID_IPV4_ADDR, 1)      \
  X(ID_FQDN, 2)           \
  X(ID_RFC822_ADDR, 3)    \
  X(ID_IPV6_ADDR, 5)      \
  X(ID_DER_ASN1_DN, 9)    \
  X(ID_DER_ASN1_GN, 10)   \
  X(ID_KEY_ID, 11)        \
  X(ID_FC_NAME, 12)       \
  X(ID_NULL, 13)
IKEH_DECLARE_REGISTRY(IdType, uint8_t, "identification type", IKEH_ID_TYPES)

// RFC 7296 3.6 certificate encodings (also used by CERTREQ).
#define IKEH_CERT_ENCODINGS(X)           \
  X(PKCS7_WRAPPED_X509, 1)               \
  X(PGP, 2)                              \
  X(DNS_SIGNED_KEY, 3)                   \
  X(X509_SIGNATURE, 4)                   \
  X(KERBEROS_TOKEN, 6)                   \
  X(CRL, 7)                              \
  X(ARL, 8)                              \
  X(SPKI, 9)                             \
  X(X509_ATTRIBUTE, 10)                  \
  X(RAW_RSA_KEY, 11)                     \
  X(HASH_URL_X509_CERT, 12)              \
  X(HASH_URL_X509_BUNDLE, 13)            \
  X(OCSP_CONTENT, 14)                    \
  X(RAW_PUBLIC_KEY, 15)
IKEH_DECLARE_REGISTRY(CertEncoding, uint8_t, "certificate encoding", IKEH_CERT_ENCODINGS)

// RFC 7296 3.8, RFC 7427, RFC 7619 authentication methods.
#define IKEH_AUTH_METHODS(X)          \
  X(RSA_DIGITAL_SIGNATURE, 1)         \
  X(SHARED_KEY_MIC, 2)                \
  X(DSS_DIGITAL_SIGNATURE, 3)         \
  X(ECDSA_SHA256_P256, 9)             \
  X(ECDSA_SHA384_P384, 10)            \
  X(ECDSA_SHA512_P521, 11)            \
  X(GENERIC_SECURE_PASSWORD, 12)      \
  X(NULL_AUTH, 13)                    \
  X(DIGITAL_SIGNATURE, 14)
IKEH_DECLARE_REGISTRY(AuthMethod, uint8_t, "authentication method", IKEH_AUTH_METHODS)

// RFC 7296 3.15 configuration payload types.
#define IKEH_CFG_TYPES(X) \
  X(CFG_REQUEST, 1)       \
  X(CFG_REPLY, 2)         \
  X(CFG_SET, 3)           \
  X(CFG_ACK, 4)
IKEH_DECLARE_REGISTRY(CfgType, uint8_t, "configuration type", IKEH_CFG_TYPES)

// RFC 7296 3.15.1 and later RFCs: configuration attribute types (15 bits;
// 16384-32767 are private use and kept as numbers).
#define IKEH_CFG_ATTRIBUTE_TYPES(X)             \
  X(INTERNAL_IP4_ADDRESS, 1)                    \
  X(INTERNAL_IP4_NETMASK, 2)                    \
  X(INTERNAL_IP4_DNS, 3)                        \
  X(INTERNAL_IP4_NBNS, 4)                       \
  X(INTERNAL_IP4_DHCP, 6)                       \
  X(APPLICATION_VERSION, 7)                     \
  X(INTERNAL_IP6_ADDRESS, 8)                    \
  X(INTERNAL_IP6_DNS, 10)                       \
  X(INTERNAL_IP6_DHCP, 12)                      \
  X(INTERNAL_IP4_SUBNET, 13)                    \
  X(SUPPORTED_ATTRIBUTES, 14)                   \
  X(INTERNAL_IP6_SUBNET, 15)                    \
  X(MIP6_HOME_PREFIX, 16)                       \
  X(INTERNAL_IP6_LINK, 17)                      \
  X(INTERNAL_IP6_PREFIX, 18)                    \
  X(HOME_AGENT_ADDRESS, 19)                     \
  X(P_CSCF_IP4_ADDRESS, 20)                     \
  X(P_CSCF_IP6_ADDRESS, 21)                     \
  X(FTT_KAT, 22)                                \
  X(EXTERNAL_SOURCE_IP4_NAT_INFO, 23)           \
  X(TIMEOUT_PERIOD_FOR_LIVENESS_CHECK, 24)      \
  X(INTERNAL_DNS_DOMAIN, 25)                    \
  X(INTERNAL_DNSSEC_TA, 26)
IKEH_DECLARE_REGISTRY(CfgAttributeType, uint16_t, "configuration attribute type",
                      IKEH_CFG_ATTRIBUTE_TYPES)

// RFC 7296 3.13.1, RFC 4595, RFC 9478 traffic selector types.
#define IKEH_TS_TYPES(X)       \
  X(TS_IPV4_ADDR_RANGE, 7)     \
  X(TS_IPV6_ADDR_RANGE, 8)     \
  X(TS_FC_ADDR_RANGE, 9)       \
  X(TS_SECLABEL, 10)
IKEH_DECLARE_REGISTRY(TsType, uint8_t, "traffic selector type", IKEH_TS_TYPES)

// RFC 7427 4 hash algorithms (SIGNATURE_HASH_ALGORITHMS notify data).
#define IKEH_HASH_ALGORITHMS(X) \
  X(SHA1, 1)                    \
  X(SHA2_256, 2)                \
  X(SHA2_384, 3)                \
  X(SHA2_512, 4)                \
  X(IDENTITY, 5)
IKEH_DECLARE_REGISTRY(HashAlgorithm, uint16_t, "hash algorithm", IKEH_HASH_ALGORITHMS)

#undef IKEH_DECLARE_REGISTRY

// The name of a transform ID, which depends on the transform type; empty when
// unknown.
std::string_view transform_id_name(TransformType type, uint16_t id);

// "IKE_AUTH" for a known value, "UNKNOWN(99)" otherwise. Private-use ranges are
// marked: "PRIVATE_USE(40961)".
template <class E>
std::string label(E v);

// Looks a name up in a registry (exact match, then case-insensitive).
template <class E>
std::optional<E> parse_name(std::string_view name);

// Notify types below 16384 report errors (RFC 7296 3.10.1).
inline bool is_error(NotifyType t) { return static_cast<uint16_t>(t) < 16384; }

// Type-erased naming used by generic field descriptions: the name of a raw
// value under some registry, empty when unknown.
using Namer = std::string_view (*)(uint32_t);
template <class E>
std::string_view name_raw(uint32_t v) {
  return name_of(static_cast<E>(v));
}
inline Namer transform_id_namer(TransformType type) {
  switch (type) {
    case TransformType::ENCR: return &name_raw<EncrId>;
    case TransformType::PRF: return &name_raw<PrfId>;
    case TransformType::INTEG: return &name_raw<IntegId>;
    case TransformType::DH:
    case TransformType::ADDKE1:
    case TransformType::ADDKE2:
    case TransformType::ADDKE3:
    case TransformType::ADDKE4:
    case TransformType::ADDKE5:
    case TransformType::ADDKE6:
    case TransformType::ADDKE7: return &name_raw<DhGroup>;
    case TransformType::ESN: return &name_raw<EsnId>;
  }
  return nullptr;
}

}  // namespace ikeh::codec
