"""The network's answer: a bar per class (top class highlighted) and a big prediction label.

Both read the softmax from the :class:`Inspector` when ``traceChanged`` fires;
hovering a bar shows its class and probability.
"""
from __future__ import annotations

from typing import List, Optional

import numpy as np
import pyqtgraph as pg
from PyQt5.QtCore import QPointF, QRect, QSize, Qt
from PyQt5.QtGui import QFont, QFontMetrics, QPainter
from PyQt5.QtWidgets import QSizePolicy, QToolTip, QVBoxLayout, QWidget

from . import theme
from .inspector import Inspector

BAR_WIDTH = 0.72


def what_to_draw(class_names: List[str]) -> str:
    """"a digit", "a letter" or "something", from the class names."""
    if class_names and all(len(n) == 1 and n.isdigit() for n in class_names):
        return "a digit"
    if class_names and all(len(n) == 1 and n.isalpha() for n in class_names):
        return "a letter"
    return "something"


def format_probability(p: float) -> str:
    """98.2%, 100%, <0.1% - a percentage a student can read at a glance."""
    if p >= 0.9995:
        return "100%"
    if p < 0.0005:
        return "<0.1%" if p > 0 else "0%"
    return f"{100 * p:.1f}%"


def current_probabilities(inspector: Inspector) -> Optional[np.ndarray]:
    """The softmax of the shown input, or None - also while a new network's trace is pending
    (during ``networkChanged`` the trace still belongs to the previous network)."""
    p = inspector.probabilities()
    return p if p is not None and len(p) == len(inspector.class_names) else None


class ProbabilityPanel(QWidget):
    """Bar chart of the softmax over all classes, class names on the axis."""

    def __init__(self, inspector: Inspector, parent: Optional[QWidget] = None):
        super().__init__(parent)
        self.setObjectName("probabilityPanel")
        self.inspector = inspector
        self.plot = pg.PlotWidget()
        self.plot.setObjectName("probabilityPlot")
        self.plot.setMenuEnabled(False)
        self.plot.setMouseEnabled(x=False, y=False)
        self.plot.hideButtons()
        self.plot.setMinimumHeight(120)
        item = self.plot.getPlotItem()
        item.setYRange(0, 1.22, padding=0)   # headroom for the top bar's label
        item.showGrid(x=False, y=True, alpha=0.25)
        left = item.getAxis("left")
        left.setTicks([[(v, f"{int(v * 100)}%") for v in (0, 0.25, 0.5, 0.75, 1.0)]])
        self.bars = pg.BarGraphItem(x=[0], height=[0], width=BAR_WIDTH)
        item.addItem(self.bars)
        self.top_text = pg.TextItem(anchor=(0.5, 1.0))
        item.addItem(self.top_text)
        self.plot.scene().sigMouseMoved.connect(self._hover)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.addWidget(self.plot)
        self._probs = np.zeros(0)
        self._hovered: Optional[int] = None
        inspector.networkChanged.connect(self._rebuild)
        inspector.traceChanged.connect(self.refresh)
        theme.theme_signals().changed.connect(self._on_theme)
        self._rebuild()

    # -- reading (for tests and exports) -------------------------------------
    def values(self) -> np.ndarray:
        """The bar heights now shown (zeros when there is no input)."""
        return self._probs.copy()

    def top_index(self) -> Optional[int]:
        return int(np.argmax(self._probs)) if self._probs.size and self._probs.max() > 0 else None

    def hover_text(self, index: int) -> str:
        names = self.inspector.class_names
        return f"{names[index]}: {format_probability(float(self._probs[index]))}"

    # -- updating -------------------------------------------------------------
    def _rebuild(self) -> None:
        names = self.inspector.class_names
        n = len(names)
        axis = self.plot.getPlotItem().getAxis("bottom")
        axis.setTicks([[(i, name) for i, name in enumerate(names)]])
        font = QFont(self.font())
        font.setPointSizeF(self.font().pointSizeF() * (1.15 if n <= 12 else 0.9))
        axis.setTickFont(font)
        self.plot.getPlotItem().setXRange(-0.6, n - 0.4, padding=0)
        self.refresh()

    def refresh(self) -> None:
        n = len(self.inspector.class_names)
        p = current_probabilities(self.inspector)
        self._probs = np.zeros(n) if p is None else np.asarray(p, dtype=float)
        c = theme.colors()
        top = self.top_index()
        brushes = [pg.mkBrush(c["bar_top"] if i == top else c["bar"]) for i in range(n)]
        pens = [pg.mkPen(c["plot_fg"], width=1.5) if i == self._hovered else pg.mkPen(None) for i in range(n)]
        self.bars.setOpts(x=np.arange(n), height=self._probs, width=BAR_WIDTH, brushes=brushes, pens=pens)
        if top is None:
            self.top_text.setText("")
        else:
            value = min(float(self._probs[top]), 1.0)
            self.top_text.setText(format_probability(value), color=c["bar_top"])
            self.top_text.setPos(top, value + 0.01)

    def _on_theme(self, _name: str) -> None:
        self.refresh()

    def _hover(self, scene_pos: QPointF) -> None:
        vb = self.plot.getPlotItem().getViewBox()
        index = None
        if vb.sceneBoundingRect().contains(scene_pos):
            x = vb.mapSceneToView(scene_pos).x()
            i = int(round(x))
            if 0 <= i < len(self._probs) and abs(x - i) <= BAR_WIDTH / 2:
                index = i
        if index != self._hovered:
            self._hovered = index
            self.refresh()
        if index is None:
            QToolTip.hideText()
        else:
            global_pos = self.plot.mapToGlobal(self.plot.mapFromScene(scene_pos))
            QToolTip.showText(global_pos, self.hover_text(index), self.plot)


