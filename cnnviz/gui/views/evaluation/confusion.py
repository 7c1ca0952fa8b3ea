"""The confusion matrix as a grid of cells: a row per true class, a column per predicted class.

Each cell is coloured by its count: green shades on the diagonal (the images
read right), red shades elsewhere (the mistakes), each scale running from 0 to
its own largest count, so a single mistake beside a diagonal of a thousand is
still seen. A cell shows its count and, below it, its share of the row (the
true class's test images) when the cell is big enough; hovering names both.
A click on a cell emits ``cellClicked(true, predicted)``.
"""
from __future__ import annotations

from typing import Optional, Tuple

import numpy as np
from PyQt5.QtCore import QPoint, QRect, QRectF, QSize, Qt, pyqtSignal
from PyQt5.QtGui import QColor, QFont, QFontMetrics, QPainter, QPen
from PyQt5.QtWidgets import QSizePolicy, QToolTip, QWidget

from ....evaluation import ConfusionMatrix
from ...widgets import theme

#: the two colour scales: (colour at a count of 0, colour at the scale's largest count)
DIAGONAL = ("#e8f5e9", "#1b7a34")
MISTAKES = ("#fdecea", "#c62828")
EMPTY = "#ffffff"            # a cell with no image
SELECTED = "#2f6fd0"         # the outline of the clicked cell
#: shades are spread by the square root of the count, so small counts still stand out
GAMMA = 0.5
MARGIN = 4
NAME_MAX = 90                # the widest a class name gets at the left (pixels)


def shade(count: int, largest: int, scale: Tuple[str, str]) -> QColor:
    """The cell colour of ``count`` on a scale running from 0 to ``largest``."""
    if count <= 0:
        return QColor(EMPTY)
    t = (count / max(largest, 1)) ** GAMMA
    lo, hi = QColor(scale[0]), QColor(scale[1])
    return QColor(*(int(round(a + (b - a) * t)) for a, b in ((lo.red(), hi.red()), (lo.green(), hi.green()),
                                                              (lo.blue(), hi.blue()))))


def percent_text(p: float) -> str:
    """A row share in percent: "97%", "0.4%", "<0.1%", "99.7%" (never "100%" short of 100)."""
    if p <= 0:
        return "0%"
    if p >= 100:
        return "100%"
    if p < 0.1:
        return "<0.1%"
    if p >= 99.5:
        return f"{p:.1f}%" if p < 99.95 else ">99.9%"
    return f"{p:.0f}%" if p >= 9.95 else f"{p:.1f}%"


def _grouped(n) -> str:
    return f"{n:,}" if isinstance(n, int) else str(n)


