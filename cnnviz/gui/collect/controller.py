"""Collecting a data set of one's own: classes typed, examples drawn on the canvas.

:class:`CollectController` keeps the chosen data set (a folder edited through
:class:`cnnviz.data.imagestore.ImageFolderStore`), takes the canvas's drawing
when the Collect panel's Add is pressed (or Enter on the canvas), and keeps the
panel showing what the folder holds. Every failure is said in the panel and
loses nothing: a drawing that cannot be saved stays on the canvas. The window
listens to :attr:`statusMessage`, :attr:`foldersChanged` (the data sets and
their contents changed: the Training panel lists them) and
:attr:`trainRequested`.
"""
from __future__ import annotations

from pathlib import Path
from typing import List, Optional

from PyQt5.QtCore import QObject, QSettings, Qt, pyqtSignal
from PyQt5.QtGui import QKeySequence
from PyQt5.QtWidgets import QShortcut

from ...data import DataError, user_data_dir
from ...data.classnames import check_class_name
from ...data.imagefolder import MIN_EXAMPLES
from ...data.imagestore import ImageFolderStore
from ..widgets.canvas import DrawingCanvas
from ..widgets.text import counted
from . import panel as panel_module
from .panel import CollectPanel

#: QSettings keys: the data set shown, and folders opened from elsewhere
CHOSEN_KEY, OPENED_KEY = "collect/chosen", "collect/opened"


def default_root() -> Path:
    """Where new data sets are made: ``<user data folder>/collections``."""
    return user_data_dir() / "collections"


