# SPDX-License-Identifier: Apache-2.0
"""IKEv2 messages and payloads (RFC 7296 section 3), the C++ codec's API.

    >>> from ikeharness.codec import *
    >>> m = Message(exchange_type=ExchangeType.IKE_SA_INIT, flags=FLAG_INITIATOR,
    ...             payloads=[nonce(b"\\x01" * 32), notify(NotifyType.COOKIE, b"\\x02" * 8)])
    >>> m2 = Message.decode(m.encode())
    >>> m2.payload_types()
    [<PayloadType.NONCE: 40>, <PayloadType.N: 41>]

Ownership: ``Message.decode`` wraps the decoded C++ message; payloads become
Python objects only when taken. ``m[i]`` (and iteration, ``find``,
``m.payloads[i]``) refer to the payload inside the message, so
``m[0].set("payload_length", 99)`` changes the message; once the payload list
changes shape (append, insert, delete, assignment) such objects are detached
snapshots (still valid, no longer part of the message). ``Payload.body`` and the
list members of bodies (``proposals``, ``transforms``, ...) are copies: change
them and assign them back, or set fields in place by path with ``set``.

This module adds, in Python: ``to_dict()`` (the ``ikeharness decode --json``
view) and ``get(path)`` / ``p[path]`` on payloads and messages, and builders
mirroring the C++ make_* functions.
"""
from __future__ import annotations

import enum
import json
import struct
from typing import Any, Dict, Iterable, Optional, Union, cast

from . import _core
from ._core import (
    FLAG_INITIATOR,
    FLAG_RESPONSE,
    FLAG_VERSION,
    HEADER_SIZE,
    AuthMethod,
    AuthPayload,
    CertEncoding,
    CertPayload,
    CertReqPayload,
    CfgAttribute,
    CfgAttributeType,
    CfgType,
    CpPayload,
    DeletePayload,
    DhGroup,
    EapPayload,
    EncrId,
    EsnId,
    ExchangeType,
    HashAlgorithm,
    Header,
    IdPayload,
    IdType,
    IntegId,
    KePayload,
    Message,
    NoncePayload,
    NotifyPayload,
    NotifyType,
    Payload,
    PayloadList,
    PayloadType,
    PrfId,
    Proposal,
    ProtocolId,
    SaPayload,
    SkfPayload,
    SkPayload,
    TrafficSelector,
    Transform,
    TransformAttribute,
    TransformAttributeType,
    TransformType,
    TsPayload,
    TsType,
    UnknownPayload,
    VendorIdPayload,
    decode_body,
    decode_header,
    decode_message,
    decode_payloads,
    empty_body,
    encode_body,
    encode_message,
    encode_payloads,
    is_understood,
    make_message,
    make_nonce,
    make_notify,
    make_vendor_id,
    summary,
)

__all__ = [
    # registries
    "ExchangeType", "PayloadType", "NotifyType", "TransformType", "EncrId", "PrfId", "IntegId", "DhGroup",
    "EsnId", "TransformAttributeType", "ProtocolId", "IdType", "CertEncoding", "AuthMethod", "CfgType",
    "CfgAttributeType", "TsType", "HashAlgorithm",
    # constants
    "HEADER_SIZE", "FLAG_INITIATOR", "FLAG_VERSION", "FLAG_RESPONSE",
    # structures
    "Message", "Header", "Payload", "PayloadList", "TransformAttribute", "Transform", "Proposal",
    "TrafficSelector", "CfgAttribute", "UnknownPayload", "SaPayload", "KePayload", "IdPayload", "CertPayload",
    "CertReqPayload", "AuthPayload", "NoncePayload", "NotifyPayload", "DeletePayload", "VendorIdPayload",
    "TsPayload", "SkPayload", "CpPayload", "EapPayload", "SkfPayload",
    # C++ functions
    "decode_message", "encode_message", "decode_payloads", "encode_payloads", "decode_header", "decode_body",
    "encode_body", "empty_body", "is_understood", "make_message", "make_notify", "make_nonce", "make_vendor_id",
    "summary",
    # Python conveniences
    "notify", "nonce", "vendor_id", "ke", "sa", "proposal", "transform", "payload_to_dict", "message_to_dict",
    "payload_get", "message_get", "header_get",
]

