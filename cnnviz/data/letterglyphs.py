"""The shapes of the letters: stroke paths from the Hershey vector fonts, A-Z and a-z.

The fonts come from the ``Hershey-Fonts`` package (MIT licence), which carries
them inside its own code, so nothing is downloaded. Only the faces that look
like handwriting or print are used: the single-stroke sans serif, its
double-stroke twin, a serif and an italic face, and two script faces. A
double- or triple-stroke face's parallel lines melt into one thicker line under
a pen, so it stands for bolder handwriting.
"""
from __future__ import annotations

import string
from dataclasses import dataclass
from functools import lru_cache
from typing import Tuple

import numpy as np

from .errors import DataError

LETTERS = string.ascii_uppercase

#: Hershey face -> (how often a sample is drawn from it, relative to the others;
#: whether its strokes are drawn as two or three parallel lines). A face's
#: capitals and small letters are drawn equally often, except the script faces'
#: capitals, whose flourishes few people draw.
FACES = {"futural": (4.0, False), "futuram": (1.5, True), "timesr": (1.2, True), "timesi": (1.2, True),
         "scripts": (1.2, False), "scriptc": (0.6, True)}
SCRIPT_CAPITALS = 0.25          # weight of a script face's capitals relative to its small letters
#: the parallel lines of a multi-line face are 1 font unit apart; a pen this many
#: units wide melts them into one line
MELTING_PEN = 1.6

#: points per unit of path length (the glyph's longer side is 1): enough for the
#: hand's distortions, which are slow; the pen fills in more points later
DENSITY = 16


@dataclass(frozen=True)
class Glyph:
    """One letter in one face, as dense points along its pen strokes.

    ``points``: float32 (P, 2) of (x, y), y down, centred on the glyph's box,
    whose longer side is 1; consecutive points are at most 1/DENSITY apart.
    ``stroke``: int32 (P,), which pen stroke (0..strokes-1) each point belongs
    to. ``arc``: float32 (P,), the path length from the stroke's start.
    ``label``: 0..25 for 'A'..'Z'; ``char`` the character drawn; ``weight``:
    how often it is drawn relative to the letter's other glyphs; ``min_pen``:
    the narrowest pen (diameter / longer side) that draws its parallel lines
    as one (0 for a single-line face).
    """
    points: np.ndarray
    stroke: np.ndarray
    arc: np.ndarray
    strokes: int
    label: int
    char: str
    face: str
    weight: float
    min_pen: float


def _fonts():
    try:
        from HersheyFonts import HersheyFonts
    except ImportError:
        raise DataError("the letters data set is drawn from the Hershey vector fonts: install them with "
                        "`pip install Hershey-Fonts` (or `pip install -r requirements.txt`)") from None
    return HersheyFonts()


def _densify(polyline: np.ndarray, step: float) -> Tuple[np.ndarray, np.ndarray]:
    """Points along ``polyline`` (K, 2) at most ``step`` apart, with their path length from its start."""
    if len(polyline) == 1:
        return polyline, np.zeros(1)
    seg = np.diff(polyline, axis=0)
    lengths = np.hypot(seg[:, 0], seg[:, 1])
    pieces = np.maximum(1, np.ceil(lengths / step).astype(int))
    # every segment keeps its start point and gets pieces-1 points inside it
    seg_index = np.repeat(np.arange(len(seg)), pieces)
    frac = np.concatenate([np.arange(n) / n for n in pieces])
    points = polyline[seg_index] + seg[seg_index] * frac[:, None]
    starts = np.concatenate([[0.0], np.cumsum(lengths)])
    arc = starts[seg_index] + lengths[seg_index] * frac
    return np.vstack([points, polyline[-1:]]), np.append(arc, starts[-1])


def _glyph(strokes, label: int, char: str, face: str, weight: float, multi_line: bool) -> Glyph:
    lines = [np.asarray(s, dtype=np.float64) for s in strokes if len(s)]
    every = np.vstack(lines)
    low, high = every.min(axis=0), every.max(axis=0)
    side = max(float((high - low).max()), 1e-6)
    centre = (low + high) / 2
    points, stroke, arc = [], [], []
    for k, line in enumerate(lines):
        p, a = _densify((line - centre) / side, 1.0 / DENSITY)
        points.append(p)
        arc.append(a)
        stroke.append(np.full(len(p), k, dtype=np.int32))
    return Glyph(points=np.vstack(points).astype(np.float32), stroke=np.concatenate(stroke),
                 arc=np.concatenate(arc).astype(np.float32), strokes=len(lines), label=label, char=char,
                 face=face, weight=weight, min_pen=MELTING_PEN / side if multi_line else 0.0)


@lru_cache(maxsize=1)
def letter_glyphs() -> Tuple[Glyph, ...]:
    """Every glyph used for the letters: for each face in :data:`FACES`, A-Z and a-z.

    Raises DataError when the Hershey-Fonts package is not installed.
    """
    fonts = _fonts()
    glyphs = []
    for face, (weight, multi_line) in FACES.items():
        fonts.load_default_font(face)
        script = face.startswith("script")
        for label, capital in enumerate(LETTERS):
            for char in (capital, capital.lower()):
                strokes = list(fonts.strokes_for_text(char))
                if not strokes:
                    continue
                w = weight * (SCRIPT_CAPITALS if script and char.isupper() else 1.0)
                glyphs.append(_glyph(strokes, label, char, face, w, multi_line))
    return tuple(glyphs)
