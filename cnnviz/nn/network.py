"""A sequential network that can run whole, one layer at a time, or with every
intermediate tensor returned (the visualizer is built on :meth:`Network.trace`)."""
from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass
from typing import Dict, List, NamedTuple, Optional

import numpy as np

from .fused import inference_plan, training_plan
from .layer import Layer
from .loss import softmax
from .registry import SpecError, layer_from_spec
from .residual import Residual, named_part, walk_layers
from .shapes import ShapeError

#: the most layers an architecture may have (the deepest preset has a few dozen)
MAX_LAYERS = 1000


class LayerEntry(NamedTuple):
    """One position of a forward pass, known from the structure alone (no input needed)."""
    name: str                  # "input", "conv1", "res1.conv_a", "softmax"
    kind: str                  # "Input", "Conv2D", ..., "Softmax"
    settings: str              # settings text, e.g. "5x5/1 same" ("" for input and softmax)
    shape: tuple               # per-sample output shape, e.g. (32, 28, 28)
    layer: Optional[Layer]     # the Layer object (None for the input and the softmax)


@dataclass
class LayerOutput:
    """One intermediate tensor of a forward pass (for a batch of N)."""
    name: str            # "conv1", "res1.conv_a", "input", "softmax"
    kind: str            # "Conv2D", ..., "Input", "Softmax"
    shape: tuple         # per-sample shape, e.g. (32, 28, 28)
    value: np.ndarray    # (N, *shape)
    describe: str = ""   # settings text, e.g. "5x5/1 same"
    layer: Optional[Layer] = None


