# SPDX-License-Identifier: Apache-2.0
"""IKEv2 engines stepped message by message, and a self-mode pair of them.

A :class:`SteppedEngine` (also reachable as ``Engine``) is one endpoint in
both roles. Nothing happens on its own: the datagrams it sends wait until
``take()``, what it receives is handed in with ``receive()``, and virtual time
(retransmissions, lifetimes) moves only with ``advance()``::

    from ikeharness.engine import Engine, VirtualClock

    clock = VirtualClock()
    i = Engine.create(initiator_config, local="10.0.0.1", clock=clock, seed=2)
    r = Engine.create(responder_config, local="10.0.0.2", clock=clock, seed=3)
    i.initiate("10.0.0.2")
    for d in i.take():
        r.receive(d)          # or edit d.data first

:class:`Pair` does that bookkeeping for two engines on one clock: it keeps
every datagram in flight in a list a test can read, change, drop or reorder,
and delivers them one at a time (``step()``) or until quiet (``run()``).
"""
from __future__ import annotations

import os
from typing import Any, Callable, Dict, List, Mapping, Optional, Union

from ._core import (
    ChildSaInfo,
    ChildSaState,
    Endpoint,
    EndpointConfig,
    EngineConfig,
    Event,
    EventKind,
    IkeSaInfo,
    IkeSaState,
    NetworkConfig,
    Route,
    SteppedDatagram,
    SteppedEngine,
    VirtualClock,
    load_endpoint_config,
    load_engine_config,
    parse_endpoint_config,
    parse_engine_config,
)

__all__ = [
    "ChildSaInfo",
    "ChildSaState",
    "Endpoint",
    "EndpointConfig",
    "Engine",
    "EngineConfig",
    "Event",
    "EventKind",
    "IkeSaInfo",
    "IkeSaState",
    "NetworkConfig",
    "Pair",
    "Route",
    "SteppedDatagram",
    "SteppedEngine",
    "VirtualClock",
    "load_endpoint_config",
    "load_engine_config",
    "parse_endpoint_config",
    "parse_engine_config",
]

#: The stepped engine under the shorter name the scripting guide uses.
Engine = SteppedEngine

ConfigLike = Union[Mapping[str, Any], str, "os.PathLike[str]", EndpointConfig, EngineConfig]