Buffer = Union[bytes, bytearray, memoryview]
FieldResult = Union[int, bool, bytes]

# ------------------------------------------------------------------ builders


def notify(type: Union[NotifyType, int], data: Buffer = b"", protocol: Union[ProtocolId, int] = 0,
           spi: Buffer = b"", *, critical: bool = False) -> Payload:
    """A Notify payload (make_notify), optionally with the critical bit set."""
    p = make_notify(type, data, protocol, spi)
    p.critical = critical
    return p


def nonce(data: Buffer) -> Payload:
    """A Nonce payload (make_nonce)."""
    return make_nonce(data)


def vendor_id(data: Buffer) -> Payload:
    """A Vendor ID payload (make_vendor_id)."""
    return make_vendor_id(data)


def ke(group: Union[DhGroup, int], data: Buffer) -> Payload:
    """A KE payload of a Diffie-Hellman group with its public value."""
    return Payload(PayloadType.KE, KePayload(group=group, data=data))


def transform(type: Union[TransformType, int], id: int, key_length: Optional[int] = None) -> Transform:
    """A transform, with a KEY_LENGTH attribute when key_length is given."""
    t = Transform(type=type, id=int(id))
    if key_length is not None:
        t.key_length = key_length
    return t


def proposal(protocol_id: Union[ProtocolId, int], transforms: Iterable[Transform], spi: Buffer = b"",
             number: Optional[int] = None) -> Proposal:
    """A proposal (its number, sizes and counts are computed unless given)."""
    return Proposal(protocol_id=protocol_id, transforms=list(transforms), spi=spi, number=number)


def sa(*proposals: Proposal) -> Payload:
    """An SA payload holding the proposals in order."""
    return Payload(PayloadType.SA, SaPayload(proposals=list(proposals)))


# ------------------------------------------------------------------ dict view and get by path

_HEADER_NAMES = ("initiator_spi", "responder_spi", "next_payload", "version", "exchange_type", "flags",
                 "message_id", "length")
_HEADER_ALIASES = {"spi_i": "initiator_spi", "spi_r": "responder_spi"}
_GENERIC = ("next_payload", "critical", "reserved", "payload_length")


def payload_to_dict(p: Payload) -> Dict[str, Any]:
    """The payload as ``ikeharness decode --json`` shows it (encoded alone:
    its Next Payload reads 0 unless overridden). Bytes are hex strings."""
    return cast(Dict[str, Any], json.loads(p._payloads_json())[0])


def message_to_dict(m: Message) -> Dict[str, Any]:
    """``{"header": {...}, "payloads": [...]}`` as ``ikeharness decode --json``
    shows the message once encoded (computed fields filled in)."""
    wire = m.encode()
    spi_i, spi_r, nxt, ver, exch, flags, mid, length = struct.unpack(">QQBBBBII", wire[:HEADER_SIZE])
    header = {"initiator_spi": f"{spi_i:016x}", "responder_spi": f"{spi_r:016x}", "next_payload": nxt,
              "version": ver, "exchange_type": exch, "flags": flags, "message_id": mid, "length": length}
    return {"header": header, "payloads": json.loads(m._payloads_json())}


def _leaf(key: str, value: Any) -> FieldResult:
    if isinstance(value, str):
        return bytes.fromhex(value)
    if isinstance(value, (dict, list)):
        raise KeyError(f"{key!r} is a structure, not a field; name one of its fields")
    return cast(FieldResult, value)


