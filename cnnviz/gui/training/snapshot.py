"""What the training worker sends to the UI: immutable copies, never live objects.

A :class:`Snapshot` holds no reference to anything the trainer owns: weights
and trace values are read-only copies, containers are tuples and read-only
mappings, and each trace entry describes its layer with a frozen
:class:`LayerInfo` (name, kind, settings, shapes) instead of pointing at the
worker's layer object.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Mapping, Optional, Tuple

import numpy as np

_EMPTY: Mapping = MappingProxyType({})


def frozen(a: np.ndarray) -> np.ndarray:
    """A read-only copy of ``a`` (writing to it raises ValueError)."""
    c = np.array(a, copy=True)
    c.setflags(write=False)
    return c


def _frozen_data(value: Any) -> Any:
    """JSON-like settings made immutable: dicts -> read-only mappings, lists -> tuples."""
    if isinstance(value, Mapping):
        return MappingProxyType({k: _frozen_data(v) for k, v in value.items()})
    if isinstance(value, (list, tuple)):
        return tuple(_frozen_data(v) for v in value)
    if isinstance(value, np.ndarray):
        return frozen(value)
    return value


@dataclass(frozen=True)
class LayerInfo:
    """A frozen description of a layer: enough for a view, nothing of the live object."""
    name: str
    kind: str
    type: str
    describe: str
    config: Mapping                  # the layer's settings (Layer.config()), read-only
    in_shape: Tuple[int, ...]
    out_shape: Tuple[int, ...]
    param_shapes: Mapping            # parameter name -> shape, read-only

    @classmethod
    def of(cls, layer) -> "LayerInfo":
        return cls(str(layer.name), str(layer.kind), str(layer.type), layer.describe(),
                   _frozen_data(layer.config()), tuple(layer.in_shape or ()), tuple(layer.out_shape or ()),
                   MappingProxyType({k: tuple(s) for k, s in layer.param_shapes.items()}))


@dataclass(frozen=True)
class TraceEntry:
    """One tensor of the probe's forward pass; reads like :class:`cnnviz.nn.LayerOutput`."""
    name: str
    kind: str
    shape: Tuple[int, ...]
    value: np.ndarray                # (1, *shape), read-only copy
    describe: str = ""
    layer: Optional[LayerInfo] = None


@dataclass(frozen=True)
class Snapshot:
    """The network's state after ``step`` training steps.

    ``weights``: read-only copies of every parameter in a read-only mapping,
    keyed like Network.params. ``trace``: the probe image's forward pass
    (input first, softmax last) as a tuple of :class:`TraceEntry`, or None
    when there is no probe; ``probe_id`` says which probe it belongs to (the
    UI drops a trace of a probe it no longer shows). ``stats``: loss,
    accuracy, lr, samples_per_s of the last step (read-only mapping).
    ``state``: read-only copies of the non-trainable arrays inference uses
    (BatchNorm's running statistics), keyed like Network.state.
    """
    step: int
    epoch: int
    weights: Mapping[str, np.ndarray]
    trace: Optional[Tuple[TraceEntry, ...]] = None
    probe_id: int = -1
    stats: Mapping = field(default_factory=lambda: _EMPTY)
    state: Mapping[str, np.ndarray] = field(default_factory=lambda: _EMPTY)


def make_snapshot(network, step: int, epoch: int, probe: Optional[np.ndarray] = None, probe_id: int = -1,
                  stats: Optional[dict] = None) -> Snapshot:
    """Copy ``network``'s weights (and its trace on ``probe`` (C, H, W)) into a Snapshot.

    Call it on the thread that owns the network, between training steps.
    """
    weights = MappingProxyType({k: frozen(v) for k, v in network.params.items()})
    trace = None
    if probe is not None:
        # trace() returns fresh arrays; a copy costs microseconds and keeps that a guarantee
        trace = tuple(TraceEntry(t.name, t.kind, tuple(t.shape), frozen(t.value), t.describe,
                                 None if t.layer is None else LayerInfo.of(t.layer))
                      for t in network.trace(probe[None]))
    state = MappingProxyType({k: frozen(v) for k, v in network.state.items()})
    return Snapshot(int(step), int(epoch), weights, trace, int(probe_id), MappingProxyType(dict(stats or {})), state)
