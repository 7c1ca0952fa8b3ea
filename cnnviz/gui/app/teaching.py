"""The panels that teach beside the layer views: Evaluation, Collect, Step-through and Why,
and the receptive field drawn on the input preview.

:class:`TeachingPanels` builds them on the window's inspector, puts each in a dock of
the window's :class:`~.docks.Docks` and wires them to the training controller, the
canvas and the Kernels panel. The window keeps references to the panels; what they
do is theirs. Evaluation and Step-through are closed until asked for: they are built
(and their modules imported) the first time they are shown or asked for, which keeps
them out of the program's start.
"""
from __future__ import annotations

from PyQt5.QtCore import QObject, Qt, QTimer
from PyQt5.QtGui import QGuiApplication
from PyQt5.QtWidgets import QWidget

from ..collect.controller import CollectController
from ..views.receptive import ReceptiveFieldOverlay
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
        self.inspector = inspector
        self._evaluation = None                  # built when first shown (see :attr:`evaluation`)
        docks.add("evaluation", "Evaluation", QWidget(), Qt.LeftDockWidgetArea, tabify_with="training",
                  shown=False)
        docks.panels["evaluation"].visibilityChanged.connect(self._evaluation_shown)
        training.epochDone.connect(self._evaluate_epoch)

        self.collect = CollectController(window.canvas, window.settings, parent=window)
        docks.add("collect", "Collect", scrolling(self.collect.panel), Qt.LeftDockWidgetArea,
                  tabify_with="training")
        self.collect.statusMessage.connect(window.statusBar().showMessage)
        self.collect.foldersChanged.connect(training.source.set_folders)
        self.collect.trainRequested.connect(training.source.use_folder)
        self.collect.trainRequested.connect(docks.panels["training"].raise_)
        training.source.set_folders(self.collect.folders())

        self._step_through = None                # built when first shown (see :attr:`step_through`)
        # opened by a picked cell, beside Training: the right column has no room for another tab
        docks.add("stepthrough", "Step-through", QWidget(), Qt.LeftDockWidgetArea,
                  tabify_with="training", shown=False)
        docks.panels["stepthrough"].visibilityChanged.connect(self._step_through_shown)
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

    # -- the panels built when first needed ---------------------------------------------------
    @property
    def evaluation(self):
        """The Evaluation panel (an EvaluationPanel), built now if it was not yet."""
        return self._built_evaluation()

    def _built_evaluation(self):
        if self._evaluation is None:
            from ..views.evaluation import EvaluationPanel
            self._evaluation = EvaluationPanel(self.inspector, self.data_place)
            self.docks.panels["evaluation"].setWidget(self._evaluation)
        return self._evaluation

    @property
    def step_through(self):
        """The Step-through panel (a StepThroughView), built now if it was not yet."""
        return self._built_step_through()

    def _built_step_through(self):
        if self._step_through is None:
            from ..views.stepthrough import StepThroughView
            self._step_through = StepThroughView(self.inspector)
            self.docks.panels["stepthrough"].setWidget(self._step_through)
        return self._step_through

    def _step_through_shown(self, shown: bool) -> None:
        if shown:
            self._built_step_through()

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

    def _evaluation_shown(self, shown: bool) -> None:
        """The Evaluation panel came to the front: built, and wide enough for the matrix's
        numbers if the drawing can spare the room (queued: the dock has its new geometry then)."""
        if shown:
            self._built_evaluation()
            QTimer.singleShot(0, self._widen_evaluation_now)

    def _widen_evaluation_now(self) -> None:
        self.docks.widen("evaluation", EVALUATION_WIDTH)

    def _evaluate_epoch(self, record: dict) -> None:
        if self._evaluation is not None:         # a panel never opened has nothing to follow
            self._evaluation.evaluate_epoch(self.training.data, int(record["epoch"]), record.get("step"))

    def shutdown(self) -> None:
        """Stop the background threads of Evaluation, Why and the step-through (the window closes)."""
        for part in (self._evaluation, self.why, self._step_through):
            if part is not None:
                part.shutdown()


def _screen_width() -> int:
    screen = QGuiApplication.primaryScreen()
    return 0 if screen is None else screen.availableGeometry().width()
