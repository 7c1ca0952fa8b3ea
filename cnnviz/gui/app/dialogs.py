"""The window's dialogs: file choosers that remember their folder, the model report,
and warnings (blocking, or not for errors that arrive while training)."""
from __future__ import annotations

from pathlib import Path

from PyQt5.QtCore import QSettings, Qt
from PyQt5.QtGui import QGuiApplication
from PyQt5.QtWidgets import (QDialog, QDialogButtonBox, QFileDialog, QMessageBox, QPlainTextEdit, QTextBrowser,
                             QVBoxLayout, QWidget)


def ask_open(parent: QWidget, settings: QSettings, title: str, filters: str, kind: str) -> str:
    """A file to open ("" if none), starting in the folder last used for ``kind``."""
    folder = settings.value(f"paths/{kind}", str(Path.home()))
    path, _ = QFileDialog.getOpenFileName(parent, title, folder, filters)
    if path:
        settings.setValue(f"paths/{kind}", str(Path(path).parent))
    return path


def ask_save(parent: QWidget, settings: QSettings, title: str, filters: str, kind: str, name: str) -> str:
    """A file to write ("" if none), suggested as ``name`` in the folder last used for ``kind``."""
    folder = settings.value(f"paths/{kind}", str(Path.home()))
    path, _ = QFileDialog.getSaveFileName(parent, title, str(Path(folder) / name), filters)
    if path:
        settings.setValue(f"paths/{kind}", str(Path(path).parent))
    return path


def _text_dialog(parent: QWidget, title: str, view: QWidget) -> QDialog:
    """A dialog called ``title`` showing ``view`` over a Close button."""
    dialog = QDialog(parent)
    dialog.setWindowTitle(title)
    buttons = QDialogButtonBox(QDialogButtonBox.Close)
    buttons.rejected.connect(dialog.reject)
    layout = QVBoxLayout(dialog)
    layout.addWidget(view)
    layout.addWidget(buttons)
    return dialog


def show_text(parent: QWidget, title: str, text: str) -> None:
    """A read-only monospace report (e.g. About this model), closed with Close."""
    view = QPlainTextEdit(text)
    view.setReadOnly(True)
    font = QGuiApplication.font()
    font.setFamily("monospace")
    font.setStyleHint(font.Monospace)
    view.setFont(font)
    view.setMinimumSize(640, 360)
    _text_dialog(parent, title, view).exec_()


def show_html(parent: QWidget, title: str, html: str) -> QDialog:
    """Rich text (e.g. the tour) in a dialog that does not block the window; returns it."""
    view = QTextBrowser()
    view.setHtml(html)
    view.setMinimumSize(560, 420)
    dialog = _text_dialog(parent, title, view)
    dialog.show()
    return dialog


def warn_later(parent: QWidget, title: str, message: str) -> QMessageBox:
    """A warning box that does not block (the window goes on updating behind it)."""
    box = QMessageBox(QMessageBox.Warning, title, message, QMessageBox.Ok, parent)
    box.setModal(False)
    box.setAttribute(Qt.WA_DeleteOnClose)
    box.show()
    return box


def ask(parent: QWidget, title: str, text: str, buttons, default) -> int:
    """A question with ``buttons`` (QMessageBox.StandardButtons); returns the one pressed."""
    return QMessageBox.question(parent, title, text, buttons, default)
