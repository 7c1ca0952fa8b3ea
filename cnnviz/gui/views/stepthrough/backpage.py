"""BackwardPage: one training step on the shown input, run backwards, and "teach it this drawing".

Pick the true label; the view shows the gradient at the layer selected in the strip
(the softmax's p − target, a ReLU's gate, a max-pool sending each gradient to its
winner, a convolution's weight gradient, ...) - step through the layers with Left /
Right to follow it back to the input. "Teach it this drawing" applies a few optimizer
steps to a copy of the weights and shows the copy's probabilities beside the model's;
Undo drops the copy. The model shown everywhere else is never changed.

The backward pass and the teaching run in background threads on their own copies of
the network (:mod:`.backcompute`).
"""
from __future__ import annotations

from typing import Optional

import numpy as np
from PyQt5.QtCore import pyqtSignal
from PyQt5.QtWidgets import QBoxLayout, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from ....nn import Network
from ....nn.loss import softmax
from ...widgets.background import LatestJob
from ...widgets.badge import source_badge
from ...widgets.lazy import CatchUpOnShow, skip_while_hidden, throttle_while_live
from ...widgets.notes import NoteLabel
from ...widgets.wheelguard import ComboBox
from .backcompute import BackwardJobs, BackwardRequest, TeachRequest, TeachResult
from .gradients import GradientPictures
from .teach import TeachBox

LIVE_INTERVAL = 1.0          # while training: a new backward pass at most this often (seconds)
PREDICTED = -1               # the label box's "the network's answer" entry
QUIET_MS = 150               # a new input waits this long for the next one before its backward pass (ms)
WIDE = 560                   # from this width (pixels) the teaching sits beside the pictures, else under them


