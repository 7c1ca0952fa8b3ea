"""The seed's toy examples (a 3x3 image, 2x2 filters, a 2x2 max-pool) computed by the
engine's own layers, with any small image and kernel a student types in.

Nothing here does its own arithmetic: the maps come from Conv2D, the pooled map and
its winners from MaxPool2D, the window matrix from ``cnnviz.nn.im2col``.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Dict, Sequence, Tuple

import numpy as np

from ..nn import Conv2D, MaxPool2D, im2col
from . import words
from .convstep import ConvStep, conv_step
from .exactness import frozen
from .poolstep import PoolStep, pool_step
from .sizeformula import SizeFormula, size_formula

MISSION_IMAGE = ((1, 2, 3), (4, 5, 6), (7, 8, 9))
ONES_2X2 = ((1, 1), (1, 1))
MISSION_FILTER_VALUES = (1, 10, -1)
MISSION_POOL_IMAGE = ((4, 3), (2, 1))
TOY_MAX_SIDE = 16        # a toy is for reading every number: larger grids are refused


def _grid(values, what: str, ndim: int) -> np.ndarray:
    """``values`` as a float32 array of ``ndim`` dims, finite, each side 1..TOY_MAX_SIDE; else ValueError."""
    try:
        a = np.array(values, dtype=np.float64)
    except (TypeError, ValueError):
        raise ValueError(f"the {what} must be a grid of numbers, got {values!r}") from None
    if a.ndim != ndim or a.size == 0:
        raise ValueError(f"the {what} must be a {'2-D grid' if ndim == 2 else 'list of 2-D grids'} of numbers, "
                         f"got shape {a.shape}")
    if not np.isfinite(a).all():
        raise ValueError(f"the {what} holds a value that is not a finite number")
    if max(a.shape[-2:]) > TOY_MAX_SIDE:
        raise ValueError(f"the {what} is {a.shape[-2]}x{a.shape[-1]}; a toy grid has at most "
                         f"{TOY_MAX_SIDE} cells a side")
    return a.astype(np.float32)


def _padded_view(layer, image: np.ndarray, fill: float):
    """(padded image, padding mask) of a built sliding-window layer's input, as the engine pads it."""
    (pt, pb), (pl, pr) = layer.pads
    padded = np.pad(image, ((pt, pb), (pl, pr)), constant_values=fill)
    mask = np.ones(padded.shape, bool)
    mask[pt:pt + image.shape[0], pl:pl + image.shape[1]] = False
    return padded, mask


def padding_text(pads) -> str:
    """Where the padding goes in words: "padding: 1 row at the bottom, 1 column at the right"."""
    (pt, pb), (pl, pr) = pads
    parts = [f"{n} {'row' if side in ('top', 'bottom') else 'column'}{'s' if n > 1 else ''} at the {side}"
             for n, side in ((pt, "top"), (pb, "bottom"), (pl, "left"), (pr, "right")) if n]
    return "no padding" if not parts else "padding: " + ", ".join(parts)


@dataclass(frozen=True)
class ToyConvolution:
    """A small image through a Conv2D with the given kernels (bias 0), computed by the engine.

    ``padded``/``is_padding`` show the input as the engine pads it; ``im2col`` is the
    window matrix (one row per output cell, in ``rows`` order; one column per kernel
    position, in ``columns`` order), so ``maps[f] == (im2col @ kernels[f].ravel())``.
    """
    image: np.ndarray                  # (H, W) float32
    kernels: np.ndarray                # (F, KH, KW) float32
    padding: object                    # the padding setting ('valid', 'same', an int...)
    stride: Tuple[int, int]
    pads: Tuple[Tuple[int, int], Tuple[int, int]]
    padded: np.ndarray                 # (Hp, Wp) float32, zeros on the padding
    is_padding: np.ndarray             # (Hp, Wp) bool
    padding_text: str
    maps: np.ndarray                   # (F, OH, OW) float32, the engine's output
    im2col: np.ndarray                 # (OH*OW, KH*KW) float32
    rows: Tuple[Tuple[int, int], ...]     # output cell (row, col) of each im2col row
    columns: Tuple[Tuple[int, int], ...]  # kernel position (row, col) of each im2col column
    size: SizeFormula
    layer: Conv2D                      # the engine layer that computed ``maps``
    note: str

    def step(self, f: int, row: int, col: int) -> ConvStep:
        """The step-through of output cell (row, col) of map ``f``."""
        return conv_step(self.layer, self.image[None], self.maps, (f, row, col), "toy")