class Pair:
    """An initiator and a responder on one :class:`VirtualClock` (self mode).

    Datagrams go from one engine to the other only through :attr:`in_flight`,
    a plain list, oldest first: a test may read it, replace a datagram's
    ``data``, remove, duplicate or reorder entries, or append a hand-built
    :class:`SteppedDatagram`. A datagram is delivered to the engine whose
    address is its destination's (datagrams to other addresses are dropped and
    counted in :attr:`undeliverable`). Delivery takes no virtual time; only
    :meth:`advance` moves the clock.

    ``initiator`` and ``responder`` are configurations as
    :meth:`SteppedEngine.create` takes them (dicts in the configuration
    language, JSON text, paths or parsed configs). ``seed`` makes both sides'
    SPIs, nonces and DH values repeat (the initiator uses ``2*seed``, the
    responder ``2*seed+1``, as the C++ SelfPair does).
    """

    def __init__(
        self,
        initiator: ConfigLike,
        responder: ConfigLike,
        *,
        seed: Optional[int] = 1,
        initiator_address: Union[str, Endpoint] = "10.0.0.1",
        responder_address: Union[str, Endpoint] = "10.0.0.2",
        export_keys: bool = True,
        base_dir: Union[str, "os.PathLike[str]"] = ".",
        clock: Optional[VirtualClock] = None,
    ) -> None:
        self.clock: VirtualClock = clock if clock is not None else VirtualClock()
        i_local = Endpoint(initiator_address) if isinstance(initiator_address, str) else initiator_address
        r_local = Endpoint(responder_address) if isinstance(responder_address, str) else responder_address
        i_seed = None if seed is None else 2 * seed
        r_seed = None if seed is None else 2 * seed + 1
        self.initiator: SteppedEngine = SteppedEngine.create(
            initiator, local=i_local, name="initiator", seed=i_seed, export_keys=export_keys,
            clock=self.clock, source="<initiator>", base_dir=base_dir)
        self.responder: SteppedEngine = SteppedEngine.create(
            responder, local=r_local, name="responder", seed=r_seed, export_keys=export_keys,
            clock=self.clock, source="<responder>", base_dir=base_dir)
        if self.initiator.local.address == self.responder.local.address:
            raise ValueError("the initiator and the responder need different addresses")
        #: Datagrams sent and not yet delivered, oldest first.
        self.in_flight: List[SteppedDatagram] = []
        #: Every datagram delivered, in order (as delivered, after any change).
        self.delivered: List[SteppedDatagram] = []
        #: Datagrams dropped because no engine has their destination address.
        self.undeliverable: int = 0

    # ----- starting -----

    def initiate(self) -> int:
        """Starts an IKE SA from the initiator to the responder; returns its serial on the initiator."""
        serial = self.initiator.initiate(self.responder.local, self.responder.natt_port)
        self.collect()
        return serial

    # ----- moving datagrams -----

    def collect(self) -> List[SteppedDatagram]:
        """Moves what both engines sent into :attr:`in_flight`; returns the new datagrams."""
        new = self.initiator.take() + self.responder.take()
        new.sort(key=lambda d: d.time)  # stable: the initiator's first at equal times
        self.in_flight.extend(new)
        return new

    def _recipient(self, d: SteppedDatagram) -> Optional[SteppedEngine]:
        for e in (self.initiator, self.responder):
            if e.local.address == d.destination.remote.address:
                return e
        return None

    def step(self) -> Optional[SteppedDatagram]:
        """Delivers the oldest datagram in flight; returns it, or None when nothing is in flight."""
        self.collect()
        if not self.in_flight:
            return None
        d = self.in_flight.pop(0)
        to = self._recipient(d)
        if to is None:
            self.undeliverable += 1
        else:
            to.receive(d)
            self.delivered.append(d)
        self.collect()
        return d

    def run(
        self,
        *,
        intercept: Optional[Callable[[SteppedDatagram], Optional[SteppedDatagram]]] = None,
        max_steps: int = 10000,
    ) -> int:
        """Delivers datagrams until none is in flight; returns how many were delivered.

        ``intercept`` sees each datagram before delivery and returns it (changed
        or not), another datagram, or None to drop it. Time does not move:
        call :meth:`advance` for retransmissions. Raises RuntimeError after
        ``max_steps`` deliveries (two engines answering each other forever).
        """
        count = 0
        self.collect()
        while self.in_flight:
            if count >= max_steps:
                raise RuntimeError(f"still busy after {max_steps} datagrams")
            if intercept is not None:
                d = intercept(self.in_flight[0])
                if d is None:
                    self.in_flight.pop(0)
                    self.collect()
                    continue
                self.in_flight[0] = d
            self.step()
            count += 1
        return count

    def advance(self, seconds: float) -> int:
        """Moves the shared clock on (retransmissions, lifetimes); returns how many timers fired."""
        fired = self.clock.advance(seconds)
        self.collect()
        return fired

    def drop(self, index: int = 0) -> SteppedDatagram:
        """Removes the datagram at ``index`` of :attr:`in_flight` (the oldest by default) and returns it."""
        self.collect()
        return self.in_flight.pop(index)

    # ----- state -----

    def established(self, serial: Optional[int] = None) -> bool:
        """Whether the initiator's IKE SA (``serial``; default: its newest) is Established and the
        responder has an Established IKE SA with the same SPIs."""
        sas = self.initiator.ike_sas()
        if serial is not None:
            sas = [s for s in sas if s.serial == serial]
        if not sas:
            return False
        mine = sas[-1]
        if mine.state != IkeSaState.Established:
            return False
        return any(s.state == IkeSaState.Established and s.spi_i == mine.spi_i and s.spi_r == mine.spi_r
                   for s in self.responder.ike_sas())

    def events(self) -> Dict[str, List[Event]]:
        """Both engines' events, by side name."""
        return {"initiator": self.initiator.events(), "responder": self.responder.events()}

    def __repr__(self) -> str:
        return (f"<Pair now={self.clock.now:g}s in_flight={len(self.in_flight)} "
                f"delivered={len(self.delivered)} {self.initiator!r} {self.responder!r}>")
