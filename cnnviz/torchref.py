"""The same network in PyTorch, for ``python main.py bench --compare-torch``.

PyTorch is never a dependency of cnnviz: this module imports it only when a
comparison is asked for, and :func:`available` says whether it can. A cnnviz
:class:`~cnnviz.nn.Network` is translated layer by layer into ``torch.nn``
modules with the same shapes, paddings and weights, so both libraries compute
the same function (:func:`max_difference` checks that) and their timings
compare like with like.
"""
from __future__ import annotations

import importlib.util
from typing import Callable

import numpy as np

from .nn import Network
from .nn.activations import ReLU, Sigmoid, Tanh
from .nn.batchnorm import BatchNorm1D, BatchNorm2D
from .nn.conv import Conv2D
from .nn.dense import Dense, Dropout, Flatten
from .nn.pool import AvgPool2D, MaxPool2D
from .nn.residual import Residual


class NotComparable(ValueError):
    """A layer setting the translation has no PyTorch equivalent for."""


def available() -> bool:
    """True when PyTorch can be imported."""
    return importlib.util.find_spec("torch") is not None


def version() -> str:
    import torch
    return torch.__version__


def threads() -> int:
    """The threads PyTorch computes with."""
    import torch
    return torch.get_num_threads()


def _windowed(layer, make: Callable, pad_value: float):
    """A conv or pool module for ``layer``, ``make(padding)`` building the op; the padding
    goes inside the op when it is symmetric, else into a ConstantPad2d before it."""
    from torch import nn
    (pt, pb), (pl, pr) = layer.pads
    if pt == pb and pl == pr and 2 * pt <= layer.kernel[0] and 2 * pl <= layer.kernel[1]:
        return make((pt, pl))
    return nn.Sequential(nn.ConstantPad2d((pl, pr, pt, pb), pad_value), make((0, 0)))


def _torch_layer(layer):
    import torch
    from torch import nn
    t = lambda a: torch.from_numpy(np.ascontiguousarray(a, np.float32))
    if isinstance(layer, Conv2D):
        f, c, kh, kw = layer.params["W"].shape

        def make(padding):
            m = nn.Conv2d(c, f, (kh, kw), layer.stride, padding, bias=layer.bias)
            _copy_params(m, layer.params["W"], layer.params.get("b"))
            return m
        return _windowed(layer, make, 0.0)
    if isinstance(layer, MaxPool2D):
        return _windowed(layer, lambda p: nn.MaxPool2d(layer.kernel, layer.stride, p), float("-inf"))
    if isinstance(layer, AvgPool2D):
        if any(layer.pads[0] + layer.pads[1]):
            raise NotComparable(f"{layer.name}: padded average pooling has no PyTorch equivalent here")
        return nn.AvgPool2d(layer.kernel, layer.stride)
    if isinstance(layer, Dense):
        m = nn.Linear(*layer.params["W"].shape, bias=layer.bias)
        _copy_params(m, layer.params["W"].T, layer.params.get("b"))
        return m
    if isinstance(layer, (BatchNorm1D, BatchNorm2D)):
        cls = nn.BatchNorm2d if isinstance(layer, BatchNorm2D) else nn.BatchNorm1d
        m = cls(layer.params["gamma"].size, eps=layer.eps, momentum=layer.momentum)
        _copy_params(m, layer.params["gamma"], layer.params["beta"])
        with torch.no_grad():
            m.running_mean.copy_(t(layer.state["mean"]))
            m.running_var.copy_(t(layer.state["var"]))
        return m
    if isinstance(layer, Residual):
        return _residual(nn.Sequential(*(_torch_layer(l) for l in layer.layers)))
    simple = {ReLU: nn.ReLU, Sigmoid: nn.Sigmoid, Tanh: nn.Tanh, Flatten: nn.Flatten}
    for cls, make in simple.items():
        if isinstance(layer, cls):
            return make()
    if isinstance(layer, Dropout):
        return nn.Dropout(layer.rate)
    raise NotComparable(f"{layer.name}: no PyTorch equivalent for {layer.kind}")


def _copy_params(module, weight: np.ndarray, bias) -> None:
    """Copy cnnviz arrays into ``module.weight`` and (unless None) ``module.bias``."""
    import torch
    with torch.no_grad():
        module.weight.copy_(torch.from_numpy(np.ascontiguousarray(weight, np.float32)))
        if bias is not None:
            module.bias.copy_(torch.from_numpy(np.ascontiguousarray(bias, np.float32)))


def _residual(inner):
    """A module computing inner(x) + x."""
    from torch import nn

    class Residual(nn.Module):
        def __init__(self):
            super().__init__()
            self.inner = inner

        def forward(self, x):
            return self.inner(x) + x
    return Residual()


def torch_model(net: Network):
    """``net`` as a ``torch.nn.Sequential`` with the same weights (float32, CPU)."""
    from torch import nn
    return nn.Sequential(*(_torch_layer(l) for l in net.layers))


def max_difference(net: Network, model, x: np.ndarray) -> float:
    """Largest |logit difference| between ``net`` and ``model`` at inference on x (N, C, H, W)."""
    import torch
    model.eval()
    with torch.inference_mode():
        theirs = model(torch.from_numpy(np.ascontiguousarray(x, np.float32))).numpy()
    return float(np.abs(net.forward(x) - theirs).max())


def stepper(model, x: np.ndarray, y: np.ndarray, lr: float = 0.001) -> Callable[[], None]:
    """One training step of ``model`` (forward, cross-entropy, backward, Adam) on a fixed batch."""
    import torch
    import torch.nn.functional as F
    xt, yt = torch.from_numpy(np.ascontiguousarray(x, np.float32)), torch.from_numpy(y.astype(np.int64))
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    model.train()

    def step():
        opt.zero_grad()
        F.cross_entropy(model(xt), yt).backward()
        opt.step()
    return step


def inferrer(model, x: np.ndarray) -> Callable[[], None]:
    """One inference of ``model`` on x (1, C, H, W) returning probabilities (eval mode, no grad)."""
    import torch
    xt = torch.from_numpy(np.ascontiguousarray(x, np.float32))
    model.eval()

    def infer():
        with torch.inference_mode():
            return torch.softmax(model(xt), dim=1)
    return infer
