"""ReceptiveFieldOverlay: the input pixels the hovered cell depends on, on the input preview.

A view without a widget of its own: it observes the inspector's hovered cell
(``cellHovered``, set by the feature maps while the mouse is over a cell) and
draws that cell's exact receptive field (:func:`cnnviz.explain.receptive_field`:
through padding, strides, pooling and residual blocks) on the preview of what
the network sees, with its size ("conv3 · 10x10 of the 28x28 input").
"""
from __future__ import annotations

from typing import Optional

from PyQt5.QtCore import QObject

from ...explain import receptive_field
from ..widgets.preview import InputPreview


class ReceptiveFieldOverlay(QObject):
    """Keeps ``preview``'s highlighted field equal to the hovered cell's receptive field;
    :attr:`field` is the one shown (a :class:`cnnviz.explain.ReceptiveField`) or None."""

    def __init__(self, inspector, preview: InputPreview, parent: Optional[QObject] = None):
        super().__init__(parent)
        self.inspector = inspector
        self.preview = preview
        self.field = None
        inspector.cellHovered.connect(self.refresh)
        inspector.networkChanged.connect(self.refresh)

    def refresh(self) -> None:
        """Show the hovered cell's field (or nothing when no cell is hovered)."""
        ref = self.inspector.hovered_cell
        self.field = None if ref is None else receptive_field(self.inspector.network, ref.index, ref.cell)
        if self.field is None:
            self.preview.set_field(None)
        else:
            (h, w), (H, W) = self.field.size, self.field.input_hw
            # the preview is small: the size only (its layer is the one the mouse is over)
            text = f"all {H}x{W}" if (h, w) == (H, W) else f"{h}x{w} of {H}x{W}"
            self.preview.set_field(self.field.spatial, text + ("" if self.field.solid else ", with holes"))
