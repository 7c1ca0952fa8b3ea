"""The Training panel's Network box: what a run starts from.

A new network of a preset (or of the layers edited for it), the model shown
(continued), or a trained model given an output layer for the data set's
classes (fine-tuned; its convolutions may be frozen). Widgets only: the panel
reads the choices into its Recipe.
"""
from __future__ import annotations

from typing import Optional

from PyQt5.QtWidgets import QCheckBox, QGroupBox, QPushButton

from ...nn import PRESETS
from ...nn.init import INITS
from ...shipped import SHIPPED_MODELS, model_path
from ..widgets.wheelguard import ComboBox, DoubleSpinBox
from ..widgets.forms import form_layout

START_NEW, START_CONTINUE, START_FINETUNE = "new", "continue", "finetune"


class NetworkBox(QGroupBox):
    """Start (new / continue / fine-tune), preset and its layers, the model to fine-tune and
    whether its convolutions are frozen, initialisation and dropout."""

    def __init__(self):
        super().__init__("Network")
        rows = form_layout(self)
        self.start_box = ComboBox()
        self.start_box.addItem("New network", START_NEW)
        self.start_box.addItem("Continue this model", START_CONTINUE)
        self.start_box.addItem("Fine-tune a trained model", START_FINETUNE)
        self.start_box.setToolTip("Train a fresh network of the preset, go on training the model shown, or "
                                  "start from a trained model with a new output layer for this data set's classes")
        rows.addRow("Start", self.start_box)
        self.preset_box = ComboBox()
        for name in PRESETS:
            self.preset_box.addItem(name, name)
        self.edit_button = QPushButton("Edit layers…")
        self.edit_button.setToolTip("Change the preset's layers (filters, kernels, units…) for a new network")
        rows.addRow("Preset", self.preset_box)
        rows.addRow("", self.edit_button)         # its own row: a narrow dock cuts neither
        self.base_box = ComboBox()
        for name in SHIPPED_MODELS:
            self.base_box.addItem(f"{name} model", name)
            item = self.base_box.model().item(self.base_box.count() - 1)
            path = model_path(name)
            if path.is_file():
                item.setToolTip(f"The shipped {name} model ({path.name}): its filters and layers, a new output "
                                f"layer")
            else:
                item.setEnabled(False)
                item.setToolTip(f"Not available: {path} is missing")
        self.freeze_check = QCheckBox("Freeze the convolutions")
        self.freeze_check.setToolTip("Leave the convolution filters as they were trained: only the layers "
                                     "after them learn (few examples go further)")
        rows.addRow("From", self.base_box)
        rows.addRow(self.freeze_check)            # the whole width: a narrow dock cuts no word
        self._by_mode = {START_NEW: (self.preset_box, self.edit_button),
                         START_FINETUNE: (self.base_box, self.freeze_check)}
        self._labels = {w: rows.labelForField(w) for pair in self._by_mode.values() for w in pair}
        self.init_box = ComboBox()
        self.init_box.addItem("preset's", None)
        for name in INITS:
            self.init_box.addItem(name, name)
        self.init_box.setToolTip("Weight initialisation: normal (std 0.01), He or Xavier")
        self.dropout_spin = DoubleSpinBox()
        self.dropout_spin.setRange(-0.05, 0.9)
        self.dropout_spin.setSingleStep(0.05)
        self.dropout_spin.setDecimals(2)
        self.dropout_spin.setSpecialValueText("preset's")
        self.dropout_spin.setValue(-0.05)
        self.dropout_spin.setToolTip("Rate of every dropout layer (only presets with dropout layers use it)")
        rows.addRow("Init", self.init_box)
        rows.addRow("Dropout", self.dropout_spin)
        self.show_mode()

    def start_mode(self) -> str:
        return self.start_box.currentData()

    def finetune_base(self) -> Optional[str]:
        """The shipped model a fine-tuning run starts from, or None when the run does not fine-tune."""
        return self.base_box.currentData() if self.start_mode() == START_FINETUNE else None

    def freeze_convs(self) -> bool:
        return self.start_mode() == START_FINETUNE and self.freeze_check.isChecked()

    def show_mode(self) -> None:
        """The preset's rows for a new network, the base model's rows for fine-tuning."""
        mode = self.start_mode()
        for owner, widgets in self._by_mode.items():
            for w in widgets:
                w.setVisible(mode == owner)
                if self._labels[w] is not None:
                    self._labels[w].setVisible(mode == owner)

    def set_busy(self, busy: bool, custom: bool) -> None:
        """Lock the fields while a run loads or trains; the preset only counts for a new network
        (and not while edited layers replace it)."""
        new = self.start_mode() == START_NEW
        for w in (self.start_box, self.init_box, self.dropout_spin, self.base_box, self.freeze_check):
            w.setEnabled(not busy)
        self.edit_button.setEnabled(not busy and new)
        self.preset_box.setEnabled(not busy and new and not custom)
