"""The window's menus and their actions, with their shortcuts.

:func:`build_menus` fills the menu bar of a :class:`cnnviz.gui.app.window.MainWindow`
from its public methods and returns the actions by key (``"open_model"``,
``"preset:simple"``, ``"export:filters"`` ...); :meth:`Menus.add_panel` gives a
new panel its View > Panels and File > Export panel entries.
"""
from __future__ import annotations

from functools import partial
from pathlib import Path
from typing import Callable, Dict, Optional

from PyQt5.QtCore import Qt
from PyQt5.QtGui import QKeySequence
from PyQt5.QtWidgets import QAction, QActionGroup, QDialog, QDockWidget, QMainWindow

from ...nn import PRESETS
from ...shipped import SHIPPED_MODELS, model_path
from ..widgets import theme
from ..widgets.notes import notes_shown, show_notes
from ..widgets.tour import TOUR
from . import dialogs


class Menus:
    """The menu bar of ``window`` and its actions by key (:attr:`actions`)."""

    def __init__(self, window: QMainWindow):
        self.window = window
        self.actions: Dict[str, QAction] = {}
        w = window
        bar = w.menuBar()
        m = bar.addMenu("&File")
        m.addAction(self.action("open_image", "Open &image…", w.open_image, QKeySequence.Open,
                                tip="Classify an image file"))
        m.addAction(self.action("open_model", "Open &model…", w.open_model, "Ctrl+Shift+O"))
        m.addAction(self.action("save_model", "&Save model…", w.save_model, QKeySequence.Save))
        m.addSeparator()
        m.addAction(self.action("export_window", "&Export window to PNG…", w.export_window, "Ctrl+E"))
        self.export_menu = m.addMenu("Export &panel to PNG")
        self.export_menu.addAction(self.action("export:drawing", "Drawing", partial(w.export_panel, "drawing")))
        m.addSeparator()
        m.addAction(self.action("quit", "&Quit", w.close, QKeySequence.Quit))

        m = bar.addMenu("&Edit")
        m.addAction(self.action("undo", "&Undo stroke", w.canvas.undo, QKeySequence.Undo))
        m.addAction(self.action("clear", "&Clear drawing", w.canvas.clear, QKeySequence.Delete))
        m.addSeparator()
        m.addAction(self.action("copy", "&Copy drawing", w.copy_drawing, QKeySequence.Copy))
        m.addAction(self.action("paste", "&Paste image", w.paste, QKeySequence.Paste))

        m = bar.addMenu("&View")
        # Application-wide so the arrows step layers whatever has focus (the canvas, a
        # view, a floating dock); widgets that need arrows for text editing still get them.
        m.addAction(self.action("prev_layer", "&Previous layer", partial(w.inspector.step, -1),
                                Qt.Key_Left, Qt.ApplicationShortcut))
        m.addAction(self.action("next_layer", "&Next layer", partial(w.inspector.step, 1),
                                Qt.Key_Right, Qt.ApplicationShortcut))
        m.addSeparator()
        group = QActionGroup(w)
        for name in theme.THEMES:
            a = self.action(f"theme_{name}", f"{name.capitalize()} theme", partial(w.set_theme, name))
            a.setCheckable(True)
            group.addAction(a)
            m.addAction(a)
        m.addSeparator()
        self.panels_menu = m.addMenu("P&anels")
        m.addAction(self.action("reset_layout", "&Reset layout", w.reset_layout))

        m = bar.addMenu("&Model")
        m.setToolTipsVisible(True)      # a shipped model's entry says why it is greyed out
        self._missing = set()           # keys of shipped models whose file is not there
        for name in SHIPPED_MODELS:
            path = model_path(name)
            a = self.action(f"shipped:{name}", f"&{name.capitalize()}", partial(w.open_shipped, name))
            a.setCheckable(True)        # ticked while it is the model shown
            if path.is_file():
                a.setToolTip(f"The shipped {name} model ({path.name})")
            else:
                self._missing.add(f"shipped:{name}")
                a.setEnabled(False)
                a.setToolTip(f"Not available: {path} is missing (a copy of cnnviz without its shipped models)")
            m.addAction(a)
        m.addSeparator()
        m.addAction(self.actions["open_model"])
        m.addAction(self.actions["save_model"])
        m.addAction(self.action("about_model", "&About this model…", w.about_model, "Ctrl+I"))
        m.addAction(self.action("evaluate", "&Evaluate on the test set", w.evaluate, "Ctrl+T",
                                tip="Where the model fails: confusion matrix, mistakes, precision-recall, map"))
        presets = m.addMenu("&New untrained preset")
        for name in PRESETS:
            presets.addAction(self.action(f"preset:{name}", name, partial(w.new_preset, name),
                                          tip=f"The '{name}' architecture with random weights"))

        m = bar.addMenu("&Help")
        notes = self.action("notes", "&Notes for students", self.toggle_notes, "F1",
                            tip="Two or three sentences at the top of every panel: what am I looking at?")
        notes.setCheckable(True)
        m.addAction(notes)
        m.addAction(self.action("tour", "A short &tour…", self.show_tour))
        self.tour: Optional[QDialog] = None

    def action(self, key: str, text: str, slot: Callable, shortcut=None, context=Qt.WindowShortcut,
               tip: str = "") -> QAction:
        """A window action calling ``slot()`` (without arguments) when triggered."""
        a = QAction(text, self.window)
        if shortcut is not None:
            a.setShortcut(QKeySequence(shortcut))
            a.setShortcutContext(context)
        if tip:
            a.setStatusTip(tip)
        a.triggered.connect(partial(_call, slot))
        self.window.addAction(a)       # shortcuts work even while a menu bar entry is hidden
        self.actions[key] = a
        return a

    def add_panel(self, key: str, dock: QDockWidget) -> None:
        """View > Panels and File > Export panel entries for a new panel."""
        self.panels_menu.addAction(dock.toggleViewAction())
        self.export_menu.addAction(self.action(f"export:{key}", dock.windowTitle(),
                                               partial(self.window.export_panel, key)))

    def toggle_notes(self) -> None:
        """Help > Notes for students: show or hide every panel's note (remembered)."""
        self.set_notes(not notes_shown())

    def set_notes(self, shown: bool) -> None:
        show_notes(shown)
        self.actions["notes"].setChecked(shown)
        self.window.settings.setValue("help/notes", bool(shown))

    def show_tour(self) -> None:
        """Help > A short tour (a dialog that leaves the window usable)."""
        self.tour = dialogs.show_html(self.window, "A short tour of cnnviz", TOUR)

    def set_model_changes_enabled(self, enabled: bool) -> None:
        """Open model, the shipped models and the untrained presets (off while a training run
        owns the model; a shipped model whose file is missing stays off)."""
        for key, action in self.actions.items():
            if key == "open_model" or key.startswith(("preset:", "shipped:")):
                action.setEnabled(enabled and key not in self._missing)

    def show_model_file(self, path: str) -> None:
        """Tick the shipped model that is shown (the one whose file is ``path``), if any."""
        for name in SHIPPED_MODELS:
            shown = bool(path) and Path(path).resolve() == model_path(name).resolve()
            self.actions[f"shipped:{name}"].setChecked(shown)


def _call(slot: Callable, _checked: bool = False) -> None:
    slot()
