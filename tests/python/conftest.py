# SPDX-License-Identifier: Apache-2.0
"""Shared fixtures of the Python tests: where the repository and the shared
test data are."""
from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
# CI lays ../shared beside the clone; tests needing it skip with that reason.
SHARED = REPO.parent / "shared"


@pytest.fixture(scope="session")
def repo() -> Path:
    """The repository root (scenarios/, examples/, ...)."""
    return REPO


@pytest.fixture(scope="session")
def shared() -> Path:
    """../shared beside the repository; skips the test when it is absent."""
    if not (SHARED / "testdata").is_dir():
        pytest.skip(f"{SHARED / 'testdata'} is absent (CI lays ../shared beside the clone)")
    return SHARED
