"""Spin boxes and combo boxes that the mouse wheel changes only when they have the focus.

Scrolling a panel full of settings must not change a setting the pointer happens to pass
over (one notch turned "adam" into "rmsprop"). :func:`guard_wheel` gives every spin box and
combo box under a widget the usual Qt fix: they take the focus on click or Tab only
(``Qt.StrongFocus``), and a wheel event reaching one without focus goes on to its parent
(e.g. the scroll area) instead.
"""
from __future__ import annotations

from PyQt5.QtCore import QEvent, QObject, Qt
from PyQt5.QtWidgets import QAbstractSpinBox, QComboBox, QWidget


class _WheelGuard(QObject):
    def eventFilter(self, obj, event) -> bool:
        if event.type() == QEvent.Wheel and isinstance(obj, QWidget) and not obj.hasFocus():
            event.ignore()          # not accepted: Qt offers it to the parent widgets
            return True             # ... but not to this one
        return False


_GUARD = None


def guard_wheel(root: QWidget) -> int:
    """Guard every spin box and combo box inside ``root`` (and ``root`` itself if it is one);
    returns how many were guarded. Call it again after adding such widgets."""
    global _GUARD
    if _GUARD is None:
        _GUARD = _WheelGuard()
    boxes = root.findChildren(QAbstractSpinBox) + root.findChildren(QComboBox)
    if isinstance(root, (QAbstractSpinBox, QComboBox)):
        boxes.append(root)
    for box in boxes:
        box.setFocusPolicy(Qt.StrongFocus)
        box.removeEventFilter(_GUARD)
        box.installEventFilter(_GUARD)
    return len(boxes)
