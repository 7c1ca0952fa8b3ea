"""The Training panel: what to train on, how, and the Train / Pause / Stop / Save buttons.

Widgets only: :class:`TrainingPanel` turns its fields into a
:class:`cnnviz.train.recipe.Recipe` and shows what it is told; the
:class:`cnnviz.gui.training.controller.TrainingController` does the work.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Optional, Sequence

from PyQt5.QtCore import Qt, pyqtSignal
from PyQt5.QtWidgets import (QCheckBox, QComboBox, QDoubleSpinBox, QFormLayout, QFrame,
                             QGroupBox, QHBoxLayout, QProgressBar, QPushButton, QScrollArea,
                             QSpinBox, QVBoxLayout, QWidget)


from ...data import available_datasets, get_info
from ...nn.optim import OPTIMIZERS
from ...train.recipe import Recipe
from ...train.schedule import SCHEDULES
from ..widgets.labels import ElidedLines
from ..widgets.spinboxes import LogSpinBox
from ..widgets.forms import form_layout, hbox, int_spin, pick, wrapping_label
from ..widgets.wheelguard import ComboBox, DoubleSpinBox
from .networkbox import START_CONTINUE, START_FINETUNE, START_NEW, NetworkBox

PROBE_DRAWING, PROBE_TEST = "drawing", "test"
__all__ = ["PROBE_DRAWING", "PROBE_TEST", "START_CONTINUE", "START_FINETUNE", "START_NEW", "TrainingPanel"]


class TrainingPanel(QWidget):
    """The training settings and controls.

    Signals: ``trainClicked``, ``pauseClicked`` (pause or resume), ``stopClicked``,
    ``saveClicked``, ``folderClicked``, ``cancelLoadClicked``, ``editLayersClicked``,
    ``lrEdited(float)`` (the learning rate was changed; also while running),
    ``probeChanged()`` (drawing vs test image, or another test image), ``datasetChanged(str)``,
    ``downloadToggled(bool)``.
    """

    trainClicked = pyqtSignal()
    pauseClicked = pyqtSignal()
    stopClicked = pyqtSignal()
    saveClicked = pyqtSignal()
    folderClicked = pyqtSignal()
    cancelLoadClicked = pyqtSignal()
    editLayersClicked = pyqtSignal()
    lrEdited = pyqtSignal(float)
    probeChanged = pyqtSignal()
    datasetChanged = pyqtSignal(str)
    downloadToggled = pyqtSignal(bool)
    quickStartClicked = pyqtSignal()

    #: the progress line before any run
    IDLE_TEXT = "Pick a data set and a network below, then press Train: every view follows the training live."

    def __init__(self, parent: Optional[QWidget] = None):
        super().__init__(parent)
        self.setObjectName("trainingPanel")
        self.custom_spec: Optional[dict] = None      # from "Edit layers…", overrides the preset
        self._eval_limit = Recipe().train_eval_limit  # training images measured after each epoch
        self._build()
        self.set_state("idle")

    # -- building ----------------------------------------------------------------
    def _build(self) -> None:
        # The controls and progress stay in view; the settings scroll below them.
        inner = QWidget()
        col = QVBoxLayout(inner)
        col.setContentsMargins(4, 2, 4, 4)
        col.setSpacing(6)
        col.addWidget(self._data_box())
        col.addWidget(self._network_box())
        col.addWidget(self._optimizer_box())
        col.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidget(inner)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarAlwaysOff)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.setSpacing(2)
        outer.addWidget(self._run_box())
        scroll.setMinimumHeight(30)
        outer.addWidget(scroll, 1)
        # The dock may be narrow: fields shrink (and elide) rather than cut the panel off.
        for combo in self.findChildren(QComboBox):
            combo.setSizeAdjustPolicy(QComboBox.AdjustToMinimumContentsLengthWithIcon)
            combo.setMinimumContentsLength(5)
            combo.setMinimumWidth(70)
        for box in self.findChildren(QSpinBox) + self.findChildren(QDoubleSpinBox):
            box.setMinimumWidth(60)
        for button in self.findChildren(QPushButton):
            button.setMinimumWidth(40)
        self.setMinimumWidth(180)

    def _data_box(self) -> QGroupBox:
        box = QGroupBox("Data")
        rows = form_layout(box)
        self.dataset_box = ComboBox()
        for name in available_datasets():
            self.dataset_box.addItem(name, name)
            self.dataset_box.setItemData(self.dataset_box.count() - 1, get_info(name).title, Qt.ToolTipRole)
        self._named = self.dataset_box.count()        # the folders of images come after these
        self.dataset_box.currentIndexChanged.connect(self._dataset_picked)
        self.folder_button = QPushButton("Local folder…")
        self.folder_button.setToolTip("The folder holding the data files, or where downloads go")
        self.folder_button.clicked.connect(self.folderClicked)
        rows.addRow("Data set", self.dataset_box)
        self.files_label = wrapping_label()
        self.files_label.setObjectName("trainingFiles")
        rows.addRow(self.files_label)
        self.path_label = ElidedLines(1, Qt.ElideMiddle)      # the folder, on a line of its own
        self.path_label.setObjectName("trainingPath")
        rows.addRow(self.path_label)
        self.download_check = QCheckBox("Download")
        self.download_check.setChecked(True)
        self.download_check.toggled.connect(self.downloadToggled)
        self.download_check.setToolTip("Download missing files from the official mirrors (checked against "
                                       "their checksums); off: use local files only")
        rows.addRow(hbox(self.download_check, self.folder_button))
        return box

    def _network_box(self) -> NetworkBox:
        box = self.network_box = NetworkBox()
        self.start_box, self.preset_box, self.edit_button = box.start_box, box.preset_box, box.edit_button
        self.init_box, self.dropout_spin = box.init_box, box.dropout_spin
        self.base_box, self.freeze_check = box.base_box, box.freeze_check
        self.preset_box.currentIndexChanged.connect(self._preset_picked)
        self.edit_button.clicked.connect(self.editLayersClicked)
        self.start_box.currentIndexChanged.connect(self._start_picked)
        return box

    def _optimizer_box(self) -> QGroupBox:
        box = QGroupBox("Training")
        rows = form_layout(box)
        self.optimizer_box = ComboBox()
        for name in OPTIMIZERS:
            self.optimizer_box.addItem(name, name)
        self.optimizer_box.setCurrentIndex(list(OPTIMIZERS).index("adam"))
        self.decay_spin = LogSpinBox(0.0, 1e-6, 1.0, allow_zero=True)
        self.decay_spin.setToolTip("Weight decay (L2) on the kernels")
        self.epochs_spin = int_spin(1, 1000, 5)
        self.batch_spin = int_spin(1, 4096, 100)
        self.seed_spin = int_spin(0, 2 ** 31 - 1, 0)
        self.seed_spin.setToolTip("Fixes the initial weights, the batch order and dropout: same seed, same run")
        self.augment_check = QCheckBox()
        self.augment_check.setToolTip("Augmentation: random shifts, rotations, scaling and stroke thickness")
        self.schedule_box = ComboBox()
        for name in SCHEDULES:
            self.schedule_box.addItem(name, name)
        self.schedule_box.setToolTip("constant: the learning rate stays as set. one-cycle: it rises to the "
                                     "learning rate over the first quarter of the steps, then falls to almost 0")
        self.smoothing_spin = DoubleSpinBox()
        self.smoothing_spin.setRange(0.0, 0.5)
        self.smoothing_spin.setSingleStep(0.05)
        self.smoothing_spin.setDecimals(2)
        self.smoothing_spin.setToolTip("Label smoothing: the target gives this much of its probability to the "
                                       "other classes, so the network is not pushed to be 100% sure")
        for label, widget in (("Optimizer", self.optimizer_box), ("Epochs", self.epochs_spin),
                              ("Batch size", self.batch_spin), ("Weight decay", self.decay_spin),
                              ("Schedule", self.schedule_box), ("Label smoothing", self.smoothing_spin),
                              ("Augment", self.augment_check),
                              ("Seed", self.seed_spin)):
            rows.addRow(label, widget)
        return box

    def _run_box(self) -> QWidget:
        box = QWidget()
        col = QVBoxLayout(box)
        col.setContentsMargins(6, 4, 6, 2)
        col.setSpacing(4)
        self.probe_box = ComboBox()
        self.probe_box.addItem("my drawing", PROBE_DRAWING)
        self.probe_box.addItem("test image #", PROBE_TEST)
        self.probe_box.setToolTip("Which image the feature maps and probabilities follow during training")
        self.probe_spin = int_spin(0, 9999, 0)
        self.probe_spin.setToolTip("Index of the test image (of the chosen data set)")
        self.probe_spin.hide()
        self.probe_box.currentIndexChanged.connect(self._probe_picked)
        self.probe_spin.valueChanged.connect(lambda _v: self.probeChanged.emit())
        # the learning rate is the one setting that can change while a run goes on: up here,
        # in view beside the run controls (the other settings scroll below)
        self.lr_spin = LogSpinBox(0.001, 1e-6, 1e30)        # absurd rates allowed: watch a run diverge
        self.lr_spin.setToolTip("Learning rate; can be changed while training runs (press Enter)")
        self.lr_spin.valueChanged.connect(self.lrEdited)
        top = QFormLayout()
        top.setContentsMargins(0, 0, 0, 0)
        top.setVerticalSpacing(3)
        top.setFieldGrowthPolicy(QFormLayout.AllNonFixedFieldsGrow)
        top.addRow("Views show", hbox(self.probe_box, self.probe_spin))
        top.addRow("Learning rate", self.lr_spin)
        col.addLayout(top)
        self.quick_button = QPushButton("Quick start: 99% in about 90 s")
        self.quick_button.setToolTip("Fill in the 'fast' recipe (bn-conv, 4 epochs, one-cycle learning rate, "
                                     "label smoothing, augmentation) on MNIST and train a new network")
        self.quick_button.clicked.connect(self.quickStartClicked)
        col.addWidget(self.quick_button)
        self.train_button = QPushButton("Train")
        self.train_button.setObjectName("trainButton")
        self.train_button.setDefault(True)
        self.pause_button = QPushButton("Pause")
        self.stop_button = QPushButton("Stop")
        self.save_button = QPushButton("Save…")
        self.save_button.setToolTip("Save the model with its training history (also while training)")
        self.train_button.clicked.connect(self.trainClicked)
        self.pause_button.clicked.connect(self.pauseClicked)
        self.stop_button.clicked.connect(self.stopClicked)
        self.save_button.clicked.connect(self.saveClicked)
        buttons = QHBoxLayout()
        buttons.setSpacing(3)
        for b in (self.train_button, self.pause_button, self.stop_button, self.save_button):
            buttons.addWidget(b)
        col.addLayout(buttons)
        # downloading / loading the data set: its progress and Cancel, up here where they are seen
        self.load_bar = QProgressBar()
        self.load_bar.setTextVisible(True)
        self.load_bar.setMaximumHeight(18)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setToolTip("Stop downloading or loading the data set")
        self.cancel_button.clicked.connect(self.cancelLoadClicked)
        self.load_row = hbox(self.load_bar, self.cancel_button)
        self.load_row.hide()
        col.addWidget(self.load_row)
        self.progress_bar = QProgressBar()
        self.progress_bar.setRange(0, 1)
        self.progress_bar.setValue(0)
        self.progress_bar.setFormat("")
        self.progress_bar.setMaximumHeight(14)
        col.addWidget(self.progress_bar)
        self.progress_label = wrapping_label()
        self.progress_label.setObjectName("trainingProgress")
        self.progress_label.setText(self.IDLE_TEXT)
        col.addWidget(self.progress_label)
        self.message_label = wrapping_label()
        self.message_label.setObjectName("trainingMessage")
        self.message_label.setTextInteractionFlags(Qt.TextSelectableByMouse)
        col.addWidget(self.message_label)
        return box

    # -- reading the fields ---------------------------------------------------------
    def dataset(self) -> str:
        return self.dataset_box.currentData()

    def set_folder_datasets(self, folders: Sequence[str]) -> None:
        """List these folders of images (paths) after the named data sets; the choice is kept
        when it is still listed (else the first data set is chosen)."""
        current = self.dataset()
        box = self.dataset_box
        box.blockSignals(True)
        while box.count() > self._named:
            box.removeItem(box.count() - 1)
        if folders:
            box.insertSeparator(box.count())
        for path in folders:
            box.addItem(f"{Path(path).name} (folder)", str(path))
            box.setItemData(box.count() - 1, f"Your images: {path}", Qt.ToolTipRole)
        box.setCurrentIndex(max(0, box.findData(current)))
        box.blockSignals(False)
        if self.dataset() != current:
            self.datasetChanged.emit(self.dataset())

    def choose_dataset(self, name: str) -> bool:
        """Pick data set ``name`` (a folder of images is listed first if need be); False when it
        is neither a known data set nor a folder."""
        if self.dataset_box.findData(name) < 0 and os.path.isdir(name):
            self.set_folder_datasets([self.dataset_box.itemData(i) for i in range(self._named + 1,
                                                                               self.dataset_box.count())] + [name])
        return pick(self.dataset_box, name)

    def _dataset_picked(self, _index: int) -> None:
        self.datasetChanged.emit(self.dataset())

    def start_mode(self) -> str:
        return self.start_box.currentData()

    def preset(self) -> str:
        """The chosen preset's name."""
        return self.preset_box.currentData()

    def set_preset(self, name: str) -> None:
        """Pick preset ``name`` (if there is one of that name) for a new network."""
        pick(self.preset_box, name)

    def download_allowed(self) -> bool:
        """Whether missing data files may be downloaded."""
        return self.download_check.isChecked()

    def probe(self) -> tuple:
        """("drawing", None) or ("test", index)."""
        mode = self.probe_box.currentData()
        return (mode, self.probe_spin.value() if mode == PROBE_TEST else None)

    def set_probe(self, mode: str, index: Optional[int] = None) -> None:
        """Show ``mode`` (PROBE_DRAWING or PROBE_TEST, with test image ``index``) as the
        views' image, without emitting ``probeChanged`` (the caller acts on it)."""
        for w in (self.probe_box, self.probe_spin):
            w.blockSignals(True)
        self.probe_box.setCurrentIndex(self.probe_box.findData(mode))
        if index is not None:
            self.probe_spin.setValue(index)
        self.probe_spin.setVisible(mode == PROBE_TEST)
        for w in (self.probe_box, self.probe_spin):
            w.blockSignals(False)

    def recipe(self) -> Recipe:
        """The settings as a Recipe (arch is the preset, or the edited architecture's name;
        a fine-tuning run names its model in ``finetune``)."""
        dropout = self.dropout_spin.value()
        arch = self.custom_spec.get("name", "custom") if self.custom_spec else self.preset_box.currentData()
        return Recipe(arch=arch, dataset=self.dataset(), epochs=self.epochs_spin.value(),
                      batch=self.batch_spin.value(), optimizer=self.optimizer_box.currentData(),
                      lr=float(self.lr_spin.value()), weight_decay=float(self.decay_spin.value()),
                      init=self.init_box.currentData(), dropout=None if dropout < 0 else round(dropout, 2),
                      augment=self.augment_check.isChecked(), seed=self.seed_spin.value(),
                      schedule=self.schedule_box.currentData(),
                      label_smoothing=round(float(self.smoothing_spin.value()), 2),
                      train_eval_limit=self._eval_limit,
                      finetune=self.network_box.finetune_base(), freeze_convs=self.network_box.freeze_convs())

    def set_recipe(self, recipe: Recipe) -> None:
        """Fill the fields from ``recipe`` (e.g. the one a reopened model was trained with)."""
        self.choose_dataset(recipe.dataset)
        pick(self.preset_box, recipe.arch)
        if recipe.finetune:
            pick(self.base_box, recipe.finetune)
            self.freeze_check.setChecked(bool(recipe.freeze_convs))
        pick(self.optimizer_box, recipe.optimizer)
        pick(self.init_box, recipe.init)
        self.epochs_spin.setValue(recipe.epochs)
        self.batch_spin.setValue(recipe.batch)
        self.lr_spin.setValue(recipe.lr)
        self.decay_spin.setValue(recipe.weight_decay)
        self.dropout_spin.setValue(-0.05 if recipe.dropout is None else recipe.dropout)
        self.augment_check.setChecked(bool(recipe.augment))
        self.seed_spin.setValue(recipe.seed)
        pick(self.schedule_box, recipe.schedule)
        self.smoothing_spin.setValue(recipe.label_smoothing)
        self._eval_limit = recipe.train_eval_limit

    # -- showing ---------------------------------------------------------------------
    def set_state(self, state: str) -> None:
        """"idle", "loading", "running" or "paused": which controls are usable."""
        self.state = state
        busy = state in ("loading", "running", "paused")
        for w in (self.dataset_box, self.folder_button, self.download_check, self.optimizer_box, self.decay_spin,
                  self.epochs_spin, self.batch_spin, self.seed_spin, self.augment_check, self.schedule_box,
                  self.smoothing_spin, self.quick_button):
            w.setEnabled(not busy)
        # a schedule sets the learning rate at every step: a typed rate would be overwritten at once
        scheduled = self.schedule_box.currentData() != "constant"
        self.lr_spin.setEnabled(not (busy and scheduled))
        self.lr_spin.setToolTip("The learning rate the schedule peaks at; the schedule sets it at every step"
                                if scheduled else "Learning rate; can be changed while training runs (press Enter)")
        self.network_box.set_busy(busy, self.custom_spec is not None)
        self.train_button.setEnabled(state == "idle")
        self.pause_button.setEnabled(state in ("running", "paused"))
        self.pause_button.setText("Resume" if state == "paused" else "Pause")
        self.stop_button.setEnabled(state in ("running", "paused"))
        self.load_row.setVisible(state == "loading")
        self.progress_bar.setVisible(state != "loading")    # the load bar stands in its place

    def set_files_text(self, text: str, ok: bool = True, tip: str = "", path: str = "") -> None:
        """Say where the data set's files are; ``ok=False`` shows the text as a problem.
        ``path``: the folder the text speaks of, shown on its own line (shortened in the
        middle when the panel is narrow; the whole path in its tooltip)."""
        self.files_label.setText(text)
        self.files_label.setToolTip(tip)
        self.files_label.setProperty("problem", not ok)
        self.files_label.setStyleSheet("" if ok else "color: #c0392b;")
        self.path_label.setText(path)
        self.path_label.setToolTip(path)
        self.path_label.setVisible(bool(path))

    def set_load_progress(self, done: int, total: int) -> None:
        if total > 0:
            self.load_bar.setRange(0, 1000)
            self.load_bar.setValue(int(1000 * min(done, total) / total))
            self.load_bar.setFormat(f"{done / 1e6:.1f} of {total / 1e6:.1f} MB")
        else:
            self.load_bar.setRange(0, 0)           # busy: size unknown, or reading local files

    def set_progress(self, text: str, fraction: Optional[float] = None) -> None:
        """The run's progress line; ``fraction`` (0..1) moves the bar, None leaves it."""
        self.progress_label.setText(text)
        if fraction is not None:
            self.progress_bar.setRange(0, 1000)
            self.progress_bar.setValue(int(1000 * max(0.0, min(1.0, fraction))))

    def set_message(self, text: str, error: bool = False) -> None:
        self.message_label.setText(text)
        self.message_label.setStyleSheet("color: #c0392b;" if error else "")

    def set_start_mode(self, mode: str) -> None:
        """START_NEW (train a new network) or START_CONTINUE (go on training the model shown)."""
        pick(self.start_box, mode)

    def set_custom_spec(self, spec: Optional[dict]) -> None:
        """Train this architecture (from the layer editor) instead of the preset; None: the preset."""
        self.custom_spec = spec
        if spec is not None:
            self.preset_box.setToolTip(f"Edited architecture '{spec.get('name', 'custom')}' is used")
        self.set_state(self.state)

    def _preset_picked(self, _index: int) -> None:
        self.custom_spec = None

    def _start_picked(self, _index: int) -> None:
        self.network_box.show_mode()
        self.set_state(self.state)

    def _probe_picked(self, _index: int) -> None:
        self.probe_spin.setVisible(self.probe_box.currentData() == PROBE_TEST)
        self.probeChanged.emit()
