"""The "why" computations as background jobs, on the worker's own copy of the network.

The UI thread packs what is shown into a :class:`WhyRequest` (the architecture,
copies of the weights, the input, the class); the job runs in a
:class:`cnnviz.gui.widgets.background.LatestJob` thread on a network it built
itself from those copies (rebuilt only when the architecture changes), so it
never touches the shown network, nor the training worker's. Saliency and
Grad-CAM come first (fast); occlusion (about ten times slower) follows unless a
newer request arrived meanwhile.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Dict, Optional, Tuple

import numpy as np

from ....explain import Occlusion, WhyAnswer, occlusion, why_this_answer
from ....nn import Network


@dataclass(frozen=True)
class WhyRequest:
    """What to explain: class ``class_index`` (None: the top class) of input ``x`` (C, H, W)
    under ``weights`` of the network ``spec``; ``source`` names the input (an InputSource)."""
    spec: dict
    weights: Dict[str, np.ndarray]
    x: np.ndarray
    class_index: Optional[int]
    class_names: Tuple[str, ...]
    source: object
    occlusion_patch: int = 6
    occlusion_stride: int = 2


@dataclass(frozen=True)
class WhyResult:
    """Saliency and Grad-CAM of a request (``occlusion`` None until its slower part is done)."""
    request: WhyRequest
    answer: WhyAnswer
    occlusion: Optional[Occlusion]


class WhyJobs:
    """Makes the job for a request; keeps the worker thread's network between jobs.

    Only the worker thread calls the jobs, so the cached network is only ever used there.
    """

    def __init__(self):
        self._network: Optional[Network] = None
        self._spec: Optional[dict] = None

    def _network_for(self, request: WhyRequest) -> Network:
        if self._network is None or self._spec != request.spec:
            self._network = Network(request.spec, dtype=request.x.dtype)
            self._spec = request.spec
        self._network.set_weights(request.weights)
        return self._network

    def job(self, request: WhyRequest):
        """A ``job(report, superseded)`` for :meth:`LatestJob.submit`: reports a WhyResult
        without occlusion, then (unless superseded) the same with it."""
        def run(report, superseded):
            net = self._network_for(request)
            answer = why_this_answer(net, request.x, request.class_index, class_names=request.class_names)
            report(WhyResult(request, answer, None))
            if superseded():
                return
            occ = occlusion(net, request.x, answer.class_index, patch=request.occlusion_patch,
                            stride=request.occlusion_stride, class_names=request.class_names)
            report(WhyResult(request, answer, occ))
        return run
