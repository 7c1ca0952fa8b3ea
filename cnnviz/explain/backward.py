"""The backward pass, seen: one training step's gradients for a drawing and its true label,
layer by layer, and "teach it this drawing" on a copy of the weights."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Dict, Optional, Sequence, Tuple

import numpy as np

from ..nn import Network
from ..nn.loss import softmax
from ..nn.optim import make_optimizer
from ..nn.settings import real, whole
from . import words
from .classes import checked_class, class_labels
from .exactness import frozen
from .gradients import Backprop, backprop

MAX_TEACH_STEPS = 100


@dataclass(frozen=True)
class EntryGradient:
    """One trace position in the backward pass (arrays per sample, read-only).

    ``grad`` = d loss / d ``value`` (None for the softmax: the loss's gradient starts at
    the logits, see BackwardPass.dlogits). ``params``: this layer's own parameter
    gradients by name ("W": conv (F, C, KH, KW) or dense (D_in, units); "b").
    ``gate`` (ReLU): True where the gradient passes (input > 0). ``winners`` (max pool):
    (C, OH, OW, 2) the input cell each output's gradient goes to.
    """
    name: str
    kind: str
    value: np.ndarray
    grad: Optional[np.ndarray]
    params: Dict[str, np.ndarray]
    gate: Optional[np.ndarray]
    winners: Optional[np.ndarray]
    note: str


@dataclass(frozen=True)
class BackwardPass:
    """One training step's gradients for one image and its true ``label`` (dropout off).

    loss = -ln p[label] (nats); dlogits = probabilities - target.
    """
    label: int
    label_name: str
    loss: float
    probabilities: np.ndarray       # (K,)
    target: np.ndarray              # (K,) one-hot of label
    dlogits: np.ndarray             # (K,)
    entries: Tuple[EntryGradient, ...]   # one per network.entries() row
    note: str


def _loss_gradient(label: int):
    def dlogits(logits, probabilities):
        g = probabilities.copy()
        g[np.arange(len(g)), label] -= 1.0
        return g / len(g)
    return dlogits


def _loss(probabilities: np.ndarray, label: int) -> float:
    """Cross-entropy in nats of one image's probabilities (K,) against ``label``."""
    return float(-np.log(max(float(probabilities[label]), np.finfo(probabilities.dtype).tiny)))


def _entry(entry, value, grad, bp: Backprop, previous) -> EntryGradient:
    layer, gate, winners, note = entry.layer, None, None, words.backward_entry(entry.kind)
    params = {}
    if layer is not None and entry.kind != "Residual":
        params = {k: frozen(bp.params[f"{entry.name}.{k}"]) for k in layer.params}
    if entry.kind == "ReLU":
        gate = frozen(value > 0)
        note = words.backward_entry("ReLU", int(gate.size - gate.sum()), int(gate.size))
    elif entry.kind == "MaxPool2D":
        winners = frozen(layer.winners(previous[None])[0])
    return EntryGradient(entry.name, entry.kind, frozen(value), None if grad is None else frozen(grad),
                         params, gate, winners, note)


def backward_pass(network: Network, x: np.ndarray, label: int,
                  class_names: Optional[Sequence[str]] = None) -> BackwardPass:
    """The gradients of the cross-entropy loss of image x (C, H, W) against ``label``.

    Runs the layers' training-mode forward and backward on ``network`` (its weights
    are not changed; see gradients.py for thread safety).
    """
    names = class_labels(network, class_names)
    label = checked_class(network, label, "label")
    bp = backprop(network, np.asarray(x)[None], _loss_gradient(label))
    entries = network.entries()
    rows = tuple(_entry(e, bp.values[i][0], None if bp.grads[i] is None else bp.grads[i][0], bp,
                        bp.values[i - 1][0] if i else None) for i, e in enumerate(entries))
    probs = bp.probabilities[0]
    target = np.zeros_like(probs)
    target[label] = 1.0
    return BackwardPass(label, names[label], _loss(probs, label), frozen(probs), frozen(target),
                        frozen(bp.grads[-2][0]), rows, words.BACKWARD)


@dataclass(frozen=True)
class Teaching:
    """A copy of the network after ``steps`` optimizer steps on one image and its label.

    Row s of ``probabilities`` and ``losses`` is before step s + 1 (row 0: the model as
    it was; the last row: after the last step). ``network`` is the taught copy; the
    network it was copied from is unchanged.
    """
    label: int
    label_name: str
    optimizer: str
    lr: float
    steps: int
    probabilities: np.ndarray       # (steps + 1, K)
    losses: np.ndarray              # (steps + 1,) nats
    network: Network
    note: str


def teach(network: Network, x: np.ndarray, label: int, *, optimizer: str = "sgd", lr: float = 0.01,
          steps: int = 1, class_names: Optional[Sequence[str]] = None) -> Teaching:
    """Train a copy of ``network`` for ``steps`` steps (1..100) on image x (C, H, W) with ``label``,
    with the gradients :func:`backward_pass` shows (dropout off)."""
    names = class_labels(network, class_names)
    label = checked_class(network, label, "label")
    steps = whole(steps, "steps")
    if steps > MAX_TEACH_STEPS:
        raise ValueError(f"steps must be at most {MAX_TEACH_STEPS}, got {steps}")
    opt = make_optimizer(optimizer, real(lr, "learning rate", 0.0, low_open=True))
    taught = network.copy()
    x = np.asarray(x)[None]
    probabilities = []
    for _ in range(steps):
        bp = backprop(taught, x, _loss_gradient(label))
        probabilities.append(bp.probabilities[0])
        opt.step(taught.params, taught.grads)
    probabilities.append(softmax(taught.forward(x))[0])
    losses = [_loss(p, label) for p in probabilities]
    taught.release()
    return Teaching(label, names[label], opt.name, opt.lr, steps, frozen(probabilities), frozen(losses), taught,
                    words.teach(steps, opt.name, opt.lr, names[label]))
