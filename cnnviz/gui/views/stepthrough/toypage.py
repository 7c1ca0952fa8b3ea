"""The toy: a small image and kernels the user types, through the engine's own layers.

The seed's worked examples are one click away (VALID, SAME with its padding at the
bottom and right, the filters 1, 10 and -1, the 2x2 max-pool with its winners); any
edit recomputes at once. Shown: the input as the layer pads it, the maps (click a
cell to step through it: its window is outlined on the input and its row in the
im2col matrix), the im2col matrix itself, the output-size rule.
"""
from __future__ import annotations

from typing import List, Optional, Tuple

import numpy as np
from PyQt5.QtCore import Qt, pyqtSignal
from PyQt5.QtWidgets import QHBoxLayout, QLabel, QVBoxLayout, QWidget

from ....explain import (ToyConvolution, ToyPool, filled_kernels, mission_examples, toy_convolution,
                         toy_maxpool)
from ...widgets import theme
from ...widgets.grideditor import GridEditor
from ...widgets.labels import WrapLabel
from ...widgets.notes import NoteLabel
from ...widgets.numbergrid import NumberGrid
from ...widgets.wheelguard import ComboBox, SpinBox
from .display import StepDisplay
from .steptext import stored

CONV, POOL = "convolution", "max-pool"
PADDINGS = ("valid", "same", "full")
MAX_FILTERS = 3
EXAMPLES = {
    "valid": "VALID: 3x3 image, 2x2 ones",
    "same": "SAME: padding at bottom and right",
    "three filters": "three filters: all 1, 10, −1",
    "max-pool": "max-pool 2x2, stride 1, SAME",
}
OWN = "your own numbers"


def _spin(lo: int, hi: int, tip: str) -> SpinBox:
    box = SpinBox()
    box.setRange(lo, hi)
    box.setToolTip(tip)
    return box


def _sized(title: str, rows: SpinBox, cols: SpinBox, editors) -> QVBoxLayout:
    """A title with its rows x cols boxes over a row of editors."""
    head = QHBoxLayout()
    head.setSpacing(2)
    head.addWidget(QLabel(f"<b>{title}</b>"))
    head.addWidget(rows)
    head.addWidget(QLabel("×"))
    head.addWidget(cols)
    head.addStretch(1)
    row = QHBoxLayout()
    for editor in editors:
        row.addWidget(editor, 0, Qt.AlignTop)
    row.addStretch(1)
    column = QVBoxLayout()
    column.addLayout(head)
    column.addLayout(row)
    return column


