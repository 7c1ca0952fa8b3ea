"""A small grid of numbers, each in its own coloured cell: a window of a layer's input, a
kernel, their products, a toy image. Padding cells are hatched; marked cells (a pooling
winner) and a highlighted block (the window on a toy image) are outlined.

The grid keeps the numbers it was given (:attr:`NumberGrid.values`, the engine's own
float32 or float64 values); each cell shows them to a few digits (:func:`short_number`),
and the tooltip over a cell shows the number whole (:func:`cnnviz.explain.number_text`).
"""
from __future__ import annotations

import math
from typing import Optional, Sequence, Tuple

import numpy as np
from PyQt5.QtCore import QRectF, QSize, Qt
from PyQt5.QtGui import QBrush, QColor, QFont, QFontMetrics, QFontMetricsF, QPainter, QPen
from PyQt5.QtWidgets import QSizePolicy, QWidget

from ...explain import number_text
from . import theme
from .cellwidget import CellWidget

POSITIVE, NEGATIVE = QColor("#e8704a"), QColor("#4a8ee8")   # cell tints, as the weights' colours
MARK, HIGHLIGHT = QColor("#10a050"), QColor("#00b8e0")
MIN_POINT_SIZE = 7.5
SMALL_POINT_SIZE = 8.0     # the type of a grid at its minimum size
DIGITS = 3              # significant digits a cell shows (2 when its cell is too small)


def short_number(v: float, digits: int = 3) -> str:
    """``v`` in at most ``digits`` significant digits, without trailing zeros: 0.734, −12, 1.2e−5
    ("" for NaN, an empty cell)."""
    v = float(v)
    if math.isnan(v):
        return ""
    if not math.isfinite(v):
        return "−∞" if v < 0 else "∞"
    if v == 0:
        return "0"
    if v == int(v) and abs(v) < 10 ** digits:
        return str(int(v))
    text = f"{v:.{digits}g}"
    if "e" in text:                       # 1.2e-05 -> 1.2e-5: the cell stays narrow
        mantissa, exponent = text.split("e")
        text = f"{mantissa}e{int(exponent)}"
    return text.replace("-", "−")


