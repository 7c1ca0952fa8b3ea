"""What every layer view shares: the :class:`LayerView` base (the inspector, its entries,
the selection, one enlarged item) and its layout (:func:`view_layout`)."""
from __future__ import annotations

from typing import Optional, Sequence

from PyQt5.QtWidgets import QBoxLayout, QHBoxLayout, QVBoxLayout, QWidget

from .lazy import CatchUpOnShow

#: values within this fraction of a map's largest |value| of each other (or of zero) are
#: the same number: FFT convolutions leave ~1e-16 (float64) or ~1e-7 (float32) where the
#: exact result is 0, and such noise must not count as "positive" or as a pooling winner
NOISE_FRACTION = 1e-4


#: a layer view's plot is never squeezed below this height (pixels)
PLOT_MIN_HEIGHT = 80
#: what a layer view's readout says before anything is drawn
NO_INPUT = "no input yet: draw something"


def view_layout(view: QWidget, title: QWidget, body: QWidget, readout: QWidget,
                top: Sequence = (), bottom: Sequence = ()) -> QBoxLayout:
    """The layout every layer view shares: the title; a row of controls (``top``, left to
    right; it takes no room while they are all hidden); the plot (all the spare room);
    the hover readout with more controls (``bottom``) at its right. Items are widgets,
    or None for a stretch."""
    body.setMinimumHeight(max(body.minimumHeight(), PLOT_MIN_HEIGHT))
    layout = QVBoxLayout(view)
    layout.setContentsMargins(4, 4, 4, 4)
    layout.setSpacing(4)
    layout.addWidget(title)
    for items, stretch_last in ((top, True), (bottom, False)):
        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        if not stretch_last:
            row.addWidget(readout, 1)
        for item in items:
            if item is None:
                row.addStretch(1)
            else:
                row.addWidget(item)
        if stretch_last:
            row.addStretch(1)
            layout.addLayout(row)
            layout.addWidget(body, 1)
        else:
            layout.addLayout(row)
    return layout


def nearest_entry(entries, index: int, kinds) -> Optional[int]:
    """Trace position of the :class:`LayerEntry` of one of ``kinds`` closest to ``index``
    (earlier wins a tie), or None."""
    for d in range(len(entries)):
        for j in (index - d, index + d):
            if 0 <= j < len(entries) and entries[j].kind in kinds:
                return j
    return None


class LayerView(CatchUpOnShow, QWidget):
    """What the layer views share: the inspector and its entries (renewed with the network),
    the selected position, and one enlarged item (``focused``) with the way back to all.

    Subclasses decorate ``refresh`` with :func:`cnnviz.gui.widgets.lazy.skip_while_hidden` and reset
    their own state for a new network in :meth:`_forget_layer`.
    """

    def __init__(self, inspector, parent: Optional[QWidget] = None):
        super().__init__(parent)
        self.inspector = inspector
        self.focused: Optional[int] = None
        self._entries = inspector.entries()
        self._fit_key = None                 # what the view range was last fitted to

    def selected_index(self) -> int:
        """The inspector's selection, clamped to this network's entries."""
        return min(max(self.inspector.selected, 0), len(self._entries) - 1)

    def show_grid(self) -> None:
        """Back from one enlarged item to all of them."""
        self.focused = None
        self.refresh()

    def _on_network(self) -> None:
        self._entries = self.inspector.entries()
        self.focused = None
        self._forget_layer()
        self.refresh()

    def _forget_layer(self) -> None:
        """Drop what belonged to the previous network's layers (before the redraw)."""
