"""How each kind of weight becomes a picture, and how a pixel of it names one weight.

A renderer turns a layer's weights W into the array an ImageItem shows (the
same for the step-0 weights when comparing) and maps a picture pixel back to
the weight under it:

- :class:`ConvGrid`: a column of kernels per filter, a row per input channel
  (``rows`` channels from ``first``), columns wrapped into a grid;
- :class:`RgbGrid`: a 3-channel first layer, one colour composite per filter;
- :class:`OneFilter`: one filter enlarged, a tile per input channel;
- :class:`UnitMaps`: one dense unit's incoming weights as the maps it reads;
- :class:`Matrix`: any other dense weights, a row per output unit.
"""
from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Callable, Optional, Tuple

import numpy as np

from ...widgets.mosaic import Mosaic, MosaicGeometry, grid_shape

#: a function giving a Mosaic for (count, tile_h, tile_w, gap, extra): the view's current one or a new one
MosaicFor = Callable[[int, int, int, int, tuple], Mosaic]


def kernel_strips(W: np.ndarray, c0: int, cs: int) -> np.ndarray:
    """Input channels c0..c0+cs-1 of each filter of W (F, C, KH, KW) stacked into one tall tile
    per filter, a NaN row between kernels: (F, cs * (KH + 1) - 1, KW)."""
    f, _, kh, kw = W.shape
    strips = np.full((f, cs, kh + 1, kw), np.nan, np.float32)
    strips[:, :, :kh] = W[:, c0:c0 + cs]
    return strips.reshape(f, cs * (kh + 1), kw)[:, :-1]


def maps_before(entries, index: int):
    """(trace position, (C, H, W)) of the maps a Dense at ``index`` reads through a Flatten, or None."""
    d_in = None
    for j in range(index - 1, -1, -1):
        shape = entries[j].shape
        if len(shape) == 3:
            return (j, tuple(shape)) if d_in is not None and int(np.prod(shape)) == d_in else None
        if entries[j].kind == "Dense":
            return None
        d_in = shape[0]
    return None


def conv_rows(shape, view_w: float, view_h: float, most: int, min_px: float) -> int:
    """How many input-channel rows a conv layer of weights ``shape`` (F, C, KH, KW) gets in a
    view of ``view_w`` x ``view_h`` pixels: up to ``most``, as many as keep every weight at
    least ``min_px`` pixels on screen (``most`` while the view is not laid out)."""
    f, c, kh, kw = shape
    most = min(c, most)
    if view_w < 20 or view_h < 20:
        return most
    for cs in range(most, 0, -1):
        gap = 1 if cs == 1 else 2
        th = cs * (kh + 1) - 1
        rows, cols = grid_shape(f, th, kw, gap, view_w / view_h)
        px = min(view_w / (cols * (kw + gap) + 2), view_h / (rows * (th + gap) + 2))
        if px >= min_px:
            return cs
    return 1


class Renderer(ABC):
    """One way of drawing a weight array. ``mode`` names it; ``geometry`` is the mosaic's
    layout once :meth:`picture` has run (None for the matrix)."""

    mode = "none"
    rgb = False
    aspect_locked = True

    def __init__(self):
        self.geometry: Optional[MosaicGeometry] = None

    @abstractmethod
    def picture(self, W: np.ndarray, mosaic_for: MosaicFor) -> np.ndarray:
        """The image of weights W (the current ones, or the step-0 ones laid out alike)."""

    @abstractmethod
    def locate(self, y: float, x: float) -> Optional[tuple]:
        """The weight under picture pixel (y, x), as an index tuple into W, or None."""

    @abstractmethod
    def weight_text(self, W: np.ndarray, index: tuple) -> str:
        """The readout for the weight at ``index``."""

    def _mosaic(self, mosaic_for: MosaicFor, count, th, tw, gap=1, extra=()) -> Mosaic:
        m = mosaic_for(count, th, tw, gap, extra)
        self.geometry = m.geometry
        return m