class NumberGrid(CellWidget):
    """The numbers of a 2-D array in a grid of cells, with an optional title above.

    :meth:`set_grid` sets everything shown; a click on a cell emits ``cellClicked(row, col)``.
    """


    def __init__(self, title: str = "", parent: Optional[QWidget] = None, max_cell: int = 64):
        super().__init__(parent)
        self.setSizePolicy(QSizePolicy.Preferred, QSizePolicy.Preferred)
        self.setMouseTracking(True)
        self.title = title
        self.max_cell = max_cell
        self.values = np.zeros((0, 0))
        self.texts: Sequence[Sequence[str]] = ()
        self.padding: Optional[np.ndarray] = None
        self.marks: Optional[np.ndarray] = None
        self.highlight: Optional[Tuple[int, int, int, int]] = None
        self.tint = True
        self.scale = 1.0
        self.labels: Tuple[Sequence[str], Sequence[str]] = ((), ())
        self._given = None
        self._cache, self._widths = {}, {}      # texts by digits; widest text by (digits, font)
        self._hints = None                      # (shape, sizeHint, minimumSizeHint) the layout last heard of
        self._note = ""                         # the tooltip away from the cells
        self.peers = [self]         # grids shown side by side: they share one type size

    # -- public -------------------------------------------------------------------
    def set_grid(self, values, *, title: Optional[str] = None, padding=None, marks=None, texts=None,
                 highlight: Optional[Tuple[int, int, int, int]] = None, tint: bool = True,
                 row_labels: Sequence[str] = (), col_labels: Sequence[str] = ()) -> None:
        """Show ``values`` (rows, cols). ``padding``/``marks``: (rows, cols) bool (hatched /
        outlined cells); ``texts``: the cells' words (default :func:`short_number`, with 2
        digits instead of 3 when the cells are too small for 3); ``highlight``: (top, left,
        bottom, right) cells outlined as one block, ends exclusive; ``tint``: colour cells by
        sign and size; labels: written left of rows / above columns."""
        values = np.atleast_2d(np.asarray(values))
        self._cache, self._widths = {}, {}
        for grid in self.peers:
            grid._widths = {}             # a peer's widest text may be one of these numbers
        if title is not None:
            self.title = title
        self.values = values
        self.padding = None if padding is None else np.asarray(padding, bool)
        self.marks = None if marks is None else np.asarray(marks, bool)
        self._given = texts
        self.texts = texts if texts is not None else self._texts(DIGITS)
        self.highlight = highlight
        self.tint = tint
        real = values[~self.padding] if self.padding is not None and self.padding.shape == values.shape else values
        finite = np.abs(real[np.isfinite(real)]) if real.size else np.zeros(0)
        self.scale = float(finite.max()) if finite.size and finite.max() > 0 else 1.0
        self.labels = (tuple(row_labels), tuple(col_labels))
        for grid in self.peers:          # their sizes depend on each other's numbers
            grid._settle()
            grid.update()

    def _settle(self) -> None:
        """Ask for a new layout only when the grid needs more room than it asked for before
        (for the same shape): sweeping over a map, the numbers change on every step, the
        room they need hardly ever."""
        shape = self.values.shape
        if self._hints is None or self._hints[0] != shape:
            self._hints = (shape, QSize(0, 0), QSize(0, 0))
        _, hint, minimum = self._hints
        new_hint, new_min = self._size(DIGITS, False), self._size(DIGITS - 1, True)
        if new_hint.width() > hint.width() or new_hint.height() > hint.height() or \
                new_min.width() > minimum.width() or new_min.height() > minimum.height():
            self._hints = (shape, hint.expandedTo(new_hint), minimum.expandedTo(new_min))
            self.updateGeometry()

    def _texts(self, digits: int):
        """The cells' words with ``digits`` significant digits (kept until the numbers change)."""
        if digits not in self._cache:
            self._cache[digits] = [[short_number(v, digits) for v in row] for row in self.values]
        return self._cache[digits]

    @staticmethod
    def share_type(grids: Sequence["NumberGrid"]) -> None:
        """Let ``grids`` (laid out side by side, equally wide) use one type size and digit count."""
        for grid in grids:
            grid.peers = list(grids)

    def text_at(self, row: int, col: int) -> str:
        """The words shown in cell (row, col)."""
        return self.texts[row][col]

    # -- geometry -----------------------------------------------------------------
    def _fonts(self):
        base = QFont(self.font())
        bold = QFont(base)
        bold.setBold(True)
        return base, bold

    def _widest(self, font: QFont, texts=None, digits: Optional[int] = None) -> float:
        """The widest of ``texts`` (default: the cells' words, or with ``digits`` digits the words
        of this grid and its shown peers) in ``font``; measured once at the widget's type size
        and scaled (advances grow in proportion to the type)."""
        if digits is None:
            return self._measure(font, self.texts if texts is None else texts)
        key = (digits, tuple(g.isHidden() for g in self.peers))
        if key not in self._widths:
            peers = [g for g in self.peers if not g.isHidden() or g is self]
            words = [row for g in peers for row in (g._given if g._given is not None else g._texts(digits))]
            self._widths[key] = self._measure(QFont(self.font()), words)
        return self._widths[key] * font.pointSizeF() / max(QFont(self.font()).pointSizeF(), 1.0)

    @staticmethod
    def _measure(font: QFont, texts) -> float:
        fm = QFontMetricsF(font)
        return max((fm.horizontalAdvance(t) for row in texts for t in row), default=fm.horizontalAdvance("0"))

    def _label_room(self, font: QFont) -> Tuple[float, float]:
        fm = QFontMetricsF(font)
        rows, cols = self.labels
        left = max((fm.horizontalAdvance(t) for t in rows), default=0) + (6 if rows else 0)
        return left, (fm.height() + 2 if cols else 0)

    def _title_height(self) -> float:
        return QFontMetricsF(self._fonts()[1]).height() + 3 if self.title else 0.0

    def _cell_for(self, font: QFont, texts=None, digits: Optional[int] = None) -> Tuple[float, float]:
        """(width, height) of a cell that holds the widest text in ``font``."""
        ch = QFontMetricsF(font).height() * 1.5
        return max(self._widest(font, texts, digits) + 6, ch), ch

    def _size(self, digits: int, small: bool) -> QSize:
        """The room for the numbers with ``digits`` digits in the widget's type (``small``: in
        the smallest type that is still easy to read)."""
        rows, cols = self.values.shape
        font = QFont(self.font())
        if small:
            font.setPointSizeF(min(SMALL_POINT_SIZE, font.pointSizeF()))
        cw, ch = self._cell_for(font, digits=digits)
        left, top = self._label_room(font)
        return QSize(int(left + cols * cw) + 2, int(self._title_height() + top + rows * ch) + 2)

    def sizeHint(self) -> QSize:
        return self._size(DIGITS, False).expandedTo(self._hints[1] if self._hints else QSize(0, 0))

    def minimumSizeHint(self) -> QSize:
        return self._size(DIGITS - 1, True).expandedTo(self._hints[2] if self._hints else QSize(0, 0))

    def _layout(self):
        """(font, cell width, cell height, origin x, origin y) for the present size: the type
        shrinks (then the digits) until the widest number fits; spare room makes cells larger."""
        rows, cols = self.values.shape
        base = QFont(self.font())
        size = base.pointSizeF()
        left, top = self._label_room(base)
        peers = [g for g in self.peers if not g.isHidden() and g.values.shape == self.values.shape] or [self]
        avail_w = max(min(g.width() for g in peers) - left - 2, 1.0) / max(cols, 1)
        avail_h = max(min(g.height() for g in peers) - self._title_height() - top - 2, 1.0) / max(rows, 1)
        font, digits = QFont(base), DIGITS
        cw, ch = self._cell_for(font, digits=digits)
        while size > MIN_POINT_SIZE and (cw > avail_w + 0.5 or ch > avail_h + 0.5):
            size = max(MIN_POINT_SIZE, size - 0.5)
            font.setPointSizeF(size)
            cw, ch = self._cell_for(font, digits=digits)
        if cw > avail_w + 0.5:
            digits -= 1
        if self._given is None:
            self.texts = self._texts(digits)
        grow = max(min(avail_w / cw, avail_h / ch, self.max_cell / max(cw, ch)), 1.0)
        cw, ch = min(cw * grow, avail_w), min(ch * grow, avail_h)
        left, top = self._label_room(font)
        return font, cw, ch, left + 1, self._title_height() + top + 1

    def cell_at(self, x: float, y: float) -> Optional[Tuple[int, int]]:
        """The (row, col) under widget position (x, y), or None."""
        _font, cw, ch, x0, y0 = self._layout()
        r, c = math.floor((y - y0) / ch), math.floor((x - x0) / cw)
        rows, cols = self.values.shape
        return (r, c) if 0 <= r < rows and 0 <= c < cols else None

    # -- painting -----------------------------------------------------------------
    def _fill(self, r: int, c: int, colors) -> QBrush:
        if self.padding is not None and self.padding[r, c]:
            return QBrush(QColor(colors["muted"]), Qt.BDiagPattern)
        v = float(self.values[r, c])
        if not self.tint or not math.isfinite(v) or v == 0:
            return QBrush(QColor(colors["base"]))
        tint = QColor(POSITIVE if v > 0 else NEGATIVE)
        tint.setAlphaF(0.12 + 0.6 * min(abs(v) / self.scale, 1.0))
        return QBrush(tint)

    def paintEvent(self, _event) -> None:
        rows, cols = self.values.shape
        p = QPainter(self)
        colors = theme.colors()
        font, cw, ch, x0, y0 = self._layout()
        if self.title:
            bold = self._fonts()[1]
            p.setFont(bold)
            p.setPen(QColor(colors["text"]))
            title = QFontMetrics(bold).elidedText(self.title, Qt.ElideRight, self.width())
            p.drawText(QRectF(0, 0, self.width(), self._title_height()), int(Qt.AlignLeft | Qt.AlignVCenter), title)
        p.setFont(font)
        row_labels, col_labels = self.labels
        p.setPen(QColor(colors["muted"]))
        for r, text in enumerate(row_labels[:rows]):
            p.drawText(QRectF(0, y0 + r * ch, x0 - 4, ch), int(Qt.AlignRight | Qt.AlignVCenter), text)
        line = QFontMetricsF(font).height()
        for c, text in enumerate(col_labels[:cols]):
            p.drawText(QRectF(x0 + c * cw, y0 - line - 2, cw, line), int(Qt.AlignCenter), text)
        grid_pen = QPen(QColor(colors["paper_border"]))
        for r in range(rows):
            for c in range(cols):
                box = QRectF(x0 + c * cw, y0 + r * ch, cw, ch)
                p.fillRect(box, QColor(colors["base"]))
                p.fillRect(box, self._fill(r, c, colors))
                p.setPen(grid_pen)
                p.drawRect(box)
                padded = self.padding is not None and self.padding[r, c]
                p.setPen(QColor(colors["muted"] if padded else colors["text"]))
                p.drawText(box, int(Qt.AlignCenter), self.texts[r][c])
        if self.marks is not None:
            p.setPen(QPen(MARK, 3))
            for r, c in zip(*np.nonzero(self.marks)):
                p.drawRect(QRectF(x0 + c * cw + 1.5, y0 + r * ch + 1.5, cw - 3, ch - 3))
        if self.highlight is not None:
            t, l, b, rr = self.highlight
            p.setPen(QPen(HIGHLIGHT, 3))
            p.drawRect(QRectF(x0 + l * cw, y0 + t * ch, (rr - l) * cw, (b - t) * ch))
        p.end()

    # -- mouse --------------------------------------------------------------------
    def mouseMoveEvent(self, event) -> None:
        """The tooltip names the number under the mouse whole (Qt shows it when the mouse rests)."""
        at = self.cell_at(event.pos().x(), event.pos().y())
        if at is None:
            text = self._note
        else:
            r, c = at
            padded = self.padding is not None and self.padding[r, c]
            dtype = self.values.dtype if self.values.dtype.kind == "f" else np.float64
            text = ("padding: " if padded else "") + number_text(self.values[r, c], dtype)
        if text != super().toolTip():
            super().setToolTip(text)
        super().mouseMoveEvent(event)

    def setToolTip(self, text: str) -> None:
        """What the tooltip says away from the cells (over a cell it names the cell's number)."""
        self._note = text
        super().setToolTip(text)

    def toolTip(self) -> str:
        return self._note