class BackwardPage(CatchUpOnShow, QWidget):
    """The backward pass of the shown input for a chosen label; :attr:`result` the
    :class:`BackwardPass` shown, :attr:`taught` the taught copy (a Network) or None;
    :attr:`title` (also sent by ``titleChanged``) names the input and the loss."""

    titleChanged = pyqtSignal(str)

    def __init__(self, inspector, parent: Optional[QWidget] = None):
        super().__init__(parent)
        self.inspector = inspector
        self.title = ""
        self.result = None
        self.taught: Optional[Network] = None
        self.steps_done = 0
        self._taught_on: Optional[np.ndarray] = None      # the input the copy was taught on
        self._teaching = None
        self._jobs = BackwardJobs()
        self.grad_jobs = LatestJob("backward-pass", self)
        self.teach_jobs = LatestJob("teach", self)
        self.grad_jobs.result.connect(self._on_gradients)
        self.teach_jobs.result.connect(self._on_taught)
        self.grad_jobs.failed.connect(self._on_failed)
        self.teach_jobs.failed.connect(self._on_failed)
        self.label_box = ComboBox()
        self.label_box.setToolTip("The true label of the drawing: the step pushes the network towards it")
        self.label_box.activated.connect(self._label_chosen)
        self.pictures = GradientPictures()
        self.teach_box = TeachBox()
        self.teach_box.teachClicked.connect(self.teach)
        self.teach_box.undoClicked.connect(self.undo)
        self.note = NoteLabel()
        head = QHBoxLayout()
        head.addWidget(QLabel("true label"))
        head.addWidget(self.label_box)
        head.addStretch(1)
        self.body = QBoxLayout(QBoxLayout.LeftToRight)
        self.body.addWidget(self.pictures, 3)
        self.body.addWidget(self.teach_box, 2)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        layout.addLayout(head)
        layout.addLayout(self.body, 1)
        layout.addWidget(self.note)
        # a copy of other weights means nothing: new weights undo the teaching
        for signal, slot in ((inspector.networkChanged, self._on_network), (inspector.weightsChanged, self.undo),
                             (inspector.traceChanged, self.refresh), (inspector.layerSelected, self._show_entry),
                             (inspector.channelSelected, self._show_entry)):
            signal.connect(slot)
        self._on_network()

    # -- public -------------------------------------------------------------------
    @property
    def label(self) -> Optional[int]:
        """The true label used (the picked one, else the network's answer); None without an input."""
        k = self.label_box.currentData()
        if k is not None and k != PREDICTED:
            return int(k)
        return self.inspector.prediction()

    @skip_while_hidden
    @throttle_while_live(LIVE_INTERVAL)
    def refresh(self) -> None:
        """Run the backward pass of the shown input (at most every LIVE_INTERVAL s while training)."""
        ins = self.inspector
        x, label = ins.input, self.label
        self._show_taught()
        if x is None or label is None:
            self.result = None
            self._set_title("<b>Backward pass</b>: draw something, then pick its true label")
            self.pictures.words.setText("")
            return
        self.grad_jobs.submit_when_quiet(self.make_job, QUIET_MS)

    def make_job(self):
        """The backward pass of what is shown now (called once the input has stopped changing)."""
        ins = self.inspector
        if ins.input is None or self.label is None:
            return None
        request = BackwardRequest(ins.network.spec(), ins.network.get_weights(), ins.input.copy(), int(self.label),
                                  tuple(ins.class_names), ins.source)
        return self._jobs.backward(request)

    def teach(self, steps: int, lr: float, optimizer: str) -> None:
        """Teach the copy (the model's weights the first time) ``steps`` steps towards the label."""
        ins = self.inspector
        if ins.input is None or self.label is None:
            return
        weights = (self.taught if self.taught is not None else ins.network).get_weights()
        start = BackwardRequest(ins.network.spec(), weights, ins.input.copy(), int(self.label),
                                tuple(ins.class_names), ins.source)
        request = TeachRequest(start, int(steps), float(lr), optimizer, self.steps_done)
        self.teach_box.set_busy(True)
        self.teach_jobs.submit(self._jobs.teach(request))

    def undo(self) -> None:
        """Forget the taught copy: only the model is shown."""
        self.taught, self.steps_done, self._teaching, self._taught_on = None, 0, None, None
        self._show_taught()

    def shutdown(self) -> None:
        """Stop the background threads (the window does this when it closes)."""
        self.grad_jobs.shutdown()
        self.teach_jobs.shutdown()

    # -- results ----------------------------------------------------------------------
    def _on_gradients(self, number: int, value) -> None:
        if number != self.grad_jobs.latest or self.grad_jobs.waiting:
            return                                  # for an input or label no longer shown
        request, result = value
        self.result = result
        src = request.source
        title = (f"<b>Backward pass</b> of {src.text}, true label “{result.label_name}”: loss "
                 f"<b>{float(result.loss) + 0.0:.3g}</b> nats")
        if result.label == self.inspector.prediction():
            title += " (it already answers that: pick another true label to see it learn more)"
        self._set_title(source_badge(src) + title)
        self.note.set_note(result.note)
        self._show_entry()

    def _on_taught(self, number: int, value: TeachResult) -> None:
        self.teach_box.set_busy(False)
        if number != self.teach_jobs.latest:
            return
        self.taught = value.teaching.network
        self.steps_done = value.request.done + value.request.steps
        self._teaching = value.teaching
        self._taught_on = value.request.start.x
        self._show_taught()

    def _on_failed(self, _number: int, message: str) -> None:
        self.teach_box.set_busy(False)
        self.pictures.words.setText(f"Could not compute the backward pass: {message}")

    def _set_title(self, text: str) -> None:
        if text != self.title:
            self.title = text
            self.titleChanged.emit(text)

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        wide = self.width() >= WIDE
        self.body.setDirection(QBoxLayout.LeftToRight if wide else QBoxLayout.TopToBottom)

    # -- showing ------------------------------------------------------------------------
    def _show_entry(self, *_args) -> None:
        if self.result is None:
            return
        index = min(max(self.inspector.selected, 0), len(self.result.entries) - 1)
        self.pictures.show_entry(self.result, index, self.inspector.class_names, self.inspector.channel)

    def _show_taught(self) -> None:
        ins = self.inspector
        self.teach_box.show_model(ins.probabilities())
        x = ins.input
        if self.taught is None or x is None:
            self.teach_box.show_taught(None)
            return
        probs = softmax(self.taught.forward(x[None]))[0]
        same = self._taught_on is not None and np.array_equal(self._taught_on, x)
        names = ins.class_names
        self.teach_box.show_taught(probs, self._teaching if same else None, self.steps_done,
                                   names[self._teaching.label] if self._teaching is not None else "")
        if not same:
            self.teach_box.summary.setText("The copy was taught on an earlier drawing: its bars show what it "
                                           "answers for this one.")

    # -- labels -------------------------------------------------------------------------
    def _on_network(self) -> None:
        self.undo()
        self.result = None
        self.label_box.blockSignals(True)
        self.label_box.clear()
        self.label_box.addItem("its answer", PREDICTED)
        for i, name in enumerate(self.inspector.class_names):
            self.label_box.addItem(str(name), i)
        self.label_box.blockSignals(False)
        self.teach_box.set_classes(self.inspector.class_names)
        self.refresh()

    def _label_chosen(self, _index: int) -> None:
        self.refresh()
