# SPDX-License-Identifier: Apache-2.0
"""IKEv2 crypto: prf and prf+ (RFC 7296 2.13), SKEYSEED and the SK_* keys (2.14,
2.18), Child SA keys (2.17), SK/SKF protection (3.14, RFC 7383) and Wireshark
key tables.

Transforms are given as the codec's enums (``PrfId``, ``EncrId``, ``IntegId``),
as ints or as their IANA names (``"PRF_HMAC_SHA2_256"``). Keys are
:class:`Secret` objects: their repr shows only the length, ``reveal()`` returns
the bytes. Wherever a key is expected, bytes are accepted too.

Example::

    suite = make_suite("ENCR_AES_CBC", 256, "AUTH_HMAC_SHA2_256_128", "PRF_HMAC_SHA2_256")
    keys = derive_keys(suite, ni, nr, g_ir, spi_i, spi_r)
    wire = protect(suite, keys_for(keys, True), message, first_inner, inner)
    opened = unprotect(suite, keys_for(keys, True), wire)
"""
from __future__ import annotations

from typing import Union

from ._core import (
    ChildSaKeys,
    CipherMode,
    EncrInfo,
    IkeSaKeys,
    IntegInfo,
    KeySuite,
    KeyTable,
    KeyTableEntry,
    OpenedSk,
    PrfInfo,
    ProtectFaults,
    Secret,
    SkDecryptor,
    SkKeys,
    Unprotected,
    derive_child_sa_keys,
    derive_ike_sa_keys,
    encr_info,
    format_key_table,
    format_key_table_row,
    integ_info,
    keys_for,
    make_key_table_entry,
    make_suite,
    parse_key_table,
    prf,
    prf_info,
    prf_plus,
    prf_prf,
    protect,
    protect_fragments,
    read_key_table,
    skeyseed,
    skeyseed_rekey,
    unprotect,
)

__all__ = [
    "ChildSaKeys",
    "CipherMode",
    "EncrInfo",
    "IkeSaKeys",
    "IntegInfo",
    "KeySuite",
    "KeyTable",
    "KeyTableEntry",
    "OpenedSk",
    "PrfInfo",
    "ProtectFaults",
    "Secret",
    "SkDecryptor",
    "SkKeys",
    "Unprotected",
    "derive_child_sa_keys",
    "derive_ike_sa_keys",
    "derive_keys",
    "encr_info",
    "format_key_table",
    "format_key_table_row",
    "integ_info",
    "keys_for",
    "make_key_table_entry",
    "make_suite",
    "parse_key_table",
    "prf",
    "prf_info",
    "prf_plus",
    "prf_prf",
    "protect",
    "protect_fragments",
    "read_key_table",
    "skeyseed",
    "skeyseed_rekey",
    "unprotect",
]

BytesLike = Union[bytes, bytearray, memoryview]


def derive_keys(suite: KeySuite, ni: BytesLike, nr: BytesLike, g_ir: Union[Secret, BytesLike], spi_i: int,
                spi_r: int) -> IkeSaKeys:
    """The seven SK_* keys of a new IKE SA from its nonces, DH shared secret and SPIs.

    SKEYSEED = prf(Ni | Nr, g^ir), then prf+(SKEYSEED, Ni | Nr | SPIi | SPIr)
    split by the suite (RFC 7296 2.14). Raises CryptoError.
    """
    seed = skeyseed(suite.prf.id, ni, nr, g_ir)
    return derive_ike_sa_keys(suite, seed, ni, nr, spi_i, spi_r)
