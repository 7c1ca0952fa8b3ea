"""Widgets to PNG files, at the screen's full pixel density."""
from __future__ import annotations

from pathlib import Path

from PyQt5.QtWidgets import QApplication, QWidget


def widget_png(widget: QWidget, path) -> Path:
    """Render ``widget`` (as it looks now, children included) to a PNG file at ``path``.

    Pending repaints are processed first so the file shows the latest state.
    Raises OSError when the file cannot be written.
    """
    path = Path(path)
    if path.suffix.lower() != ".png":
        path = path.with_suffix(path.suffix + ".png") if path.suffix else path.with_suffix(".png")
    app = QApplication.instance()
    if app is not None:
        app.processEvents()
    pixmap = widget.grab()
    if pixmap.isNull():
        raise OSError(f"cannot render {widget.objectName() or type(widget).__name__}: it has no size")
    path.parent.mkdir(parents=True, exist_ok=True)
    if not pixmap.save(str(path), "PNG"):
        raise OSError(f"cannot write {path}")
    return path
