"""Training-time fusion of ReLU followed by max pooling.

max(relu(a)) == relu(max(a)), and the gradients agree too (a window whose
maximum is <= 0 passes no gradient either way). So during training a ReLU
directly followed by a MaxPool2D can pool the pre-activations first and apply
the ReLU to the pooled maps, a quarter of the size for 2x2 pooling: the
full-size ReLU pass and its backward pass disappear. Inference (and so every
picture the app shows) still runs the two layers one after the other.
"""
from __future__ import annotations

import numpy as np

from .activations import ReLU
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


def training_plan(layers: list) -> list:
    """``layers`` with every (ReLU, MaxPool2D) pair replaced by one ReLUMaxPool."""
    plan, i = [], 0
    while i < len(layers):
        if i + 1 < len(layers) and isinstance(layers[i], ReLU) and isinstance(layers[i + 1], MaxPool2D):
            plan.append(ReLUMaxPool(layers[i], layers[i + 1]))
            i += 2
        else:
            plan.append(layers[i])
            i += 1
    return plan
