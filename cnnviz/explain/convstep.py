"""One output cell of a Conv2D layer, computed in front of the student."""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Tuple

import numpy as np

from . import words
from .exactness import Rounding, compare, frozen, sum_tolerance, unit_roundoff
from .sizeformula import SizeFormula, size_formula


@dataclass(frozen=True)
class ConvStep:
    """Output cell (filter, row, col) of a convolution, term by term.

    Arrays are read-only. ``patch`` and ``kernel`` are the float32 numbers the
    engine multiplied; ``products`` their exact products (float64 holds a product
    of two float32 numbers exactly); sums are exact, rounded once to float64.
    ``result`` is the value stored in the feature map (the engine's float32, bit
    for bit); ``rounding`` compares it with ``products_sum + bias``.
    """
    layer: str                       # entry name, e.g. "conv1"
    cell: Tuple[int, int, int]       # (filter, row, col) of the output map
    window: Tuple[int, int, int, int]  # (top, left, bottom, right) input cells, ends exclusive, unclipped
    patch: np.ndarray                # (C, KH, KW) float32 input under the window; padding cells are 0
    padding: np.ndarray              # (KH, KW) bool: True where the window lies on padding
    kernel: np.ndarray               # (C, KH, KW) float32: the filter's weights
    products: np.ndarray             # (C, KH, KW) float64: patch * kernel, exact
    channel_sums: np.ndarray         # (C,) float64: each input channel's products added
    products_sum: float              # all products added (= the channel sums added)
    bias: float                      # the filter's bias
    result: float                    # the stored output value
    rounding: Rounding               # result against products_sum + bias
    stride: Tuple[int, int]
    method: str                      # "im2col" or "fft": how the engine computed the map
    size: SizeFormula                # the output-size rule with this layer's numbers
    note: str

    @property
    def total(self) -> float:
        """products_sum + bias, exact (rounded once to float64)."""
        return self.rounding.exact


def window_patch(layer, x: np.ndarray, row: int, col: int, fill: float = 0.0):
    """The window of output cell (row, col) cut from x (C, H, W): ((C, KH, KW) values with
    ``fill`` on padding, (KH, KW) bool padding mask, (top, left, bottom, right) unclipped)."""
    top, left, bottom, right = layer.window_bounds(row, col, clip=False)
    h, w = x.shape[1:]
    patch = np.full((x.shape[0], bottom - top, right - left), fill, x.dtype)
    padding = np.ones(patch.shape[1:], bool)
    t, l, b, r = max(top, 0), max(left, 0), min(bottom, h), min(right, w)
    if t < b and l < r:
        patch[:, t - top:b - top, l - left:r - left] = x[:, t:b, l:r]
        padding[t - top:b - top, l - left:r - left] = False
    return patch, padding, (top, left, bottom, right)


def _fft_tolerance(x: np.ndarray, kernel: np.ndarray, dtype) -> float:
    """An estimate (generous, not a proof) of how far the FFT's rounding moves one output:
    u * log2(grid size) * sum over channels of |x_c|_2 |w_c|_2. Unlike a direct sum, every
    output's rounding grows with the whole input, not only with its window."""
    grid = (x.shape[1] + kernel.shape[1] - 1) * (x.shape[2] + kernel.shape[2] - 1)
    norms = np.sqrt((x.astype(np.float64) ** 2).sum(axis=(1, 2)) * (kernel.astype(np.float64) ** 2).sum(axis=(1, 2)))
    return unit_roundoff(dtype) * math.log2(max(grid, 2)) * float(norms.sum())


def conv_step(layer, x: np.ndarray, y: np.ndarray, cell, name: str = "") -> ConvStep:
    """The step-through of ``cell`` = (filter, row, col) of Conv2D ``layer``.

    x: (C, H, W) the layer's input for one image; y: (F, OH, OW) its stored output.
    """
    f, row, col = cell
    patch, padding, window = window_patch(layer, x, row, col)
    kernel = layer.params["W"][f]
    products = patch.astype(np.float64) * kernel.astype(np.float64)
    flat = products.ravel().tolist()
    bias = float(layer.params["b"][f]) if "b" in layer.params else 0.0      # bias=False: none
    channel_sums = np.array([math.fsum(products[c].ravel().tolist()) for c in range(products.shape[0])])
    magnitude = math.fsum(np.abs(products).ravel().tolist()) + abs(bias)
    tolerance = sum_tolerance(len(flat) + 1, magnitude, y.dtype)
    if layer.method == "fft":
        tolerance += _fft_tolerance(x, layer.params["W"][f], y.dtype)
    rounding = compare(y[f, row, col], math.fsum(flat + [bias]), tolerance,
                       "the exact sum of the products and the bias", y.dtype)
    return ConvStep(
        layer=name or layer.name, cell=(f, row, col), window=window, patch=frozen(patch),
        padding=frozen(padding), kernel=frozen(kernel), products=frozen(products),
        channel_sums=frozen(channel_sums), products_sum=math.fsum(flat), bias=bias,
        result=float(y[f, row, col]), rounding=rounding, stride=tuple(layer.stride), method=layer.method,
        size=size_formula(layer), note=words.conv(layer.kernel, layer.stride, x.shape[0], bool(padding.any())))
