"""StepDisplay: the numbers of one step-through result, laid out for reading.

A convolution shows three grids (the input under the window, the kernel, their
products), the per-channel sums (click one to see its channel's grids) and the
sums down to the stored value; pooling its window with the winner and the
gradient's shares; the other kinds a few lines or a table (see :mod:`.steptext`).
"""
from __future__ import annotations

from fractions import Fraction
from typing import Optional

import numpy as np
from PyQt5.QtCore import Qt, pyqtSignal
from PyQt5.QtWidgets import QGridLayout, QLabel, QSizePolicy, QVBoxLayout, QWidget

from ....explain import ActivationStep, ConvStep, DenseStep, PassStep, PoolStep, ResidualStep, SoftmaxStep
from ...widgets.steadylabel import SteadyLabel
from ...widgets.notes import NoteLabel
from ...widgets.numbergrid import NumberGrid
from . import steptext as T

SUMS_PER_ROW = (4, 8)   # the per-channel sums wrap into rows of this many (fewer when narrow)
SUM_CELL = 60           # width of one sum's cell when choosing how many fit a row (pixels)


def _operator(text: str) -> QLabel:
    label = QLabel(text)
    label.setAlignment(Qt.AlignCenter)
    font = label.font()
    font.setPointSizeF(font.pointSizeF() * 1.4)
    label.setFont(font)
    return label


def _visible(widget: QWidget, shown: bool) -> None:
    if widget.isHidden() == shown:
        widget.setVisible(shown)


def window_text(window) -> str:
    """(top, left, bottom, right) -> 'rows 3…5, cols 7…9' (ends inclusive; may be < 0 in padding)."""
    top, left, bottom, right = window
    return f"rows {top}…{bottom - 1}, cols {left}…{right - 1}"


def _share_text(v: float) -> str:
    if v == 0 or v == 1:
        return str(int(v))
    return str(Fraction(v).limit_denominator(64))


