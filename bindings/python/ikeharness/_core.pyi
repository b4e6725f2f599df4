"""
ikeharness C++ core: codec, crypto, engine, scenarios, captures and reports
"""
from __future__ import annotations
import collections.abc
import enum
import os
import typing
import typing_extensions
__all__: list[str] = ['AuthMethod', 'AuthPayload', 'CaptureFrame', 'CaptureOptions', 'CaptureReader', 'CertEncoding', 'CertPayload', 'CertReqPayload', 'CfgAttribute', 'CfgAttributeType', 'CfgSetOutcome', 'CfgType', 'ChildSaInfo', 'ChildSaKeys', 'ChildSaState', 'CipherMode', 'CpPayload', 'Datagram', 'DatagramKind', 'DeletePayload', 'DhGroup', 'EapPayload', 'EncrId', 'EncrInfo', 'Endpoint', 'EndpointConfig', 'EngineConfig', 'EsnId', 'Event', 'EventKind', 'ExchangeType', 'ExpectedVerdict', 'FLAG_INITIATOR', 'FLAG_RESPONSE', 'FLAG_VERSION', 'FrameKind', 'HEADER_SIZE', 'HashAlgorithm', 'Header', 'Hub', 'HubConfig', 'HubEvent', 'HubInterface', 'HubPolicy', 'HubRoute', 'HubSession', 'IKE_PORT', 'IdPayload', 'IdType', 'IkeSaInfo', 'IkeSaKeys', 'IkeSaState', 'IntegId', 'IntegInfo', 'KePayload', 'KeySuite', 'KeyTable', 'KeyTableEntry', 'Message', 'NAT_T_PORT', 'NetworkConfig', 'NoncePayload', 'NotifyPayload', 'NotifyType', 'OpenedSk', 'Payload', 'PayloadList', 'PayloadType', 'PeerDeviation', 'PeerKind', 'PeerProfile', 'PrfId', 'PrfInfo', 'Proposal', 'ProtectFaults', 'ProtocolId', 'Route', 'RunOptions', 'RunResult', 'SaPayload', 'Scenario', 'ScenarioResult', 'Secret', 'SecretRef', 'SkDecryptor', 'SkKeys', 'SkPayload', 'SkfPayload', 'Spoke', 'SpokeEvent', 'SpokeRoute', 'SpokeSession', 'SteppedDatagram', 'SteppedEngine', 'TrafficSelector', 'Transform', 'TransformAttribute', 'TransformAttributeType', 'TransformType', 'TsPayload', 'TsType', 'UnknownPayload', 'Unprotected', 'VendorIdPayload', 'Verdict', 'VerdictCounts', 'VirtualClock', 'classify_cfg_ack', 'classify_udp', 'count_verdicts', 'decode_body', 'decode_header', 'decode_message', 'decode_payloads', 'derive_child_sa_keys', 'derive_ike_sa_keys', 'empty_body', 'encode_body', 'encode_message', 'encode_payloads', 'encr_info', 'expected_verdict_name', 'flexvpn_supported_vid', 'format_key_table', 'format_key_table_row', 'hub_engine_config', 'integ_info', 'is_understood', 'kGroupNameAttribute', 'kGroupPasswordAttribute', 'keys_for', 'load_endpoint_config', 'load_engine_config', 'load_hub_config', 'load_peer_profile', 'load_scenario', 'load_scenarios', 'make_key_table_entry', 'make_message', 'make_nonce', 'make_notify', 'make_suite', 'make_vendor_id', 'parse_endpoint_config', 'parse_engine_config', 'parse_hub_config', 'parse_key_table', 'parse_peer_profile', 'parse_scenario', 'prf', 'prf_info', 'prf_plus', 'prf_prf', 'protect', 'protect_fragments', 'read_key_table', 'resolve_peer', 'run_all', 'run_scenario', 'run_to_json', 'self_profile', 'skeyseed', 'skeyseed_rekey', 'spoke_engine_config', 'summary', 'to_hex', 'unprotect', 'verdict_name', 'write_html', 'write_junit', 'write_results_json']
class ExchangeType(enum.IntEnum):
    """
    IANA registry: exchange type (an IntEnum; fields also accept and may hold plain ints for values without a name).
    """
    CREATE_CHILD_SA = ...
    GSA_AUTH = ...
    GSA_REGISTRATION = ...
    GSA_REKEY = ...
    IKE_AUTH = ...
    IKE_FOLLOWUP_KE = ...
    IKE_INTERMEDIATE = ...
    IKE_SA_INIT = ...
    IKE_SESSION_RESUME = ...
    INFORMATIONAL = ...
    @classmethod
    def __new__(cls, value):
        ...
    def __format__(self, format_spec):
        ...
class PayloadType(enum.IntEnum):
    """
    IANA registry: payload type (an IntEnum; fields also accept and may hold plain ints for values without a name).
    """
    AUTH = ...
    CERT = ...
    CERTREQ = ...
    CP = ...
    D = ...
    EAP = ...
    GSA = ...
    GSPM = ...
    IDg = ...
    IDi = ...
    IDr = ...
    KD = ...
    KE = ...
    N = ...
    NONCE = ...
    NONE = ...
    PS = ...
    SA = ...
    SK = ...
    SKF = ...
    TSi = ...
    TSr = ...
    V = ...
    @classmethod
    def __new__(cls, value):
        ...
    def __format__(self, format_spec):
        ...
class NotifyType(enum.IntEnum):
    """
    IANA registry: notify type (an IntEnum; fields also accept and may hold plain ints for values without a name).
    """
    ADDITIONAL_IP4_ADDRESS = ...
    ADDITIONAL_IP6_ADDRESS = ...
    ADDITIONAL_KEY_EXCHANGE = ...
    ADDITIONAL_TS_POSSIBLE = ...
    ANOTHER_AUTH_FOLLOWS = ...
    AUTHENTICATION_FAILED = ...
    AUTHORIZATION_FAILED = ...
    AUTH_LIFETIME = ...
    CHILDLESS_IKEV2_SUPPORTED = ...
    CHILD_SA_NOT_FOUND = ...
    CLONE_IKE_SA = ...
    CLONE_IKE_SA_SUPPORTED = ...
    COOKIE = ...
    COOKIE2 = ...
    EAP_ONLY_AUTHENTICATION = ...
    ERX_SUPPORTED = ...
    ESP_TFC_PADDING_NOT_SUPPORTED = ...
    FAILED_CP_REQUIRED = ...
    HTTP_CERT_LOOKUP_SUPPORTED = ...
    IFOM_CAPABILITY = ...
    IKEV2_FRAGMENTATION_SUPPORTED = ...
    IKEV2_MESSAGE_ID_SYNC = ...
    IKEV2_MESSAGE_ID_SYNC_SUPPORTED = ...
    INITIAL_CONTACT = ...
    INTERMEDIATE_EXCHANGE_SUPPORTED = ...
    INTERNAL_ADDRESS_FAILURE = ...
    INVALID_GROUP_ID = ...
    INVALID_IKE_SPI = ...
    INVALID_KE_PAYLOAD = ...
    INVALID_MAJOR_VERSION = ...
    INVALID_MESSAGE_ID = ...
    INVALID_SELECTORS = ...
    INVALID_SPI = ...
    INVALID_SYNTAX = ...
    IP4_ALLOWED = ...
    IP6_ALLOWED = ...
    IPCOMP_SUPPORTED = ...
    IPSEC_REPLAY_COUNTER_SYNC = ...
    IPSEC_REPLAY_COUNTER_SYNC_SUPPORTED = ...
    LINK_ID = ...
    MOBIKE_SUPPORTED = ...
    MULTIPLE_AUTH_SUPPORTED = ...
    NAT_DETECTION_DESTINATION_IP = ...
    NAT_DETECTION_SOURCE_IP = ...
    NON_FIRST_FRAGMENTS_ALSO = ...
    NO_ADDITIONAL_ADDRESSES = ...
    NO_ADDITIONAL_SAS = ...
    NO_NATS_ALLOWED = ...
    NO_PPK_AUTH = ...
    NO_PROPOSAL_CHOSEN = ...
    PPK_IDENTITY = ...
    PPK_IDENTITY_KEY = ...
    PSK_CONFIRM = ...
    PSK_PERSIST = ...
    PUZZLE = ...
    QUICK_CRASH_DETECTION = ...
    REDIRECT = ...
    REDIRECTED_FROM = ...
    REDIRECT_SUPPORTED = ...
    REKEY_SA = ...
    ROHC_SUPPORTED = ...
    SA_RESOURCE_INFO = ...
    SECURE_PASSWORD_METHODS = ...
    SENDER_REQUEST_ID = ...
    SET_WINDOW_SIZE = ...
    SIGNATURE_HASH_ALGORITHMS = ...
    SINGLE_PAIR_REQUIRED = ...
    STATE_NOT_FOUND = ...
    SUPPORTED_AUTH_METHODS = ...
    TEMPORARY_FAILURE = ...
    TICKET_ACK = ...
    TICKET_LT_OPAQUE = ...
    TICKET_NACK = ...
    TICKET_OPAQUE = ...
    TICKET_REQUEST = ...
    TS_MAX_QUEUE = ...
    TS_UNACCEPTABLE = ...
    UNACCEPTABLE_ADDRESSES = ...
    UNEXPECTED_NAT_DETECTED = ...
    UNSUPPORTED_CRITICAL_PAYLOAD = ...
    UPDATE_SA_ADDRESSES = ...
    USE_AGGFRAG = ...
    USE_ASSIGNED_HoA = ...
    USE_PPK = ...
    USE_PPK_INT = ...
    USE_TRANSPORT_MODE = ...
    USE_WESP_MODE = ...
    @classmethod
    def __new__(cls, value):
        ...
    def __format__(self, format_spec):
        ...
class TransformType(enum.IntEnum):
    """
    IANA registry: transform type (an IntEnum; fields also accept and may hold plain ints for values without a name).
    """
    ADDKE1 = ...
    ADDKE2 = ...
    ADDKE3 = ...
    ADDKE4 = ...
    ADDKE5 = ...
    ADDKE6 = ...
    ADDKE7 = ...
    DH = ...
    ENCR = ...
    ESN = ...
    INTEG = ...
    PRF = ...
    @classmethod
    def __new__(cls, value):
        ...
    def __format__(self, format_spec):
        ...
class EncrId(enum.IntEnum):
    """
    IANA registry: encryption algorithm (an IntEnum; fields also accept and may hold plain ints for values without a name).
    """
    ENCR_3DES = ...
    ENCR_3IDEA = ...
    ENCR_AES_CBC = ...
    ENCR_AES_CCM_12 = ...
    ENCR_AES_CCM_16 = ...
    ENCR_AES_CCM_8 = ...
    ENCR_AES_CCM_8_IIV = ...
    ENCR_AES_CTR = ...
    ENCR_AES_GCM_12 = ...
    ENCR_AES_GCM_16 = ...
    ENCR_AES_GCM_16_IIV = ...
    ENCR_AES_GCM_8 = ...
    ENCR_BLOWFISH = ...
    ENCR_CAMELLIA_CBC = ...
    ENCR_CAMELLIA_CCM_12 = ...
    ENCR_CAMELLIA_CCM_16 = ...
    ENCR_CAMELLIA_CCM_8 = ...
    ENCR_CAMELLIA_CTR = ...
    ENCR_CAST = ...
    ENCR_CHACHA20_POLY1305 = ...
    ENCR_CHACHA20_POLY1305_IIV = ...
    ENCR_DES = ...
    ENCR_DES_IV32 = ...
    ENCR_DES_IV64 = ...
    ENCR_IDEA = ...
    ENCR_KUZNYECHIK_MGM_KTREE = ...
    ENCR_KUZNYECHIK_MGM_MAC_KTREE = ...
    ENCR_MAGMA_MGM_KTREE = ...
    ENCR_MAGMA_MGM_MAC_KTREE = ...
    ENCR_NULL = ...
    ENCR_NULL_AUTH_AES_GMAC = ...
    ENCR_RC5 = ...
    @classmethod
    def __new__(cls, value):
        ...
    def __format__(self, format_spec):
        ...
class PrfId(enum.IntEnum):
    """
    IANA registry: pseudorandom function (an IntEnum; fields also accept and may hold plain ints for values without a name).
    """
    PRF_AES128_CMAC = ...
    PRF_AES128_XCBC = ...
    PRF_HMAC_MD5 = ...
    PRF_HMAC_SHA1 = ...
    PRF_HMAC_SHA2_256 = ...
    PRF_HMAC_SHA2_384 = ...
    PRF_HMAC_SHA2_512 = ...
    PRF_HMAC_STREEBOG_512 = ...
    PRF_HMAC_TIGER = ...
    @classmethod
    def __new__(cls, value):
        ...
    def __format__(self, format_spec):
        ...
class IntegId(enum.IntEnum):
    """
    IANA registry: integrity algorithm (an IntEnum; fields also accept and may hold plain ints for values without a name).
    """
    AUTH_AES_128_GMAC = ...
    AUTH_AES_192_GMAC = ...
    AUTH_AES_256_GMAC = ...
    AUTH_AES_CMAC_96 = ...
    AUTH_AES_XCBC_96 = ...
    AUTH_DES_MAC = ...
    AUTH_HMAC_MD5_128 = ...
    AUTH_HMAC_MD5_96 = ...
    AUTH_HMAC_SHA1_160 = ...
    AUTH_HMAC_SHA1_96 = ...
    AUTH_HMAC_SHA2_256_128 = ...
    AUTH_HMAC_SHA2_384_192 = ...
    AUTH_HMAC_SHA2_512_256 = ...
    AUTH_KPDK_MD5 = ...
    AUTH_NONE = ...
    @classmethod
    def __new__(cls, value):
        ...
    def __format__(self, format_spec):
        ...
class DhGroup(enum.IntEnum):
    """
    IANA registry: key exchange method (an IntEnum; fields also accept and may hold plain ints for values without a name).
    """
    BRAINPOOLP224R1 = ...
    BRAINPOOLP256R1 = ...
    BRAINPOOLP384R1 = ...
    BRAINPOOLP512R1 = ...
    CURVE25519 = ...
    CURVE448 = ...
    ECP_192 = ...
    ECP_224 = ...
    ECP_256 = ...
    ECP_384 = ...
    ECP_521 = ...
    GOST3410_2012_256 = ...
    GOST3410_2012_512 = ...
    ML_KEM_1024 = ...
    ML_KEM_512 = ...
    ML_KEM_768 = ...
    MODP_1024 = ...
    MODP_1024_160 = ...
    MODP_1536 = ...
    MODP_2048 = ...
    MODP_2048_224 = ...
    MODP_2048_256 = ...
    MODP_3072 = ...
    MODP_4096 = ...
    MODP_6144 = ...
    MODP_768 = ...
    MODP_8192 = ...
    NONE = ...
    @classmethod
    def __new__(cls, value):
        ...
    def __format__(self, format_spec):
        ...
class EsnId(enum.IntEnum):
    """
    IANA registry: extended sequence numbers (an IntEnum; fields also accept and may hold plain ints for values without a name).
    """
    ESN = ...
    NO_ESN = ...
    @classmethod
    def __new__(cls, value):
        ...
    def __format__(self, format_spec):
        ...
class TransformAttributeType(enum.IntEnum):
    """
    IANA registry: transform attribute type (an IntEnum; fields also accept and may hold plain ints for values without a name).
    """
    KEY_LENGTH = ...
    @classmethod
    def __new__(cls, value):
        ...
    def __format__(self, format_spec):
        ...
class ProtocolId(enum.IntEnum):
    """
    IANA registry: protocol id (an IntEnum; fields also accept and may hold plain ints for values without a name).
    """
    AH = ...
    ESP = ...
    FC_CT_AUTHENTICATION = ...
    FC_ESP_HEADER = ...
    IKE = ...
    NONE = ...
    @classmethod
    def __new__(cls, value):
        ...
    def __format__(self, format_spec):
        ...
class IdType(enum.IntEnum):
    """
    IANA registry: identification type (an IntEnum; fields also accept and may hold plain ints for values without a name).
    """
    ID_DER_ASN1_DN = ...
    ID_DER_ASN1_GN = ...
    ID_FC_NAME = ...
    ID_FQDN = ...
    ID_IPV4_ADDR = ...
    ID_IPV6_ADDR = ...
    ID_KEY_ID = ...
    ID_NULL = ...
    ID_RFC822_ADDR = ...
    @classmethod
    def __new__(cls, value):
        ...
    def __format__(self, format_spec):
        ...
