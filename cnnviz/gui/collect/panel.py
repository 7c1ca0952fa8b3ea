"""The Collect panel: a data set of one's own, its classes, and each class's drawings.

Widgets only: :class:`CollectPanel` shows what it is told and says what was
asked through its signals; :class:`cnnviz.gui.collect.controller.CollectController`
does the work on the folder.
"""
from __future__ import annotations

from pathlib import Path
from typing import Dict, Optional, Sequence

from PyQt5.QtCore import Qt, pyqtSignal
from PyQt5.QtWidgets import (QAbstractItemView, QFileDialog, QHBoxLayout, QInputDialog, QLineEdit, QListWidget,
                             QListWidgetItem, QMenu, QPushButton, QToolButton, QVBoxLayout, QWidget)

from ..widgets.labels import ElidedLines, WrapLabel
from ..widgets.text import counted
from ..widgets.wheelguard import ComboBox
from .gallery import Gallery

ERROR_COLOUR = "#c0392b"


def ask_text(parent: QWidget, title: str, label: str) -> str:
    """A line of text typed in a small dialog ("" when cancelled)."""
    text, ok = QInputDialog.getText(parent, title, label)
    return text if ok else ""


def ask_folder(parent: QWidget, title: str, start: str) -> str:
    """A folder chosen in the system's dialog ("" when cancelled)."""
    return QFileDialog.getExistingDirectory(parent, title, start)


