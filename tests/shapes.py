"""Shapes drawn the way a hand draws them: a ring, a triangle and the Korean letter ㄱ, each
placed, sized and turned by a seed, sent to the canvas as real mouse strokes."""
import math

import numpy as np

from cnnviz.gui.tools.synthstroke import draw_with_mouse

CORNERS = {"triangle": [(0, -1), (0.95, 0.8), (-0.95, 0.8), (0, -1)], "ㄱ": [(-0.8, -0.7), (0.7, -0.7), (0.55, 0.9)]}


def shape_stroke(kind: str, seed: int, side: float = 280.0):
    """The points (paper pixels) of one stroke of ``kind``: "ring", "triangle" or "ㄱ"."""
    rng = np.random.default_rng(seed)
    cx, cy = side / 2 + rng.uniform(-0.09, 0.09, 2) * side
    size, turn = rng.uniform(0.21, 0.34) * side, rng.uniform(-0.25, 0.25)
    if kind == "ring":
        t0, rx, ry = rng.uniform(0, 2 * math.pi), rng.uniform(0.8, 1.1), rng.uniform(0.8, 1.1)
        unit = [(rx * math.cos(t0 + t), ry * math.sin(t0 + t)) for t in np.linspace(0, 2.1 * math.pi, 60)]
    else:
        corners = CORNERS[kind]
        unit = [(a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t)
                for a, b in zip(corners, corners[1:]) for t in np.linspace(0, 1, 16)]
    c, s = math.cos(turn), math.sin(turn)
    return [(cx + size * (x * c - y * s), cy + size * (x * s + y * c)) for x, y in unit]


def draw_shape(canvas, kind: str, seed: int) -> None:
    side = min(canvas.paper_size().width(), canvas.paper_size().height())
    draw_with_mouse(canvas, shape_stroke(kind, seed, side))
