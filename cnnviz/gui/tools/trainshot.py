"""An offscreen picture of the app while it trains (`main.py screenshot --train N`).

A fresh untrained preset trains on MNIST from the data folder for N seconds in
the real window, with a digit drawn by the program as the probe; then the
window, the Training panel and the time-lapse as they look while it runs, the
curves, and the filters compared with their step-0 state are saved. Last, the
Training panel is shown as it looks while a data set downloads (the state is
set, nothing is downloaded).
"""
from __future__ import annotations

from pathlib import Path
from typing import List, Tuple


from .toolwindow import tool_window
from ...data import load_dataset, resolve_data_dir
from ...train.recipe import Recipe
from ..app.run import ensure_app
from ..widgets.export import widget_png
from ..model.modelchoice import untrained_model
from .synthstroke import draw_digit
from .trainbench import _run_loop
from ..training.progress import LOADING_TEXT


def _show_downloading(training) -> None:
    """The Training panel as it looks while the first of MNIST's files downloads."""
    panel = training.panel
    _run_loop(0.3)                      # the stopped run's last signals first: they end in "idle"
    panel.set_state("loading")
    panel.set_load_progress(3_100_000, 9_912_422)
    panel.set_progress(LOADING_TEXT, 0.0)
    panel.set_message("Downloading train-images-idx3-ubyte.gz (1 of 4)")
    _run_loop(0.3)


def training_screenshots(out_dir, data_dir=None, seconds: float = 10.0, preset: str = "simple",
                         size: Tuple[int, int] = (1400, 900), digit: str = "3") -> List[Path]:
    """Train ``preset`` in the window for ``seconds`` and write ``window-training.png``,
    ``panel-training-running.png``, ``panel-timelapse-training.png``,
    ``panel-curves-training.png``, ``panel-filters-compare.png`` and
    ``panel-training-downloading.png``. Raises cnnviz.data.DataError when MNIST
    is not in ``data_dir``."""
    ensure_app(offscreen=True)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    folder = str(resolve_data_dir(data_dir))
    data = load_dataset("mnist", folder, download=False)
    with tool_window(untrained_model(preset), size) as (window, tmp):
        draw_digit(window.canvas, digit)
        training = window.training
        training.checkpoint_dir = tmp / "checkpoints"
        training.set_data_dir(folder)
        training.source.loader.remember("mnist", folder, data)
        training.panel.set_recipe(Recipe(arch=preset, dataset="mnist", epochs=20))
        training.train()
        _run_loop(seconds)
        paths = [out / "window-training.png"]
        widget_png(window, paths[0])
        paths.append(out / "panel-training-running.png")
        widget_png(window.panels["training"], paths[-1])
        window.panels["timelapse"].raise_()
        _run_loop(0.5)
        paths.append(out / "panel-timelapse-training.png")
        widget_png(window.panels["timelapse"], paths[-1])
        training.toggle_pause()                 # hold still for the panel pictures
        _run_loop(0.5)
        window.panels["curves"].raise_()
        paths.append(out / "panel-curves-training.png")
        widget_png(window.panels["curves"], paths[-1])
        filters = window.panels["filters"]
        filters.raise_()
        filters.widget().compare_box.setChecked(True)
        _run_loop(0.3)
        paths.append(out / "panel-filters-compare.png")
        widget_png(filters, paths[-1])
        training.stop()
        training.shutdown()
        paths.append(out / "panel-training-downloading.png")
        _show_downloading(training)
        widget_png(window.panels["training"], paths[-1])
        return paths
