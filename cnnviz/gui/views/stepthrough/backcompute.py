"""The backward pass and "teach it this drawing" as background jobs (see cnnviz.gui.views.why.compute
for why jobs get copies: the worker thread builds its own network from the architecture and
weight copies, so it never shares a network with the UI thread or the training worker)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Dict, Optional, Tuple

import numpy as np

from ....explain import BackwardPass, Teaching, backward_pass, teach
from ....nn import Network


@dataclass(frozen=True)
class BackwardRequest:
    """One training step's gradients for input ``x`` (C, H, W) and true ``label``."""
    spec: dict
    weights: Dict[str, np.ndarray]
    x: np.ndarray
    label: int
    class_names: Tuple[str, ...]
    source: object


@dataclass(frozen=True)
class TeachRequest:
    """``steps`` steps of ``optimizer`` (``lr``) on the input and label of ``start``, from its
    weights (the model's, or a taught copy's to go on teaching it); ``done`` steps were taken before."""
    start: BackwardRequest
    steps: int
    lr: float
    optimizer: str
    done: int


@dataclass(frozen=True)
class TeachResult:
    request: TeachRequest
    teaching: Teaching


class BackwardJobs:
    """Makes the jobs; keeps the gradient worker's network between backward passes (teaching,
    in its own worker thread, builds a network of its own each time)."""

    def __init__(self):
        self._network: Optional[Network] = None
        self._spec: Optional[dict] = None

    def _network_for(self, spec: dict, weights, dtype) -> Network:
        if self._network is None or self._spec != spec:
            self._network = Network(spec, dtype=dtype)
            self._spec = spec
        self._network.set_weights(weights)
        return self._network

    def backward(self, request: BackwardRequest):
        """A job reporting the request's :class:`BackwardPass` (as (request, result))."""
        def run(report, _superseded):
            net = self._network_for(request.spec, request.weights, request.x.dtype)
            result: BackwardPass = backward_pass(net, request.x, request.label, request.class_names)
            report((request, result))
        return run

    def teach(self, request: TeachRequest):
        """A job reporting a :class:`TeachResult` (the taught copy is the worker's no more)."""
        def run(report, _superseded):
            start = request.start
            net = Network(start.spec, dtype=start.x.dtype)
            net.set_weights(start.weights)
            taught = teach(net, start.x, start.label, optimizer=request.optimizer, lr=request.lr,
                           steps=request.steps, class_names=start.class_names)
            report(TeachResult(request, taught))
        return run
