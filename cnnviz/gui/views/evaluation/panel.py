"""The Evaluation panel: where the shown network fails on its data set's test split.

Evaluate runs the model (a copy of the shown weights) over the test split in a
background thread (:class:`EvaluationRunner`), with a progress bar and Cancel.
The result fills five tabs: the confusion matrix, the mistakes gallery, the
precision-recall curves and table, the embedding map, and the dead and lazy
filters (which the inspector also hands to the Filters view and the strip).
A test image picked in the gallery or on the map goes to the inspector, which
every view follows (during training, the training run traces it). While a run
trains, the window calls :meth:`EvaluationPanel.evaluate_epoch` after every
epoch, so the matrix and the map change as the network learns.
"""
from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Callable, Optional, Tuple

import numpy as np
from PyQt5.QtWidgets import (QCheckBox, QHBoxLayout, QLabel, QProgressBar, QPushButton, QTabWidget, QVBoxLayout,
                             QWidget)

from ....data import REGISTRY
from ....evaluation import cell_images, mistakes
from ....evaluation.taps import find_taps
from ...model.filterflags import FilterFlags
from ...model.inspector import InputSource, Inspector
from ...widgets import theme
from ...widgets.labels import WrapLabel
from ...widgets.lazy import CatchUpOnShow, skip_while_hidden
from ...widgets.wheelguard import ComboBox
from .confusion import ConfusionView
from .exports import ExportMenu
from .gallery import MistakeGallery
from .healthview import HealthView
from .mapview import MapView
from .prview import PRView
from .runner import EvaluationJob, EvaluationResult, EvaluationRunner
from .words import (aligned, default_place, escape, fitting_datasets, picked_source, preferred_dataset,
                    summary_html, weights_words)

#: the tabs, in order
TABS = ("confusion", "mistakes", "curves", "map", "filters")
TAB_TITLES = ("Confusion", "Mistakes", "Curves", "Map", "Filters")
TAB_TIPS = ("The confusion matrix: how often each class was read as each other class",
            "The test images the network got wrong, the most confident first",
            "Precision and recall: the curve of each class, the per-class table, mAP and the worked example",
            "The embedding map: test images placed by what the layer before the answer makes of them",
            "Dead and lazy filters: filters that (nearly) never fire")
CONFUSION_LEGEND = "green: right · red: wrong · darker: more · click a cell to list its images"
#: where data lives when the window gives no folder: (folder, may download)
DataPlace = Callable[[], Tuple[str, bool]]