class CertEncoding(enum.IntEnum):
    """
    IANA registry: certificate encoding (an IntEnum; fields also accept and may hold plain ints for values without a name).
    """
    ARL = ...
    CRL = ...
    DNS_SIGNED_KEY = ...
    HASH_URL_X509_BUNDLE = ...
    HASH_URL_X509_CERT = ...
    KERBEROS_TOKEN = ...
    OCSP_CONTENT = ...
    PGP = ...
    PKCS7_WRAPPED_X509 = ...
    RAW_PUBLIC_KEY = ...
    RAW_RSA_KEY = ...
    SPKI = ...
    X509_ATTRIBUTE = ...
    X509_SIGNATURE = ...
    @classmethod
    def __new__(cls, value):
        ...
    def __format__(self, format_spec):
        ...
class AuthMethod(enum.IntEnum):
    """
    IANA registry: authentication method (an IntEnum; fields also accept and may hold plain ints for values without a name).
    """
    DIGITAL_SIGNATURE = ...
    DSS_DIGITAL_SIGNATURE = ...
    ECDSA_SHA256_P256 = ...
    ECDSA_SHA384_P384 = ...
    ECDSA_SHA512_P521 = ...
    GENERIC_SECURE_PASSWORD = ...
    NULL_AUTH = ...
    RSA_DIGITAL_SIGNATURE = ...
    SHARED_KEY_MIC = ...
    @classmethod
    def __new__(cls, value):
        ...
    def __format__(self, format_spec):
        ...
class CfgType(enum.IntEnum):
    """
    IANA registry: configuration type (an IntEnum; fields also accept and may hold plain ints for values without a name).
    """
    CFG_ACK = ...
    CFG_REPLY = ...
    CFG_REQUEST = ...
    CFG_SET = ...
    @classmethod
    def __new__(cls, value):
        ...
    def __format__(self, format_spec):
        ...
class CfgAttributeType(enum.IntEnum):
    """
    IANA registry: configuration attribute type (an IntEnum; fields also accept and may hold plain ints for values without a name).
    """
    APPLICATION_VERSION = ...
    EXTERNAL_SOURCE_IP4_NAT_INFO = ...
    FTT_KAT = ...
    HOME_AGENT_ADDRESS = ...
    INTERNAL_DNSSEC_TA = ...
    INTERNAL_DNS_DOMAIN = ...
    INTERNAL_IP4_ADDRESS = ...
    INTERNAL_IP4_DHCP = ...
    INTERNAL_IP4_DNS = ...
    INTERNAL_IP4_NBNS = ...
    INTERNAL_IP4_NETMASK = ...
    INTERNAL_IP4_SUBNET = ...
    INTERNAL_IP6_ADDRESS = ...
    INTERNAL_IP6_DHCP = ...
    INTERNAL_IP6_DNS = ...
    INTERNAL_IP6_LINK = ...
    INTERNAL_IP6_PREFIX = ...
    INTERNAL_IP6_SUBNET = ...
    MIP6_HOME_PREFIX = ...
    P_CSCF_IP4_ADDRESS = ...
    P_CSCF_IP6_ADDRESS = ...
    SUPPORTED_ATTRIBUTES = ...
    TIMEOUT_PERIOD_FOR_LIVENESS_CHECK = ...
    @classmethod
    def __new__(cls, value):
        ...
    def __format__(self, format_spec):
        ...
class TsType(enum.IntEnum):
    """
    IANA registry: traffic selector type (an IntEnum; fields also accept and may hold plain ints for values without a name).
    """
    TS_FC_ADDR_RANGE = ...
    TS_IPV4_ADDR_RANGE = ...
    TS_IPV6_ADDR_RANGE = ...
    TS_SECLABEL = ...
    @classmethod
    def __new__(cls, value):
        ...
    def __format__(self, format_spec):
        ...
class HashAlgorithm(enum.IntEnum):
    """
    IANA registry: hash algorithm (an IntEnum; fields also accept and may hold plain ints for values without a name).
    """
    IDENTITY = ...
    SHA1 = ...
    SHA2_256 = ...
    SHA2_384 = ...
    SHA2_512 = ...
    @classmethod
    def __new__(cls, value):
        ...
    def __format__(self, format_spec):
        ...
class TransformAttribute:
    """
    Transform attribute (RFC 7296 3.3.5): TV form (tv=True, value) or TLV form (tv=False, data). A value object: copies are independent.
    """
    def __copy__(self) -> TransformAttribute:
        """
        A copy.
        """
    def __deepcopy__(self, memo: typing.Any) -> TransformAttribute:
        """
        A copy.
        """
    def __init__(self, **kwargs) -> None:
        """
        TransformAttribute(tv=True, type=14, value=0, length=None, data=b'').
        """
    @property
    def data(self) -> bytes:
        """
        TLV form: the value bytes.
        """
    @data.setter
    def data(self, arg1: typing.Any) -> None:
        ...
    @property
    def length(self) -> int | None:
        """
        TLV form: override of Attribute Length (None: computed).
        """
    @length.setter
    def length(self, arg0: typing.SupportsInt | typing.SupportsIndex | None) -> None:
        ...
    @property
    def tv(self) -> bool:
        """
        AF bit: True = type/value, False = type/length/value.
        """
    @tv.setter
    def tv(self, arg0: bool) -> None:
        ...
    @property
    def type(self) -> int:
        """
        Attribute type (15 bits; 14 = KEY_LENGTH).
        """
    @type.setter
    def type(self, arg0: typing.SupportsInt | typing.SupportsIndex) -> None:
        ...
    @property
    def value(self) -> int:
        """
        TV form: the 16-bit value.
        """
    @value.setter
    def value(self, arg0: typing.SupportsInt | typing.SupportsIndex) -> None:
        ...
class Transform:
    """
    Transform substructure (RFC 7296 3.3.2). A value object: copies are independent.
    """
    def __copy__(self) -> Transform:
        """
        A copy.
        """
    def __deepcopy__(self, memo: typing.Any) -> Transform:
        """
        A copy.
        """
    def __init__(self, **kwargs) -> None:
        """
        Transform(type=TransformType.ENCR, id=0, attributes=[], ...); key_length=N adds KEY_LENGTH.
        """
    @property
    def attributes(self) -> list[TransformAttribute]:
        """
        Attributes (a list copy; assign to change).
        """
    @attributes.setter
    def attributes(self, arg0: collections.abc.Sequence[TransformAttribute]) -> None:
        ...
    @property
    def id(self) -> int:
        """
        Transform ID (meaning depends on the type).
        """
    @id.setter
    def id(self, arg0: typing.SupportsInt | typing.SupportsIndex) -> None:
        ...
    @property
    def key_length(self) -> int | None:
        """
        The KEY_LENGTH attribute's value, or None; setting replaces it (None removes it).
        """
    @key_length.setter
    def key_length(self, arg1: typing.SupportsInt | typing.SupportsIndex | None) -> None:
        ...
    @property
    def last_substruc(self) -> int | None:
        """
        Override of Last Substruc (None: computed).
        """
    @last_substruc.setter
    def last_substruc(self, arg0: typing.SupportsInt | typing.SupportsIndex | None) -> None:
        ...
    @property
    def length(self) -> int | None:
        """
        Override of Transform Length (None: computed).
        """
    @length.setter
    def length(self, arg0: typing.SupportsInt | typing.SupportsIndex | None) -> None:
        ...
    @property
    def reserved1(self) -> int:
        """
        The reserved octet after Last Substruc.
        """
    @reserved1.setter
    def reserved1(self, arg0: typing.SupportsInt | typing.SupportsIndex) -> None:
        ...
    @property
    def reserved2(self) -> int:
        """
        The reserved octet after Transform Type.
        """
    @reserved2.setter
    def reserved2(self, arg0: typing.SupportsInt | typing.SupportsIndex) -> None:
        ...
    @property
    def type(self) -> typing.Any:
        """
        Transform type.
        """
    @type.setter
    def type(self, arg1: typing.Any) -> None:
        ...
class Proposal:
    """
    Proposal substructure (RFC 7296 3.3.1). A value object: copies are independent.
    """
    def __copy__(self) -> Proposal:
        """
        A copy.
        """
    def __deepcopy__(self, memo: typing.Any) -> Proposal:
        """
        A copy.
        """
    def __init__(self, **kwargs) -> None:
        """
        Proposal(number=None, protocol_id=ProtocolId.IKE, spi=b'', transforms=[], ...).
        """
    @property
    def last_substruc(self) -> int | None:
        """
        Override of Last Substruc (None: computed).
        """
    @last_substruc.setter
    def last_substruc(self, arg0: typing.SupportsInt | typing.SupportsIndex | None) -> None:
        ...
    @property
    def length(self) -> int | None:
        """
        Override of Proposal Length (None: computed).
        """
    @length.setter
    def length(self, arg0: typing.SupportsInt | typing.SupportsIndex | None) -> None:
        ...
    @property
    def num_transforms(self) -> int | None:
        """
        Override of Num Transforms (None: computed).
        """
    @num_transforms.setter
    def num_transforms(self, arg0: typing.SupportsInt | typing.SupportsIndex | None) -> None:
        ...
    @property
    def number(self) -> int | None:
        """
        Proposal Num override (None: position + 1).
        """
    @number.setter
    def number(self, arg0: typing.SupportsInt | typing.SupportsIndex | None) -> None:
        ...
    @property
    def protocol_id(self) -> typing.Any:
        """
        Protocol ID.
        """
    @protocol_id.setter
    def protocol_id(self, arg1: typing.Any) -> None:
        ...
    @property
    def reserved(self) -> int:
        """
        The reserved octet.
        """
    @reserved.setter
    def reserved(self, arg0: typing.SupportsInt | typing.SupportsIndex) -> None:
        ...
    @property
    def spi(self) -> bytes:
        """
        SPI.
        """
    @spi.setter
    def spi(self, arg1: typing.Any) -> None:
        ...
    @property
    def spi_size(self) -> int | None:
        """
        Override of SPI Size (None: computed).
        """
    @spi_size.setter
    def spi_size(self, arg0: typing.SupportsInt | typing.SupportsIndex | None) -> None:
        ...
    @property
    def transforms(self) -> list[Transform]:
        """
        Transforms (a list copy; assign to change).
        """
    @transforms.setter
    def transforms(self, arg0: collections.abc.Sequence[Transform]) -> None:
        ...
class TrafficSelector:
    """
    Traffic selector (RFC 7296 3.13.1). A value object: copies are independent.
    """
    def __copy__(self) -> TrafficSelector:
        """
        A copy.
        """
    def __deepcopy__(self, memo: typing.Any) -> TrafficSelector:
        """
        A copy.
        """
    def __init__(self, **kwargs) -> None:
        """
        TrafficSelector(ts_type=TsType.TS_IPV4_ADDR_RANGE, ip_protocol_id=0, start_port=0, end_port=65535, start_address=b'', end_address=b'', data=b'').
        """
    @property
    def data(self) -> bytes:
        """
        Body of selectors of other types.
        """
    @data.setter
    def data(self, arg1: typing.Any) -> None:
        ...
    @property
    def end_address(self) -> bytes:
        """
        Ending address (4 or 16 bytes).
        """
    @end_address.setter
    def end_address(self, arg1: typing.Any) -> None:
        ...
    @property
    def end_port(self) -> int:
        """
        End port.
        """
    @end_port.setter
    def end_port(self, arg0: typing.SupportsInt | typing.SupportsIndex) -> None:
        ...
    @property
    def ip_protocol_id(self) -> int:
        """
        IP protocol ID (0: any).
        """
    @ip_protocol_id.setter
    def ip_protocol_id(self, arg0: typing.SupportsInt | typing.SupportsIndex) -> None:
        ...
    @property
    def length(self) -> int | None:
        """
        Override of Selector Length (None: computed).
        """
    @length.setter
    def length(self, arg0: typing.SupportsInt | typing.SupportsIndex | None) -> None:
        ...
    @property
    def start_address(self) -> bytes:
        """
        Starting address (4 or 16 bytes).
        """
    @start_address.setter
    def start_address(self, arg1: typing.Any) -> None:
        ...
    @property
    def start_port(self) -> int:
        """
        Start port.
        """
    @start_port.setter
    def start_port(self, arg0: typing.SupportsInt | typing.SupportsIndex) -> None:
        ...
    @property
    def ts_type(self) -> typing.Any:
        """
        TS type.
        """
    @ts_type.setter
    def ts_type(self, arg1: typing.Any) -> None:
        ...
class CfgAttribute:
    """
    Configuration attribute (RFC 7296 3.15.1). A value object: copies are independent.
    """
    def __copy__(self) -> CfgAttribute:
        """
        A copy.
        """
    def __deepcopy__(self, memo: typing.Any) -> CfgAttribute:
        """
        A copy.
        """
    def __init__(self, **kwargs) -> None:
        """
        CfgAttribute(type=CfgAttributeType.INTERNAL_IP4_ADDRESS, value=b'', r_bit=False, length=None).
        """
    @property
    def length(self) -> int | None:
        """
        Override of Length (None: computed).
        """
    @length.setter
    def length(self, arg0: typing.SupportsInt | typing.SupportsIndex | None) -> None:
        ...
    @property
    def r_bit(self) -> bool:
        """
        The reserved bit before the type.
        """
    @r_bit.setter
    def r_bit(self, arg0: bool) -> None:
        ...
    @property
    def type(self) -> typing.Any:
        """
        Attribute type (15 bits).
        """
    @type.setter
    def type(self, arg1: typing.Any) -> None:
        ...
    @property
    def value(self) -> bytes:
        """
        Value (empty: please assign one).
        """
    @value.setter
    def value(self, arg1: typing.Any) -> None:
        ...
class UnknownPayload:
    """
    Body of a payload type the codec does not model: raw bytes.
    """
    def __copy__(self) -> UnknownPayload:
        """
        A copy.
        """
    def __deepcopy__(self, memo: typing.Any) -> UnknownPayload:
        """
        A copy.
        """
    def __init__(self, **kwargs) -> None:
        """
        UnknownPayload(data=b'').
        """
    @property
    def data(self) -> bytes:
        """
        The body bytes.
        """
    @data.setter
    def data(self, arg1: typing.Any) -> None:
        ...
class SaPayload:
    """
    Security Association body (RFC 7296 3.3).
    """
    def __copy__(self) -> SaPayload:
        """
        A copy.
        """
    def __deepcopy__(self, memo: typing.Any) -> SaPayload:
        """
        A copy.
        """
    def __init__(self, **kwargs) -> None:
        """
        SaPayload(proposals=[...]).
        """
    @property
    def proposals(self) -> list[Proposal]:
        """
        Proposals (a list copy; assign to change).
        """
    @proposals.setter
    def proposals(self, arg0: collections.abc.Sequence[Proposal]) -> None:
        ...
class KePayload:
    """
    Key Exchange body (RFC 7296 3.4).
    """
    def __copy__(self) -> KePayload:
        """
        A copy.
        """
    def __deepcopy__(self, memo: typing.Any) -> KePayload:
        """
        A copy.
        """
    def __init__(self, **kwargs) -> None:
        """
        KePayload(group=DhGroup.X, data=b'...', reserved=0).
        """
    @property
    def data(self) -> bytes:
        """
        Key exchange data.
        """
    @data.setter
    def data(self, arg1: typing.Any) -> None:
        ...
    @property
    def group(self) -> typing.Any:
        """
        Diffie-Hellman group (key exchange method).
        """
    @group.setter
    def group(self, arg1: typing.Any) -> None:
        ...
    @property
    def reserved(self) -> int:
        """
        The 16 reserved bits.
        """
    @reserved.setter
    def reserved(self, arg0: typing.SupportsInt | typing.SupportsIndex) -> None:
        ...
class IdPayload:
    """
    Identification body, IDi and IDr (RFC 7296 3.5).
    """
    def __copy__(self) -> IdPayload:
        """
        A copy.
        """
    def __deepcopy__(self, memo: typing.Any) -> IdPayload:
        """
        A copy.
        """
    def __init__(self, **kwargs) -> None:
        """
        IdPayload(id_type=IdType.X, data=b'...', reserved=0).
        """
    @property
    def data(self) -> bytes:
        """
        Identification data.
        """
    @data.setter
    def data(self, arg1: typing.Any) -> None:
        ...
    @property
    def id_type(self) -> typing.Any:
        """
        ID type.
        """
    @id_type.setter
    def id_type(self, arg1: typing.Any) -> None:
        ...
    @property
    def reserved(self) -> int:
        """
        The 24 reserved bits.
        """
    @reserved.setter
    def reserved(self, arg0: typing.SupportsInt | typing.SupportsIndex) -> None:
        ...
