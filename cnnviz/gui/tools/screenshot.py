"""Offscreen pictures of the app with a digit drawn by the program (`main.py screenshot`).

The digit goes through the canvas as mouse events, so the prediction and
every view in the pictures are the program's real output.
"""
from __future__ import annotations

from pathlib import Path
from typing import List, Optional, Sequence, Tuple

from PyQt5.QtGui import QImageReader

from .toolwindow import tool_window
from ..widgets import theme
from ..app.run import ensure_app
from ..widgets.export import widget_png
from ..app.window import MainWindow
from ..model.modelchoice import open_model_file, startup_model
from ..model.modeltext import describe
from .explainshot import explain_pictures, wait_for_why
from .synthstroke import draw_digit


def take_screenshots(out_dir, model_path=None, size: Tuple[int, int] = (1400, 900), digit: str = "7",
                     layer: Optional[str] = None, themes: Sequence[str] = ("light", "dark")) -> List[Path]:
    """Render the main window and each panel to PNG files in ``out_dir``.

    ``model_path``: a model file (default: the shipped model, or the untrained
    fallback). A ``digit`` ("7", "3", "1" or "0") is drawn with mouse events and
    ``layer`` (default: the first convolution) is selected. Files:
    ``window.png`` (first theme), ``window-<theme>.png`` for the others,
    ``panel-<key>.png`` for the drawing area and every dock, and the explain panels
    in use (``panel-stepthrough*.png``, ``window-explain.png``). Raises
    ModelFileError for a bad model file. Returns the paths written.
    """
    return _render(out_dir, model_path, size, digit, layer, themes)["paths"]


def screenshot_report(out_dir, model_path=None, size: Tuple[int, int] = (1400, 900), digit: str = "7",
                      layer: Optional[str] = None, themes: Sequence[str] = ("light", "dark")) -> dict:
    """:func:`take_screenshots` as JSON-able data: files with pixel sizes, model, prediction."""
    result = _render(out_dir, model_path, size, digit, layer, themes)
    files = []
    for path in result.pop("paths"):
        image_size = QImageReader(str(path)).size()
        files.append({"path": str(path), "width": image_size.width(), "height": image_size.height(),
                      "bytes": path.stat().st_size})
    result["files"] = files
    return result


def _render(out_dir, model_path, size, digit, layer, themes) -> dict:
    app = ensure_app(offscreen=True)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    model, note = (open_model_file(model_path), "") if model_path else startup_model()
    previous_theme = theme.current_theme()
    # a private settings file: the user's saved layout and theme stay out of the pictures
    try:
        with tool_window(model, size, note, theme=themes[0] if themes else previous_theme) as (window, _tmp):
            app.processEvents()
            draw_digit(window.canvas, digit)
            window.inspector.select(_layer_index(window, layer))
            if not window.panels["why"].visibleRegion().isEmpty():     # beside the bars (a wide screen)
                wait_for_why(app, window)
            paths = []
            for i, name in enumerate(themes or [previous_theme]):
                window.set_theme(name)
                app.processEvents()
                paths.append(widget_png(window, out / ("window.png" if i == 0 else f"window-{name}.png")))
                if i == 0:
                    paths.append(widget_png(window.draw_panel, out / "panel-drawing.png"))
                    paths += _grab_panels(window, out)
                    paths += explain_pictures(app, window, out)
            p = window.inspector.probabilities()
            names = window.inspector.class_names
            entry = window.inspector.entries()[window.inspector.selected]
            report = {
                "paths": list(dict.fromkeys(paths)),          # a panel pictured again is one file
                "model": describe(window.inspector.meta, window.inspector.network, window.inspector.model_path),
                "digit_drawn": digit, "layer": entry.name,
                "prediction": None if p is None else names[int(p.argmax())],
                "probability": None if p is None else round(float(p.max()), 4),
                "label": window.draw_panel.prediction.text(),
            }
    finally:
        theme.apply_theme(previous_theme)
        app.processEvents()
    return report


def _grab_panels(window: MainWindow, out: Path) -> List[Path]:
    """Every open dock to panel-<key>.png; a tab behind another is brought forward for it."""
    on_top = [d for d in window.panels.values() if d.isVisible() and not d.visibleRegion().isEmpty()]
    paths = []
    for key, dock in window.panels.items():
        if dock.isVisible():
            dock.raise_()
            paths.append(widget_png(dock, out / f"panel-{key}.png"))
    for dock in on_top:
        dock.raise_()
    return paths


def _layer_index(window: MainWindow, layer: Optional[str]) -> int:
    entries = window.inspector.entries()
    if layer is not None:
        for i, e in enumerate(entries):
            if e[0] == layer:
                return i
        raise ValueError(f"no layer {layer!r}; layers: {', '.join(e.name for e in entries)}")
    return next((i for i, e in enumerate(entries) if e[1] == "Conv2D"), 1)
