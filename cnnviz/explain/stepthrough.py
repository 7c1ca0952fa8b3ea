"""Step through any cell of any trace entry, and the order of cells for play / step / scrub.

A view calls :func:`step_through` with the Inspector's trace, the selected entry
and a cell; the result is one of the step dataclasses (ConvStep, PoolStep,
ActivationStep, NormStep, DenseStep, SoftmaxStep, ResidualStep, PassStep), each holding every
number to show and a ``note`` for students.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional, Sequence, Tuple, Union

import numpy as np

from . import words
from .convstep import ConvStep, conv_step
from .densestep import DenseStep, dense_step
from .exactness import frozen
from .poolstep import PoolStep, pool_step
from .positions import checked_cell, checked_image, input_indices
from .simplesteps import ActivationStep, NormStep, PassStep, ResidualStep, activation_step, norm_step, pass_step, residual_step
from .softmaxstep import SoftmaxStep, softmax_step

Step = Union[ConvStep, PoolStep, ActivationStep, NormStep, DenseStep, SoftmaxStep, ResidualStep, PassStep]


def step_through(trace: Sequence, index: int, cell, *, image: int = 0, class_names: Optional[Sequence[str]] = None,
                 meta: Optional[dict] = None, top: int = 8) -> Step:
    """The computation of ``cell`` of trace entry ``index`` (one image of the batch).

    ``cell``: (channel, row, col) for maps, (unit,) for vectors; for the softmax any
    cell of it gives the whole derivation. ``class_names``/``meta`` name the softmax's
    bars and its overconfidence note; ``top`` is how many dense inputs are listed.
    Bad indices raise ValueError naming the entry and its shape.
    """
    sources = input_indices(trace, index)
    entry, n = trace[index], checked_image(trace, image)
    cell = checked_cell(entry, cell)
    y = entry.value[n]
    if not sources:
        return pass_step(None, "Input", y, cell, entry.name, "")
    prev = trace[sources[0]]
    x = prev.value[n]
    kind, layer = entry.kind, entry.layer
    if kind == "Conv2D":
        return conv_step(layer, x, y, cell, entry.name)
    if kind in ("MaxPool2D", "AvgPool2D"):
        return pool_step(layer, x, y, cell, entry.name)
    if kind in ("ReLU", "Sigmoid", "Tanh"):
        return activation_step(kind, x, y, cell, entry.name)
    if kind == "Dense":
        flat = prev.layer if prev.kind == "Flatten" else None
        source = trace[sources[0] - 1].name if flat is not None else prev.name
        return dense_step(layer, x, y, cell[0], entry.name, top, source,
                          flat.in_shape if flat is not None else None)
    if kind == "Softmax":
        return softmax_step(x, y, class_names, meta, entry.name)
    if kind == "Residual":
        skip = trace[sources[1]]
        return residual_step(x, skip.value[n], y, cell, entry.name, prev.name, skip.name)
    if kind in ("Flatten", "Dropout"):
        return pass_step(layer, kind, y, cell, entry.name, prev.name)
    if kind in ("BatchNorm2D", "BatchNorm1D"):
        return norm_step(layer, x, y, cell, entry.name)
    raise ValueError(f"no step-through for a {kind} layer ({entry.name})")


@dataclass(frozen=True)
class Sweep:
    """Every output cell of a sliding-window layer in the order the window visits them
    (row by row), with the input window behind each: for play / step / scrub."""
    layer: str
    kernel: Tuple[int, int]
    stride: Tuple[int, int]
    out_hw: Tuple[int, int]
    cells: np.ndarray          # (OH*OW, 2) int (row, col), raster order
    windows: np.ndarray        # (OH*OW, 4) int (top, left, bottom, right) input cells, unclipped, ends exclusive
    note: str

    def position(self, row: int, col: int) -> int:
        """The frame at which the window makes output cell (row, col)."""
        return int(row) * self.out_hw[1] + int(col)


def sweep(trace: Sequence, index: int) -> Sweep:
    """The visiting order of conv or pool entry ``index``'s window over its input."""
    entry = trace[index]
    layer = entry.layer
    if entry.kind not in ("Conv2D", "MaxPool2D", "AvgPool2D"):
        raise ValueError(f"{entry.name} is a {entry.kind} layer: only convolution and pooling slide a window")
    (oh, ow) = layer.out_hw
    rows, cols = np.divmod(np.arange(oh * ow), ow)
    (top, bottom), (left, right) = layer.window_spans(0), layer.window_spans(1)
    windows = np.stack([top[rows], left[cols], bottom[rows], right[cols]], axis=1)
    return Sweep(entry.name, tuple(layer.kernel), tuple(layer.stride), (oh, ow),
                 frozen(np.stack([rows, cols], axis=1)), frozen(windows), words.sweep(layer.stride))
