"""Docks that scroll instead of pushing the window wider than the screen."""
from PyQt5.QtWidgets import QFrame, QScrollArea, QWidget


def scrolling(widget: QWidget) -> QScrollArea:
    """``widget`` in a frameless scroll area: a dock that is smaller than its
    minimum size scrolls instead of forcing the window to grow."""
    area = QScrollArea()
    area.setWidget(widget)
    area.setWidgetResizable(True)
    area.setFrameShape(QFrame.NoFrame)
    area.setMinimumSize(120, 80)
    return area
