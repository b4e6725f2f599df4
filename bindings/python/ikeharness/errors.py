# SPDX-License-Identifier: Apache-2.0
"""Exceptions raised by ikeharness, carrying the C++ error's parts."""
from __future__ import annotations

from typing import Optional

__all__ = ["IkeError", "DecodeError", "CryptoError", "EngineError", "ScenarioError", "CaptureError"]


class IkeError(Exception):
    """Base of every ikeharness error.

    Attributes: ``where`` (a path such as "SA payload / proposal 1"), ``field``,
    ``offset`` (byte offset in the input, or None), ``notify`` (the IKEv2 notify
    type a responder would answer with, 0 for none), ``notify_name`` and
    ``reason``.
    """

    def __init__(self, message: str, *, where: str = "", field: str = "", offset: Optional[int] = None,
                 notify: int = 0, notify_name: str = "", reason: str = "") -> None:
        super().__init__(message)
        self.where = where
        self.field = field
        self.offset = offset
        self.notify = notify
        self.notify_name = notify_name
        self.reason = reason


class DecodeError(IkeError, ValueError):
    """Bytes that are not a valid IKEv2 message or payload.

    ``payload`` is the payload the error is in ("SA", "N", ...; "" for the
    IKE header), the first part of ``where``.
    """

    @property
    def payload(self) -> str:
        head = self.where.split(" / ", 1)[0]
        return head[: -len(" payload")] if head.endswith(" payload") else ""


class CryptoError(IkeError):
    """A key, transform or protected message the crypto layer refused."""


class EngineError(IkeError):
    """An engine configuration or operation that could not be carried out."""


class ScenarioError(IkeError, ValueError):
    """A scenario, profile or configuration file that does not load.

    ``file`` is the file (or the name given for a dict), ``pointer`` the JSON
    pointer of the offending value.
    """

    @property
    def file(self) -> str:
        return self.where

    @property
    def pointer(self) -> str:
        return self.field


class CaptureError(IkeError):
    """A capture file or key table that cannot be read."""
