"""Numerical vs backprop gradients, in float64.

For a parameter entry p the numerical gradient is the central difference
(L(p + h) - L(p - h)) / 2h; the relative error against the backprop value a is
|a - n| / max(|a| + |n|, 1e-7). Values around 1e-7 mean the backward pass is
right; 1e-2 and above mean it is wrong.

ReLU and max pooling have kinks: when a +-h step moves some ReLU input across
zero or changes which input wins a max, the difference quotient is not the
derivative there. Such entries are detected (the on/off pattern of every ReLU
and the winners of every max pool are compared with the unperturbed pass) and
replaced by another entry, so the reported error measures the backward pass.
"""
from __future__ import annotations

from typing import Dict, Optional

import numpy as np

from .activations import ReLU
from .dense import Dropout
from .layer import Layer
from .loss import SoftmaxCrossEntropy
from .network import Network
from .pool import MaxPool2D
from .residual import walk_layers as _walk


def relative_error(a: np.ndarray, n: np.ndarray) -> np.ndarray:
    """Element-wise |a - n| / max(|a| + |n|, 1e-7)."""
    return np.abs(a - n) / np.maximum(np.abs(a) + np.abs(n), 1e-7)


def _kink_pattern(layers) -> list:
    """Which side of every kink the last training forward was on."""
    pattern = []
    for l in _walk(layers):
        if isinstance(l, ReLU):
            pattern.append(l._y > 0)
        elif isinstance(l, MaxPool2D):
            pattern += [l._arg_h.copy(), l._arg_w.copy()]
    return pattern


def _same(a: list, b: list) -> bool:
    return all(np.array_equal(x, y) for x, y in zip(a, b))


def _numeric(flat: np.ndarray, size: int, max_entries: Optional[int], rng, h: float, loss, base_pattern):
    """Central differences at up to ``max_entries`` entries of ``flat`` that cross no kink.

    ``loss()`` returns (value, kink pattern). Returns (indices, gradients, skipped).
    """
    order = np.arange(size) if max_entries is None or size <= max_entries else rng.permutation(size)
    want = size if max_entries is None else min(max_entries, size)
    idx, num, skipped = [], [], 0
    for i in order:
        if len(idx) == want:
            break
        old = flat[i]
        flat[i] = old + h
        up, p_up = loss()
        flat[i] = old - h
        down, p_down = loss()
        flat[i] = old
        if not (_same(p_up, base_pattern) and _same(p_down, base_pattern)):
            skipped += 1
            continue
        idx.append(i)
        num.append((up - down) / (2 * h))
    return np.array(idx, dtype=np.intp), np.array(num), skipped


def check_network(net: Network, x: np.ndarray, labels: np.ndarray, h: float = 1e-6,
                  max_entries: Optional[int] = 30, seed: int = 0) -> Dict[str, float]:
    """Worst relative error per parameter of ``net`` (which should be float64).

    x: (N, C, H, W) input batch; labels: (N,) class indices. Dropout masks are
    frozen so every evaluation of the loss sees the same network. At most
    ``max_entries`` randomly chosen entries of each parameter are checked.
    """
    rng = np.random.default_rng(seed)
    loss_fn = SoftmaxCrossEntropy()
    drops = [l for l in _walk(net.layers) if isinstance(l, Dropout)]
    rng_states = [d.rng.bit_generator.state for d in drops]

    def loss():
        for d, s in zip(drops, rng_states):
            d.rng.bit_generator.state = s
        value = loss_fn.forward(net.forward(x, train=True), labels)
        return value, _kink_pattern(net.layers)

    _, base = loss()
    net.backward(loss_fn.backward())
    analytic = {k: g.copy() for k, g in net.grads.items()}
    worst = {}
    for key, p in net.params.items():
        flat = p.reshape(-1)
        idx, num, _ = _numeric(flat, flat.size, max_entries, rng, h, loss, base)
        worst[key] = float(relative_error(analytic[key].reshape(-1)[idx], num).max()) if len(idx) else 0.0
    return worst


def check_layer(layer: Layer, in_shape, batch: int = 2, h: float = 1e-6, max_entries: Optional[int] = 40,
                seed: int = 0, input_scale: float = 1.0) -> Dict[str, float]:
    """Worst relative error of one layer's input gradient ("x") and parameter gradients.

    The layer is built in float64 for ``in_shape`` (per sample); the loss is
    sum(y * r) for a fixed random r, so d loss / d y = r.
    """
    rng = np.random.default_rng(seed)
    layer.build(tuple(in_shape), rng, np.float64)
    x = rng.standard_normal((batch,) + tuple(in_shape)) * input_scale
    y = layer.forward(x, train=True)
    r = rng.standard_normal(y.shape)
    drops = [l for l in _walk([layer]) if isinstance(l, Dropout)]
    rng_states = [d.rng.bit_generator.state for d in drops]

    def loss():
        for d, s in zip(drops, rng_states):
            d.rng.bit_generator.state = s
        value = float(np.sum(layer.forward(x, train=True) * r))
        return value, _kink_pattern([layer])

    _, base = loss()
    dx = layer.backward(r.copy(), need_dx=True)
    analytic = {"x": np.array(dx, copy=True)}
    analytic.update({k: g.copy() for k, g in layer.grads.items()})
    targets = {"x": x}
    targets.update(layer.params)
    worst = {}
    for key, arr in targets.items():
        flat = arr.reshape(-1)
        idx, num, _ = _numeric(flat, flat.size, max_entries, rng, h, loss, base)
        worst[key] = float(relative_error(analytic[key].reshape(-1)[idx], num).max()) if len(idx) else 0.0
    return worst
