"""The main window's centre: drawing tools, the canvas, what the network sees, its answer."""
from __future__ import annotations

from typing import Optional

from PyQt5.QtCore import Qt
from PyQt5.QtWidgets import (QGridLayout, QHBoxLayout, QLabel, QSlider, QSizePolicy, QToolButton,
                             QVBoxLayout, QWidget)

from ..widgets import theme
from ..widgets.canvas import BRUSH_RANGE, DrawingCanvas
from ..model.inspector import Inspector
from ..model.livepredict import LivePredictor
from ..widgets.preview import InputPreview
from ..model.modeltext import what_to_draw
from ..views.prediction import PredictionLabel
from ..widgets.badge import source_badge
from ..widgets.labels import WrapLabel


class DrawPanel(QWidget):
    """Canvas with brush/undo/clear, the preprocessed input preview and the prediction."""

    def __init__(self, inspector: Inspector, parent: Optional[QWidget] = None):
        super().__init__(parent)
        self.setObjectName("drawPanel")
        self.inspector = inspector
        self.canvas = DrawingCanvas()
        self.preview = InputPreview()
        self.prediction = PredictionLabel(inspector)
        self.predictor = LivePredictor(self.canvas, inspector, self)

        self.brush = QSlider(Qt.Horizontal)
        self.brush.setObjectName("brushSlider")
        self.brush.setRange(*BRUSH_RANGE)
        self.brush.setValue(int(self.canvas.brush_size()))
        self.brush.setFocusPolicy(Qt.NoFocus)     # arrow keys step layers, not the brush
        self.brush.setMinimumWidth(30)             # narrow windows: the slider gives way first
        self.brush.setMaximumWidth(120)
        self.brush.setToolTip("Brush size")
        self.brush.valueChanged.connect(self.canvas.set_brush_size)
        self.brush_value = QLabel()
        # "brush 22 px" after the slider: one label says what the slider is and where it stands
        self.brush.valueChanged.connect(self._show_brush)
        self._show_brush(self.brush.value())
        self.brush_value.setMinimumWidth(self.brush_value.fontMetrics().horizontalAdvance("brush 60 px") + 2)
        # tool buttons: as wide as their words, so the row fits a narrow window
        self.undo_button = QToolButton()
        self.clear_button = QToolButton()
        self.open_button = QToolButton()
        for b, text in ((self.undo_button, "Undo"), (self.clear_button, "Clear"), (self.open_button, "Open…")):
            b.setText(text)
            b.setToolButtonStyle(Qt.ToolButtonTextOnly)
            b.setFocusPolicy(Qt.NoFocus)
        self.undo_button.setToolTip("Take back the last stroke (Ctrl+Z)")
        self.clear_button.setToolTip("Start again on blank paper (Del)")
        self.open_button.setToolTip("Open an image file to classify (Ctrl+O); dropping one here works too")
        self.undo_button.clicked.connect(self.canvas.undo)
        self.clear_button.clicked.connect(self.canvas.clear)
        self.canvas.historyChanged.connect(self._sync_buttons)
        self.canvas.contentChanged.connect(self._sync_buttons)

        tools = QHBoxLayout()
        tools.setSpacing(3)
        tools.addWidget(self.brush, 1)
        tools.addWidget(self.brush_value)
        tools.addSpacing(2)
        tools.addWidget(self.undo_button)
        tools.addWidget(self.clear_button)
        tools.addStretch(1)
        tools.addWidget(self.open_button)

        # wrapped labels that keep their height: the preview shrinks before any text is cut
        self.preview_title = WrapLabel()
        self.preview_title.setObjectName("previewTitle")
        self.preview_note = WrapLabel()
        self.preview_note.setObjectName("previewNote")
        self.preview_note.setAlignment(Qt.AlignTop | Qt.AlignLeft)
        self.preview.setMinimumSize(72, 72)
        self.preview.setSizePolicy(QSizePolicy.Expanding, QSizePolicy.Expanding)
        side = QVBoxLayout()
        side.setContentsMargins(0, 0, 0, 0)
        side.setSpacing(4)
        side.addWidget(self.preview_title)
        side.addWidget(self.preview, 1)
        side.addWidget(self.preview_note)
        side_box = QWidget()
        side_box.setLayout(side)
        side_box.setMinimumWidth(130)
        side_box.setMaximumWidth(200)
        side_box.setSizePolicy(QSizePolicy.Preferred, QSizePolicy.Preferred)
        self.side_box = side_box

        grid = QGridLayout(self)
        grid.setContentsMargins(6, 6, 6, 6)
        grid.setHorizontalSpacing(10)
        grid.addLayout(tools, 0, 0, 1, 2)
        grid.addWidget(self.canvas, 1, 0)
        grid.addWidget(side_box, 1, 1, 2, 1)       # beside the prediction too: room for its notes
        grid.addWidget(self.prediction, 2, 0)
        grid.setRowStretch(1, 1)
        grid.setColumnStretch(0, 3)
        grid.setColumnStretch(1, 1)

        inspector.traceChanged.connect(self._show_input)
        inspector.networkChanged.connect(self._network_changed)
        theme.theme_signals().changed.connect(self._style_notes)
        self._network_changed()
        self._style_notes()
        self._sync_buttons()

    def _style_notes(self, _theme: str = "") -> None:
        self.preview_note.setStyleSheet(f"color: {theme.colors()['muted']};")

    def set_brush_size(self, px: int) -> None:
        """Set the brush (the slider and the canvas follow each other)."""
        self.brush.setValue(int(px))

    def _show_brush(self, px: int) -> None:
        self.brush_value.setText(f"brush {px} px")

    def _sync_buttons(self, *_args) -> None:
        self.undo_button.setEnabled(self.canvas.can_undo() or self.canvas.is_drawing())
        self.clear_button.setEnabled(not self.canvas.is_blank())

    def _network_changed(self) -> None:
        self.canvas.set_hint(f"Draw {what_to_draw(self.inspector.class_names)} here")
        self._show_input()

    def _show_input(self) -> None:
        trace = self.inspector.trace
        source = self.inspector.source
        self.preview.set_input(None if trace is None else trace[0].value[0])
        c, h, w = self.inspector.network.input_shape
        past = trace is not None and source.kind == "past"
        title = f"<b>What the network {'saw' if past else 'sees'}</b><br>{h}×{w}" + (" grey" if c == 1 else
                                                                                      f", {c} channels")
        self.preview_title.setText(("" if trace is None else source_badge(source)) + title)
        info = self.predictor.info
        if trace is not None and not source.is_drawing:
            self.preview_note.setText(f"{source.text[0].upper()}{source.text[1:]}, not your drawing.")
        elif self.predictor.problem:
            self.preview_note.setText(self.predictor.problem)
        elif trace is None:
            self.preview_note.setText("Empty: nothing to classify.")
        elif c == 1 and info is not None:
            self.preview_note.setText(
                ("Inverted, c" if info.inverted else "C") + f"ropped to the ink, scaled to "
                f"{round(min(h, w) * 20 / 28)} px, centred by mass.")
        elif info is not None:
            self.preview_note.setText(f"Resized to {h}×{w}.")
        else:
            self.preview_note.setText("")
