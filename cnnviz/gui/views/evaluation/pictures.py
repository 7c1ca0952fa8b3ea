"""Exported pictures that say what they show: a title of a line or two over the plots."""
from __future__ import annotations

from pathlib import Path
from typing import Sequence

from PyQt5.QtCore import QRect, Qt
from PyQt5.QtGui import QColor, QFont, QFontMetrics, QPainter, QPixmap
from PyQt5.QtWidgets import QWidget

from ...widgets import theme

PAD = 8


def titled_png(parts: Sequence[QPixmap], title: Sequence[str], path, font_of: QWidget) -> Path:
    """Write ``title`` (paragraphs, the first in bold, wrapped) above ``parts`` stacked top to bottom
    to the PNG file ``path`` (".png" added if missing), in ``font_of``'s font and the current
    theme's colours; the path written. Raises OSError when it cannot be written."""
    path = Path(path)
    if path.suffix.lower() != ".png":
        path = path.with_name(path.name + ".png")
    bold = QFont(font_of.font())
    bold.setBold(True)
    fm = QFontMetrics(bold)
    sizes = [(p.width() / p.devicePixelRatio(), p.height() / p.devicePixelRatio()) for p in parts]
    width = int(max([w for w, _ in sizes] + [480]))
    flags = int(Qt.AlignLeft | Qt.AlignTop | Qt.TextWordWrap)
    boxes = [fm.boundingRect(QRect(0, 0, width - 2 * PAD, 10_000), flags, line) for line in title]
    head = sum(b.height() for b in boxes) + 2 * PAD
    ratio = max((p.devicePixelRatio() for p in parts), default=1.0)
    out = QPixmap(int(width * ratio), int((head + sum(h for _, h in sizes)) * ratio))
    out.setDevicePixelRatio(ratio)
    colors = theme.colors()
    out.fill(QColor(colors["base"]))
    painter = QPainter(out)
    painter.setPen(QColor(colors["text"]))
    y = PAD
    for i, (line, box) in enumerate(zip(title, boxes)):
        font = QFont(font_of.font())
        font.setBold(i == 0)
        painter.setFont(font)
        painter.drawText(QRect(PAD, y, width - 2 * PAD, box.height()), flags, line)
        y += box.height()
    y = head
    for p, (_, h) in zip(parts, sizes):
        painter.drawPixmap(0, int(y), p)
        y += h
    painter.end()
    path.parent.mkdir(parents=True, exist_ok=True)
    if not out.save(str(path), "PNG"):
        raise OSError(f"cannot write {path}")
    return path