class CertPayload:
    """
    Certificate body (RFC 7296 3.6).
    """
    def __copy__(self) -> CertPayload:
        """
        A copy.
        """
    def __deepcopy__(self, memo: typing.Any) -> CertPayload:
        """
        A copy.
        """
    def __init__(self, **kwargs) -> None:
        """
        CertPayload(encoding=CertEncoding.X509_SIGNATURE, data=b'...').
        """
    @property
    def data(self) -> bytes:
        """
        Certificate data.
        """
    @data.setter
    def data(self, arg1: typing.Any) -> None:
        ...
    @property
    def encoding(self) -> typing.Any:
        """
        Certificate encoding.
        """
    @encoding.setter
    def encoding(self, arg1: typing.Any) -> None:
        ...
class CertReqPayload:
    """
    Certificate Request body (RFC 7296 3.7).
    """
    def __copy__(self) -> CertReqPayload:
        """
        A copy.
        """
    def __deepcopy__(self, memo: typing.Any) -> CertReqPayload:
        """
        A copy.
        """
    def __init__(self, **kwargs) -> None:
        """
        CertReqPayload(encoding=CertEncoding.X509_SIGNATURE, data=b'...').
        """
    @property
    def data(self) -> bytes:
        """
        Certification authority data.
        """
    @data.setter
    def data(self, arg1: typing.Any) -> None:
        ...
    @property
    def encoding(self) -> typing.Any:
        """
        Certificate encoding.
        """
    @encoding.setter
    def encoding(self, arg1: typing.Any) -> None:
        ...
class AuthPayload:
    """
    Authentication body (RFC 7296 3.8).
    """
    def __copy__(self) -> AuthPayload:
        """
        A copy.
        """
    def __deepcopy__(self, memo: typing.Any) -> AuthPayload:
        """
        A copy.
        """
    def __init__(self, **kwargs) -> None:
        """
        AuthPayload(method=AuthMethod.SHARED_KEY_MIC, data=b'...', reserved=0).
        """
    @property
    def data(self) -> bytes:
        """
        Authentication data.
        """
    @data.setter
    def data(self, arg1: typing.Any) -> None:
        ...
    @property
    def method(self) -> typing.Any:
        """
        Authentication method.
        """
    @method.setter
    def method(self, arg1: typing.Any) -> None:
        ...
    @property
    def reserved(self) -> int:
        """
        The 24 reserved bits.
        """
    @reserved.setter
    def reserved(self, arg0: typing.SupportsInt | typing.SupportsIndex) -> None:
        ...
class NoncePayload:
    """
    Nonce body (RFC 7296 3.9).
    """
    def __copy__(self) -> NoncePayload:
        """
        A copy.
        """
    def __deepcopy__(self, memo: typing.Any) -> NoncePayload:
        """
        A copy.
        """
    def __init__(self, **kwargs) -> None:
        """
        NoncePayload(data=b'...').
        """
    @property
    def data(self) -> bytes:
        """
        Nonce data.
        """
    @data.setter
    def data(self, arg1: typing.Any) -> None:
        ...
class NotifyPayload:
    """
    Notify body (RFC 7296 3.10).
    """
    def __copy__(self) -> NotifyPayload:
        """
        A copy.
        """
    def __deepcopy__(self, memo: typing.Any) -> NotifyPayload:
        """
        A copy.
        """
    def __init__(self, **kwargs) -> None:
        """
        NotifyPayload(type=NotifyType.X, data=b'', protocol_id=ProtocolId.NONE, spi=b'', spi_size=None).
        """
    @property
    def data(self) -> bytes:
        """
        Notification data.
        """
    @data.setter
    def data(self, arg1: typing.Any) -> None:
        ...
    @property
    def protocol_id(self) -> typing.Any:
        """
        Protocol ID.
        """
    @protocol_id.setter
    def protocol_id(self, arg1: typing.Any) -> None:
        ...
    @property
    def spi(self) -> bytes:
        """
        SPI.
        """
    @spi.setter
    def spi(self, arg1: typing.Any) -> None:
        ...
    @property
    def spi_size(self) -> int | None:
        """
        Override of SPI Size (None: computed).
        """
    @spi_size.setter
    def spi_size(self, arg0: typing.SupportsInt | typing.SupportsIndex | None) -> None:
        ...
    @property
    def type(self) -> typing.Any:
        """
        Notify message type (any 16-bit value).
        """
    @type.setter
    def type(self, arg1: typing.Any) -> None:
        ...
class DeletePayload:
    """
    Delete body (RFC 7296 3.11).
    """
    def __copy__(self) -> DeletePayload:
        """
        A copy.
        """
    def __deepcopy__(self, memo: typing.Any) -> DeletePayload:
        """
        A copy.
        """
    def __init__(self, **kwargs) -> None:
        """
        DeletePayload(protocol_id=ProtocolId.IKE, spis=[b'...'], spi_size=None, num_spis=None).
        """
    @property
    def num_spis(self) -> int | None:
        """
        Override of Num of SPIs (None: computed).
        """
    @num_spis.setter
    def num_spis(self, arg0: typing.SupportsInt | typing.SupportsIndex | None) -> None:
        ...
    @property
    def protocol_id(self) -> typing.Any:
        """
        Protocol ID.
        """
    @protocol_id.setter
    def protocol_id(self, arg1: typing.Any) -> None:
        ...
    @property
    def spi_size(self) -> int | None:
        """
        Override of SPI Size (None: computed).
        """
    @spi_size.setter
    def spi_size(self, arg0: typing.SupportsInt | typing.SupportsIndex | None) -> None:
        ...
    @property
    def spis(self) -> list:
        """
        SPIs (a list copy of bytes; assign to change).
        """
    @spis.setter
    def spis(self, arg1: collections.abc.Iterable) -> None:
        ...
class VendorIdPayload:
    """
    Vendor ID body (RFC 7296 3.12).
    """
    def __copy__(self) -> VendorIdPayload:
        """
        A copy.
        """
    def __deepcopy__(self, memo: typing.Any) -> VendorIdPayload:
        """
        A copy.
        """
    def __init__(self, **kwargs) -> None:
        """
        VendorIdPayload(data=b'...').
        """
    @property
    def data(self) -> bytes:
        """
        Vendor ID bytes.
        """
    @data.setter
    def data(self, arg1: typing.Any) -> None:
        ...
class TsPayload:
    """
    Traffic Selector body, TSi and TSr (RFC 7296 3.13).
    """
    def __copy__(self) -> TsPayload:
        """
        A copy.
        """
    def __deepcopy__(self, memo: typing.Any) -> TsPayload:
        """
        A copy.
        """
    def __init__(self, **kwargs) -> None:
        """
        TsPayload(selectors=[...], num_ts=None, reserved=0).
        """
    @property
    def num_ts(self) -> int | None:
        """
        Override of Number of TSs (None: computed).
        """
    @num_ts.setter
    def num_ts(self, arg0: typing.SupportsInt | typing.SupportsIndex | None) -> None:
        ...
    @property
    def reserved(self) -> int:
        """
        The 24 reserved bits.
        """
    @reserved.setter
    def reserved(self, arg0: typing.SupportsInt | typing.SupportsIndex) -> None:
        ...
    @property
    def selectors(self) -> list[TrafficSelector]:
        """
        Traffic selectors (a list copy; assign to change).
        """
    @selectors.setter
    def selectors(self, arg0: collections.abc.Sequence[TrafficSelector]) -> None:
        ...
class SkPayload:
    """
    Encrypted body (RFC 7296 3.14): opaque IV | ciphertext | ICV.
    """
    def __copy__(self) -> SkPayload:
        """
        A copy.
        """
    def __deepcopy__(self, memo: typing.Any) -> SkPayload:
        """
        A copy.
        """
    def __init__(self, **kwargs) -> None:
        """
        SkPayload(inner_next=PayloadType.X, data=b'...').
        """
    @property
    def data(self) -> bytes:
        """
        IV | ciphertext | ICV.
        """
    @data.setter
    def data(self, arg1: typing.Any) -> None:
        ...
    @property
    def inner_next(self) -> typing.Any:
        """
        The header's Next Payload: the first inner payload's type.
        """
    @inner_next.setter
    def inner_next(self, arg1: typing.Any) -> None:
        ...
class CpPayload:
    """
    Configuration body (RFC 7296 3.15).
    """
    def __copy__(self) -> CpPayload:
        """
        A copy.
        """
    def __deepcopy__(self, memo: typing.Any) -> CpPayload:
        """
        A copy.
        """
    def __init__(self, **kwargs) -> None:
        """
        CpPayload(cfg_type=CfgType.CFG_REQUEST, attributes=[...], reserved=0).
        """
    @property
    def attributes(self) -> list[CfgAttribute]:
        """
        Attributes (a list copy; assign to change).
        """
    @attributes.setter
    def attributes(self, arg0: collections.abc.Sequence[CfgAttribute]) -> None:
        ...
    @property
    def cfg_type(self) -> typing.Any:
        """
        CFG type.
        """
    @cfg_type.setter
    def cfg_type(self, arg1: typing.Any) -> None:
        ...
    @property
    def reserved(self) -> int:
        """
        The 24 reserved bits.
        """
    @reserved.setter
    def reserved(self, arg0: typing.SupportsInt | typing.SupportsIndex) -> None:
        ...
class EapPayload:
    """
    EAP body (RFC 7296 3.16).
    """
    def __copy__(self) -> EapPayload:
        """
        A copy.
        """
    def __deepcopy__(self, memo: typing.Any) -> EapPayload:
        """
        A copy.
        """
    def __init__(self, **kwargs) -> None:
        """
        EapPayload(message=b'...').
        """
    @property
    def message(self) -> bytes:
        """
        The EAP message.
        """
    @message.setter
    def message(self, arg1: typing.Any) -> None:
        ...
class SkfPayload:
    """
    Encrypted Fragment body (RFC 7383 2.5).
    """
    def __copy__(self) -> SkfPayload:
        """
        A copy.
        """
    def __deepcopy__(self, memo: typing.Any) -> SkfPayload:
        """
        A copy.
        """
    def __init__(self, **kwargs) -> None:
        """
        SkfPayload(inner_next=..., fragment_number=1, total_fragments=1, data=b'...').
        """
    @property
    def data(self) -> bytes:
        """
        IV | ciphertext | ICV.
        """
    @data.setter
    def data(self, arg1: typing.Any) -> None:
        ...
    @property
    def fragment_number(self) -> int:
        """
        Fragment Number.
        """
    @fragment_number.setter
    def fragment_number(self, arg0: typing.SupportsInt | typing.SupportsIndex) -> None:
        ...
    @property
    def inner_next(self) -> typing.Any:
        """
        First fragment: the first inner payload's type; else 0.
        """
    @inner_next.setter
    def inner_next(self, arg1: typing.Any) -> None:
        ...
    @property
    def total_fragments(self) -> int:
        """
        Total Fragments.
        """
    @total_fragments.setter
    def total_fragments(self, arg0: typing.SupportsInt | typing.SupportsIndex) -> None:
        ...
class Payload:
    """
    A payload: the generic header (RFC 7296 3.2) and a typed body. One taken from a message refers to it (edits reach the message) until the message's payload list changes; body is a copy.
    """
    def __copy__(self) -> Payload:
        """
        An independent copy.
        """
    def __deepcopy__(self, memo: typing.Any) -> Payload:
        """
        An independent copy.
        """
    def __init__(self, type: typing.Any, body: typing.Any = None, *, critical: bool = False, reserved: typing.SupportsInt | typing.SupportsIndex = 0, next_payload: typing.SupportsInt | typing.SupportsIndex | None = None, length: typing.SupportsInt | typing.SupportsIndex | None = None) -> None:
        """
        A payload of `type` (PayloadType or any int) with `body` (the empty body of the type when None).
        """
    def __repr__(self) -> str:
        """
        <Payload N(COOKIE)>.
        """
    def __setitem__(self, path: str, value: typing.Any) -> None:
        """
        p[path] = value: the same as set(path, value).
        """
    def _payloads_json(self) -> str:
        """
        The `ikeharness decode --json` array for this payload alone (to_dict() parses it).
        """
    def copy(self) -> Payload:
        """
        An independent copy (not tied to any message).
        """
    def encode(self) -> bytes:
        """
        This payload alone on the wire (its Next Payload 0 unless overridden).
        """
    def field_paths(self) -> list[str]:
        """
        Every path set() accepts for this payload as it is now, in wire order.
        """
    def set(self, path: str, value: typing.Any) -> None:
        """
        Sets the field at `path` (generic header or body, e.g. 'payload_length', 'notify_type', 'proposal/0/transform/1/transform_id'). Computed fields become overrides emitted as set. Raises IkeError for an unknown path (naming the closest), a wrong kind or a value too large.
        """
    @property
    def body(self) -> typing.Any:
        """
        The typed body (a copy: change it and assign it back, or use set()).
        """
    @body.setter
    def body(self, arg1: typing.Any) -> None:
        ...
    @property
    def critical(self) -> bool:
        """
        The critical bit.
        """
    @critical.setter
    def critical(self, arg0: bool) -> None:
        ...
    @property
    def length(self) -> int | None:
        """
        Override of Payload Length (None: computed).
        """
    @length.setter
    def length(self, arg0: typing.SupportsInt | typing.SupportsIndex | None) -> None:
        ...
    @property
    def next_payload(self) -> int | None:
        """
        Override of Next Payload (None: computed).
        """
    @next_payload.setter
    def next_payload(self, arg0: typing.SupportsInt | typing.SupportsIndex | None) -> None:
        ...
    @property
    def raw(self) -> bytes:
        """
        Exact bytes (generic header included) this payload was decoded from; b'' when built in code.
        """
    @property
    def raw_offset(self) -> int:
        """
        Offset of raw in the decoded message.
        """
    @property
    def reserved(self) -> int:
        """
        The 7 reserved bits after the critical bit.
        """
    @reserved.setter
    def reserved(self, arg1: typing.SupportsInt | typing.SupportsIndex) -> None:
        ...
    @property
    def type(self) -> typing.Any:
        """
        Payload type (any 8-bit value). The body's class is not changed with it.
        """
    @type.setter
    def type(self, arg1: typing.Any) -> None:
        ...
class Header:
    """
    The IKE header (RFC 7296 3.1). m.header refers to the message's header.
    """
    @staticmethod
    def field_paths() -> list[str]:
        """
        Every path set() accepts, in wire order.
        """
    def __copy__(self) -> Header:
        """
        An independent copy.
        """
    def __deepcopy__(self, memo: typing.Any) -> Header:
        """
        An independent copy.
        """
    def __init__(self) -> None:
        """
        A header with the defaults (version 2.0, IKE_SA_INIT, flags 0, message ID 0).
        """
    def __repr__(self) -> str:
        """
        <Header IKE_SA_INIT request (I) spi_i=... msgid=0>.
        """
    def __setitem__(self, path: str, value: typing.Any) -> None:
        """
        h[path] = value: the same as set(path, value).
        """
    def copy(self) -> Header:
        """
        An independent copy.
        """
    def set(self, path: str, value: typing.Any) -> None:
        """
        Sets a header field by path ('length', 'initiator_spi', ...).
        """
    @property
    def exchange_type(self) -> typing.Any:
        """
        Exchange type (any 8-bit value).
        """
    @exchange_type.setter
    def exchange_type(self, arg1: typing.Any) -> None:
        ...
    @property
    def flags(self) -> int:
        """
        Flags octet (FLAG_INITIATOR 0x08, FLAG_RESPONSE 0x20).
        """
    @flags.setter
    def flags(self, arg0: typing.SupportsInt | typing.SupportsIndex) -> None:
        ...
    @property
    def is_initiator(self) -> bool:
        """
        The Initiator flag.
        """
    @is_initiator.setter
    def is_initiator(self, arg1: bool) -> None:
        ...
    @property
    def is_response(self) -> bool:
        """
        The Response flag.
        """
    @is_response.setter
    def is_response(self, arg1: bool) -> None:
        ...
    @property
    def length(self) -> int | None:
        """
        Override of Length (None: computed).
        """
    @length.setter
    def length(self, arg0: typing.SupportsInt | typing.SupportsIndex | None) -> None:
        ...
    @property
    def major_version(self) -> int:
        """
        Major version (4 bits).
        """
    @major_version.setter
    def major_version(self, arg1: typing.Any) -> None:
        ...
    @property
    def message_id(self) -> int:
        """
        Message ID.
        """
    @message_id.setter
    def message_id(self, arg0: typing.SupportsInt | typing.SupportsIndex) -> None:
        ...
    @property
    def minor_version(self) -> int:
        """
        Minor version (4 bits).
        """
    @minor_version.setter
    def minor_version(self, arg1: typing.Any) -> None:
        ...
    @property
    def next_payload(self) -> int | None:
        """
        Override of Next Payload (None: computed).
        """
    @next_payload.setter
    def next_payload(self, arg0: typing.SupportsInt | typing.SupportsIndex | None) -> None:
        ...
    @property
    def spi_i(self) -> int:
        """
        IKE SA initiator's SPI.
        """
    @spi_i.setter
    def spi_i(self, arg0: typing.SupportsInt | typing.SupportsIndex) -> None:
        ...
    @property
    def spi_r(self) -> int:
        """
        IKE SA responder's SPI.
        """
    @spi_r.setter
    def spi_r(self, arg0: typing.SupportsInt | typing.SupportsIndex) -> None:
        ...
    @property
    def version(self) -> int:
        """
        Version octet: major << 4 | minor.
        """
    @version.setter
    def version(self, arg0: typing.SupportsInt | typing.SupportsIndex) -> None:
        ...
