"""Small helpers for settings forms: layouts, rows, number boxes, combo selection."""
from __future__ import annotations

from PyQt5.QtWidgets import QComboBox, QFormLayout, QGroupBox, QHBoxLayout, QLabel, QSizePolicy, QWidget

from .wheelguard import SpinBox


def form_layout(box: QGroupBox) -> QFormLayout:
    """A compact form layout for a group of settings."""
    form = QFormLayout(box)
    form.setContentsMargins(6, 4, 6, 4)
    form.setVerticalSpacing(3)
    form.setFieldGrowthPolicy(QFormLayout.AllNonFixedFieldsGrow)
    return form


def hbox(*widgets: QWidget) -> QWidget:
    """Widgets in a row (the first, and combo boxes, take the spare width)."""
    w = QWidget()
    row = QHBoxLayout(w)
    row.setContentsMargins(0, 0, 0, 0)
    row.setSpacing(4)
    for i, widget in enumerate(widgets):
        row.addWidget(widget, 1 if i == 0 or isinstance(widget, QComboBox) else 0)
    return w


def int_spin(lo: int, hi: int, value: int) -> SpinBox:
    """A spin box for whole numbers from ``lo`` to ``hi`` (the wheel only when focused)."""
    s = SpinBox()
    s.setRange(lo, hi)
    s.setValue(value)
    return s


def wrapping_label() -> QLabel:
    """A word-wrapped label that never widens its parent."""
    label = QLabel()
    label.setWordWrap(True)
    label.setSizePolicy(QSizePolicy.Ignored, QSizePolicy.Minimum)
    return label


def pick(box: QComboBox, data) -> bool:
    """Select the item of ``box`` whose data is ``data``; False (nothing changed) when there is none."""
    i = box.findData(data)
    if i >= 0:
        box.setCurrentIndex(i)
    return i >= 0
