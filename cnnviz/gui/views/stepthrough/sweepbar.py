"""Play / step / scrub through the positions of a sweep (a window sliding over a map,
or the units of a layer one after another)."""
from __future__ import annotations

from typing import Optional

from PyQt5.QtCore import Qt, QTimer, pyqtSignal
from PyQt5.QtWidgets import QHBoxLayout, QSlider, QToolButton, QWidget

from ...widgets.steadylabel import SteadyLabel

#: a whole sweep plays in about this many seconds (small maps: never faster than MAX_FPS)
SWEEP_SECONDS = 12.0
MIN_FPS, MAX_FPS = 3.0, 30.0


class SweepBar(QWidget):
    """◀ ▶ ▶| and a slider over ``count`` positions; ``moved(position)`` when the user (or
    playing) moves it. :meth:`set_sweep` sets the count and the position without emitting."""

    moved = pyqtSignal(int)

    def __init__(self, parent: Optional[QWidget] = None):
        super().__init__(parent)
        self.count = 0
        self.back_button = QToolButton()
        self.back_button.setText("◀")
        self.back_button.setToolTip("One step back")
        self.play_button = QToolButton()
        self.play_button.setCheckable(True)
        self.play_button.setToolTip("Slide the window over the whole output, one position after another")
        self.forward_button = QToolButton()
        self.forward_button.setText("▶|")
        self.forward_button.setToolTip("One step forward")
        self.slider = QSlider(Qt.Horizontal)
        self.slider.setFocusPolicy(Qt.ClickFocus)     # the arrows step layers unless clicked
        self.slider.setMinimumWidth(60)
        self.label = SteadyLabel(plain=True)
        self.timer = QTimer(self)
        self.back_button.clicked.connect(self.step_back)
        self.forward_button.clicked.connect(self.step_forward)
        self.play_button.toggled.connect(self.set_playing)
        self.slider.valueChanged.connect(self._on_slider)
        self.timer.timeout.connect(self._tick)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(3)
        for w in (self.back_button, self.play_button, self.forward_button):
            w.setFocusPolicy(Qt.NoFocus)
            row.addWidget(w)
        row.addWidget(self.slider, 2)
        row.addWidget(self.label, 3, Qt.AlignVCenter)
        self._show_play()

    @property
    def position(self) -> int:
        return self.slider.value()

    @property
    def playing(self) -> bool:
        return self.timer.isActive()

    def set_sweep(self, count: int, position: int, text: str = "") -> None:
        """``count`` positions (0 hides the controls), at ``position``; ``text`` beside the slider."""
        self.count = int(count)
        self.setVisible(self.count > 1)
        self.slider.blockSignals(True)
        self.slider.setRange(0, max(self.count - 1, 0))
        self.slider.setValue(int(position))
        self.slider.blockSignals(False)
        self.label.setText(text)
        self.label.setToolTip(text)
        if self.count <= 1:
            self.set_playing(False)

    def step_forward(self) -> None:
        self.slider.setValue(min(self.position + 1, self.count - 1))

    def step_back(self) -> None:
        self.slider.setValue(max(self.position - 1, 0))

    def set_playing(self, playing: bool) -> None:
        """Start (from the start, if at the end) or stop playing."""
        if playing and self.count > 1:
            if self.position >= self.count - 1:
                self.slider.setValue(0)
            fps = min(max(self.count / SWEEP_SECONDS, MIN_FPS), MAX_FPS)
            self.timer.start(int(1000 / fps))
        else:
            self.timer.stop()
        self._show_play()

    def _show_play(self) -> None:
        playing = self.timer.isActive()
        self.play_button.blockSignals(True)
        self.play_button.setChecked(playing)
        self.play_button.blockSignals(False)
        self.play_button.setText("❚❚" if playing else "▶")

    def _tick(self) -> None:
        if self.position >= self.count - 1:
            self.set_playing(False)
        else:
            self.step_forward()

    def _on_slider(self, value: int) -> None:
        self.moved.emit(int(value))
