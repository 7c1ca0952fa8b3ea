"""Tile many small maps into one image (pure numpy), and find a tile from a pixel.

A layer with C maps of H x W becomes one array of ``rows x cols`` tiles with
``gap``-pixel gutters filled with NaN (an ImageItem draws NaN transparent), so
a whole layer is a single texture upload. :class:`MosaicGeometry` maps a
mosaic pixel back to (tile, row, col) for hover and click.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Optional, Tuple

import numpy as np


@dataclass(frozen=True)
class MosaicGeometry:
    """Where the tiles are: ``count`` tiles of ``tile_h x tile_w`` in a rows x cols grid."""
    count: int
    rows: int
    cols: int
    tile_h: int
    tile_w: int
    gap: int = 1

    @property
    def shape(self) -> Tuple[int, int]:
        """(height, width) of the whole mosaic in pixels."""
        return (self.rows * (self.tile_h + self.gap) - self.gap,
                self.cols * (self.tile_w + self.gap) - self.gap)

    def origin(self, index: int) -> Tuple[int, int]:
        """(top, left) pixel of tile ``index``."""
        r, c = divmod(index, self.cols)
        return r * (self.tile_h + self.gap), c * (self.tile_w + self.gap)

    def locate(self, y: float, x: float) -> Optional[Tuple[int, int, int]]:
        """(tile index, row, col inside the tile) of mosaic pixel (y, x); None in a gap or outside."""
        if y < 0 or x < 0:
            return None
        y, x = int(y), int(x)
        tr, r = divmod(y, self.tile_h + self.gap)
        tc, c = divmod(x, self.tile_w + self.gap)
        if r >= self.tile_h or c >= self.tile_w or tr >= self.rows or tc >= self.cols:
            return None
        index = tr * self.cols + tc
        return (index, r, c) if index < self.count else None


def grid_shape(count: int, tile_h: int, tile_w: int, gap: int = 1, aspect: float = 1.0) -> Tuple[int, int]:
    """(rows, cols) that show ``count`` tiles largest in a view of width/height ``aspect``."""
    count = max(1, int(count))
    best, best_scale = (1, count), -1.0
    for cols in range(1, count + 1):
        rows = math.ceil(count / cols)
        w = cols * (tile_w + gap) - gap
        h = rows * (tile_h + gap) - gap
        scale = min(aspect / w, 1.0 / h)
        if scale > best_scale * (1 + 1e-9):
            best, best_scale = (rows, cols), scale
    return best


class Mosaic:
    """A reusable tiling of ``count`` maps of ``tile_h x tile_w`` (plus trailing dims, e.g. RGB).

    ``fill(maps)`` copies maps (count, tile_h, tile_w, ...) into an internal
    buffer and returns the mosaic (a view of that buffer, overwritten by the
    next call). Gutters and unused tiles hold ``fill_value``.
    """

    def __init__(self, count: int, tile_h: int, tile_w: int, cols: Optional[int] = None, gap: int = 1,
                 aspect: float = 1.0, extra: Tuple[int, ...] = (), fill_value: float = np.nan,
                 dtype=np.float32):
        if cols is None:
            rows, cols = grid_shape(count, tile_h, tile_w, gap, aspect)
        else:
            cols = max(1, min(int(cols), count))
            rows = math.ceil(count / cols)
        self.geometry = MosaicGeometry(int(count), rows, cols, int(tile_h), int(tile_w), int(gap))
        self.extra = tuple(extra)
        self._buf = np.full((rows * (tile_h + gap), cols * (tile_w + gap)) + self.extra, fill_value, dtype)
        # (rows, cols, tile_h + gap, tile_w + gap, ...) view of the same memory
        self._tiles = self._buf.reshape((rows, tile_h + gap, cols, tile_w + gap) + self.extra).swapaxes(1, 2)

    def fill(self, maps: np.ndarray) -> np.ndarray:
        """The mosaic of ``maps`` (count, tile_h, tile_w, *extra) as a (H, W, *extra) view."""
        g = self.geometry
        maps = np.asarray(maps)
        if maps.shape != (g.count, g.tile_h, g.tile_w) + self.extra:
            raise ValueError(f"mosaic expects maps of shape {(g.count, g.tile_h, g.tile_w) + self.extra}, "
                             f"got {maps.shape}")
        full, rest = divmod(g.count, g.cols)
        body = self._tiles[:, :, :g.tile_h, :g.tile_w]
        if full:
            body[:full] = maps[:full * g.cols].reshape((full, g.cols, g.tile_h, g.tile_w) + self.extra)
        if rest:
            body[full, :rest] = maps[full * g.cols:]
        h, w = g.shape
        return self._buf[:h, :w]


def tile(maps: np.ndarray, cols: Optional[int] = None, gap: int = 1, aspect: float = 1.0,
         fill_value: float = np.nan) -> Tuple[np.ndarray, MosaicGeometry]:
    """One-off tiling: (mosaic image (H, W, *extra), geometry) of maps (count, h, w, *extra)."""
    maps = np.asarray(maps)
    dtype = maps.dtype if np.issubdtype(maps.dtype, np.floating) else np.float32
    m = Mosaic(maps.shape[0], maps.shape[1], maps.shape[2], cols, gap, aspect, maps.shape[3:], fill_value, dtype)
    return m.fill(maps).copy(), m.geometry
