"""Docks that scroll instead of pushing the window wider than the screen."""
from PyQt5.QtCore import Qt
from PyQt5.QtWidgets import QFrame, QScrollArea, QWidget


def scrolling(widget: QWidget, steady_scroll_bar: bool = False) -> QScrollArea:
    """``widget`` in a frameless scroll area: a dock that is smaller than its
    minimum size scrolls instead of forcing the window to grow.

    ``steady_scroll_bar``: the vertical scroll bar is always there. For wrapped text,
    whose height follows the width: with the bar coming and going, the text can be
    taller without it and shorter with it, and the scroll area resizes it without end.
    """
    area = QScrollArea()
    if steady_scroll_bar:
        area.setVerticalScrollBarPolicy(Qt.ScrollBarAlwaysOn)
    area.setWidget(widget)
    area.setWidgetResizable(True)
    area.setFrameShape(QFrame.NoFrame)
    area.setMinimumSize(120, 80)
    return area
