"""The "what am I looking at" notes: two or three sentences for students at the top of a view,
shown or hidden all together (Help > Notes for students).

Like the theme, whether notes are shown is one application-wide value
(:func:`notes_shown`, :func:`show_notes`) with a notifier (``notes_signals().changed``);
every :class:`NoteLabel` follows it, and a hidden note takes no space.
"""
from __future__ import annotations

import functools
from typing import Optional

from PyQt5.QtCore import QObject, QSize, Qt, pyqtSignal
from PyQt5.QtWidgets import QBoxLayout, QFrame, QGridLayout, QSizePolicy, QTextBrowser, QWidget

from . import theme

#: a note asks for its whole text up to this many lines, and keeps at least MINIMUM_LINES (it scrolls)
PREFERRED_LINES, MINIMUM_LINES = 5, 1

_shown = False


class _NoteSignals(QObject):
    changed = pyqtSignal(bool)


@functools.lru_cache(maxsize=None)
def notes_signals() -> _NoteSignals:
    """The application-wide notifier (made once); ``changed(shown)`` fires after a switch."""
    return _NoteSignals()


def notes_shown() -> bool:
    """True while the notes for students are shown."""
    return _shown


def show_notes(shown: bool) -> None:
    """Show (True) or hide every note for students."""
    global _shown
    if bool(shown) != _shown:
        _shown = bool(shown)
        notes_signals().changed.emit(_shown)


def _blocks(doc):
    block = doc.firstBlock()
    while block.isValid():
        yield block
        block = block.next()


class NoteLabel(QTextBrowser):
    """A muted note for students; visible only while notes are shown and it has text.

    It asks for the height of its whole text, up to :data:`PREFERRED_LINES` lines, and
    insists on :data:`MINIMUM_LINES` (it scrolls when squeezed): turning the notes on
    never makes the window taller than the screen.
    """

    def __init__(self, text: str = "", parent: Optional[QWidget] = None):
        super().__init__(parent)
        self.setObjectName("studentNote")
        self.setFrameShape(QFrame.NoFrame)
        self.setOpenLinks(False)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarAlwaysOff)
        self.setSizePolicy(QSizePolicy.Ignored, QSizePolicy.Maximum)
        self.document().setDocumentMargin(3)
        notes_signals().changed.connect(self._follow)
        theme.theme_signals().changed.connect(self._style)
        self._style()
        self.set_note(text)

    def text(self) -> str:
        return self.toPlainText()

    def set_note(self, text: str) -> None:
        """The note's words (plain text); an empty note is never shown."""
        if text != self.toPlainText():
            self.setPlainText(text)
            self.updateGeometry()
        self._follow(notes_shown())

    def _lines_height(self, lines: int) -> int:
        """The height that shows ``lines`` whole lines (or the whole note, if shorter)."""
        doc = self.document()
        doc.setTextWidth(max(self.viewport().width(), 60))
        margin = 2 * doc.documentMargin() + 2 * self.frameWidth()
        layout = doc.firstBlock().layout()
        count = max(sum(b.layout().lineCount() for b in _blocks(doc)), 1)
        line = (doc.size().height() - 2 * doc.documentMargin()) / count if layout is not None else 16
        return int(round(min(count, lines) * line + margin)) + 1

    def sizeHint(self) -> QSize:
        return QSize(200, self._lines_height(PREFERRED_LINES))

    def minimumSizeHint(self) -> QSize:
        return QSize(60, self._lines_height(MINIMUM_LINES))

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        if event.oldSize().width() != event.size().width():
            self.updateGeometry()             # the text wraps into another number of lines

    def _follow(self, shown: bool) -> None:
        self.setVisible(bool(shown and self.toPlainText()))

    def _style(self, _name: str = "") -> None:
        c = theme.colors()
        self.setStyleSheet(f"QTextBrowser#studentNote {{ color: {c['text']}; background: {c['alt']}; }}")


#: the row a note takes in a grid layout: below whatever rows the view uses
GRID_NOTE_ROW = 99


def add_note(view: QWidget, text: str) -> NoteLabel:
    """Put a note with ``text`` into ``view`` (a view built elsewhere): at the top of a box
    layout, or under all the rows of a grid layout."""
    layout = view.layout()
    note = NoteLabel(text)
    if isinstance(layout, QBoxLayout):
        layout.insertWidget(0, note)
    elif isinstance(layout, QGridLayout):
        layout.addWidget(note, GRID_NOTE_ROW, 0, 1, max(layout.columnCount(), 1))
    else:
        raise TypeError(f"{type(view).__name__} has no box or grid layout to put a note in")
    return note
