"""The panels that teach beside the layer views: Evaluation, Collect, Step-through and Why,
and the receptive field drawn on the input preview.

:class:`TeachingPanels` builds them on the window's inspector, puts each in a dock of
the window's :class:`~.docks.Docks` and wires them to the training controller, the
canvas and the Kernels panel. The window keeps references to the panels; what they
do is theirs.
"""
from __future__ import annotations

from PyQt5.QtCore import QObject, Qt, QTimer
from PyQt5.QtGui import QGuiApplication

from ..collect.controller import CollectController
from ..views.evaluation import EvaluationPanel
from ..views.receptive import ReceptiveFieldOverlay
from ..views.stepthrough import StepThroughView
from ..views.why import WhyView
from ..widgets.scroll import scrolling

#: the Evaluation panel's width when it comes to the front, if the drawing can spare the room (pixels)
EVALUATION_WIDTH = 470
#: the step-through's width when a pick opens it, if the drawing can spare the room (pixels)
STEP_THROUGH_WIDTH = 470
#: screens at least this wide (pixels) have the Why panel beside the probabilities, not behind Training
WIDE_SCREEN = 1700


class TeachingPanels(QObject):
    """Evaluation, Collect, Step-through and Why in the docks of ``window`` (a MainWindow
    whose inspector, docks, training controller, canvas, preview and Kernels panel exist)."""

    def __init__(self, window):
        super().__init__(window)
        inspector, docks, training = window.inspector, window.docks, window.training
        self.docks, self.training = docks, training
        # beside Training: the full height of the window, for the matrix and the gallery; closed
        # until asked for (Model > Evaluate, View > Panels): a tab bar there costs Training its height
        self.evaluation = EvaluationPanel(inspector, self.data_place)
        docks.add("evaluation", "Evaluation", self.evaluation, Qt.LeftDockWidgetArea, tabify_with="training",
                  shown=False)
        docks.panels["evaluation"].visibilityChanged.connect(self._widen_evaluation)
        training.epochDone.connect(self._evaluate_epoch)

        self.collect = CollectController(window.canvas, window.settings, parent=window)
        docks.add("collect", "Collect", scrolling(self.collect.panel), Qt.LeftDockWidgetArea,
                  tabify_with="training")
        self.collect.statusMessage.connect(window.statusBar().showMessage)
        self.collect.foldersChanged.connect(training.source.set_folders)
        self.collect.trainRequested.connect(training.source.use_folder)
        self.collect.trainRequested.connect(docks.panels["training"].raise_)
        training.source.set_folders(self.collect.folders())

        self.step_through = StepThroughView(inspector)
        # opened by a picked cell, beside Training: the right column has no room for another tab
        docks.add("stepthrough", "Step-through", self.step_through, Qt.LeftDockWidgetArea,
                  tabify_with="training", shown=False)
        inspector.cellPicked.connect(self.show_step_through)
        window.kernels.toyRequested.connect(self.kernel_to_toy)
        preview = window.draw_panel.preview
        self.receptive_field = ReceptiveFieldOverlay(inspector, preview, preview)

        self.why = WhyView(inspector)
        # beside the bars it explains where the screen is wide; on a laptop screen the bottom row
        # has neither the width for a third panel (26 letters would lose their names) nor the
        # height for a tab bar: a tab behind Training (tall and narrow suits it), brought to the
        # front when a bar is clicked
        if _screen_width() >= WIDE_SCREEN:
            docks.add("why", "Why", self.why, Qt.BottomDockWidgetArea, beside="probabilities")
        else:
            docks.add("why", "Why", self.why, Qt.LeftDockWidgetArea, tabify_with="training")
        inspector.classPicked.connect(docks.panels["why"].raise_)

    # -- step-through ------------------------------------------------------------------
    def show_step_through(self) -> None:
        """A picked cell opens the step-through in front, wide enough for its numbers."""
        self.docks.open_in_front("stepthrough", STEP_THROUGH_WIDTH)

    def kernel_to_toy(self, kernel) -> None:
        """The Kernels panel's kernel at work on the toy image, in front."""
        self.step_through.show_kernel(kernel)
        self.show_step_through()

    # -- evaluation ----------------------------------------------------------------------
    def evaluate(self) -> None:
        """Model > Evaluate: the Evaluation panel to the front, evaluating the shown model."""
        dock = self.docks.panels["evaluation"]
        dock.show()
        dock.raise_()
        self.evaluation.evaluate()

    def data_place(self):
        """Where the Evaluation panel finds data: the Training panel's data folder and download choice."""
        return self.training.source.data_dir, self.training.panel.download_allowed()

    def _widen_evaluation(self, shown: bool) -> None:
        """The Evaluation panel came to the front: wide enough for the matrix's numbers, if the
        drawing can spare the room (queued: the dock has its new geometry then)."""
        if shown:
            QTimer.singleShot(0, self._widen_evaluation_now)

    def _widen_evaluation_now(self) -> None:
        self.docks.widen("evaluation", EVALUATION_WIDTH)

    def _evaluate_epoch(self, record: dict) -> None:
        self.evaluation.evaluate_epoch(self.training.data, int(record["epoch"]), record.get("step"))

    def shutdown(self) -> None:
        """Stop the background threads of Evaluation, Why and the step-through (the window closes)."""
        for part in (self.evaluation, self.why, self.step_through):
            part.shutdown()


def _screen_width() -> int:
    screen = QGuiApplication.primaryScreen()
    return 0 if screen is None else screen.availableGeometry().width()
