"""The step-through of the picked cell of the shown network, on its shown input.

Follows the inspector: the picked cell (``cellPicked``), every new forward pass
(``traceChanged``: drawing and training keep it live), the explained class (the
softmax's bold row). Left: the layer's input with the window on it (padding as a
hatched margin) over its output with the cell; right: the numbers
(:class:`StepDisplay`); above: play / step / scrub over the whole output.
"""
from __future__ import annotations

from typing import Optional, Tuple

import numpy as np
from PyQt5.QtCore import pyqtSignal
from PyQt5.QtWidgets import QHBoxLayout, QLabel, QVBoxLayout, QWidget

from ....explain import ConvStep, PoolStep, ResidualStep, step_through, sweep
from ...widgets import colormaps as cm
from ...widgets.badge import source_badge
from ...widgets.labels import ElidedLabel
from ...widgets.lazy import CatchUpOnShow, skip_while_hidden
from ...widgets.mapimage import MapImage
from .display import StepDisplay, window_text
from .steptext import cell_text, stored
from .sweepbar import SweepBar

WINDOW, CELL = "#00e0ff", "#39ff6a"      # the window on the input, the cell it makes
WHERE_SIDE = 92                          # the two small maps' side (pixels)
PICK_HINT = ("Click a cell of a map in Feature maps (or a bar of a dense layer) to see how the "
             "network computes it, number by number.")


def map_rgba(kind: str, maps: np.ndarray, channel: int) -> np.ndarray:
    """RGBA pixels of map ``channel`` of ``maps`` (C, H, W), coloured as the feature maps are
    (levels shared by the whole layer)."""
    cmap, levels = cm.activation_style(kind, maps)
    return cm.to_rgba(maps[channel], cmap, levels)