class ConvGrid(Renderer):
    """Kernels of input channels ``first`` .. ``first + rows - 1``, a column per filter."""

    mode = "conv"

    def __init__(self, first: int, rows: int):
        super().__init__()
        self.first, self.rows = first, rows

    def picture(self, W, mosaic_for):
        f, _, kh, kw = W.shape
        gap = 1 if self.rows == 1 else 2
        return self._mosaic(mosaic_for, f, self.rows * (kh + 1) - 1, kw, gap).fill(
            kernel_strips(W, self.first, self.rows))

    def locate(self, y, x):
        loc = self.geometry.locate(y, x)
        if loc is None:
            return None
        f, r, k = loc
        kh = (self.geometry.tile_h + 1) // self.rows - 1
        ci, kr = divmod(r, kh + 1)
        return None if kr == kh else (f, self.first + ci, kr, k)

    def weight_text(self, W, index):
        f, c, r, k = index
        return f"filter {f} · input channel {c} · row {r}, col {k} · w = {W[f, c, r, k]:.4g}"


class RgbGrid(Renderer):
    """One colour composite per filter of a 3-channel input: grey is 0, scaled by ``hi``."""

    mode = "rgb"
    rgb = True

    def __init__(self, hi: float):
        super().__init__()
        self.hi = hi

    def picture(self, W, mosaic_for):
        f, c, kh, kw = W.shape
        return self._mosaic(mosaic_for, f, kh, kw, 1, (3,)).fill(0.5 + W.transpose(0, 2, 3, 1) / (2 * self.hi))

    def locate(self, y, x):
        return self.geometry.locate(y, x)

    def weight_text(self, W, index):
        f, r, k = index
        w = ", ".join(f"{v:.3g}" for v in W[f, :, r, k])
        return f"filter {f} · row {r}, col {k} · w (R, G, B) = ({w})"


class OneFilter(Renderer):
    """Filter ``index`` enlarged: its kernel for every input channel, a tile each."""

    mode = "filter"

    def __init__(self, index: int):
        super().__init__()
        self.index = index

    def picture(self, W, mosaic_for):
        _, c, kh, kw = W.shape
        return self._mosaic(mosaic_for, c, kh, kw).fill(W[self.index])

    def locate(self, y, x):
        loc = self.geometry.locate(y, x)
        return None if loc is None else (self.index,) + loc

    def weight_text(self, W, index):
        return ConvGrid.weight_text(self, W, index)


class UnitMaps(Renderer):
    """Dense unit ``unit``'s incoming weights reshaped to the ``maps`` (C, H, W) it reads
    (named ``source``) through a Flatten."""

    mode = "unit"

    def __init__(self, unit: int, maps: Tuple[int, int, int], source: str):
        super().__init__()
        self.unit, self.maps, self.source = unit, maps, source

    def picture(self, W, mosaic_for):
        c, h, w = self.maps
        return self._mosaic(mosaic_for, c, h, w).fill(W[:, self.unit].reshape(c, h, w))

    def locate(self, y, x):
        return self.geometry.locate(y, x)

    def weight_text(self, W, index):
        c, r, k = index
        _, h, w = self.maps
        i = (c * h + r) * w + k
        return f"unit {self.unit} ← {self.source} map {c}, row {r}, col {k} · w = {W[i, self.unit]:.4g}"


class Matrix(Renderer):
    """A dense layer's weights W (inputs, units) as a matrix, a row per output unit."""

    mode = "matrix"
    aspect_locked = False

    def __init__(self):
        super().__init__()
        self.shape = (0, 0)

    def picture(self, W, mosaic_for):
        self.shape = (W.shape[1], W.shape[0])
        return W.T

    def locate(self, y, x):
        units, d_in = self.shape
        return (int(y), int(x)) if 0 <= y < units and 0 <= x < d_in else None

    def weight_text(self, W, index):
        u, i = index
        return f"unit {u} ← input {i} · w = {W[i, u]:.4g}"
