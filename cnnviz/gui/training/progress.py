"""The run's progress line: step, epoch, speed and time left, as values and as words.

:class:`RunProgress` keeps the numbers of the current run (never parsed back
from a label) and turns them into the text the Training panel shows.
"""
from __future__ import annotations

import math
import time
from typing import Optional, Tuple

#: the progress line while a data set is read or downloaded
LOADING_TEXT = "Getting the data set ready: training starts when it is here."
#: how often the line may change (a new text lays the dock out again)
UPDATE_SECONDS = 0.5


def duration_text(seconds: float) -> str:
    """"42 s", "3 min 05 s", "1 h 02 min"."""
    seconds = max(0, int(round(seconds)))
    if seconds < 60:
        return f"{seconds} s"
    if seconds < 3600:
        return f"{seconds // 60} min {seconds % 60:02d} s"
    return f"{seconds // 3600} h {seconds % 3600 // 60:02d} min"


def unsaved_text(doing: str, autosaved: Optional[Tuple[str, int]], step: Optional[int]) -> str:
    """A sentence for the question asked before ``doing`` (e.g. "quit") drops unsaved training:
    what the run's newest autosave (path, its step; None: none yet) keeps of the weights at
    ``step`` (None while the run goes on, so the steps after the autosave are not counted)."""
    if autosaved is None:
        return f"to {doing} now loses that training."
    path, saved = autosaved
    after = None if step is None else step - saved
    if after is not None and after <= 0:
        return f"to {doing} now leaves it only as the autosave {path} (the app's cache folder)."
    lost = "the steps after it" if after is None else f"the {after:,} steps after it"
    return f"its last finished epoch (step {saved:,}) is kept as the autosave {path}; to {doing} now loses {lost}."


class RunProgress:
    """Progress of one run of ``epochs`` epochs of ``steps_per_epoch`` steps of ``batch``
    images, whose step numbers start after ``offset`` (a continued run)."""

    def __init__(self, images: int, batch: int, epochs: int, offset: int = 0):
        self.batch = int(batch)
        self.epochs = int(epochs)
        self.offset = int(offset)
        self.steps_per_epoch = max(1, math.ceil(images / max(1, self.batch)))
        self.images = int(images)
        self.step = self.offset                   # the newest step (counted like the history)
        self.speed = 0.0                          # smoothed samples per second
        self._mark: Tuple[float, int] = (time.perf_counter(), 0)
        self._suffix = ""

    @property
    def total_steps(self) -> int:
        return self.steps_per_epoch * self.epochs

    @property
    def run_step(self) -> int:
        """Steps done in this run."""
        return self.step - self.offset

    @property
    def fraction(self) -> float:
        return min(1.0, max(0.0, self.run_step / max(self.total_steps, 1)))

    def starting_text(self) -> str:
        return f"Starting: {self.images:,} images, {self.steps_per_epoch:,} steps per epoch…"

    def advance(self, step: int) -> bool:
        """Note that step ``step`` is done; True when the line should be redrawn now."""
        self.step = int(step)
        now = time.perf_counter()
        t0, s0 = self._mark
        if now - t0 < UPDATE_SECONDS:
            return False
        rate = (self.run_step - s0) * self.batch / (now - t0)
        self.speed = rate if self.speed == 0 else 0.6 * self.speed + 0.4 * rate
        self._mark = (now, self.run_step)
        return True

    def set_suffix(self, suffix: str) -> None:
        """A note after the line, e.g. " — paused" (empty: none)."""
        self._suffix = suffix

    def text(self) -> str:
        """"Step 1,234 · epoch 2/5 (34/227)" and "5,400 samples/s · ETA 2 min 10 s"."""
        run, spe = self.run_step, self.steps_per_epoch
        if run <= 0:
            return self.starting_text() + self._suffix
        epoch, batch = (run - 1) // spe + 1, (run - 1) % spe + 1
        line = f"Step {self.step:,} · epoch {epoch}/{self.epochs} ({batch}/{spe})"
        if self.speed > 0:
            eta = (self.total_steps - run) * self.batch / self.speed
            line += f"\n{self.speed:,.0f} samples/s · ETA {duration_text(eta)}"
        return line + self._suffix

    def final_text(self, epoch: int, reason: str) -> str:
        """The line once the run has ended ``reason`` ("completed", "stopped", ...) in ``epoch``."""
        return f"Step {self.step:,} · epoch {max(epoch, 1)}/{self.epochs} · {reason}"

    def ended(self, run_steps: int) -> None:
        self.step = self.offset + int(run_steps)
