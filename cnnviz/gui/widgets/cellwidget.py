"""CellWidget: a widget drawn as a grid of cells that says which cell a click lands on."""
from __future__ import annotations

from typing import Optional, Tuple

from PyQt5.QtCore import Qt, pyqtSignal
from PyQt5.QtWidgets import QWidget


class CellWidget(QWidget):
    """Base of the widgets drawn as cells: subclasses answer :meth:`cell_at`; a left click on
    a cell emits ``cellClicked(row, col)``."""

    cellClicked = pyqtSignal(int, int)

    def cell_at(self, x: float, y: float) -> Optional[Tuple[int, int]]:
        """The (row, col) under widget position (x, y), or None: each subclass answers it."""
        raise NotImplementedError(f"{type(self).__name__} must define cell_at")

    def mousePressEvent(self, event) -> None:
        at = self.cell_at(event.pos().x(), event.pos().y())
        if event.button() == Qt.LeftButton and at is not None:
            self.cellClicked.emit(*at)
        super().mousePressEvent(event)
