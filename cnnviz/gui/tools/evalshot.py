"""Offscreen pictures of the Evaluation panel (`main.py screenshot --evaluate`).

The shipped model is evaluated on the MNIST test split from the data folder in
the real window (Model > Evaluate), then: the busiest confusion cell is clicked
and its most confident image picked, so every view shows it; the map with a
digit drawn by the program as its marker; the worked example of precision and
recall; and the dead filters flagged, on a copy of the shipped model whose
conv1 filters 3 and 17 were switched off (their bias set far below zero) so
that there is something to flag.
"""
from __future__ import annotations

from pathlib import Path
from typing import List, Tuple

import numpy as np
from PyQt5.QtCore import Qt
from PyQt5.QtTest import QTest

from ...data import resolve_data_dir
from ..model.modelchoice import ModelChoice, startup_model
from ..widgets.export import widget_png
from .evalbench import _evaluate, evaluated_window
from .synthstroke import draw_digit
from .trainbench import _run_loop

#: the filters switched off in the dead-filter picture (conv1 of the shipped model)
SWITCHED_OFF = (3, 17)


def evaluation_screenshots(out_dir, data_dir=None, size: Tuple[int, int] = (1400, 900)) -> List[Path]:
    """Write ``window-evaluation.png``, ``panel-evaluation-map.png``,
    ``panel-evaluation-example.png`` and ``panel-filters-dead.png`` to ``out_dir``.
    Raises RuntimeError when the evaluation fails (e.g. MNIST is not in ``data_dir``)."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    model, _note = startup_model()
    paths = []
    with evaluated_window(model, str(resolve_data_dir(data_dir)), size) as window:
        panel = window.evaluation
        counts = panel.result.evaluation.confusion.counts
        off = counts * (1 - np.eye(len(counts), dtype=counts.dtype))
        true, predicted = np.unravel_index(int(np.argmax(off)), off.shape)
        cell = panel.confusion.cell_rect(int(true), int(predicted))
        QTest.mouseClick(panel.confusion, Qt.LeftButton, pos=cell.center())
        _run_loop(0.3)
        gallery = panel.gallery.list
        QTest.mouseClick(gallery.viewport(), Qt.LeftButton, pos=gallery.visualItemRect(gallery.item(0)).center())
        _run_loop(0.5)
        paths.append(widget_png(window, out / "window-evaluation.png"))
        draw_digit(window.canvas, "7")
        panel.show_tab("map")
        _run_loop(0.5)
        paths.append(widget_png(window.panels["evaluation"], out / "panel-evaluation-map.png"))
        panel.show_tab("curves")
        panel.curves.show_example()
        _run_loop(0.3)
        paths.append(widget_png(window.panels["evaluation"], out / "panel-evaluation-example.png"))
        window.set_model(_switched_off(model))
        panel.show_tab("filters")
        _evaluate(window)
        window.panels["filters"].raise_()
        _run_loop(0.5)
        paths.append(widget_png(window.panels["filters"], out / "panel-filters-dead.png"))
    return paths


def _switched_off(model: ModelChoice) -> ModelChoice:
    """A copy of ``model`` whose conv1 filters :data:`SWITCHED_OFF` can never fire."""
    network = model.network.copy()
    weights = {k: v.copy() for k, v in network.params.items()}
    weights["conv1.b"][list(SWITCHED_OFF)] = -1e4
    network.set_weights(weights)
    return ModelChoice(network, list(model.class_names), dict(model.meta), "")