class PayloadList:
    """
    m.payloads: the message's payload chain as a list-like view. Items refer to the payloads inside the message; payloads put in are copied in.
    """
    def __delitem__(self, index: typing.SupportsInt | typing.SupportsIndex) -> None:
        """
        Removes the payload at index.
        """
    @typing.overload
    def __getitem__(self, index: typing.SupportsInt | typing.SupportsIndex) -> typing.Any:
        """
        The payload at index (refers into the message).
        """
    @typing.overload
    def __getitem__(self, slice: slice) -> list:
        """
        A list of the payloads in the slice (each refers into the message).
        """
    def __iter__(self) -> collections.abc.Iterator:
        """
        Iterates over the payloads (each refers into the message).
        """
    def __len__(self) -> int:
        """
        Number of payloads.
        """
    def __repr__(self) -> str:
        """
        [<Payload SA>, <Payload KE>, ...].
        """
    def __setitem__(self, index: typing.SupportsInt | typing.SupportsIndex, payload: Payload) -> None:
        """
        Replaces the payload at index with a copy of `payload`.
        """
    def append(self, payload: Payload) -> None:
        """
        Appends a copy of `payload` (take m[-1] to edit the one inside).
        """
    def clear(self) -> None:
        """
        Removes every payload.
        """
    def extend(self, payloads: collections.abc.Iterable) -> None:
        """
        Appends copies of the payloads.
        """
    def insert(self, index: typing.SupportsInt | typing.SupportsIndex, payload: Payload) -> None:
        """
        Inserts a copy of `payload` before index.
        """
    def pop(self, index: typing.SupportsInt | typing.SupportsIndex = -1) -> Payload:
        """
        Removes the payload at index and returns it (an independent copy).
        """
class Message:
    """
    An IKEv2 message: a header and a payload chain. Message.decode() wraps the decoded C++ message without converting it; payloads are made Python objects only when asked for.
    """
    @staticmethod
    def decode(data: typing.Any) -> Message:
        """
        Decodes a whole message. Raises DecodeError (where, field, offset, notify, reason, payload) on bytes that are not a valid IKEv2 message; never crashes on any input.
        """
    @staticmethod
    def field_paths() -> list[str]:
        """
        Every IKE header path set() accepts, in wire order.
        """
    def __copy__(self) -> Message:
        """
        An independent copy.
        """
    def __deepcopy__(self, memo: typing.Any) -> Message:
        """
        An independent copy.
        """
    def __getitem__(self, index: typing.SupportsInt | typing.SupportsIndex) -> typing.Any:
        """
        The payload at index (refers into the message).
        """
    def __init__(self, exchange_type: typing.Any = ..., flags: typing.SupportsInt | typing.SupportsIndex = 0, message_id: typing.SupportsInt | typing.SupportsIndex = 0, spi_i: typing.SupportsInt | typing.SupportsIndex = 0, spi_r: typing.SupportsInt | typing.SupportsIndex = 0, payloads: collections.abc.Iterable = []) -> None:
        """
        A message built in code (payloads are copied in; computed fields are computed at encode()).
        """
    def __iter__(self) -> collections.abc.Iterator:
        """
        Iterates over the payloads (each refers into the message).
        """
    def __len__(self) -> int:
        """
        Number of payloads.
        """
    def __repr__(self) -> str:
        """
        <Message IKE_SA_INIT request (I) spi_i=... msgid=0: SA KE NONCE>.
        """
    def __setitem__(self, path: str, value: typing.Any) -> None:
        """
        m[path] = value: sets an IKE header field by path.
        """
    def _payloads_json(self) -> str:
        """
        The `ikeharness decode --json` payload array (to_dict() parses it).
        """
    def copy(self) -> Message:
        """
        An independent copy (raw bytes are shared, being immutable).
        """
    def encode(self) -> bytes:
        """
        The message on the wire: computed fields computed, overrides emitted as set.
        """
    def find(self, type: typing.Any) -> typing.Any:
        """
        The first payload of a type (refers into the message), or None.
        """
    def find_notify(self, type: typing.Any) -> typing.Any:
        """
        The first Notify payload of a notify type (refers into the message), or None.
        """
    def payload_types(self) -> list:
        """
        Payload types in chain order.
        """
    def set(self, path: str, value: typing.Any) -> None:
        """
        Sets an IKE header field by path ('length', 'message_id', ...).
        """
    def summary(self) -> str:
        """
        One line: 'IKE_SA_INIT request (I) spi_i=... msgid=0: SA KE NONCE N(NAT_DETECTION_SOURCE_IP)'.
        """
    @property
    def exchange_type(self) -> typing.Any:
        """
        header.exchange_type.
        """
    @exchange_type.setter
    def exchange_type(self, arg1: typing.Any) -> None:
        ...
    @property
    def flags(self) -> int:
        """
        header.flags.
        """
    @flags.setter
    def flags(self, arg1: typing.SupportsInt | typing.SupportsIndex) -> None:
        ...
    @property
    def header(self) -> Header:
        """
        The header (refers to the message's; assigning copies one in).
        """
    @header.setter
    def header(self, arg1: Header) -> None:
        ...
    @property
    def message_id(self) -> int:
        """
        header.message_id.
        """
    @message_id.setter
    def message_id(self, arg1: typing.SupportsInt | typing.SupportsIndex) -> None:
        ...
    @property
    def payloads(self) -> PayloadList:
        """
        The payload chain as a list-like view; assigning a list replaces the chain with copies.
        """
    @payloads.setter
    def payloads(self, arg1: collections.abc.Iterable) -> None:
        ...
    @property
    def raw(self) -> bytes:
        """
        Exact bytes this message was decoded from; b'' when built in code.
        """
    @property
    def spi_i(self) -> int:
        """
        header.spi_i.
        """
    @spi_i.setter
    def spi_i(self, arg1: typing.SupportsInt | typing.SupportsIndex) -> None:
        ...
    @property
    def spi_r(self) -> int:
        """
        header.spi_r.
        """
    @spi_r.setter
    def spi_r(self, arg1: typing.SupportsInt | typing.SupportsIndex) -> None:
        ...
class Secret:
    """
    Key material (PSK, SKEYSEED, SK_* keys). Wiped when freed; repr and str show the length only. reveal() returns the bytes, for key export and tests.
    """
    __hash__: typing.ClassVar[None] = None  # type: ignore[assignment]
    def __eq__(self, other: typing.Any) -> typing.Any:
        """
        Constant-time comparison in the length, with a Secret or bytes.
        """
    def __init__(self, data: typing_extensions.Buffer) -> None:
        """
        A secret holding a copy of the bytes.
        """
    def __len__(self) -> int:
        ...
    def __repr__(self) -> str:
        ...
    def empty(self) -> bool:
        """
        True when it holds no bytes.
        """
    def first(self, n: typing.SupportsInt | typing.SupportsIndex) -> Secret:
        """
        The first n bytes as a new Secret (clamped).
        """
    def reveal(self) -> bytes:
        """
        A copy of the bytes (the one explicit way to see a key).
        """
    def size(self) -> int:
        """
        Length in bytes.
        """
    def sub(self, pos: typing.SupportsInt | typing.SupportsIndex, n: typing.SupportsInt | typing.SupportsIndex) -> Secret:
        """
        n bytes from pos on as a new Secret (clamped).
        """
class CipherMode:
    """
    How an ENCR transform is run.
    
    Members:
    
      Null
    
      Cbc
    
      Ctr
    
      Gcm
    
      Ccm
    
      ChaCha20Poly1305
    """
    Cbc: typing.ClassVar[CipherMode]
    Ccm: typing.ClassVar[CipherMode]
    ChaCha20Poly1305: typing.ClassVar[CipherMode]
    Ctr: typing.ClassVar[CipherMode]
    Gcm: typing.ClassVar[CipherMode]
    Null: typing.ClassVar[CipherMode]
    __members__: typing.ClassVar[dict[str, CipherMode]]
    @typing.overload
    def __eq__(self, other: CipherMode) -> bool:
        ...
    @typing.overload
    def __eq__(self, other: typing.Any) -> bool:
        ...
    def __getstate__(self) -> int:
        ...
    def __hash__(self) -> int:
        ...
    def __index__(self) -> int:
        ...
    def __init__(self, value: typing.SupportsInt | typing.SupportsIndex) -> None:
        ...
    def __int__(self) -> int:
        ...
    @typing.overload
    def __ne__(self, other: CipherMode) -> bool:
        ...
    @typing.overload
    def __ne__(self, other: typing.Any) -> bool:
        ...
    def __repr__(self) -> str:
        ...
    def __setstate__(self, state: typing.SupportsInt | typing.SupportsIndex) -> None:
        ...
    def __str__(self) -> str:
        ...
    @property
    def name(self) -> str:
        ...
    @property
    def value(self) -> int:
        ...
class EncrInfo:
    """
    Sizes of an encryption transform (key, salt, IV, block, ICV).
    """
    def __repr__(self) -> str:
        ...
    def keymat_size(self) -> int:
        """
        Length of SK_e: key plus salt.
        """
    @property
    def aead(self) -> bool:
        """
        True for AEAD ciphers.
        """
    @property
    def block_size(self) -> int:
        """
        Padding block size.
        """
    @property
    def icv_size(self) -> int:
        """
        AEAD tag bytes (0 for non-AEAD).
        """
    @property
    def id(self) -> typing.Any:
        """
        EncrId.
        """
    @property
    def iv_size(self) -> int:
        """
        Explicit IV bytes carried in SK.
        """
    @property
    def key_bits(self) -> int:
        """
        KEY_LENGTH attribute value (or the fixed size).
        """
    @property
    def key_size(self) -> int:
        """
        Cipher key bytes, without salt.
        """
    @property
    def mode(self) -> CipherMode:
        """
        CipherMode.
        """
    @property
    def name(self) -> str:
        """
        "ENCR_AES_GCM_16 256".
        """
    @property
    def salt_size(self) -> int:
        """
        Salt bytes after the key in SK_e.
        """
class PrfInfo:
    """
    Sizes of a PRF transform.
    """
    def __repr__(self) -> str:
        ...
    @property
    def fixed_key(self) -> bool:
        """
        True for the AES-based PRFs (16-byte key).
        """
    @property
    def id(self) -> typing.Any:
        """
        PrfId.
        """
    @property
    def key_size(self) -> int:
        """
        Preferred key length (SK_d, SK_pi, SK_pr).
        """
    @property
    def name(self) -> str:
        """
        IANA name.
        """
    @property
    def output_size(self) -> int:
        """
        Output bytes.
        """
class IntegInfo:
    """
    Sizes of an integrity transform.
    """
    def __repr__(self) -> str:
        ...
    @property
    def icv_size(self) -> int:
        """
        Truncated ICV bytes carried in SK.
        """
    @property
    def id(self) -> typing.Any:
        """
        IntegId.
        """
    @property
    def key_size(self) -> int:
        """
        Key bytes (SK_a).
        """
    @property
    def name(self) -> str:
        """
        IANA name.
        """
class KeySuite:
    """
    The negotiated transforms that size the keys (integ None for AEAD).
    """
    def __repr__(self) -> str:
        ...
    @property
    def encr(self) -> EncrInfo:
        """
        EncrInfo.
        """
    @property
    def integ(self) -> IntegInfo | None:
        """
        IntegInfo, or None for AEAD.
        """
    @property
    def prf(self) -> PrfInfo:
        """
        PrfInfo.
        """
class IkeSaKeys:
    """
    The seven SK_* keys of an IKE SA (Secrets).
    """
    def __init__(self, sk_d: Secret | typing_extensions.Buffer = b'', sk_ai: Secret | typing_extensions.Buffer = b'', sk_ar: Secret | typing_extensions.Buffer = b'', sk_ei: Secret | typing_extensions.Buffer = b'', sk_er: Secret | typing_extensions.Buffer = b'', sk_pi: Secret | typing_extensions.Buffer = b'', sk_pr: Secret | typing_extensions.Buffer = b'') -> None:
        """
        Keys given as Secrets or bytes (missing ones empty).
        """
    def __repr__(self) -> str:
        ...
    @property
    def sk_ai(self) -> Secret:
        """
        SK_ai.
        """
    @sk_ai.setter
    def sk_ai(self, arg0: Secret) -> None:
        ...
    @property
    def sk_ar(self) -> Secret:
        """
        SK_ar.
        """
    @sk_ar.setter
    def sk_ar(self, arg0: Secret) -> None:
        ...
    @property
    def sk_d(self) -> Secret:
        """
        SK_d.
        """
    @sk_d.setter
    def sk_d(self, arg0: Secret) -> None:
        ...
    @property
    def sk_ei(self) -> Secret:
        """
        SK_ei.
        """
    @sk_ei.setter
    def sk_ei(self, arg0: Secret) -> None:
        ...
    @property
    def sk_er(self) -> Secret:
        """
        SK_er.
        """
    @sk_er.setter
    def sk_er(self, arg0: Secret) -> None:
        ...
    @property
    def sk_pi(self) -> Secret:
        """
        SK_pi.
        """
    @sk_pi.setter
    def sk_pi(self, arg0: Secret) -> None:
        ...
    @property
    def sk_pr(self) -> Secret:
        """
        SK_pr.
        """
    @sk_pr.setter
    def sk_pr(self, arg0: Secret) -> None:
        ...
class ChildSaKeys:
    """
    Child SA KEYMAT split into its four keys (Secrets).
    """
    def __repr__(self) -> str:
        ...
    @property
    def encr_i(self) -> Secret:
        """
        Initiator-to-responder encryption key.
        """
    @property
    def encr_r(self) -> Secret:
        """
        Responder-to-initiator encryption key.
        """
    @property
    def integ_i(self) -> Secret:
        """
        Initiator-to-responder integrity key.
        """
    @property
    def integ_r(self) -> Secret:
        """
        Responder-to-initiator integrity key.
        """
class SkKeys:
    """
    One direction's SK_e (key | salt) and SK_a (empty for AEAD).
    """
    def __init__(self, encr: Secret | typing_extensions.Buffer, integ: Secret | typing_extensions.Buffer = b'') -> None:
        """
        From Secrets or bytes.
        """
    def __repr__(self) -> str:
        ...
    @property
    def encr(self) -> Secret:
        """
        SK_e.
        """
    @encr.setter
    def encr(self, arg0: Secret) -> None:
        ...
    @property
    def integ(self) -> Secret:
        """
        SK_a.
        """
    @integ.setter
    def integ(self, arg0: Secret) -> None:
        ...
class ProtectFaults:
    """
    Deliberate faults in SK protection (all off by default).
    """
    def __init__(self) -> None:
        """
        No faults: protect as the RFC says.
        """
    @property
    def corrupt_icv(self) -> bool:
        """
        Flip a bit of the computed ICV.
        """
    @corrupt_icv.setter
    def corrupt_icv(self, arg0: bool) -> None:
        ...
    @property
    def icv(self) -> typing.Any:
        """
        Emit these bytes as the ICV, or None.
        """
    @icv.setter
    def icv(self, arg1: typing.Any) -> None:
        ...
    @property
    def icv_length(self) -> int | None:
        """
        Emit only this many ICV bytes, or None.
        """
    @icv_length.setter
    def icv_length(self, arg0: typing.SupportsInt | typing.SupportsIndex | None) -> None:
        ...
    @property
    def iv(self) -> typing.Any:
        """
        This IV instead of a random one (bytes or None).
        """
    @iv.setter
    def iv(self, arg1: typing.Any) -> None:
        ...
    @property
    def pad_length(self) -> int | None:
        """
        Write this Pad Length value, or None.
        """
    @pad_length.setter
    def pad_length(self, arg0: typing.SupportsInt | typing.SupportsIndex | None) -> None:
        ...
    @property
    def padding(self) -> typing.Any:
        """
        These padding bytes (any length), or None.
        """
    @padding.setter
    def padding(self, arg1: typing.Any) -> None:
        ...
class Unprotected:
    """
    A verified, decrypted SK payload.
    """
    def __repr__(self) -> str:
        ...
    def payloads(self) -> list[Payload]:
        """
        The inner chain decoded (codec Payloads). Raises DecodeError.
        """
    @property
    def first_inner(self) -> typing.Any:
        """
        PayloadType of the first inner payload.
        """
    @property
    def inner(self) -> bytes:
        """
        The decrypted inner chain without padding and pad length.
        """
    @property
    def iv(self) -> bytes:
        """
        The IV.
        """
    @property
    def pad_length(self) -> int:
        """
        The Pad Length field.
        """
    @property
    def padding(self) -> bytes:
        """
        The padding bytes.
        """
