"""Handwriting made by the program: digit-shaped stroke paths, sent as real mouse events.

Screenshots, the drawing benchmark and the tests draw through the same path a
user's mouse takes (press, moves with the button held, release), so what they
show and measure is what a user gets.
"""
from __future__ import annotations

import math
from typing import Callable, Dict, List, Optional, Sequence, Tuple

from PyQt5.QtCore import QEvent, QPointF, Qt
from PyQt5.QtGui import QMouseEvent
from PyQt5.QtWidgets import QApplication, QWidget

Path2D = List[Tuple[float, float]]

# Control points of one stroke per digit, in fractions of the paper (x right, y down).
_DIGITS: Dict[str, Sequence[Tuple[float, float]]] = {
    "7": [(0.24, 0.25), (0.45, 0.22), (0.70, 0.21), (0.66, 0.32), (0.57, 0.50), (0.50, 0.66), (0.45, 0.80)],
    "3": [(0.30, 0.24), (0.48, 0.16), (0.66, 0.24), (0.63, 0.40), (0.46, 0.48), (0.64, 0.56),
          (0.68, 0.72), (0.50, 0.84), (0.29, 0.78)],
    "1": [(0.42, 0.28), (0.52, 0.18), (0.52, 0.50), (0.51, 0.83)],
    "0": [(0.50, 0.17), (0.32, 0.30), (0.29, 0.55), (0.38, 0.78), (0.55, 0.83), (0.68, 0.65),
          (0.69, 0.38), (0.60, 0.20), (0.48, 0.18)],
}


def digit_path(digit: str = "7", side: float = 280.0, step: float = 3.0, wobble: float = 0.006) -> Path2D:
    """Points of a handwritten-looking ``digit`` on paper of ``side`` pixels.

    A Catmull-Rom curve through the digit's control points, sampled every
    ``step`` paper pixels, with a slight deterministic tremor.
    """
    ctrl = [(x * side, y * side) for x, y in _DIGITS[digit]]
    pts = [ctrl[0]] + ctrl + [ctrl[-1]]
    dense: Path2D = []
    for p0, p1, p2, p3 in zip(pts, pts[1:], pts[2:], pts[3:]):
        n = max(2, int(math.dist(p1, p2) / step))
        for i in range(n):
            t = i / n
            dense.append(tuple(_catmull(p0[k], p1[k], p2[k], p3[k], t) for k in (0, 1)))
    dense.append(ctrl[-1])
    amp = wobble * side
    # slow drift, not per-point jitter: a jittered path gives a thick marker scalloped edges
    return [(x + amp * math.sin(0.11 * i), y + amp * math.cos(0.07 * i + 1)) for i, (x, y) in enumerate(dense)]


def _catmull(p0: float, p1: float, p2: float, p3: float, t: float) -> float:
    return 0.5 * (2 * p1 + (p2 - p0) * t + (2 * p0 - 5 * p1 + 4 * p2 - p3) * t * t
                  + (3 * p1 - p0 - 3 * p2 + p3) * t ** 3)


def mouse_event(kind: QEvent.Type, widget: QWidget, pos: QPointF, held: bool) -> QMouseEvent:
    """A left-button mouse event at ``pos`` (widget coordinates)."""
    button = Qt.NoButton if kind == QEvent.MouseMove else Qt.LeftButton
    buttons = Qt.LeftButton if held else Qt.NoButton
    window_pos = QPointF(widget.mapTo(widget.window(), pos.toPoint()))
    screen_pos = QPointF(widget.mapToGlobal(pos.toPoint()))
    return QMouseEvent(kind, pos, window_pos, screen_pos, button, buttons, Qt.NoModifier)


def draw_with_mouse(canvas, paper_points: Path2D,
                    between: Optional[Callable[[int], None]] = None) -> None:
    """Draw one stroke on ``canvas`` with mouse events through points given in paper pixels.

    ``between(i)`` runs after event ``i`` was delivered (e.g. to process
    events or wait, as a real hand would).
    """
    positions = [canvas.paper_to_widget(QPointF(x, y)) for x, y in paper_points]
    events = ([(QEvent.MouseButtonPress, positions[0], True)]
              + [(QEvent.MouseMove, p, True) for p in positions[1:]]
              + [(QEvent.MouseButtonRelease, positions[-1], False)])
    for i, (kind, pos, held) in enumerate(events):
        QApplication.sendEvent(canvas, mouse_event(kind, canvas, pos, held))
        if between is not None:
            between(i)


def draw_digit(canvas, digit: str = "7") -> None:
    """Draw ``digit`` across the canvas's paper with mouse events."""
    side = min(canvas.paper_size().width(), canvas.paper_size().height())
    draw_with_mouse(canvas, digit_path(digit, side))
