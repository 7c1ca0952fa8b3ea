"""The explain panels in use, for `main.py screenshot`: a cell stepped through, the backward
pass after teaching, the toy, why this answer, and the window with a receptive field lit.

Everything is done through the same calls a click makes (``inspector.pick_cell``,
``hover_cell``, the pages' own methods), then the pictures wait for the background
threads' results, so each PNG shows the program's real output.
"""
from __future__ import annotations

import time
from pathlib import Path
from typing import List

import numpy as np
from PyQt5.QtTest import QTest

from ..app.window import MainWindow
from ..views.stepthrough import BACKWARD, FORWARD, TOY
from ..widgets.export import widget_png


def _wait(app, done, seconds: float = 30.0) -> None:
    deadline = time.perf_counter() + seconds
    while not done() and time.perf_counter() < deadline:
        app.processEvents()
        QTest.qWait(20)
    app.processEvents()


#: the pictures of the panels: each floated to this size, so that one picture shows it whole
PANEL_SIZE, WHY_SIZE = (540, 760), (620, 260)


def _grab_floating(app, dock, path: Path, size=PANEL_SIZE) -> Path:
    """``dock`` as a floating window of ``size``, to PNG; then back in its place."""
    dock.setFloating(True)
    dock.resize(*size)
    app.processEvents()
    QTest.qWait(50)
    try:
        return widget_png(dock, path)
    finally:
        dock.setFloating(False)
        dock.raise_()                    # back in its tab group, in front
        app.processEvents()


def wait_for_why(app, window: MainWindow) -> None:
    """Until Why this answer shows its three pictures of the shown input."""
    why = window.why
    _wait(app, lambda: why.result is not None and why.result.occlusion is not None and why.jobs.idle)


def explain_pictures(app, window: MainWindow, out: Path) -> List[Path]:
    """Write panel-stepthrough*.png, panel-why.png (larger than docked) and window-explain.png;
    return their paths.
    The window is left as it was found (the step-through closed, the same layer selected)."""
    ins, step = window.inspector, window.step_through
    selected = ins.selected
    entries = ins.entries()
    convs = [i for i, e in enumerate(entries) if e.kind == "Conv2D"]
    index = convs[1] if len(convs) > 1 else convs[0]          # a layer with several input channels
    ins.select(index)
    maps = ins.value(index)
    c = min(5, maps.shape[0] - 1)
    r, k = np.unravel_index(int(np.argmax(np.abs(maps[c]))), maps[c].shape)
    ins.pick_cell(index, (c, int(r), int(k)))                 # opens the step-through, as a click does
    _wait(app, lambda: step.network_page.step is not None)
    window.panels["why"].raise_()         # on a small screen it shares the step-through's tab group
    wait_for_why(app, window)
    dock = window.panels["stepthrough"]
    paths = [_grab_floating(app, dock, out / "panel-stepthrough.png"),
             _grab_floating(app, window.panels["why"], out / "panel-why.png", WHY_SIZE)]
    ins.hover_cell(index, (c, int(r), int(k)))                # its receptive field on the input
    app.processEvents()
    paths.append(widget_png(window, out / "window-explain.png"))
    ins.hover_cell(None)
    step.set_mode(BACKWARD)
    page = step.backward_page
    probs = ins.probabilities()
    label = int(np.argsort(probs)[-2])                        # the runner-up: a real lesson to learn
    page.label_box.setCurrentIndex(page.label_box.findData(label))
    page.refresh()
    _wait(app, lambda: page.result is not None and page.result.label == label and page.grad_jobs.idle)
    page.teach(1, 0.01, "sgd")
    _wait(app, lambda: page.taught is not None and page.teach_jobs.idle)
    paths.append(_grab_floating(app, dock, out / "panel-stepthrough-backward.png"))
    page.undo()
    step.set_mode(TOY)
    step.toy_page.load_example("same")
    step.toy_page.pick(0, 2, 2)
    app.processEvents()
    paths.append(_grab_floating(app, dock, out / "panel-stepthrough-toy.png"))
    step.set_mode(FORWARD)
    dock.hide()
    ins.select(selected)
    app.processEvents()
    return paths
