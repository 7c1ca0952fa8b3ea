"""WhyView: why the network answers what it answers, on the shown input.

Three pictures of the network input with a heat laid over it, for one class (the top
class, or the one picked by a click on its bar in Probabilities):
saliency (which pixels' small changes move the class's score most), Grad-CAM (where
the last convolution's class evidence is) and occlusion (where covering the input
with a grey patch lowers the class's probability). They follow every new forward
pass (drawing, training, a test image, the time-lapse), computed in a background
thread (:mod:`.compute`); a result for an input that is no longer shown is dropped.
"""
from __future__ import annotations

import re
from typing import List, Optional

from PyQt5.QtCore import QRect, Qt
from PyQt5.QtGui import QFontMetrics
from PyQt5.QtWidgets import QGridLayout, QVBoxLayout, QWidget

from ...widgets.background import LatestJob
from ...widgets.badge import source_badge
from ...widgets.classbars import format_probability
from ...widgets.labels import ElidedLabel, WrapLabel
from ...widgets.lazy import CatchUpOnShow, skip_while_hidden, throttle_while_live
from ...widgets.mapimage import MapImage
from ...widgets.notes import NoteLabel
from .compute import WhyJobs, WhyRequest, WhyResult
from .heat import heat_rgba, input_rgba, signed_rgba

#: while a training run streams snapshots, a new explanation starts at most this often (seconds)
LIVE_INTERVAL = 1.0
TITLE_LINES = 2
#: a new input waits this long for the next one before it is explained: while the pen moves,
#: nothing is computed beside the drawing (ms)
QUIET_MS = 150
#: occlusion's (patch, stride) while a training run goes on
LIVE_OCCLUSION = (8, 4)
TIPS = ("Saliency: bright pixels are those whose small change would move the class's score most "
        "(the gradient of the score with respect to each input pixel).",
        "Grad-CAM: bright where the last convolution's maps that favour the class are active.",
        "Occlusion: a grey patch slid over the input; red where covering lowers the class's "
        "probability, blue where it raises it.")


