"""The Layer base class: forward, backward, parameters and gradients by name."""
from __future__ import annotations

import math
from typing import Dict, Optional, Tuple

import numpy as np

from . import layout
from .init import normal_weights

Shape = Tuple[int, ...]


class Layer:
    """One step of a network.

    A layer is built for a per-sample input shape (``(C, H, W)`` for maps,
    ``(D,)`` for vectors) and then maps a batch ``(N, *in_shape)`` to
    ``(N, *out_shape)``. Trainable arrays live in ``params`` and their
    gradients, of the same shapes, in ``grads``; both are dicts by name
    ("W", "b"). Optimizers update ``params`` in place, so views stay valid.

    Arrays that inference needs but no gradient reaches (BatchNorm's running
    statistics) live in ``state``, by name; model files save them too.

    Inputs may come in any memory layout; batches of maps and vectors come out
    in batch-last memory (see nn.layout), which for one image is plain C order.

    ``forward(x, train=True)`` caches what ``backward`` needs and may return
    a buffer that the next training forward overwrites; ``train=False``
    (inference) always returns fresh arrays that nobody else writes to.
    """

    type: str = "layer"      # key in an architecture spec
    kind: str = "Layer"      # display name

    def __init__(self, name: Optional[str] = None):
        self.name = name
        self.params: Dict[str, np.ndarray] = {}
        self.param_shapes: Dict[str, Shape] = {}
        self._allocate = True
        self.grads: Dict[str, np.ndarray] = {}
        self.state: Dict[str, np.ndarray] = {}
        self.in_shape: Optional[Shape] = None
        self.out_shape: Optional[Shape] = None
        self.dtype = np.dtype(np.float32)
        self._ws: Dict[str, np.ndarray] = {}

    # -- building -----------------------------------------------------------
    def build(self, in_shape: Shape, rng: Optional[np.random.Generator], dtype=np.float32,
              allocate: bool = True) -> Shape:
        """Fix the input shape, create parameters, and return the output shape.

        ``allocate=False`` only works out shapes: ``param_shapes`` is filled but
        no array is made (to size up an architecture before committing memory).
        """
        self.in_shape = tuple(int(s) for s in in_shape)
        self.dtype = np.dtype(dtype)
        self._allocate = allocate
        self._ws.clear()
        self.params, self.param_shapes, self.state = {}, {}, {}
        self.out_shape = tuple(int(s) for s in self._build(self.in_shape, rng))
        self.grads = {k: np.zeros_like(v) for k, v in self.params.items()}
        return self.out_shape

    def _add_param(self, name: str, shape, rng, init: Optional[str] = None, fan_in: int = 1,
                   fan_out: int = 1, std: float = 0.01) -> None:
        """Declare a parameter; drawn from ``init`` (see nn.init) or zeros when init is None."""
        self.param_shapes[name] = tuple(int(s) for s in shape)
        if not self._allocate:
            return
        if init is None:
            self.params[name] = np.zeros(shape, self.dtype)
        else:
            self.params[name] = normal_weights(rng, shape, init, fan_in, fan_out, std, self.dtype)

    def _build(self, in_shape: Shape, rng: np.random.Generator) -> Shape:
        return in_shape

    # -- computing ----------------------------------------------------------
    def forward(self, x: np.ndarray, train: bool = False) -> np.ndarray:
        """The output batch (N, *out_shape) for an input batch x (N, *in_shape), NCHW for maps.

        ``train=True`` keeps what backward needs (and applies dropout); the result
        may then be a buffer the next training forward overwrites.
        """
        raise NotImplementedError(f"{type(self).__name__} must define forward")

    def backward(self, dy: np.ndarray, need_dx: bool = True) -> Optional[np.ndarray]:
        """Gradient of the loss w.r.t. the input (N, *in_shape), given ``dy`` (N, *out_shape)
        w.r.t. the output of the last training forward (loss units per unit of output).

        Fills ``self.grads``. ``need_dx=False`` (the first layer) may skip the
        input gradient and return None. ``dy`` may be overwritten.
        """
        raise NotImplementedError(f"{type(self).__name__} must define backward")

    # -- describing ---------------------------------------------------------
    def config(self) -> dict:
        """The layer's settings as JSON-able data (without type and name)."""
        return {}

    def spec(self) -> dict:
        """The layer as architecture data: ``{"type": ..., "name": ..., **config}``."""
        return {"type": self.type, "name": self.name, **self.config()}

    def describe(self) -> str:
        """A short settings text for the network strip, e.g. ``"5x5/1 same"``."""
        return ""

    def check_state(self, state: Dict[str, np.ndarray]) -> None:
        """Raise ValueError naming the layer if ``state`` (by name, as in :attr:`state`)
        holds values this layer cannot use; called before state is loaded."""

    def num_params(self) -> int:
        """Trainable numbers in the layer (exact, however large the shapes)."""
        return sum(math.prod(s) for s in self.param_shapes.values())

    def __repr__(self) -> str:
        return f"{self.kind}({self.name!r}, {self.describe()}) {self.in_shape}->{self.out_shape}"

    # -- workspace ----------------------------------------------------------
    def _buffer(self, key: str, shape, train: bool, dtype=None, fill=None, batch_last: bool = False) -> np.ndarray:
        """An array of ``shape``: reused across training steps, fresh at inference.

        Reusing large work arrays avoids a page-faulting allocation each step.
        ``fill`` initialises a new array (a reused one keeps its contents).
        ``batch_last`` gives an (N, ...) array in batch-last memory (see nn.layout).
        """
        dtype = self.dtype if dtype is None else np.dtype(dtype)
        shape = tuple(shape)
        if train:
            buf = self._ws.get(key)
            if buf is not None and buf.shape == shape and buf.dtype == dtype:
                return buf
        buf = layout.empty(shape, dtype) if batch_last else np.empty(shape, dtype)
        if fill is not None:
            buf.fill(fill)
        if train:
            self._ws[key] = buf
        return buf

    def _like(self, key: str, x: np.ndarray, train: bool, dtype=None) -> np.ndarray:
        """A buffer of x's shape in batch-last memory (for maps and vectors alike)."""
        return self._buffer(key, x.shape, train, dtype, batch_last=True)

    def release(self) -> None:
        """Drop cached work arrays and forward caches (frees memory after training)."""
        self._ws.clear()
