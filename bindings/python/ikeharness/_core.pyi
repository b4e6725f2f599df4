"""
ikeharness C++ core: codec, crypto, engine, scenarios, captures and reports
"""
from __future__ import annotations
import typing
__all__: list[str] = ['to_hex']
def to_hex(data: typing.Any) -> str:
    """
    Lower-case hex of the bytes, as the reports print them.
    """
__version__: str = '0.1.0'
