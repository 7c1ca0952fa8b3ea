"""Batch normalisation: each channel (maps) or unit (vectors) rescaled to zero mean and
unit variance over the batch, then scaled by ``gamma`` and shifted by ``beta``.

Training uses the statistics of the batch itself and updates running averages
of them; inference (every picture the app shows) uses the running averages, so
one image's output does not depend on what else is in its batch. The running
mean and variance are state, not parameters: no gradient reaches them and no
optimizer touches them, but they are saved in model files with the weights.

Conventions follow PyTorch's, so the same network computes the same numbers
there: ``running = (1 - momentum) running + momentum batch`` and the running
variance averages the unbiased batch variance (divided by m - 1), while the
normalisation itself divides by m.
"""
from __future__ import annotations

import numpy as np

from . import layout
from .layer import Layer
from .parallel import split_run
from .settings import real
from .shapes import ShapeError


class _BatchNorm(Layer):
    """Shared by the 2-D (N, C, H, W) and 1-D (N, D) layers: statistics per index of axis 1,
    over the batch and (for maps) every position."""

    ndim = 0            # per-sample dimensions the layer takes (3 for maps, 1 for vectors)
    unit = ""           # what the statistics are per: "channel" or "unit"

    def __init__(self, momentum: float = 0.1, eps: float = 1e-5, name=None):
        super().__init__(name)
        self.momentum = real(momentum, "momentum", 0.0, 1.0)
        self.eps = real(eps, "eps", 0.0, low_open=True)

    def _build(self, in_shape, rng):
        if len(in_shape) != self.ndim:
            wanted = "maps (channels, height, width)" if self.ndim == 3 else "a flat vector"
            raise ShapeError(f"layer {self.name!r} ({self.kind}) needs {wanted}, got shape {in_shape}")
        c = in_shape[0]
        self._add_param("gamma", (c,), rng)
        self._add_param("beta", (c,), rng)
        if self._allocate:
            self.params["gamma"].fill(1.0)
            self.state = {"mean": np.zeros(c, self.dtype), "var": np.ones(c, self.dtype)}
        return in_shape

    # -- computing ---------------------------------------------------------------
    # Everything is per channel, on the batch-last view (C, S) with one contiguous row per
    # channel: each pass works through a few channels at a time (split over the cores),
    # taking their statistics and writing their outputs while the rows are in cache.
    @staticmethod
    def _rows(a: np.ndarray) -> np.ndarray:
        """(C, S) batch-last rows of a (N, C, ...) or (N, D) array (a copy unless a is batch-last)."""
        return layout.memory(a).reshape(a.shape[1], -1)

    def forward(self, x, train=False):
        """Same shape as x: gamma (x - mean) / sqrt(var + eps) + beta per channel, with the batch's
        statistics in training (updating the running ones) and the running ones at inference."""
        xr = self._rows(x)
        gamma, beta = self.params["gamma"][:, None], self.params["beta"][:, None]
        y = self._like("y", x, train)
        yr = self._rows(y)
        if not train:
            scale = gamma / np.sqrt(self.state["var"][:, None] + self.eps)
            shift = beta - self.state["mean"][:, None] * scale
            np.multiply(xr, scale, out=yr)
            yr += shift
            return y
        c, m = xr.shape
        xc = self._rows(self._like("xc", x, True))
        mean, var = np.empty((c, 1), x.dtype), np.empty((c, 1), x.dtype)

        def part(lo, hi):                    # channels lo..hi
            ch = slice(lo, hi)
            np.divide(xr[ch].sum(axis=1, keepdims=True), m, out=mean[ch])
            np.subtract(xr[ch], mean[ch], out=xc[ch])
            np.einsum("cs,cs->c", xc[ch], xc[ch], out=var[ch, 0])
            var[ch] /= m
            np.multiply(xc[ch], gamma[ch] / np.sqrt(var[ch] + self.eps), out=yr[ch])
            yr[ch] += beta[ch]
        split_run(part, c, 6 * xr.size)
        self._xc, self._inv_std = xc, 1.0 / np.sqrt(var + self.eps)
        self._update_running(mean[:, 0], var[:, 0], m)
        return y

    def _update_running(self, mean, var, m) -> None:
        """Fold the batch's statistics into the running ones; a batch whose statistics are
        not finite (a diverging run) leaves them as they were."""
        if not (np.all(np.isfinite(mean)) and np.all(np.isfinite(var))):
            return
        k = self.momentum
        for key, value in (("mean", mean), ("var", var * (m / max(m - 1, 1)))):
            self.state[key] *= 1 - k
            self.state[key] += k * value

    def backward(self, dy, need_dx=True):
        """dy (same shape as x) -> dx; fills grads gamma and beta (C,).

        With xc = x - mean, the input gradient is per channel an affine
        combination of dy and xc: scale (dy - sum(dy)/m - xc inv_std^2 sum(dy xc)/m),
        with scale = gamma inv_std.
        """
        dyr, xc, inv_std = self._rows(dy), self._xc, self._inv_std
        c, m = dyr.shape
        scale = self.params["gamma"][:, None] * inv_std
        dbeta, dot = np.empty((c, 1), dy.dtype), np.empty((c, 1), dy.dtype)
        dx = self._like("dx", dy, True) if need_dx else None
        dxr = self._rows(dx) if need_dx else None

        def part(lo, hi):                    # channels lo..hi
            ch = slice(lo, hi)
            np.sum(dyr[ch], axis=1, keepdims=True, out=dbeta[ch])
            np.einsum("cs,cs->c", dyr[ch], xc[ch], out=dot[ch, 0])
            if need_dx:
                np.multiply(xc[ch], -scale[ch] * inv_std[ch] ** 2 * dot[ch] / m, out=dxr[ch])
                dxr[ch] -= scale[ch] * dbeta[ch] / m
                dxr[ch] += dyr[ch] * scale[ch]
        split_run(part, c, 6 * dyr.size)
        np.copyto(self.grads["beta"], dbeta[:, 0])
        np.copyto(self.grads["gamma"], (dot * inv_std)[:, 0])
        return dx

    def check_state(self, state):
        var = state.get("var")
        if var is not None and not np.all(np.asarray(var) >= 0):
            raise ValueError(f"layer {self.name!r} ({self.kind}): its running variance has negative "
                             f"or NaN values")

    # -- describing ------------------------------------------------------------------
    def config(self):
        return {"momentum": self.momentum, "eps": self.eps}

    def describe(self):
        return f"per {self.unit}, momentum {self.momentum:g}"


class BatchNorm2D(_BatchNorm):
    """Batch normalisation of maps (N, C, H, W): statistics per channel over N, H and W.
    Parameters ``gamma`` and ``beta`` (C,); state ``mean`` and ``var`` (C,)."""

    type, kind, ndim, unit = "batchnorm2d", "BatchNorm2D", 3, "channel"


class BatchNorm1D(_BatchNorm):
    """Batch normalisation of vectors (N, D): statistics per unit over the batch.
    Parameters ``gamma`` and ``beta`` (D,); state ``mean`` and ``var`` (D,)."""

    type, kind, ndim, unit = "batchnorm1d", "BatchNorm1D", 1, "unit"