class StepDisplay(QWidget):
    """Shows a step (:meth:`show_step`); ``channelPicked(c)`` when a channel sum is clicked."""

    channelPicked = pyqtSignal(int)

    def __init__(self, parent: Optional[QWidget] = None):
        super().__init__(parent)
        self.step = None
        self.channel = 0
        self.grids = [NumberGrid(), NumberGrid(), NumberGrid()]
        NumberGrid.share_type(self.grids)
        self.operators = [_operator("×"), _operator("=")]
        self.sums_grid = NumberGrid(max_cell=52)
        self.sums_grid.setToolTip("Each input channel's products added. Click one to see its numbers above.")
        self.sums_grid.cellClicked.connect(self._sum_clicked)
        # its width follows the view's (the sums wrap into as many columns as fit), never the reverse
        self.sums_grid.setSizePolicy(QSizePolicy.Ignored, QSizePolicy.Preferred)
        self.text = SteadyLabel()
        self.formula = SteadyLabel(plain=True)
        self.note = NoteLabel()
        self.grid_row = QWidget()
        # its width follows the view's (the grids go under each other when it is narrow), never the reverse
        self.grid_row.setSizePolicy(QSizePolicy.Ignored, QSizePolicy.Preferred)
        self._grid_layout = QGridLayout(self.grid_row)
        self._grid_layout.setContentsMargins(0, 0, 0, 0)
        self._grid_layout.setSpacing(4)
        self._across = None
        self._arrange(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        layout.addWidget(self.grid_row, 3)
        layout.addWidget(self.sums_grid, 1)
        layout.addWidget(self.text)
        layout.addWidget(self.formula)
        layout.addWidget(self.note)
        layout.addStretch(0)

    # -- public -------------------------------------------------------------------
    def show_step(self, step, channel: int = 0, picked_class: Optional[int] = None, source: str = "") -> None:
        """Show ``step`` (any explain step result); ``channel``: the conv input channel whose
        numbers the grids show; ``picked_class``: the softmax row in bold (default: the top class);
        ``source``: the entry an activation reads its x from."""
        self.step = step
        self.channel = channel
        conv, pool = isinstance(step, ConvStep), isinstance(step, PoolStep)
        # each part shown or hidden once: a part hidden and shown again costs a new layout
        _visible(self.grid_row, conv or pool)
        _visible(self.sums_grid, conv and step.patch.shape[0] > 1)
        _visible(self.formula, conv or pool)
        _visible(self.operators[1], conv)
        _visible(self.grids[2], conv)
        if conv:
            self._conv(step, channel)
        elif pool:
            self._pool(step)
        elif isinstance(step, ActivationStep):
            self.text.setText(T.activation_text(step, source))
        elif isinstance(step, DenseStep):
            self.text.setText(T.dense_table(step))
        elif isinstance(step, SoftmaxStep):
            self.text.setText(T.softmax_table(step, picked_class))
        elif isinstance(step, ResidualStep):
            self.text.setText(T.residual_text(step))
        elif isinstance(step, PassStep):
            self.text.setText(T.pass_text(step))
        note = step.note
        if isinstance(step, SoftmaxStep):
            note += " " + step.overconfidence
        self.note.set_note(note)

    def clear(self, text: str) -> None:
        """Nothing to step through: say why."""
        self.step = None
        for part in (self.grid_row, self.sums_grid, self.formula):
            _visible(part, False)
        self.note.set_note("")
        self.text.setText(text)

    def _arrange(self, across: bool) -> None:
        """The three grids in one row (``across``), or the products under the other two."""
        if across == self._across:
            return
        self._across = across
        g = self._grid_layout
        a, b, p = self.grids
        times, equals = self.operators
        for w in (a, times, b, equals, p):
            g.removeWidget(w)
        g.addWidget(a, 0, 0)
        g.addWidget(times, 0, 1)
        g.addWidget(b, 0, 2)
        g.addWidget(equals, 0 if across else 1, 3 if across else 1)
        g.addWidget(p, 0 if across else 1, 4 if across else 2)
        for col in range(5):
            g.setColumnStretch(col, 1 if col in (0, 2, 4) else 0)

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        need = sum(w.minimumSizeHint().width() for w in self.grids + self.operators) + 16
        self._arrange(self.width() >= need)
        if isinstance(self.step, ConvStep) and self.step.patch.shape[0] > 1 and \
                self.sums_grid.values.shape[1] != self._per_row():
            self._show_sums(self.step, self.channel)

    # -- kinds --------------------------------------------------------------------
    def _conv(self, step: ConvStep, c: int) -> None:
        f = step.cell[0]
        a, b, p = self.grids
        channels = step.patch.shape[0]
        of = f" (ch {c})" if channels > 1 else ""
        a.set_grid(step.patch[c], title="input" + of, padding=step.padding)
        b.set_grid(step.kernel[c], title=f"filter {f}" + of)
        p.set_grid(step.products[c], title="products", padding=step.padding)
        a.setToolTip(window_text(step.window) + " of the layer's input" + (f", channel {c}" if channels > 1 else ""))
        self.operators[0].setText("×")
        if channels > 1:
            self._show_sums(step, c)
        self.text.setText(T.conv_sums(step, c))
        self.formula.setText(step.size.text)

    def _per_row(self) -> int:
        return int(min(max(self.width() // SUM_CELL, SUMS_PER_ROW[0]), SUMS_PER_ROW[1]))

    def _show_sums(self, step: ConvStep, c: int) -> None:
        channels, per_row = step.patch.shape[0], self._per_row()
        rows = -(-channels // per_row)
        sums = np.full(rows * per_row, np.nan)
        sums[:channels] = step.channel_sums
        marks = np.zeros(rows * per_row, bool)
        marks[c] = True
        self.sums_grid.set_grid(sums.reshape(rows, per_row), marks=marks.reshape(rows, per_row),
                                title=f"each channel's products added ({channels} channels; click one)",
                                row_labels=[f"ch {r * per_row}…" for r in range(rows)])

    def _pool(self, step: PoolStep) -> None:
        a, b = self.grids[:2]
        marks = None
        if step.winner_offset is not None:
            marks = np.zeros(step.values.shape, bool)
            marks[step.winner_offset] = True
        a.set_grid(step.values, title="window", padding=step.padding, marks=marks)
        a.setToolTip(window_text(step.window) + f" of map {step.cell[0]}" + (" (the winner outlined)" if marks is not None
                                                                              else ""))
        shares = step.gradient_share
        b.set_grid(shares, title="gradient", tint=False, padding=step.padding, marks=marks,
                   texts=[[_share_text(v) for v in row] for row in shares])
        self.operators[0].setText("→")
        self.text.setText(T.pool_sums(step))
        self.formula.setText(step.size.text)

    def _sum_clicked(self, row: int, col: int) -> None:
        c = row * self.sums_grid.values.shape[1] + col
        if isinstance(self.step, ConvStep) and c < self.step.patch.shape[0]:
            self.channelPicked.emit(c)
