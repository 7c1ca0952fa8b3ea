"""What the training worker sends to the UI: immutable copies, never live arrays."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Dict, List, Optional

import numpy as np

from ...nn import LayerOutput


def frozen(a: np.ndarray) -> np.ndarray:
    """A read-only copy of ``a`` (writing to it raises ValueError)."""
    c = np.array(a, copy=True)
    c.setflags(write=False)
    return c


@dataclass(frozen=True)
class Snapshot:
    """The network's state after ``step`` training steps.

    ``weights``: read-only copies of every parameter, keyed like Network.params.
    ``trace``: the probe image's forward pass (input first, softmax last) as
    read-only copies, or None when there is no probe; ``probe_id`` says which
    probe it belongs to (the UI drops a trace of a probe it no longer shows).
    """
    step: int
    epoch: int
    weights: Dict[str, np.ndarray]
    trace: Optional[List[LayerOutput]] = None
    probe_id: int = -1
    stats: dict = field(default_factory=dict)   # loss, accuracy, lr, samples_per_s of the last step


def make_snapshot(network, step: int, epoch: int, probe: Optional[np.ndarray] = None, probe_id: int = -1,
                  stats: Optional[dict] = None) -> Snapshot:
    """Copy ``network``'s weights (and its trace on ``probe`` (C, H, W)) into a Snapshot.

    Call it on the thread that owns the network, between training steps.
    """
    weights = {k: frozen(v) for k, v in network.params.items()}
    trace = None
    if probe is not None:
        trace = []
        for t in network.trace(probe[None]):
            t.value.setflags(write=False)       # trace() returns fresh arrays: freezing is enough
            trace.append(t)
    return Snapshot(step, epoch, weights, trace, probe_id, dict(stats or {}))
