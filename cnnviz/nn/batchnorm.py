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
    # Statistics are taken on the batch-last view (C, S): one contiguous row per channel.
    @staticmethod
    def _rows(a: np.ndarray) -> np.ndarray:
        """(C, S) batch-last rows of a (N, C, ...) or (N, D) array (a copy unless a is batch-last)."""
        return layout.memory(a).reshape(a.shape[1], -1)

    @staticmethod
    def _affine(src, scale, shift, out) -> None:
        """out = src * scale[c] + shift[c] for (C, S) rows, split over the cores."""
        scale, shift = scale[:, None], shift[:, None]

        def part(lo, hi):
            np.multiply(src[lo:hi], scale[lo:hi], out=out[lo:hi])
            out[lo:hi] += shift[lo:hi]
        split_run(part, len(src), src.size)

    @staticmethod
    def _dot(a, b) -> np.ndarray:
        """Per-row sum of a * b over (C, S) rows: (C,)."""
        out = np.empty(len(a), a.dtype)

        def part(lo, hi):
            np.einsum("cs,cs->c", a[lo:hi], b[lo:hi], out=out[lo:hi])
        split_run(part, len(a), a.size)
        return out

    def forward(self, x, train=False):
        """Same shape as x: gamma (x - mean) / sqrt(var + eps) + beta per channel, with the batch's
        statistics in training (updating the running ones) and the running ones at inference."""
        xr = self._rows(x)
        gamma, beta = self.params["gamma"], self.params["beta"]
        y = self._like("y", x, train)
        if not train:
            scale = gamma / np.sqrt(self.state["var"] + self.eps)
            self._affine(xr, scale, beta - self.state["mean"] * scale, self._rows(y))
            return y
        m = xr.shape[1]
        mean = xr.sum(axis=1) / m
        xc = self._rows(self._like("xc", x, True))
        self._affine(xr, np.ones_like(mean), -mean, xc)
        var = self._dot(xc, xc) / m
        inv_std = 1.0 / np.sqrt(var + self.eps)
        self._xc, self._inv_std, self._scale = xc, inv_std, gamma * inv_std
        self._affine(xc, self._scale, beta, self._rows(y))
        self._update_running(mean, var, m)
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
        combination of dy and xc: scale (dy - sum(dy)/m - xc inv_std^2 sum(dy xc)/m).
        """
        dyr, xc = self._rows(dy), self._xc
        m = dyr.shape[1]
        dbeta = dyr.sum(axis=1)
        dot = self._dot(dyr, xc)
        np.copyto(self.grads["beta"], dbeta)
        np.copyto(self.grads["gamma"], dot * self._inv_std)
        if not need_dx:
            return None
        scale = self._scale
        b = (-scale * self._inv_std ** 2 * dot / m)[:, None]
        dx = self._like("dx", dy, True)
        dxr, tmp = self._rows(dx), self._rows(self._like("tmp", dy, True))
        self._affine(dyr, scale, -scale * dbeta / m, dxr)

        def part(lo, hi):                    # dx += b xc
            np.multiply(xc[lo:hi], b[lo:hi], out=tmp[lo:hi])
            dxr[lo:hi] += tmp[lo:hi]
        split_run(part, len(dxr), dxr.size)
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
