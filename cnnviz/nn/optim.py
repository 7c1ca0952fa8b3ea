"""Optimizers that update parameter arrays in place, allocating nothing per step.

Each keeps its state (velocities, squared-gradient sums, moments) in arrays
made on the first step and reuses one scratch array per parameter. Weight
decay (L2) adds ``weight_decay * W`` to the gradient of weight matrices and
kernels (names ending in ``.W``), never to biases.

``lr`` may be changed between steps (the app's learning-rate box does that
while training runs). An optimizer given a ``schedule`` (a function of the
step number, from 1, returning the learning rate; see cnnviz.train.schedule)
sets ``lr`` from it before every step instead.
"""
from __future__ import annotations

from typing import Callable, Dict, Optional

import numpy as np

from .parallel import split_run

Arrays = Dict[str, np.ndarray]


class Optimizer:
    name = "optimizer"

    def __init__(self, lr: float = 0.01, weight_decay: float = 0.0):
        if not lr > 0:
            raise ValueError(f"learning rate must be positive, got {lr}")
        if weight_decay < 0:
            raise ValueError(f"weight decay must be >= 0, got {weight_decay}")
        self.lr = float(lr)
        self.weight_decay = float(weight_decay)
        self.t = 0
        self.state: Dict[str, Arrays] = {}
        self._scratch: Arrays = {}
        self.schedule: Optional[Callable[[int], float]] = None

    def _slot(self, slot: str, key: str, like: np.ndarray) -> np.ndarray:
        arrays = self.state.setdefault(slot, {})
        a = arrays.get(key)
        if a is None or a.shape != like.shape:
            a = arrays[key] = np.zeros_like(like)
        return a

    def _grad(self, key: str, p: np.ndarray, g: np.ndarray) -> np.ndarray:
        """The gradient with weight decay folded in (a scratch copy when needed)."""
        if self.weight_decay and key.endswith(".W"):
            s = self._tmp(key, p, "wd")
            np.multiply(p, self.weight_decay, out=s)
            s += g
            return s
        return g

    def _tmp(self, key: str, like: np.ndarray, tag: str = "") -> np.ndarray:
        k = key + "#" + tag
        a = self._scratch.get(k)
        if a is None or a.shape != like.shape:
            a = self._scratch[k] = np.empty_like(like)
        return a

    def step(self, params: Arrays, grads: Arrays) -> None:
        """Update every array in ``params`` in place from ``grads`` (same keys).

        All parameters together are cut into slices updated on several threads
        (element-wise updates are independent; the state arrays are sliced
        alike): one hand-over to the threads per step.
        """
        self.t += 1
        if self.schedule is not None:
            self.lr = float(self.schedule(self.t))
        arrays = []
        for key, p in params.items():
            g = self._grad(key, p, grads[key])
            arrays.append([a.reshape(-1) for a in (p, g, self._tmp(key, p))] +
                          [self._slot(name, key, p).reshape(-1) for name in self.slots])
        starts = np.cumsum([0] + [a[0].size for a in arrays])

        def part(lo, hi):                   # elements lo..hi of all parameters one after another
            for i in range(np.searchsorted(starts, lo, "right") - 1, len(arrays)):
                if starts[i] >= hi:
                    break
                a, b = max(lo, starts[i]) - starts[i], min(hi, starts[i + 1]) - starts[i]
                self._update(*(x[a:b] for x in arrays[i]))
        split_run(part, int(starts[-1]), 8 * int(starts[-1]))

    slots: tuple = ()          # names of the per-parameter state arrays

    def _update(self, p: np.ndarray, g: np.ndarray, s: np.ndarray, *state: np.ndarray) -> None:
        """Update ``p`` in place from ``g``; ``s`` is scratch, ``state`` the slots' arrays."""
        raise NotImplementedError(f"{type(self).__name__} must define _update")

    def reset(self) -> None:
        """Forget all state (moments, step count)."""
        self.t = 0
        self.state.clear()

    def save_state(self, into: Optional[dict] = None) -> dict:
        """A copy of the state: ``{"t": steps, "state": {slot: {param: array}}}``.

        Passing the previous copy as ``into`` reuses its arrays (np.copyto, no
        allocation once every slot exists), so a copy can be refreshed each step.
        """
        into = {"t": 0, "state": {}} if into is None else into
        into["t"] = self.t
        _mirror(self.state, into["state"])
        return into

    def load_state(self, saved: dict) -> None:
        """Put back a state taken by :meth:`save_state` (state made since then is dropped)."""
        self.t = saved["t"]
        _mirror(saved["state"], self.state)