class PredictionLabel(QWidget):
    """"prediction: 7 (98.2%)" in large type, the runner-ups below; a prompt without input.

    Painted rather than made of QLabels: a label's new text asks the whole
    window to lay itself out again, and this text changes on every update.
    """

    def __init__(self, inspector: Inspector, parent: Optional[QWidget] = None):
        super().__init__(parent)
        self.setObjectName("predictionLabel")
        self.inspector = inspector
        self._main = ""
        self._detail = ""
        self.big_font = QFont(self.font())
        self.big_font.setPointSizeF(max(16.0, self.font().pointSizeF() * 1.9))
        self.big_font.setBold(True)
        big, small = QFontMetrics(self.big_font), self.fontMetrics()
        self._big_height = big.height()
        self.setFixedHeight(big.height() + 2 * small.lineSpacing() + 6)
        self.setSizePolicy(QSizePolicy.Ignored, QSizePolicy.Fixed)
        inspector.traceChanged.connect(self.refresh)
        inspector.networkChanged.connect(self.refresh)
        self.refresh()

    def sizeHint(self) -> QSize:
        return QSize(QFontMetrics(self.big_font).horizontalAdvance("prediction: 8 (100.0%)"), self.height())

    def text(self) -> str:
        """The main line, e.g. "prediction: 7 (98.2%)" or "draw a digit"."""
        return self._main

    def detail(self) -> str:
        """The second line: runner-up classes, or a hint."""
        return self._detail

    def refresh(self) -> None:
        names = self.inspector.class_names
        p = current_probabilities(self.inspector)
        if p is None:
            self._main = f"draw {what_to_draw(names)}"
            self._detail = "The network's answer appears here while you draw."
        else:
            order = np.argsort(p)[::-1]
            best = int(order[0])
            self._main = f"prediction: {names[best]} ({format_probability(float(p[best]))})"
            parts = [f"then {names[int(i)]} ({format_probability(float(p[int(i)]))})" for i in order[1:3]]
            note = ""
            if is_untrained_meta(self.inspector.meta):
                note = " - untrained network: its answers are guesses"
            self._detail = ", ".join(parts) + note
        self.setToolTip(self._main + "\n" + self._detail)
        self.update()

    def paintEvent(self, event) -> None:
        p = QPainter(self)
        p.setPen(self.palette().windowText().color())
        p.setFont(self.big_font)
        p.drawText(QRect(0, 0, self.width(), self._big_height), Qt.AlignLeft | Qt.AlignVCenter,
                   QFontMetrics(self.big_font).elidedText(self._main, Qt.ElideRight, self.width()))
        p.setFont(self.font())
        p.drawText(QRect(0, self._big_height + 4, self.width(), self.height() - self._big_height - 4),
                   Qt.AlignLeft | Qt.AlignTop | Qt.TextWordWrap, self._detail)
        p.end()


def is_untrained_meta(meta: dict) -> bool:
    """True for a network with random weights (see :func:`cnnviz.gui.modelinfo.is_untrained`)."""
    return bool(meta.get("untrained") or (meta.get("extra") or {}).get("untrained"))
