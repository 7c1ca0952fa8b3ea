"""GradientPictures: what one entry of the backward pass shows, in two pictures and a few words.

Gradients are drawn on the weights' scale (blue negative, white 0, red positive, levels
±max|value| of the picture): the sign says in which direction a step would push.

- softmax: the loss gradient at the logits, p − target, one column per class;
- a map entry: the gradient arriving at one of its maps (the picked one, as in Feature
  maps) and where it goes: a ReLU's gate (the cells where it passes), a max-pool's input
  (only the winners get some), a convolution's weight gradient (that filter's slices);
- a dense layer: the gradient at its units and its weight gradient (a row per unit).
"""
from __future__ import annotations

from typing import Optional

import numpy as np
from PyQt5.QtCore import Qt
from PyQt5.QtWidgets import QGridLayout, QWidget

from ....explain import BackwardPass
from ...widgets import colormaps as cm
from ...widgets.labels import ElidedLabel, WrapLabel
from ...widgets.mapimage import MapImage
from ...widgets.mosaic import tile
from ...widgets.numbergrid import NumberGrid


def signed_rgba(values: np.ndarray) -> np.ndarray:
    """(H, W) signed values (NaN transparent) on the weights' colours, levels ±max|value|."""
    finite = values[np.isfinite(values)]
    top = float(np.abs(finite).max()) if finite.size else 0.0
    return cm.to_rgba(values, cm.WEIGHTS, (-top, top) if top > 0 else (-1.0, 1.0))


def tiled(maps: np.ndarray) -> np.ndarray:
    """(C, H, W) -> one mosaic (NaN gutters), about as wide as tall (a filter's channel slices)."""
    return tile(np.asarray(maps, np.float32), gap=1, aspect=1.3)[0]


def peak_text(values: np.ndarray) -> str:
    return f"largest |value| {float(np.abs(values).max()):.3g}"


class GradientPictures(QWidget):
    """Two captioned pictures (``left``, ``right``), or the softmax's table (``table``), for
    entry ``index`` of a :class:`BackwardPass` (:meth:`show_entry`); ``words`` says what happens."""

    def __init__(self, parent: Optional[QWidget] = None):
        super().__init__(parent)
        self.captions = [ElidedLabel(), ElidedLabel()]
        self.left, self.right = MapImage(min_side=120, hint_side=200), MapImage(min_side=120, hint_side=200)
        self.table = NumberGrid(max_cell=56)
        self.words = WrapLabel()
        self.words.setTextFormat(Qt.PlainText)
        self.peak = ElidedLabel()
        grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setSpacing(4)
        grid.addWidget(self.captions[0], 0, 0)
        grid.addWidget(self.captions[1], 0, 1)
        grid.addWidget(self.left, 1, 0)
        grid.addWidget(self.right, 1, 1)
        grid.addWidget(self.table, 1, 0, 1, 2)
        grid.addWidget(self.peak, 2, 0, 1, 2)
        grid.addWidget(self.words, 3, 0, 1, 2)
        grid.setRowStretch(1, 1)

    def _pictures(self, left: Optional[np.ndarray], left_text: str, right: Optional[np.ndarray],
                  right_text: str) -> None:
        self.table.hide()
        for image, caption, values, text in ((self.left, self.captions[0], left, left_text),
                                             (self.right, self.captions[1], right, right_text)):
            image.setVisible(values is not None)
            caption.setVisible(values is not None)
            if values is not None:
                image.set_map(signed_rgba(values))
                caption.setText(text)
                caption.setToolTip(text)

    def show_entry(self, bp: BackwardPass, index: int, class_names, channel: int = 0) -> None:
        """Entry ``index``'s gradients; ``channel``: the map shown of a layer with maps."""
        e = bp.entries[index]
        self.words.setText(e.note)
        if e.kind == "Softmax":
            self._softmax(bp, class_names)
            return
        g = e.grad
        if g.ndim == 1:
            left, arriving, c = g[None], f"∂loss/∂{e.name}, a column per unit", 0
        else:
            c = min(channel, g.shape[0] - 1)
            left, arriving = g[c], f"∂loss/∂{e.name}, map {c}"
        right, right_text = None, ""
        if e.kind == "ReLU":
            right, right_text = np.where(e.gate[c], 1.0, -1.0), "its gate: red passes (x > 0), blue blocks"
        elif e.kind in ("MaxPool2D", "AvgPool2D") and index > 0:
            before = bp.entries[index - 1]
            right = before.grad[c]
            right_text = (f"sent to {before.name}: only the winners" if e.kind == "MaxPool2D"
                          else f"sent to {before.name}: shared in each window")
        elif e.kind == "Conv2D":
            w = e.params["W"][c]
            right = w[0] if w.shape[0] == 1 else tiled(w)
            right_text = f"∂loss/∂W of filter {c}" + (f" ({w.shape[0]} channel slices)" if w.shape[0] > 1 else "")
        elif e.kind == "Dense":
            right, right_text = e.params["W"].T, "∂loss/∂W, a row per unit"
        self._pictures(left, arriving, right, right_text)
        self.peak.setText(f"{e.name}: {peak_text(g)}" + (f" · weights: {peak_text(e.params['W'])}"
                                                          if "W" in e.params else ""))

    def _softmax(self, bp: BackwardPass, class_names) -> None:
        for w in (self.left, self.right, *self.captions):
            w.hide()
        self.peak.setText("")
        rows = np.stack([bp.probabilities, bp.target, bp.dlogits])
        self.table.set_grid(rows, title=f"at the logits: ∂loss/∂z = p − target (true label “{bp.label_name}”)",
                            row_labels=["p", "target", "∂loss/∂z"], col_labels=[str(n) for n in class_names])
        self.table.show()
