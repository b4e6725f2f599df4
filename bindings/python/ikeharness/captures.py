# SPDX-License-Identifier: Apache-2.0
"""Captures: pcap and pcapng files read into decoded and, with a Wireshark key
table, decrypted IKE messages, as ``ikeharness decode --keys`` shows them.

Example::

    for rec in read_capture("run.pcap", key_table="run.keys"):
        print(rec.frame, rec.src, rec.dst, rec.message, rec.error)
        if rec.inner and rec.inner.payloads is not None:
            print("  decrypted:", rec.inner.payloads)

A datagram that does not decode carries the DecodeError's text in ``error``
(and ``decode_error``); it does not stop the read. A missing or unreadable
capture, a damaged one, or a key table that does not parse raises
CaptureError naming the file (and the line or frame).
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any, Iterator, List, Optional, Sequence, Union

from . import _core
from ._core import CaptureFrame, CaptureOptions, CaptureReader, Datagram, DatagramKind, FrameKind, classify_udp
from .crypto import KeyTable, OpenedSk, SkDecryptor, read_key_table
from .errors import CaptureError, DecodeError

__all__ = [
    "CaptureFrame",
    "CaptureOptions",
    "CaptureReader",
    "CaptureRecord",
    "Datagram",
    "DatagramKind",
    "FrameKind",
    "InnerRecord",
    "classify_udp",
    "iter_capture",
    "read_capture",
]

# RFC 7296 3.2 / RFC 7383: the payload types that carry encrypted payloads.
_SK = 46
_SKF = 53

PathLike = Union[str, "os.PathLike[str]"]


@dataclass
class InnerRecord:
    """What became of a message's SK or SKF payload when a key table was given.

    ``state`` is OpenedSk.State: Decrypted (``data`` holds the inner chain,
    reassembled for SKF, and ``payloads`` its decoded payloads, or None with
    ``error`` set when it does not decode), FragmentPending (an SKF fragment
    verified and kept), NoKeys (the table has no row for this IKE SA) or Failed
    (``error``: "ICV mismatch" or why decryption failed; nothing decrypted).
    """

    state: OpenedSk.State
    icv_verified: bool = False
    first: Any = 0
    data: bytes = field(default=b"", repr=False)
    payloads: Optional[List[Any]] = None
    error: str = ""
    fragment: bool = False
    fragment_number: int = 0
    total_fragments: int = 0
    fragments_received: int = 0

    @property
    def decrypted(self) -> bool:
        """True when the inner chain was verified (or, for "No Checking" rows, read) and decrypted."""
        return self.state == OpenedSk.State.Decrypted


@dataclass
class CaptureRecord:
    """One UDP datagram on an IKE port (or a frame that could not be parsed).

    ``kind`` is the DatagramKind (None for a frame the reader could not parse,
    whose reason is in ``error``). For IKE datagrams ``ike`` holds the message
    bytes (after any non-ESP marker) and ``message`` the decoded codec Message,
    or None with ``error``/``decode_error`` when it does not decode. ``inner``
    is set for messages whose last payload is SK or SKF when a key table was
    given.
    """

    frame: int
    time: float
    src: str
    sport: int
    dst: str
    dport: int
    kind: Optional[DatagramKind]
    size: int = 0
    non_esp_marker: bool = False
    esp_spi: int = 0
    snapped: bool = False
    ike: bytes = field(default=b"", repr=False)  # the message's repr shows it
    message: Any = None
    error: str = ""
    decode_error: Optional[DecodeError] = field(default=None, repr=False)
    inner: Optional[InnerRecord] = None

    @property
    def is_ike(self) -> bool:
        """True for an IKE message (decoded or not)."""
        return self.kind == DatagramKind.Ike


def _load_table(key_table: Union[None, PathLike, KeyTable]) -> Optional[KeyTable]:
    if key_table is None or isinstance(key_table, KeyTable):
        return key_table
    return read_key_table(os.fspath(key_table))


def _inner(opened: OpenedSk) -> InnerRecord:
    rec = InnerRecord(state=opened.state, icv_verified=opened.icv_verified, first=opened.first,
                      error=opened.error, fragment=opened.fragment, fragment_number=opened.fragment_number,
                      total_fragments=opened.total_fragments, fragments_received=opened.fragments_received)
    if opened.state == OpenedSk.State.Decrypted:
        rec.data = opened.inner
        try:
            rec.payloads = opened.payloads()
        except DecodeError as e:
            rec.error = f"inner payloads: {e}"
    return rec


def _record(frame: CaptureFrame, decryptor: Optional[SkDecryptor]) -> CaptureRecord:
    if frame.kind == FrameKind.Error:
        return CaptureRecord(frame=frame.number, time=frame.time(), src=frame.src, sport=frame.sport,
                             dst=frame.dst, dport=frame.dport, kind=None, snapped=frame.snapped,
                             error=frame.error)
    payload = frame.payload
    dg = frame.datagram
    rec = CaptureRecord(frame=frame.number, time=frame.time(), src=frame.src, sport=frame.sport, dst=frame.dst,
                        dport=frame.dport, kind=dg.kind, size=len(payload), snapped=frame.snapped)
    if dg.kind == DatagramKind.Esp:
        rec.esp_spi = dg.esp_spi
    elif dg.kind == DatagramKind.Malformed:
        rec.error = dg.reason
    elif dg.kind == DatagramKind.Ike:
        rec.non_esp_marker = dg.ike_offset != 0
        rec.ike = payload[dg.ike_offset:]
        try:
            rec.message = _core.decode_message(rec.ike)
        except DecodeError as e:
            rec.error = str(e)
            rec.decode_error = e
            return rec
        payloads = rec.message.payloads
        if decryptor is not None and payloads and int(payloads[-1].type) in (_SK, _SKF):
            rec.inner = _inner(decryptor.open(rec.ike, rec.message))
    return rec


def iter_capture(path: PathLike, key_table: Union[None, PathLike, KeyTable] = None,
                 ports: Sequence[int] = (500, 4500), natt_ports: Sequence[int] = (4500,)) -> Iterator[CaptureRecord]:
    """Yields a CaptureRecord per UDP datagram on the IKE ports (and per frame that could not be parsed).

    key_table: None, a Wireshark ikev2_decryption_table file, or a KeyTable.
    Raises CaptureError when the capture cannot be opened, when the key table
    does not parse ("TABLE:LINE: ..."), and, after the records before it, when
    the capture is damaged ("FILE: frame N: damaged capture: ...").
    """
    name = os.fspath(path)
    table = _load_table(key_table)
    reader = CaptureReader.open(name, CaptureOptions(list(ports), list(natt_ports)))
    decryptor = SkDecryptor(table) if table is not None else None
    last = 0
    while True:
        try:
            frame = reader.next()
        except CaptureError as e:
            raise CaptureError(f"{name}: frame {last + 1}: {e}", where=name, reason=e.reason) from None
        if frame is None:
            return
        last = frame.number
        if frame.kind in (FrameKind.Datagram, FrameKind.Error):
            yield _record(frame, decryptor)


def read_capture(path: PathLike, key_table: Union[None, PathLike, KeyTable] = None,
                 ports: Sequence[int] = (500, 4500), natt_ports: Sequence[int] = (4500,)) -> List[CaptureRecord]:
    """All records of a capture as a list (see iter_capture, which also yields the records before damage)."""
    return list(iter_capture(path, key_table, ports, natt_ports))
