"""Precision and recall: the per-class table, the curves (one class or all) and the textbook's
worked example, whose average precision is drawn as the shaded area under its curve.

A curve ranks the test images by the probability of one class; after the k-th
image, precision P_k = TP_k / k and recall R_k = TP_k / (images of the class).
The step curve holds P_k over (R_{k-1}, R_k]; AP is the area under it, which
is what is shaded.
"""
from __future__ import annotations

from typing import Optional, Sequence

import numpy as np
import pyqtgraph as pg
from PyQt5.QtCore import Qt, pyqtSignal
from PyQt5.QtWidgets import (QAbstractItemView, QHBoxLayout, QHeaderView, QLabel, QSplitter, QTableWidget,
                             QTableWidgetItem, QVBoxLayout, QWidget)

from ....evaluation import Evaluation, PRCurve, WorkedExample, worked_example
from ...widgets import theme
from ...widgets.labels import WrapLabel
from ...widgets.wheelguard import ComboBox
from .palette import class_colors, color_chips

ALL, DEMO = "all", "demo"
COLUMNS = ("class", "precision", "recall", "F1", "AP", "images")
DEMO_COLUMNS = ("rank", "hit", "precision", "recall")
SHADE_ALPHA = 70


class PRView(QWidget):
    """Public: ``choice`` (combo: all classes, one class (its index), or the worked example),
    ``plot`` (pg.PlotWidget), ``plot_area`` (the choice, the plot and its caption), ``table``,
    ``caption``, ``legend``, :attr:`curves` (the drawn PlotDataItems),
    :attr:`example`, :meth:`set_results`, :meth:`show_class`, :meth:`show_example`."""

    classPicked = pyqtSignal(int)

    def __init__(self, parent: Optional[QWidget] = None):
        super().__init__(parent)
        self.evaluation: Optional[Evaluation] = None
        self.class_curves: Sequence[PRCurve] = ()
        self.example: WorkedExample = worked_example()
        self.curves = []
        self.choice = ComboBox()
        self.choice.setToolTip("Which precision-recall curve to draw")
        self.choice.currentIndexChanged.connect(self._redraw)
        self.plot = pg.PlotWidget()
        self.plot.setMenuEnabled(False)
        self.plot.setMouseEnabled(x=False, y=False)
        self.plot.hideButtons()
        self.plot.setLabel("bottom", "recall")
        self.plot.setLabel("left", "precision")
        self.plot.disableAutoRange()            # precision and recall: always the unit square
        self.plot.setXRange(0, 1, padding=0.02)
        self.plot.setYRange(0, 1.1, padding=0)
        self.plot.showGrid(x=True, y=True, alpha=0.2)
        self.plot.setMinimumHeight(150)
        self.caption = WrapLabel()
        self.legend = WrapLabel()               # the classes' colours, while all curves are drawn
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setEditTriggers(QAbstractItemView.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SingleSelection)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.Stretch)
        self.table.cellClicked.connect(self._row_clicked)
        top = QWidget()
        col = QVBoxLayout(top)
        col.setContentsMargins(0, 0, 0, 0)
        row = QHBoxLayout()
        row.addWidget(QLabel("Curve of"))
        row.addWidget(self.choice, 1)
        col.addLayout(row)
        col.addWidget(self.plot, 1)
        col.addWidget(self.legend)
        col.addWidget(self.caption)
        self.plot_area = top
        splitter = QSplitter(Qt.Vertical)
        splitter.addWidget(top)
        splitter.addWidget(self.table)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        splitter.setChildrenCollapsible(False)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.addWidget(splitter)
        self.set_results(None, ())

    @property
    def mode(self):
        """ALL, DEMO or the class index shown."""
        mode = self.choice.currentData()
        return mode if mode is not None else DEMO

    def set_results(self, evaluation: Optional[Evaluation], curves: Sequence[PRCurve]) -> None:
        """Show ``evaluation``'s table and ``curves`` (one per class); None: only the worked example."""
        keep = self.mode if self.evaluation is not None else None      # a first result shows all classes
        self.evaluation, self.class_curves = evaluation, tuple(curves)
        self.choice.blockSignals(True)
        self.choice.clear()
        if evaluation is not None:
            self.choice.addItem("all classes", ALL)
            for k, name in enumerate(evaluation.class_names):
                self.choice.addItem(f"class {name}", k)
        self.choice.addItem("the worked example (10 detections, 15 objects)", DEMO)
        index = self.choice.findData(keep)
        self.choice.setCurrentIndex(index if index >= 0 and keep is not None else 0)
        self.choice.blockSignals(False)
        self._redraw()

    def title(self) -> str:
        """What the plot shows, in a line (for an exported picture)."""
        mode = self.mode
        if mode == DEMO or self.evaluation is None:
            ex = self.example
            return (f"Precision-recall, the worked example: {len(ex.hits)} detections of {ex.n_ground_truth} objects; "
                    f"AP = {ex.ap.numerator}/{ex.ap.denominator} ≈ {float(ex.ap):.4f} (shaded)")
        if mode == ALL:
            return (f"Precision-recall curves of the {len(self.class_curves)} classes; mAP "
                    f"{self.evaluation.mean_ap:.4f}")
        curve = self.class_curves[mode]
        return f"Precision-recall curve of class {curve.name}; AP {curve.ap:.4f} (shaded)"

    def show_class(self, k: int) -> None:
        self._show(k)

    def show_example(self) -> None:
        self._show(DEMO)

    def _show(self, mode) -> None:
        index = self.choice.findData(mode)
        if index >= 0:
            self.choice.setCurrentIndex(index)

    # -- drawing -------------------------------------------------------------------------
    def _redraw(self, *_args) -> None:
        self.plot.clear()
        self.curves = []
        mode = self.mode
        self.legend.setText("")
        self.legend.setVisible(mode == ALL and self.evaluation is not None)
        if mode == DEMO or self.evaluation is None:
            self._draw_example()
        elif mode == ALL:
            colors = class_colors(len(self.class_curves))
            for curve, color in zip(self.class_curves, colors):
                self._add(curve, color, shade=False)
            self.legend.setText(color_chips(self.evaluation.class_names, colors))
            ev = self.evaluation
            self.caption.setText(f"<b>mAP {ev.mean_ap:.4f}</b>: the mean of the {len(self.class_curves)} classes' "
                                 f"average precision (AP, the area under each curve). Each curve ranks all "
                                 f"{ev.n_images:,} test images by the probability of its class. Pick a class "
                                 f"(or click its row) to see its area shaded.")
            self._fill_table()
        else:
            curve = self.class_curves[mode]
            self._add(curve, class_colors(len(self.class_curves))[mode], shade=True)
            self.caption.setText(f"<b>class {curve.name}: AP {curve.ap:.4f}</b>, the shaded area. The "
                                 f"{self.evaluation.n_images:,} test images ranked by the probability of "
                                 f"{curve.name}; after each one, precision = right answers among those taken, "
                                 f"recall = share of the {curve.n_positive:,} images of {curve.name} found.")
            self._fill_table()
            self.table.selectRow(mode)

    def _add(self, curve: PRCurve, color, shade: bool) -> None:
        x, y = curve.outline()
        pen = pg.mkPen(color, width=2)
        if shade:
            fill = pg.mkColor(color)
            fill.setAlpha(SHADE_ALPHA)
            item = self.plot.plot(x, y, pen=pen, fillLevel=0.0, brush=fill, name=curve.name)
        else:
            item = self.plot.plot(x, y, pen=pen, name=curve.name)
        self.curves.append(item)

    def _draw_example(self) -> None:
        ex = self.example
        self._add(ex.curve, theme.colors()["accent"], shade=True)
        hits = np.array(ex.hits)
        recall = ex.curve.recall
        precision = ex.curve.precision
        for mask, color, name in ((hits, "#2e9e4f", "true positive"), (~hits, "#c62828", "false positive")):
            self.plot.plot(recall[mask], precision[mask], pen=None, symbol="o", symbolSize=8,
                           symbolBrush=color, symbolPen=None, name=name)
        last_p, last_r = ex.precision[-1], ex.recall[-1]
        label = pg.TextItem(f"P = {last_p.numerator}/{last_p.denominator}, R = {last_r.numerator}/{last_r.denominator}",
                            anchor=(-0.05, 0.5), color=theme.colors()["text"])
        label.setPos(float(last_r), float(last_p))
        self.plot.addItem(label)
        marks = " ".join("T" if h else "F" for h in ex.hits)
        terms = " + ".join(f"{r - r0}·{p}" for p, r, r0 in zip(ex.precision, ex.recall, (0,) + ex.recall[:-1])
                           if r != r0)
        self.caption.setText(
            f"<b>The worked example</b>: {len(ex.hits)} detections of {ex.n_ground_truth} objects, ranked by "
            f"confidence: {marks}. After all ten: precision {last_p.numerator}/{last_p.denominator} = "
            f"{float(last_p):.2f}, recall {last_r.numerator}/{last_r.denominator} = {float(last_r):.3f}. "
            f"<b>AP = {ex.ap.numerator}/{ex.ap.denominator} ≈ {float(ex.ap):.4f}</b>, the shaded area: each true "
            f"positive adds a strip 1/{ex.n_ground_truth} wide at the precision reached there "
            f"({terms}).")
        self.table.clear()
        self.table.setColumnCount(len(DEMO_COLUMNS))
        self.table.setHorizontalHeaderLabels(DEMO_COLUMNS)
        self.table.setRowCount(len(ex.hits))
        for k, (hit, p, r) in enumerate(zip(ex.hits, ex.precision, ex.recall)):
            texts = (str(k + 1), "T" if hit else "F", f"{p.numerator}/{p.denominator} = {float(p):.3f}",
                     f"{r.numerator}/{r.denominator} = {float(r):.3f}")
            for c, text in enumerate(texts):
                self.table.setItem(k, c, _cell(text))

    def _fill_table(self) -> None:
        ev = self.evaluation
        self.table.clear()
        self.table.setColumnCount(len(COLUMNS))
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.setRowCount(len(ev.classes) + 1)
        for k, c in enumerate(ev.classes):
            for col, text in enumerate((c.name, f"{c.precision:.4f}", f"{c.recall:.4f}", f"{c.f1:.4f}",
                                        f"{c.ap:.4f}", f"{c.support:,}")):
                self.table.setItem(k, col, _cell(text))
        last = len(ev.classes)
        for col, text in enumerate(("mean", f"{ev.macro_precision:.4f}", f"{ev.macro_recall:.4f}",
                                    f"{ev.macro_f1:.4f}", f"mAP {ev.mean_ap:.4f}", f"{ev.n_images:,}")):
            item = _cell(text)
            font = item.font()
            font.setBold(True)
            item.setFont(font)
            self.table.setItem(last, col, item)

    def _row_clicked(self, row: int, _column: int) -> None:
        if self.evaluation is not None and self.mode != DEMO and row < len(self.evaluation.classes):
            self.show_class(row)
            self.classPicked.emit(row)


def _cell(text: str) -> QTableWidgetItem:
    item = QTableWidgetItem(text)
    item.setTextAlignment(Qt.AlignCenter)
    return item