class NetworkStepPage(CatchUpOnShow, QWidget):
    """The picked cell's computation; :attr:`title` (rich text, also sent by ``titleChanged``)
    says which cell it is, its stored value, and what input it is of."""

    titleChanged = pyqtSignal(str)

    def __init__(self, inspector, parent: Optional[QWidget] = None):
        super().__init__(parent)
        self.inspector = inspector
        self.step = None
        self.channel = 0
        self._channel_key: Optional[Tuple[int, int]] = None     # (entry, filter) the channel was chosen for
        self.title = ""
        self.sweep = SweepBar()
        self.sweep.moved.connect(self._sweep_moved)
        self.in_caption, self.out_caption = ElidedLabel(), ElidedLabel()
        self.in_map, self.out_map = MapImage(), MapImage()
        self.out_map.cellClicked.connect(self._out_clicked)
        self.where = QWidget()
        where = QVBoxLayout(self.where)
        where.setContentsMargins(0, 0, 0, 0)
        where.setSpacing(2)
        for caption, image in ((self.in_caption, self.in_map), (self.out_caption, self.out_map)):
            image.setFixedSize(WHERE_SIDE, WHERE_SIDE)
            caption.setFixedWidth(WHERE_SIDE)
            where.addWidget(caption)
            where.addWidget(image)
        where.addStretch(1)
        self.display = StepDisplay()
        self.display.channelPicked.connect(self.set_channel)
        body = QHBoxLayout()          # the small maps in a column beside the numbers
        body.setSpacing(6)
        body.addWidget(self.where)
        body.addWidget(self.display, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        layout.addWidget(self.sweep)
        layout.addLayout(body, 1)
        inspector.networkChanged.connect(self._on_network)
        inspector.traceChanged.connect(self.refresh)
        inspector.cellPicked.connect(self.refresh)
        self.refresh()

    # -- public -------------------------------------------------------------------
    def set_channel(self, channel: int) -> None:
        """Show the numbers of input channel ``channel`` of a convolution's window."""
        self.channel = int(channel)
        self.refresh()

    @skip_while_hidden
    def refresh(self) -> None:
        """Compute the picked cell's step from the inspector's trace and show it."""
        ins = self.inspector
        ref = ins.picked_cell
        self.step = None
        if ref is None or ins.value(ref.index) is None:
            self._set_title("")
            self.sweep.set_sweep(0, 0)
            self.where.hide()
            self.display.clear(PICK_HINT if ref is None else "No input yet: draw something.")
            return
        entry = ins.entries()[ref.index]
        step = step_through(ins.trace, ref.index, ref.cell, class_names=ins.class_names, meta=ins.meta)
        self.step = step
        if isinstance(step, ConvStep) and self._channel_key != (ref.index, ref.cell[0]):
            self._channel_key = (ref.index, ref.cell[0])       # a new filter: its strongest channel
            self.channel = int(np.argmax(np.abs(step.channel_sums)))
        if isinstance(step, ConvStep):
            self.channel = min(self.channel, step.patch.shape[0] - 1)
        head = f"<b>{entry.name}</b>" + (" · softmax of the logits" if entry.kind == "Softmax" else "")
        if entry.kind != "Softmax":
            head += f" · {cell_text(ref.cell)} = <b>{stored(float(ins.value(ref.index)[ref.cell]))}</b>"
        if not ins.source.is_drawing:
            head += f" · of {ins.source.text}"
        self._set_title(source_badge(ins.source) + head)
        self._show_sweep(ref, entry)
        self._show_where(ref, entry, step)
        source = ins.entries()[ref.index - 1].name if ref.index else ""
        # the softmax's bold row: the class picked (a click on its bar in the feature maps' softmax)
        self.display.show_step(step, self.channel, ref.cell[0] if entry.kind == "Softmax" else None, source)

    def _set_title(self, text: str) -> None:
        if text != self.title:
            self.title = text
            self.titleChanged.emit(text)

    # -- parts ----------------------------------------------------------------------
    def _show_sweep(self, ref, entry) -> None:
        shape = entry.shape
        if len(shape) == 3:
            count, pos = shape[1] * shape[2], ref.cell[1] * shape[2] + ref.cell[2]
        else:
            count, pos = shape[0], ref.cell[0]
        text = f"{pos + 1} of {count}"
        if entry.kind in ("Conv2D", "MaxPool2D", "AvgPool2D"):
            sw = sweep(self.inspector.trace, ref.index)
            (sh, sx) = sw.stride
            text += f" · stride {sh}" if sh == sx else f" · stride {sh} down, {sx} across"
            self.sweep.setToolTip(sw.note)
        self.sweep.set_sweep(count, pos, text)

    def _sweep_moved(self, position: int) -> None:
        ref = self.inspector.picked_cell
        if ref is None:
            return
        shape = self.inspector.entries()[ref.index].shape
        cell = (ref.cell[0],) + divmod(position, shape[2]) if len(shape) == 3 else (position,)
        self.inspector.pick_cell(ref.index, cell)

    def _out_clicked(self, row: int, col: int) -> None:
        ref = self.inspector.picked_cell
        if ref is not None and len(ref.cell) == 3:
            self.inspector.pick_cell(ref.index, (ref.cell[0], row, col))

    def _input_of(self, ref, step) -> Optional[int]:
        """The entry whose map the window (or the cell) reads."""
        if isinstance(step, ResidualStep):
            names = [e.name for e in self.inspector.entries()]
            return names.index(step.x_layer)
        return ref.index - 1 if ref.index > 0 else None

    def _show_where(self, ref, entry, step) -> None:
        ins = self.inspector
        source = self._input_of(ref, step)
        if len(entry.shape) != 3 or source is None or len(ins.entries()[source].shape) != 3:
            self.where.setVisible(len(entry.shape) == 3 and ref.index == 0)
            if ref.index == 0 and len(entry.shape) == 3:
                self._show_output(ref, entry, self.in_map, self.in_caption, "the input")
                self.out_map.hide()
                self.out_caption.hide()
            return
        self.where.show()
        self.out_map.show()
        self.out_caption.show()
        prev = ins.entries()[source]
        x = ins.value(source)
        c, r, k = ref.cell
        channel = self.channel if isinstance(step, ConvStep) else c
        margin = 0
        if isinstance(step, (ConvStep, PoolStep)):
            top, left, bottom, right = step.window
            (pt, pb), (pl, pr) = entry.layer.pads
            margin = max(pt, pb, pl, pr)
        else:
            top, left, bottom, right = r, k, r + 1, k + 1
        self.in_map.set_map(map_rgba(prev.kind, x, channel), margin)
        self.in_map.set_boxes([(top, left, bottom, right, WINDOW)])
        self.in_caption.setText(f"{prev.name} {'ch' if prev.kind == 'Input' else 'map'} {channel}")
        self.in_map.setToolTip(f"{prev.name}, {'channel' if prev.kind == 'Input' else 'map'} {channel}: the box is "
                               f"the window ({window_text((top, left, bottom, right))}; hatched: padding)")
        self._show_output(ref, entry, self.out_map, self.out_caption, f"{entry.name} map {c}")
        self.out_map.setToolTip(f"{entry.name}, map {c}: the cell the window makes. Click another cell to go there.")

    def _show_output(self, ref, entry, image: MapImage, caption: QLabel, text: str) -> None:
        c, r, k = ref.cell
        image.set_map(map_rgba(entry.kind, self.inspector.value(ref.index), c))
        image.set_boxes([(r, k, r + 1, k + 1, CELL)])
        caption.setText(text)
        caption.show()
        image.show()

    def _on_network(self) -> None:
        self._channel_key = None
        self.channel = 0
        self.refresh()
