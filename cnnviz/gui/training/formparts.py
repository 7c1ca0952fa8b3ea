"""Small builders the Training panel's boxes share: a compact form, a row of widgets,
a spin box, a wrapping label, and picking a combo box entry by its data."""
from __future__ import annotations

from PyQt5.QtWidgets import QComboBox, QFormLayout, QGroupBox, QHBoxLayout, QLabel, QSizePolicy, QWidget

from ..widgets.wheelguard import SpinBox


def form(box: QGroupBox) -> QFormLayout:
    """A compact form laid out in ``box`` whose fields grow with the panel."""
    layout = QFormLayout(box)
    layout.setContentsMargins(6, 4, 6, 4)
    layout.setVerticalSpacing(3)
    layout.setFieldGrowthPolicy(QFormLayout.AllNonFixedFieldsGrow)
    return layout


def hbox(*widgets: QWidget) -> QWidget:
    """The widgets side by side; the first one (and combo boxes) take the spare width."""
    w = QWidget()
    row = QHBoxLayout(w)
    row.setContentsMargins(0, 0, 0, 0)
    row.setSpacing(4)
    for i, widget in enumerate(widgets):
        row.addWidget(widget, 1 if i == 0 or isinstance(widget, QComboBox) else 0)
    return w


def spin(lo: int, hi: int, value: int) -> SpinBox:
    """An integer box from ``lo`` to ``hi`` showing ``value``."""
    s = SpinBox()
    s.setRange(lo, hi)
    s.setValue(value)
    return s


def wrapping_label() -> QLabel:
    """A label that wraps its words and takes its height from them."""
    label = QLabel()
    label.setWordWrap(True)
    label.setSizePolicy(QSizePolicy.Ignored, QSizePolicy.Minimum)
    return label


def pick(box: QComboBox, data) -> bool:
    """Select the entry of ``box`` holding ``data``; False (nothing changed) when there is none."""
    i = box.findData(data)
    if i >= 0:
        box.setCurrentIndex(i)
    return i >= 0