class KeyTableEntry:
    """
    One IKE SA's row of a Wireshark ikev2_decryption_table.
    """
    def __repr__(self) -> str:
        ...
    def icv_size(self) -> int:
        """
        ICV length in bytes.
        """
    def ike_sa_keys(self) -> IkeSaKeys:
        """
        The four SK_e/SK_a keys as IkeSaKeys (SK_d, SK_pi, SK_pr empty), for keys_for().
        """
    def suite(self) -> KeySuite:
        """
        The KeySuite for unprotect() (integ only when the ICV is checked by an integrity algorithm).
        """
    @property
    def encr_name(self) -> str:
        """
        Wireshark's encryption name ("AES-CBC-256 [RFC3602]").
        """
    @property
    def integ_name(self) -> str:
        """
        Wireshark's integrity name ("HMAC_SHA2_256_128 [RFC4868]").
        """
    @property
    def line(self) -> int:
        """
        1-based line in the file it was read from (0: built).
        """
    @property
    def sk_ai(self) -> Secret:
        """
        SK_ai (Secret).
        """
    @property
    def sk_ar(self) -> Secret:
        """
        SK_ar (Secret).
        """
    @property
    def sk_ei(self) -> Secret:
        """
        SK_ei (Secret).
        """
    @property
    def sk_er(self) -> Secret:
        """
        SK_er (Secret).
        """
    @property
    def spi_i(self) -> int:
        """
        Initiator SPI.
        """
    @property
    def spi_r(self) -> int:
        """
        Responder SPI.
        """
class KeyTable:
    """
    A Wireshark ikev2_decryption_table.
    """
    def __init__(self) -> None:
        """
        An empty table.
        """
    def __len__(self) -> int:
        ...
    def find(self, spi_i: typing.SupportsInt | typing.SupportsIndex, spi_r: typing.SupportsInt | typing.SupportsIndex) -> KeyTableEntry:
        """
        The entry for an IKE SA, or None (all-zero SPIs never match).
        """
    @property
    def entries(self) -> list[KeyTableEntry]:
        """
        The rows (KeyTableEntry), in file order.
        """
class OpenedSk:
    """
    What became of one SK/SKF payload opened with a key table.
    """
    class State:
        """
        Decrypted, FragmentPending, NoKeys or Failed.
        
        Members:
        
          Decrypted
        
          FragmentPending
        
          NoKeys
        
          Failed
        """
        Decrypted: typing.ClassVar[OpenedSk.State]
        Failed: typing.ClassVar[OpenedSk.State]
        FragmentPending: typing.ClassVar[OpenedSk.State]
        NoKeys: typing.ClassVar[OpenedSk.State]
        __members__: typing.ClassVar[dict[str, OpenedSk.State]]
        @typing.overload
        def __eq__(self, other: OpenedSk.State) -> bool:
            ...
        @typing.overload
        def __eq__(self, other: typing.Any) -> bool:
            ...
        def __getstate__(self) -> int:
            ...
        def __hash__(self) -> int:
            ...
        def __index__(self) -> int:
            ...
        def __init__(self, value: typing.SupportsInt | typing.SupportsIndex) -> None:
            ...
        def __int__(self) -> int:
            ...
        @typing.overload
        def __ne__(self, other: OpenedSk.State) -> bool:
            ...
        @typing.overload
        def __ne__(self, other: typing.Any) -> bool:
            ...
        def __repr__(self) -> str:
            ...
        def __setstate__(self, state: typing.SupportsInt | typing.SupportsIndex) -> None:
            ...
        def __str__(self) -> str:
            ...
        @property
        def name(self) -> str:
            ...
        @property
        def value(self) -> int:
            ...
    def __repr__(self) -> str:
        ...
    def payloads(self) -> list[Payload]:
        """
        The decrypted inner chain decoded (codec Payloads). Raises DecodeError.
        """
    @property
    def error(self) -> str:
        """
        Failed: "ICV mismatch" or the decryption error.
        """
    @property
    def first(self) -> typing.Any:
        """
        PayloadType of the first inner payload.
        """
    @property
    def first_without_keys(self) -> bool:
        """
        NoKeys: the first message of this IKE SA seen without keys.
        """
    @property
    def fragment(self) -> bool:
        """
        True for an SKF payload.
        """
    @property
    def fragment_number(self) -> int:
        """
        SKF Fragment Number.
        """
    @property
    def fragments_received(self) -> int:
        """
        SKF fragments held so far.
        """
    @property
    def icv_verified(self) -> bool:
        """
        False when the table's integrity is "ANY n-bits [No Checking]".
        """
    @property
    def inner(self) -> bytes:
        """
        Decrypted: the inner chain (reassembled for SKF).
        """
    @property
    def state(self) -> OpenedSk.State:
        """
        OpenedSk.State.
        """
    @property
    def total_fragments(self) -> int:
        """
        SKF Total Fragments.
        """
class SkDecryptor:
    """
    Opens SK and SKF payloads of captured messages with a key table's keys (SPI pair, then the I flag), reassembling SKF fragments.
    """
    def __init__(self, table: KeyTable) -> None:
        """
        A decryptor over a copy of the table.
        """
    def open(self, wire: typing_extensions.Buffer, message: typing.Any = None) -> OpenedSk:
        """
        Verifies and decrypts the last payload (SK or SKF) of the message in wire (message: the Message decoded from wire, decoded here when None). Never raises for keys or ICVs: see OpenedSk.state. Raises DecodeError when wire does not decode, ValueError when its last payload is not SK/SKF.
        """
class DatagramKind:
    """
    What a UDP datagram on an IKE port carries.
    
    Members:
    
      Ike
    
      Esp
    
      NatKeepalive
    
      Malformed
    """
    Esp: typing.ClassVar[DatagramKind]
    Ike: typing.ClassVar[DatagramKind]
    Malformed: typing.ClassVar[DatagramKind]
    NatKeepalive: typing.ClassVar[DatagramKind]
    __members__: typing.ClassVar[dict[str, DatagramKind]]
    @typing.overload
    def __eq__(self, other: DatagramKind) -> bool:
        ...
    @typing.overload
    def __eq__(self, other: typing.Any) -> bool:
        ...
    def __getstate__(self) -> int:
        ...
    def __hash__(self) -> int:
        ...
    def __index__(self) -> int:
        ...
    def __init__(self, value: typing.SupportsInt | typing.SupportsIndex) -> None:
        ...
    def __int__(self) -> int:
        ...
    @typing.overload
    def __ne__(self, other: DatagramKind) -> bool:
        ...
    @typing.overload
    def __ne__(self, other: typing.Any) -> bool:
        ...
    def __repr__(self) -> str:
        ...
    def __setstate__(self, state: typing.SupportsInt | typing.SupportsIndex) -> None:
        ...
    def __str__(self) -> str:
        ...
    @property
    def name(self) -> str:
        ...
    @property
    def value(self) -> int:
        ...
class Datagram:
    """
    Classification of a UDP payload (RFC 7296 2.23, RFC 3948 2.2).
    """
    def __repr__(self) -> str:
        ...
    @property
    def esp_spi(self) -> int:
        """
        ESP only: the SPI.
        """
    @property
    def ike_offset(self) -> int:
        """
        Offset of the IKE message: 0, or 4 after a non-ESP marker.
        """
    @property
    def kind(self) -> DatagramKind:
        """
        DatagramKind.
        """
    @property
    def reason(self) -> str:
        """
        Malformed only: why.
        """
class CaptureOptions:
    """
    Which UDP ports are IKE, and which of them use NAT-T framing.
    """
    def __init__(self, ports: collections.abc.Sequence[typing.SupportsInt | typing.SupportsIndex] = [500, 4500], natt_ports: collections.abc.Sequence[typing.SupportsInt | typing.SupportsIndex] = [4500]) -> None:
        """
        ports: a datagram is picked when either port is listed; natt_ports: those with the RFC 3948 framing.
        """
    @property
    def natt_ports(self) -> list[int]:
        """
        Ports with the non-ESP marker framing.
        """
    @natt_ports.setter
    def natt_ports(self, arg0: collections.abc.Sequence[typing.SupportsInt | typing.SupportsIndex]) -> None:
        ...
    @property
    def ports(self) -> list[int]:
        """
        IKE ports.
        """
    @ports.setter
    def ports(self, arg0: collections.abc.Sequence[typing.SupportsInt | typing.SupportsIndex]) -> None:
        ...
class FrameKind:
    """
    What a capture frame was.
    
    Members:
    
      Datagram
    
      Other
    
      Fragment
    
      Error
    """
    Datagram: typing.ClassVar[FrameKind]
    Error: typing.ClassVar[FrameKind]
    Fragment: typing.ClassVar[FrameKind]
    Other: typing.ClassVar[FrameKind]
    __members__: typing.ClassVar[dict[str, FrameKind]]
    @typing.overload
    def __eq__(self, other: FrameKind) -> bool:
        ...
    @typing.overload
    def __eq__(self, other: typing.Any) -> bool:
        ...
    def __getstate__(self) -> int:
        ...
    def __hash__(self) -> int:
        ...
    def __index__(self) -> int:
        ...
    def __init__(self, value: typing.SupportsInt | typing.SupportsIndex) -> None:
        ...
    def __int__(self) -> int:
        ...
    @typing.overload
    def __ne__(self, other: FrameKind) -> bool:
        ...
    @typing.overload
    def __ne__(self, other: typing.Any) -> bool:
        ...
    def __repr__(self) -> str:
        ...
    def __setstate__(self, state: typing.SupportsInt | typing.SupportsIndex) -> None:
        ...
    def __str__(self) -> str:
        ...
    @property
    def name(self) -> str:
        ...
    @property
    def value(self) -> int:
        ...
class CaptureFrame:
    """
    One frame of a capture; payload and datagram for Datagram frames.
    """
    def __repr__(self) -> str:
        ...
    def time(self) -> float:
        """
        Timestamp as float seconds since the epoch.
        """
    @property
    def datagram(self) -> Datagram:
        """
        Classification of payload (Datagram only).
        """
    @property
    def dport(self) -> int:
        """
        UDP destination port.
        """
    @property
    def dst(self) -> str:
        """
        Destination address.
        """
    @property
    def error(self) -> str:
        """
        Error only: why the frame could not be parsed.
        """
    @property
    def kind(self) -> FrameKind:
        """
        FrameKind.
        """
    @property
    def microseconds(self) -> int:
        """
        Timestamp: microseconds.
        """
    @property
    def number(self) -> int:
        """
        1-based frame number, counting every frame.
        """
    @property
    def payload(self) -> bytes:
        """
        The UDP payload (Datagram only).
        """
    @property
    def seconds(self) -> int:
        """
        Timestamp: seconds since the epoch.
        """
    @property
    def snapped(self) -> bool:
        """
        True when the snap length cut the frame.
        """
    @property
    def sport(self) -> int:
        """
        UDP source port.
        """
    @property
    def src(self) -> str:
        """
        Source address (IPv4 or RFC 5952 IPv6 text).
        """
class CaptureReader:
    """
    Reads a pcap or pcapng file frame by frame (Ethernet, Linux cooked, raw IP, loopback; IPv4 fragments reassembled). Iterating yields CaptureFrames.
    """
    @staticmethod
    def open(path: str, options: CaptureOptions = ...) -> CaptureReader:
        """
        Opens a capture. Raises CaptureError ("PATH: reason") when it is missing, unreadable, not a capture or of an unsupported link type.
        """
    def __iter__(self) -> typing.Any:
        ...
    def __next__(self) -> CaptureFrame:
        ...
    def failure(self) -> str:
        """
        Why reading failed (empty before a failure).
        """
    def link_type(self) -> int:
        """
        The libpcap link type (DLT_*).
        """
    def next(self) -> CaptureFrame | None:
        """
        The next frame, or None at the end. Raises CaptureError ("truncated capture: ...", "damaged capture: ...") when the file is damaged; every later call raises again.
        """
class IkeSaState(enum.Enum):
    """
    IKE SA states (the observable stages of strongSwan's ike_sa_t).
    """
    Authenticating = ...
    Connecting = ...
    Deleted = ...
    Deleting = ...
    Established = ...
    Failed = ...
    Rekeyed = ...
    Rekeying = ...
    @classmethod
    def __new__(cls, value):
        ...
class ChildSaState(enum.Enum):
    """
    Child SA states.
    """
    Deleted = ...
    Deleting = ...
    Installed = ...
    Rekeyed = ...
    Rekeying = ...
    @classmethod
    def __new__(cls, value):
        ...
class EventKind(enum.Enum):
    """
    What an engine event reports.
    """
    ChildSaState = ...
    Decision = ...
    Error = ...
    IkeSaState = ...
    MessageReceived = ...
    MessageSent = ...
    Retransmit = ...
    @classmethod
    def __new__(cls, value):
        ...
class VirtualClock:
    """
    Time that moves only when told to; timers fire in time order. Engines sharing one run on one timeline.
    """
    def __init__(self, start: typing.SupportsFloat | typing.SupportsIndex = 0.0) -> None:
        """
        A clock at `start` seconds.
        """
    def __repr__(self) -> str:
        ...
    def advance(self, seconds: typing.SupportsFloat | typing.SupportsIndex) -> int:
        """
        Moves time on by `seconds`, firing every timer due; returns how many fired.
        """
    def advance_to(self, time: typing.SupportsFloat | typing.SupportsIndex) -> int:
        """
        Moves time to `time` seconds (never back), firing the timers due; returns how many.
        """
    def next_due(self) -> typing.Any:
        """
        Due time in seconds of the earliest pending timer; None when none is pending.
        """
    def pending(self) -> int:
        """
        Timers scheduled and neither fired nor cancelled.
        """
    def run_next(self) -> bool:
        """
        Fires the earliest pending timer, moving time to it; False when none is pending.
        """
    @property
    def now(self) -> float:
        """
        The current time in seconds.
        """
class Endpoint:
    """
    A transport address: the IP address (4 or 16 bytes) and the UDP port.
    """
    def __eq__(self, other: typing.Any) -> typing.Any:
        """
        Same address and port.
        """
    def __hash__(self) -> int:
        ...
    def __init__(self, address: typing.Any, port: typing.SupportsInt | typing.SupportsIndex | None = None) -> None:
        """
        From text ("10.0.0.1", "10.0.0.1:500", "[2001:db8::1]:4500") or address bytes; port 500 unless given.
        """
    def __repr__(self) -> str:
        ...
    def __str__(self) -> str:
        ...
    @property
    def address(self) -> list[int]:
        """
        The address in network order (bytes).
        """
    @address.setter
    def address(self, arg0: collections.abc.Sequence[typing.SupportsInt | typing.SupportsIndex]) -> None:
        ...
    @property
    def address_text(self) -> str:
        """
        The address as text ("10.0.0.1").
        """
    @property
    def port(self) -> int:
        """
        The UDP port.
        """
    @port.setter
    def port(self, arg0: typing.SupportsInt | typing.SupportsIndex) -> None:
        ...
class Route:
    """
    Where a datagram goes or came from: the peer's address, and whether on NAT-T.
    """
    def __init__(self, remote: Endpoint, natt: bool = False) -> None:
        """
        A route to or from `remote`; natt: on the NAT-T port with the non-ESP marker.
        """
    def __repr__(self) -> str:
        ...
    @property
    def natt(self) -> bool:
        """
        On the NAT-T port (RFC 3948 non-ESP marker).
        """
    @natt.setter
    def natt(self, arg0: bool) -> None:
        ...
    @property
    def remote(self) -> Endpoint:
        """
        The peer's address and port.
        """
    @remote.setter
    def remote(self, arg0: Endpoint) -> None:
        ...
class SteppedDatagram:
    """
    One datagram an engine sent (an IKE message without the non-ESP marker).
    """
    def __init__(self, data: typing.Any, source: Endpoint, destination: Route, time: typing.SupportsFloat | typing.SupportsIndex = 0.0) -> None:
        """
        A datagram built by hand (to inject one).
        """
    def __len__(self) -> int:
        ...
    def __repr__(self) -> str:
        ...
    @property
    def data(self) -> bytes:
        """
        The message bytes; may be replaced before the datagram is delivered.
        """
    @data.setter
    def data(self, arg1: typing.Any) -> None:
        ...
    @property
    def destination(self) -> Route:
        """
        Where it goes, and whether on NAT-T.
        """
    @destination.setter
    def destination(self, arg0: Route) -> None:
        ...
    @property
    def source(self) -> Endpoint:
        """
        The sender's address (its NAT-T port when on NAT-T).
        """
    @source.setter
    def source(self, arg0: Endpoint) -> None:
        ...
    @property
    def time(self) -> float:
        """
        Virtual time of sending, in seconds.
        """
