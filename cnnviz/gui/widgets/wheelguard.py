"""Spin boxes and combo boxes that the mouse wheel changes only when they have the focus.

Scrolling a panel full of settings must not change a setting the pointer happens to pass
over (one notch turned "adam" into "rmsprop"). These boxes take the focus on click or Tab
only (``Qt.StrongFocus``); a wheel event reaching one without focus is left unaccepted, so
Qt offers it to the parent widgets instead (e.g. the scroll area, which scrolls).

Subclasses rather than an event filter on every box: PyQt calls a Python event filter for
the events of objects being destroyed too, and that crashed windows being deleted.
"""
from __future__ import annotations

from PyQt5.QtCore import Qt
from PyQt5.QtWidgets import QComboBox, QDoubleSpinBox, QSpinBox


class _FocusedWheel:
    """Mixin: the wheel works only while the box has the focus."""

    def _guard(self) -> None:
        self.setFocusPolicy(Qt.StrongFocus)

    def wheelEvent(self, event) -> None:
        if not self.hasFocus():
            event.ignore()
            return
        super().wheelEvent(event)


class ComboBox(_FocusedWheel, QComboBox):
    """A QComboBox the wheel changes only when focused."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._guard()


class SpinBox(_FocusedWheel, QSpinBox):
    """A QSpinBox the wheel changes only when focused."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._guard()


class DoubleSpinBox(_FocusedWheel, QDoubleSpinBox):
    """A QDoubleSpinBox the wheel changes only when focused."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._guard()
