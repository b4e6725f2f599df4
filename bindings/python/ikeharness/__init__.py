# SPDX-License-Identifier: Apache-2.0
"""ikeharness: an IKEv2 (RFC 7296) conformance and fuzz test harness.

The C++ engine's API, under the same names: ``codec`` (messages and payloads),
``crypto`` (prf, prf+, key derivation, SK protection), ``engine`` (initiator
and responder stepped message by message), ``flexvpn`` (hub and spoke models),
``scenario`` (JSON scenarios, runs and reports) and ``captures`` (pcap files
read into decrypted messages).
"""
from __future__ import annotations

from . import _core
from .errors import CaptureError, CryptoError, DecodeError, EngineError, IkeError, ScenarioError

__version__: str = _core.__version__

__all__ = [
    "__version__",
    "IkeError",
    "DecodeError",
    "CryptoError",
    "EngineError",
    "ScenarioError",
    "CaptureError",
]
