"""A residual block: output F(x) + x, where F is a short stack of layers."""
from __future__ import annotations

from typing import List

import numpy as np

from .fused import inference_plan, training_plan
from .layer import Layer
from .shapes import ShapeError


class Residual(Layer):
    """Skip connection around ``layers``: y = F(x) + x.

    F must give back the shape it was given (use 'same' padding and keep the
    channel count). Inner parameters appear as ``"<inner name>.W"`` etc.
    """

    type = "residual"
    kind = "Residual"

    def __init__(self, layers: List[Layer], name=None):
        super().__init__(name)
        if not layers:
            raise ValueError(f"{name}: a residual block needs at least one layer")
        self.layers = list(layers)

    def _build(self, in_shape, rng):
        shape = in_shape
        for layer in self.layers:
            try:
                shape = layer.build(shape, rng, self.dtype, self._allocate)
            except ShapeError as e:
                raise ShapeError(f"in residual block {self.name!r}: {e}") from None
        self._train_plan, self._infer_plan = training_plan(self.layers), inference_plan(self.layers)
        if shape != tuple(in_shape):
            raise ShapeError(f"residual block {self.name!r}: F(x) has shape {shape} but x has "
                             f"{tuple(in_shape)}; F(x) + x needs them equal")
        self.params = {f"{l.name}.{k}": v for l in self.layers for k, v in l.params.items()}
        self.param_shapes = {f"{l.name}.{k}": v for l in self.layers for k, v in l.param_shapes.items()}
        self.state = {f"{l.name}.{k}": v for l in self.layers for k, v in l.state.items()}
        return in_shape

    def build(self, in_shape, rng, dtype=np.float32, allocate=True):
        out = super().build(in_shape, rng, dtype, allocate)
        # Share the inner layers' gradient arrays rather than the copies the base made.
        self.grads = {f"{l.name}.{k}": v for l in self.layers for k, v in l.grads.items()}
        return out

    def forward(self, x, train=False):
        """F(x) + x, the same shape as x (N, C, H, W)."""
        h = x
        for step in (self._train_plan if train else self._infer_plan):      # see nn.fused
            h = step.forward(h, train)
        y = self._like("y", x, train)
        np.add(h, x, out=y)
        return y

    def forward_trace(self, x):
        """Inference with every inner output: list of (layer, output) then (self, F(x)+x)."""
        trace, h = [], x
        for layer in self.layers:
            h = layer.forward(h, False)
            trace.append((layer, h))
        y = h + x
        trace.append((self, y))
        return trace

    def backward(self, dy, need_dx=True):
        """dy (N, C, H, W) -> F's input gradient + dy, same shape; fills the inner layers' grads."""
        g = self._like("g", dy, True)
        np.copyto(g, dy)                     # inner layers may overwrite their dy
        plan = self._train_plan
        for i in range(len(plan) - 1, -1, -1):
            g = plan[i].backward(g, need_dx=need_dx or i > 0)
        if not need_dx:
            return None
        dx = self._like("dx", dy, True)
        np.add(g, dy, out=dx)
        return dx

    def check_state(self, state):
        for layer in self.layers:
            layer.check_state(named_part(state, layer.name))

    def release(self):
        super().release()
        for layer in self.layers:
            layer.release()

    def config(self):
        return {"layers": [l.spec() for l in self.layers]}

    def describe(self):
        return "F(x)+x: " + ", ".join(l.kind for l in self.layers)


def named_part(arrays: dict, name: str) -> dict:
    """The entries of ``arrays`` ({"layer.key": ...}) that belong to layer ``name``, by key."""
    return {k[len(name) + 1:]: v for k, v in arrays.items() if k.startswith(name + ".")}


def walk_layers(layers: List[Layer]):
    """Every layer in ``layers``, each residual block followed by its inner layers."""
    for layer in layers:
        yield layer
        if isinstance(layer, Residual):
            yield from walk_layers(layer.layers)
