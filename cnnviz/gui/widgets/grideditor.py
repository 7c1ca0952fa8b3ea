"""A small editable grid of numbers (a toy image or kernel): one table cell per number."""
from __future__ import annotations

from typing import Optional

import numpy as np
from PyQt5.QtCore import Qt, pyqtSignal
from PyQt5.QtWidgets import QAbstractItemView, QHeaderView, QSizePolicy, QTableWidget, QTableWidgetItem, QWidget

from .numbergrid import short_number


class GridEditor(QTableWidget):
    """Rows x cols numbers a user types into; ``edited()`` after every change of a number or
    of the size. :meth:`values` reads them (ValueError naming the first cell that is not a
    number)."""

    edited = pyqtSignal()

    def __init__(self, name: str, parent: Optional[QWidget] = None, cell: int = 40):
        super().__init__(parent)
        self.name = name
        self.cell = cell
        self.horizontalHeader().hide()
        self.verticalHeader().hide()
        for header in (self.horizontalHeader(), self.verticalHeader()):
            header.setSectionResizeMode(QHeaderView.Fixed)
            header.setMinimumSectionSize(12)
        self.horizontalHeader().setDefaultSectionSize(cell)
        self.verticalHeader().setDefaultSectionSize(int(cell * 0.7))
        self.setEditTriggers(QAbstractItemView.AllEditTriggers)
        self.setVerticalScrollMode(QAbstractItemView.ScrollPerPixel)
        self.setHorizontalScrollMode(QAbstractItemView.ScrollPerPixel)
        self.setSizePolicy(QSizePolicy.Fixed, QSizePolicy.Fixed)
        self.itemChanged.connect(self._changed)

    def set_values(self, values) -> None:
        """Show ``values`` (rows, cols) (the size follows); emits ``edited`` once."""
        values = np.atleast_2d(np.asarray(values, dtype=np.float64))
        self.blockSignals(True)
        self.setRowCount(values.shape[0])
        self.setColumnCount(values.shape[1])
        for r in range(values.shape[0]):
            for c in range(values.shape[1]):
                item = QTableWidgetItem(short_number(values[r, c], 6).replace("−", "-"))
                item.setTextAlignment(Qt.AlignCenter)
                self.setItem(r, c, item)
        self.blockSignals(False)
        self._fit()
        self.edited.emit()

    def resize_grid(self, rows: int, cols: int) -> None:
        """Change the size, keeping the numbers that still fit (new cells hold 0)."""
        old = self._read(strict=False)
        new = np.zeros((int(rows), int(cols)))
        r, c = min(rows, old.shape[0]), min(cols, old.shape[1])
        new[:r, :c] = old[:r, :c]
        self.set_values(new)

    def values(self) -> np.ndarray:
        """The numbers (rows, cols) float64; ValueError naming a cell that holds no number."""
        return self._read(strict=True)

    def _read(self, strict: bool) -> np.ndarray:
        out = np.zeros((self.rowCount(), self.columnCount()))
        for r in range(self.rowCount()):
            for c in range(self.columnCount()):
                item = self.item(r, c)
                text = (item.text() if item is not None else "").strip().replace("−", "-")
                try:
                    out[r, c] = float(text)
                except ValueError:
                    if strict:
                        raise ValueError(f"row {r + 1}, col {c + 1} of the {self.name} holds "
                                         f"'{text}', not a number") from None
        if strict and not np.isfinite(out).all():
            raise ValueError(f"the {self.name} holds a number too large to use")
        return out

    def _fit(self) -> None:
        frame = 2 * self.frameWidth()
        rows, cols = self.rowCount(), self.columnCount()
        self.setFixedSize(cols * self.cell + frame + 1, rows * int(self.cell * 0.7) + frame + 1)

    def _changed(self, _item) -> None:
        self.edited.emit()
