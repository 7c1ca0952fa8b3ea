"""A text progress bar on stderr: redrawn in place on a terminal, a few plain lines otherwise."""
from __future__ import annotations

import sys
import time
from typing import Callable, Optional, TextIO

REDRAW_SECONDS = 0.1     # least time between redraws on a terminal
LOG_SECONDS = 2.0        # least time between lines in a log when the total is unknown


class ProgressBar:
    """``update(done, total, note)`` draws ``label [#####.....]  45%  note``, or
    ``label note`` when ``total`` is unknown (None or 0), e.g. a download whose
    server sent no Content-Length.

    On a terminal it redraws at most 10 times a second. In a log file it writes
    a line at every 10% so CI output stays short, or, without a total, one
    line every ``LOG_SECONDS``. An update skipped that way is written by
    :meth:`close`, so the last count is always shown. ``clock`` (seconds,
    monotonic) is for tests.
    """

    def __init__(self, label: str, stream: Optional[TextIO] = None, width: int = 30,
                 clock: Callable[[], float] = time.monotonic):
        self.label, self.width = label, width
        self.stream = stream or sys.stderr
        self.tty = getattr(self.stream, "isatty", lambda: False)()
        self._clock = clock
        self._last_draw: Optional[float] = None
        self._last_decile = -1
        self._drawn = False
        self._pending: Optional[str] = None   # the newest text not yet written

    def update(self, done: float, total: Optional[float], note: str = "") -> None:
        if total:
            frac = min(max(done / total, 0.0), 1.0)
            bar = "#" * int(frac * self.width)
            text = f"{self.label} [{bar:<{self.width}}] {frac * 100:3.0f}%  {note}"
        else:
            frac = None
            text = f"{self.label} {note}"
        now = self._clock()
        since = None if self._last_draw is None else now - self._last_draw
        if self.tty:
            due = since is None or since >= REDRAW_SECONDS or frac == 1.0
        elif frac is None:
            due = since is None or since >= LOG_SECONDS
        else:
            due = int(frac * 10) > self._last_decile
        if not due:
            self._pending = text
            return
        self._last_draw = now
        if frac is not None:
            self._last_decile = int(frac * 10)
        self._write(text)

    def _write(self, text: str) -> None:
        self._pending = None
        if self.tty:
            self.stream.write("\r" + text[:119].ljust(119))
            self._drawn = True
        else:
            self.stream.write(text + "\n")
        self.stream.flush()

    def close(self) -> None:
        """Write the last skipped update, if any, and end the bar's line (on a terminal)."""
        if self._pending is not None:
            self._write(self._pending)
        if self.tty and self._drawn:
            self.stream.write("\n")
            self.stream.flush()
        self._drawn = False


def bytes_text(n: float) -> str:
    """A byte count for people: '512 B', '1.5 KB', '9.9 MB' (powers of 1024)."""
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} GB"
