"""A picture drawn by the program, for views that need an image before the user brings one."""
from __future__ import annotations

import numpy as np
from PyQt5.QtCore import QPointF, QRectF, Qt
from PyQt5.QtGui import QColor, QImage, QLinearGradient, QPainter, QPen, QPolygonF

from .qimage import qimage_to_array


def demo_image(size: int = 160) -> np.ndarray:
    """A small photo-like RGB uint8 (size, size, 3) picture: sky, sun, hill, house, fence.

    It has edges in every direction and flat areas of several colours, so every
    kernel has something to show before the user brings an image.
    """
    img = QImage(size, size, QImage.Format_RGB888)
    s = size / 160
    p = QPainter(img)
    p.setRenderHint(QPainter.Antialiasing)
    sky = QLinearGradient(0, 0, 0, 110 * s)
    sky.setColorAt(0, QColor(70, 130, 210))
    sky.setColorAt(1, QColor(215, 232, 250))
    p.fillRect(QRectF(0, 0, size, size), sky)
    p.setPen(Qt.NoPen)
    p.setBrush(QColor(250, 205, 60))
    p.drawEllipse(QPointF(122 * s, 32 * s), 16 * s, 16 * s)
    p.setBrush(QColor(80, 150, 70))
    p.drawEllipse(QRectF(-60 * s, 100 * s, 280 * s, 120 * s))
    p.setBrush(QColor(200, 70, 55))
    p.drawRect(QRectF(28 * s, 78 * s, 50 * s, 40 * s))
    p.setBrush(QColor(90, 55, 45))
    p.drawPolygon(QPolygonF([QPointF(22 * s, 80 * s), QPointF(53 * s, 52 * s), QPointF(84 * s, 80 * s)]))
    p.setBrush(QColor(245, 235, 170))
    p.drawRect(QRectF(36 * s, 88 * s, 12 * s, 12 * s))
    p.setBrush(QColor(60, 40, 30))
    p.drawRect(QRectF(58 * s, 94 * s, 12 * s, 24 * s))
    p.setPen(QPen(QColor(250, 250, 245), 2.5 * s))
    for i in range(6):
        x = (96 + 10 * i) * s
        p.drawLine(QPointF(x, 112 * s), QPointF(x, 134 * s))
    p.drawLine(QPointF(92 * s, 119 * s), QPointF(152 * s, 119 * s))
    p.end()
    return qimage_to_array(img)
