"""Starting from a trained model: its layers, a new output layer for other classes.

Fine-tuning keeps what a trained network has learned to see (its filters,
its dense layers) and replaces only its last layer, whose outputs were the old
classes, by a fresh one with an output per new class. With the convolutions
frozen (their parameters left out of every update), only the layers after
them learn: a few examples per class are then enough to see it learn.
"""
from __future__ import annotations

from typing import List, Optional, Sequence

from ..modelio import LoadedModel, ModelFileError, load_model
from ..nn import Network
from ..nn.conv import Conv2D
from ..nn.residual import Residual
from ..shipped import resolve_model


class FineTuneError(ValueError):
    """A base model that cannot be fine-tuned on the data (or not be read); the message says why."""


def load_base(text: str) -> LoadedModel:
    """The model to start from: a shipped model's name ("digits", "letters") or a model file.
    Raises FineTuneError with the file's problem."""
    try:
        return load_model(resolve_model(text))
    except ModelFileError as e:
        raise FineTuneError(f"Cannot fine-tune {text!r}: {e}") from None


def finetune_network(base: Network, classes: int, image_shape: Sequence[int], seed: int = 0,
                     dropout: Optional[float] = None) -> Network:
    """``base`` with its last layer (a dense layer) replaced by a new one of ``classes`` outputs.

    Every other layer keeps its trained weights; the new layer gets the
    initial weights its spec asks for, drawn with ``seed``. ``dropout``
    (unless None) replaces every dropout rate. The images (``image_shape``,
    (C, H, W)) must be the ones ``base`` reads. Raises FineTuneError.
    """
    if tuple(image_shape) != tuple(base.input_shape):
        raise FineTuneError(f"the model to start from reads {_shape(base.input_shape)} images; these are "
                            f"{_shape(image_shape)}")
    spec = base.spec()
    last = spec["layers"][-1]
    if last.get("type") != "dense":
        raise FineTuneError(f"the model to start from ends in a {last.get('type')} layer, not a dense one "
                            f"that could be given new classes")
    spec["layers"][-1] = dict(last, units=int(classes))
    if dropout is not None:
        for layer in spec["layers"]:
            if layer["type"] == "dropout":
                layer["rate"] = float(dropout)
    net = Network(spec, seed=seed, dtype=base.dtype)
    weights = base.get_weights()
    for k in net.layers[-1].params:                      # the new layer keeps its fresh weights
        key = f"{net.layers[-1].name}.{k}"
        weights[key] = net.params[key].copy()
    net.set_weights(weights)
    return net


def conv_params(net: Network) -> List[str]:
    """The keys (as in ``net.params``) of every convolution's weights and biases, in residual
    blocks too: what "freeze the convolutions" leaves out of the updates."""
    keys = []
    for layer in net.layers:
        inner = layer.layers if isinstance(layer, Residual) else ()
        for sub in inner:
            if isinstance(sub, Conv2D):
                keys += [f"{layer.name}.{sub.name}.{k}" for k in sub.params]
        if isinstance(layer, Conv2D):
            keys += [f"{layer.name}.{k}" for k in layer.params]
    return keys


def _shape(shape: Sequence[int]) -> str:
    c, h, w = shape
    return f"{h}x{w} " + ("grey" if c == 1 else f"{c}-channel")