class WhyView(CatchUpOnShow, QWidget):
    """Saliency, Grad-CAM and occlusion of one class on the shown input.

    :attr:`result` is the :class:`WhyResult` shown (None before the first); ``jobs`` the
    background worker (:meth:`shutdown` stops it).
    """

    def __init__(self, inspector, parent: Optional[QWidget] = None):
        super().__init__(parent)
        self.inspector = inspector
        self.result: Optional[WhyResult] = None
        self.jobs = LatestJob("why-this-answer", self)
        self.jobs.result.connect(self._on_result)
        self.jobs.failed.connect(self._on_failed)
        self._compute = WhyJobs()
        self.title = WrapLabel()
        self.title.setToolTip("Click a bar in Probabilities to explain that class (click it again: the top class)")
        self._title_parts = ("", "")          # (what must be said, what is said when it fits)
        self.captions: List[ElidedLabel] = [ElidedLabel() for _ in range(3)]
        self.images: List[MapImage] = [MapImage(min_side=44, hint_side=170) for _ in range(3)]
        for image, tip in zip(self.images, TIPS):
            image.setToolTip(tip)
        self.note = NoteLabel()
        self._build_layout()
        inspector.networkChanged.connect(self._on_network)
        inspector.traceChanged.connect(self.refresh)
        inspector.classPicked.connect(self.refresh)
        self._on_network()

    def _build_layout(self) -> None:
        self.pictures = QGridLayout()
        self.pictures.setSpacing(6)
        self._columns = 0
        self._arrange(3)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.title)
        layout.addLayout(self.pictures, 1)        # the pictures get all the room there is
        layout.addWidget(self.note)

    def _arrange(self, columns: int) -> None:
        """The three pictures in ``columns`` columns (each under its caption)."""
        if columns == self._columns:
            return
        self._columns = columns
        grid = self.pictures
        for caption, image in zip(self.captions, self.images):
            grid.removeWidget(caption)
            grid.removeWidget(image)
        for i, (caption, image) in enumerate(zip(self.captions, self.images)):
            row, col = divmod(i, columns)
            grid.addWidget(caption, 2 * row, col)
            grid.addWidget(image, 2 * row + 1, col)
        for i in range(3):
            grid.setColumnStretch(i, 1 if i < columns else 0)
            grid.setRowStretch(2 * i + 1, 1 if i < -(-3 // columns) else 0)

    def _best_columns(self) -> int:
        """1, 2 or 3 columns: whichever draws the pictures largest in the room there is."""
        caption = self.captions[0].sizeHint().height() + 6
        width = max(self.width() - 8, 1)
        height = max(self.height() - 8 - self.title.height() - (self.note.height() if self.note.isVisible() else 0), 1)
        return max((1, 2, 3), key=lambda c: min(width / c - 6, height / -(-3 // c) - caption))

    # -- public -------------------------------------------------------------------
    @skip_while_hidden
    @throttle_while_live(LIVE_INTERVAL)
    def refresh(self) -> None:
        """Ask for the explanation of the shown input (at most every LIVE_INTERVAL s while training)."""
        ins = self.inspector
        if ins.input is None or ins.probabilities() is None:
            self.result = None
            self._show_empty("<b>Why this answer</b>")
            return
        self.jobs.submit_when_quiet(self.make_job, QUIET_MS)
        if self.result is None:
            self._set_title("<b>Why this answer</b>", ": working…")

    def make_job(self):
        """The job for what is shown now (called once the input has stopped changing)."""
        ins = self.inspector
        if ins.input is None or ins.probabilities() is None:
            return None
        # while a run trains, a coarser occlusion (a quarter of the patch positions) leaves it the cores
        patch, stride = LIVE_OCCLUSION if ins.live else (6, 2)
        request = WhyRequest(ins.network.spec(), ins.network.get_weights(), ins.input.copy(), ins.explained_class,
                             tuple(ins.class_names), ins.source, patch, stride)
        return self._compute.job(request)

    def shutdown(self) -> None:
        """Stop the background thread (the window does this when it closes)."""
        self.jobs.shutdown()

    # -- results --------------------------------------------------------------------
    def _on_result(self, number: int, result: WhyResult) -> None:
        if number != self.jobs.latest or self.jobs.waiting:
            return                                  # computed for an input no longer shown
        self.result = result
        self._show(result)

    def _on_failed(self, number: int, message: str) -> None:
        if number == self.jobs.latest:
            self._set_title("Could not explain this input", f": {message}")

    def _show(self, result: WhyResult) -> None:
        a, req = result.answer, result.request
        name = a.class_name
        picked = " (your pick)" if req.class_index is not None else ""
        self._set_title(source_badge(req.source) + f"Why <b>“{name}”</b>{picked}?", f" · {req.source.text}")
        self.title.setToolTip(f"“{name}” has probability {format_probability(a.probability)} for "
                              f"{req.source.text}. Click a bar in Probabilities to explain that class "
                              f"(click it again: the top class).")
        base = input_rgba(req.x)
        self.images[0].set_map(base)
        self.images[0].set_overlay(heat_rgba(a.saliency.magnitude, a.saliency.peak))
        self.captions[0].setText("saliency")
        cam = a.gradcam
        self.images[1].set_map(base)
        self.images[1].set_overlay(None if cam is None else heat_rgba(cam.cam_input, cam.peak))
        self.captions[1].setText("Grad-CAM" if cam is not None else "Grad-CAM: no conv layer")
        self.captions[1].setToolTip(TIPS[1] + ("" if cam is None else f" Read at {cam.layer}."))
        occ = result.occlusion
        self.images[2].set_map(base)
        self.images[2].set_overlay(None if occ is None else signed_rgba(occ.heat))
        if occ is None:
            self.captions[2].setText("occlusion…")
            self.captions[2].setToolTip(TIPS[2])
        else:
            drop = float(occ.drops.max())
            self.captions[2].setText("occlusion")
            self.captions[2].setToolTip(TIPS[2] + (f" Covering lowers p(“{name}”) by up to {100 * drop:.2g} points."
                                                   if drop > 0 else f" Covering never lowers p(“{name}”)."))
        self._show_note()

    def _set_title(self, must: str, more: str = "") -> None:
        """The title, with ``more`` only when it fits in TITLE_LINES lines (the panel sits in a
        short row of the window: a taller title would make the whole window taller)."""
        self._title_parts = (must, more)
        self._fit_title()

    def _fit_title(self) -> None:
        must, more = self._title_parts
        fm = QFontMetrics(self.title.font())
        plain = re.sub(r"<[^>]+>", "", (must + more).replace("&nbsp;", " "))
        lines = fm.boundingRect(QRect(0, 0, max(self.title.width(), 40), 10000), int(Qt.TextWordWrap),
                                plain).height() / fm.lineSpacing()
        self.title.setText(must + more if lines <= TITLE_LINES + 0.2 else must)

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._fit_title()
        self._arrange(self._best_columns())

    def _show_empty(self, text: str) -> None:
        self._set_title(text)
        for caption, image in zip(self.captions, self.images):
            caption.setText("")
            image.set_map(None)
            image.set_overlay(None)
        self._show_note()

    def _show_note(self) -> None:
        r = self.result
        name = f"“{r.answer.class_name}”" if r is not None else "the answer"
        self.note.set_note(f"Three views of which input pixels {name} depends on. Saliency: pixels whose "
                           f"small change moves its score most; Grad-CAM: where the last convolution's maps "
                           f"that favour it are active; occlusion: where a grey patch lowers its probability "
                           f"(red) or raises it (blue). Hover a picture for more.")
        if r is not None:                       # each picture's tooltip: the explanation's own words
            notes = (r.answer.saliency.note, None if r.answer.gradcam is None else r.answer.gradcam.note,
                     None if r.occlusion is None else r.occlusion.note)
            for image, tip, note in zip(self.images, TIPS, notes):
                image.setToolTip(note or tip)

    def _on_network(self) -> None:
        self.result = None
        self.refresh()