class ConfusionView(QWidget):
    """The matrix (see module docstring). Public: :meth:`set_matrix`, :meth:`cell_rect`,
    :meth:`cell_at`, :attr:`selected` (the clicked cell or None), :attr:`hovered`,
    ``cellClicked(int, int)``."""

    cellClicked = pyqtSignal(int, int)

    def __init__(self, parent: Optional[QWidget] = None):
        super().__init__(parent)
        self.matrix: Optional[ConfusionMatrix] = None
        self.selected: Optional[Tuple[int, int]] = None
        self.hovered: Optional[Tuple[int, int]] = None
        self.numbers = "counts"            # what cells say: "counts" (and row shares where room) or "percent"
        self.setMouseTracking(True)
        self.setMinimumSize(160, 140)
        self.setSizePolicy(QSizePolicy.Expanding, QSizePolicy.Expanding)
        theme.theme_signals().changed.connect(self._restyle)

    def sizeHint(self) -> QSize:
        return QSize(420, 380)

    def set_matrix(self, matrix: Optional[ConfusionMatrix]) -> None:
        self.matrix = matrix
        self.selected = self.hovered = None
        self.update()

    def set_numbers(self, numbers: str) -> None:
        """"counts": a cell says its count (and its row share below, where there is room);
        "percent": only its row share."""
        self.numbers = numbers
        self.update()

    def set_selected(self, cell: Optional[Tuple[int, int]]) -> None:
        self.selected = cell
        self.update()

    def _restyle(self, _name: str) -> None:
        self.update()

    # -- geometry -----------------------------------------------------------------
    def _layout(self) -> Tuple[QRect, float, float]:
        """(the grid's rectangle, cell width, cell height) for the present size."""
        k = len(self.matrix.class_names)
        fm = QFontMetrics(self.font())
        top = MARGIN + fm.height() + 2 + self._column_labels(fm)[0] + 2
        left = self._left(fm)
        w = self.width() - left - MARGIN
        h = self.height() - top - MARGIN
        side = max(1.0, min(w / k, h / k * 1.6))        # cells a little wider than tall at most
        cw, ch = side, min(side, h / k)
        return QRect(int(left), int(top), int(cw * k), int(ch * k)), cw, ch

    def _left(self, fm: QFontMetrics) -> int:
        """Where the grid starts: after the rotated "true class" and the row names."""
        names = min(NAME_MAX, max(fm.horizontalAdvance(n) for n in self.matrix.class_names))
        return MARGIN + fm.height() + 4 + names + 4

    def _column_labels(self, fm: QFontMetrics) -> Tuple[int, bool, int]:
        """(height of the column names, whether they stand upright, every how many-th is written).

        Names that fit upright over one or two cells are written upright (every other one
        when they need two); longer ones are written upwards."""
        k = len(self.matrix.class_names)
        widest = max(fm.horizontalAdvance(n) for n in self.matrix.class_names)
        cell = max(1.0, (self.width() - self._left(fm) - MARGIN) / max(k, 1))
        step = int(np.ceil((widest + 3) / cell))
        if step <= 2:
            return fm.height(), True, step
        return min(NAME_MAX, widest), False, max(1, int(np.ceil(fm.height() / cell)))

    def cell_rect(self, true_class: int, predicted: int) -> QRect:
        """The cell's rectangle in widget pixels (what a click must hit)."""
        grid, cw, ch = self._layout()
        return QRect(int(grid.left() + predicted * cw), int(grid.top() + true_class * ch), int(cw), int(ch))

    def cell_at(self, pos: QPoint) -> Optional[Tuple[int, int]]:
        """(true class, predicted class) under widget point ``pos``, or None."""
        if self.matrix is None:
            return None
        grid, cw, ch = self._layout()
        if not grid.contains(pos):
            return None
        k = len(self.matrix.class_names)
        col = min(k - 1, int((pos.x() - grid.left()) / cw))
        row = min(k - 1, int((pos.y() - grid.top()) / ch))
        return row, col

    def cell_text(self, true_class: int, predicted: int) -> str:
        """The hover words for a cell."""
        m = self.matrix
        names, n = m.class_names, int(m.counts[true_class, predicted])
        share = percent_text(float(m.row_percent[true_class, predicted]))
        support = int(m.counts[true_class].sum())
        what = "read right" if true_class == predicted else f"read as {names[predicted]}"
        images = "image" if n == 1 else "images"
        return (f"true {names[true_class]}, predicted {names[predicted]}: {n:,} {images} — {share} of the "
                f"{support:,} test images of {names[true_class]} were {what}" + (" · click to see them" if n else ""))

    # -- painting -----------------------------------------------------------------
    def paintEvent(self, _event) -> None:
        painter = QPainter(self)
        colors = theme.colors()
        painter.fillRect(self.rect(), QColor(colors["base"]))
        if self.matrix is None:
            painter.setPen(QColor(colors["muted"]))
            painter.drawText(self.rect(), Qt.AlignCenter | Qt.TextWordWrap, "Evaluate to see the confusion matrix.")
            return
        m = self.matrix
        k = len(m.class_names)
        counts = m.counts
        off = counts[~np.eye(k, dtype=bool)]
        largest_off = int(off.max()) if off.size else 0
        largest_diag = int(np.diag(counts).max()) if k else 0
        grid, cw, ch = self._layout()
        small = QFont(self.font())
        small.setPointSizeF(max(6.0, self.font().pointSizeF() * 0.8))
        shares = self.numbers == "percent"
        font, fm, number = self._count_style(cw, ch, "<0.1%" if shares else int(counts.max()), small)
        show_counts = font is not None
        small = QFont(font if font is not None and font.pointSizeF() < self.font().pointSizeF() else small)
        sfm = QFontMetrics(small)
        if sfm.horizontalAdvance("<0.1%") + 2 > cw:            # the shares a size smaller still
            small.setPointSizeF(max(5.5, small.pointSizeF() * 0.85))
            sfm = QFontMetrics(small)
        show_share = (show_counts and not shares and ch >= fm.height() + sfm.height()
                      and cw >= sfm.horizontalAdvance("<0.1%") + 2)
        if shares:
            def number(value, t=0, p=0):
                return percent_text(float(m.row_percent[t, p]))
        for t in range(k):
            for p in range(k):
                rect = QRectF(grid.left() + p * cw, grid.top() + t * ch, cw, ch)
                n = int(counts[t, p])
                fill = shade(n, largest_diag, DIAGONAL) if t == p else shade(n, largest_off, MISTAKES)
                painter.fillRect(rect, fill)
                if not show_counts or n == 0 and t != p:
                    continue
                dark = fill.lightnessF() < 0.55
                painter.setPen(QColor("#ffffff" if dark else "#202020"))
                painter.setFont(font)
                if show_share:
                    upper = QRectF(rect.left(), rect.top() + (ch - fm.height() - sfm.height()) / 2, cw, fm.height())
                    painter.drawText(upper, Qt.AlignCenter, number(n))
                    painter.setFont(small)
                    painter.drawText(QRectF(rect.left(), upper.bottom(), cw, sfm.height()), Qt.AlignCenter,
                                     percent_text(float(m.row_percent[t, p])))
                elif shares:
                    painter.drawText(rect, Qt.AlignCenter, number(n, t, p))
                else:
                    painter.drawText(rect, Qt.AlignCenter, number(n))
        names_fm = QFontMetrics(self.font())
        self._paint_frame(painter, grid, cw, ch, colors)
        self._paint_names(painter, grid, cw, ch, names_fm, colors)

    def _count_style(self, cw: float, ch: float, largest, small: QFont):
        """(font, its metrics, count -> text) for the cell numbers, ``largest`` the widest one
        (a count, or a text): the widget's font with thousands separators if they fit, else
        without, else the smaller font; (None, ...) when no number fits a cell."""
        tiny = QFont(small)
        tiny.setPointSizeF(max(5.5, small.pointSizeF() * 0.85))
        for font in (self.font(), small, tiny):
            fm = QFontMetrics(font)
            for number in (_grouped, str):
                if cw >= fm.horizontalAdvance(number(largest)) + 3 and ch >= fm.height() - 2:
                    return font, fm, number
        return None, QFontMetrics(self.font()), str

    def _paint_frame(self, painter: QPainter, grid: QRect, cw: float, ch: float, colors) -> None:
        k = len(self.matrix.class_names)
        painter.setPen(QPen(QColor(colors["paper_border"]), 1))
        painter.setBrush(Qt.NoBrush)
        painter.drawRect(grid.adjusted(0, 0, -1, -1))
        painter.setPen(QPen(QColor(DIAGONAL[1]), 1.5))       # the diagonal: a distinct outline too
        for i in range(k):
            painter.drawRect(QRectF(grid.left() + i * cw + 0.75, grid.top() + i * ch + 0.75, cw - 1.5, ch - 1.5))
        for cell, color, width in ((self.hovered, colors["text"], 1.5), (self.selected, SELECTED, 3)):
            if cell is not None:
                painter.setPen(QPen(QColor(color), width))
                t, p = cell
                painter.drawRect(QRectF(grid.left() + p * cw + 1, grid.top() + t * ch + 1, cw - 2, ch - 2))

    def _paint_names(self, painter: QPainter, grid: QRect, cw: float, ch: float, fm: QFontMetrics, colors) -> None:
        names = self.matrix.class_names
        k = len(names)
        painter.setFont(self.font())
        painter.setPen(QColor(colors["text"]))
        step_rows = max(1, int(np.ceil(fm.height() / max(ch, 1))))      # every n-th name when cells are small
        for t in range(0, k, step_rows):
            rect = QRectF(grid.left() - NAME_MAX - 4, grid.top() + t * ch, NAME_MAX, ch)
            painter.drawText(rect, Qt.AlignRight | Qt.AlignVCenter,
                             fm.elidedText(names[t], Qt.ElideRight, NAME_MAX))
        _height, upright, step_cols = self._column_labels(fm)
        for p in range(0, k, step_cols):
            if upright:
                span = step_cols * cw               # room for a name over every step_cols-th cell
                painter.drawText(QRectF(grid.left() + (p + 0.5) * cw - span / 2, grid.top() - fm.height() - 2,
                                        span, fm.height()), Qt.AlignCenter, names[p])
            else:
                painter.save()
                painter.translate(grid.left() + p * cw + cw / 2 + fm.ascent() / 2 - 1, grid.top() - 3)
                painter.rotate(-90)
                painter.drawText(0, 0, fm.elidedText(names[p], Qt.ElideRight, NAME_MAX))
                painter.restore()
        painter.setPen(QColor(colors["muted"]))
        painter.drawText(QRectF(grid.left(), MARGIN, grid.width(), fm.height()), Qt.AlignCenter, "predicted class")
        painter.save()
        painter.translate(MARGIN + fm.ascent(), grid.top() + grid.height() / 2)
        painter.rotate(-90)
        painter.drawText(QRectF(-grid.height() / 2, -fm.ascent(), grid.height(), fm.height()), Qt.AlignCenter,
                         "true class")
        painter.restore()

    # -- mouse --------------------------------------------------------------------
    def mouseMoveEvent(self, event) -> None:
        cell = self.cell_at(event.pos())
        if cell != self.hovered:
            self.hovered = cell
            self.update()
        if cell is None:
            QToolTip.hideText()
        else:
            QToolTip.showText(event.globalPos(), self.cell_text(*cell), self)

    def leaveEvent(self, event) -> None:
        super().leaveEvent(event)
        if self.hovered is not None:
            self.hovered = None
            self.update()

    def mousePressEvent(self, event) -> None:
        if event.button() != Qt.LeftButton:
            return
        cell = self.cell_at(event.pos())
        if cell is not None:
            self.selected = cell
            self.update()
            self.cellClicked.emit(*cell)
