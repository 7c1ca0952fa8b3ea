"""Forward and backward through a network as it answers (dropout off), keeping every
entry's output and gradient: what saliency, Grad-CAM and the backward view need.

Built on the layers' own ``forward(x, train=True)`` (which keeps what backward
needs) and ``backward(dy, need_dx=True)``, called layer by layer so that nothing
is fused and the gradient at every trace entry, a residual block's inner layers
included, can be kept. Dropout is the identity here and batch normalisation uses
its learned statistics, as at inference.

These calls change the layers' work arrays (never the weights): run them on a
network nobody else is computing with at the same time, e.g. ``network.copy()``
in a worker thread.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, List, Optional

import numpy as np

from ..nn import Dropout, Network, Residual
from ..nn.loss import softmax


@dataclass(frozen=True)
class Backprop:
    """One forward and backward pass, one list item per ``network.entries()`` row.

    ``values[i]``: entry i's output (N, *shape); ``grads[i]``: d(objective)/d(that output),
    same shape (copies); the softmax entry's is None (the objective's gradient starts at
    the logits, ``grads[-2]``). ``params``: d(objective)/d(every parameter), keyed like
    ``Network.params`` (copies), or None when not kept.
    """
    values: List[np.ndarray]
    grads: List[np.ndarray]
    params: Optional[dict]

    @property
    def logits(self) -> np.ndarray:
        return self.values[-2]

    @property
    def probabilities(self) -> np.ndarray:
        return self.values[-1]


def _is_norm(layer) -> bool:
    return layer.kind in ("BatchNorm2D", "BatchNorm1D")


def _norm_scale(layer, ndim: int):
    """gamma / sqrt(var + eps) and (x - mean) of batch norm at inference, shaped to broadcast
    over a batch with ``ndim`` dimensions (axis 1 is the channel)."""
    shape = (1, -1) + (1,) * (ndim - 2)
    scale = layer.params["gamma"] / np.sqrt(layer.state["var"] + layer.eps)
    return scale.reshape(shape), layer.state["mean"].reshape(shape), np.sqrt(
        layer.state["var"] + layer.eps).reshape(shape)


def _forward(layers, h, values, keep, inputs):
    for layer in layers:
        if isinstance(layer, Residual):
            y = _forward(layer.layers, h, values, keep, inputs) + h
        elif isinstance(layer, Dropout):
            y = h
        elif _is_norm(layer):
            inputs[id(layer)] = h        # as at inference: the learned statistics, not the batch's
            y = layer.forward(h, False)
        else:
            y = layer.forward(h, True)
        values.append(y.copy() if keep else y)
        h = y
    return h


def _backward(layers, g, grads, inputs):
    """Backward through ``layers`` from g = d/d(last output); fills ``grads`` in reverse entry order."""
    for layer in reversed(layers):
        grads.append(g.copy())
        if isinstance(layer, Residual):
            g = _backward(layer.layers, g.copy(), grads, inputs) + g
        elif _is_norm(layer):
            scale, mean, sd = _norm_scale(layer, g.ndim)
            axes = tuple(a for a in range(g.ndim) if a != 1)
            layer.grads["gamma"][...] = (g * (inputs[id(layer)] - mean) / sd).sum(axis=axes)
            layer.grads["beta"][...] = g.sum(axis=axes)
            g = g * scale
        elif not isinstance(layer, Dropout):
            g = layer.backward(g, need_dx=True)     # may overwrite its argument: kept above as a copy
    return g


def backprop(network: Network, x: np.ndarray, dlogits: Callable[[np.ndarray, np.ndarray], np.ndarray],
             keep: bool = True) -> Backprop:
    """Forward x (N, C, H, W) with dropout off, then backward from
    ``dlogits(logits, probabilities)`` -> d(objective)/d(logits) (N, classes).

    ``keep=False`` skips copying what a caller reads at once: ``values`` are then the
    layers' work arrays (valid until the network computes again) and ``params`` is None.
    """
    x = np.asarray(x, dtype=network.dtype)
    if x.ndim != 4 or tuple(x.shape[1:]) != network.input_shape:
        raise ValueError(f"input must have shape (N, {', '.join(map(str, network.input_shape))}), got {x.shape}")
    values, inputs = [x.copy()], {}
    logits = _forward(network.layers, x, values, keep, inputs)
    values.append(softmax(logits.copy()))
    g = np.asarray(dlogits(values[-2], values[-1]), dtype=network.dtype)
    grads = [None]
    grads.append(_backward(network.layers, g, grads, inputs))
    grads.reverse()
    return Backprop(values, grads, {k: v.copy() for k, v in network.grads.items()} if keep else None)
