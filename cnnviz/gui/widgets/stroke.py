"""Strokes of ink: the points a pen or mouse went through, and how they are painted.

Coordinates are paper pixels (see :mod:`.paper`); widths are in the same pixels.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Tuple

from PyQt5.QtCore import QPointF, Qt
from PyQt5.QtGui import QColor, QPainter, QPainterPath, QPen

Point = Tuple[float, float, float]      # x, y in paper pixels; pen pressure 0..1


@dataclass(frozen=True)
class Stroke:
    """One stroke of ink: points in paper pixels with pressure, nominal width, colour."""
    points: Tuple[Point, ...]
    width: float
    color: str = "#000000"


def stroke_width(width: float, pressure: float) -> float:
    """Pen width at ``pressure``: light touches stay visible, full pressure is ``width``."""
    return width * (0.35 + 0.65 * max(0.0, min(1.0, pressure)))


def paint_stroke(painter: QPainter, stroke: Stroke) -> None:
    """Draw ``stroke`` with round caps and joins, in the painter's coordinates."""
    pts = stroke.points
    if not pts:
        return
    color = QColor(stroke.color)
    pen = QPen(color, stroke_width(stroke.width, pts[0][2]), Qt.SolidLine, Qt.RoundCap, Qt.RoundJoin)
    if len(pts) == 1:
        painter.setPen(Qt.NoPen)
        painter.setBrush(color)
        r = pen.widthF() / 2
        painter.drawEllipse(QPointF(pts[0][0], pts[0][1]), r, r)
        return
    painter.setBrush(Qt.NoBrush)
    if all(p[2] == pts[0][2] for p in pts):
        # constant width: one smoothed path (quadratic curves through the midpoints)
        path = QPainterPath(QPointF(pts[0][0], pts[0][1]))
        for (x0, y0, _), (x1, y1, _) in zip(pts[1:-1], pts[2:]):
            path.quadTo(x0, y0, (x0 + x1) / 2, (y0 + y1) / 2)
        path.lineTo(pts[-1][0], pts[-1][1])
        painter.setPen(pen)
        painter.drawPath(path)
        return
    for (x0, y0, p0), (x1, y1, p1) in zip(pts, pts[1:]):
        pen.setWidthF(stroke_width(stroke.width, (p0 + p1) / 2))
        painter.setPen(pen)
        painter.drawLine(QPointF(x0, y0), QPointF(x1, y1))
