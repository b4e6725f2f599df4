# SPDX-License-Identifier: Apache-2.0
"""ikeharness: an IKEv2 (RFC 7296) conformance and fuzz test harness.

The C++ engine's API, under the same names: ``codec`` (messages and payloads),
``crypto`` (prf, prf+, key derivation, SK protection), ``captures`` (pcap files
read into decrypted messages), ``engine`` (initiator and responder stepped
message by message), ``flexvpn`` (hub and spoke models), ``scenario`` (JSON
scenarios and runs) and ``reports``. Every public name of those modules is
also available here.
"""
from __future__ import annotations

from . import _core
from . import captures, codec, crypto, engine, flexvpn, reports, scenario
from .captures import *  # noqa: F401,F403
from .codec import *  # noqa: F401,F403
from .crypto import *  # noqa: F401,F403
from .engine import *  # noqa: F401,F403
from .errors import CaptureError, CryptoError, DecodeError, EngineError, IkeError, ScenarioError
from .flexvpn import *  # noqa: F401,F403
from .reports import *  # noqa: F401,F403
from .scenario import *  # noqa: F401,F403

__version__: str = _core.__version__

__all__ = [
    "__version__",
    "captures",
    "codec",
    "crypto",
    "engine",
    "flexvpn",
    "reports",
    "scenario",
    "IkeError",
    "DecodeError",
    "CryptoError",
    "EngineError",
    "ScenarioError",
    "CaptureError",
]
for _module in (captures, codec, crypto, engine, flexvpn, reports, scenario):
    __all__ += _module.__all__
del _module