class EvaluationPanel(CatchUpOnShow, QWidget):
    """Public: ``dataset_box``, ``evaluate_button``, ``cancel_button``, ``progress``,
    ``status``, ``summary``, ``follow_box``, ``tabs``, ``confusion``, ``gallery``,
    ``curves``, ``map``, ``health``, ``export_button``; :attr:`result` (the shown
    :class:`EvaluationResult` or None), ``runner``; :meth:`evaluate`,
    :meth:`evaluate_epoch`, :meth:`cancel`, :meth:`show_cell`, :meth:`show_mistakes`,
    :meth:`pick`, :meth:`export`, :meth:`shutdown`."""

    def __init__(self, inspector: Inspector, data_place: Optional[DataPlace] = None,
                 parent: Optional[QWidget] = None):
        super().__init__(parent)
        self.inspector = inspector
        self.data_place = data_place or default_place
        self.result: Optional[EvaluationResult] = None
        self.runner = EvaluationRunner(self)
        self._pending_epoch = None            # (data, epoch, its last step) not evaluated yet (panel hidden)
        self._feature_entry: Optional[int] = None
        self._stale_tabs = set()
        self._build()
        self.runner.progress.connect(self._on_progress)
        self.runner.finished.connect(self._on_finished)
        self.runner.failed.connect(self._on_failed)
        self.runner.cancelled.connect(self._on_cancelled)
        inspector.networkChanged.connect(self._on_network)
        inspector.weightsChanged.connect(self._show_summary)
        inspector.liveChanged.connect(self._show_summary)
        inspector.traceChanged.connect(self._place_marker)
        inspector.traceChanged.connect(self.runner.note_ui_busy)
        self._on_network()

    def _build(self) -> None:
        self.dataset_box = ComboBox()
        self.dataset_box.setToolTip("The data set whose test split the model is evaluated on")
        self.dataset_box.setSizeAdjustPolicy(ComboBox.AdjustToMinimumContentsLengthWithIcon)
        self.dataset_box.setMinimumContentsLength(12)
        self.evaluate_button = QPushButton("Evaluate")
        self.evaluate_button.setToolTip("Run the shown model over every test image (in the background)")
        self.evaluate_button.clicked.connect(self.evaluate)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.clicked.connect(self.cancel)
        self.cancel_button.hide()
        self.export_button = ExportMenu(self)
        self.progress = QProgressBar()
        policy = self.progress.sizePolicy()
        policy.setRetainSizeWhenHidden(True)         # nothing below it moves when a run starts or ends
        self.progress.setSizePolicy(policy)
        self.progress.setMinimumWidth(90)
        self.progress.hide()
        self.status = WrapLabel()
        self.status.hide()
        self.summary = WrapLabel("Evaluate the shown model on a test set to see where it fails.")
        self.follow_box = QCheckBox("after each epoch")
        self.follow_box.setChecked(True)
        self.follow_box.setToolTip("While a training run goes on, evaluate its weights again after every "
                                   "epoch (in the background, while this panel is open)")
        self.confusion = ConfusionView()
        self.confusion.cellClicked.connect(self.show_cell)
        self.gallery = MistakeGallery()
        self.gallery.picked.connect(self._picked)
        self.gallery.allRequested.connect(self.show_mistakes)
        self.curves = PRView()
        self.map = MapView()
        self.map.picked.connect(self.pick)
        self.health = HealthView()
        confusion_page = QWidget()
        col = QVBoxLayout(confusion_page)
        col.setContentsMargins(2, 2, 2, 2)
        col.addWidget(self.confusion, 1)
        self.numbers_box = ComboBox()
        self.numbers_box.addItem("counts", "counts")
        self.numbers_box.addItem("% of row", "percent")
        self.numbers_box.setToolTip("What the cells say: how many images (and, where there is room, their share "
                                    "of the row below), or only the share of the row: of the true class's test "
                                    "images, the percentage read as each class")
        self.numbers_box.currentIndexChanged.connect(self._numbers_picked)
        legend = WrapLabel(CONFUSION_LEGEND)
        legend.setObjectName("confusionLegend")
        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.numbers_box)
        row.addWidget(legend, 1)
        col.addLayout(row)
        self.confusion_page = confusion_page
        self.tabs = QTabWidget()
        self.tabs.setDocumentMode(True)
        for i, (page, title) in enumerate(zip((confusion_page, self.gallery, self.curves, self.map, self.health),
                                              TAB_TITLES)):
            self.tabs.addTab(page, title)
            self.tabs.setTabToolTip(i, TAB_TIPS[i])
        self.tabs.currentChanged.connect(self._tab_shown)
        top = QHBoxLayout()
        top.setContentsMargins(0, 0, 0, 0)
        top.addWidget(QLabel("Test set"))
        top.addWidget(self.dataset_box, 1)
        top.addWidget(self.export_button)
        buttons = QHBoxLayout()
        buttons.setContentsMargins(0, 0, 0, 0)
        buttons.addWidget(self.evaluate_button)
        buttons.addWidget(self.cancel_button)      # in its place while an evaluation runs
        buttons.addWidget(self.progress, 1)
        buttons.addWidget(self.follow_box)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(top)
        layout.addLayout(buttons)
        layout.addWidget(self.status)
        layout.addWidget(self.summary)
        layout.addWidget(self.tabs, 1)

    # -- starting -----------------------------------------------------------------------
    def evaluate(self) -> bool:
        """Evaluate the shown weights on the chosen data set's test split (loaded in the background)."""
        name = self.dataset_box.currentData()
        if name is None:
            return False
        folder, download = self.data_place()
        words, step = weights_words(self.inspector)
        self._submit(EvaluationJob(self.inspector.network.copy(), tuple(self.inspector.class_names), name, words,
                                   step, folder, download))
        return True

    def evaluate_epoch(self, data, epoch: int, end_step: Optional[int] = None) -> None:
        """A training run ended epoch ``epoch`` (at training step ``end_step``) on ``data`` (a
        Dataset with its test split): evaluate the weights shown now, when "after each epoch"
        is ticked; while the panel cannot be seen, the newest epoch waits until it is shown."""
        if not self.follow_box.isChecked() or data is None or data.x_test is None:
            return
        self._pending_epoch = (data, int(epoch), end_step)
        self.refresh()

    @skip_while_hidden
    def refresh(self) -> None:
        """Run the epoch evaluation that waited while the panel was hidden (if any)."""
        pending, self._pending_epoch = self._pending_epoch, None
        if pending is None:
            return
        data, epoch, end_step = pending
        words, step = weights_words(self.inspector)
        if step is not None and end_step is not None:      # snapshots lag the steps: say which it is
            words = (f"the weights at the end of epoch {epoch} (step {step:,})" if step == end_step else
                     f"the weights of step {step:,}, {'late in' if step < end_step else 'after'} epoch {epoch}")
        self._submit(EvaluationJob(self.inspector.network.copy(), tuple(self.inspector.class_names), data.name,
                                   words, step, data=data))

    def _submit(self, job: EvaluationJob) -> None:
        self.runner.submit(job)
        self._set_busy(True)
        self.say("")
        self.progress.setRange(0, 0)

    def cancel(self) -> None:
        """Stop the running evaluation (the last result stays shown)."""
        self.runner.cancel()

    def shutdown(self) -> bool:
        """The window closes: stop the evaluation thread."""
        return self.runner.shutdown()

    def say(self, text: str) -> None:
        """The status line (rich text; hidden while empty)."""
        self.status.setText(text)
        self.status.setVisible(bool(text))

    def _numbers_picked(self, _index: int) -> None:
        self.confusion.set_numbers(self.numbers_box.currentData())

    def _set_busy(self, busy: bool) -> None:
        self.progress.setVisible(busy)
        self.cancel_button.setVisible(busy)
        self.evaluate_button.setVisible(not busy)
        self.evaluate_button.setEnabled(self.dataset_box.count() > 0)

    # -- what the runner reports --------------------------------------------------------
    def _on_progress(self, text: str, done: int, total: int) -> None:
        self.progress.setRange(0, max(total, 0))
        if total:
            self.progress.setValue(done)
        self.progress.setFormat(f"{done:,} of {total:,} images" if total else "loading…")
        self.progress.setToolTip(text)

    def _on_failed(self, message: str, about_data: bool) -> None:
        self._set_busy(False)
        color = theme.colors()["warning"]
        text = f"<span style='color:{color}'>{escape(message)}</span>"
        if about_data:
            folder, _ = self.data_place()
            text += (f"<br>Data files are looked for in the Training panel's data folder ({escape(folder)}); "
                     f"choose another there (Data > Local folder…).")
        self.say(text)

    def _on_cancelled(self) -> None:
        self._set_busy(False)
        self.say("Evaluation cancelled." + (" The last result stays shown." if self.result else ""))

    def _on_finished(self, result: EvaluationResult) -> None:
        self._set_busy(False)
        self.say("")
        before = None if self.result is None else self.result.embedding
        result = replace(result, embedding=aligned(result.embedding, before))
        self.result = result
        ev = result.evaluation
        self.inspector.set_filter_flags(FilterFlags(result.health, f"on {ev.n_images:,} {result.dataset} test "
                                                                   f"images with {result.weights}"))
        self._stale_tabs = set(TABS)
        self._tab_shown(self.tabs.currentIndex())
        self._show_summary()
        self._place_marker()

    def _show_summary(self) -> None:
        r = self.result
        if r is None:
            return
        self.summary.setText(summary_html(r, self.inspector.weights_step, self.inspector.live))
        self.summary.setToolTip(f"Evaluated with {r.weights} in {r.evaluation.seconds:.1f} s")

    # -- the tabs -----------------------------------------------------------------------
    def _tab_shown(self, index: int) -> None:
        if 0 <= index < len(TABS):
            self.fill(TABS[index])

    def fill(self, key: str) -> None:
        """Fill tab ``key`` from the result if it is out of date (tabs are filled when seen)."""
        if key not in self._stale_tabs:
            return
        self._stale_tabs.discard(key)
        r = self.result
        ev = None if r is None else r.evaluation
        if key == "confusion":
            self.confusion.set_matrix(None if ev is None else ev.confusion)
        elif key == "mistakes" and r is not None:
            self.show_mistakes()
        elif key == "mistakes":
            self.gallery.clear("Evaluate to see the test images the network gets wrong.")
        elif key == "curves":
            self.curves.set_results(ev, () if r is None else r.curves)
        elif key == "map":
            self._fill_map()
        else:
            self.health.set_flags(self.inspector.filter_flags)

    def show_tab(self, key: str) -> None:
        self.tabs.setCurrentIndex(TABS.index(key))
        self.fill(key)

    def show_mistakes(self) -> None:
        """The gallery lists every misclassified test image, most confident first."""
        r = self.result
        if r is None:
            return
        found = mistakes(r.evaluation)
        self.confusion.set_selected(None)
        self.gallery.show_images(found, r.images, f"<b>{len(found):,} mistakes</b> of {r.evaluation.n_images:,} "
                                 f"test images, the most confident wrong answers first. Click one to see it "
                                 f"in every view.")

    def show_cell(self, true_class: int, predicted: int) -> None:
        """The gallery lists the images of confusion cell (``true_class``, ``predicted``) and comes to the front."""
        r = self.result
        if r is None:
            return
        names = r.evaluation.class_names
        found = cell_images(r.evaluation, true_class, predicted)
        what = "read right" if true_class == predicted else f"read as {names[predicted]}"
        self.confusion.set_selected((true_class, predicted))
        self.gallery.show_images(found, r.images, f"<b>{len(found):,} test image{'s' if len(found) != 1 else ''} "
                                 f"of {escape(names[true_class])} {escape(what)}</b>, the most confident first.",
                                 cell=True)
        self._stale_tabs.discard("mistakes")
        self.tabs.setCurrentWidget(self.gallery)

    def _fill_map(self) -> None:
        r = self.result
        if r is None:
            self.map.set_map(None, None, None, "Evaluate to see the test images on a map.")
            return
        emb = r.embedding
        if emb is None:
            self.map.set_map(None, None, None, escape(r.embedding_note))
            return
        share = emb.projection.explained_variance_ratio
        d = emb.projection.mean.size
        self.map.set_map(emb, r.evaluation, r.images,
                         f"{len(emb.points):,} test images placed by the output of <b>{escape(emb.projection.layer)}"
                         f"</b> ({d:,} numbers per image), the layer before the answer, seen along its two main "
                         f"directions (PCA: {100 * share[0]:.0f}% and {100 * share[1]:.0f}% of the spread). "
                         f"Colour: the true class. ★: the input every view shows.")
        self._place_marker()

    # -- the shown input on the map ---------------------------------------------------------
    def _place_marker(self) -> None:
        r = self.result
        if r is None or r.embedding is None or self._feature_entry is None or self.map.embedding is None:
            self.map.set_marker(None)
            return
        value = self.inspector.value(self._feature_entry)
        if value is None:
            self.map.set_marker(None)
            return
        point = r.embedding.projection.transform(value.reshape(1, -1))[0]
        self.map.set_marker(point, "★ " + self.inspector.source.label)

    # -- picking an image -------------------------------------------------------------------
    def _picked(self, mistake) -> None:
        self.pick(mistake.index)

    def pick(self, index: int) -> None:
        """Show test image ``index`` of the result in every view (through the inspector)."""
        r = self.result
        if r is None:
            return
        x = r.images[index].astype(np.float32) / 255.0
        if x.shape != tuple(self.inspector.network.input_shape):
            return
        self.inspector.set_input(x, self.source_of(index))

    def source_of(self, index: int) -> InputSource:
        """How the window names test image ``index`` of the result (see :func:`picked_source`)."""
        current = self.inspector.weights_step == self.result.step and not self.inspector.live
        return picked_source(self.result, index, current)

    # -- the shown network ------------------------------------------------------------------
    def _on_network(self) -> None:
        """Another network is shown: results of the last one go, the data sets that fit it are listed."""
        self.result = None
        self._pending_epoch = None
        self.runner.cancel()
        ins = self.inspector
        names = [e.name for e in ins.entries()]
        layer = find_taps(ins.network).feature_layer
        self._feature_entry = names.index(layer) if layer in names else None
        fitting = fitting_datasets(ins.network.input_shape, len(ins.class_names))
        self.dataset_box.blockSignals(True)
        self.dataset_box.clear()
        for n in fitting:
            self.dataset_box.addItem(REGISTRY[n].title, n)
        self.dataset_box.setCurrentIndex(max(0, self.dataset_box.findData(preferred_dataset(self.inspector, fitting))))
        self.dataset_box.blockSignals(False)
        self._set_busy(False)
        shape = "x".join(str(s) for s in ins.network.input_shape)
        self.say("" if fitting else f"No known data set fits this model ({shape} images, "
                                               f"{len(ins.class_names)} classes): nothing to evaluate it on.")
        self.summary.setText("Evaluate the shown model on a test set to see where it fails.")
        self._stale_tabs = set(TABS)
        self._tab_shown(self.tabs.currentIndex())
        self.map.set_marker(None)

    def export(self, kind: str, path=None) -> Optional[Path]:
        """Write ``kind`` ("confusion.png", "confusion.csv", "curves.png", "table.csv", "map.png")
        to ``path`` (asked for when None); see :class:`ExportMenu`."""
        return self.export_button.export(kind, path)