class NetworkConfig:
    """
    A configuration's "network" section (addresses and ports).
    """
    @property
    def local_address(self) -> str:
        """
        This side's address (text).
        """
    @property
    def local_natt_port(self) -> int | None:
        """
        This side's NAT-T port, or None.
        """
    @property
    def local_port(self) -> int:
        """
        This side's IKE port.
        """
    @property
    def remote_address(self) -> str | None:
        """
        The peer's address (text), or None.
        """
    @property
    def remote_natt_port(self) -> int:
        """
        The peer's NAT-T port.
        """
    @property
    def remote_port(self) -> int:
        """
        The peer's IKE port.
        """
class EngineConfig:
    """
    One endpoint's engine settings, as parsed and validated from the configuration language (docs/config.md). Opaque: it holds credentials.
    """
    def __repr__(self) -> str:
        ...
    @property
    def initial_contact(self) -> bool:
        """
        Whether the first IKE_AUTH carries N(INITIAL_CONTACT).
        """
    @property
    def nonce_size(self) -> int:
        """
        Ni/Nr length in bytes.
        """
    @property
    def window_size(self) -> int:
        """
        The window announced (SET_WINDOW_SIZE).
        """
class EndpointConfig:
    """
    A whole configuration document: the engine and its network.
    """
    @property
    def engine(self) -> EngineConfig:
        """
        The engine's settings.
        """
    @property
    def network(self) -> NetworkConfig:
        """
        The network section.
        """
class Event:
    """
    One engine event: a state change, a message sent or received, a decision, an error.
    """
    def __repr__(self) -> str:
        ...
    def __str__(self) -> str:
        ...
    @property
    def child(self) -> int:
        """
        The Child SA's id (0: none).
        """
    @property
    def child_state(self) -> ChildSaState:
        """
        ChildSaState events: the new state.
        """
    @property
    def datagrams(self) -> list:
        """
        Message events: the datagrams as sent or received (each fragment).
        """
    @property
    def detail(self) -> str:
        """
        One line for people.
        """
    @property
    def exchange(self) -> ExchangeType:
        """
        Message events: the exchange type.
        """
    @property
    def ike_sa(self) -> int:
        """
        The IKE SA's serial (0: none).
        """
    @property
    def ike_state(self) -> IkeSaState:
        """
        IkeSaState events: the new state.
        """
    @property
    def kind(self) -> EventKind:
        """
        What the event reports (EventKind).
        """
    @property
    def kind_name(self) -> str:
        """
        The kind's name.
        """
    @property
    def message_id(self) -> int:
        """
        Message events: the Message ID.
        """
    @property
    def payloads(self) -> list[Payload]:
        """
        Message events: the payload chain (the decrypted inner one for encrypted messages).
        """
    @property
    def response(self) -> bool:
        """
        Message events: a response.
        """
    @property
    def retransmission(self) -> bool:
        """
        MessageSent: sent again unchanged.
        """
    @property
    def spi_i(self) -> int:
        """
        Message events: SPIi.
        """
    @property
    def spi_r(self) -> int:
        """
        Message events: SPIr.
        """
    @property
    def time(self) -> float:
        """
        Virtual time in seconds.
        """
class ChildSaInfo:
    """
    A read-only view of one Child SA (keys only through keys()).
    """
    def __repr__(self) -> str:
        ...
    def keys(self) -> dict:
        """
        The KEYMAT (RFC 7296 2.17) as a dict encr_i/integ_i/encr_r/integ_r: key export, call it only when asked.
        """
    @property
    def id(self) -> int:
        """
        The engine-local id.
        """
    @property
    def inbound_spi(self) -> bytes:
        """
        The SPI this side receives ESP with.
        """
    @property
    def outbound_spi(self) -> bytes:
        """
        The SPI this side sends ESP with.
        """
    @property
    def spi_i(self) -> bytes:
        """
        The creating exchange initiator's inbound SPI.
        """
    @property
    def spi_r(self) -> bytes:
        """
        The creating exchange responder's inbound SPI.
        """
    @property
    def state(self) -> ChildSaState:
        """
        ChildSaState.
        """
    @property
    def suite(self) -> str:
        """
        The chosen ESP suite as text ("ENCR_AES_GCM_16 256 / NO_ESN").
        """
    @property
    def transport_mode(self) -> bool:
        """
        Transport mode (else tunnel).
        """
    @property
    def tsi(self) -> list[TrafficSelector]:
        """
        TSi as narrowed.
        """
    @property
    def tsr(self) -> list[TrafficSelector]:
        """
        TSr as narrowed.
        """
    @property
    def we_initiated(self) -> bool:
        """
        This side created it as exchange initiator.
        """
class IkeSaInfo:
    """
    A read-only view of one IKE SA (no keys).
    """
    def __repr__(self) -> str:
        ...
    @property
    def assigned_address(self) -> typing.Any:
        """
        The address assigned from the pool (responder), or None.
        """
    @property
    def children(self) -> list[ChildSaInfo]:
        """
        Every Child SA, deleted ones included.
        """
    @property
    def cp_attributes(self) -> list[CfgAttribute]:
        """
        CFG_REPLY attributes received (initiator) or sent (responder).
        """
    @property
    def fragmentation(self) -> bool:
        """
        RFC 7383 fragmentation negotiated.
        """
    @property
    def group(self) -> DhGroup:
        """
        The key exchange group (DhGroup).
        """
    @property
    def nat_detected(self) -> bool:
        """
        A NAT was detected.
        """
    @property
    def original_initiator(self) -> bool:
        """
        This side started it.
        """
    @property
    def peer_id(self) -> IdPayload:
        """
        The peer's identity (IdPayload; empty until authenticated).
        """
    @property
    def peer_redirect_supported(self) -> bool:
        """
        The peer sent REDIRECT_SUPPORTED.
        """
    @property
    def peer_window(self) -> int:
        """
        The peer's window (SET_WINDOW_SIZE).
        """
    @property
    def replaced_by(self) -> int:
        """
        The serial of the IKE SA that rekeyed it (0: none).
        """
    @property
    def retransmissions(self) -> int:
        """
        Requests of this SA sent again.
        """
    @property
    def route(self) -> Route:
        """
        The peer's route.
        """
    @property
    def serial(self) -> int:
        """
        The engine-local serial.
        """
    @property
    def spi_i(self) -> int:
        """
        SPIi.
        """
    @property
    def spi_r(self) -> int:
        """
        SPIr (0 before the IKE_SA_INIT response).
        """
    @property
    def state(self) -> IkeSaState:
        """
        IkeSaState.
        """
    @property
    def suite(self) -> typing.Any:
        """
        The chosen IKE suite as text, or None before IKE_SA_INIT completed.
        """
class SteppedEngine:
    """
    One IKEv2 endpoint (both roles) stepped by hand: take() the datagrams it sent, receive() what arrives, advance() virtual time to fire retransmissions and lifetimes.
    """
    @staticmethod
    def create(config: typing.Any, *, local: Endpoint | None = None, natt_port: typing.SupportsInt | typing.SupportsIndex | None = None, name: str = 'engine', seed: typing.SupportsInt | typing.SupportsIndex | None = None, export_keys: bool = False, keep_events: bool = True, clock: VirtualClock | None = None, source: str = '<config>', base_dir: typing.Any = '.') -> SteppedEngine:
        """
        An engine from a configuration: a dict or JSON text in the configuration language (relative file names from base_dir; errors name `source`), a path of a file, an EndpointConfig or an EngineConfig. local: this side's address (default: the network section's). seed: deterministic SPIs, nonces and DH values (None: random). clock: a VirtualClock shared with other engines (None: its own). Raises ScenarioError for configuration mistakes, EngineError when the engine refuses the configuration.
        """
    def __repr__(self) -> str:
        ...
    def advance(self, seconds: typing.SupportsFloat | typing.SupportsIndex) -> int:
        """
        Moves the clock on, firing every timer due (retransmissions, lifetimes); returns how many fired.
        """
    def clear_events(self) -> None:
        """
        Forgets the events kept so far.
        """
    def create_child(self, ike_sa: typing.SupportsInt | typing.SupportsIndex) -> None:
        """
        Queues a CREATE_CHILD_SA for a new Child SA.
        """
    def delete_child(self, ike_sa: typing.SupportsInt | typing.SupportsIndex, child: typing.SupportsInt | typing.SupportsIndex) -> None:
        """
        Queues an INFORMATIONAL deleting a Child SA.
        """
    def delete_ike(self, ike_sa: typing.SupportsInt | typing.SupportsIndex) -> None:
        """
        Queues an INFORMATIONAL deleting the IKE SA.
        """
    def events(self) -> list[Event]:
        """
        The events since creation or clear_events(), in order.
        """
    def half_open(self) -> int:
        """
        Half-open IKE SAs (responder: IKE_AUTH not done).
        """
    def ike_sa(self, serial: typing.SupportsInt | typing.SupportsIndex) -> IkeSaInfo | None:
        """
        One IKE SA, or None.
        """
    def ike_sas(self) -> list[IkeSaInfo]:
        """
        Every IKE SA in the table.
        """
    def ike_sas_in(self, state: IkeSaState) -> list[int]:
        """
        The serials of the IKE SAs in a state.
        """
    def initiate(self, peer: Endpoint | None = None, peer_natt_port: typing.SupportsInt | typing.SupportsIndex = 4500) -> int:
        """
        Starts an IKE SA with `peer` (default: the network section's remote address); returns its serial.
        """
    def key_table(self) -> list[KeyTableEntry]:
        """
        The SK_* keys, one Wireshark ikev2_decryption_table row (KeyTableEntry) per IKE SA whose keys are derived (and, with export_keys, per forgotten one): key export, call it only when asked.
        """
    def last_cfg_ack(self, ike_sa: typing.SupportsInt | typing.SupportsIndex) -> list[CfgAttribute] | None:
        """
        The CFG_ACK attributes of the last CFG_SET exchange; None when the answer had no CP.
        """
    def liveness_check(self, ike_sa: typing.SupportsInt | typing.SupportsIndex) -> None:
        """
        Queues an empty INFORMATIONAL (RFC 7296 1.4).
        """
    def queued(self) -> int:
        """
        How many datagrams wait to be taken.
        """
    @typing.overload
    def receive(self, datagram: SteppedDatagram) -> None:
        """
        Hands a datagram another engine sent to this one (from its source, on NAT-T when sent there).
        """
    @typing.overload
    def receive(self, data: typing.Any, from_: Route) -> None:
        """
        Hands one IKE message (no non-ESP marker) to the engine, from a Route.
        """
    @typing.overload
    def receive(self, data: typing.Any, from_: Endpoint, natt: bool = False) -> None:
        """
        Hands one IKE message to the engine, from an address ("10.0.0.1:500" or an Endpoint).
        """
    def rekey_child(self, ike_sa: typing.SupportsInt | typing.SupportsIndex, child: typing.SupportsInt | typing.SupportsIndex) -> None:
        """
        Queues a Child SA rekey.
        """
    def rekey_ike(self, ike_sa: typing.SupportsInt | typing.SupportsIndex) -> None:
        """
        Queues an IKE SA rekey.
        """
    def send_cfg_set(self, ike_sa: typing.SupportsInt | typing.SupportsIndex, attributes: collections.abc.Sequence[CfgAttribute]) -> None:
        """
        Queues an INFORMATIONAL with CP(CFG_SET) (RFC 7296 3.15).
        """
    def take(self) -> list[SteppedDatagram]:
        """
        The datagrams sent since the last take(), oldest first (the queue is emptied).
        """
    @property
    def clock(self) -> VirtualClock:
        """
        The VirtualClock it runs on.
        """
    @property
    def local(self) -> Endpoint:
        """
        This side's address.
        """
    @property
    def name(self) -> str:
        """
        The name in events.
        """
    @property
    def natt_port(self) -> int:
        """
        This side's NAT-T port.
        """
    @property
    def network(self) -> NetworkConfig:
        """
        The configuration's network section.
        """
    @property
    def now(self) -> float:
        """
        The clock's time in seconds.
        """
class HubPolicy:
    """
    A FlexVPN hub's IOS policy objects (keyrings, profiles, policies, AAA, pools, virtual templates). Opaque: it holds keys.
    """
    def __repr__(self) -> str:
        ...
class HubConfig:
    """
    A whole hub file: the engine endpoint the hub runs on, and its policy.
    """
    @property
    def endpoint(self) -> EndpointConfig:
        """
        The hub's own endpoint configuration (EndpointConfig).
        """
    @property
    def policy(self) -> HubPolicy:
        """
        The hub's policy (HubPolicy).
        """
class HubEvent:
    """
    One line of the hub's log, as the router's debug trace reads.
    """
    class Style(enum.Enum):
        """
        How line() prints the ids.
        """
        NoIds = ...
        SaOnly = ...
        SessionAndSa = ...
        Syslog = ...
        @classmethod
        def __new__(cls, value):
            ...
    def __repr__(self) -> str:
        ...
    def __str__(self) -> str:
        ...
    def line(self) -> str:
        """
        The line as the trace prints it ("IKEv2:(SESSION ID = 1,SA ID = 1):...").
        """
    @property
    def sa(self) -> int:
        """
        SA ID (the engine's IKE SA serial).
        """
    @property
    def session(self) -> int:
        """
        SESSION ID.
        """
    @property
    def style(self) -> HubEvent.Style:
        """
        How line() prints it.
        """
    @property
    def text(self) -> str:
        """
        The text without ids.
        """
    @property
    def time(self) -> float:
        """
        Virtual time, seconds.
        """
class HubRoute:
    """
    A route of the hub's table, installed from a spoke's CFG_SET.
    """
    def __repr__(self) -> str:
        ...
    @property
    def interface(self) -> str:
        """
        "Virtual-Access1".
        """
    @property
    def mask(self) -> bytes:
        """
        4 octets.
        """
    @property
    def prefix(self) -> bytes:
        """
        4 octets.
        """
    @property
    def sa(self) -> int:
        """
        The IKE SA that pushed it.
        """
    @property
    def vrf(self) -> str:
        """
        "global".
        """
class HubInterface:
    """
    A Virtual-Access interface cloned from a virtual template.
    """
    def __repr__(self) -> str:
        ...
    @property
    def name(self) -> str:
        """
        "Virtual-Access1".
        """
    @property
    def sa(self) -> int:
        """
        The IKE SA it serves (its last one, once down).
        """
    @property
    def up(self) -> bool:
        """
        Whether it is up.
        """
    @property
    def virtual_template(self) -> int:
        """
        The template number.
        """
class HubSession:
    """
    One hub session: an IKE SA the hub authenticated (and its successors).
    """
    def __repr__(self) -> str:
        ...
    @property
    def active(self) -> bool:
        """
        False once its IKE SA is gone.
        """
    @property
    def address(self) -> typing.Any:
        """
        The address leased from the group's pool, or None.
        """
    @property
    def group(self) -> str:
        """
        The AAA group authorized.
        """
    @property
    def id(self) -> int:
        """
        SESSION ID.
        """
    @property
    def interface(self) -> str | None:
        """
        Its Virtual-Access interface, or None.
        """
    @property
    def keyring_peer(self) -> str:
        """
        The matched keyring peer block.
        """
    @property
    def profile(self) -> str:
        """
        The IKEv2 profile ("" when none matched).
        """
    @property
    def sa(self) -> int:
        """
        Its current IKE SA serial.
        """
class Hub:
    """
    A Cisco FlexVPN hub run on an engine: profile/keyring lookup, AAA authorization answering CFG_REQUEST, Virtual-Access interfaces, CFG_SET routes, INITIAL_CONTACT replacement, and a log like `debug crypto ikev2`.
    """
    @staticmethod
    def attach(engine: SteppedEngine, policy: typing.Any, *, local_address: typing.Any = None, fvrf: str = 'global', route_vrf: str = 'global', first_session_id: typing.SupportsInt | typing.SupportsIndex = 1, keep_events: bool = True) -> Hub:
        """
        Attaches a hub with `policy` (a HubPolicy or HubConfig) to a SteppedEngine configured by hub_engine_config(). local_address: the hub's address for policy matching (default: the engine's). Raises EngineError for an inconsistent policy or an engine with a local PSK.
        """
    def events(self) -> list[HubEvent]:
        """
        Every line logged so far (HubEvent).
        """
    def interfaces(self) -> list[HubInterface]:
        """
        Every Virtual-Access interface created, in creation order.
        """
    def lines(self) -> list[str]:
        """
        Every event's line(), in order.
        """
    def routes(self) -> list[HubRoute]:
        """
        The routes currently installed.
        """
    def session_of(self, sa: typing.SupportsInt | typing.SupportsIndex) -> HubSession | None:
        """
        The session of an IKE SA serial, or None.
        """
    def sessions(self) -> list[HubSession]:
        """
        Every session, active or not, in creation order.
        """
