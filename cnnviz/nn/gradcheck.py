"""Numerical vs backprop gradients, in float64.

For a parameter entry p the numerical gradient is the central difference
n = (L(p + h) - L(p - h)) / 2h with h = STEP * max(1, |p|), and the error
against the backprop value a is

    |a - n| / max(|a| + |n|, floor)

The floor makes the measure relative for the entries that matter and absolute
for the tiny ones: it is FLOOR_FRACTION times the largest gradient of that
parameter (an entry a thousand times smaller than its neighbours is judged on
how far off it is compared with them), and never below what rounding in the
two loss values can explain (about eps |L| / h). A right backward pass then
scores 1e-9 to 1e-7, well below TOLERANCE; a wrong one (a sign, a factor, a missing
term) scores 1e-2 and above.

ReLU and max pooling have kinks: when a +-h step moves some ReLU input across
zero or changes which input wins a max, the difference quotient is not the
derivative there. Such entries are detected (the on/off pattern of every ReLU
and the winners of every max pool are compared with the unperturbed pass) and
tried again with a ten and a hundred times smaller step, then replaced by
another entry, so the reported error measures the backward pass.
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
from .settings import real, whole

STEP = 1e-5               # h relative to max(1, |p|)
FLOOR_FRACTION = 1e-3     # floor of the denominator, relative to the parameter's largest gradient
TOLERANCE = 1e-5          # a right backward pass stays below this; a wrong one is far above
_EPS = np.finfo(np.float64).eps
_ROUNDOFF = 1e7           # floor >= this many times eps |L| / h: rounding alone scores about 1e-7


def relative_error(a: np.ndarray, n: np.ndarray, floor=0.0) -> np.ndarray:
    """Element-wise |a - n| / max(|a| + |n|, floor) (0 where both are 0 and floor is 0).

    a, n: backprop and numerical gradients of the same shape; floor: a scalar or
    an array broadcasting against them, in the gradients' units.
    """
    a, n = np.asarray(a, np.float64), np.asarray(n, np.float64)
    denom = np.maximum(np.abs(a) + np.abs(n), floor)
    diff = np.abs(a - n)
    return np.divide(diff, denom, out=np.zeros_like(diff), where=denom > 0)


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


def _numeric(flat: np.ndarray, max_entries: Optional[int], rng, loss, base_pattern, step: float):
    """Central differences at up to ``max_entries`` entries of ``flat`` (all when None)
    whose steps cross no kink.

    ``loss()`` returns (value, kink pattern). Returns (indices, gradients, steps).
    """
    size = flat.size
    want = size if max_entries is None else min(max_entries, size)
    order = np.arange(size) if want == size else rng.permutation(size)
    idx, num, steps = [], [], []
    for i in order:
        if len(idx) == want:
            break
        old = flat[i]
        for h in step * max(1.0, abs(float(old))) * np.array([1.0, 0.1, 0.01]):
            flat[i] = old + h
            up, p_up = loss()
            flat[i] = old - h
            down, p_down = loss()
            flat[i] = old
            if _same(p_up, base_pattern) and _same(p_down, base_pattern):
                idx.append(i)
                num.append((up - down) / (2 * h))
                steps.append(h)
                break
    return np.array(idx, dtype=np.intp), np.array(num, dtype=np.float64), np.array(steps, dtype=np.float64)


def _worst(analytic: np.ndarray, idx, num, steps, loss_size: float) -> float:
    """The largest error over the checked entries (NaN when none could be checked).

    ``loss_size`` is the magnitude of the numbers summed into the loss, which
    sets how much rounding the loss values carry.
    """
    if len(idx) == 0:
        return float("nan") if analytic.size else 0.0
    a = analytic.reshape(-1)[idx]
    scale = max(float(np.abs(analytic).max()), float(np.abs(num).max()))
    floor = np.maximum(FLOOR_FRACTION * scale, _ROUNDOFF * _EPS * loss_size / steps)
    return float(relative_error(a, num, floor).max())


def _check_entries(max_entries) -> None:
    if max_entries is not None:
        whole(max_entries, "the entries to check per parameter (None: all)")


def _check_batch(x, labels, net: Network) -> None:
    if not isinstance(x, np.ndarray) or x.ndim != 4 or tuple(x.shape[1:]) != net.input_shape:
        raise ValueError(f"the batch must be an array of shape (N, {', '.join(map(str, net.input_shape))}), "
                         f"got {getattr(x, 'shape', type(x).__name__)}")
    if len(x) < 1:
        raise ValueError("the batch is empty: the gradient check needs at least one image")
    labels = np.asarray(labels)
    if labels.shape != (len(x),) or labels.dtype.kind not in "iu":
        raise ValueError(f"labels must be {len(x)} integers (one per image), got shape {labels.shape} "
                         f"of {labels.dtype}")
    if labels.min() < 0 or labels.max() >= net.num_classes:
        raise ValueError(f"labels must be in 0..{net.num_classes - 1}, got {labels.min()}..{labels.max()}")


def check_network(net: Network, x: np.ndarray, labels: np.ndarray, h: Optional[float] = None,
                  max_entries: Optional[int] = 30, seed: int = 0) -> Dict[str, float]:
    """Worst error (see the module doc) per parameter of ``net``, a float64 network.

    x: (N, C, H, W) input batch, N >= 1; labels: (N,) class indices. Dropout
    masks are frozen so every evaluation of the loss sees the same network. At
    most ``max_entries`` (a positive int, or None for all) randomly chosen
    entries of each parameter are checked; ``h`` overrides STEP. A parameter
    none of whose entries could be checked without crossing a kink gets NaN.
    Raises ValueError for a float32 network or bad arguments.
    """
    _check_entries(max_entries)
    if h is not None:
        real(h, "the step h", 0.0, low_open=True)
    if net.dtype != np.float64:
        raise ValueError(f"the gradient check needs a float64 network (Network(spec, dtype=np.float64)), "
                         f"got {net.dtype}")
    _check_batch(x, labels, net)
    rng = np.random.default_rng(seed)
    loss_fn = SoftmaxCrossEntropy()
    drops = [l for l in _walk(net.layers) if isinstance(l, Dropout)]
    rng_states = [d.rng.bit_generator.state for d in drops]

    def loss():
        for d, s in zip(drops, rng_states):
            d.rng.bit_generator.state = s
        value = loss_fn.forward(net.forward(x, train=True), labels)
        return value, _kink_pattern(net.layers)

    value, base = loss()
    net.backward(loss_fn.backward())
    analytic = {k: g.copy() for k, g in net.grads.items()}
    return _compare(net.params, analytic, max_entries, rng, loss, base, abs(value), h)


def _compare(targets, analytic, max_entries, rng, loss, base, loss_size, h) -> Dict[str, float]:
    """Worst error per array of ``targets`` against its ``analytic`` gradient."""
    step = STEP if h is None else h
    worst = {}
    for key, arr in targets.items():
        idx, num, steps = _numeric(arr.reshape(-1), max_entries, rng, loss, base, step)
        worst[key] = _worst(analytic[key], idx, num, steps, loss_size)
    return worst


def check_layer(layer: Layer, in_shape, batch: int = 2, h: Optional[float] = None,
                max_entries: Optional[int] = 40, seed: int = 0, input_scale: float = 1.0) -> Dict[str, float]:
    """Worst error of one layer's input gradient ("x") and parameter gradients.

    The layer is built in float64 for ``in_shape`` (per sample) and fed a
    (batch, *in_shape) standard normal input times ``input_scale``; the loss
    is sum(y * r) for a fixed random r, so d loss / d y = r.
    """
    _check_entries(max_entries)
    if h is not None:
        real(h, "the step h", 0.0, low_open=True)
    whole(batch, "the batch size")
    rng = np.random.default_rng(seed)
    layer.build(tuple(in_shape), rng, np.float64)
    x = rng.standard_normal((batch,) + tuple(in_shape)) * input_scale
    y = layer.forward(x, train=True)
    r = rng.standard_normal(y.shape)
    size = float(np.sum(np.abs(y * r)))          # the rounding scale of the loss sum
    drops = [l for l in _walk([layer]) if isinstance(l, Dropout)]
    rng_states = [d.rng.bit_generator.state for d in drops]

    def loss():
        for d, s in zip(drops, rng_states):
            d.rng.bit_generator.state = s
        return float(np.sum(layer.forward(x, train=True) * r)), _kink_pattern([layer])

    _, base = loss()
    dx = layer.backward(r.copy(), need_dx=True)
    analytic = {"x": np.array(dx, copy=True)}
    analytic.update({k: g.copy() for k, g in layer.grads.items()})
    targets = {"x": x}
    targets.update(layer.params)
    return _compare(targets, analytic, max_entries, rng, loss, base, size, h)
