"""The colour maps of every view, in one place, and how levels are chosen.

Meaning is kept the same everywhere:

- activations: black is 0; positive values glow warm (red -> yellow -> white,
  :data:`ACTIVATION`), negative ones cold (blue -> cyan -> white). Signed
  layers (a convolution before its ReLU) use :data:`SIGNED_ACTIVATION`, whose
  positive half is exactly :data:`ACTIVATION`, so "ReLU removes the blue" is
  what a student sees when stepping from conv1 to relu1.
- weights: white is 0, blue negative, red positive (:data:`WEIGHTS`), always
  with symmetric levels +-max|W| so the sign is readable.
- the network input: plain grey, ink bright (:data:`INPUT`).
"""
from __future__ import annotations

from functools import lru_cache
from typing import Optional, Tuple

import numpy as np
import pyqtgraph as pg

#: behind tiles of maps or weights (gutters): neither an activation 0 (black) nor a weight 0 (white)
MAP_BACKGROUND = "#808080"
#: kinds whose outputs are signed by construction (so a blank input does not flip the map)
SIGNED_KINDS = frozenset({"Conv2D", "Dense", "Residual", "Tanh"})


def _fire() -> pg.ColorMap:
    return pg.colormap.get("CET-L3")          # black -> red -> yellow -> white


def _ice_fire() -> pg.ColorMap:
    """Blue-cyan-white for negatives, the fire map for positives, black at 0."""
    fire = _fire().getLookupTable(nPts=128, alpha=False).astype(np.float64)
    ice = fire[:, ::-1]                       # swap red and blue: black -> blue -> cyan -> white
    colors = np.concatenate([ice[::-1], fire]).astype(np.uint8)
    return pg.ColorMap(np.linspace(0.0, 1.0, len(colors)), colors, name="ice-fire")


ACTIVATION: pg.ColorMap = _fire()
SIGNED_ACTIVATION: pg.ColorMap = _ice_fire()
WEIGHTS: pg.ColorMap = pg.colormap.get("CET-D1A")   # blue - white - red
INPUT: pg.ColorMap = pg.colormap.get("CET-L1")      # black - white


_NICE = (1.0, 1.2, 1.5, 2.0, 2.5, 3.0, 4.0, 5.0, 6.0, 8.0, 10.0)


def nice_ceil(m: float) -> float:
    """The smallest of 1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8 (times a power of ten) that is >= m.

    Colour scales end at such round values: they read well, and they stay put
    while training nudges the data's maximum, so the colour bars need not be
    redrawn for every snapshot.
    """
    if not np.isfinite(m) or m <= 0:
        return 1.0
    scale = 10.0 ** np.floor(np.log10(m))
    f = m / scale
    return float(next(n for n in _NICE if n >= f * (1 - 1e-6)) * scale)   # float32 0.2 is round


#: an unsigned layer whose smallest value is at least this fraction of its largest has no
#: zeros to show (e.g. sigmoid outputs around 0.5): its colours span the data's own range
OFFSET_FRACTION = 0.2


def nice_span(lo: float, hi: float) -> Tuple[float, float]:
    """[lo, hi] widened to multiples of a round step (about a fifth of the span)."""
    step = nice_ceil((hi - lo) / 5)
    return float(np.floor(lo / step * (1 + 1e-9)) * step), float(np.ceil(hi / step * (1 - 1e-9)) * step)


def symmetric_range(values: np.ndarray) -> Tuple[float, float]:
    """(-m, m) with m = max|values| rounded up by :func:`nice_ceil` (1 when empty or all zero)."""
    m = float(np.max(np.abs(values))) if np.size(values) else 0.0
    m = nice_ceil(m)
    return -m, m


def apply_symmetric(target, values: np.ndarray) -> Tuple[float, float]:
    """Set levels (-max|values|, +max|values|) on an ImageItem or ColorBarItem; return them."""
    levels = symmetric_range(values)
    target.setLevels(levels)
    return levels


def is_signed(kind: str, values: np.ndarray = None) -> bool:
    """Whether a layer's output should be drawn with the diverging activation map."""
    if kind in SIGNED_KINDS:
        return True
    return values is not None and np.size(values) > 0 and float(np.min(values)) < 0


def extent(values: np.ndarray) -> Tuple[float, float]:
    """(min, max) of ``values`` as floats; (0, 0) when empty."""
    return (float(values.min()), float(values.max())) if np.size(values) else (0.0, 0.0)


def activation_style(kind: str, values: np.ndarray,
                     value_extent: Optional[Tuple[float, float]] = None) -> Tuple[pg.ColorMap, Tuple[float, float]]:
    """Colour map and shared levels for one layer's output ``values`` (any shape).

    Input: grey over (min(0, lo), max(1, hi)); signed layers: ice-fire, +-max|v|;
    otherwise fire over (0, max), maxima rounded up by :func:`nice_ceil` - except for values
    that never come near 0 (min >= :data:`OFFSET_FRACTION` x max, e.g. sigmoid outputs),
    whose colours span their own range (:func:`nice_span`), so their differences show.
    ``value_extent``: :func:`extent` of ``values`` when the caller has it already (the
    levels depend on nothing else).
    """
    lo, hi = extent(values) if value_extent is None else value_extent
    if kind == "Input":
        return INPUT, ((min(0.0, lo), max(1.0, hi)) if np.size(values) else (0.0, 1.0))
    if kind in SIGNED_KINDS or lo < 0:
        m = nice_ceil(max(abs(lo), abs(hi)))           # max |v|, as symmetric_range takes it
        return SIGNED_ACTIVATION, (-m, m)
    if 0 < lo < hi and lo >= OFFSET_FRACTION * hi:
        return ACTIVATION, nice_span(lo, hi)
    return ACTIVATION, (0.0, nice_ceil(hi))


@lru_cache(maxsize=None)
def _lut(cmap_name: str) -> np.ndarray:
    cmap = {"ice-fire": SIGNED_ACTIVATION}.get(cmap_name) or pg.colormap.get(cmap_name)
    return cmap.getLookupTable(nPts=256, alpha=True)


def to_rgba(image: np.ndarray, cmap: pg.ColorMap, levels: Tuple[float, float]) -> np.ndarray:
    """uint8 RGBA (H, W, 4) of a 2-D float image under ``cmap`` and ``levels`` (NaN transparent).

    For thumbnails drawn outside an ImageItem.
    """
    lut = _lut(cmap.name)
    lo, hi = levels
    scale = 255.0 / (hi - lo) if hi > lo else 0.0
    idx = np.subtract(image, lo, dtype=np.float32)
    idx *= scale
    nan = np.isnan(idx)             # NaN in the image (or an infinite one times a zero scale)
    has_nan = bool(nan.any())
    if has_nan:
        idx[nan] = 0.0
    np.clip(idx, 0, 255, out=idx)    # (np.nan_to_num did this in one call, ten times as slowly)
    rgba = lut[idx.astype(np.uint8)]
    if has_nan:
        rgba[np.isnan(image)] = 0
    return rgba