def payload_get(p: Payload, path: str) -> FieldResult:
    """The wire value of the field at ``path`` (the paths ``set`` takes):
    numbers as int, flags as bool, byte fields as bytes; computed fields
    (lengths, counts) as the encoder computes them or their override."""
    d = payload_to_dict(p)
    parts = path.split("/")
    if len(parts) == 1 and parts[0] in _GENERIC:
        return _leaf(parts[0], d[parts[0]])
    if parts[0] == "body":
        parts = parts[1:]
    node: Any = d["body"]
    for i, part in enumerate(parts):
        if isinstance(node, list):
            try:
                node = node[int(part)]
            except (ValueError, IndexError):
                raise KeyError(f"{path!r}: no element {part!r}") from None
        elif isinstance(node, dict):
            if part in node and not part.endswith(("_name", "_text")):
                node = node[part]
            elif part + "s" in node:
                node = node[part + "s"]
            else:
                raise KeyError(f"{path!r}: no field {part!r} in {p!r} (field_paths() lists them)")
        if i == len(parts) - 1:
            return _leaf(part, node)
    raise KeyError(f"{path!r}: not a field path")


def message_get(m: Message, path: str) -> FieldResult:
    """The wire value of an IKE header field (``length``, ``next_payload``,
    ``initiator_spi``/``spi_i``, ``major_version``, ...) once encoded."""
    name = path[len("header/"):] if path.startswith("header/") else path
    name = _HEADER_ALIASES.get(name, name)
    h = message_to_dict(m)["header"]
    if name == "major_version":
        return int(h["version"]) >> 4
    if name == "minor_version":
        return int(h["version"]) & 0x0F
    if name not in h:
        raise KeyError(f"{path!r}: no IKE header field (have {', '.join(_HEADER_NAMES)})")
    v = h[name]
    return int(v, 16) if isinstance(v, str) else v


def header_get(h: Header, path: str) -> Optional[int]:
    """An IKE header field as held (not encoded): computed fields
    (``next_payload``, ``length``) are their override or None."""
    name = path[len("header/"):] if path.startswith("header/") else path
    name = {"initiator_spi": "spi_i", "responder_spi": "spi_r"}.get(name, name)
    if name not in ("spi_i", "spi_r", "next_payload", "version", "major_version", "minor_version",
                    "exchange_type", "flags", "message_id", "length"):
        raise KeyError(f"{path!r}: no IKE header field (Header.field_paths() lists them)")
    v = getattr(h, name)
    return None if v is None else int(v)


def _payload_getitem(self: Payload, path: str) -> FieldResult:
    return payload_get(self, path)


# The dict view and reading by path as methods (Python conveniences on the C++ classes).
setattr(Payload, "to_dict", payload_to_dict)
setattr(Payload, "get", payload_get)
setattr(Payload, "__getitem__", _payload_getitem)
setattr(Message, "to_dict", message_to_dict)
setattr(Message, "get", message_get)
setattr(Header, "get", header_get)


def _value_text(v: Any) -> str:
    if isinstance(v, enum.Enum):
        return v.name
    if isinstance(v, (bytes, bytearray)):
        text = bytes(v).hex()
        return f"h'{text[:64]}...' ({len(v)} bytes)" if len(text) > 64 else f"h'{text}'"
    if isinstance(v, list):
        return "[" + ", ".join(_value_text(x) for x in v) + "]"
    return repr(v)


def _fields_repr(self: Any) -> str:
    # Every field the class describes; computed fields not overridden (None)
    # are left out, so the text shows what was set or decoded.
    cls = type(self)
    names = sorted(n for n in dir(cls) if not n.startswith("_") and isinstance(getattr(cls, n), property))
    parts = [f"{n}={_value_text(getattr(self, n))}" for n in names if getattr(self, n) is not None]
    return f"{cls.__name__}({', '.join(parts)})"


# Bodies and their parts print their fields (registry values by name, bytes in hex).
for _cls in (UnknownPayload, SaPayload, KePayload, IdPayload, CertPayload, CertReqPayload, AuthPayload,
             NoncePayload, NotifyPayload, DeletePayload, VendorIdPayload, TsPayload, SkPayload, CpPayload,
             EapPayload, SkfPayload, Proposal, Transform, TransformAttribute, TrafficSelector, CfgAttribute):
    setattr(_cls, "__repr__", _fields_repr)
del _cls

_ = _core  # the extension stays imported under its own name for introspection