class Network:
    """Layers applied in order to a batch (N, C, H, W) -> logits (N, classes).

    Built from an architecture spec (plain JSON-able data)::

        {"name": "simple", "input_shape": [1, 28, 28],
         "layers": [{"type": "conv", "filters": 30, "kernel": 5}, ...]}

    Shapes are computed at construction; an impossible one raises ShapeError
    naming the layer and the numbers. ``seed`` fixes the initial weights.
    ``allocate=False`` works out every shape and parameter count without
    creating any array (such a network cannot compute).
    """

    def __init__(self, spec: dict, seed: int = 0, dtype=np.float32, allocate: bool = True):
        if not isinstance(spec, dict):
            raise SpecError("an architecture must be a JSON object")
        self.name = str(spec.get("name", "custom"))
        shape = spec.get("input_shape")
        if (not isinstance(shape, (list, tuple)) or len(shape) != 3
                or not all(isinstance(s, int) and not isinstance(s, bool) and s > 0 for s in shape)):
            raise SpecError(f"input_shape must be [channels, height, width] of positive ints, got {shape!r}")
        layer_specs = spec.get("layers")
        if not isinstance(layer_specs, list) or not layer_specs:
            raise SpecError("an architecture needs a non-empty list of layers")
        if len(layer_specs) > MAX_LAYERS:
            raise SpecError(f"an architecture may have at most {MAX_LAYERS:,} layers, this one has "
                            f"{len(layer_specs):,}")
        self.input_shape = tuple(shape)
        self.dtype = np.dtype(dtype)
        self.seed = int(seed)
        counters: dict = {}
        self.layers: List[Layer] = [layer_from_spec(s, counters) for s in layer_specs]
        names = Counter(l.name for l in walk_layers(self.layers))
        if sum(names.values()) > MAX_LAYERS:
            raise SpecError(f"an architecture may have at most {MAX_LAYERS:,} layers, counting those "
                            f"inside residual blocks; this one has {sum(names.values()):,}")
        dup = {n for n, count in names.items() if count > 1}
        if dup:
            raise SpecError(f"layer names must be unique; repeated: {', '.join(sorted(dup))}")
        rng = np.random.default_rng(self.seed)
        out = self.input_shape
        for layer in self.layers:
            out = layer.build(out, rng, self.dtype, allocate)
        self.output_shape = out
        self._train_plan = training_plan(self.layers)
        self._infer_plan = inference_plan(self.layers)
        self._entries = None                # the structure does not change: listed once
        if len(out) != 1:
            raise ShapeError(f"the last layer must output class scores (a flat vector), got shape {out}")

    # -- structure ------------------------------------------------------------
    @property
    def num_classes(self) -> int:
        return self.output_shape[0]

    def spec(self) -> dict:
        """The architecture as JSON-able data; ``Network(net.spec())`` rebuilds it."""
        return {"name": self.name, "input_shape": list(self.input_shape),
                "layers": [l.spec() for l in self.layers]}

    @property
    def params(self) -> Dict[str, np.ndarray]:
        """Trainable arrays by ``"<layer>.<param>"`` (live arrays, not copies)."""
        return {f"{l.name}.{k}": v for l in self.layers for k, v in l.params.items()}

    @property
    def grads(self) -> Dict[str, np.ndarray]:
        """Gradients of the last backward pass, keyed like :attr:`params`."""
        return {f"{l.name}.{k}": v for l in self.layers for k, v in l.grads.items()}

    @property
    def state(self) -> Dict[str, np.ndarray]:
        """Non-trainable arrays inference uses (BatchNorm's running mean and variance), keyed
        like :attr:`params` (live arrays, not copies); empty for most networks."""
        return {f"{l.name}.{k}": v for l in self.layers for k, v in l.state.items()}

    def num_params(self) -> int:
        """Trainable numbers in the whole network."""
        return sum(l.num_params() for l in self.layers)

    def largest_output(self) -> int:
        """The most numbers any layer outputs for one image."""
        return max(math.prod(l.out_shape) for l in walk_layers(self.layers))

    def layer(self, name: str) -> Layer:
        """The layer called ``name`` (an inner one also as ``"block.inner"``); KeyError if none."""
        for l in self.layers:
            if l.name == name:
                return l
            if isinstance(l, Residual):
                for inner in l.layers:
                    if f"{l.name}.{inner.name}" == name or inner.name == name:
                        return inner
        raise KeyError(name)

    def get_weights(self) -> Dict[str, np.ndarray]:
        """Copies of all parameters (safe to keep while training continues)."""
        return {k: v.copy() for k, v in self.params.items()}

    def set_weights(self, weights: Dict[str, np.ndarray]) -> None:
        """Copy ``weights`` into the parameters; names and shapes must match exactly."""
        _copy_into(self.params, weights, "weight")

    def set_state(self, state: Dict[str, np.ndarray]) -> None:
        """Copy ``state`` into :attr:`state`; names and shapes must match exactly and every
        layer must accept its values (ValueError otherwise, with nothing changed)."""
        for layer in self.layers:
            layer.check_state(named_part(state, layer.name))
        _copy_into(self.state, state, "state array")

    def copy(self, dtype=None) -> "Network":
        """An independent network with the same architecture, weights and state."""
        other = Network(self.spec(), seed=self.seed, dtype=self.dtype if dtype is None else dtype)
        other.set_weights(self.params)
        other.set_state(self.state)
        return other

    def release(self) -> None:
        """Free the training work arrays of every layer."""
        for l in self.layers:
            l.release()

    # -- computing ------------------------------------------------------------
    def _check_input(self, x: np.ndarray) -> np.ndarray:
        if x.ndim != 4 or tuple(x.shape[1:]) != self.input_shape:
            raise ValueError(f"input must have shape (N, {', '.join(map(str, self.input_shape))}), got {x.shape}")
        return x if x.dtype == self.dtype else x.astype(self.dtype)

    def forward(self, x: np.ndarray, train: bool = False) -> np.ndarray:
        """Logits (N, classes) for a batch x (N, C, H, W).

        ``train=True`` keeps what backward needs and applies dropout; the
        returned array may be reused by the next training forward.
        """
        h = self._check_input(x)
        for step in (self._train_plan if train else self._infer_plan):
            h = step.forward(h, train)
        return h

    def forward_layer(self, index: int, x: np.ndarray) -> np.ndarray:
        """Inference through layer ``index`` alone: its input batch -> its output batch."""
        return self.layers[index].forward(x, False)

    def entries(self) -> List[LayerEntry]:
        """Every position of :meth:`trace`, in its order: the input, each layer (a residual
        block's inner layers as ``"block.inner"`` before the block's sum), the softmax."""
        if self._entries is None:
            self._entries = self._list_entries()
        return list(self._entries)

    def _list_entries(self) -> List[LayerEntry]:
        rows = [LayerEntry("input", "Input", "", self.input_shape, None)]
        for layer in self.layers:
            for inner in getattr(layer, "layers", ()):
                rows.append(LayerEntry(f"{layer.name}.{inner.name}", inner.kind, inner.describe(),
                                       inner.out_shape, inner))
            rows.append(LayerEntry(layer.name, layer.kind, layer.describe(), layer.out_shape, layer))
        rows.append(LayerEntry("softmax", "Softmax", "", self.output_shape, None))
        return rows

    def trace(self, x: np.ndarray) -> List[LayerOutput]:
        """Inference with every intermediate tensor, one per :meth:`entries` position.

        x: (N, C, H, W). All arrays are fresh (owned by the caller); the softmax
        entry holds probabilities (N, classes).
        """
        h = self._check_input(x)
        values = [h.copy() if h is x else h]
        for layer in self.layers:
            if isinstance(layer, Residual):
                values += [value for _inner, value in layer.forward_trace(h)]
            else:
                values.append(layer.forward(h, False))
            h = values[-1]
        values.append(softmax(h.copy()))
        return [LayerOutput(e.name, e.kind, e.shape, v, e.settings, e.layer)
                for e, v in zip(self.entries(), values)]

    def backward(self, dlogits: np.ndarray) -> None:
        """Backpropagate d loss / d logits (N, classes) after a ``train=True`` forward.

        Fills every layer's grads. The first layer's input gradient is not
        computed (nothing needs it). ReLU + max-pool pairs run fused (see fused.py).
        """
        g = dlogits
        plan = self._train_plan
        for i in range(len(plan) - 1, -1, -1):
            g = plan[i].backward(g, need_dx=i > 0)

    def summary(self) -> str:
        """One line per layer: name, kind, settings, output shape, parameter count."""
        lines = [f"{self.name}: input {'x'.join(map(str, self.input_shape))}, "
                 f"{self.num_params():,} parameters"]
        for l in self.layers:
            shape = "x".join(map(str, l.out_shape))
            lines.append(f"  {l.name:<10} {l.kind:<10} {l.describe():<22} -> {shape:<10} {l.num_params():>9,}")
        return "\n".join(lines)


def _copy_into(targets: Dict[str, np.ndarray], values: Dict[str, np.ndarray], what: str) -> None:
    """np.copyto every array of ``values`` into ``targets``; names and shapes must match exactly."""
    missing = sorted(set(targets) - set(values))
    extra = sorted(set(values) - set(targets))
    if missing or extra:
        raise ValueError(f"{what}s do not fit this architecture: missing {missing}, unexpected {extra}")
    for k, v in values.items():
        if tuple(v.shape) != targets[k].shape:
            raise ValueError(f"{what} {k!r} has shape {tuple(v.shape)}, the architecture needs {targets[k].shape}")
    for k, v in values.items():
        np.copyto(targets[k], v, casting="same_kind")