def toy_convolution(image=MISSION_IMAGE, kernels=(ONES_2X2,), padding="valid", stride=1) -> ToyConvolution:
    """``image`` (H, W) numbers through kernels (F, KH, KW) (even sizes allowed) by the engine's Conv2D.

    Bad grids or an impossible size raise ValueError with the reason.
    """
    img = _grid(image, "image", 2)
    ker = _grid(kernels, "kernels", 3)
    layer = Conv2D(ker.shape[0], ker.shape[1:], stride, padding, name="toy")
    layer.build((1,) + img.shape, np.random.default_rng(0))
    layer.params["W"][:] = ker[:, None]
    maps = layer.forward(img[None, None])[0]
    padded, mask = _padded_view(layer, img, 0.0)
    (oh, ow), (kh, kw) = layer.out_hw, layer.kernel
    return ToyConvolution(
        image=frozen(img), kernels=frozen(ker), padding=layer.padding, stride=tuple(layer.stride), pads=layer.pads,
        padded=frozen(padded), is_padding=frozen(mask), padding_text=padding_text(layer.pads), maps=frozen(maps),
        im2col=frozen(im2col(img[None, None], layer.kernel, layer.stride, layer.padding)),
        rows=tuple((r, c) for r in range(oh) for c in range(ow)),
        columns=tuple((i, j) for i in range(kh) for j in range(kw)), size=size_formula(layer), layer=layer,
        note=words.toy_conv(padding_text(layer.pads), ker.shape[0]))


def filled_kernels(values: Sequence[float], shape=(2, 2)) -> np.ndarray:
    """One kernel of ``shape`` per value, every weight equal to it: (len(values), KH, KW)."""
    return np.stack([np.full(tuple(shape), v, np.float32) for v in values])


@dataclass(frozen=True)
class ToyPool:
    """A small image through the engine's MaxPool2D, with each output's winning input cell."""
    image: np.ndarray                  # (H, W) float32
    kernel: Tuple[int, int]
    stride: Tuple[int, int]
    pads: Tuple[Tuple[int, int], Tuple[int, int]]
    padded: np.ndarray                 # (Hp, Wp) float32, -inf on the padding (never a winner)
    is_padding: np.ndarray             # (Hp, Wp) bool
    padding_text: str
    output: np.ndarray                 # (OH, OW) float32
    winners: np.ndarray                # (OH, OW, 2) int (row, col) in the image
    size: SizeFormula
    layer: MaxPool2D
    note: str

    def step(self, row: int, col: int) -> PoolStep:
        """The step-through of output cell (row, col)."""
        return pool_step(self.layer, self.image[None], self.output[None], (0, row, col), "toy pool")


def toy_maxpool(image=MISSION_POOL_IMAGE, kernel=2, stride=1, padding="same") -> ToyPool:
    """``image`` (H, W) numbers through the engine's MaxPool2D; bad input raises ValueError."""
    img = _grid(image, "image", 2)
    layer = MaxPool2D(kernel, stride, padding, name="toy pool")
    layer.build((1,) + img.shape, None)
    x = img[None, None]
    padded, mask = _padded_view(layer, img, -np.inf)
    return ToyPool(image=frozen(img), kernel=tuple(layer.kernel), stride=tuple(layer.stride), pads=layer.pads,
                   padded=frozen(padded), is_padding=frozen(mask), padding_text=padding_text(layer.pads),
                   output=frozen(layer.forward(x)[0, 0]), winners=frozen(layer.winners(x)[0, 0]),
                   size=size_formula(layer), layer=layer, note=words.toy_pool(padding_text(layer.pads)))


def mission_examples() -> Dict[str, object]:
    """The seed's worked examples, each computed by the engine: "valid", "same",
    "three filters" (all 1, all 10, all -1, SAME) and "max-pool" (2x2, stride 1, SAME)."""
    return {
        "valid": toy_convolution(MISSION_IMAGE, (ONES_2X2,), "valid"),
        "same": toy_convolution(MISSION_IMAGE, (ONES_2X2,), "same"),
        "three filters": toy_convolution(MISSION_IMAGE, filled_kernels(MISSION_FILTER_VALUES), "same"),
        "max-pool": toy_maxpool(MISSION_POOL_IMAGE, 2, 1, "same"),
    }
