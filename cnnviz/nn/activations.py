"""Element-wise nonlinearities: ReLU, Sigmoid, Tanh. Shapes are unchanged."""
from __future__ import annotations

import numpy as np

from . import layout
from .layer import Layer
from .parallel import split_run


class ReLU(Layer):
    """max(x, 0). Backward passes the gradient where the output is positive."""

    type = "relu"
    kind = "ReLU"

    def forward(self, x, train=False):
        """max(x, 0), same shape as x (in batch-last memory)."""
        y = self._like("y", x, train)
        xm, ym = layout.memory(x), layout.memory(y)

        def part(lo, hi):
            np.maximum(xm[lo:hi], 0, out=ym[lo:hi])
        split_run(part, len(xm), x.size)
        if train:
            self._y = y
        return y

    def adopt(self, y, train=False):
        """This layer's output when the layer before has applied max(., 0) already (nn.fused):
        y itself, kept for backward when ``train``."""
        if train:
            self._y = y
        return y

    def backward(self, dy, need_dx=True):
        """dy where the output was positive, 0 elsewhere; same shape (written into dy)."""
        if not need_dx:
            return None
        mask = self._like("mask", dy, True, dtype=bool)
        ym, dm, mm = layout.memory(self._y), layout.memory(dy), layout.memory(mask)

        def part(lo, hi):
            np.greater(ym[lo:hi], 0, out=mm[lo:hi])
            np.multiply(dm[lo:hi], mm[lo:hi], out=dm[lo:hi])   # dy is not read again above
        split_run(part, len(dm), dy.size)
        return dy


class Sigmoid(Layer):
    """1 / (1 + exp(-x)). Derivative y (1 - y)."""

    type = "sigmoid"
    kind = "Sigmoid"

    def forward(self, x, train=False):
        """1 / (1 + exp(-x)) in (0, 1), same shape as x."""
        y = self._like("y", x, train)
        # 1/(1+exp(-x)) == (1 + tanh(x/2)) / 2, which never overflows.
        np.multiply(x, 0.5, out=y)
        np.tanh(y, out=y)
        y += 1.0
        y *= 0.5
        if train:
            self._y = y
        return y

    def backward(self, dy, need_dx=True):
        """dy * y (1 - y), same shape."""
        if not need_dx:
            return None
        y = self._y
        return dy * y * (1.0 - y)


class Tanh(Layer):
    """tanh(x). Derivative 1 - y^2."""

    type = "tanh"
    kind = "Tanh"

    def forward(self, x, train=False):
        """tanh(x) in (-1, 1), same shape as x."""
        y = self._like("y", x, train)
        np.tanh(x, out=y)
        if train:
            self._y = y
        return y

    def backward(self, dy, need_dx=True):
        """dy * (1 - y^2), same shape."""
        if not need_dx:
            return None
        y = self._y
        return dy * (1.0 - y * y)
