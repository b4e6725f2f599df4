# SPDX-License-Identifier: Apache-2.0
"""pytest fixtures for hand-written IKEv2 tests in self mode.

``ike_pair`` is a fresh :class:`ikeharness.engine.Pair` whose two sides
negotiate with each other as configured by :func:`default_configs` (PSK, AES-GCM,
ECP-256, one Child SA), nothing sent yet. ``ike_pair_factory`` builds pairs
with changed configurations: its ``initiator`` and ``responder`` dicts are
merged into the defaults (nested dicts merged key by key, a value of None
removes the key), and its other keyword arguments go to ``Pair``::

    def test_window(ike_pair_factory):
        pair = ike_pair_factory(initiator={"ike": {"window_size": 5}})
        pair.initiate()
        pair.run()
        assert pair.established()
"""
from __future__ import annotations

import copy
from pathlib import Path
from typing import Any, Callable, Dict, Mapping, Optional, Tuple

import pytest

from .engine import Pair

__all__ = ["default_configs", "merge_config", "ike_pair", "ike_pair_factory", "ike_psk_file"]

# A test key only: self mode needs no secret one.
_TEST_PSK = "ikeharness-self-mode-pair-key"


def default_configs(psk_file: str) -> Tuple[Dict[str, Any], Dict[str, Any]]:
    """The initiator's and the responder's configurations (docs/config.md) that
    negotiate with each other, both reading their PSK from ``psk_file``."""
    def side(me: str, peer: str, local_ts: str, remote_ts: str) -> Dict[str, Any]:
        return {
            "ike": {"proposals": ["aes256gcm16-prfsha256-ecp256"]},
            "local": {"id": me, "auth": "psk", "psk": {"file": psk_file}},
            "remote": {"id": peer},
            "child": {"proposals": ["aes256gcm16"], "local_ts": [local_ts], "remote_ts": [remote_ts]},
        }
    return (side("initiator.example", "responder.example", "10.1.0.0/16", "10.2.0.0/16"),
            side("responder.example", "initiator.example", "10.2.0.0/16", "10.1.0.0/16"))


def merge_config(base: Mapping[str, Any], changes: Optional[Mapping[str, Any]]) -> Dict[str, Any]:
    """A copy of ``base`` with ``changes`` merged in: nested dicts key by key,
    other values replaced, a None value removing the key."""
    out = copy.deepcopy(dict(base))
    for key, value in (changes or {}).items():
        if value is None:
            out.pop(key, None)
        elif isinstance(value, Mapping) and isinstance(out.get(key), Mapping):
            out[key] = merge_config(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


@pytest.fixture
def ike_psk_file(tmp_path: Path) -> Path:
    """A file holding the test PSK the default pair configurations read."""
    path = tmp_path / "pair.psk"
    path.write_text(_TEST_PSK + "\n")
    return path


@pytest.fixture
def ike_pair_factory(ike_psk_file: Path) -> Callable[..., Pair]:
    """Builds a :class:`Pair`: ``factory(initiator=dict, responder=dict, **pair_options)``."""
    def make(initiator: Optional[Mapping[str, Any]] = None, responder: Optional[Mapping[str, Any]] = None,
             **options: Any) -> Pair:
        i, r = default_configs(str(ike_psk_file))
        return Pair(merge_config(i, initiator), merge_config(r, responder), **options)
    return make


@pytest.fixture
def ike_pair(ike_pair_factory: Callable[..., Pair]) -> Pair:
    """An initiator/responder pair in self mode with the default configurations, nothing sent yet."""
    return ike_pair_factory()