def _mirror(src: Dict[str, Arrays], dst: Dict[str, Arrays]) -> None:
    """Make ``dst`` ({slot: {param: array}}) an independent copy of ``src``, writing into
    its existing arrays where the shapes fit."""
    for slot in [k for k in dst if k not in src]:
        del dst[slot]
    for slot, arrays in src.items():
        out = dst.setdefault(slot, {})
        for key in [k for k in out if k not in arrays]:
            del out[key]
        for key, a in arrays.items():
            b = out.get(key)
            if b is None or b.shape != a.shape or b.dtype != a.dtype:
                out[key] = a.copy()
            else:
                np.copyto(b, a)


class SGD(Optimizer):
    """p -= lr * g"""
    name = "sgd"

    def _update(self, p, g, s):
        np.multiply(g, self.lr, out=s)
        p -= s


class Momentum(Optimizer):
    """v = mu v - lr g;  p += v"""
    name = "momentum"
    slots = ("v",)

    def __init__(self, lr=0.01, momentum=0.9, weight_decay=0.0):
        super().__init__(lr, weight_decay)
        self.momentum = float(momentum)

    def _update(self, p, g, s, v):
        v *= self.momentum
        np.multiply(g, self.lr, out=s)
        v -= s
        p += v


class Nesterov(Optimizer):
    """Nesterov momentum in the textbook's form:
    v = mu v - lr g;  p += mu^2 v - (1 + mu) lr g"""
    name = "nesterov"
    slots = ("v",)

    def __init__(self, lr=0.01, momentum=0.9, weight_decay=0.0):
        super().__init__(lr, weight_decay)
        self.momentum = float(momentum)

    def _update(self, p, g, s, v):
        mu = self.momentum
        v *= mu
        np.multiply(g, self.lr, out=s)
        v -= s
        s *= (1 + mu)
        p -= s
        np.multiply(v, mu * mu, out=s)
        p += s


class AdaGrad(Optimizer):
    """h += g^2;  p -= lr g / (sqrt(h) + eps)"""
    name = "adagrad"
    slots = ("h",)

    def __init__(self, lr=0.01, eps=1e-7, weight_decay=0.0):
        super().__init__(lr, weight_decay)
        self.eps = float(eps)

    def _update(self, p, g, s, h):
        np.multiply(g, g, out=s)
        h += s
        np.sqrt(h, out=s)
        s += self.eps
        np.divide(g, s, out=s)
        s *= self.lr
        p -= s


class RMSprop(Optimizer):
    """h = rho h + (1 - rho) g^2;  p -= lr g / (sqrt(h) + eps)"""
    name = "rmsprop"
    slots = ("h",)

    def __init__(self, lr=0.001, rho=0.99, eps=1e-7, weight_decay=0.0):
        super().__init__(lr, weight_decay)
        self.rho, self.eps = float(rho), float(eps)

    def _update(self, p, g, s, h):
        h *= self.rho
        np.multiply(g, g, out=s)
        s *= (1 - self.rho)
        h += s
        np.sqrt(h, out=s)
        s += self.eps
        np.divide(g, s, out=s)
        s *= self.lr
        p -= s


class Adam(Optimizer):
    """m = b1 m + (1-b1) g;  v = b2 v + (1-b2) g^2;
    p -= lr sqrt(1-b2^t)/(1-b1^t) * m / (sqrt(v) + eps)"""
    name = "adam"
    slots = ("m", "v")

    def __init__(self, lr=0.001, beta1=0.9, beta2=0.999, eps=1e-8, weight_decay=0.0):
        super().__init__(lr, weight_decay)
        self.beta1, self.beta2, self.eps = float(beta1), float(beta2), float(eps)

    def _update(self, p, g, s, m, v):
        b1, b2 = self.beta1, self.beta2
        lr_t = self.lr * np.sqrt(1.0 - b2 ** self.t) / (1.0 - b1 ** self.t)
        # m += (1-b1)(g - m) and v += (1-b2)(g^2 - v) are the moment updates with one scratch.
        np.subtract(g, m, out=s)
        s *= (1 - b1)
        m += s
        np.multiply(g, g, out=s)
        s -= v
        s *= (1 - b2)
        v += s
        np.sqrt(v, out=s)
        s += self.eps
        np.divide(m, s, out=s)
        s *= lr_t
        p -= s


OPTIMIZERS = {cls.name: cls for cls in (SGD, Momentum, Nesterov, AdaGrad, RMSprop, Adam)}


def make_optimizer(name: str, lr: float, weight_decay: float = 0.0, **options) -> Optimizer:
    """An optimizer by name (sgd, momentum, nesterov, adagrad, rmsprop, adam)."""
    try:
        cls = OPTIMIZERS[name.lower()]
    except KeyError:
        raise ValueError(f"unknown optimizer {name!r}; choose from {', '.join(OPTIMIZERS)}") from None
    return cls(lr=lr, weight_decay=weight_decay, **options)
