"""GradientPictures: what one entry of the backward pass shows, in two pictures and a few words.

Gradients are drawn on the weights' scale (blue negative, white 0, red positive, levels
±max|value| of the picture): the sign says in which direction a step would push.

- softmax: the loss gradient at the logits, p − target, one column per class;
- a map entry: the gradient arriving at its output (all maps tiled) and where it goes:
  a ReLU's gate (the cells where it passes), a max-pool's input (only the winners get
  some), a convolution's weight gradient (every filter's slice for one input channel);
- a dense layer: the gradient at its units and its weight gradient (inputs x units).
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
    """(C, H, W) -> one mosaic (NaN gutters), about as wide as tall."""
    return tile(np.asarray(maps, np.float32), gap=1, aspect=1.3)[0]


def peak_text(values: np.ndarray) -> str:
    return f"largest |value| {float(np.abs(values).max()):.3g}"


class GradientPictures(QWidget):
    """Two captioned pictures (``left``, ``right``), or the softmax's table (``table``), for
    entry ``index`` of a :class:`BackwardPass` (:meth:`show_entry`); ``words`` says what happens."""

    def __init__(self, parent: Optional[QWidget] = None):
        super().__init__(parent)
        self.captions = [ElidedLabel(), ElidedLabel()]
        self.left, self.right = MapImage(min_side=80, hint_side=200), MapImage(min_side=80, hint_side=200)
        self.table = NumberGrid(max_cell=56)
        self.words = WrapLabel()
        self.words.setTextFormat(Qt.PlainText)
        grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setSpacing(4)
        grid.addWidget(self.captions[0], 0, 0)
        grid.addWidget(self.captions[1], 0, 1)
        grid.addWidget(self.left, 1, 0)
        grid.addWidget(self.right, 1, 1)
        grid.addWidget(self.table, 1, 0, 1, 2)
        grid.addWidget(self.words, 2, 0, 1, 2)
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
        """Entry ``index``'s gradients; ``channel``: the input channel of a conv's weight gradient."""
        e = bp.entries[index]
        self.words.setText(e.note)
        if e.kind == "Softmax":
            self._softmax(bp, class_names)
            return
        g = e.grad
        arriving = f"∂loss/∂{e.name} ({peak_text(g)})"
        if g.ndim == 1:
            left = g[None]
        else:
            left = tiled(g)
        right, right_text = None, ""
        if e.kind == "ReLU":
            right, right_text = tiled(np.where(e.gate, 1.0, -1.0)), "gate: red passes (input > 0), blue blocks"
        elif e.kind == "MaxPool2D" and index > 0:
            before = bp.entries[index - 1]
            right, right_text = tiled(before.grad), f"sent to {before.name}: only each window's winner gets it"
        elif e.kind == "AvgPool2D" and index > 0:
            before = bp.entries[index - 1]
            right, right_text = tiled(before.grad), f"sent to {before.name}: shared by each window's cells"
        elif e.kind == "Conv2D":
            w = e.params["W"]
            c = min(channel, w.shape[1] - 1)
            right = tiled(w[:, c])
            right_text = (f"∂loss/∂W, each filter's slice for input channel {c} ({peak_text(w)})"
                          if w.shape[1] > 1 else f"∂loss/∂W of each filter ({peak_text(w)})")
        elif e.kind == "Dense":
            w = e.params["W"]
            right, right_text = w.T, f"∂loss/∂W: a row per unit, a column per input ({peak_text(w)})"
        self._pictures(left, arriving, right, right_text)

    def _softmax(self, bp: BackwardPass, class_names) -> None:
        for w in (self.left, self.right, *self.captions):
            w.hide()
        rows = np.stack([bp.probabilities, bp.target, bp.dlogits])
        self.table.set_grid(rows, title=f"at the logits: ∂loss/∂z = p − target (true label “{bp.label_name}”)",
                            row_labels=["p", "target", "∂loss/∂z"], col_labels=[str(n) for n in class_names])
        self.table.show()
