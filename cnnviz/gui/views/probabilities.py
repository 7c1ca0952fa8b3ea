"""The network's answer as a bar per class (top class highlighted), read from the
:class:`Inspector`'s softmax when ``traceChanged`` fires; hovering a bar names its class,
clicking it picks that class for the Why panel to explain (clicking it again: the top class)."""
from __future__ import annotations

from typing import Optional

import numpy as np
from PyQt5.QtCore import QPointF, Qt
from PyQt5.QtWidgets import QLabel, QToolTip, QVBoxLayout, QWidget

from ...explain import overconfidence
from ..model.inspector import Inspector
from ..widgets.badge import source_badge
from ..widgets.classbars import ClassBarChart, format_probability
from ..widgets.notes import NoteLabel


class ProbabilityPanel(QWidget):
    """Bar chart of the softmax over all classes, class names on the axis (see :class:`ClassBarChart`)."""

    def __init__(self, inspector: Inspector, parent: Optional[QWidget] = None):
        super().__init__(parent)
        self.setObjectName("probabilityPanel")
        self.inspector = inspector
        self.plot = ClassBarChart()
        self.plot.setObjectName("probabilityPlot")
        self.plot.scene().sigMouseMoved.connect(self._hover)
        self.plot.scene().sigMouseClicked.connect(self._click)
        # says what the bars are of when it is not the drawing (hidden otherwise: no room lost)
        self.source_label = QLabel()
        self.source_label.setWordWrap(True)
        self.source_label.hide()
        self.picked_label = QLabel()          # which class the Why panel explains, once one is picked
        self.picked_label.setWordWrap(True)
        self.picked_label.hide()
        self.note = NoteLabel()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.addWidget(self.note)
        layout.addWidget(self.source_label)
        layout.addWidget(self.plot)
        layout.addWidget(self.picked_label)
        inspector.networkChanged.connect(self._rebuild)
        inspector.traceChanged.connect(self.refresh)
        inspector.classPicked.connect(self._show_picked)
        inspector.metaChanged.connect(self._show_note)
        self._rebuild()

    @property
    def _hovered(self) -> Optional[int]:
        return self.plot.hovered

    # -- reading (for tests and exports) -------------------------------------
    def values(self) -> np.ndarray:
        """The bar heights now shown (zeros when there is no input)."""
        return self.plot.values.copy()

    def top_index(self) -> Optional[int]:
        return self.plot.top_index()

    def hover_text(self, index: int) -> str:
        names = self.inspector.class_names
        return f"{names[index]}: {format_probability(float(self.plot.values[index]))}"

    # -- updating -------------------------------------------------------------
    def _rebuild(self) -> None:
        self.plot.set_classes(self.inspector.class_names)
        self.refresh()
        self._show_picked()
        self._show_note()

    def _show_note(self) -> None:
        ins = self.inspector
        self.note.set_note(overconfidence(ins.class_names, ins.meta) + " Click a bar to see why it is so tall "
                           "or short (Why this answer).")

    def _show_picked(self) -> None:
        k = self.inspector.explained_class
        if k is not None:
            self.picked_label.setText(f"Why this answer explains “{self.inspector.class_names[k]}” "
                                      f"(click its bar again for the top class)")
        self.picked_label.setVisible(k is not None)

    def refresh(self) -> None:
        p = self.inspector.probabilities()
        self.plot.set_values(p)
        source = self.inspector.source
        shown = p is not None and not source.is_drawing
        if shown:
            self.source_label.setText(source_badge(source) + f"probabilities of {source.text}")
        self.source_label.setVisible(shown)

    def _click(self, event) -> None:
        index = self.plot.index_at(event.scenePos())
        if event.button() != Qt.LeftButton or index is None:
            return
        self.inspector.pick_class(None if index == self.inspector.explained_class else index)

    def _hover(self, scene_pos: QPointF) -> None:
        index = self.plot.index_at(scene_pos)
        self.plot.set_hovered(index)
        if index is None:
            QToolTip.hideText()
        else:
            global_pos = self.plot.mapToGlobal(self.plot.mapFromScene(scene_pos))
            QToolTip.showText(global_pos, self.hover_text(index), self.plot)
