"""One output cell of a max- or average-pooling layer, and where its gradient goes."""
from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Optional, Tuple

import numpy as np

from . import words
from .convstep import window_patch
from .exactness import Rounding, compare, frozen, sum_tolerance
from .sizeformula import SizeFormula, size_formula


@dataclass(frozen=True)
class PoolStep:
    """Output cell (channel, row, col) of a pooling layer.

    ``values`` holds the window as the engine sees it: padding cells hold -inf for
    max pooling (never a winner) and 0 for average pooling (left out of the mean,
    see ``count``). ``gradient_share`` is the fraction of this cell's gradient each
    window cell receives in the backward pass: 1 at the winner (max) or 1/count at
    every real cell (average), 0 elsewhere.
    """
    layer: str
    kind: str                              # "max" or "average"
    cell: Tuple[int, int, int]
    window: Tuple[int, int, int, int]      # (top, left, bottom, right) input cells, unclipped
    values: np.ndarray                     # (KH, KW) float32
    padding: np.ndarray                    # (KH, KW) bool
    winner: Optional[Tuple[int, int]]      # max: (row, col) of the winning input cell; else None
    winner_offset: Optional[Tuple[int, int]]  # max: the winner's (row, col) inside the window
    count: int                             # real (unpadded) cells in the window
    result: float                          # the stored output value
    rounding: Rounding                     # result against the exact max or mean
    gradient_share: np.ndarray             # (KH, KW) float64
    stride: Tuple[int, int]
    size: SizeFormula
    note: str


def pool_step(layer, x: np.ndarray, y: np.ndarray, cell, name: str = "") -> PoolStep:
    """The step-through of ``cell`` = (channel, row, col) of a MaxPool2D or AvgPool2D ``layer``.

    x: (C, H, W) the layer's input for one image; y: (C, OH, OW) its stored output.
    """
    c, row, col = cell
    is_max = layer.kind == "MaxPool2D"
    values, padding, window = window_patch(layer, x[c:c + 1], row, col, -np.inf if is_max else 0.0)
    values = values[0]
    real = values[~padding].astype(np.float64)
    share = np.zeros(values.shape)
    if is_max:
        winner = layer.winner(x[c], row, col)
        offset = (winner[0] - window[0], winner[1] - window[1])
        share[offset] = 1.0
        exact, tolerance, what = float(real.max()), 0.0, "the largest value of the window"
        note = words.maxpool(layer.kernel)
    else:
        winner = offset = None
        share[~padding] = 1.0 / real.size
        exact = float(sum(map(Fraction, real.tolist()), Fraction(0)) / real.size)
        tolerance = sum_tolerance(real.size + 2, float(np.abs(real).sum()) / real.size, y.dtype)
        what, note = f"the exact mean of its {real.size} real cells", words.avgpool(layer.kernel)
    return PoolStep(
        layer=name or layer.name, kind="max" if is_max else "average", cell=(c, row, col), window=window,
        values=frozen(values), padding=frozen(padding), winner=winner, winner_offset=offset, count=int(real.size),
        result=float(y[c, row, col]), rounding=compare(y[c, row, col], exact, tolerance, what, y.dtype),
        gradient_share=frozen(share), stride=tuple(layer.stride), size=size_formula(layer), note=note)
