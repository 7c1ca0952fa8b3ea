"""Dense (affine), Flatten and Dropout layers."""
from __future__ import annotations

import math

import numpy as np

from .init import INITS
from .layer import Layer
from .settings import choice, real, whole
from .shapes import ShapeError


class Flatten(Layer):
    """(N, C, H, W) -> (N, C*H*W), in C, H, W order."""

    type = "flatten"
    kind = "Flatten"

    def _build(self, in_shape, rng):
        return (math.prod(in_shape),)

    def forward(self, x, train=False):
        """(N, C, H, W) -> (N, C*H*W), a view of x."""
        return x.reshape(x.shape[0], -1)

    def backward(self, dy, need_dx=True):
        """dy (N, C*H*W) -> (N, C, H, W)."""
        if not need_dx:
            return None
        return dy.reshape((dy.shape[0],) + self.in_shape)

    def describe(self):
        return ""


class Dense(Layer):
    """Affine map y = x W + b. x: (N, D_in); W: (D_in, D_out); b: (D_out,)."""

    type = "dense"
    kind = "Dense"

    def __init__(self, units: int, name=None, init: str = "he", std: float = 0.01):
        super().__init__(name)
        self.units = whole(units, "units")
        self.init = choice(init, "init", INITS)
        self.std = real(std, "std", 0.0, low_open=True)

    def _build(self, in_shape, rng):
        if len(in_shape) != 1:
            raise ShapeError(f"layer {self.name!r} (Dense) needs a flat input, got maps of shape "
                             f"{in_shape}; put a Flatten layer before it")
        d_in = in_shape[0]
        self._add_param("W", (d_in, self.units), rng, self.init, d_in, self.units, self.std)
        self._add_param("b", (self.units,), rng)
        return (self.units,)

    def forward(self, x, train=False):
        """(N, D_in) -> (N, units): x W + b."""
        y = self._buffer("y", (x.shape[0], self.units), train)
        np.matmul(x, self.params["W"], out=y)
        y += self.params["b"]
        if train:
            self._x = x
        return y

    def backward(self, dy, need_dx=True):
        """dy (N, units) -> dx (N, D_in) = dy W^T; fills grads W (D_in, units) and b (units,)."""
        np.matmul(self._x.T, dy, out=self.grads["W"])
        np.sum(dy, axis=0, out=self.grads["b"])
        if not need_dx:
            return None
        dx = self._buffer("dx", self._x.shape, True)
        return np.matmul(dy, self.params["W"].T, out=dx)

    def config(self):
        cfg = {"units": self.units, "init": self.init}
        if self.init == "normal":
            cfg["std"] = self.std
        return cfg

    def describe(self):
        return f"{self.in_shape[0] if self.in_shape else '?'}->{self.units}"


class Dropout(Layer):
    """Inverted dropout: in training each value is zeroed with probability
    ``rate`` and the rest scaled by 1/(1-rate); at inference it is the identity."""

    type = "dropout"
    kind = "Dropout"

    def __init__(self, rate: float = 0.5, name=None):
        super().__init__(name)
        self.rate = real(rate, "dropout rate", 0.0, 1.0, high_open=True)
        self.rng = np.random.default_rng()

    def _build(self, in_shape, rng):
        if rng is not None:
            self.rng = np.random.default_rng(rng.integers(2**63))
        return in_shape

    def forward(self, x, train=False):
        """Same shape as x: in training x * mask / (1 - rate), at inference x itself."""
        if not train or self.rate == 0.0:
            return x
        u = self._buffer("u", x.shape, True)
        self.rng.random(dtype=u.dtype, out=u)
        mask = self._buffer("mask", x.shape, True)
        scale = 1.0 / (1.0 - self.rate)
        np.greater_equal(u, self.rate, out=mask, casting="unsafe")
        mask *= scale
        y = self._buffer("y", x.shape, True)
        np.multiply(x, mask, out=y)
        self._mask = mask
        return y

    def backward(self, dy, need_dx=True):
        """dy times the forward's scaled mask, same shape (written into dy)."""
        if not need_dx:
            return None
        if self.rate == 0.0:
            return dy
        np.multiply(dy, self._mask, out=dy)
        return dy

    def config(self):
        return {"rate": self.rate}

    def describe(self):
        return f"p={self.rate:g}"