class CfgSetOutcome(enum.Enum):
    """
    How the peer answered a CFG_SET (RFC 7296 3.15.1).
    """
    Acknowledged = ...
    EmptyAck = ...
    Invalid = ...
    NoCp = ...
    NotSent = ...
    PartiallyAcknowledged = ...
    Pending = ...
    @classmethod
    def __new__(cls, value):
        ...
class SpokeEvent:
    """
    One line of the spoke model's log.
    """
    def __repr__(self) -> str:
        ...
    def __str__(self) -> str:
        ...
    @property
    def sa(self) -> int:
        """
        The IKE SA serial.
        """
    @property
    def text(self) -> str:
        """
        The line.
        """
    @property
    def time(self) -> float:
        """
        Virtual time, seconds.
        """
class SpokeRoute:
    """
    A route received in INTERNAL_IP4_SUBNET.
    """
    @property
    def mask(self) -> bytes:
        """
        4 octets.
        """
    @property
    def prefix(self) -> bytes:
        """
        4 octets.
        """
class SpokeSession:
    """
    What the spoke made of one IKE SA's configuration exchange.
    """
    @property
    def address(self) -> typing.Any:
        """
        INTERNAL_IP4_ADDRESS received, or None.
        """
    @property
    def applied(self) -> bool:
        """
        A CFG_REPLY was applied.
        """
    @property
    def cfg_ack(self) -> list[CfgAttribute] | None:
        """
        The CFG_ACK attributes received (None: no CP).
        """
    @property
    def cfg_reply_rejected(self) -> bool:
        """
        A CFG_REPLY came without CFG_REQUEST.
        """
    @property
    def cfg_set(self) -> CfgSetOutcome:
        """
        The CFG_SET outcome (CfgSetOutcome).
        """
    @property
    def cfg_set_sent(self) -> list[CfgAttribute]:
        """
        The CFG_SET attributes sent.
        """
    @property
    def dns(self) -> list:
        """
        INTERNAL_IP4_DNS received.
        """
    @property
    def netmask(self) -> typing.Any:
        """
        INTERNAL_IP4_NETMASK received, or None.
        """
    @property
    def routes(self) -> list[SpokeRoute]:
        """
        Routes received (SpokeRoute).
        """
    @property
    def sa(self) -> int:
        """
        The IKE SA serial.
        """
class Spoke:
    """
    The FlexVPN spoke model on an initiator engine: applies the CFG_REPLY and pushes its host route back with CFG_SET.
    """
    @staticmethod
    def attach(engine: SteppedEngine, *, send_cfg_set: bool = True, cfg_set_delay: typing.SupportsFloat | typing.SupportsIndex = 0.0) -> Spoke:
        """
        Watches a SteppedEngine configured by spoke_engine_config(). The CFG_SET is queued on the engine's clock `cfg_set_delay` seconds after the IKE SA is established (it leaves on the next advance()).
        """
    def events(self) -> list[SpokeEvent]:
        """
        The spoke's log.
        """
    def session(self, sa: typing.SupportsInt | typing.SupportsIndex) -> SpokeSession | None:
        """
        One IKE SA's configuration outcome, or None.
        """
    def sessions(self) -> list[SpokeSession]:
        """
        Every session, by serial.
        """
class Verdict:
    """
    A scenario's outcome: Pass, Fail (an expectation did not hold), Skip (not run), Error (the harness could not run it), KnownDeviation (the outcome the peer profile lists).
    
    Members:
    
      Pass
    
      Fail
    
      Skip
    
      Error
    
      KnownDeviation
    """
    Error: typing.ClassVar[Verdict]
    Fail: typing.ClassVar[Verdict]
    KnownDeviation: typing.ClassVar[Verdict]
    Pass: typing.ClassVar[Verdict]
    Skip: typing.ClassVar[Verdict]
    __members__: typing.ClassVar[dict[str, Verdict]]
    @typing.overload
    def __eq__(self, other: Verdict) -> bool:
        ...
    @typing.overload
    def __eq__(self, other: typing.Any) -> bool:
        ...
    def __getstate__(self) -> int:
        ...
    def __hash__(self) -> int:
        ...
    def __index__(self) -> int:
        ...
    def __init__(self, value: typing.SupportsInt | typing.SupportsIndex) -> None:
        ...
    def __int__(self) -> int:
        ...
    @typing.overload
    def __ne__(self, other: Verdict) -> bool:
        ...
    @typing.overload
    def __ne__(self, other: typing.Any) -> bool:
        ...
    def __repr__(self) -> str:
        ...
    def __setstate__(self, state: typing.SupportsInt | typing.SupportsIndex) -> None:
        ...
    def __str__(self) -> str:
        ...
    @property
    def name(self) -> str:
        ...
    @property
    def value(self) -> int:
        ...
class ScenarioResult:
    """
    The outcome of one scenario: verdict, first mismatch, transcript and events. Holds no key material.
    """
    def __init__(self) -> None:
        """
        An empty result (verdict Pass); results normally come from run_scenario or run_all.
        """
    def __repr__(self) -> str:
        ...
    def to_dict(self) -> typing.Any:
        """
        The result as results.json writes one scenario.
        """
    @property
    def duration(self) -> float:
        """
        Seconds of wall time.
        """
    @duration.setter
    def duration(self, arg0: typing.SupportsFloat | typing.SupportsIndex) -> None:
        ...
    @property
    def events(self) -> list[str]:
        """
        The harness engine's event lines.
        """
    @events.setter
    def events(self, arg0: collections.abc.Sequence[str]) -> None:
        ...
    @property
    def expected(self) -> str:
        """
        fail: the expectation, one line.
        """
    @expected.setter
    def expected(self, arg0: str) -> None:
        ...
    @property
    def failed_message(self) -> int | None:
        """
        0-based index into the transcript of the message that failed, or None.
        """
    @failed_message.setter
    def failed_message(self, arg0: typing.SupportsInt | typing.SupportsIndex | None) -> None:
        ...
    @property
    def failed_step(self) -> int | None:
        """
        0-based index of the failing step, or None.
        """
    @failed_step.setter
    def failed_step(self, arg0: typing.SupportsInt | typing.SupportsIndex | None) -> None:
        ...
    @property
    def got(self) -> str:
        """
        fail: what arrived instead, one line.
        """
    @got.setter
    def got(self, arg0: str) -> None:
        ...
    @property
    def id(self) -> str:
        """
        Scenario id: the path under scenarios/ without .json.
        """
    @id.setter
    def id(self, arg0: str) -> None:
        ...
    @property
    def key_table_file(self) -> str:
        """
        The Wireshark key table written beside the capture; empty when none.
        """
    @key_table_file.setter
    def key_table_file(self, arg0: str) -> None:
        ...
    @property
    def pcap_file(self) -> str:
        """
        The capture written beside the reports, relative to the output folder; empty when none.
        """
    @pcap_file.setter
    def pcap_file(self, arg0: str) -> None:
        ...
    @property
    def reason(self) -> str:
        """
        fail: the first mismatch; skip: why it did not run; error: what broke; known_deviation: the profile's reason; empty for pass.
        """
    @reason.setter
    def reason(self, arg0: str) -> None:
        ...
    @property
    def reference(self) -> str:
        """
        What it tests, e.g. "RFC 7296 2.6".
        """
    @reference.setter
    def reference(self, arg0: str) -> None:
        ...
    @property
    def requirement(self) -> str:
        """
        The requirement, in the scenario's words.
        """
    @requirement.setter
    def requirement(self, arg0: str) -> None:
        ...
    @property
    def role(self) -> str:
        """
        The role the harness played: "initiator" or "responder".
        """
    @role.setter
    def role(self, arg0: str) -> None:
        ...
    @property
    def tags(self) -> list[str]:
        """
        The scenario's tags.
        """
    @tags.setter
    def tags(self, arg0: collections.abc.Sequence[str]) -> None:
        ...
    @property
    def title(self) -> str:
        """
        The scenario's title.
        """
    @title.setter
    def title(self, arg0: str) -> None:
        ...
    @property
    def transcript(self) -> typing.Any:
        """
        Every message as it went over the wire, as dicts (index, time, direction, exchange, kind, message_id, spi_i, spi_r, label, mutations, fault, note, decrypted, datagrams, payloads), as results.json has them.
        """
    @property
    def verdict(self) -> Verdict:
        """
        The outcome (Verdict).
        """
    @verdict.setter
    def verdict(self, arg0: Verdict) -> None:
        ...
class VerdictCounts:
    """
    Scenarios per verdict.
    """
    def __repr__(self) -> str:
        ...
    def total(self) -> int:
        """
        All scenarios counted.
        """
    @property
    def error(self) -> int:
        """
        Scenarios the harness could not run.
        """
    @property
    def fail(self) -> int:
        """
        Scenarios that failed.
        """
    @property
    def known_deviation(self) -> int:
        """
        Scenarios with the outcome the peer profile lists.
        """
    @property
    def pass_(self) -> int:
        """
        Scenarios that passed ("pass" is a keyword).
        """
    @property
    def skip(self) -> int:
        """
        Scenarios skipped.
        """
class RunResult:
    """
    One run: the peer, the seed, when it started and every scenario's result.
    """
    def __init__(self, scenarios: collections.abc.Sequence[ScenarioResult] = [], peer: str = 'self', seed: typing.SupportsInt | typing.SupportsIndex = 1, started: str = '', duration: typing.SupportsFloat | typing.SupportsIndex = 0.0) -> None:
        """
        A run from its results; started is ISO 8601 UTC ("2026-11-27T10:00:00Z"), duration in seconds.
        """
    def __repr__(self) -> str:
        ...
    @property
    def duration(self) -> float:
        """
        Seconds of wall time for the whole run.
        """
    @duration.setter
    def duration(self, arg0: typing.SupportsFloat | typing.SupportsIndex) -> None:
        ...
    @property
    def peer(self) -> str:
        """
        "self", a profile name or ADDR:PORT.
        """
    @peer.setter
    def peer(self, arg0: str) -> None:
        ...
    @property
    def scenarios(self) -> list[ScenarioResult]:
        """
        The results (a copy; assign a list to change them).
        """
    @scenarios.setter
    def scenarios(self, arg0: collections.abc.Sequence[ScenarioResult]) -> None:
        ...
    @property
    def seed(self) -> int:
        """
        The run's seed.
        """
    @seed.setter
    def seed(self, arg0: typing.SupportsInt | typing.SupportsIndex) -> None:
        ...
    @property
    def started(self) -> str:
        """
        ISO 8601 UTC start time.
        """
    @started.setter
    def started(self, arg0: str) -> None:
        ...
class Scenario:
    """
    A conformance scenario as loaded: what it tests, the harness's role, both sides' configuration and the steps (docs/scenarios.md).
    """
    def __repr__(self) -> str:
        ...
    @property
    def id(self) -> str:
        """
        The path under scenarios/ without .json.
        """
    @property
    def reference(self) -> str:
        """
        The specification it tests, e.g. "RFC 7296 2.6".
        """
    @property
    def requirement(self) -> str:
        """
        The requirement, in the scenario's words.
        """
    @property
    def requires_capabilities(self) -> list[str]:
        """
        Capabilities the peer must have (peer profile names); a peer without one skips it.
        """
    @property
    def role(self) -> str:
        """
        The role the harness plays: "initiator" or "responder".
        """
    @property
    def sanity(self) -> str | None:
        """
        Id of the scenario that must pass first, or None.
        """
    @property
    def source(self) -> str:
        """
        The file it was read from (or the name given for a document).
        """
    @property
    def step_pointers(self) -> list[str]:
        """
        The JSON pointer of each step: "/steps/3".
        """
    @property
    def steps(self) -> list[str]:
        """
        One line per step, for people: "harness starts ike_sa", "expect IKE_SA_INIT response".
        """
    @property
    def tags(self) -> list[str]:
        """
        Tags, for selecting scenarios.
        """
    @property
    def title(self) -> str:
        """
        One line: what the scenario checks.
        """
class PeerKind:
    """
    Self: the built-in peer in this process; External: over UDP.
    
    Members:
    
      Self
    
      External
    """
    External: typing.ClassVar[PeerKind]
    Self: typing.ClassVar[PeerKind]
    __members__: typing.ClassVar[dict[str, PeerKind]]
    @typing.overload
    def __eq__(self, other: PeerKind) -> bool:
        ...
    @typing.overload
    def __eq__(self, other: typing.Any) -> bool:
        ...
    def __getstate__(self) -> int:
        ...
    def __hash__(self) -> int:
        ...
    def __index__(self) -> int:
        ...
    def __init__(self, value: typing.SupportsInt | typing.SupportsIndex) -> None:
        ...
    def __int__(self) -> int:
        ...
    @typing.overload
    def __ne__(self, other: PeerKind) -> bool:
        ...
    @typing.overload
    def __ne__(self, other: typing.Any) -> bool:
        ...
    def __repr__(self) -> str:
        ...
    def __setstate__(self, state: typing.SupportsInt | typing.SupportsIndex) -> None:
        ...
    def __str__(self) -> str:
        ...
    @property
    def name(self) -> str:
        ...
    @property
    def value(self) -> int:
        ...
class ExpectedVerdict:
    """
    The verdict a peer profile says a scenario gets.
    
    Members:
    
      Pass
    
      Fail
    
      Skip
    
      Error
    """
    Error: typing.ClassVar[ExpectedVerdict]
    Fail: typing.ClassVar[ExpectedVerdict]
    Pass: typing.ClassVar[ExpectedVerdict]
    Skip: typing.ClassVar[ExpectedVerdict]
    __members__: typing.ClassVar[dict[str, ExpectedVerdict]]
    @typing.overload
    def __eq__(self, other: ExpectedVerdict) -> bool:
        ...
    @typing.overload
    def __eq__(self, other: typing.Any) -> bool:
        ...
    def __getstate__(self) -> int:
        ...
    def __hash__(self) -> int:
        ...
    def __index__(self) -> int:
        ...
    def __init__(self, value: typing.SupportsInt | typing.SupportsIndex) -> None:
        ...
    def __int__(self) -> int:
        ...
    @typing.overload
    def __ne__(self, other: ExpectedVerdict) -> bool:
        ...
    @typing.overload
    def __ne__(self, other: typing.Any) -> bool:
        ...
    def __repr__(self) -> str:
        ...
    def __setstate__(self, state: typing.SupportsInt | typing.SupportsIndex) -> None:
        ...
    def __str__(self) -> str:
        ...
    @property
    def name(self) -> str:
        ...
    @property
    def value(self) -> int:
        ...
class PeerDeviation:
    """
    A known deviation: the verdict the peer gets and why.
    """
    def __repr__(self) -> str:
        ...
    @property
    def reason(self) -> str:
        """
        Why (never empty).
        """
    @property
    def verdict(self) -> ExpectedVerdict:
        """
        The verdict it is known to get.
        """
class SecretRef:
    """
    Where a secret is (an environment variable or a file), never the secret.
    """
    def __repr__(self) -> str:
        ...
    @property
    def env(self) -> str:
        """
        The variable's name, or empty.
        """
    @property
    def file(self) -> str:
        """
        The file's path, or empty.
        """
class PeerProfile:
    """
    The peer a run talks to (scenarios/peers/<name>.json): where it is, what it can do, its known deviations and disabled scenarios.
    """
    def __repr__(self) -> str:
        ...
    def deviation_for(self, id: str) -> PeerDeviation:
        """
        The deviation listed for exactly this scenario id, or None.
        """
    def disabled_reason(self, id: str) -> str | None:
        """
        The reason of the first disabled glob matching the id, or None.
        """
    def has(self, capability: str) -> bool:
        """
        Whether the capability is listed.
        """
    @property
    def adapter(self) -> str:
        """
        The program that configures the peer per scenario, or empty.
        """
    @property
    def address(self) -> str | None:
        """
        External: the peer's address (no brackets), else None.
        """
    @property
    def capabilities(self) -> set[str]:
        """
        The capabilities listed.
        """
    @property
    def description(self) -> str:
        """
        Free text.
        """
    @property
    def deviations(self) -> dict[str, PeerDeviation]:
        """
        Scenario id -> PeerDeviation.
        """
    @property
    def disabled(self) -> list[tuple[str, str]]:
        """
        (glob, reason) pairs, in file order.
        """
    @property
    def harness_identity(self) -> str | None:
        """
        identities.harness, or None.
        """
    @property
    def kind(self) -> PeerKind:
        """
        PeerKind.Self or PeerKind.External.
        """
    @property
    def local_address(self) -> str:
        """
        The address the harness binds.
        """
    @property
    def local_natt_port(self) -> int:
        """
        The harness's NAT-T port (0: a free port).
        """
    @property
    def local_port(self) -> int:
        """
        The harness's IKE port (0: a free port).
        """
    @property
    def name(self) -> str:
        """
        The file stem, "self", or the address given to resolve_peer.
        """
    @property
    def natt_port(self) -> int:
        """
        The peer's NAT-T port.
        """
    @property
    def peer_identity(self) -> str | None:
        """
        identities.peer, or None.
        """
    @property
    def port(self) -> int:
        """
        The peer's IKE port.
        """
    @property
    def psk(self) -> SecretRef | None:
        """
        Where the PSK is (SecretRef), or None; the PSK is never read here.
        """