class CollectController(QObject):
    """The Collect panel at work on the canvas's drawings (see the module doc).

    Public: ``panel``, ``store`` (the chosen data set, or None), ``root`` (where New makes
    data sets).
    """

    #: a line for the status bar and how long to show it (ms)
    statusMessage = pyqtSignal(str, int)
    #: the data sets (their folders) or what one holds changed
    foldersChanged = pyqtSignal(list)
    #: "Train on this data set": its folder
    trainRequested = pyqtSignal(str)

    def __init__(self, canvas: DrawingCanvas, settings: QSettings, root: Optional[Path] = None,
                 parent: Optional[QObject] = None):
        super().__init__(parent)
        self.canvas = canvas
        self.settings = settings
        self.root = Path(root) if root is not None else default_root()
        self.panel = CollectPanel()
        self.store: Optional[ImageFolderStore] = None
        self._stores = {}                     # folder -> its store (each keeps its own undo)
        p = self.panel
        p.setChosen.connect(self.choose_set)
        p.newSetClicked.connect(self.new_set)
        p.openFolderClicked.connect(self.open_folder)
        p.classChosen.connect(self._show_class)
        p.addClassClicked.connect(self.add_class)
        p.renameClicked.connect(self.rename_class)
        p.removeClicked.connect(self.remove_class)
        p.addDrawingClicked.connect(self.add_drawing)
        p.deleteClicked.connect(self.delete_picked)
        p.moveClicked.connect(self.move_picked)
        p.undoClicked.connect(self.undo)
        p.trainClicked.connect(self._train)
        #: Enter (either key) on the canvas adds the drawing
        self.shortcuts = [QShortcut(QKeySequence(key), canvas, context=Qt.WidgetShortcut)
                          for key in (Qt.Key_Return, Qt.Key_Enter)]
        for shortcut in self.shortcuts:
            shortcut.activated.connect(self._enter_on_canvas)
        self._list_sets(str(settings.value(CHOSEN_KEY, "") or ""))

    # -- data sets --------------------------------------------------------------------
    def folders(self) -> List[str]:
        """Every data set the panel lists: the folders in :attr:`root`, then those opened."""
        found = []
        if self.root.is_dir():
            try:
                found = sorted(str(p) for p in self.root.iterdir() if p.is_dir() and not p.name.startswith("."))
            except OSError:
                found = []
        opened = [str(p) for p in _as_list(self.settings.value(OPENED_KEY)) if Path(p).is_dir()]
        return found + [p for p in opened if p not in found]

    def choose_set(self, folder: str) -> None:
        """Show the data set in ``folder`` ("" for none)."""
        if not folder:
            self.store = None
        else:
            self.store = self._stores.setdefault(folder, ImageFolderStore(folder))
            self.settings.setValue(CHOSEN_KEY, folder)
        self.refresh()

    def new_set(self) -> bool:
        """New…: a data set (a folder in :attr:`root`) named as the user types."""
        text = panel_module.ask_text(self.panel, "New data set", "Name of the new data set (a folder in "
                                     f"{self.root}):")
        if not text:
            return False
        try:
            name = check_class_name(text, [Path(f).name for f in self.folders()], kind="data set")
            (self.root / name).mkdir(parents=True)
        except DataError as e:
            return self._fail(str(e))
        except OSError as e:
            return self._fail(f"Cannot make the data set in {self.root}: {e.strerror or e}. Choose a folder you "
                              f"can write to with Open… (an empty folder starts a new data set).")
        self._list_sets(str(self.root / name))
        self._say(f"New data set \u201c{name}\u201d: add its classes (type a name, Add class), then draw.")
        return True

    def open_folder(self, folder: str = "") -> bool:
        """Open…: a folder of images (one sub-folder per class) made elsewhere, or an
        empty one to collect into."""
        folder = folder or panel_module.ask_folder(self.panel, "Folder of images, one sub-folder per class",
                                                   str(self.root))
        if not folder:
            return False
        folder = str(Path(folder).resolve())
        opened = [p for p in _as_list(self.settings.value(OPENED_KEY)) if p != folder]
        self.settings.setValue(OPENED_KEY, opened + [folder])
        self._list_sets(folder)
        return True

    def _list_sets(self, chosen: str) -> None:
        folders = self.folders()
        chosen = chosen if chosen in folders else (folders[0] if folders else "")
        self.panel.show_sets(folders, chosen)
        self.choose_set(chosen)

    # -- classes ----------------------------------------------------------------------
    def add_class(self) -> bool:
        if self.store is None:
            return self._fail("Choose a data set first (New… or Open…).")
        try:
            name = self.store.add_class(self.panel.typed_name())
        except DataError as e:
            return self._fail(str(e))
        self.panel.name_edit.clear()
        self.refresh(name)
        self._say(f"Class \u201c{name}\u201d added: draw one on the canvas and press Add drawing (or Enter).")
        return True

    def rename_class(self) -> bool:
        old = self.panel.chosen_class()
        if self.store is None or not old:
            return False
        try:
            name = self.store.rename_class(old, self.panel.typed_name())
        except DataError as e:
            return self._fail(str(e))
        self.panel.name_edit.clear()
        self.refresh(name)
        self._say(f"\u201c{old}\u201d is now \u201c{name}\u201d.")
        return True

    def remove_class(self) -> bool:
        name = self.panel.chosen_class()
        if self.store is None or not name:
            return False
        try:
            count, gone = self.store.remove_class(name)
        except DataError as e:
            return self._fail(str(e))
        self.refresh()
        self._say(f"Removed \u201c{name}\u201d and its {counted(count, 'image')}; Undo brings them back."
                  + ("" if gone else " Its folder stays: it holds other files."))
        return True

    # -- drawings -----------------------------------------------------------------------
    def add_drawing(self) -> bool:
        """Save the canvas's drawing as an example of the chosen class, then clear the canvas.
        When it cannot be saved, the drawing stays and the panel says why."""
        name = self.panel.chosen_class()
        if self.store is None or not name:
            return self._fail("Add a class first: type its name and press Add class.")
        if self.canvas.is_blank():
            return self._fail(f"Draw \u201c{name}\u201d on the canvas first.")
        try:
            path = self.store.add_example(name, self.canvas.to_array())
        except DataError as e:
            return self._fail(f"{e} The drawing stays on the canvas.")
        self.canvas.clear()
        self.refresh(name)
        count = self.store.scan().counts.get(name, 0)
        self._say(f"Added {path.name} to \u201c{name}\u201d ({counted(count, 'image')}). Draw the next one.")
        return True

    def delete_picked(self) -> bool:
        picked = self.panel.gallery.picked()
        if self.store is None or not picked:
            return False
        try:
            self.store.delete_examples(picked)
        except DataError as e:
            return self._fail(str(e))
        self.refresh()
        self._say(f"Deleted {counted(len(picked), 'image')}; Undo brings {'them' if len(picked) != 1 else 'it'} back.")
        return True

    def move_picked(self, to: str) -> bool:
        picked = self.panel.gallery.picked()
        if self.store is None or not picked:
            return False
        try:
            self.store.move_examples(picked, to)
        except DataError as e:
            return self._fail(str(e))
        self.refresh()
        self._say(f"Moved {counted(len(picked), 'image')} to \u201c{to}\u201d.")
        return True

    def undo(self) -> bool:
        if self.store is None:
            return False
        try:
            what = self.store.undo()
        except DataError as e:
            return self._fail(str(e))
        self.refresh()
        if what:
            self._say(f"Undone: {what}.")
        return what is not None

    def _enter_on_canvas(self) -> None:
        if self.panel.isVisible():
            self.add_drawing()

    def _train(self) -> None:
        if self.store is not None:
            self.trainRequested.emit(str(self.store.root))

    # -- showing ---------------------------------------------------------------------------
    def refresh(self, chosen: Optional[str] = None) -> None:
        """Show what the chosen data set's folder holds now (``chosen``: the class to pick)."""
        p = self.panel
        store = self.store
        chosen = p.chosen_class() if chosen is None else chosen
        if store is None:
            p.show_classes({}, "")
            p.show_gallery([], "")
            p.show_undo(None)
            p.set_message("Start a data set of your own: New… makes one, Open… reads a folder of "
                          "images with one sub-folder per class.")
            self.foldersChanged.emit(self.folders())
            return
        try:
            scan = store.scan()
        except DataError as e:
            scan = None
            p.set_message(str(e), error=True)
        counts = scan.counts if scan is not None else {}
        p.show_classes(counts, chosen)
        self._show_class(p.chosen_class())
        p.show_undo(store.undo_text())
        if scan is not None:           # what is left to do, else what to know, else ready
            todo = scan.problems() if counts else ["Add its classes: type a name, then press Add class."]
            p.set_message(" ".join(todo or scan.notes()) or _ready_text(counts))
        self.foldersChanged.emit(self.folders())

    def _show_class(self, name: str) -> None:
        if self.store is None or not name:
            self.panel.show_gallery([], "No class chosen" if self.store is not None else "")
            return
        paths = self.store.scan().files.get(name, [])
        self.panel.show_gallery(paths, f"\u201c{name}\u201d: {counted(len(paths), 'image')}")

    def _say(self, text: str) -> None:
        self.panel.set_message(text)
        self.statusMessage.emit(text, 8000)

    def _fail(self, text: str) -> bool:
        self.panel.set_message(text, error=True)
        self.statusMessage.emit(text, 15000)
        return False


def _ready_text(counts: dict) -> str:
    total = sum(counts.values())
    return (f"{len(counts)} classes, {counted(total, 'image')}: ready to train (at least {MIN_EXAMPLES} per class; "
            f"the more, the better).")


def _as_list(value) -> List[str]:
    """A QSettings list value (None, one string, or a list) as a list of strings."""
    if value is None or value == "":
        return []
    return [str(v) for v in value] if isinstance(value, (list, tuple)) else [str(value)]
