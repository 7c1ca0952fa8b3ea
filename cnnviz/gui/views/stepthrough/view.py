"""StepThroughView: the network's computation one step at a time, in three modes.

- Forward: how the picked cell (a click in Feature maps) is computed, number by number,
  on the shown input (:class:`NetworkStepPage`);
- Backward: one training step for the shown input and its true label, the gradient at
  the selected layer, and "teach it this drawing" (:class:`BackwardPage`);
- Toy: a tiny image and kernel the user types, the seed's worked examples (:class:`ToyPage`).

Why the toy lives here and not in the Kernels panel: the Kernels panel filters a whole
picture with a centred odd kernel, while the toy is about the numbers of single windows,
padding and output sizes, exactly what the forward page draws for the network (the same
:class:`StepDisplay` shows both).
"""
from __future__ import annotations

from typing import Dict, Optional

from PyQt5.QtWidgets import QButtonGroup, QHBoxLayout, QStackedWidget, QToolButton, QVBoxLayout, QWidget

from ...widgets.steadylabel import SteadyLabel
from ...widgets.scroll import scrolling
from .backpage import BackwardPage
from .netpage import NetworkStepPage
from .toypage import ToyPage

FORWARD, BACKWARD, TOY = "forward", "backward", "toy"
MODES = {
    FORWARD: ("Forward", "How the cell you picked in Feature maps is computed, on the shown input"),
    BACKWARD: ("Backward", "One training step for the shown input and its true label, layer by layer; "
                           "teach it the drawing"),
    TOY: ("Toy", "A tiny image and kernel you type: the seed's worked examples"),
}


class StepThroughView(QWidget):
    """Three pages (:data:`MODES`); :meth:`set_mode` switches, a picked cell shows Forward."""

    def __init__(self, inspector, parent: Optional[QWidget] = None):
        super().__init__(parent)
        self.inspector = inspector
        self.network_page = NetworkStepPage(inspector)
        self.backward_page = BackwardPage(inspector)
        self.toy_page = ToyPage()
        self.page_of = {FORWARD: self.network_page, BACKWARD: self.backward_page, TOY: self.toy_page}
        self.pages = QStackedWidget()
        self.buttons: Dict[str, QToolButton] = {}
        group = QButtonGroup(self)
        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(2)
        for mode, (text, tip) in MODES.items():
            self.pages.addWidget(scrolling(self.page_of[mode], steady_scroll_bar=True))     # words wrap in it
            b = QToolButton()
            b.setText(text)
            b.setToolTip(tip)
            b.setCheckable(True)
            b.clicked.connect(self._button_clicked)
            group.addButton(b)
            row.addWidget(b)
            self.buttons[mode] = b
            self.page_of[mode].titleChanged.connect(self._show_title)
        row.addStretch(1)
        self.title = SteadyLabel()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(row)
        for part, stretch in ((self.title, 0), (self.pages, 1)):    # the mode's title over its page
            layout.addWidget(part, stretch)
        inspector.cellPicked.connect(self._cell_picked)
        self.set_mode(FORWARD)

    @property
    def mode(self) -> str:
        return list(MODES)[self.pages.currentIndex()]

    def set_mode(self, mode: str) -> None:
        """One of :data:`MODES`: "forward", "backward" or "toy"."""
        if mode not in MODES:
            raise ValueError(f"mode must be one of {', '.join(MODES)}, not {mode!r}")
        self.pages.setCurrentIndex(list(MODES).index(mode))
        self.buttons[mode].setChecked(True)
        self._show_title()

    def show_kernel(self, kernel) -> None:
        """The toy with ``kernel`` (KH, KW) in it (e.g. the Kernels panel's)."""
        self.toy_page.load_kernel(kernel)
        self.set_mode(TOY)

    def shutdown(self) -> None:
        """Stop the background threads (the window does this when it closes)."""
        self.backward_page.shutdown()

    def _show_title(self, *_args) -> None:
        self.title.setText(self.page_of[self.mode].title)

    def _button_clicked(self) -> None:
        self.set_mode(next(m for m, b in self.buttons.items() if b is self.sender()))

    def _cell_picked(self) -> None:
        self.set_mode(FORWARD)
