"""TeachBox: "teach it this drawing" - a few optimizer steps on a copy of the weights, the
probabilities before and after side by side, and Undo (back to the model)."""
from __future__ import annotations

from typing import Optional, Sequence

import numpy as np
from PyQt5.QtCore import Qt, pyqtSignal
from PyQt5.QtWidgets import QGridLayout, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from ....explain import Teaching
from ...widgets.classbars import ClassBarChart, format_probability
from ...widgets.labels import WrapLabel
from ...widgets.spinboxes import LogSpinBox
from ...widgets.wheelguard import ComboBox, SpinBox

OPTIMIZERS = ("sgd", "adam")
MAX_STEPS = 20


def loss_text(v: float) -> str:
    return f"{float(v) + 0.0:.3g}"          # + 0.0: -0.0 (the loss of p = 1) reads 0


class TeachBox(QWidget):
    """Steps, optimizer, learning rate, Teach and Undo; ``teachClicked(steps, lr, optimizer)``
    and ``undoClicked()``. :meth:`show_model` / :meth:`show_taught` fill the two charts."""

    teachClicked = pyqtSignal(int, float, str)
    undoClicked = pyqtSignal()

    def __init__(self, parent: Optional[QWidget] = None):
        super().__init__(parent)
        self.steps_spin = SpinBox()
        self.steps_spin.setRange(1, MAX_STEPS)
        self.steps_spin.setToolTip("Optimizer steps on this one drawing")
        self.optimizer_box = ComboBox()
        self.optimizer_box.addItems(OPTIMIZERS)
        self.lr_spin = LogSpinBox(0.01, 1e-5, 1.0)
        self.lr_spin.setToolTip("Learning rate of the steps")
        self.teach_button = QPushButton("Teach it this drawing")
        self.teach_button.setToolTip("Apply the steps to a copy of the weights (the model itself stays as it is)")
        self.undo_button = QPushButton("Undo")
        self.undo_button.setToolTip("Forget the taught copy: back to the model")
        self.undo_button.setEnabled(False)
        self.teach_button.clicked.connect(self._teach)
        self.undo_button.clicked.connect(self.undoClicked)
        self.before, self.after = ClassBarChart(), ClassBarChart()
        for chart in (self.before, self.after):
            chart.setMinimumSize(110, 90)
        self.before_label, self.after_label = QLabel("the model"), QLabel("taught copy: not yet")
        self.summary = WrapLabel()
        self.summary.setTextFormat(Qt.PlainText)
        controls = QHBoxLayout()
        controls.setSpacing(4)
        for w in (QLabel("steps"), self.steps_spin, self.optimizer_box, QLabel("lr"), self.lr_spin):
            controls.addWidget(w)
        controls.addStretch(1)
        buttons = QHBoxLayout()
        buttons.addWidget(self.teach_button, 1)
        buttons.addWidget(self.undo_button)
        charts = QGridLayout()
        charts.addWidget(self.before_label, 0, 0)
        charts.addWidget(self.after_label, 0, 1)
        charts.addWidget(self.before, 1, 0)
        charts.addWidget(self.after, 1, 1)
        charts.setRowStretch(1, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        layout.addLayout(controls)
        layout.addLayout(buttons)
        layout.addLayout(charts, 1)
        layout.addWidget(self.summary)

    def set_classes(self, names: Sequence[str]) -> None:
        for chart in (self.before, self.after):
            chart.set_classes(list(names))

    def show_model(self, probabilities: Optional[np.ndarray]) -> None:
        """The model's probabilities for the shown input (None: no input)."""
        self.before.set_values(probabilities)

    def show_taught(self, probabilities: Optional[np.ndarray], teaching: Optional[Teaching] = None,
                    steps_done: int = 0, label_name: str = "") -> None:
        """The taught copy's probabilities for the shown input (None: no copy), with the
        teaching that made it (``steps_done`` steps in all)."""
        self.after.set_values(probabilities)
        self.undo_button.setEnabled(probabilities is not None)
        if probabilities is None:
            self.after_label.setText("taught copy: not yet")
            self.summary.setText("")
            return
        self.after_label.setText(f"taught copy ({steps_done} step{'s' if steps_done > 1 else ''})")
        if teaching is not None:
            k = teaching.label
            path = " → ".join(format_probability(float(p[k])) for p in teaching.probabilities)
            self.summary.setText(f"loss {loss_text(teaching.losses[0])} → {loss_text(teaching.losses[-1])} nats; "
                                 f"p(“{label_name}”) {path}. {teaching.note}")

    def set_busy(self, busy: bool) -> None:
        self.teach_button.setEnabled(not busy)
        self.teach_button.setText("Teaching…" if busy else "Teach it this drawing")

    def _teach(self) -> None:
        self.teachClicked.emit(self.steps_spin.value(), float(self.lr_spin.value()), self.optimizer_box.currentText())