class CollectPanel(QWidget):
    """Data set chooser, class list with its name field, the Add drawing button, the chosen
    class's gallery with Delete / Move to / Undo, a message line and Train on this.

    Signals: ``setChosen(str)`` (a data set's folder), ``newSetClicked``, ``openFolderClicked``,
    ``classChosen(str)``, ``addClassClicked``, ``renameClicked``, ``removeClicked``,
    ``addDrawingClicked``, ``deleteClicked``, ``moveClicked(str)`` (the class to move to),
    ``undoClicked``, ``trainClicked``.
    """

    setChosen = pyqtSignal(str)
    newSetClicked = pyqtSignal()
    openFolderClicked = pyqtSignal()
    classChosen = pyqtSignal(str)
    addClassClicked = pyqtSignal()
    renameClicked = pyqtSignal()
    removeClicked = pyqtSignal()
    addDrawingClicked = pyqtSignal()
    deleteClicked = pyqtSignal()
    moveClicked = pyqtSignal(str)
    undoClicked = pyqtSignal()
    trainClicked = pyqtSignal()

    def __init__(self, parent: Optional[QWidget] = None):
        super().__init__(parent)
        self.setObjectName("collectPanel")
        col = QVBoxLayout(self)
        col.setContentsMargins(6, 4, 6, 4)
        col.setSpacing(4)

        self.set_box = ComboBox()
        self.set_box.setSizeAdjustPolicy(ComboBox.AdjustToMinimumContentsLengthWithIcon)
        self.set_box.setMinimumContentsLength(4)
        self.set_box.setPlaceholderText("no data set yet")
        self.set_box.setToolTip("The data set you add drawings to: a folder with a sub-folder per class")
        self.set_box.currentIndexChanged.connect(self._set_picked)
        self.new_set_button = _button("New…", "Start a new data set (a new folder in your data folder)",
                                      self.newSetClicked)
        self.open_button = _button("Open…", "Open a folder of images made elsewhere (one sub-folder per class), "
                                   "or choose an empty folder to collect into", self.openFolderClicked)
        col.addLayout(_row(self.set_box, self.new_set_button, self.open_button, stretch=0))
        self.path_label = ElidedLines(1, Qt.ElideMiddle)
        self.path_label.setObjectName("collectPath")
        col.addWidget(self.path_label)

        self.class_list = QListWidget()
        self.class_list.setObjectName("collectClasses")
        self.class_list.setSelectionMode(QAbstractItemView.SingleSelection)
        self.class_list.setMinimumHeight(56)
        self.class_list.setMaximumHeight(120)
        self.class_list.currentItemChanged.connect(self._class_picked)
        col.addWidget(self.class_list)
        self.name_edit = QLineEdit()
        self.name_edit.setPlaceholderText("class name, e.g. cat")
        self.name_edit.setToolTip("Any name: words with spaces, any script (\"ice cream\", \"ㄱ\")")
        self.name_edit.returnPressed.connect(self.addClassClicked)
        self.add_class_button = _button("Add class", "Add a class with the name typed here (Enter)",
                                        self.addClassClicked)
        col.addLayout(_row(self.name_edit, self.add_class_button, stretch=0))
        self.rename_button = _button("Rename", "Give the chosen class the name typed above", self.renameClicked)
        self.remove_button = _button("Remove", "Delete the chosen class and its drawings (Undo brings them back)",
                                     self.removeClicked)
        col.addLayout(_row(self.rename_button, self.remove_button, stretch=None))

        self.add_button = _button("Add drawing", "Save the drawing on the canvas as an example of the chosen "
                                  "class and clear the canvas for the next one (Enter on the canvas)",
                                  self.addDrawingClicked)
        self.add_button.setObjectName("collectAdd")
        col.addWidget(self.add_button)
        self.gallery_title = ElidedLines(1)
        col.addWidget(self.gallery_title)
        self.gallery = Gallery()
        self.gallery.deleteRequested.connect(self.deleteClicked)
        self.gallery.pickChanged.connect(self._sync_buttons)
        col.addWidget(self.gallery, 1)
        self.delete_button = _button("Delete", "Delete the picked drawings (Del)", self.deleteClicked)
        self.move_button = QToolButton()
        self.move_button.setText("Move to")
        self.move_button.setToolTip("Relabel: move the picked drawings to another class")
        self.move_button.setPopupMode(QToolButton.InstantPopup)
        self.move_menu = QMenu(self.move_button)
        self.move_button.setMenu(self.move_menu)
        self.undo_button = _button("Undo", "Nothing to undo", self.undoClicked)
        col.addLayout(_row(self.delete_button, self.move_button, self.undo_button, stretch=None))

        # as tall as its words (no height-for-width: the scroll area around the panel then
        # sizes the panel by the room there is, not by the gallery's wish)
        self.message = WrapLabel()
        self.message.setObjectName("collectMessage")
        self.message.setTextFormat(Qt.PlainText)
        self.message.setTextInteractionFlags(Qt.TextSelectableByMouse)
        col.addWidget(self.message)
        self.train_button = _button("Train on this data set…", "Choose it in the Training panel", self.trainClicked)
        col.addWidget(self.train_button)
        self.setMinimumWidth(200)
        self._class = ""
        self.show_classes({}, "")

    # -- reading ------------------------------------------------------------------
    def data_set(self) -> str:
        """The chosen data set's folder ("" when there is none)."""
        return self.set_box.currentData() or ""

    def chosen_class(self) -> str:
        """The chosen class's name ("" when there is none)."""
        return self._class

    def typed_name(self) -> str:
        return self.name_edit.text()

    # -- showing ------------------------------------------------------------------
    def show_sets(self, folders: Sequence[str], chosen: str) -> None:
        """List these data set folders (by name; the path in the tooltip) and choose ``chosen``."""
        box = self.set_box
        box.blockSignals(True)
        box.clear()
        for path in folders:
            box.addItem(Path(path).name, str(path))
            box.setItemData(box.count() - 1, str(path), Qt.ToolTipRole)
        box.setCurrentIndex(max(0, box.findData(chosen)))
        box.blockSignals(False)
        self.path_label.setText(self.data_set())
        self.path_label.setToolTip(self.data_set())

    def show_classes(self, counts: Dict[str, int], chosen: str) -> None:
        """The classes with their numbers of images; ``chosen`` is picked (the first if it is
        not among them)."""
        self.class_list.blockSignals(True)
        self.class_list.clear()
        for name, n in counts.items():
            item = QListWidgetItem(f"{name}   ({n})")
            item.setData(Qt.UserRole, name)
            item.setToolTip(f"\u201c{name}\u201d: {counted(n, 'image')}")
            self.class_list.addItem(item)
        names = list(counts)
        row = names.index(chosen) if chosen in names else (0 if names else -1)
        self.class_list.setCurrentRow(row)
        self.class_list.blockSignals(False)
        self._class = names[row] if row >= 0 else ""
        self.move_menu.clear()
        for name in names:
            if name != self._class:
                self.move_menu.addAction(name).setData(name)
        for action in self.move_menu.actions():
            action.triggered.connect(self._move_picked)
        self._sync_buttons()

    def show_gallery(self, paths: Sequence[Path], title: str) -> None:
        self.gallery_title.setText(title)
        self.gallery.set_images(paths)
        self._sync_buttons()

    def show_undo(self, what: Optional[str]) -> None:
        """Undo's tooltip says what it would take back; off with nothing to undo."""
        self.undo_button.setEnabled(what is not None)
        self.undo_button.setToolTip(f"Undo {what}" if what else "Nothing to undo")

    def set_message(self, text: str, error: bool = False) -> None:
        self.message.setText(text)
        self.message.setStyleSheet(f"color: {ERROR_COLOUR};" if error else "")

    def _sync_buttons(self) -> None:
        has_set, has_class = bool(self.data_set()), bool(self._class)
        picked = bool(self.gallery.picked())
        for w in (self.name_edit, self.add_class_button):
            w.setEnabled(has_set)
        for w in (self.rename_button, self.remove_button, self.add_button):
            w.setEnabled(has_class)
        self.delete_button.setEnabled(picked)
        self.move_button.setEnabled(picked and bool(self.move_menu.actions()))
        self.train_button.setEnabled(has_set)
        self.add_button.setText(f"Add drawing to \u201c{self._class}\u201d" if has_class else "Add drawing")

    def _set_picked(self, _index: int) -> None:
        self.path_label.setText(self.data_set())
        self.path_label.setToolTip(self.data_set())
        self.setChosen.emit(self.data_set())

    def _class_picked(self, item: Optional[QListWidgetItem], _previous=None) -> None:
        self._class = item.data(Qt.UserRole) if item is not None else ""
        self.classChosen.emit(self._class)

    def _move_picked(self) -> None:
        action = self.sender()
        if action is not None:
            self.moveClicked.emit(action.data())


def _button(text: str, tip: str, signal) -> QPushButton:
    b = QPushButton(text)
    b.setToolTip(tip)
    b.clicked.connect(signal)
    return b


def _row(*widgets: QWidget, stretch: Optional[int]) -> QHBoxLayout:
    """The widgets side by side; the one at index ``stretch`` (if any) takes the spare width,
    else they share it."""
    row = QHBoxLayout()
    row.setSpacing(4)
    for i, w in enumerate(widgets):
        row.addWidget(w, 1 if stretch is None or i == stretch else 0)
    return row


__all__ = ["CollectPanel", "ask_folder", "ask_text"]
