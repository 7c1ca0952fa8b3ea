"""The "what am I looking at" notes: two or three sentences for students at the top of a view,
shown or hidden all together (Help > Notes for students).

Like the theme, whether notes are shown is one application-wide value
(:func:`notes_shown`, :func:`show_notes`) with a notifier (``notes_signals().changed``);
every :class:`NoteLabel` follows it, and a hidden note takes no space.
"""
from __future__ import annotations

from typing import Optional

from PyQt5.QtCore import QObject, Qt, pyqtSignal
from PyQt5.QtWidgets import QBoxLayout, QWidget

from . import theme
from .labels import WrapLabel

_shown = False


class _NoteSignals(QObject):
    changed = pyqtSignal(bool)


_signals: Optional[_NoteSignals] = None


def notes_signals() -> _NoteSignals:
    """The application-wide notifier; ``changed(shown)`` fires after a switch."""
    global _signals
    if _signals is None:
        _signals = _NoteSignals()
    return _signals


def notes_shown() -> bool:
    """True while the notes for students are shown."""
    return _shown


def show_notes(shown: bool) -> None:
    """Show (True) or hide every note for students."""
    global _shown
    if bool(shown) != _shown:
        _shown = bool(shown)
        notes_signals().changed.emit(_shown)


class NoteLabel(WrapLabel):
    """A muted, wrapped note for students; visible only while notes are shown and it has text."""

    def __init__(self, text: str = "", parent: Optional[QWidget] = None):
        super().__init__("", parent)
        self.setObjectName("studentNote")
        self.setTextFormat(Qt.PlainText)
        notes_signals().changed.connect(self._follow)
        theme.theme_signals().changed.connect(self._style)
        self._style()
        self.set_note(text)

    def set_note(self, text: str) -> None:
        """The note's words (plain text); an empty note is never shown."""
        self.setText(text)
        self._follow(notes_shown())

    def _follow(self, shown: bool) -> None:
        self.setVisible(bool(shown and self.text()))

    def _style(self, _name: str = "") -> None:
        c = theme.colors()
        self.setStyleSheet(f"color: {c['text']}; background: {c['alt']}; padding: 2px 4px;")


def add_note(view: QWidget, text: str) -> NoteLabel:
    """Put a note with ``text`` at the top of ``view``, whose layout must be a box layout
    (a view of its own, built elsewhere: the note sits above everything it shows)."""
    layout = view.layout()
    if not isinstance(layout, QBoxLayout):
        raise TypeError(f"{type(view).__name__} has no box layout to put a note in")
    note = NoteLabel(text)
    layout.insertWidget(0, note)
    return note
