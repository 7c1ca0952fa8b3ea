"""One unit of a Dense layer: its largest input x weight contributions, their sum and bias."""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Optional, Sequence, Tuple

import numpy as np

from . import words
from .exactness import Rounding, compare, frozen, sum_tolerance


@dataclass(frozen=True)
class DenseStep:
    """Unit ``unit`` of a dense layer = sum over inputs of x_i * W[i, unit], plus the bias.

    The ``top`` inputs with the largest |x_i * W[i, unit]| are listed largest first
    (``indices`` into the layer's input vector, ``sources`` the same inputs as cells of
    ``source_layer``, e.g. (channel, row, col) of the maps before a flatten). The
    other inputs' products are added into ``rest_sum``. Products and sums are exact
    (rounded once to float64); ``result`` is the stored float32 output.
    """
    layer: str
    unit: int
    inputs: int                      # number of inputs
    zero_inputs: int                 # inputs equal to 0 (e.g. switched off by a ReLU): they add nothing
    indices: np.ndarray              # (top,) int
    sources: Tuple[Tuple[int, ...], ...]
    source_layer: str
    x: np.ndarray                    # (top,) float32 input values
    weights: np.ndarray              # (top,) float32 W[i, unit]
    products: np.ndarray             # (top,) float64 x * w, exact
    rest_sum: float                  # the other inputs' products added
    rest_count: int
    products_sum: float              # all products added
    bias: float
    result: float
    rounding: Rounding               # result against products_sum + bias
    note: str


def dense_step(layer, x: np.ndarray, y: np.ndarray, unit: int, name: str = "", top: int = 8,
               source_layer: str = "", source_shape: Optional[Sequence[int]] = None) -> DenseStep:
    """The step-through of ``unit`` of Dense ``layer``; x: (D,) its input, y: (units,) stored output.

    ``source_shape``: the shape ``x`` was flattened from (to name each input's cell), or None.
    """
    w = layer.params["W"][:, unit]
    products = x.astype(np.float64) * w.astype(np.float64)
    k = min(int(top), products.size)
    order = np.argsort(-np.abs(products), kind="stable")
    shown, rest = order[:k], order[k:]
    bias = float(layer.params["b"][unit]) if "b" in layer.params else 0.0   # bias=False: none
    everything = products.tolist()
    sources = (tuple(tuple(int(v) for v in np.unravel_index(i, source_shape)) for i in shown)
               if source_shape is not None else tuple((int(i),) for i in shown))
    tolerance = sum_tolerance(products.size + 2, math.fsum(np.abs(products).tolist()) + abs(bias), y.dtype)
    return DenseStep(
        layer=name or layer.name, unit=int(unit), inputs=int(x.size), zero_inputs=int(np.count_nonzero(x == 0)),
        indices=frozen(shown), sources=sources, source_layer=source_layer, x=frozen(x[shown]),
        weights=frozen(w[shown]), products=frozen(products[shown]), rest_sum=math.fsum(products[rest].tolist()),
        rest_count=int(rest.size), products_sum=math.fsum(everything), bias=bias, result=float(y[unit]),
        rounding=compare(y[unit], math.fsum(everything + [bias]), tolerance,
                         "the exact sum of all products and the bias", y.dtype),
        note=words.dense(int(x.size), k))
