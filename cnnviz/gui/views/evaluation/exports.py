"""The Evaluation panel's Export button: the confusion matrix and the curves as PNG, the
matrix and the per-class table as CSV, the embedding map as PNG.

(File > Export panel to PNG > Evaluation writes the whole panel as it looks.)
"""
from __future__ import annotations

from pathlib import Path
from typing import Optional

from PyQt5.QtCore import Qt
from PyQt5.QtWidgets import QApplication, QFileDialog, QMenu, QPushButton, QWidget

from ....evaluation import class_table_csv, confusion_csv
from .confusion import ConfusionView
from .pictures import titled_png
from .mapview import MapView
from .prview import ALL, DEMO, PRView

#: kind -> (menu text, default file name, needs a result)
KINDS = {
    "confusion.png": ("Confusion matrix as PNG…", "confusion-matrix.png", True),
    "confusion.csv": ("Confusion matrix as CSV (counts)…", "confusion-matrix.csv", True),
    "curves.png": ("Precision-recall curves as PNG…", "precision-recall.png", False),
    "table.csv": ("Per-class table as CSV…", "per-class.csv", True),
    "map.png": ("Embedding map as PNG…", "embedding-map.png", True),
}


class ExportMenu(QPushButton):
    """The Export button of ``panel`` (an EvaluationPanel) and its menu of :data:`KINDS`."""

    def __init__(self, panel: QWidget):
        super().__init__("Export")
        self.panel = panel
        self.setToolTip("Save the confusion matrix, the curves or the map as a picture, the tables as CSV")
        menu = QMenu(self)
        self.actions_by_kind = {}
        for kind, (text, _name, _needs) in KINDS.items():
            action = menu.addAction(text)
            action.setData(kind)
            self.actions_by_kind[kind] = action
        menu.triggered.connect(self._triggered)
        menu.aboutToShow.connect(self._enable)
        self.setMenu(menu)
        self.folder = str(Path.home())

    def _enable(self) -> None:
        has = self.panel.result is not None
        for kind, action in self.actions_by_kind.items():
            action.setEnabled(has or not KINDS[kind][2])

    def _triggered(self, action) -> None:
        self.export(action.data())

    def export(self, kind: str, path=None) -> Optional[Path]:
        """Write ``kind`` to ``path`` (asked for with a file dialog when None); the file written,
        or None (cancelled, or nothing to export). Errors go to the panel's status line."""
        text, name, needs = KINDS[kind]
        panel = self.panel
        if needs and panel.result is None:
            return None
        if path is None:
            suffix = Path(name).suffix
            path, _ = QFileDialog.getSaveFileName(panel, text.rstrip("…"), str(Path(self.folder) / name),
                                                  f"{suffix[1:].upper()} files (*{suffix})")
            if not path:
                return None
        path = Path(path)
        self.folder = str(path.parent)
        try:
            if kind == "confusion.csv":
                path.write_text(confusion_csv(panel.result.evaluation), encoding="utf-8")
            elif kind == "table.csv":
                path.write_text(class_table_csv(panel.result.evaluation), encoding="utf-8")
            else:
                path = self._picture(kind, path)
        except OSError as e:
            panel.say(f"Cannot export: {e}")
            return None
        panel.say(f"Saved {path}.")
        return path

    def _picture(self, kind: str, path: Path) -> Path:
        """The matrix, the curves or the map drawn afresh at a size of their own (whatever the
        panel's), under a title saying what they are of."""
        panel = self.panel
        r = panel.result
        context = [] if r is None else [f"{r.evaluation.n_images:,} {r.dataset} test images, {r.weights}: "
                                        f"{100 * r.evaluation.accuracy:.2f}% right"]
        if kind == "confusion.png":
            view = ConfusionView()
            view.set_matrix(r.evaluation.confusion)
            view.set_numbers(panel.confusion.numbers)
            k = len(r.evaluation.class_names)
            parts, title = [view], ["Confusion matrix: rows the true class, columns the answer; green right, "
                                    "red wrong"] + context
            size = (max(560, 60 + 48 * k), max(500, 70 + 40 * k))
        elif kind == "curves.png":
            panel.fill("curves")                  # the curves the tab shows (or would show)
            view = PRView()
            view.set_results(None if r is None else r.evaluation, () if r is None else r.curves)
            view.choice.setCurrentIndex(max(0, view.choice.findData(panel.curves.mode)))
            parts = [view.plot] + ([view.legend] if view.mode == ALL else [])
            title = [view.title()] + (context if view.mode != DEMO else [])
            size = (720, 640)
        else:
            if r.embedding is None:
                raise OSError("there is no map to export: " + r.embedding_note)
            view = MapView()
            view.set_map(r.embedding, r.evaluation, r.images, "")
            emb = r.embedding
            parts = [view.plot, view.legend]
            title = [f"Embedding map: {len(emb.points):,} test images by the output of {emb.projection.layer}, "
                     f"on its two main (PCA) directions; colour: the true class"] + context
            size = (760, 640)
        view.setFont(panel.font())
        view.resize(*size)
        view.setAttribute(Qt.WA_DontShowOnScreen)     # laid out and drawn, never on screen
        view.show()
        QApplication.processEvents()
        try:
            return titled_png([w.grab() for w in parts], title, path, panel)
        finally:
            view.close()
            view.deleteLater()
