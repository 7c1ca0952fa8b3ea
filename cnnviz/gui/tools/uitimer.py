"""How late the UI thread is: a timer due every 10 ms that records by how much it fires late."""
from __future__ import annotations

import time
from typing import List

from PyQt5.QtCore import Qt, QTimer

#: the timer's period (ms)
PERIOD_MS = 10


class LatenessTimer:
    """``start()`` ... ``stop()``; ``late``: milliseconds each tick came after its due time
    (what a click or a pen movement would have waited)."""

    def __init__(self):
        self.late: List[float] = []
        self.timer = QTimer()
        self.timer.setTimerType(Qt.PreciseTimer)
        self.timer.setInterval(PERIOD_MS)
        self.timer.timeout.connect(self._tick)
        self._last = time.perf_counter()

    def start(self) -> None:
        self._last = time.perf_counter()
        self.timer.start()

    def stop(self) -> None:
        self.timer.stop()

    def _tick(self) -> None:
        now = time.perf_counter()
        self.late.append(max(0.0, (now - self._last) * 1000 - PERIOD_MS))
        self._last = now
