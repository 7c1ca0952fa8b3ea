"""Canvas -> preprocessing -> inspector, throttled so drawing never stutters.

While a stroke is drawn, changes are coalesced by a single-shot timer. The
*cycle* of an update is what it costs the event loop: preprocessing, the
forward pass, every view's ``traceChanged`` handler, and the repaint that
follows (timed up to a zero timer queued after the update, which Qt runs after the repaint).
A cycle that fits in a frame (``FRAME_MS``) is followed by the next update as
soon as the queued input has been handled; a longer cycle is followed by an
idle gap of the excess (at most ``MAX_IDLE_MS``), so expensive networks still
leave the event loop about half its time for mouse input and ink. A finished
change (stroke released, undo, clear, image loaded) updates at once.
"""
from __future__ import annotations

import time
from collections import deque
from typing import Deque, Optional, Tuple

import numpy as np
from PyQt5.QtCore import QObject, Qt, QTimer, pyqtSignal

from ...preprocess import EmptyImageError, PreprocessError, PreprocessInfo, preprocess_with_info
from ..widgets.canvas import DrawingCanvas
from .inspector import Inspector

FRAME_MS = 12.0        # cycles up to this long need no idle gap after them
MAX_IDLE_MS = 100.0


class LivePredictor(QObject):
    """Keeps the inspector's input equal to the preprocessed canvas."""

    #: an update finished: the argument is the canvas revision it showed
    updated = pyqtSignal(int)

    def __init__(self, canvas: DrawingCanvas, inspector: Inspector, parent: Optional[QObject] = None):
        super().__init__(parent)
        self.canvas = canvas
        self.inspector = inspector
        self.info: Optional[PreprocessInfo] = None
        self.problem: Optional[str] = None            # why a non-blank canvas gave no input
        self.shown_revision = -1
        self.cost_ms = 0.0                            # smoothed cycle: update + repaint
        #: (revision, start, end) of recent updates in time.perf_counter() seconds
        self.history: Deque[Tuple[int, float, float]] = deque(maxlen=5000)
        self._cycle_start = 0.0
        self._cycle_end = 0.0
        self._update_ms = 0.0
        self._awaiting_paint = False
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setTimerType(Qt.PreciseTimer)
        self._timer.timeout.connect(self.update_now)
        canvas.contentChanged.connect(self._on_change)
        inspector.networkChanged.connect(self._on_network)

    def pending(self) -> bool:
        """True while a throttled update is waiting."""
        return self._timer.isActive()

    def idle_ms(self) -> float:
        """The gap kept free after a cycle before the next update may start."""
        return min(MAX_IDLE_MS, max(0.0, self.cost_ms - FRAME_MS))

    def next_delay_ms(self) -> float:
        """How long a change arriving now waits before it is shown."""
        return max(0.0, (self._cycle_end - time.perf_counter()) * 1000 + self.idle_ms())

    def _painted(self) -> None:
        """A zero timer after an update: Qt runs it after the posted repaint of the window
        (posted events come before timers), so the cycle's cost includes the painting."""
        if self._awaiting_paint:
            self._awaiting_paint = False
            self._finish_cycle(self._update_ms + (time.perf_counter() - self._cycle_end) * 1000)

    def _finish_cycle(self, cycle_ms: float) -> None:
        self.cost_ms = cycle_ms if self.cost_ms == 0 else 0.7 * self.cost_ms + 0.3 * cycle_ms
        self._cycle_end = time.perf_counter()

    def _on_change(self, final: bool) -> None:
        if final:
            self._timer.stop()
            self.update_now()
        elif not self._timer.isActive():
            self._timer.start(int(round(self.next_delay_ms())))

    def _on_network(self) -> None:
        # The inspector drops an input that does not fit the new network. Then the
        # canvas is preprocessed for the new input shape - later, once every view
        # has handled networkChanged and the inspector has finished switching.
        if self.inspector.input is None and not self.canvas.is_blank():
            QTimer.singleShot(0, self.update_now)

    def update_now(self) -> None:
        """Preprocess the canvas and run the network on it now."""
        self._timer.stop()
        start = time.perf_counter()
        revision = self.canvas.revision
        x = self._network_input()
        self.inspector.set_input(x)
        end = time.perf_counter()
        self._update_ms = (end - start) * 1000
        self._cycle_end = end
        self._awaiting_paint = True       # until the repaint is done (see _painted)
        QTimer.singleShot(0, self._painted)
        self.shown_revision = revision
        self.history.append((revision, start, end))
        self.updated.emit(revision)

    def _network_input(self) -> Optional[np.ndarray]:
        self.info, self.problem = None, None
        if self.canvas.is_blank():
            return None
        try:
            x, self.info = preprocess_with_info(self.canvas.to_array(), self.inspector.network.input_shape)
        except EmptyImageError:
            return None
        except PreprocessError as e:
            self.problem = str(e)
            return None
        return x
