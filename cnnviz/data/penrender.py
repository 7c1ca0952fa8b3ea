"""Drawing glyphs the way a hand with a pen draws them, onto small white papers.

A batch of glyphs (dense points along their strokes, see
:mod:`cnnviz.data.letterglyphs`) is distorted and inked, vectorised over all
points of all images:

- each stroke is moved a little on its own (pen lifted and put down again),
  its ends are shortened a little, and it trembles along its length;
- each image is warped smoothly (elastic distortion: a few long sine waves),
  then rotated, slanted and stretched (affine);
- it is scaled so its longer side is 24-34 px and put at a random place on the
  paper, far enough from the edges for the pen to stay on the paper;
- the pen is a disc with round caps and joins whose width is chosen per image
  (relative to the letter's size, as different brush sizes and letter sizes
  give on the app's canvas), varies a little per stroke and along it. Its
  ink covers a pixel by clip(r + 0.5 - d, 0, 1) (d: distance from the pen's
  centre to the pixel's centre), the usual anti-aliasing.

Papers are uint8, white (255) with dark ink, like the app's canvas, so they go
through the app's own preprocessing afterwards.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np

from .letterglyphs import Glyph

PAPER = 48                      # side of a paper in pixels
SIZE_PX = (24.0, 34.0)          # longer side of the letter's path on the paper
PEN_WIDTH = (0.06, 0.24)        # pen diameter / letter size, drawn log-uniformly
SPACING = 0.6                   # most distance between stamped discs, in pen radii


@dataclass(frozen=True)
class Style:
    """How strongly to distort (all lengths in units of the glyph's longer side)."""
    stroke_shift: float = 0.025       # s.d. of a stroke's own move
    trim: float = 0.04                # most cut off each end of a stroke longer than 0.2
    tremor: float = 0.010             # largest tremor amplitude along a stroke
    elastic: float = 0.035            # largest amplitude of one elastic wave
    rotate_deg: float = 9.0           # s.d. of the rotation, clipped at twice that
    slant: float = 0.25               # largest shear (x += slant * height above the centre)
    stretch: float = 0.15             # s.d. of the log of the x/y aspect change
    width_jitter: float = 0.15        # a stroke's width is within this fraction of the image's
    pressure: float = 0.10            # width change along a stroke (fraction)


def render(glyphs: Sequence[Glyph], rng: np.random.Generator, style: Style = Style(),
           side: int = PAPER) -> np.ndarray:
    """Draw ``glyphs`` with random pen and hand distortions: uint8 (B, side, side), 255 = paper.

    ``rng`` supplies every random choice, so the same generator state gives
    the same papers.
    """
    n = len(glyphs)
    counts = np.array([len(g.points) for g in glyphs])
    image = np.repeat(np.arange(n), counts)
    stroke_counts = np.array([g.strokes for g in glyphs])
    strokes = int(stroke_counts.sum())
    stroke = np.concatenate([g.stroke for g in glyphs]) + np.repeat(np.cumsum(stroke_counts) - stroke_counts, counts)
    points = np.concatenate([g.points for g in glyphs])
    arc = np.concatenate([g.arc for g in glyphs])

    points = _move_strokes(points, stroke, arc, strokes, rng, style)
    points = _warp(points, image, n, rng, style)
    radius_rel, place = _place(points, image, np.array([g.min_pen for g in glyphs]), rng, side)
    points = points * place[image, :1] + place[image, 1:]
    radius = radius_rel[image] * _stroke_widths(stroke, arc, strokes, rng, style)
    points, radius, image, stroke, arc = _fill_in(points, radius, image, stroke, arc)
    keep = _trim_ends(stroke, arc, strokes, rng, style.trim)
    return _ink(points[keep], radius[keep], image[keep], n, side)


def _fill_in(points, radius, image, stroke, arc):
    """More points between consecutive points of a stroke, at most SPACING pen radii apart.

    ``points`` are in pixels; the other arrays are per point and are
    interpolated (``image`` and ``stroke`` are repeated). Discs that close
    together draw a smooth line: its edge bulges by under 5% of the radius.
    """
    joined = stroke[1:] == stroke[:-1]
    step = np.diff(points, axis=0)
    length = np.hypot(step[:, 0], step[:, 1])
    gap = SPACING * np.minimum(radius[1:], radius[:-1])
    pieces = np.append(np.where(joined, np.maximum(1, np.ceil(length / gap)), 1), 1).astype(np.int64)
    source = np.repeat(np.arange(len(points)), pieces)
    t = np.arange(len(source)) - np.repeat(np.cumsum(pieces) - pieces, pieces)
    t = (t / pieces[source]).astype(np.float32)        # 0 at a point, towards 1 at the next
    following = np.minimum(source + 1, len(points) - 1)

    def lerp(a):
        w = t if a.ndim == 1 else t[:, None]
        return a[source] + (a[following] - a[source]) * w
    return lerp(points), lerp(radius), image[source], stroke[source], lerp(arc)


def _trim_ends(stroke, arc, strokes: int, rng, most: float) -> np.ndarray:
    """Which points remain after cutting up to ``most`` off both ends of each long stroke."""
    length = np.zeros(strokes)
    np.maximum.at(length, stroke, arc)
    cut = np.where(length > 0.2, most, 0.0)
    start = rng.uniform(0, 1, strokes) * cut
    end = length - rng.uniform(0, 1, strokes) * cut
    return (arc >= start[stroke]) & (arc <= end[stroke])


def _move_strokes(points, stroke, arc, strokes: int, rng, style: Style) -> np.ndarray:
    """Each stroke shifted on its own, plus a tremor of two sine waves per axis along its length."""
    shift = np.clip(rng.normal(0, style.stroke_shift, (strokes, 2)), -2.5 * style.stroke_shift,
                    2.5 * style.stroke_shift)
    amp = rng.uniform(0, style.tremor, (strokes, 2, 2))
    freq = rng.uniform(1.0, 3.5, (strokes, 2, 2)) * 2 * np.pi       # radians per unit length
    phase = rng.uniform(0, 2 * np.pi, (strokes, 2, 2))
    wave = amp[stroke] * np.sin(freq[stroke] * arc[:, None, None] + phase[stroke])
    return points + shift[stroke] + wave.sum(axis=2)


def _warp(points, image, n: int, rng, style: Style) -> np.ndarray:
    """Elastic distortion (three long sine waves per axis), then rotation, slant and stretch."""
    waves = 3
    direction = rng.uniform(0, 2 * np.pi, (n, 2, waves))
    freq = rng.uniform(0.5, 1.5, (n, 2, waves)) * 2 * np.pi           # radians per unit length
    kx, ky = freq * np.cos(direction), freq * np.sin(direction)
    amp = rng.uniform(0, style.elastic, (n, 2, waves))
    phase = rng.uniform(0, 2 * np.pi, (n, 2, waves))
    x, y = points[:, 0, None, None], points[:, 1, None, None]
    i = image
    warped = points + (amp[i] * np.sin(kx[i] * x + ky[i] * y + phase[i])).sum(axis=2)

    angle = np.radians(np.clip(rng.normal(0, style.rotate_deg, n), -2 * style.rotate_deg,
                               2 * style.rotate_deg))
    slant = rng.uniform(-style.slant, style.slant, n)
    stretch = np.exp(np.clip(rng.normal(0, style.stretch, n), -2 * style.stretch, 2 * style.stretch))
    cos, sin = np.cos(angle), np.sin(angle)
    # x' = stretch * (x - slant * y), then rotate (y down: positive angles turn clockwise on screen)
    sx = stretch[i] * (warped[:, 0] - slant[i] * warped[:, 1])
    sy = warped[:, 1]
    return np.stack([cos[i] * sx - sin[i] * sy, sin[i] * sx + cos[i] * sy], axis=1)


def _place(points, image, min_pen, rng, side: int):
    """Per image: the pen radius in pixels and (scale, dx, dy) putting it on the paper.

    Returns radius (n,) and place (n, 3); the letter's longer side becomes
    SIZE_PX pixels, the pen is at least ``min_pen`` (n,) of that wide, and the
    letter lands at a random spot with the pen's whole width and a pixel to
    spare inside the paper.
    """
    n = len(min_pen)
    low = np.full((n, 2), np.inf)
    high = np.full((n, 2), -np.inf)
    np.minimum.at(low, image, points)
    np.maximum.at(high, image, points)
    extent = np.maximum((high - low).max(axis=1), 1e-6)
    size = rng.uniform(*SIZE_PX, n)
    scale = size / extent
    width = np.maximum(np.exp(rng.uniform(np.log(PEN_WIDTH[0]), np.log(PEN_WIDTH[1]), n)), min_pen) * size
    radius = width / 2
    margin = radius * 1.3 + 1.0                         # room for the widest stroke of the image
    box = (high - low) * scale[:, None]
    room = np.maximum(side - box - 2 * margin[:, None], 0)
    corner = margin[:, None] + rng.uniform(0, 1, (n, 2)) * room
    offset = corner - low * scale[:, None]
    return radius, np.column_stack([scale, offset])


def _stroke_widths(stroke, arc, strokes: int, rng, style: Style) -> np.ndarray:
    """A width factor per point: the stroke's own (+-width_jitter) and a slow change along it."""
    own = rng.uniform(1 - style.width_jitter, 1 + style.width_jitter, strokes)
    freq = rng.uniform(0.5, 2.0, strokes) * 2 * np.pi
    phase = rng.uniform(0, 2 * np.pi, strokes)
    return own[stroke] * (1 + style.pressure * np.sin(freq[stroke] * arc + phase[stroke]))


def _ink(points, radius, image, n: int, side: int) -> np.ndarray:
    """Stamp an anti-aliased disc at every point; overlapping discs keep the darker ink.

    Points are grouped by how many pixels their disc reaches; each
    group is stamped in one pass over (points x offsets of its disc's square),
    never looping over pixels. Papers are padded by the largest reach while
    stamping, so a disc near the edge cannot spill into the next paper.
    """
    reach = np.ceil(radius + 0.5).astype(np.int64)          # offsets a disc can touch
    pad = int(reach.max())
    padded = side + 2 * pad
    coverage = np.zeros(n * padded * padded, dtype=np.float32)
    cell = np.floor(points).astype(np.int64)
    frac = (points - cell).astype(np.float32)               # the pen's centre inside its pixel
    # int32 flat indices: np.maximum.at is fastest with them (papers are made in chunks)
    corner = (image * (padded * padded) + (cell[:, 1] + pad) * padded + cell[:, 0] + pad).astype(np.int32)
    for r in np.unique(reach):
        sel = np.flatnonzero(reach == r)
        _stamp(coverage, corner[sel], frac[sel], radius[sel].astype(np.float32), int(r), padded)
    ink = coverage.reshape(n, padded, padded)[:, pad:pad + side, pad:pad + side]
    return np.round(255 * (1 - ink)).astype(np.uint8)


def _stamp(coverage, corner, frac, radius, reach: int, padded: int) -> None:
    offsets = np.arange(-reach, reach + 1)
    dy, dx = (a.ravel() for a in np.meshgrid(offsets, offsets, indexing="ij"))
    centre_x, centre_y = (dx + 0.5).astype(np.float32), (dy + 0.5).astype(np.float32)
    # distance from the pen's centre to the centre of pixel (cell + offset), for every pair
    distance = np.sqrt(np.square(centre_x - frac[:, :1]) + np.square(centre_y - frac[:, 1:]))
    value = np.clip(radius[:, None] + np.float32(0.5) - distance, 0, 1)
    index = corner[:, None] + (dy * padded + dx).astype(corner.dtype)
    np.maximum.at(coverage, index.ravel(), value.ravel())