class ToyPage(QWidget):
    """Edit a toy, see what the engine makes of it; :attr:`toy` is the last good result
    (a :class:`ToyConvolution` or :class:`ToyPool`), :attr:`picked` the stepped cell
    (filter, row, col), :attr:`title` (also sent by ``titleChanged``) says which."""

    titleChanged = pyqtSignal(str)

    def __init__(self, parent: Optional[QWidget] = None):
        super().__init__(parent)
        self.toy = None
        self.title = ""
        self.picked: Tuple[int, int, int] = (0, 0, 0)
        self._loading = False
        self.example_box = ComboBox()
        for key, text in EXAMPLES.items():
            self.example_box.addItem(text, key)
        self.example_box.addItem(OWN, "")
        self.example_box.activated.connect(self._example_chosen)
        self.operation_box = ComboBox()
        self.operation_box.addItems([CONV, POOL])
        self.padding_box = ComboBox()
        self.padding_box.addItems(PADDINGS)
        self.stride_spin = _spin(1, 4, "How many cells the window moves per step")
        self.rows_spin, self.cols_spin = _spin(1, 16, "image rows"), _spin(1, 16, "image columns")
        self.krows_spin, self.kcols_spin = _spin(1, 5, "kernel rows"), _spin(1, 5, "kernel columns")
        self.filters_spin = _spin(1, MAX_FILTERS, "How many filters (each makes one map)")
        self.image_edit = GridEditor("image")
        self.kernel_edits = [GridEditor(f"kernel {i}") for i in range(MAX_FILTERS)]
        for box in (self.operation_box, self.padding_box):
            box.currentIndexChanged.connect(self._edited)
        for spin in (self.stride_spin, self.rows_spin, self.cols_spin, self.krows_spin, self.kcols_spin,
                     self.filters_spin):
            spin.valueChanged.connect(self._resized)
        for edit in [self.image_edit] + self.kernel_edits:
            edit.edited.connect(self._edited)
        self.error = WrapLabel()
        self.error.setTextFormat(Qt.PlainText)
        self.padded_grid = NumberGrid(max_cell=44)
        self.map_grids = [NumberGrid(max_cell=44) for _ in range(MAX_FILTERS)]
        for grid in self.map_grids:
            grid.cellClicked.connect(self._map_clicked)
            grid.setToolTip("Click a cell: how it is computed, below")
        self.im2col_grid = NumberGrid(max_cell=40)
        self.info = WrapLabel()
        self.info.setTextFormat(Qt.PlainText)
        self.note = NoteLabel()
        self.display = StepDisplay()
        self._build_layout()
        self.load_example("same")

    def _build_layout(self) -> None:
        first = QHBoxLayout()
        first.addWidget(self.example_box, 1)
        first.addWidget(self.operation_box)
        second = QHBoxLayout()
        for text, w in (("padding", self.padding_box), ("stride", self.stride_spin), ("filters", self.filters_spin)):
            second.addWidget(QLabel(text))
            second.addWidget(w)
        second.addStretch(1)
        editors = QHBoxLayout()
        editors.setSpacing(12)
        editors.addLayout(_sized("image", self.rows_spin, self.cols_spin, [self.image_edit]))
        editors.addLayout(_sized("kernel", self.krows_spin, self.kcols_spin, self.kernel_edits))
        editors.addStretch(1)
        outputs = QHBoxLayout()
        outputs.setSpacing(10)
        outputs.addWidget(self.padded_grid, 0, Qt.AlignTop)
        for grid in self.map_grids:
            outputs.addWidget(grid, 0, Qt.AlignTop)
        outputs.addWidget(self.im2col_grid, 0, Qt.AlignTop)
        outputs.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(5)
        for part in (first, second, editors):
            layout.addLayout(part)
        layout.addWidget(self.error)
        layout.addLayout(outputs)
        layout.addWidget(self.info)
        layout.addWidget(self.display)
        layout.addWidget(self.note)
        layout.addStretch(1)

    # -- public -------------------------------------------------------------------
    def load_example(self, key: str) -> None:
        """Fill the editors with one of the seed's examples (a key of :data:`EXAMPLES`)."""
        toy = mission_examples()[key]
        self._loading = True
        self.example_box.setCurrentIndex(self.example_box.findData(key))
        pooling = isinstance(toy, ToyPool)
        self.operation_box.setCurrentText(POOL if pooling else CONV)
        self.padding_box.setCurrentText(toy.layer.padding if isinstance(toy.layer.padding, str) else "valid")
        self.stride_spin.setValue(toy.stride[0])
        self.rows_spin.setValue(toy.image.shape[0])
        self.cols_spin.setValue(toy.image.shape[1])
        self.image_edit.set_values(toy.image)
        kernels = filled_kernels([1], toy.kernel) if pooling else toy.kernels
        self.krows_spin.setValue(kernels.shape[1])
        self.kcols_spin.setValue(kernels.shape[2])
        self.filters_spin.setValue(kernels.shape[0])
        for i, edit in enumerate(self.kernel_edits):
            edit.set_values(kernels[min(i, kernels.shape[0] - 1)])
        self._loading = False
        self.picked = (0, 0, 0)
        self.recompute()

    def load_kernel(self, kernel) -> None:
        """One convolution kernel (KH, KW) into the editors (e.g. from the Kernels panel), on the
        image there is (made at least as large as the kernel), zero-padded "same" as there."""
        kernel = np.asarray(kernel, dtype=np.float64)
        image = self.image_edit.values() if self._image_ok() else np.zeros((1, 1))
        side = (max(image.shape[0], kernel.shape[0]), max(image.shape[1], kernel.shape[1]))
        grown = np.zeros(side)
        grown[:image.shape[0], :image.shape[1]] = image
        self._loading = True
        self.example_box.setCurrentIndex(self.example_box.findData(""))
        self.operation_box.setCurrentText(CONV)
        self.padding_box.setCurrentText("same")
        self.stride_spin.setValue(1)
        self.filters_spin.setValue(1)
        self.rows_spin.setValue(side[0])
        self.cols_spin.setValue(side[1])
        self.image_edit.set_values(grown)
        self.krows_spin.setValue(kernel.shape[0])
        self.kcols_spin.setValue(kernel.shape[1])
        for edit in self.kernel_edits:
            edit.set_values(kernel)
        self._loading = False
        self.picked = (0, side[0] // 2, side[1] // 2)
        self.recompute()

    def _image_ok(self) -> bool:
        try:
            self.image_edit.values()
        except ValueError:
            return False
        return True

    def pick(self, f: int, row: int, col: int) -> None:
        """Step through cell (row, col) of map ``f``."""
        self.picked = (int(f), int(row), int(col))
        self._show()

    def recompute(self) -> None:
        """Run the engine on the edited numbers; a bad number or size keeps the last good toy."""
        try:
            image = self.image_edit.values()
            padding, stride = self.padding_box.currentText(), self.stride_spin.value()
            if self.operation_box.currentText() == POOL:
                kernel = (self.krows_spin.value(), self.kcols_spin.value())
                toy = toy_maxpool(image, kernel, stride, padding)
            else:
                kernels = np.stack([e.values() for e in self.kernel_edits[:self.filters_spin.value()]])
                toy = toy_convolution(image, kernels, padding, stride)
        except ValueError as e:
            self.error.setText(f"Not computed: {e}. (Below: the last toy that worked.)")
            self.error.setStyleSheet(f"color: {theme.colors()['warning']};")
            self.error.show()
            return
        self.error.hide()
        self.toy = toy
        out_hw = toy.output.shape if isinstance(toy, ToyPool) else toy.maps.shape[1:]
        f, r, c = self.picked
        self.picked = (min(f, self._maps() - 1), min(r, out_hw[0] - 1), min(c, out_hw[1] - 1))
        self._show()

    # -- reacting -------------------------------------------------------------------
    def _example_chosen(self, index: int) -> None:
        key = self.example_box.itemData(index)
        if key:
            self.load_example(key)

    def _map_clicked(self, row: int, col: int) -> None:
        self.pick(self.map_grids.index(self.sender()), row, col)

    def _resized(self, _value: int = 0) -> None:
        if self._loading:
            return
        self._loading = True
        self.image_edit.resize_grid(self.rows_spin.value(), self.cols_spin.value())
        for edit in self.kernel_edits:
            edit.resize_grid(self.krows_spin.value(), self.kcols_spin.value())
        self._loading = False
        self._edited()

    def _edited(self, *_args) -> None:
        if self._loading:
            return
        self.example_box.setCurrentIndex(self.example_box.findData(""))
        self.recompute()

    def _maps(self) -> int:
        return 1 if isinstance(self.toy, ToyPool) else self.toy.maps.shape[0]

    # -- showing ----------------------------------------------------------------------
    def _show(self) -> None:
        toy = self.toy
        if toy is None:
            return
        pooling = isinstance(toy, ToyPool)
        n_kernels = self.filters_spin.value()
        for i, edit in enumerate(self.kernel_edits):
            edit.setVisible(not pooling and i < n_kernels)
        self.filters_spin.setEnabled(not pooling)
        f, r, c = self.picked
        step = toy.step(r, c) if pooling else toy.step(f, r, c)
        (pt, _pb), (pl, _pr) = toy.pads
        top, left, bottom, right = step.window
        window = (top + pt, left + pl, bottom + pt, right + pl)
        marks = None
        if pooling:
            marks = np.zeros(toy.padded.shape, bool)
            for wr, wc in toy.winners.reshape(-1, 2):
                marks[wr + pt, wc + pl] = True
        self.padded_grid.set_grid(toy.padded, padding=toy.is_padding, highlight=window, marks=marks,
                                  title="padded input")
        self.padded_grid.setToolTip("The image as the layer pads it (hatched: padding)" +
                                    (", each output's winner outlined" if pooling else ""))
        maps = toy.output[None] if pooling else toy.maps
        for i, grid in enumerate(self.map_grids):
            grid.setVisible(i < maps.shape[0])
            if i < maps.shape[0]:
                title = "output" if pooling else f"map {i}"
                grid.set_grid(maps[i], title=title, highlight=(r, c, r + 1, c + 1) if i == f else None)
        self.im2col_grid.setVisible(not pooling)
        if not pooling:
            self._show_im2col(toy, r * maps.shape[2] + c)
        self.info.setText(f"{toy.padding_text[0].upper()}{toy.padding_text[1:]}.\n{toy.size.text}")
        self.note.set_note(toy.note)
        self.display.show_step(step)
        which = "" if pooling or maps.shape[0] == 1 else f"map {f}, "
        self.title = f"<b>toy</b> · {which}row {r}, col {c} = <b>{stored(step.result)}</b>"
        self.titleChanged.emit(self.title)

    def _show_im2col(self, toy: ToyConvolution, row: int) -> None:
        rows: List[str] = [f"({a},{b})" for a, b in toy.rows]
        cols: List[str] = [f"{a}{b}" for a, b in toy.columns]
        self.im2col_grid.set_grid(toy.im2col, tint=False, highlight=(row, 0, row + 1, toy.im2col.shape[1]),
                                  title="im2col", row_labels=rows, col_labels=cols)
        self.im2col_grid.setToolTip("One row per output cell (row, col), one column per kernel position "
                                    "(row, col): the map is this matrix times the kernel as a column.")
