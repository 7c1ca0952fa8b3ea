"""A text progress bar on stderr: redrawn in place on a terminal, a few plain lines otherwise."""
from __future__ import annotations

import sys
import time
from typing import Optional, TextIO


class ProgressBar:
    """``update(done, total, note)`` draws ``label [#####.....]  45%  note``.

    On a terminal it redraws at most 10 times a second; in a log file it
    writes a line at every 10% so CI output stays short.
    """

    def __init__(self, label: str, stream: Optional[TextIO] = None, width: int = 30):
        self.label, self.width = label, width
        self.stream = stream or sys.stderr
        self.tty = getattr(self.stream, "isatty", lambda: False)()
        self._last_draw = 0.0
        self._last_decile = -1
        self._drawn = False

    def update(self, done: float, total: Optional[float], note: str = "") -> None:
        if total:
            frac = min(max(done / total, 0.0), 1.0)
            bar = "#" * int(frac * self.width)
            text = f"{self.label} [{bar:<{self.width}}] {frac * 100:3.0f}%  {note}"
        else:
            frac = None
            text = f"{self.label} {note}"
        if self.tty:
            now = time.monotonic()
            if now - self._last_draw < 0.1 and frac not in (None, 1.0):
                return
            self._last_draw = now
            self.stream.write("\r" + text[:119].ljust(119))
            self._drawn = True
        else:
            decile = -1 if frac is None else int(frac * 10)
            if decile <= self._last_decile:
                return
            self._last_decile = decile
            self.stream.write(text + "\n")
        self.stream.flush()

    def close(self) -> None:
        """End the bar's line (on a terminal)."""
        if self.tty and self._drawn:
            self.stream.write("\n")
            self.stream.flush()
        self._drawn = False


def bytes_text(n: float) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} GB"
