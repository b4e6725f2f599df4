# SPDX-License-Identifier: Apache-2.0
"""Cisco FlexVPN models on stepped engines: the hub (IOS profiles, keyrings,
AAA authorization, Virtual-Access interfaces, CFG_SET routes, a log like
``debug crypto ikev2``) and the spoke.

``make_hub`` builds a hub from a hub file (scenarios/flexvpn/configs/hub.json)
in one call::

    from ikeharness.engine import VirtualClock
    from ikeharness.flexvpn import make_hub

    clock = VirtualClock()
    hub_engine, hub = make_hub("scenarios/flexvpn/configs/hub.json", clock=clock)
    ...                       # step a spoke engine against hub_engine
    print("\\n".join(hub.lines()))
"""
from __future__ import annotations

import ipaddress
import os
from typing import Any, Mapping, Optional, Tuple, Union

from ._core import (
    CfgSetOutcome,
    Hub,
    HubConfig,
    HubEvent,
    HubInterface,
    HubPolicy,
    HubRoute,
    HubSession,
    Spoke,
    SpokeEvent,
    SpokeRoute,
    SpokeSession,
    classify_cfg_ack,
    flexvpn_supported_vid,
    hub_engine_config,
    kGroupNameAttribute,
    kGroupPasswordAttribute,
    load_hub_config,
    parse_hub_config,
    spoke_engine_config,
)
from .engine import Endpoint, EndpointConfig, SteppedEngine, VirtualClock, load_endpoint_config, parse_endpoint_config

__all__ = [
    "CfgSetOutcome",
    "Hub",
    "HubConfig",
    "HubEvent",
    "HubInterface",
    "HubPolicy",
    "HubRoute",
    "HubSession",
    "Spoke",
    "SpokeEvent",
    "SpokeRoute",
    "SpokeSession",
    "classify_cfg_ack",
    "flexvpn_supported_vid",
    "hub_engine_config",
    "kGroupNameAttribute",
    "kGroupPasswordAttribute",
    "load_hub_config",
    "make_hub",
    "make_spoke",
    "parse_hub_config",
    "route_text",
    "spoke_engine_config",
]

PathLike = Union[str, "os.PathLike[str]"]


def _endpoint(local: Optional[Union[str, Endpoint]]) -> Optional[Endpoint]:
    return Endpoint(local) if isinstance(local, str) else local


def _hub_config(config: Union[HubConfig, Mapping[str, Any], PathLike], base_dir: PathLike) -> HubConfig:
    if isinstance(config, HubConfig):
        return config
    if isinstance(config, Mapping):
        return parse_hub_config(dict(config), "<hub>", base_dir)
    return load_hub_config(config)


def make_hub(
    config: Union[HubConfig, Mapping[str, Any], PathLike],
    *,
    clock: Optional[VirtualClock] = None,
    seed: Optional[int] = None,
    local: Optional[Union[str, Endpoint]] = None,
    name: str = "hub",
    base_dir: PathLike = ".",
    keep_events: bool = True,
) -> Tuple[SteppedEngine, Hub]:
    """A hub engine and the hub attached to it.

    ``config`` is a hub file's path, a dict in the hub file's language
    (relative file names from ``base_dir``) or a parsed :class:`HubConfig`.
    The engine's address is ``local`` or the file's
    ``endpoint.network.local_address``; it is configured by
    :func:`hub_engine_config`. Raises ScenarioError for a hub file with
    mistakes, EngineError when the policy does not hold together.
    """
    hub_config = _hub_config(config, base_dir)
    engine = SteppedEngine.create(hub_engine_config(hub_config.endpoint), local=_endpoint(local), name=name, seed=seed,
                                  clock=clock)
    hub = Hub.attach(engine, hub_config, keep_events=keep_events)
    return engine, hub


def make_spoke(
    config: Union[EndpointConfig, Mapping[str, Any], PathLike],
    *,
    clock: Optional[VirtualClock] = None,
    seed: Optional[int] = None,
    local: Optional[Union[str, Endpoint]] = None,
    name: str = "spoke",
    group: Optional[str] = None,
    group_password: Optional[Union[str, bytes]] = None,
    model: bool = True,
    send_cfg_set: bool = True,
    base_dir: PathLike = ".",
) -> Tuple[SteppedEngine, Optional[Spoke]]:
    """A spoke engine configured by :func:`spoke_engine_config`, and (``model``)
    the :class:`Spoke` model watching it, which pushes its host route with
    CFG_SET once the IKE SA is up (on the next ``advance()``)."""
    if isinstance(config, EndpointConfig):
        endpoint = config
    elif isinstance(config, Mapping):
        endpoint = parse_endpoint_config(dict(config), "<spoke>", base_dir)
    else:
        endpoint = load_endpoint_config(config)
    endpoint = spoke_engine_config(endpoint, group=group, group_password=group_password)
    engine = SteppedEngine.create(endpoint, local=_endpoint(local), name=name, seed=seed, clock=clock)
    spoke = Spoke.attach(engine, send_cfg_set=send_cfg_set) if model else None
    return engine, spoke


def route_text(route: HubRoute) -> str:
    """The route as the hub's trace prints it: "192.168.1.13 255.255.255.255 via Virtual-Access1 in vrf global"."""
    prefix = ipaddress.IPv4Address(route.prefix)
    mask = ipaddress.IPv4Address(route.mask)
    return f"{prefix} {mask} via {route.interface} in vrf {route.vrf}"
