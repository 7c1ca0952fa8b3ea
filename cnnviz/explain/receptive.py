"""Receptive fields: the exact input pixels a cell of any layer depends on.

The dependency is followed backwards layer by layer as a boolean mask: a
convolution's or pooling's output cell depends on the input cells under its
window (padding depends on nothing), a convolution on every input channel, a
dense unit on its whole input, an element-wise layer on the same cell, a
residual block on what its layers depend on plus the cell itself (the + x). So
strides, padding, pooling and skips are all honoured, and a field with holes
(a stride larger than the window) is reported as such.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import List, Optional, Tuple

import numpy as np

from ..nn import Conv2D, Dense, Flatten, Network, Residual
from . import words
from .exactness import frozen
from .positions import checked_cell

ELEMENTWISE = ("ReLU", "Sigmoid", "Tanh", "Dropout", "BatchNorm2D", "BatchNorm1D")


def layers_to(network: Network, index: int) -> Tuple[list, bool]:
    """(layers applied from the input up to entry ``index`` of ``network.entries()``, and whether
    the entry is the softmax). A residual block counts as one layer unless the entry is inside it."""
    entries = network.entries()
    if not 0 <= index < len(entries):
        raise ValueError(f"entry {index} does not exist; the network has {len(entries)} entries")
    steps, pos = [], 0
    for layer in network.layers:
        if pos == index:
            return steps, False
        inner = getattr(layer, "layers", ())
        if pos < index <= pos + len(inner):
            return steps + list(inner[:index - pos]), False
        pos += len(inner) + 1
        steps.append(layer)
    return steps, index == pos + 1


def _spread(layer, mask: np.ndarray) -> np.ndarray:
    """Input cells under the windows of the marked outputs: mask (C, OH, OW) -> (C, H, W)."""
    (kh, kw), (sh, sw), (oh, ow) = layer.kernel, layer.stride, layer.out_hw
    (pt, _), (pl, _) = layer.pads
    h, w = layer.in_shape[1:]
    out = np.zeros((mask.shape[0],) + tuple(layer.padded_hw), bool)
    for a in range(kh):
        for b in range(kw):
            out[:, a:a + sh * (oh - 1) + 1:sh, b:b + sw * (ow - 1) + 1:sw] |= mask
    return out[:, pt:pt + h, pl:pl + w]


def depends_back(layer, mask: np.ndarray) -> np.ndarray:
    """The input cells of ``layer`` that the marked output cells depend on (per-sample shapes)."""
    if isinstance(layer, Residual):
        inner = mask
        for sub in reversed(layer.layers):
            inner = depends_back(sub, inner)
        return inner | mask
    if isinstance(layer, Conv2D):
        return np.broadcast_to(_spread(layer, mask.any(axis=0, keepdims=True)), layer.in_shape).copy()
    if layer.kind in ("MaxPool2D", "AvgPool2D"):
        return _spread(layer, mask)
    if isinstance(layer, Dense):
        return np.full(layer.in_shape, mask.any())
    if isinstance(layer, Flatten):
        return mask.reshape(layer.in_shape)
    if layer.kind in ELEMENTWISE:
        return mask
    raise ValueError(f"no receptive field rule for a {layer.kind} layer ({layer.name})")


@dataclass(frozen=True)
class ReceptiveField:
    """The input a cell depends on. ``mask`` (C, H, W) over the network input is exact;
    ``box`` is its bounding box, ``solid`` whether it fills the box (False: it has holes)."""
    layer: str
    cell: Tuple[int, ...]
    mask: np.ndarray                    # (C, H, W) bool
    spatial: np.ndarray                 # (H, W) bool: any channel
    channels: Tuple[int, ...]           # input channels involved
    box: Tuple[int, int, int, int]      # (top, left, bottom, right), ends exclusive
    size: Tuple[int, int]               # box height, width
    pixels: int                         # spatial positions in the field
    solid: bool
    input_hw: Tuple[int, int]
    text: str                           # "conv3 · 10x10 of the 28x28 input"
    note: str


def _size_text(name: str, size, input_hw, pixels: int, solid: bool) -> str:
    h, w = input_hw
    if size == (h, w) and solid:
        return f"{name} · all of the {h}x{w} input"
    text = f"{name} · {size[0]}x{size[1]} of the {h}x{w} input"
    return text if solid else f"{text} ({pixels} of its {size[0] * size[1]} pixels)"


def receptive_field(network: Network, index: int, cell) -> ReceptiveField:
    """The exact receptive field of ``cell`` of entry ``index`` of ``network.entries()``."""
    entry = network.entries()[index] if 0 <= index < len(network.entries()) else None
    if entry is None:
        raise ValueError(f"entry {index} does not exist; the network has {len(network.entries())} entries")
    cell = checked_cell(entry, cell)
    steps, softmax = layers_to(network, index)
    mask = np.zeros(entry.shape, bool)
    mask[cell] = True
    if softmax:
        mask = np.ones(network.output_shape, bool)
    for layer in reversed(steps):
        mask = depends_back(layer, mask)
    spatial = mask.any(axis=0)
    rows, cols = np.flatnonzero(spatial.any(axis=1)), np.flatnonzero(spatial.any(axis=0))
    box = (int(rows[0]), int(cols[0]), int(rows[-1]) + 1, int(cols[-1]) + 1)
    size = (box[2] - box[0], box[3] - box[1])
    pixels = int(spatial.sum())
    solid = pixels == size[0] * size[1]
    text = _size_text(entry.name, size, spatial.shape, pixels, solid)
    return ReceptiveField(entry.name, cell, frozen(mask), frozen(spatial),
                          tuple(int(c) for c in np.flatnonzero(mask.any(axis=(1, 2)))), box, size, pixels, solid,
                          spatial.shape, text, words.receptive_field(entry.name, text.split(" · ", 1)[1]))


@dataclass(frozen=True)
class FieldSize:
    """How much of the input one cell of an entry sees, for the network strip.

    Before the first dense layer, ``span`` is the field of a cell away from the
    border (each window adds (K - 1) * jump; border cells see less) and ``jump`` how
    many input pixels apart neighbouring cells' fields start. From a dense layer on
    every unit sees the same exact union: ``span`` is its bounding box, ``jump`` None.
    """
    layer: str
    span: Tuple[int, int]
    jump: Optional[Tuple[int, int]]
    text: str                           # "conv3 · 10x10", "fc1 · all of the 28x28 input"


def _grow(layer, span, jump):
    if isinstance(layer, Residual):
        for inner in layer.layers:
            span, jump = _grow(inner, span, jump)
        return span, jump
    if hasattr(layer, "kernel") and hasattr(layer, "pads"):
        span = tuple(r + (k - 1) * j for r, k, j in zip(span, layer.kernel, jump))
        jump = tuple(j * s for j, s in zip(jump, layer.stride))
    return span, jump


def field_sizes(network: Network) -> List[FieldSize]:
    """One :class:`FieldSize` per entry of ``network.entries()``, input first."""
    out = []
    for index, entry in enumerate(network.entries()):
        steps, softmax = layers_to(network, index)
        if softmax or any(isinstance(layer, Dense) for layer in steps):
            field = receptive_field(network, index, (0,) * len(entry.shape))
            out.append(FieldSize(entry.name, field.size, None, field.text))
            continue
        span, jump = (1, 1), (1, 1)
        for layer in steps:
            span, jump = _grow(layer, span, jump)
        text = f"{entry.name} · {span[0]}x{span[1]}"
        h, w = network.input_shape[1:]
        if span[0] > h or span[1] > w:
            text += f" (larger than the {h}x{w} input, which cuts it off)"
        out.append(FieldSize(entry.name, span, jump, text))
    return out
