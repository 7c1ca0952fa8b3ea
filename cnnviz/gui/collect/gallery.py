"""A class's drawings as a grid of thumbnails: pick some, delete or move them."""
from __future__ import annotations

from pathlib import Path
from typing import List, Optional, Sequence

from PyQt5.QtCore import QSize, Qt, pyqtSignal
from PyQt5.QtGui import QIcon, QImageReader, QPixmap
from PyQt5.QtWidgets import QAbstractItemView, QListView, QListWidget, QListWidgetItem, QWidget

THUMB = 48


class Gallery(QListWidget):
    """Thumbnails of image files, several selectable; Delete asks for the picked ones to go.

    ``deleteRequested`` fires on the Delete or Backspace key, ``pickChanged`` when the picked
    thumbnails change.
    """

    deleteRequested = pyqtSignal()
    pickChanged = pyqtSignal()

    def __init__(self, parent: Optional[QWidget] = None):
        super().__init__(parent)
        self.setObjectName("collectGallery")
        self.setViewMode(QListView.IconMode)
        self.setIconSize(QSize(THUMB, THUMB))
        self.setGridSize(QSize(THUMB + 10, THUMB + 10))
        self.setResizeMode(QListView.Adjust)
        self.setMovement(QListView.Static)
        self.setUniformItemSizes(True)
        self.setSelectionMode(QAbstractItemView.ExtendedSelection)
        self.setMinimumHeight(THUMB + 16)
        self.itemSelectionChanged.connect(self.pickChanged)
        self._paths: List[Path] = []

    def set_images(self, paths: Sequence[Path]) -> None:
        """Show these files (the ones already shown keep their thumbnail and their pick)."""
        paths = [Path(p) for p in paths]
        if paths == self._paths:
            return
        picked = set(self.picked())
        self.blockSignals(True)
        self.clear()
        for path in paths:
            item = QListWidgetItem(QIcon(_thumbnail(path)), "")
            item.setData(Qt.UserRole, str(path))
            item.setToolTip(path.name)
            item.setSizeHint(QSize(THUMB + 8, THUMB + 8))
            self.addItem(item)
            item.setSelected(path in picked)
        self.blockSignals(False)
        self._paths = paths
        self.pickChanged.emit()

    def paths(self) -> List[Path]:
        return list(self._paths)

    def picked(self) -> List[Path]:
        """The selected files, in the gallery's order."""
        return [Path(self.item(i).data(Qt.UserRole)) for i in range(self.count()) if self.item(i).isSelected()]

    def keyPressEvent(self, event) -> None:
        if event.key() in (Qt.Key_Delete, Qt.Key_Backspace) and self.selectedItems():
            self.deleteRequested.emit()
            return
        super().keyPressEvent(event)


def _thumbnail(path: Path) -> QPixmap:
    """The image scaled to the thumbnail size (read at that size when the format allows), or
    an empty square for a file that cannot be read."""
    reader = QImageReader(str(path))
    size = reader.size()
    if size.isValid():
        reader.setScaledSize(size.scaled(THUMB, THUMB, Qt.KeepAspectRatio))
    image = reader.read()
    if image.isNull():
        empty = QPixmap(THUMB, THUMB)
        empty.fill(Qt.lightGray)
        return empty
    return QPixmap.fromImage(image)