class RunOptions:
    """
    How scenarios run: the peer, the seed, where files go.
    """
    def __init__(self, peer: PeerProfile | None = None, seed: typing.SupportsInt | typing.SupportsIndex = 1, out_dir: str = '', export_keys: bool = True) -> None:
        """
        peer: the PeerProfile (None: self_profile()); seed: runs are deterministic for it; out_dir: folder for each scenario's <id>.pcap (and <id>.keys when export_keys), empty for none.
        """
    def __repr__(self) -> str:
        ...
    @property
    def export_keys(self) -> bool:
        """
        Write each scenario's Wireshark key table beside its pcap.
        """
    @export_keys.setter
    def export_keys(self, arg0: bool) -> None:
        ...
    @property
    def out_dir(self) -> str:
        """
        Folder for pcaps and key tables; empty: none.
        """
    @out_dir.setter
    def out_dir(self, arg0: str) -> None:
        ...
    @property
    def peer(self) -> PeerProfile:
        """
        The PeerProfile run against.
        """
    @peer.setter
    def peer(self, arg0: PeerProfile) -> None:
        ...
    @property
    def seed(self) -> int:
        """
        Mixed with each scenario's id.
        """
    @seed.setter
    def seed(self, arg0: typing.SupportsInt | typing.SupportsIndex) -> None:
        ...
def classify_cfg_ack(sent: collections.abc.Sequence[CfgAttribute], ack: collections.abc.Sequence[CfgAttribute] | None) -> CfgSetOutcome:
    """
    Classifies the CFG_ACK attributes received for `sent` (ack None: the answer had no CP).
    """
def classify_udp(payload: typing_extensions.Buffer, natt: bool) -> Datagram:
    """
    Classifies a UDP payload; natt is True when either port is the NAT-T port (non-ESP marker, ESP, keepalive).
    """
def count_verdicts(run: RunResult) -> VerdictCounts:
    """
    Scenarios of the run per verdict.
    """
def decode_body(type: typing.Any, data: typing.Any) -> typing.Any:
    """
    Decodes a body alone (no generic header). Raises DecodeError.
    """
def decode_header(data: typing.Any) -> Header:
    """
    Decodes the 28-byte IKE header alone (its wire values). Raises DecodeError.
    """
def decode_message(data: typing.Any) -> Message:
    """
    The same as Message.decode(data).
    """
def decode_payloads(first: typing.Any, data: typing.Any) -> list:
    """
    Decodes a bare payload chain starting with a payload of type `first`. Raises DecodeError.
    """
def derive_child_sa_keys(prf: typing.Any, sk_d: Secret | typing_extensions.Buffer, encr: EncrInfo, integ: IntegInfo | None, ni: typing_extensions.Buffer, nr: typing_extensions.Buffer, g_ir_new: Secret | typing_extensions.Buffer = b'') -> ChildSaKeys:
    """
    KEYMAT = prf+(SK_d, [g^ir (new) |] Ni | Nr) split into encryption then integrity key, initiator first (RFC 7296 2.17).
    """
def derive_ike_sa_keys(suite: KeySuite, skeyseed: Secret | typing_extensions.Buffer, ni: typing_extensions.Buffer, nr: typing_extensions.Buffer, spi_i: typing.SupportsInt | typing.SupportsIndex, spi_r: typing.SupportsInt | typing.SupportsIndex) -> IkeSaKeys:
    """
    {SK_d | SK_ai | SK_ar | SK_ei | SK_er | SK_pi | SK_pr} = prf+(SKEYSEED, Ni | Nr | SPIi | SPIr), sized by the suite (RFC 7296 2.14).
    """
def empty_body(type: typing.Any) -> typing.Any:
    """
    The default body of a payload type (UnknownPayload for types without one).
    """
def encode_body(body: typing.Any) -> bytes:
    """
    Encodes a body alone (no generic header).
    """
def encode_message(message: Message) -> bytes:
    """
    The same as message.encode().
    """
def encode_payloads(payloads: collections.abc.Iterable) -> tuple[bytes, typing.Any]:
    """
    A bare payload chain (as inside SK): returns (bytes, type of the first payload).
    """
def encr_info(id: typing.Any, key_bits: typing.SupportsInt | typing.SupportsIndex | None = None) -> EncrInfo:
    """
    Sizes of an ENCR transform (EncrId, int or name); key_bits is the KEY_LENGTH attribute. Raises CryptoError for an unsupported transform or key length.
    """
def expected_verdict_name(verdict: ExpectedVerdict) -> str:
    """
    "pass", "fail", "skip" or "error".
    """
def flexvpn_supported_vid() -> bytes:
    """
    "FLEXVPN-SUPPORTED" as ASCII: the Vendor ID a FlexVPN spoke and hub put first in IKE_AUTH.
    """
def format_key_table(entries: collections.abc.Sequence[KeyTableEntry]) -> str:
    """
    A whole table file: Wireshark's comment line and one row per entry. It contains the keys.
    """
def format_key_table_row(entry: KeyTableEntry) -> str:
    """
    One row (no newline) as parse_key_table reads it. It contains the keys.
    """
def hub_engine_config(config: EndpointConfig) -> EndpointConfig:
    """
    The endpoint configured as IOS behaves (FLEXVPN-SUPPORTED VID, SET_WINDOW_SIZE 5, no local PSK: the keyring's key is used).
    """
def integ_info(id: typing.Any) -> IntegInfo:
    """
    Sizes of an INTEG transform (IntegId, int or name). Raises CryptoError when unsupported.
    """
def is_understood(type: typing.Any) -> bool:
    """
    True for payload types with a structured body; others decode as UnknownPayload.
    """
def keys_for(keys: IkeSaKeys, initiator_flag: bool) -> SkKeys:
    """
    SK_ei/SK_ai when the message's I flag is set (the original initiator sends), else SK_er/SK_ar.
    """
def load_endpoint_config(path: typing.Any) -> EndpointConfig:
    """
    Reads and parses a configuration file. Raises ScenarioError.
    """
def load_engine_config(path: typing.Any) -> EngineConfig:
    """
    The engine's part of a configuration file. Raises ScenarioError.
    """
def load_hub_config(path: typing.Any) -> HubConfig:
    """
    Reads and parses a hub file (scenarios/flexvpn/configs/hub.json). Raises ScenarioError.
    """
def load_peer_profile(path: str) -> PeerProfile:
    """
    Reads a peer profile file (its name is the file stem); raises ScenarioError.
    """
def load_scenario(path: str, root: str = '') -> Scenario:
    """
    Reads one scenario file; its id is the path relative to root without .json (the file stem when outside root or root is empty). Raises ScenarioError.
    """
def load_scenarios(paths: collections.abc.Sequence[str], root: str = '') -> list[Scenario]:
    """
    Every *.json scenario under each path (file or folder, recursively; folders named schema, peers and configs are skipped), sorted by id. Raises ScenarioError for the first file that does not load or two files with one id.
    """
def make_key_table_entry(spi_i: typing.SupportsInt | typing.SupportsIndex, spi_r: typing.SupportsInt | typing.SupportsIndex, suite: KeySuite, keys: IkeSaKeys) -> KeyTableEntry:
    """
    A key table row for a negotiated suite. Raises CryptoError when Wireshark has no name for a transform.
    """
def make_message(exchange: typing.Any, flags: typing.SupportsInt | typing.SupportsIndex, message_id: typing.SupportsInt | typing.SupportsIndex, spi_i: typing.SupportsInt | typing.SupportsIndex, spi_r: typing.SupportsInt | typing.SupportsIndex, payloads: collections.abc.Iterable) -> Message:
    """
    A built message (the C++ make_message).
    """
def make_nonce(data: typing.Any) -> Payload:
    """
    A Nonce payload.
    """
def make_notify(type: typing.Any, data: typing.Any = b'', protocol: typing.Any = 0, spi: typing.Any = b'') -> Payload:
    """
    A Notify payload of `type` (NotifyType or any int).
    """
def make_suite(encr: typing.Any, key_bits: typing.SupportsInt | typing.SupportsIndex | None, integ: typing.Any, prf: typing.Any) -> KeySuite:
    """
    A KeySuite from IANA ids (enums, ints or names). integ may be AUTH_NONE only with an AEAD cipher. Raises CryptoError for unsupported transforms or key lengths.
    """
def make_vendor_id(data: typing.Any) -> Payload:
    """
    A Vendor ID payload.
    """
def parse_endpoint_config(config: typing.Any, source: str = '<config>', base_dir: typing.Any = '.') -> EndpointConfig:
    """
    Parses a configuration (a dict or JSON text; relative file names from base_dir). Raises ScenarioError with file (source) and JSON pointer.
    """
def parse_engine_config(config: typing.Any, source: str = '<config>', base_dir: typing.Any = '.') -> EngineConfig:
    """
    The engine's part of a configuration (a dict or JSON text). Raises ScenarioError.
    """
def parse_hub_config(config: typing.Any, source: str = '<config>', base_dir: typing.Any = '.') -> HubConfig:
    """
    Parses a hub document (a dict or JSON text; relative file names from base_dir). Raises ScenarioError with file and JSON pointer.
    """
def parse_key_table(text: str, file: str = '<string>') -> KeyTable:
    """
    Parses ikev2_decryption_table text; file names the source in errors. Raises CaptureError ("FILE:LINE: ...").
    """
def parse_peer_profile(json_text: str, source: str, name: str, base_dir: str = '.') -> PeerProfile:
    """
    Parses a peer profile document; raises ScenarioError (.file, .pointer) on any error.
    """
def parse_scenario(json_text: str, id: str, source: str, base_dir: str = '.') -> Scenario:
    """
    Parses one scenario document. id is its path under scenarios/ without .json, source names it in errors, base_dir resolves relative file paths in it. Raises ScenarioError (.file, .pointer) on any error.
    """
def prf(prf: typing.Any, key: Secret | typing_extensions.Buffer, data: typing_extensions.Buffer) -> Secret:
    """
    prf(key, data) as a Secret. Raises CryptoError.
    """
def prf_info(id: typing.Any) -> PrfInfo:
    """
    Sizes of a PRF (PrfId, int or name). Raises CryptoError when unsupported.
    """
def prf_plus(prf: typing.Any, key: Secret | typing_extensions.Buffer, seed: typing_extensions.Buffer, length: typing.SupportsInt | typing.SupportsIndex) -> Secret:
    """
    prf+(key, seed) truncated to length bytes (RFC 7296 2.13). Raises CryptoError past 255 blocks.
    """
def prf_prf(prf: typing.Any, key: Secret | typing_extensions.Buffer, label: typing_extensions.Buffer, data: typing_extensions.Buffer) -> Secret:
    """
    prf(prf(key, label), data), as AUTH with a shared secret uses it (RFC 7296 2.15).
    """
def protect(suite: KeySuite, keys: SkKeys, message: typing.Any, first_inner: typing.Any, inner: typing_extensions.Buffer, faults: ProtectFaults | None = None) -> bytes:
    """
    Encrypts the inner payload chain (bytes starting with a payload of type first_inner) into the last payload (SK or SKF) of message (a codec Message or its encoded bytes) and returns the wire bytes. Raises CryptoError (no SK/SKF last, wrong key sizes).
    """
def protect_fragments(suite: KeySuite, keys: SkKeys, message: typing.Any, first_inner: typing.Any, inner: typing_extensions.Buffer, max_datagram: typing.SupportsInt | typing.SupportsIndex) -> list:
    """
    RFC 7383: the inner chain split into SKF fragments whose datagrams fit max_datagram bytes, each protected on its own; returns their wire bytes. Raises CryptoError.
    """
def read_key_table(path: str) -> KeyTable:
    """
    Reads and parses an ikev2_decryption_table file. Raises CaptureError ("FILE:LINE: ..." or "FILE: cannot read: ...").
    """
def resolve_peer(arg: str, profiles_dir: str) -> PeerProfile:
    """
    The peer `--peer ARG` names: "self", a profile file (ends in .json or has a /), ADDR[:PORT], or NAME (profiles_dir/NAME.json). Raises ScenarioError.
    """
def run_all(scenarios: collections.abc.Sequence[Scenario], options: RunOptions, jobs: typing.SupportsInt | typing.SupportsIndex = 1, progress: collections.abc.Callable | None = None) -> list[ScenarioResult]:
    """
    Runs scenarios on `jobs` threads, applying the profile: disabled scenarios and missing capabilities skip, sanity scenarios run first and a failed one skips its dependents, known deviations become Verdict.KnownDeviation. Results in the order given. progress(result, done, total) is called after each scenario; an exception it raises is raised after the run.
    """
def run_scenario(scenario: Scenario, options: RunOptions) -> ScenarioResult:
    """
    Runs one scenario (without sanity scenarios or profile expectations: run_all applies those). Never raises for the scenario's outcome: a harness problem is Verdict.Error with the reason.
    """
def run_to_json(run: RunResult) -> typing.Any:
    """
    The run as results.json holds it, as a dict.
    """
def self_profile() -> PeerProfile:
    """
    The built-in self peer: every capability, no deviations, nothing disabled.
    """
def skeyseed(prf: typing.Any, ni: typing_extensions.Buffer, nr: typing_extensions.Buffer, g_ir: Secret | typing_extensions.Buffer) -> Secret:
    """
    SKEYSEED = prf(Ni | Nr, g^ir); for the AES PRFs the key is the first 64 bits of Ni and Nr (RFC 7296 2.14).
    """
def skeyseed_rekey(old_prf: typing.Any, old_sk_d: Secret | typing_extensions.Buffer, g_ir_new: Secret | typing_extensions.Buffer, ni: typing_extensions.Buffer, nr: typing_extensions.Buffer) -> Secret:
    """
    Rekeyed SKEYSEED = prf(SK_d (old), g^ir (new) | Ni | Nr) (RFC 7296 2.18).
    """
def spoke_engine_config(config: EndpointConfig, *, group: str | None = None, group_password: typing.Any = None, window_size: typing.SupportsInt | typing.SupportsIndex = 5, initial_contact: bool = True) -> EndpointConfig:
    """
    A FlexVPN spoke's configuration from `config`: FLEXVPN-SUPPORTED first, CFG_REQUEST with INTERNAL_IP4_ADDRESS and the group name/password attributes (16521/16522), INITIAL_CONTACT, SET_WINDOW_SIZE.
    """
def summary(message: Message) -> str:
    """
    The same as message.summary().
    """
def to_hex(data: typing.Any) -> str:
    """
    Lower-case hex of the bytes, as the reports print them.
    """
def unprotect(suite: KeySuite, keys: SkKeys, wire: typing_extensions.Buffer, message: typing.Any = None) -> Unprotected:
    """
    Verifies the ICV (or AEAD tag) of the wire bytes and decrypts their last payload (SK or SKF). message is the Message decoded from wire (decoded here when None; DecodeError when it does not decode). Raises CryptoError ("ICV mismatch", short or misaligned ciphertext, bad pad length).
    """
def verdict_name(verdict: Verdict) -> str:
    """
    The verdict as reports write it: "pass", "fail", "skip", "error", "known_deviation".
    """
def write_html(run: RunResult, file: os.PathLike | str | bytes) -> None:
    """
    Writes the self-contained HTML report with a ladder diagram per scenario; raises IkeError when it cannot be written.
    """
def write_junit(run: RunResult, file: os.PathLike | str | bytes) -> None:
    """
    Writes JUnit XML (one testsuite per suite, one testcase per scenario); raises IkeError when it cannot be written.
    """
def write_results_json(run: RunResult, file: os.PathLike | str | bytes) -> None:
    """
    Writes results.json (run_to_json) to file; raises IkeError when it cannot be written.
    """
FLAG_INITIATOR: int = 8
FLAG_RESPONSE: int = 32
FLAG_VERSION: int = 16
HEADER_SIZE: int = 28
IKE_PORT: int = 500
NAT_T_PORT: int = 4500
__version__: str = '0.1.0'
kGroupNameAttribute: int = 16521
kGroupPasswordAttribute: int = 16522
