"""Step-throughs of the layers that compute one cell from one number: activations
(ReLU, sigmoid, tanh), the residual sum F(x) + x, and the layers that only move or
pass numbers (input, flatten, dropout at inference)."""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Optional, Tuple

import numpy as np

from . import words
from .exactness import Rounding, compare, unit_roundoff

FORMULAS = {"ReLU": "max(0, x)", "Sigmoid": "1 / (1 + e^(−x))", "Tanh": "tanh(x)"}


@dataclass(frozen=True)
class ActivationStep:
    """y = f(x) for one cell. ``slope`` is f'(x), the factor the gradient is multiplied by on
    its way back (ReLU: 1 where x > 0, else 0: the gradient is blocked)."""
    layer: str
    kind: str                 # "ReLU", "Sigmoid" or "Tanh"
    cell: Tuple[int, ...]
    formula: str              # "max(0, x)"
    x: float                  # the stored input value
    result: float             # the stored output value
    rounding: Rounding        # result against f(x) in float64
    slope: float
    note: str

    @property
    def passes(self) -> bool:
        """Whether any gradient gets through this cell (ReLU: x > 0)."""
        return self.slope > 0


@dataclass(frozen=True)
class NormStep:
    """Batch normalisation at inference for one cell: gamma (x - mean) / sqrt(var + eps) + beta,
    with the running mean and variance the layer learned in training (per channel or unit)."""
    layer: str
    kind: str                 # "BatchNorm2D" or "BatchNorm1D"
    cell: Tuple[int, ...]
    x: float
    mean: float
    var: float
    eps: float
    gamma: float
    beta: float
    normalised: float         # (x - mean) / sqrt(var + eps), in float64
    result: float             # the stored output value
    rounding: Rounding
    note: str


@dataclass(frozen=True)
class ResidualStep:
    """F(x) + x for one cell of a residual block's output."""
    layer: str
    cell: Tuple[int, ...]
    fx: float                 # the stored output of the block's last inner layer, F(x)
    x: float                  # the stored block input
    fx_layer: str             # the entry F(x) comes from, e.g. "res1.res1_convb"
    x_layer: str              # the entry x comes from, e.g. "relu1"
    result: float
    rounding: Rounding
    note: str


@dataclass(frozen=True)
class PassStep:
    """A cell whose value comes unchanged from one cell of an earlier entry
    (flatten, dropout at inference), or an input pixel (``source`` is then None)."""
    layer: str
    kind: str
    cell: Tuple[int, ...]
    source_layer: str                   # "" for an input pixel
    source: Optional[Tuple[int, ...]]   # the cell of source_layer the value comes from; None for a pixel
    value: float
    note: str


def activation_step(kind: str, x: np.ndarray, y: np.ndarray, cell, name: str) -> ActivationStep:
    """y = f(x) at ``cell`` of an activation layer; x, y: one image's input and stored output."""
    xv, yv = float(x[cell]), float(y[cell])
    u = unit_roundoff(y.dtype)
    if kind == "ReLU":
        exact, tolerance, slope = max(0.0, xv), 0.0, 1.0 if xv > 0 else 0.0
    elif kind == "Sigmoid":
        # The engine computes (1 + tanh(x/2)) / 2: near 0 its error is absolute, about u.
        exact = 1.0 / (1.0 + math.exp(-xv)) if xv > -700 else 0.0
        tolerance, slope = 4 * u, yv * (1 - yv)
    else:
        exact, tolerance, slope = math.tanh(xv), 4 * u * max(abs(yv), u), 1 - yv * yv
    what = FORMULAS[kind] + (" (exact)" if kind == "ReLU" else " computed in float64")
    return ActivationStep(name, kind, cell, FORMULAS[kind], xv, yv, compare(y[cell], exact, tolerance, what, y.dtype),
                          slope, words.ACTIVATIONS[kind])


def residual_step(fx: np.ndarray, x: np.ndarray, y: np.ndarray, cell, name: str, fx_layer: str,
                  x_layer: str) -> ResidualStep:
    """F(x) + x at ``cell``; fx, x, y: one image's F(x), block input and stored output."""
    exact = float(fx[cell]) + float(x[cell])        # two float32 numbers add exactly in float64
    return ResidualStep(name, cell, float(fx[cell]), float(x[cell]), fx_layer, x_layer, float(y[cell]),
                        compare(y[cell], exact, unit_roundoff(y.dtype) * abs(exact), "F(x) + x", y.dtype),
                        words.RESIDUAL)


def pass_step(layer, kind: str, y: np.ndarray, cell, name: str, source_layer: str) -> PassStep:
    """The cell of a flatten or dropout layer (or an input pixel) and where its value comes from."""
    if kind == "Flatten":
        source = tuple(int(i) for i in np.unravel_index(cell[0], layer.in_shape))
        note = words.FLATTEN
    elif kind == "Dropout":
        source, note = cell, words.dropout(layer.rate)
    else:
        source, note = None, words.INPUT
    return PassStep(name, kind, cell, source_layer, source, float(y[cell]), note)


def norm_step(layer, x: np.ndarray, y: np.ndarray, cell, name: str) -> NormStep:
    """A batch-norm cell; x, y: one image's input and stored output; the channel (or unit) is cell[0]."""
    c = cell[0]
    xv, mean, var = float(x[cell]), float(layer.state["mean"][c]), float(layer.state["var"][c])
    gamma, beta = float(layer.params["gamma"][c]), float(layer.params["beta"][c])
    normalised = (xv - mean) / math.sqrt(var + layer.eps)
    exact = gamma * normalised + beta
    # the engine folds it into scale * x + shift in float32: a few roundings of these sizes
    size = abs(gamma * normalised) + abs(beta) + abs(gamma * mean / math.sqrt(var + layer.eps))
    tolerance = 8 * unit_roundoff(y.dtype) * size
    return NormStep(name, layer.kind, cell, xv, mean, var, layer.eps, gamma, beta, normalised, float(y[cell]),
                    compare(y[cell], exact, tolerance, "γ·(x − mean)/√(var + ε) + β in float64", y.dtype),
                    words.BATCHNORM)
