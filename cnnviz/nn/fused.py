"""Layer pairs run as one step where that gives the same numbers with less work.

- ReLU then max pooling, in training: max(relu(a)) == relu(max(a)), and the
  gradients agree too (a window whose maximum is <= 0 passes no gradient either
  way). So a ReLU directly followed by a MaxPool2D can pool the pre-activations
  first and apply the ReLU to the pooled maps, a quarter of the size for 2x2
  pooling: the full-size ReLU pass and its backward pass disappear.
- A convolution then a ReLU: the convolution applies max(., 0) to each piece of
  its output while it is still in cache, and the ReLU adopts that output (the
  same float32 numbers a separate pass would give).

:meth:`Network.trace` (and so every picture the app shows) still runs every
layer on its own and keeps each one's output.
"""
from __future__ import annotations

import numpy as np

from .activations import ReLU
from .conv import Conv2D
from .pool import MaxPool2D


class ReLUMaxPool:
    """Stands for ``relu`` then ``pool`` in a training step (forward/backward like a Layer)."""

    def __init__(self, relu: ReLU, pool: MaxPool2D):
        self.relu, self.pool = relu, pool

    def forward(self, x: np.ndarray, train: bool = True) -> np.ndarray:
        """(N, C, H, W) -> (N, C, OH, OW): relu(pool(x)), equal to pool(relu(x))."""
        return self.relu.forward(self.pool.forward(x, train), train)

    def backward(self, dy: np.ndarray, need_dx: bool = True):
        """dy (N, C, OH, OW) -> dx (N, C, H, W) through the ReLU's mask, then the pool."""
        # The ReLU's mask must be applied even for the first layer: the pool needs it.
        return self.pool.backward(self.relu.backward(dy, True), need_dx)


class ConvReLU:
    """Stands for ``conv`` then ``relu`` (forward/backward like a Layer)."""

    def __init__(self, conv: Conv2D, relu: ReLU):
        self.conv, self.relu = conv, relu

    def forward(self, x: np.ndarray, train: bool = False) -> np.ndarray:
        """(N, C, H, W) -> (N, F, OH, OW): max(conv(x), 0)."""
        return self.relu.adopt(self.conv.forward(x, train, relu=True), train)

    def backward(self, dy: np.ndarray, need_dx: bool = True):
        """dy (N, F, OH, OW) -> dx (N, C, H, W) through the ReLU's mask, then the convolution."""
        return self.conv.backward(self.relu.backward(dy, True), need_dx)


def fuses_relu(layer, following) -> bool:
    """Whether ``layer`` applies the ReLU ``following`` it itself (a convolution does)."""
    return isinstance(layer, Conv2D) and isinstance(following, ReLU)


def _plan(layers: list, train: bool) -> list:
    plan, i = [], 0
    while i < len(layers):
        here, after = layers[i], layers[i + 1] if i + 1 < len(layers) else None
        later = layers[i + 2] if i + 2 < len(layers) else None
        if train and isinstance(here, ReLU) and isinstance(after, MaxPool2D):
            plan.append(ReLUMaxPool(here, after))
            i += 2
        elif fuses_relu(here, after) and not (train and isinstance(later, MaxPool2D)):
            plan.append(ConvReLU(here, after))      # (in training a ReLU before a pool goes with the pool)
            i += 2
        else:
            plan.append(here)
            i += 1
    return plan


def training_plan(layers: list) -> list:
    """``layers`` with every (ReLU, MaxPool2D) pair replaced by one ReLUMaxPool and every other
    (Conv2D, ReLU) pair by one ConvReLU."""
    return _plan(layers, train=True)


def inference_plan(layers: list) -> list:
    """``layers`` with every (Conv2D, ReLU) pair replaced by one ConvReLU."""
    return _plan(layers, train=False)
