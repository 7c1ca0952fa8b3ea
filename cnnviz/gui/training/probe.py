"""Which image the views follow while training: the drawing or a test image (the "probe").

While a run goes on, the drawing's inputs are routed to the worker, which traces
them between steps (the UI thread never runs the network it trains); paused, the
UI's copy computes them. A test image of the data set can be followed instead: the
one the panel's "Views show" names, or one picked elsewhere (a mistake in the
Evaluation panel), which the panel then names.
"""
from __future__ import annotations

from typing import Callable, Optional

import numpy as np

from ..model.inspector import DRAWING, InputSource, Inspector
from .panel import PROBE_DRAWING, PROBE_TEST, TrainingPanel


def test_image(data, index: int, input_shape) -> Optional[np.ndarray]:
    """Test image ``index`` of ``data`` as a (C, H, W) float32 input in [0, 1], or None
    when the data set has no test images or they do not fit ``input_shape``."""
    if data is None or data.x_test is None or not len(data.x_test):
        return None
    x = data.x_test[min(index, len(data.x_test) - 1)].astype(np.float32) / 255.0
    return x if tuple(x.shape) == tuple(input_shape) else None


def test_source(data, index: int) -> InputSource:
    """How the window names test image ``index`` of ``data``."""
    index = min(index, len(data.y_test) - 1)
    label = data.class_names[int(data.y_test[index])]
    return InputSource("test", f"test image #{index} of {data.name} (a {label})", f"test image #{index} (a {label})",
                       dataset=data.name, index=index)


class Probe:
    """Routes the inspector's inputs to the running ``worker`` (see :meth:`route`).

    ``worker_of()`` returns the running worker or None, ``blocked()`` whether it
    waits paused, ``data_of()`` the run's data set, and ``load_then(callback)``
    loads the chosen data set when no run has one; ``note(text)`` tells the user
    something happened (e.g. in the status bar).
    """

    def __init__(self, inspector: Inspector, panel: TrainingPanel, worker_of: Callable, blocked: Callable,
                 data_of: Callable, load_then: Callable, note: Callable[[str], None] = print):
        self.inspector = inspector
        self.panel = panel
        self._note = note
        self._worker_of, self._blocked, self._data_of, self._load_then = worker_of, blocked, data_of, load_then
        self.probe_id = -1                   # the probe the shown traces must belong to
        self.source: InputSource = DRAWING  # what that probe is

    def route(self, x: Optional[np.ndarray], source: InputSource = DRAWING) -> bool:
        """The inspector's input router: True when input ``x`` (what ``source`` says) is handled here.

        Drawing while the views follow a test image switches them back to the drawing (the
        user draws to see the drawing); clearing the canvas leaves the test image shown.
        Any other input becomes the probe (see :meth:`_follow`).
        """
        if not source.is_drawing:
            return self._follow(x, source)
        if self.panel.probe()[0] == PROBE_TEST:
            if x is None:
                return True
            shown = self.source.text
            self.panel.set_probe(PROBE_DRAWING)
            self._note(f"The views follow your drawing again (they showed {shown}).")
        worker = self._worker_of()
        if worker is None:
            return False
        self.probe_id, self.source = worker.set_probe(x), DRAWING
        if self._blocked():
            return False                     # the worker waits: the UI's copy computes
        if x is None:
            self.inspector.set_trace(None, DRAWING)
        return True

    def _follow(self, x: Optional[np.ndarray], source: InputSource) -> bool:
        """Follow ``x``, e.g. a test image picked in the Evaluation panel, instead of the drawing.

        The panel's "Views show" then names it when it is a test image of the data set at hand
        (the run's, else the panel's); else it says "my drawing", which the next stroke shows
        again. While a run trains, ``x`` becomes the worker's probe (True: its traces come with
        the snapshots); otherwise, or paused, the inspector computes it here (False).
        """
        self.source = source
        worker = self._worker_of()
        data = self._data_of() if worker is not None else None
        dataset = data.name if data is not None else self.panel.dataset()
        if source.index is not None and source.dataset == dataset:
            self.panel.set_probe(PROBE_TEST, source.index)
        elif self.panel.probe()[0] == PROBE_TEST:
            self.panel.set_probe(PROBE_DRAWING)
        if worker is None:
            return False
        self.probe_id = worker.set_probe(x)
        return not self._blocked()

    def send(self, worker) -> None:
        """Give a new run's ``worker`` the probe the panel asks for."""
        mode, index = self.panel.probe()
        data = self._data_of()
        if mode == PROBE_TEST:
            x = test_image(data, index, self.inspector.network.input_shape)
            self.source = test_source(data, index) if x is not None else DRAWING
        else:
            x, self.source = self.inspector.drawing_input, DRAWING
        self.probe_id = worker.set_probe(x)

    def follows_drawing(self) -> bool:
        return self.panel.probe()[0] != PROBE_TEST

    def update(self) -> None:
        """The panel's choice changed: show the drawing or test image #N."""
        mode, index = self.panel.probe()
        if mode != PROBE_TEST:
            self.inspector.show_drawing()
            return
        worker = self._worker_of()
        if worker is None:
            self._load_then(self._show_test_image)
            return
        data = self._data_of()
        x = test_image(data, index, self.inspector.network.input_shape)
        if x is None:
            self.source = DRAWING
            self.probe_id = worker.set_probe(None)
            return
        self.inspector.set_input(x, test_source(data, index))      # routed to the worker by _follow

    def _show_test_image(self, data) -> None:
        mode, index = self.panel.probe()
        if mode != PROBE_TEST:
            return
        x = test_image(data, index, self.inspector.network.input_shape)
        if x is None:
            self.panel.set_message(f"{data.name}'s images do not fit this network's input "
                                   f"{self.inspector.network.input_shape}.", error=True)
            return
        self.source = test_source(data, index)
        self.panel.set_message(f"Showing {self.source.text}.")
        self.inspector.set_input(x, self.source)
