"""Dense (affine), Flatten and Dropout layers."""
from __future__ import annotations

import math

import numpy as np

from . import layout, parallel
from .init import INITS
from .layer import Layer
from .settings import choice, flag, real, whole
from .shapes import ShapeError


class Flatten(Layer):
    """(N, C, H, W) -> (N, C*H*W), in C, H, W order."""

    type = "flatten"
    kind = "Flatten"

    def _build(self, in_shape, rng):
        return (math.prod(in_shape),)

    def forward(self, x, train=False):
        """(N, C, H, W) -> (N, C*H*W): a view of x when x is batch-last or C-contiguous."""
        return layout.reshape(x, self.out_shape)

    def backward(self, dy, need_dx=True):
        """dy (N, C*H*W) -> (N, C, H, W)."""
        if not need_dx:
            return None
        return layout.reshape(dy, self.in_shape)

    def describe(self):
        return ""


class Dense(Layer):
    """Affine map y = x W + b. x: (N, D_in); W: (D_in, D_out); b: (D_out,), left out
    when ``bias`` is False (before a batch normalisation)."""

    type = "dense"
    kind = "Dense"

    def __init__(self, units: int, name=None, init: str = "he", std: float = 0.01, bias: bool = True):
        super().__init__(name)
        self.bias = flag(bias, "bias")
        self.units = whole(units, "units")
        self.init = choice(init, "init", INITS)
        self.std = real(std, "std", 0.0, low_open=True)

    def _build(self, in_shape, rng):
        if len(in_shape) != 1:
            raise ShapeError(f"layer {self.name!r} (Dense) needs a flat input, got maps of shape "
                             f"{in_shape}; put a Flatten layer before it")
        d_in = in_shape[0]
        self._add_param("W", (d_in, self.units), rng, self.init, d_in, self.units, self.std)
        if self.bias:
            self._add_param("b", (self.units,), rng)
        return (self.units,)

    # Computed on batch-last views (see nn.layout): y^T = W^T x^T, so a flattened
    # batch-last map batch goes into the product without a copy.
    def forward(self, x, train=False):
        """(N, D_in) -> (N, units): x W + b (in batch-last memory)."""
        y = self._buffer("y", (x.shape[0], self.units), train, batch_last=True)
        y_t = layout.memory(y)
        parallel.matmul(self.params["W"].T, layout.memory(x), y_t)
        if self.bias:
            y_t += self.params["b"][:, None]
        if train:
            self._x = x
        return y

    def backward(self, dy, need_dx=True):
        """dy (N, units) -> dx (N, D_in) = dy W^T; fills grads W (D_in, units) and b (units,)."""
        dy_t = layout.memory(dy)
        parallel.matmul(layout.memory(self._x), dy_t.T, self.grads["W"])
        if self.bias:
            np.sum(dy_t, axis=1, out=self.grads["b"])
        if not need_dx:
            return None
        dx = self._like("dx", self._x, True)
        parallel.matmul(self.params["W"], dy_t, layout.memory(dx))
        return dx

    def config(self):
        cfg = {"units": self.units, "init": self.init}
        if self.init == "normal":
            cfg["std"] = self.std
        if not self.bias:
            cfg["bias"] = False
        return cfg

    def describe(self):
        return f"{self.in_shape[0] if self.in_shape else '?'}->{self.units}" + ("" if self.bias else " no bias")


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
        u = self._like("u", x, True)
        self.rng.random(dtype=u.dtype, out=layout.memory(u))
        mask = self._like("mask", x, True)
        scale = 1.0 / (1.0 - self.rate)
        np.greater_equal(u, self.rate, out=mask, casting="unsafe")
        mask *= scale
        y = self._like("y", x, True)
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
