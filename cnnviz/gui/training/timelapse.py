"""Time-lapse of a training run: snapshots kept every so many steps, as plain data (no Qt).

:class:`TimeLapse` keeps a frame every ``every`` steps (the probe image's trace
and the convolution kernels) and, when ``max_frames`` are kept, drops every
other frame and doubles ``every``, so memory stays bounded while the frames
still cover the whole run. The view (:mod:`.timelapse_view`) scrubs through
them; :mod:`.timelapse_export` renders them as pictures, GIF or PNGs.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Dict, List, NamedTuple, Optional, Tuple

import numpy as np

from ...nn import LayerOutput

FLOAT16_MAX = 60000.0            # trace values beyond this are kept as float32


class KeptOutput(NamedTuple):
    """One tensor of a kept frame's trace: the LayerOutput fields a view needs."""
    name: str
    kind: str
    shape: Tuple[int, ...]
    settings: str
    value: np.ndarray            # (1, *shape), float16 when it fits


@dataclass(frozen=True)
class Frame:
    """What the time-lapse keeps of one snapshot.

    ``trace``: a :class:`KeptOutput` per trace entry, values stored as float16
    (display only, half the memory), or None.
    ``weights``: convolution kernels (F, C, KH, KW) float32 by parameter key
    ("conv1.W"); dense weights are not kept (they are big).
    """
    step: int
    epoch: int
    trace: Optional[Tuple[KeptOutput, ...]] = None
    weights: Dict[str, np.ndarray] = field(default_factory=dict)
    stats: dict = field(default_factory=dict)

    @classmethod
    def from_snapshot(cls, snapshot) -> "Frame":
        trace = None
        if snapshot.trace is not None:
            trace = tuple(KeptOutput(t.name, t.kind, tuple(t.shape), t.describe, _compact(t.value))
                          for t in snapshot.trace)
        weights = {k: np.array(v, np.float32) for k, v in snapshot.weights.items() if np.ndim(v) == 4}
        return cls(int(snapshot.step), int(snapshot.epoch), trace, weights, dict(snapshot.stats or {}))

    def trace_outputs(self) -> Optional[List[LayerOutput]]:
        """The trace as fresh float32 LayerOutputs, ready for ``Inspector.set_trace`` (or None)."""
        if self.trace is None:
            return None
        return [LayerOutput(t.name, t.kind, t.shape, t.value.astype(np.float32), t.settings)
                for t in self.trace]

    def fits(self, entries) -> bool:
        """Whether the kept trace belongs to a network with these :class:`LayerEntry` rows."""
        return self.trace is not None and len(entries) == len(self.trace) and all(
            e.name == t.name and tuple(e.shape) == tuple(t.shape) for e, t in zip(entries, self.trace))

    def value(self, name: str) -> Optional[np.ndarray]:
        """Per-sample output of trace entry ``name`` as float32, or None."""
        for t in self.trace or ():
            if t.name == name:
                return t.value[0].astype(np.float32)
        return None

    @property
    def nbytes(self) -> int:
        n = sum(w.nbytes for w in self.weights.values())
        return n + sum(t.value.nbytes for t in self.trace or ())


def _compact(value: np.ndarray) -> np.ndarray:
    v = np.asarray(value)
    if v.size and np.all(np.isfinite(v)) and float(np.max(np.abs(v))) < FLOAT16_MAX:
        return v.astype(np.float16)
    return np.array(v, np.float32)


class TimeLapse:
    """Frames of a run, at least ``every`` steps apart, at most ``max_frames`` of them.

    When ``max_frames`` is reached every other frame is dropped and ``every``
    doubles: memory stays bounded and the frames still span the whole run.
    A snapshot whose step is lower than the last kept one starts a new
    time-lapse (a new run). No Qt here.
    """

    def __init__(self, every: int = 10, max_frames: int = 300):
        if int(every) < 1:
            raise ValueError("every must be at least 1 step")
        if int(max_frames) < 2:
            raise ValueError("a time-lapse needs room for at least 2 frames")
        self.initial_every = self.every = int(every)
        self.max_frames = int(max_frames)
        self.frames: List[Frame] = []

    def offer(self, snapshot) -> bool:
        """Keep ``snapshot`` (a training Snapshot) if its step is at least ``every`` past the
        last kept frame's (the first is always kept); returns whether it was kept."""
        step = int(snapshot.step)
        if self.frames:
            last = self.frames[-1].step
            if step < last:
                self.clear()
            elif step - last < self.every:
                return False
        self.frames.append(Frame.from_snapshot(snapshot))
        if len(self.frames) >= self.max_frames:
            self.frames = self.frames[::2]
            self.every *= 2
        return True

    def __len__(self) -> int:
        return len(self.frames)

    def clear(self) -> None:
        self.frames = []
        self.every = self.initial_every

    @property
    def nbytes(self) -> int:
        """Approximate memory held by the frames' arrays, in bytes."""
        return sum(f.nbytes for f in self.frames)
